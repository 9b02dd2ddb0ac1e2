"""The watching page: who may enrol a namespace (its administrators, as their own token
shows), the token checked and never shown again, broken and indexing states said, and who
may stop watching it."""

from __future__ import annotations

import pytest

from dashboard.watch import keys
from dashboard.watch.models import Enrolment
from dashboard.watch.poll import poll

from .conftest import WATCHER_TOKEN

pytestmark = pytest.mark.django_db


def test_an_admin_enrols_a_namespace_and_the_token_is_never_shown_again(client_as, emulator):
    client = client_as("alice")
    page = client.get("/watch/").content.decode()
    assert 'option value="acme"' in page and "None of your namespaces is watched yet" in page
    response = client.post("/watch/enrol/", {"namespace": "acme", "token": WATCHER_TOKEN})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(namespace="acme")
    assert enrolment.enrolled_by == "alice" and enrolment.token_user == "watcher"
    assert WATCHER_TOKEN not in enrolment.sealed_token  # sealed
    assert keys.unseal(enrolment.sealed_token) == WATCHER_TOKEN
    after = client.get("/watch/").content.decode()
    assert "Watching acme, as watcher" in after
    assert WATCHER_TOKEN not in after
    assert 'id="watch-acme" data-state="ok"' in after and "Indexing" in after
    poll("acme")
    assert "Indexing" not in client.get("/watch/").content.decode()


def test_a_member_who_is_no_admin_may_not_enrol_nor_remove(client_as, emulator, enrolled):
    client = client_as("carol")  # a member of acme, no admin
    response = client.post("/watch/enrol/", {"namespace": "acme", "token": WATCHER_TOKEN})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Only an administrator of acme may enrol it" in page
    assert not Enrolment.objects.exists()
    enrolled("acme")
    client.post("/watch/acme/remove/")
    assert Enrolment.objects.filter(namespace="acme").exists()


def test_a_read_only_superuser_may_neither_stop_watching_nor_enrol(client_as, emulator, enrolled):
    # dave reads every namespace and may change none of them: the page offered him "Stop
    # watching" on every row, and pressing it deleted acme's token and index.
    enrolled("acme", "orgnew")
    dave = client_as("dave")
    page = dave.get("/watch/").content.decode()
    assert 'id="watch-acme"' in page and "Stop watching" not in page
    response = dave.post("/watch/orgnew/remove/")
    assert "Only an administrator of orgnew may" in dave.get(response["Location"]).content.decode()
    assert Enrolment.objects.filter(namespace="orgnew").exists()
    dave.post("/watch/enrol/", {"namespace": "globex", "token": WATCHER_TOKEN})
    assert not Enrolment.objects.filter(namespace="globex").exists()


def test_a_token_that_cannot_read_the_namespace_is_refused_with_why(client_as, emulator):
    client = client_as("alice")
    carol = "caroldemotoken".ljust(40, "0")  # a member of acme: no mirror health, no log
    response = client.post("/watch/enrol/", {"namespace": "acme", "token": carol})
    page = client.get(response["Location"]).content.decode()
    assert "Not enrolled: Quay does not let this token read the mirrors of acme" in page
    assert not Enrolment.objects.exists()


def test_a_wrong_token_is_refused(client_as, emulator):
    client = client_as("alice")
    response = client.post("/watch/enrol/", {"namespace": "acme", "token": "nope" * 10})
    page = client.get(response["Location"]).content.decode()
    assert "Quay does not accept this token" in page


def test_a_broken_enrolment_says_why_and_an_admin_stops_watching(client_as, emulator, enrolled):
    enrolled("acme")
    emulator.control("DELETE", f"tokens/{WATCHER_TOKEN}")
    poll("acme")
    client = client_as("alice")
    page = client.get("/watch/").content.decode()
    assert 'data-state="broken"' in page and "Quay refused the watch token" in page
    client.post("/watch/acme/remove/")
    assert not Enrolment.objects.exists()


def test_enrolling_where_the_dashboard_is_exposed_needs_keys_of_its_own(
    client_as, emulator, settings
):
    settings.EXPOSED, settings.WATCH_TOKEN_KEYS = True, []
    client = client_as("alice")
    assert "Set WATCH_TOKEN_KEYS" in client.get("/watch/").content.decode()
    client.post("/watch/enrol/", {"namespace": "acme", "token": WATCHER_TOKEN})
    assert not Enrolment.objects.exists()
