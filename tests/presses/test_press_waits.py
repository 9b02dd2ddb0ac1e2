"""A press never waits more than one timeout before telling the person what is known: against a
Quay slower than the timeout (the emulator's service time), Sync now and Cancel answer within
one ``QUAY_TIMEOUT``, from a mirror's page or an overview row, with htmx or without, for both
kinds (it took three: the press, the status read back, the status read again to draw it)."""

from __future__ import annotations

import time

import pytest

from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text_of

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
TIMEOUT = 1.0
#: Quay's answer to every call with a token takes this long (12 s against 10 s, scaled).
SLOW_MS = 1200
#: What a request may take on top of its one timeout (Django, the test client, the emulator).
MARGIN = 0.35


@pytest.fixture
def slow_quay(emulator, settings, no_read_cache):
    """Makes Quay slow (call it once signed in: signing in waits for Quay too)."""

    def slow(ms: float = SLOW_MS):
        settings.QUAY_TIMEOUT = TIMEOUT
        emulator.configure(latency_ms=ms)
        emulator.control("DELETE", "requests")
        return emulator

    yield slow
    emulator.configure(latency_ms=0)


def calls_to(emulator, api: str) -> list[tuple[str, str]]:
    """The calls about the mirror Quay received (those the dashboard gave up on included)."""
    time.sleep(SLOW_MS / 1000 + 0.3)  # the last one ends in Quay after the dashboard gave up
    return [
        (entry["method"], entry["path"])
        for entry in emulator.requests_log()
        if entry["path"].startswith(f"/api/v1/{api}")
    ]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no JavaScript"])
@pytest.mark.parametrize("where", ["page", "row"])
@for_each_kind("mirror", repository=repo("acme", "redis"), organization=org("orgnew"))
def test_sync_now_against_a_slow_quay_answers_within_one_timeout(
    client_as, slow_quay, mirror, htmx, where
):
    client = client_as(mirror.admin)
    quay = slow_quay()
    data = {"view": "row"} if where == "row" else {}
    started = time.monotonic()
    response = client.post(mirror.path("sync-now"), data, **(HX if htmx else {}))
    took = time.monotonic() - started
    assert response.status_code in (200, 302)
    assert took <= TIMEOUT + MARGIN, f"{took:.2f} s: more than one timeout of waiting"
    said = text_of(response) if htmx else text_of(client.get(response["Location"]))
    assert "Quay did not answer within" in said
    assert "is not known" in said  # what is known: the press went out, its outcome did not come
    sent = calls_to(quay, mirror.api)
    # The press, and at most one read of its status, in that one timeout.
    assert sent.count(("POST", f"/api/v1/{mirror.api}/sync-now")) == 1
    assert len(sent) <= 2 + (0 if htmx else 2), sent  # without htmx: the next page's reads


def test_a_press_quay_answers_in_time_still_reads_its_status_back(client_as, slow_quay):
    # The press's share of the timeout is enough for a Quay that answers within it.
    client = client_as("alice")
    slow_quay(200)
    response = client.post("/repo/acme/redis/sync-now/", **HX)
    assert "Sync requested" in text_of(response) or "queued" in text_of(response).lower()
