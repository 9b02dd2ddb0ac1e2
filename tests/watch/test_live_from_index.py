"""A repository page's slow look at a mirror of a watched namespace is answered from the fleet
index when it is current and shows what the page shows: no call to Quay, however many people
keep the page open (each open page cost one call a minute)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.mirrors import clock
from dashboard.watch.models import Enrolment
from dashboard.watch.poll import poll
from tests.support.pages import text, text_of

from .conftest import calls

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
SLOW_LOOK = "/repo/acme/nginx/status/?poll=1&was=Synced"


def quay_asked_for_nginx(emulator) -> list[str]:
    return [c for c in calls(emulator) if "acme/nginx" in c]


@pytest.fixture
def watched(emulator, enrolled):
    enrolled("acme")
    poll("acme")
    emulator.control("DELETE", "requests")
    return emulator


def test_a_slow_look_at_a_watched_mirror_costs_quay_nothing(client_as, watched):
    alice = client_as("alice")
    watched.control("DELETE", "requests")
    for _ in range(3):  # three people, or one page three minutes long
        body = text(alice.get(SLOW_LOOK, **HX))
        assert 'status-success">Synced<' in body
    assert quay_asked_for_nginx(watched) == []
    assert "data-poll-seconds" in body  # it goes on looking, slowly


def test_a_status_other_than_the_pages_is_asked_of_quay(client_as, watched):
    alice = client_as("alice")
    watched.control("DELETE", "requests")
    body = text(alice.get("/repo/acme/nginx/status/?poll=1&was=Failed", **HX))
    assert quay_asked_for_nginx(watched) == ["GET repository/acme/nginx/mirror"]
    assert "Synced" in text_of(body)


def test_an_index_not_current_is_not_used(client_as, watched):
    Enrolment.objects.filter(namespace="acme").update(
        last_success_at=clock.now() - timedelta(minutes=10)
    )
    client_as("alice").get(SLOW_LOOK, **HX)
    assert quay_asked_for_nginx(watched) == ["GET repository/acme/nginx/mirror"]


def test_a_running_sync_or_a_press_is_asked_of_quay(client_as, watched):
    alice = client_as("alice")
    alice.get("/repo/acme/alpine/status/?poll=1&was=Syncing", **HX)
    assert [c for c in calls(watched) if "acme/alpine" in c]
    watched.control("DELETE", "requests")
    at = int(clock.now().timestamp())
    alice.get(f"{SLOW_LOOK}&pressed={at}", **HX)
    assert quay_asked_for_nginx(watched)


def test_a_member_shown_no_settings_is_not_answered_from_the_index(client_as, watched):
    client_as("carol").get(SLOW_LOOK + "&ro=1", **HX)
    assert quay_asked_for_nginx(watched)


def test_an_organization_mirrors_slow_look_costs_quay_nothing_where_it_is_watched(
    client_as, emulator, enrolled, no_read_cache
):
    """The org page's slow look (1 config read a minute per open page) is answered from the
    index when it holds the config the page saw; a change seen there is drawn from Quay."""
    from tests.live.test_pace import poll_url
    from tests.support.kinds import org

    olivia = client_as("olivia")
    enrolled("orgnew")
    poll("orgnew")
    poll("orgnew")  # the first one's log (its set-up) marks the config to be read again
    url = poll_url(text(olivia.get("/org/orgnew/mirror/")))
    emulator.control("DELETE", "requests")
    for _ in range(3):  # three people, or one page three minutes long
        response = olivia.get(url, **HX)
        assert response["HX-Reswap"] == "none"
    assert calls(emulator) == []
    org("orgnew").change_in_quay(emulator, sync_interval=7200)
    poll("orgnew")
    poll("orgnew")
    emulator.control("DELETE", "requests")
    assert "Every 2 hours" in text_of(text(olivia.get(url, **HX)))
    assert "GET organization/orgnew/mirror" in calls(emulator)
