"""The rest of Quay's API the dashboard uses: user, repositories, robots, tags, health (the logs
are in ``logs.py``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from .audit import user_log
from .auth import (
    Ctx,
    existing_repo,
    has_scope,
    is_readonly_superuser,
    repo_role,
    require_repo,
    require_scope,
    require_user,
)
from .index import window
from .responses import (
    ApiError,
    bare_detail,
    decode_page_token,
    encode_page_token,
    forbidden,
    format_date,
    invalid_request,
    json_response,
    message_error,
    not_found,
)
from .state import Repository, Robot, User, avatar
from .validation import CHANGE_STATE_SCHEMA, json_body

REPOS_PER_PAGE = 100
TRUTHY = ("true", "1", "yes", "y", "t")


def _flag(ctx: Ctx, name: str, default: bool = False) -> bool:
    value = ctx.request.args.get(name)
    return default if value is None else value.lower() in TRUTHY


# ------------------------------------------------------------------------- user


def get_user(ctx: Ctx) -> Response:
    """``GET /api/v1/user/``: fields depend on ``user:admin`` as in Quay's ``user_view``."""
    user = require_user(ctx, session_required=False)
    if not has_scope(ctx, "user:read"):
        raise forbidden(ctx.request)
    state = ctx.state
    user_admin = ctx.token is not None and "user:admin" in ctx.token.scopes
    body: dict[str, Any] = {
        "anonymous": False,
        "username": user.username,
        "avatar": avatar(user.username, "user"),
    }
    if user_admin:
        body.update(
            {
                "can_create_repo": True,
                "is_me": True,
                "verified": True,
                "email": user.email,
                "logins": [],
                "invoice_email": False,
                "invoice_email_address": None,
                "preferred_namespace": False,
                "tag_expiration_s": 1209600,
                "prompts": [],
                "company": None,
                "family_name": None,
                "given_name": None,
                "location": None,
                "is_free_account": True,
                "has_password_set": True,
            }
        )
    organizations = []
    for org in sorted(state.user_orgs(user.username), key=lambda o: o.name):
        is_admin = user.username in org.admins
        view: dict[str, Any] = {
            "name": org.name,
            "avatar": avatar(org.name, "org"),
            "can_create_repo": is_admin and has_scope(ctx, "repo:create"),
            "public": False,
        }
        if user_admin:
            view.update({"is_org_admin": is_admin, "preferred_namespace": False})
        organizations.append(view)
    body["organizations"] = organizations
    # Quay names no superuser here: ``super_user`` only with the super:user scope (never asked
    # for), and a global read-only superuser not at all. Clients find out from mirror health.
    return json_response(body)


# ----------------------------------------------------------------- repositories


def _repo_summary(repo: Repository) -> dict[str, Any]:
    return {
        "namespace": repo.namespace,
        "name": repo.name,
        "description": repo.description,
        "is_public": repo.is_public,
        "kind": "image",
        "state": repo.state,
        "is_starred": False,
    }


def list_repositories(ctx: Ctx) -> Response:
    require_scope(ctx, "repo:read")
    namespace = ctx.request.args.get("namespace")
    public = _flag(ctx, "public")
    starred = _flag(ctx, "starred")
    if not namespace and not starred and not public:
        detail = "namespace, starred or public are required for this API call"
        raise invalid_request(ctx.request, detail)
    if starred and not namespace and not public:
        return json_response({"repositories": []})
    state = ctx.state
    index = state.index
    offset = decode_page_token(ctx.request.args.get("next_page"))
    groups = [(ns, _visible(ctx, ns)) for ns in ([namespace] if namespace else index.namespaces())]
    names = window(groups, offset, REPOS_PER_PAGE + 1)
    body: dict[str, Any] = {
        "repositories": [_repo_summary(state.repos[key]) for key in names[:REPOS_PER_PAGE]]
    }
    if len(names) > REPOS_PER_PAGE:
        body["next_page"] = encode_page_token(offset + REPOS_PER_PAGE)
    return json_response(body)


