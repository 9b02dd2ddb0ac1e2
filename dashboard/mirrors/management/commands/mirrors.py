"""``manage.py mirrors export NAMESPACE… [--format yaml|json]``, ``mirrors plan FILE``,
``mirrors apply FILE [--confirm]``, ``mirrors drift FILE`` (exits 1 when Quay differs from
the file): mirrors as code (docs/mirrors-as-code.md).

The token comes from the environment (``QUAY_TOKEN``), never from the command line (where
other users of the machine could read it); Quay's address from the settings (``QUAY_URL``).
The same operations as the pages (``dashboard.mirrors.ascode``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.mirrors import clock
from dashboard.mirrors.ascode import apply, document, drift, plan
from dashboard.mirrors.ascode.export import export
from dashboard.mirrors.person import Person
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError


class Command(BaseCommand):
    help = (
        "Mirrors as code: export the mirrors of namespaces, plan a file, apply it, compare it "
        "with Quay now (drift)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        out = actions.add_parser("export", help="write the mirrors of NAMESPACE… to stdout")
        out.add_argument("namespaces", nargs="+", metavar="NAMESPACE")
        out.add_argument("--format", choices=("yaml", "json"), default="yaml")
        planned = actions.add_parser("plan", help="what applying FILE would do, per mirror")
        planned.add_argument("file", metavar="FILE", help="a YAML or JSON file; - for stdin")
        applied = actions.add_parser("apply", help="do what the plan of FILE says, per mirror")
        applied.add_argument("file", metavar="FILE", help="a YAML or JSON file; - for stdin")
        applied.add_argument(
            "--confirm",
            action="store_true",
            help="confirm what a save asks (a sync under way, a past start, tags deleted)",
        )
        drifted = actions.add_parser(
            "drift", help="where Quay now differs from FILE, per mirror (exit status 1 if so)"
        )
        drifted.add_argument("file", metavar="FILE", help="a YAML or JSON file; - for stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        token = os.environ.get("QUAY_TOKEN", "")
        if not token:
            raise CommandError(
                "Set QUAY_TOKEN to a Quay access token (scopes repo:admin, org:admin)."
            )
        client = QuayClient(token)
        try:
            username = client.get_user().username
            if options["action"] == "export":
                self._export(client, username, options)
            elif options["action"] == "drift":
                self._drift(client, username, options)
            else:
                self._plan(client, username, options)
        except QuayError as error:
            raise CommandError(f"Quay: {error.message}") from error

    def _export(self, client: QuayClient, username: str, options: dict[str, Any]) -> None:
        done = export(client, username, options["namespaces"], options["format"], clock.now())
        if done.problems:
            raise CommandError("No file was written: " + " ".join(done.problems))
        self.stdout.write(done.text, ending="")
        self.stderr.write(f"{done.count} mirror{'s' if done.count != 1 else ''} exported.")

    def _drift(self, client: QuayClient, username: str, options: dict[str, Any]) -> None:
        found = drift.drift(client, username, _parsed(options["file"]), clock.now())
        for line in drift.lines(found):
            self.stdout.write(line)
        if found.found:
            raise CommandError(drift.verdict(found, options["file"]))

    def _plan(self, client: QuayClient, username: str, options: dict[str, Any]) -> None:
        parsed = _parsed(options["file"])
        now = clock.now()
        made = plan.plan(client, username, parsed, now, secrets=plan.from_environment)
        if options["action"] == "plan":
            for line in plan.lines(made):
                self.stdout.write(line)
            return
        done = apply.apply(client, Person(username), made, now, confirm=options["confirm"])
        for result in done:
            self.stdout.write(f"{result.step.name}: {result.label}: {result.words}")
        self.stdout.write(f"Applied: {apply.summary(done, made)}")
        left = [result for result in done if result.outcome != "applied"]
        if left:
            raise CommandError(f"{len(left)} of the mirrors to change were not applied (above).")


def _parsed(name: str) -> document.Document:
    """The file ``name``, read and checked whole (its problems, each with its line)."""
    parsed = document.parse(_read(name))
    if parsed.errors:
        raise CommandError(f"{name} cannot be used:\n" + "\n".join(f"  {e}" for e in parsed.errors))
    return parsed


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{name} cannot be read: {error}") from error
