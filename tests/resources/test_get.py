"""A get (``opts=pulumi.ResourceOptions(id=...)``): Read with only the get's inputs.

engine-behaviour.md, "Refresh, import, get". The shared create/read/delete layer
(``pulumi_mailboxorg/objects.py``) answers it from the server alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from harness import HostPool, ProgramStack, Stack
from pulumi_mailboxorg import Account, Domain, Mailbox
from pulumi_mailboxorg.emulator import Emulator
from resources.engine_programs import ADA, DOMAIN, programs
from resources.support import RESELLER_LOGIN, mailbox, stack_config

# -- get: full outputs by id (the resource layer of issue 11) ------------------------------------------


def _got(stack: ProgramStack, make: Callable[[], pulumi.CustomResource], names: list[str]) -> dict[str, Any]:
    def program() -> None:
        resource = make()
        for name in names:
            pulumi.export(name, getattr(resource, name))

    return stack.up(program).outputs


def test_get_of_a_domain_by_id_returns_its_full_outputs(host_pool: HostPool, emulator: Emulator) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    emulator.state.call_as("acme", "domain.add", {"account": "acme", "domain": DOMAIN, "password": "dp-1"})
    outputs = _got(
        programs(host_pool, emulator),
        lambda: Domain("got", opts=pulumi.ResourceOptions(id=DOMAIN)),
        ["domain", "account", "context_id"],
    )
    assert outputs["domain"] == DOMAIN and outputs["account"] == "acme" and outputs["context_id"]


def test_get_of_a_mailbox_by_id_returns_its_full_outputs(host_pool: HostPool, emulator: Emulator) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    emulator.state.call_as("acme", "domain.add", {"account": "acme", "domain": DOMAIN, "password": "dp-1"})
    stack = Stack(host_pool, config=stack_config(emulator))
    stack.up({"m": mailbox(ADA)})
    outputs = _got(
        programs(host_pool, emulator),
        lambda: Mailbox("got", opts=pulumi.ResourceOptions(id=ADA)),
        ["mail", "plan", "first_name", "last_name"],
    )
    assert outputs == {"mail": ADA, "plan": "standard", "first_name": "Ada", "last_name": "Lovelace"}


def test_get_of_an_account_by_id_returns_its_full_outputs(host_pool: HostPool, emulator: Emulator) -> None:
    outputs = _got(
        ProgramStack(host_pool, config=stack_config(emulator, RESELLER_LOGIN)),
        lambda: Account("got", opts=pulumi.ResourceOptions(id="acme")),
        ["account", "plan", "status"],
    )
    # Only the password cannot be read back.
    assert outputs["account"] == "acme" and outputs["plan"] and outputs["status"]


@pytest.mark.parametrize(
    ("kind", "missing"),
    [("Domain", "missing.example"), ("Mailbox", f"nobody@{DOMAIN}"), ("Account", "nobody")],
)
def test_get_of_a_missing_object_says_so_by_name(
    host_pool: HostPool, emulator: Emulator, kind: str, missing: str
) -> None:
    classes: dict[str, Any] = {"Domain": Domain, "Mailbox": Mailbox, "Account": Account}
    login = RESELLER_LOGIN if kind == "Account" else ("acme", "acme-pass")
    stack = ProgramStack(host_pool, config=stack_config(emulator, login))
    with pytest.raises(Exception) as raised:  # noqa: PT011  (a provider error, whatever its type)
        _got(stack, lambda: classes[kind]("got", opts=pulumi.ResourceOptions(id=missing)), [])
    text = str(raised.value)  # the provider's message, not the harness's "resource ... does not exist"
    assert f"{kind} {missing}" in text or f"{kind.lower()} {missing}" in text
