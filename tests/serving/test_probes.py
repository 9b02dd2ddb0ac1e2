"""/healthz, /readyz and /metrics: unauthenticated, before host checks, saying what failed."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.support.emulator import Emulator
from tests.support.servers import django_env, gunicorn


def test_healthz_answers_any_host_without_signing_in(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


SCRAPER = {"HTTP_AUTHORIZATION": "Bearer s3cret-scrape"}


@pytest.fixture
def scraper(settings) -> dict[str, str]:
    """Headers of a caller that may read /metrics, and so the probes' details."""
    settings.METRICS_TOKEN = "s3cret-scrape"
    return SCRAPER


@pytest.mark.django_db
def test_readyz_checks_database_cache_and_quay(client, emulator: Emulator, scraper):
    response = client.get("/readyz", **scraper)
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert set(checks) == {"database", "cache", "quay"}
    assert all(value.startswith("ok") for value in checks.values())
    anonymous = [r for r in emulator.requests_log() if r["path"].endswith("capabilities")]
    assert anonymous  # Quay was asked, anonymously


@pytest.mark.django_db
def test_readyz_says_quay_failed_when_it_is_unreachable(client, settings, emulator, scraper):
    settings.QUAY_URL = "http://127.0.0.1:9"
    settings.READYZ_REQUIRES_QUAY = True
    response = client.get("/readyz", **scraper)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failed: quay"
    assert body["checks"]["quay"].startswith("failed: ")
    assert body["checks"]["database"].startswith("ok")
    assert client.get("/readyz").json() == {"status": "failed"}


@pytest.mark.django_db
def test_by_default_quay_is_reported_without_deciding(client, settings, emulator, scraper):
    settings.QUAY_URL = "http://127.0.0.1:9"
    response = client.get("/readyz", **scraper)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok (quay failed)"
    assert body["checks"]["quay"].startswith("failed: ")
    assert client.get("/readyz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_says_the_cache_failed_only_to_who_may_see_details(
    client, monkeypatch, emulator, scraper
):
    from django.core.cache.backends.redis import RedisCache

    monkeypatch.setattr("dashboard.probes.cache", RedisCache("redis://127.0.0.1:9/0", {}))
    anonymous = client.get("/readyz")
    assert anonymous.status_code == 503
    assert anonymous.json() == {"status": "failed"}  # no host, no port, no driver's words
    detailed = client.get("/readyz", **scraper)
    assert detailed.json()["status"] == "failed: cache"
    assert "127.0.0.1:9" in detailed.json()["checks"]["cache"]


@pytest.mark.django_db
def test_a_redis_that_does_not_answer_is_reported_not_deciding(
    client, monkeypatch, scraper, emulator
):
    """The pages go without a degrading cache: the instance stays in the balancer."""
    from dashboard.cache_backend import DegradingRedisCache

    down = DegradingRedisCache("redis://127.0.0.1:9/0", {"OPTIONS": {"socket_timeout": 0.2}})
    monkeypatch.setattr("dashboard.probes.cache", down)
    anonymous = client.get("/readyz")
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "ok"}
    detailed = client.get("/readyz", **scraper).json()
    assert detailed["status"] == "ok (cache failed)"
    assert "pages go without it" in detailed["checks"]["cache"]


@pytest.mark.django_db
def test_probe_details_from_an_allowed_network_as_a_trusted_proxy_reports_it(
    client, settings, emulator
):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.TRUSTED_PROXY_NETWORKS = ["127.0.0.1/32"]  # the test client: a proxy
    inside = client.get("/readyz", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert set(inside.json()["checks"]) == {"database", "cache", "quay"}
    outside = client.get("/readyz", HTTP_X_FORWARDED_FOR="10.1.2.3, 203.0.113.5")
    assert outside.json() == {"status": "ok"}
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 200


@pytest.mark.django_db
def test_concurrent_probes_share_one_call_to_quay(client, settings, emulator):
    from dashboard.probes import QUAY

    emulator.control("DELETE", "requests")
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda _: QUAY.result(), range(200)))
    assert all(result.startswith("ok") for result in results), set(results)
    calls = [r for r in emulator.requests_log() if r["path"].endswith("capabilities")]
    assert len(calls) == 1
    settings.READYZ_QUAY_SECONDS = 0  # stale at once: the next probe asks again
    QUAY.result()
    calls = [r for r in emulator.requests_log() if r["path"].endswith("capabilities")]
    assert len(calls) == 2


@pytest.mark.django_db
def test_readyz_never_waits_behind_peoples_calls(client, settings, emulator, scraper):
    from dashboard.quay.budget import call_budget

    settings.QUAY_MAX_INFLIGHT = 1
    with call_budget().slot(time.monotonic() + 5):  # people's budget full
        started = time.monotonic()
        response = client.get("/readyz", **scraper)
        took = time.monotonic() - started
    assert response.json()["checks"]["quay"].startswith("ok"), response.json()
    assert took < 1, took


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


@pytest.mark.django_db  # (a scrape reads the fleet index)
def test_metrics_only_from_listed_networks(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 403  # the test client is 127.0.0.1
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200


def test_a_flood_of_anonymous_readyz_costs_quay_a_few_calls(emulator: Emulator, tmp_path: Path):
    """The production command (2 workers): 100 anonymous /readyz a second for 10 s ask Quay at
    most 5 times in all, and every answer is the status alone."""
    env = django_env(
        QUAY_URL=emulator.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="16",
    )
    with gunicorn(env, tmp_path / "gunicorn.log") as port:
        url = f"http://127.0.0.1:{port}/readyz"
        requests.get(url, timeout=10)  # started
        emulator.control("DELETE", "requests")
        local = threading.local()

        def probe(n: int) -> tuple[int, str]:
            time.sleep(max(0.0, started + n / 100 - time.monotonic()))
            if not hasattr(local, "http"):
                local.http = requests.Session()
            answer = local.http.get(url, timeout=10)
            return answer.status_code, answer.text

        started = time.monotonic()
        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(probe, range(1000)))
        took = time.monotonic() - started
    calls = [r for r in emulator.requests_log() if r["path"].endswith("/registry/capabilities")]
    assert took < 15, took
    assert len(calls) <= 5, len(calls)
    assert Counter(answers) == {(200, '{"status": "ok"}'): 1000}
