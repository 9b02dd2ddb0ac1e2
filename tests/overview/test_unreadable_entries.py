"""One unreadable entry of Quay's mirror health spoils only its own row of the overview: the
first paint draws every other row from the report, and that one from its own settings once
its details come (a date that is not one, a status not known: it blanked the namespace)."""

from __future__ import annotations

import pytest

from tests.support.overview import first_paint, row_html, rows_of
from tests.support.pages import text_of

pytestmark = pytest.mark.django_db

HEALTH = "/api/v1/repository/mirror/health"


@pytest.mark.parametrize(
    "spoil",
    [
        {"field": "last_sync", "value": "last tuesday"},
        {"field": "sync_status", "value": "EXPLODED"},
        {"field": "repository", "value": 17},
    ],
    ids=["a date", "a status", "a name that is a number"],
)
def test_one_unreadable_health_entry_spoils_only_its_own_row(
    client_as, emulator, seen, no_read_cache, spoil
):
    alice = client_as("alice")
    drawn, settled = rows_of(first_paint(alice)), rows_of(seen(alice))
    assert drawn["acme/etcd"] == "fail" and drawn["acme/nginx"] == "success"
    emulator.configure(garble={HEALTH: {"entry": "etcd", **spoil}})
    first = rows_of(first_paint(alice))
    # Not drawn from the report (or, its name unreadable, from the listing): its details next.
    assert first.pop("acme/etcd", "pending") == "pending"
    assert first == {name: status for name, status in drawn.items() if name != "acme/etcd"}
    assert rows_of(seen(alice)) == settled  # then read from its settings: failed, as it is


def test_a_reader_who_sees_only_the_report_is_told_why_that_row_has_no_status(
    client_as, emulator, seen, no_read_cache
):
    carol = client_as("carol")  # a member of acme: its rows come from the report alone
    assert rows_of(seen(carol))["acme/etcd"] == "fail"
    emulator.configure(garble={HEALTH: {"entry": "etcd", "field": "last_sync", "value": "x"}})
    html = seen(carol)
    assert rows_of(html)["acme/nginx"] == "success"
    etcd = text_of(row_html(html, "acme/etcd"))
    # Drawn whole: why it has no status; in steps: its settings refused too, and why.
    assert "Quay's mirror health entry for it could not be read" in etcd
    assert "(see above)" not in etcd
