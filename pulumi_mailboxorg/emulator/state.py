"""The emulated mailbox.org business API: data model, sessions and method semantics.

:class:`EmulatorState` holds every object (logins, accounts, domains, contexts, mail addresses)
and sessions, and implements the JSON-RPC methods of the reference (``shared/mailboxorg-api.md``)
§1, §2.1 (including ``search``, ``test.accountallowed`` and ``test.domainallowed``), §2.2, §2.4,
§2.5, §2.6 and §4. It knows nothing of HTTP: :mod:`.api` turns requests into
:meth:`EmulatorState.dispatch` calls. Every uncertain behaviour follows
:mod:`pulumi_mailboxorg.guesses`; error codes come from :data:`~pulumi_mailboxorg.guesses.ERRORS`
except the three documented ones (2, 218, 253).

Thread safety: one re-entrant lock guards all data. Nothing slow runs while it is held: the DNS
ownership check of ``domain.add`` runs between two locked phases.

Secrets: passwords are stored but never returned by any method, and no error message or ``data``
ever carries a parameter value (messages name parameters only).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Final, Literal, Protocol, TypeAlias, cast, get_args

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rdtypes.ANY.TXT

from ..guesses import ERRORS

__all__ = [
    "ACCESS_DENIED",
    "DNS_TXT_MISSING",
    "INVALID_SESSION",
    "LEVELS",
    "METHODS",
    "Caller",
    "EmulatorState",
    "Level",
    "Login",
    "LoginSpec",
    "OwnershipCheck",
    "ReaddDeleted",
    "RpcError",
    "TxtOwnershipCheck",
    "meets_mail_password_policy",
    "parse_login",
]

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


# --------------------------------------------------------------------------------------------------
# The DNS ownership check (the emulated mailbox.org resolver)


class OwnershipCheck(Protocol):
    """Answers whether the ownership TXT record ``txt`` is visible at ``host``."""

    def is_published(self, host: str, txt: str) -> bool:
        """True when a TXT record at ``host`` holds exactly ``txt``."""
        ...


class TxtOwnershipCheck:
    """Look the ownership TXT record up with a real DNS query, as mailbox.org's resolver would.

    ``nameserver`` returns the ``(address, port)`` to ask (called on every lookup, so it may point
    at a server that starts later). The query is UDP with RD set, repeated over TCP when the answer
    is truncated; every TXT record in the answer (after CNAMEs) counts, its strings joined. A lookup
    that fails in any way (timeout, refusal, NXDOMAIN, wrong value) counts as "not published" and is
    remembered for ``negative_cache_ttl`` seconds, during which the name is not asked again.
    """

    def __init__(
        self,
        nameserver: Callable[[], tuple[str, int]],
        *,
        timeout: float = 2.0,
        negative_cache_ttl: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._nameserver = nameserver
        self._timeout = timeout
        self.negative_cache_ttl = negative_cache_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._negative: dict[str, float] = {}

    def is_published(self, host: str, txt: str) -> bool:
        """True when ``host`` has a TXT record equal to ``txt``; see the class docstring."""
        key = host.lower().rstrip(".")
        with self._lock:
            expires = self._negative.get(key)
            if expires is not None and self._clock() < expires:
                return False
            self._negative.pop(key, None)
        found = txt in self._lookup(key)
        if not found and self.negative_cache_ttl > 0:
            with self._lock:
                self._negative[key] = self._clock() + self.negative_cache_ttl
        return found

    def _lookup(self, name: str) -> set[str]:
        address, port = self._nameserver()
        query = dns.message.make_query(name, dns.rdatatype.TXT)
        try:
            response = dns.query.udp(query, address, port=port, timeout=self._timeout)
            if response.flags & dns.flags.TC:
                response = dns.query.tcp(query, address, port=port, timeout=self._timeout)
        except (dns.exception.DNSException, OSError):
            return set()
        if response.rcode() != dns.rcode.NOERROR:
            return set()
        values: set[str] = set()
        for rrset in response.answer:
            if rrset.rdtype != dns.rdatatype.TXT:
                continue
            for rdata in rrset:
                assert isinstance(rdata, dns.rdtypes.ANY.TXT.TXT)
                values.add(b"".join(rdata.strings).decode("utf-8", "replace"))
        return values


# --------------------------------------------------------------------------------------------------
# Methods table


Handler: TypeAlias = "Callable[[EmulatorState, Caller | None, dict[str, Any]], Any]"


@dataclass(frozen=True)
class MethodSpec:
    """A JSON-RPC method: allowed levels (None = anonymous), parameters, per-parameter levels."""

    levels: frozenset[Level] | None
    params: Mapping[str, Param]
    handler: Handler
    param_levels: Mapping[str, frozenset[Level]] = field(default_factory=dict)


def _levels(*levels: Level) -> frozenset[Level]:
    return frozenset(levels)


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

_ANYONE: Final = _levels(*LEVELS)
_ADMIN_RESELLER: Final = _levels("admin", "reseller")
_UP_TO_ACCOUNT: Final = _levels("admin", "reseller", "account")
_UP_TO_DOMAIN: Final = _levels("admin", "reseller", "account", "domain")


# --------------------------------------------------------------------------------------------------
# The state


def _now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


class EmulatorState:
    """Everything the emulated API knows, and the semantics of its methods.

    ``logins``: the configured logins (see :func:`parse_login`). Account-level logins become
    business accounts owned by the first configured reseller, wherever it is listed (also when it
    is added later with :meth:`add_login`), or by no reseller when there is none, in which case
    only an admin reaches them besides the account itself.

    ``session_ttl``: sliding session lifetime in seconds. ``ownership_check``: how ``domain.add``
    decides the ownership TXT record is visible (None: never ask, add domains at once).
    ``zone_hook``: called with a domain name whenever its challenge is computed, so an embedded
    DNS server can start serving that zone. ``recursive_domain_delete``: ``domain.del`` deletes the
    domain's addresses instead of refusing (``domain_not_empty``). ``secret``: the key the
    ownership challenges are derived from (random when None). ``clock``: monotonic seconds.
    ``unpaged_limit``: the most entries an unpaginated ``mail.list`` returns (the first ones in the
    requested order; a guess, see :mod:`pulumi_mailboxorg.guesses`); the attribute may be changed.
    ``readd_deleted``: what ``mail.add`` does with an address on its domain's delete list (after
    ``mail.del``) when ``recover`` is not true: ``"allow"`` adds a fresh mailbox (and takes the
    address off the list), ``"refuse"`` answers ``address_deleted`` until the address is purged
    with ``domain.deletelist.delete`` or recovered with ``recover=true``; both are guesses.
    ``mail_password_policy``: ``mail.add`` / ``mail.set`` refuse a ``password`` that does not meet
    :func:`meets_mail_password_policy` with ``weak_password`` (a guess; ``password_hash`` is not
    checked).
    ``minimal_answers``: answer only what the reference documents: ``domain.get`` gives
    ``{"memo": ...}``, ``domain.add`` and ``domain.set`` give ``true``, ``domain.list`` entries
    carry only ``domain`` and ``count_mails`` (no ``context_id``: read contexts from
    ``context.list``).

    Besides :meth:`dispatch` (the JSON-RPC entry point), the public methods are for tests and
    tools: :meth:`call_as` runs a method as a login without a session (out-of-band changes),
    :meth:`snapshot` returns every object, :meth:`challenge`, :meth:`expire_sessions`.
    """

    def __init__(
        self,
        logins: Iterable[LoginSpec] = (),
        *,
        session_ttl: float = 1200.0,
        ownership_check: OwnershipCheck | None = None,
        zone_hook: Callable[[str], None] | None = None,
        recursive_domain_delete: bool = False,
        secret: bytes | None = None,
        clock: Callable[[], float] = time.monotonic,
        unpaged_limit: int = 100,
        readd_deleted: ReaddDeleted = "allow",
        mail_password_policy: bool = True,
        minimal_answers: bool = False,
    ) -> None:
        if session_ttl <= 0:
            raise ValueError("session_ttl must be positive")
        if isinstance(unpaged_limit, bool) or not isinstance(unpaged_limit, int) or unpaged_limit < 0:
            raise ValueError("unpaged_limit must be a non-negative integer")
        self.session_ttl = session_ttl
        self.unpaged_limit = unpaged_limit
        if readd_deleted not in get_args(ReaddDeleted):
            raise ValueError("readd_deleted must be 'allow' or 'refuse'")
        self.readd_deleted: ReaddDeleted = readd_deleted
        self.mail_password_policy = mail_password_policy
        self.minimal_answers = minimal_answers
        self.ownership_check = ownership_check
        self.recursive_domain_delete = recursive_domain_delete
        self._zone_hook = zone_hook
        self._secret = secret if secret is not None else os.urandom(32)
        self._clock = clock
        self._lock = threading.RLock()
        self._operators: dict[str, _Operator] = {}
        self._accounts: dict[str, _Account] = {}
        self._domains: dict[str, _Domain] = {}
        self._mails: dict[str, _Mail] = {}
        self._deleted: dict[str, _Mail] = {}  # the delete lists: address -> the mailbox as deleted
        self._contexts: dict[str, str] = {}  # context id -> account that was issued it
        self._next_context = 100001
        self._sessions: dict[str, _Session] = {}
        self._logins = 0
        for spec in logins:
            self.add_login(spec)

    # ---------------------------------------------------------------- public helpers

    def add_login(self, spec: LoginSpec) -> Login:
        """Add a configured login; an account-level one becomes an account (see the class doc).

        The first reseller added also becomes the reseller of every account login added before it.
        """
        login = parse_login(spec)
        with self._lock:
            if login.name in self._operators or login.name in self._accounts:
                raise ValueError(f"login {login.name!r} is configured twice")
            reseller = next((op.name for op in self._operators.values() if op.level == "reseller"), None)
            if login.level == "account":
                self._accounts[login.name] = _Account(login.name, login.password, reseller, {"plan": "basic"})
            else:
                self._operators[login.name] = _Operator(login.name, login.password, login.level)
                if login.level == "reseller" and reseller is None:
                    # The first reseller also owns the account logins configured before it.
                    for account in self._accounts.values():
                        if account.reseller is None:
                            account.reseller = login.name
        return login

    @property
    def logins(self) -> int:
        """Number of successful ``auth`` calls since the start or :meth:`reset_counters`."""
        with self._lock:
            return self._logins

    def reset_counters(self) -> None:
        """Reset :attr:`logins` to zero."""
        with self._lock:
            self._logins = 0

    def expire_sessions(self) -> int:
        """Invalidate every current Auth-ID; return how many there were."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
            return count

    def expire_session(self, auth_id: str | None) -> bool:
        """Invalidate one Auth-ID; True if it was valid."""
        with self._lock:
            return auth_id is not None and self._sessions.pop(auth_id, None) is not None

    @property
    def session_count(self) -> int:
        """Number of sessions that have not expired."""
        with self._lock:
            self._purge_sessions()
            return len(self._sessions)

    def challenge(self, account: str, domain: str) -> tuple[str, str]:
        """The ``(host, txt)`` that ``domain.add`` of ``domain`` by ``account`` asks for (error 218).

        Stable for an account and domain: both are HMACs of a per-emulator secret. Also makes the
        zone hook serve the domain's zone, so the record can be published right away.
        """
        name = domain.lower().rstrip(".")
        message = f"{account}\0{name}".encode()
        host = hmac.new(self._secret, b"host\0" + message, hashlib.sha1).hexdigest()
        txt = hmac.new(self._secret, b"txt\0" + message, hashlib.sha1).hexdigest()
        if self._zone_hook is not None:
            self._zone_hook(name)
        return f"{host}.{name}", txt

    def knows_login(self, login: str) -> bool:
        """True when ``login`` names a configured login, an account, a domain or a mail address."""
        with self._lock:
            return self._caller_of(login) is not None

    def call_as(self, login: str, method: str, params: Mapping[str, Any] | None = None) -> Any:
        """Run ``method`` as ``login`` without a session: out-of-band changes for tests.

        Levels, ownership and parameters are checked as for a real call; :attr:`logins` and the
        HTTP call counters are not touched. Raises :class:`RpcError` like the API would answer.
        """
        with self._lock:
            caller = self._caller_of(login)
        if caller is None:
            raise ValueError(f"no login named {login!r}")
        return self._run(method, dict(params or {}), caller=caller)

    def snapshot(self) -> dict[str, Any]:
        """Every account, domain, mail address and context as the API renders them (no passwords),
        and under ``deleted`` each domain's delete list (as ``domain.deletelist.search`` answers)."""
        with self._lock:
            return {
                "accounts": {name: self._render_account(acc) for name, acc in sorted(self._accounts.items())},
                "domains": {name: self._render_domain(dom) for name, dom in sorted(self._domains.items())},
                "mails": {name: self._render_mail(mail) for name, mail in sorted(self._mails.items())},
                "contexts": {account: self._context_map(account) for account in sorted(self._accounts)},
                "deleted": {name: self._deleted_of(name) for name in sorted(self._domains)},
            }

    # ---------------------------------------------------------------- dispatch

    def dispatch(self, method: str, params: Mapping[str, Any], auth_id: str | None) -> Any:
        """Run one JSON-RPC call; return its result or raise :class:`RpcError`.

        Order of checks: method exists (``method_not_found``), session valid when the method is
        not anonymous (253; a valid session's lifetime restarts), level allowed
        (``permission_denied``), parameters (``invalid_params``), then the method's own rules.
        """
        spec = METHODS.get(method)
        if spec is None:
            raise RpcError.guess("method_not_found", f"unknown method '{method}'")
        caller = self._touch_session(auth_id) if spec.levels is not None else None
        return self._run(method, dict(params), caller=caller)

    def _run(self, method: str, params: dict[str, Any], *, caller: Caller | None) -> Any:
        spec = METHODS.get(method)
        if spec is None:
            raise RpcError.guess("method_not_found", f"unknown method '{method}'")
        if spec.levels is not None and (caller is None or caller.level not in spec.levels):
            raise RpcError.guess("permission_denied", f"{method} is not available at this level")
        checked = _check_params(method, spec.params, params)
        if caller is not None:
            for name, allowed in spec.param_levels.items():
                if name in checked and caller.level not in allowed:
                    raise RpcError.guess("permission_denied", f"parameter '{name}' needs a higher level")
        return spec.handler(self, caller, checked)

    # ---------------------------------------------------------------- sessions

    def _purge_sessions(self) -> None:
        deadline = self._clock() - self.session_ttl
        for auth_id in [key for key, session in self._sessions.items() if session.last_used <= deadline]:
            del self._sessions[auth_id]

    def _touch_session(self, auth_id: str | None) -> Caller:
        with self._lock:
            session = self._sessions.get(auth_id) if auth_id else None
            now = self._clock()
            if session is None or now - session.last_used >= self.session_ttl:
                if auth_id:
                    self._sessions.pop(auth_id, None)
                raise RpcError(*INVALID_SESSION)
            session.last_used = now
            return replace(session.caller, auth_id=auth_id)

    @staticmethod
    def _new_auth_id() -> str:
        """An opaque Auth-ID shaped like the documented ones (with ``;``, ``%``, ``)``, ``&``, ``.``)."""
        alphabet = string.ascii_letters + string.digits

        def chunk(length: int) -> str:
            return "".join(secrets.choice(alphabet) for _ in range(length))

        return (
            f"{chunk(6)};{chunk(4)}%{chunk(3)}){chunk(3)}&{chunk(4)}"
            f"{secrets.token_hex(7)[:13]}.{secrets.randbelow(10**8):08d}"
        )

    def _remove_sessions(self, logins: set[tuple[str, Level]]) -> None:
        for auth_id in [
            key
            for key, session in self._sessions.items()
            if (session.caller.login, session.caller.level) in logins
        ]:
            del self._sessions[auth_id]

    def _caller_of(self, login: str) -> Caller | None:
        if login in self._operators:
            return Caller(login, self._operators[login].level)
        if login in self._accounts:
            return Caller(login, "account")
        if login.lower() in self._domains:
            return Caller(login.lower(), "domain")
        if login.lower() in self._mails:
            return Caller(login.lower(), "mail")
        return None

    def _authenticate(self, user: str, password: str) -> Caller | None:
        candidate: tuple[Caller, str | None] | None = None
        lowered = user.lower()
        if user in self._operators:
            operator = self._operators[user]
            candidate = (Caller(user, operator.level), operator.password)
        elif user in self._accounts:
            candidate = (Caller(user, "account"), self._accounts[user].password)
        elif lowered in self._domains:
            candidate = (Caller(lowered, "domain"), self._domains[lowered].password)
        elif lowered in self._mails and self._mails[lowered].values.get("active", True):
            candidate = (Caller(lowered, "mail"), self._mails[lowered].password)
        expected = candidate[1] if candidate is not None else None
        # Compare even for unknown users, so timing does not reveal which names exist.
        matches = hmac.compare_digest((expected or "\0").encode(), password.encode())
        return candidate[0] if candidate is not None and expected is not None and matches else None

    # ---------------------------------------------------------------- reach (ownership)

    def _reaches_account(self, caller: Caller, account: _Account) -> bool:
        if caller.level == "admin":
            return True
        if caller.level == "reseller":
            return account.reseller == caller.login
        return caller.level == "account" and account.name == caller.login

    def _reaches_domain(self, caller: Caller, domain: _Domain) -> bool:
        if caller.level == "domain":
            return domain.name == caller.login
        return caller.level != "mail" and self._reaches_account(caller, self._accounts[domain.account])

    def _reaches_mail(self, caller: Caller, mail: _Mail) -> bool:
        if caller.level == "mail":
            return mail.address == caller.login
        return self._reaches_domain(caller, self._domains[mail.domain])

    def _account(self, caller: Caller | None, name: str) -> _Account:
        account = self._accounts.get(name)
        if account is None:
            raise RpcError.guess("not_found", f"account '{name}' does not exist")
        if caller is None or not self._reaches_account(caller, account):
            raise RpcError.guess("permission_denied", f"account '{name}' is not yours")
        return account

    def _domain(self, caller: Caller | None, name: str) -> _Domain:
        domain = self._domains.get(name)
        if domain is None:
            raise RpcError.guess("not_found", f"domain '{name}' does not exist")
        if caller is None or not self._reaches_domain(caller, domain):
            raise RpcError.guess("permission_denied", f"domain '{name}' is not yours")
        return domain

    def _mail(self, caller: Caller | None, address: str) -> _Mail:
        mail = self._mails.get(address)
        if mail is None:
            raise RpcError.guess("not_found", f"mail address '{address}' does not exist")
        if caller is None or not self._reaches_mail(caller, mail):
            raise RpcError.guess("permission_denied", f"mail address '{address}' is not yours")
        return mail

    # ---------------------------------------------------------------- rendering

    def _render_account(self, account: _Account) -> dict[str, Any]:
        values = account.values
        rendered: dict[str, Any] = {
            "account": account.name,
            "type": "BMBO",
            "status": "aktiv",
            "plan": values["plan"],
        }
        for key, default in _ACCOUNT_TOP.items():
            rendered[key] = values.get(key, default)
        for group, keys in _ACCOUNT_GROUPS.items():
            rendered[group] = {
                key: values.get(f"{group}_{key}", _ACCOUNT_DEFAULTS.get(f"{group}_{key}", "")) for key in keys
            }
        rendered["tarifflimits"] = dict(values.get("tarifflimits", {}))
        return rendered

    def _render_domain(self, domain: _Domain) -> dict[str, Any]:
        return {
            "domain": domain.name,
            "account": domain.account,
            "context_id": domain.context_id,
            "memo": domain.memo,
            "count_mails": sum(1 for mail in self._mails.values() if mail.domain == domain.name),
        }

    def _render_mail(self, mail: _Mail) -> dict[str, Any]:
        values = {**_MAIL_DEFAULTS, **mail.values}
        rendered: dict[str, Any] = {
            "mail": mail.address,
            "domain": mail.domain,
            "parent_uid": self._domains[mail.domain].account,
            "type": _mail_type(values),
        }
        for key in _MAIL_DEFAULTS:
            value = values[key]
            rendered[key] = list(value) if isinstance(value, list) else value
        rendered["capabilities"] = []
        rendered["possible_capabilities"] = list(POSSIBLE_CAPABILITIES)
        rendered["creation_date"] = mail.creation_date
        if values.get("deletion_date"):
            rendered["deletion_date"] = values["deletion_date"]
        return rendered

    def _context_map(self, account: str) -> dict[str, list[str]]:
        contexts: dict[str, list[str]] = {}
        for domain in sorted(self._domains.values(), key=lambda item: item.name):
            if domain.account == account:
                contexts.setdefault(domain.context_id, []).append(domain.name)
        return dict(sorted(contexts.items(), key=lambda item: int(item[0])))

    # ---------------------------------------------------------------- session and utility methods

    def _auth(self, _caller: Caller | None, params: dict[str, Any]) -> Any:
        with self._lock:
            caller = self._authenticate(params["user"], params["pass"])
            if caller is None:
                raise RpcError(*ACCESS_DENIED)
            self._purge_sessions()
            auth_id = self._new_auth_id()
            self._sessions[auth_id] = _Session(caller, self._clock())
            self._logins += 1
            return {"session": auth_id, "level": caller.level}

    def _deauth(self, caller: Caller | None, _params: dict[str, Any]) -> Any:
        if caller is not None:
            self.expire_session(caller.auth_id)
        return True

    def _hello_world(self, _caller: Caller | None, _params: dict[str, Any]) -> Any:
        return "Hello World!"

    def _hello_innerworld(self, _caller: Caller | None, _params: dict[str, Any]) -> Any:
        return "Hello Inner-World!"

    def _search(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        assert caller is not None
        needle = params["query"].lower()
        summary = params.get("get_account_summary", False)
        extended = params.get("get_extended_mail_result", False)
        with self._lock:
            accounts = []
            for name, account in sorted(self._accounts.items()):
                if needle in name.lower() and self._reaches_account(caller, account):
                    rendered = self._render_account(account)
                    accounts.append(
                        rendered if summary else {key: rendered[key] for key in ("account", "plan", "status")}
                    )
            domains = [
                {"domain": name, "account": domain.account}
                for name, domain in sorted(self._domains.items())
                if needle in name and self._reaches_domain(caller, domain)
            ]
            emails = []
            for address, mail in sorted(self._mails.items()):
                if needle in address and self._reaches_mail(caller, mail):
                    rendered = self._render_mail(mail)
                    emails.append(
                        rendered
                        if extended
                        else {key: rendered[key] for key in ("mail", "domain", "parent_uid")}
                    )
            return {"accounts": accounts, "domains": domains, "emails": emails}

    def _test_accountallowed(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        assert caller is not None
        with self._lock:
            account = self._accounts.get(params["account"])
            return account is not None and self._reaches_account(caller, account)

    def _test_domainallowed(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        assert caller is not None
        with self._lock:
            domain = self._domains.get(params["domain"].lower().rstrip("."))
            return domain is not None and self._reaches_domain(caller, domain)

    # ---------------------------------------------------------------- accounts

    @staticmethod
    def _account_values(params: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, value in params.items():
            if key in ("account", "password", "telephone_password"):
                continue
            if key == "salutation":
                key = "address_main_salutation"
            if key == "tarifflimits":
                value = EmulatorState._tarifflimits(value)
            if key == "max_mailinglist" and value < 0:
                raise _invalid("parameter 'max_mailinglist' must not be negative")
            values[key] = value
        return values

    @staticmethod
    def _tarifflimits(value: Mapping[str, Any]) -> dict[str, int]:
        limits: dict[str, int] = {}
        for plan, limit in value.items():
            if plan not in ACCOUNT_PLANS:
                raise _invalid(f"'tarifflimits' keys must be one of {', '.join(ACCOUNT_PLANS)}")
            if isinstance(limit, str) and limit.isdigit():
                limit = int(limit)
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise _invalid("'tarifflimits' values must be non-negative integers")
            limits[plan] = limit
        return limits

    def _account_add(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        assert caller is not None
        name = _account_name(params["account"])
        values = self._account_values(params)
        with self._lock:
            if name in self._accounts or name in self._operators:
                raise RpcError.guess("already_exists", f"account '{name}' already exists")
            account = _Account(name, params["password"], caller.login, values)
            self._accounts[name] = account
            return self._render_account(account)

    def _account_get(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        with self._lock:
            return self._render_account(self._account(caller, params["account"]))

    def _account_set(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        values = self._account_values(params)
        with self._lock:
            account = self._account(caller, params["account"])
            if "password" in params:
                account.password = params["password"]
            if "telephone_password" in params:
                account.telephone_password = params["telephone_password"]
            account.values.update(values)
            return self._render_account(account)

    def _account_del(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        with self._lock:
            account = self._account(caller, params["account"])
            removed: set[tuple[str, Level]] = {(account.name, "account")}
            for domain in [dom for dom in self._domains.values() if dom.account == account.name]:
                removed |= self._delete_domain(domain)
            for context_id in [cid for cid, owner in self._contexts.items() if owner == account.name]:
                del self._contexts[context_id]
            del self._accounts[account.name]
            self._remove_sessions(removed)
            return True

    def _account_list(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        assert caller is not None
        query = params.get("query", "").lower()
        extended = params.get("extended_results", False)
        with self._lock:
            result = []
            for name, account in sorted(self._accounts.items()):
                if not self._reaches_account(caller, account) or query not in name.lower():
                    continue
                rendered = self._render_account(account)
                result.append(
                    rendered if extended else {key: rendered[key] for key in ("account", "plan", "status")}
                )
            return result

    # ---------------------------------------------------------------- contexts

    def _context_list(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        with self._lock:
            account = self._account(caller, params["account"])
            return self._context_map(account.name)

    def _issue_context(self, account: str) -> str:
        context_id = str(self._next_context)
        self._next_context += 1
        self._contexts[context_id] = account
        return context_id

    def _context_choice(self, account: str, params: Mapping[str, Any]) -> str | None:
        """The existing context ``params`` name (validated), or None when a new one is wanted."""
        context_id = params.get("context_id")
        if context_id is not None and params.get("create_new_context_id"):
            raise _invalid("give either 'context_id' or 'create_new_context_id', not both")
        if context_id is None:
            return None
        if self._contexts.get(context_id) != account:
            raise RpcError.guess(
                "not_found", f"context '{context_id}' is not a context of account '{account}'"
            )
        return str(context_id)

    # ---------------------------------------------------------------- domains

    def _domain_add(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        name = _domain_name(params["domain"])
        with self._lock:
            account = self._account(caller, params["account"])
            if name in self._domains:
                raise RpcError.guess("already_exists", f"domain '{name}' already exists")
            self._context_choice(account.name, params)
        check = self.ownership_check
        if check is not None:
            host, txt = self.challenge(account.name, name)
            if not check.is_published(host, txt):
                raise RpcError(*DNS_TXT_MISSING, data={"host": host, "txt": txt})
        with self._lock:  # the world may have changed during the DNS lookup: check again
            account = self._account(caller, params["account"])
            if name in self._domains:
                raise RpcError.guess("already_exists", f"domain '{name}' already exists")
            context_id = self._context_choice(account.name, params) or self._issue_context(account.name)
            domain = _Domain(name, account.name, params["password"], context_id, params.get("memo", ""))
            self._domains[name] = domain
            return True if self.minimal_answers else self._render_domain(domain)

    def _domain_get(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        with self._lock:
            domain = self._domain(caller, _domain_name(params["domain"]))
            return {"memo": domain.memo} if self.minimal_answers else self._render_domain(domain)

    def _domain_set(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        with self._lock:
            domain = self._domain(caller, _domain_name(params["domain"]))
            context_id = self._context_choice(domain.account, params)
            if context_id is not None:
                domain.context_id = context_id
            elif params.get("create_new_context_id"):
                domain.context_id = self._issue_context(domain.account)
            if "password" in params:
                domain.password = params["password"]
            if "memo" in params:
                domain.memo = params["memo"]
            return True if self.minimal_answers else self._render_domain(domain)

    def _domain_del(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        name = _domain_name(params["domain"])
        with self._lock:
            account = self._account(caller, params["account"])
            domain = self._domains.get(name)
            if domain is None or domain.account != account.name:
                raise RpcError.guess(
                    "not_found", f"domain '{name}' does not exist in account '{account.name}'"
                )
            if not self.recursive_domain_delete and any(mail.domain == name for mail in self._mails.values()):
                raise RpcError.guess("domain_not_empty", f"delete the mail addresses of '{name}' first")
            self._remove_sessions(self._delete_domain(domain))
            return True

    def _delete_domain(self, domain: _Domain) -> set[tuple[str, Level]]:
        """Delete ``domain``, its addresses and the aliases on it; return the logins that went away."""
        removed: set[tuple[str, Level]] = {(domain.name, "domain")}
        for address in [key for key, mail in self._mails.items() if mail.domain == domain.name]:
            del self._mails[address]
            removed.add((address, "mail"))
        for address in [key for key, mail in self._deleted.items() if mail.domain == domain.name]:
            del self._deleted[address]
        suffix = "@" + domain.name
        for mail in self._mails.values():
            aliases = mail.values.get("aliases")
            if aliases:
                mail.values["aliases"] = [alias for alias in aliases if not alias.endswith(suffix)]
        del self._domains[domain.name]
        return removed

    def _domain_list(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        needle = params.get("filter", "").lower()
        with self._lock:
            account = self._account(caller, params["account"])
            listed = [
                self._render_domain(domain)
                for name, domain in sorted(self._domains.items())
                if domain.account == account.name and needle in name
            ]
            if self.minimal_answers:
                return [{"domain": item["domain"], "count_mails": item["count_mails"]} for item in listed]
            return listed

    # ---------------------------------------------------------------- mail addresses

    def _address_taken(self, address: str, owner: str | None = None) -> bool:
        """True when ``address`` is a mail address or an alias of a mail address other than ``owner``."""
        if address in self._mails:
            return True
        return any(
            address in mail.values.get("aliases", ()) for key, mail in self._mails.items() if key != owner
        )

    def _owner_of(self, address: str) -> str | None:
        """The account owning the domain of ``address``, or None."""
        domain = self._domains.get(address.rpartition("@")[2])
        return None if domain is None else domain.account

    def _mail_values(self, mail: str, account: str, params: Mapping[str, Any]) -> dict[str, Any]:
        values = {
            key: value
            for key, value in params.items()
            if key not in ("mail", "password", "password_hash", *_MAIL_ADD_FLAGS)
        }
        if "forwards" in values:
            values["forwards"] = [_mail_address(item, "forwards") for item in values["forwards"]]
        if "aliases" in values:
            aliases = [_mail_address(item, "aliases") for item in values["aliases"]]
            for alias in aliases:
                owner = self._domains.get(alias.rpartition("@")[2])
                if owner is None or owner.account != account:
                    raise _invalid("every alias must be on a domain of the same account")
                if alias == mail or self._address_taken(alias, owner=mail):
                    raise RpcError.guess("already_exists", f"address '{alias}' is already in use")
            values["aliases"] = list(dict.fromkeys(aliases))
        return values

    def _password_pair(self, params: Mapping[str, Any], *, required: bool) -> None:
        given = [key for key in ("password", "password_hash") if key in params]
        if len(given) > 1:
            raise _invalid("give either 'password' or 'password_hash', not both")
        if required and not given:
            raise _invalid("missing required parameter 'password'")
        password = params.get("password")
        if self.mail_password_policy and password is not None and not meets_mail_password_policy(password):
            raise RpcError.guess("weak_password")

    def _mail_add(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        address = _mail_address(params["mail"])
        self._password_pair(params, required=True)
        with self._lock:
            domain = self._domain(caller, address.rpartition("@")[2])
            if self._address_taken(address):
                raise RpcError.guess("already_exists", f"mail address '{address}' already exists")
            deleted = self._deleted.get(address)
            recover = deleted is not None and params.get("recover") is True
            if deleted is not None and not recover and self.readd_deleted == "refuse":
                raise RpcError.guess(
                    "address_deleted",
                    f"'{address}': recover it (recover=true) or purge it (domain.deletelist.delete)",
                )
            values = self._mail_values(address, domain.account, params)
            if deleted is not None and recover:
                kept = [
                    alias
                    for alias in deleted.values.get("aliases", ())
                    if not self._address_taken(alias, owner=address)
                    and getattr(self._domains.get(alias.rpartition("@")[2]), "account", None)
                    == domain.account
                ]
                values = {**deleted.values, "aliases": kept, **values}
            mail = _Mail(
                address,
                domain.name,
                params.get("password"),
                params.get("password_hash"),
                deleted.creation_date if deleted is not None and recover else _now_utc(),
                values,
            )
            self._deleted.pop(address, None)
            self._mails[address] = mail
            return self._render_mail(mail)

    def _mail_get(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        with self._lock:
            return self._render_mail(self._mail(caller, _mail_address(params["mail"])))

    def _mail_set(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        self._password_pair(params, required=False)
        if ("additional_mail_quota" in params or "additional_cloud_quota" in params) and "plan" not in params:
            raise _invalid("a quota must be sent together with 'plan'")
        with self._lock:
            mail = self._mail(caller, _mail_address(params["mail"]))
            values = self._mail_values(mail.address, self._domains[mail.domain].account, params)
            if "password" in params:
                mail.password, mail.password_hash = params["password"], None
            if "password_hash" in params:
                mail.password, mail.password_hash = None, params["password_hash"]
            if values.get("active") is True:
                mail.values.pop("deletion_date", None)
            mail.values.update(values)
            if not mail.values.get("active", True):
                self._remove_sessions({(mail.address, "mail")})
            return self._render_mail(mail)

    def _mail_del(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        with self._lock:
            mail = self._mail(caller, _mail_address(params["mail"]))
            del self._mails[mail.address]
            self._deleted[mail.address] = mail
            self._remove_sessions({(mail.address, "mail")})
            return True

    def _deleted_of(self, domain: str) -> list[str]:
        return sorted(address for address, mail in self._deleted.items() if mail.domain == domain)

    def _deletelist_search(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        with self._lock:
            return self._deleted_of(self._domain(caller, _domain_name(params["domain"])).name)

    def _deletelist_delete(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        address = _mail_address(params["mail"])
        with self._lock:
            deleted = self._deleted.get(address)
            if deleted is None:
                raise RpcError.guess("not_found", f"'{address}' is not on a delete list")
            self._domain(caller, deleted.domain)
            del self._deleted[address]
            return True

    def _mail_list(self, caller: Caller | None, params: dict[str, Any]) -> Any:
        page, page_size = params.get("page"), params.get("page_size")
        if page is not None and page_size is None:
            raise _invalid("'page' needs 'page_size'")
        if page_size is not None and page is None:
            raise _invalid("'page_size' needs 'page'")
        if (page is not None and page < 1) or (page_size is not None and page_size < 1):
            raise _invalid("'page' and 'page_size' must be at least 1")
        sort_field = params.get("sort_field", "mail")
        field_key = "active" if sort_field == "status" else sort_field
        with self._lock:
            domain = self._domain(caller, _domain_name(params["domain"]))
            rendered = [
                self._render_mail(mail) for mail in self._mails.values() if mail.domain == domain.name
            ]
        rendered.sort(
            key=lambda item: (str(item[field_key]), item["mail"]), reverse=params.get("sort_order") == "desc"
        )
        if page is None or page_size is None:
            return rendered[: self.unpaged_limit]
        start = (page - 1) * page_size
        return {
            "totalHits": len(rendered),
            "totalPages": math.ceil(len(rendered) / page_size),
            "results": rendered[start : start + page_size],
        }


METHODS: Final[dict[str, MethodSpec]] = {
    "auth": MethodSpec(
        None,
        {"user": Param("string", required=True), "pass": Param("string", required=True)},
        EmulatorState._auth,
    ),
    "deauth": MethodSpec(_ANYONE, {}, EmulatorState._deauth),
    "hello.world": MethodSpec(None, {}, EmulatorState._hello_world),
    "hello.innerworld": MethodSpec(_ANYONE, {}, EmulatorState._hello_innerworld),
    "search": MethodSpec(
        _ANYONE,
        _params(("query",), get_account_summary=_BOOL, get_extended_mail_result=_BOOL),
        EmulatorState._search,
    ),
    "test.accountallowed": MethodSpec(_ANYONE, _params(("account",)), EmulatorState._test_accountallowed),
    "test.domainallowed": MethodSpec(_ANYONE, _params(("domain",)), EmulatorState._test_domainallowed),
    "account.add": MethodSpec(_levels("reseller"), _ACCOUNT_ADD_PARAMS, EmulatorState._account_add),
    "account.get": MethodSpec(_UP_TO_ACCOUNT, _params(("account",)), EmulatorState._account_get),
    "account.set": MethodSpec(
        _UP_TO_ACCOUNT,
        _ACCOUNT_SET_PARAMS,
        EmulatorState._account_set,
        param_levels={"plan": _ADMIN_RESELLER},
    ),
    "account.del": MethodSpec(_ADMIN_RESELLER, _params(("account",)), EmulatorState._account_del),
    "account.list": MethodSpec(
        _ADMIN_RESELLER, _params(query=_STR, extended_results=_BOOL), EmulatorState._account_list
    ),
    "context.list": MethodSpec(_UP_TO_ACCOUNT, _params(("account",)), EmulatorState._context_list),
    "domain.add": MethodSpec(
        _UP_TO_ACCOUNT,
        _params(
            ("account", "domain"),
            password=Param("secret", required=True),
            context_id=_STR,
            create_new_context_id=_BOOL,
            memo=_STR,
        ),
        EmulatorState._domain_add,
    ),
    "domain.get": MethodSpec(_UP_TO_DOMAIN, _params(("domain",)), EmulatorState._domain_get),
    "domain.set": MethodSpec(
        _UP_TO_DOMAIN,
        _params(
            ("domain",), password=Param("secret"), context_id=_STR, create_new_context_id=_BOOL, memo=_STR
        ),
        EmulatorState._domain_set,
        param_levels={"context_id": _UP_TO_ACCOUNT, "create_new_context_id": _UP_TO_ACCOUNT},
    ),
    "domain.del": MethodSpec(_UP_TO_ACCOUNT, _params(("account", "domain")), EmulatorState._domain_del),
    "domain.list": MethodSpec(_UP_TO_ACCOUNT, _params(("account",), filter=_STR), EmulatorState._domain_list),
    "mail.add": MethodSpec(_levels("admin", "account", "domain"), _MAIL_ADD_PARAMS, EmulatorState._mail_add),
    "mail.get": MethodSpec(_ANYONE, _params(("mail",), include_quota_usage=_BOOL), EmulatorState._mail_get),
    "mail.set": MethodSpec(
        _ANYONE,
        _MAIL_SET_PARAMS,
        EmulatorState._mail_set,
        param_levels=dict.fromkeys(
            ("plan", "additional_mail_quota", "additional_cloud_quota"), _UP_TO_DOMAIN
        ),
    ),
    "mail.del": MethodSpec(_UP_TO_DOMAIN, _params(("mail",)), EmulatorState._mail_del),
    "domain.deletelist.search": MethodSpec(
        _UP_TO_DOMAIN, _params(("domain",)), EmulatorState._deletelist_search
    ),
    "domain.deletelist.delete": MethodSpec(
        _UP_TO_DOMAIN, _params(("mail",)), EmulatorState._deletelist_delete
    ),
    "mail.list": MethodSpec(
        _UP_TO_DOMAIN,
        _params(
            ("domain",),
            details=_BOOL,
            page=_INT,
            page_size=_INT,
            sort_field=Param("string", choices=MAIL_SORT_FIELDS),
            sort_order=Param("string", choices=("asc", "desc")),
        ),
        EmulatorState._mail_list,
    ),
}
"""Every implemented method. Levels follow the reference's per-method allow-lists (§2, §4)."""
