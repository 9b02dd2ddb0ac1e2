"""The database not answering is a page in the dashboard's words, 503 with Retry-After, never a
500 (dashboard/unavailable.py); any other failure is still the 500 page. The production-shape
test (tests/production/test_dependencies_down.py) stops a real PostgreSQL; this one makes the
session's read fail, wherever in the request it happens."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_that_does_not_answer_is_a_503_in_the_dashboards_words(
    monkeypatch, client_as, error
):
    client = client_as("alice")
    client.raise_request_exception = False

    def fails(self: SessionStore) -> dict:
        raise error('connection to server at "10.1.2.3", port 5432 failed: Connection refused')

    monkeypatch.setattr(SessionStore, "load", fails)
    response = client.get("/repo/acme/redis/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    text = response.content.decode()
    assert "The dashboard's database does not answer" in text
    assert "10.1.2.3" not in text and "Traceback" not in text


@pytest.mark.django_db
def test_any_other_failure_is_still_the_500_page(monkeypatch, client_as):
    client: Client = client_as("alice")
    client.raise_request_exception = False

    def fails(self: SessionStore) -> dict:
        raise RuntimeError("a bug")

    monkeypatch.setattr(SessionStore, "load", fails)
    response = client.get("/repo/acme/redis/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
