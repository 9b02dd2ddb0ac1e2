from datetime import UTC, datetime

from dashboard.quay.errors import (
    QuayBadRequest,
    QuayConflict,
    QuayForbidden,
    QuayNotFound,
    QuayServerError,
    QuayUnauthorized,
    error_for,
    quay_message,
)
from dashboard.quay.models import MirrorConfig, SyncStatus, to_api

OBSERVED = {  # GET .../mirror as real Quay answered it (reference transcript, A6)
    "is_enabled": False,
    "mirror_type": "PULL",
    "external_reference": "127.0.0.1:5000/library/hello",
    "external_registry_username": "upstreamuser",
    "external_registry_config": {
        "verify_tls": False,
        "unsigned_images": False,
        "proxy": {"http_proxy": None, "https_proxy": None, "no_proxy": None},
    },
    "sync_interval": 3600,
    "sync_start_date": "2026-11-27T17:00:00.268812Z",
    "sync_expiration_date": None,
    "sync_retries_remaining": 3,
    "sync_status": "NEVER_RUN",
    "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["1.*", "latest"]},
    "robot_username": "mirrororg+mirrorbot",
    "skopeo_timeout_interval": 300,
    "architecture_filter": [],
}


def test_a_config_reads_every_field_of_quays_answer():
    config = MirrorConfig.from_api(OBSERVED)
    assert config.is_enabled is False
    assert config.external_registry_username == "upstreamuser"
    assert config.verify_tls is False
    assert config.root_rule == ("1.*", "latest")
    assert config.sync_start_date == datetime(2026, 11, 27, 17, 0, 0, 268812, tzinfo=UTC)
    assert config.sync_status is SyncStatus.NEVER_RUN
    assert config.robot_username == "mirrororg+mirrorbot"
    assert config.http_proxy is None


def test_values_a_newer_quay_may_send_read_as_the_default_and_proxies_as_set():
    from dashboard.quay.org_models import OrgMirrorConfig, OrgMirrorRepoPage, OrgRepoStatus

    proxied = {"verify_tls": True, "proxy": {"https_proxy": "http://proxy:3128"}}
    config = MirrorConfig.from_api(
        OBSERVED | {"sync_status": "PAUSED", "external_registry_config": proxied}
    )
    assert config.sync_status is SyncStatus.NEVER_RUN
    assert (config.https_proxy, config.http_proxy, config.verify_tls) == (
        "http://proxy:3128",
        None,
        True,
    )
    org = OrgMirrorConfig.from_api(
        {"sync_status": "PAUSED", "external_registry_type": "gitlab"}
        | {"external_registry_config": proxied}
    )
    assert org.sync_status is SyncStatus.NEVER_RUN
    assert org.external_registry_type.value == "quay"
    assert org.https_proxy == "http://proxy:3128"
    # A discovered repository's status is that row's news: one not known makes that row
    # unreadable (said so), never "never synced".
    page = OrgMirrorRepoPage.from_api(
        {"repositories": [{"name": "a", "sync_status": "QUARANTINED"}, {"name": "b"}]}
    )
    unknown, known = page.repositories
    assert (
        unknown.name == "a"
        and "“QUARANTINED” is not one this dashboard knows" in unknown.unreadable
    )
    assert known.sync_status is OrgRepoStatus.NEVER_RUN and not known.unreadable


def test_status_helpers_say_what_a_status_allows():
    assert SyncStatus.SYNCING.is_active and SyncStatus.SYNC_NOW.is_active
    assert not SyncStatus.SUCCESS.is_active and not SyncStatus.SUCCESS.can_cancel
    assert SyncStatus.SYNC_NOW.can_cancel and SyncStatus.SYNCING.can_cancel
    assert not SyncStatus.SYNCING.can_sync_now
    assert SyncStatus.CANCEL.can_sync_now and SyncStatus.FAIL.can_sync_now
    assert SyncStatus.FAIL.label == "Failed"


def test_to_api_nests_only_the_given_fields():
    payload = to_api(
        {
            "root_rule": ["v1.*", "latest"],
            "verify_tls": False,
            "https_proxy": "http://proxy:3128",
            "sync_start_date": datetime(2026, 1, 2, 3, 4, 5, 999, tzinfo=UTC),
        }
    )
    assert payload == {
        "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["v1.*", "latest"]},
        "sync_start_date": "2026-01-02T03:04:05Z",
        "external_registry_config": {
            "verify_tls": False,
            "proxy": {"https_proxy": "http://proxy:3128"},
        },
    }


def test_quays_three_error_shapes_give_a_message():
    full = {"detail": "Repository already exists", "error_message": "x", "status": 400}
    assert quay_message(full) == "Repository already exists"
    assert quay_message({"detail": "Incorrect DateTime format for sync_start_date."}) == (
        "Incorrect DateTime format for sync_start_date."
    )
    assert quay_message({"message": "Invalid robot"}) == "Invalid robot"
    assert quay_message({"error_message": "only this"}) == "only this"
    assert quay_message("") is None


def test_each_status_has_its_error_type():
    assert isinstance(error_for(400, {"message": "Invalid robot"}), QuayBadRequest)
    assert error_for(400, {"message": "Invalid robot"}).message == "Invalid robot"
    assert isinstance(error_for(401, {}), QuayUnauthorized)
    forbidden = error_for(403, {"detail": "Unauthorized"}, scope="repo:admin")
    assert isinstance(forbidden, QuayForbidden) and "repo:admin" in forbidden.message
    assert isinstance(error_for(404, {}), QuayNotFound)
    assert isinstance(error_for(409, {}), QuayConflict)
    server = error_for(502, None)
    assert isinstance(server, QuayServerError) and server.status == 502
    assert "502" in server.message
