"""No secret in any log line, whatever is pasted: a token no Quay token can be is refused
before anything is sent, with what is wrong and without the token; Quay's refusals and
failures, an OAuth sign-in, and any exception text never put a token into a log line.

Every log line is captured twice: every record as it was made (before any handler's filter)
and what the real handler (settings.LOGGING's console) writes. The bar: 0 lines containing
any 8-character piece of the submitted token."""

from __future__ import annotations

import io
import logging
import secrets
import string
from collections.abc import Iterator

import pytest

from dashboard.accounts.tokens import get_token
from dashboard.serving.log_scrub import ScrubSecrets, scrub
from tests.support.emulator import TOKENS
from tests.support.oauth import oauth_sign_in

pytestmark = pytest.mark.django_db

PIECE = 8


def random_token() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40))


def pieces(token: str) -> set[str]:
    return {token[i : i + PIECE] for i in range(len(token) - PIECE + 1)}


def leaks(text: str, token: str) -> list[str]:
    """The lines of ``text`` holding an 8-character piece of ``token``."""
    secret = pieces(token)
    return [
        line
        for line in text.splitlines()
        if any(line[i : i + PIECE] in secret for i in range(len(line) - PIECE + 1))
    ]


class Records(logging.Handler):
    """Every record as it was made, formatted whole (message, exception, stack)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class Logs:
    def __init__(self, made: Records, written: io.StringIO) -> None:
        self._made, self._written = made, written

    @property
    def text(self) -> str:
        return "\n".join(self._made.lines) + "\n" + self._written.getvalue()

    def leaking(self, token: str) -> list[str]:
        return leaks(self.text, token)


@pytest.fixture
def logs(caplog) -> Iterator[Logs]:
    """Every log line, at every level: records as made (a handler placed before all others)
    and the real console handler's output (its stream swapped for the test)."""
    caplog.set_level(logging.DEBUG)
    root = logging.getLogger()
    console = [h for h in root.handlers if type(h) is logging.StreamHandler]
    assert console, "settings.LOGGING's console handler"
    written = io.StringIO()
    streams = [h.setStream(written) for h in console]
    made = Records()
    root.handlers.insert(0, made)
    try:
        yield Logs(made, written)
    finally:
        root.removeHandler(made)
        for handler, stream in zip(console, streams, strict=True):
            handler.setStream(stream)


BASE = random_token()
MALFORMED = {
    "a zero-width space": (
        BASE[:20] + "\u200b" + BASE[20:],
        "invisible formatting character (zero width space, U+200B)",
    ),
    "smart quotes": (
        "\u201c" + BASE + "\u201d",
        "typographic quotation mark (left double quotation mark, U+201C)",
    ),
    "a control character": (BASE[:10] + "\x07" + BASE[10:], "a control character (U+0007)"),
    "a line break inside": (BASE[:10] + "\r\nX-Evil: 1" + BASE[10:], "a line break (U+000D)"),
    "non-Latin letters": (
        BASE[:5] + "\u0430\u0435\u0456" + BASE[5:],
        "not a plain Latin one (cyrillic small letter a, U+0430)",
    ),
    "10 KB": ((BASE * 260)[:10240], "10,240 characters long"),
}


@pytest.mark.parametrize(("token", "said"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_token_no_quay_token_can_be_is_refused_before_anything_is_sent(
    client, emulator, logs, token, said
):
    response = client.post("/accounts/login/", {"token": token, "next": "/repo/acme/redis/"})
    assert response.status_code == 400
    page = response.content.decode()
    assert said in page  # what is wrong, and where
    assert "Quay does not accept" not in page and "cannot read" not in page
    assert not leaks(page, token)  # the form keeps nothing secret...
    assert 'value="/repo/acme/redis/"' in page  # ...but keeps where the person was going
    assert not [e for e in emulator.requests_log() if e["path"].startswith("/api/v1/")]
    assert logs.leaking(token) == []


def test_surrounding_white_space_is_trimmed_and_the_token_signs_in(client, emulator):
    response = client.post("/accounts/login/", {"token": f"\n  {TOKENS['alice']}\t ", "next": "/"})
    assert response.status_code == 302


@pytest.mark.parametrize(("token", "said"), MALFORMED.values(), ids=MALFORMED.keys())
def test_the_watch_enrolment_refuses_it_the_same_way(client_as, emulator, logs, token, said):
    client = client_as("alice")
    emulator.control("DELETE", "requests")
    response = client.post("/watch/enrol/", {"namespace": "acme", "token": token})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Not enrolled" in page and said in page
    assert not leaks(page, token)
    # Only alice's own token asked Quay (whether she administers acme): never the pasted one.
    assert {e["user"] for e in emulator.requests_log() if e["path"].startswith("/api/")} <= {
        "alice"
    }
    assert logs.leaking(token) == []


@pytest.mark.parametrize("status", [401, 500, 502])
def test_quay_refusing_or_failing_a_pasted_token_logs_no_piece_of_it(
    client, emulator, logs, status
):
    token = random_token()
    if status != 401:  # an unknown token is refused (401) by Quay itself
        emulator.configure(fail={"/api/v1/user/": status})
    response = client.post("/accounts/login/", {"token": token, "next": "/"})
    assert response.status_code == 400
    assert "Quay answered" in logs.text or status == 401
    assert logs.leaking(token) == []


def test_an_oauth_token_is_in_no_log_line_on_any_path(client, emulator, logs, settings):
    settings.QUAY_READ_CACHE_SECONDS = 0
    emulator.configure(redirect_uri="http://testserver/accounts/callback/")
    oauth_sign_in(client, emulator, "alice", "/")
    token = get_token(type("Request", (), {"session": client.session})())
    assert token
    client.get("/repo/acme/redis/")
    for status in (500, 503, 401):  # 401 last: it signs the person out
        emulator.configure(fail={"/api/v1/repository/acme/redis": status})
        client.get("/repo/acme/redis/")
        client.post("/repo/acme/redis/sync-now/", HTTP_HX_REQUEST="true")
    assert "Quay answered 500" in logs.text
    assert logs.leaking(token) == []


def test_any_exception_text_is_scrubbed_by_the_real_handler(logs):
    root = logging.getLogger()
    assert any(isinstance(f, ScrubSecrets) for h in root.handlers for f in h.filters)
    token = random_token()
    try:  # what requests raised for a header it could not write, whole token included
        f"Bearer {token}\u200b".encode("latin-1")
    except UnicodeEncodeError:
        logging.getLogger("dashboard.quay.client").warning("Unreadable", exc_info=True)
    logging.getLogger("dashboard").error(
        "sent %s", {"Authorization": f"Bearer {token}", "access_token": token}
    )
    written = logs._written.getvalue()
    assert "Unreadable" in written and "UnicodeEncodeError" in written
    assert leaks(written, token) == []
    assert "[hidden]" in written


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Authorization: Bearer abc.def-123", "Authorization: Bearer [hidden]"),
        ("{'Authorization': 'Bearer abc'}", "{'Authorization': 'Bearer [hidden]'}"),
        ("access_token=abcdef&scope=repo:read", "access_token=[hidden]&scope=repo:read"),
        ('{"client_secret": "s3cr3t"}', '{"client_secret": "[hidden]"}'),
        (f"token {'a1' * 20} refused", "token [hidden] refused"),
        ("Quay answered 401 to GET user/", "Quay answered 401 to GET user/"),
        ("the token acts as watcher", "the token acts as watcher"),
    ],
)
def test_scrub(text, kept):
    assert scrub(text) == kept
