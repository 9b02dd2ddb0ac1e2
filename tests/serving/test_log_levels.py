"""The log keeps warnings for what an operator must look at (issue 10, item 8): answers the
dashboard expects (the superuser probe's 403, an unconfigured mirror's 404, a refusal) are
not logged as warnings, nor even at INFO; Quay failing is a warning."""

from __future__ import annotations

import logging

import pytest

from tests.support.overview import settle

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("user", ["alice", "bob", "carol", "dave"])
def test_an_overview_load_logs_nothing_for_answers_the_dashboard_expects(
    client_as, emulator, caplog, user
):
    client = client_as(user)
    with caplog.at_level(logging.DEBUG, logger="dashboard"):
        settle(client, "/")
        client.get("/repo/acme/node/")
    loud = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("dashboard") and record.levelno >= logging.INFO
    ]
    assert loud == []
    # They are still there for whoever turns DEBUG on.
    assert any("Quay answered 40" in record.getMessage() for record in caplog.records)


def test_quay_failing_is_a_warning(client_as, emulator, caplog, no_read_cache):
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/nginx/mirror": 500})
    with caplog.at_level(logging.INFO, logger="dashboard"):
        client.get("/repo/acme/nginx/")
    assert any(
        record.levelno == logging.WARNING and "Quay answered 500" in record.getMessage()
        for record in caplog.records
    )
