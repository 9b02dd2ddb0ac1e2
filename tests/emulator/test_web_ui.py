"""The emulated Quay answers the web pages the dashboard links to (dashboard/quay/ui.py) with a
stand-in that says what a real Quay shows there."""

from __future__ import annotations

import requests

from tests.support.emulator import Emulator


def test_the_pages_of_quays_ui_the_dashboard_links_to(emulator: Emulator):
    for path, said in (
        ("/repository/acme/nginx?tab=mirroring", "the repository <strong>acme/nginx</strong>"),
        ("/organization/acme?tab=Robotaccounts", "its Robot accounts tab"),
        ("/organization/orgmirror?tab=Mirroring", "its Mirroring tab"),
        ("/user/alice?tab=Robotaccounts", "the user <strong>alice</strong>"),
        ("/repository/acme/nginx", "at its first tab"),
    ):
        answer = requests.get(emulator.url + path, timeout=10)
        assert answer.status_code == 200, path
        assert said in answer.text, (path, answer.text)


def test_names_are_escaped(emulator: Emulator):
    answer = requests.get(emulator.url + "/user/%3Cb%3Ex?tab=%3Ci%3E", timeout=10)
    assert "<b>x" not in answer.text and "&lt;b&gt;x" in answer.text