def _visible(ctx: Ctx, namespace: str) -> Sequence[str]:
    """The names of a namespace's repositories the caller may list, sorted.

    Everything with read rights on the namespace (admin, reader, read-only superuser: the
    caller's token has a repo scope, ``list_repositories`` checked it), else its public ones.
    """
    user = ctx.user
    assert user is not None
    role = ctx.state.role(user.username, namespace)
    sees_all = role in ("admin", "read") or is_readonly_superuser(ctx)
    names = ctx.state.index.names if sees_all else ctx.state.index.public
    return names.get(namespace, ())


def get_repository(ctx: Ctx, namespace: str, name: str) -> Response:
    require_repo(ctx, namespace, name, "read", readonly_ok=True)
    repo = existing_repo(ctx, namespace, name)
    role = repo_role(ctx, namespace, name)
    body = _repo_summary(repo)
    del body["state"]
    body.update(
        {
            "is_organization": namespace in ctx.state.orgs,
            "status_token": repo.status_token,
            "trust_enabled": False,
            "tag_expiration_s": 1209600,
            "is_free_account": True,
            "state": repo.state,
            "tags": {} if not _flag(ctx, "includeTags", True) else _tag_summary(repo),
            "can_write": role in ("write", "admin") and repo.state == "NORMAL",
            "can_admin": role == "admin",
        }
    )
    return json_response(body)


def _tag_summary(repo: Repository) -> dict[str, Any]:
    return {
        tag.name: {
            "name": tag.name,
            "size": tag.size,
            "last_modified": format_date(datetime.utcfromtimestamp(tag.start_ts)),
            "manifest_digest": tag.manifest_digest,
        }
        for tag in repo.tags.values()
    }


def change_state(ctx: Ctx, namespace: str, name: str) -> Response:
    user = require_repo(ctx, namespace, name, "admin", readonly_ok=False)
    body = json_body(ctx.request, CHANGE_STATE_SCHEMA)
    if body is None:
        raise invalid_request(ctx.request, "Missing JSON body")
    repo = existing_repo(ctx, namespace, name)
    if namespace in ctx.state.org_mirrors:
        raise bare_detail(
            "Repository state changes are not allowed in an organization managed by "
            "organization-level mirroring"
        )
    repo.state = body["state"]
    token_id = ctx.token.token_id if ctx.token else 0
    user_log(
        ctx.state,
        repo,
        "change_repo_state",
        ctx.now,
        user.username,
        token_id,
        ctx.user_agent,
        {"state_changed": body["state"]},
    )
    if repo.mirror is not None:
        repo.mirror.touched_at = ctx.now
    return json_response({"success": True})


# ----------------------------------------------------------------------- robots


def _robot_view(robot: Any, include_token: bool) -> dict[str, Any]:
    view = {
        "name": robot.name,
        "created": format_date(robot.created),
        "last_accessed": None,
        "description": robot.description,
    }
    if include_token:
        view["token"] = robot.token
    return view


def _robots_of(ctx: Ctx, namespace: str, include_token: bool) -> Response:
    robots = sorted(
        (r for r in ctx.state.robots.values() if r.namespace == namespace), key=lambda r: r.name
    )
    limit = ctx.request.args.get("limit", type=int)
    if limit is not None:
        robots = robots[:limit]
    return json_response({"robots": [_robot_view(r, include_token) for r in robots]})


def organization(ctx: Ctx, org: str) -> Response:
    """``GET /api/v1/organization/{org}`` (``getOrganization``): any signed-in token; Quay's
    ``org_view``: ``is_admin`` is AdministerOrganizationPermission, which a token's scopes cap
    (an admin's token without org:admin is not one here), ``is_member`` membership; a global
    read-only superuser is both. A member sees the teams; nobody else does."""
    user = require_user(ctx)
    found = ctx.state.orgs.get(org)
    if found is None:
        raise not_found(ctx.request)
    superuser = is_readonly_superuser(ctx)
    is_admin = (user.username in found.admins and has_scope(ctx, "org:admin")) or superuser
    is_member = user.username in found.members or user.username in found.admins or superuser
    body: dict[str, Any] = {
        "name": org,
        "email": f"{org}@example.com" if is_admin else "",
        "avatar": avatar(org, "org"),
        "is_admin": is_admin,
        "is_member": is_member,
    }
    if is_member:
        body["teams"] = {"owners": {"name": "owners", "role": "admin"}}
        body["ordered_teams"] = ["owners"]
    return json_response(body)


