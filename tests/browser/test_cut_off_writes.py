"""A write cut off mid-way leaves a trace: the dashboard's instance dies (SIGKILL) while Quay
applies a save, a Sync now or an organization mirror's save (the emulator applies the write
and holds its answer). The audit entry written before the call is there, "sent to Quay, no
answer recorded yet"; saving the same change again says Quay already holds it; the next visit
settles a save from the settings Quay holds and a press as unknown. The production command
(gunicorn), a database file shared by the instances, a browser."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.emulator import TOKENS, Emulator
from tests.support.quay_api import wait_until
from tests.support.servers import django_env, gunicorn_process, kill, manage

MIRROR = "/api/v1/repository/acme/nginx/mirror"


@pytest.fixture
def instances(emulator: Emulator, tmp_path: Path) -> Iterator[Callable[..., tuple[str, object]]]:
    """Start a dashboard instance (one gunicorn) on the shared database: (its URL, process)."""
    database = tmp_path / "db.sqlite3"
    env = django_env(
        QUAY_URL=emulator.url,
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="4",
    )
    manage(env, "migrate", "--noinput")
    with ExitStack() as stack:

        def start(**settings: str) -> tuple[str, object]:
            log = tmp_path / f"instance-{secrets.token_hex(3)}.log"
            port, proc = stack.enter_context(gunicorn_process({**env, **settings}, log))
            return f"http://127.0.0.1:{port}", proc

        start.database = database  # type: ignore[attr-defined]
        yield start


def outcomes(database: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT action, outcome, message FROM mirrors_auditentry ORDER BY id"
        ).fetchall()
    return [tuple(row) for row in rows]


def sign_in(page: Page, url: str, path: str, user: str = "alice") -> None:
    page.goto(f"{url}/accounts/login/?next={path}")
    page.get_by_label("Access token").fill(TOKENS[user])
    page.get_by_role("button", name="Sign in with token").click()
    page.wait_for_url(f"{url}{path}")


def written(emulator: Emulator, method: str, path: str) -> bool:
    return any(
        (e["method"], e["path"]) == (method, path) and e["status"] < 300
        for e in emulator.requests_log()
    )


def test_a_save_cut_off_while_quay_applies_it_is_not_lost(
    browser: Browser, emulator: Emulator, instances
) -> None:
    first, proc = instances()
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    sign_in(page, first, "/repo/acme/nginx/")
    page.get_by_label("Sync every").fill("7")
    emulator.configure(delay_after_write={MIRROR: 60})
    page.get_by_role("button", name="Save changes", exact=True).click(no_wait_after=True)
    wait_until(lambda: written(emulator, "PUT", MIRROR), "Quay applied the save")
    kill(proc)  # the instance dies before Quay's answer reaches it
    emulator.configure(delay_after_write={})
    assert emulator.mirror("acme", "nginx")["sync_interval"] == 7 * 3600
    assert [(a, o) for a, o, _ in outcomes(instances.database)] == [("update", "pending")]

    # Another instance (cookies do not depend on the port: still signed in).
    second, _ = instances()
    page.goto(f"{second}/repo/acme/nginx/")
    audit = page.locator(".audit-list .audit-entry").first
    expect(audit).to_contain_text("sent to Quay, no answer recorded yet")
    page.get_by_label("Sync every").fill("7")  # the person tries again
    page.get_by_role("button", name="Save changes", exact=True).click()
    expect(page.locator(".messages, .message").first).to_contain_text(
        "Quay already holds your change of"
    )
    expect(audit).not_to_contain_text("sent to Quay")
    [(action, outcome, message)] = outcomes(instances.database)
    assert (action, outcome) == ("update", "done"), message
    assert "the settings Quay holds show every change" in message
    puts = [e for e in emulator.requests_log() if (e["method"], e["path"]) == ("PUT", MIRROR)]
    assert len(puts) == 1  # nothing sent twice


def test_a_sync_now_cut_off_is_settled_as_unknown_at_the_next_visit(
    browser: Browser, emulator: Emulator, instances
) -> None:
    first, proc = instances()
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    sign_in(page, first, "/repo/acme/nginx/")
    emulator.configure(delay_after_write={f"{MIRROR}/sync-now": 60})
    page.get_by_role("button", name="Sync now").first.click(no_wait_after=True)
    wait_until(lambda: written(emulator, "POST", f"{MIRROR}/sync-now"), "Quay took the press")
    kill(proc)
    emulator.configure(delay_after_write={})
    assert [(a, o) for a, o, _ in outcomes(instances.database)] == [("sync_now", "pending")]
    second, _ = instances(AUDIT_PENDING_SECONDS="0")
    page.goto(f"{second}/repo/acme/nginx/")
    audit = page.locator(".audit-list .audit-entry").first
    expect(audit).to_contain_text("outcome unknown")
    expect(audit).to_contain_text("whether Quay took this press is not known")
    assert [(a, o) for a, o, _ in outcomes(instances.database)] == [("sync_now", "unknown")]


def test_an_organization_save_cut_off_is_settled_from_what_quay_holds(
    browser: Browser, emulator: Emulator, instances
) -> None:
    org_mirror = "/api/v1/organization/orgnew/mirror"
    first, proc = instances()
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    sign_in(page, first, "/org/orgnew/mirror/", user="olivia")
    page.locator("summary", has_text="Edit settings").click()
    page.get_by_label("Sync every").fill("9")
    emulator.configure(delay_after_write={org_mirror: 60})
    page.locator("#org-save").click(no_wait_after=True)
    wait_until(lambda: written(emulator, "PUT", org_mirror), "Quay applied the save")
    kill(proc)
    emulator.configure(delay_after_write={})
    assert [(a, o) for a, o, _ in outcomes(instances.database)] == [("update", "pending")]
    second, _ = instances(AUDIT_PENDING_SECONDS="0")
    page.goto(f"{second}/org/orgnew/mirror/")
    expect(page.locator(".audit-list .audit-entry").first).to_contain_text(
        "the settings Quay holds show every change"
    )
    [(action, outcome, _)] = outcomes(instances.database)
    assert (action, outcome) == ("update", "done")
