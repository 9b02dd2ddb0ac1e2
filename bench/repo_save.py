"""The repository page and a save at a real Quay's pace, without and with the read cache.

    .venv/bin/python bench/repo_save.py [--repo acme/redis] [--latency-ms 300]
                                        [--max-inflight 2] [--runs 3]

The emulator runs in real-Quay mode (each authenticated call ``--latency-ms``, at most
``--max-inflight`` at once). Signed in as alice, each run times, from a cold cache: the page,
a save (one setting changed: the page's reads afresh, the PUT, one read-back) and the page
the save redirects to, then the same page again (another tab, a reload) -- with
``QUAY_READ_CACHE_SECONDS=0`` (before: no cache) and at its default (after). Prints the
median time and the calls to Quay of each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, django_client, emulator
from overview_scale import cold

sys.path.insert(0, str(ROOT))

STEPS = ("the page", "a save", "the page after it", "the page again (another tab)")


def calls(emu: Any) -> int:
    return int(emu.control("GET", "stats")["calls"])


def one_run(client: Any, emu: Any, url: str, interval: int) -> dict[str, tuple[float, int]]:
    from tests.edit_support import form_data

    cold()
    seen: dict[str, tuple[float, int]] = {}

    def step(name: str, action: Any) -> Any:
        emu.control("DELETE", "stats")
        started = time.perf_counter()
        response = action()
        seen[name] = (time.perf_counter() - started, calls(emu))
        return response

    page = step("the page", lambda: client.get(url))
    data = form_data(page)
    data["sync_interval_value"] = str(interval)
    data["sync_interval_unit"] = "hours"
    saved = step("a save", lambda: client.post(f"{url}settings/", data))
    assert saved.status_code == 302, saved.content.decode()[:300]
    step("the page after it", lambda: client.get(saved["Location"]))
    step("the page again (another tab)", lambda: client.get(saved["Location"]))
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default="acme/redis")
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--max-inflight", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url = f"/repo/{args.repo}/"
    with emulator() as emu:
        client = django_client(emu.url)
        from django.conf import settings
        from django.test.utils import setup_test_environment

        setup_test_environment()  # the test client then keeps each page's context (the form)
        default = settings.QUAY_READ_CACHE_SECONDS
        emu.control(
            "POST", "config", {"latency_ms": args.latency_ms, "max_inflight": args.max_inflight}
        )
        results: dict[str, list[dict[str, tuple[float, int]]]] = {}
        hours = 2
        for label, seconds in (("before", 0.0), ("after", default)):
            settings.QUAY_READ_CACHE_SECONDS = seconds
            results[label] = []
            for _ in range(args.runs):
                hours += 1  # a change every time
                results[label].append(one_run(client, emu, url, hours))
    print(
        f"Repository page {url} and a save, signed in as alice; Quay: {args.latency_ms:.0f} ms "
        f"a call, {args.max_inflight} at once (median of {args.runs})"
    )
    print(f"  {'':32} {'before (no cache)':>22} {'after (read cache)':>22}")
    for step_name in STEPS:
        cells = []
        for label in ("before", "after"):
            times = [run[step_name][0] for run in results[label]]
            made = [run[step_name][1] for run in results[label]]
            cells.append(
                f"{statistics.median(times) * 1000:7.0f} ms {statistics.median(made):3.0f} calls"
            )
        print(f"  {step_name:32} {cells[0]:>22} {cells[1]:>22}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
