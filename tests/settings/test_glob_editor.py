"""The glob editor of the settings form (a repository's tag rule, an organization mirror's
repository filters): one row a pattern, add and remove with htmx and without JavaScript (nothing
sent to Quay), each row checked and the preview as you type; and what the tag rule's preview
says of the tags the next sync keeps and deletes (the filters': test_filter_editor.py)."""

from __future__ import annotations

import re

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import form_data, page, post_form
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text, text_of
from tests.support.received import calls, clear_log

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


ROW = r'<input type="text" id="rule-\d+" name="(?:root_rule|repository_filters)" value="([^"]*)"'

#: Each kind's editor: its mirror, the field its rows post, its endpoints (the rows: add and
#: remove; the checks as typed), and what it calls a row.
EDITOR = for_each_kind(
    "mirror, field, rows_url, check_url, row_name",
    repository=(
        repo("acme", "nginx"),
        "root_rule",
        "/repo/acme/nginx/rules/",
        "/repo/acme/nginx/rules/check/",
        "pattern",
    ),
    organization=(
        org("orgmirror"),
        "repository_filters",
        "/org/orgmirror/mirror/filters/rows/",
        "/org/orgmirror/mirror/filters/",
        "filter",
    ),
)


def rows(body: str) -> list[str]:
    return re.findall(ROW, body)


def editor_data(response) -> dict:
    """The form as the browser posts it, with the editor's carried tag list."""
    data = form_data(response)
    match = re.search(r'name="editor_tags" value="([^"]*)"', text(response))
    data["editor_tags"] = match.group(1) if match else ""
    return data


@for_each_kind(
    "mirror, field, rows_url, check_url, row_name, preview",
    repository=(
        repo("acme", "nginx"),
        "root_rule",
        "/repo/acme/nginx/rules/",
        "/repo/acme/nginx/rules/check/",
        "pattern",
        "Keeps 6 of 7 current tags",
    ),
    organization=(
        org("orgmirror"),
        "repository_filters",
        "/org/orgmirror/mirror/filters/rows/",
        "/org/orgmirror/mirror/filters/",
        "filter",
        "3 mirrored (alpha, beta, broken); 3 skipped (delta, gamma, legacy)",
    ),
)
def test_add_answers_the_editor_with_a_new_focused_row(
    client_as, emulator, mirror, field, rows_url, check_url, row_name, preview
):
    typed = ["1.2*", "latest"] if field == "root_rule" else ["alpha", "b*"]
    response = client_as(mirror.admin).post(rows_url, {field: typed, "rules_action": "add"}, **HTMX)

    body = text(response)
    assert "<html" not in body
    assert body.lstrip().startswith('<fieldset class="glob-editor" id="glob-editor">')
    assert rows(body) == [*typed, ""]
    assert re.search(r'id="rule-2"[^>]*autofocus', body)
    assert f"+ Add {row_name}" in body
    assert f'aria-label="Remove {row_name} 2 ({typed[1]})"' in body
    assert 'id="glob-preview"' in body and preview in text_of(response)


@for_each_kind(
    "mirror, field, rows_url, none_left",
    repository=(
        repo("acme", "nginx"),
        "root_rule",
        "/repo/acme/nginx/rules/",
        # Nothing is decided (nor can be saved) without a pattern: no tag "would be deleted".
        "No pattern yet: add one to see which of the 7 current tags it keeps.",
    ),
    organization=(
        org("orgmirror"),
        "repository_filters",
        "/org/orgmirror/mirror/filters/rows/",
        "No filters: every repository of the source is mirrored.",
    ),
)
def test_remove_answers_the_rows_without_that_one_focused_and_the_last_leaves_a_blank(
    client_as, emulator, mirror, field, rows_url, none_left
):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), field: ["a*", "b*", "c*"]}

    body = text(client.post(rows_url, {**data, "rules_action": "remove-1"}, **HTMX))

    assert rows(body) == ["a*", "c*"]
    focused = re.findall(r'<input type="text" id="rule-(\d+)"[^>]*autofocus', body, re.S)
    assert focused == ["1"]  # the row that took its place
    assert 'value="c*"' in body.split('id="rule-1"', 1)[1][:60]
    response = client.post(rows_url, {field: ["latest"], "rules_action": "remove-0"}, **HTMX)
    assert rows(text(response)) == [""]
    assert none_left in text_of(response)


