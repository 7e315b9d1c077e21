"""Request parameters: the declared types of each method's parameters, their coercion and checks, and
the name rules for accounts, domains and mail addresses (split out of :mod:`.state`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias

from .model import ACCOUNT_PLANS, LEGACY_MAIL_PLANS, MAIL_PLANS, _invalid

# --------------------------------------------------------------------------------------------------
# Parameters

ParamKind: TypeAlias = Literal["string", "secret", "boolean", "integer", "strings", "object", "quota"]


@dataclass(frozen=True)
class Param:
    """One named parameter: its JSON type, whether it is required, its allowed values."""

    kind: ParamKind
    required: bool = False
    choices: tuple[str, ...] = ()
    nullable: bool = False  # JSON null is accepted and treated as absent


def _params(required: Iterable[str] = (), **named: Param) -> dict[str, Param]:
    """A parameter table; ``required`` names string parameters that must be present."""
    table = {name: Param("string", required=True) for name in required}
    table.update(named)
    return table


_STR = Param("string")
_BOOL = Param("boolean")
_INT = Param("integer")


def _coerce(name: str, param: Param, value: Any) -> Any:
    kind = param.kind
    if kind in ("string", "secret"):
        if not isinstance(value, str):
            raise _invalid(f"parameter '{name}' must be a string")
        if kind == "secret" and not value:
            raise _invalid(f"parameter '{name}' must not be empty")
        if param.choices and value not in param.choices:
            raise _invalid(f"parameter '{name}' must be one of {', '.join(param.choices)}")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _invalid(f"parameter '{name}' must be a boolean")
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(f"parameter '{name}' must be an integer")
        return value
    if kind == "strings":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise _invalid(f"parameter '{name}' must be an array of strings")
        return list(value)
    if kind == "object":
        if not isinstance(value, dict):
            raise _invalid(f"parameter '{name}' must be an object")
        return dict(value)
    # quota: a non-negative integer, sent as a number or a digit string
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.isdigit():
        return str(int(value))
    raise _invalid(f"parameter '{name}' must be a non-negative integer or digit string")


def _check_params(method: str, table: Mapping[str, Param], params: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``params`` against ``table``; return the present ones, coerced."""
    for name in params:
        if name not in table:
            raise _invalid(f"unknown parameter '{name}' for {method}")
    checked: dict[str, Any] = {}
    for name, param in table.items():
        value = params.get(name)
        if name not in params or (value is None and param.nullable):
            if param.required:
                raise _invalid(f"missing required parameter '{name}'")
            continue
        checked[name] = _coerce(name, param, value)
    return checked


_ACCOUNT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


#: The guessed mailbox password policy (reference §6): the shortest accepted password.
MAIL_PASSWORD_MIN_LENGTH: Final = 8


def meets_mail_password_policy(password: str) -> bool:
    """True when ``password`` has at least :data:`MAIL_PASSWORD_MIN_LENGTH` characters, among them an
    upper-case letter, a lower-case letter, a digit and a special character (neither letter nor digit)."""
    return (
        len(password) >= MAIL_PASSWORD_MIN_LENGTH
        and any(char.isupper() for char in password)
        and any(char.islower() for char in password)
        and any(char.isdigit() for char in password)
        and any(not char.isalnum() for char in password)
    )


def _account_name(value: str) -> str:
    if not _ACCOUNT_NAME.fullmatch(value):
        raise _invalid("parameter 'account' is not a valid account name")
    return value


def _domain_name(value: str, param: str = "domain") -> str:
    name = value.lower()
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise _invalid(f"parameter '{param}' is not a valid domain name")
    return name


def _mail_address(value: str, param: str = "mail") -> str:
    address = value.lower()
    local, at, domain = address.rpartition("@")
    if not at or len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        raise _invalid(f"parameter '{param}' is not a valid mail address")
    _domain_name(domain, param)
    return address


# --------------------------------------------------------------------------------------------------
# Rendering layouts

#: account.get layout: flat parameter names are grouped by prefix into sub-objects.
_ACCOUNT_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "address_main": ("salutation", "first_name", "last_name", "street", "zipcode", "town", "country"),
    "address_payment": (
        "same_as_main",
        "first_name",
        "last_name",
        "company",
        "street",
        "zipcode",
        "town",
        "country",
    ),
    "contact": ("mail", "mail_payment", "phone", "fax", "mobile"),
    "bank": ("iban", "bic", "account_owner"),
    "av_contract": ("accept_name", "professional_secrecy"),
}
_ACCOUNT_TOP: Final[dict[str, Any]] = {
    "company": "",
    "ustid": "",
    "memo": "",
    "language": "de_DE",
    "payment_type": "invoice",
    "mail_forwarding": "",
    "max_mailinglist": 0,
}
_ACCOUNT_DEFAULTS: Final[dict[str, Any]] = {
    "address_payment_same_as_main": True,
    "av_contract_professional_secrecy": False,
}

