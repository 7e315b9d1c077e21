"""A Domain and a Mailbox as a Pulumi program, and what the engine-mode tests read from the emulator.

Shared by the tests of the engine's steps (tests/resources/test_get.py, test_refresh_config.py,
test_refresh_diff.py, test_targeted_replace.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi

from harness import HostPool, ProgramStack
from pulumi_mailboxorg import Domain, Mailbox
from pulumi_mailboxorg.emulator import Emulator
from resources.support import stack_config

DOMAIN = "acme.example"
ADA = f"ada@{DOMAIN}"


def snapshot(emulator: Emulator, kind: str) -> dict[str, Any]:
    """The emulator's objects of one kind ("domains", "mails", ...)."""
    value: dict[str, Any] = emulator.state.snapshot()[kind]
    return value


def mutations(emulator: Emulator, prefix: str) -> list[str]:
    """The adds and deletes of ``prefix`` ("domain.", "mail.") the emulator answered, in order."""
    return [m for m, _ in emulator.journal if m.startswith(prefix) and m.split(".")[1] in ("add", "del")]


def programs(host_pool: HostPool, emulator: Emulator, **options: Any) -> ProgramStack:
    """A program stack logged in as the account acme."""
    return ProgramStack(host_pool, config=stack_config(emulator), **options)


def domain_and_mailbox(
    adopt: bool | None = None, dbr: bool | None = None, catchall: bool | None = None
) -> Callable[[], None]:
    """A program with the Domain acme.example and the Mailbox ada@ that depends on it."""

    def program() -> None:
        d = Domain("d", account="acme", domain=DOMAIN, password="domain-pass-1")
        Mailbox(
            "m",
            mail=ADA,
            password="Mail-pass-1",
            plan="standard",
            first_name="Ada",
            last_name="Lovelace",
            adopt=adopt,
            catchall=catchall,
            opts=pulumi.ResourceOptions(depends_on=[d], delete_before_replace=dbr),
        )

    return program
