"""The form takes start dates from 1970 to 2100 (both kinds) and says so at the field, keeping
what was typed; any date Quay accepts (years 1 to 9999) is shown, never a 500."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from dashboard.mirrors.forms.repository import MirrorSettingsForm
from dashboard.quay.models import MirrorConfig, SyncStatus
from tests.support.forms import form_data, page, post_form
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text
from tests.support.received import clear_log

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Choose a date from 1 January 1970 to 31 December 2100 (UTC); check the year."


def start_errors(response) -> str:
    """The form's errors at the start date (the form the page was drawn with)."""
    return " ".join(response.context["form"].errors.get("sync_start_date", []))


def start_value(body: str) -> str:
    match = re.search(r'<input type="datetime-local" name="sync_start_date" value="([^"]*)"', body)
    return match.group(1) if match else ""


EACH_KIND = for_each_kind("mirror", repository=repo("acme", "nginx"), organization=org("orgnew"))


@pytest.mark.parametrize("typed", ["0999-01-01T00:00", "0001-01-01T00:00:00", "1969-12-31T23:59"])
@EACH_KIND
def test_a_start_before_1970_is_refused_at_the_field_and_kept(client_as, emulator, mirror, typed):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    data["sync_start_date"] = typed
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 200
    assert OUT_OF_RANGE in start_errors(response)
    assert start_value(text(response)) == typed
    assert mirror.writes(emulator) == []


@pytest.mark.parametrize("typed", ["9999-12-31T23:59:59", "2101-01-01T00:00"])
@EACH_KIND
def test_a_start_after_2100_is_refused_and_quay_keeps_working(client_as, emulator, mirror, typed):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    data["sync_start_date"] = typed
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, data)

    assert OUT_OF_RANGE in start_errors(response)
    assert start_value(text(response)) == typed
    assert mirror.writes(emulator) == []
    assert client_as("bob").get("/repo/acme/redis/").status_code == 200


@pytest.mark.parametrize(
    ("typed", "sent"),
    [("1970-01-01T00:00", "1970-01-01T00:00:00Z"), ("2100-12-31T23:59:59", "2100-12-31T23:59:59Z")],
)
@EACH_KIND
def test_the_first_and_last_dates_the_form_takes_are_sent(client_as, emulator, mirror, typed, sent):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    data["sync_start_date"] = typed
    data["confirm_past_start"] = "on"
    clear_log(emulator)

    post_form(client, mirror.settings_url, data)

    assert mirror.writes(emulator) == [("PUT", {"sync_start_date": sent})]


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
    repo("acme", "nginx").change_in_quay(emulator, sync_start_date=stored)
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


@EACH_KIND
def test_a_stored_date_outside_the_forms_years_is_kept_when_other_settings_change(
    client_as, emulator, mirror
):
    mirror.change_in_quay(emulator, sync_start_date="0999-06-01T00:00:00Z")
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    assert data["sync_start_date"] == "0999-06-01T00:00:00"
    data.update(sync_interval_value="12", sync_interval_unit="hours")
    clear_log(emulator)

    post_form(client, mirror.settings_url, data)

    assert mirror.writes(emulator) == [("PUT", {"sync_interval": 43200})]
