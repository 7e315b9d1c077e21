"""The emulator's data model: levels, documented errors, plans, :class:`RpcError`, logins, callers and
the stored objects (split out of :mod:`.state`, which re-exports the public names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Final, Literal, TypeAlias, cast, get_args

from ..guesses import ERRORS

Level: TypeAlias = Literal["admin", "reseller", "account", "domain", "mail"]
#: What ``mail.add`` does with an address on its domain's delete list (see :class:`EmulatorState`).
ReaddDeleted: TypeAlias = Literal["allow", "refuse"]
#: Every session level the emulator issues, highest first.
LEVELS: Final[tuple[Level, ...]] = get_args(Level)
#: Levels a configured login may have; ``domain`` and ``mail`` logins come from domains and addresses.
CONFIGURABLE_LEVELS: Final[tuple[Level, ...]] = ("admin", "reseller", "account")

#: Documented errors (reference §3.1): these are not guesses.
ACCESS_DENIED: Final = (2, "Access denied")
INVALID_SESSION: Final = (253, "This Auth-ID is invalid")
DNS_TXT_MISSING: Final = (218, "The DNS TXT record does not contain the correct data")

ACCOUNT_PLANS: Final = ("basic", "profi", "profixl", "reseller")
MAIL_PLANS: Final = ("light", "standard", "premium")
LEGACY_MAIL_PLANS: Final = (
    "MAIL",
    "MAILXL",
    "MAILXXL",
    "MAILXXXL",
    "Office",
    "OfficeXL",
    "OfficeXXL",
    "OfficeXXXL",
)
POSSIBLE_CAPABILITIES: Final = (
    "MAIL_BLACKLIST",
    "MAIL_SPAMPROTECTION",
    "MAIL_PASSWORDRESET_SMS",
    "MAIL_BACKUPRECOVER",
)
MAIL_SORT_FIELDS: Final = (
    "mail",
    "first_name",
    "last_name",
    "status",
    "domain",
    "plan",
    "type",
    "creation_date",
)


class RpcError(Exception):
    """A JSON-RPC error answer: ``code``, ``message`` and optional ``data``."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.data = data

    @classmethod
    def guess(cls, key: str, detail: str | None = None) -> RpcError:
        """The guessed error ``ERRORS[key]``, its message extended by ``detail`` (never a value)."""
        guessed = ERRORS[key]
        message = guessed.message if detail is None else f"{guessed.message}: {detail}"
        return cls(guessed.code, message)

    def to_json(self) -> dict[str, Any]:
        """The JSON-RPC ``error`` member."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def _invalid(detail: str) -> RpcError:
    return RpcError.guess("invalid_params", detail)


# --------------------------------------------------------------------------------------------------
# Logins and callers


@dataclass(frozen=True)
class Login:
    """A configured login: ``name``, ``password`` and ``level`` (admin, reseller or account)."""

    name: str
    password: str
    level: Level = "account"

    def __repr__(self) -> str:  # never show the password
        return f"Login(name={self.name!r}, level={self.level!r})"


#: A login as accepted by :func:`parse_login`: ``(name, password)``, ``(name, password, level)``
#: or ``"name:password[:level]"``.
LoginSpec: TypeAlias = "Login | tuple[str, str] | tuple[str, str, str] | str"


def parse_login(spec: LoginSpec) -> Login:
    """Parse one login specification; the level defaults to ``account``.

    In the string form the password may contain ``:``; a last ``:``-separated part that names a
    configurable level (admin, reseller, account) is taken as the level.

    >>> parse_login("acme:s3:cret:reseller")
    Login(name='acme', level='reseller')
    """
    if isinstance(spec, Login):
        login = spec
    elif isinstance(spec, str):
        name, sep, rest = spec.partition(":")
        if not sep:
            raise ValueError("a login must be written NAME:PASSWORD[:LEVEL]")
        password, sep, level = rest.rpartition(":")
        login = Login(name, password, level) if sep and level in CONFIGURABLE_LEVELS else Login(name, rest)
    elif len(spec) == 2:
        login = Login(spec[0], spec[1])
    else:
        login = Login(spec[0], spec[1], cast(Level, spec[2]))
    if not login.name or not login.password:
        raise ValueError("a login needs a non-empty name and password")
    if login.level not in CONFIGURABLE_LEVELS:
        raise ValueError(
            f"login {login.name!r}: level must be one of {', '.join(CONFIGURABLE_LEVELS)}"
            " (domain and mail logins are the domains and addresses themselves)"
        )
    return login


@dataclass(frozen=True)
class Caller:
    """Who a request runs as: the login name, its level, and the Auth-ID it came with (if any)."""

    login: str
    level: Level
    auth_id: str | None = field(default=None, repr=False, compare=False)


@dataclass
class _Session:
    caller: Caller
    last_used: float


# --------------------------------------------------------------------------------------------------
# Data model


@dataclass
class _Operator:
    name: str
    password: str
    level: Level


@dataclass
class _Account:
    name: str
    password: str
    reseller: str | None
    values: dict[str, Any]
    telephone_password: str | None = None


@dataclass
class _Domain:
    name: str
    account: str
    password: str
    context_id: str
    memo: str = ""


@dataclass
class _Mail:
    address: str
    domain: str
    password: str | None
    password_hash: str | None
    creation_date: str
    values: dict[str, Any] = field(default_factory=dict)


def _now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
