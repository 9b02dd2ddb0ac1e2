"""When the settings form comes back, for both kinds: a summary on top, focused, linking to
each field in error; each field's message named by its input (aria-describedby pointing at ids
that exist); what was typed kept; Quay's refusals at their field; a folded section with an
error or a change open; a save Quay did not answer, or could not be read for, loses nothing."""

from __future__ import annotations

import re

import pytest

from tests.support.forms import form_data, post_form
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import dangling, links, refs, summary, text, text_of
from tests.support.received import clear_log

pytestmark = pytest.mark.django_db


def errors_of(response, field: str) -> str:
    """The form's errors at ``field`` (the form the page was drawn with)."""
    return " ".join(response.context["form"].errors.get(field, []))


@for_each_kind(
    "mirror, changes, linked",
    repository=(
        repo("acme", "nginx"),
        {
            "sync_interval_value": "0",
            "sync_interval_unit": "minutes",
            "robot_username": "globex+mirror",
            "root_rule": ["1.2*", "my tag"],
        },
        {
            "#glob-editor": "Tags to mirror: “my tag”: A pattern cannot contain spaces: tags "
            "never do.",
            "#id_robot_username": "Robot account: globex+mirror is not one of the acme "
            "namespace&#x27;s robots: choose one from the list.",
            "#id_sync_interval_value": "Sync every: Sync at most once a minute: the interval "
            "must be at least 1 minute.",
        },
    ),
    organization=(
        org("orgnew"),
        {
            "sync_interval_value": "30",
            "sync_interval_unit": "seconds",
            "robot_username": "acme+mirror",
            "repository_filters": ["api", "my repo"],
        },
        {
            "#glob-editor": "Repositories to mirror: “my repo”: A pattern cannot contain "
            "spaces: repository names never do.",
            "#id_robot_username": "Robot account: The robot must belong to orgnew (Quay refuses "
            "others).",
            "#id_sync_interval_value": "Sync every: Quay syncs at most once a minute.",
        },
    ),
)
def test_an_invalid_save_puts_a_focused_summary_on_top_linking_each_field(
    client_as, emulator, mirror, changes, linked
):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), **changes}
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, data)

    html = text(response)
    box = summary(html)
    assert 'tabindex="-1" autofocus' in box
    assert "Nothing was saved: correct the fields marked below." in box
    assert links(html) == linked
    # The summary is in the form (the settings open), not only at the top of the page.
    assert html.index("form-error-summary") > html.index('id="edit-heading"')
    assert mirror.writes(emulator) == []


@for_each_kind(
    "mirror, pages, changes, described, interval_error, helped",
    repository=(
        repo("acme", "nginx"),
        ["/repo/acme/nginx/", "/repo/acme/flaky/", "/repo/acme/node/"],
        {
            "external_reference": "ftp x",
            "sync_interval_value": "0",
            "sync_interval_unit": "minutes",
            "robot_username": "globex+mirror",
            "external_registry_password": "s3cret",
            "http_proxy": "http://a proxy",
        },
        ["external_reference", "robot_username", "sync_interval_value", "http_proxy"],
        "Sync at most once a minute: the interval must be at least 1 minute.",
        ("is_enabled", "id_is_enabled_helptext"),
    ),
    organization=(
        org("orgnew"),
        ["/org/orgnew/mirror/", "/org/orgmirror/mirror/", "/org/orgempty/mirror/"],
        {
            "external_registry_url": "ftp://x",
            "external_namespace": "n" * 300,
            "sync_interval_value": "30",
            "sync_interval_unit": "seconds",
            "robot_username": "acme+mirror",
            "external_registry_password": "s3cret",
            "http_proxy": "http://a proxy",
        },
        [
            "external_registry_url",
            "external_namespace",
            "robot_username",
            "sync_interval_value",
            "external_registry_password",
            "http_proxy",
        ],
        "Quay syncs at most once a minute.",
        ("external_registry_url", "id_external_registry_url_helptext"),
    ),
)
def test_every_aria_describedby_names_an_id_on_the_page(
    client_as, emulator, mirror, pages, changes, described, interval_error, helped
):
    client = client_as(mirror.admin)
    for url in pages:
        assert dangling(text(client.get(url))) == [], url
    data = {**form_data(client.get(mirror.url)), **changes}
    html = text(post_form(client, mirror.settings_url, data))
    assert dangling(html) == []
    found = refs(html)
    for name in described:
        assert name in found.invalid, name
        assert (name, f"id_{name}_error") in found.described, name
    message = re.search(r'id="id_sync_interval_value_error">(.*?)</(small|ul)>', html, re.S)
    assert message and interval_error in message.group(1)
    # Help text is named by its input too.
    assert helped in found.described


