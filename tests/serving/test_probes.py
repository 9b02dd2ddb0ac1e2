"""/healthz, /readyz and /metrics: unauthenticated, before host checks, saying what failed."""

from __future__ import annotations

import pytest

from tests.support.emulator import Emulator


def test_healthz_answers_any_host_without_signing_in(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_cache_and_quay(client, emulator: Emulator):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert set(checks) == {"database", "cache", "quay"}
    assert all(value.startswith("ok") for value in checks.values())
    anonymous = [r for r in emulator.requests_log() if r["path"].endswith("capabilities")]
    assert anonymous  # Quay was asked, anonymously


@pytest.mark.django_db
def test_readyz_says_quay_failed_when_it_is_unreachable(client, settings, emulator):
    settings.QUAY_URL = "http://127.0.0.1:9"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failed: quay"
    assert body["checks"]["quay"].startswith("failed: ")
    assert body["checks"]["database"].startswith("ok")


@pytest.mark.django_db
def test_readyz_can_report_quay_without_being_decided_by_it(client, settings, emulator):
    settings.QUAY_URL = "http://127.0.0.1:9"
    settings.READYZ_REQUIRES_QUAY = False
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok (quay failed)"
    assert body["checks"]["quay"].startswith("failed: ")


@pytest.mark.django_db
def test_readyz_says_the_cache_failed(client, monkeypatch, emulator):
    from django.core.cache.backends.redis import RedisCache

    monkeypatch.setattr("dashboard.probes.cache", RedisCache("redis://127.0.0.1:9/0", {}))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "failed: cache"


def test_metrics_are_off_unless_a_token_or_networks_are_set(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_need_the_bearer_token(client, settings, client_as):
    settings.METRICS_TOKEN = "s3cret-scrape"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    client_as("alice").get("/")
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'dashboard_requests_total{status="200",view="mirrors:overview"}' in text
    assert 'dashboard_quay_calls_total{endpoint="user",method="GET",status="200"}' in text
    assert "dashboard_quay_call_seconds_bucket" in text
    assert "dashboard_quay_calls_in_flight" in text
    assert 'dashboard_read_cache_total{result="miss"}' in text


def test_metrics_only_from_listed_networks(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 403  # the test client is 127.0.0.1
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200
