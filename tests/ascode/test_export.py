"""``manage.py mirrors export``: the mirrors of namespaces as a file, Quay's field names,
no secrets, one listing a namespace and one read a mirror."""

from __future__ import annotations

import json

import pytest
from django.core.management.base import CommandError

from tests.support.emulator import free_port
from tests.support.received import calls, clear_log

from .conftest import entry

pytestmark = pytest.mark.django_db


def test_each_mirror_of_the_namespace_is_an_entry_with_quays_field_names(exported, emulator):
    data = exported("acme")
    assert data["version"] == 1 and data["exported_from"] == emulator.url
    names = [f"{m['namespace']}/{m['repository']}" for m in data["mirrors"]]
    # Every repository mirror of acme with a config; acme/node (no config yet), acme/app and
    # acme/web (not mirrored) are none.
    assert "acme/nginx" in names and "acme/flaky" in names and len(names) == 13
    assert not {"acme/node", "acme/app", "acme/web"} & set(names)
    nginx = entry(data, "acme/nginx")
    assert nginx["external_reference"] == "docker.io/library/nginx"
    assert nginx["root_rule"] == {"rule_kind": "tag_glob_csv", "rule_value": ["1.2*", "latest"]}
    assert nginx["robot_username"] == "acme+mirror"
    assert nginx["sync_interval"] == 21600 and nginx["skopeo_timeout_interval"] == 300
    assert nginx["external_registry_config"] == {
        "verify_tls": True,
        "unsigned_images": False,
        "proxy": {"http_proxy": None, "https_proxy": None, "no_proxy": None},
    }
    assert nginx["sync_start_date"].endswith("Z") and nginx["fingerprint"].startswith("sha256:")
    assert nginx["state"] == "MIRROR"


def test_credentials_are_named_never_written(exported, mirrors):
    flaky = entry(exported("acme"), "acme/flaky")
    assert flaky["external_registry_username"] == "svc-flaky"
    assert "external_registry_password" not in flaky
    assert "s3cr3t-flaky" not in mirrors("export", "acme")


def test_an_organization_mirror_is_an_entry_of_its_own_in_json(mirrors):
    data = json.loads(mirrors("export", "orgmirror", "orgnew", "--format", "json", user="olivia"))
    org = entry(data, "orgnew")
    assert org["kind"] == "organization" and "repository" not in org
    assert org["external_registry_type"] == "harbor"
    assert org["external_registry_url"] == "https://harbor.example.com"
    assert org["external_namespace"] == "platform"
    assert org["repository_filters"] == ["api", "worker", "front*"]
    assert set(org["external_registry_config"]) == {"verify_tls", "proxy"}
    assert "skopeo_timeout" in org and "skopeo_timeout_interval" not in org


def test_it_costs_one_listing_a_namespace_and_one_read_a_mirror(mirrors, emulator):
    clear_log(emulator)
    data = mirrors("export", "acme", "globex")
    made = calls(emulator)
    configs = [c for c in made if c.endswith("/mirror")]
    # Every repository in state MIRROR: 13 mirrors of acme and acme/node (none set up yet),
    # 2 of globex.
    assert len(configs) == 16 and data.count("fingerprint:") == 15
    assert made.count("GET repository") == 2  # one listing each (100 a page)
    assert [c for c in made if c not in configs and c != "GET repository"] == ["GET user/"]
    assert all(c.startswith("GET ") for c in made)


def test_without_a_token_it_says_how_to_give_one(mirrors, monkeypatch):
    monkeypatch.delenv("QUAY_TOKEN", raising=False)
    from django.core.management import call_command

    with pytest.raises(CommandError, match="Set QUAY_TOKEN"):
        call_command("mirrors", "export", "acme")


def test_quay_down_is_said_in_words(mirrors, settings):
    settings.QUAY_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match="Quay: Quay cannot be reached"):
        mirrors("export", "acme")


def test_a_mirror_that_cannot_be_read_gives_no_file(mirrors, emulator):
    emulator.configure(fail={"/api/v1/repository/acme/redis/mirror": 500})
    with pytest.raises(CommandError) as refused:
        mirrors("export", "acme")
    assert "No file was written: The mirror config of acme/redis could not be read" in str(
        refused.value
    )
