"""examples/quickstart: a domain and two mailboxes with the emulator's default logins, as its README runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from examples.support import assert_schema_outputs, person_publishing_when_asked, program, project_defaults
from harness import HostPool, ProgramStack, Secret
from pulumi_mailboxorg import mail_dns_records
from pulumi_mailboxorg.emulator import DEFAULT_ACCOUNTS, Emulator
from resources.support import stack_config

#: End-to-end flows: every provider host is started by its command, as the engine starts it.
pytestmark = pytest.mark.exec_hosts

PROJECT = "mailboxorg-quickstart"
SECRETS = {"domainPassword": "Quickstart-Domain-1", "mailboxPassword": "Quickstart-Mail-1"}


@pytest.fixture
def demo_emulator() -> Iterator[Emulator]:
    """The emulator as `mailboxorg-emulator` starts it: logins demo (reseller) and demo-account."""
    with Emulator(accounts=DEFAULT_ACCOUNTS) as emulator:
        yield emulator


@pytest.mark.slow
def test_quickstart_creates_a_domain_and_two_mailboxes_once_the_record_is_published(
    host_pool: HostPool, demo_emulator: Emulator
) -> None:
    emulator = demo_emulator
    config = {
        **stack_config(emulator, login=("demo-account", "demo-password")),
        **project_defaults("quickstart"),
        **{f"{PROJECT}:{key}": Secret(value) for key, value in SECRETS.items()},
    }
    stack = ProgramStack(host_pool, config=config, project=PROJECT, schedule="concurrent")

    preview = stack.preview(program("quickstart"))
    assert preview.operations == {
        "domain": "create",
        "alice": "create",
        "bob": "create",
        "mail-dns": "create",
    }

    emulator.dns_server.ensure_zone("example.com")
    for record in mail_dns_records("example.com"):  # as the README's step 3 publishes them
        emulator.dns_server.add_record(record.name, record.type, record.data)
    with person_publishing_when_asked(emulator, "demo-account", "example.com"):
        run = stack.up(program("quickstart"))

    assert run.outputs["domain"] == "example.com"
    assert run.outputs["mailboxes"] == ["alice@example.com", "bob@example.com"]
    assert run.outputs["mailDnsRecords"] == [r.zone_line for r in mail_dns_records("example.com")]
    assert run.outputs["mailDnsReady"] is True
    assert run.outputs["verificationHost"] == emulator.challenge("demo-account", "example.com")[0]
    snapshot = emulator.state.snapshot()
    assert snapshot["domains"]["example.com"]["account"] == "demo-account"
    assert sorted(snapshot["mails"]) == ["alice@example.com", "bob@example.com"]
    assert_schema_outputs(stack)
    assert stack.resource("alice").is_secret("password")
    stderr = stack.stderr_text()
    assert all(secret not in stderr for secret in (*SECRETS.values(), "demo-password"))

    again = stack.up(program("quickstart"))
    assert set(again.operations.values()) == {"same"}

    stack.destroy()
    snapshot = emulator.state.snapshot()
    assert snapshot["domains"] == {} and snapshot["mails"] == {}
