"""``GET /api/v1/repository/mirror/health`` as in Quay's mirrorhealth.py."""

from __future__ import annotations

from werkzeug.test import Client

from dashboard.emulator.app import EmulatorApp
from dashboard.emulator.seed import demo_token
from dashboard.emulator.state import Options
from tests.support.emulator import Emulator


def health(emulator: Emulator, user: str = "alice", **params: str):
    return emulator.api("GET", "repository/mirror/health", user=user, params=params)


def test_health_of_acme_is_healthy_at_seed(emulator: Emulator) -> None:
    response = health(emulator, namespace="acme")
    assert response.status_code == 200
    body = response.json()
    assert body["healthy"] is True
    # Without Quay's PushGateway metrics no worker reports in (as on the real Quay measured).
    assert body["workers"] == {"active": 0, "configured": 0, "status": "healthy"}
    assert body["repositories"] == {
        "total": 12,
        "syncing": 2,
        "completed": 4,
        "failed": 2,
        "never_run": 2,
    }
    assert body["tags_pending"] == 0
    assert body["last_check"].endswith("Z")
    messages = [issue["message"] for issue in body["issues"]]
    assert "Repository acme/ubuntu has never been synced" in messages
    assert "Repository acme/postgres has exhausted all retry attempts" in messages
    assert response.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"


def test_health_answers_503_with_the_same_body_when_too_many_fail(emulator: Emulator) -> None:
    emulator.api("POST", "repository/acme/broken/mirror/sync-now")
    emulator.advance(8)
    response = health(emulator, namespace="acme")
    assert response.status_code == 503
    body = response.json()
    assert body["healthy"] is False
    assert body["workers"] == {"active": 0, "configured": 0, "status": "degraded"}
    assert body["issues"][0]["severity"] == "critical"
    assert body["issues"][0]["message"] == ("27.3% of repositories are failing (threshold: 20.0%)")


def test_health_details_list_enabled_mirrors_only(emulator: Emulator) -> None:
    body = health(emulator, namespace="acme", detailed="true").json()
    rows = body["repositories"]["details"]
    names = [row["repository"] for row in rows]
    assert "golang" not in names and "node" not in names
    assert len(rows) == 12
    assert set(rows[0]) == {
        "namespace",
        "repository",
        "sync_status",
        "is_enabled",
        "last_sync",
        "retries_remaining",
    }
    assert body["repositories"]["pagination"] == {"limit": 100, "offset": 0, "has_more": False}


def test_health_details_paginate(emulator: Emulator) -> None:
    body = health(emulator, namespace="acme", detailed="true", limit="5", offset="10").json()
    assert len(body["repositories"]["details"]) == 2
    assert body["repositories"]["pagination"]["has_more"] is False


def test_org_member_may_read_health_of_the_org(emulator: Emulator) -> None:
    assert health(emulator, user="carol", namespace="acme").status_code == 200


def test_non_member_may_not_read_health_of_an_org(emulator: Emulator) -> None:
    assert health(emulator, user="bob", namespace="initech").status_code == 403


def test_health_of_own_user_namespace(emulator: Emulator) -> None:
    assert health(emulator, namespace="alice").status_code == 200
    assert health(emulator, user="bob", namespace="alice").status_code == 403


def test_global_health_needs_a_superuser(emulator: Emulator) -> None:
    assert health(emulator).status_code == 403
    response = health(emulator, user="dave")
    assert response.status_code in (200, 503)
    assert response.json()["repositories"]["total"] == 17


def test_global_health_admits_a_full_superuser_too() -> None:
    """Quay's mirrorhealth.py: allow_if_superuser() or allow_if_global_readonly_superuser()."""
    app = EmulatorApp(Options())
    client = Client(app)
    headers = {"Authorization": f"Bearer {demo_token('bob')}"}
    path = "/api/v1/repository/mirror/health"
    assert client.get(path, headers=headers).status_code == 403
    app.state.users["bob"].superuser = True
    response = client.get(path, headers=headers)
    assert response.status_code in (200, 503)
    assert response.json["repositories"]["total"] == 17
    initech = client.get(path, query_string={"namespace": "initech"}, headers=headers)
    assert initech.status_code in (200, 503)  # not a member of initech: a superuser reads it


def test_health_of_unknown_namespace_answers_404(emulator: Emulator) -> None:
    assert health(emulator, namespace="nosuchorg").status_code == 404


def test_an_unhealthy_answer_still_carries_every_detail(emulator: Emulator) -> None:
    emulator.api("POST", "repository/acme/broken/mirror/sync-now")
    emulator.advance(8)
    response = health(emulator, namespace="acme", detailed="true", limit="3")
    assert response.status_code == 503
    repositories = response.json()["repositories"]
    assert [row["repository"] for row in repositories["details"]] == ["alpine", "broken", "busybox"]
    assert repositories["details"][1]["sync_status"] == "FAIL"
    assert repositories["pagination"] == {"limit": 3, "offset": 0, "has_more": True}


def test_pages_of_details_cover_every_enabled_mirror_once(emulator: Emulator) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        body = health(emulator, namespace="acme", detailed="true", limit="5", offset=str(offset))
        repositories = body.json()["repositories"]
        seen += [row["repository"] for row in repositories["details"]]
        assert repositories["pagination"]["offset"] == offset
        if not repositories["pagination"]["has_more"]:
            break
        offset += 5
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 12


def test_limit_is_between_1_and_1000(emulator: Emulator) -> None:
    def pagination(limit: str) -> dict:
        body = health(emulator, namespace="acme", detailed="true", limit=limit).json()
        return body["repositories"]["pagination"]

    assert pagination("0")["limit"] == 1
    assert pagination("-3")["limit"] == 1
    assert pagination("5000")["limit"] == 1000
    body = health(emulator, namespace="acme", detailed="true", offset="-4").json()
    assert body["repositories"]["pagination"]["offset"] == 0


def test_a_limit_or_offset_that_is_no_integer_is_refused_with_quays_help_text(
    emulator: Emulator,
) -> None:
    response = health(emulator, namespace="acme", limit="ten")
    assert (response.status_code, response.json()) == (
        400,
        {"message": {"limit": "Maximum repositories in detailed view (when detailed=true)"}},
    )
    response = health(emulator, namespace="acme", limit="ten", offset="1.5")
    assert response.json() == {
        "message": {"offset": "Offset into the sorted mirror list for detailed view"}
    }


def test_detailed_is_quays_truthy_bool(emulator: Emulator) -> None:
    for value in ("true", "1", "yes", "no", "on"):
        body = health(emulator, namespace="acme", detailed=value).json()
        assert "details" in body["repositories"], value
    for value in ("false", "False", "0", ""):
        body = health(emulator, namespace="acme", detailed=value).json()
        assert "details" not in body["repositories"], value


def test_a_member_needs_a_token_that_leaves_them_a_team_role(emulator: Emulator) -> None:
    """Quay caps an organization role by the token's scopes: without ``org:admin`` or
    ``repo:create`` a token carries no organization membership at all."""
    assert health(emulator, user="alice-limited", namespace="acme").status_code == 403
    assert health(emulator, user="alice-limited", namespace="alice").status_code == 200
