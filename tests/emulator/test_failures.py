"""How mirror runs fail, with the log entries Quay's worker writes (``perform_mirror`` in
``workers/repomirrorworker/__init__.py``), planned through ``POST /_emulator/mirror/{ns}/{repo}/
fail`` or brought about through Quay's own API (a source that needs credentials, a source the
SSRF rules refuse)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from dashboard.mirrors.rules.reasons import classify
from tests.support.emulator import Emulator
from tests.support.quay_api import logs, mirror_payload, status_of

NGINX = "'docker.io/library/nginx' with tag pattern '1.2*,latest'"
NGINX_TAGS = ["1.24", "1.25.3", "1.26.0", "1.27", "1.27.1", "latest"]


def plan(emulator: Emulator, repo: str, reason: str, **extra: Any) -> Any:
    return requests.post(
        f"{emulator.url}/_emulator/mirror/acme/{repo}/fail",
        json={"reason": reason, **extra},
        timeout=10,
    )


def sync_now(emulator: Emulator, repo: str = "nginx") -> None:
    assert emulator.api("POST", f"repository/acme/{repo}/mirror/sync-now").status_code == 204


def run(emulator: Emulator, repo: str = "nginx", seconds: float = 3) -> list[dict[str, Any]]:
    """Sync now, let the worker run, and the mirror's log, newest first."""
    sync_now(emulator, repo)
    emulator.advance(seconds)
    return logs(emulator, "acme", repo)


def catalogue(emulator: Emulator) -> dict[str, dict[str, Any]]:
    return {row["reason"]: row for row in emulator.control("GET", "failures")}


# ------------------------------------------------------------ the tag listing


LISTING = {
    "auth_failed": "fetching tags list: unauthorized: authentication required",
    "bad_credentials": "invalid username/password: unauthorized: incorrect username or password",
    "denied": "fetching tags list: requested access to the resource is denied",
    "tls_error": "x509: certificate has expired or is not yet valid",
    "unknown_authority": "x509: certificate signed by unknown authority",
    "not_found": "invalid status code from registry 404 (Not Found)",
    "connection_error": "dial tcp 203.0.113.10:443: connect: connection refused",
    "unknown_error": "http: server gave HTTP response to HTTPS client",
}


@pytest.mark.parametrize("reason", sorted(LISTING))
def test_a_failed_listing_is_logged_with_skopeos_words(emulator: Emulator, reason: str) -> None:
    assert plan(emulator, "nginx", reason).status_code == 200
    log = run(emulator)
    record = emulator.mirror("acme", "nginx")
    assert (record["sync_status"], record["sync_retries_remaining"]) == ("FAIL", 2)
    failed, started = log[0], log[1]
    assert started["kind"] == "repo_mirror_sync_started"
    assert started["datetime"] == failed["datetime"]  # it fails within the claim
    assert failed["kind"] == "repo_mirror_sync_failed"
    metadata = failed["metadata"]
    assert (metadata["verb"], metadata["tags"], metadata["stdout"], metadata["tag"]) == (
        "end",
        "",
        "",
        None,
    )
    stderr = metadata["stderr"]
    assert stderr.startswith('time="') and stderr.endswith('"\n')
    assert 'level=fatal msg="Error listing repository tags: ' in stderr
    assert LISTING[reason] in stderr
    expected = f"{NGINX}: {('skopeo list-tags failed: See output', '', stderr)}"
    assert metadata["message"] == expected
    detail = metadata["message"][len(NGINX) + 2 :]
    assert classify(detail) == catalogue(emulator)[reason]["quay_reason"]


@pytest.mark.parametrize(
    ("reason", "seconds", "words"),
    [
        ("tls_handshake_timeout", 10, "net/http: TLS handshake timeout"),
        ("network_timeout", 30, "dial tcp 203.0.113.10:443: i/o timeout"),
    ],
)
def test_a_timeout_takes_its_time_and_counts_as_a_timeout(
    emulator: Emulator, reason: str, seconds: int, words: str
) -> None:
    plan(emulator, "nginx", reason)
    sync_now(emulator)
    emulator.advance(2 + seconds - 1)
    assert status_of(emulator, "acme", "nginx") == "SYNCING"
    emulator.advance(2)
    assert status_of(emulator, "acme", "nginx") == "FAIL"
    metadata = logs(emulator, "acme", "nginx")[0]["metadata"]
    assert words in metadata["stderr"]
    assert classify(metadata["message"][len(NGINX) + 2 :]) == "network_timeout"


