"""Signing in with Quay's OAuth through the emulator's own pages, as a person's browser does."""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse

import requests


class QuayBrowser:
    """A person's browser on the emulator's pages (sign-in form, consent page)."""

    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.http = requests.Session()

    def _form(self, page: str, action: str) -> dict[str, str]:
        form = re.search(rf'<form method="post" action="{action}"[\s\S]*?</form>', page)
        assert form, page[:500]
        return {
            name: html.unescape(value)
            for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(0))
        }

    def authorize(self, authorize_url: str, user: str = "alice") -> requests.Response:
        """Follow Quay's authorize URL: sign in, consent; the redirect back to the dashboard."""
        page = self.http.get(authorize_url, allow_redirects=False)
        if 'action="/signin"' in page.text:
            fields = self._form(page.text, "/signin")
            fields.update(username=user, password="password")
            signed_in = self.http.post(
                f"{self.emulator.url}/signin", data=fields, allow_redirects=False
            )
            assert signed_in.status_code == 302, signed_in.text[:300]
            page = self.http.get(
                f"{self.emulator.url}{signed_in.headers['Location']}", allow_redirects=False
            )
        if page.status_code != 200 or "/oauth/authorizeapp" not in page.text:
            return page  # an immediate redirect (scopes already granted) or Quay's 403
        self.consent_page = page.text
        fields = self._form(page.text, "/oauth/authorizeapp")
        return self.http.post(
            f"{self.emulator.url}/oauth/authorizeapp", data=fields, allow_redirects=False
        )


def start(client, next_path: str = "/") -> str:
    response = client.post("/accounts/login/quay/", {"next": next_path})
    assert response.status_code == 302
    return response["Location"]


def back_to_dashboard(client, location: str):
    parsed = urlparse(location)
    assert parsed.netloc == "testserver", location
    return client.get(f"{parsed.path}?{parsed.query}")


def oauth_sign_in(client, emulator, user: str = "alice", next_path: str = "/"):
    redirect = QuayBrowser(emulator).authorize(start(client, next_path), user)
    assert redirect.status_code == 302, redirect.text[:300]
    return back_to_dashboard(client, redirect.headers["Location"])
