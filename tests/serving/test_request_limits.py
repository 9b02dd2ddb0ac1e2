"""Issue 12, item 5: a submission past Django's limits gets the dashboard's message (htmx: in
the page; otherwise a page saying nothing was sent to Quay), not a bare "Bad Request (400)";
the largest form the dashboard takes stays far below those limits."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest
from django.conf import settings

from tests.support.forms import form_data, page, post_form
from tests.support.pages import text
from tests.support.received import clear_log, mirror_puts

pytestmark = pytest.mark.django_db


HTMX = {"HTTP_HX_REQUEST": "true"}
CHECK = "/repo/acme/nginx/rules/check/"


def test_too_many_rows_for_the_live_check_get_a_message_in_the_page(alice, emulator):
    rows = [f"r{n}" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)]
    clear_log(emulator)

    response = post_form(alice, CHECK, {"root_rule": rows}, **HTMX)

    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert response["HX-Retarget"] == "#messages"
    assert response["HX-Reswap"] == "innerHTML"
    body = text(response)
    assert "larger than this dashboard reads at once (at most 1,000 fields)" in body
    assert "nothing was sent to Quay" in body
    assert emulator.requests_log() == []


def test_a_settings_post_over_the_size_limit_gets_a_page_saying_nothing_was_sent(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["external_reference"] = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    clear_log(emulator)

    response = post_form(
        alice, "/repo/acme/nginx/settings/", data, HTTP_REFERER="http://testserver/repo/acme/nginx/"
    )

    assert response.status_code == 413
    body = text(response)
    assert "This dashboard reads at most 2.5\xa0MB in one submission" in body
    assert "nothing was sent to Quay and nothing was saved" in body
    assert "could not be kept" in body
    assert 'href="http://testserver/repo/acme/nginx/"' in body
    assert "Bad Request (400)" not in body
    assert emulator.requests_log() == []


def test_a_settings_post_with_too_many_fields_gets_the_page_too(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["root_rule"] = [f"r{n}" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)]

    response = post_form(alice, "/repo/acme/nginx/settings/", data)

    assert response.status_code == 400
    assert "This dashboard reads at most 1,000 fields in one submission" in text(response)
    assert 'href="/"' in text(response)  # no same-site page to go back to


def test_a_multipart_post_over_the_size_limit_gets_the_page_too(alice, emulator):
    response = alice.post(
        "/repo/acme/nginx/settings/",
        {"external_reference": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)},
    )
    assert response.status_code == 413
    assert "nothing was sent to Quay" in text(response)


def test_the_largest_form_the_dashboard_takes_is_read_and_saved(alice, emulator):
    """Every capped input at its cap stays far below Django's limits: it reaches Quay."""
    data = form_data(page(alice, "acme", "nginx"))
    patterns = [f"{n:03d}" + "*" * 125 for n in range(100)]
    data.update(
        {
            "root_rule": patterns,
            "external_reference": "registry.example.com/" + "a" * (255 - 21),
            "external_registry_username": "u" * 255,
            "external_registry_password": "p" * 4096,
            "http_proxy": "http://proxy.example.com/" + "p" * (2048 - 25),
            "https_proxy": "http://proxy.example.com/" + "p" * (2048 - 25),
            "no_proxy": "h" * 4096,
        }
    )
    first = text(post_form(alice, "/repo/acme/nginx/settings/", data))
    deleted = re.search(r'name="confirm_delete_tags" value="([^"]*)"', first)
    assert deleted, "the save asks before deleting the tags the new rule no longer keeps"
    data["confirm_delete_tags"] = html.unescape(deleted.group(1))
    clear_log(emulator)

    post_form(alice, "/repo/acme/nginx/settings/", data)

    (put,) = mirror_puts(emulator, "acme", "nginx")
    assert put["root_rule"]["rule_value"] == patterns
    assert put["external_registry_password"] == "p" * 4096
    body = urlencode(data, doseq=True)
    assert len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 10
    assert body.count("&") + 1 < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS / 5
