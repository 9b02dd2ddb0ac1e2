"""The one rule for how soon a mirror's live part looks again (``rules.poll.pace``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.mirrors.rules.poll import PollState, pace

NOW = datetime(2026, 12, 7, 17, 22, tzinfo=UTC)


NOTHING = PollState()


def look(state: PollState = NOTHING, **kwargs):
    values = {
        "label": "Synced",
        "running": False,
        "due": None,
        "retrying": False,
        "press_over": True,
        "fast": 2,
        "slow": 60,
    }
    values.update(kwargs)
    return pace(NOW, state, **values)


def test_a_running_sync_is_watched_at_the_pages_pace():
    paced = look(running=True)
    assert (paced.seconds, paced.fast) == (2, True)
    assert paced.words == "refreshes every 2 s"


def test_nothing_due_refreshes_once_a_minute():
    paced = look(due=NOW + timedelta(hours=3))
    assert (paced.seconds, paced.fast) == (60, False)
    assert paced.words == "refreshes every minute while this tab is visible"


def test_a_run_due_within_the_slow_interval_is_looked_at_when_it_is_due():
    assert look(due=NOW + timedelta(seconds=25)).seconds == 25
    assert look(due=NOW + timedelta(seconds=1)).seconds == 2  # never faster than the page


def test_a_run_due_is_watched_for_90_s_then_the_page_slows():
    assert look(due=NOW - timedelta(seconds=80)).fast
    assert not look(due=NOW - timedelta(seconds=100)).fast


def test_a_retry_is_watched_from_the_first_sight_for_two_minutes_and_not_again():
    first = look(label="Failed", retrying=True)
    assert first.fast and first.state.watch == NOW + timedelta(minutes=2)
    assert first.seconds == 10 and first.words == "refreshes every 10 s"  # a retry: ~30 s apart
    later = PollState(was="Failed", watch=NOW - timedelta(seconds=1))
    assert not look(later, label="Failed", retrying=True).fast  # watched long enough
    changed = PollState(was="Syncing", watch=NOW - timedelta(seconds=1))
    assert look(changed, label="Failed", retrying=True).fast  # a new failure: watched again


def test_a_press_is_followed_until_its_run_is_over():
    pressed = PollState(pressed=NOW - timedelta(seconds=5))
    following = look(pressed, label="Failed", press_over=False)
    assert following.fast and following.state.pressed == pressed.pressed
    over = look(pressed, label="Failed", press_over=True, due=NOW + timedelta(hours=1))
    assert not over.fast and over.state.pressed is None
    too_long = PollState(pressed=NOW - timedelta(minutes=7))
    assert look(too_long, press_over=False).state.pressed is None  # not for ever


def test_a_run_due_while_retries_are_watched_is_looked_at_when_due_or_within_10_s():
    assert look(label="Failed", retrying=True, due=NOW + timedelta(seconds=4)).seconds == 4
    assert look(label="Failed", retrying=True, due=NOW + timedelta(seconds=40)).seconds == 10
    assert look(label="Failed", retrying=True, due=NOW - timedelta(seconds=5)).seconds == 2
