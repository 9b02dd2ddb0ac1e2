"""Saving an organization mirror's settings asks first, as the repository form does, while its
sync runs (saying what the save does to it) and for a start date in the past; nothing is sent
until the box is ticked, what was typed comes back, and asking costs Quay no call the page did
not already make."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import form_data, page, post_form, save
from tests.support.org_api import config as quay_config
from tests.support.org_api import org_api
from tests.support.pages import div, links, summary, text, text_of
from tests.support.received import calls, clear_log, mirror_puts, writes

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
SETTINGS = "/org/orgmirror/mirror/settings/"
ASKED = (
    "Nothing was saved yet: the organization mirror's sync is under way (what saving now does "
    "to it is said below). Tick the box to confirm and save again."
)


def rows(html: str) -> list[str]:
    return re.findall(r'name="repository_filters" value="([^"]*)"', html)


def box(html: str) -> str:
    """The settings form's "a sync is running" box (``settings_form.html#sync_warning``)."""
    return div(html, '<div class="message message-warning sync-warning" id="sync-warning"')


def without_broken(client: Any) -> dict[str, Any]:
    """The orgmirror form as drawn (its seeded sync is running), the filter broken removed."""
    data = form_data(client.get("/org/orgmirror/mirror/"))
    data["repository_filters"] = ["alpha", "beta", "gamma", "delta"]
    return data


