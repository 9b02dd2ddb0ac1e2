"""Production shape: two gunicorn instances (the README's production command) sharing
PostgreSQL and Redis, behind HAProxy terminating TLS and balancing round-robin, driven by a
browser. Every request may land on either instance: sign-in (Quay's OAuth, its state kept
by one instance and checked by the other), pages, a save with its confirmation, Sync now and
the audit must all hold together; sign-in throttling counts across both."""

from __future__ import annotations

import re
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, Page, Response, expect

from tests.support.browser import csp_violations
from tests.support.channels import http_receiver
from tests.support.emulator import TOKENS, free_port, start_emulator
from tests.support.servers import (
    django_env,
    gunicorn,
    haproxy,
    http_from,
    manage,
    postgresql,
    redis,
    watch_process,
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("production")
    with ExitStack() as stack:
        database = stack.enter_context(postgresql())
        cache = stack.enter_context(redis(tmp))
        emulator_proc, emulator = start_emulator()
        stack.callback(lambda: (emulator_proc.terminate(), emulator_proc.wait(timeout=10)))
        port = free_port()
        url = f"https://localhost:{port}"
        emulator.configure(redirect_uri=url + "/")
        env = django_env(
            DATABASE_URL=database,
            CACHE_URL=cache,
            QUAY_URL=emulator.url,
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="localhost",
            DJANGO_CSRF_TRUSTED_ORIGINS=url,
            DJANGO_SECURE_COOKIES="true",
            DJANGO_BEHIND_PROXY="true",
            # HAProxy connects from 127.0.0.1: only its X-Forwarded-For is believed (a client
            # reaching an instance directly comes from another loopback address).
            TRUSTED_PROXY_NETWORKS="127.0.0.1/32",
            METRICS_ALLOWED_NETWORKS="127.0.0.1/32",  # the scraper, as in docs/deploying.md
            GUNICORN_WORKERS="1",
            GUNICORN_THREADS="8",
            # The watcher: its queue in Redis, its tokens sealed with a key of its own, a
            # worker and a scheduler beside each instance (docs/deploying.md).
            WATCH_QUEUE_URL=cache.removesuffix("/0") + "/1",
            WATCH_TOKEN_KEYS=Fernet.generate_key().decode(),
            WATCH_INTERVAL_SECONDS="2",
        )
        manage(env, "migrate", "--noinput")
        logs = [tmp / "instance1.log", tmp / "instance2.log"]
        backends = [stack.enter_context(gunicorn(env, log)) for log in logs]
        for n in (1, 2):
            for what in ("worker", "scheduler"):
                stack.enter_context(watch_process(env, what, tmp / f"watch-{what}-{n}.log"))
        stack.enter_context(haproxy(tmp, backends, port=port))
        yield {
            "url": url,
            "emulator": emulator,
            "logs": logs,
            "cert": tmp / "cert.pem",
            "env": env,
            "backends": backends,
        }


def dashboard_responses(page: Page, url: str) -> list[tuple[str, str]]:
    """(instance, path) of every answer the dashboard gave this page, as it comes."""
    seen: list[tuple[str, str]] = []

    def on_response(response: Response) -> None:
        if response.url.startswith(url):
            seen.append((response.headers.get("x-served-by", "?"), response.url[len(url) :]))

    page.on("response", on_response)
    return seen


def test_a_person_works_through_two_instances(browser: Browser, stack, screenshot):
    url, emulator = stack["url"], stack["emulator"]
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    seen = dashboard_responses(page, url)

    # Sign in with Quay: the state is kept by the instance that started the sign-in and
    # checked by the one that gets the callback.
    page.goto(f"{url}/")
    page.get_by_role("button", name="Sign in with Quay").click()
    page.locator("#username").fill("alice")
    page.locator("#password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Authorize Application").click()
    expect(page).to_have_url(f"{url}/")
    expect(page.locator(".who")).to_have_text("alice")

    # Pages, each request on either instance, the session always found.
    for _ in range(3):
        page.goto(f"{url}/repo/acme/redis/")
        expect(page.locator(".who")).to_have_text("alice")
        page.goto(f"{url}/")
        expect(page.get_by_role("link", name="acme/nginx", exact=True)).to_be_visible()

    # A save that asks first: the confirmation comes back (from the other instance) with
    # what was typed, and the second press saves it.
    page.goto(f"{url}/repo/acme/nginx/")
    page.locator("#rule-0").fill("1.27*")
    expect(page.locator("#glob-preview")).to_contain_text("Keeps 3 of 7")
    page.locator("button.save").click()
    expect(page.locator("#delete-warning")).to_contain_text("I understand tags 1.23")
    expect(page.locator("#rule-0")).to_have_value("1.27*")
    page.locator("#delete-warning input[type=checkbox]").check()
    page.locator("button.save").click()
    expect(page.locator("#messages")).to_contain_text("tags: + 1.27*")
    assert emulator.mirror("acme", "nginx")["root_rule"]["rule_value"] == ["1.27*", "latest"]

    # Sync now, then the audit (read by whichever instance) has both entries.
    page.goto(f"{url}/repo/acme/redis/")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator(".action-result")).to_contain_text("Sync requested")
    for _ in range(2):
        page.goto(f"{url}/audit/")
        expect(page.locator("main")).to_contain_text("acme/redis")
        expect(page.locator("main")).to_contain_text("acme/nginx")
    screenshot(page, "instances-audit")

    served = Counter(instance for instance, _ in seen)
    assert set(served) == {"instance1", "instance2"}, seen
    assert min(served.values()) >= len(seen) // 4, served  # round-robin: both did their share
    pages = [instance for instance, path in seen if not path.startswith("/static/")]
    switches = sum(1 for a, b in pairwise(pages) if a != b)
    assert switches >= len(pages) // 4, pages  # consecutive requests change instance
    assert not csp_violations(console), console
    context.close()


