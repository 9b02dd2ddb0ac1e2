"""``/api/v1/organization/{org}/mirror`` and its verbs: Quay's organization-level mirroring.

As ``endpoints/api/org_mirror.py`` and the real Quay of ``quay-org-mirror-observed.md``:
behind ``FEATURE_ORG_MIRROR`` (off: 404); the ``org:admin`` scope, then the JSON schema, then
organization admins (the global read-only superuser may read); conflicts are 400, never 409;
success bodies are the JSON string ``""`` (204s have none); verify always answers 200.
Validation order of a create: schema, robot, robot's organization, start date, URL, an empty
organization, no config yet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from . import org_worker
from .audit import APPLICATION_NAME
from .auth import Ctx, has_scope, require_user
from .org_state import REPO_STATUSES, OrgMirror
from .org_validation import (
    CREATE_ORG_MIRROR_SCHEMA,
    UPDATE_ORG_MIRROR_SCHEMA,
    VERIFY_NOT_ALLOWED,
    RegistryURLError,
    check_registry_url,
)
from .responses import (
    ApiError,
    empty,
    forbidden,
    invalid_request,
    iso_date,
    json_response,
    message_error,
    not_found,
)
from .state import User
from .validation import json_body, parse_sync_start_date

BAD_DATE = "Invalid sync_start_date format. Use ISO 8601: YYYY-MM-DDTHH:MM:SSZ"
NOT_JSON = "The browser (or proxy) sent a request that this server could not understand."
NOT_EMPTY = (
    "Cannot create organization mirror: the organization already contains repositories. "
    "Organization mirroring requires an empty organization."
)
EXISTS = "Mirror configuration already exists for this organization"
#: ``org_worker.sync_now`` or ``org_worker.cancel``: Quay's reason to refuse, or None once done.
OrgAction = Callable[[OrgMirror, datetime], str | None]
MAX_LIMIT = 500
DEFAULT_LIMIT = 100


def config_view(mirror: OrgMirror) -> dict[str, Any]:
    """The body of ``GET .../mirror`` (17 keys; never the password)."""
    # Alike in shape only (api_repos' summary, api_mirror's view): Quay's own view of this object.
    return {
        "is_enabled": mirror.is_enabled,
        "external_registry_type": mirror.external_registry_type,
        "external_registry_url": mirror.external_registry_url,
        "external_namespace": mirror.external_namespace,
        "external_registry_username": mirror.external_registry_username,
        "has_external_registry_password": mirror.external_registry_password is not None,
        "external_registry_config": mirror.external_registry_config,
        "repository_filters": list(mirror.repository_filters),
        "robot_username": mirror.robot_username,
        "visibility": mirror.visibility,
        "sync_interval": mirror.sync_interval,
        "sync_start_date": iso_date(mirror.sync_start_date),
        "sync_expiration_date": iso_date(mirror.sync_expiration_date),
        "sync_status": mirror.sync_status,
        "sync_retries_remaining": mirror.sync_retries_remaining,
        "repo_sync_status_counts": mirror.counts(),
        "skopeo_timeout": mirror.skopeo_timeout,
        "creation_date": iso_date(mirror.creation_date),
    }


# --------------------------------------------------------------------- checks


def _enabled(ctx: Ctx) -> None:
    if not ctx.state.options.org_mirror:
        raise not_found(ctx.request)


def _caller(ctx: Ctx) -> User:
    """401 without a (valid) token, Quay's CSRF 403 for a write with no token at all, 403
    without the ``org:admin`` scope."""
    if ctx.request.method != "GET" and not ctx.request.headers.get("Authorization"):
        raise ApiError(json_response({"error": "CSRF token was invalid or missing."}, 403))
    user = require_user(ctx)
    if not has_scope(ctx, "org:admin"):
        raise forbidden(ctx.request)
    return user


def _allowed(ctx: Ctx, user: User, org: str, *, read: bool = False) -> None:
    """Organization admins; the global read-only superuser for reads. Then the organization
    must exist (an admin of nothing gets 403 for a missing one, as in Quay)."""
    organization = ctx.state.orgs.get(org)
    is_admin = organization is not None and user.username in organization.admins
    if not is_admin and not (read and user.global_readonly_superuser):
        raise forbidden(ctx.request)
    if organization is None:
        raise not_found(ctx.request)


def _body(ctx: Ctx, schema: dict[str, Any]) -> dict[str, Any]:
    body = json_body(ctx.request, schema)
    if body is None:  # not a repository's "Missing JSON body": quay-org-mirror-observed.md
        raise message_error(NOT_JSON)
    return body


def _config(ctx: Ctx, org: str) -> OrgMirror:
    mirror = ctx.state.org_mirrors.get(org)
    if mirror is None:
        raise not_found(ctx.request)
    return mirror


def _mirror(ctx: Ctx, org: str, *, read: bool = False) -> tuple[User, OrgMirror]:
    """The checks of every handler but create and update (which check the body's schema before
    the admins), in Quay's order: the feature, the caller, its rights, then the config."""
    _enabled(ctx)
    user = _caller(ctx)
    _allowed(ctx, user, org, read=read)
    return user, _config(ctx, org)


