"""The glob editor's endpoints: add and remove rows, checks and preview as you type."""

from __future__ import annotations

import re

import pytest

from tests.support.forms import form_data, page, save
from tests.support.pages import text
from tests.support.received import calls, clear_log, mirror_puts

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def rows(body: str) -> list[str]:
    return re.findall(r'<input type="text" id="rule-\d+" name="root_rule" value="([^"]*)"', body)


def editor_data(response) -> dict:
    """The form as the browser posts it, with the editor's carried tag list."""
    data = form_data(response)
    match = re.search(r'name="editor_tags" value="([^"]*)"', text(response))
    data["editor_tags"] = match.group(1) if match else ""
    return data


def test_add_returns_the_rows_with_a_new_focused_row(alice, emulator):
    response = alice.post(
        "/repo/acme/nginx/rules/", {"root_rule": ["1.2*", "latest"], "rules_action": "add"}, **HTMX
    )

    body = text(response)
    assert "<html" not in body
    assert rows(body) == ["1.2*", "latest", ""]
    assert re.search(r'id="rule-2"[^>]*autofocus', body)
    assert 'id="glob-preview"' in body


def test_remove_returns_the_rows_without_that_one(alice, emulator):
    response = alice.post(
        "/repo/acme/nginx/rules/",
        {"root_rule": ["1.2*", "latest", "mainline"], "rules_action": "remove-1"},
        **HTMX,
    )
    assert rows(text(response)) == ["1.2*", "mainline"]


def test_removing_the_last_row_leaves_an_empty_one(alice, emulator):
    response = alice.post(
        "/repo/acme/nginx/rules/", {"root_rule": ["latest"], "rules_action": "remove-0"}, **HTMX
    )
    assert rows(text(response)) == [""]


def test_check_returns_the_preview_and_each_rows_checks_out_of_band(alice, emulator):
    response = alice.post(
        "/repo/acme/nginx/rules/check/", {"root_rule": ["1.27*", "v{1,2}", "latest"]}, **HTMX
    )

    body = text(response)
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="glob-preview"')
    assert 'id="rule-msg-0" class="glob-msg" hx-swap-oob="true"' in body
    assert "matches 1.27, 1.27.1" in body
    assert "cannot contain a comma" in body
    assert "Braces {a,b} are not supported" in body


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


def test_the_editor_endpoints_send_browsers_without_htmx_to_the_page(alice, emulator):
    response = alice.post("/repo/acme/nginx/rules/", {"root_rule": ["x"], "rules_action": "add"})
    assert response.status_code == 302
    assert response["Location"] == "/repo/acme/nginx/"


def test_without_javascript_add_row_redisplays_the_form_and_saves_nothing(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data.update(sync_interval_value="3", rules_action="add")

    response = save(alice, "acme", "nginx", data)

    body = text(response)
    assert rows(body) == ["1.2*", "latest", ""]
    assert 'name="sync_interval_value" value="3"' in body
    assert "errorlist" not in body
    assert mirror_puts(emulator, "acme", "nginx") == []


def test_without_javascript_remove_row_redisplays_the_form(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data.update(rules_action="remove-0")

    body = text(save(alice, "acme", "nginx", data))

    assert rows(body) == ["latest"]
    assert mirror_puts(emulator, "acme", "nginx") == []


def test_a_failed_tag_read_is_said_in_the_preview(alice, emulator):
    emulator.configure(fail={"/api/v1/repository/acme/nginx/tag/": 503})
    body = text(alice.post("/repo/acme/nginx/rules/check/", {"root_rule": ["x"]}, **HTMX))
    assert "current tags could not be read" in body


def test_the_editor_needs_sign_in(client, emulator):
    response = client.post("/repo/acme/nginx/rules/check/", {"root_rule": ["x"]}, **HTMX)
    assert "Sign in again" in text(response)
    assert "Keeps" not in text(response)


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


def test_removing_a_row_focuses_the_row_that_took_its_place(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["root_rule"] = ["a*", "b*", "c*"]

    body = text(alice.post("/repo/acme/nginx/rules/", {**data, "rules_action": "remove-1"}, **HTMX))

    focused = re.findall(r'<input type="text" id="rule-(\d+)"[^>]*autofocus', body, re.S)
    assert focused == ["1"]
    assert 'value="c*"' in body.split('id="rule-1"', 1)[1][:40]


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
