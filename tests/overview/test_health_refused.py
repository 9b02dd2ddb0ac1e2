"""The overview for a token Quay refuses an organization's mirror health.

Quay shows an organization's mirror health to its members, but a token keeps the membership
only with the org:admin or repo:create scope (auth/permissions.py, SCOPE_MAX_TEAM_ROLES): a
token with repo:read and user:read alone (alice-limited), or one with repo:admin but neither
of those, gets 403 for acme, globex and initech, and the health of her own namespace. The
page then draws those mirrors from the listings and their settings, says what it could not
read, and counts nothing it does not know.
"""

from __future__ import annotations

import re

import pytest

from tests.support.emulator import TOKENS
from tests.support.oauth import oauth_sign_in
from tests.support.overview import (
    calls_since,
    refresh,
    refresh_element,
    row_html,
    rows_of,
    settle,
    watched_states,
)

pytestmark = pytest.mark.django_db

UNKNOWN = "the status of mirrors whose settings and mirror health Quay does not show you"


def limited(client):
    response = client.post("/accounts/login/", {"token": TOKENS["alice-limited"], "next": "/"})
    assert response.status_code == 302
    return client


def test_the_page_drawn_whole_counts_only_what_it_knows(client, emulator):
    html = limited(client).get("/?details=all").content.decode()
    assert rows_of(html)["acme/etcd"] == "restricted"  # failed, in truth: not known here
    # Zeros that are not known to be zeros are "?", as when a namespace is not listed.
    assert re.search(r'data-count-for="fail"[^>]*>\s*<span class="count">\?</span>', html)
    assert re.search(r'data-count-for="restricted"[^>]*>\s*<span class="count">18</span>', html)
    assert re.search(r'data-count-for="success"[^>]*>\s*<span class="count">1</span>', html)
    assert f"Counts incomplete:</strong> {UNKNOWN} is not known (acme, globex, initech)" in html
    words = " ".join(html.split())
    assert "Read-only in <strong>acme, globex, initech</strong>" in words
    assert "their status is not known here" in words


def test_the_page_drawn_in_steps_says_the_counts_are_incomplete_once_details_tell(client, emulator):
    page = settle(limited(client))
    assert f"<strong>Counts incomplete:</strong> {UNKNOWN} is not known</span>" in page.html
    etcd = row_html(page.html, "acme/etcd")
    assert "Its status is not known" in etcd and "lacks the repo:admin scope" in etcd
    words = " ".join(page.html.split())
    for ns in ("acme", "globex", "initech"):
        note = re.search(rf"Read-only in <strong>{ns}</strong>.*?</p>", words).group(0)
        assert "their status is not known here" in note
        assert "Their status comes from Quay's mirror health" not in note
    tools = re.search(r"Read-only in <strong>alice</strong>.*?</p>", words).group(0)
    assert "Their status comes from Quay's mirror health report" in tools  # hers: readable


def test_no_count_is_said_incomplete_when_every_status_is_known(client_as, seen):
    html = seen(client_as("alice"))
    assert "Counts incomplete" not in html and "could not be read" not in html


@pytest.fixture
def admin_without_org_admin(client, emulator, settings):
    """alice signed in with repo:read repo:admin user:read: configs yes, health of her
    organizations no."""
    emulator.configure(redirect_uri="http://testserver/accounts/callback/")
    settings.QUAY_OAUTH_SCOPES = ["repo:read", "repo:admin", "user:read"]
    oauth_sign_in(client, emulator, "alice")
    return client


def test_a_token_with_repo_admin_but_no_org_admin_reads_each_mirrors_settings(
    admin_without_org_admin,
):
    page = settle(admin_without_org_admin)
    rows = rows_of(page.html)
    assert rows["acme/etcd"] == "fail" and rows["acme/python"] == "stuck"  # from their configs
    assert rows["globex/traefik"] == "stuck" and rows["alice/tools"] == "success"
    assert "mirror health of <strong>acme, globex, initech</strong> could not be read" in page.html
    assert "Counts incomplete" not in page.html  # every status is known, from the settings


def test_its_refresh_reads_the_active_rows_settings_instead_of_health(
    admin_without_org_admin, emulator, no_read_cache
):
    emulator.configure(sync_duration=600)
    states = watched_states(settle(admin_without_org_admin).html)
    assert len(states) == 2  # acme/alpine, acme/busybox: running
    before = len(emulator.requests_log())
    answer = refresh(admin_without_org_admin, states)
    element = refresh_element(answer)
    assert "could not refresh" not in element  # it was, every time, before
    assert sorted(calls_since(emulator, before)) == [
        "repository/acme/alpine/mirror",
        "repository/acme/busybox/mirror",
        "repository/mirror/health",  # refused: the settings instead
    ]
    assert "<tr" not in answer  # nothing changed: no row is drawn again
    assert 'data-interval="10"' in element  # the next waits longer, as after health
