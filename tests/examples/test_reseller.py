"""examples/reseller: account -> domains -> one shared context -> mailboxes, with a reseller login."""

from __future__ import annotations

import json

import pytest

from examples.support import assert_schema_outputs, program, project_defaults
from harness import HostPool, ProgramStack, Secret
from pulumi_mailboxorg.emulator import Emulator
from resources.support import RESELLER_LOGIN, stack_config

#: End-to-end flows: every provider host is started by its command, as the engine starts it.
pytestmark = pytest.mark.exec_hosts

PROJECT = "mailboxorg-reseller"
SECRETS = {
    "customerPassword": "Northwind-Login-1",
    "domainPassword": "Northwind-Domain-1",
    "mailboxPassword": "Northwind-Mail-1",
}


def test_reseller_sets_up_a_customer_with_shared_context_and_tears_it_down_in_reverse(
    host_pool: HostPool, emulator: Emulator
) -> None:
    defaults = project_defaults("reseller")
    customer = defaults[f"{PROJECT}:customer"]
    first, second = json.loads(defaults[f"{PROJECT}:domains"])
    for domain in (first, second):  # the ownership records are already in DNS
        emulator.publish_challenge(customer, domain)
    config = {
        **stack_config(emulator, login=RESELLER_LOGIN),
        **defaults,
        **{f"{PROJECT}:{key}": Secret(value) for key, value in SECRETS.items()},
    }
    stack = ProgramStack(host_pool, config=config, project=PROJECT, schedule="concurrent")

    run = stack.up(program("reseller"))

    order = [step.name for step in run.steps]
    assert order.index("customer") < order.index(first) < order.index("shared") < order.index("ada")
    assert order.index(second) < order.index("shared") < order.index("charles")
    snapshot = emulator.state.snapshot()
    assert snapshot["accounts"][customer]["plan"] == "profi"
    assert {snapshot["domains"][d]["account"] for d in (first, second)} == {customer}
    contexts = snapshot["contexts"][customer]
    assert sorted(contexts[run.outputs["contextId"]]) == sorted([first, second])
    assert sorted(snapshot["mails"]) == [f"ada@{first}", f"charles@{first}"]
    assert snapshot["mails"][f"ada@{first}"]["aliases"] == [f"ada@{second}"]
    assert stack.resource("ada").outputs["account"] == customer
    assert stack.resource("ada").is_secret("loginPassword")
    assert_schema_outputs(stack)
    stderr = stack.stderr_text()
    assert all(secret not in stderr for secret in SECRETS.values())

    # The Domains declare no context_id: after the Context moved one of them, nothing differs.
    assert set(stack.up(program("reseller")).operations.values()) == {"same"}

    stack.destroy()
    snapshot = emulator.state.snapshot()
    assert customer not in snapshot["accounts"]
    assert snapshot["domains"] == {} and snapshot["mails"] == {}
