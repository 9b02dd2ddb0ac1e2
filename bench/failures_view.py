"""The failures view at scale: ``/failures/`` over 1,000 watched mirrors, at a real Quay's pace,
with the calls it makes to Quay counted (none per row).

    .venv/bin/python bench/failures_view.py [--mirrors 1000] [--latency-ms 300]
        [--max-inflight 2] [--runs 5] [--runs-a-mirror 3]

The emulator plays a small Quay (each call with a token 0.3 s, two at once) with ``--mirrors``
bulk mirrors over acme, globex, initech and alice; acme, globex and initech are watched and
indexed (with the emulator at full speed, in this process). Then, for the worst case, every
watched mirror is given ``--runs-a-mirror`` failed runs in the last week on top of what Quay's
log said. Timed: the page (last 24 h and 7 days) and its CSV, signed in as alice (known from her
sign-in: no call) and as dave (a global read-only superuser: who he is and the global health).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import WATCHED, django_client, emulator, index_watched
from _common import stats_calls as calls

DAVE = "davedemotoken".ljust(40, "0")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--max-inflight", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--runs-a-mirror", type=int, default=3)
    args = parser.parse_args()

    with emulator("--repos", str(args.mirrors)) as emu:
        alice = django_client(emu.url)
        from django.core.cache import cache
        from django.test import Client

        from dashboard.mirrors import clock
        from dashboard.watch.models import FailedRun, Mirror

        index_watched(with_alice=True, backfill_pages=500)
        mirrors = Mirror.objects.filter(present=True, kind=Mirror.Kind.REPOSITORY)
        from_log = FailedRun.objects.count()
        for namespace in (*WATCHED, "alice"):
            failing = mirrors.filter(namespace=namespace, sync_status="FAIL").count()
            runs = FailedRun.objects.filter(namespace=namespace).values("mirror").distinct()
            print(f"  {namespace}: {failing} failing now, {runs.count()} with a failed run")
        print(
            f"{mirrors.count()} watched mirrors; {from_log} failed runs read from Quay's log; "
            f"Quay at {args.latency_ms:g} ms a call, {args.max_inflight} at once"
        )

        def time_page(client: Client, url: str) -> tuple[list[float], int, int]:
            client.get(url)  # warm-up
            times, made = [], 0
            for _ in range(args.runs):
                cache.clear()
                emu.control("DELETE", "stats")
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
                made = calls(emu)
            body = response.content.decode()
            rows = body.count("<tr data-mirror=") or max(0, body.count("\n") - 1)
            return times, made, rows

        dave = Client()
        assert dave.post("/accounts/login/", {"token": DAVE, "next": "/"}).status_code == 302
        real_quay = {"latency_ms": args.latency_ms, "max_inflight": args.max_inflight}
        emu.control("POST", "config", real_quay)

        def report(label: str) -> None:
            for who, client in (("alice", alice), ("dave", dave)):
                for url in ("/failures/", "/failures/?window=7d", "/failures/export.csv?window=7d"):
                    times, made, rows = time_page(client, url)
                    print(
                        f"{label}: {who:5} {url:32} median {statistics.median(times):.2f} s, "
                        f"max {max(times):.2f} s, {rows} rows, {made} calls to Quay"
                    )

        report("as read")
        now = clock.now()
        made = [
            FailedRun(
                mirror=mirror,
                namespace=mirror.namespace,
                name=mirror.name,
                kind=mirror.kind,
                started_at=now - timedelta(hours=6 + 40 * n, seconds=mirror.pk),
                at=now - timedelta(hours=6 + 40 * n, seconds=mirror.pk) + timedelta(minutes=2),
                tries=3,
                reason="Error listing repository tags: fetching tags list: unauthorized: "
                "authentication required",
                cause="auth_failed",
            )
            for mirror in mirrors
            for n in range(args.runs_a_mirror)
        ]
        FailedRun.objects.bulk_create(made, ignore_conflicts=True)
        print(f"\nworst case: every watched mirror with {args.runs_a_mirror} failed runs this week")
        report("worst")
    return 0


if __name__ == "__main__":
    sys.exit(main())
