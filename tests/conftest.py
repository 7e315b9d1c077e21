"""Shared pytest fixtures.

``emulator``
    A running :class:`pulumi_mailboxorg.emulator.Emulator` on 127.0.0.1 (free ports), fresh for
    every test, with two logins::

        reseller / reseller-pass   level "reseller"
        acme     / acme-pass       level "account" (a business account owned by "reseller")

    Default settings otherwise: 20-minute sessions, no latency, no faults, the ``domain.add`` TXT
    check asks the embedded DNS server (``emulator.publish_challenge(account, domain)`` publishes
    the record). Tests that need other settings start their own ``Emulator(...)`` in a ``with``.

``rpc`` / ``rpc_for(emulator)``
    :class:`RawRpc`: plain JSON-RPC 2.0 POSTs with ``requests`` (deliberately not the project's
    client), for tests that look at the wire. ``rpc.login(user, password)`` returns a copy that
    sends the session's ``HPLS-AUTH`` header.

``reseller`` / ``acme``
    ``RawRpc`` already logged in as the two logins of ``emulator``.

``host_pool``
    From :mod:`harness.fixtures` (module-scoped pool of started ``python -m pulumi.dynamic`` hosts).

No test reaches the network: :func:`_loopback_only` makes every socket of the test process refuse to
connect or send anywhere but loopback (and Unix sockets), so a mistake fails loudly instead of
sending traffic out.
"""

from __future__ import annotations

import ipaddress
import itertools
import os
import socket
import sys
from collections.abc import Callable, Iterator
from typing import Any

# Cache compiled modules (and pytest's rewritten test modules) even where PYTHONDONTWRITEBYTECODE is
# set, as on our CI machines: without the cache every pytest-xdist worker compiles and rewrites the
# whole suite again, ~2.5 s of CPU per worker and run (CONTRIBUTING.md, "Timings on this 2-CPU machine").
sys.dont_write_bytecode = False

import pytest  # noqa: E402  (after the bytecode switch above)
import requests  # noqa: E402

from pulumi_mailboxorg.emulator import Emulator  # noqa: E402

pytest_plugins = ["harness.fixtures"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Deal the ``slow`` tests out to the workers' shares (the rest keeps its collected order).

    ``--dist worksteal`` first splits the list into one contiguous share per worker, and idle workers
    steal from the *end* of a busy one's share. Collected in file order, the fault suite's fleets
    (about 3 minutes of tests) sat at the front of one share and ran one after the other. Here the
    k-th slow test goes to share k mod workers, spread evenly through it.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))  # set in every xdist worker
    if workers < 2:
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    rest = [item for item in items if item.get_closest_marker("slow") is None]
    if not slow or not rest:
        return
    dealt = [slow[k] for share in range(workers) for k in range(share, len(slow), workers)]
    step = len(rest) / len(dealt)
    ordered: list[pytest.Item] = []
    for index, item in enumerate(rest):
        while len(ordered) - index < len(dealt) and (len(ordered) - index) * step <= index:
            ordered.append(dealt[len(ordered) - index])
        ordered.append(item)
    ordered.extend(dealt[len(ordered) - len(rest) :])
    items[:] = ordered


def _is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True  # a Unix socket path
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name: it would be resolved by someone else's DNS


