"""The overview at a real Quay's pace: first byte, listing, details, before and after.

    .venv/bin/python bench/overview_scale.py [--mirrors 200 1000] [--latency-ms 300]
                                             [--max-inflight 2] [--first-screen 11] [--runs 3]

Starts the emulator in real-Quay mode (every authenticated call costs ``--latency-ms``, at
most ``--max-inflight`` served at once: a small Quay's ~7 calls/s) with N mirrors in 4
namespaces, signs alice in (Django's test client) and, from a cold read cache, times:

* before -- the page drawn whole, every row with its details (``?details=all``: the same
  calls as the overview before this change, which is what a browser without JavaScript
  still gets);
* after -- what a browser does with the page drawn from mirror health: the first paint
  (its first byte: the page is not streamed), then the listing, then detail batches of 10
  rows, 2 at a time, in overview.js's order: the rows on the first screen (the first
  ``--first-screen`` rows: 11 fit at 1366x900), their last results, the failed and running
  rows, then (as if the person scrolled to the end) every other row.

Prints the median of ``--runs`` runs of each moment, and the calls to Quay each made.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import threading
import time
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, SEEDED_MIRRORS, django_client, emulator

sys.path.insert(0, str(ROOT))

BATCH, LANES, AGAIN_S = 10, 2, 5.0  # as in static/js/overview.js
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}


def cold() -> None:
    """Nothing in the read cache: the person's first visit."""
    from django.core.cache import cache

    cache.clear()


def calls(emu: Any) -> int:
    return int(emu.control("GET", "stats")["calls"])


def before(client: Any, emu: Any) -> dict[str, float]:
    cold()
    emu.control("DELETE", "stats")
    started = time.perf_counter()
    response = client.get("/?details=all")
    assert response.status_code == 200, response.status_code
    whole = time.perf_counter() - started
    failed = response.content.decode().count(
        "Details not shown:"
    ) + response.content.decode().count('"status status-error"')
    return {"first byte": whole, "all rows filled": whole, "calls": calls(emu), "failed": failed}


class Browser:
    """What overview.js does with the page, with two lanes of detail batches."""

    def __init__(self, clients: list[Any], first_screen: int, *, scroll: bool = True) -> None:
        from tests.overview_support import Settled

        self.clients = clients
        self.first_screen = first_screen
        #: The person scrolls to the end: every row comes into view once.
        self.scroll = scroll
        self.lock = threading.Lock()
        self.settled = Settled("")
        self.asked: set[str] = set()
        self.not_before: dict[str, float] = {}
        self.moments: dict[str, float] = {}
        self.started = 0.0
        self.in_view: list[str] = []
        self.filters = ""

    def mark(self, name: str) -> None:
        self.moments.setdefault(name, time.perf_counter() - self.started)

    def open(self) -> None:
        from tests.overview_support import _rows_in

        self.started = time.perf_counter()
        client = self.clients[0]
        page = client.get("/").content.decode()
        self.mark("first byte")
        first = re.search(r'<tbody id="rows">([\s\S]*?)</tbody>', page)
        self.settled.page = page
        self.settled.rows = _rows_in(first.group(1) if first else "")
        self.in_view = list(self.settled.rows)[: self.first_screen]
        url = unescape(re.search(r'<tbody id="listed" hx-get="([^"]+)"', page).group(1))
        answer = client.get(url, **HX).content.decode()
        listed = re.search(r'<tbody id="listed"[^>]*>([\s\S]*?)</tbody>', answer)
        self.settled.rows.update(_rows_in(listed.group(1) if listed else ""))
        self.settled.apply(answer)
        self.mark("listed")

    def _need(self, row_id: str) -> str:
        row = self.settled.rows[row_id]
        found = re.search(r'data-need="([a-z]+)"', row.split(">", 1)[0])
        return found.group(1) if found else ""

    def _pick(self) -> tuple[str, list[str]] | None:
        now = time.perf_counter()
        free = [
            row_id
            for row_id in self.settled.rows
            if row_id not in self.asked and self.not_before.get(row_id, 0) <= now
        ]
        in_view = [row_id for row_id in free if row_id in self.in_view]
        head = lambda row_id: self.settled.rows[row_id].split(">", 1)[0]  # noqa: E731
        order = [
            ("details", [r for r in in_view if self._need(r) == "details"]),
            ("results", [r for r in in_view if self._need(r) == "results"]),
            (
                "details",
                [r for r in free if self._need(r) == "details" and "data-priority" in head(r)],
            ),
            ("details", [r for r in free if self._need(r) == "details" and self.scroll]),
        ]
        for need, rows in order:
            if rows:
                return need, rows[:BATCH]
        return None

    def _wanted(self) -> bool:
        """Rows this page still wants details for (later: they were not filled)."""
        for row_id, row in self.settled.rows.items():
            need = self._need(row_id)
            head = row.split(">", 1)[0]
            if row_id in self.in_view and need:
                return True
            if need == "details" and (self.scroll or "data-priority" in head):
                return True
        return False

    def _check(self) -> None:
        pending = {row_id: self._need(row_id) for row_id in self.settled.rows}
        if not any(pending[r] == "details" for r in self.in_view):
            self.mark("first screen: details")
        if not any(pending[r] for r in self.in_view):
            self.mark("first screen: last results")
        heads = {r: row.split(">", 1)[0] for r, row in self.settled.rows.items()}
        if not any(n == "details" and "data-priority" in heads[r] for r, n in pending.items()):
            self.mark("failed and running: details")
        if not any(n == "details" for n in pending.values()):
            self.mark("all rows filled")

    def lane(self, client: Any) -> None:
        while True:
            with self.lock:
                self._check()
                batch = self._pick()
                if batch is None:
                    if not self._wanted():
                        return
                else:
                    self.asked.update(batch[1])
            if batch is None:
                time.sleep(0.2)
                continue
            need, rows = batch
            if need == "details":
                values = [
                    unescape(
                        re.search(r'name="row" value="([^"]*)"', self.settled.rows[r]).group(1)
                    )
                    for r in rows
                ]
                query = "&".join(f"row={quote(v, safe='')}" for v in values)
                answer = client.get(f"/overview/details/?{query}", **HX).content.decode()
            else:
                names = [
                    re.search(r'data-repo="([^"]*)"', self.settled.rows[r]).group(1) for r in rows
                ]
                query = "&".join(f"repo={quote(n, safe='')}" for n in names)
                answer = client.get(f"/overview/results/?{query}", **HX).content.decode()
            with self.lock:
                self.settled.apply(answer)
                for row_id in rows:
                    self.asked.discard(row_id)
                    if self._need(row_id) == need:  # not filled this time: later
                        self.not_before[row_id] = time.perf_counter() + AGAIN_S

    def run(self) -> dict[str, float]:
        self.open()
        lanes = [threading.Thread(target=self.lane, args=(c,)) for c in self.clients[:LANES]]
        for lane in lanes:
            lane.start()
        for lane in lanes:
            lane.join()
        with self.lock:
            self._check()
        return self.moments


