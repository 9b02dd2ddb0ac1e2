"""Shared fixtures: a real Quay emulator process on a free loopback port, and the demo users
signed in.

* ``emulator`` -- the emulator reset to its seed, the dashboard pointed at it
  (``tests/support/emulator.py``);
* ``client_as(user)`` -- the test's Django client signed in as a seeded user (by pasting their
  demo token); ``alice``, ``bob``, ``carol``, ``dave``, ``olivia`` and ``oscar`` are that
  client signed in as each (one client: signing in as another replaces the first);
* ``signed_in(user)`` -- a client of its own, for a test where two people act in turn;
* ``strict_client_as(user)`` -- a client of its own that checks CSRF tokens as a browser
  would, signed in through the sign-in form;
* ``no_read_cache``, ``seen`` (both ways to the whole overview).

Helpers that are not fixtures (posting the settings form, reading pages, what Quay received,
the kinds of mirror) are in ``tests/support/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.support.emulator import TOKENS, Emulator, start_emulator


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    proc, emulator = start_emulator()
    yield emulator
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(autouse=True)
def _no_answers_from_other_tests(settings) -> Iterator[None]:
    """Every test starts with an empty read cache (the emulator is reset between tests), and
    the overview starts no call in the background (a test counting calls would race it;
    tests/overview/test_prefetch.py turns it on); nor with the index or rows another test's
    overview kept (a database rolled back numbers its rows again)."""
    from django.core.cache import cache

    from dashboard.mirrors.overview import drawn, watched

    settings.OVERVIEW_PREFETCH = False
    cache.clear()
    watched.forget()
    drawn.forget()
    yield
    cache.clear()


@pytest.fixture(params=["settled", "full"])
def seen(request) -> Any:
    """Both ways to the whole overview: as a browser ends up showing it (settled) and as the
    server draws it whole (``details=all``); see ``tests/support/overview.py``."""
    from tests.support.overview import full_page, page

    return page if request.param == "settled" else full_page


@pytest.fixture
def immediate_tasks() -> Iterator[None]:
    """Background tasks (a bulk change's) run at once, in the thread that queues them (Huey's
    immediate mode): what a worker would do, done before the answer to Apply."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture
def no_read_cache(settings) -> None:
    """Every read reaches Quay: for tests that change Quay behind the dashboard's back (a
    fault, a revoked token) and look again within the read cache's few seconds."""
    settings.QUAY_READ_CACHE_SECONDS = 0


@pytest.fixture
def emulator(emulator_server: Emulator, settings) -> Emulator:
    """The emulator, reset to its seed, with the dashboard pointed at it (and nothing it
    answered before kept in the dashboard's cache)."""
    from django.core.cache import cache

    cache.clear()
    emulator_server.reset()
    settings.QUAY_URL = emulator_server.url
    return emulator_server


@pytest.fixture
def client_as(emulator: Emulator, client):
    """Sign the Django test client in as a seeded user (by pasting their demo token)."""

    def sign_in(user: str = "alice"):
        response = client.post("/accounts/login/", {"token": TOKENS[user], "next": "/"})
        assert response.status_code == 302, response.content.decode()[:500]
        return client

    return sign_in


def _fixture_for(user: str):
    def signed_in_as(client_as):
        return client_as(user)

    signed_in_as.__doc__ = f"The test's Django client, signed in as {user}."
    return pytest.fixture(signed_in_as, name=user)


#: alice administers acme, globex, initech; bob acme (a globex member); carol is a member of
#: acme without admin rights; dave a global read-only superuser; olivia administers the
#: organization-mirror organizations; oscar is a member of orgmirror without admin rights.
alice = _fixture_for("alice")
bob = _fixture_for("bob")
carol = _fixture_for("carol")
dave = _fixture_for("dave")
olivia = _fixture_for("olivia")
oscar = _fixture_for("oscar")


@pytest.fixture
def signed_in(emulator: Emulator):
    """A Django client of its own signed in as a seeded user, for a test where several people
    act in turn (``client_as`` signs the one test client in)."""

    def sign_in(user: str = "alice", **client_options: Any) -> Client:
        client = Client(**client_options)
        response = client.post("/accounts/login/", {"token": TOKENS[user], "next": "/"})
        assert response.status_code == 302, response.content.decode()[:500]
        return client

    return sign_in


@pytest.fixture
def strict_client_as(emulator: Emulator):
    """A client that checks CSRF tokens as a browser's would, signed in through the sign-in
    form (with the form's CSRF token) as a seeded user."""

    def sign_in(user: str = "alice") -> Client:
        client = Client(enforce_csrf_checks=True)
        client.get("/accounts/login/")
        token = client.cookies["csrftoken"].value
        login = {"token": TOKENS[user], "next": "/", "csrfmiddlewaretoken": token}
        response = client.post("/accounts/login/", login)
        assert response.status_code == 302, response.content.decode()[:500]
        return client

    return sign_in
