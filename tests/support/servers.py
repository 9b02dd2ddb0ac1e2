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


class PostgreSQL:
    """A PostgreSQL cluster the tests may stop and start again (same port, same data)."""

    def __init__(self, data: Path, port: int, prefix: list[str]) -> None:
        self.data, self.port, self.prefix = data, port, prefix
        self.url = f"postgres://dashboard@127.0.0.1:{port}/dashboard"
        self._pg_ctl = [*prefix, str(_pg_bin() / "pg_ctl"), "-D", str(data)]

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.data}"
        )
        subprocess.run(
            [*self._pg_ctl, "-o", options, "-l", str(self.data / "log"), "-w", "start"],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run([*self._pg_ctl, "-m", "fast", "-w", "stop"], capture_output=True)

    def ensure_running(self) -> None:
        if subprocess.run([*self._pg_ctl, "status"], capture_output=True).returncode:
            self.start()


@contextmanager
def postgresql_server() -> Iterator[PostgreSQL]:
    """A fresh PostgreSQL cluster in a directory of its own (as root, owned by ``postgres``,
    outside pytest's private temporary folders)."""
    bindir = _pg_bin()
    data = Path(tempfile.mkdtemp(prefix="md-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(data, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    initdb = subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "dashboard", "--auth=trust"],
        capture_output=True,
        text=True,
    )
    if initdb.returncode:
        shutil.rmtree(data, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {initdb.stderr}")
    server = PostgreSQL(data, free_port(), prefix)
    server.start()
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(server.port),
                "-U",
                "dashboard",
                "dashboard",
            ],
            check=True,
            capture_output=True,
        )
        yield server
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def postgresql() -> Iterator[str]:
    """A fresh PostgreSQL cluster (see ``postgresql_server``); yields a ``DATABASE_URL``."""
    with postgresql_server() as server:
        yield server.url


class Redis:
    """A Redis server without persistence that the tests may stop, start again on the same
    port, freeze (SIGSTOP) and thaw (SIGCONT)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.port = tmp, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open(self.port), "Redis")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a frozen one cannot stop
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def freeze(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def ensure_running(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        else:
            self.thaw()


@contextmanager
def redis_server(tmp: Path) -> Iterator[Redis]:
    server = Redis(tmp)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def redis(tmp: Path) -> Iterator[str]:
    """A Redis server without persistence; yields a ``CACHE_URL``."""
    with redis_server(tmp) as server:
        yield server.url


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


def haproxy_config(port: int, pem: Path, backends: list[int], stats: Path) -> str:
    """The load balancer of docs/deploying.md: it takes whole requests (headers within
    10 s, and the body too: ``http-buffer-request``) before an instance sees them, so a slow
    or stalled client costs HAProxy a connection, never a server thread; it holds many
    connections (``maxconn``), and checks each instance's ``/healthz``."""
    servers = "\n".join(
        f"    server instance{n} 127.0.0.1:{backend} check" for n, backend in enumerate(backends, 1)
    )
    return f"""global
    maxconn 4096
    stats socket {stats} mode 600 level admin
defaults
    mode http
    option http-buffer-request
    timeout http-request 10s
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout queue 10s
    timeout http-keep-alive 10s
frontend dashboard
    bind 127.0.0.1:{port} ssl crt {pem}
    maxconn 4000
    http-request set-header X-Forwarded-Proto https
    option forwardfor
    default_backend instances
backend instances
    balance roundrobin
    option httpchk GET /healthz
    default-server inter 2s fall 3 rise 2
    http-response set-header X-Served-By %[srv_name]
{servers}
"""


class HAProxy:
    """A running HAProxy: its port and its stats socket."""

    def __init__(self, port: int, stats: Path) -> None:
        self.port, self.stats = port, stats

    def servers(self) -> dict[str, dict[str, str]]:
        """``show stat`` of the instances, by server name (``status``, ``chkdown``: how
        many times its checks marked it down, ...)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.stats))
            s.sendall(b"show stat\n")
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        header, *rows = answer.decode().strip().splitlines()
        names = header.lstrip("# ").split(",")
        stats = [dict(zip(names, row.split(","), strict=False)) for row in rows]
        return {
            row["svname"]: row
            for row in stats
            if row["pxname"] == "instances" and row["svname"] != "BACKEND"
        }


@contextmanager
def haproxy_server(tmp: Path, backends: list[int], port: int | None = None) -> Iterator[HAProxy]:
    """HAProxy terminating TLS on ``port`` (or a free one), round-robin over ``backends``
    (each answer says which one served it in ``X-Served-By``)."""
    port = port or free_port()
    pem = self_signed_pem(tmp)
    stats = tmp / "haproxy.sock"
    config = tmp / "haproxy.cfg"
    config.write_text(haproxy_config(port, pem, backends, stats))
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    proc = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=subprocess.DEVNULL)
    try:
        wait_for(lambda: port_open(port), "HAProxy")
        yield HAProxy(port, stats)
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


@contextmanager
def haproxy(tmp: Path, backends: list[int], port: int | None = None) -> Iterator[int]:
    """HAProxy (see ``haproxy_server``); yields its port."""
    with haproxy_server(tmp, backends, port) as balancer:
        yield balancer.port


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
