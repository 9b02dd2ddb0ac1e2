"""A proxy's credentials are never shown back: not in messages, history nor conflicts."""

from datetime import UTC, datetime

from dashboard.mirrors.changes import describe_log, format_value
from dashboard.quay.models import LogEntry


def test_a_proxy_value_is_shown_without_its_credentials():
    shown = format_value("https_proxy", "http://svc:s3cret@proxy.example:3128")
    assert "s3cret" not in shown and "svc" not in shown
    assert "proxy.example:3128" in shown


def test_quays_log_of_a_proxy_change_is_shown_without_its_credentials():
    entry = LogEntry(
        kind="repo_mirror_config_changed",
        datetime=datetime(2026, 11, 27, 12, tzinfo=UTC),
        performer="alice",
        metadata={"changed": "http_proxy", "to": "http://svc:s3cret@proxy.example:3128"},
    )
    item = describe_log(entry)
    assert "s3cret" not in str(item)
    assert "proxy.example:3128" in str(item)
