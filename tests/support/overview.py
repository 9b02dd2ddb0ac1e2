"""The overview as a browser ends up showing it, through Django's test client.

``settle(client, url)`` loads the page, then does what overview.js does with htmx: it asks
for the listing, then for the details of every row that needs them (in batches), then for
the last results, and applies each answer's rows and notes (out of band, by id). The
result keeps only what a person sees: rows that are not hidden. The numbers of the counts
at the top are left out (the page keeps them in step in the browser: see the browser tests, and
the counts of ``?details=all``, which the server draws whole).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from typing import Any

from tests.support.pages import text_of

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}
ROW = re.compile(r'<tr id="(row-[^"]*)"[\s\S]*?</tr>')
OOB = re.compile(
    r"<template>\s*(<(p|div|li|span|td)\b[^>]*\bid=\"([^\"]+)\"[\s\S]*?</\2>)\s*</template>"
)
BATCH = 10
#: Ranks of failed, stuck and unreadable rows (``overview_rows.STATUS_CHOICES``' first three).
BROKEN = 2


def _attr(html: str, name: str) -> str | None:
    head = html.split(">", 1)[0]
    found = re.search(rf'\s{name}(?:="([^"]*)")?[\s>]', head + ">")
    if not found:
        return None
    return unescape(found.group(1) or "")


def is_hidden(row: str) -> bool:
    return re.search(r"\shidden[\s>]", row.split(">", 1)[0] + ">") is not None


@dataclass
class Settled:
    page: str
    rows: dict[str, str] = field(default_factory=dict)  # id -> the row as shown now, in order
    notes: dict[str, str] = field(default_factory=dict)  # id -> element swapped in by id
    requests: list[str] = field(default_factory=list)  # the fragment URLs asked for
    moved: set[str] = field(default_factory=set)  # ids of rows a detail batch found broken

    @property
    def html(self) -> str:
        """The page as seen: its rows (not hidden) and notes as they are now, no counts."""
        # The numbers are the first paint's (the browser keeps them in step): not shown here.
        html = re.sub(r'<span class="count"( data-count-total[^>]*)?>[^<]*</span>', "", self.page)
        for note_id, element in self.notes.items():
            html = re.sub(
                rf'<(p|div|li|span)\b[^>]*\bid="{re.escape(note_id)}"[\s\S]*?</\1>',
                lambda _, element=element: element,
                html,
            )
        shown = "".join(row for row in self.in_order() if not is_hidden(row))
        html = re.sub(
            r'<tbody id="rows">[\s\S]*?</tbody>',
            lambda _: f'<tbody id="rows">{shown}</tbody>',
            html,
        )
        if not shown and not any(_attr(row, "data-held") is not None for row in self.rows.values()):
            html = html.replace(
                '<p id="empty" class="empty" hidden>', '<p id="empty" class="empty">'
            )
        html = re.sub(r'<p id="empty" class="empty" hidden>[\s\S]*?</p>', "", html)
        return re.sub(r'<tbody id="listed"[\s\S]*?</tbody>', "", html)

    def in_order(self) -> list[str]:
        """The rows in the page's order: as drawn, except that a row its details found
        broken (failed, stuck, unreadable) moved up among the broken ones (overview.js)."""
        broken = [
            row for key, row in self.rows.items() if key in self.moved and _rank(row) <= BROKEN
        ]
        kept = [row for key, row in self.rows.items() if row not in broken]
        for row in sorted(broken, key=_sort_key):
            place = next(
                (i for i, other in enumerate(kept) if _sort_key(other) > _sort_key(row)), len(kept)
            )
            kept.insert(place, row)
        return kept

    def apply(self, answer: str, *, moves: bool = False) -> None:
        """An htmx answer's out-of-band rows, cells and notes."""
        for match in OOB.finditer(answer):
            element, tag, element_id = match.groups()
            element = element.replace(' hx-swap-oob="true"', "")
            if tag == "td":  # a "Last result" cell: into its row, which needs nothing more
                row_id = element_id.removeprefix("last-")
                if row_id in self.rows:
                    cell = re.compile(rf'<td [^>]*id="{re.escape(element_id)}"[\s\S]*?</td>')
                    row = cell.sub(lambda _, element=element: element, self.rows[row_id])
                    if "data-done" in element:
                        row = row.replace(' data-need="results"', "", 1)
                    self.rows[row_id] = row
            elif element_id.startswith("reason-"):  # its reason in the status cell, for a phone
                row_id = element_id.removeprefix("reason-")
                if row_id in self.rows:
                    slot_id = re.escape(element_id)
                    slot = re.compile(rf'<div [^>]*id="{slot_id}"[^>]*>[\s\S]*?</div>')
                    self.rows[row_id] = slot.sub(lambda _, e=element: e, self.rows[row_id])
            else:
                self.notes[element_id] = element
        for match in re.finditer(
            r"<template>\s*(<tr id=\"(row-[^\"]*)\"[\s\S]*?</tr>)\s*</template>", answer
        ):
            element, row_id = match.groups()
            before = self.rows.get(row_id)
            element = element.replace(' hx-swap-oob="true"', "")
            if moves and before is not None and _rank(element) <= BROKEN < _rank(before):
                self.moved.add(row_id)
            self.rows[row_id] = element

    def needing(self, need: str) -> list[str]:
        return [row for row in self.rows.values() if _attr(row, "data-need") == need]


