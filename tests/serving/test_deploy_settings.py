"""The production settings (docs/deploying.md) pass ``check --deploy`` with no warning, and
the public development SECRET_KEY is accepted only for a dashboard on this machine."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from dashboard.settings import is_loopback_host
from tests.support.emulator import ROOT

PRODUCTION = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "mirrors.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://mirrors.example.com",
    "DJANGO_SECURE_COOKIES": "true",
    "DJANGO_BEHIND_PROXY": "true",
    "TRUSTED_PROXY_NETWORKS": "10.0.5.0/24",
    "QUAY_URL": "https://quay.example.com",
    "DATABASE_URL": "postgres://dashboard:secret@db.example.com:5432/dashboard",
    "CACHE_URL": "redis://redis.example.com:6379/0",
}


def run_django(code: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "QUAY_")) and k not in ("DATABASE_URL", "CACHE_URL")
    }
    return subprocess.run(
        [sys.executable, *code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "dashboard.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_with_the_production_settings():
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_about_plain_http():
    result = run_django(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **{**PRODUCTION, "DJANGO_SECURE_COOKIES": "false"},
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS without HTTPS


def test_check_deploy_warns_about_a_shared_database_with_a_private_cache():
    settings = {k: v for k, v in PRODUCTION.items() if k != "CACHE_URL"}
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **settings)
    assert result.returncode != 0
    assert "dashboard.W001" in result.stderr and "CACHE_URL=redis://" in result.stderr


def test_check_deploy_warns_behind_a_proxy_whose_addresses_are_not_named():
    settings = {k: v for k, v in PRODUCTION.items() if k != "TRUSTED_PROXY_NETWORKS"}
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **settings)
    assert result.returncode != 0
    assert "dashboard.W002" in result.stderr and "TRUSTED_PROXY_NETWORKS" in result.stderr


@pytest.mark.parametrize("name", ["TRUSTED_PROXY_NETWORKS", "METRICS_ALLOWED_NETWORKS"])
def test_a_network_that_is_not_one_stops_the_start_with_its_name(name):
    result = run_django(["-c", "import django; django.setup()"], **{name: "10.0.0.0/8,lb.local"})
    assert result.returncode != 0
    assert f"{name}: 'lb.local' is not a network" in result.stderr


def test_production_settings_use_postgresql_redis_and_cached_sessions():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], "
        "s.SESSION_ENGINE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT)"
    )
    result = run_django(["-c", code], **PRODUCTION)
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "dashboard.cache_backend.DegradingRedisCache",
        "django.contrib.sessions.backends.cached_db",
        "31536000",
        "True",
    ], result.stderr


def test_the_default_key_is_refused_for_a_dashboard_answering_other_hosts():
    result = run_django(
        ["-c", "import django; django.setup()"], DJANGO_ALLOWED_HOSTS="mirrors.example.com"
    )
    assert result.returncode != 0
    assert (
        "DJANGO_SECRET_KEY is not set (the built-in key is public), and the dashboard "
        "answers host names" in result.stderr
    )


def test_the_default_key_is_accepted_on_loopback_or_in_debug():
    assert run_django(["-c", "import django; django.setup()"]).returncode == 0
    debug = run_django(
        ["-c", "import django; django.setup()"],
        DJANGO_ALLOWED_HOSTS="dev.example.com",
        DJANGO_DEBUG="true",
    )
    assert debug.returncode == 0, debug.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("[::1]", True),
        ("app.localhost", True),
        ("*", False),
        (".localhost", False),
        ("mirrors.example.com", False),
        ("10.0.0.1", False),
    ],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback_host(host) is loopback
