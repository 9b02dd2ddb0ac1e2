"""Quay accepts some changes (201) and does not apply them; ``quirks=False`` turns that off."""

from __future__ import annotations

from tests.support.emulator import Emulator
from tests.support.quay_api import mirror_payload

RULE = {"rule_kind": "tag_glob_csv", "rule_value": ["dev"]}


def proxy(**values: str) -> dict:
    return {"external_registry_config": {"proxy": values}}


def test_first_proxy_value_on_config_without_proxy_object_is_dropped(emulator: Emulator) -> None:
    path = "repository/acme/nginx/mirror"
    response = emulator.api("PUT", path, json=proxy(http_proxy="http://proxy:3128"))
    assert response.status_code == 201
    assert emulator.mirror("acme", "nginx")["external_registry_config"]["proxy"] == {}
    emulator.api("PUT", path, json=proxy(http_proxy="http://proxy:3128"))
    config = emulator.mirror("acme", "nginx")["external_registry_config"]
    assert config["proxy"] == {"http_proxy": "http://proxy:3128"}


def test_only_the_first_of_several_proxy_values_is_dropped(emulator: Emulator) -> None:
    emulator.api(
        "PUT",
        "repository/acme/nginx/mirror",
        json=proxy(http_proxy="http://p:1", https_proxy="http://p:2", no_proxy=".local"),
    )
    config = emulator.mirror("acme", "nginx")["external_registry_config"]
    assert config["proxy"] == {"https_proxy": "http://p:2", "no_proxy": ".local"}


def test_proxy_values_are_kept_when_the_proxy_object_exists(emulator: Emulator) -> None:
    emulator.api("POST", "repository/acme/app/mirror", json=mirror_payload())
    emulator.api("PUT", "repository/acme/app/mirror", json=proxy(https_proxy="http://p:2"))
    config = emulator.mirror("acme", "app")["external_registry_config"]
    assert config["proxy"]["https_proxy"] == "http://p:2"


def test_seeded_orphan_rule_makes_root_rule_changes_silently_ignored(emulator: Emulator) -> None:
    response = emulator.api("PUT", "repository/acme/orphan/mirror", json={"root_rule": RULE})
    assert response.status_code == 201
    record = emulator.mirror("acme", "orphan")
    assert record["root_rule"]["rule_value"] == ["1.6*", "latest"]
    assert record["rules"] == [["dev"], ["1.6*", "latest"]]


def test_post_refused_on_robot_leaves_an_orphan_rule(emulator: Emulator) -> None:
    path = "repository/acme/app/mirror"
    bad = emulator.api("POST", path, json=mirror_payload(robot_username="globex+mirror"))
    assert bad.status_code == 400
    assert emulator.api("POST", path, json=mirror_payload()).status_code == 201
    assert emulator.api("PUT", path, json={"root_rule": RULE}).status_code == 201
    record = emulator.mirror("acme", "app")
    assert record["root_rule"]["rule_value"] == ["1.2*"]
    assert record["rules"] == [["dev"], ["1.2*"]]


def test_root_rule_change_applies_without_an_orphan(emulator: Emulator) -> None:
    emulator.api("PUT", "repository/acme/nginx/mirror", json={"root_rule": RULE})
    assert emulator.mirror("acme", "nginx")["root_rule"]["rule_value"] == ["dev"]


def test_without_quirks_proxy_values_and_rules_always_apply(emulator: Emulator) -> None:
    assert emulator.configure(quirks=False)["quirks"] is False
    emulator.api("PUT", "repository/acme/nginx/mirror", json=proxy(http_proxy="http://p:1"))
    emulator.api("PUT", "repository/acme/orphan/mirror", json={"root_rule": RULE})
    path = "repository/acme/app/mirror"
    emulator.api("POST", path, json=mirror_payload(robot_username="acme+nosuchbot"))
    emulator.api("POST", path, json=mirror_payload())
    emulator.api("PUT", path, json={"root_rule": RULE})
    nginx_proxy = emulator.mirror("acme", "nginx")["external_registry_config"]["proxy"]
    assert nginx_proxy == {"http_proxy": "http://p:1"}
    assert emulator.mirror("acme", "orphan")["root_rule"]["rule_value"] == ["dev"]
    assert emulator.mirror("acme", "app")["rules"] == [["dev"]]


def test_reset_turns_quirks_back_on(emulator: Emulator) -> None:
    emulator.configure(quirks=False)
    emulator.reset()
    assert emulator.control("GET", "config")["quirks"] is True
