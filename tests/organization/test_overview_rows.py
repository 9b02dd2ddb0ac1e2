"""Organization mirrors in the overview: their own rows, what they cost Quay, the filters, their
refresh, and nothing when Quay lacks the feature (presses from a row and in bulk, for both
kinds: tests/presses/)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.overview import org_rows
from tests.support.pages import text_of
from tests.support.received import calls, clear_log

HX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.django_db
ORG_CALL = re.compile(r"^GET organization/[^/]+/mirror$")


def listing(client: Any, query: str = "") -> str:
    return client.get(f"/overview/listing/{query}", **HX).content.decode()


def test_the_listing_adds_a_row_for_each_organization_mirror(client_as, emulator):
    rows = org_rows(listing(client_as("olivia")))
    assert set(rows) == {"orgmirror", "orgfail", "orgnew", "orgstuck"}  # orgempty: none
    assert rows["orgmirror"].startswith("active: ")
    assert "2 synced · 1 syncing · 2 queued · 1 skipped" in rows["orgmirror"]
    assert rows["orgfail"].startswith("fail: ") and "discovery failed" in rows["orgfail"]
    assert rows["orgstuck"].startswith("stuck: ")
    assert rows["orgnew"].startswith("never: ")


def test_organization_mirrors_come_first_broken_first(client_as, emulator):
    html = listing(client_as("olivia"))
    order = re.findall(r'data-org="([^"]+)"', html)
    assert order == ["orgfail", "orgstuck", "orgmirror", "orgnew"]


def test_one_call_per_organization_that_can_have_one_none_for_the_others(client_as, emulator):
    client = client_as("olivia")
    clear_log(emulator)
    listing(client)
    org_calls = sorted(c for c in calls(emulator) if ORG_CALL.match(c))
    assert org_calls == [
        f"GET organization/{org}/mirror"
        for org in ("orgempty", "orgfail", "orgmirror", "orgnew", "orgstuck")
    ]
    alice = client_as("alice")
    clear_log(emulator)
    html = listing(alice)
    assert not [c for c in calls(emulator) if c.startswith("GET organization/")]
    assert not org_rows(html)


def test_org_mirror_repositories_are_not_listed_as_not_mirrored(client_as, emulator):
    html = listing(client_as("olivia"), "?normal=1")
    assert "orgmirror/alpha" not in re.sub(
        r'<section id="org-mirrors".*?</section>', "", html, flags=re.S
    )
    assert "Not mirrored" not in html


def test_the_whole_page_has_them_too(client_as, emulator):
    html = client_as("olivia").get("/?details=all").content.decode()
    assert set(org_rows(html)) == {"orgmirror", "orgfail", "orgnew", "orgstuck"}
    assert 'id="bulk"' in html  # organization rows can be selected
    assert re.search(r'<p id="empty" class="empty" hidden>', html)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=fail", {"orgfail"}),
        ("?status=stuck", {"orgstuck"}),
        ("?ns=orgnew", {"orgnew"}),
        ("?q=harbor", {"orgfail", "orgnew"}),
        ("?q=gamma", {"orgmirror"}),
        ("?q=orgmirror/gam", {"orgmirror"}),  # org/name, as the row names it, in part too
        ("?q=orgfail/gam", set()),
    ],
)
def test_the_filters_include_them(client_as, emulator, query, expected):
    assert set(org_rows(listing(client_as("olivia"), query))) == expected


def test_a_search_names_the_repositories_it_matched(client_as, emulator):
    html = listing(client_as("olivia"), "?q=alpha")
    assert 'href="/repo/orgmirror/alpha/"' in html
    assert "matches: orgmirror/alpha" in text_of(html)


def test_the_section_refreshes_itself_while_active_and_stops(client_as, emulator):
    client = client_as("olivia")
    html = client.get(
        "/overview/org-mirrors/?org_row=orgmirror&org_row=orgnew", **HX
    ).content.decode()
    refresher = re.search(r'<div id="org-refresh"[^>]*>', html).group(0)
    assert 'hx-trigger="md:poll"' in refresher and "data-poll-seconds" in refresher
    # It sends the rows it refreshes, not the section's forms (their CSRF tokens in a URL).
    assert "hx-include=\"#org-mirrors input[name='org_row']\"" in refresher
    assert set(org_rows(html)) == {"orgmirror", "orgnew"}
    assert re.search(r'<ul id="org-counts" class="org-counts" hx-swap-oob="true">', html)
    assert org_counts_line(html).startswith("2 organization mirrors")  # the section's rows
    filtered = client.get("/overview/org-mirrors/?status=active&org_row=orgmirror", **HX)
    assert 'id="org-counts"' not in filtered.content.decode()  # not the top line's rows
    emulator.advance(300)
    from django.core.cache import cache

    cache.clear()
    html = client.get(
        "/overview/org-mirrors/?org_row=orgmirror&org_row=orgnew", **HX
    ).content.decode()
    refresher = re.search(r'<div id="org-refresh"[^>]*>', html).group(0)
    assert "data-poll-seconds" not in refresher
    assert org_rows(html)["orgmirror"].startswith("fail: ")


def test_without_the_feature_no_organization_row_and_no_call(client_as, emulator):
    emulator.configure(org_mirror=False)
    client = client_as("olivia")
    clear_log(emulator)
    html = listing(client)
    assert not org_rows(html)
    assert not [c for c in calls(emulator) if c.startswith("GET organization/")]


def test_organization_rows_have_controls_only_where_quay_may_let_the_person_act(emulator):
    from dashboard.mirrors.overview import orgs as overview_orgs
    from dashboard.mirrors.person import Person
    from dashboard.quay.client import QuayClient
    from tests.support.emulator import TOKENS

    now = datetime.now(UTC)
    dave = Person("dave", superuser=True, memberships=frozenset({"dave"}))  # read-only
    (row,) = overview_orgs.read_rows(QuayClient(TOKENS["dave"]), ["orgmirror"], now, person=dave)
    assert row.config is not None and not row.actionable  # Quay lets him read it, not change
    olivia = Person("olivia", memberships=frozenset({"olivia", "orgmirror"}))
    (row,) = overview_orgs.read_rows(
        QuayClient(TOKENS["olivia"]), ["orgmirror"], now, person=olivia
    )
    assert row.actionable
    no_org_admin = Person("olivia", scopes=["repo:read", "repo:admin", "user:read"])
    assert not no_org_admin.may_change_org("orgmirror")


def test_an_organization_admin_keeps_the_controls(client_as, emulator):
    html = listing(client_as("olivia"))
    assert 'name="org" value="orgnew"' in html
    assert "/org/orgnew/mirror/sync-now/" in html


def test_the_organization_rows_refresh_within_the_tabs_pace(client_as, emulator, settings):
    # One call a row each refresh: 4 organization mirrors at 6 calls a minute -> every 40 s.
    settings.OVERVIEW_REFRESH_CALLS_PER_MINUTE = 6
    html = listing(client_as("olivia"))
    refresher = re.search(r'<div id="org-refresh"[^>]*>', html).group(0)
    assert len(org_rows(html)) == 4
    assert 'data-poll-seconds="40"' in refresher
    settings.OVERVIEW_REFRESH_CALLS_PER_MINUTE = 0  # no pace: the shortest interval
    html = listing(client_as("olivia"))
    refresher = re.search(r'<div id="org-refresh"[^>]*>', html).group(0)
    assert f'data-poll-seconds="{settings.OVERVIEW_REFRESH_SECONDS}"' in refresher


def test_on_a_phone_a_rows_counts_are_said_once(db):
    # Narrow screens show the repositories' counts under the status; a status whose detail
    # already has them (failed, cancelled, synced, disabled) does not say them twice.
    from django.template.loader import render_to_string

    from dashboard.mirrors.overview.orgs import OrgRow
    from dashboard.mirrors.rules.org_status import describe_org
    from dashboard.quay.org_models import OrgRepoStatus
    from tests.rules.test_organization_status import NOW, config

    failed = config(counts={OrgRepoStatus.SUCCESS: 4, OrgRepoStatus.FAIL: 1})
    row = OrgRow("orgmirror", failed, describe_org(failed, NOW))
    assert row.counts_words in row.status.detail
    html = render_to_string("mirrors/overview_orgs.html#row", {"row": row})
    narrow = html.split('class="show-narrow"', 1)[1].split("</small>", 1)[0]
    assert row.counts_words not in narrow
    assert text_of(html).count(row.counts_words) == 2  # the status detail and the wide column


def org_counts_line(html: str) -> str:
    found = re.search(r'<ul id="org-counts".*?</ul>', html, re.S)
    assert found, "no organization mirrors' counts"
    return text_of(found.group(0)).strip()


def test_the_top_line_counts_the_organization_mirrors_too(client_as, emulator):
    # olivia has no repository mirror: "0 repository mirrors · 0 failed · 0 stuck" alone read
    # as if nothing of hers failed, above two broken organization mirrors.
    html = client_as("olivia").get("/?details=all").content.decode()
    top = re.search(r'<nav class="counts".*?</nav>', html, re.S).group(0)
    line = org_counts_line(top)
    assert line.startswith("4 organization mirrors")
    for words in ("1 failed", "1 stuck", "1 syncing or queued", "1 never synced"):
        assert words in line
    assert re.search(r'href="\?[^"]*status=fail', top.split('id="org-counts"')[1])
    assert "org-counts-line" not in html  # said once, at the top


def test_the_listing_brings_the_organization_counts_and_a_status_filter_keeps_them_whole(
    client_as, emulator
):
    client = client_as("olivia")
    assert org_counts_line(listing(client)).startswith("4 organization mirrors")
    html = listing(client, "?status=fail")
    assert set(org_rows(html)) == {"orgfail"}  # the rows the filter keeps
    assert org_counts_line(html).startswith("4 organization mirrors")  # what each would show


def test_alice_has_no_organization_counts(client_as, emulator):
    html = client_as("alice").get("/?details=all").content.decode()
    assert re.search(r'<ul id="org-counts" class="org-counts" hidden>\s*</ul>', html)


def test_an_empty_organization_its_admin_administers_offers_the_set_up(client_as, emulator):
    # The set-up form (/org/orgempty/mirror/) was linked from nowhere, and the overview
    # filtered to orgempty said "No mirror matches these filters".
    client = client_as("olivia")
    for html in (listing(client), client.get("/?details=all").content.decode()):
        assert 'href="/org/orgempty/mirror/#setup-heading"' in html
        assert "Set up an organization mirror in orgempty" in text_of(html)
        assert "orgempty" not in org_rows(html)  # not a row, not counted
        assert org_counts_line(html).startswith("4 organization mirrors")
    whole = client.get("/?details=all&ns=orgempty").content.decode()
    assert "Set up an organization mirror in orgempty" in text_of(whole)
    assert re.search(r'<p id="empty" class="empty" hidden>', whole)
    assert "Set up an organization mirror in orgempty" in text_of(listing(client, "?ns=orgempty"))
    assert "Set up an organization" not in text_of(listing(client, "?status=fail"))


@pytest.mark.parametrize("user", ["alice", "dave", "oscar"])
def test_no_set_up_where_quay_would_refuse_it(client_as, emulator, user):
    # alice's organizations have repositories; dave (read-only superuser) and oscar (a plain
    # member) may not create one.
    html = client_as(user).get("/?details=all").content.decode()
    assert "Set up an organization mirror" not in html
