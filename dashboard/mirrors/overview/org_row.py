"""An organization mirror's row in the overview (read from Quay by ``orgs``, or from the
fleet index by ``watched``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from dashboard.mirrors import clock
from dashboard.mirrors.kinds.organization import OrgTarget
from dashboard.mirrors.overview.row_base import MirrorRow
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules.freshness import Freshness
from dashboard.mirrors.rules.org_status import OrgStatus, counts_words
from dashboard.quay.org_models import OrgMirrorConfig


@dataclass(frozen=True)
class OrgRow(MirrorRow):
    org: str
    config: OrgMirrorConfig | None = None
    status: OrgStatus | None = None
    #: Why the config could not be read ("" when it was).
    reason: str = ""
    #: Its repositories as the listing named them (for the search).
    repositories: tuple[str, ...] = field(default_factory=tuple)
    #: The repositories the search matched (shown under the row).
    matched: tuple[str, ...] = ()
    #: Quay may let the person press Sync now / Cancel (see ``Person.may_change_org``).
    may_change: bool = True
    #: No organization mirror, and the person may set one up here: an empty organization
    #: they administer (``section`` lists these apart: no row, no count).
    settable: bool = False

    @classmethod
    def of(
        cls,
        org: str,
        config: OrgMirrorConfig,
        now: datetime,
        person: Person | None,
        repositories: Iterable[str] = (),
    ) -> OrgRow:
        """The row of ``org``'s mirror ``config`` at ``now``, its status as its kind says it,
        with its buttons only where Quay may let ``person`` use them."""
        may_change = person is None or person.may_change_org(org)
        status = OrgTarget(org).describe(config, now)
        return cls(org, config, status, repositories=tuple(repositories), may_change=may_change)

    @property
    def key(self) -> str:
        return self.status.key if self.status else "error"

    @property
    def rank(self) -> int:
        return self.status.rank if self.status else 0

    @property
    def counts_words(self) -> str:
        return counts_words(self.config) if self.config else ""

    @property
    def target(self) -> OrgTarget:
        return OrgTarget(self.org)

    @property
    def full_name(self) -> str:
        return self.org

    @property
    def external_reference(self) -> str:
        """Its source (``https://quay.example.com/upstreamorg``), as a repository row's."""
        return self.config.source if self.config else ""

    @property
    def freshness(self) -> Freshness | None:
        """What ``rules.freshness`` can tell from its config alone: its settings keep no last
        success (only its repositories have one), so disabled, or never synced past its first
        start; nothing else. Quay's organization worker is not known to stop at zero
        retries: never "will not run again" from them."""
        return self.judged(clock.now(), retries=None)