@pytest.mark.parametrize(
    ("reason", "last_line"),
    [
        ("internal_error", "KeyError: 'Tags'\n"),
        ("decryption_failed", "data.encryption.DecryptionFailureException\n"),
    ],
)
def test_an_internal_error_carries_the_workers_traceback(
    emulator: Emulator, reason: str, last_line: str
) -> None:
    plan(emulator, "nginx", reason)
    metadata = run(emulator)[0]["metadata"]
    assert metadata["message"] == f"{NGINX}: INTERNAL ERROR"
    assert (metadata["verb"], metadata["tags"], metadata["stdout"]) == (
        "end",
        "",
        "Not applicable",
    )
    assert metadata["stderr"].startswith("Traceback (most recent call last):\n")
    assert metadata["stderr"].endswith(last_line)
    assert "in perform_mirror" in metadata["stderr"]


def test_a_source_refused_when_the_run_starts_fails_without_a_start(emulator: Emulator) -> None:
    plan(emulator, "nginx", "invalid_source_registry")
    log = run(emulator)
    assert log[0]["kind"] == "repo_mirror_sync_failed"
    assert log[0]["metadata"] == {
        "verb": "end",
        "namespace": "acme",
        "repo": "nginx",
        "message": "Source registry location is not allowed",
        "tag": None,
        "tags": "",
        "stdout": "Not applicable",
        "stderr": "Not applicable",
    }
    assert log[1]["kind"] == "repo_mirror_config_changed"  # the press: no start entry
    assert status_of(emulator, "acme", "nginx") == "FAIL"


def test_a_source_no_longer_allowed_is_refused_at_its_next_run(emulator: Emulator) -> None:
    """Quay's worker checks the source against the SSRF rules in force when the run starts."""
    emulator.configure(allowed_hosts=["127.0.0.1"])
    body = mirror_payload(external_reference="127.0.0.1:5000/library/hello")
    assert emulator.api("POST", "repository/acme/app/mirror", json=body).status_code == 201
    emulator.configure(allowed_hosts=[])
    entry = run(emulator, "app")[0]
    assert entry["metadata"]["message"] == "Source registry location is not allowed"


# ----------------------------------------------------------------- the copies


def test_a_partial_sync_keeps_the_tags_that_made_it(emulator: Emulator) -> None:
    plan(emulator, "nginx", "partial_sync", tags=["1.25.3", "1.27"])
    log = run(emulator, seconds=10)
    failed = log[0]["metadata"]
    assert log[0]["kind"] == "repo_mirror_sync_failed"
    assert (failed["verb"], failed["stdout"], failed["stderr"]) == (
        "lost",
        "Not applicable",
        "Not applicable",
    )
    assert failed["message"] == f"{NGINX}: PARTIAL SYNC"
    assert failed["tags"] == "1.24, 1.25.3(FAILED), 1.26.0, 1.27(FAILED), 1.27.1, latest"
    per_tag = [(e["kind"], e["metadata"]["tag"]) for e in reversed(log[1:7])]
    assert per_tag == [
        ("repo_mirror_sync_tag_success", "1.24"),
        ("repo_mirror_sync_tag_failed", "1.25.3"),
        ("repo_mirror_sync_tag_success", "1.26.0"),
        ("repo_mirror_sync_tag_failed", "1.27"),
        ("repo_mirror_sync_tag_success", "1.27.1"),
        ("repo_mirror_sync_tag_success", "latest"),
    ]
    tag_failed = next(e for e in log if e["kind"] == "repo_mirror_sync_tag_failed")["metadata"]
    assert tag_failed["message"] == "Source 'docker://docker.io/library/nginx:1.27' failed to sync"
    assert tag_failed["verb"] == "finish"
    assert (
        "reading manifest 1.27 in docker.io/library/nginx: manifest unknown"
        in (tag_failed["stderr"])
    )
    record = emulator.mirror("acme", "nginx")
    assert (record["sync_status"], record["sync_retries_remaining"]) == ("FAIL", 2)
    assert "1.23" not in record["tags"]  # obsolete tags are deleted all the same


def test_a_run_whose_every_copy_fails_is_no_partial_sync(emulator: Emulator) -> None:
    plan(emulator, "nginx", "partial_sync", tags=NGINX_TAGS)
    failed = run(emulator, seconds=10)[0]["metadata"]
    assert (failed["verb"], failed["message"], failed["tags"]) == ("lost", NGINX, "")


