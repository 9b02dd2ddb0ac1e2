"""The production server (gunicorn with dashboard/serving/gunicorn_conf.py): it answers while
idle connections are held open, and its access log cannot be forged with control characters."""

from __future__ import annotations

import logging
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from dashboard.serving.log_escape import EscapingFormatter, escape
from tests.support.emulator import ROOT, Emulator
from tests.support.servers import PRODUCTION_COMMAND, django_env, gunicorn


@pytest.fixture
def server(emulator: Emulator, tmp_path: Path):
    env = django_env(
        QUAY_URL=emulator.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="4",
    )
    log = tmp_path / "gunicorn.log"
    with gunicorn(env, log) as port:
        yield port, log


def raw_request(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        return s.recv(4096)


def test_the_access_log_writes_control_characters_escaped(server):
    port, log = server
    # gunicorn takes C1 controls in a header (\x9b is a terminal's CSI, like "\x1b["): the
    # access log writes them escaped.
    answer = raw_request(
        port,
        b'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: a\x9b31mb\x85c"d\r\n'
        b"Connection: close\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 200")
    # C0 controls in the request line it refuses (400), and says so with them escaped.
    refused = raw_request(port, b"GET /healthz?x=\x1b[31mred\r HTTP/1.1\r\nHost: x\r\n\r\n")
    assert refused.startswith(b"HTTP/1.1 400")
    requests.get(f"http://127.0.0.1:{port}/healthz?%0d%0aFAKE%20LINE", timeout=5)
    time.sleep(0.5)
    text = log.read_text(encoding="utf-8", errors="surrogateescape")
    assert '"a\\x9b31mb\\x85c\\"d"' in text
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)  # only the newlines
    assert "\nFAKE LINE" not in text and "%0d%0afake" in text.lower()


def test_it_answers_while_many_idle_connections_are_held_open(server):
    port, _ = server
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(60)]
    try:
        started = time.monotonic()
        answer = requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=10)
        assert answer.status_code == 200
        # 60 silent clients, 4 threads: each holds a thread 0.25 s (GUNICORN_FIRST_BYTES_WAIT),
        # ~4 s in all; with gunicorn's own 5 s it would be 75 s.
        assert time.monotonic() - started < 8
    finally:
        for s in idle:
            s.close()


def test_metrics_add_up_every_worker(emulator: Emulator, tmp_path: Path):
    env = django_env(
        QUAY_URL=emulator.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="2",
        METRICS_TOKEN="scrape",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    with gunicorn(env, tmp_path / "gunicorn.log") as port:
        base = f"http://127.0.0.1:{port}"
        sent = 0
        # Bursts of parallel requests until both workers took some (the second may still be
        # starting when the first answers, on a busy machine: up to 60 s).
        deadline = time.monotonic() + 60
        with ThreadPoolExecutor(20) as pool:
            while time.monotonic() < deadline:
                list(pool.map(lambda _: requests.get(f"{base}/healthz", timeout=5), range(20)))
                sent += 20
                if len(list((tmp_path / "metrics").glob("counter_*.db"))) == 2:
                    break
                time.sleep(0.2)
        assert len(list((tmp_path / "metrics").glob("counter_*.db"))) == 2
        text = requests.get(
            f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer scrape"}
        ).text
    healthz = r'dashboard_requests_total\{status="200",view="probe:healthz"\} (\S+)'
    counted = re.search(healthz, text)
    assert counted and float(counted.group(1)) == sent, text[:2000]


@pytest.mark.parametrize("document", ["README.md", "docs/deploying.md"])
def test_the_readme_gives_the_command_the_tests_run(document):
    """The README's "Deploying" and the deployment guide give the command the tests run."""
    text = (ROOT / document).read_text()
    assert " ".join(PRODUCTION_COMMAND) in text


def test_app_log_messages_are_escaped_but_tracebacks_keep_their_lines():
    record = logging.LogRecord("x", logging.WARNING, "f", 1, "Not Found: %s", ("/a\r\nB",), None)
    line = EscapingFormatter("%(message)s").format(record)
    assert line == "Not Found: /a\\x0d\\x0aB"
    assert escape("\u202etxt.exe") == "\\u202etxt.exe"
    assert escape("a\\b", backslash=True) == "a\\\\b"


def _stalled(port: int, headers: bool) -> socket.socket:
    """A connection that sent the start of a request (its headers, or a body) and stalls."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if headers:
        s.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    else:
        s.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nt"
        )
    return s


@pytest.mark.parametrize("headers", [True, False], ids=["slow headers", "slow body"])
def test_a_stalled_request_holds_a_thread_only_until_its_deadline(
    emulator: Emulator, tmp_path: Path, headers: bool
):
    """A client reaching an instance directly: 8 stalled requests hold its 4 threads only
    for GUNICORN_REQUEST_READ_SECONDS (gunicorn's own wait has no end), and are closed."""
    env = django_env(
        QUAY_URL=emulator.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="4",
        GUNICORN_REQUEST_READ_SECONDS="2",
    )
    with gunicorn(env, tmp_path / "gunicorn.log") as port:
        stalled = [_stalled(port, headers) for _ in range(8)]
        try:
            time.sleep(0.5)  # every thread holds one
            started = time.monotonic()
            answer = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=15)
            assert answer.status_code == 200
            assert time.monotonic() - started < 6  # two rounds of 2 s, not never
            for s in stalled:
                s.settimeout(5)
                answer = b"".join(iter(lambda s=s: s.recv(4096), b""))  # until it is closed
                # a body cut short is never used: 408 (no answer to unfinished headers)
                assert answer == b"" if headers else answer.startswith(b"HTTP/1.1 408"), answer
        finally:
            for s in stalled:
                s.close()
        log = (tmp_path / "gunicorn.log").read_text()
        assert "Traceback" not in log, log[-3000:]
