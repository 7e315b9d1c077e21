"""Provider configuration: stack config first, then environment variables, then defaults.

The dynamic-provider host calls ``ResourceProvider.configure()`` with the stack's configuration
(``pulumi.dynamic.ConfigureRequest``); :meth:`ProviderConfig.load` turns it into a typed, validated
value. Nothing here is ever stored on a provider instance (those are pickled into the state).

Every variable (stack key, environment variable, default, secrecy) is listed once, in
:data:`SETTINGS`; the configuration table of docs/installation-configuration.md and schema.json are checked
against it.
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import ConfigurationError, MailboxOrgError

if TYPE_CHECKING:
    from .dnscheck import Nameserver

__all__ = [
    "DEFAULT_ENDPOINT",
    "OPTION_KEYS",
    "SETTINGS",
    "ProviderConfig",
    "Setting",
    "loopback_endpoint_from_environment",
    "name_settings",
]

DEFAULT_ENDPOINT = "https://api.mailbox.org/v1/"
DEFAULT_VERIFICATION_TIMEOUT = 600.0
DEFAULT_RATE_LIMIT = 10.0
DEFAULT_DNS_POLL_INTERVAL = 5.0
DEFAULT_REQUEST_TIMEOUT = 60.0
#: The connect timeout never exceeds this (a longer ``requestTimeout`` only lengthens the read wait).
MAX_CONNECT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Setting:
    """One configuration variable: its stack key, environment variable, default and secrecy."""

    key: str
    env: str
    default: str | None
    secret: bool
    description: str


#: Every configuration variable, in one table (the docs and schema.json are checked against it).
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "mailboxorg:endpoint",
        "MAILBOXORG_ENDPOINT",
        DEFAULT_ENDPOINT,
        False,
        "URL of the mailbox.org business API. `http://` is accepted only for loopback addresses "
        "(the local emulator).",
    ),
    Setting(
        "mailboxorg:username",
        "MAILBOXORG_USERNAME",
        None,
        False,
        "Login name for the API: the account name (account level) or the reseller login.",
    ),
    Setting("mailboxorg:password", "MAILBOXORG_PASSWORD", None, True, "Password of that login."),
    Setting(
        "mailboxorg:dnsNameservers",
        "MAILBOXORG_DNS_NAMESERVERS",
        None,
        False,
        "Comma-separated `host[:port]` nameservers to query for the ownership TXT record instead of "
        "discovering the zone's authoritative nameservers.",
    ),
    Setting(
        "mailboxorg:verificationTimeout",
        "MAILBOXORG_VERIFICATION_TIMEOUT",
        str(int(DEFAULT_VERIFICATION_TIMEOUT)),
        False,
        "Seconds a Domain create waits for its ownership TXT record to be accepted (0 = do not wait): a "
        "deadline for the whole wait, DNS checks included (it ends within this plus one DNS query and "
        "one API call).",
    ),
    Setting(
        "mailboxorg:rateLimit",
        "MAILBOXORG_RATE_LIMIT",
        str(int(DEFAULT_RATE_LIMIT)),
        False,
        "Maximum API requests per second from one provider process (0 = unlimited).",
    ),
    Setting(
        "mailboxorg:dnsPollInterval",
        "MAILBOXORG_DNS_POLL_INTERVAL",
        str(int(DEFAULT_DNS_POLL_INTERVAL)),
        False,
        "Seconds between two DNS checks while a Domain waits for its ownership TXT record.",
    ),
    Setting(
        "mailboxorg:requestTimeout",
        "MAILBOXORG_REQUEST_TIMEOUT",
        str(int(DEFAULT_REQUEST_TIMEOUT)),
        False,
        "Seconds to wait for one whole API answer (connect, send, status, headers, body): a server that "
        "trickles its answer is cut off then. A read that times out is retried; a change that times "
        "out is confirmed by reading the object back.",
    ),
)

_BY_KEY = {s.key: s for s in SETTINGS}

#: The stack key behind each neutral option name that the transport and the DNS checker put on
#: their errors (:attr:`~pulumi_mailboxorg.errors.MailboxOrgError.settings`).
OPTION_KEYS: dict[str, str] = {
    "endpoint": "mailboxorg:endpoint",
    "username": "mailboxorg:username",
    "password": "mailboxorg:password",
    "rate_limit": "mailboxorg:rateLimit",
    "read_timeout": "mailboxorg:requestTimeout",
    "nameservers": "mailboxorg:dnsNameservers",
}


def name_settings(error: MailboxOrgError) -> MailboxOrgError:
    """Add the stack keys and variables behind ``error.settings`` to its message (once).

    The transport and the DNS checker name only their own options ("the endpoint", "the rate
    limit"); here, in the provider layer, the message gains e.g. "Setting: `mailboxorg:endpoint`
    (environment variable MAILBOXORG_ENDPOINT)." A :class:`ConfigurationError` also gets ``key``
    and ``env`` of the first. Returns ``error``.
    """
    named = [_BY_KEY[OPTION_KEYS[name]] for name in error.settings if name in OPTION_KEYS]
    if not named or getattr(error, "_settings_named", False):
        return error
    listed = " and ".join(f"`{s.key}` (environment variable {s.env})" for s in named)
    text = str(error.args[0]) if error.args else str(error)
    text = text.rstrip()
    if not text.endswith((".", "!", "?")):
        text += "."
    error.args = (f"{text} {'Settings' if len(named) > 1 else 'Setting'}: {listed}.", *error.args[1:])
    if isinstance(error, ConfigurationError) and error.key is None:
        error.key, error.env = named[0].key, named[0].env
    error._settings_named = True  # type: ignore[attr-defined]
    return error


@dataclass(frozen=True)
class ProviderConfig:
    """Validated provider configuration. ``repr`` never shows the password."""

    endpoint: str = DEFAULT_ENDPOINT
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    dns_nameservers: tuple[Nameserver, ...] = ()
    verification_timeout: float = DEFAULT_VERIFICATION_TIMEOUT
    rate_limit: float | None = DEFAULT_RATE_LIMIT
    dns_poll_interval: float = DEFAULT_DNS_POLL_INTERVAL
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT

    @classmethod
    def load(
        cls,
        get: Callable[[str], object | None] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> ProviderConfig:
        """Build the configuration from a stack-config getter (``Config.get``) and the environment.

        ``get`` receives full keys such as ``mailboxorg:endpoint``. Credentials are not required here:
        :meth:`require_credentials` is called when an operation actually needs the API, so ``check``
        and ``diff`` work in a stack that has none.
        """
        env = os.environ if environ is None else environ

        def value(key: str) -> str | None:
            setting = _BY_KEY[key]
            raw = get(key) if get is not None else None
            if raw is None or raw == "":
                raw = env.get(setting.env) or None
            if raw is None:
                return setting.default
            return str(raw)

        endpoint = value("mailboxorg:endpoint") or DEFAULT_ENDPOINT
        nameservers_text = value("mailboxorg:dnsNameservers")
        try:
            nameservers = _parse_nameservers(nameservers_text) if nameservers_text else ()
        except ValueError as exc:
            raise _invalid("mailboxorg:dnsNameservers", str(exc)) from None
        timeout = _number(value("mailboxorg:verificationTimeout"), "mailboxorg:verificationTimeout")
        rate = _number(value("mailboxorg:rateLimit"), "mailboxorg:rateLimit")
        poll = _number(value("mailboxorg:dnsPollInterval"), "mailboxorg:dnsPollInterval")
        if poll <= 0:
            raise _invalid("mailboxorg:dnsPollInterval", "must be greater than 0")
        request_timeout = _number(value("mailboxorg:requestTimeout"), "mailboxorg:requestTimeout")
        if request_timeout <= 0:
            raise _invalid("mailboxorg:requestTimeout", "must be greater than 0")
        return cls(
            endpoint=endpoint,
            username=value("mailboxorg:username"),
            password=value("mailboxorg:password"),
            dns_nameservers=nameservers,
            verification_timeout=timeout,
            rate_limit=rate or None,
            dns_poll_interval=poll,
            request_timeout=request_timeout,
        )

    def require_credentials(self) -> tuple[str, str]:
        """Return ``(username, password)`` or raise a ConfigurationError naming key and variable."""
        missing = [
            _BY_KEY[key]
            for key, val in (("mailboxorg:username", self.username), ("mailboxorg:password", self.password))
            if not val
        ]
        if missing:
            what = " and ".join(f"`{s.key}` (or the environment variable {s.env})" for s in missing)
            hint = " --secret" if any(s.secret for s in missing) else ""
            first = missing[0]
            raise ConfigurationError(
                f"mailbox.org credentials are missing: set {what}. For example: "
                f"`pulumi config set{hint} {first.key} ...`.",
                key=first.key,
                env=first.env,
            )
        assert self.username is not None and self.password is not None
        return self.username, self.password


def loopback_endpoint_from_environment(
    get: Callable[[str], object | None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """The ``MAILBOXORG_ENDPOINT`` value when it points at a loopback host and the stack config names
    no endpoint, else ``None``.

    That combination usually means a shell still holds the emulator's variables while a stack meant
    for mailbox.org is deployed: the provider warns (see ``MailboxOrgProvider.configure``).
    """
    env = os.environ if environ is None else environ
    configured = get("mailboxorg:endpoint") if get is not None else None
    if configured not in (None, ""):
        return None
    endpoint = env.get("MAILBOXORG_ENDPOINT") or ""
    return endpoint if endpoint and _loopback_url(endpoint) else None


def _loopback_url(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse_nameservers(text: str) -> tuple[Nameserver, ...]:
    # Imported here: dnspython is needed only by the provider process, not by a Pulumi program.
    from .dnscheck import parse_nameservers

    return parse_nameservers(text)


def _invalid(key: str, reason: str) -> ConfigurationError:
    setting = _BY_KEY[key]
    return ConfigurationError(
        f"invalid value for `{key}` (environment variable {setting.env}): {reason}",
        key=key,
        env=setting.env,
    )


def _number(text: str | None, key: str) -> float:
    try:
        number = float(text or "0")
    except ValueError:
        raise _invalid(key, f"expected a number of seconds or a rate, got {text!r}") from None
    if not math.isfinite(number) or number < 0:
        raise _invalid(key, f"expected a finite number >= 0, got {text!r}")
    return number
