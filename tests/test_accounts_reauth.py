"""Quay answering 401 mid-session: sign in again, come back to the same page, lose nothing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import RequestFactory

from dashboard.accounts.reauth import PENDING, take_pending_submission
from tests.conftest import TOKENS
from tests.test_accounts import oauth_sign_in

pytestmark = pytest.mark.django_db


def next_of(location: str) -> str:
    parsed = urlparse(location)
    assert parsed.path == "/accounts/login/", location
    return parse_qs(parsed.query)["next"][0]


def revoke_everything(emulator) -> None:
    """Quay forgets every token it issued (the seeded demo tokens come back)."""
    emulator.reset()
    emulator.configure(redirect_uri="http://testserver/accounts/callback/")


def test_a_revoked_token_sends_to_sign_in_and_back_to_the_same_page(client, emulator):
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


def test_a_post_interrupted_by_a_401_keeps_what_was_typed_but_no_password(client, emulator):
    emulator.configure(redirect_uri="http://testserver/accounts/callback/")
    oauth_sign_in(client, emulator, "alice")
    revoke_everything(emulator)

    response = client.post(
        "/bulk/",
        {
            "action": "sync_now",
            "repo": ["acme/redis", "acme/nginx"],
            "external_registry_password": "s3cret",
        },
        HTTP_REFERER="http://testserver/?ns=acme",
    )
    assert next_of(response["Location"]) == "/?ns=acme"  # the page, not the action
    pending = client.session[PENDING]
    assert pending["path"] == "/bulk/"
    assert pending["data"] == {"action": ["sync_now"], "repo": ["acme/redis", "acme/nginx"]}
    assert "kept" in client.get(response["Location"]).content.decode()

    client.post("/accounts/login/", {"token": TOKENS["alice"], "next": "/?ns=acme"})
    request = RequestFactory().get("/bulk/")
    request.session = client.session
    assert take_pending_submission(request) == pending["data"]
    assert take_pending_submission(request) is None  # given back once


def test_a_referer_from_another_site_is_not_where_we_go_back_to(client, emulator):
    emulator.configure(redirect_uri="http://testserver/accounts/callback/")
    oauth_sign_in(client, emulator, "alice")
    revoke_everything(emulator)
    response = client.post(
        "/bulk/", {"action": "sync_now", "repo": ["acme/redis"]},
        HTTP_REFERER="https://evil.example/?ns=acme",
    )  # fmt: skip
    assert next_of(response["Location"]) == "/bulk/"


def test_an_htmx_action_interrupted_by_a_401_redirects_the_whole_page(client, emulator):
    emulator.configure(redirect_uri="http://testserver/accounts/callback/")
    oauth_sign_in(client, emulator, "alice")
    revoke_everything(emulator)
    response = client.post(
        "/bulk/",
        {"action": "cancel", "repo": ["acme/alpine"]},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/?status=active",
    )
    assert next_of(response["HX-Redirect"]) == "/?status=active"
    assert emulator.mirror("acme", "alpine")["sync_status"] == "SYNCING"  # nothing was done
