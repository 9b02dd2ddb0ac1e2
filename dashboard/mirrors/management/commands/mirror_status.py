"""``manage.py mirror_status NAMESPACE/NAME``: what the repository page's status panel says.

The token comes from the environment (``QUAY_TOKEN``), never from the command line (where
other users of the machine could read it). The same operation as the page
(``pages.live.first_look``): two calls to Quay, the config and the log.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.mirrors import clock
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.pages import live as status_panel
from dashboard.mirrors.rules.timefmt import moment_words, seconds_in_words
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError


class Command(BaseCommand):
    help = "Print a repository mirror's status as the dashboard's status panel says it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("repository", help="NAMESPACE/NAME")

    def handle(self, *args: Any, **options: Any) -> None:
        namespace, _, name = options["repository"].partition("/")
        if not namespace or not name or "/" in name:
            raise CommandError("Give the repository as NAMESPACE/NAME, e.g. acme/nginx.")
        token = os.environ.get("QUAY_TOKEN", "")
        if not token:
            raise CommandError("Set QUAY_TOKEN to a Quay access token (scope repo:admin).")
        now = clock.now()
        try:
            panel = status_panel.first_look(QuayClient(token), RepoTarget(namespace, name), now)
        except QuayError as error:
            raise CommandError(f"Quay refused: {error.message}") from error
        for line in panel_lines(panel, now):
            self.stdout.write(line)


def panel_lines(panel: dict[str, Any], now: Any) -> list[str]:
    """The panel's words as lines of text."""
    lines = [f"{panel['target']}"]
    if panel["panel_error"]:
        lines.append(panel["panel_error"])
    status, mirror = panel["status"], panel["mirror"]
    if status is None:
        return lines
    lines.append(f"{status.label}: {status.detail}")
    if status.remedy:
        lines.append(f"What to do: {status.remedy}")
    facts = [
        ("Running since", moment_words(panel["claimed"], now)),
        ("Queued since", moment_words(panel["queued_since"], now)),
        ("Lease expires", moment_words(mirror.sync_expiration_date, now)),
        ("Retries left", status.retries),
        ("Next scheduled run", status.next_words or moment_words(mirror.sync_start_date, now)),
        ("Every", seconds_in_words(mirror.sync_interval)),
    ]
    event = panel["last_event"]
    if event is not None:
        when = moment_words(event.when, now)
        facts.append(("Last result", f"{event.word} {when}: {event.detail}"))
    lines.extend(f"{label}: {value}" for label, value in facts if value)
    return lines
