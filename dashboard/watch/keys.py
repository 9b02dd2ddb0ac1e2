"""The watcher's tokens are sealed with keys of their own (``WATCH_TOKEN_KEYS``), not the
sessions' key: a copy of the database and ``DJANGO_SECRET_KEY`` together still open no
watch token.

``WATCH_TOKEN_KEYS`` is a list of Fernet keys (``python manage.py watch new-key`` makes one):
the first seals, every one opens, so keys rotate without losing a token: put the new key
first, run ``python manage.py watch rotate-keys`` (every token sealed again with it), then drop
the old one. Without the setting a development key is derived from the secret key; the
dashboard refuses to start that way where it is exposed (``settings.py``).
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _development_key(secret_key: str) -> bytes:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"mirror-dashboard", info=b"watch-token"
    ).derive(secret_key.encode())
    return base64.urlsafe_b64encode(key)


@functools.cache
def _keys(configured: tuple[str, ...], secret_key: str) -> MultiFernet:
    keys = [Fernet(key.encode()) for key in configured] or [Fernet(_development_key(secret_key))]
    return MultiFernet(keys)


def _fernet() -> MultiFernet:
    return _keys(tuple(settings.WATCH_TOKEN_KEYS), settings.SECRET_KEY)


def seal(token: str) -> str:
    """The token, encrypted with the first key."""
    return _fernet().encrypt(token.encode()).decode()


def unseal(sealed: str) -> str | None:
    """The token back, or ``None`` when no key opens it (the keys were changed)."""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def reseal(sealed: str) -> str:
    """The same token sealed with the first key (for a key rotation)."""
    return _fernet().rotate(sealed.encode()).decode()


def new_key() -> str:
    return Fernet.generate_key().decode()