@for_each_kind("mirror", repository=repo("acme", "nginx"), organization=org("orgnew"))
def test_an_interval_over_ten_years_is_refused_at_its_field(client_as, emulator, mirror):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    clear_log(emulator)
    # 4,000 days is a small number typed, but more than ten years in seconds (and 100,000
    # days would not fit Quay's int4 column: Quay would answer 500).
    for typed in ("4000", "100000", "99999999999999999999"):
        data.update(sync_interval_value=typed, sync_interval_unit="days")
        html = text(post_form(client, mirror.settings_url, data))
        message = links(html)["#id_sync_interval_value"]
        assert message.startswith("Sync every: That is more than ten"), typed
    assert mirror.writes(emulator) == []


@for_each_kind(
    "mirror, field, typed, before, also, label, words",
    repository=(
        repo("acme", "nginx"),
        "external_reference",
        "10.1.2.3:5000/library/hello",
        "docker.io/library/nginx",
        {},
        "Source",
        ["This Quay does not allow mirroring from 10.1.2.3:5000", "ask your Quay admin"],
    ),
    organization=(
        org("orgnew"),
        "external_registry_url",
        "https://10.1.2.3",
        "https://harbor.example.com",
        {"visibility": "private"},
        "Source registry",
        ["The provided registry URL is not allowed"],
    ),
)
def test_quays_refusal_lands_at_its_field_keeps_the_form_and_is_audited_as_refused(
    client_as, emulator, mirror, field, typed, before, also, label, words
):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), field: typed, **also}

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 200
    html = text(response)
    assert "Nothing was saved." in summary(html)
    assert links(html)[f"#id_{field}"].startswith(f"{label}: Quay refused this: {words[0]}")
    assert dangling(html) == []
    errors = errors_of(response, field)
    for said in words:
        assert said in errors
    assert errors.count("Quay refused this") == 1
    assert form_data(response)[field] == typed  # kept
    assert mirror.in_quay(emulator)[field] == before
    entry = mirror.audit(action="update").get()
    assert entry.outcome == "refused" and entry.ok is False
    assert entry.message.startswith(f"Quay refused this: {words[0]}")
    assert all(not change["applied"] for change in entry.changes.values())


def sections(html: str) -> dict[str, bool]:
    """The form's folded sections: their summary -> open."""
    found = re.findall(r'<details class="more"( open)?>\s*<summary>([^<]*)</summary>', html)
    return {name: bool(is_open) for is_open, name in found}


@for_each_kind(
    "mirror, change, folded",
    repository=(
        repo("acme", "nginx"),
        {"http_proxy": "http://proxy:3128", "skopeo_timeout_value": "1"},
        {"Network (TLS, proxies)": True, "Architectures": False},
    ),
    organization=(
        org("orgnew"),
        {
            "http_proxy": "http://proxy:3128",
            "skopeo_timeout_value": "1",
            "skopeo_timeout_unit": "seconds",
        },
        {"Network (TLS, proxies)": True},
    ),
)
def test_a_folded_section_opens_when_it_holds_a_change(client_as, emulator, mirror, change, folded):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), **change}

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 200  # the timeout sends the form back
    assert response.context["form"].network_open
    assert sections(text(response)) == folded


@for_each_kind(
    "mirror, typed",
    repository=(repo("acme", "redis"), {"sync_interval_value": "13"}),
    organization=(org("orgnew"), {"visibility": "private", "external_namespace": "platform2"}),
)
def test_a_save_quay_did_not_answer_comes_back_with_what_was_typed_audited_as_unknown(
    client_as, emulator, settings, mirror, typed
):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), **typed}
    settings.QUAY_TIMEOUT = 1
    emulator.configure(hang=[f"PUT /api/v1/{mirror.api}"])  # the reads answer
    try:
        response = post_form(client, mirror.settings_url, data)
    finally:
        emulator.configure(hang=[])

    assert response.status_code == 200
    said = text_of(summary(text(response)))
    assert "Quay did not answer within 1 s" in said
    assert "the settings read back do not show all your changes yet" in said
    assert "Quay may still apply them" in said
    assert "see what it holds before saving again" in said
    assert "Nothing was saved" not in text_of(response)
    for field, value in typed.items():
        assert form_data(response)[field] == value  # the form as typed
    entry = mirror.audit(action="update").get()
    assert entry.outcome == "unknown"
    assert all(change["applied"] is None for change in entry.changes.values())
    if "visibility" in typed:
        assert entry.changes["visibility"] == {"from": "public", "to": "private", "applied": None}


