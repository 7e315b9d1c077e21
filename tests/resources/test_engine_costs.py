"""What the engine's own steps cost in API calls, as the README's Limits state them.

engine-behaviour.md: the preview pass before ``pulumi refresh`` runs in its own provider process and
reads too; the engine ends each provider process with SIGINT, so its exit handler logs out; the engine
handles registrations one at a time, and the dynamic host serves 4 calls at once.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pulumi

from harness import HostPool, Op, ProgramStack, Stack
from pulumi_mailboxorg import Domain, Mailbox
from pulumi_mailboxorg.emulator import Emulator
from resources.support import mailbox, stack_config

DOMAIN = "acme.example"
ADA = f"ada@{DOMAIN}"


def _mailbox_stack(host_pool: HostPool, emulator: Emulator, **options: Any) -> Stack:
    emulator.publish_challenge("acme", DOMAIN)
    emulator.state.call_as("acme", "domain.add", {"account": "acme", "domain": DOMAIN, "password": "dp-1"})
    stack = Stack(host_pool, config=stack_config(emulator), **options)
    stack.up({"m": mailbox(ADA)})
    emulator.reset_counters()
    return stack


def test_every_provider_process_that_logged_in_logs_out_when_the_engine_ends_it(
    host_pool: HostPool, emulator: Emulator
) -> None:
    stack = _mailbox_stack(host_pool, emulator)
    stack.refresh()
    assert (emulator.calls["auth"], emulator.calls["deauth"]) == (1, 1)


def test_the_preview_pass_of_a_refresh_doubles_its_reads_and_logins(
    host_pool: HostPool, emulator: Emulator
) -> None:
    alone = _mailbox_stack(host_pool, emulator)
    alone.refresh()
    # The exit-time deauth of a host may land after the operation returned: counted apart.
    single = {method: count for method, count in emulator.calls.items() if method != "deauth"}
    emulator.reset_counters()
    alone.refresh(preview_pass=True)
    double = {method: count for method, count in emulator.calls.items() if method != "deauth"}
    assert double == {method: 2 * count for method, count in single.items()}
    assert double["auth"] == 2 and double["mail.get"] == 2
    assert emulator.calls["deauth"] <= 2


def test_four_domains_waiting_for_dns_stall_every_later_registration(
    host_pool: HostPool, emulator: Emulator
) -> None:
    # README, Limits: the engine checks registrations one at a time; with the host's 4 workers busy,
    # the fifth registration's Check waits, and every registration after it.
    emulator.publish_challenge("acme", DOMAIN)
    emulator.state.call_as("acme", "domain.add", {"account": "acme", "domain": DOMAIN, "password": "dp-1"})
    waiting = [f"wait{i}.example" for i in range(4)]
    stack = ProgramStack(host_pool, config=stack_config(emulator, verificationTimeout="60"))
    seen_while_waiting: list[int] = []
    errors: list[str] = []

    async def plan_once_four_wait() -> str:
        # An input that resolves once the four domains wait for DNS: the mailbox registers after them,
        # with no dependency on them recorded.
        while emulator.calls["domain.add"] < 4:
            await asyncio.sleep(0.05)
        return "standard"

    def program() -> None:
        domains = [Domain(name, account="acme", domain=name, password="domain-pass-1") for name in waiting]
        Mailbox(
            "m",
            mail=ADA,
            password="Mail-pass-1",
            plan=asyncio.ensure_future(plan_once_four_wait()),
            first_name="Ada",
            last_name="Lovelace",
        )
        pulumi.export("n", len(domains))

    def publisher() -> None:
        try:
            while emulator.calls["domain.add"] < 4:  # all four asked for their TXT record and wait
                threading.Event().wait(0.05)
            threading.Event().wait(1.0)
            seen_while_waiting.append(emulator.calls["mail.add"])
            for name in waiting:
                emulator.publish_challenge("acme", name)
        except Exception as exc:  # reported below
            errors.append(repr(exc))

    thread = threading.Thread(target=publisher, daemon=True)
    thread.start()
    run = stack.up(program)
    thread.join(timeout=60)
    assert errors == []
    assert run.operations["m"] == Op.CREATE
    assert seen_while_waiting == [0]  # the mailbox, independent of the domains, waited behind them
