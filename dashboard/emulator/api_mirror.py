"""``/api/v1/repository/{ns}/{repo}/mirror`` and its ``sync-now`` / ``sync-cancel`` verbs.

Mirrors Quay's ``endpoints/api/mirror.py``: permission check, then JSON-schema validation,
then the handler. PUT refuses an architecture filter before it applies anything (as Quay);
it then applies fields one by one in Quay's order and stops at the first refused field,
keeping what it already applied.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from . import sync
from .audit import config_changed
from .auth import Ctx, existing_repo, require_repo
from .faults import fault_response, longest_prefix
from .responses import (
    ApiError,
    bare_detail,
    empty,
    invalid_request,
    iso_date,
    json_response,
    message_error,
    not_found,
)
from .state import Mirror, Repository, State
from .validation import (
    CREATE_MIRROR_SCHEMA,
    UPDATE_MIRROR_SCHEMA,
    RegistryLocationError,
    architecture_problem,
    check_external_reference,
    json_body,
    parse_sync_start_date,
)

#: ``sync.sync_now`` or ``sync.cancel``: the worker's side of a press, False when refused.
SyncAction = Callable[[State, Repository, datetime], bool]
BAD_DATE = "Incorrect DateTime format for sync_start_date."
ORG_MIRRORED = (
    "Repository mirror configuration cannot be managed when organization-level mirroring is "
    "configured"
)


def mirror_view(repo: Repository, mirror: Mirror) -> dict[str, Any]:
    """The body of ``GET .../mirror`` (never the password)."""
    return {
        "is_enabled": mirror.is_enabled,
        "mirror_type": "PULL",
        "external_reference": mirror.external_reference,
        "external_registry_username": mirror.external_registry_username,
        "external_registry_config": mirror.external_registry_config or {},
        "sync_interval": mirror.sync_interval,
        "sync_start_date": iso_date(mirror.sync_start_date),
        "sync_expiration_date": iso_date(mirror.sync_expiration_date),
        "sync_retries_remaining": mirror.sync_retries_remaining,
        "sync_status": mirror.sync_status,
        "root_rule": {
            "rule_kind": "tag_glob_csv",
            "rule_value": list(repo.rules[mirror.rule_index]),
        },
        "robot_username": mirror.robot_username,
        "skopeo_timeout_interval": mirror.skopeo_timeout,
        "architecture_filter": list(mirror.architecture_filter),
    }


def _body(ctx: Ctx, schema: dict[str, Any]) -> dict[str, Any]:
    body = json_body(ctx.request, schema)
    if body is None:
        raise invalid_request(ctx.request, "Missing JSON body")
    return body


def _mirror_of(ctx: Ctx, repo: Repository) -> Mirror:
    if repo.mirror is None:
        raise not_found(ctx.request)
    return repo.mirror


def _refuse_in_org_mirror(ctx: Ctx, namespace: str) -> None:
    """Config writes in an organization that has an organization mirror are refused."""
    if namespace in ctx.state.org_mirrors:
        raise invalid_request(ctx.request, ORG_MIRRORED)


def _require_mirror_state(ctx: Ctx, repo: Repository) -> None:
    if repo.state != "MIRROR":
        raise invalid_request(ctx.request, "Repository is not in MIRROR state")


def _check_reference(ctx: Ctx, reference: str) -> None:
    try:
        check_external_reference(reference, ctx.state.options.allowed_hosts)
    except RegistryLocationError as error:
        raise invalid_request(ctx.request, str(error)) from None


def _check_architectures(ctx: Ctx, values: Any) -> None:
    """Quay answers a bare ``{"detail"}`` 400 for a filter it refuses."""
    problem = architecture_problem(values, ctx.state.options.sparse_index)
    if problem:
        raise bare_detail(problem)


def _start_date(value: Any) -> Any:
    try:
        return parse_sync_start_date(value)
    except ValueError:
        raise bare_detail(BAD_DATE) from None


def _check_robot(ctx: Ctx, namespace: str, robot_username: Any) -> str:
    robot = ctx.state.robots.get(robot_username) if isinstance(robot_username, str) else None
    if robot is None:
        raise message_error("Could not find robot with specified username")
    if robot.namespace != namespace:
        raise message_error("Invalid robot")
    return robot.name


def _logger(ctx: Ctx, repo: Repository, username: str) -> Any:
    token_id = ctx.token.token_id if ctx.token else 0

    def log(changed: str, to: Any) -> None:
        config_changed(ctx.state, repo, ctx.now, username, token_id, ctx.user_agent, changed, to)

    return log


def get_mirror(ctx: Ctx, namespace: str, name: str) -> Response:
    require_repo(ctx, namespace, name, "admin", readonly_ok=True)
    repo = existing_repo(ctx, namespace, name)
    return json_response(mirror_view(repo, _mirror_of(ctx, repo)))


def create_mirror(ctx: Ctx, namespace: str, name: str) -> Response:
    user = require_repo(ctx, namespace, name, "admin", readonly_ok=False)
    _refuse_in_org_mirror(ctx, namespace)
    body = _body(ctx, CREATE_MIRROR_SCHEMA)
    repo = existing_repo(ctx, namespace, name)
    if repo.mirror is not None:
        detail = f"Mirror configuration already exits for repository {namespace}/{name}"
        raise bare_detail(detail, 409)
    # Quay validates the request in this order before it creates anything.
    _check_reference(ctx, body["external_reference"])
    _check_architectures(ctx, body.get("architecture_filter"))
    start = _start_date(body["sync_start_date"])
    architectures = body.get("architecture_filter") or []
    # Quay creates the rule row before it checks the robot: a refused robot leaves an
    # orphan rule, which later PUTs of root_rule update instead of the mirror's own rule.
    repo.rules.append(list(body["root_rule"]["rule_value"]))
    try:
        robot = _check_robot(ctx, namespace, body.get("robot_username"))
    except Exception:
        if not ctx.state.options.quirks:
            repo.rules.pop()
        raise
    repo.mirror = Mirror(
        external_reference=body["external_reference"],
        robot_username=robot,
        rule_index=len(repo.rules) - 1,
        sync_interval=body["sync_interval"],
        sync_start_date=start,
        is_enabled=body.get("is_enabled", True),
        external_registry_username=body.get("external_registry_username") or None,
        external_registry_password=body.get("external_registry_password") or None,
        external_registry_config=dict(body.get("external_registry_config") or {}),
        skopeo_timeout=int(body.get("skopeo_timeout_interval", 300)),
        architecture_filter=list(architectures),
        touched_at=ctx.now,
    )
    repo.state = "MIRROR"
    _logger(ctx, repo, user.username)("external_reference", body["external_reference"])
    return json_response("", 201)


def update_mirror(ctx: Ctx, namespace: str, name: str) -> Response:
    user = require_repo(ctx, namespace, name, "admin", readonly_ok=False)
    _refuse_in_org_mirror(ctx, namespace)
    values = _body(ctx, UPDATE_MIRROR_SCHEMA)
    repo = existing_repo(ctx, namespace, name)
    mirror = _mirror_of(ctx, repo)
    _require_mirror_state(ctx, repo)
    robot = _validate_update(ctx, repo, values)
    log = _logger(ctx, repo, user.username)
    try:
        _apply_update(ctx, repo, mirror, values, robot, log)
    finally:
        mirror.touched_at = ctx.now
    return json_response("", 201)


def _validate_update(ctx: Ctx, repo: Repository, values: dict[str, Any]) -> str | None:
    """Every requested change checked, in Quay's order, before any is applied (Quay's
    ``put`` validates and normalises all of them first); the robot's full name if one."""
    if "external_reference" in values:
        if values["external_reference"] == "":
            raise bare_detail("Empty string is an invalid repository location.")
        _check_reference(ctx, values["external_reference"])
    if "sync_start_date" in values:
        _start_date(values["sync_start_date"])
    if "architecture_filter" in values:
        _check_architectures(ctx, values["architecture_filter"])
    if "external_registry_password" in values and "external_registry_username" not in values:
        raise bare_detail("Unable to set a new password without also specifying a username.")
    if (
        values.get("external_registry_username", "") is None
        and values.get("external_registry_password") is not None
    ):
        raise bare_detail("Unable to delete username while setting a password.")
    if "robot_username" in values:
        return _check_robot(ctx, repo.namespace, values["robot_username"])
    return None


