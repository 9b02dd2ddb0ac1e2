"""Requests per second of the status poll under concurrent clients: gunicorn (the production
command, its default 2 workers x 16 threads) beside Django's development server, one after
the other on the same machine, against the same emulator.

    .venv/bin/python bench/server_throughput.py [--clients 50] [--seconds 15] [--latency-ms 100]

Starts the emulator (every call with a token takes --latency-ms), migrates a throw-away
SQLite database, signs alice in once, then for each server: --clients threads each send the
repository page's status poll (``GET /repo/acme/alpine/status/?poll=1...`` with htmx; one
call to Quay each) one after the other for --seconds, and prints answers a second and the
latency percentiles. Every request goes to 127.0.0.1 and the run stops by itself.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from html import unescape
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ALICE, ROOT, emulator, free_port

GUNICORN = ["-m", "gunicorn", "--config", "python:dashboard.serving.gunicorn_conf"]


def start(kind: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    if kind == "runserver":
        args = ["manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    else:
        args = [*GUNICORN, "dashboard.wsgi"]
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{kind} did not start")


def signed_in(base: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    page = http.get(f"{base}/accounts/login/", timeout=10).text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    answer = http.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": csrf, "token": ALICE, "next": "/"},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.status_code
    panel = http.get(f"{base}/repo/acme/alpine/status/", headers={"HX-Request": "true"}).text
    poll = unescape(re.search(r'hx-get="([^"]+)"', panel).group(1))
    return http, poll


def load(base: str, clients: int, seconds: float) -> tuple[int, int, list[float]]:
    http, poll = signed_in(base)
    cookies = http.cookies.get_dict()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        session = requests.Session()
        session.cookies.update(cookies)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                ok = session.get(base + poll, headers={"HX-Request": "true"}, timeout=30).ok
            except requests.RequestException:
                ok = False
            mine.append(time.perf_counter() - started)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    return round(len(latencies) / elapsed), errors[0], latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--latency-ms", default="100")
    parser.add_argument("--servers", default="runserver,gunicorn")
    args = parser.parse_args()
    db = Path(tempfile.mkdtemp(prefix="md-bench-")) / "bench.sqlite3"
    with emulator("--latency-ms", args.latency_ms) as emu:
        emu.control("POST", "config", {"sync_duration": 3600})
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "QUAY_"))} | {
            "QUAY_URL": emu.url,
            "DATABASE_URL": f"sqlite:///{db}",
            "PYTHONUNBUFFERED": "1",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(
            f"Status poll, {args.clients} clients, {args.seconds:g} s each, Quay at "
            f"{args.latency_ms} ms a call (QUAY_MAX_INFLIGHT 8 a process)"
        )
        for kind in args.servers.split(","):
            port = free_port()
            proc = start(kind, port, env)
            try:
                rate, errors, latencies = load(
                    f"http://127.0.0.1:{port}", args.clients, args.seconds
                )
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            print(
                f"  {kind:10}: {rate:4d} req/s   p50 {percentile(latencies, 0.5):6.0f} ms   "
                f"p99 {percentile(latencies, 0.99):6.0f} ms   median "
                f"{statistics.median(latencies) * 1000:.0f} ms   errors {errors}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
