"""A failed run's reason in full, in plain words, and its cause as Quay's worker names it
(``_map_failure_to_reason``): over the texts real Quay logged (reference transcripts) and over
every failure the emulator plays, checked against what its catalogue says Quay calls it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from dashboard.mirrors.rules import reasons
from dashboard.mirrors.rules.reasons import Cause, Reason
from dashboard.mirrors.rules.runs import last_result
from dashboard.quay.models import LogEntry
from tests.support.emulator import Emulator
from tests.support.quay_api import logs

REF = "'127.0.0.1:5000/library/doesnotexist' with tag pattern '*'"
NOT_FOUND_STDERR = (
    'time="2026-11-27T16:47:32Z" level=fatal msg="Error listing repository tags: '
    'fetching tags list: invalid status code from registry 404 (Not Found)"\n'
)
TLS_TIMEOUT_STDERR = (
    'time="2026-12-06T17:26:07Z" level=fatal msg="Error listing repository tags: pinging '
    'container registry 127.0.0.1:8080: Get \\"https://127.0.0.1:8080/v2/\\": net/http: TLS '
    'handshake timeout"\n'
)


def skopeo_failure(stderr: str) -> dict[str, Any]:
    """A repository mirror's failed listing, as real Quay logs it (reference transcript)."""
    return {
        "verb": "end",
        "message": f"{REF}: {('skopeo list-tags failed: See output', '', stderr)}",
        "tag": None,
        "tags": "",
        "stdout": "",
        "stderr": stderr,
    }


def test_a_failed_listing_is_skopeos_message_whole_without_the_tuple_or_logfmt():
    reason = reasons.of_entry(skopeo_failure(NOT_FOUND_STDERR))
    assert reason == Reason(
        "Error listing repository tags: fetching tags list: invalid status code from registry "
        "404 (Not Found)",
        Cause.NOT_FOUND,
    )
    assert reason.cause_label == "Not found"


def test_the_message_alone_is_enough_when_stderr_is_missing():
    metadata = skopeo_failure(NOT_FOUND_STDERR) | {"stderr": None}
    assert reasons.of_entry(metadata).text.endswith("registry 404 (Not Found)")


def test_a_tls_handshake_timeout_is_a_timeout_as_quay_counts_it():
    reason = reasons.of_entry(skopeo_failure(TLS_TIMEOUT_STDERR))
    assert reason.text == (
        "Error listing repository tags: pinging container registry 127.0.0.1:8080: Get "
        '"https://127.0.0.1:8080/v2/": net/http: TLS handshake timeout'
    )
    assert (reason.cause, reason.cause_label) == (Cause.NETWORK_TIMEOUT, "Timed out")


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        # the first rule that matches wins, in Quay's order
        ("authentication required; connection refused", Cause.AUTH_FAILED),
        ("x509: certificate signed by unknown authority", Cause.AUTH_FAILED),
        ("403 Forbidden", Cause.AUTH_FAILED),
        ("dial tcp 203.0.113.10:443: i/o timeout", Cause.NETWORK_TIMEOUT),
        ("the operation timed out", Cause.NETWORK_TIMEOUT),
        ("connect: connection refused", Cause.CONNECTION_ERROR),
        ("network is unreachable: 404", Cause.CONNECTION_ERROR),
        ("manifest unknown: 404", Cause.NOT_FOUND),
        ("Namespace 'nosuchns' not found", Cause.NOT_FOUND),
        ("tls: failed to verify certificate: x509: certificate has expired", Cause.TLS_ERROR),
        ("SSL: WRONG_VERSION_NUMBER", Cause.TLS_ERROR),
        ("Failed to decrypt credentials", Cause.DECRYPTION_FAILED),
        ("http: server gave HTTP response to HTTPS client", Cause.UNKNOWN_ERROR),
        ("", Cause.UNKNOWN_ERROR),
    ],
)
def test_the_cause_is_quays_first_match(text, cause):
    assert reasons.classify(text) is cause


def test_the_reference_and_tag_pattern_are_not_classified():
    """Quay classifies the exception's text, not the message's prefix: a source named
    ``oauth-proxy`` fails for its own reason, not "auth"."""
    metadata = skopeo_failure(NOT_FOUND_STDERR)
    metadata["message"] = metadata["message"].replace("library/doesnotexist", "acme/oauth-proxy")
    assert reasons.of_entry(metadata).cause is Cause.NOT_FOUND


def test_an_internal_error_says_the_tracebacks_last_line_and_is_classified_by_its_message():
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "/quay-registry/util/repomirror/skopeomirror.py", line 179, in tags\n'
        '    all_tags = json.loads(result.stdout)["Tags"]\n'
        "KeyError: 'Tags'\n"
    )
    metadata = {"verb": "end", "message": f"{REF}: INTERNAL ERROR", "stderr": traceback}
    reason = reasons.of_entry(metadata)
    assert reason.text == "an internal error in Quay's mirror worker: KeyError: 'Tags'"
    assert "INTERNAL ERROR" not in reason.text and "Traceback" not in reason.text
    assert reason.cause is Cause.UNKNOWN_ERROR


