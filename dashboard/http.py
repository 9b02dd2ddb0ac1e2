"""The request type views receive, and who sent a request.

``HtmxMiddleware`` sets ``request.htmx``; ``QuayAuthMiddleware`` sets ``request.quay``
(``None`` when nobody is signed in, which ``login_required`` views never see). Views annotate
``request: HtmxHttpRequest`` instead of declaring their own class or ignoring attr errors.

:func:`client_address` is the one answer to "who is this client" (the sign-in throttle, the
networks of ``/metrics`` and the probes' details, the log lines that name a client).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from dashboard.quay.client import QuayClient

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Trusted as proxies with ``DJANGO_BEHIND_PROXY`` and no ``TRUSTED_PROXY_NETWORKS``: this
#: machine and the private networks a load balancer talks to its backends on, never a public
#: address (the same list as Rails' default trusted proxies).
PRIVATE_NETWORKS = (
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "fc00::/7",
    "fe80::/10",
)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    quay: QuayClient


@lru_cache(maxsize=32)
def _parsed(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped  # ::ffff:10.0.0.1 (a dual-stack socket) is 10.0.0.1
    return address


def in_networks(address: str, networks: Iterable[str]) -> bool:
    """Whether ``address`` (as :func:`client_address` gives it) is in one of ``networks``."""
    parsed = _address(address)
    return parsed is not None and any(parsed in network for network in _parsed(tuple(networks)))


def trusted_proxy_networks() -> tuple[str, ...]:
    """``TRUSTED_PROXY_NETWORKS``; unset, :data:`PRIVATE_NETWORKS` with ``DJANGO_BEHIND_PROXY``,
    else none (``X-Forwarded-For`` is then never believed)."""
    if settings.TRUSTED_PROXY_NETWORKS:
        return tuple(settings.TRUSTED_PROXY_NETWORKS)
    return PRIVATE_NETWORKS if settings.BEHIND_PROXY else ()


def client_address(request: HttpRequest) -> str:
    """The client's address: its connection's (the peer), unless the peer is a trusted proxy;
    then ``X-Forwarded-For`` is read from its end (each proxy appends the address it got the
    request from) past every trusted proxy, and the first address that is not one is the
    client (entries before it, the client may have made up). An entry that is not an address
    stops the walk at the last proxy that said it (a trusted proxy writes addresses only)."""
    peer = request.META.get("REMOTE_ADDR", "")
    parsed = _address(peer)
    if parsed is None:
        return "unknown"
    client = str(parsed)
    trusted = trusted_proxy_networks()
    if not trusted:
        return client
    # Several X-Forwarded-For headers arrive joined with commas, in the order they were sent.
    hops = [hop for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
    while in_networks(client, trusted) and hops:
        said = _address(hops.pop())
        if said is None:
            break
        client = str(said)
    return client


__all__ = ["HtmxHttpRequest", "client_address", "in_networks", "trusted_proxy_networks"]