#: The order in which Quay applies a PUT's fields.
APPLY_ORDER = (
    "is_enabled",
    "external_reference",
    "robot_username",
    "sync_start_date",
    "sync_interval",
    "skopeo_timeout_interval",
    "architecture_filter",
    "external_registry_username",
    "external_registry_config",
    "root_rule",
)


def _apply_update(
    ctx: Ctx,
    repo: Repository,
    mirror: Mirror,
    values: dict[str, Any],
    robot: str | None,
    log: Any,
) -> None:
    breaks_at = longest_prefix(ctx.state.options.fail_put_at, ctx.request.path)
    for name in APPLY_ORDER:
        if name not in values and not (
            name == "external_registry_username" and "external_registry_password" in values
        ):
            continue
        if name == breaks_at:
            raise ApiError(fault_response(500))  # the fields before this one stay applied
        _apply_field(ctx, repo, mirror, name, values, robot, log)


def _apply_field(
    ctx: Ctx,
    repo: Repository,
    mirror: Mirror,
    name: str,
    values: dict[str, Any],
    robot: str | None,
    log: Any,
) -> None:
    if name == "is_enabled":
        mirror.is_enabled = bool(values["is_enabled"])
        log("is_enabled", mirror.is_enabled)
    elif name == "external_reference":
        mirror.external_reference = values["external_reference"]
        log("external_reference", values["external_reference"])
    elif name == "robot_username":
        mirror.robot_username = robot
        log("robot_username", values["robot_username"])
    elif name == "sync_start_date":
        mirror.sync_start_date = _start_date(values["sync_start_date"])
        log("sync_start_date", sync.epoch(mirror.sync_start_date))
    elif name == "sync_interval":
        mirror.sync_interval = values["sync_interval"]
        log("sync_interval", values["sync_interval"])
    elif name == "external_registry_username":
        _apply_credentials(mirror, values, log)
    elif name == "skopeo_timeout_interval":
        mirror.skopeo_timeout = int(values["skopeo_timeout_interval"])
        log("skopeo_timeout_interval", values["skopeo_timeout_interval"])
    elif name == "external_registry_config":
        _apply_registry_config(ctx, mirror, values["external_registry_config"], log)
    elif name == "root_rule":
        patterns = list(values["root_rule"]["rule_value"])
        # Quay updates the repository's *first* rule row (the orphan, if there is one).
        index = 0 if ctx.state.options.quirks else mirror.rule_index
        repo.rules[index] = patterns
        log("mirror_rule", patterns)
    elif name == "architecture_filter":
        architectures = values["architecture_filter"] or []
        mirror.architecture_filter = list(architectures)
        log("architecture_filter", architectures)


