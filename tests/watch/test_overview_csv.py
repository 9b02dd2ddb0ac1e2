"""The overview's CSV of a watched namespace: drawn from the fleet index, as the page is,
at no call per row."""

from __future__ import annotations

import csv
import io

import pytest

from dashboard.watch.poll import poll

from .conftest import calls

pytestmark = pytest.mark.django_db


def test_a_watched_namespace_comes_from_the_index_at_no_call_per_row(client_as, emulator, enrolled):
    enrolled("acme")
    poll("acme")
    client = client_as("alice")
    emulator.control("DELETE", "requests")
    response = client.get("/overview.csv?ns=acme")
    assert response.status_code == 200
    lines = {x["repository"]: x for x in csv.DictReader(io.StringIO(response.content.decode()))}
    assert lines["etcd"]["source"] == "quay.io/coreos/etcd"
    assert "pinging container registry" in lines["etcd"]["reason"]
    assert lines["python"]["status"] == "Stuck"
    made = calls(emulator)
    assert not [c for c in made if c.startswith("GET repository/acme/")], made
    assert made.count("GET repository/mirror/health") <= 1
