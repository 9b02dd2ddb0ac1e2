"""Real receivers for the alerts' channels, on free loopback ports: an HTTP server that keeps
what Apprise's ``json://`` posts (and can answer errors), and an SMTP server (aiosmtpd) that
keeps the mail Apprise's ``mailto://`` sends."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.emulator import free_port


@dataclass
class HttpReceiver:
    """What a webhook received (Apprise's JSON: ``title``, ``message``, ``type``)."""

    port: int
    received: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    #: Answer this status to the next ``failures`` posts (then 200).
    status: int = 500
    failures: int = 0

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hooks/s3cr3t-hook-token"


@contextmanager
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if receiver.failures > 0:
                receiver.failures -= 1
                self.send_response(receiver.status)
                self.end_headers()
                return
            receiver.received.append(json.loads(body or b"{}"))
            receiver.paths.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    port: int
    mails: list[email.message.EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=alerts@example.com&to=ops@example.com"

    def text(self, index: int = -1) -> str:
        mail = self.mails[index]
        part = mail.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox(free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            box.mails.append(message)  # type: ignore[arg-type]
            box.recipients.append(list(envelope.rcpt_tos))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