@for_each_kind(
    "mirror, typed, fails",
    repository=(
        repo("acme", "nginx"),
        {"external_reference": "registry.example.com/typed/by-alice", "sync_interval_value": "9"},
        "/api/v1/repository/acme/nginx",  # every read of the repository
    ),
    organization=(
        org("orgnew"),
        {"external_namespace": "typed-by-olivia", "visibility": "private"},
        "/api/v1/organization/orgnew/mirror",
    ),
)
def test_a_save_while_quay_is_down_says_so_and_keeps_what_was_typed(
    client_as, emulator, mirror, typed, fails
):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), **typed}
    emulator.configure(fail={fails: 503})
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 200
    body = text_of(response)
    assert f"Quay could not be read for {mirror.full_name}" in body
    assert "Nothing was saved: Quay had an internal problem (HTTP 503)" in body
    assert 'id="settings-form"' in text(response)
    for field, value in typed.items():
        assert form_data(response)[field] == value
    assert "Save changes" in body  # still the edit form, not "Create mirror"
    assert "Edit settings" in body and "Set up the mirror" not in body
    # No mistake of the person's is made up (an update never sends the source type, which
    # Quay's config would have told: not asked for, not guessed).
    assert "This field is required" not in body
    assert 'name="external_registry_type"' not in response.content.decode()
    assert mirror.writes(emulator) == []


def test_the_saves_own_read_failing_keeps_the_form(alice, emulator):
    """Only the config (the save's fresh read) fails; the page's other reads answer."""
    data = form_data(alice.get("/repo/acme/nginx/"))
    data["external_reference"] = "docker.io/library/nginx-unprivileged"
    emulator.configure(fail={"/api/v1/repository/acme/nginx/mirror": 503})

    response = post_form(alice, "/repo/acme/nginx/settings/", data)

    assert response.status_code == 200
    body = text(response)
    assert "Nothing was saved: Quay had an internal problem (HTTP 503)" in body
    assert "Your changes are still here; press Save again" in body
    assert form_data(response)["external_reference"] == "docker.io/library/nginx-unprivileged"


@for_each_kind("mirror", repository=repo("acme", "nginx"), organization=org("orgnew"))
def test_the_tls_switch_says_a_plain_http_registry_needs_it_off(client_as, emulator, mirror):
    html = text(client_as(mirror.admin).get(mirror.url))
    hint = re.search(r'<small [^>]*id="id_verify_tls_helptext"[^>]*>([^<]*)</small>', html)
    assert hint and "registry served over plain http (no TLS)" in hint.group(1)
    assert 'aria-describedby="id_verify_tls_helptext"' in html
    assert dangling(html) == []


def test_an_http_source_with_certificates_verified_is_refused_before_it_is_sent(
    client_as, emulator
):
    """Quay's worker fails such a mirror ~2 s after each sync starts (a TLS handshake to a
    plain-http registry): the save says so at the switch, opens its section, keeps the rest."""
    mirror = org("orgnew")
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), "external_registry_url": "http://10.0.0.7:5000"}
    data["verify_tls"] = "on"
    clear_log(emulator)
    response = post_form(client, mirror.settings_url, data)
    assert "The source is http:// (no TLS)" in errors_of(response, "verify_tls")
    assert form_data(response)["external_registry_url"] == "http://10.0.0.7:5000"
    assert sections(text(response)).get("Network (TLS, proxies)") is True
    assert mirror.in_quay(emulator)["external_registry_url"] != "http://10.0.0.7:5000"
    data.pop("verify_tls")  # off: sent (and whatever Quay says of the address is its own)
    answer = text(post_form(client, mirror.settings_url, data))
    assert "The source is http:// (no TLS)" not in answer
