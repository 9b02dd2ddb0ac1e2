"""gunicorn's threaded worker, with a deadline for reading each request.

A thread of gunicorn's ``gthread`` worker reads a request's headers and body with a blocking
socket and no time limit: a client that sends them a byte every few seconds holds the thread
for as long as it likes, and a few dozen such clients hold them all (the instance stops
answering, its health checks too). A proxy that takes whole requests first is the real
protection (docs/deploying.md); this bounds what a client that reaches an instance directly
can take: from the moment a thread takes the connection, the request must have arrived
within ``REQUEST_READ_SECONDS``. Past it, a read fails (``NoMoreData``, as when a client
leaves mid-request: an unfinished body is never handed on as if it were whole; the dashboard
answers 408, see dashboard/request_limits.py) and the connection is closed at once. Answers
are written with their own limit.
"""

from __future__ import annotations

import socket
import time
import weakref

from gunicorn.http.errors import NoMoreData
from gunicorn.workers import gthread

#: Seconds a request (its headers and its body) has to arrive once a thread takes it, and
#: seconds an answer may take to be written (both set by dashboard.serving.gunicorn_conf).
REQUEST_READ_SECONDS = 30.0
WRITE_SECONDS = 60.0

_deadlines: weakref.WeakKeyDictionary[socket.socket, float] = weakref.WeakKeyDictionary()
_expired: weakref.WeakSet[socket.socket] = weakref.WeakSet()


class DeadlineSocket(socket.socket):
    """A client's socket whose reads end at the request's deadline (the same layout as
    ``socket.socket``: a connection's socket is switched to it in place)."""

    __slots__ = ()

    def setblocking(self, flag: bool) -> None:
        if flag:  # a worker thread takes the connection: a request (or the rest of one)
            _deadlines[self] = time.monotonic() + REQUEST_READ_SECONDS
            self.settimeout(REQUEST_READ_SECONDS)
        else:
            super().setblocking(flag)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        deadline = _deadlines.get(self)
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                self._expire()
            current = self.gettimeout()
            if current is None or left < current:
                self.settimeout(left)
        try:
            return super().recv(bufsize, flags)
        except TimeoutError:
            if deadline is None:
                raise
            self._expire()

    def _expire(self) -> None:
        _expired.add(self)
        raise NoMoreData(b"(the request did not arrive within its deadline)")

    def sendall(self, data: bytes, flags: int = 0) -> None:  # type: ignore[override]
        self.settimeout(WRITE_SECONDS)
        super().sendall(data, flags)


class ThreadWorker(gthread.ThreadWorker):
    """``gthread``, each connection's socket a :class:`DeadlineSocket`."""

    def handle(self, conn: gthread.TConn) -> object:
        if type(conn.sock) is socket.socket:
            conn.sock.__class__ = DeadlineSocket
        result = super().handle(conn)
        if conn.sock in _expired:
            # Closed now: gunicorn's graceful close would wait on its main loop for a client
            # that sends nothing more.
            self.log.debug("Closed a request that did not arrive in time from %s", conn.client)
            conn.sock.close()
            return False
        return result
