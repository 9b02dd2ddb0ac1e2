"""The index keeps a failure's reason as the pages say it (``rules/reasons.py``) and Quay's
cause class, for a repository mirror and for an organization mirror's repository (whose status
message says only "See output": its reason is in the stderr of its log entry); the change to
FAIL carries the same words, and the overview's search by reason finds them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.mirrors import clock
from dashboard.watch.models import Change, Mirror
from dashboard.watch.poll import poll

pytestmark = pytest.mark.django_db
HANDSHAKE = "net/http: TLS handshake timeout"


def test_a_repository_mirrors_failure_keeps_its_whole_reason_and_quays_cause(
    emulator, enrolled, client_as
):
    enrolled("acme")
    poll("acme")
    emulator.control("POST", "mirror/acme/redis/fail", json={"reason": "tls_handshake_timeout"})
    emulator.api("POST", "repository/acme/redis/mirror/sync-now", user="alice")
    emulator.advance(20)
    poll("acme", clock.now() + timedelta(seconds=61))
    redis = Mirror.objects.get(namespace="acme", name="redis", kind=Mirror.Kind.REPOSITORY)
    reason = redis.last_result["reason"]
    assert reason == (
        "Error listing repository tags: pinging container registry docker.io: Get "
        f'"https://docker.io/v2/": {HANDSHAKE}'
    )
    assert redis.last_result["cause"] == "network_timeout"
    assert Change.objects.get(mirror=redis, new="FAIL").reason == reason
    # The repository page says the same words.
    assert reason in client_as("alice").get("/repo/acme/redis/").content.decode().replace(
        "&quot;", '"'
    )


def test_an_organization_repositorys_failure_reason_comes_from_its_log_entry(emulator, enrolled):
    enrolled("orgmirror")
    poll("orgmirror")
    emulator.advance(120)  # broken's listing fails: "See output"
    poll("orgmirror", clock.now() + timedelta(seconds=121))
    broken = Mirror.objects.get(
        namespace="orgmirror", name="broken", kind=Mirror.Kind.ORG_REPOSITORY
    )
    assert broken.sync_status == "FAIL" and broken.status_message.endswith("See output")
    assert broken.last_result["reason"].endswith(HANDSHAKE)
    assert broken.last_result["cause"] == "network_timeout"
    change = Change.objects.filter(mirror=broken, new="FAIL").first()
    assert change is not None and change.reason.endswith(HANDSHAKE)
