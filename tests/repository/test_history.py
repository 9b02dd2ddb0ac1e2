"""The repository page's history: enough mirror events, however many tags a sync mirrored."""

from __future__ import annotations

import re

import pytest

from tests.support.forms import page
from tests.support.pages import text, text_of

pytestmark = pytest.mark.django_db


def history_items(body: str) -> list[str]:
    return re.findall(r'<li class="history-item history-(\w+)">', body)


def change_interval_times(emulator, times: int) -> None:
    for i in range(times):
        response = emulator.api(
            "PUT", "repository/acme/redis/mirror", json={"sync_interval": 3600 * (1 + i % 2)}
        )
        assert response.status_code == 201, response.text


def sync(emulator) -> None:
    assert emulator.api("POST", "repository/acme/redis/mirror/sync-now").status_code == 204
    emulator.advance(10)
    emulator.advance(10)


def test_the_history_reads_further_pages_of_quays_log_for_its_25_events(client_as, emulator):
    change_interval_times(emulator, 30)

    items = history_items(text(page(client_as("alice"), "acme", "redis")))

    assert len(items) == 25


def test_the_tags_of_a_big_sync_do_not_push_the_other_events_out(client_as, emulator):
    emulator.configure(claim_delay=1, sync_duration=1)
    emulator.api(
        "PUT",
        "repository/acme/redis/mirror",
        json={"root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["*"]}},
    )
    change_interval_times(emulator, 24)
    for _ in range(3):
        sync(emulator)

    body = text(page(client_as("alice"), "acme", "redis"))

    items = history_items(body)
    assert len(items) == 25
    assert items.count("success") == 3
    assert "Tag latest mirrored" not in body


def test_an_empty_history_says_how_far_back_quays_log_reaches(client_as, emulator, monkeypatch):
    from datetime import timedelta

    from dashboard.mirrors import clock

    later = clock.now() + timedelta(days=9)
    monkeypatch.setattr(clock, "now", lambda: later)
    emulator.advance(9 * 24 * 3600)  # acme/golang's scheduled syncs are off: no new events

    body = text(page(client_as("alice"), "acme", "golang"))

    assert history_items(body) == []
    assert "No mirror events in the last 7 days" in body


def test_a_mirror_syncing_less_often_than_weekly_says_older_syncs_are_not_shown(
    client_as, emulator
):
    emulator.api("PUT", "repository/acme/redis/mirror", json={"sync_interval": 14 * 86400})
    body = text(page(client_as("alice"), "acme", "redis"))
    assert "older syncs are not shown" in body


def test_the_history_asks_quay_for_the_last_7_days(client_as, emulator):
    emulator.control("DELETE", "requests")
    page(client_as("alice"), "acme", "redis")
    logs = [r for r in emulator.requests_log() if r["path"] == "/api/v1/repository/acme/redis/logs"]
    assert logs and all("starttime" in r["query"] for r in logs)


def test_history_and_audit_times_say_how_long_ago_next_to_the_local_time(client_as, emulator):
    from dashboard.mirrors.models import AuditEntry

    AuditEntry.objects.create(username="bob", namespace="acme", repository="nginx", action="update")

    body = text(page(client_as("alice"), "acme", "nginx"))

    history = body.split('class="history-list"', 1)[1].split("</ol>", 1)[0]
    assert re.search(
        r"</time> <small class=\"muted\">\(\d+ (s|min|h|d)( \d+ \w+)? ago\)</small>", history
    )
    audit = body.split('class="audit-list"', 1)[1]
    assert re.search(r'</time> <small class="muted">\((just now|\d+ s ago)\)</small>', audit)


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        ({"field": "datetime", "value": "the day before"}, "its datetime “the day before” is"),
        ({"field": "metadata", "value": "a string"}, "its metadata is not an object"),
    ],
    ids=["a date", "metadata that is no object"],
)
def test_one_unreadable_log_entry_spoils_only_its_own_line(
    client_as, emulator, no_read_cache, spoil, said
):
    # One bad entry in Quay's log blanked the whole history ("could not be read").
    change_interval_times(emulator, 3)
    sync(emulator)
    whole = history_items(text(page(client_as("alice"), "acme", "redis")))
    emulator.configure(
        garble={
            "/api/v1/repository/acme/redis/logs": {"entry": "repo_mirror_sync_started", **spoil}
        }
    )
    response = page(client_as("alice"), "acme", "redis")
    assert "An entry of Quay's log could not be read: " + said in text_of(response)
    items = history_items(text(response))
    assert len(items) == len(whole)  # the spoiled lines are said, every other one drawn
    started = whole.count("started")
    assert started >= 1 and "started" not in items
    assert items.count("other") == whole.count("other") + started
