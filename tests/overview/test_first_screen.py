"""The first screen (OVERVIEW_FIRST_ROWS): the page draws its first rows and counts them all;
its listing draws the others, each once, in the page's order, at no call to Quay more."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from tests.support.overview import HX, count_of, first_paint, rows_of, settle

pytestmark = pytest.mark.django_db

LATER = re.compile(r'<tbody hx-swap-oob="beforeend:#rows">([\s\S]*?)</tbody>')


def listing_url(html: str) -> str:
    found = re.search(r'<tbody id="listed" hx-get="([^"]+)"', html)
    assert found
    return found.group(1).replace("&amp;", "&")


def later_rows(answer: str) -> dict[str, str]:
    found = LATER.search(answer)
    return rows_of(found.group(1)) if found else {}


def test_the_page_draws_its_first_rows_and_counts_every_one(client_as, settings):
    client = client_as("alice")
    whole_html = first_paint(client)
    whole = rows_of(whole_html)
    settings.OVERVIEW_FIRST_ROWS = 5
    html = first_paint(client)
    drawn = rows_of(html)
    assert list(drawn) == list(whole)[:5]  # the failed ones first, as on the whole page
    assert set(drawn.values()) == {"fail", "active"}  # acme/etcd … acme/alpine
    for key in ("fail", "active", "success", "never", "cancel"):
        assert count_of(html, key) == count_of(whole_html, key), key
    total = re.search(r'data-count-total data-n="(\d+)"', html)
    assert total and total.group(0) == re.search(r'data-count-total data-n="(\d+)"', whole_html)[0]
    left = len(whole) - 5
    assert f"Drawing the other {left} rows and listing the other repositories" in html
    assert "after=5" in listing_url(html) and "later=" in listing_url(html)


def test_the_listing_draws_the_others_once_each_in_order_at_no_call_more(
    client_as, emulator, settings
):
    client = client_as("alice")
    order = list(rows_of(first_paint(client)))
    cache.clear()
    before = len(emulator.requests_log())
    whole = settle(client)
    calls_whole = len(emulator.requests_log()) - before
    cache.clear()
    settings.OVERVIEW_FIRST_ROWS = 5
    html = first_paint(client)
    answer = client.get(listing_url(html), **HX).content.decode()
    later = later_rows(answer)
    drawn = rows_of(html)
    assert list(drawn) + list(later) == order  # each once, in the page's order
    assert all(" data-counted" in row for row in re.findall(r"<tr [^>]*>", LATER.search(answer)[1]))
    # The same page, settled: every row once, as when it was drawn whole, for the same calls.
    cache.clear()
    before = len(emulator.requests_log())
    split = settle(client)
    assert rows_of(split.html) == rows_of(whole.html)
    assert len(emulator.requests_log()) - before == calls_whole


def test_rows_no_longer_kept_are_those_after_the_first(client_as, settings):
    """Another process's local cache, or ten minutes gone: the listing draws the rows after
    the first ``after`` as it finds them now (the page drops any it already has)."""
    client = client_as("alice")
    order = list(rows_of(first_paint(client)))
    settings.OVERVIEW_FIRST_ROWS = 5
    html = first_paint(client)
    cache.clear()
    later = later_rows(client.get(listing_url(html), **HX).content.decode())
    assert list(later) == order[5:]


def test_the_rows_kept_for_a_page_are_its_persons_alone(client_as, settings):
    """bob sent alice's key draws bob's own rows after his first two, never by alice's list."""
    from django.test import Client

    from tests.support.emulator import TOKENS

    settings.OVERVIEW_FIRST_ROWS = 3  # alice's list leaves out globex/traefik, bob's third
    alice_html = first_paint(client_as("alice"))
    key = re.search(r"later=([^&]+)", listing_url(alice_html)).group(1)
    bob = Client()
    bob.post("/accounts/login/", {"token": TOKENS["bob"], "next": "/"})
    settings.OVERVIEW_FIRST_ROWS = 100
    order = list(rows_of(first_paint(bob)))
    settings.OVERVIEW_FIRST_ROWS = 2
    bob_html = first_paint(bob)
    url = re.sub(r"later=[^&]+", f"later={key}", listing_url(bob_html))
    later = later_rows(bob.get(url, **HX).content.decode())
    assert list(later) == order[2:]


def test_a_failed_listing_says_the_rest_of_the_rows_are_not_drawn(client_as, emulator, settings):
    client = client_as("alice")
    settings.OVERVIEW_FIRST_ROWS = 5
    html = first_paint(client)
    settings.OVERVIEW_PERSON_SECONDS = 0  # the listing asks who alice is, and Quay fails
    emulator.configure(fail={"/api/v1/user/": 503})
    answer = client.get(listing_url(html), **HX).content.decode()
    emulator.configure(fail={})
    assert "The rest of the rows could not be drawn, nor the other repositories" in answer
    assert "Quay had an internal problem (HTTP 503)" in answer and "Try again" in answer


def test_a_row_whose_status_changed_before_the_listing_says_what_it_was_counted_as(
    client_as, emulator, settings
):
    """acme/alpine was counted running by the first paint and is cancelled before the listing
    draws it: the listing draws it cancelled, and tells the page the count it is to leave."""
    client = client_as("alice")
    settings.OVERVIEW_FIRST_ROWS = 3
    html = first_paint(client)
    assert "acme/alpine" not in rows_of(html)
    key = re.search(r"later=([^&]+)", listing_url(html)).group(1)
    kept = cache.get(f"mdlater:{key}")
    response = emulator.api("POST", "repository/acme/alpine/mirror/sync-cancel")
    assert response.status_code == 204, response.text
    cache.clear()  # what the page read is read again (the rows kept for it stay)
    cache.set(f"mdlater:{key}", kept)
    answer = client.get(listing_url(html), **HX).content.decode()
    alpine = next(
        row for row in re.findall(r"<tr [^>]*>", LATER.search(answer)[1]) if "acme/alpine" in row
    )
    assert 'data-status="cancel"' in alpine and 'data-counted="active"' in alpine
    nginx = next(
        row for row in re.findall(r"<tr [^>]*>", LATER.search(answer)[1]) if "acme/nginx" in row
    )
    assert 'data-status="success"' in nginx and 'data-counted="success"' in nginx
