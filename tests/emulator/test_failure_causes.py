"""Every cause of a failed run, made in the emulator through its HTTP API (Quay's own API where
Quay allows it, the control API for the rest), read back from Quay's log and classified by the
dashboard's ``rules/reasons.py`` as that cause (Quay's ``_map_failure_to_reason``, plus partial
sync): for repository mirrors, organization mirrors' discoveries and their repositories. And a
plan of ``runs`` N fails N runs, then they succeed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from dashboard.mirrors.rules import reasons
from dashboard.quay.models import LogEntry
from tests.support.emulator import Emulator
from tests.support.org_api import create, org_api
from tests.support.quay_api import logs

REPO, ORG = "acme/nginx", "orgempty"
#: Seconds that let any run end: a claim, a 30 s dial timeout, the tag copies.
RUN = 40


def sync_now_repo(emulator: Emulator) -> None:
    assert emulator.api("POST", f"repository/{REPO}/mirror/sync-now").status_code == 204


def put_repo(emulator: Emulator, **fields: Any) -> None:
    assert emulator.api("PUT", f"repository/{REPO}/mirror", json=fields).status_code == 201


def create_org(emulator: Emulator, **overrides: Any) -> None:
    create(emulator, ORG, **{"repository_filters": ["gamma"], **overrides})


def sync_now_org(emulator: Emulator) -> None:
    assert org_api(emulator, "POST", ORG, "sync-now").status_code == 204


def entries(emulator: Emulator, where: str) -> list[LogEntry]:
    """The log that says how ``where``'s runs ended, newest first: the repository's, the
    organization mirror's repository's, or (a discovery) the organization's own entries."""
    if where == "repo":
        return [LogEntry.from_api(entry) for entry in logs(emulator, *REPO.split("/"))]
    path = f"repository/{ORG}/gamma/logs" if where == "org-repo" else f"organization/{ORG}/logs"
    found = emulator.api("GET", path, user="olivia").json()["logs"]
    read = [LogEntry.from_api(entry) for entry in found]
    if where == "org":
        return [e for e in read if "org_mirror_config_id" in e.metadata]
    return read


def group(emulator: Emulator, where: str) -> str:
    """The failures view's group of ``where``'s newest failed run, as the dashboard reads it."""
    read = entries(emulator, where)
    failed = next(e for e in read if e.kind.endswith("_sync_failed"))
    reason = reasons.of_run(failed, read)
    return reasons.group_of(reason.cause, reasons.is_partial(failed.metadata))


@dataclass(frozen=True)
class Case:
    """A way to make the next run of a mirror fail, and the group the dashboard must say."""

    where: str  # "repo", "org" (a discovery) or "org-repo" (an organization mirror's repository)
    arrange: Callable[[Emulator], None]
    expected: str


def planned(where: str, reason: str, **plan: Any) -> Callable[[Emulator], None]:
    """Plan the failure through the control API, then press Sync now."""

    def arrange(emulator: Emulator) -> None:
        if where == "repo":
            emulator.fail(REPO, reason, **plan)
            sync_now_repo(emulator)
            return
        create_org(emulator)
        repository = {"repository": "gamma"} if where == "org-repo" else {}
        emulator.fail(ORG, reason, **repository, **plan)
        sync_now_org(emulator)

    return arrange


def missing_source(emulator: Emulator) -> None:
    """Quay's API: a source repository that does not exist."""
    put_repo(emulator, external_reference="docker.io/library/doesnotexist")
    sync_now_repo(emulator)


def refused_credentials(emulator: Emulator) -> None:
    """Quay's API: credentials the source (it wants some) refuses."""
    put_repo(
        emulator,
        external_reference="ghcr.io/acme-corp/flaky-service",
        external_registry_username="svc-flaky",
        external_registry_password="guess",
    )
    sync_now_repo(emulator)


def missing_namespace(emulator: Emulator) -> None:
    """Quay's API: an organization mirror of a source namespace that does not exist."""
    create_org(emulator, external_namespace="nosuchns")
    sync_now_org(emulator)


def refused_token(emulator: Emulator) -> None:
    """Quay's API: an organization mirror whose source refuses its password."""
    create_org(
        emulator,
        external_registry_type="harbor",
        external_registry_url="https://harbor.example.com",
        external_namespace="library",
        external_registry_username="admin",
        external_registry_password="wrong",
    )
    sync_now_org(emulator)


