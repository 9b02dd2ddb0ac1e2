"""Sync now and Cancel from an overview row (htmx), for both kinds: the answer is the row again,
with the press's outcome and its new status, and the tab's refresh starts again. Without
JavaScript a press goes back to the page it was made on: test_without_javascript.py."""

from __future__ import annotations

import re

import pytest

from tests.support.kinds import for_each_kind, org, repo
from tests.support.overview import row_status
from tests.support.pages import HX, text, text_of

pytestmark = pytest.mark.django_db


def watched(html: str) -> bool:
    """The row is one the tab's refresh asks about (it polls no URL of its own)."""
    head = html.split(">", 1)[0]
    assert "hx-trigger" not in head
    return " data-watch" in head


@for_each_kind(
    "mirror, refresh_restarts",
    repository=(
        repo("acme", "redis"),
        r'<template><div id="refresh"[^>]*hx-swap-oob="true"[^>]*hx-post=',
    ),
    organization=(org("orgnew"), r'id="org-refresh" hx-swap-oob="true"'),
)
def test_a_press_from_a_row_answers_with_the_row_and_its_outcome(
    client_as, emulator, mirror, refresh_restarts
):
    client = client_as(mirror.admin)

    response = client.post(mirror.path("sync-now"), {"view": "row"}, **HX)

    assert response.status_code == 200
    html = text(response)
    assert html.lstrip().startswith("<tr") and "<html" not in html
    assert row_status(html, mirror.full_name) == "active"  # queued
    assert f"Sync requested for {mirror.called}" in text_of(html)
    # The tab's refresh starts again (out of band): the row is active now.
    assert re.search(refresh_restarts, html)
    assert mirror.stored(emulator)["sync_status"] == "SYNC_NOW"
    response = client.post(mirror.path("sync-now"), {"view": "row"})
    assert (response.status_code, response["Location"]) == (302, "/")


def test_a_repositorys_row_after_a_press_is_watched_by_the_tabs_refresh(alice, emulator):
    html = text(alice.post("/repo/acme/redis/sync-now/", {"view": "row"}, **HX))
    assert watched(html)


@for_each_kind(
    "mirror, said",
    repository=(repo("acme", "alpine"), "Already syncing"),
    organization=(
        org("orgmirror"),
        "Quay refused a new sync of the organization mirror of orgmirror",
    ),
)
def test_sync_now_on_a_running_row_says_why_not_in_the_row(client_as, emulator, mirror, said):
    html = text(client_as(mirror.admin).post(mirror.path("sync-now"), {"view": "row"}, **HX))
    assert html.lstrip().startswith("<tr")
    assert said in text_of(html)
    assert row_status(html, mirror.full_name) == "active"
