"""Issue 12, item 5: a pattern longer than any tag, or a rule with too many patterns, is an
error at its row, and is never compiled (a 1 MB pattern took seconds of CPU)."""

from __future__ import annotations

import fnmatch
import html
import re

import pytest

from tests.support.forms import form_data, page, post_form
from tests.support.pages import text
from tests.support.received import clear_log, mirror_puts

pytestmark = pytest.mark.django_db


HTMX = {"HTTP_HX_REQUEST": "true"}
CHECK = "/repo/acme/nginx/rules/check/"
MEGABYTE_PATTERN = "*a" * (1024 * 1024 // 2)


def row_message(body: str, index: int) -> str:
    match = re.search(rf'<div id="rule-msg-{index}" class="glob-msg"[^>]*>(.*?)</div>', body, re.S)
    return html.unescape(match.group(1)) if match else ""


def rule_errors(body: str) -> str:
    match = re.search(r'id="rules-errors">(.*?)</ul>', body, re.S)
    return html.unescape(match.group(1)) if match else ""


@pytest.fixture
def compiled(monkeypatch) -> list[int]:
    """The length of every pattern fnmatch turns into a regular expression."""
    lengths: list[int] = []
    translate = fnmatch.translate

    def spy(pattern: str) -> str:
        lengths.append(len(pattern))
        return translate(pattern)

    monkeypatch.setattr(fnmatch, "translate", spy)
    return lengths


# -- patterns -----------------------------------------------------------------------------------


def test_a_megabyte_pattern_is_refused_at_its_row_without_being_compiled(alice, emulator, compiled):
    response = post_form(alice, CHECK, {"root_rule": ["latest", MEGABYTE_PATTERN]}, **HTMX)

    assert response.status_code == 200
    body = text(response)
    assert (
        "✕ A pattern can have at most 128 characters, as many as the longest tag Quay allows; "
        "this one has 1,048,576."
    ) in row_message(body, 1)
    assert "matches latest" in row_message(body, 0)
    assert max(compiled, default=0) <= 128  # the megabyte pattern never reached fnmatch


def test_a_pattern_as_long_as_the_longest_tag_is_checked_as_usual(alice, emulator):
    longest = "1." + "?" * 126
    body = text(post_form(alice, CHECK, {"root_rule": [longest, "x" * 129]}, **HTMX))

    assert "at most 128 characters" not in row_message(body, 0)
    assert "this one has 129." in row_message(body, 1)


def test_a_megabyte_pattern_saved_is_named_briefly_and_kept_in_its_row(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["root_rule"] = ["latest", MEGABYTE_PATTERN]
    clear_log(emulator)

    body = text(post_form(alice, "/repo/acme/nginx/settings/", data))

    errors = rule_errors(body)
    assert "“*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*…”: A pattern can have at most 128" in errors
    assert MEGABYTE_PATTERN not in errors
    assert f'name="root_rule" value="{MEGABYTE_PATTERN}"' in body  # what was typed is kept
    assert mirror_puts(emulator, "acme", "nginx") == []


def test_rows_past_the_hundredth_pattern_say_so_and_are_left_out_of_the_preview(alice, emulator):
    rows = [f"1.{n}" for n in range(100)] + ["latest", "1.0"]  # 101 patterns, 1 duplicate
    body = text(post_form(alice, CHECK, {"root_rule": rows}, **HTMX))

    assert "This is pattern 101: a rule can have at most 100 patterns." in row_message(body, 100)
    assert "a rule can have at most" not in row_message(body, 99)
    assert "Duplicate of a row above" in row_message(body, 101)
    kept = re.search(r'class="tag-list kept-tags">(.*?)</ul>', body, re.S)
    assert "<code>latest</code>" not in (kept.group(1) if kept else "")


def test_a_rule_with_too_many_patterns_is_not_sent_and_every_row_is_kept(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["root_rule"] = [f"v{n}.*" for n in range(150)]
    clear_log(emulator)

    body = text(post_form(alice, "/repo/acme/nginx/settings/", data))

    assert (
        "A rule can have at most 100 patterns; this one has 150. Remove 50, or let one pattern "
        "cover several tags (e.g. “1.2*”)."
    ) in rule_errors(body)
    assert body.count('name="root_rule" value="v') == 150
    assert mirror_puts(emulator, "acme", "nginx") == []
