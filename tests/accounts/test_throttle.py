"""Sign-in throttling: per client (wrong tokens, refused before Quay is asked), per browser
session (its own failed sign-ins with Quay) and per account (sign-ins of one person), logged
with the client's address; counted together by every worker (gunicorn with 2 workers below).
Across two instances and forged X-Forwarded-For: tests/browser/test_two_instances.py."""

from __future__ import annotations

import json
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
import requests
from django.test import Client

from tests.support.emulator import TOKENS, Emulator
from tests.support.oauth import oauth_sign_in, start
from tests.support.servers import django_env, gunicorn, http_from, manage

pytestmark = pytest.mark.django_db


def wrong_token(client, **headers):
    return client.post("/accounts/login/", {"token": "x" * 40, "next": "/"}, **headers)


def user_calls(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests_log() if r["path"] == "/api/v1/user/")


def test_a_client_that_failed_too_often_is_refused_before_quay_is_asked(
    client, emulator, settings, caplog
):
    settings.SIGNIN_FAILURES_PER_CLIENT = 3
    caplog.set_level(logging.WARNING, logger="dashboard.accounts.throttle")
    for _ in range(3):
        assert wrong_token(client).status_code == 400
    asked = user_calls(emulator)
    refused = wrong_token(client)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many sign-in attempts: nothing was sent to Quay" in refused.content.decode()
    # Even a good token waits for the window: the throttle cannot tell who is typing.
    good = client.post("/accounts/login/", {"token": TOKENS["alice"], "next": "/"})
    assert good.status_code == 429
    assert user_calls(emulator) == asked
    assert "token sign-in throttled: client 127.0.0.1" in caplog.text
    assert "token sign-in failed: client 127.0.0.1 (Quay refused the token)" in caplog.text


