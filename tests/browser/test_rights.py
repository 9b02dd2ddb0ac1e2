"""In the browser, as each demo user: the overview offers Sync now, Cancel, the selection
boxes and the bulk bar exactly where Quay lets that person act (issue 10).

What Quay allows is asked of the emulator as the same person: a row should carry controls
when Quay shows them its mirror config and says ``can_admin`` for the repository."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.emulator import Emulator

CONTROLS = """() => {
  const rows = [...document.querySelectorAll('tr[data-repo]')].filter(r => !r.hidden);
  const pressable = r => [...r.querySelectorAll('button[type=submit]')]
    .filter(b => !b.disabled && /^(Sync now|Cancel)$/.test(b.textContent.trim()));
  return {
    rows: rows.map(r => r.dataset.repo),
    pressed: rows.filter(r => pressable(r).length).map(r => r.dataset.repo),
    boxed: rows.filter(r => r.querySelector('input[type=checkbox][name=repo]'))
               .map(r => r.dataset.repo),
    bulk: !!document.querySelector('#bulk') && !document.querySelector('#bulk').hidden,
  };
}"""


def settled(page: Page) -> dict:
    """The overview once the listing and every row's details are in (the page is scrolled
    to the bottom so that every row asks for its details)."""
    expect(page.locator("#listed[data-listed]")).to_have_count(1)
    for _ in range(80):  # a batch that failed on a busy machine is asked again after 5 s
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        if page.locator('tr[data-need="details"]').count() == 0:
            break
        page.wait_for_timeout(250)
    expect(page.locator('tr[data-need="details"]')).to_have_count(0, timeout=10_000)
    return page.evaluate(CONTROLS)


def allowed(emulator: Emulator, user: str, repos: list[str]) -> set[str]:
    """The rows Quay lets ``user`` act on: it shows them the config and says can_admin."""
    result = set()
    for full_name in repos:
        repo = emulator.api("GET", f"repository/{full_name}", user=user)
        config = emulator.api("GET", f"repository/{full_name}/mirror", user=user)
        if repo.ok and repo.json().get("can_admin") and config.ok:
            result.add(full_name)
    return result


@pytest.mark.parametrize("user", ["alice", "bob", "carol", "dave"])
def test_each_person_sees_the_controls_quay_allows_them(
    signed_in_page, emulator: Emulator, screenshot, user: str
):
    page = signed_in_page(user)
    seen = settled(page)
    screenshot(page, f"overview-rights-{user}")
    assert seen["rows"], "no row shown"
    expected = allowed(emulator, user, seen["rows"])
    assert set(seen["boxed"]) == expected
    # Sync now or Cancel wherever a press is possible (a running sync's Sync now is off and
    # a finished one has no Cancel, but every actionable row has one of them).
    assert set(seen["pressed"]) == expected
    assert seen["bulk"] is bool(expected)
    if user in ("alice", "bob"):
        assert expected  # the test would prove nothing if nobody could act
    if user in ("carol", "dave"):
        assert expected == set()


@pytest.mark.parametrize("latency_ms", [0, 300])
def test_a_token_refused_its_organizations_health_shows_no_zero_it_does_not_know(
    signed_in_page, emulator: Emulator, screenshot, latency_ms: int
):
    """alice's token with repo:read and user:read only: Quay shows it neither the settings
    nor the mirror health of acme, globex and initech. Their 18 mirrors are counted as
    settings hidden, and every zero becomes "?" (they may be failing). At Quay's pace too:
    the note that counts are incomplete may come before the rows it speaks of, and the rows
    still count under a "?"."""
    page = signed_in_page("alice-limited", "/accounts/login/")
    emulator.configure(latency_ms=latency_ms)
    try:
        page.goto(page.url.split("/accounts/")[0] + "/")
        settled(page)
    finally:
        emulator.configure(latency_ms=0)
    expect(page.locator("#counts-incomplete")).to_contain_text("is not known")
    expect(page.locator('[data-count-for="restricted"] .count')).to_have_text("18")
    expect(page.locator('[data-count-for="success"] .count')).to_have_text("1")
    expect(page.locator('[data-count-for="fail"] .count')).to_have_text("?")
    expect(page.locator("[data-count-total]")).to_have_text("19")
    screenshot(page, "overview-health-refused")


def test_the_stuck_count_never_says_0_before_the_stuck_sync_is_found(
    signed_in_page, emulator: Emulator
):
    """At a real Quay's pace, acme/python (health: a healthy "Syncing"; its details: stuck)
    took seconds to be found while the top line said "0 stuck": the count is "?" until the
    running and failed rows are checked, and never 0 on the way."""
    page = signed_in_page("alice", "/accounts/login/")
    page.add_init_script(
        """
        window.stuckSeen = [];
        new MutationObserver(function () {
          var count = document.querySelector('[data-count-for="stuck"] .count');
          if (count && window.stuckSeen[window.stuckSeen.length - 1] !== count.textContent) {
            window.stuckSeen.push(count.textContent);
          }
        }).observe(document, {subtree: true, childList: true, characterData: true});
        """
    )
    emulator.configure(latency_ms=300)
    try:
        page.goto(page.url.split("/accounts/")[0] + "/")
        expect(page.locator('tr[data-repo="acme/python"]')).to_have_attribute(
            "data-status", "stuck", timeout=15_000
        )
        expect(page.locator("#stuck-note")).to_be_hidden()
    finally:
        emulator.configure(latency_ms=0)
    expect(page.locator('[data-count-for="stuck"] .count')).to_have_text("2")  # and the queue
    seen = page.evaluate("window.stuckSeen")
    assert seen[0] == "?" and "0" not in seen, seen


def test_the_stuck_count_settles_only_once_the_stuck_rows_drawn_are_counted(
    signed_in_page, emulator: Emulator
):
    """The "?" becomes a number only when every row drawn is counted. A batch's rows are
    swapped in when its answer comes, and counted a moment later (htmx:load, when they
    settle): the last running rows checked, drawn stuck in that moment, are in the number.
    Under "syncing or queued" the batch of its three running rows is the last to come back
    (the rows the listing adds are asked in the other lane), so that moment comes on every
    load, whatever the page's layout puts in view (on the whole overview it came only where
    the rows in view left no other row to check)."""
    page = signed_in_page("alice", "/accounts/login/")
    page.add_init_script(
        """
        window.stuckSettled = [];
        new MutationObserver(function () {
          var count = document.querySelector('[data-count-for="stuck"] .count');
          var text = count && count.textContent;
          if (count && window.stuckLast === "?" && text !== "?") {
            var drawn = document.querySelectorAll(
              'tr[data-status="stuck"]:not([data-uncounted])').length;
            window.stuckSettled.push([text, drawn]);
          }
          if (count) { window.stuckLast = text; }
        }).observe(document, {subtree: true, childList: true, characterData: true});
        """
    )
    emulator.configure(latency_ms=300)
    try:
        page.goto(page.url.split("/accounts/")[0] + "/?status=active")
        expect(page.locator('tr[data-repo="acme/python"]')).to_have_attribute(
            "data-status", "stuck", timeout=15_000
        )
        expect(page.locator("#stuck-note")).to_be_hidden()
    finally:
        emulator.configure(latency_ms=0)
    expect(page.locator('[data-count-for="stuck"] .count')).to_have_text("1")
    settled = page.evaluate("window.stuckSettled")
    assert settled == [["1", 1]], settled


def test_a_member_never_reads_0_stuck_above_a_sync_health_cannot_judge(signed_in_page):
    """carol sees acme from mirror health alone: its running syncs may be stuck (acme/python
    is), and nothing she may read can tell. The count said "0 stuck" once the rows settled."""
    page = signed_in_page("carol", "/")
    settled(page)
    expect(page.locator('tr[data-repo="acme/python"]')).to_have_attribute("data-stuck-unknown", "")
    expect(page.locator('[data-count-for="stuck"] .count')).to_have_text("?")
    expect(page.locator("#stuck-unknown-note")).to_contain_text("not known for 3 running")