def _check_robot(ctx: Ctx, org: str, name: Any) -> str:
    robot = ctx.state.robots.get(name) if isinstance(name, str) else None
    if robot is None:
        raise invalid_request(ctx.request, f"Invalid robot account: {name}")
    if robot.namespace != org:
        raise invalid_request(ctx.request, "Robot account must belong to the organization")
    return robot.name


def _check_date(ctx: Ctx, value: Any) -> Any:
    try:
        return parse_sync_start_date(value)
    except (TypeError, ValueError):
        raise invalid_request(ctx.request, BAD_DATE) from None


def _check_url(ctx: Ctx, url: str) -> None:
    try:
        check_registry_url(url, ctx.state.options.allowed_hosts)
    except RegistryURLError as error:
        raise invalid_request(ctx.request, str(error)) from None


def _log(
    ctx: Ctx, mirror: OrgMirror, kind: str, user: User, extra: dict[str, Any] | None = None
) -> None:
    """An API action in the organization's log (performer, OAuth token metadata); its own
    metadata is the source's reference unless ``extra`` says otherwise."""
    metadata = {
        **(extra if extra is not None else {"external_reference": mirror.external_reference}),
        "oauth_token_id": ctx.token.token_id if ctx.token else 0,
        "oauth_token_application_id": ctx.state.options.client_id,
        "oauth_token_application": APPLICATION_NAME,
    }
    ctx.state.add_log(mirror.org, kind, metadata, ctx.now, performer=user.username, ip="127.0.0.1")


def _credential(value: Any) -> str | None:
    return value or None


# ------------------------------------------------------------------- handlers


def get_config(ctx: Ctx, org: str) -> Response:
    _user, mirror = _mirror(ctx, org, read=True)
    return json_response(config_view(mirror))


def create_config(ctx: Ctx, org: str) -> Response:
    _enabled(ctx)
    user = _caller(ctx)
    body = _body(ctx, CREATE_ORG_MIRROR_SCHEMA)
    _allowed(ctx, user, org)
    robot = _check_robot(ctx, org, body["robot_username"])
    start = _check_date(ctx, body["sync_start_date"])
    _check_url(ctx, body["external_registry_url"])
    state = ctx.state
    if state.index.names.get(org):
        raise invalid_request(ctx.request, NOT_EMPTY)
    if org in state.org_mirrors:
        raise invalid_request(ctx.request, EXISTS)
    mirror = OrgMirror(
        org=org,
        external_registry_type=body["external_registry_type"],
        external_registry_url=body["external_registry_url"],
        external_namespace=body["external_namespace"],
        robot_username=robot,
        visibility=body["visibility"],
        sync_interval=int(body["sync_interval"]),
        sync_start_date=start,
        creation_date=ctx.now,
        is_enabled=body.get("is_enabled", True),
        external_registry_username=_credential(body.get("external_registry_username")),
        external_registry_password=_credential(body.get("external_registry_password")),
        external_registry_config=dict(body.get("external_registry_config") or {}),
        repository_filters=list(body.get("repository_filters") or []),
        skopeo_timeout=int(body.get("skopeo_timeout", 300)),
        touched_at=ctx.now,
    )
    state.org_mirrors[org] = mirror
    _log(ctx, mirror, "org_mirror_enabled", user, mirror.enabled_metadata())
    org_worker.track(state, mirror)
    return json_response("", 201)


#: The fields a PUT applies (anything else, ``external_registry_type`` included, is ignored).
UPDATABLE = tuple(UPDATE_ORG_MIRROR_SCHEMA["properties"])


