"""The demo's organization mirrors and the source registries they mirror.

Times are relative to "now" at reset. Two more users (password ``password``, tokens as the
others'): **olivia** (``oliviademotoken…``) administers every organization below, **oscar**
(``oscardemotoken…``) is a plain member of ``orgmirror`` (no admin: Quay refuses him every
organization-mirror call). Each mirror is set up as an API call would have
left it, and the simulated worker (``org_worker``) then plays its history up to now::

    orgmirror  quay   https://quay.example.com / upstreamorg, filters [alpha beta gamma delta
               broken]; Sync now 25 s before reset: alpha and beta synced, gamma syncing,
               delta and broken queued (listing broken's tags fails at the source: TLS
               handshake timeout);
               legacy was skipped (excluded by the filters) in an earlier run; hidden is
               private at the source (an anonymous source does not see it)
    orgfail    harbor https://harbor.example.com / nosuchproject: discovery fails ("Project
               'nosuchproject' not found on Harbor registry"), retried by the worker
    orgnew     harbor https://harbor.example.com / platform, filters [api worker front*],
               never run (first run tomorrow); the project has api, worker, frontend, docs-old
    orgstuck   quay   https://quay.example.com / upstreamorg: its discovery was claimed 90 min
               ago by a worker that died (lease of 30 min ran out an hour ago); start date
               tomorrow, so the worker does not take it again before then
    orgempty   an empty organization with robot orgempty+mirror: ready to be set up

Sources: ``https://quay.example.com`` (type quay) serves ``upstreamorg`` and ``bigorg`` (45
repositories ``svc-01`` … ``svc-45``, one tag each);
``https://harbor.example.com`` (type harbor) serves ``platform`` and ``library`` (library
needs the password ``harbor-s3cret``); ``https://harbor.offline.example.com`` refuses
connections.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from . import org_worker
from .org_state import EXCLUDED, OrgMirror, OrgMirrorRepo, SourceNamespace, SourceRepo
from .state import ALL_SCOPES, Organization, Robot, Token, User

if TYPE_CHECKING:
    from .seed import Seeder

HOUR = 3600
ORGS = ("orgmirror", "orgfail", "orgnew", "orgstuck", "orgempty")


def _sources() -> list[SourceNamespace]:
    upstream = SourceNamespace("quay", "quay.example.com", "upstreamorg")
    for name, tags in (
        ("alpha", ["1.0", "latest"]),
        ("beta", ["2.0", "dev"]),
        ("gamma", ["bulk-01", "bulk-02"]),
        ("delta", ["1.1"]),
        ("legacy", ["0.9"]),
    ):
        upstream.repos[name] = SourceRepo(name, tags)
    upstream.repos["hidden"] = SourceRepo("hidden", ["1.0"], public=False)
    # Listing its tags times out in the TLS handshake: the status says "See output", the
    # reason is only in the log entry's stderr (as on real Quay).
    upstream.repos["broken"] = SourceRepo("broken", ["3.0"], failure="tls_handshake_timeout")
    platform = SourceNamespace("harbor", "harbor.example.com", "platform")
    for name, tags in (
        ("api", ["v1.0", "v1.1", "latest"]),
        ("worker", ["v1.0"]),
        ("frontend", ["2026.11", "latest"]),
        ("docs-old", ["2019"]),
    ):
        platform.repos[name] = SourceRepo(name, tags)
    big = SourceNamespace("quay", "quay.example.com", "bigorg")
    for number in range(1, 46):
        name = f"svc-{number:02d}"
        big.repos[name] = SourceRepo(name, ["latest"])
    library = SourceNamespace(
        "harbor",
        "harbor.example.com",
        "library",
        password="harbor-s3cret",  # noqa: S106 - demo
    )
    library.repos["base"] = SourceRepo("base", ["bookworm"], public=False)
    return [upstream, big, platform, library]


def _mirror(seeder: Seeder, org: str, **fields: object) -> OrgMirror:
    created = seeder.ago(2 * 86400)
    values: dict[str, object] = {
        "robot_username": f"{org}+mirror",
        "visibility": "private",
        "sync_interval": HOUR,
        "external_registry_config": {"verify_tls": True},
    }
    values.update(fields)
    mirror = OrgMirror(org=org, creation_date=created, touched_at=created, **values)  # type: ignore[arg-type]
    seeder.state.org_mirrors[org] = mirror
    metadata = mirror.enabled_metadata()
    seeder.state.add_log(org, "org_mirror_enabled", metadata, created, "olivia", "127.0.0.1")
    return mirror


def _whole(when: datetime) -> datetime:
    return when.replace(microsecond=0)


#: The organization-mirror demo users and their token ids.
USERS = {"olivia": 6, "oscar": 7}


def seed_org_mirrors(seeder: Seeder) -> None:
    state = seeder.state
    from .seed import demo_token

    for name, token_id in USERS.items():
        state.users[name] = User(name, f"{name}@example.com")
        token = demo_token(name)
        state.tokens[token] = Token(token, name, ALL_SCOPES, token_id)
    for org in ORGS:
        members = {"olivia", "oscar"} if org == "orgmirror" else {"olivia"}
        state.orgs[org] = Organization(
            org, admins={"olivia", "watcher"}, members={*members, "watcher"}
        )
        robot = f"{org}+mirror"
        created = _whole(seeder.ago(30 * 86400))
        state.robots[robot] = Robot(robot, "Organization mirroring", created, robot.upper())
    for source in _sources():
        state.org_sources[source.key] = source
    state.org_unreachable = {"harbor.offline.example.com"}

    syncing = _mirror(
        seeder,
        "orgmirror",
        external_registry_type="quay",
        external_registry_url="https://quay.example.com",
        external_namespace="upstreamorg",
        repository_filters=["alpha", "beta", "gamma", "delta", "broken"],
        sync_start_date=_whole(seeder.now + timedelta(hours=1)),
    )
    legacy = OrgMirrorRepo("legacy", 0, seeder.ago(86400), sync_status="SKIP")
    legacy.status_message = EXCLUDED
    legacy.sync_retries_remaining = 0
    syncing.repos["legacy"] = legacy
    org_worker.sync_now(syncing, seeder.ago(25))

    _mirror(
        seeder,
        "orgfail",
        external_registry_type="harbor",
        external_registry_url="https://harbor.example.com",
        external_namespace="nosuchproject",
        sync_start_date=_whole(seeder.ago(HOUR + 10)),
    )
    _mirror(
        seeder,
        "orgnew",
        external_registry_type="harbor",
        external_registry_url="https://harbor.example.com",
        external_namespace="platform",
        repository_filters=["api", "worker", "front*"],
        visibility="public",
        sync_interval=6 * HOUR,
        sync_start_date=_whole(seeder.now + timedelta(days=1)),
    )
    stuck = _mirror(
        seeder,
        "orgstuck",
        external_registry_type="quay",
        external_registry_url="https://quay.example.com",
        external_namespace="upstreamorg",
        sync_start_date=_whole(seeder.now + timedelta(days=1)),
    )
    stuck.sync_status = "SYNCING"
    stuck.sync_expiration_date = seeder.ago(HOUR)
    stuck.touched_at = seeder.ago(90 * 60)
    stuck.stalled = True
