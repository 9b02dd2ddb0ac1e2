"""The bookkeeping that keeps a call's cost independent of the number of repositories.

The worker's schedule and the sorted per-namespace indexes must always say what the data
says; these tests drive an in-process emulator through syncs, cancels, config changes and
clock jumps and compare them with the data after every step.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest
from werkzeug.test import Client

from dashboard.emulator import sync
from dashboard.emulator.app import EmulatorApp
from dashboard.emulator.seed import demo_token
from dashboard.emulator.state import Options, State, log_key

ALICE = {"Authorization": f"Bearer {demo_token('alice')}"}


def assert_bookkeeping_matches_data(state: State) -> None:
    for key, repo in state.repos.items():
        assert state.schedule.due(key) == sync.eligible_at(state, repo), key
    names: dict[str, list[str]] = defaultdict(list)
    public: dict[str, list[str]] = defaultdict(list)
    health: dict[str, list[Any]] = defaultdict(list)
    for (namespace, name), repo in sorted(state.repos.items()):
        names[namespace].append(name)
        public[namespace] += [name] if repo.is_public else []
        mirror = repo.mirror
        if mirror is not None and mirror.is_enabled and repo.state == "MIRROR":
            health[namespace].append((name, mirror.sync_status, mirror.sync_retries_remaining))
    index = state.index
    assert index.namespaces() == sorted(names)
    assert index.names == names
    assert index.public == {namespace: public[namespace] for namespace in names}
    for namespace in names:
        rows, expected = index.health[namespace], health[namespace]
        assert rows.names == [name for name, _, _ in expected]
        statuses = Counter(status for _, status, _ in expected)
        assert +rows.counts == statuses
        assert rows.never_run == [name for name, status, _ in expected if status == "NEVER_RUN"]
        assert rows.exhausted == [
            n for n, status, left in expected if status == "FAIL" and not left
        ]
    assert_logs_match_data(state)


def assert_logs_match_data(state: State) -> None:
    """A namespace's sorted log holds its repositories' entries and its own, and only those."""
    logs: dict[str, list[Any]] = defaultdict(list)
    for repo in state.repos.values():
        assert repo.logs == sorted(repo.logs, key=log_key), repo.full_name
        logs[repo.namespace] += repo.logs
    for namespace, own in state.org_logs.items():
        logs[namespace] += own
    expected = {ns: [id(e) for e in sorted(found, key=log_key)] for ns, found in logs.items()}
    kept = {ns: [id(e) for e in found] for ns, found in state.namespace_logs.items()}
    assert kept == {ns: ids for ns, ids in expected.items() if ids}


@pytest.fixture
def app() -> EmulatorApp:
    return EmulatorApp(Options(repos=40))


def test_schedule_and_indexes_follow_every_change(app: EmulatorApp) -> None:
    client = Client(app)
    state = app.state

    def api(method: str, path: str, **kwargs: Any) -> None:
        client.open(f"/api/v1/repository/{path}", method=method, headers=ALICE, **kwargs)
        assert_bookkeeping_matches_data(state)

    def advance(seconds: float) -> None:
        client.post("/_emulator/clock", json={"advance": seconds})
        assert_bookkeeping_matches_data(state)

    assert_bookkeeping_matches_data(state)
    keys = list(state.repos)
    for step, (namespace, name) in enumerate(keys):
        repo = f"{namespace}/{name}"
        if step % 3 == 0:
            api("POST", f"{repo}/mirror/sync-now")
        if step % 5 == 0:
            api("POST", f"{repo}/mirror/sync-cancel")
        if step % 7 == 0:
            api("PUT", f"{repo}/mirror", json={"is_enabled": step % 2 == 0})
        if step % 11 == 0:
            api("PUT", f"{repo}/changestate", json={"state": "NORMAL" if step % 4 else "MIRROR"})
        if step % 13 == 0:
            dates = {"sync_start_date": "2020-01-01T00:00:00Z", "sync_interval": 600}
            api("PUT", f"{repo}/mirror", json=dates)
    rule = {"rule_kind": "tag_glob_csv", "rule_value": ["7*"]}
    api(
        "POST",
        "acme/app/mirror",
        json={
            "external_reference": "docker.io/library/redis",
            "sync_interval": 60,
            "sync_start_date": "2020-01-01T00:00:00Z",
            "root_rule": rule,
            "robot_username": "acme+mirror",
        },
    )
    for seconds in (1, 3, 10, 60, 3600, 86400):
        advance(seconds)
    client.post("/_emulator/config", json={"claim_delay": 30})
    assert_bookkeeping_matches_data(state)
    for seconds in (29, 2, 86400 * 3):
        advance(seconds)


def test_a_call_looks_only_at_what_is_due(monkeypatch: pytest.MonkeyPatch) -> None:
    app = EmulatorApp(Options(repos=1000))
    looked_at: list[str] = []
    eligible_at = sync.eligible_at

    def counting(state: State, repo: Any) -> Any:
        looked_at.append(repo.full_name)
        return eligible_at(state, repo)

    monkeypatch.setattr(sync, "eligible_at", counting)
    client = Client(app)
    assert client.get("/api/v1/repository/acme/nginx/mirror", headers=ALICE).status_code == 200
    query = {"namespace": "acme", "detailed": "true"}
    health = client.get("/api/v1/repository/mirror/health", query_string=query, headers=ALICE)
    assert health.json["repositories"]["total"] > 200
    listing = client.get("/api/v1/repository", query_string={"namespace": "acme"}, headers=ALICE)
    assert len(listing.json["repositories"]) == 100
    # Nothing was due (the seed's next events are half a minute away): the worker looked
    # at no repository, and only the one the call named was filed again.
    assert looked_at == ["acme/nginx"]
