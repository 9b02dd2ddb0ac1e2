"""Time one poll of a status panel watching a running sync (the dashboard's own cost).

    .venv/bin/python bench/status_poll.py [--repo acme/alpine] [--runs 50]

Starts the emulator itself (no added latency), signs alice in, and prints the median and
95th percentile of a poll (``GET .../status/?poll=1...`` with htmx) beside the same upstream
call made directly, so the difference is the dashboard's own work per poll. The number of
upstream calls a poll costs (one) is asserted in tests/costs/test_call_counts.py.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ALICE, django_client, emulator, summary, time_runs

HX = {"HTTP_HX_REQUEST": "true"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default="acme/alpine")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with emulator("--latency-ms", "0") as emu:
        emu.control("POST", "config", {"sync_duration": 3600})
        client = django_client(emu.url)
        panel = client.get(f"/repo/{args.repo}/status/", **HX).content.decode()
        found = re.search(r'hx-get="([^"]+)"', panel)
        if not found:
            raise SystemExit(f"{args.repo} is not syncing: its panel does not poll")
        url = unescape(found.group(1))
        polls = time_runs(lambda: client.get(url, **HX), args.runs)

        import requests

        session = requests.Session()
        api = f"{emu.url}/api/v1/repository/{args.repo}/mirror"
        headers = {"Authorization": f"Bearer {ALICE}"}

        def upstream() -> None:
            session.get(api, headers=headers, timeout=10)

        direct = time_runs(upstream, args.runs)
    p95 = sorted(polls)[int(len(polls) * 0.95) - 1] * 1000
    print(f"Status poll of {args.repo} ({url})")
    print(f"  a poll            : {summary(polls)}   p95 {p95:.1f} ms")
    print(f"  the upstream call : {summary(direct)}")
    own = (statistics.median(polls) - statistics.median(direct)) * 1000
    print(f"  the dashboard's own work per poll: ~{own:.1f} ms (median difference)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
