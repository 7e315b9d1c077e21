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
_ACE_PREFIX = "xn--"

#: Scripts as named by the first word of a character's Unicode name, where that differs from the
#: script's name: CJK and IDEOGRAPHIC characters are Han; the prolonged sound mark ー
#: (KATAKANA-HIRAGANA ...) belongs to both kana scripts, which only ever appear together with Han.
_SCRIPT_ALIASES = {"CJK": "HAN", "IDEOGRAPHIC": "HAN", "KATAKANA-HIRAGANA": "KATAKANA"}
#: Script combinations UTS #39's "highly restrictive" profile allows in one label, besides a single
#: script: the writing systems of Japan, China (Taiwan) and Korea, each with Latin.
_SCRIPT_COMBINATIONS = (
    ("Japanese", frozenset({"HAN", "HIRAGANA", "KATAKANA", "LATIN"})),
    ("Chinese", frozenset({"HAN", "BOPOMOFO", "LATIN"})),
    ("Korean", frozenset({"HAN", "HANGUL", "LATIN"})),
)


def _script(ch: str) -> str | None:
    """The script of a letter, approximated by the first word of its Unicode name (None for
    characters used with any script: digits, hyphens, combining marks, joiners)."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0] if name else "UNKNOWN"
    return _SCRIPT_ALIASES.get(first, first)


def _check_scripts(value: Any, label: str) -> None:
    """Homograph protection: one script per label, or one of the CJK combinations (UTS #39)."""
    scripts = {script for ch in label if (script := _script(ch)) is not None}
    if len(scripts) <= 1 or any(scripts <= allowed for _, allowed in _SCRIPT_COMBINATIONS):
        return
    combos = "; ".join(
        f"{name}: {', '.join(sorted(s.title() for s in allowed))}" for name, allowed in _SCRIPT_COMBINATIONS
    )
    raise ValueError(
        f"{_quoted(value)}: label {_quoted(label)} mixes scripts "
        f"({', '.join(sorted(s.title() for s in scripts))}); use one script per label, or one of "
        f"the combinations of Japanese, Chinese and Korean names ({combos})"
    )


def _quoted(value: Any) -> str:
    return repr(value)


def _describe(value: Any) -> str:
    """An unexpected input as the user wrote it: ``the number 5``, ``true``, ``a list``, ..."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return f"the number {int(value)}"  # the engine sends every number as a float
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if value is None:
        return "no value (null)"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return repr(value)
    return f"a {type(value).__name__}"


def _idn_label(value: Any, label: str) -> str:
    """The canonical A-label of a non-ASCII label or of an A-label (``xn--...``), after the IDNA 2008
    validity rules and the script-mixing rule (applied to the decoded U-label)."""
    import idna  # imported here: only non-ASCII names need it

    try:
        if label.isascii():
            unicode_label = idna.ulabel(label)
            ascii_label = idna.alabel(unicode_label).decode("ascii")
            if ascii_label != label.lower():
                raise ValueError(
                    f"{_quoted(value)}: label {_quoted(label)} is not the canonical A-label of "
                    f"{_quoted(unicode_label)} ({ascii_label})"
                )
        else:
            unicode_label = label
            ascii_label = idna.alabel(label).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(
            f"{_quoted(value)}: label {_quoted(label)} is not a valid internationalised domain "
            f"label (IDNA 2008: {exc})"
        ) from None
    _check_scripts(value, unicode_label)
    return ascii_label


def canonical_domain(value: Any) -> str:
    """Lower-case A-label (punycode) form of a fully qualified domain name, without trailing dot.

    Internationalised names follow IDNA 2008 with UTS #46 non-transitional processing (as browsers
    and registries such as DENIC do): ``straße.de`` is ``xn--strae-oqa.de``, not ``strasse.de``;
    upper case, full-width forms and ideographic full stops are mapped; a joiner is kept where
    IDNA 2008 allows it and refused elsewhere, never silently dropped. ASCII labels are only
    lower-cased, so ASCII names keep the form they always had.

    Rejects: non-strings, empty names, single labels, names or labels that are too long, characters
    outside letters/digits/hyphen, labels that begin or end with a hyphen, all-numeric top-level labels,
    invalid IDNA labels (also A-labels given as ``xn--...``, which are decoded and checked), and labels
    that mix scripts (homograph protection, e.g. Latin with Cyrillic), except for the Japanese,
    Chinese and Korean combinations of UTS #39's highly restrictive profile.
    """
    if not isinstance(value, str):
        raise ValueError(f"expected a domain name such as 'example.com', got {_describe(value)}")
    text = value.strip()
    if any(ch.isspace() for ch in text):
        raise ValueError(f"{_quoted(value)} contains white space")
    if not text.isascii():
        import idna  # imported here: only non-ASCII names need it

        try:
            text = idna.uts46_remap(text, std3_rules=False, transitional=False)
        except idna.IDNAError as exc:
            raise ValueError(
                f"{_quoted(value)} is not a valid internationalised domain name (UTS #46: {exc})"
            ) from None
    if text.endswith("."):
        text = text[:-1]
    if not text:
        raise ValueError("must not be empty")
    labels = text.split(".")
    if len(labels) < 2:
        raise ValueError(
            f"{_quoted(value)} is not a fully qualified domain name (expected e.g. 'example.com')"
        )
    ascii_labels: list[str] = []
    for label in labels:
        if not label:
            raise ValueError(f"{_quoted(value)} has an empty label")
        if label.isascii() and not label.lower().startswith(_ACE_PREFIX):
            ascii_label = label.lower()
        elif label.isascii() and not _LABEL.match(label.lower()):
            ascii_label = label.lower()  # not even LDH: the check below says so
        else:
            ascii_label = _idn_label(value, label)
        if not _LABEL.match(ascii_label):
            raise ValueError(
                f"{_quoted(value)}: label {_quoted(label)} must be 1-63 letters, digits or hyphens, "
                "not beginning or ending with a hyphen"
            )
        ascii_labels.append(ascii_label)
    if ascii_labels[-1].isdigit():
        raise ValueError(f"{_quoted(value)}: the top-level label must not be numeric")
    result = ".".join(ascii_labels)
    if len(result) > _MAX_DOMAIN:
        raise ValueError(f"{_quoted(value)} is longer than {_MAX_DOMAIN} characters")
    return result


def canonical_email(value: Any) -> str:
    """Lower-case ``local@domain`` with the domain in canonical form (see :func:`canonical_domain`)."""
    if not isinstance(value, str):
        raise ValueError(f"expected an e-mail address such as 'alice@example.com', got {_describe(value)}")
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
        raise ValueError(f"expected a string, got {_describe(value)}")
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
        raise ValueError(f"expected a whole number, got {_describe(value)}")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"expected a whole number, got {_describe(value)}")
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
        raise ValueError(f"expected a list of strings, got {_describe(value)}")
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
        raise ValueError(f"expected a mapping, got {_describe(value)}")
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
