"""Secrets in texts: redaction of parameters and scrubbing of free text (pure, no network).

:func:`is_secret_param` says which parameter keys hold secrets, :func:`redact_params` masks their
values in a copy of the parameters (for log lines), and :func:`scrub` removes known secret values
from any text that comes from elsewhere (a server's error message, a reason phrase, a status line,
a body excerpt, an exception text of the network stack) before it reaches a message or a log line.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterator, Mapping
from typing import Any, Final

__all__ = [
    "REDACTED",
    "is_secret_param",
    "quote",
    "redact_params",
    "scrub",
    "scrub_value",
    "secret_values",
]

#: What replaces a secret.
REDACTED: Final = "<redacted>"
_REDACTED = REDACTED
#: Secrets shorter than this are not scrubbed from free text (it would garble every message).
_MIN_SCRUB_LENGTH: Final = 4

_SECRET_KEYS: Final = frozenset(
    {
        "pass",
        "password",
        "password_hash",
        "new_account_password",
        "telephone_password",
        "room_password",
        "room_admin_password",
        "token",
        "auth_id",
        "hpls-auth",
        "session",
    }
)
_SECRET_KEY_PARTS: Final = ("password", "secret", "token")


def is_secret_param(key: str) -> bool:
    """Whether a parameter (or result) key holds a secret that must never be logged or shown.

    The keys mailbox.org treats as write-only (``password``, ``pass``, ``password_hash``,
    ``new_account_password``, ``telephone_password``, room passwords), ``token``, Auth-ID carriers,
    and, to be safe, any key containing ``password``, ``secret`` or ``token`` (case-insensitive).
    """
    lowered = key.lower()
    return lowered in _SECRET_KEYS or any(part in lowered for part in _SECRET_KEY_PARTS)


#: :func:`is_secret_param` remembered per key: every call of the client asks it for each parameter,
#: and the keys are the few dozen names the API takes (bounded all the same).
_is_secret_key = functools.lru_cache(maxsize=1024)(is_secret_param)


def redact_params(value: Any) -> Any:
    """Return a copy of ``value`` with the values of secret keys replaced, at any depth."""
    if isinstance(value, Mapping):
        return {
            key: _REDACTED if isinstance(key, str) and _is_secret_key(key) else redact_params(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact_params(item) for item in value]
    return value


def scrub(text: str, secrets: Collection[str]) -> str:
    """Replace every occurrence of each secret (of at least 4 characters) in ``text``.

    Used on text that comes from the server (error messages) or from the network stack, as a
    second line of defence should a server ever echo a password or an Auth-ID back.
    """
    found = {s for s in secrets if len(s) >= _MIN_SCRUB_LENGTH and s in text}
    if not found:
        return text
    masked = [False] * len(text)
    for secret in found:
        start = text.find(secret)
        while start != -1:  # overlapping occurrences too
            masked[start : start + len(secret)] = [True] * len(secret)
            start = text.find(secret, start + 1)
    pieces: list[str] = []
    for index, char in enumerate(text):
        if not masked[index]:
            pieces.append(char)
        elif index == 0 or not masked[index - 1]:
            pieces.append(_REDACTED)
    result = "".join(pieces)
    # A replacement next to the remaining text could spell a secret again: then withhold it all.
    if any(s in result for s in found):
        return "" if any(s in _REDACTED for s in found) else _REDACTED
    return result


def scrub_value(value: Any, secrets: Collection[str]) -> Any:
    """``scrub`` applied to every string inside a JSON value (keys included)."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {scrub(str(k), secrets): scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_value(item, secrets) for item in value]
    return value


def secret_values(value: Any) -> Iterator[str]:
    """The string values held under secret keys in ``value``, at any depth."""
    found: list[str] = []
    _collect_secrets(value, found)
    return iter(found)


def _collect_secrets(value: Any, found: list[str]) -> None:
    # One list filled in order rather than a generator per nested value: the client runs this on
    # the parameters of every call.
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and _is_secret_key(key) and isinstance(item, str):
                found.append(item)
            elif isinstance(item, (Mapping, list, tuple)):
                _collect_secrets(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, (Mapping, list, tuple)):
                _collect_secrets(item, found)


_ESCAPES: Final = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(value: str) -> str:
    """``value`` in double quotes, with ``\\``, ``"`` and every non-printable character escaped.

    For texts from elsewhere (a server, a nameserver) shown in a log line or a message: a newline,
    a carriage return or an escape sequence in them cannot forge another line. ``"abc"`` for
    ``abc``; ``"a\\nb"`` for a value with a newline.
    """
    pieces: list[str] = []
    for char in value:
        if char in _ESCAPES:
            pieces.append(_ESCAPES[char])
        elif char.isprintable():
            pieces.append(char)
        else:
            code = ord(char)
            pieces.append(
                f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
            )
    return '"' + "".join(pieces) + '"'
