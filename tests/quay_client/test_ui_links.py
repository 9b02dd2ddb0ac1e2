"""Links into Quay's own UI (dashboard/quay/ui.py): Quay's routes, each name quoted."""

from __future__ import annotations

from dashboard.quay import ui


def test_the_routes_of_quays_ui(settings):
    settings.QUAY_URL = "https://quay.example.com"
    assert ui.repository_url("acme", "nginx") == "https://quay.example.com/repository/acme/nginx"
    assert (
        ui.repository_url("acme", "nginx", ui.REPOSITORY_MIRRORING)
        == "https://quay.example.com/repository/acme/nginx?tab=mirroring"
    )
    assert (
        ui.namespace_url("acme", True, ui.ROBOT_ACCOUNTS)
        == "https://quay.example.com/organization/acme?tab=Robotaccounts"
    )
    assert ui.namespace_url("alice", False) == "https://quay.example.com/user/alice"


def test_every_name_is_quoted(settings):
    settings.QUAY_URL = "https://quay.example.com"
    url = ui.repository_url("a/b?c", "d#e f", "x&y")
    assert url == "https://quay.example.com/repository/a%2Fb%3Fc/d%23e%20f?tab=x%26y"
