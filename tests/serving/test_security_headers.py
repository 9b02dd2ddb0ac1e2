"""Every kind of page carries the security headers: a Content-Security-Policy without
unsafe-inline or unsafe-eval (Quay's origin allowed as a form target, for the sign-in's
redirect), Permissions-Policy, no framing, no sniffing; HSTS over HTTPS when it is on."""

from __future__ import annotations

import pytest

from tests.support.emulator import Emulator

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def assert_headers(response, quay_url: str) -> None:
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["form-action"] == f"'self' {quay_url}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_every_kind_of_page_carries_them(client_as, emulator: Emulator):
    client = client_as("alice")
    pages = [
        client.get("/"),
        client.get("/", **HX),
        client.get("/repo/acme/nginx/"),
        client.get("/repo/acme/alpine/status/", **HX),
        client.get("/audit/"),
        client.get("/no/such/page/"),
        client.post("/accounts/logout/"),
        client.get("/accounts/login/"),
    ]
    olivia = client_as("olivia")
    pages += [
        olivia.get("/org/orgmirror/mirror/"),
        olivia.get("/org/orgmirror/mirror/?poll=1", **HX),
        olivia.get("/org/orgempty/mirror/"),
    ]
    for response in pages:
        assert_headers(response, emulator.url)
    # The probes answer JSON before any other middleware (see dashboard/probes.py).
    assert client.get("/healthz")["X-Content-Type-Options"] == "nosniff"


def test_hsts_over_https_when_it_is_on(client, settings, emulator):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert_headers(response, emulator.url)
    assert "Strict-Transport-Security" not in client.get("/accounts/login/")  # plain HTTP


@pytest.mark.parametrize(
    ("user", "path"), [("alice", "/repo/acme/alpine/"), ("olivia", "/org/orgmirror/mirror/")]
)
def test_pages_load_htmx_without_eval(client_as, emulator, user, path):
    html = client_as(user).get(path).content.decode()
    assert """content='{"allowEval": false, "includeIndicatorStyles": false,""" in html
    assert "<script>" not in html and " style=" not in html and "visibilityState" not in html
