"""Time in words (``mirrors/timefmt.py``): adjacent units only, minutes once past a few
minutes, dates for moments years away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.mirrors.rules.timefmt import at, clock, relative, seconds_in_words, short_duration

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_duration_never_skips_a_unit():
    assert short_duration(timedelta(hours=3, seconds=7)) == "3 h"  # not "3 h 7 s"
    assert short_duration(timedelta(days=2, seconds=30)) == "2 d"
    assert short_duration(timedelta(minutes=1, seconds=12)) == "1 min 12 s"
    assert short_duration(timedelta(hours=3, minutes=5, seconds=9)) == "3 h 5 min"
    assert seconds_in_words(86401) == "1 day"
    assert seconds_in_words(5400) == "1 hour 30 minutes"


def test_a_moment_minutes_away_is_said_to_the_minute():
    assert relative(NOW - timedelta(minutes=30, seconds=5), NOW) == "30 min ago"
    assert relative(NOW + timedelta(hours=3, minutes=2, seconds=40), NOW) == "in 3 h 3 min"
    assert relative(NOW - timedelta(seconds=70), NOW) == "1 min 10 s ago"  # seconds still count


def test_a_moment_years_away_is_its_date_not_a_count_of_days():
    far = NOW + timedelta(days=1126, hours=17)
    assert relative(far, NOW) == "on 2030-01-01"
    assert at(far, NOW) == "at 2030-01-01 01:00 UTC"
    assert clock(NOW + timedelta(days=2), NOW) == "Dec 03 08:00 UTC"
    assert at(NOW + timedelta(hours=5), NOW) == "at 13:00 UTC (in 5 h)"