_MAIL_PROFILE: Final = (
    "title",
    "birthday",
    "position",
    "department",
    "company",
    "street",
    "postal_code",
    "city",
    "phone",
    "fax",
    "cell_phone",
)
_MAIL_DEFAULTS: Final[dict[str, Any]] = {
    "plan": "standard",
    "first_name": "",
    "last_name": "",
    "inboxsave": True,
    "forwards": [],
    "aliases": [],
    "alternate_mail": "",
    "memo": "",
    "active": True,
    "require_reset_password": False,
    "same_password_disallowed": False,
    **dict.fromkeys(_MAIL_PROFILE, ""),
    "uid_extern": "",
    "language": "de_DE",
    "allow_nets": "",
    "additional_mail_quota": "0",
    "additional_cloud_quota": "0",
}
#: mail.add flags that are accepted but have no observable effect (see guesses).
_MAIL_ADD_FLAGS: Final = (
    "catchall",
    "create_own_context",
    "recover",
    "skip_welcome_mail",
    "evac_force_activation",
)


def _mail_type(values: Mapping[str, Any]) -> str:
    if not values["forwards"]:
        return "inbox"
    return "inboxforward" if values["inboxsave"] else "forward"


_ACCOUNT_STRINGS: Final = (
    "memo",
    "contact_mail",
    "contact_phone",
    "contact_fax",
    "contact_mobile",
    "company",
    "ustid",
    "language",
)
_ACCOUNT_ADD_PARAMS: Final = _params(
    ("account",),
    password=Param("secret", required=True),
    plan=Param("string", required=True, choices=ACCOUNT_PLANS),
    tarifflimits=Param("object"),
    max_mailinglist=_INT,
    address_payment_same_as_main=_BOOL,
    **dict.fromkeys(_ACCOUNT_STRINGS, _STR),
    **{f"address_main_{key}": _STR for key in _ACCOUNT_GROUPS["address_main"]},
    **{f"address_payment_{key}": _STR for key in _ACCOUNT_GROUPS["address_payment"][1:] if key != "company"},
)
_ACCOUNT_SET_PARAMS: Final = _params(
    ("account",),
    password=Param("secret"),
    telephone_password=Param("secret"),
    plan=Param("string", choices=ACCOUNT_PLANS),
    tarifflimits=Param("object"),
    max_mailinglist=_INT,
    address_payment_same_as_main=_BOOL,
    av_contract_professional_secrecy=_BOOL,
    **dict.fromkeys(
        (
            *_ACCOUNT_STRINGS,
            "contact_mail_payment",
            "bank_iban",
            "bank_bic",
            "bank_account_owner",
            "payment_type",
            "av_contract_accept_name",
            "salutation",
            "mail_forwarding",
        ),
        _STR,
    ),
    **{f"address_main_{key}": _STR for key in _ACCOUNT_GROUPS["address_main"][1:]},
    **{f"address_payment_{key}": _STR for key in _ACCOUNT_GROUPS["address_payment"][1:]},
)
_MAIL_COMMON: Final = {
    "password": Param("secret", nullable=True),
    "password_hash": Param("secret", nullable=True),
    "first_name": _STR,
    "last_name": _STR,
    "inboxsave": _BOOL,
    "forwards": Param("strings"),
    "memo": _STR,
    "additional_mail_quota": Param("quota"),
    "additional_cloud_quota": Param("quota"),
    "require_reset_password": _BOOL,
    "allow_nets": _STR,
    "uid_extern": _STR,
    "language": _STR,
    **dict.fromkeys(_MAIL_PROFILE, _STR),
}
_MAIL_ADD_PARAMS: Final = {
    **_MAIL_COMMON,
    "mail": Param("string", required=True),
    "plan": Param("string", required=True, choices=MAIL_PLANS),
    "first_name": Param("string", required=True),
    "last_name": Param("string", required=True),
    "inboxsave": Param("boolean", required=True),
    "forwards": Param("strings", required=True),
    **dict.fromkeys(_MAIL_ADD_FLAGS, _BOOL),
}
_MAIL_SET_PARAMS: Final = {
    **_MAIL_COMMON,
    "mail": Param("string", required=True),
    "plan": Param("string", choices=MAIL_PLANS + LEGACY_MAIL_PLANS),
    "aliases": Param("strings"),
    "alternate_mail": _STR,
    "active": _BOOL,
    "deletion_date": _STR,
    "same_password_disallowed": _BOOL,
}