def test_a_form_typed_before_the_sign_in_expired_is_kept_across_instances(browser: Browser, stack):
    url, emulator = stack["url"], stack["emulator"]
    emulator.reset()  # acme/alpine syncing again: its panel polls
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    seen = dashboard_responses(page, url)
    page.goto(f"{url}/accounts/login/?next=/repo/acme/alpine/")
    page.get_by_label("Access token").fill(TOKENS["alice"])
    page.get_by_role("button", name="Sign in with token").click()
    page.wait_for_url(f"{url}/repo/acme/alpine/")
    field = page.locator('#settings-form input[name="external_reference"]')
    field.fill("docker.io/library/typed-before-expiry")

    # Quay stops taking the token: a poll (on either instance) signs the person out there.
    emulator.configure(fail={"/api/v1/repository/acme/alpine/mirror": 401})
    expect(page.locator("#messages")).to_contain_text("Your Quay sign-in has expired")
    emulator.configure(fail={})
    field.press("Enter")  # Save while signed out: the form is kept in the session ...
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Access token").fill(TOKENS["alice"])
    page.get_by_role("button", name="Sign in with token").click()
    page.wait_for_url(f"{url}/repo/acme/alpine/")
    # ... and given back by whichever instance draws the page after the new sign-in.
    expect(page.locator('#settings-form input[name="external_reference"]')).to_have_value(
        "docker.io/library/typed-before-expiry"
    )
    assert {instance for instance, _ in seen} == {"instance1", "instance2"}
    context.close()


def test_the_watcher_runs_beside_both_instances_once_and_serves_the_overview(stack):
    """Two workers and two schedulers on PostgreSQL and a Redis queue: every poll once (no
    double from the second scheduler), and the overview through either instance drawn from
    the index: a search by source finds every match at first paint."""
    url, emulator, env = stack["url"], stack["emulator"], stack["env"]
    watcher = "watcherdemotoken".ljust(40, "0")
    manage({**env, "QUAY_WATCH_TOKEN": watcher}, "watch", "enroll", "acme", "globex")
    deadline = time.monotonic() + 60
    while "indexed not yet" in (status := manage(env, "watch", "status").stdout):
        assert time.monotonic() < deadline, status
        time.sleep(0.5)
    emulator.control("DELETE", "requests")
    time.sleep(10)
    health = [
        r["query"]
        for r in emulator.requests_log()
        if r["path"] == "/api/v1/repository/mirror/health"
    ]
    for namespace in ("acme", "globex"):
        polls = sum(query.get("namespace") == namespace for query in health)
        assert 3 <= polls <= 6, (namespace, polls)  # every 2 s for 10 s: 5, not 10
    http = requests.Session()
    http.trust_env = False
    http.verify = str(stack["cert"])
    login = http.get(f"{url}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    http.post(
        f"{url}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "token": TOKENS["alice"], "next": "/"},
        headers={"Referer": f"{url}/accounts/login/"},
        timeout=10,
    )
    served = Counter()
    for _ in range(2):  # round-robin: both instances draw it
        answer = http.get(f"{url}/?q=ghcr.io&ns=acme", timeout=10)
        served[answer.headers["X-Served-By"]] += 1
        assert re.search(r'data-repo="acme/flaky"(?![^>]*\shidden)', answer.text), answer.text[
            -3000:
        ]
        assert "ghcr.io/acme-corp/flaky-service" in answer.text
    assert len(served) == 2, served


