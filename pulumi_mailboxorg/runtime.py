"""Process-wide state of the provider host: configuration, the shared API client, the DNS checker.

Provider instances are pickled (with dill) into the Pulumi state, so they must stay tiny and hold
no session, lock, socket or credential. Everything stateful lives here, at module level, in the
process that the engine starts for dynamic providers (``python -m pulumi.dynamic``):

* :func:`configure` is called from every provider's ``configure()`` with the stack configuration;
* :func:`client` returns the one :class:`~pulumi_mailboxorg.client.MailboxOrgClient` of the process,
  so all operations (up to 4 at once) share one login;
* :func:`checker` returns a DNS propagation checker built from the same configuration.

Without a ``configure()`` call (for example code that uses a provider directly) the configuration
comes from the environment variables alone.
"""

from __future__ import annotations

import atexit
import hashlib
import threading
from collections.abc import Sequence
from importlib import import_module
from typing import TYPE_CHECKING

from .config import MAX_CONNECT_TIMEOUT, ProviderConfig, name_settings

if TYPE_CHECKING:  # imported where used: a Pulumi program never needs requests or dnspython
    from .client import MailboxOrgClient
    from .dnscheck import PropagationChecker, PropagationResult, RecordLookup

__all__ = ["checker", "client", "configure", "current_config", "login_works", "reset"]

_lock = threading.Lock()
_config: ProviderConfig | None = None
_client: MailboxOrgClient | None = None
_retired: list[MailboxOrgClient] = []
_by_login: dict[tuple[str, str], MailboxOrgClient] = {}


def configure(config: ProviderConfig) -> None:
    """Install ``config`` for this process. A changed configuration gets a new client.

    The previous client may still be serving operations in other threads, so it is not closed here
    but at process exit (:func:`reset`).

    Only the provider process calls this (from ``configure()``), so it also loads the transport
    here, once, instead of inside the first API operation while other operations wait on it; a
    Pulumi program, which only declares resources, never imports requests or dnspython.
    """
    global _config, _client
    import_module(".client", __package__)
    import_module(".dnscheck", __package__)
    with _lock:
        if config == _config:
            return
        if _client is not None:
            _retired.append(_client)
        _retired.extend(_by_login.values())
        _by_login.clear()
        _client = None
        _config = config


def current_config() -> ProviderConfig:
    """The configuration installed by :func:`configure`, or one read from the environment."""
    global _config
    with _lock:
        if _config is None:
            _config = ProviderConfig.load()
        return _config


def client(login: tuple[str, str] | None = None) -> MailboxOrgClient:
    """The process's shared API client (created on first use; the login itself is lazy).

    ``login`` (user name, password) selects a client of its own for that login, shared by every
    operation that names it: a reseller's stack managing a customer's mailboxes with the
    customer's account login. Without it, the configured credentials are used.
    """
    global _client
    config = current_config()
    with _lock:
        if login is not None and login != (config.username, config.password):
            key = (login[0], hashlib.sha256(login[1].encode()).hexdigest())
            other = _by_login.get(key)
            if other is None:
                other = _new_client(config, login[0], login[1])
                _by_login[key] = other
            return other
        if _client is None:
            username, password = config.require_credentials()
            _client = _new_client(config, username, password)
        return _client


def _new_client(config: ProviderConfig, username: str, password: str) -> MailboxOrgClient:
    from .client import MailboxOrgClient

    return MailboxOrgClient(
        config.endpoint,
        username,
        password,
        connect_timeout=min(MAX_CONNECT_TIMEOUT, config.request_timeout),
        read_timeout=config.request_timeout,
        rate_limit=config.rate_limit,
    )


def login_works(username: str, password: str) -> bool:
    """Whether ``username`` logs in with ``password`` (a throwaway client, logged out at once).

    False when the login is refused; transport failures propagate.
    """
    from .errors import AuthenticationError

    if not username or not password:
        return False
    probe = _new_client(current_config(), username, password)
    try:
        probe.login()
    except AuthenticationError:
        return False
    finally:
        probe.close()
    return True


class _NamingChecker:
    """A PropagationChecker whose DnsCheckErrors name the stack key they are about (the checker's own
    messages only say "name the nameservers to ask explicitly")."""

    def __init__(self, inner: PropagationChecker) -> None:
        self.inner = inner

    def check(self, name: str, expected: str, budget: float | None = None) -> PropagationResult:
        from .errors import DnsCheckError

        try:
            return self.inner.check(name, expected, budget)
        except DnsCheckError as exc:
            raise name_settings(exc) from None

    def lookup_many(
        self, queries: Sequence[tuple[str, str]], budget: float | None = None, *, zone_info: bool = True
    ) -> list[RecordLookup]:
        from .errors import DnsCheckError

        try:
            return self.inner.lookup_many(queries, budget, zone_info=zone_info)
        except DnsCheckError as exc:
            raise name_settings(exc) from None

    def __repr__(self) -> str:
        return repr(self.inner)


def checker() -> _NamingChecker:
    """A DNS propagation checker honouring ``mailboxorg:dnsNameservers``; its errors name that key."""
    from .dnscheck import PropagationChecker

    config = current_config()
    return _NamingChecker(PropagationChecker(config.dns_nameservers or None))


def reset() -> None:
    """Close the shared client and forget the configuration (tests; process exit)."""
    global _config, _client
    with _lock:
        old = [*_retired, *_by_login.values(), *([_client] if _client is not None else [])]
        _retired.clear()
        _by_login.clear()
        _client, _config = None, None
    for client in old:
        client.close()


atexit.register(reset)
