"""The call budget holds for whole pages: 50 people's page loads at once, through a live
dashboard over HTTP, never put more than ``QUAY_MAX_INFLIGHT`` calls in flight at Quay
(counted by the emulator), and every page is still drawn."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.emulator import TOKENS, Emulator
from tests.support.quay_api import counting_from_zero, stats

PAGE_LOADS = 50
LIMIT = 4


def signed_in(base: str, user: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    form = session.get(f"{base}/accounts/login/", timeout=10).text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    answer = session.post(
        f"{base}/accounts/login/",
        data={"token": TOKENS[user], "next": "/", "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:300]
    return session


@pytest.fixture
def budget_of_four(settings) -> None:
    settings.QUAY_MAX_INFLIGHT = LIMIT  # the budget is built again from the new setting
    settings.QUAY_READ_CACHE_SECONDS = 0  # every page load really asks Quay


@pytest.mark.parametrize("path", ["/repo/acme/nginx/", "/"])
def test_fifty_page_loads_at_once_keep_within_the_budget(
    live_server, emulator: Emulator, budget_of_four, path: str
) -> None:
    base = live_server.url
    people = [signed_in(base, user) for user in ("alice", "bob", "carol", "dave")]
    emulator.configure(latency_ms=50)  # so that the pages' calls overlap
    counting_from_zero(emulator)
    start = threading.Barrier(PAGE_LOADS)

    def load(i: int) -> tuple[int, str]:
        session = people[i % len(people)]
        start.wait()
        answer = session.get(f"{base}{path}", timeout=60)
        return answer.status_code, answer.text

    with ThreadPoolExecutor(max_workers=PAGE_LOADS) as pool:
        pages = list(pool.map(load, range(PAGE_LOADS)))
    assert [status for status, _ in pages] == [200] * PAGE_LOADS
    assert not [text for _, text in pages if "Quay is busy" in text]
    counts = stats(emulator)
    assert counts["calls"] >= PAGE_LOADS  # every page asked Quay
    assert LIMIT - 1 <= counts["max_inflight"] <= LIMIT  # they overlapped, never past the limit
