"""Redis and PostgreSQL stopped, and Redis frozen (SIGSTOP), under people polling a page
through the balancer (issue 21, item 7). Redis is only a cache: the pages keep answering 200,
sign-ins and sign-outs keep working, and a sign-out made while Redis was frozen holds once it
wakes up. PostgreSQL stopped: every page says so in the dashboard's words (503, Retry-After),
never a 500, and the pages come back with it, without a restart."""

from __future__ import annotations

import time

import requests

from tests.support.emulator import TOKENS
from tests.support.shape import Pollers, Shape, p99

PATH = "/repo/acme/redis/status/"
DOWN_SECONDS = 8


def _summary(answers: list) -> str:
    statuses: dict[int, int] = {}
    for answer in answers:
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
    return f"{len(answers)} polls {statuses}, p99 {p99(answers):.3f} s"


def _signed_in_page(shape: Shape, http: requests.Session) -> bool:
    try:
        answer = http.get(f"{shape.url}/repo/acme/redis/", timeout=10, allow_redirects=False)
    except requests.RequestException:
        return False
    return answer.status_code == 200 and "Sign out" in answer.text


def test_pages_keep_working_while_redis_is_stopped_or_frozen(shape: Shape):
    alice = shape.signed_in("alice")
    bob = shape.signed_in("bob")
    marked_down = shape.marked_down()
    with Pollers(shape, alice.cookies, PATH, clients=10) as pollers:
        time.sleep(2)
        stopped = time.monotonic()
        shape.redis.stop()
        time.sleep(DOWN_SECONDS / 2)
        carol = shape.signed_in("carol", check=False)  # a sign-in while Redis is stopped
        carol_in_while_stopped = _signed_in_page(shape, carol)
        ready_while_stopped = shape.session().get(f"{shape.url}/readyz", timeout=10).status_code
        time.sleep(DOWN_SECONDS / 2)
        shape.redis.start()
        started = time.monotonic()
        time.sleep(3)
        frozen = time.monotonic()
        shape.redis.freeze()
        time.sleep(DOWN_SECONDS / 2)
        carol_in_while_frozen = _signed_in_page(shape, carol)
        try:
            signed_out = bob.post(  # a sign-out while Redis is frozen
                f"{shape.url}/accounts/logout/",
                data={"csrfmiddlewaretoken": shape.csrf_token(bob)},
                headers={"Referer": f"{shape.url}/"},
                timeout=10,
                allow_redirects=False,
            ).status_code
        except requests.RequestException as error:
            signed_out = repr(error)
        time.sleep(DOWN_SECONDS / 2)
        shape.redis.thaw()
        thawed = time.monotonic()
        time.sleep(6)  # both instances have asked Redis again (CACHE_RETRY_SECONDS)
    down = pollers.since(stopped, started) + pollers.since(frozen, thawed)
    ok = sum(a.status == 200 for a in down)
    print(
        f"Redis stopped: {_summary(pollers.since(stopped, started))}; "
        f"frozen: {_summary(pollers.since(frozen, thawed))}; "
        f"after: {_summary(pollers.since(thawed))}"
    )
    assert shape.marked_down() == marked_down  # no instance left the balancer
    assert carol_in_while_stopped and carol_in_while_frozen
    assert ready_while_stopped == 200  # a readiness probe keeps the replicas in the balancer
    assert signed_out == 302, signed_out
    assert len(down) >= 10 * DOWN_SECONDS, len(down)
    assert ok / len(down) >= 0.99, [(a.status, a.words[:300]) for a in down if a.status != 200]
    assert all(a.status == 200 for a in pollers.since(thawed)), _summary(pollers.since(thawed))
    # bob's sign-out holds on both instances, whatever the woken Redis still had.
    for _ in range(4):
        answer = bob.get(f"{shape.url}/repo/acme/redis/", timeout=10, allow_redirects=False)
        assert answer.status_code == 302 and "/accounts/login/" in answer.headers["Location"]
    assert _signed_in_page(shape, carol)


def test_every_page_says_the_database_is_down_then_comes_back_with_it(shape: Shape):
    alice = shape.signed_in("alice")
    marked_down = shape.marked_down()
    with Pollers(shape, alice.cookies, PATH, clients=10) as pollers:
        time.sleep(2)
        stopped = time.monotonic()
        shape.database.stop()
        time.sleep(DOWN_SECONDS / 2)
        full_page = alice.get(f"{shape.url}/repo/acme/redis/", timeout=10)
        someone = shape.session()  # the sign-in page needs no database; signing in does
        sign_in = someone.post(
            f"{shape.url}/accounts/login/",
            data={"csrfmiddlewaretoken": shape.csrf_token(someone), "token": TOKENS["bob"]},
            headers={"Referer": f"{shape.url}/accounts/login/"},
            timeout=10,
        )
        time.sleep(DOWN_SECONDS / 2)
        shape.database.start()
        started = time.monotonic()
        time.sleep(4)
        back = time.monotonic()
        time.sleep(3)
    during = pollers.since(stopped, started)
    print(f"PostgreSQL stopped: {_summary(during)}; restarted: {_summary(pollers.since(started))}")
    assert not [a for a in pollers.answers if a.status == 500 or a.status == 0]
    assert shape.marked_down() == marked_down  # the dashboard's own 503, not HAProxy's
    refused = [a for a in during if a.status == 503]
    assert len(refused) >= len(during) // 2, _summary(during)
    for answer in refused:
        assert "The dashboard's database does not answer" in answer.words, answer.words
        assert answer.retry_after == "10"
    for page in (full_page, sign_in):
        assert page.status_code == 503 and page.headers["Retry-After"] == "10"
        assert "The dashboard's database does not answer" in page.text
        assert "Traceback" not in page.text and "127.0.0.1" not in page.text
    # The same processes answer again once PostgreSQL is back: no restart.
    assert all(a.status == 200 for a in pollers.since(back)), _summary(pollers.since(back))
    logs = "".join(log.read_text() for log in shape.logs)
    assert "Traceback" not in logs
    assert "The database does not answer" in logs
