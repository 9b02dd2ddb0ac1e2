"""The ways a mirror's run fails, with the texts Quay's worker logs for each.

After ``perform_mirror`` in Quay's ``workers/repomirrorworker/__init__.py``:

* **source**: the worker re-checks the source against its SSRF rules right after claiming the
  mirror; a refused one fails at once, without a ``repo_mirror_sync_started`` entry: message
  ``Source registry location is not allowed``, ``stdout``/``stderr`` ``Not applicable``.
* **list**: ``skopeo list-tags`` fails: message ``'<ref>' with tag pattern '<rules>':
  ('skopeo list-tags failed: See output', '<stdout>', '<stderr>')`` (the exception's args
  tuple), ``stderr`` = skopeo's. Any other exception while listing (a credential that does not
  decrypt, an answer skopeo cannot parse) is ``…: INTERNAL ERROR`` with the traceback in
  ``stderr``. Most take well under a second, so the mirror goes from SYNC_NOW straight to FAIL
  for anyone polling; a dial timeout takes 30 s, a TLS handshake timeout 10 s.
* **tags**: tag copies fail: one ``repo_mirror_sync_tag_failed`` per tag, then a
  ``repo_mirror_sync_failed`` with verb ``lost`` (sic), ``…: PARTIAL SYNC`` and the failed tags
  marked ``tag(FAILED)`` when some tags made it, the bare message and ``tags: ""`` when none
  did; or the job is lost to another worker (``'<ref>' job lost``, then the same verb-``lost``
  entry: Quay's ``finally`` writes it too).

``quay_reason`` is what Quay's metrics call the failure (``_map_failure_to_reason`` takes the
first keyword found in the error text: "TLS handshake timeout" counts as a timeout, "x509:
certificate signed by unknown authority" as auth_failed ("authority"), "requested access to the
resource is denied" as unknown, and a credential that does not decrypt as unknown, its
exception having no message).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

#: Where a failure happens in a run (see the module docstring).
SOURCE, LIST, TAGS = "source", "list", "tags"

SKOPEO_LIST_FAILED = "skopeo list-tags failed: See output"
SKOPEO = 'time="{ts}" level=fatal msg="Error listing repository tags: {why}"\n'
PINGING = 'pinging container registry {host}: Get \\"https://{host}/v2/\\": '
UNREACHABLE_IP = "203.0.113.10"
TAG_COPY = (
    'time="{ts}" level=fatal msg="initializing source docker://{reference}:{tag}: reading '
    'manifest {tag} in {reference}: manifest unknown"\n'
)
WORKER = '  File "/quay-registry/workers/repomirrorworker/__init__.py", '
LISTING = (
    "Traceback (most recent call last):\n"
    f"{WORKER}line 317, in perform_mirror\n"
    "    tags = tags_to_mirror(skopeo, mirror)\n"
    "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    f"{WORKER}line 647, in tags_to_mirror\n"
    "    all_tags = get_all_tags(skopeo, mirror)\n"
    "               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
)
DECRYPTION_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/quay-registry/data/encryption.py", line 44, in _decrypt_ccm\n'
    "    decrypted = aesccm.decrypt(nonce, ct, None)\n"
    "                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    "cryptography.exceptions.InvalidTag\n"
    "\n"
    "During handling of the above exception, another exception occurred:\n"
    "\n" + LISTING + f"{WORKER}line 663, in get_all_tags\n"
    "    mirror.external_registry_username.decrypt() if mirror.external_registry_username "
    "else None\n"
    "    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    '  File "/quay-registry/data/fields.py", line 131, in decrypt\n'
    "    return encrypter.decrypt_value(self.encrypted_value)\n"
    "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    '  File "/quay-registry/data/encryption.py", line 97, in decrypt_value\n'
    "    return _VERSIONS[version_prefix].decrypt(self._secret_key, data)\n"
    "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    '  File "/quay-registry/data/encryption.py", line 48, in _decrypt_ccm\n'
    "    raise DecryptionFailureException()\n"
    "data.encryption.DecryptionFailureException\n"
)
INTERNAL_TRACEBACK = (
    LISTING + f"{WORKER}line 672, in get_all_tags\n"
    "    result = skopeo.tags(\n"
    "             ^^^^^^^^^^^^\n"
    '  File "/quay-registry/util/repomirror/skopeomirror.py", line 179, in tags\n'
    '    all_tags = json.loads(result.stdout)["Tags"]\n'
    "               ~~~~~~~~~~~~~~~~~~~~~~~~~^^^^^^^^\n"
    "KeyError: 'Tags'\n"
)


@dataclass(frozen=True)
class Failure:
    """One way a run fails."""

    name: str
    quay_reason: str
    phase: str
    #: Seconds the failing step takes after the claim (0: within the claim itself).
    seconds: float = 0.0
    #: What skopeo says (``{ts}``, ``{host}``, ``{reference}``, ``{tag}``), or a traceback.
    text: str = ""
    #: Not skopeo's failure but an exception in Quay's worker: ``INTERNAL ERROR``.
    internal: bool = False
    #: What it is, for the control API's list.
    about: str = ""

    def stderr(self, when: datetime, reference: str, tag: str = "") -> str:
        """The ``stderr`` Quay logs for it (skopeo's, or the worker's traceback)."""
        host = reference.split("/", 1)[0]
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        return self.text.format(ts=stamp, host=host, reference=reference, tag=tag)


def _skopeo(why: str) -> str:
    return SKOPEO.replace("{why}", why)


FAILURES: dict[str, Failure] = {
    failure.name: failure
    for failure in (
        Failure(
            "auth_failed",
            "auth_failed",
            LIST,
            text=_skopeo("fetching tags list: unauthorized: authentication required"),
            about="the source wants credentials the mirror does not send",
        ),
        Failure(
            "bad_credentials",
            "auth_failed",
            LIST,
            text=_skopeo(
                "fetching tags list: unable to retrieve auth token: invalid username/password: "
                "unauthorized: incorrect username or password"
            ),
            about="the source refuses the mirror's username and password",
        ),
        Failure(
            "denied",
            "unknown_error",
            LIST,
            text=_skopeo("fetching tags list: requested access to the resource is denied"),
            about="the source denies access (Docker Hub's answer for a private repository)",
        ),
        Failure(
            "tls_error",
            "tls_error",
            LIST,
            text=_skopeo(
                PINGING + "tls: failed to verify certificate: x509: certificate has expired or "
                "is not yet valid: current time {ts} is after 2025-12-31T23:59:59Z"
            ),
            about="the source's certificate has expired",
        ),
        Failure(
            "unknown_authority",
            "auth_failed",  # "authority" holds "auth", the first keyword Quay looks for
            LIST,
            text=_skopeo(
                PINGING + "tls: failed to verify certificate: x509: certificate signed by "
                "unknown authority"
            ),
            about="the source's certificate is signed by a CA Quay does not trust",
        ),
        Failure(
            "tls_handshake_timeout",
            "network_timeout",
            LIST,
            seconds=10.0,
            text=_skopeo(PINGING + "net/http: TLS handshake timeout"),
            about="the source accepts the connection and never finishes the TLS handshake",
        ),
        Failure(
            "not_found",
            "not_found",
            LIST,
            text=_skopeo("fetching tags list: invalid status code from registry 404 (Not Found)"),
            about="the source repository does not exist",
        ),
        Failure(
            "network_timeout",
            "network_timeout",
            LIST,
            seconds=30.0,
            text=_skopeo(PINGING + f"dial tcp {UNREACHABLE_IP}:443: i/o timeout"),
            about="the source does not answer (30 s dial timeout)",
        ),
        Failure(
            "connection_error",
            "connection_error",
            LIST,
            text=_skopeo(PINGING + f"dial tcp {UNREACHABLE_IP}:443: connect: connection refused"),
            about="the source refuses connections",
        ),
        Failure(
            "unknown_error",
            "unknown_error",
            LIST,
            text=_skopeo(PINGING + "http: server gave HTTP response to HTTPS client"),
            about="the source speaks plain HTTP",
        ),
        Failure(
            "decryption_failed",
            "unknown_error",
            LIST,
            text=DECRYPTION_TRACEBACK,
            internal=True,
            about="the stored credentials do not decrypt (Quay's DATABASE_SECRET_KEY changed)",
        ),
        Failure(
            "internal_error",
            "unknown_error",
            LIST,
            text=INTERNAL_TRACEBACK,
            internal=True,
            about="Quay's worker fails on the listing (an exception in its own code)",
        ),
        Failure(
            "invalid_source_registry",
            "invalid_source_registry",
            SOURCE,
            about="the source is refused by Quay's SSRF rules when the run starts",
        ),
        Failure(
            "partial_sync",
            "unknown_error",
            TAGS,
            text=TAG_COPY,
            about='some tag copies fail ("tags": which; default the first matched tag)',
        ),
        Failure(
            "preempted",
            "preempted",
            TAGS,
            about="the job is lost to another worker while it copies tags",
        ),
    )
}
#: The seed's flaky mirror: odd runs time out, even runs succeed.
ALTERNATE = "alternate"


def failure(name: str) -> Failure:
    return FAILURES[name]


def catalogue() -> list[dict[str, object]]:
    """The failures the control API can set, for ``GET /_emulator/failures``."""
    return [
        {
            "reason": f.name,
            "quay_reason": f.quay_reason,
            "phase": f.phase,
            "seconds": f.seconds,
            "about": f.about,
        }
        for f in FAILURES.values()
    ]


class Planned(Protocol):
    """Something whose runs may be planned to fail: a repository mirror, an organization
    mirror's discovery, a source repository of organization mirrors."""

    failure: str | None
    #: How many more runs fail (None: every run until cleared).
    failure_runs: int | None


def use_run(planned: Planned) -> None:
    """One planned failing run is used up; after the last, the runs succeed again."""
    if planned.failure is None or planned.failure_runs is None:
        return
    planned.failure_runs -= 1
    if planned.failure_runs < 1:
        planned.failure = planned.failure_runs = None
