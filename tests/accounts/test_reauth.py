"""Quay answering 401 mid-session: sign in again, come back to the same page, lose nothing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import RequestFactory

from dashboard.accounts.reauth import PENDING, take_pending_submission
from tests.support.forms import form_data, page, post_form, save
from tests.support.kinds import for_each_kind, org, repo
from tests.support.oauth import oauth_sign_in
from tests.support.pages import text, text_of

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
REPO_PAGE = "http://testserver/repo/acme/nginx/"
ALPINE_PAGE = "http://testserver/repo/acme/alpine/"


def next_of(location: str) -> str:
    parsed = urlparse(location)
    assert parsed.path == "/accounts/login/", location
    return parse_qs(parsed.query)["next"][0]


def revoke_everything(emulator) -> None:
    """Quay forgets every token it issued (the seeded demo tokens come back)."""
    emulator.reset()
    emulator.configure(redirect_uri="http://testserver/accounts/callback/")


def test_a_revoked_token_sends_to_sign_in_and_back_to_the_same_page(
    client, emulator, no_read_cache
):
    emulator.configure(redirect_uri="http://testserver/accounts/callback/")
    oauth_sign_in(client, emulator, "alice")
    assert client.get("/?ns=acme&status=fail").status_code == 200
    revoke_everything(emulator)

    response = client.get("/?ns=acme&status=fail")
    assert response.status_code == 302
    assert next_of(response["Location"]) == "/?ns=acme&status=fail"
    login = client.get(response["Location"]).content.decode()
    assert "has expired or was revoked" in login

    back = oauth_sign_in(client, emulator, "alice", "/?ns=acme&status=fail")
    assert back["Location"] == "/?ns=acme&status=fail"
    assert 'data-status="fail"' in client.get(back["Location"]).content.decode()


def test_a_form_interrupted_by_a_401_is_kept_for_its_page_without_the_password(client_as, emulator):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "nginx"))
    data.update(external_reference="docker.io/library/kept", external_registry_password="s3cret")
    emulator.configure(fail={"/api/v1/repository/acme/nginx": 401})

    response = save(alice, "acme", "nginx", data, HTTP_REFERER=REPO_PAGE)

    assert next_of(response["Location"]) == "/repo/acme/nginx/"  # the page, not the action
    pending = alice.session[PENDING]
    assert pending["path"] == "/repo/acme/nginx/" and pending["user"] == "alice"
    assert pending["data"]["external_reference"] == ["docker.io/library/kept"]
    assert not any("password" in key or "csrf" in key for key in pending["data"])
    assert "has been kept" in text(alice.get(response["Location"]))


def test_a_kept_form_is_given_back_to_the_same_quay_user_only(client_as, emulator):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "nginx"))
    data["external_reference"] = "docker.io/library/alices-typing"
    emulator.configure(fail={"/api/v1/repository/acme/nginx": 401})
    save(alice, "acme", "nginx", data, HTTP_REFERER=REPO_PAGE)
    emulator.configure(fail={})

    bob = client_as("bob")  # someone else signs in on the same browser
    assert "alices-typing" not in text(page(bob, "acme", "nginx"))
    assert PENDING not in bob.session


def test_a_kept_form_comes_back_on_its_page_after_signing_in_again(client_as, emulator):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "nginx"))
    data["external_reference"] = "docker.io/library/alices-typing"
    emulator.configure(fail={"/api/v1/repository/acme/nginx": 401})
    save(alice, "acme", "nginx", data, HTTP_REFERER=REPO_PAGE)
    emulator.configure(fail={})

    alice = client_as("alice")
    body = text(page(alice, "acme", "nginx"))
    assert 'value="docker.io/library/alices-typing"' in body
    assert "alices-typing" not in text(page(alice, "acme", "nginx"))  # given back once


def test_a_poll_answered_401_stays_on_the_page_with_a_banner_and_stops(client_as, emulator):
    alice = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/alpine/mirror": 401})

    response = alice.get("/repo/acme/alpine/status/", **HX, HTTP_HX_CURRENT_URL=ALPINE_PAGE)

    assert response.status_code == 286  # htmx stops polling
    assert "HX-Redirect" not in response
    assert response["HX-Retarget"] == "#messages" and response["HX-Reswap"] == "innerHTML"
    body = text(response)
    assert "Your Quay sign-in has expired" in body and "then press Save" in body
    assert 'href="/accounts/login/?next=%2Frepo%2Facme%2Falpine%2F"' in body
    assert "_auth_user_id" not in alice.session  # signed out


def test_the_overviews_banner_names_no_save_it_does_not_have(client_as, emulator):
    """The overview's refresh answered 401: the banner asks to sign in again, without the
    repository page's "then press Save" (the overview has no Save)."""
    alice = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/mirror/health": 401})
    response = alice.get("/overview/listing/", **HX, HTTP_HX_CURRENT_URL="http://testserver/")
    body = text(response)
    assert "Your Quay sign-in has expired" in body and "Sign in again" in body
    assert "Save" not in body
    assert 'href="/accounts/login/?next=%2F"' in body


def test_a_poll_arriving_signed_out_gets_the_banner_not_the_sign_in_page(client, emulator):
    response = client.get("/repo/acme/alpine/status/", **HX, HTTP_HX_CURRENT_URL=ALPINE_PAGE)
    assert response.status_code == 286
    assert response["HX-Retarget"] == "#messages"
    assert "<form" not in text(response)
    # Nothing says Quay refused a sign-in: the session was simply not signed in (signed
    # out in another tab, or it ended).
    assert "You are no longer signed in" in text(response)
    assert "expired" not in text(response)


