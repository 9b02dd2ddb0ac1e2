"""The organization mirror's save refuses to overwrite a change someone else made in Quay
after the form was drawn, to a setting the person changed too (over HTTP, against the
emulator): nothing sent, theirs and mine shown, mine put on top of theirs and sent with
"Apply mine anyway"; their changes to other settings are kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import form_data, post_form
from tests.support.org_api import config as quay_config
from tests.support.org_api import org_api
from tests.support.pages import text_of
from tests.support.received import clear_log, writes

pytestmark = pytest.mark.django_db

URL = "/org/orgnew/mirror/settings/"


def someone_else(emulator: Any, **fields: Any) -> None:
    """A change made in Quay directly (by another admin) after the form was drawn."""
    assert org_api(emulator, "PUT", "orgnew", json=fields).ok


def test_a_setting_both_changed_is_a_conflict_and_nothing_is_sent(olivia, emulator):
    data = form_data(olivia.get("/org/orgnew/mirror/"))
    someone_else(emulator, sync_interval=7200)  # 2 hours
    clear_log(emulator)
    data.update(sync_interval_value="3", sync_interval_unit="hours")
    response = post_form(olivia, URL, data)
    assert response.status_code == 200
    body = text_of(response)
    assert "Nothing was saved: someone else changed settings you changed too, in Quay" in body
    assert "Setting When you opened the form Now in Quay Yours" in body
    assert "interval 6 hours 2 hours 3 hours (both changed)" in body
    assert "Your changes, now shown on top of theirs below: interval: 2 hours → 3 hours." in body
    assert writes(emulator, "orgnew") == []
    assert not AuditEntry.objects.exists()
    assert quay_config(emulator, "orgnew")["sync_interval"] == 7200
    assert 'href="/org/orgnew/mirror/"' in response.content.decode()  # keep theirs
    assert "<details open>" in response.content.decode()

    # The form came back with mine on top of theirs, tied to Quay's current config.
    again = form_data(response)
    assert (again["sync_interval_value"], again["sync_interval_unit"]) == ("3", "hours")
    response = post_form(olivia, URL, {**again, "choice": "mine"})
    assert response.status_code == 302
    assert writes(emulator, "orgnew") == [("PUT", {"sync_interval": 10800})]
    assert quay_config(emulator, "orgnew")["sync_interval"] == 10800


def test_their_change_to_another_setting_is_kept(olivia, emulator):
    data = form_data(olivia.get("/org/orgnew/mirror/"))
    someone_else(emulator, visibility="private", repository_filters=["api"])
    clear_log(emulator)
    data["external_namespace"] = "platform-two"
    response = post_form(olivia, URL, data)
    assert response.status_code == 302
    assert writes(emulator, "orgnew") == [("PUT", {"external_namespace": "platform-two"})]
    stored = quay_config(emulator, "orgnew")
    assert stored["visibility"] == "private"
    assert stored["repository_filters"] == ["api"]
    assert stored["external_namespace"] == "platform-two"


def test_their_tls_change_stays_when_i_change_a_proxy(olivia, emulator):
    data = form_data(olivia.get("/org/orgnew/mirror/"))
    someone_else(emulator, external_registry_config={"verify_tls": False})
    clear_log(emulator)
    data["https_proxy"] = "http://proxy:3128"
    response = post_form(olivia, URL, data)
    assert response.status_code == 302
    assert writes(emulator, "orgnew") == [
        (
            "PUT",
            {
                "external_registry_config": {
                    "verify_tls": False,
                    "proxy": {
                        "http_proxy": None,
                        "https_proxy": "http://proxy:3128",
                        "no_proxy": None,
                    },
                }
            },
        )
    ]
    assert quay_config(emulator, "orgnew")["external_registry_config"]["verify_tls"] is False


def test_the_same_change_made_by_both_is_no_conflict(olivia, emulator):
    data = form_data(olivia.get("/org/orgnew/mirror/"))
    someone_else(emulator, visibility="private")
    clear_log(emulator)
    data["visibility"] = "private"
    response = post_form(olivia, URL, data)
    after = olivia.get(response["Location"])
    assert "Nothing to save: the settings are the same as in Quay." in text_of(after)
    assert writes(emulator, "orgnew") == []


def test_a_missing_or_altered_copy_of_the_config_sends_nothing(olivia, emulator):
    data = form_data(olivia.get("/org/orgnew/mirror/"))
    data["visibility"] = "private"
    clear_log(emulator)
    for loaded in ("", data["loaded"][:-3] + "abc"):
        response = post_form(olivia, URL, {**data, "loaded": loaded})
        assert response.status_code == 200
        assert "the form's copy of the settings was missing or altered" in text_of(response)
        assert form_data(response)["visibility"] == "private"  # mine, kept
    assert writes(emulator, "orgnew") == []
    assert quay_config(emulator, "orgnew")["visibility"] == "public"


def test_a_copy_signed_for_another_organization_is_not_taken(olivia, emulator):
    theirs = form_data(olivia.get("/org/orgmirror/mirror/"))["loaded"]
    data = form_data(olivia.get("/org/orgnew/mirror/"))
    data.update(loaded=theirs, visibility="private")
    clear_log(emulator)
    response = post_form(olivia, URL, data)
    assert "the form's copy of the settings was missing or altered" in text_of(response)
    assert writes(emulator, "orgnew") == []


def test_the_worker_moving_the_next_run_is_said_as_such(olivia, emulator):
    before = quay_config(emulator, "orgnew")
    data = form_data(olivia.get("/org/orgnew/mirror/"))
    start = datetime.fromisoformat(before["sync_start_date"].replace("Z", "+00:00"))
    moved = start + timedelta(seconds=before["sync_interval"])  # as the worker moves it
    someone_else(emulator, sync_start_date=moved.strftime("%Y-%m-%dT%H:%M:%SZ"))
    clear_log(emulator)
    data["sync_start_date"] = "2030-06-01T10:00:00"  # UTC, as the form was drawn
    response = post_form(olivia, URL, data)
    body = text_of(response)
    assert "Nothing was saved: the mirror worker moved the next run after a sync" in body
    assert "(the mirror worker moved the next run after a sync)" in body
    assert writes(emulator, "orgnew") == []
    # Untouched, the moved date is no conflict and is not sent back.
    data = form_data(olivia.get("/org/orgnew/mirror/"))
    someone_else(
        emulator,
        sync_start_date=(moved + timedelta(seconds=before["sync_interval"])).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
    )
    data["visibility"] = "private"
    clear_log(emulator)
    response = post_form(olivia, URL, data)
    assert response.status_code == 302
    assert writes(emulator, "orgnew") == [("PUT", {"visibility": "private"})]
