"""requirements.lock (what scripts/bootstrap.sh installs) agrees with pyproject.toml: every
dependency is pinned, at a version pyproject.toml allows, with its hashes."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.emulator import ROOT


def pins() -> dict[str, tuple[str, list[str]]]:
    text = (ROOT / "requirements.lock").read_text()
    found = {}
    for match in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)((?:\s*\\\n\s+--hash=\S+)*)", text, re.M):
        hashes = re.findall(r"--hash=(sha256:[0-9a-f]{64})", match.group(3))
        found[canonicalize_name(match.group(1))] = (match.group(2), hashes)
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]
    ]


def test_every_dependency_is_pinned_at_a_version_pyproject_allows():
    locked = pins()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is not in requirements.lock: run scripts/lock"
        version, _ = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {name}=={version}, which pyproject.toml does not allow "
            f"({requirement}): run scripts/lock"
        )
        for extra in requirement.extras:  # psycopg[binary]: its extra's package too
            assert canonicalize_name(f"{name}-{extra}") in locked, f"{name}[{extra}]"


def test_every_pin_has_its_hashes():
    locked = pins()
    assert len(locked) > 20
    for name, (_, hashes) in locked.items():
        assert hashes, f"{name} has no hash in requirements.lock"
