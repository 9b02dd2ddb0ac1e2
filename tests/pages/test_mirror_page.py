"""A mirror's page, for both kinds: it knows whether the person may change the mirror, tells a
person without admin rights why and offers no control, shows a read-only superuser the
settings without the form; Quay failing is a message on the page, never a 500, and a 401
sends the person to sign in again and back. (The page's live part: tests/live/; its settings
form: tests/settings/; what only one kind's page has: tests/repository/, tests/organization/.)
"""

from __future__ import annotations

import re

import pytest

from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text, text_of

pytestmark = pytest.mark.django_db

#: The page's context says whether the person may change the mirror, under a name each kind's
#: page has.
MAY_CHANGE = {"repository": "can_admin", "organization": "may_change"}


@for_each_kind("mirror", repository=repo("acme", "nginx"), organization=org("orgnew"))
def test_the_page_knows_whether_the_person_may_change_the_mirror(client_as, emulator, mirror):
    key = MAY_CHANGE[mirror.kind]
    assert client_as(mirror.admin).get(mirror.url).context[key] is True
    assert client_as("dave").get(mirror.url).context[key] is False  # global read-only


@for_each_kind(
    "mirror, words, readable",
    repository=(
        repo("acme", "nginx"),
        "You can read but not change this mirror",
        "docker.io/library/nginx",
    ),
    organization=(
        org("orgnew"),
        "You can read but not change this organization mirror",
        "https://harbor.example.com/platform",
    ),
)
def test_a_read_only_superuser_gets_the_settings_without_the_form(
    client_as, emulator, mirror, words, readable
):
    body = text(client_as("dave").get(mirror.url))
    assert words in text_of(body)
    assert 'id="settings-form"' not in body
    assert readable in body  # the readable settings


@for_each_kind(
    "mirror, user, said, not_said",
    repository=(
        repo("acme", "nginx"),
        "carol",  # a member of acme without admin rights
        [
            "no admin rights on this repository",
            "mirror health report",  # the status, read-only
            "Synced",
            "1.27.1",  # the tags she can read
        ],
        ['id="settings-form"', "/repo/acme/nginx/sync-now/"],
    ),
    organization=(
        org("orgmirror"),
        "oscar",  # a member of orgmirror without admin rights
        [
            # His pasted token's scopes are not known (Quay tells is_org_admin only to
            # user:admin): the words say what Quay wants, and do not claim his token lacks
            # org:admin.
            "Quay shows the organization mirror of orgmirror only to its admins, signed in "
            "with a token that carries the org:admin scope.",
        ],
        ["your sign-in needs", "Sync now", "Delete", 'id="settings-form"'],
    ),
)
def test_a_member_without_admin_rights_is_told_why_and_gets_no_controls(
    client_as, emulator, mirror, user, said, not_said
):
    body = text(client_as(user).get(mirror.url))
    for words in said:
        assert words in text_of(body), words
    for words in not_said:
        assert words not in body, words


@for_each_kind(
    "mirror, fails",
    repository=(repo("acme", "nginx"), "/api/v1/repository/acme/nginx"),
    organization=(org("orgnew"), "/api/v1/organization/orgnew/mirror"),
)
def test_quay_failing_is_a_message_and_no_form(client_as, emulator, mirror, fails):
    client = client_as(mirror.admin)
    emulator.configure(fail={fails: 503})
    response = client.get(mirror.url)
    assert response.status_code == 200
    body = text_of(response)
    assert f"Quay could not be read for {mirror.full_name}" in body
    assert "internal problem (HTTP 503)" in body
    assert 'id="settings-form"' not in text(response)


@for_each_kind("mirror", repository=repo("acme", "nginx"), organization=org("orgnew"))
def test_quay_unreachable_is_a_message(client_as, emulator, settings, mirror):
    client = client_as(mirror.admin)
    settings.QUAY_URL = "http://127.0.0.1:9"  # nothing listens there
    response = client.get(mirror.url)
    assert response.status_code == 200
    assert "Quay cannot be reached right now" in text(response)


@for_each_kind(
    "mirror, hangs",
    repository=(repo("acme", "nginx"), "/api/v1/repository/acme/nginx"),
    organization=(org("orgnew"), "/api/v1/organization/orgnew/mirror"),
)
def test_quay_too_slow_is_a_message(client_as, emulator, settings, mirror, hangs):
    client = client_as(mirror.admin)
    settings.QUAY_TIMEOUT = 0.3
    emulator.configure(hang=[hangs])
    try:
        response = client.get(mirror.url)
    finally:
        emulator.configure(hang=[])
    assert response.status_code == 200
    assert "Quay took too long to answer" in text(response)


@for_each_kind(
    "mirror, fails",
    repository=(repo("acme", "nginx"), "/api/v1/repository/acme/nginx/logs"),
    organization=(org("orgnew"), "/api/v1/organization/orgnew/mirror"),
)
def test_a_401_sends_the_person_to_sign_in_again_and_back(client_as, emulator, mirror, fails):
    client = client_as(mirror.admin)
    emulator.configure(fail={fails: 401})
    response = client.get(mirror.url)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=" + mirror.url.replace("/", "%2F")


def quay_links(body: str) -> list[tuple[str, str]]:
    """The page's links into Quay's own UI: (words, address) each, in order."""
    found = re.findall(r'<p class="quay-links">(.*?)</p>', body, re.S)
    assert len(found) == 1, found
    return [
        (words, href.replace("&amp;", "&"))
        for href, words in re.findall(r'<a href="([^"]+)" rel="noopener">([^<]+)</a>', found[0])
    ]


@for_each_kind(
    "mirror, links",
    repository=(
        repo("acme", "nginx"),
        [
            ("acme/nginx", "/repository/acme/nginx"),
            ("its mirroring settings", "/repository/acme/nginx?tab=mirroring"),
            ("robot acme+mirror", "/organization/acme?tab=Robotaccounts"),
        ],
    ),
    organization=(
        org("orgmirror"),
        [
            ("orgmirror", "/organization/orgmirror"),
            ("its mirroring settings", "/organization/orgmirror?tab=Mirroring"),
            ("robot orgmirror+mirror", "/organization/orgmirror?tab=Robotaccounts"),
        ],
    ),
)
def test_the_page_links_the_mirror_and_its_robot_in_quays_own_ui(
    client_as, emulator, settings, mirror, links
):
    body = text(client_as(mirror.admin).get(mirror.url))
    assert quay_links(body) == [(words, settings.QUAY_URL + path) for words, path in links]


def test_a_robot_of_a_users_own_namespace_links_the_users_robot_accounts(
    client_as, emulator, settings
):
    body = text(client_as("alice").get("/repo/alice/tools/"))
    assert quay_links(body)[2] == (
        "robot alice+mirror",
        f"{settings.QUAY_URL}/user/alice?tab=Robotaccounts",
    )


def test_a_mirror_not_set_up_yet_links_the_robot_accounts_to_pick_one_from(
    client_as, emulator, settings
):
    body = text(client_as("alice").get("/repo/acme/node/"))  # mirror state, no config
    assert quay_links(body)[2] == (
        "robot accounts of acme",
        f"{settings.QUAY_URL}/organization/acme?tab=Robotaccounts",
    )
