"""The overview starts the calls it is about to need while its pages are drawn and sent
(OVERVIEW_PREFETCH): the listings with the first paint, the top rows' details with the
listing. The page's own asks then find those answers, or wait for them: never a second call."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.support.overview import HX, first_paint, row_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def prefetching(settings):
    from dashboard.quay.cache import prefetches_done

    settings.OVERVIEW_PREFETCH = True
    yield
    prefetches_done(30)  # nothing of this test's may land in the next one's cache


def paths(emulator) -> list[str]:
    return [e["path"].removeprefix("/api/v1/") for e in emulator.requests_log()]


def test_the_listing_is_started_with_the_first_paint_and_asked_once(
    client_as, emulator, prefetching
):
    client = client_as("alice")
    emulator.control("DELETE", "requests")  # what the sign-in asked
    html = first_paint(client)
    url = unescape(re.search(r'<tbody id="listed" hx-get="([^"]+)"', html).group(1))
    client.get(url, **HX)
    assert paths(emulator).count("repository") == 4  # one a namespace, not two


def test_the_top_rows_details_are_started_with_the_listing_and_asked_once(
    client_as, emulator, prefetching
):
    client = client_as("alice")
    html = first_paint(client)
    url = unescape(re.search(r'<tbody id="listed" hx-get="([^"]+)"', html).group(1))
    client.get(url, **HX)
    top = [m.group(1) for m in re.finditer(r'<tr id="row-[^"]*"[^>]*data-repo="([^"]+)"', html)][
        :10
    ]
    states = [
        unescape(re.search(r'name="row" value="([^"]*)"', row_html(html, name)).group(1))
        for name in top
    ]
    answer = client.get("/overview/details/", {"row": states}, **HX).content.decode()
    assert "docker.io/library/python" in row_html(answer, "acme/python")
    for name in top:  # each config asked for once, by the prefetch or by the batch
        assert paths(emulator).count(f"repository/{name}/mirror") == 1, name


def test_nothing_is_started_without_the_read_cache(client_as, emulator, prefetching, settings):
    settings.QUAY_READ_CACHE_SECONDS = 0
    client = client_as("alice")
    emulator.control("DELETE", "requests")  # what the sign-in asked
    first_paint(client)
    assert "repository" not in paths(emulator)  # the listing waits for the page to ask