def _loopback_only() -> None:
    """Refuse every connection or datagram of this process to a non-loopback address."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_sendto = socket.socket.sendto

    def refuse(address: Any) -> None:
        raise OSError(f"tests may only reach loopback addresses, not {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        if not _is_loopback(address):
            refuse(address)
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not _is_loopback(address):
            refuse(address)
        return original_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        if not _is_loopback(args[-1]):
            refuse(args[-1])
        return original_sendto(self, data, *args)

    # setattr: the wrappers take any address, which typeshed's socket signatures do not spell.
    setattr(socket.socket, "connect", connect)  # noqa: B010
    setattr(socket.socket, "connect_ex", connect_ex)  # noqa: B010
    setattr(socket.socket, "sendto", sendto)  # noqa: B010


_loopback_only()

RESELLER = ("reseller", "reseller-pass", "reseller")
ACME = ("acme", "acme-pass", "account")

_ids = itertools.count(1)


class RpcFailure(AssertionError):
    """A call expected to succeed answered with a JSON-RPC error."""


class RawRpc:
    """Raw JSON-RPC 2.0 over HTTP POST to one endpoint, optionally with an ``HPLS-AUTH`` header."""

    def __init__(self, endpoint: str, auth: str | None = None, *, timeout: float = 10.0) -> None:
        self.endpoint = endpoint
        self.auth = auth
        self.timeout = timeout

    def post(
        self,
        body: Any = None,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> requests.Response:
        """POST ``body`` as JSON (or the raw bytes ``data``) with this session's header."""
        all_headers = {"Content-Type": "application/json"}
        if self.auth is not None:
            all_headers["HPLS-AUTH"] = self.auth
        all_headers.update(headers or {})
        return requests.post(
            self.endpoint,
            json=body if data is None else None,
            data=data,
            headers=all_headers,
            timeout=timeout or self.timeout,
        )

    def request(self, method: str, params: Any = None, **extra: Any) -> dict[str, Any]:
        """The request envelope for ``method``: a fresh string id, ``params`` {} when None."""
        return {
            "jsonrpc": "2.0",
            "method": method,
            "params": {} if params is None else params,
            "id": str(next(_ids)),
            **extra,
        }

    def envelope(self, method: str, params: Any = None, **extra: Any) -> dict[str, Any]:
        """POST one call; return the response envelope, checking HTTP 200 and the echoed id."""
        request = self.request(method, params, **extra)
        response = self.post(request)
        assert response.status_code == 200, response.text
        envelope: dict[str, Any] = response.json()
        assert envelope.get("id") == request["id"]
        assert envelope.get("jsonrpc") == "2.0"
        return envelope

    def call(self, method: str, params: Any = None) -> Any:
        """The ``result`` of one call; raises :class:`RpcFailure` on an ``error``."""
        envelope = self.envelope(method, params)
        if "error" in envelope:
            raise RpcFailure(f"{method} failed: {envelope['error']}")
        return envelope["result"]

    def error(self, method: str, params: Any = None) -> dict[str, Any]:
        """The ``error`` object of a call that must fail."""
        envelope = self.envelope(method, params)
        assert "error" in envelope, f"{method} unexpectedly succeeded: {envelope.get('result')!r}"
        error: dict[str, Any] = envelope["error"]
        return error

    def code(self, method: str, params: Any = None) -> int:
        """The error code of a call that must fail."""
        return int(self.error(method, params)["code"])

    def login(self, user: str, password: str) -> RawRpc:
        """Log in with ``auth``; return a RawRpc that sends the new session's Auth-ID."""
        result = self.call("auth", {"user": user, "pass": password})
        return RawRpc(self.endpoint, result["session"], timeout=self.timeout)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh emulator with the logins reseller:reseller-pass and acme:acme-pass (see module doc)."""
    with Emulator(accounts=[RESELLER, ACME]) as emu:
        yield emu


@pytest.fixture
def rpc_for() -> Callable[[Emulator], RawRpc]:
    """Factory: an anonymous :class:`RawRpc` for any emulator."""
    return lambda emu: RawRpc(emu.endpoint)


@pytest.fixture
def rpc(emulator: Emulator, rpc_for: Callable[[Emulator], RawRpc]) -> RawRpc:
    """An anonymous :class:`RawRpc` for ``emulator``."""
    return rpc_for(emulator)


@pytest.fixture
def reseller(rpc: RawRpc) -> RawRpc:
    """``rpc`` logged in as the reseller."""
    return rpc.login(*RESELLER[:2])


@pytest.fixture
def acme(rpc: RawRpc) -> RawRpc:
    """``rpc`` logged in as the business account acme."""
    return rpc.login(*ACME[:2])


@pytest.fixture
def add_domain(emulator: Emulator) -> Callable[..., dict[str, Any]]:
    """Factory: publish the ownership record, then ``domain.add`` (password ``domain-pass``).

    ``add_domain(session, account, domain, **more_params)`` returns the domain.add result.
    """

    def add(session: RawRpc, account: str, domain: str, **params: Any) -> dict[str, Any]:
        emulator.publish_challenge(account, domain)
        result: dict[str, Any] = session.call(
            "domain.add", {"account": account, "domain": domain, "password": "domain-pass", **params}
        )
        return result

    return add


MAILBOX_DEFAULTS: dict[str, Any] = {
    "password": "Mail-pass-1",
    "plan": "standard",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "inboxsave": True,
    "forwards": [],
}


@pytest.fixture
def add_mail() -> Callable[..., dict[str, Any]]:
    """Factory: ``add_mail(session, address, **params)`` runs mail.add with complete defaults
    (password ``Mail-pass-1``, plan standard, inbox without forwards) and returns its result."""

    def add(session: RawRpc, address: str, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = session.call("mail.add", {**MAILBOX_DEFAULTS, "mail": address, **params})
        return result

    return add
