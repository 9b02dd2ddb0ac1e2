"""The public development SECRET_KEY (it encrypts stored Quay tokens) is refused off loopback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dashboard.settings import is_loopback_url
from tests.support.emulator import ROOT


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
    result = start_django(QUAY_URL="https://quay.example.com", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


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
