"""A program using mail_dns_records with an Output (the documented ``apply`` pattern) and MailDnsCheck.

The real public classes, served by a real provider host; the records are published into the
emulator's DNS server beforehand, as a DNS provider would have.
"""

from __future__ import annotations

import pulumi

import pulumi_mailboxorg as mailboxorg
from harness import UNKNOWN, HostPool, Op, ProgramStack
from pulumi_mailboxorg.emulator import Emulator
from resources.support import stack_config

ZONE = "example.com"
PROJECT = "maildns"
RECORDS = mailboxorg.mail_dns_records(ZONE, dmarc_policy="quarantine")


def mail_program() -> None:
    """Domain -> the records of its (Output) name, computed in apply -> MailDnsCheck of those records."""
    config = pulumi.Config()
    domain = mailboxorg.Domain(
        "example", account="acme", domain=ZONE, password=config.require_secret("domainPassword")
    )
    lines = domain.domain.apply(
        lambda name: [r.line for r in mailboxorg.mail_dns_records(name, dmarc_policy="quarantine")]
    )
    check = mailboxorg.MailDnsCheck("mail-dns", domain=domain.domain, records=lines, timeout=20)
    pulumi.export("ready", check.ready)
    pulumi.export("statuses", check.statuses)


def make_program_stack(host_pool: HostPool, emulator: Emulator) -> ProgramStack:
    config = {**stack_config(emulator), f"{PROJECT}:domainPassword": "maildns-domain-pass-1"}
    return ProgramStack(
        host_pool,
        config=config,
        secret_config=[f"{PROJECT}:domainPassword"],
        project=PROJECT,
        schedule="concurrent",
    )


def test_records_computed_from_an_output_in_apply_feed_the_check_which_reaches_ready(
    host_pool: HostPool, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", ZONE)
    for record in RECORDS:
        emulator.dns_server.add_record(record.name, record.type, record.data)
    stack = make_program_stack(host_pool, emulator)

    preview = stack.preview(mail_program)
    assert preview.operations == {"example": Op.CREATE, "mail-dns": Op.CREATE}
    assert preview.outputs["ready"] == UNKNOWN

    run = stack.up(mail_program)

    assert run.operations == {"example": Op.CREATE, "mail-dns": Op.CREATE}
    assert run.outputs["ready"] is True
    assert run.outputs["statuses"] == {record.line: "ok" for record in RECORDS}
    assert "v=DMARC1;p=quarantine" in stack.resource("mail-dns").outputs["records"][8]
    assert set(stack.up(mail_program).operations.values()) == {Op.SAME}
