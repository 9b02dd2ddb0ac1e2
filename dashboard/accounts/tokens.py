"""The person's Quay token, kept only in the server-side session, encrypted at rest.

The key is derived from ``SECRET_KEY`` (HKDF-SHA256), so a copy of the session table alone
does not reveal anyone's token. Nothing here ever logs or renders the token.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.http import HttpRequest

from dashboard.quay.cache import client_for_token
from dashboard.quay.client import QuayClient

SESSION_TOKEN = "quay_token"  # noqa: S105 (a session key)
SESSION_SCOPES = "quay_scopes"
SESSION_METHOD = "quay_signin_method"


@functools.cache
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"mirror-dashboard", info=b"quay-token"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def store_token(request: HttpRequest, token: str, *, scopes: list[str] | None, method: str) -> None:
    """Keep the token for this session (call after ``login()``, which rotates the session)."""
    request.session[SESSION_TOKEN] = _fernet(settings.SECRET_KEY).encrypt(token.encode()).decode()
    request.session[SESSION_SCOPES] = scopes
    request.session[SESSION_METHOD] = method


def get_token(request: HttpRequest) -> str | None:
    sealed = request.session.get(SESSION_TOKEN)
    if not sealed:
        return None
    try:
        return _fernet(settings.SECRET_KEY).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def token_scopes(request: HttpRequest) -> list[str] | None:
    """The scopes the person's token carries, when known (OAuth); ``None`` for a pasted token."""
    scopes = request.session.get(SESSION_SCOPES)
    return list(scopes) if scopes is not None else None


def client_for(request: HttpRequest) -> QuayClient | None:
    """A Quay client acting as the signed-in person (its reads cached for a few seconds, see
    :mod:`dashboard.quay.cache`), or ``None`` when there is no token."""
    token = get_token(request)
    return client_for_token(token) if token else None
