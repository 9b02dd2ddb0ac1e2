"""A scrape of ``/metrics`` over a watched fleet: its time, its series, its queries and its
calls to Quay (none), with the per-mirror limit (``METRICS_MAX_MIRRORS``) on and off.

    .venv/bin/python bench/metrics_scrape.py [--mirrors 1000] [--copies 0] [--limit 500]
        [--runs 5]

The emulator holds ``--mirrors`` bulk mirrors over acme, globex, initech and alice; all four
are watched and indexed by the watcher's own poll (the emulator at full speed, in this
process). ``--copies N`` then adds N copies of each indexed mirror to the index (a bigger
fleet than the emulator holds, same shapes). Timed: the scrape as Prometheus makes it (Django's
test client, the whole middleware stack, the bearer token), with the limit at ``--limit`` and
off (above the fleet's size).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import django_client, emulator, index_watched

SCRAPE_TOKEN = "bench-scrape"  # noqa: S105 (a throw-away token for this run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=int, default=1000)
    parser.add_argument("--copies", type=int, default=0)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with emulator("--repos", str(args.mirrors)) as emu:
        django_client(emu.url)
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from dashboard.watch.models import Enrolment, Mirror

        settings.METRICS_TOKEN = SCRAPE_TOKEN
        index_watched(with_alice=True)
        if args.copies:
            indexed = list(Mirror.objects.filter(present=True))
            Mirror.objects.bulk_create(
                [
                    Mirror(
                        enrolment_id=m.enrolment_id,
                        namespace=m.namespace,
                        name=f"{m.name}-copy{n}",
                        kind=m.kind,
                        config=m.config,
                        sync_status=m.sync_status,
                        is_enabled=m.is_enabled,
                        retries_remaining=m.retries_remaining,
                        last_result=m.last_result,
                        last_success_at=m.last_success_at,
                    )
                    for m in indexed
                    for n in range(args.copies)
                ],
                batch_size=1000,
            )
        fleet = Mirror.objects.filter(present=True).count()
        print(f"{fleet} watched mirrors in the index ({Enrolment.objects.count()} namespaces)")

        scraper = Client()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {SCRAPE_TOKEN}"}
        for label, limit in ((f"limit {args.limit}", args.limit), ("limit off", fleet + 1)):
            settings.METRICS_MAX_MIRRORS = limit
            scraper.get("/metrics", **headers)  # warm-up
            emu.control("DELETE", "stats")
            times = []
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = scraper.get("/metrics", **headers)
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
            made = int(emu.control("GET", "stats")["calls"])
            lines = [
                line for line in response.content.decode().splitlines() if not line.startswith("#")
            ]
            fleet_series = sum(line.startswith("mirror_dashboard_") for line in lines)
            per_mirror = sum(
                line.startswith("mirror_dashboard_mirror_") and "_series_" not in line
                for line in lines
            )
            print(
                f"{label:12} median {statistics.median(times) * 1000:6.0f} ms, "
                f"max {max(times) * 1000:6.0f} ms; {len(lines)} series "
                f"({fleet_series} of the fleet, {per_mirror} per mirror), "
                f"{len(response.content) / 1024:.0f} KiB, {len(queries)} queries, "
                f"{made} calls to Quay"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
