"""The overview shows each person the controls Quay lets them use (issue 10, items 1-3).

alice (admin everywhere), bob (admin of acme, a globex member without rights), carol (reads
acme), dave (global read-only superuser: reads every config, may change none), and alice's
limited token (repo:read user:read: Quay refuses her every mirror config)."""

from __future__ import annotations

import re

import pytest

from tests.support.emulator import TOKENS
from tests.support.overview import row_html, rows_of, settle

pytestmark = pytest.mark.django_db

PRESS = re.compile(r'action="/repo/([^/]+/[^/]+)/(?:sync-now|cancel)/"')
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}
BOX = re.compile(r'<input type="checkbox" id="pick-[^"]*" name="repo" value="([^"]+)"')


def controls(html: str) -> tuple[set[str], set[str]]:
    """The repositories with a Sync now / Cancel form, and those with a selection box."""
    return set(PRESS.findall(html)), set(BOX.findall(html))


def test_dave_gets_no_buttons_no_boxes_and_no_bulk_bar(client_as, seen):
    html = seen(client_as("dave"))
    pressed, boxed = controls(html)
    assert pressed == set() and boxed == set()
    assert not re.search(r'<form id="bulk"(?![^>]* hidden)', html)
    nginx = row_html(html, "acme/nginx")
    assert "docker.io/library/nginx" in nginx  # he still reads the config
    assert "read-only" in nginx.lower()
    assert "Read-only outside your own namespaces: as a Quay superuser" in html


def test_dave_gets_no_buttons_in_a_row_asked_again(client_as):
    dave = client_as("dave")
    row = dave.get(
        "/repo/acme/etcd/row/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/"
    )
    html = row.content.decode()
    assert "Failed" in html
    assert controls(html) == (set(), set())


def test_alice_and_bob_keep_the_buttons_where_quay_lets_them_act(client_as, seen):
    html = seen(client_as("alice"))
    pressed, boxed = controls(html)
    assert {"acme/nginx", "globex/mysql", "initech/grafana"} <= pressed
    assert {"acme/nginx", "globex/mysql"} <= boxed
    html = seen(client_as("bob"))
    pressed, boxed = controls(html)
    assert "acme/nginx" in pressed and "acme/nginx" in boxed
    assert not any(name.startswith("globex/") for name in pressed | boxed)


