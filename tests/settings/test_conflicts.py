"""A save refuses to overwrite a change someone else made in Quay after the form was drawn, to a
setting the person changed too, for both kinds: nothing sent, theirs and mine shown, mine put
on top of theirs and sent with "Apply mine anyway"; their changes to other settings are kept;
the mirror worker moving the next run is said as such, and is no conflict when the date was
left alone; a form whose copy of the settings is missing, altered or another mirror's sends
nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import form_data, post_form
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text, text_of
from tests.support.received import clear_log

pytestmark = pytest.mark.django_db

#: Each kind: a mirror, someone else who may change it in Quay, and another setting of mine
#: (its form fields, what Quay is sent for it, and its label, as the conflict table says it).
MINE_AND_THEIRS = for_each_kind(
    "mirror, someone_else, other, other_sent, other_label",
    repository=(
        repo("acme", "nginx"),
        "bob",
        {"root_rule": ["1.2*", "latest", "stable"]},
        {"root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["1.2*", "latest", "stable"]}},
        "tags",
    ),
    organization=(
        org("orgnew"),
        "olivia",  # through Quay's API, in another tab
        {"visibility": "private"},
        {"visibility": "private"},
        "new repositories",
    ),
)


def quay_date(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def moved_by_the_worker(emulator, mirror) -> datetime:
    """The next run moved on by one interval, as Quay's worker does after a sync."""
    before = mirror.in_quay(emulator)
    start = datetime.fromisoformat(before["sync_start_date"].replace("Z", "+00:00"))
    moved = start.replace(microsecond=0) + timedelta(seconds=before["sync_interval"])
    mirror.change_in_quay(emulator, sync_start_date=quay_date(moved))
    return moved


@MINE_AND_THEIRS
def test_a_setting_both_changed_is_a_conflict_and_nothing_is_sent(
    client_as, emulator, mirror, someone_else, other, other_sent, other_label
):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    mirror.change_in_quay(emulator, user=someone_else, sync_interval=7200)  # 2 hours
    clear_log(emulator)
    data.update(sync_interval_value="3", sync_interval_unit="hours", **other)

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 200
    body = text_of(response)
    assert (
        "Nothing was saved: settings you changed too were changed in Quay after you opened the "
        "form (by someone else, or by you in another tab or window)"
    ) in body
    assert "Settings you changed too were changed in Quay after you opened this form" in body
    assert "Setting When you opened the form Now in Quay Yours" in body
    assert "interval 6 hours 2 hours 3 hours (both changed)" in body
    mine = body.split("Your changes, now shown on top of theirs below: ", 1)[1]
    mine = mine.split(" Apply mine anyway", 1)[0]
    assert "interval: 2 hours → 3 hours" in mine and other_label in mine
    table = text(response).split('class="conflict-table"', 1)[1].split("</table>", 1)[0]
    assert other_label not in text_of(table).lower()  # theirs did not touch it: no conflict
    assert "Apply mine anyway" in body and "Keep theirs" in body
    assert f'href="{mirror.url}"' in text(response)  # keep theirs: the page as Quay has it
    assert mirror.settings_in_view in text(response)
    assert mirror.writes(emulator) == []
    assert not AuditEntry.objects.exists()
    assert mirror.in_quay(emulator)["sync_interval"] == 7200

    # The form came back with mine on top of theirs, tied to Quay's current config:
    # "Apply mine anyway" sends only my own changes.
    again = form_data(response)
    assert (again["sync_interval_value"], again["sync_interval_unit"]) == ("3", "hours")
    for field, value in other.items():
        assert again[field] == value
    response = post_form(client, mirror.settings_url, {**again, "choice": "mine"})
    assert response.status_code == 302
    assert mirror.writes(emulator) == [("PUT", {"sync_interval": 10800, **other_sent})]
    assert mirror.in_quay(emulator)["sync_interval"] == 10800


