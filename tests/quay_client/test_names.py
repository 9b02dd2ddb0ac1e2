"""Only names Quay allows reach Quay: every URL and form (issue 10, item 6)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/repo/%2e%2e/acme/",
        "/repo/acme/%2e%2e/",
        "/repo/mirror/health/",
        "/repo/ACME/nginx/",
        "/repo/acme/-nginx/",
        "/repo/a/nginx/",
        "/repo/acme/nginx%20x/",
        "/repo/%2e%2e/acme/status/",
        "/repo/acme/%2e%2e/row/",
        "/repo/mirror/health/status/",
    ],
)
def test_a_name_quay_does_not_allow_is_the_dashboards_own_404(client_as, emulator, url):
    alice = client_as("alice")
    dave = client_as("dave")
    emulator.control("DELETE", "requests")  # what the sign-ins asked
    for person in (alice, dave):
        response = person.get(url)
        assert response.status_code == 404
        body = response.content.decode()
        assert "<title>" in body and "Sign out" in body  # the dashboard's layout
    paths = [r["path"] for r in emulator.requests_log()]
    assert not any(p.rstrip("/") in ("/api/v1/acme", "/api/v1/repository/mirror") for p in paths)
    assert not any(p.startswith("/api/v1/repository/mirror/health") for p in paths)


@pytest.mark.parametrize("action", ["sync-now", "cancel", "state", "settings"])
def test_a_post_to_a_name_quay_does_not_allow_sends_nothing(client_as, emulator, action):
    alice = client_as("alice")
    before = len(emulator.requests_log())
    response = alice.post(f"/repo/acme/%2e%2e/{action}/", {"confirm": "yes"})
    assert response.status_code == 404
    assert len(emulator.requests_log()) == before


def test_bulk_sends_nothing_for_names_quay_does_not_allow(client_as, emulator):
    alice = client_as("alice")
    before = len(emulator.requests_log())
    response = alice.post(
        "/bulk/", {"action": "sync_now", "repo": ["acme/..", "../acme", "mirror/health"]}
    )
    assert response.status_code == 302  # back to the overview, saying what to select
    assert len(emulator.requests_log()) == before


def test_an_unknown_url_is_the_dashboards_own_404(client_as, emulator):
    alice = client_as("alice")
    response = alice.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Sign out" in body and "Page not found" in body


def test_a_failure_of_the_dashboard_is_its_own_500_page(client_as, emulator, monkeypatch):
    from django.test import Client

    from dashboard.mirrors.pages import audit as audit_trail

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(audit_trail, "page", broken)
    alice = Client(raise_request_exception=False)
    alice.cookies = client_as("alice").cookies
    response = alice.get("/audit/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and "Mirror Dashboard" in body
    assert "a bug" not in body
