"""Issue 12, item 4: every date Quay can send is read without raising; writes carry the
four-digit year Quay's ``strptime("%Y-%m-%dT%H:%M:%SZ")`` needs."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from dashboard.quay.dates import (
    format_quay_datetime,
    local_time,
    parse_quay_datetime,
)
from dashboard.quay.models import MirrorConfig


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("999-01-01T00:00:00Z", datetime(999, 1, 1, tzinfo=UTC)),  # a year glibc did not pad
        ("0999-01-01T00:00:00Z", datetime(999, 1, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59.999999Z", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2026-11-27T17:00:00+00:00Z", datetime(2026, 11, 27, 17, tzinfo=UTC)),
        ("0001-01-01T00:00:00+01:00", None),  # before year 1 in UTC
        ("0000-01-01T00:00:00Z", None),
        ("2026-13-01T00:00:00Z", None),
        ("tomorrow", None),
        ("\x00" * 50, None),
        (12345, None),
        ({"not": "a date"}, None),
    ],
)
def test_reading_a_date_never_raises(value, expected):
    assert parse_quay_datetime(value) == expected


@pytest.mark.parametrize("year", [1, 999, 1969, 9999])
def test_a_date_is_written_with_the_four_digit_year_quay_requires(year):
    value = datetime(year, 6, 1, 12, 0, 0, tzinfo=UTC)
    written = format_quay_datetime(value)
    assert written == f"{year:04d}-06-01T12:00:00Z"
    assert datetime.strptime(written, "%Y-%m-%dT%H:%M:%SZ")  # what Quay parses it with
    assert parse_quay_datetime(written) == value


def test_a_present_start_date_that_is_not_a_date_still_makes_the_config_unreadable():
    # ValueError is what the client turns into QuayUnexpected ("cannot read"), not "no date".
    with pytest.raises(ValueError):
        MirrorConfig.from_api({"sync_start_date": "tomorrow"})


@pytest.mark.parametrize(
    ("value", "zone", "shown"),
    [
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), "Europe/Berlin", "UTC"),
        (datetime(1, 1, 1, tzinfo=UTC), "America/New_York", "UTC"),
        (datetime(2030, 1, 15, 9, 30, tzinfo=UTC), "Europe/Berlin", "CET"),
    ],
)
def test_a_date_is_shown_in_the_persons_zone_or_in_utc_where_it_cannot_be(value, zone, shown):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        local = local_time(value)
    assert local == value
    assert local.tzname() == shown
