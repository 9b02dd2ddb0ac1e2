"""The emulator's own cost per call as the number of repositories grows.

    .venv/bin/python bench/emulator_cost.py [--repos 200 1000 3000] [--calls 300]

For each N, starts the emulator with ``--repos N`` (no latency), times a few representative
calls one after the other as alice and prints the median per call. Werkzeug's server closes
every connection, so each call includes a TCP connect: the control-API row, which does no
Quay work, shows that floor. The mirror config, the repository listing (100 a page) and
mirror health with ``limit=100`` answer the same amount whatever N; mirror health with
``limit=1000`` (what the dashboard asks for) lists every enabled mirror of the namespace, so
its answer grows with N (the last row says how many rows it had).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ALICE, emulator

CALLS = {
    "control API GET config (HTTP floor)": ("/_emulator/config", {}),
    "GET mirror config (acme/nginx)": ("/api/v1/repository/acme/nginx/mirror", {}),
    "list repositories (acme, 1st page)": ("/api/v1/repository", {"namespace": "acme"}),
    "mirror health detailed, limit 100": (
        "/api/v1/repository/mirror/health",
        {"namespace": "acme", "detailed": "true", "limit": "100"},
    ),
    "mirror health detailed, limit 1000": (
        "/api/v1/repository/mirror/health",
        {"namespace": "acme", "detailed": "true", "limit": "1000"},
    ),
    # As olivia, the organization mirrors' admin (the --repos N are alice's).
    "GET org mirror config (orgmirror)": ("/api/v1/organization/orgmirror/mirror", {}),
    "org mirror repositories (orgmirror)": (
        "/api/v1/organization/orgmirror/mirror/repositories",
        {},
    ),
}
#: The calls made as olivia.
AS_OLIVIA = frozenset(name for name in CALLS if "org mirror" in name)
OLIVIA = "oliviademotoken".ljust(40, "0")
WARM_UP = 5


def get(
    http: requests.Session, url: str, params: dict[str, str], token: str | None = None
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    response = http.get(url, params=params, timeout=30, headers=headers)
    if response.status_code not in (200, 503):  # mirror health answers 503 when unhealthy
        raise SystemExit(f"{url} answered {response.status_code}")
    return response


def time_call(
    http: requests.Session, url: str, params: dict[str, str], calls: int, token: str | None = None
) -> float:
    """Median milliseconds of ``calls`` sequential GETs of ``url``."""
    for _ in range(WARM_UP):
        get(http, url, params, token)
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        get(http, url, params, token)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, nargs="+", default=[200, 1000, 3000])
    parser.add_argument("--calls", type=int, default=300, help="timed calls of each kind")
    args = parser.parse_args()

    results: dict[int, dict[str, float]] = {}
    rows: dict[int, int] = {}
    for count in args.repos:
        with emulator("--repos", str(count)) as emu:
            http = requests.Session()
            http.trust_env = False
            http.headers["Authorization"] = f"Bearer {ALICE}"
            path, params = CALLS["mirror health detailed, limit 1000"]
            health = get(http, emu.url + path, params).json()
            rows[count] = len(health["repositories"]["details"])
            results[count] = {
                name: time_call(
                    http,
                    emu.url + path,
                    params,
                    args.calls,
                    OLIVIA if name in AS_OLIVIA else None,
                )
                for name, (path, params) in CALLS.items()
            }

    width = max(len(name) for name in CALLS)
    print(f"Emulator cost per call: median of {args.calls} sequential calls, ms")
    print(" " * width + "".join(f"  N={count:>6}" for count in args.repos))
    for name in CALLS:
        cells = "".join(f"  {results[count][name]:8.2f}" for count in args.repos)
        print(f"{name:<{width}}{cells}")
    answered = "".join(f"  {rows[count]:8d}" for count in args.repos)
    print(f"{'(rows in the limit-1000 health answer)':<{width}}{answered}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
