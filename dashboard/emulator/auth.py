"""Who is calling and what they may do: bearer tokens, OAuth scopes and permissions.

A token's scopes cap the role its user has: ``repo:read`` -> read, ``repo:write`` -> write,
``repo:admin`` -> admin, as in Quay's ``SCOPE_MAX_REPO_ROLES``. Missing scope or missing
rights both answer 403 ``insufficient_scope``; no or unknown token answers 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from werkzeug.wrappers import Request

from .responses import forbidden, unauthenticated
from .state import Repository, State, Token, User

ROLE_RANK = {"read": 1, "write": 2, "admin": 3}
SCOPE_ROLE = {"repo:read": "read", "repo:write": "write", "repo:admin": "admin"}


@dataclass
class Ctx:
    """Everything a handler needs: state, the request, the caller and the time."""

    state: State
    request: Request
    token: Token | None
    now: datetime

    @property
    def user(self) -> User | None:
        return self.state.users.get(self.token.username) if self.token else None

    @property
    def user_agent(self) -> str:
        return self.request.headers.get("User-Agent", "")


def bearer_value(request: Request) -> str | None:
    """The token an ``Authorization: Bearer`` header carries (valid or not), or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def bearer_token(state: State, request: Request) -> tuple[bool, Token | None]:
    """(whether credentials were sent, the valid token or None)."""
    if not request.headers.get("Authorization", ""):
        return False, None
    value = bearer_value(request)
    return True, None if value is None else state.tokens.get(value)


def require_user(ctx: Ctx, session_required: bool | None = None) -> User:
    user = ctx.user
    if user is None:
        raise unauthenticated(ctx.request, session_required)
    return user


def has_scope(ctx: Ctx, scope: str) -> bool:
    if ctx.token is None:
        return False
    scopes = ctx.token.scopes
    if scope in SCOPE_ROLE:
        needed = ROLE_RANK[SCOPE_ROLE[scope]]
        return any(ROLE_RANK[SCOPE_ROLE[s]] >= needed for s in scopes if s in SCOPE_ROLE)
    if scope == "user:read":
        return "user:read" in scopes or "user:admin" in scopes
    return scope in scopes


def require_scope(ctx: Ctx, scope: str) -> User:
    user = require_user(ctx)
    if not has_scope(ctx, scope):
        raise forbidden(ctx.request)
    return user


def repo_role(ctx: Ctx, namespace: str, name: str) -> str | None:
    """The caller's effective role on a repository (existing or not), capped by scopes."""
    user = ctx.user
    if user is None or ctx.token is None:
        return None
    role = ctx.state.role(user.username, namespace)
    repo = ctx.state.repos.get((namespace, name))
    if role == "admin":
        granted = "admin"
    elif (role == "read" and repo is not None) or (repo is not None and repo.is_public):
        granted = "read"
    else:
        return None
    caps = [SCOPE_ROLE[s] for s in ctx.token.scopes if s in SCOPE_ROLE]
    if not caps:
        return None
    cap = max(caps, key=ROLE_RANK.__getitem__)
    return min(granted, cap, key=ROLE_RANK.__getitem__)


def is_readonly_superuser(ctx: Ctx) -> bool:
    user = ctx.user
    return bool(user and user.global_readonly_superuser and has_scope(ctx, "repo:read"))


def require_repo(ctx: Ctx, namespace: str, name: str, role: str, readonly_ok: bool) -> User:
    """401 without a user, 403 without ``role`` (unless the read-only superuser may read)."""
    user = require_user(ctx)
    effective = repo_role(ctx, namespace, name)
    if effective is not None and ROLE_RANK[effective] >= ROLE_RANK[role]:
        return user
    if readonly_ok and is_readonly_superuser(ctx):
        return user
    raise forbidden(ctx.request)


def existing_repo(ctx: Ctx, namespace: str, name: str) -> Repository:
    from .responses import not_found

    repo = ctx.state.repos.get((namespace, name))
    if repo is None:
        raise not_found(ctx.request)
    return repo
