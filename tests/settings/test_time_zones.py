"""Dates in the settings form, for both kinds: shown and typed in the person's time zone (which
the page says), stored in UTC, and read in the zone they were drawn in, so a form drawn in one
zone and posted from another never sends (nor moves) an untouched start date."""

from __future__ import annotations

import pytest

from tests.support.forms import form_data, post_form
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text, text_of
from tests.support.received import clear_log

pytestmark = pytest.mark.django_db

EACH_KIND = for_each_kind("mirror", repository=repo("acme", "redis"), organization=org("orgnew"))


@EACH_KIND
def test_the_page_shows_dates_in_the_persons_time_zone_and_says_so(client_as, emulator, mirror):
    client = client_as(mirror.admin)
    client.cookies["tz"] = "Europe/Paris"
    page = client.get(mirror.url)
    assert " CET</time>" in text(page)
    assert "In your time zone (Europe/Paris); Quay stores it in UTC." in text_of(page)


@EACH_KIND
def test_a_start_date_typed_in_paris_is_stored_in_utc(client_as, emulator, mirror):
    client = client_as(mirror.admin)
    client.cookies["tz"] = "Europe/Paris"
    data = form_data(client.get(mirror.url), tz="Europe/Paris")
    data["sync_start_date"] = "2030-01-15T10:30:00"  # winter: UTC+1
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, data)

    assert mirror.writes(emulator) == [("PUT", {"sync_start_date": "2030-01-15T09:30:00Z"})]
    assert mirror.in_quay(emulator)["sync_start_date"] == "2030-01-15T09:30:00Z"
    assert "2030-01-15 10:30 CET" in text(client.get(response["Location"]))


@pytest.mark.parametrize(
    ("drawn_in", "posted_from"),
    [
        ("UTC", "America/New_York"),
        ("UTC", "Europe/Berlin"),
        # The same zone: the form was once built on a worker thread (the page's calls run in
        # parallel), where the person's zone was not active: the start date was drawn in
        # Berlin time but read back as UTC, so every save moved the next sync by an hour.
        ("Europe/Berlin", "Europe/Berlin"),
    ],
)
@EACH_KIND
def test_an_untouched_start_date_is_not_sent_whatever_the_zone_it_is_posted_from(
    client_as, emulator, mirror, drawn_in, posted_from
):
    client = client_as(mirror.admin)
    client.cookies["tz"] = drawn_in
    page = client.get(mirror.url)
    assert f'name="drawn_zone" value="{drawn_in}"' in text(page)
    data = form_data(page, tz=drawn_in)
    before = mirror.in_quay(emulator)["sync_start_date"]
    data.update(sync_interval_value="13", sync_interval_unit="hours")
    client.cookies["tz"] = posted_from  # the same session, maybe in another zone now
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 302
    assert mirror.writes(emulator) == [("PUT", {"sync_interval": 13 * 3600})]
    assert mirror.in_quay(emulator)["sync_start_date"] == before


@EACH_KIND
def test_an_untouched_form_posted_from_another_zone_saves_nothing(client_as, emulator, mirror):
    client = client_as(mirror.admin)
    client.cookies["tz"] = "Europe/Berlin"
    data = form_data(client.get(mirror.url), tz="Europe/Berlin")
    client.cookies["tz"] = "UTC"
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, data)

    assert mirror.writes(emulator) == []
    assert "Nothing to save" in text_of(client.get(response["Location"]))


@EACH_KIND
def test_a_start_date_typed_in_the_drawn_zone_is_sent_in_utc(client_as, emulator, mirror):
    client = client_as(mirror.admin)
    client.cookies["tz"] = "America/New_York"
    data = form_data(client.get(mirror.url), tz="America/New_York")
    data["sync_start_date"] = "2030-06-01T09:00:00"  # 09:00 in New York (EDT) = 13:00 UTC
    client.cookies["tz"] = "Asia/Tokyo"
    clear_log(emulator)

    post_form(client, mirror.settings_url, data)

    assert mirror.writes(emulator) == [("PUT", {"sync_start_date": "2030-06-01T13:00:00Z"})]


@EACH_KIND
def test_a_form_that_comes_back_names_the_zone_its_date_is_read_in(client_as, emulator, mirror):
    client = client_as(mirror.admin)
    client.cookies["tz"] = "Europe/Berlin"
    data = form_data(client.get(mirror.url), tz="Europe/Berlin")
    data["sync_interval_value"] = "0"  # refused by the form: the page comes back
    client.cookies["tz"] = "America/New_York"

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 200
    assert "In your time zone (Europe/Berlin)" in text(response)


def test_the_pages_calls_run_in_the_persons_time_zone():
    from django.utils import timezone

    from dashboard.quay.fanout import parallel

    with timezone.override("Europe/Berlin"):  # two calls: they run on worker threads
        outcomes = parallel(timezone.get_current_timezone_name, timezone.get_current_timezone_name)
    assert [outcome.value for outcome in outcomes] == ["Europe/Berlin", "Europe/Berlin"]
