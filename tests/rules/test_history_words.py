"""How Quay's log entries and values are shown: no credentials, plain reasons."""

from datetime import UTC, datetime

from dashboard.mirrors.rules.changes import format_value
from dashboard.mirrors.rules.history import describe_log
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


def test_a_failed_sync_in_the_history_gives_skopeos_reason_not_quays_raw_tuple():
    # metadata as real Quay logged it (reference transcript, B2)
    stderr = (
        'time="2026-11-27T16:47:32Z" level=fatal msg="Error listing repository tags: '
        'fetching tags list: invalid status code from registry 404 (Not Found)"\n'
    )
    entry = LogEntry(
        kind="repo_mirror_sync_failed",
        datetime=datetime(2026, 11, 27, 16, 47, 32, tzinfo=UTC),
        performer=None,
        metadata={
            "message": "'127.0.0.1:5000/library/doesnotexist' with tag pattern '*': "
            f"('skopeo list-tags failed: See output', '', {stderr!r})",
            "stderr": stderr,
            "verb": "end",
        },
    )
    text = str(describe_log(entry))
    assert "invalid status code from registry 404 (Not Found)" in text
    assert "See output" not in text


def test_a_cancel_quay_logs_as_a_failed_sync_is_no_failure_in_the_history():
    """Quay logs a person's Cancel as ``repo_mirror_sync_failed`` with verb "Cancelled"."""
    entry = LogEntry(
        kind="repo_mirror_sync_failed",
        datetime=datetime(2026, 11, 27, 12, tzinfo=UTC),
        performer=None,
        metadata={"verb": "Cancelled", "message": "'docker.io/library/nginx' with tag pattern '*'"},
    )
    item = describe_log(entry)
    assert (item.kind, item.text) == ("other", "Sync stopped by a cancel")
    assert item.cause == ""


def test_a_failed_sync_in_the_history_names_the_cause_quay_files_it_under():
    stderr = (
        'time="2026-11-27T16:47:32Z" level=fatal msg="Error listing repository tags: '
        'fetching tags list: invalid status code from registry 404 (Not Found)"\n'
    )
    entry = LogEntry(
        kind="repo_mirror_sync_failed",
        datetime=datetime(2026, 11, 27, 16, 47, 32, tzinfo=UTC),
        performer=None,
        metadata={
            "message": "'127.0.0.1:5000/library/doesnotexist' with tag pattern '*': "
            f"('skopeo list-tags failed: See output', '', {stderr!r})",
            "stderr": stderr,
            "verb": "end",
        },
    )
    item = describe_log(entry)
    assert (item.cause, item.cause_label) == ("not_found", "Not found")