def test_an_alert_reaches_its_channel_once_from_two_workers_and_two_schedulers(stack):
    """On PostgreSQL, with a Redis queue, two workers and two schedulers: one failure is one
    message (each event claimed once; each delivery taken once)."""
    emulator, env = stack["emulator"], stack["env"]
    watcher = "watcherdemotoken".ljust(40, "0")
    if "acme:" not in manage(env, "watch", "status").stdout:
        manage({**env, "QUAY_WATCH_TOKEN": watcher}, "watch", "enroll", "acme")
    deadline = time.monotonic() + 60
    while "indexed not yet" in (status := manage(env, "watch", "status").stdout):
        assert time.monotonic() < deadline, status
        time.sleep(0.5)
    with http_receiver() as receiver:
        manage(env, "watch", "notify", "acme", receiver.url, "--events", "failed")
        emulator.control("POST", "mirror/acme/redis/fail", json={"reason": "auth_failed"})
        emulator.api("POST", "repository/acme/redis/mirror/sync-now", user="alice")
        deadline = time.monotonic() + 30
        while not receiver.received:
            assert time.monotonic() < deadline, manage(env, "watch", "alerts").stdout
            time.sleep(0.2)
        time.sleep(6)  # three more polls, by any worker: nothing more
    assert [m["title"] for m in receiver.received] == ["acme/redis failed: Authentication refused"]


def test_sign_in_throttling_counts_across_both_instances(stack):
    url = stack["url"]
    http = requests.Session()
    http.trust_env = False  # REQUESTS_CA_BUNDLE would replace the certificate below
    http.verify = str(stack["cert"])  # HAProxy's self-signed certificate
    instances: Counter[str] = Counter()
    statuses: list[int] = []
    login = http.get(f"{url}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    for _ in range(14):  # one after the other: round-robin sends them to alternate instances
        answer = http.post(
            f"{url}/accounts/login/",
            data={"csrfmiddlewaretoken": token, "token": "wrong" * 8, "next": "/"},
            headers={"Referer": f"{url}/accounts/login/"},
            timeout=10,
        )
        instances[answer.headers["X-Served-By"]] += 1
        statuses.append(answer.status_code)
    assert instances["instance1"] >= 5 and instances["instance2"] >= 5, instances
    assert 429 in statuses, statuses
    first_refused = statuses.index(429)
    assert first_refused == 10, statuses  # the 11th try, whichever instance counted the others
    assert "Too many sign-in attempts" in answer.text
    logs = "".join(Path(log).read_text() for log in stack["logs"])
    assert "sign-in throttled" in logs and "client 127.0.0.1" in logs


def test_a_forged_forwarded_for_on_a_direct_hit_is_not_believed(stack):
    """A client that reaches an instance without the balancer, from an address that is not a
    trusted proxy, makes up a new X-Forwarded-For each try: its own address is counted, and
    the 11th wrong token is refused."""
    backend = stack["backends"][0]
    http = http_from("127.0.0.2")
    base = f"http://127.0.0.1:{backend}"
    # As the balancer would say it (else the instance redirects plain HTTP to HTTPS).
    proxied = {"Host": "localhost", "X-Forwarded-Proto": "https"}
    login = http.get(f"{base}/accounts/login/", headers=proxied, timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    statuses = []
    for n in range(25):
        answer = http.post(
            f"{base}/accounts/login/",
            data={"csrfmiddlewaretoken": csrf, "token": "wrong" * 8, "next": "/"},
            headers={
                **proxied,
                "X-Forwarded-For": f"198.51.100.{n}",
                "Referer": "https://localhost/accounts/login/",
                # a secure cookie: requests would not send it over plain HTTP
                "Cookie": f"csrftoken={login.cookies['csrftoken']}",
            },
            timeout=10,
        )
        statuses.append(answer.status_code)
    assert 429 in statuses and statuses.index(429) == 10, statuses
    assert set(statuses[10:]) == {429}, statuses
    logs = "".join(Path(log).read_text() for log in stack["logs"])
    assert "client 127.0.0.2" in logs and "client 198.51.100." not in logs


def test_metrics_and_probe_details_go_to_the_allowed_network_as_the_proxy_reports_it(stack):
    """METRICS_ALLOWED_NETWORKS names the scraper's network; HAProxy's own address is in it
    too (as a load balancer's often is): through the balancer the client's address decides."""
    outside = http_from("127.0.0.3")
    outside.verify = str(stack["cert"])
    assert outside.get(f"{stack['url']}/metrics", timeout=10).status_code == 403
    ready = outside.get(f"{stack['url']}/readyz", timeout=10)
    assert ready.json() == {"status": "ok"}, ready.text
    scraper = http_from("127.0.0.1")
    direct = f"http://127.0.0.1:{stack['backends'][0]}"
    assert scraper.get(f"{direct}/metrics", timeout=10).status_code == 200
    details = scraper.get(f"{direct}/readyz", timeout=10).json()
    assert set(details["checks"]) == {"database", "cache", "quay"}, details
