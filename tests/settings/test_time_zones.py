"""A form drawn in one time zone and posted from another: the dates are read in the zone
they were written in, so an untouched start date is never sent (nor moved)."""

from __future__ import annotations

import pytest

from tests.support.forms import form_data, page, save
from tests.support.received import clear_log, mirror_puts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("posted_from", ["America/New_York", "Europe/Berlin"])
def test_an_untouched_start_date_is_not_sent_when_the_zone_changed(
    client_as, emulator, posted_from
):
    client = client_as("alice")
    client.cookies["tz"] = "UTC"
    data = form_data(page(client, "acme", "redis"), tz="UTC")
    assert data["drawn_zone"] == "UTC"
    before = emulator.mirror("acme", "redis")["sync_start_date"]
    data["sync_interval_value"] = "13"
    client.cookies["tz"] = posted_from  # the same session, now in another zone
    clear_log(emulator)
    response = save(client, "acme", "redis", data)
    assert response.status_code == 302
    assert mirror_puts(emulator, "acme", "redis") == [{"sync_interval": 13 * 3600}]
    assert emulator.mirror("acme", "redis")["sync_start_date"] == before


def test_an_untouched_form_posted_from_another_zone_saves_nothing(client_as, emulator):
    client = client_as("alice")
    client.cookies["tz"] = "Europe/Berlin"
    data = form_data(page(client, "acme", "redis"), tz="Europe/Berlin")
    client.cookies["tz"] = "UTC"
    clear_log(emulator)
    response = save(client, "acme", "redis", data, follow=True)
    assert mirror_puts(emulator, "acme", "redis") == []
    assert "Nothing to save" in response.content.decode()


def test_a_start_date_typed_in_the_drawn_zone_is_sent_in_utc(client_as, emulator):
    client = client_as("alice")
    client.cookies["tz"] = "America/New_York"
    data = form_data(page(client, "acme", "redis"), tz="America/New_York")
    data["sync_start_date"] = "2030-06-01T09:00:00"  # 09:00 in New York (EDT) = 13:00 UTC
    client.cookies["tz"] = "Asia/Tokyo"
    clear_log(emulator)
    save(client, "acme", "redis", data)
    assert mirror_puts(emulator, "acme", "redis") == [{"sync_start_date": "2030-06-01T13:00:00Z"}]


def test_a_form_that_comes_back_names_the_zone_its_date_is_read_in(client_as, emulator):
    client = client_as("alice")
    client.cookies["tz"] = "Europe/Berlin"
    data = form_data(page(client, "acme", "redis"), tz="Europe/Berlin")
    data["sync_interval_value"] = "0"  # refused by the form: the page comes back
    client.cookies["tz"] = "America/New_York"
    body = save(client, "acme", "redis", data).content.decode()
    assert "In your time zone (Europe/Berlin)" in body
