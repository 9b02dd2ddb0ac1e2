"""A namespace's whole log (``/organization/{org}/logs``), the pages of a log and the counts per
kind per day (``aggregatelogs``), as Quay's ``endpoints/api/logs.py`` and its database logs
model answer them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import requests
from werkzeug.test import Client

from dashboard.emulator.app import EmulatorApp
from dashboard.emulator.state import Options, Token
from tests.support.emulator import Emulator
from tests.support.quay_api import UNAUTHORIZED, without_type

BAD_REQUEST = "The browser (or proxy) sent a request that this server could not understand."
QUAY_DATE = "%a, %d %b %Y %H:%M:%S -0000"


def org_logs(emulator: Emulator, org: str, user: str = "alice", **params: Any) -> Any:
    return emulator.api("GET", f"organization/{org}/logs", user=user, params=params)


def every_page(
    emulator: Emulator, path: str, user: str = "alice", **params: Any
) -> list[dict[str, Any]]:
    """Each page's body, following ``next_page`` until a page has none."""
    pages = []
    while True:
        response = emulator.api("GET", path, user=user, params=params)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        if "next_page" not in pages[-1]:
            return pages
        params = {**params, "next_page": pages[-1]["next_page"]}


def entries(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for page in pages for entry in page["logs"]]


def when(entry: dict[str, Any]) -> datetime:
    return datetime.strptime(entry["datetime"], QUAY_DATE)


def now(emulator: Emulator) -> datetime:
    return datetime.fromisoformat(emulator.control("GET", "clock")["now"].rstrip("Z"))


def results(log: list[dict[str, Any]], repo: str) -> list[tuple[str, str]]:
    """A repository's worker results in the log, oldest first: (kind, verb)."""
    return [
        (entry["kind"], entry["metadata"]["verb"])
        for entry in reversed(log)
        if entry["metadata"].get("repo") == repo
        and entry["kind"] in ("repo_mirror_sync_failed", "repo_mirror_sync_success")
    ]


# ----------------------------------------------------------- the namespace's log


def test_an_organizations_log_mixes_its_repositories_entries_newest_first(
    emulator: Emulator,
) -> None:
    pages = every_page(emulator, "organization/acme/logs")
    log = entries(pages)
    assert all(len(page["logs"]) == 20 for page in pages[:-2])
    assert when(log[0]) >= when(log[-1])
    assert [when(e) for e in log] == sorted((when(e) for e in log), reverse=True)
    repos = {entry["metadata"].get("repo") for entry in log}
    assert {"nginx", "flaky", "debian", "etcd", "postgres", "busybox"} <= repos
    kinds = {entry["kind"] for entry in log}
    assert {
        "repo_mirror_sync_started",
        "repo_mirror_sync_success",
        "repo_mirror_sync_failed",
        "repo_mirror_sync_tag_success",
        "repo_mirror_config_changed",
    } <= kinds
    worker = next(e for e in log if e["kind"] == "repo_mirror_sync_started")
    assert worker["ip"] is None and "performer" not in worker
    assert set(pages[0]) == {"start_time", "end_time", "logs", "next_page"}


def test_the_seeded_history_is_in_the_organizations_log(emulator: Emulator) -> None:
    log = entries(every_page(emulator, "organization/acme/logs"))
    failed, succeeded = ("repo_mirror_sync_failed", "end"), ("repo_mirror_sync_success", "end")
    assert results(log, "flaky") == [failed, succeeded, failed, succeeded]
    assert results(log, "debian")[-1] == ("repo_mirror_sync_failed", "Cancelled")
    assert results(log, "postgres") == [failed] * 3
    assert results(log, "etcd") == [failed]
    etcd = next(e for e in log if e["metadata"].get("repo") == "etcd" and e["metadata"]["stderr"])
    assert "x509: certificate signed by unknown authority" in etcd["metadata"]["stderr"]
    globex = entries(every_page(emulator, "organization/globex/logs"))
    assert results(globex, "traefik") == [failed] * 2


def test_an_organization_mirrors_entries_and_its_repositories_are_in_one_log(
    emulator: Emulator,
) -> None:
    start = (now(emulator) - timedelta(days=3)).strftime("%m/%d/%Y")
    path = "organization/orgmirror/logs"
    log = entries(every_page(emulator, path, user="olivia", starttime=start))
    kinds = [entry["kind"] for entry in log]
    assert "org_mirror_enabled" in kinds and "org_mirror_sync_success" in kinds
    per_repo = next(e for e in log if e["metadata"].get("repo") == "alpha")
    assert per_repo["metadata"]["verb"] in ("start", "end")