def after(clients: list[Any], emu: Any, first_screen: int) -> dict[str, float]:
    cold()
    emu.control("DELETE", "stats")
    browser = Browser(clients, first_screen)
    moments = browser.run()
    rows = browser.settled.rows.values()
    failing = [row for row in rows if "Details not shown:" in row or '"status status-error"' in row]
    for row in failing[:5]:  # what failed, in the row's own words
        said = re.search(r'<small class="(?:detail-error|detail)">([^<]*)', row)
        print("  failed:", re.search(r'data-repo="([^"]*)"', row).group(1), said and said.group(1))
    return {**moments, "calls": calls(emu), "failed": len(failing)}


def _median(runs: list[dict[str, float]], moment: str, unit: str) -> str:
    values = [run[moment] for run in runs if moment in run]
    if not values:
        return f"{'':>10}"
    return f"{statistics.median(values):9.1f}s" if unit else f"{statistics.median(values):10.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--max-inflight", type=int, default=2)
    parser.add_argument("--first-screen", type=int, default=11)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--after-only", action="store_true", help="skip the page drawn whole")
    args = parser.parse_args()
    for mirrors in args.mirrors:
        extra = max(0, mirrors - SEEDED_MIRRORS)
        with emulator("--repos", str(extra), "--claim-delay", "100000") as emu:
            client = django_client(emu.url)
            from django.test import Client

            clients = [client]
            for _ in range(LANES):
                other = Client()
                other.cookies = client.cookies
                clients.append(other)
            after(clients, emu, args.first_screen)  # warm: templates, connections
            emu.control(
                "POST", "config", {"latency_ms": args.latency_ms, "max_inflight": args.max_inflight}
            )
            old = [] if args.after_only else [before(client, emu) for _ in range(args.runs)]
            new = [after(clients, emu, args.first_screen) for _ in range(args.runs)]
        print(
            f"\nOverview, {mirrors} mirrors in 4 namespaces, signed in as alice; Quay: "
            f"{args.latency_ms:.0f} ms a call, {args.max_inflight} at once (median of {args.runs})"
        )
        print(f"  {'':34} {'before':>10} {'after':>10}")
        for moment, unit in (
            ("first byte", "s"),
            ("listed", "s"),
            ("first screen: details", "s"),
            ("first screen: last results", "s"),
            ("failed and running: details", "s"),
            ("all rows filled", "s"),
            ("calls", ""),
            ("failed", ""),
        ):
            label = {"calls": "calls to Quay", "failed": "rows whose details failed"}.get(
                moment, moment
            )
            print(f"  {label:34} {_median(old, moment, unit)} {_median(new, moment, unit)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
