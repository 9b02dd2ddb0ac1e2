"""Time an organization mirror's page and one poll of its live part (the dashboard's own cost).

    .venv/bin/python bench/org_mirror_poll.py [--org orgmirror] [--runs 50]

Starts the emulator itself (no added latency, a long tag copy so the seeded mirror stays
syncing) with the read cache off, signs olivia in, and prints the median of the page, of a
poll (``?poll=1`` with htmx: the config and the discovered repositories, 2 upstream calls,
asserted in tests/costs/test_call_counts.py) and of those two upstream calls made directly one
after the other, so the difference is the dashboard's own work per poll (the poll asks both
at once).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import django_client, emulator, summary, time_runs

HX = {"HTTP_HX_REQUEST": "true"}
OLIVIA = "oliviademotoken".ljust(40, "0")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="orgmirror")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    os.environ["QUAY_READ_CACHE_SECONDS"] = "0"  # every look asks Quay (as a lone tab's poll)
    with emulator("--latency-ms", "0", "--org-tag-seconds", "3600") as emu:
        client = django_client(emu.url)
        client.post("/accounts/login/", {"token": OLIVIA, "next": "/"})
        page_url = f"/org/{args.org}/mirror/"
        if "data-poll-seconds" not in client.get(page_url).content.decode():
            raise SystemExit(f"the organization mirror of {args.org} is not active: no poll")
        pages = time_runs(lambda: client.get(page_url), args.runs)
        polls = time_runs(lambda: client.get(f"{page_url}?poll=1", **HX), args.runs)

        import requests

        session = requests.Session()
        session.trust_env = False
        headers = {"Authorization": f"Bearer {OLIVIA}"}
        base = f"{emu.url}/api/v1/organization/{args.org}/mirror"

        def upstream() -> None:
            session.get(base, headers=headers, timeout=10)
            session.get(f"{base}/repositories", headers=headers, timeout=10)

        direct = time_runs(upstream, args.runs)
    print(f"Organization mirror of {args.org}")
    print(f"  the page               : {summary(pages)}")
    print(f"  a poll of its live part: {summary(polls)}")
    print(f"  its 2 upstream calls   : {summary(direct)}")
    own = (statistics.median(polls) - statistics.median(direct)) * 1000
    print(f"  the dashboard's own work per poll: ~{own:.1f} ms (median difference)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
