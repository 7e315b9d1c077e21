"""Shared helpers for resource tests: stacks wired to an emulator, and the resources' Res builders.

Resource tests drive the real dynamic-provider host (``python -m pulumi.dynamic``) through
:mod:`harness`, against the ``emulator`` fixture, when what they prove is engine behaviour. Behaviour
that does not depend on the engine path (``check``'s validation, for one) runs in-process
instead: :func:`in_process` configures this process's runtime for the emulator, as ``configure()``
does in a provider host, and the provider classes are called directly.

Properties use wire (camelCase) names, as the engine sends them; secret inputs are wrapped in
:class:`harness.Secret`, as the Python SDK does for them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from harness import HostPool, Res, Schedule, Secret, Stack
from pulumi_mailboxorg import runtime
from pulumi_mailboxorg.account import AccountProvider
from pulumi_mailboxorg.challenge import DomainChallengeProvider
from pulumi_mailboxorg.config import ProviderConfig
from pulumi_mailboxorg.context import ContextProvider
from pulumi_mailboxorg.domain import DomainProvider
from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.mailbox import MailboxProvider
from pulumi_mailboxorg.maildnscheck import MailDnsCheckProvider
from pulumi_mailboxorg.provider import MailboxOrgProvider

#: Logins of the ``emulator`` fixture (tests/conftest.py).
ACCOUNT_LOGIN = ("acme", "acme-pass")
RESELLER_LOGIN = ("reseller", "reseller-pass")

PROVIDERS: dict[str, type[MailboxOrgProvider]] = {
    "Account": AccountProvider,
    "Context": ContextProvider,
    "Domain": DomainProvider,
    "DomainChallenge": DomainChallengeProvider,
    "Mailbox": MailboxProvider,
    "MailDnsCheck": MailDnsCheckProvider,
}


def stack_config(emulator: Emulator, login: tuple[str, str] = ACCOUNT_LOGIN, **extra: Any) -> dict[str, Any]:
    """Stack config pointing the provider at ``emulator`` (API and DNS), fast DNS polling, no rate limit."""
    config: dict[str, Any] = {
        "mailboxorg:endpoint": emulator.endpoint,
        "mailboxorg:username": login[0],
        "mailboxorg:password": Secret(login[1]),
        "mailboxorg:dnsNameservers": emulator.dns,
        "mailboxorg:dnsPollInterval": "0.2",
        "mailboxorg:verificationTimeout": "20",
        "mailboxorg:rateLimit": "0",
    }
    config.update({f"mailboxorg:{key}": value for key, value in extra.items()})
    return config


#: How resource tests schedule steps: the engine's way (independent steps concurrently, in a
#: shuffled order), so a test that relies on declaration order without ``depends_on`` fails here as
#: it would for a user. ``HARNESS_SEED`` fixes the shuffle to reproduce a failure.
SCHEDULE: Schedule = "concurrent"
SEED: int | None = int(os.environ["HARNESS_SEED"]) if os.environ.get("HARNESS_SEED") else None


def make_stack(
    hosts: HostPool, emulator: Emulator, login: tuple[str, str] = ACCOUNT_LOGIN, **extra: Any
) -> Stack:
    """A Stack whose operations each start a fresh provider host configured for ``emulator``, with
    steps scheduled by recorded dependencies only, concurrently and shuffled (:data:`SCHEDULE`)."""
    return Stack(hosts, config=stack_config(emulator, login, **extra), schedule=SCHEDULE, seed=SEED)


def after(resource: Res, *names: str) -> Res:
    """``resource`` with ``depends_on`` the named resources of the same deployment."""
    return dataclasses.replace(resource, depends_on=(*resource.depends_on, *names))


def res(kind: str, props: Mapping[str, Any], depends_on: Sequence[str] = ()) -> Res:
    """A resource of ``kind`` (e.g. "Domain") with wire-named ``props``; secret props wrapped in Secret,
    and ``additional_secret_outputs`` as the Python resource class declares them."""
    provider_class = PROVIDERS[kind]
    secret = {p.wire for p in provider_class.props if p.secret}
    wrapped = {
        k: Secret(v) if k in secret and v is not None and not isinstance(v, Secret) else v
        for k, v in props.items()
    }
    return Res(provider_class(), wrapped, secret_outputs=sorted(secret), depends_on=tuple(depends_on))


def domain(name: str = "example.com", account: str = "acme", **props: Any) -> Res:
    """A Domain resource (password defaults to a fixed test value)."""
    return res("Domain", {"account": account, "domain": name, "password": "domain-pass-1", **props})


def mailbox(mail: str, **props: Any) -> Res:
    """A Mailbox resource with the required fields filled in."""
    base = {
        "mail": mail,
        "password": "Mail-pass-1",
        "plan": "standard",
        "firstName": "Ada",
        "lastName": "Lovelace",
    }
    return res("Mailbox", {**base, **props})


def plain(props: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` with :class:`harness.Secret` values unwrapped, as the host hands them to a provider
    that does not accept secrets."""
    return {k: v.value if isinstance(v, Secret) else v for k, v in props.items()}


@contextmanager
def in_process(emulator: Emulator, login: tuple[str, str] = ACCOUNT_LOGIN, **extra: Any) -> Iterator[None]:
    """Configure this process's provider runtime for ``emulator`` (the config of :func:`stack_config`),
    and forget it afterwards, so provider classes can be called directly: ``DomainProvider().check(...)``.
    """
    config = plain(stack_config(emulator, login, **extra))
    runtime.configure(ProviderConfig.load(config.get, environ={}))
    try:
        yield
    finally:
        runtime.reset()
