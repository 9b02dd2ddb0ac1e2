"""The client against answers of unexpected shape, paged mirror health and older usage logs.

Odd JSON cannot be produced by the emulator: those tests replace the HTTP session's
``request`` with one that answers a given body (the only mocks here).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from dashboard.quay import client as quay_client
from dashboard.quay.client import QuayClient, http_session
from dashboard.quay.errors import QuayNotFound, QuayUnauthorized, QuayUnexpected
from dashboard.quay.fanout import fan_out, quietly
from tests.support.emulator import TOKENS

UNREADABLE = "Quay answered in a form this dashboard cannot read."


def answering(monkeypatch: pytest.MonkeyPatch, *bodies: Any) -> list[dict[str, Any]]:
    """Make every call answer 200 with the next of ``bodies`` (the last one repeats)."""
    calls: list[dict[str, Any]] = []

    def request(method: str, url: str, **kwargs: Any) -> requests.Response:
        calls.append({"method": method, "url": url, "params": dict(kwargs.get("params") or {})})
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(bodies[min(len(calls), len(bodies)) - 1]).encode()
        return response

    monkeypatch.setattr(http_session(), "request", request)
    return calls


@pytest.fixture
def quay(settings) -> QuayClient:
    settings.QUAY_URL = "http://127.0.0.1:9"
    return QuayClient("token")


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (lambda q: q.get_user(), {"organizations": []}),  # no username
        (lambda q: q.get_user(), ["not", "an", "object"]),
        (lambda q: q.list_repositories("acme"), {"repositories": "a string"}),
        (lambda q: q.list_repositories("acme"), "a string"),
        (lambda q: q.get_mirror("acme", "nginx"), {"sync_start_date": "yesterday"}),
        (lambda q: q.get_mirror("acme", "nginx"), {"sync_interval": "hourly"}),
        (lambda q: q.list_tags("acme", "nginx"), {"tags": {"a": "b"}}),
        (lambda q: q.list_logs("acme", "nginx"), {"logs": "a string"}),
        (lambda q: q.list_org_robots("acme"), {"robots": 17}),
        (lambda q: q.get_mirror_health("acme"), {"repositories": "a string"}),
    ],
)
def test_an_answer_of_unexpected_shape_is_a_quay_error_with_a_plain_message(
    monkeypatch, quay, call, body
):
    answering(monkeypatch, body)
    with pytest.raises(QuayUnexpected) as excinfo:
        call(quay)
    assert excinfo.value.message == UNREADABLE


def test_an_unreadable_health_entry_spoils_only_itself(monkeypatch, quay):
    details = [
        "row",  # no names: it cannot be placed (left out, logged)
        {"sync_status": "SUCCESS", "last_sync": "soon"},
        {"namespace": "acme", "repository": "x", "last_sync": "soon"},
        {"namespace": "acme", "repository": "y", "sync_status": "WEIRD"},
        {"namespace": "acme", "repository": "z", "sync_status": "SUCCESS"},
    ]
    answering(monkeypatch, {"repositories": {"details": details}})
    x, y, z = quay.get_mirror_health("acme").details
    assert "its last_sync “soon” is not a date" in x.unreadable
    assert "its sync_status “WEIRD” is not one this dashboard knows" in y.unreadable
    assert (z.repository, z.sync_status.value, z.unreadable) == ("z", "SUCCESS", "")


def test_an_unreadable_log_entry_spoils_only_itself(monkeypatch, quay):
    logs = [
        {"kind": 17},
        "an entry",
        {"kind": "repo_mirror_sync_started", "datetime": "soon"},
        {"kind": "repo_mirror_sync_success", "datetime": "Fri, 27 Nov 2026 16:47:00 -0000"},
    ]
    answering(monkeypatch, {"logs": logs})
    *spoiled, good = quay.list_logs("acme", "nginx")
    assert [entry.unreadable.split(": ", 1)[1] for entry in spoiled] == [
        "its kind “17” is not a kind.",
        "it is not an object.",
        "its datetime “soon” is not a date.",
    ]
    assert good.kind == "repo_mirror_sync_success" and not good.unreadable


@pytest.mark.parametrize(
    ("call", "key", "good"),
    [
        (lambda q: q.list_repositories("acme"), "repositories", {"namespace": "acme", "name": "a"}),
        (lambda q: q.list_tags("acme", "nginx"), "tags", {"name": "latest"}),
        (lambda q: q.list_org_robots("acme"), "robots", {"name": "acme+bot"}),
    ],
    ids=["repositories", "tags", "robots"],
)
def test_an_entry_without_a_name_is_left_out_and_spoils_nothing_else(
    monkeypatch, quay, call, key, good
):
    # It cannot be shown nor matched by anything: it blanked the whole list.
    answering(monkeypatch, {key: [{"description": "no name"}, 1, {"name": 17}, good]})
    assert [entry.name for entry in call(quay)] == [good["name"]]


def test_fan_out_turns_an_unreadable_answer_into_that_items_error(monkeypatch, quay):
    answering(monkeypatch, {"sync_start_date": "not a date"})
    outcomes = fan_out(lambda repo: quay.get_mirror("acme", repo), ["nginx", "redis"])
    assert [o.error.message for o in outcomes if o.error] == [UNREADABLE, UNREADABLE]


@pytest.mark.django_db
def test_an_unreadable_answer_on_the_overview_is_a_message_not_a_500(
    monkeypatch, client_as, emulator, settings
):
    client = client_as("alice")
    settings.OVERVIEW_PERSON_SECONDS = 0  # the overview asks who alice is
    answering(monkeypatch, {"username": "alice", "organizations": "acme"})
    response = client.get("/")
    assert response.status_code == 502  # Quay's fault, said on the page
    assert UNREADABLE in response.content.decode()


# -- mirror health: every page ---------------------------------------------------------------


def test_mirror_health_reads_every_page_of_details(monkeypatch, emulator):
    emulator.reset(repos=60)
    quay = QuayClient(TOKENS["alice"])
    whole = quay.get_mirror_health("acme")
    assert not whole.has_more and len(whole.details) > 5

    monkeypatch.setattr(quay_client, "HEALTH_PAGE_SIZE", 5)
    emulator.control("DELETE", "requests")
    paged = quay.get_mirror_health("acme")

    assert paged.details == whole.details
    assert not paged.has_more
    offsets = [int(r["query"]["offset"]) for r in emulator.requests_log()]
    assert offsets == list(range(0, 5 * len(offsets), 5)) and len(offsets) > 1


def test_mirror_health_pages_are_bounded(monkeypatch, quay):
    endless = {"healthy": True, "repositories": {"details": [], "pagination": {"has_more": True}}}
    calls = answering(monkeypatch, endless)
    assert quay.get_mirror_health("acme").has_more
    assert len(calls) == quay_client._MAX_PAGES


# -- usage logs: older days, more pages -----------------------------------------------------


def test_logs_since_a_start_time_reach_days_quay_leaves_out_by_default(emulator):
    quay = QuayClient(TOKENS["alice"])
    recent = {(e.kind, e.datetime) for e in quay.list_logs("acme", "nginx")}
    assert recent
    # Scheduled syncs meanwhile log new events: nginx syncs every 6 hours, and each sync logs
    # every matched tag again (as Quay does), so the 3 days fill more than 5 pages: the log
    # since a week ago is read to its end (Quay gives no next page), within the client's cap.
    emulator.advance(3 * 24 * 3600)

    default = {(e.kind, e.datetime) for e in quay.list_logs("acme", "nginx", pages=5)}
    emulator.control("DELETE", "requests")
    since = datetime.now(UTC) - timedelta(days=7)
    older = {
        (e.kind, e.datetime)
        for e in quay.list_logs("acme", "nginx", starttime=since, pages=quay_client.MAX_LOG_PAGES)
    }

    assert default  # the last day's syncs
    assert not recent & default  # Quay's default window is about the last day
    assert recent <= older
    asked = [r for r in emulator.requests_log() if r["path"].endswith("/logs")]
    assert 5 < len(asked) < quay_client.MAX_LOG_PAGES  # more than 5 pages, and its end
    assert all(r["query"]["starttime"] == since.strftime("%m/%d/%Y") for r in asked)


def _log_page(kinds: list[str], next_page: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "logs": [{"kind": k, "datetime": "Fri, 27 Nov 2026 16:47:00 -0000"} for k in kinds]
    }
    if next_page:
        body["next_page"] = next_page
    return body


def test_logs_read_further_pages_until_enough_mirror_events(monkeypatch, quay):
    calls = answering(
        monkeypatch,
        _log_page(["push_repo"] * 20, "p2"),
        _log_page(["repo_mirror_sync_started"] + ["push_repo"] * 19, "p3"),
        _log_page(["repo_mirror_sync_success"] + ["push_repo"] * 19, "p4"),
        _log_page(["repo_mirror_sync_started"] * 20, None),
    )
    entries = quay.list_logs("acme", "nginx", want=2)
    assert [e.kind for e in entries] == ["repo_mirror_sync_started", "repo_mirror_sync_success"]
    assert [c["params"].get("next_page") for c in calls] == [None, "p2", "p3"]


def test_logs_wanting_more_than_there_are_stop_at_the_page_cap(monkeypatch, quay):
    calls = answering(monkeypatch, _log_page(["push_repo"] * 20, "more"))
    assert quay.list_logs("acme", "nginx", want=5) == []
    assert len(calls) == quay_client.MAX_LOG_PAGES


def test_a_short_page_is_not_the_end_of_the_log(monkeypatch, quay):
    """Quay's database log store gives the last page with entries a next page anyway, into
    its older log tables (or, moving to Elasticsearch, the database's entries): a page of
    fewer than 20 entries does not prove the end, so a read that wants more reads on."""
    calls = answering(
        monkeypatch,
        _log_page(["repo_mirror_sync_success"] * 3, "older-table"),
        _log_page(["repo_mirror_sync_started"] * 2, None),
    )
    entries = quay.list_logs("acme", "nginx", want=10)
    assert [e.kind for e in entries] == ["repo_mirror_sync_success"] * 3 + [
        "repo_mirror_sync_started"
    ] * 2
    assert [c["params"].get("next_page") for c in calls] == [None, "older-table"]


def test_logs_read_one_page_by_default(monkeypatch, quay):
    calls = answering(monkeypatch, _log_page(["push_repo"] * 20, "p2"))
    assert quay.list_logs("acme", "nginx") == []
    assert len(calls) == 1


# -- quietly ---------------------------------------------------------------------------------


def test_quietly_gives_none_for_a_quay_error_but_lets_a_401_through(emulator):
    alice = QuayClient(TOKENS["alice"])
    assert quietly(alice.get_mirror, "acme", "app") is None  # 404: no mirror config
    assert quietly(alice.get_mirror, "acme", "nginx").root_rule
    with pytest.raises(QuayUnauthorized):
        quietly(QuayClient("revoked".ljust(40, "x")).get_mirror, "acme", "nginx")
    with pytest.raises(QuayNotFound):
        alice.get_mirror("acme", "app")
