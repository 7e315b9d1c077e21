"""Manage mailbox.org business mail (accounts, contexts, domains, mailboxes) with Pulumi.

Resources: :class:`Account`, :class:`Context`, :class:`Domain`, :class:`DomainChallenge`,
:class:`Mailbox`, :class:`MailDnsCheck`, each with its ``*Args`` class; :func:`mail_dns_records` lists the
DNS records a mail domain needs (:class:`MailDnsRecord`). Errors: :class:`MailboxOrgError` and its subclasses
(:mod:`pulumi_mailboxorg.errors`). The API client (:class:`MailboxOrgClient`) can be used on its own.
The local emulator lives in :mod:`pulumi_mailboxorg.emulator`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .account import Account, AccountArgs
    from .challenge import DomainChallenge, DomainChallengeArgs
    from .client import MailboxOrgClient
    from .context import Context, ContextArgs
    from .domain import Domain, DomainArgs
    from .errors import (
        ApiError,
        AuthenticationError,
        ConfigurationError,
        DnsVerificationRequiredError,
        InputError,
        InvalidSessionError,
        MailboxOrgError,
        TransportError,
        UndecidableError,
        VerificationTimeoutError,
    )
    from .mailbox import Mailbox, MailboxArgs
    from .maildns import MailDnsRecord, mail_dns_records
    from .maildnscheck import MailDnsCheck, MailDnsCheckArgs

#: Public name -> defining module. Imports are lazy (PEP 562) so that the client and the emulator
#: can be used without importing Pulumi.
_LAZY = {
    "Account": "account",
    "AccountArgs": "account",
    "ApiError": "errors",
    "AuthenticationError": "errors",
    "ConfigurationError": "errors",
    "Context": "context",
    "ContextArgs": "context",
    "DnsVerificationRequiredError": "errors",
    "Domain": "domain",
    "DomainArgs": "domain",
    "DomainChallenge": "challenge",
    "DomainChallengeArgs": "challenge",
    "InputError": "errors",
    "InvalidSessionError": "errors",
    "Mailbox": "mailbox",
    "MailboxArgs": "mailbox",
    "MailDnsCheck": "maildnscheck",
    "MailDnsCheckArgs": "maildnscheck",
    "MailDnsRecord": "maildns",
    "MailboxOrgClient": "client",
    "MailboxOrgError": "errors",
    "TransportError": "errors",
    "UndecidableError": "errors",
    "VerificationTimeoutError": "errors",
    "mail_dns_records": "maildns",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0"

__all__ = [
    "Account",
    "AccountArgs",
    "ApiError",
    "AuthenticationError",
    "ConfigurationError",
    "Context",
    "ContextArgs",
    "DnsVerificationRequiredError",
    "Domain",
    "DomainArgs",
    "DomainChallenge",
    "DomainChallengeArgs",
    "InputError",
    "InvalidSessionError",
    "MailDnsCheck",
    "MailDnsCheckArgs",
    "MailDnsRecord",
    "Mailbox",
    "MailboxArgs",
    "MailboxOrgClient",
    "MailboxOrgError",
    "TransportError",
    "UndecidableError",
    "VerificationTimeoutError",
    "__version__",
    "mail_dns_records",
]
