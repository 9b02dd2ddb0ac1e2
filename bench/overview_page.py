"""Time the overview page: N mirrored repositories in 4 namespaces, L ms per upstream call.

    .venv/bin/python bench/overview_page.py [--mirrors 200] [--latency-ms 50] [--runs 7]
                                       [--max-parallel 16] [--whole]

Starts the emulator itself (``quay_emulator --repos <extra> --latency-ms L``), signs alice
in, times ``GET /`` (median, min, max; every run from a cold read cache) and prints the
sequential estimate beside it (one call after the other: upstream calls x latency). ``/`` is
the page drawn from mirror health (its details follow in fragments: bench/overview_scale.py
times those); ``--whole`` times ``/?details=all`` instead, every row with its details (the
page as it was drawn before). Target (whole page): 200 mirrors, 50 ms, <= 1.0 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SEEDED_MIRRORS, django_client, emulator, summary, time_runs

TARGET_S = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--max-parallel", type=int, default=None, help="QUAY_MAX_PARALLEL")
    parser.add_argument("--whole", action="store_true", help="time /?details=all")
    args = parser.parse_args()
    url = "/?details=all" if args.whole else "/"

    extra = max(0, args.mirrors - SEEDED_MIRRORS)
    with emulator("--repos", str(extra), "--latency-ms", "0") as emu:
        client = django_client(emu.url, args.max_parallel)
        from django.conf import settings
        from django.core.cache import cache

        def fetch() -> str:
            cache.clear()  # a first visit: nothing in the read cache
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response.content.decode()

        page = fetch()
        rows = page.count('<tr id="row-')
        own = time_runs(fetch, args.runs)  # no latency: the dashboard's own work

        emu.control("POST", "config", {"latency_ms": args.latency_ms})
        emu.clear_log()
        fetch()
        calls = emu.calls()
        timed = time_runs(fetch, args.runs)

    median = statistics.median(timed)
    sequential = calls * args.latency_ms / 1000
    print(f"Overview page {url}: {rows} rows drawn, 4 namespaces, signed in as alice")
    print(f"  upstream calls per page : {calls}  (QUAY_MAX_PARALLEL={settings.QUAY_MAX_PARALLEL})")
    print(f"  own work, no latency    : {summary(own)}")
    print(f"  with {args.latency_ms:.0f} ms per call     : {summary(timed)}")
    print(
        f"  sequential estimate     : {sequential * 1000:7.0f} ms  ({calls} calls x "
        f"{args.latency_ms:.0f} ms, one after the other)"
    )
    print(f"  speed-up vs sequential  : {sequential / median:5.1f}x")
    ok = median <= TARGET_S
    print(f"  target <= {TARGET_S:.1f} s         : {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
