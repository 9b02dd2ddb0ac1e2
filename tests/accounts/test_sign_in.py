"""Sign in with Quay (OAuth through the emulator's own pages), with a token, and sign out."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session

from dashboard.accounts.tokens import SESSION_TOKEN, get_token
from tests.support.emulator import TOKENS
from tests.support.oauth import QuayBrowser, back_to_dashboard, oauth_sign_in, start
from tests.support.overview import settle

pytestmark = pytest.mark.django_db

EVIL_NEXTS = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http://testserver.evil.example/",
]


@pytest.fixture
def quay_app(emulator):
    """The emulator's OAuth application accepts the test client's host as redirect prefix."""
    emulator.configure(redirect_uri="http://testserver/accounts/callback/")
    return emulator


# -- Sign in with Quay -----------------------------------------------------------------------


def test_the_authorize_url_asks_for_the_configured_scopes_with_state_in_the_path(
    client, quay_app, settings
):
    query = parse_qs(urlparse(start(client)).query)
    assert query["client_id"] == [settings.QUAY_CLIENT_ID]
    assert query["scope"] == [" ".join(settings.QUAY_OAUTH_SCOPES)]
    state = query["state"][0]
    assert query["redirect_uri"] == [f"http://testserver/accounts/callback/{state}/"]
    assert "client_secret" not in query


def test_sign_in_through_quays_pages_lands_on_next(client, quay_app):
    response = oauth_sign_in(client, quay_app, "alice", "/?status=fail")
    assert response.status_code == 302
    assert response["Location"] == "/?status=fail"
    page = client.get("/?status=fail").content.decode()
    assert "Signed in to Quay as alice" in page
    assert 'data-status="fail"' in page


def test_quay_dropping_state_for_org_admin_still_signs_in(client, quay_app, settings):
    assert "org:admin" in settings.QUAY_OAUTH_SCOPES
    browser = QuayBrowser(quay_app)
    redirect = browser.authorize(start(client), "alice")
    assert "state" not in parse_qs(urlparse(redirect.headers["Location"]).query)
    response = back_to_dashboard(client, redirect.headers["Location"])
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_without_dangerous_scopes_quay_keeps_state_and_it_must_match(client, quay_app, settings):
    settings.QUAY_OAUTH_SCOPES = ["repo:read", "repo:admin", "user:read"]
    redirect = QuayBrowser(quay_app).authorize(start(client), "alice")
    location = redirect.headers["Location"]
    query = parse_qs(urlparse(location).query)
    path_state = urlparse(location).path.rstrip("/").rsplit("/", 1)[-1]
    assert query["state"] == [path_state]
    forged = location.replace(f"state={path_state}", "state=forged")
    response = back_to_dashboard(client, forged)
    assert response["Location"] == "/accounts/login/"
    assert "did not match" in client.get("/accounts/login/").content.decode()
    assert "_auth_user_id" not in client.session


def test_a_callback_nobody_started_is_refused(client, quay_app):
    response = client.get("/accounts/callback/somestate/?code=stolen")
    assert response["Location"] == "/accounts/login/"
    assert "not the one this browser started" in client.get("/accounts/login/").content.decode()
    assert "_auth_user_id" not in client.session


def test_a_callback_with_another_state_in_the_path_is_refused(client, quay_app):
    redirect = QuayBrowser(quay_app).authorize(start(client), "alice")
    location = redirect.headers["Location"]
    path = urlparse(location).path
    forged = location.replace(path, "/accounts/callback/someoneelsesstate/")
    back_to_dashboard(client, forged)
    assert "_auth_user_id" not in client.session


def test_a_callback_cannot_be_replayed(client, quay_app):
    redirect = QuayBrowser(quay_app).authorize(start(client), "alice")
    assert back_to_dashboard(client, redirect.headers["Location"])["Location"] == "/"
    client.post("/accounts/logout/")
    response = back_to_dashboard(client, redirect.headers["Location"])
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_denying_on_quays_consent_page_says_so(client, quay_app):
    browser = QuayBrowser(quay_app)
    authorize_url = start(client)
    page = browser.http.get(authorize_url)  # the sign-in form
    fields = browser._form(page.text, "/signin")
    fields.update(username="alice", password="password")
    signed_in = browser.http.post(f"{quay_app.url}/signin", data=fields, allow_redirects=False)
    consent = browser.http.get(f"{quay_app.url}{signed_in.headers['Location']}")
    deny = browser._form(consent.text, "/oauth/denyapp")
    redirect = browser.http.post(f"{quay_app.url}/oauth/denyapp", data=deny, allow_redirects=False)
    response = back_to_dashboard(client, redirect.headers["Location"])
    assert response["Location"] == "/accounts/login/"
    assert "cancelled on Quay" in client.get("/accounts/login/").content.decode()


def test_quay_failing_at_the_token_exchange_is_a_message(client, quay_app):
    redirect = QuayBrowser(quay_app).authorize(start(client), "alice")
    quay_app.configure(fail={"/oauth/access_token": 503})
    response = back_to_dashboard(client, redirect.headers["Location"])
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert "Quay had an internal problem (HTTP 503)" in page
    assert "_auth_user_id" not in client.session


def test_quay_down_at_the_token_exchange_is_a_message(client, quay_app, settings):
    from tests.support.emulator import free_port

    redirect = QuayBrowser(quay_app).authorize(start(client), "alice")
    settings.QUAY_URL = f"http://127.0.0.1:{free_port()}"
    back_to_dashboard(client, redirect.headers["Location"])
    assert "Quay cannot be reached" in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize("evil", EVIL_NEXTS)
def test_an_evil_next_is_refused_after_oauth(client, quay_app, evil):
    response = oauth_sign_in(client, quay_app, "alice", evil)
    assert response["Location"] == "/"


def test_a_django_user_per_quay_user_without_a_password(client, quay_app):
    oauth_sign_in(client, quay_app, "bob")
    user = get_user_model().objects.get(username="bob")
    assert not user.has_usable_password()


def test_the_token_never_leaves_the_server(client, quay_app, caplog):
    caplog.set_level(logging.DEBUG)
    oauth_sign_in(client, quay_app, "alice", "/")
    session = client.session
    token = get_token(_Req(session))
    assert token and len(token) >= 20
    pages = [client.get(url).content.decode() for url in ("/", "/accounts/login/", "/?q=x")]
    assert not any(token in page for page in pages)
    assert not any(token in morsel.value for morsel in client.cookies.values())
    stored = Session.objects.get(session_key=client.cookies["sessionid"].value)
    assert token not in stored.session_data
    assert token not in str(stored.get_decoded())  # encrypted at rest
    assert SESSION_TOKEN in stored.get_decoded()
    assert token not in caplog.text


def test_the_login_page_tells_non_admins_how_to_get_a_token(client, emulator):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with Quay" in page
    assert "Forbidden" in page and "assign" in page.lower()
    assert "Sign in with an access token" in page


# -- Sign in with an access token ------------------------------------------------------------


def test_token_sign_in_lands_on_next(client, emulator):
    response = client.post("/accounts/login/", {"token": TOKENS["bob"], "next": "/?ns=acme"})
    assert response["Location"] == "/?ns=acme"
    assert 'data-status="fail"' in client.get("/?ns=acme").content.decode()


@pytest.mark.parametrize("evil", EVIL_NEXTS)
def test_an_evil_next_is_refused_after_token_sign_in(client, emulator, evil):
    response = client.post("/accounts/login/", {"token": TOKENS["bob"], "next": evil})
    assert response["Location"] == "/"


def test_an_evil_next_is_not_even_put_in_the_form(client, emulator):
    page = client.get("/accounts/login/?next=https://evil.example/").content.decode()
    assert "evil.example" not in page


def test_a_bad_token_is_refused_with_a_message_and_not_echoed(client, emulator):
    bad = "notarealtoken".ljust(40, "z")
    response = client.post("/accounts/login/", {"token": bad, "next": "/"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Quay does not accept this token" in page
    assert bad not in page
    assert "_auth_user_id" not in client.session


def test_a_token_with_spaces_is_refused_before_asking_quay(client, emulator):
    response = client.post("/accounts/login/", {"token": "two words", "next": "/"})
    assert response.status_code == 400
    assert "The token has a space (U+0020) at character 4 of 9" in response.content.decode()
    assert not [e for e in emulator.requests_log() if e["path"] == "/api/v1/user/"]


def test_a_token_lacking_user_read_names_the_scope(client, quay_app):
    # Get a token with repo:read only, the way an admin would generate it in Quay.
    browser = QuayBrowser(quay_app)
    redirect_uri = "http://testserver/accounts/callback/x/"
    authorize = (
        f"{quay_app.url}/oauth/authorize?client_id=mirror-dashboard-demo&response_type=code"
        f"&scope=repo:read&redirect_uri={redirect_uri}"
    )
    code = parse_qs(urlparse(browser.authorize(authorize).headers["Location"]).query)["code"][0]
    token = requests.post(
        f"{quay_app.url}/oauth/access_token",
        data={
            "grant_type": "authorization_code",
            "client_id": "mirror-dashboard-demo",
            "client_secret": "mirror-dashboard-demo-secret",
            "code": code,
            "redirect_uri": redirect_uri,
        },
        timeout=10,
    ).json()["access_token"]
    response = client.post("/accounts/login/", {"token": token, "next": "/"})
    assert response.status_code == 400
    assert "lacks the user:read scope" in response.content.decode()


def test_an_oauth_sign_in_without_repo_admin_names_the_scope_in_rows(client, quay_app, settings):
    settings.QUAY_OAUTH_SCOPES = ["repo:read", "user:read"]
    oauth_sign_in(client, quay_app, "alice")
    page = settle(client).html  # the rows' details say why they are read-only
    assert "your sign-in lacks the repo:admin scope" in page  # acme/golang: not in health


def test_token_sign_in_can_be_turned_off(client, emulator, settings):
    settings.QUAY_ALLOW_TOKEN_SIGNIN = False
    page = client.get("/accounts/login/").content.decode()
    assert 'name="token"' not in page and "turned off on this dashboard" in page
    response = client.post("/accounts/login/", {"token": TOKENS["alice"]})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# -- Sign out --------------------------------------------------------------------------------


def test_sign_out_clears_the_session(client_as, emulator):
    client = client_as("alice")
    old_key = client.cookies["sessionid"].value
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert not Session.objects.filter(session_key=old_key).exists()
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_sign_out_is_post_only(client_as):
    client = client_as("alice")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200


class _Req:
    def __init__(self, session) -> None:
        self.session = session
