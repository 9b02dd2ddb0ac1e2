"""Real servers for the production-shape tests: PostgreSQL, Redis, HAProxy and gunicorn, each
on a free loopback port with its files in a temporary directory, stopped afterwards.

PostgreSQL, Redis and HAProxy are Debian's packages (``scripts/test`` installs them). As root
(CI), PostgreSQL runs as the ``postgres`` system user, since ``initdb`` refuses root.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from tests.support.emulator import ROOT, free_port

#: The production command of docs/deploying.md, as the tests run it.
PRODUCTION_COMMAND = [
    "gunicorn",
    "--config",
    "python:dashboard.serving.gunicorn_conf",
    "dashboard.wsgi",
]


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {timeout} s")
        time.sleep(0.1)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    return Path(found[-1]).parent


@contextmanager
def postgresql() -> Iterator[str]:
    """A fresh PostgreSQL cluster in a directory of its own (as root, owned by ``postgres``,
    outside pytest's private temporary folders); yields a ``DATABASE_URL``."""
    bindir = _pg_bin()
    data = Path(tempfile.mkdtemp(prefix="md-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(data, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    initdb = subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "dashboard", "--auth=trust"],
        capture_output=True,
        text=True,
    )
    if initdb.returncode:
        shutil.rmtree(data, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {initdb.stderr}")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={data}"
    pg_ctl = [*prefix, str(bindir / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        [*pg_ctl, "-o", options, "-l", str(data / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "dashboard",
                "dashboard",
            ],
            check=True,
            capture_output=True,
        )
        yield f"postgres://dashboard@127.0.0.1:{port}/dashboard"
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def redis(tmp: Path) -> Iterator[str]:
    """A Redis server without persistence; yields a ``CACHE_URL``."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    proc = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp),
            "--protected-mode",
            "yes",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: port_open(port), "Redis")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def self_signed_pem(tmp: Path) -> Path:
    """A certificate for ``localhost`` and its key, in one PEM file (HAProxy's format)."""
    key, cert = tmp / "key.pem", tmp / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    pem = tmp / "haproxy.pem"
    pem.write_text(cert.read_text() + key.read_text())
    return pem


@contextmanager
def haproxy(tmp: Path, backends: list[int], port: int | None = None) -> Iterator[int]:
    """HAProxy terminating TLS on ``port`` (or a free one), round-robin over ``backends``
    (each answer says which one served it in ``X-Served-By``); yields its port."""
    port = port or free_port()
    pem = self_signed_pem(tmp)
    servers = "\n".join(
        f"    server instance{n} 127.0.0.1:{backend}" for n, backend in enumerate(backends, 1)
    )
    config = tmp / "haproxy.cfg"
    config.write_text(
        f"""global
    maxconn 512
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 10s
frontend dashboard
    bind 127.0.0.1:{port} ssl crt {pem}
    http-request set-header X-Forwarded-Proto https
    option forwardfor
    default_backend instances
backend instances
    balance roundrobin
    http-response set-header X-Served-By %[srv_name]
{servers}
"""
    )
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    proc = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=subprocess.DEVNULL)
    try:
        wait_for(lambda: port_open(port), "HAProxy")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class _FromAddress(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def http_from(address: str) -> requests.Session:
    """An HTTP client whose connections leave from ``address``: on Linux any of 127.0.0.0/8,
    so a test can be a client other than the load balancer (127.0.0.1) on loopback alone."""
    http = requests.Session()
    http.trust_env = False
    for scheme in ("http://", "https://"):
        http.mount(scheme, _FromAddress(address))
    return http


def django_env(**settings: str) -> dict[str, str]:
    """The environment of a dashboard process: this one's, without its Django/Quay settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "QUAY_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("CACHE_URL", None)
    return {**clean, "PYTHONUNBUFFERED": "1", **settings}


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[int]:
    """The README's production command on a free port; yields the port. Its access and
    error logs go to ``log``."""
    with gunicorn_process(env, log) as (port, _):
        yield port


@contextmanager
def gunicorn_process(env: dict[str, str], log: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    """:func:`gunicorn`, yielding its process too, in a process group of its own: ``kill``
    ends the whole instance at once (an instance that dies mid-request)."""
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", *PRODUCTION_COMMAND],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: port_open(port) or proc.poll() is not None, "gunicorn")
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn stopped at start:\n{log.read_text()[-3000:]}")
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill(proc)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL to ``proc``'s whole process group (gunicorn's master and its workers)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


@contextmanager
def watch_process(env: dict[str, str], what: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``manage.py watch worker`` or ``scheduler`` (the watcher's processes, docs/deploying.md),
    its output to ``log``; stopped as Huey stops gracefully (SIGINT) afterwards."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "watch", what],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
