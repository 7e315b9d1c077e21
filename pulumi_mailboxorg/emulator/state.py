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

The module is split along its seams: :mod:`.model` (levels, errors, logins, stored objects),
:mod:`.params` (request parameters), :mod:`.ownership` (the ``domain.add`` DNS check), and the
handlers by object (:mod:`.sessions`, :mod:`.accounts`, :mod:`.contexts`, :mod:`.domains`,
:mod:`.mails`), bound as methods of :class:`EmulatorState` here; every name listed in ``__all__``
is still importable from this module.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeAlias, get_args

from . import accounts, contexts, domains, mails, sessions
from .model import (
    ACCESS_DENIED,
    DNS_TXT_MISSING,
    INVALID_SESSION,
    LEVELS,
    MAIL_SORT_FIELDS,
    POSSIBLE_CAPABILITIES,
    Caller,
    Level,
    Login,
    LoginSpec,
    ReaddDeleted,
    RpcError,
    _Account,
    _Domain,
    _Mail,
    _Operator,
    _Session,
    parse_login,
)
from .ownership import OwnershipCheck, TxtOwnershipCheck
from .params import (
    _ACCOUNT_ADD_PARAMS,
    _ACCOUNT_DEFAULTS,
    _ACCOUNT_GROUPS,
    _ACCOUNT_SET_PARAMS,
    _ACCOUNT_TOP,
    _BOOL,
    _INT,
    _MAIL_ADD_PARAMS,
    _MAIL_DEFAULTS,
    _MAIL_SET_PARAMS,
    _STR,
    Param,
    _check_params,
    _mail_type,
    _params,
    meets_mail_password_policy,
)

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


_ANYONE: Final = _levels(*LEVELS)
_ADMIN_RESELLER: Final = _levels("admin", "reseller")
_UP_TO_ACCOUNT: Final = _levels("admin", "reseller", "account")
_UP_TO_DOMAIN: Final = _levels("admin", "reseller", "account", "domain")


# --------------------------------------------------------------------------------------------------
# The state


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

    # ---------------------------------------------------------------- handlers by object
    # (functions of the modules sessions, accounts, contexts, domains and mails, bound here)

    _auth = sessions._auth
    _deauth = sessions._deauth
    _hello_world = sessions._hello_world
    _hello_innerworld = sessions._hello_innerworld
    _search = sessions._search
    _test_accountallowed = sessions._test_accountallowed
    _test_domainallowed = sessions._test_domainallowed

    _account_values = staticmethod(accounts._account_values)
    _tarifflimits = staticmethod(accounts._tarifflimits)
    _account_add = accounts._account_add
    _account_get = accounts._account_get
    _account_set = accounts._account_set
    _account_del = accounts._account_del
    _account_list = accounts._account_list

    _context_list = contexts._context_list
    _issue_context = contexts._issue_context
    _context_choice = contexts._context_choice

    _domain_add = domains._domain_add
    _domain_get = domains._domain_get
    _domain_set = domains._domain_set
    _domain_del = domains._domain_del
    _delete_domain = domains._delete_domain
    _domain_list = domains._domain_list

    _address_taken = mails._address_taken
    _owner_of = mails._owner_of
    _mail_values = mails._mail_values
    _password_pair = mails._password_pair
    _mail_add = mails._mail_add
    _mail_get = mails._mail_get
    _mail_set = mails._mail_set
    _mail_del = mails._mail_del
    _deleted_of = mails._deleted_of
    _deletelist_search = mails._deletelist_search
    _deletelist_delete = mails._deletelist_delete
    _mail_list = mails._mail_list


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
