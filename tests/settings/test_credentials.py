"""The source's credentials in the settings form, for both kinds: the password is write-only
(sent with its username, never shown, kept when left empty, asked for again when the form comes
back), and the stored credentials are removed only by the explicit choice, which never drops
what was typed."""

from __future__ import annotations

import pytest

from tests.support.forms import change, form_data, post_form
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import links, text, text_of
from tests.support.received import clear_log

pytestmark = pytest.mark.django_db

#: A mirror with credentials stored, and them: acme/flaky's are seeded; orgnew has none in the
#: seed and is given some in Quay first.
STORED = for_each_kind(
    "mirror, stored",
    repository=(repo("acme", "flaky"), {"username": "svc-flaky", "password": "s3cr3t-flaky"}),
    organization=(org("orgnew"), {"username": "svc", "password": "old"}),
)


#: The label of the box that removes the stored credentials.
REMOVE_LABEL = {
    "repository": "Remove the stored credentials (username and password)",
    "organization": "Remove the stored credentials",
}


def with_credentials(emulator, mirror, stored) -> None:
    """The stored credentials in Quay (set there unless the seed has them)."""
    if mirror.stored(emulator).get("external_registry_password") != stored["password"]:
        mirror.change_in_quay(
            emulator,
            external_registry_username=stored["username"],
            external_registry_password=stored["password"],
        )


def errors_of(response, field: str) -> str:
    """The form's errors at ``field`` (the form the page was drawn with)."""
    return " ".join(response.context["form"].errors.get(field, []))


@for_each_kind(
    "mirror, username, stored_words",
    repository=(repo("acme", "nginx"), "upstream", "Leave empty to keep the stored password."),
    organization=(
        org("orgnew"),
        "robot$ci",
        "A password is stored: leave this empty to keep it.",
    ),
)
def test_a_new_username_with_its_password_is_sent_together_and_never_shown(
    client_as, emulator, mirror, username, stored_words
):
    client = client_as(mirror.admin)
    clear_log(emulator)

    _response, after = change(
        client, mirror.url, external_registry_username=username, external_registry_password="tok3n"
    )

    assert mirror.writes(emulator) == [
        ("PUT", {"external_registry_username": username, "external_registry_password": "tok3n"})
    ]
    assert "password changed" in text_of(after)
    page = client.get(mirror.url)
    assert "tok3n" not in text(page)
    assert page.context["form"].empty_password_keeps_stored  # Quay holds one now
    assert stored_words in text_of(page)
    entries = mirror.audit(action="update")
    assert entries.exists()
    assert all("tok3n" not in str(entry.changes) + entry.message for entry in entries)


@STORED
def test_an_empty_password_keeps_the_stored_one(client_as, emulator, mirror, stored):
    with_credentials(emulator, mirror, stored)
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    assert data["external_registry_username"] == stored["username"]
    data["sync_interval_value"] = "2"
    clear_log(emulator)

    post_form(client, mirror.settings_url, data)

    assert mirror.writes(emulator) == [("PUT", {"sync_interval": 7200})]
    kept = mirror.stored(emulator)
    assert kept["external_registry_username"] == stored["username"]
    assert kept["external_registry_password"] == stored["password"]


@STORED
def test_a_new_password_is_sent_with_the_stored_username(client_as, emulator, mirror, stored):
    with_credentials(emulator, mirror, stored)
    client = client_as(mirror.admin)
    clear_log(emulator)

    _response, after = change(client, mirror.url, external_registry_password="n3w-secret")

    assert mirror.writes(emulator) == [
        (
            "PUT",
            {
                "external_registry_username": stored["username"],
                "external_registry_password": "n3w-secret",
            },
        )
    ]
    assert mirror.stored(emulator)["external_registry_password"] == "n3w-secret"
    assert "password changed" in text_of(after)
    assert "n3w-secret" not in text(after)


@for_each_kind(
    "mirror, stored, changes, sent",
    repository=(
        repo("acme", "flaky"),
        {"username": "svc-flaky", "password": "s3cr3t-flaky"},
        # the username emptied as well as the box ticked
        {"external_registry_username": "", "remove_credentials": "on"},
        {"external_registry_username": None, "external_registry_password": None},
    ),
    organization=(
        org("orgnew"),
        {"username": "svc", "password": "old"},
        # the box ticked, the stored username left as it is
        {"remove_credentials": "on"},
        {"external_registry_username": "", "external_registry_password": None},
    ),
)
def test_credentials_are_removed_only_by_the_explicit_choice(
    client_as, emulator, mirror, stored, changes, sent
):
    with_credentials(emulator, mirror, stored)
    client = client_as(mirror.admin)
    clear_log(emulator)

    response, after = change(client, mirror.url, **changes)

    assert response.status_code == 302
    assert mirror.writes(emulator) == [("PUT", sent)]
    assert not mirror.stored(emulator)["external_registry_password"]
    assert not mirror.in_quay(emulator).get("has_external_registry_password")
    assert "password removed" in text_of(after)
    assert not after.context["form"].stored_password  # nothing left to remove


