"""A local emulator of the mailbox.org business API, with its own authoritative DNS server.

Run a Pulumi program offline against it, or use it in tests::

    from pulumi_mailboxorg.emulator import Emulator

    with Emulator(accounts=["reseller:reseller-pass:reseller", "acme:acme-pass:account"]) as emu:
        emu.endpoint       # "http://127.0.0.1:PORT/v1/": point MAILBOXORG_ENDPOINT here
        emu.dns            # "127.0.0.1:PORT": the DNS server holding the ownership TXT records

From a shell: ``mailboxorg-emulator`` (or ``python -m pulumi_mailboxorg.emulator``); ``--help``
lists the options.

What it emulates (reference ``shared/mailboxorg-api.md``; every uncertain behaviour is a guess
listed in :mod:`pulumi_mailboxorg.guesses`):

* JSON-RPC 2.0 over ``POST /v1/``; ``auth`` / ``deauth`` with sliding session expiry, the
  ``HPLS-AUTH`` header, errors 2 and 253; ``hello.world`` and ``hello.innerworld``; ``search``,
  ``test.accountallowed`` and ``test.domainallowed``;
  ``account.add/get/set/del/list``, ``context.list``, ``domain.add/get/set/del/list``,
  ``mail.add/get/set/del/list`` (``mail.add`` with ``recover``), ``domain.deletelist.search/delete``,
  with per-method level allow-lists and ownership checks.
* ``domain.add`` answers error 218 with ``{host, txt}`` until that TXT record is visible to a real
  DNS query sent to the embedded DNS server (or to ``dns_nameserver``). The embedded server starts
  serving a domain's zone the first time the domain is asked for, so the record can be published
  there with RFC 2136 dynamic update (``nsupdate``) or :meth:`AuthoritativeServer.add_record`.
* Transport faults, staged races (:meth:`Emulator.race`), latency and call counters for resilience
  tests (see :mod:`.faults`).

Passwords are never returned by any method.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

from .api import ApiServer
from .dns_server import AuthoritativeServer
from .faults import DEFAULT_FAULT_KINDS, FAULT_KINDS, FaultKind, FaultPlan
from .state import (
    EmulatorState,
    Login,
    LoginSpec,
    ReaddDeleted,
    RpcError,
    TxtOwnershipCheck,
    parse_login,
)

__all__ = [
    "DEFAULT_ACCOUNTS",
    "DEFAULT_FAULT_KINDS",
    "FAULT_KINDS",
    "Emulator",
    "EmulatorState",
    "FaultKind",
    "Login",
    "ReaddDeleted",
    "RpcError",
    "parse_login",
]

#: The logins of an emulator started without ``accounts``: a reseller and its business account.
DEFAULT_ACCOUNTS: tuple[Login, ...] = (
    Login("demo", "demo-password", "reseller"),
    Login("demo-account", "demo-password", "account"),
)


class Emulator:
    """The emulated API and its DNS server; a context manager (or :meth:`start` / :meth:`stop`).

    Parameters:
        accounts: logins as ``(name, password[, level])`` tuples or ``"name:password[:level]"``
            strings; level ``admin``, ``reseller`` or ``account`` (the default). Account-level
            logins are business accounts owned by the first reseller listed (if any), whether it
            is listed before or after them. Domain and
            mail-address logins exist for every domain and address (with their own passwords).
        host: loopback address both servers listen on.
        port: HTTP port of the JSON-RPC endpoint (0 = a free port).
        dns_port: UDP+TCP port of the embedded DNS server (0 = a free port).
        session_ttl: sliding session lifetime in seconds (mailbox.org: 20 minutes).
        latency_ms: waited before every HTTP request is processed (concurrent requests wait in
            parallel).
        fault_rate: probability (0..1) that a JSON-RPC call gets a random fault from ``fault_kinds``.
        fault_kinds: kinds random faults are drawn from; see :mod:`.faults` for all of them.
        dns_nameserver: ``(address, port)`` the ``domain.add`` TXT check asks; None = the embedded
            DNS server.
        negative_cache_ttl: seconds a failed TXT lookup is remembered (not asked again) by the
            emulated mailbox.org resolver.
        recursive_domain_delete: ``domain.del`` deletes the domain's mail addresses instead of
            refusing while any remain (the documented default behaviour is a guess).
        seed: makes random faults and the ownership challenges reproducible.
        slow_seconds: how long a ``slow`` fault holds an answer back.
        require_dns_verification: False skips the TXT check: ``domain.add`` succeeds at once.
        dns_timeout: seconds the TXT check waits for a DNS answer.
        unpaged_limit: the most entries an unpaginated ``mail.list`` returns (the first ones in the
            requested order); paginated calls see every entry. Whether the real API cuts an
            unpaginated answer short for a large domain is a guess.
        readd_deleted: ``mail.del`` puts an address on its domain's delete list
            (``domain.deletelist.search`` / ``domain.deletelist.delete``); ``mail.add`` of such an
            address without ``recover=true`` is ``"allow"``-ed (a fresh mailbox; the address leaves
            the list) or ``"refuse"``-d with error ``address_deleted`` until it is purged or
            recovered. Which one the real API does is a guess.
        mail_password_policy: ``mail.add`` and ``mail.set`` refuse a mailbox ``password`` with
            fewer than 8 characters or without an upper-case letter, a lower-case letter, a digit
            and a special character (error ``weak_password``, a guess); False accepts any password.
        minimal_answers: answer only the documented fields: ``domain.get`` gives ``{"memo": ...}``
            (the only confirmed field), ``domain.add`` and ``domain.set`` give ``true``, and
            ``domain.list`` entries carry only ``domain`` and ``count_mails``; context ids are then
            visible through ``context.list`` only.
    """

    def __init__(
        self,
        accounts: Iterable[LoginSpec] = DEFAULT_ACCOUNTS,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        dns_port: int = 0,
        session_ttl: float = 1200.0,
        latency_ms: float = 0.0,
        fault_rate: float = 0.0,
        fault_kinds: Iterable[str] = DEFAULT_FAULT_KINDS,
        dns_nameserver: tuple[str, int] | None = None,
        negative_cache_ttl: float = 0.0,
        recursive_domain_delete: bool = False,
        seed: int | None = None,
        slow_seconds: float = 30.0,
        require_dns_verification: bool = True,
        dns_timeout: float = 2.0,
        unpaged_limit: int = 100,
        readd_deleted: ReaddDeleted = "allow",
        mail_password_policy: bool = True,
        minimal_answers: bool = False,
    ) -> None:
        self.dns_server = AuthoritativeServer(host, dns_port)
        self._dns_nameserver = dns_nameserver
        self._ownership_check = TxtOwnershipCheck(
            self._nameserver, timeout=dns_timeout, negative_cache_ttl=negative_cache_ttl
        )
        secret = None if seed is None else hashlib.sha256(f"mailboxorg-emulator:{seed}".encode()).digest()
        self.state = EmulatorState(
            accounts,
            session_ttl=session_ttl,
            ownership_check=self._ownership_check if require_dns_verification else None,
            zone_hook=self.dns_server.ensure_zone,
            recursive_domain_delete=recursive_domain_delete,
            secret=secret,
            unpaged_limit=unpaged_limit,
            readd_deleted=readd_deleted,
            mail_password_policy=mail_password_policy,
            minimal_answers=minimal_answers,
        )
        self.faults = FaultPlan(fault_rate, fault_kinds, seed=seed)
        self._api = ApiServer(
            self.state, self.faults, host=host, port=port, latency_ms=latency_ms, slow_seconds=slow_seconds
        )
        self._running = False

    def _nameserver(self) -> tuple[str, int]:
        if self._dns_nameserver is not None:
            return self._dns_nameserver
        return self.dns_server.host, self.dns_server.port

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Emulator:
        """Start the DNS server, then the HTTP endpoint; return self."""
        if self._running:
            raise RuntimeError("the emulator is already running")
        self.dns_server.start()
        try:
            self._api.start()
        except BaseException:
            self.dns_server.stop()
            raise
        self._running = True
        return self

    def stop(self) -> None:
        """Stop both servers (pending latency and slow answers end at once). Idempotent."""
        if not self._running:
            return
        self._running = False
        try:
            self._api.stop()
        finally:
            self.dns_server.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        if not self._running:
            return "<Emulator stopped>"
        return f"<Emulator {self.endpoint} dns={self.dns}>"

    # ------------------------------------------------------------------ addresses

    @property
    def endpoint(self) -> str:
        """The JSON-RPC endpoint, ``http://127.0.0.1:PORT/v1/``."""
        return self._api.endpoint

    @property
    def dns_host(self) -> str:
        """Address of the embedded DNS server."""
        return self.dns_server.host

    @property
    def dns_port(self) -> int:
        """Port (UDP and TCP) of the embedded DNS server."""
        return self.dns_server.port

    @property
    def dns(self) -> str:
        """``HOST:PORT`` of the embedded DNS server (IPv6 hosts in brackets)."""
        host = f"[{self.dns_host}]" if ":" in self.dns_host else self.dns_host
        return f"{host}:{self.dns_port}"

    # ------------------------------------------------------------------ observation and control

    @property
    def calls(self) -> Counter[str]:
        """JSON-RPC method -> number of calls received (faulted ones too); a copy."""
        return self._api.calls

    @property
    def journal(self) -> list[tuple[str, dict[str, Any]]]:
        """(method, params) of every call that reached processing, in order (for tests: what was sent).

        Secret parameters are kept as sent: the journal is for tests on loopback only.
        """
        return self._api.journal

    def sent(self, method: str) -> list[dict[str, Any]]:
        """The params of every processed call of ``method``, in order."""
        return [params for name, params in self._api.journal if name == method]

    @property
    def logins(self) -> int:
        """Number of successful ``auth`` calls."""
        return self.state.logins

    def reset_counters(self) -> None:
        """Set :attr:`calls`, :attr:`journal` and :attr:`logins` back to zero."""
        self._api.reset_calls()
        self.state.reset_counters()

    def set_latency(self, ms: float) -> None:
        """Wait ``ms`` milliseconds before processing each HTTP request from now on."""
        self._api.latency_ms = ms

    def set_faults(self, rate: float, kinds: Iterable[str] | None = None) -> None:
        """Set the random fault rate and, if given, the kinds it draws from."""
        self.faults.configure(rate, kinds)

    def inject(self, kind: str, count: int = 1, method: str | None = None) -> None:
        """Give the next ``count`` JSON-RPC calls (of ``method``, if given) the fault ``kind``."""
        self.faults.inject(kind, count, method)

    def race(
        self,
        method: str,
        login: str,
        overrides: Mapping[str, Any] | None = None,
        *,
        lose_answer: bool = True,
    ) -> None:
        """Stage a race: the next HTTP call of ``method`` is preceded by another party's call.

        When that call arrives (with a valid envelope, whatever fault it then gets), ``login`` (a
        login the emulator knows: a configured one, a domain or a mail address) first calls
        ``method`` with the same params merged with ``overrides``, as if a colleague's call had
        landed a moment before ours; its outcome, error or not, is not reported. Then our call is
        processed normally (typically refused, because the object now exists). With
        ``lose_answer`` our answer is then lost: the connection is closed without an answer,
        exactly like the ``drop`` fault. Races queue up; each is used once, in order per method.
        The other party's call is neither counted in :attr:`calls` nor journaled.

        Example: ``emu.race("mail.add", "acme", {"first_name": "Eve", "password": "Other-pass-1!"})``.
        """
        if not self.state.knows_login(login):
            raise ValueError(f"no login named {login!r}")
        self._api.race(method, login, overrides, lose_answer=lose_answer)

    @property
    def pending_races(self) -> int:
        """Number of staged races whose call has not arrived yet."""
        return self._api.pending_races

    def expire_sessions(self) -> None:
        """Make every current Auth-ID invalid: its next use gets error 253."""
        self.state.expire_sessions()

    def challenge(self, account: str, domain: str) -> tuple[str, str]:
        """``(host, txt)``: the TXT record ``domain.add`` of ``domain`` by ``account`` waits for.

        The embedded DNS server starts serving the domain's zone, so a test can publish it with
        ``emu.dns_server.add_record(host, "TXT", f'"{txt}"')``.
        """
        return self.state.challenge(account, domain)

    def publish_challenge(self, account: str, domain: str) -> None:
        """Publish the ownership TXT record of ``domain`` for ``account`` in the embedded DNS server."""
        host, txt = self.challenge(account, domain)
        self.dns_server.add_record(host, "TXT", f'"{txt}"')
