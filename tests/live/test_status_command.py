"""``manage.py mirror_status NS/NAME``: the status panel's words outside a request."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.support.emulator import TOKENS
from tests.support.received import calls, clear_log


def run(*args: str) -> str:
    out = StringIO()
    call_command("mirror_status", *args, stdout=out)
    return out.getvalue()


def test_it_prints_what_the_status_panel_says_in_two_calls(emulator, monkeypatch):
    monkeypatch.setenv("QUAY_TOKEN", TOKENS["alice"])
    clear_log(emulator)
    out = run("acme/python")  # SYNCING with a lease that ran out
    lines = out.splitlines()
    assert lines[0] == "acme/python"
    assert lines[1].startswith("Stuck: the worker claimed this sync 14 h ago")
    assert "What to do: Cancel it, then press Sync now." in lines
    assert any(line.startswith("Lease expires: ") and "ago)" in line for line in lines)
    assert "Every: 1 day" in lines
    assert sorted(calls(emulator)) == [
        "GET repository/acme/python/logs",
        "GET repository/acme/python/mirror",
    ]


def test_it_says_when_there_is_no_mirror_config(emulator, monkeypatch):
    monkeypatch.setenv("QUAY_TOKEN", TOKENS["alice"])
    assert "acme/app is not mirrored (its state is NORMAL)" in run("acme/app")


def test_it_needs_a_token_from_the_environment_and_a_repository_name(emulator, monkeypatch):
    monkeypatch.delenv("QUAY_TOKEN", raising=False)
    with pytest.raises(CommandError, match="Set QUAY_TOKEN"):
        run("acme/nginx")
    monkeypatch.setenv("QUAY_TOKEN", TOKENS["alice"])
    with pytest.raises(CommandError, match="NAMESPACE/NAME"):
        run("nginx")


def test_a_revoked_token_is_a_message_not_a_traceback(emulator, monkeypatch):
    monkeypatch.setenv("QUAY_TOKEN", "x" * 40)
    with pytest.raises(CommandError, match="Quay refused"):
        run("acme/nginx")