def test_behind_the_proxy_the_address_it_added_counts(client, emulator, settings, caplog):
    settings.SIGNIN_FAILURES_PER_CLIENT = 2
    settings.TRUSTED_PROXY_NETWORKS = ["127.0.0.1/32"]  # the test client's address
    caplog.set_level(logging.WARNING, logger="dashboard.accounts.throttle")
    for n in range(2):  # the client makes up a first entry each time: it does not help
        wrong_token(client, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7")
    assert wrong_token(client, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert wrong_token(client, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 400
    assert "client 203.0.113.7" in caplog.text


@pytest.mark.parametrize("behind_proxy", [True, False])
def test_a_peer_that_is_no_trusted_proxy_is_counted_whatever_it_forwards(
    client, emulator, settings, caplog, behind_proxy
):
    """An instance reached without the proxy: each try with a new X-Forwarded-For."""
    settings.SIGNIN_FAILURES_PER_CLIENT = 3
    settings.BEHIND_PROXY = behind_proxy  # alone, it trusts private networks, not this one
    caplog.set_level(logging.WARNING, logger="dashboard.accounts.throttle")
    statuses = [
        wrong_token(
            client, REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(5)
    ]
    assert statuses == [400, 400, 400, 429, 429]
    assert "client 198.51.100.9" in caplog.text and "client 203.0.113." not in caplog.text


def test_one_account_signs_in_at_most_so_often(client, emulator, settings):
    settings.SIGNIN_PER_ACCOUNT = 2
    for _ in range(2):
        ok = client.post("/accounts/login/", {"token": TOKENS["bob"], "next": "/"})
        assert ok.status_code == 302
    refused = client.post("/accounts/login/", {"token": TOKENS["bob"], "next": "/"})
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.content.decode()
    other = client.post("/accounts/login/", {"token": TOKENS["carol"], "next": "/"})
    assert other.status_code == 302


@pytest.fixture
def quay_app(emulator):
    """The emulator's OAuth application accepts the test client's host as redirect prefix."""
    emulator.configure(redirect_uri="http://testserver/accounts/callback/")
    return emulator


def test_callbacks_this_browser_did_not_start_lock_nobody_out(client, quay_app):
    """Ten cross-site GETs of the callback from a web page: as an ``<img>`` (no cookie, the
    session cookie is SameSite=Lax) and as links followed in the person's browser (with
    it). The person's next sign-in with Quay succeeds, and so does a token from the same
    address."""
    for n in range(10):
        Client().get(f"/accounts/callback/forged{n}/?code=x")
        response = client.get(f"/accounts/callback/forged{n}/?code=x", follow=True)
        assert "not the one this browser started" in response.content.decode()
    assert oauth_sign_in(client, quay_app, "alice")["Location"] == "/"
    assert "_auth_user_id" in client.session
    other = Client().post("/accounts/login/", {"token": TOKENS["bob"], "next": "/"})
    assert other.status_code == 302


def test_a_browser_whose_own_sign_ins_keep_failing_waits_others_do_not(
    client, quay_app, settings, caplog
):
    settings.SIGNIN_FAILURES_PER_CLIENT = 2
    caplog.set_level(logging.WARNING, logger="dashboard.accounts.throttle")
    for _ in range(2):  # sign-ins this browser started, each answered with another state
        start(client)
        client.get("/accounts/callback/another-state/?code=x")
    asked = len(quay_app.requests_log())
    refused = client.post("/accounts/login/quay/", {"next": "/"})
    assert refused["Location"] == "/accounts/login/"  # not sent to Quay
    page = client.get("/accounts/login/").content.decode()
    assert "Too many sign-in attempts: nothing was sent to Quay" in page
    assert len(quay_app.requests_log()) == asked
    assert "oauth sign-in throttled" in caplog.text
    # Another browser at the same address signs in.
    assert oauth_sign_in(Client(), quay_app, "alice")["Location"] == "/"


def test_a_window_runs_from_its_first_failure_not_from_the_clock(
    client, emulator, settings, monkeypatch
):
    # Two failures 1 s before a multiple of 300 s on the clock and one after it still count
    # together: a burst straddling the clock's boundary is not let through twice.
    from dashboard.accounts import throttle

    settings.SIGNIN_FAILURES_PER_CLIENT = 3
    settings.SIGNIN_THROTTLE_SECONDS = 300
    now = [300 * 5_900_000 - 1.0]
    monkeypatch.setattr(throttle, "_now", lambda: now[0])
    for _ in range(2):
        assert wrong_token(client).status_code == 400
    now[0] += 2  # past the clock's boundary
    assert wrong_token(client).status_code == 400
    refused = wrong_token(client)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 298  # the window began 2 s ago


def _failures_by_worker(metrics_dir: Path) -> dict[str, float]:
    """Failed token sign-ins (the sign-in page answered 400) each gunicorn worker counted, from
    the workers' own metrics files (one per process, see dashboard/metrics.py)."""
    from prometheus_client.mmap_dict import MmapedDict

    counts: dict[str, float] = {}
    for path in metrics_dir.glob("counter_*.db"):
        for key, value, _, _ in MmapedDict.read_all_values_from_file(str(path)):
            _, name, labels, _ = json.loads(key)
            if name == "dashboard_requests_total" and labels == {
                "status": "400",
                "view": "accounts:login",
            }:
                counts[path.stem] = value
    return counts


def _wrong_token(http: requests.Session, base: str, csrf: str, _: int = 0) -> int:
    answer = http.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": csrf, "token": "wrong" * 8, "next": "/"},
        headers={"Connection": "close"},  # a new connection each: either worker takes it
        timeout=10,
    )
    return answer.status_code


def test_two_workers_with_the_default_cache_count_together(emulator: Emulator, tmp_path: Path):
    """The production command with its default 2 workers and no shared cache: the 11th wrong
    token is refused whichever worker counted the first ten (the throttle is in the database,
    not in each process's memory)."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = django_env(
        QUAY_URL=emulator.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="8",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    manage(env, "migrate", "--noinput")
    with gunicorn(env, tmp_path / "gunicorn.log") as port:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60  # both workers up (the second may start late)
        with ThreadPoolExecutor(10) as pool:
            while len(list(metrics_dir.glob("counter_*.db"))) < 2:
                assert time.monotonic() < deadline, "the second worker never answered"
                list(pool.map(lambda _: requests.get(f"{base}/healthz", timeout=5), range(20)))
        for round_ in range(3):  # a new client each round, until both workers took some
            http = http_from(f"127.0.0.{10 + round_}")
            login = http.get(f"{base}/accounts/login/", timeout=10)
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)

            wrong = partial(_wrong_token, http, base, csrf)
            before = _failures_by_worker(metrics_dir)
            with ThreadPoolExecutor(10) as pool:
                statuses = list(pool.map(wrong, range(10)))
            assert statuses == [400] * 10, statuses
            after = _failures_by_worker(metrics_dir)
            took = [w for w in after if after[w] > before.get(w, 0)]
            if len(took) == 2:
                break
        assert len(took) == 2, "every attempt went to one worker three times"
        statuses += [wrong(n) for n in range(15)]
    assert 429 in statuses and statuses.index(429) == 10, statuses  # the 11th try
    assert set(statuses[10:]) == {429}, statuses
