"""The alerting rules shipped in docs/prometheus-rules.yml pass Prometheus' own checks:
``promtool check rules``, and ``promtool test rules`` with series shaped like /metrics says
them (tests/watch/prometheus_rules_test.yml). promtool is Debian's ``prometheus`` package
(scripts/test installs it): missing, these tests fail in CI and are skipped elsewhere."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "prometheus-rules.yml"
UNIT_TESTS = Path(__file__).with_name("prometheus_rules_test.yml")


@pytest.fixture
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing (apt-get install prometheus; scripts/test does)")
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    return found


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_the_shipped_rules_pass_promtool_check_rules(promtool):
    done = run(promtool, "check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_the_shipped_rules_fire_as_their_unit_tests_say(promtool):
    done = run(promtool, "test", "rules", str(UNIT_TESTS))
    assert done.returncode == 0, done.stdout + done.stderr
