"""The emulator's demo data, rebuilt on start and on every ``POST /_emulator/reset``.

All times are relative to "now" at reset. Every user's password is ``password``.

Users and access tokens (scopes ``repo:read repo:write repo:admin repo:create org:admin
user:read``; token = ``(name + "demotoken").ljust(40, "0")``)::

    alice  alicedemotoken00000000000000000000000000  admin of acme, globex, initech, alice
    bob    bobdemotoken0000000000000000000000000000  admin of acme; globex member, no repo rights
    carol  caroldemotoken00000000000000000000000000  member of acme, reads its repos, no admin
    dave   davedemotoken000000000000000000000000000  global read-only superuser, no memberships
    alice  alicelimitedtoken00000000000000000000000  alice with scopes repo:read user:read only

OAuth application "Mirror Dashboard (demo)", owned by org ``acme`` (so only alice and bob
may authorize it); client id/secret = Django settings QUAY_CLIENT_ID / QUAY_CLIENT_SECRET;
redirect URI = ``--redirect-uri`` (matched by prefix).

Robots: ``acme+mirror``, ``acme+ci``, ``globex+mirror``, ``initech+mirror``, ``alice+mirror``.

Repositories (state MIRROR unless noted; robot ``<namespace>+mirror``; interval 6 h unless
noted; "retry in ~1 min": the worker picks the failed mirror up about a minute after reset)::

    acme/nginx     SUCCESS   docker.io/library/nginx ["1.2*", "latest"], synced 3 h ago; local
                             tags include "1.23", which upstream no longer has: the next
                             successful sync deletes it
    acme/redis     SUCCESS   docker.io/library/redis ["7.*", "latest"], interval 12 h
    acme/etcd      FAIL      quay.io/coreos/etcd ["v3.5.*"], retries 2; always fails (x509:
                             certificate signed by unknown authority), retry in ~1 min
    acme/postgres  FAIL      docker.io/library/postgres ["16*", "17*"], retries 0 (gave up;
                             the worker skips retries 0: it waits for Sync Now); always
                             fails (requested access to the resource is denied)
    acme/alpine    SYNCING   docker.io/library/alpine ["3.*", "latest"], claimed 30 s ago,
                             sync lasts 60 s, then SUCCESS
    acme/busybox   SYNC_NOW  docker.io/library/busybox ["1.36*"], queued by bob; claimed
                             ~45 s after reset
    acme/python    SYNCING   docker.io/library/python ["3.12*"], claimed 14 h ago, lease
                             expired 2 h ago (worker died): stuck until cancelled (Quay's
                             worker never claims a SYNCING mirror again)
    acme/ubuntu    NEVER_RUN docker.io/library/ubuntu ["2*.04"], start in 2 days
    acme/debian    CANCEL    docker.io/library/debian ["bookworm", "trixie"]: its run failed
                             (connection refused) 2 h ago, bob cancelled its retry
    acme/golang    SUCCESS   docker.io/library/golang ["1.2*"], is_enabled false
    acme/node      MIRROR state, no mirror config
    acme/orphan    SUCCESS   docker.io/library/memcached ["1.6*", "latest"]; a POST with an
                             invalid robot left an orphan rule ["v1.*"] first, so PUTs of
                             root_rule answer 201 and change nothing (quirk)
    acme/app       NORMAL (not mirrored)
    acme/web       NORMAL (not mirrored)
    acme/broken    NEVER_RUN docker.io/library/doesnotexist ["*"]: upstream does not exist,
                             any sync FAILs with skopeo's 404 message; start tomorrow
    acme/flaky     SUCCESS   ghcr.io/acme-corp/flaky-service ["v*"], interval 1 h,
                             credentials stored (username svc-flaky, password s3cr3t-flaky),
                             which the source requires (other credentials, or none, fail);
                             alternates: next run fails (i/o timeout after 30 s), the one
                             after succeeds
    globex/mysql   SUCCESS   docker.io/library/mysql ["8.*", "latest"]
    globex/traefik FAIL      docker.io/library/traefik ["v3.*"], retries 1; always fails
                             (requested access to the resource is denied), retry in ~1 min
    globex/internal NORMAL
    initech/grafana SUCCESS  docker.io/grafana/grafana ["11.*"], interval 1 h, synced 4 h
                             ago, start date tomorrow (held back): late
    initech/loki   NEVER_RUN docker.io/grafana/loki ["3.*"], start in 1 day
    alice/tools    SUCCESS   ghcr.io/alice/tools ["v*", "latest"], robot alice+mirror
    alice/scratch  NORMAL

``--repos N`` adds mirrored repositories ``bulk-0001`` ... spread round-robin over acme,
globex, initech and alice, cycling through SUCCESS, SUCCESS, NEVER_RUN, FAIL (retries 3,
next interval), SYNCING (long sync), CANCEL, SUCCESS (disabled), SYNC_NOW.

Upstream registries are simulated by the tag lists in ``UPSTREAM_TAGS``; a sync of any
other external reference fails like a missing repository (skopeo 404), and one of a source in
``UPSTREAM_CREDENTIALS`` without its credentials fails like an unauthorized one. Other
failures are planned through the control API (``failures.py``).
Seeded mirrors carry a history of worker and configuration logs from the last day.

Organization mirrors (``orgmirror``, ``orgfail``, ``orgnew``, ``orgstuck``) and an empty
organization ready for one (``orgempty``): see ``seed_orgs.py``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from . import sync
from .audit import config_changed
from .seed_orgs import seed_org_mirrors
from .state import (
    ALL_SCOPES,
    Mirror,
    Organization,
    Repository,
    Robot,
    State,
    Token,
    User,
)

HOUR = 3600
UPSTREAM_TAGS: dict[str, list[str]] = {
    "docker.io/library/nginx": [
        "1.24", "1.25.3", "1.26.0", "1.27", "1.27.1", "latest", "mainline", "stable", "alpine",
    ],
    "docker.io/library/redis": ["6.2", "7.0", "7.2", "7.2.4", "7.4", "latest", "alpine"],
    "quay.io/coreos/etcd": ["v3.4.27", "v3.5.9", "v3.5.12", "v3.5.15", "latest"],
    "docker.io/library/postgres": ["13", "14", "15", "16", "16.2", "17", "latest", "alpine"],
    "docker.io/library/alpine": ["3.17", "3.18", "3.19", "3.20", "edge", "latest"],
    "docker.io/library/busybox": ["1.35", "1.36", "1.36.1", "latest", "musl", "glibc"],
    "docker.io/library/python": ["3.10", "3.11", "3.12", "3.12-slim", "3.13", "latest"],
    "docker.io/library/ubuntu": ["20.04", "22.04", "24.04", "jammy", "noble", "latest"],
    "docker.io/library/debian": ["bullseye", "bookworm", "trixie", "stable", "latest"],
    "docker.io/library/golang": ["1.21", "1.22", "1.23", "latest", "alpine"],
    "docker.io/library/node": ["18", "20", "22", "lts", "latest"],
    "docker.io/library/memcached": ["1.5", "1.6", "1.6.21", "latest", "alpine"],
    "ghcr.io/acme-corp/flaky-service": ["v1.0.0", "v1.1.0", "v1.2.0", "latest"],
    "docker.io/library/mysql": ["5.7", "8.0", "8.4", "9.0", "latest"],
    "docker.io/library/traefik": ["v2.10", "v2.11", "v3.0", "v3.1", "latest"],
    "docker.io/grafana/grafana": ["10.4.0", "11.0.0", "11.1.0", "11.2.0", "latest"],
    "docker.io/grafana/loki": ["2.9.0", "3.0.0", "3.1.0", "latest"],
    "ghcr.io/alice/tools": ["v0.1.0", "v0.2.0", "v0.3.0", "latest", "dev"],
    "quay.io/prometheus/prometheus": ["v2.53.0", "v2.54.1", "v3.0.0", "latest"],
    "docker.io/library/hello-world": ["latest", "linux", "nanoserver"],
}  # fmt: skip
#: Sources that need credentials: a run without them, or with others, fails to list tags.
UPSTREAM_CREDENTIALS = {
    "ghcr.io/acme-corp/flaky-service": ("svc-flaky", "s3cr3t-flaky"),
}
SEED_UA = "Mozilla/5.0 (X11; Linux x86_64) Quay/3.15"
TOKEN_IDS = {"alice": 1, "bob": 2, "carol": 3, "dave": 4, "watcher": 8}


def demo_token(name: str) -> str:
    return (name + "demotoken").ljust(40, "0")


def _robot_token(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:64].upper()


def _whole(when: datetime) -> datetime:
    return when.replace(microsecond=0)


def _m(repo: Repository) -> Mirror:
    """The mirror config of a seeded repository (always present where used)."""
    assert repo.mirror is not None
    return repo.mirror


class Seeder:
    """Builds the seed into a ``State``; helpers create repositories with a history."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.now = state.now()

    def ago(self, seconds: float) -> datetime:
        return self.now - timedelta(seconds=seconds)

    # ---------------------------------------------------------------- people
    def people(self) -> None:
        state = self.state
        # watcher: the dashboard's watcher's own user (docs/watching.md), admin of every
        # organization, its token given to the watcher only.
        for name in ("alice", "bob", "carol", "watcher"):
            state.users[name] = User(name, f"{name}@example.com")
        state.users["dave"] = User("dave", "dave@example.com", global_readonly_superuser=True)
        state.orgs["acme"] = Organization(
            "acme",
            admins={"alice", "bob", "watcher"},
            readers={"carol"},
            members={"alice", "bob", "carol", "watcher"},
        )
        state.orgs["globex"] = Organization(
            "globex", admins={"alice", "watcher"}, members={"alice", "bob", "watcher"}
        )
        state.orgs["initech"] = Organization(
            "initech", admins={"alice", "watcher"}, members={"alice", "watcher"}
        )
        for name in ("acme+mirror", "acme+ci", "globex+mirror", "initech+mirror", "alice+mirror"):
            purpose = "CI pushes" if name.endswith("+ci") else "Repository mirroring"
            created = _whole(self.ago(30 * 86400))
            state.robots[name] = Robot(name, purpose, created, _robot_token(name))
        for name, token_id in TOKEN_IDS.items():
            token = demo_token(name)
            state.tokens[token] = Token(token, name, ALL_SCOPES, token_id)
        limited = "alicelimitedtoken".ljust(40, "0")
        state.tokens[limited] = Token(limited, "alice", frozenset({"repo:read", "user:read"}), 5)
        state.next_token_id = 10
        state.upstream_tags = {ref: list(tags) for ref, tags in UPSTREAM_TAGS.items()}
        state.upstream_credentials = dict(UPSTREAM_CREDENTIALS)

    # ----------------------------------------------------------- repositories
    def repo(self, namespace: str, name: str, state: str = "NORMAL", **kw: Any) -> Repository:
        digest = hashlib.sha256(f"{namespace}/{name}".encode()).hexdigest()
        token = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        repo = Repository(namespace, name, state=state, status_token=token, **kw)
        self.state.repos[(namespace, name)] = repo
        return repo

    def pushed(self, repo: Repository, names: list[str], age: float) -> None:
        for name in names:
            sync.put_tag(self.state, repo, f"local/{repo.full_name}", name, self.ago(age))

    def mirrored(
        self,
        namespace: str,
        name: str,
        reference: str,
        patterns: list[str],
        *,
        created_by: str = "alice",
        created_ago: float = 20 * HOUR,
        interval: int = 6 * HOUR,
        start: datetime | None = None,
        **mirror_fields: Any,
    ) -> Repository:
        """A repository in MIRROR state with a config created ``created_ago`` seconds ago."""
        repo = self.repo(namespace, name, "MIRROR", description=f"Mirror of {reference}")
        repo.rules.append(list(patterns))
        repo.mirror = Mirror(
            external_reference=reference,
            robot_username=f"{namespace}+mirror",
            rule_index=len(repo.rules) - 1,
            sync_interval=interval,
            sync_start_date=start or _whole(self.ago(created_ago - 60)),
            external_registry_config={"verify_tls": True, "unsigned_images": False},
            touched_at=self.ago(created_ago),
            **mirror_fields,
        )
        self.change(repo, created_by, created_ago, "external_reference", reference)
        return repo

    def change(self, repo: Repository, user: str, ago: float, changed: str, to: Any) -> None:
        config_changed(self.state, repo, self.ago(ago), user, TOKEN_IDS[user], SEED_UA, changed, to)

    def run(self, repo: Repository, ago: float, duration: float = 6.0) -> None:
        """Replay one worker run that started ``ago`` seconds ago (a scheduled run)."""
        mirror = _m(repo)
        claimed = self.ago(ago)
        if mirror.sync_status != "FAIL" or mirror.sync_start_date is None:
            mirror.sync_start_date = _whole(claimed - timedelta(seconds=2))
        mirror.sync_duration, default = duration, mirror.sync_duration
        sync.claim(self.state, repo, claimed)
        mirror.sync_duration = default
        if mirror.run is not None:  # (a listing that fails at once ended within the claim)
            sync.finish(self.state, repo, mirror.run.finish_at)

    # ------------------------------------------------------------------ acme
    def acme(self) -> None:
        nginx = self.mirrored("acme", "nginx", "docker.io/library/nginx", ["1.2*"])
        self.run(nginx, 20 * HOUR - 120)
        self.change(nginx, "bob", 5 * HOUR, "mirror_rule", ["1.2*", "latest"])
        nginx.rules[0] = ["1.2*", "latest"]
        self.run(nginx, 3 * HOUR + 6)
        self.pushed(nginx, ["1.23"], 9 * 86400)

        redis = self.mirrored(
            "acme", "redis", "docker.io/library/redis", ["7.*", "latest"], interval=12 * HOUR
        )
        self.run(redis, HOUR)

        etcd = self.mirrored(
            "acme",
            "etcd",
            "quay.io/coreos/etcd",
            ["v3.5.*"],
            created_by="bob",
            failure="unknown_authority",
        )
        _m(etcd).sync_start_date = _whole(self.ago(HOUR))
        self.run(etcd, 10 * 60)
        _m(etcd).touched_at = self.now + timedelta(seconds=55)

        postgres = self.mirrored(
            "acme", "postgres", "docker.io/library/postgres", ["16*", "17*"], failure="denied"
        )
        _m(postgres).sync_start_date = _whole(self.ago(3 * HOUR))
        for ago in (2 * HOUR, 2 * HOUR - 60, 2 * HOUR - 120):
            self.run(postgres, ago)
        mirror = postgres.mirror
        assert mirror is not None
        mirror.sync_retries_remaining = 0

        alpine = self.mirrored(
            "acme", "alpine", "docker.io/library/alpine", ["3.*", "latest"], sync_duration=60.0
        )
        self.run(alpine, 6 * HOUR + 40)
        _m(alpine).sync_start_date = _whole(self.ago(40))
        sync.claim(self.state, alpine, self.ago(30))

        busybox = self.mirrored("acme", "busybox", "docker.io/library/busybox", ["1.36*"])
        self.run(busybox, 8 * HOUR)
        sync.sync_now(self.state, busybox, self.ago(5))
        self.change(busybox, "bob", 5, "sync_status", "SYNC_NOW")
        _m(busybox).touched_at = self.now + timedelta(seconds=43)

        python = self.mirrored(
            "acme", "python", "docker.io/library/python", ["3.12*"], interval=24 * HOUR,
            created_ago=23 * HOUR,
        )  # fmt: skip
        _m(python).sync_start_date = _whole(self.ago(14 * HOUR + 30))
        sync.claim(self.state, python, self.ago(14 * HOUR))
        _m(python).run = None  # the worker died
        tomorrow = _whole(self.now + timedelta(days=1))
        _m(python).sync_start_date = tomorrow
        self.change(python, "bob", HOUR, "sync_start_date", sync.epoch(tomorrow))

        self.mirrored(
            "acme", "ubuntu", "docker.io/library/ubuntu", ["2*.04"], created_ago=HOUR,
            start=_whole(self.now + timedelta(days=2)),
        )  # fmt: skip

        debian = self.mirrored("acme", "debian", "docker.io/library/debian", ["bookworm", "trixie"])
        _m(debian).failure, _m(debian).failure_runs = "connection_error", 1
        self.run(debian, 2 * HOUR + 40)  # the run fails (connection refused) ...
        _m(debian).sync_duration = 60.0
        sync.claim(self.state, debian, self.ago(2 * HOUR))  # ... its retry is cancelled
        sync.cancel(self.state, debian, self.ago(2 * HOUR - 35))
        self.change(debian, "bob", 2 * HOUR - 35, "sync_status", "SYNC_CANCEL")
        _m(debian).sync_duration = None

        golang = self.mirrored("acme", "golang", "docker.io/library/golang", ["1.2*"])
        self.run(golang, 8 * HOUR)
        _m(golang).is_enabled = False
        self.change(golang, "alice", 7 * HOUR, "is_enabled", False)

        self.repo("acme", "node", "MIRROR", description="Waiting for a mirror configuration")

        orphan = self.repo("acme", "orphan", "MIRROR", description="Mirror of memcached")
        orphan.rules.append(["v1.*"])  # left by a POST that failed on an invalid robot
        orphan.rules.append(["1.6*", "latest"])
        orphan.mirror = Mirror(
            external_reference="docker.io/library/memcached",
            robot_username="acme+mirror",
            rule_index=1,
            sync_interval=6 * HOUR,
            sync_start_date=_whole(self.ago(4 * HOUR)),
            external_registry_config={"verify_tls": True, "unsigned_images": False},
            touched_at=self.ago(4 * HOUR),
        )
        self.change(orphan, "alice", 4 * HOUR, "external_reference", "docker.io/library/memcached")
        self.run(orphan, 2 * HOUR)

        app = self.repo("acme", "app", description="The acme application")
        self.pushed(app, ["latest", "v2.3.0", "v2.4.0"], 2 * 86400)
        web = self.repo("acme", "web", description="Public web frontend", is_public=True)
        self.pushed(web, ["latest", "2026.11"], 86400)

        self.mirrored(
            "acme", "broken", "docker.io/library/doesnotexist", ["*"], created_ago=2 * HOUR,
            start=_whole(self.now + timedelta(days=1)),
        )  # fmt: skip

        flaky = self.mirrored(
            "acme", "flaky", "ghcr.io/acme-corp/flaky-service", ["v*"], interval=HOUR,
            failure="alternate", external_registry_username="svc-flaky",
            external_registry_password="s3cr3t-flaky",  # noqa: S106 - demo credential
        )  # fmt: skip
        for ago in (3 * HOUR + 20, 2 * HOUR + 20, HOUR + 20, 20 * 60):
            self.run(flaky, ago)  # fails, succeeds, fails, succeeds: the next run fails
        later = _whole(self.now + timedelta(minutes=35))
        _m(flaky).sync_start_date = later
        self.change(flaky, "alice", 10 * 60, "sync_start_date", sync.epoch(later))

    # ------------------------------------------------------- other namespaces
    def others(self) -> None:
        mysql = self.mirrored("globex", "mysql", "docker.io/library/mysql", ["8.*", "latest"])
        self.run(mysql, 2 * HOUR)
        traefik = self.mirrored(
            "globex", "traefik", "docker.io/library/traefik", ["v3.*"], failure="denied"
        )
        _m(traefik).sync_start_date = _whole(self.ago(HOUR))
        self.run(traefik, 30 * 60)
        self.run(traefik, 29 * 60)
        _m(traefik).touched_at = self.now + timedelta(seconds=58)
        internal = self.repo("globex", "internal", description="Internal builds")
        self.pushed(internal, ["latest", "build-1024"], 3 * 86400)

        grafana = self.mirrored(
            "initech", "grafana", "docker.io/grafana/grafana", ["11.*"], interval=HOUR
        )
        self.run(grafana, 4 * HOUR)
        _m(grafana).sync_start_date = _whole(self.now + timedelta(days=1))  # late: see above
        self.mirrored(
            "initech", "loki", "docker.io/grafana/loki", ["3.*"], created_ago=3 * HOUR,
            start=_whole(self.now + timedelta(days=1)),
        )  # fmt: skip

        tools = self.mirrored("alice", "tools", "ghcr.io/alice/tools", ["v*", "latest"])
        self.run(tools, 90 * 60)
        scratch = self.repo("alice", "scratch", description="Experiments")
        self.pushed(scratch, ["latest"], 86400)

    # ------------------------------------------------------------------ bulk
    def bulk(self, count: int) -> None:
        namespaces = ("acme", "globex", "initech", "alice")
        references = list(UPSTREAM_TAGS)
        kinds = (
            "SUCCESS", "SUCCESS", "NEVER_RUN", "FAIL", "SYNCING", "CANCEL", "DISABLED", "SYNC_NOW",
        )  # fmt: skip
        for index in range(1, count + 1):
            namespace = namespaces[(index - 1) % len(namespaces)]
            reference = references[(index - 1) % len(references)]
            kind = kinds[(index - 1) % len(kinds)]
            repo = self.mirrored(
                namespace, f"bulk-{index:04d}", reference, ["*"], created_ago=10 * HOUR
            )
            mirror = repo.mirror
            assert mirror is not None
            if kind in ("SUCCESS", "DISABLED"):
                self.run(repo, 2 * HOUR)
                mirror.is_enabled = kind == "SUCCESS"
            elif kind == "NEVER_RUN":
                mirror.sync_start_date = _whole(self.now + timedelta(days=1))
            elif kind == "FAIL":
                mirror.failure = "not_found"
                mirror.sync_start_date = _whole(self.ago(3 * HOUR))
                for ago in (3 * HOUR, 3 * HOUR - 60, 3 * HOUR - 120):
                    self.run(repo, ago)
            elif kind == "SYNCING":
                mirror.sync_duration = 900.0
                mirror.sync_start_date = _whole(self.ago(60))
                sync.claim(self.state, repo, self.ago(30))
            elif kind == "CANCEL":
                mirror.sync_start_date = _whole(self.ago(HOUR))
                sync.claim(self.state, repo, self.ago(HOUR))
                sync.cancel(self.state, repo, self.ago(HOUR - 2))
            else:
                self.run(repo, 5 * HOUR)
                sync.sync_now(self.state, repo, self.ago(2))
                mirror.touched_at = self.now + timedelta(seconds=60)


def load_seed(state: State, extra_repos: int = 0) -> None:
    """Fill an empty ``State`` with the demo data (see the module docstring)."""
    seeder = Seeder(state)
    seeder.people()
    seeder.acme()
    seeder.others()
    seeder.bulk(extra_repos)
    seed_org_mirrors(seeder)
    sync.track_all(state)
    # The organization mirrors' worker history up to now (their discoveries and syncs).
    sync.advance(state, seeder.now)