def test_a_save_arriving_signed_out_after_the_banner_keeps_the_form(
    client_as, emulator, no_read_cache
):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "nginx"))
    data.update(
        external_reference="docker.io/library/typed-meanwhile", external_registry_password="pw"
    )
    emulator.configure(fail={"/api/v1/repository/acme/nginx/mirror": 401})
    alice.get("/repo/acme/nginx/status/", **HX, HTTP_HX_CURRENT_URL=REPO_PAGE)  # signs out
    emulator.configure(fail={})
    emulator.control("DELETE", "requests")

    response = save(alice, "acme", "nginx", data, HTTP_REFERER=REPO_PAGE)  # signed out now

    assert next_of(response["Location"]) == "/repo/acme/nginx/"
    assert emulator.requests_log() == []  # nothing reached Quay
    assert alice.session[PENDING]["user"] == "alice"
    # Why: Quay refused the sign-in (alice did not sign out, as "You are signed out" said).
    login = text(alice.get(response["Location"]))
    assert "Your Quay sign-in has expired or was revoked" in login
    assert "You are signed out" not in login and "has been kept" in login
    alice = client_as("alice")
    body = text(page(alice, "acme", "nginx"))
    assert 'value="docker.io/library/typed-meanwhile"' in body


def test_a_button_press_answered_401_stays_on_the_page_and_keeps_nothing(client_as, emulator):
    alice = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/redis/mirror/sync-now": 401})
    response = alice.post("/repo/acme/redis/sync-now/", **HX, HTTP_HX_CURRENT_URL=REPO_PAGE)
    assert "HX-Redirect" not in response
    assert response["HX-Retarget"] == "#messages"
    assert PENDING not in alice.session


def test_a_plain_action_answered_401_says_it_was_not_sent_not_kept(client_as, emulator):
    alice = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/redis/mirror/sync-now": 401})
    response = alice.post(
        "/bulk/", {"action": "sync_now", "repo": ["acme/redis"]},
        HTTP_REFERER="http://testserver/?ns=acme",
    )  # fmt: skip
    assert next_of(response["Location"]) == "/?ns=acme"
    assert PENDING not in alice.session
    login = text(alice.get(response["Location"]))
    assert "has been kept" not in login and "check whether what you were doing" in login


def test_a_glob_check_with_only_part_of_the_form_is_not_kept(client_as, emulator):
    alice = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/nginx/tag/": 401})
    response = alice.post(
        "/repo/acme/nginx/rules/check/", {"root_rule": ["v1*"]}, **HX,
        HTTP_HX_CURRENT_URL=REPO_PAGE,
    )  # fmt: skip
    assert "HX-Redirect" not in response  # the page keeps the rest of the form
    assert PENDING not in alice.session


def test_take_pending_submission_gives_it_back_once(client_as, emulator):
    alice = client_as("alice")
    session = alice.session
    session[PENDING] = {"path": "/repo/acme/nginx/", "user": "alice", "data": {"a": ["1"]}}
    session.save()
    request = RequestFactory().get("/repo/acme/nginx/")
    request.session = alice.session
    request.user = type("U", (), {"username": "alice"})()
    assert take_pending_submission(request) == {"a": ["1"]}
    assert take_pending_submission(request) is None


def test_a_referer_from_another_site_is_not_where_we_go_back_to(client, emulator):
    emulator.configure(redirect_uri="http://testserver/accounts/callback/")
    oauth_sign_in(client, emulator, "alice")
    revoke_everything(emulator)
    response = client.post(
        "/bulk/", {"action": "sync_now", "repo": ["acme/redis"]},
        HTTP_REFERER="https://evil.example/?ns=acme",
    )  # fmt: skip
    assert next_of(response["Location"]) == "/bulk/"


def test_an_htmx_bulk_action_interrupted_by_a_401_shows_the_banner_and_does_nothing(
    client, emulator
):
    emulator.configure(redirect_uri="http://testserver/accounts/callback/")
    oauth_sign_in(client, emulator, "alice")
    revoke_everything(emulator)
    response = client.post(
        "/bulk/",
        {"action": "cancel", "repo": ["acme/alpine"]},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/?status=active",
    )
    assert response["HX-Retarget"] == "#messages"
    assert "next=%2F%3Fstatus%3Dactive" in text(response)
    assert emulator.mirror("acme", "alpine")["sync_status"] == "SYNCING"  # nothing was done


@for_each_kind(
    "mirror, typed, fails",
    repository=(
        repo("acme", "nginx"),
        {"external_reference": "docker.io/library/nginx-kept"},
        "/api/v1/repository/acme/nginx",
    ),
    organization=(org("orgnew"), {"visibility": "private"}, "/api/v1/organization/orgnew/mirror"),
)
def test_a_save_interrupted_by_a_401_comes_back_after_signing_in_again(
    client_as, emulator, mirror, typed, fails
):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), **typed, "external_registry_password": "s3cret"}
    emulator.configure(fail={fails: 401})

    response = post_form(
        client, mirror.settings_url, data, HTTP_REFERER=f"http://testserver{mirror.url}"
    )

    emulator.configure(fail={})
    assert response.status_code == 302
    assert next_of(response["Location"]) == mirror.url  # the page, not the action
    pending = client.session[PENDING]
    assert pending["path"] == mirror.url and pending["user"] == mirror.admin
    assert not any("password" in key for key in pending["data"])
    assert "has been kept" in text(client.get(response["Location"]))
    client_as(mirror.admin)  # signs in again
    restored = client.get(mirror.url)
    words = text_of(restored)
    assert "What you were submitting before signing in again is back in the form" in words
    assert "except the password" in words
    for field, value in typed.items():
        assert form_data(restored)[field] == value
    assert "s3cret" not in text(restored)
    assert mirror.settings_in_view in text(restored)
    assert mirror.writes(emulator) == []