def update_config(ctx: Ctx, org: str) -> Response:
    _enabled(ctx)
    user = _caller(ctx)
    body = _body(ctx, UPDATE_ORG_MIRROR_SCHEMA)
    _allowed(ctx, user, org)
    mirror = _config(ctx, org)
    # Every field is checked before any is applied: a PUT with one bad field changes nothing.
    robot = _check_robot(ctx, org, body["robot_username"]) if "robot_username" in body else None
    start = _check_date(ctx, body["sync_start_date"]) if "sync_start_date" in body else None
    if "external_registry_url" in body:
        _check_url(ctx, body["external_registry_url"])
    old_reference = mirror.external_reference
    for name in UPDATABLE:
        if name not in body:
            continue
        value = body[name]
        if name == "robot_username":
            value = robot
        elif name == "sync_start_date":
            value = start
        elif name in ("external_registry_username", "external_registry_password"):
            value = _credential(value)
        elif name == "repository_filters":
            value = list(value)
        elif name == "external_registry_config":
            value = dict(value)
        setattr(mirror, name, value)
    mirror.touched_at = ctx.now
    _log(
        ctx,
        mirror,
        "org_mirror_config_changed",
        user,
        {
            "updated_fields": list(body),
            "old_external_reference": old_reference,
            "external_reference": mirror.external_reference,
        },
    )
    org_worker.track(ctx.state, mirror)
    return json_response("", 200)


def delete_config(ctx: Ctx, org: str) -> Response:
    """The config goes; the repositories stay, back in state NORMAL with their tags."""
    user, mirror = _mirror(ctx, org)
    state = ctx.state
    for name in state.index.names.get(org, ()):
        repo = state.repos[(org, name)]
        if repo.state == "ORG_MIRROR":
            repo.state = "NORMAL"
    _log(ctx, mirror, "org_mirror_disabled", user)
    del state.org_mirrors[org]
    state.schedule.set(org_worker.key(org), None)
    return empty(204)


def _press(ctx: Ctx, org: str, action: OrgAction, kind: str) -> Response:
    """Sync now or Cancel: Quay's status change; its reason to refuse is a 400 (a repository's
    refused press is a 404: another Quay rule), and a done one an organization log entry."""
    user, mirror = _mirror(ctx, org)
    refusal = action(mirror, ctx.now)
    if refusal is not None:
        raise invalid_request(ctx.request, refusal)
    _log(ctx, mirror, kind, user)
    org_worker.track(ctx.state, mirror)
    return empty(204)


def sync_now(ctx: Ctx, org: str) -> Response:
    return _press(ctx, org, org_worker.sync_now, "org_mirror_sync_now_requested")


def sync_cancel(ctx: Ctx, org: str) -> Response:
    return _press(ctx, org, org_worker.cancel, "org_mirror_sync_cancelled")


def verify(ctx: Ctx, org: str) -> Response:
    """A test connection to the source: always 200 ``{success, message}``."""
    _user, mirror = _mirror(ctx, org)
    try:
        check_registry_url(mirror.external_registry_url, ctx.state.options.allowed_hosts)
    except RegistryURLError:
        return json_response({"success": False, "message": VERIFY_NOT_ALLOWED})
    _source, problem = org_worker.source_problem(ctx.state, mirror)
    if problem is not None:
        return json_response({"success": False, "message": problem})
    return json_response({"success": True, "message": "Connection successful"})


def _whole(value: str | None, default: int) -> int:
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return number if number >= 1 else default


def list_repositories(ctx: Ctx, org: str) -> Response:
    _user, mirror = _mirror(ctx, org, read=True)
    args = ctx.request.args
    repos = mirror.sorted_repos()
    if "status" in args:
        wanted = args["status"].upper()
        if wanted not in REPO_STATUSES:
            valid = ", ".join(REPO_STATUSES)
            detail = f"Invalid status filter '{args['status']}'. Valid values: {valid}"
            raise invalid_request(ctx.request, detail)
        repos = [repo for repo in repos if repo.sync_status == wanted]
    page = _whole(args.get("page"), 1)
    limit = min(_whole(args.get("limit"), DEFAULT_LIMIT), MAX_LIMIT)
    start = (page - 1) * limit
    rows = repos[start : start + limit]
    return json_response(
        {
            "repositories": [
                {
                    "name": repo.name,
                    "sync_status": repo.sync_status,
                    "discovery_date": iso_date(repo.discovery_date),
                    "last_sync_date": iso_date(repo.last_sync_date),
                    "status_message": repo.status_message,
                    "quay_repository": repo.quay_repository,
                }
                for repo in rows
            ],
            "page": page,
            "limit": limit,
            "total": len(repos),
            "has_next": start + limit < len(repos),
        }
    )
