"""Quay under gunicorn closes a kept-alive connection idle for 2 s; a request sent on it just
then is dropped unanswered. The emulator makes that race certain (``--idle-close-seconds 1
--idle-close-late``: every request after 1 s idle on a connection is dropped). A read is asked
once more on a new connection, so the page never says "Quay cannot be reached" while Quay
answers; a write is never sent twice: whether Quay applied it is not known, and said so."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayDropped, QuayTimeout
from tests.support.emulator import TOKENS, Emulator, start_emulator

IDLE = 1.0


@pytest.fixture(scope="module")
def dropping() -> Iterator[Emulator]:
    proc, emulator = start_emulator("--idle-close-seconds", str(IDLE), "--idle-close-late")
    yield emulator
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def quay(dropping: Emulator, settings) -> Emulator:
    dropping.reset()
    settings.QUAY_URL = dropping.url
    settings.QUAY_READ_CACHE_SECONDS = 0  # every load asks Quay
    return dropping


def answered(emulator: Emulator, path: str) -> int:
    return sum(1 for entry in emulator.requests_log() if entry["path"] == path)


def test_a_read_on_a_connection_dropped_just_then_is_asked_once_more(quay: Emulator):
    client = QuayClient(TOKENS["alice"])
    assert client.get_user().username == "alice"
    time.sleep(IDLE + 0.3)  # the pooled connection is now one Quay drops
    assert client.get_user().username == "alice"  # not "Quay cannot be reached"
    assert answered(quay, "/api/v1/user/") == 2  # the dropped one never reached Quay


def test_a_write_on_a_connection_dropped_just_then_is_not_sent_again(quay: Emulator):
    client = QuayClient(TOKENS["alice"])
    before = client.get_mirror("acme", "nginx").sync_interval
    time.sleep(IDLE + 0.3)
    with pytest.raises(QuayDropped) as dropped:
        client.request("PUT", "repository/acme/nginx/mirror", json={"sync_interval": 7200})
    assert isinstance(dropped.value, QuayTimeout)  # the callers' "Quay may have acted" path
    assert "whether it did this is not known" in dropped.value.message
    assert not [e for e in quay.requests_log() if e["method"] == "PUT"]  # sent once, dropped
    assert client.get_mirror("acme", "nginx").sync_interval == before


@pytest.mark.django_db
def test_repository_pages_loaded_seconds_apart_all_read_quay(
    dropping: Emulator, client_as, settings
):
    """The walk against a real Quay: 8 of 8 page loads 2.5 s apart said Quay could not be
    reached. Each page load now finds its pooled connections dropped, and is drawn."""
    client = client_as("alice")  # on the test's usual emulator, which seeds the same people
    dropping.reset()
    settings.QUAY_URL = dropping.url
    settings.QUAY_READ_CACHE_SECONDS = 0  # every load asks Quay
    for _ in range(3):
        time.sleep(IDLE + 0.3)
        html = client.get("/repo/acme/nginx/").content.decode()
        assert "cannot be reached" not in html
        assert "docker.io/library/nginx" in html


@pytest.mark.django_db
def test_a_sync_now_dropped_on_its_way_says_so_and_what_quay_shows(
    dropping: Emulator, client_as, settings
):
    """The press is the first call after the pause: Quay drops it unprocessed. The answer
    says the connection closed (not "did not answer within 30 s"), reads the status, and does
    not claim the sync started."""
    client = client_as("alice")
    dropping.reset()
    settings.QUAY_URL = dropping.url
    settings.QUAY_READ_CACHE_SECONDS = 0
    assert client.get("/repo/acme/nginx/").status_code == 200  # connections in the pool
    time.sleep(IDLE + 0.3)
    answer = client.post("/repo/acme/nginx/sync-now/", {"next": "/repo/acme/nginx/"}, follow=True)
    words = answer.content.decode()
    assert "Quay closed the connection before it answered" in words
    assert "did not answer within" not in words
    assert not [e for e in dropping.requests_log() if e["method"] == "POST"]
    assert dropping.mirror("acme", "nginx")["sync_status"] != "SYNC_NOW"
