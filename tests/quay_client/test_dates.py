from datetime import UTC, datetime, timedelta, timezone

import pytest

from dashboard.quay.dates import format_quay_datetime, parse_quay_datetime, parse_rfc2822


def test_it_reads_the_plain_form():
    assert parse_quay_datetime("2030-01-01T00:00:00Z") == datetime(2030, 1, 1, tzinfo=UTC)


def test_it_reads_the_microsecond_form_quay_returns_after_a_sync():
    assert parse_quay_datetime("2026-11-27T17:00:00.268812Z") == datetime(
        2026, 11, 27, 17, 0, 0, 268812, tzinfo=UTC
    )


def test_none_and_empty_stay_none():
    assert parse_quay_datetime(None) is None
    assert parse_quay_datetime("") is None


def test_it_writes_utc_whole_seconds_with_z():
    paris = timezone(timedelta(hours=1))
    value = datetime(2026, 11, 27, 18, 0, 0, 268812, tzinfo=paris)
    assert format_quay_datetime(value) == "2026-11-27T17:00:00Z"


def test_a_date_read_with_microseconds_is_written_back_in_the_accepted_form():
    read = parse_quay_datetime("2026-11-27T17:00:00.268812Z")
    assert format_quay_datetime(read) == "2026-11-27T17:00:00Z"


def test_it_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        format_quay_datetime(datetime(2026, 1, 1))


def test_it_reads_log_dates():
    assert parse_rfc2822("Fri, 27 Nov 2026 16:47:00 -0000") == datetime(
        2026, 11, 27, 16, 47, tzinfo=UTC
    )
    assert parse_rfc2822("not a date") is None