@for_each_kind(
    "mirror, field, check_url, typed, said, save_words",
    repository=(
        repo("acme", "nginx"),
        "root_rule",
        "/repo/acme/nginx/rules/check/",
        ["1.27*", "v{1,2}", "latest"],
        {
            "0": ["matches 1.27, 1.27.1"],
            "1": ["cannot contain a comma", "Braces {a,b} are not supported"],
            "2": ["matches latest"],
        },
        True,  # the Save button says how many tags it deletes
    ),
    organization=(
        org("orgmirror"),
        "repository_filters",
        "/org/orgmirror/mirror/filters/",
        ["a*", "zzz", "b**"],
        {
            "0": ["matches alpha"],
            "1": ["matches no repository discovered so far"],
            "2": [
                "⚠ “**” means the same as “*” here: “*” matches “/” too.",
                "matches beta, broken",
            ],
        },
        False,  # nothing to delete: the tag rule's Save words are not on this page
    ),
)
def test_the_check_answers_the_preview_and_each_rows_words_out_of_band(
    client_as, emulator, mirror, field, check_url, typed, said, save_words
):
    response = client_as(mirror.admin).post(check_url, {field: typed}, **HTMX)

    body = text(response)
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="glob-preview"')
    found = re.findall(
        r'<div id="rule-msg-(\d)" class="glob-msg" hx-swap-oob="true">(.*?)</div>', body, re.S
    )
    words = {index: text_of(html).strip() for index, html in found}
    assert set(words) == set(said)
    for index, expected in said.items():
        for phrase in expected:
            assert phrase in words[index], (index, words[index])
    assert ('id="save-deletes"' in body) is save_words


@EDITOR
def test_the_editor_endpoints_send_a_browser_without_htmx_to_the_page(
    client_as, emulator, mirror, field, rows_url, check_url, row_name
):
    client = client_as(mirror.admin)
    for url in (rows_url, check_url):
        response = client.post(url, {field: ["a*"], "rules_action": "add"})
        assert response.status_code == 302
        assert response["Location"] == mirror.url


@EDITOR
def test_the_editor_needs_sign_in(client, emulator, mirror, field, rows_url, check_url, row_name):
    response = client.post(check_url, {field: ["x"]}, **HTMX)
    assert "Sign in again" in text(response)
    assert "Keeps" not in text(response) and "mirrored" not in text(response)


@for_each_kind(
    "mirror, field, typed, meanwhile",
    repository=(
        repo("acme", "nginx"),
        "root_rule",
        ["1.2*", "latest"],
        {"sync_interval_value": "3"},
    ),
    organization=(
        org("orgnew"),
        "repository_filters",
        ["api", "worker", "front*", "docs-*"],
        {"visibility": "private"},
    ),
)
def test_without_javascript_add_and_remove_draw_the_form_again_and_send_nothing(
    client_as, emulator, mirror, field, typed, meanwhile
):
    client = client_as(mirror.admin)
    before = mirror.in_quay(emulator)
    data = {**form_data(client.get(mirror.url)), field: typed, **meanwhile}  # typed meanwhile
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, {**data, "rules_action": "add"})

    assert response.status_code == 200
    body = text(response)
    assert rows(body) == [*typed, ""]
    for name, value in meanwhile.items():
        assert form_data(response)[name] == value  # kept, not sent
    assert mirror.settings_in_view in body
    assert "errorlist" not in body and 'class="field-error"' not in body  # not judged
    response = post_form(client, mirror.settings_url, {**data, "rules_action": "remove-1"})
    assert rows(text(response)) == [typed[0], *typed[2:]]
    assert mirror.writes(emulator) == []
    assert not AuditEntry.objects.exists()
    assert mirror.in_quay(emulator) == before


