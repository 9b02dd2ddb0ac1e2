"""Who a request comes from (dashboard/http.py ``client_address``): the peer, unless it is a
trusted proxy; then the address the proxies report, read from the end of X-Forwarded-For."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from dashboard.http import client_address, in_networks


def address(peer: str, forwarded: str | None = None) -> str:
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=peer, **headers))


@pytest.fixture
def proxies(settings) -> None:
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.5.0/24", "192.0.2.10"]


def test_without_trusted_proxies_the_header_is_never_believed(settings):
    settings.BEHIND_PROXY = False
    assert address("10.0.5.1", "203.0.113.5") == "10.0.5.1"


def test_behind_a_proxy_alone_private_peers_are_believed_public_ones_not(settings):
    settings.BEHIND_PROXY = True
    assert address("10.0.5.1", "203.0.113.5") == "203.0.113.5"
    assert address("198.51.100.7", "203.0.113.5") == "198.51.100.7"


@pytest.mark.usefixtures("proxies")
@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("10.0.5.1", None, "10.0.5.1"),  # a probe or a scraper straight to the instance
        ("10.0.5.1", "", "10.0.5.1"),
        ("10.0.5.1", "203.0.113.5", "203.0.113.5"),
        ("10.0.5.1", "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # the first one made up
        ("10.0.5.1", "203.0.113.5, 192.0.2.10", "203.0.113.5"),  # two proxies
        ("10.0.5.1", "10.0.5.9", "10.0.5.9"),  # only proxies: the farthest one said
        ("10.0.5.1", "203.0.113.5, not-an-address", "10.0.5.1"),
        ("10.0.5.1", " 2001:db8::1 ", "2001:db8::1"),
        ("198.51.100.7", "203.0.113.5", "198.51.100.7"),  # no proxy: its own address
        ("::ffff:10.0.5.1", "203.0.113.5", "203.0.113.5"),  # a dual-stack socket's form
        ("", "203.0.113.5", "unknown"),
    ],
)
def test_the_client_is_the_first_address_past_the_trusted_proxies(peer, forwarded, client):
    assert address(peer, forwarded) == client


def test_networks_match_addresses_of_both_families():
    assert in_networks("10.1.2.3", ["10.0.0.0/8"])
    assert in_networks("2001:db8::5", ["10.0.0.0/8", "2001:db8::/32"])
    assert not in_networks("unknown", ["0.0.0.0/0"])
    assert not in_networks("11.0.0.1", ["10.0.0.0/8"])