def _apply_credentials(mirror: Mirror, values: dict[str, Any], log: Any) -> None:
    """Username and password (checked in :func:`_validate_update`)."""
    if "external_registry_password" in values:
        username = values["external_registry_username"]
        password = values["external_registry_password"]
        mirror.external_registry_username = username
        mirror.external_registry_password = password
        log("external_registry_username", username)
        log("external_registry_password", None if password is None else "********")
    else:
        mirror.external_registry_username = values["external_registry_username"]
        log("external_registry_username", values["external_registry_username"])


def _apply_registry_config(ctx: Ctx, mirror: Mirror, updates: dict[str, Any], log: Any) -> None:
    config = mirror.external_registry_config
    for key in ("verify_tls", "unsigned_images"):
        if key in updates:
            config[key] = updates[key]
            log(key, updates[key])
    if "proxy" in updates:
        for key in ("http_proxy", "https_proxy", "no_proxy"):
            if key not in updates["proxy"]:
                continue
            if "proxy" not in config:
                # Quay's change_external_registry_config creates the proxy object and
                # drops the value it was asked to store (quirk).
                config["proxy"] = {}
                if ctx.state.options.quirks:
                    log(key, updates["proxy"][key])
                    continue
            config["proxy"][key] = updates["proxy"][key]
            log(key, updates["proxy"][key])


def _press(ctx: Ctx, namespace: str, name: str, action: SyncAction, status: str) -> Response:
    """Sync now or Cancel, one body as in Quay: the worker's status change refused (False) is
    a 404; done, it is logged as a config change of ``sync_status`` to ``status``."""
    user = require_repo(ctx, namespace, name, "admin", readonly_ok=False)
    repo = existing_repo(ctx, namespace, name)
    _mirror_of(ctx, repo)
    _require_mirror_state(ctx, repo)
    if not action(ctx.state, repo, ctx.now):
        raise not_found(ctx.request)
    _logger(ctx, repo, user.username)("sync_status", status)
    return empty(204)


def sync_now(ctx: Ctx, namespace: str, name: str) -> Response:
    return _press(ctx, namespace, name, sync.sync_now, "SYNC_NOW")


def sync_cancel(ctx: Ctx, namespace: str, name: str) -> Response:
    return _press(ctx, namespace, name, sync.cancel, "SYNC_CANCEL")
