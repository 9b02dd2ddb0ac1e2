"""Issue 12, item 4: the form takes start dates from 1970 to 2100 and says so at the field,
keeping what was typed; any date Quay accepts (years 1 to 9999) is shown, never a 500."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from dashboard.mirrors.forms.repository import MirrorSettingsForm
from dashboard.quay.models import MirrorConfig, SyncStatus
from tests.support.forms import form_data, page, save
from tests.support.pages import text
from tests.support.received import clear_log, mirror_puts

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Choose a date from 1 January 1970 to 31 December 2100 (UTC); check the year."


def start_errors(body: str) -> str:
    match = re.search(r'<ul class="errorlist" id="id_sync_start_date_error">(.*?)</ul>', body, re.S)
    return match.group(1) if match else ""


def start_value(body: str) -> str:
    match = re.search(r'<input type="datetime-local" name="sync_start_date" value="([^"]*)"', body)
    return match.group(1) if match else ""


def set_start(emulator, value: str) -> None:
    response = emulator.api("PUT", "repository/acme/nginx/mirror", json={"sync_start_date": value})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("typed", ["0999-01-01T00:00", "0001-01-01T00:00:00", "1969-12-31T23:59"])
def test_a_start_before_1970_is_refused_at_the_field_and_kept(alice, emulator, typed):
    data = form_data(page(alice, "acme", "nginx"))
    data["sync_start_date"] = typed
    clear_log(emulator)

    response = save(alice, "acme", "nginx", data)

    assert response.status_code == 200
    body = text(response)
    assert OUT_OF_RANGE in start_errors(body)
    assert start_value(body) == typed
    assert mirror_puts(emulator, "acme", "nginx") == []


@pytest.mark.parametrize("typed", ["9999-12-31T23:59:59", "2101-01-01T00:00"])
def test_a_start_after_2100_is_refused_and_quay_keeps_working(alice, client_as, emulator, typed):
    data = form_data(page(alice, "acme", "nginx"))
    data["sync_start_date"] = typed
    clear_log(emulator)

    body = text(save(alice, "acme", "nginx", data))

    assert OUT_OF_RANGE in start_errors(body)
    assert start_value(body) == typed
    assert mirror_puts(emulator, "acme", "nginx") == []
    assert client_as("bob").get("/repo/acme/redis/").status_code == 200


@pytest.mark.parametrize(
    ("typed", "sent"),
    [("1970-01-01T00:00", "1970-01-01T00:00:00Z"), ("2100-12-31T23:59:59", "2100-12-31T23:59:59Z")],
)
def test_the_first_and_last_dates_the_form_takes_are_sent(alice, emulator, typed, sent):
    data = form_data(page(alice, "acme", "nginx"))
    data["sync_start_date"] = typed
    data["confirm_past_start"] = "on"
    clear_log(emulator)

    save(alice, "acme", "nginx", data)

    assert mirror_puts(emulator, "acme", "nginx") == [{"sync_start_date": sent}]


# -- dates Quay accepts, set by someone else ---------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "zone"),
    [
        ("9999-12-31T23:59:59Z", "UTC"),
        ("9999-12-31T23:59:59Z", "Europe/Berlin"),  # year 10000 there: shown in UTC
        ("0001-01-01T00:00:00Z", "America/New_York"),  # year 0 there: shown in UTC
        ("0999-06-01T00:00:00Z", "Europe/Paris"),
    ],
)
def test_a_page_shows_any_date_quay_accepts(alice, emulator, stored, zone):
    set_start(emulator, stored)
    alice.cookies["tz"] = zone

    repo_page = page(alice, "acme", "nginx")
    overview = alice.get("/")

    assert repo_page.status_code == 200
    assert overview.status_code == 200
    assert start_value(text(repo_page))  # the field is never left empty
    if zone != "UTC" and stored.startswith(("9999", "0001")):
        assert "Shown in UTC" in text(repo_page)


def config_starting(start: datetime) -> MirrorConfig:
    return MirrorConfig(
        is_enabled=True,
        external_reference="docker.io/library/nginx",
        sync_interval=3600,
        sync_start_date=start,
        sync_status=SyncStatus.NEVER_RUN,
        root_rule=("latest",),
        robot_username="acme+mirror",
    )


@pytest.mark.parametrize(
    ("start", "zone", "shown"),
    [
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), "Europe/Berlin", "9999-12-31T23:59:59"),
        (datetime(1, 1, 1, tzinfo=UTC), "America/New_York", "0001-01-01T00:00:00"),
    ],
)
def test_a_date_the_persons_zone_cannot_write_is_shown_in_utc_and_said_so(start, zone, shown):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        form = MirrorSettingsForm(
            namespace="acme", initial=MirrorSettingsForm.initial_from(config_starting(start))
        )
        html = str(form["sync_start_date"])
        shown_in_utc = form.start_shown_in_utc

    assert f'value="{shown}"' in html
    assert shown_in_utc


def test_a_date_shown_in_utc_and_posted_back_untouched_is_kept():
    start = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    initial = MirrorSettingsForm.initial_from(config_starting(start))
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        drawn = MirrorSettingsForm(namespace="acme", initial=initial)
        posted = {"sync_start_date": drawn["sync_start_date"].value()}
        posted["drawn_zone"] = drawn["drawn_zone"].value()
        form = MirrorSettingsForm(posted, namespace="acme", initial=initial)
        form.is_valid()

    assert posted == {"sync_start_date": "9999-12-31T23:59:59", "drawn_zone": "UTC"}
    assert "sync_start_date" not in form.errors
    assert form.cleaned_data["sync_start_date"] == start


def test_a_date_the_zone_can_write_is_shown_in_that_zone_with_a_four_digit_year():
    start = datetime(999, 6, 1, 12, tzinfo=UTC)
    with timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        form = MirrorSettingsForm(
            namespace="acme", initial=MirrorSettingsForm.initial_from(config_starting(start))
        )
        html = str(form["sync_start_date"])
        shown_in_utc = form.start_shown_in_utc

    assert 'value="0999-06-01T12:09:21"' in html  # Paris's mean solar time before 1911
    assert not shown_in_utc


def test_a_stored_date_outside_the_forms_years_is_kept_when_other_settings_change(alice, emulator):
    set_start(emulator, "0999-06-01T00:00:00Z")
    data = form_data(page(alice, "acme", "nginx"))
    assert data["sync_start_date"] == "0999-06-01T00:00:00"
    data.update(sync_interval_value="12", sync_interval_unit="hours")
    clear_log(emulator)

    save(alice, "acme", "nginx", data)

    assert mirror_puts(emulator, "acme", "nginx") == [{"sync_interval": 43200}]
