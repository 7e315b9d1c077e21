"""Drift across resources: several fields changed out of band at once, then deletion out of band.

The per-resource tests (tests/resources/test_*.py and the contract suite) cover one memo or forwards
change and one deletion each. This test fills the gaps: for one stack holding an Account, a Domain,
a Mailbox and a Context, it changes the fields the others leave out (account plan and company,
mailbox plan, names, aliases and active flag, the domain's context), checks that one refresh sees
exactly those changes, that the next ``up`` sends back exactly the managed fields, and that deleting
every object out of band makes the refresh drop every resource. The DomainChallenge has no object on
the server (its refresh reads nothing: see tests/resources/test_challenge.py).
"""

from __future__ import annotations

from harness import HostPool, Op, Res, Stack
from pulumi_mailboxorg.emulator import Emulator
from reliability.support import refresh_drift
from resources.support import RESELLER_LOGIN, after, domain, mailbox, res, stack_config

DOMAIN = "drift.example"
SHARED = "drift-shared.example"
MAIL = f"ada@{DOMAIN}"


def resources() -> dict[str, Res]:
    login = {"loginUsername": "acme", "loginPassword": "acme-pass"}
    return {
        "account": res(
            "Account", {"account": "customer1", "password": "ap-1", "plan": "basic", "company": "A"}
        ),
        "domain": domain(DOMAIN),
        "shared": domain(SHARED),
        "mailbox": after(mailbox(MAIL, aliases=["info@drift.example"], memo="m", **login), "domain"),
        "context": res(
            "Context",
            {"account": "acme", "domains": [SHARED], "allowDataLoss": True, **login},
            depends_on=["shared"],
        ),
    }


def test_out_of_band_changes_to_every_kind_are_seen_by_one_refresh_and_repaired_by_one_up(
    host_pool: HostPool, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    emulator.publish_challenge("acme", SHARED)
    stack = Stack(host_pool, config=stack_config(emulator, login=RESELLER_LOGIN), schedule="concurrent")
    stack.up(resources())
    before = {name: dict(state.outputs) for name, state in stack.resources.items()}

    emulator.state.call_as(
        "reseller", "account.set", {"account": "customer1", "plan": "profi", "company": "B"}
    )
    emulator.state.call_as(
        "acme",
        "mail.set",
        {"mail": MAIL, "plan": "premium", "first_name": "Grace", "aliases": [], "active": False},
    )
    # The domain joins the managed context by hand.
    emulator.state.call_as(
        "acme", "domain.set", {"domain": DOMAIN, "context_id": before["context"]["contextId"]}
    )

    drift = refresh_drift(stack)

    assert drift == {
        "account": {"plan", "company"},
        "mailbox": {"plan", "firstName", "aliases", "active"},
        "domain": {"contextId"},
        "context": {"members"},  # it joined the context; the Context manages only declared domains
    }
    emulator.reset_counters()

    result = stack.up(resources())

    assert result.operations["account"] == result.operations["mailbox"] == Op.UPDATE
    assert result.operations["context"] == Op.SAME  # a Context never moves undeclared domains out
    assert result.operations["domain"] == Op.SAME  # its context is not managed by the Domain
    (account_set,) = emulator.sent("account.set")
    assert account_set == {"account": "customer1", "plan": "basic", "company": "A"}
    (mail_set,) = emulator.sent("mail.set")
    assert mail_set == {
        "mail": MAIL,
        "plan": "standard",
        "first_name": "Ada",
        "aliases": ["info@drift.example"],
        "active": True,
    }
    assert emulator.state.call_as("acme", "context.list", {"account": "acme"})[stack["context"].id] == [
        SHARED,
        DOMAIN,
    ]
    assert refresh_drift(stack, {"domain": frozenset({"contextId"})}) == {}


def test_refresh_drops_every_resource_whose_object_was_deleted_out_of_band(
    host_pool: HostPool, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    emulator.publish_challenge("acme", SHARED)
    stack = Stack(host_pool, config=stack_config(emulator, login=RESELLER_LOGIN), schedule="concurrent")
    stack.up(resources())

    emulator.state.call_as("acme", "mail.del", {"mail": MAIL})
    for name in (DOMAIN, SHARED):
        emulator.state.call_as("acme", "domain.del", {"account": "acme", "domain": name})
    emulator.state.call_as("reseller", "account.del", {"account": "customer1"})

    result = stack.refresh()

    assert set(result.operations.values()) == {Op.DELETE}
    assert stack.resources == {}
