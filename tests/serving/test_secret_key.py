"""A public or weak SECRET_KEY (it encrypts stored Quay tokens) is refused off loopback, and so
is a watch token key that is no key, or a made-up one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from dashboard.settings import is_loopback_url, weak_secret_key
from tests.support.emulator import ROOT

GOOD_KEY = "k3y-" + "".join(chr(ord("a") + i % 26) for i in range(60))


def start_django(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "QUAY_"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "dashboard.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_default_key_with_a_remote_quay_refuses_to_start_and_says_why():
    result = start_django(QUAY_URL="https://quay.example.com")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_a_remote_quay_starts_with_a_key_of_its_own():
    result = start_django(QUAY_URL="https://quay.example.com", DJANGO_SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr


def example_key() -> str:
    """The DJANGO_SECRET_KEY line of .env.example, as someone copying it would have it."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    return next(line.split("=", 1)[1] for line in lines if line.startswith("DJANGO_SECRET_KEY="))


@pytest.mark.parametrize(
    "exposed",
    [
        {"QUAY_URL": "https://quay.example.com"},
        {"DJANGO_ALLOWED_HOSTS": "mirrors.example.com"},
    ],
    ids=["remote quay", "remote host"],
)
@pytest.mark.parametrize(
    ("key", "said"),
    [
        (None, "is a placeholder from the examples"),
        ("x", "too short or too simple (1 character, 1 different"),
        ("x" * 50, "too short or too simple (50 characters, 1 different"),
        ("django-insecure-" + GOOD_KEY, "one Django made for development"),
    ],
    ids=["the example's", "x", "one letter 50 times", "django-insecure"],
)
def test_a_weak_or_placeholder_key_refuses_to_start_when_exposed_and_says_how_to_make_one(
    exposed, key, said
):
    result = start_django(DJANGO_SECRET_KEY=key or example_key(), **exposed)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert said in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr  # how to make a good one
    if len(key or example_key()) >= 8:
        assert (key or example_key()) not in result.stderr  # never echoed


def test_a_weak_key_is_accepted_on_loopback():
    assert start_django(DJANGO_SECRET_KEY="x").returncode == 0


@pytest.mark.parametrize("key", [GOOD_KEY, "Kz" + "0123456789" * 5])
def test_a_long_varied_key_is_not_weak(key):
    assert weak_secret_key(key) == ""


@pytest.mark.parametrize(
    ("key", "exposed", "refused"),
    [
        ("<python manage.py watch new-key>", {}, "is not a key"),
        ("QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=", {}, None),
        (
            "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
            {"DJANGO_ALLOWED_HOSTS": "m.example"},
            "is too simple",
        ),
        (Fernet.generate_key().decode(), {"DJANGO_ALLOWED_HOSTS": "m.example"}, None),
    ],
    ids=["the docs' placeholder", "made up, on loopback", "made up, exposed", "a real one"],
)
def test_watch_token_keys_are_checked_at_start(key, exposed, refused):
    result = start_django(WATCH_TOKEN_KEYS=key, DJANGO_SECRET_KEY=GOOD_KEY, **exposed)
    if refused is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0
        assert f"WATCH_TOKEN_KEYS' key number 1 {refused}" in result.stderr
        assert "python manage.py watch new-key" in result.stderr


def test_the_demo_on_loopback_starts_with_the_default_key():
    assert start_django(QUAY_URL="http://127.0.0.1:8480").returncode == 0


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8480", True),
        ("http://127.1.2.3", True),
        ("http://localhost:8480", True),
        ("http://[::1]:8480", True),
        ("https://quay.example.com", False),
        ("http://10.0.0.8", False),
        ("http://127.0.0.1.example.com", False),
        ("not a url", False),
    ],
)
def test_loopback_means_this_machine_only(url, loopback):
    assert is_loopback_url(url) is loopback
