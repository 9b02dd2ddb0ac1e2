"""/metrics from the fleet index: each watched mirror's status, last success and retries, the
counts by namespace and status, the watcher's own health; bounded by METRICS_MAX_MIRRORS, read
in a fixed number of queries and at no call to Quay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from prometheus_client.parser import text_string_to_metric_families

from dashboard.mirrors import clock
from dashboard.watch.models import AlertRule, Delivery, Enrolment, Mirror
from dashboard.watch.poll import poll

from .conftest import calls

pytestmark = pytest.mark.django_db

SCRAPER = {"HTTP_AUTHORIZATION": "Bearer s3cret-scrape"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def scrape(client, settings):
    """Scrape /metrics as Prometheus would (with the token): sample -> value."""
    settings.METRICS_TOKEN = "s3cret-scrape"

    def scrape_it() -> Samples:
        response = client.get("/metrics", **SCRAPER)
        assert response.status_code == 200
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples
        }

    return scrape_it


@pytest.fixture
def watched(emulator, enrolled):
    enrolled("acme", "globex")
    poll("acme")
    poll("globex")
    return emulator


def of(samples: Samples, metric: str, /, **labels: str) -> dict[frozenset[tuple[str, str]], float]:
    """The samples of ``metric`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return {key: value for (n, key), value in samples.items() if n == metric and wanted <= key}


def status(samples: Samples, namespace: str, name: str, kind: str = "repository") -> str:
    found = of(samples, "mirror_dashboard_mirror_status", namespace=namespace, name=name, kind=kind)
    assert list(found.values()) == [1.0], found
    return dict(next(iter(found)))["status"]


def test_each_mirror_says_its_status_as_the_overview_does(watched, scrape):
    samples = scrape()
    assert status(samples, "acme", "etcd") == "fail"
    assert status(samples, "acme", "python") == "stuck"  # the index's lease ran out
    assert status(samples, "acme", "nginx") == "success"
    assert status(samples, "acme", "debian") == "cancel"
    assert status(samples, "acme", "golang") == "disabled"
    assert status(samples, "acme", "node") == "unconfigured"
    assert status(samples, "globex", "traefik") == "fail"
    for mirror in Mirror.objects.filter(present=True):
        assert status(samples, mirror.namespace, mirror.name, mirror.kind)  # one each


def test_last_success_and_retries_match_the_index(watched, scrape):
    samples = scrape()
    for mirror in Mirror.objects.filter(present=True, kind="repository"):
        labels = frozenset({"namespace": mirror.namespace, "name": mirror.name}.items())
        labels |= {("kind", "repository")}
        success = ("mirror_dashboard_mirror_last_success_timestamp_seconds", labels)
        if mirror.last_success_at is None:
            assert success not in samples
        else:
            assert samples[success] == mirror.last_success_at.timestamp()
        retries = samples.get(("mirror_dashboard_mirror_retries_remaining", labels))
        assert retries == mirror.retries_remaining
    nginx = Mirror.objects.get(namespace="acme", name="nginx", kind="repository")
    assert nginx.last_success_at is not None  # its last result is a success
    traefik = samples[
        (
            "mirror_dashboard_mirror_retries_remaining",
            frozenset({"namespace": "globex", "name": "traefik", "kind": "repository"}.items()),
        )
    ]
    assert traefik == 1


def test_the_counts_by_namespace_and_status_are_the_indexs(watched, scrape):
    samples = scrape()
    counts = of(samples, "mirror_dashboard_mirrors", namespace="acme", kind="repository")
    by_status = {dict(labels)["status"]: value for labels, value in counts.items()}
    assert by_status["fail"] >= 1 and by_status["stuck"] == 1
    present = Mirror.objects.filter(namespace="acme", kind="repository", present=True).count()
    assert sum(by_status.values()) == present
    assert by_status["skipped"] == 0  # every status is said, a zero too


def test_the_watchers_health_per_namespace(watched, scrape):
    Enrolment.objects.filter(namespace="globex").update(state="broken", broken_reason="revoked")
    acme = Enrolment.objects.get(namespace="acme")
    rule = AlertRule.objects.create(
        enrolment=acme,
        sealed_url="x",
        service="json",
        shown="json://…",
        created_by="alice",
        created_at=clock.now(),
    )
    now = clock.now()
    Delivery.objects.create(rule=rule, created_at=now, next_try_at=now, tries=2)
    Delivery.objects.create(rule=rule, created_at=now, next_try_at=now, state="failed", tries=6)
    Delivery.objects.create(rule=rule, created_at=now, next_try_at=now, state="sent", tries=1)
    samples = scrape()
    polled = of(samples, "mirror_dashboard_watch_last_success_timestamp_seconds", namespace="acme")
    assert list(polled.values()) == [acme.last_success_at.timestamp()]
    assert list(of(samples, "mirror_dashboard_watch_broken", namespace="globex").values()) == [1]
    assert list(of(samples, "mirror_dashboard_watch_broken", namespace="acme").values()) == [0]
    deliveries = of(samples, "mirror_dashboard_alert_deliveries", namespace="acme")
    assert {dict(k)["state"]: v for k, v in deliveries.items()} == {
        "pending": 1,
        "sent": 1,
        "failed": 1,
    }
    retrying = of(samples, "mirror_dashboard_alert_deliveries_retrying", namespace="acme")
    assert list(retrying.values()) == [1]
    assert samples[("mirror_dashboard_index_readable", frozenset())] == 1


def test_a_scrape_costs_no_call_to_quay(watched, scrape):
    watched.control("DELETE", "requests")
    scrape()
    scrape()
    assert calls(watched) == []


def test_past_the_limit_the_per_mirror_series_are_left_out_and_counted(watched, scrape, settings):
    present = Mirror.objects.filter(present=True).count()
    settings.METRICS_MAX_MIRRORS = 3
    samples = scrape()
    shown = of(samples, "mirror_dashboard_mirror_status")
    assert len(shown) == 3
    assert {dict(labels)["status"] for labels in shown} <= {"fail", "stuck"}  # failing first
    assert samples[("mirror_dashboard_mirror_series_omitted", frozenset())] == present - 3
    assert len(of(samples, "mirror_dashboard_mirror_retries_remaining")) <= 3
    counts = of(samples, "mirror_dashboard_mirrors")
    assert sum(counts.values()) == present  # the counts still cover every mirror
    settings.METRICS_MAX_MIRRORS = 10_000
    samples = scrape()
    assert samples[("mirror_dashboard_mirror_series_omitted", frozenset())] == 0
    assert len(of(samples, "mirror_dashboard_mirror_status")) == present


def test_a_scrape_reads_the_index_in_a_fixed_number_of_queries(watched, scrape, client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            scrape()
        return len(captured)

    before = queries()
    acme = Enrolment.objects.get(namespace="acme")
    Mirror.objects.bulk_create(
        Mirror(
            enrolment=acme,
            namespace="acme",
            name=f"bulk-{n:04}",
            kind="repository",
            sync_status="SYNC_NOW",
            config={"sync_status": "SYNC_NOW", "is_enabled": True, "sync_interval": 60},
        )
        for n in range(200)
    )
    assert queries() == before <= 5


def test_label_values_are_escaped_and_bounded(watched, scrape):
    acme = Enrolment.objects.get(namespace="acme")
    odd = 'we"ird\\name\nnext' + "x" * 400
    Mirror.objects.create(
        enrolment=acme, namespace="acme", name=odd, kind="org_repository", sync_status="FAIL"
    )
    samples = scrape()  # (the parser would fail on a label not escaped)
    found = of(samples, "mirror_dashboard_mirror_status", kind="org_repository", status="fail")
    names = [dict(labels)["name"] for labels in found]
    assert odd[:255] in names and odd not in names
    statuses = {dict(labels)["status"] for labels in of(samples, "mirror_dashboard_mirror_status")}
    assert statuses <= {
        "fail",
        "stuck",
        "active",
        "cancel",
        "never",
        "success",
        "disabled",
        "unconfigured",
        "skipped",
    }


def test_a_stale_index_is_said_as_of_its_last_good_poll(watched, scrape):
    long_ago = clock.now() - timedelta(hours=1)
    Enrolment.objects.filter(namespace="acme").update(last_success_at=long_ago)
    samples = scrape()
    polled = of(samples, "mirror_dashboard_watch_last_success_timestamp_seconds", namespace="acme")
    assert list(polled.values()) == [long_ago.timestamp()]
    assert samples[("mirror_dashboard_watch_interval_seconds", frozenset())] > 0


def test_a_mirror_that_fails_after_a_success_keeps_its_last_success(watched, scrape):
    nginx = Mirror.objects.get(namespace="acme", name="nginx", kind="repository")
    synced = nginx.last_success_at
    assert synced is not None
    watched.control("POST", "mirror/acme/nginx/fail", json={"reason": "auth_failed"})
    watched.api("POST", "repository/acme/nginx/mirror/sync-now", user="alice")
    watched.advance(60)
    poll("acme", clock.now() + timedelta(seconds=61))
    samples = scrape()
    assert status(samples, "acme", "nginx") == "fail"
    labels = frozenset({"namespace": "acme", "name": "nginx", "kind": "repository"}.items())
    when = samples[("mirror_dashboard_mirror_last_success_timestamp_seconds", labels)]
    assert when == synced.timestamp()


def test_organization_mirrors_and_their_repositories(emulator, enrolled, scrape):
    enrolled("orgfail", "orgmirror", "orgstuck")
    for n in range(2):  # the first poll reads the organization mirrors
        for namespace in ("orgfail", "orgmirror", "orgstuck"):
            poll(namespace, clock.now() + timedelta(seconds=61 * n))
    samples = scrape()
    assert status(samples, "orgfail", "", "organization") == "fail"
    assert status(samples, "orgstuck", "", "organization") == "stuck"
    assert status(samples, "orgmirror", "alpha", "org_repository") == "success"
    assert status(samples, "orgmirror", "legacy", "org_repository") == "skipped"
    interval = of(samples, "mirror_dashboard_mirror_sync_interval_seconds", namespace="orgfail")
    assert [value > 0 for value in interval.values()] == [True]


def test_an_index_from_before_takes_its_last_success_from_its_last_results(watched):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("dashboard.watch.migrations.0004_mirror_last_success_at")
    nginx = Mirror.objects.get(namespace="acme", name="nginx", kind="repository")
    Mirror.objects.update(last_success_at=None)
    migration.from_last_results(apps, None)
    nginx_after = Mirror.objects.get(pk=nginx.pk)
    assert nginx_after.last_success_at == nginx.last_success_at
    assert not Mirror.objects.filter(name="etcd", last_success_at__isnull=False).exists()
