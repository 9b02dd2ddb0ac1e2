"""The channels, through Apprise (https://github.com/caronc/apprise): one URL names the service
and its address (``json://host/path``, ``mailtos://user:pass@host?to=…``, ``slack://…``,
``msteams://…``, ``matrixs://…``, and about a hundred more).

A channel's URL holds its secrets (a webhook's token, a mail password): it is checked here when
a rule is saved, kept sealed (``keys``), and what any page, log or message says of it is
:func:`masked` or has it removed (:func:`scrub`). Apprise's own log is kept out of the
dashboard's (it names hosts and addresses): its words reach only the rule's page, scrubbed.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

import apprise
from django.conf import settings

#: Apprise's log is read here only (``LogCapture``), never passed on to the dashboard's.
logging.getLogger("apprise").propagate = False

#: The longest URL accepted (a Teams or Matrix URL is a few hundred characters).
MAX_URL = 2048


@dataclass(frozen=True)
class Checked:
    """A channel URL as Apprise reads it: its service and masked address, or why not."""

    ok: bool
    service: str = ""
    shown: str = ""
    why: str = ""


@dataclass(frozen=True)
class Sent:
    ok: bool
    why: str = ""


def _secrets(url: str) -> list[str]:
    """The parts of ``url`` that may be secret: the whole, its user and password, its path
    segments and query values (what a service keeps its tokens in)."""
    parts = [url]
    try:
        split = urlsplit(url)
    except ValueError:
        return parts
    parts += [split.username or "", split.password or "", split.netloc]
    parts += split.path.split("/")
    parts += [pair.partition("=")[2] for pair in split.query.split("&")]
    return sorted(
        {unquote(p) for p in parts if len(p) >= 4} | {p for p in parts if len(p) >= 4},
        key=len,
        reverse=True,
    )


def scrub(text: str, url: str) -> str:
    """``text`` (Apprise's words) with every secret part of ``url`` replaced by ``•••``."""
    for part in _secrets(url):
        text = text.replace(part, "•••")
    return text


#: A shown address's user part (``user:****@``, ``u...y@``), up to its ``@``.
_USER = re.compile(r"^(?P<scheme>[^:/]+://)[^/?@]*@")


def without_user(shown: str) -> str:
    """``shown`` with its user part masked whole: for many services it is a token or an
    account id (``pover://userkey@…``, ``json://user:****@…``), and what recognises a channel
    is its service and host."""
    return _USER.sub(r"\g<scheme>****@", shown, count=1)


def masked(obj: apprise.NotifyBase) -> str:
    """What a page shows of a channel: Apprise's own privacy form of the URL (passwords and
    tokens masked: ``tgram://1...Z``), its user part masked (:func:`without_user`), cut after
    its address (paths and options may hold tokens)."""
    private = obj.url(privacy=True)
    scheme, _, rest = private.partition("://")
    address = re.split(r"[/?]", rest, maxsplit=1)[0]
    more = "/…" if rest[len(address) :].strip("/?") else ""
    return without_user(f"{scheme}://{address}{more}")


def _said(captured: str) -> str:
    lines = [" ".join(line.split()) for line in captured.splitlines() if line.strip()]
    return " ".join(dict.fromkeys(lines))  # each line once, in order


def private_address(obj: apprise.NotifyBase) -> str:
    """Why the watcher will not send to ``obj``: its host is (or resolves to) a loopback,
    private, link-local or otherwise non-public address, while ``ALERT_PRIVATE_CHANNELS`` is
    off (the default where the dashboard is exposed: a namespace's admin may not aim the
    watcher at the networks it stands in). "" when it may."""
    host = getattr(obj, "host", None)
    if settings.ALERT_PRIVATE_CHANNELS or not isinstance(host, str) or not host:
        return ""
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host.strip("[]"), None)}
    except (OSError, UnicodeError):
        return ""  # not resolvable: Apprise says it cannot reach it
    for text in sorted(found):
        address = ipaddress.ip_address(text.split("%")[0])
        if not address.is_global:
            return (
                f"its host {host} is not a public address ({address}): this dashboard sends "
                "alerts to public addresses only (ALERT_PRIVATE_CHANNELS allows others)"
            )
    return ""


def check(url: str) -> Checked:
    """Whether Apprise can send to ``url`` (and the dashboard lets it: :func:`private_address`),
    and if not, why (Apprise's reason scrubbed)."""
    url = url.strip()
    if not url:
        return Checked(False, why="Enter the channel's Apprise URL.")
    if len(url) > MAX_URL:
        return Checked(False, why=f"A channel URL has at most {MAX_URL} characters.")
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as out:
        obj = apprise.Apprise.instantiate(url)
    if obj is None:
        said = scrub(_said(out.getvalue()), url) or "it names no service Apprise knows"
        return Checked(False, why=f"Apprise cannot send to this URL: {said}")
    if why := private_address(obj):
        return Checked(False, why=f"The watcher will not send to this URL: {why}.")
    return Checked(True, service=str(obj.service_name), shown=masked(obj))


def to_mailbox(mail_url: str, address: str) -> str:
    """The dashboard's own mail URL (``ALERT_MAIL_URL``) addressed to ``address``."""
    joiner = "&" if "?" in mail_url else "?"
    return f"{mail_url}{joiner}to={quote(address, safe='@')}"


def send(url: str, title: str, body: str, *, guarded: bool = True) -> Sent:
    """One message to the channel, now (Apprise's own time-outs apply); why it failed, in
    Apprise's words with the channel's secrets removed. ``guarded``: a rule's channel, whose
    host is checked again now (:func:`private_address`; it may resolve elsewhere since it
    was saved); the dashboard's own mail (``ALERT_MAIL_URL``) is not."""
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as out:
        obj = apprise.Apprise.instantiate(url)
        if guarded and obj is not None and (why := private_address(obj)):
            return Sent(False, f"Not sent: {why}.")
        try:
            ok = obj is not None and bool(
                obj.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
            )
        except Exception as error:  # a service's plugin failing in its own code
            return Sent(False, scrub(f"Apprise failed: {type(error).__name__}: {error}", url))
    if ok:
        return Sent(True)
    said = scrub(_said(out.getvalue()), url)
    return Sent(False, said or "Apprise could not deliver it (it gave no reason)")
