"""The emulator's own control API under ``/_emulator`` (JSON, no auth, never faulted,
delayed or queued).

``GET/POST config``, ``POST reset``, ``GET/POST clock``, ``GET mirror/{ns}/{repo}``,
``GET/DELETE requests``, ``GET/DELETE stats`` -- see docs/emulator.md and
``tests/support/emulator.py``.

``POST mirror/{ns}/{repo}/fail`` ``{"reason", "runs"?, "tags"?}`` makes the mirror's next
``runs`` runs (default 1; 0: every run until cleared) fail the way ``reason`` names (``GET
failures`` lists them, with what Quay's metrics call each); ``tags`` are the tags a
``partial_sync`` fails. ``DELETE mirror/{ns}/{repo}/fail`` clears it.
``POST org-mirror/{org}/fail`` ``{"reason", "runs"?}`` makes the organization mirror's next
``runs`` discoveries fail (``org_worker.DISCOVERY_FAILURES``); with ``"repository"`` (and
``"tags"?``), that source repository's next ``runs`` syncs (its listing or, with
``partial_sync``, the copies of ``tags``). ``runs`` as above. ``DELETE org-mirror/{org}/fail``
(``{"repository"}``) clears it.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from . import org_worker, sync
from .api_mirror import mirror_view
from .api_org_mirror import config_view
from .failures import ALTERNATE, FAILURES, LIST, TAGS, catalogue
from .org_state import FailurePlan, OrgMirror
from .responses import json_response

if TYPE_CHECKING:
    from .app import EmulatorApp
    from .state import State

FLOAT_OPTIONS = (
    "latency_ms",
    "error_rate",
    "claim_delay",
    "sync_duration",
    "retry_delay",
    "org_tag_seconds",
)
COUNT_OPTIONS = ("max_inflight", "rate_limit_calls", "retry_after")


def _error(message: str, status: int = 400) -> Response:
    return json_response({"error": message}, status)


def handle(app: EmulatorApp, request: Request) -> Response:
    """Dispatch a ``/_emulator/...`` request."""
    parts = [p for p in request.path.split("/") if p][1:]
    name = parts[0] if parts else ""
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        return _error("expected a JSON object")
    state = app.state
    if name == "config" and request.method == "GET":
        with state.lock:
            return json_response(state.options.public())
    if name == "config" and request.method == "POST":
        return _configure(app, body)
    if name == "reset" and request.method == "POST":
        repos = body.get("repos")
        app.reset(int(repos) if repos is not None else None)
        with state.lock:
            return json_response({"reset": True, "options": state.options.public()})
    if name == "clock":
        with state.lock:
            if request.method == "POST":
                advance = float(body.get("advance", 0))
                if advance < 0:
                    return _error("the clock only moves forward")
                state.clock_offset += advance
            sync.advance(state)
            return json_response(
                {"now": state.now().isoformat() + "Z", "offset": state.clock_offset}
            )
    if name == "mirror" and len(parts) == 3 and request.method == "GET":
        return _mirror_record(app, parts[1], parts[2])
    if name == "mirror" and len(parts) == 4 and parts[3] == "fail":
        return _plan_failure(app, parts[1], parts[2], body, request.method)
    if name == "org-mirror" and len(parts) == 2 and request.method == "GET":
        return _org_mirror_record(app, parts[1])
    if name == "org-mirror" and len(parts) == 3 and parts[2] == "fail":
        return _plan_source_failure(app, parts[1], body, request.method)
    if name == "tokens" and len(parts) == 2 and request.method == "DELETE":
        # A token revoked in Quay (its owner revoked the application's authorization, or an
        # admin deleted the user): Quay answers 401 to it from now on.
        with state.lock:
            gone = state.tokens.pop(parts[1], None)
        return Response(b"", status=204 if gone is not None else 404)
    if name == "failures" and request.method == "GET":
        return json_response(catalogue())
    if name == "requests" and request.method == "GET":
        with state.lock:
            return json_response(copy.deepcopy(state.request_log))
    if name == "requests" and request.method == "DELETE":
        with state.lock:
            state.request_log.clear()
        return Response(b"", status=204)
    if name == "stats" and request.method == "GET":
        return json_response(app.capacity.stats())
    if name == "stats" and request.method == "DELETE":
        app.capacity.reset_stats()
        return Response(b"", status=204)
    return _error(f"no such control endpoint: {request.method} {request.path}", 404)


def _configure(app: EmulatorApp, body: dict[str, Any]) -> Response:
    state = app.state
    with state.lock:
        options = state.options
        for key, value in body.items():
            if key in FLOAT_OPTIONS:
                setattr(options, key, float(value))
            elif key in COUNT_OPTIONS:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    return _error(f"{key} must be a whole number, 0 or more")
                setattr(options, key, value)
            elif key in ("quirks", "sparse_index", "org_mirror"):
                setattr(options, key, bool(value))
            elif key in ("hang", "allowed_hosts"):
                if not isinstance(value, list):
                    return _error(f"{key} must be a list")
                setattr(options, key, [str(v) for v in value])
            elif key == "fail":
                if not isinstance(value, dict):
                    return _error("fail must be an object {path prefix: status}")
                options.fail = {str(k): int(v) for k, v in value.items()}
            elif key == "delay_after_write":
                if not isinstance(value, dict):
                    return _error("delay_after_write must be an object {path prefix: seconds}")
                options.delay_after_write = {str(k): float(v) for k, v in value.items()}
            elif key == "fail_put_at":
                if not isinstance(value, dict):
                    return _error("fail_put_at must be an object {path prefix: field}")
                options.fail_put_at = {str(k): str(v) for k, v in value.items()}
            elif key == "garble":
                if not isinstance(value, dict) or not all(
                    isinstance(v, dict) and "entry" in v and "field" in v for v in value.values()
                ):
                    return _error(
                        'garble must be an object {path prefix: {"entry", "field", "value" or '
                        '"drop"}}'
                    )
                options.garble = {str(k): dict(v) for k, v in value.items()}
            elif key == "redirect_uri":
                options.redirect_uri = str(value)
            else:
                return _error(f"unknown option: {key}")
        if "hang" in body and not options.hang:
            app.faults.release_all()
        if "claim_delay" in body or "retry_delay" in body:
            sync.track_all(state)  # every mirror's next claim moves
        if "max_inflight" in body:
            app.capacity.limit_changed()
        return json_response(options.public())


def _mirror_record(app: EmulatorApp, namespace: str, name: str) -> Response:
    state = app.state
    with state.lock:
        sync.advance(state)
        repo = state.repos.get((namespace, name))
        if repo is None:
            return _error(f"no repository {namespace}/{name}", 404)
        record: dict[str, Any] = {"configured": repo.mirror is not None}
        if repo.mirror is not None:
            record.update(mirror_view(repo, repo.mirror))
            record["external_registry_password"] = repo.mirror.external_registry_password
            record["planned_failure"] = {
                "reason": repo.mirror.failure,
                "runs": repo.mirror.failure_runs or 0,
                "tags": repo.mirror.failure_tags,
            }
        record.update(
            {
                "repository": repo.full_name,
                "state": repo.state,
                "tags": sorted(repo.tags),
                "rules": [list(rule) for rule in repo.rules],
                "rule": list(repo.rules[repo.mirror.rule_index]) if repo.mirror else None,
            }
        )
        return json_response(record)


def _org_mirror(state: State, org: str) -> OrgMirror | Response:
    """The organization mirror a control call names, once the worker has caught up (the caller
    holds the lock); or the 404 that says there is none."""
    sync.advance(state)
    mirror = state.org_mirrors.get(org)
    return _error(f"no organization mirror of {org}", 404) if mirror is None else mirror


def _org_mirror_record(app: EmulatorApp, org: str) -> Response:
    """An organization mirror as stored (password and log included), for the tests."""
    state = app.state
    with state.lock:
        mirror = _org_mirror(state, org)
        if isinstance(mirror, Response):
            return mirror
        record = config_view(mirror)
        record["external_registry_password"] = mirror.external_registry_password
        record["planned_failure"] = {"reason": mirror.failure, "runs": mirror.failure_runs or 0}
        record["repositories"] = [
            {
                "name": repo.name,
                "sync_status": repo.sync_status,
                "retries": repo.sync_retries_remaining,
            }
            for repo in mirror.sorted_repos()
        ]
        record["logs"] = [
            {"kind": entry.kind, "metadata": entry.metadata, "performer": entry.performer}
            for entry in state.org_logs.get(org, [])
        ]
        return json_response(record)


def _bad_tags(tags: Any) -> bool:
    """Whether ``tags`` (absent: None) is anything but a list of tag names."""
    return tags is not None and not (
        isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)
    )


def _plan_failure(
    app: EmulatorApp, namespace: str, name: str, body: dict[str, Any], method: str
) -> Response:
    """Plan (POST) or clear (DELETE) how a repository mirror's next runs fail."""
    state = app.state
    with state.lock:
        sync.advance(state)
        repo = state.repos.get((namespace, name))
        if repo is None or repo.mirror is None:
            return _error(f"no mirror of {namespace}/{name}", 404)
        mirror = repo.mirror
        if method == "DELETE":
            mirror.failure = mirror.failure_runs = mirror.failure_tags = None
            return Response(b"", status=204)
        if method != "POST":
            return _error(f"no such control endpoint: {method} mirror/.../fail", 404)
        reason = body.get("reason")
        if reason not in FAILURES and reason != ALTERNATE:
            known = ", ".join([*FAILURES, ALTERNATE])
            return _error(f"reason must be one of: {known}")
        plan = _plan(body, reason)
        if isinstance(plan, Response):
            return plan
        mirror.failure = plan.failure
        mirror.failure_runs = plan.failure_runs
        mirror.failure_tags = plan.failing_tags
        return _planned(plan, repo.full_name)


