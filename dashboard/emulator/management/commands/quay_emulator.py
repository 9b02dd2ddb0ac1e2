"""``python manage.py quay_emulator --port 8480``: run the Quay emulator on loopback."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dashboard.emulator.app import EmulatorApp, make_server
from dashboard.emulator.state import Options

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Command(BaseCommand):
    help = "Run the Quay API emulator (demo data, OAuth provider, control API) on loopback."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8480)
        parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
        parser.add_argument("--repos", type=int, default=0, help="extra bulk repositories")
        parser.add_argument(
            "--latency-ms",
            type=float,
            default=0.0,
            help="service time of every /api/v1 call with a Bearer token (real Quay: 300-400)",
        )
        parser.add_argument(
            "--max-inflight",
            type=int,
            default=0,
            help="such calls served at once, others wait (0: no limit; real Quay: about 2)",
        )
        parser.add_argument("--error-rate", type=float, default=0.0)
        parser.add_argument("--no-quirks", action="store_true", help="turn off Quay's bugs")
        parser.add_argument(
            "--sparse-index",
            action="store_true",
            help="FEATURE_SPARSE_INDEX on: accept architecture filters (Quay's default is off)",
        )
        parser.add_argument(
            "--no-org-mirror",
            action="store_true",
            help="FEATURE_ORG_MIRROR off: every organization-mirror endpoint answers 404",
        )
        parser.add_argument(
            "--org-tag-seconds",
            type=float,
            default=5.0,
            help="seconds an organization mirror's worker spends on each tag",
        )
        parser.add_argument("--claim-delay", type=float, default=2.0)
        parser.add_argument("--sync-duration", type=float, default=6.0)
        parser.add_argument(
            "--retry-delay",
            type=float,
            default=30.0,
            help="seconds from a failed run to its retry: the worker's next pass (Quay: 30)",
        )
        parser.add_argument("--redirect-uri", default="http://127.0.0.1:8000/")
        parser.add_argument(
            "--allowed-host",
            action="append",
            default=[],
            help="registry host or CIDR allowed as a mirror source despite SSRF checks",
        )
        parser.add_argument("--log-requests", action="store_true")
        parser.add_argument(
            "--idle-close-seconds",
            type=float,
            default=0.0,
            help="keep connections alive and close one idle this long, as Quay straight under "
            "gunicorn does after 2 s (0, the default: every answer closes its connection, as "
            "Quay's own nginx does for /api/)",
        )
        parser.add_argument(
            "--idle-close-late",
            action="store_true",
            help="with --idle-close-seconds: close an idle connection only as its next request "
            "arrives, unanswered (the client's request crosses the server's close)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["host"] not in LOOPBACK:
            raise CommandError("the emulator binds to loopback only")
        options = Options(
            latency_ms=opts["latency_ms"],
            max_inflight=opts["max_inflight"],
            error_rate=opts["error_rate"],
            quirks=not opts["no_quirks"],
            sparse_index=opts["sparse_index"],
            org_mirror=not opts["no_org_mirror"],
            org_tag_seconds=opts["org_tag_seconds"],
            claim_delay=opts["claim_delay"],
            sync_duration=opts["sync_duration"],
            retry_delay=opts["retry_delay"],
            redirect_uri=opts["redirect_uri"],
            allowed_hosts=list(opts["allowed_host"]),
            repos=opts["repos"],
            client_id=getattr(settings, "QUAY_CLIENT_ID", "mirror-dashboard-demo"),
            client_secret=getattr(settings, "QUAY_CLIENT_SECRET", "mirror-dashboard-demo-secret"),
        )
        server = make_server(
            opts["host"],
            opts["port"],
            EmulatorApp(options),
            opts["log_requests"],
            opts["idle_close_seconds"],
            opts["idle_close_late"],
        )
        self.stdout.write(
            f"Quay emulator on http://{opts['host']}:{server.server_port}/ "
            f"(OAuth client id {options.client_id!r}; Ctrl-C to stop)"
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
