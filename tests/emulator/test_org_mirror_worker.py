"""The organization-mirror worker simulated from the emulator's clock, sync-now, sync-cancel,
verify and the discovered repositories, against the seed (``seed_orgs.py``) and real Quay's
transcript (``shared/reference/quay-org-mirror-observed.md``)."""

from __future__ import annotations

import pytest

from tests.support.emulator import Emulator
from tests.support.org_api import (
    ALL_STATUSES,
    config,
    create,
    nonzero,
    org_api,
    record,
    repositories,
    statuses,
)

STILL_SYNCING = (
    "Cannot trigger sync: repositories are still syncing. Cancel the current sync and wait for "
    "all repositories to reach a terminal state before triggering a new sync."
)
REPO_LEVEL = (
    "Repository mirror configuration cannot be managed when organization-level mirroring is "
    "configured"
)


def press(emulator: Emulator, org: str, verb: str) -> tuple[int, str | None]:
    response = org_api(emulator, "POST", org, verb)
    return response.status_code, (response.json()["detail"] if response.content else None)


def test_seeded_mirror_is_syncing_while_its_config_says_success(emulator: Emulator) -> None:
    body = config(emulator, "orgmirror")
    assert body["sync_status"] == "SUCCESS"
    assert nonzero(body["repo_sync_status_counts"]) == {
        "SUCCESS": 2, "SYNCING": 1, "SYNC_NOW": 2, "SKIP": 1,
    }  # fmt: skip
    assert statuses(emulator, "orgmirror") == {
        "alpha": "SUCCESS", "beta": "SUCCESS", "broken": "SYNC_NOW", "delta": "SYNC_NOW",
        "gamma": "SYNCING", "legacy": "SKIP",
    }  # fmt: skip
    rows = {row["name"]: row for row in repositories(emulator, "orgmirror")["repositories"]}
    assert rows["legacy"]["status_message"] == "Repository excluded by filters"
    assert rows["gamma"]["quay_repository"] == "orgmirror/gamma"
    assert rows["delta"]["quay_repository"] is None  # created when its sync starts
    assert "hidden" not in rows  # private at the source, the source is anonymous


def test_repositories_sync_one_at_a_time_and_a_failing_one_blocks_sync_now(
    emulator: Emulator,
) -> None:
    assert press(emulator, "orgmirror", "sync-now") == (400, STILL_SYNCING)
    emulator.advance(120)
    assert statuses(emulator, "orgmirror") == {
        "alpha": "SUCCESS", "beta": "SUCCESS", "broken": "FAIL", "delta": "SUCCESS",
        "gamma": "SUCCESS", "legacy": "SKIP",
    }  # fmt: skip
    broken = {r["name"]: r for r in repositories(emulator, "orgmirror")["repositories"]}["broken"]
    assert broken["status_message"] == (
        "Failed to list tags for 'quay.example.com/upstreamorg/broken': "
        "skopeo list-tags failed: See output"
    )
    gamma = emulator.api("GET", "repository/orgmirror/gamma", user="olivia").json()
    assert (gamma["state"], sorted(gamma["tags"])) == ("ORG_MIRROR", ["bulk-01", "bulk-02"])
    assert gamma["can_write"] is False
    # Quay resets a repository's retries to 3 after its last failure: it still counts as
    # unfinished, so Sync now stays refused until it has been retried.
    assert press(emulator, "orgmirror", "sync-now") == (400, STILL_SYNCING)


