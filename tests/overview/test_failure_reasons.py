"""A failed mirror's whole reason in its overview row: in the Last result cell, and for a
phone (where that column is hidden) in a disclosure under its status; never cut, never only in
a hover tooltip; with the cause Quay's worker files it under."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.support.overview import HX, row_html
from tests.support.pages import text_of as _text_of

pytestmark = pytest.mark.django_db

#: acme/etcd (seeded): its source's certificate is signed by an unknown authority.
WHOLE = (
    "Error listing repository tags: pinging container registry quay.io: Get "
    '"https://quay.io/v2/": tls: failed to verify certificate: x509: certificate signed by '
    "unknown authority"
)


def text_of(html: str) -> str:
    return unescape(_text_of(html))


def _cell(row: str, element_id: str) -> str:
    found = re.search(rf'<(td|div)\b[^>]*id="{element_id}"[\s\S]*?</\1>', row)
    assert found is not None, element_id
    return found.group(0)


def test_a_failed_rows_whole_reason_is_in_the_row_without_a_tooltip(client_as, seen):
    assert len(WHOLE) > 90  # longer than the old cut
    row = row_html(seen(client_as("alice")), "acme/etcd")
    last = _cell(row, "last-row-acme_2fetcd")
    assert WHOLE in text_of(last)
    assert "…" not in text_of(last)
    assert "title=" not in re.sub(r"<time [^>]*>", "", last)  # (a time's title is its zone)
    # Quay's worker files it under auth_failed ("authority" holds "auth"): said as a filing.
    assert "(Quay files it under “Authentication refused”)" in text_of(last)
    # A phone hides the Last result column: the status cell has the whole reason too, in a
    # disclosure that opens by touch, keyboard, and without JavaScript.
    why = _cell(row, "reason-row-acme_2fetcd")
    assert "<details>" in why and "<summary>Why it failed" in why
    assert 'Why it failed<span class="visually-hidden">: acme/etcd</span>' in why  # (a reader)
    assert WHOLE in text_of(why)
    status_cell = row.split('class="status-cell"', 1)[1].split("</td>", 1)[0]
    assert 'id="reason-row-acme_2fetcd"' in status_cell


def test_a_results_batch_fills_both_places(client_as):
    html = client_as("alice").get("/overview/results/", {"repo": "acme/etcd"}, **HX)
    html = html.content.decode()
    assert WHOLE in text_of(_cell(html, "last-row-acme_2fetcd"))
    assert WHOLE in text_of(_cell(html, "reason-row-acme_2fetcd"))


def test_a_row_that_did_not_fail_has_no_reason(client_as, seen):
    row = row_html(seen(client_as("alice")), "acme/nginx")
    assert "Why it failed" not in row
