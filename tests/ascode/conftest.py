"""Mirrors as code: the command run against the emulator, as a person would run it."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.support.emulator import TOKENS

#: alice's namespaces and olivia's organizations: every mirror of the emulator's seed.
SEED = {
    "alice": ["acme", "globex", "initech", "alice"],
    "olivia": ["orgmirror", "orgnew", "orgfail", "orgstuck", "orgempty"],
}


@pytest.fixture
def mirrors(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """``mirrors("export", "acme", user="alice")``: the command's standard output."""

    def run(
        *args: str, user: str = "alice", env: dict[str, str] | None = None, fails: bool = False
    ) -> str:
        """``fails``: the command may end with an error, given after its output."""
        monkeypatch.setenv("QUAY_TOKEN", TOKENS[user])
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("mirrors", *args, stdout=out, stderr=err)
        except CommandError as error:
            if not fails:
                raise
            return f"{out.getvalue()}CommandError: {error}"
        return out.getvalue()

    return run


@pytest.fixture
def exported(mirrors: Callable[..., str], tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """Export namespaces and read the file back (``data``), to change it and plan it."""

    def export(*namespaces: str, user: str = "alice") -> dict[str, Any]:
        return yaml.safe_load(mirrors("export", *namespaces, user=user))

    return export


@pytest.fixture
def planned(mirrors: Callable[..., str], tmp_path: Path) -> Callable[..., str]:
    """Write ``data`` (or text) to a file and plan it: the plan's text."""

    def plan(data: Any, user: str = "alice", **options: Any) -> str:
        path = tmp_path / "mirrors.yaml"
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        return mirrors("plan", str(path), user=user, **options)

    return plan


def entry(data: dict[str, Any], name: str) -> dict[str, Any]:
    """The file's entry of ``acme/nginx`` (a repository) or ``orgmirror`` (an organization)."""
    for item in data["mirrors"]:
        full = (
            f"{item['namespace']}/{item['repository']}"
            if "repository" in item
            else item["namespace"]
        )
        if full == name:
            return item
    raise AssertionError(f"no entry for {name}")


def step(plan: str, name: str) -> str:
    """The plan's lines of one mirror (its headline and what follows, indented)."""
    lines = plan.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"{name} (") or line.startswith(f"{name}:"):
            block = [line]
            for more in lines[i + 1 :]:
                if not more.startswith("    "):
                    break
                block.append(more.strip())
            return "\n".join(block)
    raise AssertionError(f"{name} not in the plan:\n{plan}")
