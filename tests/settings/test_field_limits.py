"""Issue 12, item 5: every text field of the settings form has a length limit, said at the
field, with the value kept (a password never comes back)."""

from __future__ import annotations

import html
import re

import pytest

from tests.support.forms import form_data, page, post_form
from tests.support.pages import text
from tests.support.received import clear_log, mirror_puts

pytestmark = pytest.mark.django_db


def field_errors(body: str, field: str) -> str:
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', body, re.S)
    return html.unescape(match.group(1)) if match else ""


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "external_reference",
            "registry.example.com/" + "a" * 300,
            "A source can have at most 255 characters, registry included (no container image "
            "name is longer); this one has 321.",
        ),
        ("external_registry_username", "u" * 256, "A username can have at most 255 characters"),
        ("http_proxy", "http://proxy.example.com/" + "p" * 2048, "A proxy can have at most 2048"),
        ("https_proxy", "http://proxy.example.com/" + "p" * 2048, "A proxy can have at most 2048"),
        ("no_proxy", ",".join(["host.example.com"] * 300), "The no-proxy list can have at most"),
    ],
)
def test_a_text_field_past_its_limit_says_so_at_the_field_and_keeps_the_value(
    alice, emulator, field, value, message
):
    data = form_data(page(alice, "acme", "nginx"))
    data[field] = value
    clear_log(emulator)

    body = text(post_form(alice, "/repo/acme/nginx/settings/", data))

    assert message in field_errors(body, field)
    assert f'value="{value}"' in body
    assert mirror_puts(emulator, "acme", "nginx") == []


def test_a_password_past_its_limit_says_so_at_the_field(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data.update(external_registry_username="puller", external_registry_password="p" * 5000)
    clear_log(emulator)

    body = text(post_form(alice, "/repo/acme/nginx/settings/", data))

    assert "A password can have at most 4096 characters; this one has 5000." in field_errors(
        body, "external_registry_password"
    )
    assert "p" * 5000 not in body  # a password never comes back to the page
    assert mirror_puts(emulator, "acme", "nginx") == []
