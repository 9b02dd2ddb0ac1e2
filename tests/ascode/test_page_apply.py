"""Apply on the page: "Apply this plan" runs the plan's steps as a bulk change (the same
task, the one save, per-mirror results at ``/bulk/runs/<pk>/`` that can be opened again):
exactly the plan's writes, a conflict since the plan not overwritten, what only the command
line applies (a password's reference, the switch to mirror state) not sent, with why."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.support.pages import text_of
from tests.support.received import calls, clear_log, mirror_posts, mirror_puts

from .conftest import entry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_mirror_at_a_time(settings) -> None:
    settings.QUAY_MAX_INFLIGHT = 2  # see tests/bulk/conftest.py


def plan(client, data) -> str:
    response = client.post("/as-code/plan/", {"text": yaml.safe_dump(data, sort_keys=False)})
    assert response.status_code == 200, response.content.decode()[:800]
    return response.content.decode()


def apply_url(html: str) -> str:
    found = re.search(r'action="(/bulk/runs/\d+/apply/)"', html)
    assert found, "no Apply this plan"
    return found.group(1)


def results(client, url: str) -> dict[str, str]:
    """mirror -> its verdict and outcome on the run's page."""
    html = client.get(url.removesuffix("apply/")).content.decode()
    return {
        mirror: f"{verdict} {outcome}".strip()
        for mirror, verdict, outcome in re.findall(
            r'data-mirror="([^"]+)" data-verdict="([a-z_]+)" data-outcome="([a-z_]*)"', html
        )
    }


def test_a_plan_is_applied_as_a_bulk_run_with_its_writes_only(
    alice, mirrors, emulator, immediate_tasks
):
    data = yaml.safe_load(mirrors("export", "acme"))
    entry(data, "acme/nginx")["sync_interval"] = 43200
    entry(data, "acme/etcd")["sync_interval"] = 7200
    entry(data, "acme/redis")["skopeo_timeout_interval"] = 60
    html = plan(alice, data)
    assert "Apply this plan" in html
    url = apply_url(html)
    clear_log(emulator)
    response = alice.post(url)
    assert response.status_code == 302 and response["Location"] == url.removesuffix("apply/")
    sent = calls(emulator)
    assert sorted(c for c in sent if not c.startswith("GET ")) == [
        "PUT repository/acme/etcd/mirror",
        "PUT repository/acme/nginx/mirror",
    ]
    assert mirror_puts(emulator, "acme", "nginx") == [{"sync_interval": 43200}]
    # Quay's registry capabilities: anonymous, kept 10 minutes (as tests/bulk counts them).
    assert sent.count("GET registry/capabilities") <= 1
    sent = [c for c in sent if c != "GET registry/capabilities"]
    assert len(sent) == 2 * 3  # each: its fresh read, the PUT, the read back
    got = results(alice, url)
    assert got["acme/nginx"] == "send applied" and got["acme/etcd"] == "send applied"
    assert got["acme/redis"] == "refused"
    assert list(got.values()).count("unchanged") == 10
    page = text_of(alice.get(url.removesuffix("apply/")).content.decode())
    assert "The timeout must be at least 5 minutes" in page
    # Its heading counts what it changes, not every mirror of the file.
    assert "A file's plan: 2 mirrors to create or update" in page
    assert "names 13 mirrors here: 2 to create or update, 10 unchanged, 1 not sent" in page
    assert "Change 13 mirrors" not in page
    # Reopened from the list of runs; planned again, the file sends nothing: no button.
    assert url.removesuffix("apply/") in alice.get("/bulk/runs/").content.decode()
    assert "Apply this plan" not in plan(alice, data)


def test_a_change_made_in_quay_after_the_plan_is_not_overwritten(
    alice, mirrors, emulator, immediate_tasks
):
    data = yaml.safe_load(mirrors("export", "acme"))
    entry(data, "acme/nginx")["sync_interval"] = 43200
    url = apply_url(plan(alice, data))
    emulator.api("PUT", "repository/acme/nginx/mirror", json={"sync_interval": 7200})
    clear_log(emulator)
    alice.post(url)
    assert mirror_puts(emulator, "acme", "nginx") == []
    assert results(alice, url)["acme/nginx"] == "send conflict"
    assert emulator.api("GET", "repository/acme/nginx/mirror").json()["sync_interval"] == 7200


def test_a_create_is_applied_and_what_only_the_command_line_applies_is_not_sent(
    alice, mirrors, emulator, immediate_tasks
):
    data = yaml.safe_load(mirrors("export", "acme"))
    new = {
        "kind": "repository",
        "namespace": "acme",
        "repository": "node",  # in mirror state, no config yet
        "external_reference": "docker.io/library/node",
        "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest"]},
        "robot_username": "acme+mirror",
        "sync_start_date": "2030-01-01T00:00:00Z",
        "sync_interval": 86400,
        "skopeo_timeout_interval": 300,
    }
    switch = {**new, "repository": "app", "state": "MIRROR"}
    data["mirrors"] += [new, switch]
    entry(data, "acme/flaky")["external_registry_password"] = {"env": "FLAKY_PASSWORD"}
    url = apply_url(plan(alice, data))
    clear_log(emulator)
    alice.post(url)
    assert [body["external_reference"] for body in mirror_posts(emulator, "acme", "node")] == [
        "docker.io/library/node"
    ]
    assert [c for c in calls(emulator) if not c.startswith("GET ")] == [
        "POST repository/acme/node/mirror"
    ]
    got = results(alice, url)
    assert got["acme/node"] == "send applied"
    assert got["acme/app"] == "refused" and got["acme/flaky"] == "refused"
    page = text_of(alice.get(url.removesuffix("apply/")).content.decode())
    assert "its password is read from $FLAKY_PASSWORD where the file is applied" in page
    assert "switching acme/app to mirror state refuses pushes" in page
    assert "Change the values" not in page


def test_someone_elses_plan_cannot_be_applied(alice, signed_in, mirrors, emulator):
    data = yaml.safe_load(mirrors("export", "acme"))
    entry(data, "acme/nginx")["sync_interval"] = 43200
    url = apply_url(plan(alice, data))
    clear_log(emulator)
    bob = signed_in("bob")
    assert bob.post(url).status_code == 404
    assert [c for c in calls(emulator) if not c.startswith("GET ")] == []


def test_a_save_that_asks_a_confirmation_says_where_to_confirm_it(
    alice, mirrors, emulator, immediate_tasks
):
    """A file's run has no box to tick: a start date in the past is not sent, and its result
    says to confirm with the command line (never "tick the box")."""
    data = yaml.safe_load(mirrors("export", "acme"))
    entry(data, "acme/nginx")["sync_start_date"] = "2020-01-01T00:07:00Z"
    url = apply_url(plan(alice, data))
    clear_log(emulator)
    alice.post(url)
    assert mirror_puts(emulator, "acme", "nginx") == []
    assert results(alice, url)["acme/nginx"] == "send not_sent"
    page = text_of(alice.get(url.removesuffix("apply/")).content.decode())
    assert "The start date is in the past: Quay would start a sync right away." in page
    assert "Apply the file with manage.py mirrors apply --confirm to confirm." in page
    assert "Tick" not in page
