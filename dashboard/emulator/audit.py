"""Usage-log entries: written on behalf of a user (Quay's ``track_and_log``), or by the mirror
worker, for a repository of either kind of mirror."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .state import Repository, State

APPLICATION_NAME = "Mirror Dashboard (demo)"
RESOLVED_IP = {
    "provider": "internet",
    "service": None,
    "sync_token": "1645662201",
    "country_iso_code": None,
    "aws_region": None,
    "continent": None,
}


def user_log(
    state: State,
    repo: Repository,
    kind: str,
    when: datetime,
    username: str,
    token_id: int,
    user_agent: str,
    extra: dict[str, Any],
) -> None:
    """Write a log entry performed by ``username`` through an OAuth token of the demo app."""
    metadata: dict[str, Any] = {
        "repo": repo.name,
        "namespace": repo.namespace,
        "user-agent": user_agent,
        **extra,
        "oauth_token_id": token_id,
        "oauth_token_application_id": state.options.client_id,
        "oauth_token_application": APPLICATION_NAME,
        "username": username,
        "resolved_ip": dict(RESOLVED_IP),
    }
    state.add_log(repo, kind, metadata, when, performer=username, ip="127.0.0.1")


def config_changed(
    state: State,
    repo: Repository,
    when: datetime,
    username: str,
    token_id: int,
    user_agent: str,
    changed: str,
    to: Any,
) -> None:
    """A ``repo_mirror_config_changed`` entry (``changed``/``to`` as Quay writes them)."""
    user_log(
        state,
        repo,
        "repo_mirror_config_changed",
        when,
        username,
        token_id,
        user_agent,
        {"changed": changed, "to": to},
    )


def worker_log(
    state: State,
    repo: Repository,
    kind: str,
    verb: str,
    message: str,
    when: datetime,
    *,
    tag: str | None = None,
    tags: str | None = None,
    stdout: str | None = None,
    stderr: str | None = None,
) -> None:
    """A log entry written by the mirror worker (no performer, no IP): a repository mirror's
    run, or an organization mirror's sync of one of its repositories (the same keys)."""
    metadata: dict[str, Any] = {
        "verb": verb,
        "namespace": repo.namespace,
        "repo": repo.name,
        "message": message,
        "tag": tag,
        "tags": tags,
        "stdout": stdout,
        "stderr": stderr,
    }
    state.add_log(repo, kind, metadata, when)
