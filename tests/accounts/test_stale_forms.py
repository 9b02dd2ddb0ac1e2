"""A form opened before signing in again (its CSRF token rotated away): the dashboard says so
in its own words and keeps what was typed; a post from another site is refused, keeping
nothing."""

from __future__ import annotations

import pytest

from tests.support.forms import form_data, page, post_form
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text
from tests.support.received import mirror_puts

pytestmark = pytest.mark.django_db
HOST = "http://testserver"


@for_each_kind(
    "mirror, typed",
    repository=(repo("acme", "redis"), {"sync_interval_value": "13"}),
    organization=(org("orgnew"), {"visibility": "private"}),
)
def test_a_stale_form_from_this_site_is_kept_for_its_page(
    strict_client_as, emulator, mirror, typed
):
    strict = strict_client_as(mirror.admin)
    data = {**form_data(strict.get(mirror.url)), **typed}
    data["csrfmiddlewaretoken"] = "x" * 64  # the token of a page drawn before a new sign-in
    response = post_form(strict, mirror.settings_url, data, HTTP_REFERER=f"{HOST}{mirror.url}")
    assert response.status_code == 302 and response["Location"] == mirror.url
    assert mirror.writes(emulator) == []  # nothing reached Quay
    page = strict.get(mirror.url)
    assert "This page was opened before your sign-in changed" in text(page)
    assert "What you typed is back in the form" in text(page)
    for field, value in typed.items():
        assert form_data(page)[field] == value


def test_a_post_from_another_site_is_refused_and_nothing_kept(strict_client_as, emulator):
    strict = strict_client_as("alice")
    data = form_data(page(strict, "acme", "redis"))
    data["sync_interval_value"] = "1"
    response = strict.post(
        "/repo/acme/redis/settings/",
        {**data, "csrfmiddlewaretoken": "x" * 64},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert "Not sent" in response.content.decode() and "<html" in response.content.decode()
    body = strict.get("/repo/acme/redis/").content.decode()
    assert 'name="sync_interval_value" value="1"' not in body
    assert mirror_puts(emulator, "acme", "redis") == []


def test_a_stale_htmx_press_says_what_to_do_in_the_messages(strict_client_as, emulator):
    strict = strict_client_as("alice")
    response = strict.post(
        "/repo/acme/redis/sync-now/",
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN="x" * 64,
        HTTP_ORIGIN=HOST,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#messages"
    assert "sent nothing to Quay" in response.content.decode()


def test_a_post_from_this_host_over_another_scheme_keeps_nothing(strict_client_as, emulator):
    strict = strict_client_as("alice")
    data = form_data(page(strict, "acme", "redis"))
    data["external_reference"] = "evil.example.com/attacker/redis"
    response = strict.post(
        "/repo/acme/redis/settings/",
        {**data, "csrfmiddlewaretoken": "x" * 64},
        HTTP_ORIGIN="http://testserver",
        secure=True,  # the dashboard is served over https; the post came over http
    )
    assert response.status_code == 403
    body = strict.get("/repo/acme/redis/", secure=True).content.decode()
    assert "evil.example.com" not in body