def test_cancel_marks_every_repository_cancel_and_the_config_returns_to_success(
    emulator: Emulator,
) -> None:
    assert press(emulator, "orgmirror", "sync-cancel") == (204, None)
    body = config(emulator, "orgmirror")
    assert (body["sync_status"], body["sync_retries_remaining"]) == ("CANCEL", 0)
    assert body["sync_expiration_date"] is not None
    assert press(emulator, "orgmirror", "sync-cancel") == (
        400,
        "Cannot cancel: mirror is already cancelled",
    )
    emulator.advance(3)
    body = config(emulator, "orgmirror")
    assert (body["sync_status"], body["sync_retries_remaining"]) == ("SUCCESS", 3)
    assert body["sync_expiration_date"] is None
    assert nonzero(body["repo_sync_status_counts"]) == {"CANCEL": 5, "SKIP": 1}
    logs = [entry["metadata"].get("message") for entry in record(emulator, "orgmirror")["logs"]]
    assert "Sync cancelled: 5 repos set to cancelled" in logs
    # From SUCCESS again: cancel is accepted (and changes no repository); sync-now too.
    assert press(emulator, "orgmirror", "sync-cancel") == (204, None)
    emulator.advance(3)
    assert press(emulator, "orgmirror", "sync-now") == (204, None)
    assert press(emulator, "orgmirror", "sync-now") == (204, None)  # not picked up yet
    assert config(emulator, "orgmirror")["sync_status"] == "SYNC_NOW"
    emulator.advance(3)
    assert nonzero(config(emulator, "orgmirror")["repo_sync_status_counts"]) == {
        "SYNCING": 1, "SYNC_NOW": 4, "SKIP": 1,
    }  # fmt: skip


def test_a_scheduled_run_needs_no_sync_now(emulator: Emulator) -> None:
    assert config(emulator, "orgnew")["sync_status"] == "NEVER_RUN"
    emulator.advance(86400 + 5)
    body = config(emulator, "orgnew")
    assert body["sync_status"] == "SUCCESS"
    # docs-old is filtered out and never recorded.
    assert set(statuses(emulator, "orgnew")) == {"api", "worker", "frontend"}
    emulator.advance(60)
    assert set(statuses(emulator, "orgnew").values()) == {"SUCCESS"}
    assert emulator.api("GET", "repository/orgnew/api", user="olivia").json()["is_public"] is True


def test_filters_skip_what_they_exclude_and_clearing_them_brings_it_back(
    emulator: Emulator,
) -> None:
    create(emulator, sync_start_date="2030-01-01T00:00:00Z")
    assert press(emulator, "orgempty", "sync-now") == (204, None)
    emulator.advance(200)
    assert statuses(emulator, "orgempty") == dict.fromkeys(
        ["alpha", "beta", "broken", "delta", "gamma", "legacy"], "SUCCESS"
    ) | {"broken": "FAIL"}
    press(emulator, "orgempty", "sync-cancel")
    emulator.advance(3)
    assert org_api(emulator, "PUT", "orgempty", json={"repository_filters": ["alpha", "d*"]}).ok
    assert press(emulator, "orgempty", "sync-now") == (204, None)
    emulator.advance(60)
    rows = {r["name"]: r for r in repositories(emulator, "orgempty")["repositories"]}
    assert rows["alpha"]["sync_status"] == rows["delta"]["sync_status"] == "SUCCESS"
    assert (rows["beta"]["sync_status"], rows["beta"]["status_message"]) == (
        "SKIP",
        "Repository excluded by filters",
    )
    assert org_api(emulator, "PUT", "orgempty", json={"repository_filters": []}).ok
    press(emulator, "orgempty", "sync-now")
    emulator.advance(3)
    assert statuses(emulator, "orgempty")["beta"] == "SYNC_NOW"


def test_a_repository_gone_from_the_source_is_skipped(emulator: Emulator) -> None:
    create(emulator, repository_filters=["alpha", "hidden"])
    creds = {"external_registry_username": "u", "external_registry_password": "token"}
    assert org_api(emulator, "PUT", "orgempty", json=creds).ok
    press(emulator, "orgempty", "sync-now")
    emulator.advance(30)
    assert statuses(emulator, "orgempty") == {"alpha": "SUCCESS", "hidden": "SUCCESS"}
    cleared = {"external_registry_username": None, "external_registry_password": None}
    assert org_api(emulator, "PUT", "orgempty", json=cleared).ok
    press(emulator, "orgempty", "sync-now")
    emulator.advance(30)
    hidden = {r["name"]: r for r in repositories(emulator, "orgempty")["repositories"]}["hidden"]
    assert (hidden["sync_status"], hidden["status_message"]) == (
        "SKIP",
        "Repository no longer in source registry",
    )


