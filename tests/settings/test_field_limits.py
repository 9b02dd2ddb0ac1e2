"""Every text field of the settings form has a length limit, for both kinds, said at the field,
with the value kept (a password never comes back)."""

from __future__ import annotations

import pytest

from tests.support.forms import form_data, post_form
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text
from tests.support.received import clear_log

pytestmark = pytest.mark.django_db

EACH_KIND = for_each_kind("mirror", repository=repo("acme", "nginx"), organization=org("orgnew"))


def errors_of(response, field: str) -> str:
    """The form's errors at ``field`` (the form the page was drawn with)."""
    return " ".join(response.context["form"].errors.get(field, []))


def posted(client, emulator, mirror, **typed):
    data = {**form_data(client.get(mirror.url)), **typed}
    clear_log(emulator)
    return post_form(client, mirror.settings_url, data)


#: The text fields both kinds' forms have (``forms/base.py``), a value past each one's limit,
#: and what is said.
SHARED = [
    ("external_registry_username", "u" * 256, "A username can have at most 255 characters"),
    ("http_proxy", "http://proxy.example.com/" + "p" * 2048, "A proxy can have at most 2048"),
    ("https_proxy", "http://proxy.example.com/" + "p" * 2048, "A proxy can have at most 2048"),
    ("no_proxy", ",".join(["host.example.com"] * 300), "The no-proxy list can have at most"),
]


@pytest.mark.parametrize(("field", "value", "message"), SHARED)
@EACH_KIND
def test_a_text_field_past_its_limit_says_so_at_the_field_and_keeps_the_value(
    client_as, emulator, mirror, field, value, message
):
    response = posted(client_as(mirror.admin), emulator, mirror, **{field: value})

    assert message in errors_of(response, field)
    assert form_data(response)[field] == value
    assert mirror.writes(emulator) == []


def test_a_source_past_its_limit_says_so_at_the_field_and_keeps_the_value(alice, emulator):
    value = "registry.example.com/" + "a" * 300
    response = posted(alice, emulator, repo("acme", "nginx"), external_reference=value)

    assert (
        "A source can have at most 255 characters, registry included (no container image name "
        "is longer); this one has 321."
    ) in errors_of(response, "external_reference")
    assert f'value="{value}"' in text(response)
    assert repo("acme", "nginx").writes(emulator) == []


@EACH_KIND
def test_a_password_past_its_limit_says_so_at_the_field(client_as, emulator, mirror):
    response = posted(
        client_as(mirror.admin),
        emulator,
        mirror,
        external_registry_username="puller",
        external_registry_password="p" * 5000,
    )

    assert "A password can have at most 4096 characters; this one has 5000." in errors_of(
        response, "external_registry_password"
    )
    assert "p" * 5000 not in text(response)  # a password never comes back to the page
    assert mirror.writes(emulator) == []
