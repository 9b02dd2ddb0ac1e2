"""Every way Quay can fail while the overview is read: a message in the page, never a 500."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from dashboard.accounts.tokens import store_token
from tests.support.emulator import free_port
from tests.support.overview import page, row_html, rows_of

pytestmark = pytest.mark.django_db


def test_quay_down_is_a_message_in_the_page(client_as, settings):
    client = client_as("alice")
    settings.QUAY_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    response = client.get("/")
    assert response.status_code == 502
    html = response.content.decode()
    assert "The mirrors could not be listed." in html
    assert "Quay cannot be reached right now" in html
    assert "<html" in html and "Traceback" not in html
    # "Skip to the mirrors" lands on what stands in their place.
    assert re.search(
        r'<a class="skip-link" href="#mirrors">.*<div id="mirrors" class="message', html, re.S
    )


def test_quay_down_on_an_htmx_request_is_a_fragment_with_the_message(client_as, settings):
    client = client_as("alice")
    settings.QUAY_URL = f"http://127.0.0.1:{free_port()}"
    response = client.get("/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps only 2xx answers
    html = response.content.decode()
    assert "<html" not in html and "Quay cannot be reached right now" in html


def test_quay_timing_out_is_a_message(client_as, emulator, settings):
    client = client_as("alice")
    settings.OVERVIEW_PERSON_SECONDS = 0  # the overview asks who alice is
    settings.QUAY_TIMEOUT = 0.5
    emulator.configure(hang=["/api/v1/user/"])
    response = client.get("/")
    assert response.status_code == 502
    assert "Quay took too long to answer" in response.content.decode()


def test_quay_5xx_is_a_message(client_as, emulator, settings):
    client = client_as("alice")
    settings.OVERVIEW_PERSON_SECONDS = 0  # the overview asks who alice is
    emulator.configure(fail={"/api/v1/user/": 503})
    response = client.get("/")
    assert response.status_code == 502
    assert "Quay had an internal problem (HTTP 503)" in response.content.decode()


def test_one_unreadable_config_keeps_its_status_says_why_and_the_rest_renders(
    client_as, emulator, seen
):
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/nginx/mirror": 500})
    html = seen(client)
    nginx = row_html(html, "acme/nginx")
    # The status health reported stays; the details say what failed, with a way to retry.
    assert 'data-status="success"' in nginx and "Synced" in nginx
    assert "mirror settings could not be read: Quay failed (HTTP 500)" in nginx
    assert 'hx-get="/repo/acme/nginx/row/"' in nginx and "Try again" in nginx
    assert "<form" not in nginx  # no press without a config read
    assert rows_of(html)["acme/redis"] == "success"


def test_a_config_quay_fails_to_read_and_health_does_not_name_is_unreadable(
    client_as, emulator, seen
):
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/golang/mirror": 500})  # disabled
    golang = row_html(seen(client), "acme/golang")
    assert 'data-status="unreadable"' in golang and "Unreadable" in golang
    assert "mirror settings could not be read: Quay failed (HTTP 500)" in golang


def test_one_config_timing_out_says_so_in_its_row(client_as, emulator, settings, seen):
    client = client_as("alice")
    settings.QUAY_TIMEOUT = 0.5
    emulator.configure(hang=["/api/v1/repository/acme/redis/mirror"])
    html = seen(client)
    assert "mirror settings could not be read: Quay timed out" in row_html(html, "acme/redis")
    assert rows_of(html)["acme/nginx"] == "success"


def test_a_403_on_one_config_says_no_admin_rights_in_that_row(client_as, emulator, seen):
    client = client_as("alice")
    emulator.configure(
        fail={
            "/api/v1/repository/acme/golang/mirror": 403,
            "/api/v1/repository/mirror/health": 500,  # nothing else to say about it
        }
    )
    html = seen(client)
    # A pasted token, known at sign-in to carry repo:admin (Quay answered the probe in
    # alice's own namespace): so Quay's 403 here means missing rights, not a missing scope.
    golang = row_html(html, "acme/golang")
    assert "no admin rights on this repository" in golang
    assert "token lacks" not in golang
    assert rows_of(html)["acme/nginx"] == "success"


def test_a_403_on_an_enabled_mirror_falls_back_to_its_health_status(client_as, emulator, seen):
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/globex/traefik/mirror": 403})
    html = seen(client)
    traefik = row_html(html, "globex/traefik")
    assert "Failed" in traefik and "read-only: from Quay's mirror health" in traefik
    assert "<form" not in traefik


def test_a_failing_health_report_does_not_hide_an_admins_rows(client_as, emulator, seen):
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/mirror/health": 500})
    html = seen(client)  # the listing names them; their configs tell the rest
    assert rows_of(html)["acme/nginx"] == "success"
    assert rows_of(html)["acme/python"] == "stuck"


def test_a_failing_health_report_leaves_a_non_admin_with_reasons(client_as, emulator, seen):
    client = client_as("carol")
    emulator.configure(fail={"/api/v1/repository/mirror/health": 503})
    html = seen(client)
    assert "no admin rights on this repository" in row_html(html, "acme/nginx")


def test_revoked_token_sends_to_sign_in_and_back(client, emulator):
    # A session whose token Quay has since revoked (Quay answers 401 to it):
    client.force_login(_user("alice"))
    session = client.session
    store_token(_Req(session), "revoked".ljust(40, "x"), scopes=None, method="token")
    session.save()
    response = client.get("/?ns=acme&q=ng")
    assert response.status_code == 302
    assert next_of(response["Location"]) == "/?ns=acme&q=ng"
    assert "_auth_user_id" not in client.session  # signed out
    follow = client.get(response["Location"])
    assert "has expired or was revoked" in follow.content.decode()
    # Signing in again lands on the same page.
    back = client.post("/accounts/login/", {"token": _token("alice"), "next": "/?ns=acme&q=ng"})
    assert back["Location"] == "/?ns=acme&q=ng"


def test_revoked_token_on_an_htmx_poll_shows_a_sign_in_banner_and_stops(client, emulator):
    client.force_login(_user("alice"))
    session = client.session
    store_token(_Req(session), "revoked".ljust(40, "x"), scopes=None, method="token")
    session.save()
    response = client.get(
        "/repo/acme/alpine/row/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/?status=active",
    )
    assert response.status_code == 286
    assert response["HX-Retarget"] == "#messages"
    assert "next=%2F%3Fstatus%3Dactive" in response.content.decode()


# -- helpers ---------------------------------------------------------------------------------


def next_of(location: str) -> str:
    parsed = urlparse(location)
    assert parsed.path == "/accounts/login/"
    return parse_qs(parsed.query)["next"][0]


class _Req:
    def __init__(self, session):
        self.session = session


def _user(name: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get_or_create(username=name)[0]


def _token(name: str) -> str:
    from tests.support.emulator import TOKENS

    return TOKENS[name]


# -- an outage of the repository listing ------------------------------------------------------


def test_listing_outage_shows_no_false_all_clear(client_as, emulator, seen):
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository": 503})  # health and configs fail too
    html = seen(client)
    assert "could not be listed" in html
    assert "Counts incomplete:</strong> could not list 4 of 4 namespaces" in html
    assert "No mirrored repositories in your namespaces" not in html
    assert "No mirrors can be shown: Quay did not list the repositories of" in html
    full = client.get("/?details=all").content.decode()
    assert re.search(r'data-count-for="fail"[^>]*>\s*<span class="count">\?</span>', full)
    assert re.search(r"data-count-total[^>]*>\?</span>", full)
    assert not re.search(r'<span class="count">0</span>', full)


def test_a_listing_outage_keeps_what_health_reports(client_as, emulator, monkeypatch):
    """The page drawn from health keeps health's rows when the listings fail (the page drawn
    whole from the listings, details=all, has nothing to show then). The emulator's faults
    go by path prefix, and the listing's path is the prefix of every other repository call:
    the listing alone fails by a patch here."""
    from dashboard.quay.client import QuayClient
    from dashboard.quay.errors import QuayServerError

    def list_repositories(self, namespace):
        raise QuayServerError(status=503)

    monkeypatch.setattr(QuayClient, "list_repositories", list_repositories)
    client = client_as("alice")
    settled = page(client)
    assert "Repositories of <strong>acme</strong> could not be listed" in settled
    assert "Counts incomplete:</strong> could not list 4 of 4 namespaces" in settled
    assert rows_of(settled)["acme/etcd"] == "fail"  # from health: every enabled mirror


def test_one_namespace_failing_says_counts_incomplete_one_of_n():
    from dashboard.mirrors.overview.page import Overview

    data = Overview("alice", ["alice", "acme"], queried=["alice", "acme"])
    assert data.incomplete == ""
    data.namespace_errors["acme"] = "Quay failed"
    assert data.incomplete == "could not list 1 of 2 namespaces"
