"""Shared helpers of the reliability tests.

:func:`build_fleet`: a deployment of 51 resources of every server-side kind, and what the server
must hold for it. Used by the fault tests: a reseller's stack with 2 customer accounts, 8 domains
(4 of the existing account ``acme``, 2 per new customer), one Context gathering two of acme's
domains, and 40 mailboxes (5 per domain; some with aliases, which ``mail.set`` applies after
``mail.add``, some with forwards, some inactive). The ownership records of all domains are published
beforehand, so every domain is accepted at its first ``domain.add``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness import Res, Stack
from pulumi_mailboxorg.emulator import Emulator
from resources.support import res

#: The emulator's logins for these tests: (name, password, level).
RESELLER = ("reseller", "reseller-pass", "reseller")
ACME = ("acme", "acme-pass", "account")

CUSTOMERS = ("customer1", "customer2")
DOMAINS: dict[str, str] = {
    "a0.example": "acme",
    "a1.example": "acme",
    "a2.example": "acme",
    "a3.example": "acme",
    "c1a.example": "customer1",
    "c1b.example": "customer1",
    "c2a.example": "customer2",
    "c2b.example": "customer2",
}
CONTEXT_DOMAINS = ("a2.example", "a3.example")
#: Account-level logins: ``mail.*`` is not available to a reseller session, so each Mailbox logs in as
#: the account that owns its domain (``login_username``/``login_password``).
ACCOUNT_PASSWORDS = {"acme": ACME[1], "customer1": "customer1-pass-1", "customer2": "customer2-pass-1"}
USERS = ("ada", "bob", "cy", "dee", "eve")


@dataclass(frozen=True)
class Fleet:
    """The resources (in dependency order, every dependency declared) and the objects the server must
    hold for them."""

    resources: dict[str, Res]
    #: Outputs another resource changes by design: the Context moves its domains (``contextId``).
    follows: dict[str, frozenset[str]]
    accounts: frozenset[str]
    domains: frozenset[str]
    mails: frozenset[str]


def build_fleet() -> Fleet:
    """51 resources: 2 Account, 8 Domain, 1 Context, 40 Mailbox (logged in as their account)."""
    resources: dict[str, Res] = {}
    for account in CUSTOMERS:
        resources[f"account-{account}"] = res(
            "Account",
            {"account": account, "password": ACCOUNT_PASSWORDS[account], "plan": "basic", "memo": "fleet"},
        )
    for name, account in DOMAINS.items():
        resources[f"domain-{name}"] = res(
            "Domain",
            {"account": account, "domain": name, "password": "domain-pass-1", "memo": name},
            depends_on=[f"account-{account}"] if account in CUSTOMERS else [],
        )
    resources["context"] = res(
        "Context",
        {"account": "acme", "domains": list(CONTEXT_DOMAINS)},
        depends_on=[f"domain-{name}" for name in CONTEXT_DOMAINS],
    )
    mails = []
    for name in DOMAINS:
        for index, user in enumerate(USERS):
            mail = f"{user}@{name}"
            mails.append(mail)
            props: dict[str, Any] = {
                "mail": mail,
                "password": "Mail-pass-1",
                "plan": "standard",
                "firstName": user.title(),
                "lastName": "Fleet",
                "memo": f"mailbox {index}",
                "loginUsername": DOMAINS[name],
                "loginPassword": ACCOUNT_PASSWORDS[DOMAINS[name]],
            }
            if index == 1:
                props["aliases"] = [f"{user}-alias@{name}"]
            if index == 2:
                props["forwards"] = [f"{user}@elsewhere.example"]
            if index == 3:
                props["active"] = False
            # A context domain's mailboxes come after the Context: it moves the domains, and moving a
            # domain that holds mailboxes is refused (no allow_data_loss here).
            deps = [f"domain-{name}", *(["context"] if name in CONTEXT_DOMAINS else [])]
            resources[f"mail-{mail}"] = res("Mailbox", props, depends_on=deps)
    return Fleet(
        resources=resources,
        follows={f"domain-{name}": frozenset({"contextId"}) for name in CONTEXT_DOMAINS},
        accounts=frozenset({"acme", *CUSTOMERS}),
        domains=frozenset(DOMAINS),
        mails=frozenset(mails),
    )


def publish_all(emulator: Emulator) -> None:
    """Publish the ownership record of every fleet domain in the emulator's DNS server."""
    for name, account in DOMAINS.items():
        emulator.publish_challenge(account, name)


@dataclass(frozen=True)
class Inventory:
    """What the server holds."""

    accounts: frozenset[str]
    domains: frozenset[str]
    mails: frozenset[str]
    snapshot: dict[str, Any]


#: Outputs that follow other resources by design: a Domain's ``countMails`` grows with its Mailboxes.
VOLATILE_OUTPUTS = frozenset({"countMails"})


def refresh_drift(stack: Stack, follows: Mapping[str, frozenset[str]] | None = None) -> dict[str, set[str]]:
    """``pulumi refresh``; return, per resource, the outputs whose value changed and ``{"<gone>"}`` for
    a resource the refresh dropped. Volatile outputs and those in ``follows[name]`` are left aside."""
    follows = follows or {}
    before = {name: dict(state.outputs) for name, state in stack.resources.items()}
    stack.refresh()
    drift: dict[str, set[str]] = {}
    for name, outputs in before.items():
        if name not in stack:
            drift[name] = {"<gone>"}
            continue
        after = stack[name].outputs
        changed = {k for k in set(outputs) | set(after) if outputs.get(k) != after.get(k)}
        changed -= VOLATILE_OUTPUTS | follows.get(name, frozenset())
        if changed:
            drift[name] = changed
    return drift


def inventory(emulator: Emulator) -> Inventory:
    """The emulator's objects, read directly from its state (no API call, no fault)."""
    snapshot = emulator.state.snapshot()
    return Inventory(
        accounts=frozenset(snapshot["accounts"]),
        domains=frozenset(snapshot["domains"]),
        mails=frozenset(snapshot["mails"]),
        snapshot=snapshot,
    )


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)
