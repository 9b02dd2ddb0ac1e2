"""Slow and stalled clients, as an attacker sends them: many TLS connections that send a
request's headers (or its body) a few bytes every few seconds, and open again when the
server closes them. They run on an event loop of their own, in a thread, for a while."""

from __future__ import annotations

import asyncio
import random
import resource
import ssl
import threading
import time
from dataclasses import dataclass, field

SLOW_BODY = (
    b"POST /accounts/login/ HTTP/1.1\r\nHost: localhost\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4096\r\n\r\nt"
)
SLOW_HEADERS = b"GET /accounts/login/ HTTP/1.1\r\nHost: localhost\r\n"


@dataclass
class SlowClients:
    """``bodies`` connections that send a body's byte every ``every`` seconds and ``headers``
    connections that send a header line as often, to ``port`` on loopback (TLS), opened over
    ``ramp`` seconds, for ``seconds`` in all."""

    port: int
    bodies: int
    headers: int
    seconds: float
    every: float = 3.0
    ramp: float = 4.0
    opened: int = 0
    open_now: int = 0
    most_open: int = 0
    failed_to_open: int = 0
    _thread: threading.Thread | None = field(default=None, repr=False)

    def __enter__(self) -> SlowClients:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = self.bodies + self.headers + 1024
        if soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
        self._thread = threading.Thread(target=asyncio.run, args=(self._all(),), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._thread is not None
        self._thread.join(timeout=self.seconds + 30)

    async def _all(self) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        self._until = time.monotonic() + self.seconds
        kinds = [(SLOW_BODY, b"t")] * self.bodies + [(SLOW_HEADERS, b"X-Slow: 1\r\n")] * (
            self.headers
        )
        random.shuffle(kinds)
        step = self.ramp / max(1, len(kinds))
        await asyncio.gather(
            *(self._one(context, first, more, n * step) for n, (first, more) in enumerate(kinds))
        )

    async def _one(self, context: ssl.SSLContext, first: bytes, more: bytes, after: float) -> None:
        await asyncio.sleep(after)
        while time.monotonic() < self._until:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(
                        "127.0.0.1", self.port, ssl=context, server_hostname="localhost"
                    ),
                    timeout=10,
                )
            except (OSError, TimeoutError):
                self.failed_to_open += 1
                await asyncio.sleep(1)
                continue
            self.opened += 1
            self.open_now += 1
            self.most_open = max(self.most_open, self.open_now)
            try:
                writer.write(first)
                while time.monotonic() < self._until:
                    try:  # an answer (408) or the end: the server gave up on this one
                        await asyncio.wait_for(reader.read(4096), timeout=self.every)
                        break
                    except TimeoutError:
                        writer.write(more)
                        await writer.drain()
            except (OSError, ssl.SSLError):
                pass
            finally:
                self.open_now -= 1
                writer.close()
