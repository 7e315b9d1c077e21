"""Pure validation and canonicalisation of resource inputs (no network, no Pulumi).

Every function takes a raw value and returns its canonical form, or raises ``ValueError`` whose text
completes the sentence "<property>: ..." (the caller names the property).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = [
    "account_name",
    "canonical_domain",
    "canonical_email",
    "check_bool",
    "check_enum",
    "check_int",
    "check_string",
    "check_string_list",
    "check_string_map",
]

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LOCAL_ATOM = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+$")
_MAX_DOMAIN = 253
_MAX_LOCAL = 64
_MAX_EMAIL = 254
_NEUTRAL_SCRIPTS = frozenset({"DIGIT", "HYPHEN-MINUS", "COMMON"})


def _script(ch: str) -> str:
    """The script of a letter, approximated by the first word of its Unicode name."""
    if not ch.isalpha():
        return "COMMON"
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def canonical_domain(value: Any) -> str:
    """Lower-case A-label (punycode) form of a fully qualified domain name, without trailing dot.

    Rejects: non-strings, empty names, single labels, names or labels that are too long, characters
    outside letters/digits/hyphen, labels that begin or end with a hyphen, all-numeric top-level labels,
    and labels that mix scripts (homograph protection, e.g. Latin with Cyrillic).
    """
    if not isinstance(value, str):
        raise ValueError(f"expected a domain name (string), got {type(value).__name__}")
    text = value.strip()
    if text.endswith("."):
        text = text[:-1]
    if not text:
        raise ValueError("must not be empty")
    if any(ch.isspace() for ch in text):
        raise ValueError(f"{value!r} contains white space")
    labels = text.split(".")
    if len(labels) < 2:
        raise ValueError(f"{value!r} is not a fully qualified domain name (expected e.g. 'example.com')")
    ascii_labels: list[str] = []
    for label in labels:
        if not label:
            raise ValueError(f"{value!r} has an empty label")
        if label.isascii():
            ascii_label = label.lower()
        else:
            scripts = {_script(ch) for ch in unicodedata.normalize("NFC", label)} - _NEUTRAL_SCRIPTS
            if len(scripts) > 1:
                raise ValueError(
                    f"{value!r}: label {label!r} mixes scripts ({', '.join(sorted(scripts))}); "
                    "use one script per label"
                )
            try:
                ascii_label = label.encode("idna").decode("ascii").lower()
            except UnicodeError as exc:
                raise ValueError(f"{value!r}: label {label!r} is not a valid IDN label ({exc})") from None
        if not _LABEL.match(ascii_label):
            raise ValueError(
                f"{value!r}: label {label!r} must be 1-63 letters, digits or hyphens, "
                "not beginning or ending with a hyphen"
            )
        ascii_labels.append(ascii_label)
    if ascii_labels[-1].isdigit():
        raise ValueError(f"{value!r}: the top-level label must not be numeric")
    result = ".".join(ascii_labels)
    if len(result) > _MAX_DOMAIN:
        raise ValueError(f"{value!r} is longer than {_MAX_DOMAIN} characters")
    return result


def canonical_email(value: Any) -> str:
    """Lower-case ``local@domain`` with the domain in canonical form (see :func:`canonical_domain`)."""
    if not isinstance(value, str):
        raise ValueError(f"expected an e-mail address (string), got {type(value).__name__}")
    text = value.strip()
    if text.count("@") != 1:
        raise ValueError(f"{value!r} is not an e-mail address (expected local@domain)")
    local, domain = text.split("@")
    local = local.lower()
    if not local or len(local) > _MAX_LOCAL:
        raise ValueError(f"{value!r}: the local part must be 1-{_MAX_LOCAL} characters")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValueError(f"{value!r}: the local part must not begin or end with a dot or contain '..'")
    if not all(_LOCAL_ATOM.match(atom) for atom in local.split(".")):
        raise ValueError(
            f"{value!r}: the local part may contain only letters, digits and !#$%&'*+/=?^_`{{|}}~-."
        )
    try:
        domain_part = canonical_domain(domain)
    except ValueError as exc:
        raise ValueError(f"{value!r}: bad domain part: {exc}") from None
    result = f"{local}@{domain_part}"
    if len(result) > _MAX_EMAIL:
        raise ValueError(f"{value!r} is longer than {_MAX_EMAIL} characters")
    return result


def check_string(value: Any, *, max_length: int = 4096, allow_empty: bool = True) -> str:
    """A string of at most ``max_length`` characters without control characters."""
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    if not allow_empty and not value:
        raise ValueError("must not be empty")
    if len(value) > max_length:
        raise ValueError(f"must be at most {max_length} characters (got {len(value)})")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise ValueError("must not contain control characters")
    return value


def check_bool(value: Any) -> bool:
    """A boolean (the strings 'true' and 'false' are accepted, as Pulumi config produces them)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"expected true or false, got {value!r}")


def check_int(value: Any, *, minimum: int = 0, maximum: int = 2**31 - 1) -> int:
    """A whole number within bounds (floats with no fraction are accepted: JSON has one number type)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a whole number, got {type(value).__name__}")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"expected a whole number, got {value!r}")
    number = int(value)
    if not minimum <= number <= maximum:
        raise ValueError(f"must be between {minimum} and {maximum} (got {number})")
    return number


def check_enum(value: Any, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (case-insensitive; returned in the allowed spelling)."""
    if isinstance(value, str):
        for option in allowed:
            if value.lower() == option.lower():
                return option
    raise ValueError(f"must be one of {', '.join(allowed)} (got {value!r})")


def check_string_list(value: Any, *, item: Any = None) -> list[str]:
    """A list of strings, each passed through ``item`` (a canonicaliser) when given."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"expected a list of strings, got {type(value).__name__}")
    result: list[str] = []
    for index, element in enumerate(value):
        try:
            result.append(item(element) if item is not None else check_string(element, allow_empty=False))
        except ValueError as exc:
            raise ValueError(f"item {index}: {exc}") from None
    return result


def check_string_map(value: Any, *, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A mapping with string keys (restricted to ``keys`` when given) and scalar values."""
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping, got {type(value).__name__}")
    for key, element in value.items():
        if not isinstance(key, str):
            raise ValueError(f"keys must be strings, got {key!r}")
        if keys is not None and key not in keys:
            raise ValueError(f"unknown key {key!r}; allowed: {', '.join(keys)}")
        if isinstance(element, (dict, list)):
            raise ValueError(f"value of {key!r} must be a scalar")
    return dict(value)


def account_name(value: Any) -> str:
    """A mailbox.org account (login) name: 1-128 printable characters without white space."""
    text = check_string(value, max_length=128, allow_empty=False)
    if any(ch.isspace() for ch in text):
        raise ValueError(f"{value!r} must not contain white space")
    return text