def test_the_preview_names_the_tags_the_next_sync_would_delete(alice, emulator):
    body = text(alice.post("/repo/acme/nginx/rules/check/", {"root_rule": ["1.27*"]}, **HTMX))

    kept = re.search(r'class="tag-list kept-tags">(.*?)</ul>', body, re.S).group(1)
    deleted = re.search(r'class="message message-warning deleted-tags">(.*?)</div>', body, re.S)
    assert "<code>1.27</code>" in kept and "<code>1.27.1</code>" in kept
    assert "Would be deleted by the next successful sync" in deleted.group(1)
    for tag in ("1.23", "1.24", "1.25.3", "1.26.0", "latest"):
        assert f"<code>{tag}</code>" in deleted.group(1)
    assert "These 5 tags are here now and would be deleted" in body


def test_a_single_tag_to_delete_is_named_plainly(alice, emulator):
    body = text(
        alice.post("/repo/acme/nginx/rules/check/", {"root_rule": ["1.2[4-7]*", "latest"]}, **HTMX)
    )
    assert "Tag 1.23 is here now and would be deleted" in body


def test_the_page_shows_the_preview_of_the_stored_rule(alice, emulator):
    body = text(page(alice, "acme", "redis"))
    assert "Keeps 5 of 5" in body
    assert "No current tag would be deleted by the rule." in body
    assert "Would be deleted by the next successful sync" not in body


def test_the_headline_counts_a_tag_gone_from_the_source_as_deleted(alice, emulator):
    """acme/nginx: its rule matches 1.23, which the source no longer has. The headline does not
    count it as kept, the warning names it, and the next sync does what they say."""
    body = text(page(alice, "acme", "nginx"))
    assert "Keeps 6 of 7" in " ".join(body.split())
    kept = re.search(r'class="tag-list kept-tags">(.*?)</ul>', body, re.S).group(1)
    shown = re.findall(r"<code>([^<]+)</code>", kept)
    assert shown == ["1.24", "1.25.3", "1.26.0", "1.27", "1.27.1", "latest"]
    stale = re.search(r'class="message message-warning stale-tags">(.*?)</div>', body, re.S)
    assert "would be deleted by the next successful sync too" in stale.group(1)
    assert re.findall(r"<code>([^<]+)</code>", stale.group(1)) == ["1.23"]
    assert "No current tag would be deleted" not in body

    emulator.api("POST", "repository/acme/nginx/mirror/sync-now")
    emulator.advance(15)  # claimed and done
    assert emulator.mirror("acme", "nginx")["sync_status"] == "SUCCESS"
    assert sorted(emulator.mirror("acme", "nginx")["tags"]) == sorted(shown)


def test_a_rule_that_keeps_no_tag_says_that_a_sync_finding_none_deletes_nothing(alice, emulator):
    """Quay's worker returns before deleting anything when no tag of the source matches."""
    body = text(alice.post("/repo/acme/nginx/rules/check/", {"root_rule": ["nightly"]}, **HTMX))
    assert "Keeps 0 of 7" in " ".join(body.split())
    assert "the next sync copies nothing and deletes nothing" in " ".join(body.split())
    kept = text(alice.post("/repo/acme/nginx/rules/check/", {"root_rule": ["1.27*"]}, **HTMX))
    assert "copies nothing" not in kept


