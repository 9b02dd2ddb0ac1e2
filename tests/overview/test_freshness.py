"""Freshness on the overview: each mirror's last success against its own interval ("late"),
and the mirrors that will not run again, with why -- from what each row already has (no call
to Quay more). The seed's initech/grafana synced 4 h ago and runs every hour (its start date
was held back to tomorrow): late."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.support.overview import full_page, row_html, rows_of, settle
from tests.support.pages import text_of
from tests.support.received import calls, clear_log

pytestmark = pytest.mark.django_db


def _fresh_count(html: str, key: str) -> str:
    found = re.search(rf'data-fresh-count="{key}"[^>]*>\s*<span class="count">([^<]+)</span>', html)
    assert found, f"no freshness count for {key}"
    return found.group(1)


def test_a_mirror_whose_last_success_is_older_than_its_interval_and_grace_is_late(client_as):
    html = full_page(client_as("alice"))
    grafana = text_of(row_html(html, "initech/grafana"))
    assert "last success 4 h ago (every 1 h): late" in grafana
    nginx = text_of(row_html(html, "acme/nginx"))
    assert "last success 3 h ago (every 6 h)" in nginx and "late" not in nginx
    assert nginx.count(" ago") == 1, nginx  # its age said once
    assert _fresh_count(html, "late") == "1"


def test_cancelled_gave_up_and_disabled_mirrors_are_not_late(client_as):
    html = full_page(client_as("alice"))
    debian = text_of(row_html(html, "acme/debian"))
    assert "will not run again until Sync now: cancelled" in debian
    postgres = text_of(row_html(html, "acme/postgres"))
    assert "will not run again until Sync now: no retries left" in postgres
    golang = row_html(html, "acme/golang")  # its status says "scheduled syncs are off"
    assert 'data-fresh="off"' in golang and 'class="freshness' not in golang
    assert _fresh_count(html, "never-again") == "2"


def test_the_late_filter_drawn_whole_costs_what_the_whole_page_costs(client_as, emulator):
    client = client_as("alice")
    full_page(client)  # warm: the person and the read cache as a second visit finds them
    clear_log(emulator)
    whole = client.get("/?details=all").content.decode()
    made = sorted(calls(emulator))
    clear_log(emulator)
    late = client.get("/?details=all&status=late").content.decode()
    assert sorted(calls(emulator)) == made  # the same reads, the last results before the filter
    assert _shown(late) == ["initech/grafana"]
    assert 'data-fresh-count="late" aria-current="true"' in late
    assert "initech/grafana" in rows_of(whole)


def test_the_late_filter_with_javascript_asks_no_more_than_the_page_without_filter(
    client_as, emulator
):
    """A held row's lateness waits for its last success: the details batch reads it (the one
    log read the page's results step makes for it anyway)."""
    from django.core.cache import cache

    client = client_as("alice")
    cache.clear()
    clear_log(emulator)
    settle(client, "/")
    unfiltered = Counter(calls(emulator))
    cache.clear()
    clear_log(emulator)
    late = settle(client, "/?status=late")
    assert Counter(calls(emulator)) <= unfiltered
    shown = [row for row in late.rows.values() if " hidden" not in row.split(">", 1)[0]]
    assert len(shown) == 1 and "initech/grafana" in shown[0]
    assert "last success 4 h ago (every 1 h): late" in text_of(shown[0])


def _shown(html: str) -> list[str]:
    return [n for n in rows_of(html) if " hidden" not in row_html(html, n).split(">", 1)[0]]


def test_will_not_run_again_is_a_filter_too(client_as):
    html = full_page(client_as("alice"), "/?status=never-again&details=all")
    assert sorted(_shown(html)) == ["acme/debian", "acme/postgres"]


def test_rows_from_mirror_health_alone_say_nothing_and_zero_late_is_not_claimed(client_as):
    # carol sees acme's mirrors from mirror health alone: no interval, no last success.
    html = full_page(client_as("carol"))
    assert 'class="freshness' not in row_html(html, "acme/nginx")
    assert _fresh_count(html, "late") == "?"
    note = re.search(r'<li id="fresh-unknown-note"[^>]*>(.*?)</li>', html, re.S)
    assert note and " hidden" not in note.group(0).split(">")[0]
    assert "late or not: not known for" in text_of(note.group(1))


def test_organization_mirrors_say_what_their_settings_tell_and_claim_no_zero(client_as):
    """An organization mirror's settings keep no last success (only its repositories have
    one): never synced before its first start is said; "late" is not counted as 0."""
    html = full_page(client_as("olivia"))
    orgnew = re.search(r'<tr id="org-row-orgnew"[\s\S]*?</tr>', html)
    assert orgnew and "never synced yet; first run" in text_of(orgnew.group(0))
    orgs = re.search(r'<ul id="org-counts"[\s\S]*?</ul>', html)
    assert orgs and "late" not in text_of(orgs.group(0))  # no count at all, not "0 late"
    late = full_page(client_as("olivia"), "/?status=late&details=all")
    assert 'id="org-row-' not in late
    orgs = re.search(r'<ul id="org-counts"[\s\S]*?</ul>', late)
    assert orgs and "? late" in text_of(orgs.group(0))
