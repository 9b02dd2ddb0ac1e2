"""docs/mirrors-as-code.schema.json says what the code reads and writes: the same fields for
each kind, and every exported entry fits it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.mirrors.ascode.document import document_fields
from dashboard.mirrors.kinds.organization import OrgTarget
from dashboard.mirrors.kinds.repository import RepoTarget

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "docs" / "mirrors-as-code.schema.json").read_text()
)
IDENTITY = {"kind", "namespace", "fingerprint"}


@pytest.mark.parametrize(
    ("kind", "target", "own"),
    [
        ("repository", RepoTarget("acme", "nginx"), {"repository", "state"}),
        ("organization", OrgTarget("orgmirror"), set()),
    ],
)
def test_the_schema_has_the_fields_the_code_reads(kind, target, own):
    properties = SCHEMA["$defs"][kind]["properties"]
    assert set(properties) == IDENTITY | own | set(document_fields(target))
    network = properties["external_registry_config"]["properties"]
    assert set(network) - {"proxy"} == {"verify_tls", "unsigned_images"} & set(target.fields)


@pytest.mark.django_db
def test_every_exported_entry_has_only_the_schemas_fields(exported):
    for user, namespaces in (("alice", ["acme"]), ("olivia", ["orgmirror", "orgnew"])):
        data = exported(*namespaces, user=user)
        assert set(data) <= set(SCHEMA["properties"])
        for item in data["mirrors"]:
            properties = SCHEMA["$defs"][item["kind"]]["properties"]
            assert set(item) <= set(properties), item["namespace"]
            assert set(SCHEMA["$defs"][item["kind"]]["required"]) <= set(item)
