"""A targeted replace (`pulumi up --replace URN`, `pulumi state taint`) under the engine's real steps.

The engine calls no Diff for it and replaces create-before-delete unless the resource option
``delete_before_replace`` says otherwise (engine-behaviour.md, "Targeted replace"). The object the
state records must exist afterwards: never deleted, never adopted and then deleted.
"""

from __future__ import annotations

import pulumi
import pytest

from harness import HostPool, Op, ProgramStack, ProviderError
from pulumi_mailboxorg import Account, Context, Domain
from pulumi_mailboxorg.emulator import Emulator
from resources.engine_programs import ADA, DOMAIN, domain_and_mailbox, mutations, programs, snapshot
from resources.support import RESELLER_LOGIN, stack_config

# -- (a) a targeted replace never deletes the object the state records ---------------------------------


@pytest.mark.parametrize("adopt", [None, True], ids=["without adopt", "with adopt"])
def test_a_targeted_replace_of_a_mailbox_leaves_the_address_on_the_server(
    host_pool: HostPool, emulator: Emulator, adopt: bool | None
) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    stack = programs(host_pool, emulator)
    stack.up(domain_and_mailbox(adopt))
    run = stack.up(domain_and_mailbox(adopt), replace=["m"])
    assert run.operations["m"] == Op.REPLACE
    assert ADA in snapshot(emulator, "mails")
    assert stack.resource("m").id == ADA
    # Delete-before-replace: the old address goes first, then the replacement is added.
    assert mutations(emulator, "mail.")[-2:] == ["mail.del", "mail.add"]


@pytest.mark.parametrize("adopt", [None, True], ids=["without adopt", "with adopt"])
def test_a_targeted_replace_of_a_domain_leaves_the_domain_on_the_server(
    host_pool: HostPool, emulator: Emulator, adopt: bool | None
) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    stack = programs(host_pool, emulator)

    def program() -> None:
        Domain("d", account="acme", domain=DOMAIN, password="domain-pass-1", adopt=adopt)

    stack.up(program)
    assert stack.up(program, replace=["d"]).operations == {"d": Op.REPLACE}
    assert DOMAIN in snapshot(emulator, "domains")
    assert mutations(emulator, "domain.")[-2:] == ["domain.del", "domain.add"]


@pytest.mark.parametrize("adopt", [None, True], ids=["without adopt", "with adopt"])
def test_a_targeted_replace_of_an_account_leaves_the_account_on_the_server(
    host_pool: HostPool, emulator: Emulator, adopt: bool | None
) -> None:
    stack = ProgramStack(host_pool, config=stack_config(emulator, RESELLER_LOGIN))

    def program() -> None:
        Account("a", account="customer1", password="customer-pass-1", plan="basic", adopt=adopt)

    stack.up(program)
    assert stack.up(program, replace=["a"]).operations == {"a": Op.REPLACE}
    assert "customer1" in snapshot(emulator, "accounts")
    assert mutations(emulator, "account.")[-2:] == ["account.del", "account.add"]


def test_an_explicit_delete_before_replace_false_is_honoured_and_the_existing_address_is_kept(
    host_pool: HostPool, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    stack = programs(host_pool, emulator)
    stack.up(domain_and_mailbox(dbr=False))
    with pytest.raises(ProviderError) as raised:
        stack.up(domain_and_mailbox(dbr=False), replace=["m"])
    # Create-before-delete, as the user asked: the replacement meets the address; nothing is deleted.
    assert f"the address {ADA} already exists" in raised.value.details
    assert "delete_before_replace" in raised.value.details  # and adopt is not the advice for this case
    assert ADA in snapshot(emulator, "mails")
    assert "mail.del" not in mutations(emulator, "mail.")


def test_the_catchall_advice_to_replace_the_mailbox_works(host_pool: HostPool, emulator: Emulator) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    stack = programs(host_pool, emulator)
    stack.up(domain_and_mailbox(catchall=False))
    with pytest.raises(ProviderError, match="pulumi up --replace"):
        stack.up(domain_and_mailbox(catchall=True))
    stack.up(domain_and_mailbox(catchall=True), replace=["m"])
    assert stack.resource("m").outputs["catchall"] is True
    assert emulator.sent("mail.add")[-1]["catchall"] in (True, 1, "1", "true")


def test_a_targeted_replace_of_a_context_keeps_its_domains_in_their_context(
    host_pool: HostPool, emulator: Emulator
) -> None:
    # Context keeps create-before-delete: its create reuses the context the domains are in, and its
    # delete changes nothing on the server.
    emulator.publish_challenge("acme", DOMAIN)
    stack = programs(host_pool, emulator)

    def program() -> None:
        d = Domain("d", account="acme", domain=DOMAIN, password="domain-pass-1")
        Context("c", account="acme", domains=[DOMAIN], opts=pulumi.ResourceOptions(depends_on=[d]))

    stack.up(program)
    context_id = stack.resource("c").id
    assert stack.up(program, replace=["c"]).operations["c"] == Op.REPLACE
    assert stack.resource("c").id == context_id
    assert snapshot(emulator, "domains")[DOMAIN]["context_id"] == context_id
    assert emulator.calls["domain.del"] == 0
