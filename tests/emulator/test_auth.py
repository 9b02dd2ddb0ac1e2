"""Authentication, scopes, permissions and the browser User-Agent rule."""

from __future__ import annotations

import pytest

from tests.support.emulator import Emulator
from tests.support.quay_api import UNAUTHORIZED, without_type

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


def test_user_without_token_answers_401_with_session_required(emulator: Emulator) -> None:
    response = emulator.api("GET", "user/", user="")
    assert response.status_code == 401
    assert response.json() == {
        "session_required": False,
        "detail": "Requires authentication",
        "error_message": "Requires authentication",
        "error_type": "invalid_token",
        "title": "invalid_token",
        "type": f"{emulator.url}/api/v1/error/invalid_token",
        "status": 401,
    }


def test_unknown_token_answers_401(emulator: Emulator) -> None:
    headers = {"Authorization": "Bearer " + "NOTAREALTOKEN".ljust(40, "0")}
    response = emulator.api("GET", "user/", user="", headers=headers)
    assert response.status_code == 401
    assert response.json()["error_type"] == "invalid_token"


def test_mirror_without_token_answers_401_without_session_required(emulator: Emulator) -> None:
    response = emulator.api("GET", "repository/acme/nginx/mirror", user="")
    assert response.status_code == 401
    body = response.json()
    assert "session_required" not in body
    assert body["detail"] == "Requires authentication"


def test_token_without_repo_admin_scope_gets_403_on_mirror(emulator: Emulator) -> None:
    response = emulator.api("GET", "repository/acme/nginx/mirror", user="alice-limited")
    assert response.status_code == 403
    assert without_type(response.json()) == UNAUTHORIZED


def test_limited_token_can_still_list_repositories(emulator: Emulator) -> None:
    response = emulator.api("GET", "repository", user="alice-limited", params={"namespace": "acme"})
    assert response.status_code == 200


def test_member_without_admin_rights_gets_403_on_mirror(emulator: Emulator) -> None:
    response = emulator.api("GET", "repository/acme/nginx/mirror", user="carol")
    assert response.status_code == 403
    assert without_type(response.json()) == UNAUTHORIZED


def test_member_without_admin_rights_gets_403_on_sync_now(emulator: Emulator) -> None:
    response = emulator.api("POST", "repository/acme/nginx/mirror/sync-now", user="carol")
    assert response.status_code == 403


def test_member_without_repo_rights_cannot_read_the_repository(emulator: Emulator) -> None:
    response = emulator.api("GET", "repository/globex/mysql", user="bob")
    assert response.status_code == 403


def test_unknown_namespace_answers_403_not_404(emulator: Emulator) -> None:
    response = emulator.api("GET", "repository/nosuchorg/whatever/mirror")
    assert response.status_code == 403


def test_unknown_repository_in_own_org_answers_404(emulator: Emulator) -> None:
    response = emulator.api("GET", "repository/acme/doesnotexist/mirror")
    assert response.status_code == 404
    assert response.json()["error_type"] == "not_found"


def test_browser_user_agent_without_x_requested_with_answers_400_html(emulator: Emulator) -> None:
    response = emulator.api("GET", "user/", headers={"User-Agent": BROWSER})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    message = "API calls must be invoked with an X-Requested-With header if called from a browser"
    assert response.json() == {"error": message}


def test_browser_user_agent_with_x_requested_with_is_accepted(emulator: Emulator) -> None:
    headers = {"User-Agent": BROWSER, "X-Requested-With": "XMLHttpRequest"}
    assert emulator.api("GET", "user/", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "repository/acme/nginx/mirror",
        "repository/acme/nginx/logs",
        "repository/acme/nginx/tag/",
        "repository/acme/nginx",
        "organization/acme/robots",
        "repository/mirror/health?namespace=initech",
    ],
)
def test_readonly_superuser_may_read(emulator: Emulator, path: str) -> None:
    assert emulator.api("GET", path, user="dave").status_code == 200


def test_readonly_superuser_sees_every_repository(emulator: Emulator) -> None:
    response = emulator.api("GET", "repository", user="dave", params={"namespace": "initech"})
    assert {r["name"] for r in response.json()["repositories"]} == {"grafana", "loki"}


def test_readonly_superuser_robot_list_has_no_tokens(emulator: Emulator) -> None:
    robots = emulator.api("GET", "organization/acme/robots", user="dave").json()["robots"]
    assert robots and all("token" not in robot for robot in robots)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "repository/acme/nginx/mirror", {"is_enabled": False}),
        ("POST", "repository/acme/nginx/mirror/sync-now", None),
        ("POST", "repository/acme/alpine/mirror/sync-cancel", None),
        ("POST", "repository/acme/node/mirror", None),
        ("PUT", "repository/acme/nginx/changestate", {"state": "NORMAL"}),
    ],
)
def test_readonly_superuser_cannot_change_anything(
    emulator: Emulator, method: str, path: str, body: dict | None
) -> None:
    response = emulator.api(method, path, user="dave", json=body)
    assert response.status_code == 403
    assert emulator.mirror("acme", "nginx")["is_enabled"] is True