@for_each_kind(
    "mirror, someone_else, theirs, mine, sent",
    repository=(
        repo("acme", "nginx"),
        "bob",
        {"sync_interval": 3600},
        {"root_rule": ["1.2*", "latest", "stable"]},
        {"root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["1.2*", "latest", "stable"]}},
    ),
    organization=(
        org("orgnew"),
        "olivia",
        {"visibility": "private", "repository_filters": ["api"]},
        {"external_namespace": "platform-two"},
        {"external_namespace": "platform-two"},
    ),
)
def test_their_change_to_another_setting_is_kept_and_mine_saved(
    client_as, emulator, mirror, someone_else, theirs, mine, sent
):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    mirror.change_in_quay(emulator, user=someone_else, **theirs)
    clear_log(emulator)
    data.update(mine)

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 302
    assert "conflict-table" not in text(client.get(response["Location"]))
    assert mirror.writes(emulator) == [("PUT", sent)]
    stored = mirror.in_quay(emulator)
    for field, value in theirs.items():
        assert stored[field] == value  # theirs stays
    for field, value in sent.items():
        assert stored[field] == value  # and mine is saved


@MINE_AND_THEIRS
def test_the_same_change_made_by_both_is_no_conflict(
    client_as, emulator, mirror, someone_else, other, other_sent, other_label
):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    mirror.change_in_quay(emulator, user=someone_else, **other_sent)
    clear_log(emulator)
    data.update(other)

    response = post_form(client, mirror.settings_url, data)

    after = client.get(response["Location"])
    assert "Nothing to save: the settings are the same as in Quay." in text_of(after)
    assert mirror.writes(emulator) == []


@for_each_kind("mirror", repository=repo("acme", "nginx"), organization=org("orgnew"))
def test_a_start_date_i_changed_that_the_worker_moved_is_blamed_on_the_worker(
    client_as, emulator, mirror
):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    moved_by_the_worker(emulator, mirror)
    clear_log(emulator)
    data["sync_start_date"] = "2031-06-01T10:00:00"  # UTC, as the form was drawn

    response = post_form(client, mirror.settings_url, data)

    body = text_of(response)
    assert "Nothing was saved: the mirror worker moved the next run after a sync" in body
    assert "(the mirror worker moved the next run after a sync)" in body
    assert "by someone else, or by you in another tab" not in body
    assert mirror.writes(emulator) == []


@for_each_kind(
    "mirror, change, sent",
    repository=(
        repo("acme", "nginx"),
        {"sync_interval_value": "12", "sync_interval_unit": "hours"},
        {"sync_interval": 43200},
    ),
    organization=(org("orgnew"), {"visibility": "private"}, {"visibility": "private"}),
)
def test_the_worker_moving_the_next_run_is_no_conflict_when_the_date_was_left_alone(
    client_as, emulator, mirror, change, sent
):
    """After each sync Quay's worker moves the start date; a save that does not touch the date
    goes through, does not send it back, and leaves the new date alone."""
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    moved = moved_by_the_worker(emulator, mirror)
    clear_log(emulator)
    data.update(change)

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 302
    assert "conflict-table" not in text(client.get(response["Location"]))
    assert mirror.writes(emulator) == [("PUT", sent)]
    assert mirror.in_quay(emulator)["sync_start_date"].startswith(quay_date(moved)[:19])


@for_each_kind("mirror", repository=repo("acme", "nginx"), organization=org("orgnew"))
def test_a_start_date_set_in_quay_meanwhile_is_no_conflict_when_the_date_was_left_alone(
    client_as, emulator, mirror
):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    mirror.change_in_quay(emulator, sync_start_date="2030-02-01T00:00:00Z")
    data["sync_interval_value"] = "3"
    clear_log(emulator)

    post_form(client, mirror.settings_url, data)

    assert mirror.writes(emulator) == [("PUT", {"sync_interval": 3 * 3600})]
    assert mirror.in_quay(emulator)["sync_start_date"] == "2030-02-01T00:00:00Z"


@for_each_kind(
    "mirror, change, typed",
    repository=(repo("acme", "nginx"), {"sync_interval_value": "1"}, ("sync_interval_value", "1")),
    organization=(org("orgnew"), {"visibility": "private"}, ("visibility", "private")),
)
def test_a_missing_or_altered_copy_of_the_config_sends_nothing(
    client_as, emulator, mirror, change, typed
):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    data.update(change)
    clear_log(emulator)
    for loaded in ("", data["loaded"][:-3] + "abc"):
        response = post_form(client, mirror.settings_url, {**data, "loaded": loaded})
        assert response.status_code == 200
        assert "the form's copy of the settings was missing or altered" in text_of(response)
        field, value = typed
        assert form_data(response)[field] == value  # mine, kept
    assert mirror.writes(emulator) == []
    before = form_data(client.get(mirror.url))
    assert before[typed[0]] != typed[1]  # Quay still has what it had


@for_each_kind(
    "mirror, another",
    repository=(repo("acme", "nginx"), "/repo/acme/redis/"),
    organization=(org("orgnew"), "/org/orgmirror/mirror/"),
)
def test_a_copy_signed_for_another_mirror_is_not_taken(client_as, emulator, mirror, another):
    client = client_as(mirror.admin)
    theirs = form_data(client.get(another))["loaded"]
    data = form_data(client.get(mirror.url))
    data.update(loaded=theirs, sync_interval_value="1")
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, data)

    assert "the form's copy of the settings was missing or altered" in text_of(response)
    assert mirror.writes(emulator) == []


def test_their_tls_change_stays_when_i_change_a_proxy(olivia, emulator):
    """An organization mirror's TLS and proxies are sent as a whole (Quay replaces them whole):
    what someone else set there is sent back as they left it."""
    mirror = org("orgnew")
    data = form_data(olivia.get(mirror.url))
    mirror.change_in_quay(emulator, external_registry_config={"verify_tls": False})
    clear_log(emulator)
    data["https_proxy"] = "http://proxy:3128"

    response = post_form(olivia, mirror.settings_url, data)

    assert response.status_code == 302
    assert mirror.writes(emulator) == [
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
    assert mirror.in_quay(emulator)["external_registry_config"]["verify_tls"] is False
