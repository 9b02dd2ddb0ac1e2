"""Usage logs and tag listing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tests.support.emulator import Emulator
from tests.support.quay_api import logs

QUAY_DATE = re.compile(r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d -0000$")


def test_logs_cover_the_last_day_newest_first(emulator: Emulator) -> None:
    body = emulator.api("GET", "repository/acme/nginx/logs").json()
    assert QUAY_DATE.match(body["start_time"]) and QUAY_DATE.match(body["end_time"])
    stamps = [
        datetime.strptime(entry["datetime"], "%a, %d %b %Y %H:%M:%S -0000")
        for entry in body["logs"]
    ]
    assert stamps == sorted(stamps, reverse=True)
    assert all(QUAY_DATE.match(entry["datetime"]) for entry in body["logs"])


def test_config_change_log_has_quays_metadata_and_performer(emulator: Emulator) -> None:
    entry = next(e for e in logs(emulator, "acme", "nginx") if e["metadata"].get("changed"))
    assert entry["kind"] == "repo_mirror_config_changed"
    assert entry["metadata"]["changed"] == "mirror_rule"
    assert entry["metadata"]["to"] == ["1.2*", "latest"]
    assert entry["metadata"]["username"] == "bob"
    assert entry["metadata"]["namespace"] == "acme" and entry["metadata"]["repo"] == "nginx"
    assert entry["ip"] == "127.0.0.1"
    assert entry["performer"]["kind"] == "user" and entry["performer"]["name"] == "bob"


def test_sync_now_and_cancel_are_logged_as_sync_status_changes(emulator: Emulator) -> None:
    emulator.api("POST", "repository/acme/redis/mirror/sync-now")
    emulator.api("POST", "repository/acme/redis/mirror/sync-cancel")
    changes = [
        (e["metadata"]["changed"], e["metadata"]["to"]) for e in logs(emulator, "acme", "redis")[:2]
    ]
    assert changes == [("sync_status", "SYNC_CANCEL"), ("sync_status", "SYNC_NOW")]


def test_cancel_during_sync_logs_a_cancelled_failure(emulator: Emulator) -> None:
    emulator.api("POST", "repository/acme/alpine/mirror/sync-cancel")
    kinds = [(e["kind"], e["metadata"].get("verb")) for e in logs(emulator, "acme", "alpine")]
    assert ("repo_mirror_sync_failed", "Cancelled") in kinds


def test_logs_page_by_20_with_next_page(emulator: Emulator) -> None:
    for _ in range(12):
        emulator.api("POST", "repository/acme/nginx/mirror/sync-now")
        emulator.api("POST", "repository/acme/nginx/mirror/sync-cancel")
    first = emulator.api("GET", "repository/acme/nginx/logs").json()
    assert len(first["logs"]) == 20
    second = emulator.api(
        "GET", "repository/acme/nginx/logs", params={"next_page": first["next_page"]}
    ).json()
    assert second["logs"] and second["logs"][0] != first["logs"][-1]


def test_logs_with_starttime_include_older_history(emulator: Emulator) -> None:
    now = datetime.fromisoformat(emulator.control("GET", "clock")["now"].rstrip("Z"))
    start = (now - timedelta(days=30)).strftime("%m/%d/%Y")
    recent = emulator.api("GET", "repository/acme/nginx/logs").json()["logs"]
    older = emulator.api("GET", "repository/acme/nginx/logs", params={"starttime": start}).json()
    assert len(older["logs"]) >= len(recent)


def test_logs_need_admin_rights(emulator: Emulator) -> None:
    assert emulator.api("GET", "repository/acme/nginx/logs", user="carol").status_code == 403


def test_tags_list_newest_first_with_paging(emulator: Emulator) -> None:
    first = emulator.api("GET", "repository/acme/nginx/tag/", params={"limit": 3}).json()
    assert first["page"] == 1 and first["has_additional"] is True
    assert len(first["tags"]) == 3
    tag = first["tags"][0]
    assert set(tag) == {
        "name",
        "reversion",
        "start_ts",
        "manifest_digest",
        "is_manifest_list",
        "size",
        "last_modified",
    }
    assert tag["manifest_digest"].startswith("sha256:")
    assert QUAY_DATE.match(tag["last_modified"])
    third = emulator.api("GET", "repository/acme/nginx/tag/", params={"limit": 3, "page": 3}).json()
    assert third["page"] == 3 and third["has_additional"] is False
    assert len(third["tags"]) == 1
    stamps = [t["start_ts"] for t in first["tags"]]
    assert stamps == sorted(stamps, reverse=True)


def test_tags_limit_is_capped_at_100(emulator: Emulator) -> None:
    emulator.reset()
    body = emulator.api("GET", "repository/acme/nginx/tag/", params={"limit": 1000}).json()
    assert len(body["tags"]) == 7 and body["has_additional"] is False


def test_tags_readable_by_a_reader(emulator: Emulator) -> None:
    assert emulator.api("GET", "repository/acme/app/tag/", user="carol").status_code == 200


def test_tags_of_unknown_repository_answer_404(emulator: Emulator) -> None:
    assert emulator.api("GET", "repository/acme/nothere/tag/").status_code == 404
