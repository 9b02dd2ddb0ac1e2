"""Time the repository page (``/repo/<ns>/<name>/``) with L ms per upstream call.

    .venv/bin/python bench/repo_page.py [--repo acme/nginx] [--latency-ms 100] [--runs 7]

Starts the emulator itself, signs alice in, times the page with no latency (the page's own
work) and with L ms per call, and prints the difference beside the sequential estimate
(calls x latency). Target: the independent calls run together, so the page costs about one
latency (~100 ms) more than its own render, not one per call (300+ ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import django_client, emulator, summary, time_runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default="acme/nginx")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    namespace, name = args.repo.split("/", 1)
    url = f"/repo/{namespace}/{name}/"

    with emulator("--latency-ms", "0") as emu:
        client = django_client(emu.url)

        def fetch() -> None:
            response = client.get(url)
            assert response.status_code == 200, (response.status_code, url)

        own = time_runs(fetch, args.runs)
        emu.control("POST", "config", {"latency_ms": args.latency_ms})
        emu.clear_log()
        fetch()
        log = emu.control("GET", "requests")
        timed = time_runs(fetch, args.runs)

    calls = len(log)
    latency = args.latency_ms / 1000
    extra = statistics.median(timed) - statistics.median(own)
    sequential = calls * latency
    print(f"Repository page {url}, signed in as alice")
    print(f"  upstream calls per page : {calls}  ({', '.join(sorted({e['path'] for e in log}))})")
    print(f"  own work, no latency    : {summary(own)}")
    print(f"  with {args.latency_ms:.0f} ms per call  : {summary(timed)}")
    print(
        f"  cost of the latency     : {extra * 1000:7.0f} ms  (= {extra / latency:.1f} x latency)"
    )
    print(
        f"  sequential estimate     : {sequential * 1000:7.0f} ms  ({calls} calls x "
        f"{args.latency_ms:.0f} ms, one after the other)"
    )
    # The calls of one page run together: about one latency on top of the page's own work.
    ok = extra < 2 * latency
    print(f"  target ~1 x latency     : {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
