"""The worker simulation, driven by the emulator's clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tests.support.emulator import Emulator
from tests.support.quay_api import NOT_FOUND, logs, status_of, without_type

MICROSECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
SKOPEO_404 = (
    'level=fatal msg="Error listing repository tags: fetching tags list: invalid status code '
    'from registry 404 (Not Found)"\n'
)


def sync_now(emulator: Emulator, repo: str, namespace: str = "acme") -> int:
    path = f"repository/{namespace}/{repo}/mirror/sync-now"
    return emulator.api("POST", path).status_code


def cancel(emulator: Emulator, repo: str, namespace: str = "acme") -> int:
    path = f"repository/{namespace}/{repo}/mirror/sync-cancel"
    return emulator.api("POST", path).status_code


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.rstrip("Z"))


def test_sync_now_answers_204_with_empty_body(emulator: Emulator) -> None:
    response = emulator.api("POST", "repository/acme/nginx/mirror/sync-now")
    assert response.status_code == 204
    assert response.content == b""
    record = emulator.mirror("acme", "nginx")
    assert (record["sync_status"], record["sync_retries_remaining"]) == ("SYNC_NOW", 3)


def test_sync_now_runs_sync_and_creates_matching_tags(emulator: Emulator) -> None:
    assert sync_now(emulator, "nginx") == 204
    emulator.advance(2)
    record = emulator.mirror("acme", "nginx")
    assert record["sync_status"] == "SYNCING"
    claimed = parse(emulator.control("GET", "clock")["now"])
    expires = parse(record["sync_expiration_date"])
    assert timedelta(hours=11, minutes=59) < expires - claimed <= timedelta(hours=12)
    emulator.advance(6)
    record = emulator.mirror("acme", "nginx")
    assert record["sync_status"] == "SUCCESS"
    assert record["sync_expiration_date"] is None
    assert record["tags"] == ["1.24", "1.25.3", "1.26.0", "1.27", "1.27.1", "latest"]
    assert MICROSECONDS.match(record["sync_start_date"])
    # Quay copies, and logs, every matched tag, changed or not (nginx had them all already).
    kinds = [entry["kind"] for entry in logs(emulator, "acme", "nginx")[:8]]
    assert kinds == [
        "repo_mirror_sync_success",
        *["repo_mirror_sync_tag_success"] * 6,
        "repo_mirror_sync_started",
    ]


def test_new_mirror_syncs_only_tags_matching_its_rule(emulator: Emulator) -> None:
    emulator.api(
        "POST",
        "repository/acme/app/mirror",
        json={
            "external_reference": "docker.io/library/redis",
            "sync_interval": 3600,
            "sync_start_date": "2030-01-01T00:00:00Z",
            "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["7.2*", "alp*"]},
            "robot_username": "acme+mirror",
        },
    )
    sync_now(emulator, "app")
    emulator.advance(10)
    tags = emulator.api("GET", "repository/acme/app/tag/").json()["tags"]
    assert {tag["name"] for tag in tags} == {"7.2", "7.2.4", "alpine"}


def test_successful_sync_message_lists_tags_and_pattern(emulator: Emulator) -> None:
    sync_now(emulator, "redis")
    emulator.advance(10)
    entry = logs(emulator, "acme", "redis")[0]
    assert entry["kind"] == "repo_mirror_sync_success"
    assert entry["metadata"]["message"] == "'docker.io/library/redis' with tag pattern '7.*,latest'"
    assert entry["metadata"]["tags"] == "7.0, 7.2, 7.2.4, 7.4, latest"
    assert entry["metadata"]["verb"] == "end"
    assert "performer" not in entry


def test_microsecond_start_date_returned_after_sync_is_refused_when_echoed(
    emulator: Emulator,
) -> None:
    sync_now(emulator, "nginx")
    emulator.advance(10)
    echoed = emulator.mirror("acme", "nginx")["sync_start_date"]
    response = emulator.api("PUT", "repository/acme/nginx/mirror", json={"sync_start_date": echoed})
    assert response.status_code == 400
    assert response.json() == {"detail": "Incorrect DateTime format for sync_start_date."}
    reformatted = parse(echoed).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = emulator.api(
        "PUT", "repository/acme/nginx/mirror", json={"sync_start_date": reformatted}
    )
    assert response.status_code == 201


def test_sync_now_while_syncing_answers_404(emulator: Emulator) -> None:
    assert status_of(emulator, "acme", "alpine") == "SYNCING"
    response = emulator.api("POST", "repository/acme/alpine/mirror/sync-now")
    assert response.status_code == 404
    assert without_type(response.json()) == NOT_FOUND


def test_sync_now_on_repository_without_config_answers_404(emulator: Emulator) -> None:
    assert sync_now(emulator, "node") == 404
    assert sync_now(emulator, "app") == 404


def test_sync_now_while_queued_answers_204_again(emulator: Emulator) -> None:
    assert status_of(emulator, "acme", "busybox") == "SYNC_NOW"
    assert sync_now(emulator, "busybox") == 204


def test_cancel_while_syncing_answers_204_and_sets_cancel_with_no_retries(
    emulator: Emulator,
) -> None:
    response = emulator.api("POST", "repository/acme/alpine/mirror/sync-cancel")
    assert response.status_code == 204
    assert response.content == b""
    record = emulator.mirror("acme", "alpine")
    assert (record["sync_status"], record["sync_retries_remaining"]) == ("CANCEL", 0)
    assert record["sync_expiration_date"] is None
    changes = [e["metadata"].get("to") for e in logs(emulator, "acme", "alpine")]
    assert "SYNC_CANCEL" in changes


def test_cancel_of_queued_sync_now(emulator: Emulator) -> None:
    assert cancel(emulator, "busybox") == 204
    assert status_of(emulator, "acme", "busybox") == "CANCEL"


def test_cancel_unless_syncing_or_queued_answers_404(emulator: Emulator) -> None:
    for repo in ("nginx", "debian", "etcd", "ubuntu"):
        assert cancel(emulator, repo) == 404, repo


def test_cancelled_mirror_waits_for_sync_now(emulator: Emulator) -> None:
    emulator.advance(3 * 86400)
    record = emulator.mirror("acme", "debian")
    assert (record["sync_status"], record["sync_retries_remaining"]) == ("CANCEL", 0)
    assert sync_now(emulator, "debian") == 204
    assert emulator.mirror("acme", "debian")["sync_retries_remaining"] == 1
    emulator.advance(10)
    assert emulator.mirror("acme", "debian")["tags"] == ["bookworm", "trixie"]


def test_sync_of_missing_upstream_fails_with_skopeo_message(emulator: Emulator) -> None:
    sync_now(emulator, "broken")
    emulator.advance(8)
    record = emulator.mirror("acme", "broken")
    assert (record["sync_status"], record["sync_retries_remaining"]) == ("FAIL", 2)
    entry = logs(emulator, "acme", "broken")[0]
    assert entry["kind"] == "repo_mirror_sync_failed"
    metadata = entry["metadata"]
    assert metadata["verb"] == "end"
    assert metadata["stdout"] == ""
    assert metadata["tags"] == ""
    assert metadata["stderr"].startswith('time="') and metadata["stderr"].endswith(SKOPEO_404)
    assert metadata["message"].startswith(
        "'docker.io/library/doesnotexist' with tag pattern '*': "
        "('skopeo list-tags failed: See output', '', 'time=\""
    )


def test_failed_sync_is_retried_at_the_next_pass_then_moves_to_next_interval(
    emulator: Emulator,
) -> None:
    """Quay keeps a failed run's start date and retries it at the worker's next pass (its
    REPO_MIRROR_INTERVAL, 30 s); the third failure moves the start date on."""
    emulator.api(
        "PUT",
        "repository/acme/broken/mirror",
        json={"sync_start_date": "2020-01-01T00:00:00Z", "sync_interval": 3600},
    )
    emulator.advance(3)  # claimed 2 s after the change, failed at once
    record = emulator.mirror("acme", "broken")
    assert (record["sync_status"], record["sync_retries_remaining"]) == ("FAIL", 2)
    assert record["sync_start_date"] == "2020-01-01T00:00:00Z"
    emulator.advance(25)
    assert emulator.mirror("acme", "broken")["sync_retries_remaining"] == 2  # not yet
    emulator.advance(5)
    assert emulator.mirror("acme", "broken")["sync_retries_remaining"] == 1
    emulator.advance(30)
    record = emulator.mirror("acme", "broken")
    assert (record["sync_status"], record["sync_retries_remaining"]) == ("FAIL", 3)
    now = parse(emulator.control("GET", "clock")["now"])
    start = parse(record["sync_start_date"])
    assert now < start <= now + timedelta(hours=1)
    failures = [e for e in logs(emulator, "acme", "broken") if e["kind"].endswith("_failed")]
    assert len(failures) == 3


def test_seeded_retrying_mirror_fails_again_about_a_minute_after_reset(
    emulator: Emulator,
) -> None:
    assert emulator.mirror("acme", "etcd")["sync_retries_remaining"] == 2
    emulator.advance(64)
    record = emulator.mirror("acme", "etcd")
    assert (record["sync_status"], record["sync_retries_remaining"]) == ("FAIL", 1)
    assert (
        "tls: failed to verify certificate"
        in logs(emulator, "acme", "etcd")[0]["metadata"]["stderr"]
    )


def test_scheduled_run_starts_when_start_date_passes(emulator: Emulator) -> None:
    emulator.advance(2 * 86400 + 10)
    record = emulator.mirror("acme", "ubuntu")
    assert record["sync_status"] == "SUCCESS"
    assert record["tags"] == ["20.04", "22.04", "24.04"]


def test_disabled_mirror_is_not_scheduled_but_sync_now_runs(emulator: Emulator) -> None:
    emulator.advance(86400)
    record = emulator.mirror("acme", "golang")
    assert (record["sync_status"], record["is_enabled"]) == ("SUCCESS", False)
    before = len(logs(emulator, "acme", "golang"))
    sync_now(emulator, "golang")
    emulator.advance(10)
    assert len(logs(emulator, "acme", "golang")) > before


def test_successful_sync_deletes_tags_no_longer_selected(emulator: Emulator) -> None:
    assert "1.23" in emulator.mirror("acme", "nginx")["tags"]
    sync_now(emulator, "nginx")
    emulator.advance(10)
    assert "1.23" not in emulator.mirror("acme", "nginx")["tags"]


def test_a_sync_whose_rule_matches_no_tag_of_the_source_deletes_nothing(
    emulator: Emulator,
) -> None:
    """Quay's worker: ``tags_to_mirror`` empty, it logs "No tags matched" and returns before
    ``delete_obsolete_tags``."""
    before = emulator.mirror("acme", "nginx")["tags"]
    rule = {"rule_kind": "tag_glob_csv", "rule_value": ["nightly"]}
    emulator.api("PUT", "repository/acme/nginx/mirror", json={"root_rule": rule})
    sync_now(emulator, "nginx")
    emulator.advance(10)
    assert emulator.mirror("acme", "nginx")["sync_status"] == "SUCCESS"
    assert emulator.mirror("acme", "nginx")["tags"] == before
    assert logs(emulator, "acme", "nginx")[0]["metadata"]["tags"] == "No tags matched"


def test_rule_change_takes_effect_at_the_next_sync(emulator: Emulator) -> None:
    rule = {"rule_kind": "tag_glob_csv", "rule_value": ["stable", "mainline"]}
    emulator.api("PUT", "repository/acme/nginx/mirror", json={"root_rule": rule})
    sync_now(emulator, "nginx")
    emulator.advance(10)
    assert emulator.mirror("acme", "nginx")["tags"] == ["mainline", "stable"]


def test_seeded_syncing_mirror_finishes_within_a_minute(emulator: Emulator) -> None:
    emulator.advance(31)
    assert status_of(emulator, "acme", "alpine") == "SUCCESS"


def test_a_stuck_mirror_stays_syncing_past_its_start_date(emulator: Emulator) -> None:
    """Quay's get_eligible_mirrors lists a SYNCING mirror whose lease ran out once its start
    date has passed, but claim_mirror returns at once for any SYNCING mirror: no worker runs it
    again, on any day, until someone cancels it."""
    record = emulator.mirror("acme", "python")
    now = parse(emulator.control("GET", "clock")["now"])
    assert record["sync_status"] == "SYNCING"
    assert parse(record["sync_expiration_date"]) < now
    assert parse(record["sync_start_date"]) < now + timedelta(days=2)
    emulator.advance(3 * 24 * 3600)
    after = emulator.mirror("acme", "python")
    assert after["sync_status"] == "SYNCING"
    assert after["sync_expiration_date"] == record["sync_expiration_date"]


def test_cancel_unsticks_a_stuck_sync_and_sync_now_restarts_it(emulator: Emulator) -> None:
    assert cancel(emulator, "python") == 204
    assert sync_now(emulator, "python") == 204
    emulator.advance(10)
    record = emulator.mirror("acme", "python")
    assert record["sync_status"] == "SUCCESS"
    assert record["tags"] == ["3.12", "3.12-slim"]


def test_queued_seed_sync_is_claimed_after_about_45_seconds(emulator: Emulator) -> None:
    emulator.advance(30)
    assert status_of(emulator, "acme", "busybox") == "SYNC_NOW"
    emulator.advance(20)
    assert status_of(emulator, "acme", "busybox") == "SYNCING"


def test_flaky_mirror_alternates_failure_and_success(emulator: Emulator) -> None:
    sync_now(emulator, "flaky")
    emulator.advance(10)
    assert status_of(emulator, "acme", "flaky") == "SYNCING"  # a dial timeout takes 30 s
    emulator.advance(25)
    assert status_of(emulator, "acme", "flaky") == "FAIL"
    assert "i/o timeout" in logs(emulator, "acme", "flaky")[0]["metadata"]["stderr"]
    sync_now(emulator, "flaky")
    emulator.advance(10)
    assert status_of(emulator, "acme", "flaky") == "SUCCESS"


def test_large_clock_jump_runs_every_intermediate_sync(emulator: Emulator) -> None:
    emulator.advance(24 * 3600)
    runs = [
        entry
        for entry in logs(emulator, "acme", "redis")
        if entry["kind"] == "repo_mirror_sync_started"
    ]
    assert len(runs) >= 2
