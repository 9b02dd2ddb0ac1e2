"""Reading the dashboard's answers: the HTML, the words a person reads, and the settings
form's error summary and the ids its messages are named by."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

#: What htmx sends with every request it makes.
HX = {"HTTP_HX_REQUEST": "true"}


def text(response: Any) -> str:
    """The answer's HTML."""
    return response.content.decode()


def text_of(page: Any) -> str:
    """The words of an answer (or of HTML), tags left out, white space as one space."""
    html = page if isinstance(page, str) else page.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []
        self.invalid: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for ref in (values.get("aria-describedby") or "").split():
            self.described.append((str(values.get("name") or values.get("id") or tag), ref))
        if values.get("aria-invalid") == "true":
            self.invalid.append(str(values.get("name") or tag))


def refs(html: str) -> _Refs:
    parser = _Refs()
    parser.feed(html)
    return parser


def dangling(html: str) -> list[tuple[str, str]]:
    """(element, id) for every aria-describedby naming an id the page does not have."""
    found = refs(html)
    return [(name, ref) for name, ref in found.described if ref not in found.ids]


def div(html: str, opening: str) -> str:
    """The first ``<div …>…</div>`` (holding no other div) whose tag begins ``opening``."""
    found = re.search(re.escape(opening) + r"[^>]*>.*?</div>", html, re.S)
    assert found, f"no {opening}"
    return found.group(0)


def summary(html: str) -> str:
    """The form's error summary (``settings_form.html#form_messages``)."""
    return div(html, '<div class="message message-error form-error-summary"')


def links(html: str) -> dict[str, str]:
    """The summary's links: target -> words."""
    return {
        href: re.sub(r"\s+", " ", words)
        for href, words in re.findall(r'<a href="([^"]+)">(.*?)</a>', summary(html), re.S)
    }