def test_credentials_that_do_not_decrypt_are_said_but_counted_as_quay_counts_them():
    """The repository worker's DecryptionFailureException has no message: Quay classifies ""
    as unknown_error; the organization worker re-raises it as "Failed to decrypt credentials"."""
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "/quay-registry/data/encryption.py", line 48, in _decrypt_ccm\n'
        "    raise DecryptionFailureException()\n"
        "data.encryption.DecryptionFailureException\n"
    )
    repo = reasons.of_entry({"message": f"{REF}: INTERNAL ERROR", "stderr": traceback})
    assert "credentials could not be decrypted" in repo.text
    assert repo.cause is Cause.UNKNOWN_ERROR
    org = reasons.of_entry(
        {
            "verb": "end",
            "message": "Failed to list tags for 'quay.example.com/upstreamorg/alpha': Failed to "
            "decrypt credentials: ",
            "stdout": "",
            "stderr": "",
        }
    )
    assert "credentials could not be decrypted" in org.text
    assert org.cause is Cause.DECRYPTION_FAILED


def test_a_source_refused_and_a_job_lost_are_named():
    refused = reasons.of_entry(
        {
            "verb": "end",
            "message": "Source registry location is not allowed",
            "stdout": "Not applicable",
            "stderr": "Not applicable",
        }
    )
    assert (refused.cause, refused.cause_label) == (
        Cause.INVALID_SOURCE_REGISTRY,
        "Source not allowed",
    )
    assert "Not applicable" not in refused.text
    lost = reasons.of_entry({"verb": "lost", "message": "'docker.io/library/nginx' job lost"})
    assert (lost.cause, lost.cause_label) == (Cause.PREEMPTED, "Pre-empted")


def test_a_partial_sync_says_which_tags_failed_and_why_the_first_did():
    when = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
    failed = LogEntry(
        "repo_mirror_sync_failed",
        when,
        None,
        {
            "verb": "lost",
            "message": "'docker.io/library/nginx' with tag pattern '*': PARTIAL SYNC",
            "tags": "1.24, 1.25.3(FAILED), 1.27(FAILED)",
            "stdout": "Not applicable",
            "stderr": "Not applicable",
        },
    )

    def tag_failed(tag: str, why: str) -> LogEntry:
        stderr = f'time="x" level=fatal msg="initializing source docker://n:{tag}: {why}"\n'
        return LogEntry("repo_mirror_sync_tag_failed", when, None, {"tag": tag, "stderr": stderr})

    log = [
        failed,
        tag_failed("1.27", "connection reset"),
        tag_failed("1.25.3", "manifest unknown"),
        LogEntry("repo_mirror_sync_started", when, None, {"verb": "start"}),
    ]
    reason = reasons.of_run(failed, log)
    assert reason.text == (
        "some tags were copied and others failed (partial sync): 1.25.3, 1.27; the first "
        "failed because: initializing source docker://n:1.25.3: manifest unknown"
    )
    assert reason.cause is Cause.UNKNOWN_ERROR  # the first failed tag's text, as Quay takes it


def test_an_organization_repositorys_listing_failure_is_read_from_stderr():
    """Real Quay's status message says "See output"; the reason is only in the entry's stderr."""
    message = (
        "Failed to list tags for '127.0.0.1:8080/upstreamorg/alpha': skopeo list-tags failed: "
        "See output"
    )
    entry = {"verb": "end", "message": message, "stdout": "", "stderr": TLS_TIMEOUT_STDERR}
    reason = reasons.of_entry(entry)
    assert reason.text.endswith('Get "https://127.0.0.1:8080/v2/": net/http: TLS handshake timeout')
    assert reason.cause is Cause.NETWORK_TIMEOUT
    assert reasons.is_see_output(message)
    alone = reasons.of_status_message(message)
    assert "See output" not in alone.text and "Quay's log" in alone.text


def test_an_organization_repositorys_failed_copies_name_the_tags_and_the_first_reason():
    stderr = (
        '[bulk-02]: time="x" level=fatal msg="initializing source docker://q/u/gamma:bulk-02: '
        'reading manifest bulk-02 in q/u/gamma: manifest unknown"\n'
    )
    reason = reasons.of_entry(
        {
            "verb": "end",
            "message": "Sync failed for 'q/u/gamma': 1/2 tags failed",
            "tags": "bulk-02",
            "stderr": stderr,
        }
    )
    assert reason.text == (
        "1 of 2 tags could not be copied (bulk-02); the first failed because: initializing "
        "source docker://q/u/gamma:bulk-02: reading manifest bulk-02 in q/u/gamma: manifest "
        "unknown"
    )


# --------------------------------------------- every failure the emulator plays, as Quay


def _plan(emulator: Emulator, reason: str) -> None:
    body = {"reason": reason}
    if reason == "partial_sync":
        body["tags"] = ["1.25.3"]
    answer = requests.post(f"{emulator.url}/_emulator/mirror/acme/nginx/fail", json=body, timeout=9)
    assert answer.status_code == 200


def test_every_failure_the_emulator_plays_has_the_cause_quay_gives_it(emulator: Emulator):
    catalogue = {row["reason"]: row for row in emulator.control("GET", "failures")}
    for name, row in catalogue.items():
        emulator.reset()
        _plan(emulator, name)
        assert emulator.api("POST", "repository/acme/nginx/mirror/sync-now").status_code == 204
        emulator.advance(2 + float(row["seconds"]) + 10)
        entries = [LogEntry.from_api(e) for e in logs(emulator, "acme", "nginx")]
        ended = last_result(entries)
        assert ended is not None and ended.kind == "repo_mirror_sync_failed", name
        reason = reasons.of_run(ended, entries)
        assert reason.cause == row["quay_reason"], name
        for noise in ("See output", "level=fatal", "('", "Traceback", "Not applicable"):
            assert noise not in reason.text, (name, reason.text)
