"""The organization mirror's filters in the repository form's glob editor, over HTTP: one row
a filter, add and remove with htmx and without JavaScript (nothing sent to Quay), each row
checked and previewed against the repositories discovered so far, no filter meaning every
repository."""

from __future__ import annotations

import re

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import change, form_data, post_form
from tests.support.org_api import config as quay_config
from tests.support.pages import text_of
from tests.support.received import clear_log, writes

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ROW = r'<input type="text" id="rule-(\d+)" name="repository_filters" value="([^"]*)"'


def rows(body: str) -> list[str]:
    return [value for _index, value in re.findall(ROW, body)]


def test_the_page_draws_one_row_a_filter_and_a_spare_row(olivia, emulator):
    body = olivia.get("/org/orgnew/mirror/").content.decode()
    assert rows(body) == ["api", "worker", "front*", ""]
    assert 'hx-post="/org/orgnew/mirror/filters/rows/"' in body  # add / remove
    assert 'hx-post="/org/orgnew/mirror/filters/"' in body  # the checks as typed
    assert "No filter at all: every repository of the source is mirrored." in text_of(
        olivia.get("/org/orgnew/mirror/")
    )
    # The tag rule's own hidden tag lists do not come with it.
    assert 'name="editor_tags"' not in body and 'name="root_rule"' not in body


def test_add_answers_the_editor_with_a_new_focused_row(olivia, emulator):
    response = olivia.post(
        "/org/orgmirror/mirror/filters/rows/",
        {"repository_filters": ["alpha", "b*"], "rules_action": "add"},
        **HTMX,
    )
    body = response.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<fieldset class="glob-editor" id="glob-editor">')
    assert rows(body) == ["alpha", "b*", ""]
    assert re.search(r'id="rule-2"[^>]*autofocus', body)
    assert "+ Add filter" in body and 'aria-label="Remove filter 2 (b*)"' in body
    assert "3 mirrored (alpha, beta, broken); 3 skipped (delta, gamma, legacy)" in text_of(response)


def test_remove_answers_the_rows_without_that_one_and_the_last_leaves_a_blank(olivia, emulator):
    response = olivia.post(
        "/org/orgmirror/mirror/filters/rows/",
        {"repository_filters": ["alpha", "b*", "g*"], "rules_action": "remove-1"},
        **HTMX,
    )
    assert rows(response.content.decode()) == ["alpha", "g*"]
    assert re.search(r'id="rule-1"[^>]*autofocus', response.content.decode())
    response = olivia.post(
        "/org/orgmirror/mirror/filters/rows/",
        {"repository_filters": ["alpha"], "rules_action": "remove-0"},
        **HTMX,
    )
    assert rows(response.content.decode()) == [""]
    assert "No filters: every repository of the source is mirrored." in text_of(response)


def test_the_check_answers_the_preview_and_each_rows_matches_out_of_band(olivia, emulator):
    response = olivia.post(
        "/org/orgmirror/mirror/filters/",
        {"repository_filters": ["a*", "zzz", "b**"]},
        **HTMX,
    )
    body = response.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="glob-preview"')
    msg = re.findall(
        r'<div id="rule-msg-(\d)" class="glob-msg" hx-swap-oob="true">(.*?)</div>', body, re.S
    )
    words = {
        index: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip() for index, html in msg
    }
    assert words["0"] == "matches alpha"
    assert words["1"] == "matches no repository discovered so far"
    assert words["2"].startswith("⚠ “**” means the same as “*” here: “*” matches “/” too.")
    assert "matches beta, broken" in words["2"]
    assert 'id="save-deletes"' not in body  # the tag rule's Save words are not on this page


def test_the_editor_endpoints_answer_a_page_without_htmx_with_a_redirect(olivia, emulator):
    for url in ("/org/orgmirror/mirror/filters/", "/org/orgmirror/mirror/filters/rows/"):
        response = olivia.post(url, {"repository_filters": ["a*"], "rules_action": "add"})
        assert response.status_code == 302
        assert response["Location"] == "/org/orgmirror/mirror/"


def test_without_javascript_add_and_remove_draw_the_form_again_and_send_nothing(olivia, emulator):
    data = form_data(olivia.get("/org/orgnew/mirror/"))
    data["repository_filters"] = ["api", "worker", "front*", "docs-*"]
    data["visibility"] = "private"  # a change typed meanwhile, kept and not sent
    clear_log(emulator)
    response = post_form(olivia, "/org/orgnew/mirror/settings/", {**data, "rules_action": "add"})
    assert response.status_code == 200
    body = response.content.decode()
    assert rows(body) == ["api", "worker", "front*", "docs-*", ""]
    assert re.search(r'id="rule-4"[^>]*autofocus', body)
    assert re.search(r'<option value="private" selected>', body)
    assert "<details open>" in body  # the settings stay open
    assert 'class="field-error"' not in body  # not judged
    response = post_form(
        olivia, "/org/orgnew/mirror/settings/", {**data, "rules_action": "remove-1"}
    )
    assert rows(response.content.decode()) == ["api", "front*", "docs-*"]
    assert writes(emulator, "orgnew") == []
    assert not AuditEntry.objects.exists()
    assert quay_config(emulator, "orgnew")["repository_filters"] == ["api", "worker", "front*"]


def test_no_filter_left_saves_every_repository(olivia, emulator):
    clear_log(emulator)
    # (orgmirror is syncing: the box "save anyway" ticked, as the form asks)
    response, after = change(
        olivia, "/org/orgmirror/mirror/", repository_filters=[""], confirm_during_sync="on"
    )
    assert response.status_code == 302
    assert writes(emulator, "orgmirror") == [("PUT", {"repository_filters": []})]
    assert quay_config(emulator, "orgmirror")["repository_filters"] == []
    assert "every repository of the source" in text_of(after)


def test_a_refused_filter_comes_back_at_its_row_with_what_was_typed(olivia, emulator):
    clear_log(emulator)
    long = "a" * 256
    response, _ = change(olivia, "/org/orgnew/mirror/", repository_filters=["api", long, "my,repo"])
    assert response.status_code == 200
    words = text_of(response)
    assert "A pattern can have at most 255 characters, as many as Quay takes for a filter" in words
    assert "A pattern cannot contain a comma (repository names never contain one)" in words
    assert rows(response.content.decode()) == ["api", long, "my,repo"]
    assert writes(emulator, "orgnew") == []


def test_the_set_up_form_says_nothing_is_discovered_yet(olivia, emulator):
    body = text_of(olivia.get("/org/orgempty/mirror/"))
    assert "No repository of the source has been discovered yet: every repository is mirrored" in (
        body
    )
    response = olivia.post(
        "/org/orgempty/mirror/filters/",
        {"repository_filters": ["api"], "mode": "create"},
        **HTMX,
    )
    assert "No repository of the source has been discovered yet: the filters are checked" in (
        text_of(response)
    )


def test_without_javascript_the_set_up_form_adds_a_row_and_sets_nothing_up(olivia, emulator):
    data = form_data(olivia.get("/org/orgempty/mirror/"))
    data.update(external_namespace="upstreamorg", repository_filters=["api"])
    clear_log(emulator)
    response = post_form(olivia, "/org/orgempty/mirror/settings/", {**data, "rules_action": "add"})
    assert response.status_code == 200
    body = response.content.decode()
    assert rows(body) == ["api", ""]
    assert 'value="upstreamorg"' in body  # what was typed stays
    assert 'name="mode" value="create"' in body
    assert writes(emulator, "orgempty") == []
    assert not AuditEntry.objects.exists()