def test_failing_discovery_retries_then_waits_for_the_next_interval(emulator: Emulator) -> None:
    body = config(emulator, "orgfail")
    assert body["sync_status"] == "FAIL"
    messages = [e["metadata"].get("message") for e in record(emulator, "orgfail")["logs"]]
    assert (
        "Failed to fetch repositories from source: Project 'nosuchproject' not found on Harbor "
        "registry"
    ) in messages
    assert press(emulator, "orgfail", "sync-now") == (204, None)
    assert config(emulator, "orgfail")["sync_status"] == "SYNC_NOW"
    emulator.advance(3)
    body = config(emulator, "orgfail")
    assert (body["sync_status"], body["sync_retries_remaining"]) == ("FAIL", 2)
    assert repositories(emulator, "orgfail")["total"] == 0


def test_a_stalled_discovery_is_left_as_it_is_and_refuses_sync_now(emulator: Emulator) -> None:
    body = config(emulator, "orgstuck")
    assert body["sync_status"] == "SYNCING"
    assert body["sync_expiration_date"] < body["sync_start_date"]
    assert press(emulator, "orgstuck", "sync-now") == (
        400,
        "Cannot trigger sync: discovery is currently in progress.",
    )
    emulator.advance(600)
    assert config(emulator, "orgstuck")["sync_status"] == "SYNCING"
    assert press(emulator, "orgstuck", "sync-cancel") == (204, None)
    emulator.advance(3)
    assert config(emulator, "orgstuck")["sync_status"] == "SUCCESS"


def test_a_disabled_config_accepts_sync_now_and_is_not_picked_up(emulator: Emulator) -> None:
    assert org_api(emulator, "PUT", "orgnew", json={"is_enabled": False}).ok
    assert press(emulator, "orgnew", "sync-now") == (204, None)
    emulator.advance(60)
    assert config(emulator, "orgnew")["sync_status"] == "SYNC_NOW"


@pytest.mark.parametrize(
    ("org", "put", "success", "message"),
    [
        ("orgnew", {}, True, "Connection successful"),
        ("orgfail", {}, False, "Project 'nosuchproject' not found"),
        ("orgnew", {"external_namespace": "library"}, True, "Connection successful"),
        (
            "orgnew",
            {"external_namespace": "library", "external_registry_username": "robot",
             "external_registry_password": "wrong"},
            False,
            "Authentication failed",
        ),
        ("orgmirror", {"external_namespace": "nosuchns"}, False, "Namespace 'nosuchns' not found"),
        ("orgmirror", {"external_registry_url": "https://harbor.example.com"}, False,
         "Namespace 'upstreamorg' not found"),
        ("orgmirror", {"external_registry_password": "bad", "external_registry_username": "x"},
         True, "Connection successful"),
    ],
)  # fmt: skip
def test_verify_always_answers_200_with_success_and_message(
    emulator: Emulator, org: str, put: dict, success: bool, message: str
) -> None:
    if put:
        assert org_api(emulator, "PUT", org, json=put).ok
    response = org_api(emulator, "POST", org, "verify")
    assert response.status_code == 200
    assert response.json() == {"success": success, "message": message}


def test_verify_a_harbor_config_against_a_quay_source(emulator: Emulator) -> None:
    create(emulator, external_registry_type="harbor")
    response = org_api(emulator, "POST", "orgempty", "verify")
    assert response.json() == {"success": False, "message": "Unexpected response: 308"}


def test_verify_an_unreachable_host_gives_the_raw_connection_error(emulator: Emulator) -> None:
    url = {"external_registry_url": "https://harbor.offline.example.com"}
    assert org_api(emulator, "PUT", "orgnew", json=url).ok
    body = org_api(emulator, "POST", "orgnew", "verify").json()
    assert body["success"] is False
    assert body["message"].startswith(
        "Connection error: HTTPSConnectionPool(host='harbor.offline.example.com', port=443): "
        "Max retries exceeded"
    )


def test_verify_rechecks_the_address_against_the_ssrf_rules(emulator: Emulator) -> None:
    emulator.configure(allowed_hosts=["10.0.0.0/8"])
    create(emulator, external_registry_url="http://10.1.2.3")
    emulator.configure(allowed_hosts=[])
    body = org_api(emulator, "POST", "orgempty", "verify").json()
    assert body == {"success": False, "message": "The provided URL is not allowed"}


