"""Transport faults: deployments converge by re-running, with nothing duplicated or orphaned.

The emulator injects faults at random (seeded) into the JSON-RPC calls of a 51-resource deployment:
``drop`` (processed, answer lost), ``http5xx`` (503, not processed), ``slow`` (processed, answer held
back beyond the client's ``requestTimeout``: a timeout), ``malformed`` (HTTP 200 with a broken body,
not processed) and ``expire`` (the session expires just before the call: error 253). ``pulumi up``
is run again after each failure, as an operator would, until it succeeds; every failure must be a
clear ``pulumi_mailboxorg.errors`` message. Then the server must hold exactly the declared objects.

The deterministic tests at the end lose the answer of one create of each kind (dropped connection,
timeout) and check that the create recognises what it did: one object, no error, and no change
planned by the next run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness import HostPool, Op, ProviderError, Res, Stack
from harness.stack import HostFactory
from pulumi_mailboxorg.emulator import Emulator
from reliability.support import ACME, RESELLER, Fleet, build_fleet, inventory, publish_all, refresh_drift
from resources.support import domain, mailbox, res, stack_config

#: Random fault rate of the convergence tests: at least one call in five fails.
FAULT_RATE = 0.25
#: ``mailboxorg:requestTimeout`` in these tests: a ``slow`` answer (held 5 s) times out after 0.5 s.
REQUEST_TIMEOUT = "0.5"
#: Re-runs allowed before a deployment is declared not to converge.
MAX_RUNS = 80
KINDS = ("drop", "http5xx", "slow", "malformed", "expire")
#: What a failure the user sees looks like: one of our exceptions with a sentence, chain dropped.
CLEAR_ERROR = re.compile(r"^pulumi_mailboxorg\.errors\.[A-Za-z]+Error: \S.{20,}")


@pytest.fixture
def faulty() -> Iterator[Emulator]:
    """An emulator with reseller and acme logins, reproducible faults, 5-second ``slow`` answers."""
    with Emulator(accounts=[RESELLER, ACME], seed=7, slow_seconds=5.0) as emu:
        yield emu


def fleet_stack(hosts: HostFactory, emulator: Emulator, *, reuse_host: bool = False) -> Stack:
    """The reseller's stack: no client-side rate limit, short request timeout; a fresh provider host
    per run, like the engine, unless ``reuse_host``."""
    return Stack(
        hosts,
        config=stack_config(emulator, login=RESELLER[:2], requestTimeout=REQUEST_TIMEOUT),
        reuse_host=reuse_host,
    )


def converge(operation: Callable[[], Any], *, max_runs: int = MAX_RUNS) -> list[ProviderError]:
    """Run ``operation`` until it succeeds; return the failures of the runs before."""
    failures: list[ProviderError] = []
    for _ in range(max_runs):
        try:
            operation()
        except ProviderError as failure:
            failures.append(failure)
            continue
        return failures
    lines = "\n".join(f.exception_line for f in failures[-5:])
    raise AssertionError(f"no convergence after {max_runs} runs; the last failures:\n{lines}")


def assert_clear(failures: list[ProviderError]) -> None:
    """Every failure is one of our errors, with a message and without the internal exception chain."""
    for failure in failures:
        assert CLEAR_ERROR.match(failure.exception_line), failure.details
        assert "During handling of the above exception" not in failure.details, failure.details
        assert "The above exception was the direct cause" not in failure.details, failure.details
        assert "already exists" not in failure.exception_line, failure.details  # a false error


def assert_server_holds_exactly(emulator: Emulator, fleet: Fleet, stack: Stack) -> None:
    """No orphan (every object is in the state) and no duplicate (one object, one context per group)."""
    held = inventory(emulator)
    assert held.accounts == fleet.accounts
    assert held.domains == fleet.domains
    assert held.mails == fleet.mails
    ids = {state.id for state in stack.resources.values()}
    assert (fleet.domains | fleet.mails | (fleet.accounts - {"acme"})) <= ids
    contexts = held.snapshot["contexts"]
    # acme: a0 and a1 alone, a2 and a3 together; each customer: one context per domain.
    assert sorted(sorted(members) for members in contexts["acme"].values()) == [
        ["a0.example"],
        ["a1.example"],
        ["a2.example", "a3.example"],
    ]
    for customer in ("customer1", "customer2"):
        assert sorted(len(members) for members in contexts[customer].values()) == [1, 1]


def run_fleet_under_faults(
    hosts: HostFactory, emulator: Emulator, kinds: tuple[str, ...], *, reuse_host: bool = False
) -> dict[str, Any]:
    """Deploy the fleet, check it, destroy it, all under random faults of ``kinds``; return figures."""
    fleet = build_fleet()
    publish_all(emulator)
    stack = fleet_stack(hosts, emulator, reuse_host=reuse_host)
    started = time.monotonic()
    emulator.set_faults(FAULT_RATE, kinds)

    up_failures = converge(lambda: stack.up(fleet.resources))
    assert_clear(up_failures)
    assert set(stack.resources) == set(fleet.resources)

    emulator.set_faults(0.0)
    faulted_calls = sum(emulator.calls.values())
    assert_server_holds_exactly(emulator, fleet, stack)
    # The next run plans nothing and the state matches the server: nothing was left half-done.
    assert set(stack.up(fleet.resources).operations.values()) == {Op.SAME}
    assert refresh_drift(stack, fleet.follows) == {}

    emulator.set_faults(FAULT_RATE, kinds)
    down_failures = converge(stack.destroy)
    assert_clear(down_failures)
    emulator.set_faults(0.0)
    assert stack.resources == {}
    held = inventory(emulator)
    assert (held.accounts, held.domains, held.mails) == (frozenset({"acme"}), frozenset(), frozenset())
    return {
        "resources": len(fleet.resources),
        "up_runs": len(up_failures) + 1,
        "destroy_runs": len(down_failures) + 1,
        "calls": faulted_calls,
        "seconds": round(time.monotonic() - started, 1),
    }


@pytest.mark.slow
def test_a_51_resource_deployment_converges_under_every_fault_kind_at_once(
    host_pool: HostPool, faulty: Emulator
) -> None:
    figures = run_fleet_under_faults(host_pool, faulty, KINDS)
    print(f"\nall fault kinds at {FAULT_RATE:.0%}: {figures}")


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_a_51_resource_deployment_converges_under_one_fault_kind(
    host_pool: HostPool, faulty: Emulator, kind: str
) -> None:
    with host_pool.take() as host:
        figures = run_fleet_under_faults(lambda: host, faulty, (kind,), reuse_host=True)
    print(f"\n{kind} at {FAULT_RATE:.0%}: {figures}")


# -- a lost create answer is recognised ------------------------------------------------------------------


@pytest.fixture
def emulator_for_lost_answers() -> Iterator[Emulator]:
    with Emulator(accounts=[RESELLER, ACME], slow_seconds=5.0) as emu:
        for name in ("lost1.example", "lost2.example"):
            emu.publish_challenge("acme", name)
        yield emu


def _mailbox(mail: str) -> Res:
    return mailbox(mail, aliases=[mail.replace("@", "-alias@")], loginUsername=ACME[0], loginPassword=ACME[1])


def _account(name: str) -> Res:
    return res("Account", {"account": name, "password": "acc-pass-1", "plan": "basic"})


#: resource kind -> (its create method, the resources: "lost1" gets a dropped answer, "lost2" a timeout).
LOST_CASES: dict[str, tuple[str, Callable[[], dict[str, Res]]]] = {
    "Domain": ("domain.add", lambda: {"lost1": domain("lost1.example"), "lost2": domain("lost2.example")}),
    "Mailbox": (
        "mail.add",
        lambda: {
            "d": domain("lost1.example"),
            "lost1": _mailbox("ada@lost1.example"),
            "lost2": _mailbox("bob@lost1.example"),
        },
    ),
    "Account": ("account.add", lambda: {"lost1": _account("customer8"), "lost2": _account("customer9")}),
}


@pytest.mark.parametrize("resource", sorted(LOST_CASES))
def test_a_create_whose_answer_was_lost_is_recognised_without_duplicate_or_false_error(
    host_pool: HostPool, emulator_for_lost_answers: Emulator, resource: str
) -> None:
    emulator = emulator_for_lost_answers
    method, resources = LOST_CASES[resource]
    stack = Stack(
        host_pool, config=stack_config(emulator, login=RESELLER[:2], requestTimeout=REQUEST_TIMEOUT)
    )
    emulator.inject("drop", 1, method)  # processed, then the connection is closed without an answer
    emulator.inject("slow", 1, method)  # processed, answered after the client's timeout

    result = stack.up(resources())

    assert result.operations["lost1"] == result.operations["lost2"] == Op.CREATE
    assert len(emulator.sent(method)) == 2  # each processed once: never sent again blindly
    assert set(stack.up(resources()).operations.values()) == {Op.SAME}  # no false error, no change
    assert refresh_drift(stack) == {}
    held = inventory(emulator)
    assert {stack["lost1"].id, stack["lost2"].id} <= held.domains | held.mails | held.accounts
