"""Editing and setting up an organization mirror over HTTP: only changes are sent, the
password is write-only and kept, Quay's refusals land at their field, what took effect is
read back and said, and every save is in the audit trail."""

from __future__ import annotations

import pytest

from tests.support.forms import change, form_data, post_form
from tests.support.org_api import config as quay_config
from tests.support.org_api import org_api
from tests.support.pages import text_of
from tests.support.received import clear_log, writes

pytestmark = pytest.mark.django_db


def test_the_form_checks_what_quay_would_refuse_before_sending(client_as, emulator):
    client = client_as("olivia")
    clear_log(emulator)
    response, _ = change(
        client,
        "/org/orgnew/mirror/",
        sync_interval_value="30",
        sync_interval_unit="seconds",
        skopeo_timeout_value="2",
        skopeo_timeout_unit="hours",
        robot_username="acme+mirror",
        external_registry_url="ftp://x",
    )
    body = text_of(response)
    assert "Nothing was saved: correct the fields marked below." in body
    assert "Quay syncs at most once a minute." in body
    assert "Quay takes a timeout from 30 seconds to 1 hour." in body
    assert "The robot must belong to orgnew" in body
    assert "with http:// or https://" in body
    assert writes(emulator, "orgnew") == []


def test_a_tls_change_keeps_the_proxies(client_as, emulator):
    proxy = {
        "verify_tls": True,
        "proxy": {"https_proxy": "http://proxy:3128", "http_proxy": None, "no_proxy": None},
    }
    assert org_api(emulator, "PUT", "orgnew", json={"external_registry_config": proxy}).ok
    client = client_as("olivia")
    data = form_data(client.get("/org/orgnew/mirror/"))
    data.pop("verify_tls", None)  # unticked
    post_form(client, "/org/orgnew/mirror/settings/", data)
    stored = quay_config(emulator, "orgnew")["external_registry_config"]
    assert stored["verify_tls"] is False
    assert stored["proxy"]["https_proxy"] == "http://proxy:3128"


def test_the_filter_preview_uses_the_discovered_names(client_as, emulator):
    client = client_as("olivia")
    page = text_of(client.get("/org/orgmirror/mirror/"))
    assert "5 mirrored (alpha, beta, broken, delta, gamma); 1 skipped (legacy)" in page
    preview = client.post(
        "/org/orgmirror/mirror/filters/", {"repository_filters": ["a*", ""]}, HTTP_HX_REQUEST="true"
    )
    words = text_of(preview)
    assert "2 mirrored (alpha, broken" not in words
    assert "1 mirrored (alpha)" in words and "5 skipped" in words


def test_the_filters_are_checked_like_tag_patterns(client_as, emulator):
    client = client_as("olivia")
    preview = client.post(
        "/org/orgmirror/mirror/filters/",
        {"repository_filters": ["^alpha$", "{beta,gamma}"]},
        HTTP_HX_REQUEST="true",
    )
    words = text_of(preview)
    assert "“^” is regular-expression syntax; a glob always matches the whole repository name" in (
        words
    )
    assert "A pattern cannot contain a comma (repository names never contain one)" in words
    # The row with an error is left out of the preview; "^alpha$" matches nothing.
    assert "0 mirrored ; 6 skipped (alpha, beta, broken, delta, gamma, legacy)" in words
    clear_log(emulator)
    response, _ = change(client, "/org/orgnew/mirror/", repository_filters=["api", "my repo"])
    assert "cannot contain spaces: repository names never do" in text_of(response)
    assert writes(emulator, "orgnew") == []