def test_a_preempted_job_is_lost(emulator: Emulator) -> None:
    plan(emulator, "nginx", "preempted")
    log = run(emulator, seconds=10)
    entries = [(e["kind"], e["metadata"]["verb"], e["metadata"]["message"]) for e in log[:3]]
    assert entries == [
        ("repo_mirror_sync_failed", "lost", NGINX),  # Quay's ``finally`` writes it too
        ("repo_mirror_sync_failed", "lost", "'docker.io/library/nginx' job lost"),
        ("repo_mirror_sync_started", "start", NGINX),
    ]
    assert status_of(emulator, "acme", "nginx") == "FAIL"


# ---------------------------------------------------------- retries and plans


def test_a_plan_is_for_the_next_run_unless_told_otherwise(emulator: Emulator) -> None:
    plan(emulator, "redis", "unknown_authority")
    planned = emulator.mirror("acme", "redis")["planned_failure"]
    assert planned == {"reason": "unknown_authority", "runs": 1, "tags": None}
    run(emulator, "redis", seconds=3)
    assert emulator.mirror("acme", "redis")["planned_failure"]["reason"] is None
    assert status_of(emulator, "acme", "redis") == "FAIL"
    run(emulator, "redis", seconds=10)
    assert status_of(emulator, "acme", "redis") == "SUCCESS"


def test_a_failing_source_uses_the_retries_30_s_apart_then_waits_for_the_next_interval(
    emulator: Emulator,
) -> None:
    """A failed run keeps its start date: with the date passed, the worker retries at its next
    pass (Quay's REPO_MIRROR_INTERVAL, 30 s); after Sync now with a date ahead, not before it."""
    assert plan(emulator, "nginx", "connection_error", runs=0).json()["runs"] == 0
    past = {"sync_start_date": "2020-01-01T00:00:00Z"}
    assert emulator.api("PUT", "repository/acme/nginx/mirror", json=past).status_code == 201
    stamps = []
    for retries in (2, 1, 3):
        emulator.advance(3 if retries == 2 else 30)
        record = emulator.mirror("acme", "nginx")
        assert (record["sync_status"], record["sync_retries_remaining"]) == ("FAIL", retries)
        stamps.append(logs(emulator, "acme", "nginx")[0]["datetime"])
    assert len(set(stamps)) == 3
    now = datetime.fromisoformat(emulator.control("GET", "clock")["now"].rstrip("Z"))
    start = datetime.fromisoformat(record["sync_start_date"].rstrip("Z"))
    assert start > now  # the next interval: no more retries meanwhile
    emulator.advance(120)
    assert emulator.mirror("acme", "nginx")["sync_retries_remaining"] == 3
    requests.delete(f"{emulator.url}/_emulator/mirror/acme/nginx/fail", timeout=10)
    run(emulator, seconds=10)
    assert status_of(emulator, "acme", "nginx") == "SUCCESS"


def test_the_retry_delay_is_an_option(emulator: Emulator) -> None:
    emulator.configure(retry_delay=5)
    plan(emulator, "nginx", "connection_error", runs=0)
    past = {"sync_start_date": "2020-01-01T00:00:00Z"}
    emulator.api("PUT", "repository/acme/nginx/mirror", json=past)
    emulator.advance(3)
    assert emulator.mirror("acme", "nginx")["sync_retries_remaining"] == 2
    emulator.advance(6)
    assert emulator.mirror("acme", "nginx")["sync_retries_remaining"] == 1


def test_a_fast_failure_goes_from_sync_now_straight_to_fail(emulator: Emulator) -> None:
    """Real Quay with a source that refuses TLS: FAIL about 2 s after Sync now, and a client
    polling every half second never reads SYNCING."""
    plan(emulator, "redis", "tls_error")
    sync_now(emulator, "redis")
    seen = []
    for _ in range(8):
        seen.append(emulator.api("GET", "repository/acme/redis/mirror").json()["sync_status"])
        emulator.advance(0.5)
    assert "SYNCING" not in seen
    assert seen[0] == "SYNC_NOW" and seen[-1] == "FAIL"
    assert seen.index("FAIL") <= 5  # within 2.5 s of the press