def _rank(row: str) -> int:
    return int(_attr(row, "data-rank") or 99)


def _sort_key(row: str) -> tuple[int, str]:
    return (_rank(row), _attr(row, "data-repo") or "")


def _rows_in(html: str) -> dict[str, str]:
    return {match.group(1): match.group(0) for match in ROW.finditer(html)}


def settle(client: Any, url: str = "/", *, results: bool = True, rounds: int = 40) -> Settled:
    """The page at ``url`` once the listing, every detail and (``results``) every last
    result are in."""
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:400]
    page = response.content.decode()
    settled = Settled(page)
    first = re.search(r'<tbody id="rows">([\s\S]*?)</tbody>', page)
    settled.rows = _rows_in(first.group(1) if first else "")
    listing = re.search(r'<tbody id="listed" hx-get="([^"]+)"', page)
    if listing:  # the lazy page: the listing, then the details
        listing_url = unescape(listing.group(1))
        settled.requests.append(listing_url)
        answer = client.get(listing_url, **HX).content.decode()
        # The rows the first paint left for later go after its own (one of each id).
        later = re.search(r'<tbody hx-swap-oob="beforeend:#rows">([\s\S]*?)</tbody>', answer)
        for row_id, row in _rows_in(later.group(1) if later else "").items():
            settled.rows.setdefault(row_id, re.sub(r' data-counted="[^"]*"', "", row, count=1))
        listed = re.search(r'<tbody id="listed"[^>]*>([\s\S]*?)</tbody>', answer)
        settled.rows.update(_rows_in(listed.group(1) if listed else ""))
        settled.apply(answer, moves=True)
        filters = _attr(re.search(r'<div id="results"[^>]*>', page).group(0), "data-filters") or ""
        stages = [
            ("details", "/overview/details/", "row"),
            ("results", "/overview/results/", "repo"),
        ]
        for need, path, field_name in stages if results else stages[:1]:
            for _ in range(rounds):
                rows = settled.needing(need)[:BATCH]
                if not rows:
                    break
                values = [
                    _state(row) if field_name == "row" else _attr(row, "data-repo") for row in rows
                ]
                query = "&".join(f"{field_name}={_quote(v)}" for v in values)
                fragment_url = f"{path}?{filters + '&' if filters else ''}{query}"
                settled.requests.append(fragment_url)
                settled.apply(client.get(fragment_url, **HX).content.decode(), moves=True)
    return settled


