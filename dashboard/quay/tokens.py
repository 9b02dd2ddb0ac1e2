"""What a Quay access token can be, checked before anything is sent with one.

Quay's OAuth access tokens (its sign-in, "Generate Token", token assignment) are 40 ASCII
letters and digits; an HTTP Bearer token may also have ``- . _ ~ + / =`` (RFC 6750's
``b64token``). A pasted token is trimmed of surrounding white space and put in Unicode's NFC
form; anything else a paste can bring (a zero-width space, “smart” quotes, a control
character, a letter of another alphabet, a whole document) is refused here with what is
wrong and where, never with the token itself: the message goes on a page and may be logged.
"""

from __future__ import annotations

import string
import unicodedata

#: Characters a Bearer token may have (Quay's own use only the letters and digits).
TOKEN_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~+/=")
#: Longest token accepted (Quay's are 40 characters).
MAX_TOKEN_LENGTH = 512
QUAY_TOKEN_LENGTH = 40
_NAMED = {
    " ": "a space",
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a line break",
    "\u00a0": "a non-breaking space",
}


class BadToken(ValueError):
    """A pasted token no Quay token can be; ``message`` says why without the token."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _described(char: str) -> str:
    """One character in words (never the character itself: it may sit inside a secret)."""
    code = f"U+{ord(char):04X}"
    if char in _NAMED:
        return f"{_NAMED[char]} ({code})"
    category = unicodedata.category(char)
    if category.startswith("C"):
        kind = "an invisible formatting character" if category == "Cf" else "a control character"
        name = unicodedata.name(char, "")
        return f"{kind} ({name.lower() + ', ' if name else ''}{code})"
    name = unicodedata.name(char, "").lower()
    if category.startswith("Z"):
        return f"a kind of space ({name}, {code})"
    if "quotation mark" in name or "apostrophe" in name or category in ("Pi", "Pf"):
        return f"a typographic quotation mark ({name}, {code})"
    if category.startswith("L"):
        return f"a letter that is not a plain Latin one ({name}, {code})"
    return f"“{name or code}” ({code})" if name else f"the character {code}"


def clean_token(raw: str) -> str:
    """``raw`` as a token that can be sent (trimmed, NFC), or :class:`BadToken`."""
    token = unicodedata.normalize("NFC", raw.strip())
    if not token:
        raise BadToken("Paste the token: nothing was given.")
    if len(token) > MAX_TOKEN_LENGTH:
        raise BadToken(
            f"What was pasted is {len(token):,} characters long; a Quay token is "
            f"{QUAY_TOKEN_LENGTH} (at most {MAX_TOKEN_LENGTH} are taken here). Copy the token "
            "alone and paste it again."
        )
    for position, char in enumerate(token, 1):
        if char not in TOKEN_CHARACTERS:
            others = sum(1 for c in token if c not in TOKEN_CHARACTERS) - 1
            plural = "s" if others != 1 else ""
            more = f", and {others} more such character{plural}" if others else ""
            raise BadToken(
                f"The token has {_described(char)} at character {position} of "
                f"{len(token)}{more}: a Quay token has only the letters A-Z and a-z and the "
                "digits 0-9. Nothing was sent to Quay. Copy the token again (or type it) and "
                "paste it."
            )
    return token


def sendable(token: str) -> bool:
    """Whether ``token`` can go into an ``Authorization`` header as it is (the client's last
    check: a token that cannot is never put into a request, nor into an error)."""
    return 0 < len(token) <= MAX_TOKEN_LENGTH and all(c in TOKEN_CHARACTERS for c in token)