RUNS = "runs must be a whole number, 0 (every run until cleared) or more"


def _runs(body: dict[str, Any]) -> int | None:
    """A plan's ``runs`` (default 1; 0: every run until cleared), or None when it is not one."""
    runs = body.get("runs", 1)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 0:
        return None
    return runs


def _plan(body: dict[str, Any], reason: str) -> FailurePlan | Response:
    """A plan of ``reason`` with the body's ``runs`` and ``tags`` (the same rules for a
    repository mirror and an organization mirror's repository), or the error refusing it."""
    runs = _runs(body)
    if runs is None:
        return _error(RUNS)
    tags = body.get("tags")
    if _bad_tags(tags):
        return _error("tags must be a list of tag names")
    return FailurePlan(reason, tags, runs or None)


def _planned(plan: FailurePlan, repository: str) -> Response:
    """The answer to a plan: what was planned (``runs`` 0: every run until cleared)."""
    return json_response(
        {
            "reason": plan.failure,
            "runs": plan.failure_runs or 0,
            "tags": plan.failing_tags,
            "repository": repository,
        }
    )


def _plan_source_failure(app: EmulatorApp, org: str, body: dict[str, Any], method: str) -> Response:
    """Plan (POST) how an organization mirror's next discoveries fail, or (with
    ``repository``) a source repository's next syncs; or clear it (DELETE)."""
    state = app.state
    with state.lock:
        mirror = _org_mirror(state, org)
        if isinstance(mirror, Response):
            return mirror
        if method not in ("POST", "DELETE"):
            return _error(f"no such control endpoint: {method} org-mirror/.../fail", 404)
        if "repository" not in body:
            return _plan_discovery_failure(app, mirror, body, method)
        source = state.org_sources.get(mirror.source_key)
        repository = body.get("repository")
        if source is None or repository not in source.repos:
            return _error(f"no repository {repository!r} at {mirror.source_key}", 404)
        if method == "DELETE":
            mirror.repo_plans.pop(repository, None)
            mended = source.repos[repository]  # the seed's failure too: the source is mended
            mended.failure = mended.failing_tags = None
            return Response(b"", status=204)
        reason = body.get("reason")
        phase = FAILURES[reason].phase if reason in FAILURES else None
        if phase not in (LIST, TAGS) or reason == "preempted":
            known = ", ".join(n for n, f in FAILURES.items() if f.phase == LIST)
            return _error(f"reason must be one of: {known}, partial_sync")
        plan = _plan(body, reason)
        if isinstance(plan, Response):
            return plan
        mirror.repo_plans[repository] = plan
        org_worker.track(state, mirror)
        return _planned(plan, repository)


def _plan_discovery_failure(
    app: EmulatorApp, mirror: OrgMirror, body: dict[str, Any], method: str
) -> Response:
    """Plan (POST) or clear (DELETE) how an organization mirror's next discoveries fail (the
    caller holds the lock)."""
    if method == "DELETE":
        mirror.failure = mirror.failure_runs = None
        return Response(b"", status=204)
    reason = body.get("reason")
    if reason not in org_worker.DISCOVERY_FAILURES:
        known = ", ".join(org_worker.DISCOVERY_FAILURES)
        return _error(f"reason must be one of: {known} (or name a repository)")
    runs = _runs(body)
    if runs is None:
        return _error(RUNS)
    mirror.failure = reason
    mirror.failure_runs = runs or None
    org_worker.track(app.state, mirror)
    return json_response({"reason": reason, "runs": runs, "organization": mirror.org})
