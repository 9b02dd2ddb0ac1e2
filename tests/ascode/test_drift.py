"""``manage.py mirrors drift FILE`` and the page's "Compare with Quay now": where Quay now
differs from a file (the file's value → Quay's), mirrors in Quay not in the file and in the
file not in Quay; the command exits with an error when there is any. The plan's comparison
read the other way round, at the plan's cost, writing nothing."""

from __future__ import annotations

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from dashboard.mirrors.rules.changes import seconds_in_words
from tests.support.pages import text_of
from tests.support.received import calls, clear_log

from .conftest import SEED, entry, step

pytestmark = pytest.mark.django_db

ERROR = "CommandError: "


@pytest.fixture
def drifted(mirrors, tmp_path):
    """Write ``data`` to a file and compare it with Quay: the report, and the error the
    command ended with (a drift exits non-zero), after it."""

    def drift(data, user: str = "alice") -> str:
        path = tmp_path / "mirrors.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return mirrors("drift", str(path), user=user, fails=True)

    return drift


@pytest.mark.parametrize("user", list(SEED))
def test_there_is_no_drift_right_after_an_export(user, exported, drifted, emulator):
    """The emulator's whole seed, both kinds: the command ends without an error."""
    data = exported(*SEED[user], user=user)
    clear_log(emulator)
    said = drifted(data, user=user)
    assert ERROR not in said, said
    assert said.splitlines() == [
        f"Drift: 0 differ, 0 missing in Quay, 0 in Quay not in the file, 0 could not be "
        f"compared; {len(data['mirrors'])} as the file says."
    ]
    assert [c for c in calls(emulator) if not c.startswith("GET ")] == []


@pytest.mark.parametrize(
    ("user", "name", "path"),
    [
        ("alice", "acme/nginx", "repository/acme/nginx/mirror"),
        ("olivia", "orgnew", "organization/orgnew/mirror"),
    ],
    ids=["repository", "organization"],
)
def test_a_change_made_in_quay_shows_as_exactly_that_field(
    user, name, path, exported, drifted, emulator
):
    data = exported(name.split("/")[0], user=user)
    before = entry(data, name)["sync_interval"]
    response = emulator.api("PUT", path, user=user, json={"sync_interval": 7200})
    assert response.ok, response.text
    said = drifted(data, user=user)
    lines = step(said, name).splitlines()
    assert lines[0].endswith(": differs in Quay (the file → Quay now)")
    assert lines[1:] == [f"interval: {seconds_in_words(before)} → 2 hours"]
    assert "Drift: 1 differ, 0 missing in Quay, 0 in Quay not in the file, 0 could not" in said
    assert said.splitlines()[-1].startswith(f"{ERROR}Quay differs from ")


def test_mirrors_missing_on_either_side_are_said(exported, drifted):
    data = exported("acme")
    data["mirrors"].remove(entry(data, "acme/etcd"))
    data["mirrors"].append(
        {
            "kind": "repository",
            "namespace": "acme",
            "repository": "app",
            "state": "MIRROR",
            "external_reference": "docker.io/library/hello-world",
            "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest"]},
            "robot_username": "acme+mirror",
            "sync_start_date": "2030-01-01T00:00:00Z",
            "sync_interval": 86400,
            "skopeo_timeout_interval": 300,
        }
    )
    data["mirrors"].append({**data["mirrors"][-1], "repository": "nosuch"})
    said = drifted(data)
    assert step(said, "acme/etcd") == "acme/etcd: in Quay, not in the file"
    assert step(said, "acme/app").endswith(": in the file, missing in Quay")
    nosuch = step(said, "acme/nosuch").splitlines()
    assert nosuch[0].endswith(": in the file, missing in Quay")
    assert "Quay has no repository acme/nosuch that you can see" in nosuch[1]
    assert "Drift: 0 differ, 2 missing in Quay, 1 in Quay not in the file" in said
    assert ERROR in said


def test_an_entry_that_cannot_be_compared_is_said_with_its_reason(exported, drifted):
    data = exported("acme")
    entry(data, "acme/redis")["skopeo_timeout_interval"] = 60
    said = drifted(data)
    lines = step(said, "acme/redis").splitlines()
    assert lines[0].endswith(": could not be compared")
    assert "skopeo_timeout_interval: The timeout must be at least 5 minutes" in lines[1]
    assert said.endswith("1 mirror of " + said.split(" mirror of ")[-1])
    assert "could not be compared with Quay (above)." in said


def test_a_password_reference_is_no_drift(exported, drifted):
    """Quay never shows a password: there is nothing to compare it with."""
    data = exported("acme")
    entry(data, "acme/flaky")["external_registry_password"] = {"env": "FLAKY_PASSWORD"}
    said = drifted(data)
    assert ERROR not in said and "acme/flaky" not in said


def test_it_costs_what_the_plan_costs(exported, mirrors, planned, drifted, emulator):
    data = exported("acme", "globex")
    entry(data, "acme/nginx")["sync_interval"] = 43200
    clear_log(emulator)
    planned(data)
    plan_calls = sorted(calls(emulator))
    clear_log(emulator)
    drifted(data)
    assert sorted(calls(emulator)) == plan_calls
    # Who the person is, two listings, one read a mirror (15, and acme/node with no config).
    assert len(plan_calls) == 1 + 2 + 16


def test_the_page_compares_a_file_with_quay_now(alice, mirrors, emulator):
    data = yaml.safe_load(mirrors("export", "acme"))
    text = yaml.safe_dump(data, sort_keys=False)
    html = alice.post("/as-code/drift/", {"text": text}).content.decode()
    assert "Quay holds every mirror of the file as the file says." in text_of(html)
    assert "Compare with Quay now" in html
    emulator.api("PUT", "repository/acme/nginx/mirror", json={"sync_interval": 7200})
    clear_log(emulator)
    upload = SimpleUploadedFile("m.yaml", text.encode())
    response = alice.post("/as-code/drift/", {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<tr data-drift="differs" data-mirror="acme/nginx">' in html
    assert html.count("<tr data-drift=") == 1
    assert "interval: 6 hours → 2 hours" in text_of(html)
    assert "1 differ, 0 missing in Quay" in text_of(html)
    assert [c for c in calls(emulator) if not c.startswith("GET ")] == []


def test_the_page_says_a_bad_file_and_a_missing_one(alice, emulator):
    response = alice.post("/as-code/drift/", {"text": "version: 1\nmirrors: [\n  {kind: x\n"})
    assert response.status_code == 400
    assert "This file cannot be used" in text_of(response.content.decode())
    response = alice.post("/as-code/drift/", {})
    assert response.status_code == 400
    assert "Choose a file, or paste one." in text_of(response.content.decode())
