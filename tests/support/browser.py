"""What the browser tests share: a page not reloaded, a tab hidden, nothing sticking out
sideways, no CSP violation."""

from __future__ import annotations

from playwright.sync_api import Page

#: What a phone's screen is wide (an iPhone 12-15), in CSS pixels.
PHONE = {"width": 390, "height": 844}

# Every element whose right edge is past the viewport, with its box: what to fix when a page
# scrolls sideways.
_STICKING_OUT = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(0, 12)
  .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (typeof e.className === 'string' && e.className.trim()
       ? '.' + e.className.trim().split(/ +/).join('.') : '')
    + ' ' + Math.round(e.getBoundingClientRect().width) + ' px wide, ends at x='
    + Math.round(e.getBoundingClientRect().right))"""


def assert_no_sideways_scroll(page: Page) -> None:
    """Nothing on the page is wider than its window (no sideways scrolling); else the assertion
    names what sticks out."""
    scroll_width, window_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= window_width, (scroll_width, page.evaluate(_STICKING_OUT))


def csp_violations(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or "Content-Security-Policy" in m]


def mark_page(page: Page) -> None:
    """A marker that a reload would wipe out."""
    page.evaluate("window.__not_reloaded = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__not_reloaded === true"), "the page was reloaded"


def hide_tab(page: Page, hidden: bool = True) -> None:
    """Make the page believe its tab is hidden (or visible again)."""
    page.evaluate(
        """hidden => {
            Object.defineProperty(document, 'visibilityState',
                {configurable: true, get: () => hidden ? 'hidden' : 'visible'});
            Object.defineProperty(document, 'hidden', {configurable: true, get: () => hidden});
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
        hidden,
    )
