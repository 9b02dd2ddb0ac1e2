"""The overview's words say what they count and what to do next (issue 10, item 7)."""

from __future__ import annotations

import re

import pytest

from tests.support.overview import first_paint, full_page
from tests.support.pages import text_of

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}


def test_the_active_count_says_it_counts_queued_syncs_too(client_as):
    html = full_page(client_as("alice"))
    link = re.search(
        r'data-count-for="active"[^>]*>\s*<span class="count">\d+</span>([^<]*)<', html
    )
    assert link and link.group(1).strip() == "syncing or queued"


def test_with_a_status_filter_the_total_says_it_is_all_mirrors(client_as):
    html = full_page(client_as("alice"), "/?status=fail")
    total = (
        r'all <span class="count" data-count-total[^>]*>\d+</span> '
        r"<span data-count-noun>repository mirrors"
    )
    assert re.search(total, html)
    html = full_page(client_as("alice"))
    assert not re.search(r'all <span class="count" data-count-total', html)


def test_bulk_results_say_a_shared_outcome_once(client_as, emulator):
    alice = client_as("alice")
    repos = ["acme/nginx", "acme/redis", "acme/ubuntu", "acme/debian"]
    answer = alice.post(
        "/bulk/", {"action": "cancel", "confirm": "yes", "repo": repos}, **HX
    ).content.decode()
    results = answer.split('class="message', 1)[1].split("</div>", 1)[0]
    assert results.count("nothing to cancel") == 1
    assert "<strong>nothing to cancel</strong> (4)" in results
    for repo in repos:
        assert f">{repo}</a>" in results


def test_a_search_that_finds_no_mirror_points_at_the_toggle(client_as):
    html = full_page(client_as("alice"), "/?q=app")
    empty = re.search(r'<p id="empty" class="empty"[^>]*>([\s\S]*?)</p>', html).group(1)
    assert "No mirror matches these filters" in empty
    assert "normal=1" in empty and "not mirrored" in empty


def test_row_buttons_name_their_repository_for_screen_readers(client_as):
    html = full_page(client_as("alice"))
    assert 'aria-label="Sync now acme/nginx"' in html
    assert 'aria-label="Cancel the sync of acme/alpine"' in html


@pytest.mark.parametrize("url", ["/accounts/login/", "/repo/acme/nginx/", "/?details=all"])
def test_every_aria_describedby_points_at_an_element_of_the_page(client_as, client, url):
    if url.startswith("/accounts"):
        html = client.get(url).content.decode()
    else:
        html = first_paint(client_as("alice"), url)
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    described = {
        ref for refs in re.findall(r'aria-describedby="([^"]+)"', html) for ref in refs.split()
    }
    assert described, "the page has no aria-describedby to check"
    assert described <= ids, described - ids


def test_a_status_filter_does_not_say_stuck_is_0_for_the_rows_it_leaves_out(client_as):
    """/?status=cancel: the failed and running mirrors are left out, their details never
    asked, so the page cannot tell whether one is stuck: it said "0 stuck" (the whole page
    finds 2), and "none is syncing" beside "syncing or queued: 3"."""
    html = first_paint(client_as("alice"), "/?status=cancel")
    stuck = re.search(r'data-count-for="stuck"[^>]*>\s*<span class="count">([^<]*)<', html)
    assert stuck and stuck.group(1) == "?"
    note = re.search(r'id="stuck-unchecked-note"[^>]*>([\s\S]*?)</li>', html)
    assert note and re.search(r"not known for \d+ running or failed mirrors", text_of(note[1]))
    assert "none is syncing" not in html
    assert "none of those shown is syncing" in html
    unfiltered = first_paint(client_as("alice"))
    assert 'id="stuck-unchecked-note"' not in unfiltered