def test_a_cancel_while_the_listing_hangs_still_gets_the_failure_logged(
    emulator: Emulator,
) -> None:
    """Quay's worker looks for a cancel only between tag copies: a listing that times out
    still logs its failure, and cannot release the cancelled mirror."""
    plan(emulator, "nginx", "tls_handshake_timeout")
    sync_now(emulator)
    emulator.advance(3)
    assert emulator.api("POST", "repository/acme/nginx/mirror/sync-cancel").status_code == 204
    emulator.advance(10)
    record = emulator.mirror("acme", "nginx")
    assert (record["sync_status"], record["sync_retries_remaining"]) == ("CANCEL", 0)
    newest = logs(emulator, "acme", "nginx")[0]
    assert newest["kind"] == "repo_mirror_sync_failed"
    assert newest["metadata"]["verb"] == "end"
    assert "TLS handshake timeout" in newest["metadata"]["stderr"]


def test_a_plan_is_refused_when_it_makes_no_sense(emulator: Emulator) -> None:
    assert plan(emulator, "nginx", "sunspots").status_code == 400
    assert plan(emulator, "nginx", "tls_error", runs=-1).status_code == 400
    assert plan(emulator, "nginx", "partial_sync", tags="1.24").status_code == 400
    assert plan(emulator, "node", "tls_error").status_code == 404  # no mirror config
    assert plan(emulator, "nothere", "tls_error").status_code == 404


def test_the_failures_are_listed_with_what_quay_calls_them(emulator: Emulator) -> None:
    reasons = {name: row["quay_reason"] for name, row in catalogue(emulator).items()}
    assert reasons["tls_handshake_timeout"] == "network_timeout"
    assert reasons["denied"] == "unknown_error"
    assert reasons["decryption_failed"] == "unknown_error"  # its exception has no message
    assert reasons["invalid_source_registry"] == "invalid_source_registry"
    assert reasons["preempted"] == "preempted"
    assert {"auth_failed", "tls_error", "not_found", "network_timeout", "connection_error"} <= {
        name for name, reason in reasons.items() if name == reason
    }


# ----------------------------------------------- failures through Quay's own API


def test_a_source_that_needs_credentials_refuses_none_and_wrong_ones(emulator: Emulator) -> None:
    body = mirror_payload(
        external_reference="ghcr.io/acme-corp/flaky-service",
        root_rule={"rule_kind": "tag_glob_csv", "rule_value": ["v*"]},
    )
    assert emulator.api("POST", "repository/acme/app/mirror", json=body).status_code == 201
    assert "unauthorized: authentication required" in run(emulator, "app")[0]["metadata"]["stderr"]
    wrong = {"external_registry_username": "svc-flaky", "external_registry_password": "guess"}
    emulator.api("PUT", "repository/acme/app/mirror", json=wrong)
    stderr = run(emulator, "app")[0]["metadata"]["stderr"]
    assert "incorrect username or password" in stderr
    right = {**wrong, "external_registry_password": "s3cr3t-flaky"}
    emulator.api("PUT", "repository/acme/app/mirror", json=right)
    run(emulator, "app", seconds=10)
    assert status_of(emulator, "acme", "app") == "SUCCESS"


# --------------------------------------------------------- a run by itself


def test_a_scheduled_run_starts_by_itself_and_shows_in_the_organizations_log(
    emulator: Emulator,
) -> None:
    """Nobody presses anything: the worker picks an enabled mirror whose start date has
    passed, and a reader of the namespace's newest log page sees the run."""
    now = datetime.fromisoformat(emulator.control("GET", "clock")["now"].rstrip("Z"))
    start = now.replace(microsecond=0) + timedelta(seconds=60)
    date = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    put = emulator.api("PUT", "repository/acme/redis/mirror", json={"sync_start_date": date})
    assert put.status_code == 201
    emulator.control("DELETE", "requests")
    emulator.advance(75)
    page = emulator.api("GET", "organization/acme/logs").json()["logs"]
    redis = [e for e in page if e["metadata"].get("repo") == "redis"]
    assert redis[0]["kind"] == "repo_mirror_sync_success"
    begun = next(e for e in redis if e["kind"] == "repo_mirror_sync_started")
    assert "performer" not in begun
    assert datetime.strptime(begun["datetime"], "%a, %d %b %Y %H:%M:%S -0000") >= start
    assert [(r["method"], r["path"]) for r in emulator.requests_log()] == [
        ("GET", "/api/v1/organization/acme/logs")
    ]


# ------------------------------------------------- an organization mirror's repositories


def org_repo(emulator: Emulator, org: str, name: str) -> dict[str, Any]:
    from tests.support.org_api import repositories

    rows = repositories(emulator, org, limit=500)["repositories"]
    return next(row for row in rows if row["name"] == name)


