"""User, repository listing and paging, repository state, robots."""

from __future__ import annotations

from tests.support.emulator import Emulator
from tests.support.quay_api import UNAUTHORIZED, detail, without_type


def test_user_lists_organizations_without_admin_fields_for_user_read_scope(
    emulator: Emulator,
) -> None:
    body = emulator.api("GET", "user/").json()
    assert body["anonymous"] is False
    assert body["username"] == "alice"
    assert set(body["avatar"]) == {"name", "hash", "color", "kind"}
    assert [org["name"] for org in body["organizations"]] == ["acme", "globex", "initech"]
    assert set(body["organizations"][0]) == {"name", "avatar", "can_create_repo", "public"}
    assert "email" not in body


def test_user_organizations_of_bob_and_carol(emulator: Emulator) -> None:
    bob = emulator.api("GET", "user/", user="bob").json()
    carol = emulator.api("GET", "user/", user="carol").json()
    assert [(o["name"], o["can_create_repo"]) for o in bob["organizations"]] == [
        ("acme", True),
        ("globex", False),
    ]
    assert [(o["name"], o["can_create_repo"]) for o in carol["organizations"]] == [("acme", False)]


def test_user_view_names_no_superuser_like_quay(emulator: Emulator) -> None:
    """Quay sends ``super_user`` only with the super:user scope and never a read-only flag."""
    body = emulator.api("GET", "user/", user="dave").json()
    assert body["organizations"] == []
    assert "global_readonly_super_user" not in body
    assert "super_user" not in body


def test_repository_list_without_filter_answers_400(emulator: Emulator) -> None:
    response = emulator.api("GET", "repository")
    assert response.status_code == 400
    assert without_type(response.json()) == {
        "detail": "namespace, starred or public are required for this API call",
        "error_message": "namespace, starred or public are required for this API call",
        "error_type": "invalid_request",
        "title": "invalid_request",
        "status": 400,
    }


def test_repository_list_of_a_namespace(emulator: Emulator) -> None:
    body = emulator.api("GET", "repository", params={"namespace": "acme"}).json()
    names = [repo["name"] for repo in body["repositories"]]
    assert "next_page" not in body
    assert {"nginx", "etcd", "node", "app", "web", "broken", "flaky", "orphan"} <= set(names)
    nginx = next(repo for repo in body["repositories"] if repo["name"] == "nginx")
    assert nginx == {
        "namespace": "acme",
        "name": "nginx",
        "description": "Mirror of docker.io/library/nginx",
        "is_public": False,
        "kind": "image",
        "state": "MIRROR",
        "is_starred": False,
    }
    states = {repo["name"]: repo["state"] for repo in body["repositories"]}
    assert states["app"] == "NORMAL"
    assert states["node"] == "MIRROR"


def test_repository_list_shows_only_readable_repositories(emulator: Emulator) -> None:
    bob = emulator.api("GET", "repository", user="bob", params={"namespace": "globex"}).json()
    carol = emulator.api("GET", "repository", user="carol", params={"namespace": "acme"}).json()
    assert bob["repositories"] == []
    assert len(carol["repositories"]) == 16


def test_repository_list_pages_by_100_with_next_page(emulator: Emulator) -> None:
    emulator.reset(repos=400)
    first = emulator.api("GET", "repository", params={"namespace": "acme"}).json()
    assert len(first["repositories"]) == 100
    second = emulator.api(
        "GET", "repository", params={"namespace": "acme", "next_page": first["next_page"]}
    ).json()
    assert "next_page" not in second
    names = [r["name"] for r in first["repositories"] + second["repositories"]]
    assert len(names) == len(set(names)) == 16 + 100
    assert "bulk-0001" in names and "bulk-0397" in names


def test_reset_without_repos_drops_the_bulk_repositories(emulator: Emulator) -> None:
    emulator.reset(repos=8)
    emulator.reset()
    body = emulator.api("GET", "repository", params={"namespace": "acme"}).json()
    assert not [r for r in body["repositories"] if r["name"].startswith("bulk-")]


def test_repository_detail_of_a_mirror_cannot_be_written(emulator: Emulator) -> None:
    body = emulator.api("GET", "repository/acme/nginx").json()
    assert body["state"] == "MIRROR"
    assert body["can_admin"] is True
    assert body["can_write"] is False
    assert body["is_organization"] is True
    assert "latest" in body["tags"]


def test_repository_detail_for_a_reader(emulator: Emulator) -> None:
    body = emulator.api("GET", "repository/acme/app", user="carol").json()
    assert (body["can_write"], body["can_admin"]) == (False, False)


def test_change_state_to_mirror_answers_success(emulator: Emulator) -> None:
    response = emulator.api("PUT", "repository/acme/app/changestate", json={"state": "MIRROR"})
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert emulator.mirror("acme", "app")["state"] == "MIRROR"


def test_change_state_to_unknown_state_answers_jsonschema_400(emulator: Emulator) -> None:
    response = emulator.api("PUT", "repository/acme/app/changestate", json={"state": "FROZEN"})
    assert response.status_code == 400
    assert detail(response) == (
        "'FROZEN' is not one of ['NORMAL', 'READ_ONLY', 'MIRROR']\n\n"
        "Failed validating 'enum' in schema['properties']['state']:\n"
        "    {'description': 'Determines whether pushes are allowed.',\n"
        "     'enum': ['NORMAL', 'READ_ONLY', 'MIRROR'],\n"
        "     'type': 'string'}\n\n"
        "On instance['state']:\n"
        "    'FROZEN'"
    )


def test_change_state_without_admin_rights_answers_403(emulator: Emulator) -> None:
    response = emulator.api(
        "PUT", "repository/acme/app/changestate", user="carol", json={"state": "MIRROR"}
    )
    assert response.status_code == 403
    assert without_type(response.json()) == UNAUTHORIZED


def test_org_robots_for_an_admin_include_tokens(emulator: Emulator) -> None:
    robots = emulator.api("GET", "organization/acme/robots").json()["robots"]
    assert [robot["name"] for robot in robots] == ["acme+ci", "acme+mirror"]
    assert set(robots[0]) == {"name", "created", "last_accessed", "description", "token"}


def test_org_robots_for_a_member_have_no_tokens(emulator: Emulator) -> None:
    robots = emulator.api("GET", "organization/acme/robots", user="carol").json()["robots"]
    assert [robot["name"] for robot in robots] == ["acme+ci", "acme+mirror"]
    assert all("token" not in robot for robot in robots)


def test_org_robots_of_unknown_org_answer_403(emulator: Emulator) -> None:
    assert emulator.api("GET", "organization/nosuchorg/robots").status_code == 403


def test_org_robots_need_org_admin_scope(emulator: Emulator) -> None:
    response = emulator.api("GET", "organization/acme/robots", user="alice-limited")
    assert response.status_code == 403


def test_user_robots_need_user_admin_scope(emulator: Emulator) -> None:
    response = emulator.api("GET", "user/robots")
    assert response.status_code == 403
    assert without_type(response.json()) == UNAUTHORIZED