def test_a_matched_tag_the_last_sync_did_not_find_upstream_is_flagged(alice, emulator):
    """acme/nginx: 1.23 matches 1.2* but the source no longer has it (the last sync's log)."""
    body = text(page(alice, "acme", "nginx"))
    stale = re.search(r'class="message message-warning stale-tags">(.*?)</div>', body, re.S)
    assert stale is not None
    assert "<code>1.23</code>" in stale.group(1)
    assert "tag 1.23 is here now and would be deleted" in " ".join(stale.group(1).split())
    assert "<code>1.24</code>" not in stale.group(1)


def test_a_rule_that_keeps_every_current_tag_says_so(alice, emulator):
    body = text(alice.post("/repo/acme/redis/rules/check/", {"root_rule": ["*"]}, **HTMX))
    assert "No current tag would be deleted by the rule" in body


def test_a_failed_tag_read_is_said_in_the_preview(alice, emulator):
    emulator.configure(fail={"/api/v1/repository/acme/nginx/tag/": 503})
    body = text(alice.post("/repo/acme/nginx/rules/check/", {"root_rule": ["x"]}, **HTMX))
    assert "current tags could not be read" in body


def test_the_live_check_updates_the_save_button(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["root_rule"] = ["latest"]

    body = text(alice.post("/repo/acme/nginx/rules/check/", data, **HTMX))

    assert re.search(r'<span id="save-deletes" hx-swap-oob="true"> and delete \d+ tags…', body)


def test_typing_in_the_editor_costs_no_quay_call(alice, emulator):
    data = editor_data(page(alice, "acme", "nginx"))
    assert data["editor_tags"]
    data["root_rule"] = ["1.2*"]
    clear_log(emulator)

    body = text(alice.post("/repo/acme/nginx/rules/check/", data, **HTMX))

    assert "Keeps" in body
    assert calls(emulator) == []


def test_a_forged_tag_list_is_not_believed(alice, emulator, no_read_cache):
    data = editor_data(page(alice, "acme", "nginx"))
    data["editor_tags"] = data["editor_tags"][:-4] + "AAAA"
    clear_log(emulator)

    alice.post("/repo/acme/nginx/rules/check/", data, **HTMX)

    assert any(call.endswith("/tag/") for call in calls(emulator))


def test_the_editor_sends_the_whole_form():
    from pathlib import Path

    template = Path("templates/mirrors/settings_form.html").read_text()
    assert "hx-params" not in template
    assert template.count('hx-include="closest form"') == 3


def test_a_401_while_typing_in_the_editor_keeps_every_edit(
    client_as, emulator, client, no_read_cache
):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "nginx"))
    data.update(
        external_reference="docker.io/library/nginx-typed",
        sync_interval_value="7",
        sync_interval_unit="hours",
        root_rule=["1.2*"],
    )
    data.pop("editor_tags", None)  # the editor then asks Quay, which answers 401
    emulator.configure(fail={"/api/v1/repository/acme/nginx/tag/": 401})

    response = alice.post(
        "/repo/acme/nginx/rules/check/",
        data,
        **HTMX,
        HTTP_HX_CURRENT_URL="http://testserver/repo/acme/nginx/",
    )

    assert response.status_code in (200, 302)
    emulator.configure(fail={})
    client_as("alice")
    body = text(page(client, "acme", "nginx"))
    assert 'value="docker.io/library/nginx-typed"' in body
    assert re.search(r'name="sync_interval_value" value="7"', body)
    assert 'value="1.2*"' in body


@for_each_kind(
    "mirror, field, typed",
    repository=(repo("acme", "nginx"), "root_rule", ["1.2*", "latest"]),
    organization=(org("orgnew"), "repository_filters", ["api", "worker", "front*", "docs-*"]),
)
def test_without_javascript_the_added_row_gets_the_focus(client_as, emulator, mirror, field, typed):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), field: typed, "rules_action": "add"}

    body = text(post_form(client, mirror.settings_url, data))

    assert rows(body) == [*typed, ""]
    assert re.search(rf'id="rule-{len(typed)}"[^>]*autofocus', body)
