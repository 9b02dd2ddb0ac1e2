"""The overview of watched namespaces, from the fleet index: every row whole at first paint
(source, status with stuck, last result and its reason), the counts exact, a search by
source or reason answered at once, one mirror-health call per namespace per visit, and from
the index only what Quay would show the person with their own token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from dashboard.mirrors import clock
from dashboard.watch.models import Enrolment
from dashboard.watch.poll import poll

from .conftest import TOKENS, calls

pytestmark = pytest.mark.django_db

ROW = re.compile(
    r'<tr id="row-[^"]*" data-status="([^"]*)" data-repo="([^"]*)"([^>]*)>([\s\S]*?)</tr>'
)


def rows(html: str) -> dict[str, tuple[str, str]]:
    """repository -> (status key, the row's attributes and HTML), for the rows shown."""
    return {
        repo: (key, attributes + body)
        for key, repo, attributes, body in ROW.findall(html)
        if " hidden" not in attributes
    }


@pytest.fixture
def watched(emulator, enrolled):
    enrolled("acme", "globex")
    poll("acme")
    poll("globex")
    return emulator


def test_every_row_of_a_watched_namespace_is_whole_at_first_paint(client_as, watched):
    client = client_as("alice")
    watched.control("DELETE", "requests")
    html = client.get("/?ns=acme").content.decode()
    drawn = rows(html)
    assert drawn["acme/etcd"][0] == "fail"
    assert "quay.io/coreos/etcd" in drawn["acme/etcd"][1]  # the source, no detail call
    assert "pinging container registry" in drawn["acme/etcd"][1]  # the last result's reason
    assert drawn["acme/python"][0] == "stuck"  # the stuck rule, from the index's lease
    assert drawn["acme/node"][0] == "unconfigured"
    assert not any('data-need="details"' in body for _, body in drawn.values())
    # The visit costs who the person is and one mirror-health call: no call per row.
    made = calls(watched)
    assert "GET repository/mirror/health" in made
    assert not [c for c in made if c.startswith("GET repository/acme/")]
    # The counts are exact at once: stuck included.
    assert re.search(r'data-count-for="stuck"[^>]*>\s*<span class="count">1</span>', html)


def test_the_rows_after_the_first_screen_come_whole_from_the_index_at_no_call(
    client_as, watched, settings
):
    """OVERVIEW_FIRST_ROWS: the listing draws the watched namespace's other rows from the index
    (whole, no detail to ask for), and asks Quay nothing for them."""
    client = client_as("alice")
    settings.OVERVIEW_FIRST_ROWS = 3
    html = client.get("/?ns=acme").content.decode()
    assert len(rows(html)) == 3
    url = re.search(r'<tbody id="listed" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    watched.control("DELETE", "requests")
    answer = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    later = rows(answer)
    assert len(later) > 10 and not set(later) & set(rows(html))
    assert (
        later["acme/nginx"][0] == "success" and "docker.io/library/nginx" in later["acme/nginx"][1]
    )
    assert not any('data-need="details"' in body for _, body in later.values())
    assert calls(watched) == []


def test_a_search_by_source_or_reason_finds_every_match_at_first_paint(client_as, watched):
    client = client_as("alice")
    by_source = rows(client.get("/?q=ghcr.io").content.decode())
    assert set(by_source) == {"acme/flaky"}
    by_reason = rows(client.get("/?q=pinging+container+registry").content.decode())
    assert "acme/etcd" in by_reason


def test_a_member_who_is_no_admin_sees_the_status_only(client_as, watched):
    """bob administers acme, and is a member of globex without rights there: Quay shows him
    globex's mirror health, not its settings; so does the index."""
    html = client_as("bob").get("/?ns=globex").content.decode()
    drawn = rows(html)
    assert drawn, html[-2000:]
    for _key, body in drawn.values():
        assert "<code>" not in body  # no source: the settings are hidden from him
        assert "read-only: from Quay" in body
    assert "docker.io/library/traefik" not in html


@pytest.mark.parametrize("user", ["carol", "alice-limited"])
def test_where_the_rights_are_not_known_the_namespace_is_drawn_live(client_as, watched, user):
    """carol (a member of acme) and alice's token without repo:admin: nothing from the index
    that Quay would not show them; their page is drawn as for an unwatched namespace."""
    html = client_as(user).get("/?ns=acme").content.decode()
    assert "docker.io/library/nginx" not in html
    assert "quay.io/coreos/etcd" not in html


def test_a_token_without_repo_admin_is_shown_no_config_of_its_own_namespace(client_as, enrolled):
    """Quay shows a mirror's config only to a token with repo:admin, in its owner's own
    namespace too: alice's limited token is not shown alice/tools' source from the index
    (her full token is)."""
    enrolled("alice", token=TOKENS["alice"])  # her own token (the watcher's is not hers)
    poll("alice")
    assert "ghcr.io/alice/tools" in client_as("alice").get("/?ns=alice").content.decode()
    html = client_as("alice-limited").get("/?ns=alice").content.decode()
    assert "alice/tools" in html and "ghcr.io/alice/tools" not in html


def test_a_broken_enrolment_is_said_on_the_overview(client_as, watched):
    Enrolment.objects.filter(namespace="acme").update(
        state="broken", broken_reason="Quay refused the watch token: invalid token."
    )
    html = client_as("alice").get("/?ns=acme").content.decode()
    assert "Watching acme is broken: Quay refused the watch token" in html


def test_an_index_behind_its_interval_says_as_of(client_as, watched):
    Enrolment.objects.filter(namespace="acme").update(
        last_success_at=clock.now() - timedelta(minutes=30)
    )
    html = client_as("alice").get("/?ns=acme").content.decode()
    assert "The mirrors of acme are as of" in html


def test_a_status_that_moved_since_the_last_poll_is_read_live(client_as, watched):
    """The page's mirror-health call is fresher than the index: a row whose status moved
    is drawn from it, its details read as for an unwatched row."""
    watched.api("POST", "repository/acme/nginx/mirror/sync-now", user="alice")
    drawn = rows(client_as("alice").get("/?ns=acme").content.decode())
    assert 'data-need="details"' in drawn["acme/nginx"][1]


def test_a_failed_mirror_that_gave_up_since_is_not_said_to_retry(client_as, watched):
    """acme/etcd failed with retries left; its next tries failed too and it gave up (retries
    back to 3, the start date an interval on), all in FAIL: the overview said "retrying
    within a minute (2 of 3 left)" from the index's config for as long as the status stayed
    FAIL."""
    watched.advance(600)
    drawn = rows(client_as("alice").get("/?ns=acme").content.decode())
    assert 'data-need="details"' in drawn["acme/etcd"][1]  # health's retries moved: read live
    assert "2 of 3 left" not in drawn["acme/etcd"][1]
    poll("acme")  # the runs that ended are in the log: the watcher reads the config again
    drawn = rows(client_as("alice").get("/?ns=acme").content.decode())
    assert "retrying within a minute" not in drawn["acme/etcd"][1]
    assert "gave up on this run" in drawn["acme/etcd"][1]


def health_asked(emulator, namespace: str) -> int:
    """How often Quay was asked for ``namespace``'s mirror health since the log was cleared."""
    return sum(
        1
        for r in emulator.requests_log()
        if r["path"] == "/api/v1/repository/mirror/health"
        and r["query"].get("namespace") == namespace
    )


def signed_in(user: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"token": TOKENS[user], "next": "/"})
    assert response.status_code == 302
    return client


def test_people_looking_at_a_watched_namespace_share_one_mirror_health_answer(watched):
    """The visit's health call is fresher than the index at a cost that does not grow with
    the number of people looking; what one of them does is seen by whoever looks next."""
    alice, bob = signed_in("alice"), signed_in("bob")
    watched.control("DELETE", "requests")
    bob.get("/?ns=acme")
    drawn = rows(alice.get("/?ns=acme").content.decode())
    assert drawn["acme/etcd"][0] == "fail"
    assert health_asked(watched, "acme") == 1
    response = alice.post("/repo/acme/nginx/sync-now/", {"next": "/?ns=acme"})
    assert response.status_code == 302
    watched.control("DELETE", "requests")
    drawn = rows(bob.get("/?ns=acme").content.decode())
    assert health_asked(watched, "acme") == 1  # asked again: the answer kept predates it
    assert drawn["acme/nginx"][0] != "success"


def test_a_token_quay_would_refuse_the_health_does_not_get_the_shared_answer(watched):
    """alice's token without org:admin: Quay refuses it the health of acme, so the answer
    others share is not hers either (she asks Quay herself, and is told no)."""
    signed_in("alice").get("/?ns=acme")
    watched.control("DELETE", "requests")
    html = signed_in("alice-limited").get("/?ns=acme").content.decode()
    assert health_asked(watched, "acme") == 1
    assert "quay.io/coreos/etcd" not in html


def test_a_superuser_sees_the_watched_organizations_organization_mirrors(client_as, enrolled):
    # Quay's global mirror health never names an organization mirror's organization (its
    # repositories are ORG_MIRROR): dave's overview had no organization mirror at all,
    # though Quay shows him every one.
    enrolled("orgmirror", "orgfail")
    poll("orgmirror")
    poll("orgfail")
    html = client_as("dave").get("/").content.decode()
    shown = re.findall(r'data-org-status="([^"]+)" data-org="([^"]+)"', html)
    assert sorted(org for _, org in shown) == ["orgfail", "orgmirror"]
    assert ("fail", "orgfail") in shown
    assert 'id="org-sync-orgfail"' not in html  # read-only for him, as Quay would have it
    assert "Quay keeps no list of them" in html  # why orgnew (not watched) is not there
    assert "Quay keeps no list of them" not in client_as("olivia").get("/").content.decode()


def test_a_watched_empty_organization_offers_its_admin_the_set_up(client_as, enrolled):
    enrolled("orgempty", "orgnew")
    poll("orgempty")
    poll("orgnew")
    html = client_as("olivia").get("/?ns=orgempty").content.decode()
    assert 'href="/org/orgempty/mirror/#setup-heading"' in html  # at first paint, no call
    html = client_as("olivia").get("/?ns=orgnew").content.decode()
    assert "Set up an organization mirror" not in html  # it has one


def test_freshness_of_a_watched_namespace_is_known_at_first_paint_at_no_call(
    client_as, emulator, enrolled
):
    """The index keeps each mirror's config and last result: late is told at once, and the
    "late" filter needs no log read (initech/grafana: synced 4 h ago, every hour)."""
    enrolled("initech")
    poll("initech")
    client = client_as("alice")
    emulator.control("DELETE", "requests")
    html = client.get("/?ns=initech").content.decode()
    drawn = rows(html)
    assert "last success 4 h ago (every 1 h): late" in drawn["initech/grafana"][1]
    assert 'data-fresh="late"' in drawn["initech/grafana"][1]
    assert re.search(r'data-fresh-count="late"[^>]*>\s*<span class="count">1</span>', html)
    emulator.control("DELETE", "requests")
    late = client.get("/?ns=initech&status=late").content.decode()
    assert list(rows(late)) == ["initech/grafana"]
    assert not [c for c in calls(emulator) if c.startswith("GET repository/initech/")]


def test_a_synced_row_from_the_index_says_its_age_once(client_as, enrolled):
    """From the index a synced row's status already says how long ago it synced ("Synced 2 h
    ago · next 10:40 UTC"): its freshness says only that it is on time, not the age again (it
    said "last success 2 h 1 min ago" beside "2 h 2 min ago", two ages for one sync)."""
    enrolled("globex")
    poll("globex")
    html = client_as("alice").get("/?ns=globex").content.decode()
    mysql = rows(html)["globex/mysql"][1]
    text = re.sub(r"<[^>]+>|\s+", " ", mysql)
    assert "on time (every 6 h)" in text, text
    assert text.count(" ago") == 1, text
    assert 'data-fresh="on-time"' in mysql


def test_a_token_refused_the_health_still_sees_every_mirror_of_a_watched_namespace(
    client_as, watched
):
    """alice's token without repo:admin nor org:admin: Quay shows her acme's repositories (in
    mirror state), not their settings nor acme's mirror health. The index's status-only rows
    come from this visit's health: refused, they were none, and acme was lost from the page,
    its listing and its file (which looked whole)."""
    client = client_as("alice-limited")
    html = client.get("/?ns=acme").content.decode()
    url = re.search(r'<tbody id="listed" hx-get="([^"]+)"', html)
    assert url, "acme's mirrors are listed live, as where the index does not serve"
    listed = client.get(url.group(1).replace("&amp;", "&"), HTTP_HX_REQUEST="true")
    drawn = rows(listed.content.decode())
    assert {"acme/nginx", "acme/etcd", "acme/python"} <= set(drawn)
    assert "No mirrored repositories" not in listed.content.decode()
    assert "docker.io/library/nginx" not in listed.content.decode()  # settings still hidden
    text = client.get("/overview.csv").content.decode()
    assert "acme/nginx" in text and "globex/" in text
