"""What only an organization mirror's filters do in the glob editor (the editor itself, for both
kinds: test_glob_editor.py): one row a filter with a spare row, each row checked like a tag
pattern and previewed against the repositories discovered so far (none yet at the set-up), no
filter meaning every repository."""

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
    response, _ = change(
        olivia, "/org/orgnew/mirror/", repository_filters=["api", long, "my,repo", "api:latest"]
    )
    assert response.status_code == 200
    words = text_of(response)
    assert "A pattern cannot contain “:”: repository names never do (the filter matches" in words
    assert "A pattern can have at most 255 characters, as many as Quay takes for a filter" in words
    assert "A pattern cannot contain a comma (repository names never contain one)" in words
    assert rows(response.content.decode()) == ["api", long, "my,repo", "api:latest"]
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