def test_a_member_who_is_no_admin_gets_403_in_quays_shape(emulator: Emulator) -> None:
    for user, org in (("carol", "acme"), ("bob", "globex"), ("oscar", "orgmirror")):
        response = org_logs(emulator, org, user=user)
        assert response.status_code == 403, (user, org)
        assert without_type(response.json()) == UNAUTHORIZED


def test_the_organizations_log_needs_the_org_admin_scope(emulator: Emulator) -> None:
    assert org_logs(emulator, "acme", user="alice-limited").status_code == 403


def test_a_user_reads_their_own_namespaces_log_at_the_organization_address(
    emulator: Emulator,
) -> None:
    """Quay makes every user the admin of their own namespace "organization"."""
    response = org_logs(emulator, "alice")
    assert response.status_code == 200
    assert {entry["metadata"]["repo"] for entry in response.json()["logs"]} == {"tools"}
    assert org_logs(emulator, "alice", user="bob").status_code == 403


def test_the_read_only_superuser_reads_any_log_and_a_missing_namespace_is_400(
    emulator: Emulator,
) -> None:
    assert org_logs(emulator, "acme", user="dave").status_code == 200
    missing = org_logs(emulator, "nosuchorg", user="dave")
    assert (missing.status_code, missing.json()) == (
        400,
        {"message": "Invalid namespace requested: nosuchorg"},
    )
    assert org_logs(emulator, "nosuchorg").status_code == 403


def test_user_logs_need_the_user_admin_scope() -> None:
    """``/user/logs`` (the caller's namespace) requires ``user:admin``, which the dashboard's
    tokens never carry; with it, the caller's own namespace."""
    app = EmulatorApp(Options())
    client = Client(app)
    plain = {"Authorization": "Bearer " + "alicedemotoken".ljust(40, "0")}
    assert client.get("/api/v1/user/logs", headers=plain).status_code == 403
    assert client.get("/api/v1/user/aggregatelogs", headers=plain).status_code == 403
    app.state.tokens["useradmin"] = Token("useradmin", "alice", frozenset({"user:admin"}), 99)
    admin = {"Authorization": "Bearer useradmin"}
    response = client.get("/api/v1/user/logs", headers=admin)
    assert response.status_code == 200
    assert {entry["metadata"]["repo"] for entry in response.json["logs"]} == {"tools"}
    counts = client.get("/api/v1/user/aggregatelogs", headers=admin).json["aggregated"]
    assert sum(row["count"] for row in counts) == len(response.json["logs"])


# ----------------------------------------------------------------------- pages


def test_pages_are_positions_so_new_entries_do_not_shift_them(emulator: Emulator) -> None:
    before = entries(every_page(emulator, "organization/acme/logs"))
    first = org_logs(emulator, "acme").json()
    for _ in range(3):  # three new entries on top of the log
        emulator.api("POST", "repository/acme/nginx/mirror/sync-now")
    second = org_logs(emulator, "acme", next_page=first["next_page"]).json()
    assert first["logs"] + second["logs"] == before[:40]
    assert org_logs(emulator, "acme").json()["logs"][0]["metadata"]["to"] == "SYNC_NOW"


def test_the_last_page_with_entries_still_leads_to_an_empty_one(emulator: Emulator) -> None:
    """Quay pages through three log tables: the last page of the first carries a next_page,
    into the next table, which is empty (real Quay: 105 entries took 7 calls)."""
    path = "repository/acme/ubuntu/logs"
    pages = every_page(emulator, path)
    assert [len(page["logs"]) for page in pages] == [1, 0]
    assert "next_page" not in pages[1]
    emulator.configure(quirks=False)
    assert [len(page["logs"]) for page in every_page(emulator, path)] == [1]


def test_a_window_without_entries_has_no_next_page(emulator: Emulator) -> None:
    body = org_logs(emulator, "acme", starttime="01/01/2020", endtime="01/02/2020").json()
    assert body == {
        "start_time": "Wed, 01 Jan 2020 00:00:00 -0000",
        "end_time": "Fri, 03 Jan 2020 00:00:00 -0000",
        "logs": [],
    }


def test_a_full_last_page_is_followed_by_an_empty_one(emulator: Emulator) -> None:
    for _ in range(19):  # ubuntu's one entry and 19 more: exactly one full page
        emulator.api("PUT", "repository/acme/ubuntu/mirror", json={"sync_interval": 7200})
    pages = every_page(emulator, "repository/acme/ubuntu/logs")
    assert [len(page["logs"]) for page in pages] == [20, 0]


def test_the_default_window_is_a_day_either_side_of_now(emulator: Emulator) -> None:
    body = org_logs(emulator, "acme").json()
    start = datetime.strptime(body["start_time"], QUAY_DATE)
    end = datetime.strptime(body["end_time"], QUAY_DATE)
    assert abs(end - start - timedelta(days=2)) < timedelta(seconds=2)
    assert abs(end - now(emulator) - timedelta(days=1)) < timedelta(seconds=5)