@STORED
def test_the_remove_choice_is_offered_only_when_credentials_are_stored(
    client_as, emulator, no_read_cache, mirror, stored
):
    client = client_as(mirror.admin)
    if mirror.name == "flaky":  # seeded with credentials: a repository without them
        none_stored = client.get("/repo/acme/nginx/")
    else:
        none_stored = client.get(mirror.url)
    assert "remove_credentials" not in none_stored.context["form"].fields
    assert 'name="remove_credentials"' not in text(none_stored)
    with_credentials(emulator, mirror, stored)
    offered = client.get(mirror.url)
    assert "remove_credentials" in offered.context["form"].fields
    assert 'name="remove_credentials"' in text(offered)


@for_each_kind(
    "mirror, username, invalid, label",
    repository=(
        repo("acme", "nginx"),
        "upstream",
        {"skopeo_timeout_value": "2", "skopeo_timeout_unit": "minutes"},
        "Password",
    ),
    organization=(
        org("orgnew"),
        "robot$ci",
        {"sync_interval_value": "30", "sync_interval_unit": "seconds"},
        "Password or token",
    ),
)
def test_a_typed_password_is_asked_again_when_other_fields_send_the_form_back(
    client_as, emulator, mirror, username, invalid, label
):
    client = client_as(mirror.admin)
    clear_log(emulator)

    response, _ = change(
        client,
        mirror.url,
        external_registry_username=username,
        external_registry_password="hunter2",
        **invalid,
    )

    assert response.status_code == 200
    html = text(response)
    assert "Nothing was saved" in html
    assert "hunter2" not in html
    assert "Type the password again: it was not sent" in errors_of(
        response, "external_registry_password"
    )
    assert links(html)["#id_external_registry_password"] == (
        f"{label}: Type the password again: it was not sent (a password never comes back to "
        "the page)."
    )
    assert f'name="external_registry_username" value="{username}"' in html
    assert mirror.writes(emulator) == []


@STORED
def test_the_password_is_never_rendered_back(client_as, emulator, mirror, stored):
    with_credentials(emulator, mirror, stored)
    client = client_as(mirror.admin)
    clear_log(emulator)

    response, _ = change(
        client, mirror.url, external_registry_password="typed-secret", sync_interval_value="0"
    )

    assert response.status_code == 200
    assert "typed-secret" not in text(response)
    assert mirror.writes(emulator) == []


def test_a_new_username_without_its_password_is_refused(alice, emulator):
    data = form_data(alice.get("/repo/acme/nginx/"))
    data.update(external_registry_username="upstream")  # the password was lost on the way
    clear_log(emulator)

    response = post_form(alice, "/repo/acme/nginx/settings/", data)

    assert "Type the password for upstream" in errors_of(response, "external_registry_password")
    assert not response.context["form"].empty_password_keeps_stored
    assert "stored — leave empty to keep it" not in text(response)  # none stored for acme/nginx
    assert repo("acme", "nginx").writes(emulator) == []


@STORED
def test_removing_the_credentials_and_typing_a_new_username_is_refused(
    client_as, emulator, mirror, stored
):
    with_credentials(emulator, mirror, stored)
    client = client_as(mirror.admin)
    clear_log(emulator)

    response, _ = change(
        client, mirror.url, external_registry_username="someone-else", remove_credentials="on"
    )

    assert response.status_code == 200
    assert (
        "You ticked “remove the stored credentials” and typed the username someone-else: untick "
        "the box to change the credentials, or clear the username to remove them."
    ) in errors_of(response, "remove_credentials")
    assert 'name="external_registry_username" value="someone-else"' in text(response)
    assert mirror.writes(emulator) == []
    assert mirror.stored(emulator)["external_registry_username"] == stored["username"]


@STORED
def test_a_new_password_and_removing_the_credentials_together_is_refused(
    client_as, emulator, mirror, stored
):
    with_credentials(emulator, mirror, stored)
    client = client_as(mirror.admin)
    clear_log(emulator)

    response, _ = change(
        client, mirror.url, external_registry_password="new", remove_credentials="on"
    )

    assert links(text(response))["#id_remove_credentials"] == (
        f"{REMOVE_LABEL[mirror.kind]}: Either type a new password or remove the stored "
        "credentials, not both."
    )
    assert "not both" in errors_of(response, "remove_credentials")
    assert mirror.writes(emulator) == []