def org_robots(ctx: Ctx, org: str) -> Response:
    user = require_scope(ctx, "org:admin")
    role = ctx.state.role(user.username, org) if org in ctx.state.orgs else None
    if role is None and not (user.global_readonly_superuser and org in ctx.state.orgs):
        raise forbidden(ctx.request)
    include_token = role == "admin" and _flag(ctx, "token", True)
    return _robots_of(ctx, org, include_token)


def create_org_robot(ctx: Ctx, org: str, shortname: str) -> Response:
    """``PUT /api/v1/organization/{org}/robots/{name}``: an admin of ``org`` (with
    ``org:admin``) creates robot ``org+name`` (201 with the robot and its token; an existing
    name is 400, ``{"message": "Existing robot with name: …"}``)."""
    user = require_scope(ctx, "org:admin")
    if org not in ctx.state.orgs or ctx.state.role(user.username, org) != "admin":
        raise forbidden(ctx.request)
    name = f"{org}+{shortname}"
    if name in ctx.state.robots:
        raise message_error(f"Existing robot with name: {name}")
    body = ctx.request.get_json(silent=True) or {}
    description = str(body.get("description") or "") if isinstance(body, dict) else ""
    token = hashlib.sha256(name.encode()).hexdigest()[:64].upper()
    robot = Robot(name, description, ctx.now, token)
    ctx.state.robots[name] = robot
    view = {**_robot_view(robot, include_token=True), "unstructured_metadata": None}
    return json_response(view, 201)


def user_robots(ctx: Ctx) -> Response:
    """``GET /api/v1/user/robots`` needs the ``user:admin`` scope (``require_user_admin``)."""
    user = require_user(ctx)
    if ctx.token is None or "user:admin" not in ctx.token.scopes:
        raise forbidden(ctx.request)
    return _robots_of(ctx, user.username, _flag(ctx, "token", True))


# ------------------------------------------------------------------------- tags


def repository_tags(ctx: Ctx, namespace: str, name: str) -> Response:
    require_repo(ctx, namespace, name, "read", readonly_ok=True)
    repo = existing_repo(ctx, namespace, name)
    page = max(1, ctx.request.args.get("page", 1, type=int) or 1)
    limit = min(100, max(1, ctx.request.args.get("limit", 50, type=int) or 50))
    tags = sorted(repo.tags.values(), key=lambda t: (t.start_ts, t.order), reverse=True)
    specific = ctx.request.args.get("specificTag")
    if specific:
        tags = [t for t in tags if t.name == specific]
    chunk = tags[(page - 1) * limit : page * limit + 1]
    views = [
        {
            "name": tag.name,
            "reversion": False,
            "start_ts": tag.start_ts,
            "manifest_digest": tag.manifest_digest,
            "is_manifest_list": tag.is_manifest_list,
            "size": tag.size,
            "last_modified": format_date(datetime.utcfromtimestamp(tag.start_ts)),
        }
        for tag in chunk[:limit]
    ]
    return json_response({"tags": views, "page": page, "has_additional": len(chunk) > limit})


# ----------------------------------------------------------------------- health


def _z(when: datetime) -> str:
    return when.isoformat() + "Z"


#: Quay's help texts of mirror health's integer parameters: a value that is no integer is
#: refused with its help text (flask-restful's reqparse), ``offset`` checked first.
HEALTH_INTEGERS = (
    ("offset", 0, "Offset into the sorted mirror list for detailed view"),
    ("limit", 100, "Maximum repositories in detailed view (when detailed=true)"),
)
MAX_HEALTH_PAGE = 1000


def _truthy(value: str | None) -> bool:
    """Quay's ``truthy_bool``: anything but the few spellings of false is true."""
    return value is not None and value not in ("false", "False", "0", "FALSE", "", "null")


def _health_integers(ctx: Ctx) -> dict[str, int]:
    values = {}
    for name, default, help_text in HEALTH_INTEGERS:
        raw = ctx.request.args.get(name)
        try:
            values[name] = default if raw is None else int(raw)
        except ValueError:
            raise ApiError(json_response({"message": {name: help_text}}, 400)) from None
    return values