def test_an_end_before_the_start_is_a_bare_400(emulator: Emulator) -> None:
    response = org_logs(emulator, "acme", starttime="12/05/2030", endtime="12/01/2030")
    assert (response.status_code, response.json()) == (400, {"message": BAD_REQUEST})


def test_performer_keeps_the_entries_of_one_user_or_robot(emulator: Emulator) -> None:
    log = entries(every_page(emulator, "organization/acme/logs", performer="bob"))
    assert log and {entry["performer"]["name"] for entry in log} == {"bob"}
    robot = org_logs(emulator, "orgmirror", user="olivia", performer="orgmirror+mirror")
    names = {entry["performer"]["name"] for entry in robot.json()["logs"]}
    assert names == {"orgmirror+mirror"}
    assert robot.json()["logs"][0]["performer"]["is_robot"] is True


def test_a_performer_quay_does_not_know_fails_the_listing(emulator: Emulator) -> None:
    response = org_logs(emulator, "acme", performer="nobody")
    assert (response.status_code, response.json()) == (500, {"error": "Internal Server Error"})


# ------------------------------------------------------------------ aggregates


def aggregate(emulator: Emulator, path: str, user: str = "alice", **params: Any) -> Any:
    return emulator.api("GET", f"{path}/aggregatelogs", user=user, params=params)


def test_a_repositorys_counts_per_kind_per_day(emulator: Emulator) -> None:
    response = aggregate(emulator, "repository/acme/postgres")
    assert response.status_code == 200
    rows = response.json()["aggregated"]
    assert set(rows[0]) == {"kind", "count", "datetime"}
    assert all(row["datetime"].endswith(" 00:00:00 -0000") for row in rows)
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["kind"]] = totals.get(row["kind"], 0) + row["count"]
    assert totals == {
        "repo_mirror_config_changed": 1,
        "repo_mirror_sync_started": 3,
        "repo_mirror_sync_failed": 3,
    }


def test_an_organizations_counts_cover_its_whole_log(emulator: Emulator) -> None:
    log = entries(every_page(emulator, "organization/acme/logs"))
    rows = aggregate(emulator, "organization/acme").json()["aggregated"]
    assert sum(row["count"] for row in rows) == len(log)
    day = {row["datetime"] for row in rows}
    assert day <= {
        datetime.strptime(e["datetime"], QUAY_DATE).strftime("%a, %d %b %Y 00:00:00 -0000")
        for e in log
    }


def test_counts_by_performer_and_an_unknown_performer_counts_everyone(emulator: Emulator) -> None:
    everyone = aggregate(emulator, "organization/acme").json()["aggregated"]
    bob = aggregate(emulator, "organization/acme", performer="bob").json()["aggregated"]
    nobody = aggregate(emulator, "organization/acme", performer="nobody").json()["aggregated"]
    assert 0 < sum(r["count"] for r in bob) < sum(r["count"] for r in everyone)
    assert nobody == everyone


def test_counts_over_more_than_a_month_are_refused(emulator: Emulator) -> None:
    window = {"starttime": "01/01/2026", "endtime": "02/15/2026"}
    response = aggregate(emulator, "organization/acme", **window)
    assert (response.status_code, response.json()) == (
        400,
        {"message": "Invalid date range for logs"},
    )


def test_counts_need_the_same_rights_as_the_logs(emulator: Emulator) -> None:
    assert aggregate(emulator, "organization/acme", user="carol").status_code == 403
    assert aggregate(emulator, "repository/acme/nginx", user="carol").status_code == 403
    assert aggregate(emulator, "repository/acme/nothere").status_code == 404
    assert aggregate(emulator, "organization/acme", user="dave").status_code == 200


# ------------------------------------------------------------------- capacity


def test_the_log_endpoints_are_counted_and_cost_quays_service_time(emulator: Emulator) -> None:
    from tests.support.quay_api import counting_from_zero, stats

    emulator.configure(latency_ms=200)
    counting_from_zero(emulator)
    paths = (
        "organization/acme/logs",
        "organization/acme/aggregatelogs",
        "repository/acme/nginx/aggregatelogs",
        "user/logs",
    )
    for path in paths:
        started = datetime.now()
        emulator.api("GET", path)
        assert datetime.now() - started >= timedelta(milliseconds=200), path
    assert stats(emulator)["calls"] == len(paths)
    assert [entry["path"] for entry in emulator.requests_log()][-len(paths) :] == [
        f"/api/v1/{path}" for path in paths
    ]


def test_the_log_endpoints_answer_json_like_the_rest(emulator: Emulator) -> None:
    response = requests.get(f"{emulator.url}/api/v1/organization/acme/logs", timeout=10)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
