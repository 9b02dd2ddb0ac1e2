"""Calls to Quay a minute from idle overview tabs with ~50 active rows, before and after.

    .venv/bin/python bench/overview_refresh.py [--repos 200] [--latency-ms 300]
        [--max-inflight 2] [--tabs 1 5] [--warm 30] [--minutes 2]

The emulator runs in real-Quay mode with ``--repos`` bulk mirrors (a quarter of them queued
or running; queued syncs are never picked up, running ones last 15 min, so the same rows
stay active). Each tab, signed in as alice, is opened as a browser opens it; then nobody
touches it. ``--warm`` seconds after the last tab has opened, the calls Quay answers are
counted for ``--minutes``:

* before -- every active row polls its own URL every 2 s (one request in flight a row), as
  the overview's rows did before this change (the row URL still answers the same way);
* after -- the tab's one refresh (every 5 s, twice as long after each refresh that changed
  nothing, up to 30 s), what overview.js does; the tab opens with the page, the listing
  and the details of the rows on its first screen and of the failed and running rows.

Several tabs of one person run side by side (started a second apart).
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from html import unescape
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import django_client, emulator
from overview_scale import HX, Browser, cold

ROW_POLL_SECONDS = 2.0  # the rows' old hx-trigger="every 2s"


def calls(emu: Any) -> int:
    return int(emu.control("GET", "stats")["calls"])


def watched(browser: Browser) -> list[str]:
    states = []
    for row in browser.settled.rows.values():
        head = row.split(">", 1)[0]
        found = re.search(r'name="row" value="([^"]*)"', row)
        if " data-watch" in head and " hidden" not in head and found:
            states.append(unescape(found.group(1)))
    return states


def new_tab(clients: list[Any], stop: threading.Event, opened: list[int]) -> None:
    """A tab of the overview as it is now: opened, then its one refresh."""
    browser = Browser(clients, first_screen=11, scroll=False)
    browser.run()
    opened.append(len(watched(browser)))
    interval, as_of = 5, int(time.time())
    while not stop.wait(interval):
        answer = (
            clients[0]
            .post(
                "/overview/refresh/",
                {"rows": "\n".join(watched(browser)), "interval": interval, "as_of": as_of},
                **HX,
            )
            .content.decode()
        )
        with browser.lock:
            browser.settled.apply(answer)
        found = re.search(r'hx-trigger="every (\d+)s', answer)
        if not found:
            return  # nothing active any more: no refresh
        interval = int(found.group(1))
        as_of_found = re.search(r'"as_of": (\d+)', answer)
        as_of = int(as_of_found.group(1)) if as_of_found else as_of


def old_tab(clients: list[Any], stop: threading.Event, opened: list[int]) -> None:
    """A tab of the overview as it was: every active row polls its own URL every 2 s."""
    browser = Browser(clients, first_screen=11, scroll=False)
    browser.run()
    states = watched(browser)
    opened.append(len(states))

    def poll(state: str) -> None:
        path, _, query = state.partition("?")
        while not stop.is_set():
            started = time.monotonic()
            clients[0].get(f"/repo/{path}/row/?{query}", **HX)
            stop.wait(max(0.0, ROW_POLL_SECONDS - (time.monotonic() - started)))

    pollers = [threading.Thread(target=poll, args=(state,), daemon=True) for state in states]
    for poller in pollers:
        poller.start()
    for poller in pollers:
        poller.join()


def measure(kind: str, tabs: int, clients_for: Any, emu: Any, warm: float, window: float) -> str:
    cold()
    stop = threading.Event()
    opened: list[int] = []
    tab = new_tab if kind == "after" else old_tab
    threads = []
    for index in range(tabs):
        thread = threading.Thread(target=tab, args=(clients_for(), stop, opened), daemon=True)
        thread.start()
        threads.append(thread)
        if index < tabs - 1:
            time.sleep(1)
    # Every tab has opened (its page, listing and details), or 3 minutes have passed (the old
    # way, the first tabs' polls can take all that Quay serves from the tabs still opening).
    deadline = time.monotonic() + 180
    while len(opened) < tabs and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(warm)
    start = calls(emu)
    time.sleep(window)
    made = calls(emu) - start
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    per_minute = made / (window / 60)
    active = f"{opened[0]} active rows" if opened else "?"
    return (
        f"  {kind:6} {tabs} tab{'s' if tabs > 1 else ' '} ({active}): {per_minute:7.0f} calls/min"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--max-inflight", type=int, default=2)
    parser.add_argument("--tabs", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--warm", type=float, default=30.0)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--only", choices=["before", "after"], default=None)
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["before", "after"]
    with emulator("--repos", str(args.repos), "--claim-delay", "100000") as emu:
        client = django_client(emu.url)
        from django.test import Client

        def clients_for() -> list[Any]:
            made = []
            for _ in range(3):
                other = Client()
                other.cookies = client.cookies
                made.append(other)
            return made

        emu.control(
            "POST", "config", {"latency_ms": args.latency_ms, "max_inflight": args.max_inflight}
        )
        print(
            f"Idle overview tabs of alice, {args.repos} bulk mirrors; Quay: "
            f"{args.latency_ms:.0f} ms a call, {args.max_inflight} at once; counted for "
            f"{args.minutes:g} min after {args.warm:g} s"
        )
        for kind in kinds:
            for tabs in args.tabs:
                emu.control("POST", "reset", {})  # the same active rows each time
                emu.control(
                    "POST",
                    "config",
                    {"latency_ms": args.latency_ms, "max_inflight": args.max_inflight},
                )
                print(measure(kind, tabs, clients_for, emu, args.warm, args.minutes * 60))
    return 0


if __name__ == "__main__":
    sys.exit(main())