def _may_read_health(ctx: Ctx, user: User, namespace: str) -> bool:
    """An organization's members (Quay's ``OrganizationMemberPermission``: the token must carry
    a scope that leaves them a team role, ``org:admin`` or ``repo:create``); a user's own
    namespace; superusers."""
    state = ctx.state
    if user.superuser or user.global_readonly_superuser:
        return True
    if namespace in state.orgs:
        member = state.role(user.username, namespace) is not None
        return member and (has_scope(ctx, "org:admin") or has_scope(ctx, "repo:create"))
    return user.username == namespace


def mirror_health(ctx: Ctx) -> Response:
    """``GET /api/v1/repository/mirror/health`` as in Quay's ``mirrorhealth.py``."""
    user = require_user(ctx)
    integers = _health_integers(ctx)
    namespace = ctx.request.args.get("namespace") or None
    state = ctx.state
    if namespace is None:  # Quay: allow_if_superuser() or allow_if_global_readonly_superuser()
        if not (user.superuser or user.global_readonly_superuser):
            raise forbidden(ctx.request)
    else:
        if not state.namespace_exists(namespace):
            raise not_found(ctx.request)
        if not _may_read_health(ctx, user, namespace):
            raise forbidden(ctx.request)
    detailed = _truthy(ctx.request.args.get("detailed"))
    limit = max(1, min(integers["limit"], MAX_HEALTH_PAGE))
    offset = max(0, integers["offset"])
    return _health_response(ctx, namespace, detailed, limit, offset)


def _health_response(
    ctx: Ctx, namespace: str | None, detailed: bool, limit: int, offset: int
) -> Response:
    state = ctx.state
    health = state.index.health
    namespaces = [namespace] if namespace else state.index.namespaces()
    rows = [(ns, health[ns]) for ns in namespaces if ns in health]
    total = sum(len(ns_rows.names) for _, ns_rows in rows)
    counts = {
        status: sum(ns_rows.counts[status] for _, ns_rows in rows)
        for status in ("SYNCING", "SUCCESS", "FAIL", "NEVER_RUN")
    }
    now = _z(ctx.now)
    issues: list[dict[str, Any]] = []
    never = window([(ns, ns_rows.never_run) for ns, ns_rows in rows], 0, 5)
    exhausted = window([(ns, ns_rows.exhausted) for ns, ns_rows in rows], 0, 5)
    for ns, name in never:
        message = f"Repository {ns}/{name} has never been synced"
        issues.append({"severity": "warning", "message": message, "timestamp": now})
    for ns, name in exhausted:
        message = f"Repository {ns}/{name} has exhausted all retry attempts"
        issues.append({"severity": "error", "message": message, "timestamp": now})
    healthy = True
    ran = total - counts["NEVER_RUN"]
    if ran > 0 and counts["FAIL"] / ran > 0.2:
        healthy = False
        rate = counts["FAIL"] / ran
        message = f"{rate * 100:.1f}% of repositories are failing (threshold: 20.0%)"
        issues.insert(0, {"severity": "critical", "message": message, "timestamp": now})
    body: dict[str, Any] = {
        "healthy": healthy,
        # Without Quay's PushGateway metrics no worker reports in: 0 active, 0 configured.
        "workers": {"active": 0, "configured": 0, "status": "healthy" if healthy else "degraded"},
        "repositories": {
            "total": total,
            "syncing": counts["SYNCING"],
            "completed": counts["SUCCESS"],
            "failed": counts["FAIL"],
            "never_run": counts["NEVER_RUN"],
        },
        "tags_pending": 0,
        "last_check": now,
        "issues": issues,
    }
    if detailed:
        page = window([(ns, ns_rows.names) for ns, ns_rows in rows], offset, limit + 1)
        body["repositories"]["details"] = [_health_detail(state.repos[key]) for key in page[:limit]]
        body["repositories"]["pagination"] = {
            "limit": limit,
            "offset": offset,
            "has_more": len(page) > limit,
        }
    response = json_response(body, 200 if healthy else 503)
    response.headers["Cache-Control"] = "no-cache, no-store, must-revalidate"
    return response


def _health_detail(repo: Repository) -> dict[str, Any]:
    mirror = repo.mirror
    assert mirror is not None  # the index lists mirrored repositories only
    return {
        "namespace": repo.namespace,
        "repository": repo.name,
        "sync_status": mirror.sync_status,
        "is_enabled": mirror.is_enabled,
        "last_sync": None,
        "retries_remaining": mirror.sync_retries_remaining,
    }