def _state(row: str) -> str:
    found = re.search(r'<input type="hidden" name="row" value="([^"]*)">', row)
    assert found, row[:300]
    return unescape(found.group(1))


def _quote(value: str | None) -> str:
    from urllib.parse import quote

    return quote(value or "", safe="")


def first_paint(client: Any, url: str = "/", **headers: Any) -> str:
    """Only the first answer: the page drawn from mirror health."""
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content.decode()[:400]
    return response.content.decode()


def page(client: Any, url: str = "/") -> str:
    """The page as seen once the listing and every row's details are in."""
    return settle(client, url).html


def full_page(client: Any, url: str = "/") -> str:
    """The page drawn whole by the server (``details=all``)."""
    joiner = "&" if "?" in url else "?"
    return first_paint(client, f"{url}{joiner}details=all")


# -- rows and their statuses ---------------------------------------------------------------

STATUS_ROW = re.compile(
    r'<tr id="row-[^"]*" data-status="([a-z]+)"[^>]*>[\s\S]*?'
    r'<th scope="row"><a [^>]*href="/repo/([^/]+)/([^/]+)/"[\s\S]*?</tr>'
)


def rows_of(html: str) -> dict[str, str]:
    """``{"acme/nginx": "success", ...}``: each row's repository and its status key, in order."""
    return {f"{ns}/{name}": status for status, ns, name in STATUS_ROW.findall(html)}


def row_html(html: str, full_name: str) -> str:
    for match in STATUS_ROW.finditer(html):
        if f"{match.group(2)}/{match.group(3)}" == full_name:
            return match.group(0)
    raise AssertionError(f"no row for {full_name}")


def org_rows(html: str) -> dict[str, str]:
    """The organization mirrors' rows of an answer: org -> "status: the row's words"."""
    found = re.findall(
        r'(<tr id="org-row-[^"]+" data-org-status="([^"]+)" data-org="([^"]+)".*?</tr>)', html, re.S
    )
    return {org: f"{status}: {text_of(row)}" for row, status, org in found}


def row_status(html: str, full_name: str) -> str:
    """The status key of a row of either kind: a repository's (``acme/nginx``) or an
    organization mirror's (``orgnew``)."""
    if "/" in full_name:
        return rows_of(html)[full_name]
    return org_rows(html)[full_name].split(":", 1)[0]


def count_of(html: str, key: str) -> int:
    found = re.search(rf'data-count-for="{key}"[^>]*>\s*<span class="count">(\d+)</span>', html)
    assert found, f"no count for {key}"
    return int(found.group(1))


# -- the tab's refresh ------------------------------------------------------------------------


def watched_states(html: str) -> list[str]:
    """The states the page's refresh sends: those of its watched rows."""
    states = []
    for match in re.finditer(r'<tr id="row-[^"]*"[^>]*>[\s\S]*?</tr>', html):
        head = match.group(0).split(">", 1)[0]
        if " data-watch" in head and " hidden" not in head:
            found = re.search(r'name="row" value="([^"]*)"', match.group(0))
            assert found, head
            states.append(unescape(found.group(1)))
    return states


def refresh_element(html: str) -> str:
    found = re.search(r'<div id="refresh"[^>]*>[\s\S]*?</div>', html)
    assert found, html[:500]
    return found.group(0)


def interval_of(element: str) -> int | None:
    found = re.search(r'hx-trigger="md:poll" data-poll-seconds="(\d+)"', element)
    return int(found.group(1)) if found else None


def refresh(client, states: list[str], interval: int = 5, as_of: int = 0) -> str:
    """What the page's refresh posts: every watched row's state, one a line (overview.js)."""
    when = as_of or int(datetime.now().timestamp())
    data = {"rows": "\n".join(states), "interval": interval, "as_of": when}
    response = client.post("/overview/refresh/", data, **HX)
    assert response.status_code == 200
    return response.content.decode()


def calls_since(emulator, before: int) -> list[str]:
    return [e["path"].removeprefix("/api/v1/") for e in emulator.requests_log()[before:]]
