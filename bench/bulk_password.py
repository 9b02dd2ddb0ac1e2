"""Rotating the password of many mirrors with one bulk change, at a real Quay's pace.

    .venv/bin/python bench/bulk_password.py [--mirrors 60] [--latency-ms 300]
                                            [--max-inflight 2] [--inflight-budget 2 8]

The emulator runs in real-Quay mode (each authenticated call ``--latency-ms``, at most
``--max-inflight`` at once) with ``--mirrors`` extra mirrored repositories (``bulk-0001`` …,
over four namespaces, in every state: some syncing). Signed in as alice, the bulk change
selects them all, sets a username and a new password (and "also change mirrors whose sync is
running"), previews, and applies; the apply's task runs at once in this process (Huey's
immediate mode), with the dashboard's budget of calls in flight at each ``--inflight-budget``
(the apply keeps half of it). Prints the time and the calls to Quay of the preview and of the
apply, the calls per mirror, and the results.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, django_client, emulator

sys.path.insert(0, str(ROOT))

SECRET = "bench-rotated-password"  # noqa: S105 - a benchmark's value


def calls(emu: Any) -> int:
    return int(emu.control("GET", "stats")["calls"])


def one_change(client: Any, emu: Any, names: list[str]) -> dict[str, Any]:
    from dashboard.mirrors.models import BulkItem, BulkRun

    response = client.post("/bulk/settings/", {"repo": names})
    url = response["Location"]
    values = {
        "sync_interval_unit": "hours",
        "skopeo_timeout_unit": "minutes",
        "external_registry_username": "puller",
        "external_registry_password": SECRET,
        "confirm_during_sync": "on",
    }
    emu.control("DELETE", "stats")
    started = time.perf_counter()
    response = client.post(url + "preview/", values)
    preview = (time.perf_counter() - started, calls(emu))
    assert response.status_code == 302, response.content.decode()[:500]
    emu.control("DELETE", "stats")
    started = time.perf_counter()
    client.post(url + "apply/")
    apply = (time.perf_counter() - started, calls(emu))
    run = BulkRun.objects.get(pk=int(url.rstrip("/").rsplit("/", 1)[1]))
    assert run.state == BulkRun.State.DONE, run.state
    outcomes = Counter(i.outcome or i.verdict for i in BulkItem.objects.filter(run=run))
    return {"preview": preview, "apply": apply, "outcomes": outcomes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=int, default=60)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--max-inflight", type=int, default=2)
    parser.add_argument("--inflight-budget", type=int, nargs="+", default=[2, 8])
    args = parser.parse_args()
    with emulator() as emu:
        client = django_client(emu.url)
        from django.test import override_settings
        from huey.contrib.djhuey import HUEY

        HUEY.immediate = True
        names = [f"{ns}/bulk-{i:04d}" for i, ns in _bulk_names(args.mirrors)]
        print(
            f"A password rotation of {args.mirrors} mirrors, signed in as alice; Quay: "
            f"{args.latency_ms:.0f} ms a call, {args.max_inflight} at once"
        )
        for budget in args.inflight_budget:
            emu.control("POST", "reset", {"repos": args.mirrors})
            emu.control(
                "POST", "config", {"latency_ms": args.latency_ms, "max_inflight": args.max_inflight}
            )
            with override_settings(QUAY_MAX_INFLIGHT=budget):
                seen = one_change(client, emu, names)
            stored = emu.control("GET", f"mirror/{names[0]}")["external_registry_password"]
            assert stored == SECRET, "the password did not reach Quay"
            (p_time, p_calls), (a_time, a_calls) = seen["preview"], seen["apply"]
            sent = sum(n for key, n in seen["outcomes"].items() if key != "unchanged")
            print(
                f"  budget {budget} in flight (apply {max(1, budget // 2)} at once): "
                f"preview {p_time:5.1f} s {p_calls:4d} calls · apply {a_time:5.1f} s "
                f"{a_calls:4d} calls ({a_calls / max(1, sent):.1f} a mirror) · "
                f"{dict(seen['outcomes'])}"
            )
    return 0


def _bulk_names(count: int) -> list[tuple[int, str]]:
    namespaces = ("acme", "globex", "initech", "alice")
    return [(i, namespaces[(i - 1) % len(namespaces)]) for i in range(1, count + 1)]


if __name__ == "__main__":
    sys.exit(main())