def test_repositories_page_filter_and_fall_back_like_quay(emulator: Emulator) -> None:
    page = repositories(emulator, "orgmirror", page=1, limit=2)
    assert [r["name"] for r in page["repositories"]] == ["alpha", "beta"]
    assert (page["page"], page["limit"], page["total"], page["has_next"]) == (1, 2, 6, True)
    last = repositories(emulator, "orgmirror", page=3, limit=2)
    assert ([r["name"] for r in last["repositories"]], last["has_next"]) == (
        ["gamma", "legacy"],
        False,
    )
    assert repositories(emulator, "orgmirror", page=9, limit=2)["repositories"] == []
    fallback = repositories(emulator, "orgmirror", page=0, limit="x")
    assert (fallback["page"], fallback["limit"]) == (1, 100)
    assert repositories(emulator, "orgmirror", limit=100000)["limit"] == 500
    lower = repositories(emulator, "orgmirror", status="success")
    assert [r["name"] for r in lower["repositories"]] == ["alpha", "beta"]
    for bad in ("bogus", ""):
        response = org_api(emulator, "GET", "orgmirror", "repositories", params={"status": bad})
        assert response.status_code == 400
        assert response.json()["detail"] == (
            f"Invalid status filter '{bad}'. Valid values: {ALL_STATUSES}"
        )


def test_repository_level_mirror_calls_are_refused_in_a_mirrored_organization(
    emulator: Emulator,
) -> None:
    assert (
        emulator.api("GET", "repository/orgmirror/alpha/mirror", user="olivia").status_code == 404
    )
    put = emulator.api(
        "PUT", "repository/orgmirror/alpha/mirror", user="olivia", json={"sync_interval": 100}
    )
    assert (put.status_code, put.json()["detail"]) == (400, REPO_LEVEL)
    post = emulator.api("POST", "repository/orgmirror/alpha/mirror", user="olivia", json={})
    assert (post.status_code, post.json()["detail"]) == (400, REPO_LEVEL)
    normal = emulator.api(
        "PUT", "repository/orgmirror/alpha/changestate", user="olivia", json={"state": "NORMAL"}
    )
    assert (normal.status_code, normal.json()) == (
        400,
        {
            "detail": "Repository state changes are not allowed in an organization managed by "
            "organization-level mirroring"
        },
    )
    org_state = emulator.api(
        "PUT", "repository/orgmirror/alpha/changestate", user="olivia", json={"state": "ORG_MIRROR"}
    )
    assert org_state.json()["detail"].startswith(
        "'ORG_MIRROR' is not one of ['NORMAL', 'READ_ONLY', 'MIRROR']"
    )


def test_api_actions_are_logged_with_quays_kinds(emulator: Emulator) -> None:
    create(emulator)
    org_api(emulator, "PUT", "orgempty", json={"visibility": "public"})
    press(emulator, "orgempty", "sync-now")
    press(emulator, "orgempty", "sync-cancel")
    kinds = [entry["kind"] for entry in record(emulator, "orgempty")["logs"]]
    assert kinds[:4] == [
        "org_mirror_enabled",
        "org_mirror_config_changed",
        "org_mirror_sync_now_requested",
        "org_mirror_sync_cancelled",
    ]
    assert record(emulator, "orgempty")["logs"][0]["performer"] == "olivia"


def test_the_organization_log_has_the_worker_and_api_entries(emulator: Emulator) -> None:
    press(emulator, "orgmirror", "sync-cancel")
    emulator.advance(3)
    response = emulator.api("GET", "organization/orgmirror/logs", user="olivia")
    assert response.status_code == 200
    logs = response.json()["logs"]
    kinds = [entry["kind"] for entry in logs]
    assert kinds[0] == "org_mirror_sync_failed"  # the worker's cancel, newest first
    assert logs[0]["metadata"]["message"] == "Sync cancelled: 5 repos set to cancelled"
    assert logs[0]["performer"]["name"] == "orgmirror+mirror"
    assert logs[0]["performer"]["is_robot"] is True
    assert "org_mirror_sync_cancelled" in kinds
    per_repo = [e for e in logs if e["metadata"].get("repo") == "alpha"]
    assert {e["kind"] for e in per_repo} >= {"org_mirror_sync_started", "org_mirror_sync_success"}
    assert len(logs) <= 20  # a page, as Quay's
    refused = emulator.api("GET", "organization/orgmirror/logs", user="oscar")
    assert refused.status_code == 403
