"""A watched namespace's trends page at scale: ``/watch/{ns}/trends/`` over 1,000 watched
mirrors with a month of syncs in the index, at a real Quay's pace, with its calls to Quay
counted (at most 1: Quay's log counts of the days before the watcher counted; none when kept).

    .venv/bin/python bench/trends_page.py [--mirrors 1000] [--latency-ms 300]
        [--max-inflight 2] [--runs 5] [--syncs-a-day 6] [--runs-a-mirror 3]

The emulator plays a small Quay (each call with a token 0.3 s, two at once) with ``--mirrors``
bulk mirrors over acme, globex, initech and alice; ``acme``, ``globex`` and ``initech`` are
watched and indexed (the emulator at full speed). Then, as the worst case, every watched mirror
is given ``--syncs-a-day`` ended syncs a day for 31 days (one in six a failure) and
``--runs-a-mirror`` failed runs this month, and the watcher is made to have counted from 3 days
ago only (so the page asks Quay for the days before). Timed, signed in as alice: the page for 7
and 30 days with Quay's counts not kept (a call), and kept (none).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import django_client, emulator, index_watched
from _common import stats_calls as calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--max-inflight", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--syncs-a-day", type=int, default=6)
    parser.add_argument("--runs-a-mirror", type=int, default=3)
    args = parser.parse_args()

    with emulator("--repos", str(args.mirrors)) as emu:
        alice = django_client(emu.url)
        from django.core.cache import cache

        from dashboard.mirrors import clock
        from dashboard.watch.models import Enrolment, FailedRun, Mirror, SyncEnd

        index_watched(backfill_pages=500)
        mirrors = list(Mirror.objects.filter(present=True, kind=Mirror.Kind.REPOSITORY))
        now = clock.now()
        ends = [
            SyncEnd(
                mirror=mirror,
                namespace=mirror.namespace,
                at=now - timedelta(days=day, hours=24 * n / args.syncs_a_day, seconds=mirror.pk),
                ok=(n + mirror.pk) % 6 != 0,
            )
            for mirror in mirrors
            for day in range(31)
            for n in range(args.syncs_a_day)
        ]
        SyncEnd.objects.bulk_create(ends, ignore_conflicts=True, batch_size=5000)
        runs = [
            FailedRun(
                mirror=mirror,
                namespace=mirror.namespace,
                name=mirror.name,
                kind=mirror.kind,
                started_at=now - timedelta(hours=6 + 200 * n, seconds=mirror.pk),
                at=now - timedelta(hours=6 + 200 * n, seconds=mirror.pk) + timedelta(minutes=2),
                tries=3,
                reason="Error listing repository tags: fetching tags list: unauthorized: "
                "authentication required",
                cause="auth_failed",
                recovered_at=now - timedelta(hours=5 + 200 * n) if n else None,
            )
            for mirror in mirrors
            for n in range(args.runs_a_mirror)
        ]
        FailedRun.objects.bulk_create(runs, ignore_conflicts=True)
        today = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), UTC)
        Enrolment.objects.update(counts_from=today - timedelta(days=3))
        acme = sum(m.namespace == "acme" for m in mirrors)
        print(
            f"{len(mirrors)} watched mirrors ({acme} in acme); {SyncEnd.objects.count()} ended "
            f"syncs and {FailedRun.objects.count()} failed runs in the index; Quay at "
            f"{args.latency_ms:g} ms a call, {args.max_inflight} at once"
        )
        emu.control(
            "POST", "config", {"latency_ms": args.latency_ms, "max_inflight": args.max_inflight}
        )

        for window in ("7d", "30d"):
            url = f"/watch/acme/trends/?window={window}"
            alice.get(url)  # warm-up
            for kept in (False, True):
                times, made = [], 0
                for _ in range(args.runs):
                    if not kept:
                        cache.clear()
                    emu.control("DELETE", "stats")
                    started = time.perf_counter()
                    response = alice.get(url)
                    times.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.status_code
                    made = max(made, calls(emu))
                body = response.content.decode()
                words = "Quay's counts kept" if kept else "Quay's counts asked"
                print(
                    f"{url:30} {words}: median {statistics.median(times):.2f} s, max "
                    f"{max(times):.2f} s, {body.count('<tr data-day=')} days, "
                    f"{body.count('<tr data-mirror=')} mirrors listed, {made} calls to Quay"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
