"""Browser tests: Playwright drives Debian's Chromium against the dashboard (pytest-django's
``live_server``) talking to a real emulator process.

Reusable fixtures for every browser test module:

* ``dashboard`` -- the live server's base URL, with Quay pointed at the emulator and the
  emulator's OAuth redirect URI pointed back at the live server;
* ``signed_in_page(user="alice", path="/")`` -- a Playwright page signed in by pasting the
  user's demo token on the sign-in page, opened at ``path``;
* ``screenshot(page, name)`` -- a full-page PNG in ``test-results/screenshots/``;
* ``status_polls(page)`` -- a live list of the live status's polls the page has made;
* ``assert_no_sideways_scroll(page)`` (a function in ``tests/support/browser.py``) -- nothing on
  the page sticks out of its window (e.g. a phone's, ``PHONE``), naming what does when
  something does.

Every test here is marked ``e2e`` and uses a transactional database (the live server runs in
another thread).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Error, Page, Request

from tests.support.browser import csp_violations, hide_tab
from tests.support.emulator import TOKENS, Emulator

# The live server runs in a thread while Playwright's sync API runs an event loop here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM", CHROMIUM),
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture
def context(context: BrowserContext) -> Iterator[BrowserContext]:
    """Every page of every e2e test: the browser's console shows no CSP violation."""
    messages: list[str] = []
    # Where a violation came from: the browser's own message does not say.
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' at ' + e.sourceFile"
        " + ':' + e.lineNumber + ':' + e.columnNumber + ' ' + e.sample))"
    )
    context.on("console", lambda message: messages.append(message.text))
    context.on("weberror", lambda error: messages.append(str(error.error)))
    yield context
    _quiet(context)
    assert not csp_violations(messages), csp_violations(messages)


def _quiet(context: BrowserContext) -> None:
    """Stop the pages' polls (their tabs hidden) and let one already sent land, so that no
    request of a live part reaches the live server while the test database is flushed after
    the test (sqlite: "database table is locked")."""
    pages = [page for page in context.pages if not page.is_closed()]
    for page in pages:
        try:
            hide_tab(page)
        except Error:  # a page gone or navigating: nothing of it polls
            continue
    if pages:
        pages[0].wait_for_timeout(500)


@pytest.fixture
def quick_refresh(settings) -> None:
    """The tab's refresh every second (at most every 2 s) instead of every 5 (to 30), with no
    pace per minute to slow it."""
    settings.OVERVIEW_REFRESH_SECONDS = 1
    settings.OVERVIEW_REFRESH_MAX_SECONDS = 2
    settings.OVERVIEW_REFRESH_CALLS_PER_MINUTE = 0


@pytest.fixture
def dashboard(live_server, emulator: Emulator) -> str:
    """The dashboard's base URL (no trailing slash), wired to the emulator both ways."""
    emulator.configure(redirect_uri=live_server.url + "/")
    return live_server.url


@pytest.fixture
def signed_in_page(page: Page, dashboard: str) -> Callable[..., Page]:
    """Sign in as a seeded user by pasting their demo token, then open ``path``."""

    def sign_in(user: str = "alice", path: str = "/") -> Page:
        page.set_default_timeout(10_000)
        page.goto(f"{dashboard}/accounts/login/?next={path}")
        page.get_by_label("Access token").fill(TOKENS[user])
        page.get_by_role("button", name="Sign in with token").click()
        page.wait_for_url(re.compile(re.escape(dashboard) + re.escape(path) + r"(\?.*)?$"))
        return page

    return sign_in


@pytest.fixture(scope="session")
def screenshots_dir(pytestconfig: pytest.Config) -> Path:
    folder = ROOT / pytestconfig.getoption("--output") / "screenshots"
    return folder


@pytest.fixture
def screenshot(screenshots_dir: Path) -> Callable[[Page, str], Path]:
    """Save a full-page screenshot as ``test-results/screenshots/<name>.png``."""

    def take(page: Page, name: str) -> Path:
        screenshots_dir.mkdir(parents=True, exist_ok=True)
        path = screenshots_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def status_polls() -> Callable[[Page], list[str]]:
    """Start counting the live status's polls: a repository's panel's (``.../status/?poll=1``)
    or an organization mirror's live part's (``/org/<org>/mirror/?poll=1``)."""

    def watch(page: Page) -> list[str]:
        seen: list[str] = []

        def on_request(request: Request) -> None:
            if ("/status/" in request.url or "/mirror/" in request.url) and "poll=1" in request.url:
                seen.append(request.url)

        page.on("request", on_request)
        return seen

    return watch


@pytest.fixture(autouse=True)
def _release_hangs(emulator: Emulator) -> Iterator[None]:
    """A test that makes the emulator hang must not leave requests hanging after it."""
    yield
    emulator.configure(hang=[], fail={})
