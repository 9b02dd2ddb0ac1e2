#!/usr/bin/env python3
"""The screenshots of received alert messages in docs/watching.md, from a real run.

    .venv/bin/python scripts/docs_alert_screenshots.py [--out docs] [--keep-html DIR]

It starts the Quay emulator, a real SMTP server (aiosmtpd) and a real HTTP receiver, all on
free 127.0.0.1 ports, and a throwaway database; enrols ``acme`` with the emulator's watcher
token; adds two alert rules with ``watch notify`` (``mailto://`` to the SMTP server,
``json://`` to the receiver); then makes mirrors fail in the emulator, lets its worker run
them, and has the watcher poll and deliver as its worker does. What the servers received is
drawn as a mail client and a webhook log would show it (a throwaway HTML page) and shot with
Playwright and Chromium (``CHROMIUM``, default /usr/bin/chromium), 1000 px wide:

* ``alert-message.png``: one mirror failing (acme/redis: the source's certificate expired);
* ``alert-burst.png``: a burst (four mirrors of docker.io refused at once) as one message.

Everything it starts is stopped, and its files removed, when it ends (or fails).
"""

from __future__ import annotations

import argparse
import html
import io
import json
import logging
import os
import re
import sys
import tempfile
import time
from contextlib import ExitStack
from email.message import EmailMessage
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.channels import HttpReceiver, Mailbox, http_receiver, smtp_server  # noqa: E402
from tests.support.emulator import Emulator, start_emulator  # noqa: E402

WATCHER_TOKEN = "watcherdemotoken".ljust(40, "0")


def setup_django(quay_url: str, workdir: Path) -> None:
    """The dashboard's settings against the emulator, with a database of its own."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="dashboard.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        WATCH_QUEUE_FILE=str(workdir / "queue.sqlite3"),
        QUAY_URL=quay_url,
        DASHBOARD_URL="http://127.0.0.1:8000",
        ALERT_PRIVATE_CHANNELS="true",
    )
    import django

    django.setup()
    command("migrate", "--verbosity", "0")


class Run:
    """The watched namespace ``acme``, polled and its alerts delivered as the watcher's worker
    does (``dashboard/watch/tasks.py``), in real time: the mails' dates and the failures'
    times agree."""

    def __init__(self, emulator: Emulator) -> None:
        from dashboard.watch.poll import poll

        self.emulator = emulator
        os.environ["QUAY_WATCH_TOKEN"] = WATCHER_TOKEN
        command("watch", "enroll", "acme")
        poll("acme")  # the first poll: history, no alert

    def fail_now(self, names: list[str], reason: str) -> None:
        """The next run of each ``acme/<name>`` fails for ``reason``; alice presses Sync now;
        Quay's worker runs them (in about 2 s); then the watcher polls and delivers."""
        from dashboard.mirrors import clock
        from dashboard.watch.alerts import deliver
        from dashboard.watch.poll import poll

        for name in names:
            self.emulator.fail(f"acme/{name}", reason)
            self.emulator.api("POST", f"repository/acme/{name}/mirror/sync-now").raise_for_status()
        deadline = time.monotonic() + 30
        while any(self.emulator.mirror("acme", n)["sync_status"] != "FAIL" for n in names):
            if time.monotonic() > deadline:
                raise SystemExit(f"Quay's worker did not run {', '.join(names)} within 30 s")
            time.sleep(0.5)
        poll("acme")
        now = clock.now()
        for pk in deliver.dispatch("acme", now):
            deliver.send(pk, now)


def command(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args, stdout=io.StringIO())


#: An address in a mail's text, as a mail client links it (not the quote or colon after it).
LINK = re.compile(r"(https?://[^\s<\"]+[^\s<\".,:;)])")

PAGE = """<!doctype html><meta charset="utf-8"><title>Received</title><style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 0; padding: 20px; background: #eef0f3;
  color: #1b1f24; }}
h2 {{ font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: #57606a;
  margin: 0 0 8px; }}
section {{ background: #fff; border: 1px solid #d0d7de; border-radius: 8px; margin: 0 0 20px; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0;
  padding: 14px 18px; border-bottom: 1px solid #d0d7de; }}
dt {{ color: #57606a; }} dd {{ margin: 0; }} .subject {{ font-weight: 600; }}
pre {{ margin: 0; padding: 14px 18px; white-space: pre-wrap; overflow-wrap: anywhere; }}
.mail pre {{ font: inherit; }} .hook pre {{ font: 13px/1.45 ui-monospace, monospace; }}
a {{ color: #0550ae; }}
</style>
<h2>E-mail, as ops@example.com's mail client shows it</h2>
<section class="mail"><dl>
<dt>From</dt><dd>{sender}</dd><dt>To</dt><dd>{to}</dd>
<dt>Subject</dt><dd class="subject">{subject}</dd><dt>Date</dt><dd>{date}</dd></dl>
<pre>{body}</pre></section>
<h2>JSON webhook: what the receiver got</h2>
<section class="hook"><dl><dt>Request</dt><dd>POST {path} · {length} bytes of JSON</dd></dl>
<pre>{json}</pre></section>
"""


def page(mail: EmailMessage, hook: dict[str, Any], path: str) -> str:
    """What was received, as a reader sees it (a mail client links the addresses)."""
    part = mail.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else ""
    raw = json.dumps(hook, indent=2, ensure_ascii=False)
    return PAGE.format(
        sender=html.escape(mail["From"]),
        to=html.escape(mail["To"]),
        subject=html.escape(mail["Subject"]),
        date=html.escape(mail["Date"]),
        body=LINK.sub(r'<a href="\1">\1</a>', html.escape(body.rstrip(), quote=False)),
        path=html.escape(path.rsplit("/", 1)[0] + "/…"),
        length=len(json.dumps(hook).encode()),
        json=html.escape(raw, quote=False),
    )


def received(mailbox: Mailbox, receiver: HttpReceiver) -> str:
    """The one mail and the one webhook post received since the last call, as a page."""
    (mail,), (hook,), (path,) = mailbox.mails, receiver.received, receiver.paths
    for kept in (mailbox.mails, receiver.received, receiver.paths):
        kept.clear()
    return page(mail, hook, path)


def shoot(pages: dict[str, str], out: Path, keep: Path | None) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            tab = browser.new_page(viewport={"width": 1000, "height": 600})
            for name, text in pages.items():
                if keep:
                    (keep / f"{name}.html").write_text(text)
                tab.set_content(text)
                tab.screenshot(path=str(out / f"{name}.png"), full_page=True)
                print(f"{out / name}.png: {(out / f'{name}.png').stat().st_size // 1024} KB")
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--keep-html", type=Path, help="also write the HTML pages here")
    options = parser.parse_args()
    logging.disable(logging.INFO)  # the SMTP server's and the watcher's chatter
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        proc, emulator = start_emulator()
        stack.callback(proc.wait, timeout=10)
        stack.callback(proc.terminate)
        mailbox = stack.enter_context(smtp_server())
        receiver = stack.enter_context(http_receiver())
        setup_django(emulator.url, workdir)
        run = Run(emulator)
        command("watch", "notify", "acme", mailbox.url)
        command("watch", "notify", "acme", receiver.url)
        pages = {}
        run.fail_now(["redis"], "tls_error")
        pages["alert-message"] = received(mailbox, receiver)
        run.fail_now(["nginx", "redis", "orphan", "busybox"], "connection_error")
        pages["alert-burst"] = received(mailbox, receiver)
        shoot(pages, options.out, options.keep_html)


if __name__ == "__main__":
    main()
