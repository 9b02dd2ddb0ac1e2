"""The OAuth 2 authorization-code flow of the emulated Quay."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings

from tests.support.emulator import Emulator

CALLBACK = "http://127.0.0.1:8000/oauth/callback"
SAFE_SCOPES = "repo:read user:read"
ALL_SCOPES = "repo:read repo:admin org:admin user:read"


def field(html: str, name: str) -> str | None:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else None


def authorize_params(scope: str = SAFE_SCOPES, **extra: str) -> dict[str, str]:
    params = {
        "client_id": settings.QUAY_CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": scope,
        "response_type": "code",
        "state": "xyz",
    }
    params.update(extra)
    return params


class Browser:
    """A cookie-keeping client that signs in to the emulator and walks the consent pages."""

    def __init__(self, emulator: Emulator) -> None:
        self.url = emulator.url
        self.http = requests.Session()

    def authorize(self, **params: str) -> requests.Response:
        return self.http.get(
            f"{self.url}/oauth/authorize",
            params=authorize_params(**params),
            allow_redirects=False,
            timeout=10,
        )

    def sign_in(self, username: str, page: requests.Response) -> requests.Response:
        form = {
            "username": username,
            "password": "password",
            "_csrf_token": field(page.text, "_csrf_token") or "",
            "next": (field(page.text, "next") or "/").replace("&amp;", "&"),
        }
        return self.http.post(f"{self.url}/signin", data=form, allow_redirects=False, timeout=10)

    def signed_in(self, username: str, **params: str) -> requests.Response:
        """Sign in as ``username`` through the authorize page; return the next authorize page."""
        response = self.sign_in(username, self.authorize(**params))
        assert response.status_code == 302
        return self.http.get(self.url + response.headers["Location"], allow_redirects=False)

    def consent(self, page: requests.Response, action: str = "authorizeapp") -> requests.Response:
        html = page.text.split(f'action="/oauth/{action}"', 1)[1].split("</form>", 1)[0]
        form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', html))
        return self.http.post(
            f"{self.url}/oauth/{action}", data=form, allow_redirects=False, timeout=10
        )


def query(response: requests.Response) -> dict[str, str]:
    location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def exchange(emulator: Emulator, code: str, secret: str | None = None) -> requests.Response:
    return requests.post(
        f"{emulator.url}/oauth/access_token",
        data={
            "grant_type": "authorization_code",
            "client_id": settings.QUAY_CLIENT_ID,
            "client_secret": secret or settings.QUAY_CLIENT_SECRET,
            "code": code,
            "redirect_uri": CALLBACK,
            "scope": SAFE_SCOPES,
        },
        timeout=10,
    )


@pytest.fixture
def browser(emulator: Emulator) -> Browser:
    emulator.configure(redirect_uri="http://127.0.0.1:8000/oauth/")
    return Browser(emulator)


def test_authorize_without_session_shows_a_sign_in_page(browser: Browser) -> None:
    response = browser.authorize()
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert 'action="/signin"' in response.text
    assert field(response.text, "_csrf_token")
    assert "/oauth/authorize?" in (field(response.text, "next") or "")


def test_sign_in_without_csrf_token_is_refused(browser: Browser) -> None:
    browser.authorize()
    response = browser.http.post(
        f"{browser.url}/signin",
        data={"username": "alice", "password": "password", "next": "/"},
        allow_redirects=False,
    )
    assert response.status_code == 403


def test_sign_in_with_wrong_password_shows_the_form_again(browser: Browser) -> None:
    page = browser.authorize()
    form = {"username": "alice", "password": "nope", "_csrf_token": field(page.text, "_csrf_token")}
    response = browser.http.post(f"{browser.url}/signin", data=form, allow_redirects=False)
    assert response.status_code == 200
    assert "Invalid username or password." in response.text


def test_consent_page_lists_scopes_and_carries_state(browser: Browser) -> None:
    page = browser.signed_in("alice")
    assert page.status_code == 200
    assert "Authorize Application" in page.text
    assert "View all visible repositories" in page.text
    authorize_form = page.text.split('action="/oauth/authorizeapp"', 1)[1].split("</form>")[0]
    assert field(authorize_form, "state") == "xyz"
    assert 'action="/oauth/denyapp"' in page.text


def test_full_flow_issues_a_token_with_the_granted_scopes(
    browser: Browser, emulator: Emulator
) -> None:
    redirect = browser.consent(browser.signed_in("alice"))
    assert redirect.status_code == 302
    params = query(redirect)
    assert params["state"] == "xyz"
    assert params["scope"] == SAFE_SCOPES
    assert len(params["code"]) == 40
    response = exchange(emulator, params["code"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 315576000
    assert body["refresh_token"] is None
    assert len(body["access_token"]) == 40
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    user = emulator.api("GET", "user/", user="", headers=headers)
    assert user.json()["username"] == "alice"
    mirror = emulator.api("GET", "repository/acme/nginx/mirror", user="", headers=headers)
    assert mirror.status_code == 403  # repo:read only


def test_dangerous_scope_consent_comes_back_without_state(browser: Browser) -> None:
    page = browser.signed_in("bob", scope=ALL_SCOPES)
    assert "Administer Organization" in page.text
    redirect = browser.consent(page)
    params = query(redirect)
    assert "state" not in params
    assert params["scope"] == ALL_SCOPES


def test_already_granted_scopes_skip_the_consent_page(browser: Browser) -> None:
    browser.consent(browser.signed_in("alice"))
    again = browser.authorize(state="again")
    assert again.status_code == 302
    params = query(again)
    assert params["state"] == "again"
    assert params["code"]


def test_code_is_single_use(browser: Browser, emulator: Emulator) -> None:
    code = query(browser.consent(browser.signed_in("alice")))["code"]
    assert exchange(emulator, code).status_code == 200
    reused = exchange(emulator, code)
    assert reused.status_code == 400
    assert reused.json() == {"error": "invalid_grant"}


def test_unknown_code_answers_invalid_grant(emulator: Emulator) -> None:
    response = exchange(emulator, "NOSUCHCODE".ljust(40, "0"))
    assert response.json() == {"error": "invalid_grant"}


def test_wrong_client_secret_answers_invalid_client_and_keeps_the_code(
    browser: Browser, emulator: Emulator
) -> None:
    code = query(browser.consent(browser.signed_in("alice")))["code"]
    wrong = exchange(emulator, code, secret="WRONG")
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_client"}
    assert exchange(emulator, code).status_code == 200


def test_non_admin_of_the_owning_org_gets_403(browser: Browser) -> None:
    page = browser.signed_in("carol")
    assert page.status_code == 403
    assert "<title>403 Forbidden</title>" in page.text


def test_deny_redirects_with_access_denied(browser: Browser) -> None:
    redirect = browser.consent(browser.signed_in("alice"), action="denyapp")
    assert redirect.status_code == 302
    assert query(redirect)["error"] == "access_denied"


def test_unknown_client_answers_404(browser: Browser) -> None:
    assert browser.authorize(client_id="NOSUCHCLIENT").status_code == 404


def test_redirect_uri_on_another_host_answers_invalid_request(browser: Browser) -> None:
    response = browser.authorize(redirect_uri="http://evil.example/oauth/cb")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}


def test_redirect_uri_is_matched_by_prefix(browser: Browser) -> None:
    page = browser.signed_in("alice", redirect_uri=CALLBACK + "/s/abc")
    redirect = browser.consent(page)
    assert redirect.headers["Location"].startswith(CALLBACK + "/s/abc?")
    outside = browser.authorize(redirect_uri="http://127.0.0.1:8000/elsewhere")
    assert outside.status_code == 400


def test_reset_forgets_grants_and_issued_tokens(browser: Browser, emulator: Emulator) -> None:
    code = query(browser.consent(browser.signed_in("alice")))["code"]
    token = exchange(emulator, code).json()["access_token"]
    emulator.reset()
    headers = {"Authorization": f"Bearer {token}"}
    assert emulator.api("GET", "user/", user="", headers=headers).status_code == 401
    assert emulator.api("GET", "user/").status_code == 200