def test_an_organization_repositorys_listing_failure_says_see_output(emulator: Emulator) -> None:
    """The discovered repository's status says "See output"; skopeo's reason is only in the
    stderr of its ``org_mirror_sync_failed`` entry (seeded: orgmirror/broken)."""
    emulator.advance(120)
    row = org_repo(emulator, "orgmirror", "broken")
    assert (row["sync_status"], row["status_message"]) == (
        "FAIL",
        "Failed to list tags for 'quay.example.com/upstreamorg/broken': "
        "skopeo list-tags failed: See output",
    )
    path = "repository/orgmirror/broken/logs"
    entry = emulator.api("GET", path, user="olivia").json()["logs"][0]
    assert entry["kind"] == "org_mirror_sync_failed"
    metadata = entry["metadata"]
    assert (metadata["verb"], metadata["message"], metadata["stdout"]) == (
        "end",
        row["status_message"],
        "",
    )
    assert (
        'Get \\"https://quay.example.com/v2/\\": net/http: TLS handshake timeout'
        in (metadata["stderr"])
    )
    org_log = emulator.api("GET", "organization/orgmirror/logs", user="olivia").json()["logs"]
    assert entry in org_log


def test_an_organization_repositorys_failing_copies(emulator: Emulator) -> None:
    from tests.support.org_api import create, org_api

    create(emulator, repository_filters=["gamma"])
    body = {"repository": "gamma", "reason": "partial_sync", "tags": ["bulk-02"]}
    planned = requests.post(f"{emulator.url}/_emulator/org-mirror/orgempty/fail", json=body)
    assert planned.status_code == 200
    assert org_api(emulator, "POST", "orgempty", "sync-now").status_code == 204
    emulator.advance(20)
    row = org_repo(emulator, "orgempty", "gamma")
    assert (row["sync_status"], row["status_message"]) == ("FAIL", "Sync failed: 1/2 tags failed")
    entry = emulator.api("GET", "repository/orgempty/gamma/logs", user="olivia").json()["logs"][0]
    metadata = entry["metadata"]
    assert metadata["message"] == (
        "Sync failed for 'quay.example.com/upstreamorg/gamma': 1/2 tags failed"
    )
    assert metadata["tags"] == "bulk-02"
    assert metadata["stderr"].startswith('[bulk-02]: time="')
    assert "manifest unknown" in metadata["stderr"]
    tags = emulator.api("GET", "repository/orgempty/gamma", user="olivia").json()["tags"]
    assert sorted(tags) == ["bulk-01"]
    mend = {"repository": "gamma"}
    gone = requests.delete(f"{emulator.url}/_emulator/org-mirror/orgempty/fail", json=mend)
    assert gone.status_code == 204


def test_an_organization_source_failure_is_refused_when_it_makes_no_sense(
    emulator: Emulator,
) -> None:
    url = f"{emulator.url}/_emulator/org-mirror"
    for org, body, status in (
        ("orgmirror", {"repository": "alpha", "reason": "preempted"}, 400),
        ("orgmirror", {"repository": "alpha", "reason": "invalid_source_registry"}, 400),
        ("orgmirror", {"repository": "nothere", "reason": "tls_error"}, 404),
        ("orgempty", {"repository": "alpha", "reason": "tls_error"}, 404),
        ("orgmirror", {"reason": "partial_sync"}, 400),  # a discovery copies no tags
        ("orgmirror", {"reason": "tls_error", "runs": -1}, 400),
        ("orgmirror", {"repository": "alpha", "reason": "tls_error", "runs": "2"}, 400),
    ):
        assert requests.post(f"{url}/{org}/fail", json=body, timeout=10).status_code == status


def test_a_discoverys_plan_is_shown_and_cleared(emulator: Emulator) -> None:
    emulator.fail("orgmirror", "tls_error", runs=0)
    planned = emulator.control("GET", "org-mirror/orgmirror")["planned_failure"]
    assert planned == {"reason": "tls_error", "runs": 0}
    emulator.fail("orgmirror", "network_timeout", runs=2)
    assert emulator.control("GET", "org-mirror/orgmirror")["planned_failure"]["runs"] == 2
    emulator.mend("orgmirror")
    planned = emulator.control("GET", "org-mirror/orgmirror")["planned_failure"]
    assert planned == {"reason": None, "runs": 0}