def test_a_refused_press_from_a_row_is_shown_as_a_refusal(client_as):
    dave = client_as("dave")
    answer = dave.post(
        "/repo/acme/nginx/sync-now/",
        {"view": "row"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/",
    ).content.decode()
    assert 'class="row-message refused"' in answer
    assert "No rights" in answer


def test_carol_is_told_what_she_can_see_of_a_mirror_health_does_not_name(client_as, seen):
    html = seen(client_as("carol"))
    for name in ("acme/golang", "acme/node"):
        row = row_html(html, name)
        assert "No access" not in row
        assert "mirror state" in row  # what the listing shows her
        assert "health report" in row  # why there is no status
        assert "settings" in row  # what she cannot see
    assert rows_of(html)["acme/golang"] != "unreadable"  # not counted among Quay's failures


def test_a_limited_token_is_told_its_scope_at_sign_in(client, emulator):
    response = client.post(
        "/accounts/login/", {"token": TOKENS["alice-limited"], "next": "/"}, follow=True
    )
    body = response.content.decode()
    assert "repo:admin" in body and "lacks" in body
    assert "read-only" in body  # what it costs


def test_a_full_token_gets_no_scope_warning_at_sign_in(client, emulator):
    response = client.post("/accounts/login/", {"token": TOKENS["alice"], "next": "/"}, follow=True)
    assert "lacks the repo:admin" not in response.content.decode()


def test_a_limited_token_on_the_repository_page_names_the_scope_not_missing_rights(
    client, emulator
):
    client.post("/accounts/login/", {"token": TOKENS["alice-limited"], "next": "/"})
    body = client.get("/repo/acme/nginx/").content.decode()
    assert "You have no admin rights" not in body
    assert "repo:admin" in body


def test_carol_on_the_repository_page_is_told_about_rights_not_her_token(client_as):
    body = client_as("carol").get("/repo/acme/nginx/").content.decode()
    assert "no admin rights" in body


def test_a_refused_press_from_the_status_panel_is_shown_as_a_refusal(client_as):
    dave = client_as("dave")
    answer = dave.post("/repo/acme/nginx/sync-now/", {}, HTTP_HX_REQUEST="true").content.decode()
    assert re.search(r'class="message message-error action-result" role="alert">No rights', answer)
    page = dave.post("/repo/acme/nginx/sync-now/", {}, follow=True).content.decode()
    assert re.search(r'<p class="message message-error">No rights', page)


def test_the_read_only_note_says_rights_or_scope_as_far_as_is_known(client_as, client, seen):
    html = seen(client_as("carol"))  # her token carries repo:admin (the sign-in's probe)
    note = re.search(r"Read-only in <strong>[^<]*acme[^<]*</strong>[\s\S]*?</p>", html).group(0)
    assert "not an administrator of them)" in note and "token lacks" not in note
    client.post("/accounts/login/", {"token": TOKENS["alice-limited"], "next": "/"})
    html = seen(client)
    note = re.search(r"Read-only in <strong>[^<]*acme[^<]*</strong>[\s\S]*?</p>", html).group(0)
    assert "your\n  sign-in lacks the repo:admin scope" in note or "lacks the repo:admin" in note
    assert "not an administrator" not in note


def test_the_read_only_note_gives_the_remedy_of_its_cause(client_as, client, seen):
    """alice administers acme, globex and initech: with a token without repo:admin the remedy
    is a sign-in with a token that carries it, not an administrator; carol lacks the rights."""
    client.post("/accounts/login/", {"token": TOKENS["alice-limited"], "next": "/"})
    html = seen(client)
    notes = re.findall(r"Read-only in <strong>[^<]*</strong>[\s\S]*?</p>", html)
    named = [re.search(r"<strong>([^<]*)", note).group(1).split(", ") for note in notes]
    assert {"acme", "globex", "initech"} <= {ns for names in named for ns in names}
    for note in notes:
        words = " ".join(note.split())
        assert "sign in again with an access token that carries the repo:admin scope" in words
        assert "ask an administrator" not in words
    carol = " ".join(seen(client_as("carol")).split())
    note = re.search(r"Read-only in <strong>acme</strong>.*?</p>", carol).group(0)
    assert "ask an administrator of acme to change or sync them" in note
    assert "sign in again" not in note


def test_an_oauth_sign_in_counts_the_scopes_quays_callback_names(rf, settings):
    from dashboard.accounts.oauth import granted_scopes

    settings.QUAY_OAUTH_SCOPES = ["repo:read", "repo:admin", "org:admin", "user:read"]
    asked = rf.get("/accounts/callback/x/", {"code": "c"})
    assert granted_scopes(asked) == settings.QUAY_OAUTH_SCOPES
    narrowed = rf.get("/accounts/callback/x/", {"scope": "repo:read user:read super:user"})
    assert granted_scopes(narrowed) == ["repo:read", "user:read"]  # never wider than asked


def test_an_oauth_sign_in_without_org_admin_is_warned_what_it_costs(settings):
    from dashboard.accounts import access

    words = access.warnings({"lacking": ["org:admin"]})
    assert words == [
        "Your sign-in lacks the org:admin scope: the robot list is refused: type the robot's "
        "name instead; so is your organizations' mirror health unless it carries repo:create "
        "(the overview then reads each mirror's settings). Sign in again with a token that "
        "carries org:admin to do more."
    ]


def test_dave_gets_no_buttons_from_the_tabs_refresh_either(client_as, emulator, no_read_cache):
    from datetime import datetime

    from tests.support.overview import watched_states

    dave = client_as("dave")
    emulator.configure(sync_duration=600)
    states = watched_states(settle(dave).html)
    assert states
    emulator.advance(70)  # alpine's sync ends, busybox's is claimed: both change
    data = {"rows": "\n".join(states), "interval": 5, "as_of": int(datetime.now().timestamp())}
    answer = dave.post("/overview/refresh/", data, **HX).content.decode()
    changed = re.findall(r'<tr id="row-[^"]*"[^>]*data-repo="([^"]+)"', answer)
    assert changed
    # Drawn again from health, then detailed: neither offers him a press.
    for full_name in changed:
        row = dave.get(f"/repo/{full_name}/row/", **HX).content.decode()
        assert controls(row) == (set(), set())
    assert controls(answer) == (set(), set())


def test_a_press_refused_for_the_tokens_scope_says_so(client, emulator):
    client.post("/accounts/login/", {"token": TOKENS["alice-limited"], "next": "/"})
    answer = client.post("/repo/acme/nginx/sync-now/", {}, HTTP_HX_REQUEST="true")
    assert "your sign-in lacks the repo:admin scope" in answer.content.decode()


def test_a_press_refused_for_rights_says_so(client_as):
    answer = client_as("carol").post("/repo/acme/nginx/sync-now/", {}, HTTP_HX_REQUEST="true")
    body = answer.content.decode()
    assert "you have no admin rights on it" in body and "lacks the" not in body
