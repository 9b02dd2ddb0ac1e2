"""The Quay client against the emulator, over real HTTP."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.quay.client import USER_AGENT, QuayClient, http_session
from dashboard.quay.errors import (
    QuayBadRequest,
    QuayConflict,
    QuayForbidden,
    QuayNotFound,
    QuayServerError,
    QuayTimeout,
    QuayUnauthorized,
    QuayUnreachable,
)
from dashboard.quay.fanout import fan_out, parallel
from dashboard.quay.models import MirrorConfig, RepositoryState, SyncStatus
from tests.support.emulator import TOKENS, free_port


@pytest.fixture
def quay(emulator):
    return QuayClient(TOKENS["alice"])


def client_for(user):
    return QuayClient(TOKENS[user])


def test_get_user_lists_the_persons_organizations(quay):
    user = quay.get_user()
    assert user.username == "alice"
    assert {"acme", "globex", "initech"} <= {o.name for o in user.organizations}
    assert user.namespaces[0] == "alice"


def test_list_repositories_gives_each_repos_state(quay):
    repos = {r.name: r for r in quay.list_repositories("acme")}
    assert repos["nginx"].state is RepositoryState.MIRROR
    assert repos["app"].state is RepositoryState.NORMAL
    assert repos["nginx"].full_name == "acme/nginx"


def test_list_repositories_follows_next_page(emulator):
    emulator.reset(repos=400)
    repos = client_for("alice").list_repositories("acme")
    names = [r.name for r in repos]
    assert len(names) == len(set(names))
    assert len(names) > 100  # more than one page of Quay's listing
    assert any(e["query"].get("next_page") for e in emulator.requests_log())


def test_get_repository_and_change_its_state(quay, emulator):
    assert quay.get_repository("acme", "app").state is RepositoryState.NORMAL
    quay.change_repository_state("acme", "app", RepositoryState.MIRROR)
    assert quay.get_repository("acme", "app").state is RepositoryState.MIRROR


def test_robots_of_an_organization(quay):
    assert "acme+mirror" in {r.name for r in quay.list_org_robots("acme")}
    assert {r.namespace for r in quay.list_robots("globex", "alice")} == {"globex"}


def test_robots_of_the_user_need_the_user_admin_scope(quay):
    # Quay guards /user/robots with user:admin, a scope the dashboard does not ask for.
    with pytest.raises(QuayForbidden) as excinfo:
        quay.list_robots("alice", "alice")
    assert excinfo.value.scope == "user:admin"


def test_get_mirror_reads_the_config(quay):
    config = quay.get_mirror("acme", "nginx")
    assert isinstance(config, MirrorConfig)
    assert config.sync_status is SyncStatus.SUCCESS
    assert config.root_rule == ("1.2*", "latest")


def test_get_mirror_without_config_is_not_found(quay):
    with pytest.raises(QuayNotFound):
        quay.get_mirror("acme", "node")


def test_create_mirror_stores_what_was_sent(quay, emulator):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    quay.create_mirror(
        "acme",
        "node",
        {
            "is_enabled": True,
            "external_reference": "docker.io/library/node",
            "robot_username": "acme+mirror",
            "sync_interval": 86400,
            "sync_start_date": start,
            "skopeo_timeout_interval": 300,
            "root_rule": ["20.*", "lts"],
            "verify_tls": True,
        },
    )
    stored = quay.get_mirror("acme", "node")
    assert stored.root_rule == ("20.*", "lts")
    assert stored.sync_start_date == start
    assert stored.robot_username == "acme+mirror"


def test_second_create_is_a_conflict(quay):
    with pytest.raises(QuayConflict):
        quay.create_mirror(
            "acme",
            "nginx",
            {
                "external_reference": "docker.io/library/nginx",
                "robot_username": "acme+mirror",
                "sync_interval": 3600,
                "sync_start_date": datetime.now(UTC),
                "skopeo_timeout_interval": 300,
                "root_rule": ["latest"],
            },
        )


def test_update_mirror_sends_only_the_given_fields(quay, emulator):
    quay.update_mirror("acme", "redis", {"sync_interval": 7200})
    puts = [e for e in emulator.requests_log() if e["method"] == "PUT"]
    assert puts[-1]["json"] == {"sync_interval": 7200}
    assert quay.get_mirror("acme", "redis").sync_interval == 7200


def test_a_bad_update_raises_quays_message(quay):
    with pytest.raises(QuayBadRequest) as excinfo:
        quay.update_mirror("acme", "redis", {"skopeo_timeout_interval": 299})
    assert "300" in excinfo.value.message


def test_robot_errors_in_quays_message_shape_are_read(quay):
    with pytest.raises(QuayBadRequest) as excinfo:
        quay.update_mirror("acme", "redis", {"robot_username": "globex+mirror"})
    assert excinfo.value.message == "Invalid robot"


def test_a_date_quay_returned_with_microseconds_is_written_back_accepted(quay):
    config = quay.get_mirror("acme", "nginx")
    assert config.sync_start_date is not None
    quay.update_mirror("acme", "nginx", {"sync_start_date": config.sync_start_date})
    assert quay.get_mirror("acme", "nginx").sync_start_date == config.sync_start_date.replace(
        microsecond=0
    )


def test_sync_now_then_cancel(quay):
    quay.sync_now("acme", "redis")
    assert quay.get_mirror("acme", "redis").sync_status is SyncStatus.SYNC_NOW
    quay.sync_cancel("acme", "redis")
    assert quay.get_mirror("acme", "redis").sync_status is SyncStatus.CANCEL


def test_sync_now_while_syncing_is_not_found(quay):
    with pytest.raises(QuayNotFound):
        quay.sync_now("acme", "alpine")


def test_cancel_when_nothing_runs_is_not_found(quay):
    with pytest.raises(QuayNotFound):
        quay.sync_cancel("acme", "redis")


def test_logs_are_mirror_events_newest_first(quay):
    logs = quay.list_logs("acme", "nginx")
    assert logs and all(e.kind.startswith("repo_mirror_") for e in logs)
    dates = [e.datetime for e in logs]
    assert dates == sorted(dates, reverse=True)


def test_tags_of_a_repository(quay):
    names = {t.name for t in quay.list_tags("acme", "nginx")}
    assert "latest" in names and "1.23" in names


def test_mirror_health_of_a_namespace_as_a_member_without_admin(emulator):
    health = client_for("carol").get_mirror_health("acme")
    statuses = {d.repository: d.sync_status for d in health.details}
    assert statuses["nginx"] is SyncStatus.SUCCESS
    assert statuses["etcd"] is SyncStatus.FAIL


def test_bad_token_is_unauthorized(emulator):
    with pytest.raises(QuayUnauthorized):
        QuayClient("x" * 40).get_user()


def test_no_admin_rights_is_forbidden_and_names_the_scope(emulator):
    with pytest.raises(QuayForbidden) as excinfo:
        client_for("carol").get_mirror("acme", "nginx")
    assert excinfo.value.scope == "repo:admin"


def test_a_token_without_the_scope_is_forbidden(emulator):
    with pytest.raises(QuayForbidden):
        client_for("alice-limited").get_mirror("acme", "nginx")


def test_read_only_superuser_reads_but_cannot_change(emulator):
    dave = client_for("dave")
    assert dave.get_mirror("acme", "nginx").sync_status is SyncStatus.SUCCESS
    with pytest.raises(QuayForbidden):
        dave.sync_now("acme", "nginx")


def test_5xx_is_a_server_error(quay, emulator):
    emulator.configure(fail={"/api/v1/repository/acme/nginx/mirror": 503})
    with pytest.raises(QuayServerError) as excinfo:
        quay.get_mirror("acme", "nginx")
    assert excinfo.value.status == 503


def test_a_hanging_quay_times_out(emulator):
    emulator.configure(hang=["/api/v1/user/"])
    with pytest.raises(QuayTimeout):
        QuayClient(TOKENS["alice"], timeout=0.5).get_user()


def test_a_closed_port_is_unreachable(emulator):
    client = QuayClient(TOKENS["alice"], base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(QuayUnreachable):
        client.get_user()


def test_the_client_introduces_itself_and_keeps_no_cookies(quay):
    assert "Mozilla" not in USER_AGENT
    quay.get_user()
    assert len(http_session().cookies) == 0


def test_the_token_is_not_in_the_clients_repr(quay):
    assert TOKENS["alice"] not in repr(quay)


def test_fan_out_returns_each_items_result_or_error(quay, emulator):
    outcomes = fan_out(lambda name: quay.get_mirror("acme", name), ["nginx", "node", "redis"])
    assert [o.ok for o in outcomes] == [True, False, True]
    assert isinstance(outcomes[1].error, QuayNotFound)
    assert outcomes[0].value.root_rule == ("1.2*", "latest")


def test_fan_out_runs_calls_in_parallel_within_its_bound(quay, emulator):
    emulator.configure(latency_ms=200)
    lock = threading.Lock()
    in_flight = peak = 0

    def call(name):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            return quay.get_repository("acme", name)
        finally:
            with lock:
                in_flight -= 1

    names = ["nginx", "redis", "etcd", "postgres", "alpine", "busybox"]
    outcomes = fan_out(call, names, max_workers=4)
    assert [o.value.name for o in outcomes] == names  # results in item order
    assert peak == 4


def test_parallel_runs_different_calls(quay):
    mirror, tags = parallel(
        lambda: quay.get_mirror("acme", "nginx"), lambda: quay.list_tags("acme", "nginx")
    )
    assert mirror.value.external_reference and tags.value


def test_fan_out_lets_a_revoked_token_propagate(emulator):
    revoked = QuayClient("x" * 40)
    with pytest.raises(QuayUnauthorized):
        fan_out(lambda name: revoked.get_mirror("acme", name), ["nginx", "redis"])