C = reasons.Cause
LIST_REASONS = {
    "auth_failed": C.AUTH_FAILED,
    "bad_credentials": C.AUTH_FAILED,
    "tls_error": C.TLS_ERROR,
    "unknown_authority": C.AUTH_FAILED,  # Quay's rule: "authority" holds "auth"
    "tls_handshake_timeout": C.NETWORK_TIMEOUT,
    "not_found": C.NOT_FOUND,
    "network_timeout": C.NETWORK_TIMEOUT,
    "connection_error": C.CONNECTION_ERROR,
    "denied": C.UNKNOWN_ERROR,
    "unknown_error": C.UNKNOWN_ERROR,
    "internal_error": C.UNKNOWN_ERROR,
}
CASES: dict[str, Case] = {
    **{f"repo-{r}": Case("repo", planned("repo", r), c.value) for r, c in LIST_REASONS.items()},
    # Quay's DecryptionFailureException has no message: its worker counts it unknown_error.
    "repo-decryption_failed": Case("repo", planned("repo", "decryption_failed"), "unknown_error"),
    "repo-invalid_source_registry": Case(
        "repo", planned("repo", "invalid_source_registry"), C.INVALID_SOURCE_REGISTRY.value
    ),
    "repo-preempted": Case("repo", planned("repo", "preempted"), C.PREEMPTED.value),
    "repo-partial_sync": Case(
        "repo", planned("repo", "partial_sync", tags=["1.27"]), reasons.PARTIAL_SYNC
    ),
    "repo-api-not_found": Case("repo", missing_source, C.NOT_FOUND.value),
    "repo-api-bad_credentials": Case("repo", refused_credentials, C.AUTH_FAILED.value),
    **{
        f"org-repo-{r}": Case("org-repo", planned("org-repo", r), c.value)
        for r, c in LIST_REASONS.items()
    },
    # An organization repository's undecryptable credentials say "Failed to decrypt credentials".
    "org-repo-decryption_failed": Case(
        "org-repo", planned("org-repo", "decryption_failed"), C.DECRYPTION_FAILED.value
    ),
    # Quay says "Sync failed for '<ref>': 1/2 tags failed" (no "PARTIAL SYNC"): the first failed
    # tag's reason (skopeo's "manifest unknown") decides.
    "org-repo-partial_sync": Case(
        "org-repo", planned("org-repo", "partial_sync", tags=["bulk-02"]), C.UNKNOWN_ERROR.value
    ),
    **{
        f"org-{r}": Case("org", planned("org", r), r)
        for r in ("not_found", "auth_failed", "connection_error", "tls_error", "network_timeout")
    },
    "org-unknown_error": Case("org", planned("org", "unknown_error"), C.UNKNOWN_ERROR.value),
    "org-api-not_found": Case("org", missing_namespace, C.NOT_FOUND.value),
    "org-api-auth_failed": Case("org", refused_token, C.AUTH_FAILED.value),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_failure_is_logged_as_quay_does_and_classified_as_its_cause(
    emulator: Emulator, case: Case
) -> None:
    case.arrange(emulator)
    emulator.advance(RUN)
    assert group(emulator, case.where) == case.expected


# ---------------------------------------------------------------- runs N, then success


ENDS = ("failed", "success")


def outcomes(emulator: Emulator, where: str) -> list[str]:
    """How ``where``'s runs ended, oldest first ("failed" or "success")."""
    ends = {f"{prefix}_sync_{end}": end for prefix in ("repo_mirror", "org_mirror") for end in ENDS}
    return [ends[e.kind] for e in reversed(entries(emulator, where)) if e.kind in ends]


@pytest.mark.parametrize("where", ["repo", "org-repo", "org"])
def test_a_plan_of_n_runs_fails_n_runs_then_they_succeed(emulator: Emulator, where: str) -> None:
    """The worker retries a failed run by itself (Quay: up to 3 tries, at its next pass): with
    ``runs`` 2, the first two tries fail and the third succeeds."""
    if where == "repo":  # a start date passed: the worker retries it by itself
        put_repo(emulator, sync_start_date="2020-01-01T00:00:00Z")
    planned(where, "connection_error", runs=2)(emulator)
    for _ in range(4):
        emulator.advance(RUN)
    assert outcomes(emulator, where)[-3:] == ["failed", "failed", "success"]  # the newest 3
