"""A reseller's whole program: Account -> Domains (ownership TXT via a DNS provider) -> Context -> Mailboxes.

The stack logs in as the reseller (``mailboxorg:username``). The API gives no single login every
method this program needs: ``account.add`` is reseller-only, while ``mail.add`` is available to
admin, account and domain logins but *not* to a reseller (reference §2.2 and §2.6; the emulator
enforces both). So the Mailbox resources log in as the customer they belong to, with
``login_username``/``login_password`` taken from the Account's outputs; everything else (account,
domain ownership probe, domains, context moves) runs with the reseller login.

The DNS records are a DNS provider's resources (``cloudflare:index/record:Record``), played by a
handler that publishes into the emulator's authoritative DNS server. Everything else is the real
public classes served by a real provider host.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.runtime.mocks import MockResourceArgs

import pulumi_mailboxorg as mailboxorg
from harness import UNKNOWN, HostPool, Op, ProgramStack, ProviderError, ResourceHandler
from pulumi_mailboxorg.emulator import Emulator
from resources.support import RESELLER_LOGIN, stack_config

PROJECT = "reseller"
ACCOUNT = "newco"
ACCOUNT_PASSWORD = "newco-login-pass-8c21d0"  # secret config: must never reach the host's output
DOMAIN_PASSWORD = "newco-domain-pass-5b7e44"
MAIL_PASSWORD = "Newco-mail-pass-19fa3e"
RECORD_TYPE = "cloudflare:index/record:Record"


class TxtRecordHandler(ResourceHandler):
    """A DNS provider's TXT record, published in (and removed from) the emulator's DNS server."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.calls: list[tuple[str, str]] = []

    def create(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        fqdn = str(inputs["name"])
        self.emulator.dns_server.add_record(fqdn, "TXT", f'"{inputs["content"]}"')
        self.calls.append(("create", fqdn))
        return f"rec-{fqdn}", inputs

    def delete(self, id_: str, outputs: dict[str, Any]) -> None:
        self.calls.append(("delete", str(outputs["name"])))
        self.emulator.dns_server.remove_record(str(outputs["name"]), "TXT")


class Desired:
    """What the program declares; tests change it between runs."""

    def __init__(self) -> None:
        self.memo = "first customer"
        self.domains = ["newco.example", "newco-mail.example"]
        self.mailboxes: dict[str, dict[str, Any]] = {
            "ada": {"mail": "ada@newco.example", "aliases": ["info@newco.example"]},
            "bob": {"mail": "bob@newco-mail.example", "forwards": ["bob@elsewhere.example"]},
        }

    def program(self) -> None:
        """The reseller's program, as a user would write it."""
        config = pulumi.Config()
        account = mailboxorg.Account(
            ACCOUNT,
            account=ACCOUNT,
            password=config.require_secret("accountPassword"),
            plan="profi",
            memo=self.memo,
            company="NewCo GmbH",
        )
        domains = []
        for name in self.domains:
            challenge = mailboxorg.DomainChallenge(f"{name}-ownership", account=account.account, domain=name)
            record = pulumi.CustomResource(
                RECORD_TYPE,
                f"{name}-txt",
                {"zoneId": name, "name": challenge.host, "type": "TXT", "content": challenge.txt, "ttl": 60},
            )
            domains.append(
                mailboxorg.Domain(
                    name,
                    account=account.account,
                    domain=name,
                    password=DOMAIN_PASSWORD,
                    opts=pulumi.ResourceOptions(depends_on=[record]),
                )
            )
        team = mailboxorg.Context("team", account=account.account, domains=[d.domain for d in domains])
        for resource_name, props in self.mailboxes.items():
            mailboxorg.Mailbox(
                resource_name,
                password=MAIL_PASSWORD,
                plan="standard",
                first_name=resource_name.title(),
                last_name="Example",
                # mail.add is not available to the reseller login: act as the customer.
                login_username=account.account,
                login_password=account.password,
                opts=pulumi.ResourceOptions(depends_on=[team]),
                **props,
            )
        pulumi.export("contextId", team.context_id)
        pulumi.export("accountStatus", account.status)


@pytest.fixture
def handler(emulator: Emulator) -> TxtRecordHandler:
    return TxtRecordHandler(emulator)


@pytest.fixture
def stack(host_pool: HostPool, emulator: Emulator, handler: TxtRecordHandler) -> ProgramStack:
    """A program stack logged in as the reseller, the customer's password in secret project config."""
    key = f"{PROJECT}:accountPassword"
    return ProgramStack(
        host_pool,
        config={**stack_config(emulator, RESELLER_LOGIN, verificationTimeout="10"), key: ACCOUNT_PASSWORD},
        secret_config=[key],
        project=PROJECT,
        schedule="concurrent",
        handlers={RECORD_TYPE: handler},
    )


def customer(emulator: Emulator) -> dict[str, Any]:
    """The customer's part of the emulator's state: its account, domains, contexts and addresses."""
    snapshot = emulator.state.snapshot()
    return {
        "account": snapshot["accounts"].get(ACCOUNT),
        "domains": {k: v for k, v in snapshot["domains"].items() if v["account"] == ACCOUNT},
        "contexts": snapshot["contexts"].get(ACCOUNT, {}),
        "mails": {k: v for k, v in snapshot["mails"].items() if v["parent_uid"] == ACCOUNT},
    }


@pytest.mark.slow
def test_the_reseller_program_goes_up_is_updated_and_is_destroyed_cleanly(
    stack: ProgramStack, emulator: Emulator, handler: TxtRecordHandler
) -> None:
    desired = Desired()

    # -- up: everything is created, mailboxes last, in the shared context --------------------------
    run = stack.up(desired.program)

    assert set(run.operations.values()) == {Op.CREATE}
    assert len(run.operations) == 1 + 3 * 2 + 1 + 2
    order = [s.name for s in run.steps]
    assert order[0] == ACCOUNT
    assert order.index("team") > max(order.index(d) for d in desired.domains)
    assert min(order.index("ada"), order.index("bob")) > order.index("team")
    state = customer(emulator)
    assert state["account"]["plan"] == "profi" and state["account"]["memo"] == "first customer"
    cid = run.outputs["contextId"]
    assert state["contexts"] == {cid: ["newco-mail.example", "newco.example"]}
    assert set(state["mails"]) == {"ada@newco.example", "bob@newco-mail.example"}
    assert state["mails"]["ada@newco.example"]["aliases"] == ["info@newco.example"]
    assert state["mails"]["bob@newco-mail.example"]["type"] == "inboxforward"
    assert run.outputs["accountStatus"] == "aktiv"
    # Who did what: the reseller everything but the mailboxes, which the customer's own login created.
    assert emulator.logins == 2
    ada = stack.resource("ada")
    assert ada.outputs["loginUsername"] == ACCOUNT
    assert ada.is_secret("loginPassword") and ada.is_secret("password")
    assert stack.resource(ACCOUNT).is_secret("password")
    text = stack.stderr_text()
    for secret in (ACCOUNT_PASSWORD, DOMAIN_PASSWORD, MAIL_PASSWORD):
        assert secret not in text

    # -- an unchanged program: nothing to do, and no Domain fights the Context that moved it --------
    emulator.reset_counters()
    again = stack.up(desired.program)
    assert set(again.operations.values()) == {Op.SAME}
    assert [m for m, _ in emulator.journal if m.split(".")[-1] in ("add", "set", "del")] == []

    # -- update: account memo, a third domain joins the context, ada gets an alias, bob goes ---------
    desired.memo = "grown customer"
    desired.domains.append("newco-shop.example")
    desired.mailboxes["ada"]["aliases"] = ["info@newco.example", "hello@newco-shop.example"]
    del desired.mailboxes["bob"]
    emulator.reset_counters()

    updated = stack.up(desired.program)

    assert updated.operations[ACCOUNT] == Op.UPDATE
    assert updated.operations["team"] == Op.UPDATE
    assert updated.operations["ada"] == Op.UPDATE
    assert updated.operations["bob"] == Op.DELETE
    assert updated.operations["newco-shop.example"] == Op.CREATE
    assert updated.operations["newco.example"] == Op.SAME
    assert emulator.sent("account.set") == [{"account": ACCOUNT, "memo": "grown customer"}]
    assert emulator.sent("mail.set") == [
        {"mail": "ada@newco.example", "aliases": ["hello@newco-shop.example", "info@newco.example"]}
    ]
    assert {"domain": "newco-shop.example", "context_id": cid} in emulator.sent("domain.set")
    state = customer(emulator)
    assert state["contexts"][cid] == ["newco-mail.example", "newco-shop.example", "newco.example"]
    assert set(state["mails"]) == {"ada@newco.example"}
    assert state["account"]["memo"] == "grown customer"

    # The new domain does not fight the context that moved it, before or after a refresh.
    assert set(stack.up(desired.program).operations.values()) == {Op.SAME}
    refreshed = stack.refresh().operations
    # Only the Domains' read-only view moves (context id, mail count); nothing else drifted.
    assert {name for name, op in refreshed.items() if op != Op.SAME} <= set(desired.domains)
    assert {stack.resource(name).outputs["contextId"] for name in desired.domains} == {cid}
    assert set(stack.up(desired.program).operations.values()) == {Op.SAME}

    # -- destroy: mailboxes, context (left in place), domains, records, then the account -------------
    destroyed = stack.destroy()

    assert set(destroyed.operations.values()) == {Op.DELETE}
    names = [s.name for s in destroyed.steps]
    assert (names[0], names[-1]) == ("ada", ACCOUNT)
    assert customer(emulator) == {"account": None, "domains": {}, "contexts": {}, "mails": {}}
    assert sorted(op for op, _ in handler.calls) == ["create"] * 3 + ["delete"] * 3
    for name in desired.domains:
        host, _ = emulator.challenge(ACCOUNT, name)
        assert emulator.dns_server.records(host, "TXT") == []
    assert stack.resources == {}


def test_a_preview_of_the_reseller_program_plans_every_create_without_any_api_call(
    stack: ProgramStack, emulator: Emulator, handler: TxtRecordHandler
) -> None:
    run = stack.preview(Desired().program)

    assert set(run.operations.values()) == {Op.CREATE}
    assert run.outputs["contextId"] == UNKNOWN
    assert emulator.calls == {} and emulator.logins == 0
    assert handler.calls == []
    assert stack.resources == {}


def test_without_the_customer_login_the_mailboxes_fail_with_a_message_that_says_what_to_do(
    stack: ProgramStack, emulator: Emulator
) -> None:
    def program() -> None:
        account = mailboxorg.Account(ACCOUNT, account=ACCOUNT, password=ACCOUNT_PASSWORD, plan="basic")
        emulator.publish_challenge(ACCOUNT, "newco.example")
        domain = mailboxorg.Domain(
            "d", account=account.account, domain="newco.example", password=DOMAIN_PASSWORD
        )
        mailboxorg.Mailbox(
            "ada",
            mail="ada@newco.example",
            password=MAIL_PASSWORD,
            plan="standard",
            first_name="Ada",
            last_name="Example",
            opts=pulumi.ResourceOptions(depends_on=[domain]),
        )

    with pytest.raises(ProviderError, match="login_username and login_password") as failed:
        stack.up(program)

    assert "not available to a reseller login" in str(failed.value)
    assert MAIL_PASSWORD not in str(failed.value)
    assert customer(emulator)["mails"] == {}
