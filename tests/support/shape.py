"""The production shape as the fault tests drive it: HAProxy (TLS, the buffering config of
docs/deploying.md) in front of two gunicorn instances, PostgreSQL, Redis and the emulator,
each a real process on loopback; and people polling a page through the balancer.

``tests/browser/test_two_instances.py`` starts the same shape with a browser and the watcher;
here the servers are handles the tests stop, start, freeze and thaw by PID.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.emulator import TOKENS, Emulator, free_port, start_emulator
from tests.support.servers import (
    HAProxy,
    PostgreSQL,
    Redis,
    django_env,
    gunicorn,
    haproxy_server,
    manage,
    postgresql_server,
    redis_server,
)


@dataclass
class Shape:
    url: str
    cert: Path
    emulator: Emulator
    database: PostgreSQL
    redis: Redis
    balancer: HAProxy
    logs: list[Path]

    def session(self) -> requests.Session:
        http = requests.Session()
        http.trust_env = False  # REQUESTS_CA_BUNDLE would replace the certificate below
        http.verify = str(self.cert)  # HAProxy's self-signed certificate
        return http

    def csrf_token(self, http: requests.Session) -> str:
        login = http.get(f"{self.url}/accounts/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        assert token, login.text[-2000:]
        return token.group(1)

    def signed_in(self, user: str = "alice", check: bool = True) -> requests.Session:
        """A client signed in through the balancer with ``user``'s demo token."""
        http = self.session()
        answer = http.post(
            f"{self.url}/accounts/login/",
            data={"csrfmiddlewaretoken": self.csrf_token(http), "token": TOKENS[user], "next": "/"},
            headers={"Referer": f"{self.url}/accounts/login/"},
            timeout=10,
        )
        if check:
            assert answer.status_code == 200 and "sessionid" in http.cookies, answer.status_code
        return http

    def marked_down(self) -> dict[str, int]:
        """How many times HAProxy's checks marked each instance down, so far."""
        return {name: int(row["chkdown"] or 0) for name, row in self.balancer.servers().items()}


@contextmanager
def production_shape(tmp: Path) -> Iterator[Shape]:
    with ExitStack() as stack:
        database = stack.enter_context(postgresql_server())
        cache = stack.enter_context(redis_server(tmp))
        emulator_proc, emulator = start_emulator()
        stack.callback(lambda: (emulator_proc.terminate(), emulator_proc.wait(timeout=10)))
        port = free_port()
        url = f"https://localhost:{port}"
        env = django_env(
            DATABASE_URL=database.url,
            CACHE_URL=cache.url,
            QUAY_URL=emulator.url,
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="localhost",
            DJANGO_CSRF_TRUSTED_ORIGINS=url,
            DJANGO_SECURE_COOKIES="true",
            DJANGO_BEHIND_PROXY="true",
            GUNICORN_WORKERS="1",
            GUNICORN_THREADS="8",
            GUNICORN_ACCESS_LOG="",
        )
        manage(env, "migrate", "--noinput")
        logs = [tmp / "instance1.log", tmp / "instance2.log"]
        backends = [stack.enter_context(gunicorn(env, log)) for log in logs]
        balancer = stack.enter_context(haproxy_server(tmp, backends, port=port))
        yield Shape(url, tmp / "cert.pem", emulator, database, cache, balancer, logs)


@dataclass
class Answer:
    at: float  # monotonic, when the request was sent
    seconds: float
    status: int  # 0: no answer (connection refused, reset, timed out)
    words: str  # the start of the body, or the error
    retry_after: str = ""


@dataclass
class Pollers:
    """``clients`` threads, each polling ``path`` through the balancer with its own
    connection (the same signed-in person), one request every ``every`` seconds."""

    shape: Shape
    cookies: requests.cookies.RequestsCookieJar
    path: str
    clients: int = 20
    every: float = 0.5
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def _poll(self) -> None:
        http = self.shape.session()
        http.cookies.update(self.cookies)
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                answer = http.get(
                    self.shape.url + self.path, headers={"HX-Request": "true"}, timeout=10
                )
                status, words = answer.status_code, answer.text[:3000]
                retry_after = answer.headers.get("Retry-After", "")
            except requests.RequestException as error:
                status, words, retry_after = 0, repr(error), ""
            seconds = time.monotonic() - started
            self.answers.append(Answer(started, seconds, status, words, retry_after))
            self._stop.wait(max(0.0, self.every - (time.monotonic() - started)))

    def __enter__(self) -> Pollers:
        for _ in range(self.clients):
            thread = threading.Thread(target=self._poll, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=15)

    def since(self, start: float, end: float = float("inf")) -> list[Answer]:
        return [a for a in self.answers if start <= a.at < end]


def p99(answers: list[Answer]) -> float:
    times = sorted(a.seconds for a in answers)
    return times[min(len(times) - 1, int(len(times) * 0.99))] if times else float("inf")