def test_saving_while_its_repositories_sync_asks_first_and_sends_nothing(client_as, emulator):
    client = client_as("olivia")
    data = without_broken(client)
    clear_log(emulator)
    response = post_form(client, SETTINGS, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'tabindex="-1" autofocus' in summary(html)
    assert ASKED in text_of(response)
    assert links(html) == {"#sync-warning": "Confirm saving while the sync runs"}
    warning = text_of(box(html))
    assert (
        "The organization mirror is syncing its repositories now (1 syncing, 2 queued; one "
        "at a time)." in warning
    )
    assert "the queued ones sync with what you save" in warning
    # Only what this save changes is said: the filters.
    assert "What your changes do to it: Changing the filters: Quay applies them only" in warning
    assert "Changing the source" not in warning
    assert re.search(r'name="confirm_during_sync" value="on" aria-invalid="true"', box(html))
    assert rows(html) == ["alpha", "beta", "gamma", "delta"]  # what was typed, kept
    assert "<details open>" in html  # the settings stay open
    assert writes(emulator, "orgmirror") == []
    assert not AuditEntry.objects.exists()
    # The save's own fresh read, nothing else: the page is drawn from what it had read.
    assert calls(emulator) == ["GET organization/orgmirror/mirror"]

    clear_log(emulator)
    response = post_form(client, SETTINGS, {**data, "confirm_during_sync": "on"})
    assert response.status_code == 302
    assert writes(emulator, "orgmirror") == [
        ("PUT", {"repository_filters": ["alpha", "beta", "gamma", "delta"]})
    ]
    assert calls(emulator) == [
        "GET organization/orgmirror/mirror",
        "PUT organization/orgmirror/mirror",
        "GET organization/orgmirror/mirror",
    ]
    assert quay_config(emulator, "orgmirror")["repository_filters"] == [
        "alpha",
        "beta",
        "gamma",
        "delta",
    ]
    assert "Saved: repositories to mirror: - broken." in text_of(client.get(response["Location"]))


def test_asking_costs_the_pages_reads_and_the_saves_one_fresh_read(
    client_as, emulator, no_read_cache
):
    client = client_as("olivia")
    data = without_broken(client)
    clear_log(emulator)
    assert post_form(client, SETTINGS, data).status_code == 200
    assert sorted(calls(emulator)) == [
        "GET organization/orgmirror/logs",  # the page's reads (the history's 2 pages)
        "GET organization/orgmirror/logs",
        "GET organization/orgmirror/mirror",
        "GET organization/orgmirror/mirror",  # the save's fresh read
        "GET organization/orgmirror/mirror/repositories",
        "GET organization/orgmirror/robots",
    ]


def test_the_page_drawn_during_the_sync_offers_the_box_and_a_ticked_box_saves_at_once(
    client_as, emulator
):
    client = client_as("olivia")
    html = client.get("/org/orgmirror/mirror/").content.decode()
    warning = text_of(box(html))
    for note in ("Changing the filters", "Changing the source", "Turning scheduled syncs off"):
        assert note in warning
    assert 'name="confirm_during_sync" value="on">' in box(html)  # not ticked, not in error
    assert "form-error-summary" not in html
    # The live part's polls carry that the box is shown (the one that finds the sync over lifts it).
    assert re.search(r'hx-get="/org/orgmirror/mirror/\?poll=1&amp;box=1"', html)
    data = {**without_broken(client), "confirm_during_sync": "on"}
    assert post_form(client, SETTINGS, data).status_code == 302
    assert writes(emulator, "orgmirror")[-1][0] == "PUT"
    # Nothing runs for orgnew: no box, and a save is not asked about.
    quiet = client.get("/org/orgnew/mirror/").content.decode()
    assert 'id="sync-warning"' not in quiet and "box=1" not in quiet


def test_a_dead_discovery_claim_is_said_and_asks_nothing(client_as, emulator):
    client = client_as("olivia")
    page = client.get("/org/orgstuck/mirror/")
    html = page.content.decode()
    assert re.search(
        r'<p class="message message-info sync-warning" id="sync-warning">Discovery looks stuck '
        r"\(its worker&#x27;s lease ran out\): no discovery is running",
        html,
    )
    assert "confirm_during_sync" not in html
    data = form_data(page)
    data["visibility"] = "public"
    response = post_form(client, "/org/orgstuck/mirror/settings/", data)
    assert response.status_code == 302
    assert writes(emulator, "orgstuck") == [("PUT", {"visibility": "public"})]


def test_a_start_date_in_the_past_asks_first_unless_scheduled_syncs_are_off(client_as, emulator):
    client = client_as("olivia")
    data = form_data(client.get("/org/orgnew/mirror/"))
    data["sync_start_date"] = "2020-01-01T00:00:00"
    clear_log(emulator)
    response = post_form(client, "/org/orgnew/mirror/settings/", data)
    assert response.status_code == 200
    html = response.content.decode()
    words = text_of(response)
    assert (
        "Nothing was saved yet: the start date is in the past, so Quay's worker starts a "
        "discovery at its next pass. Tick the box to confirm and save again."
    ) in words
    assert '<a href="#past-start">Confirm a start date in the past</a>' in html
    assert (
        "This is in the past: Quay's worker starts a discovery at its next pass, then syncs the "
        "repositories it finds."
    ) in words
    assert re.search(r'name="sync_start_date" value="2020-01-01T00:00:00"', html)  # kept
    assert writes(emulator, "orgnew") == []
    assert calls(emulator) == ["GET organization/orgnew/mirror"]

    response = post_form(
        client, "/org/orgnew/mirror/settings/", {**data, "confirm_past_start": "on"}
    )
    assert response.status_code == 302
    assert writes(emulator, "orgnew") == [("PUT", {"sync_start_date": "2020-01-01T00:00:00Z"})]
    # With scheduled syncs off nothing starts: nothing to confirm.
    data = form_data(client.get("/org/orgnew/mirror/"))
    data["sync_start_date"] = "2019-06-01T00:00:00"
    data.pop("is_enabled")
    clear_log(emulator)
    assert post_form(client, "/org/orgnew/mirror/settings/", data).status_code == 302
    assert writes(emulator, "orgnew") == [
        ("PUT", {"is_enabled": False, "sync_start_date": "2019-06-01T00:00:00Z"})
    ]


def test_both_confirmations_at_once_are_both_linked(client_as, emulator):
    client = client_as("olivia")
    data = without_broken(client)
    data["sync_start_date"] = "2020-01-01T00:00:00"
    response = post_form(client, SETTINGS, data)
    html = response.content.decode()
    assert '<a href="#sync-warning">Confirm saving while the sync runs</a>' in html
    assert '<a href="#past-start">Confirm a start date in the past</a>' in html
    assert "Changing the filters" in box(html)
    ticked = {**data, "confirm_during_sync": "on", "confirm_past_start": "on"}
    assert post_form(client, SETTINGS, ticked).status_code == 302
    ((_method, sent),) = writes(emulator, "orgmirror")
    assert sent["sync_start_date"] == "2020-01-01T00:00:00Z"


def test_a_typed_password_is_asked_for_again_when_the_form_comes_back(client_as, emulator):
    client = client_as("olivia")
    data = {**without_broken(client), "external_registry_username": "robot$ci"}
    data["external_registry_password"] = "tok3n"
    response = post_form(client, SETTINGS, data)
    html = response.content.decode()
    assert "tok3n" not in html
    assert re.search(
        r'<small class="field-error" id="id_external_registry_password_error">Type the password '
        r"again: it was not sent",
        html,
    )
    assert (
        '<a href="#id_external_registry_password">Password or token: Type the password again'
        in html
    )


def test_the_last_poll_of_the_sync_lifts_the_box(client_as, emulator, no_read_cache):
    client = client_as("olivia")
    still = client.get("/org/orgmirror/mirror/?poll=1&box=1", **HX).content.decode()
    assert 'id="sync-warning"' not in still  # still syncing: the box stays as it is
    assert "box=1" in still
    # A press from the live part says so too, so that the polls after it still know.
    pressed = client.post("/org/orgmirror/mirror/cancel/", {"confirm": "yes", "box": "1"}, **HX)
    html = pressed.content.decode()
    assert "Cancel requested" in html
    assert 'poll=1&amp;box=1"' in html and '<input type="hidden" name="box" value="1">' in html
    emulator.advance(300)
    ended = client.get("/org/orgmirror/mirror/?poll=1&box=1", **HX).content.decode()
    assert re.search(
        r'<div id="sync-warning" class="message message-info sync-warning" hx-swap-oob="outerHTML">'
        r"<p>The sync has ended: what you save applies from the next run.</p></div>",
        ended,
    )
    assert "box=1" not in ended
    # A live part whose page showed no box lifts nothing.
    assert (
        'id="sync-warning"'
        not in client.get("/org/orgmirror/mirror/?poll=1", **HX).content.decode()
    )


def test_a_sync_started_after_the_form_was_drawn_is_asked_about_at_the_save(client_as, emulator):
    emulator.configure(org_tag_seconds=600, claim_delay=0)
    client = client_as("olivia")
    data = form_data(client.get("/org/orgnew/mirror/"))  # nothing runs: no box
    data["skopeo_timeout_value"] = "10"
    assert org_api(emulator, "POST", "orgnew", "sync-now").status_code == 204  # another tab
    emulator.advance(2)  # the worker discovers and starts the first repository
    response = post_form(client, "/org/orgnew/mirror/settings/", data)
    assert response.status_code == 200
    assert ASKED in text_of(response)
    assert "The organization mirror is syncing its repositories now (1 syncing" in text_of(response)
    assert writes(emulator, "orgnew") == []


def test_a_rule_that_deletes_tags_needs_a_confirmation_naming_them(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["root_rule"] = ["latest"]
    clear_log(emulator)

    body = text(save(alice, "acme", "nginx", data))

    assert mirror_puts(emulator, "acme", "nginx") == []
    match = re.search(r'name="confirm_delete_tags" value="([^"]+)"', body)
    assert match, body
    deleted = match.group(1).split(",")
    assert deleted and "latest" not in deleted
    assert f"I understand tags {', '.join(deleted[:3])}" in body
    assert f"and delete {len(deleted)} tags…" in body  # the save button says it too

    data["confirm_delete_tags"] = match.group(1)
    save(alice, "acme", "nginx", data)
    assert mirror_puts(emulator, "acme", "nginx") == [
        {"root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest"]}}
    ]


def test_a_start_date_in_the_past_asks_first(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    past = timezone.localtime(timezone.now() - timedelta(days=2))
    data["sync_start_date"] = past.strftime("%Y-%m-%dT%H:%M:%S")
    clear_log(emulator)

    body = text(save(alice, "acme", "nginx", data))

    assert "This is in the past: Quay will start a sync right away" in body
    assert mirror_puts(emulator, "acme", "nginx") == []

    data["confirm_past_start"] = "on"
    save(alice, "acme", "nginx", data)
    (put,) = mirror_puts(emulator, "acme", "nginx")
    assert "sync_start_date" in put
