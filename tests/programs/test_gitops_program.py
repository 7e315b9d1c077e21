"""One-run GitOps: DomainChallenge -> a DNS provider's TXT record -> Domain, in a single Pulumi program.

The program uses the real public classes :class:`pulumi_mailboxorg.DomainChallenge` and
:class:`pulumi_mailboxorg.Domain`, served by a real provider host. The DNS record is a Cloudflare
``Record`` (``cloudflare:index/record:Record``) played by a handler that publishes into the
emulator's DNS server with RFC 2136 dynamic updates, as a DNS provider's API would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import dns.query
import dns.update
import pulumi
import pytest
from pulumi.runtime.mocks import MockResourceArgs

import pulumi_mailboxorg as mailboxorg
from harness import UNKNOWN, HostPool, Op, ProgramStack, ResourceHandler
from pulumi_mailboxorg.emulator import Emulator
from resources.support import stack_config

ZONE = "example.com"
PROJECT = "gitops"
PASSWORD = "gitops-domain-pass-4e19c2"  # secret: must never reach the host's output
RECORD_TYPE = "cloudflare:index/record:Record"


class DnsRecordHandler(ResourceHandler):
    """A Cloudflare DNS record whose zone is the emulator's DNS server (``zoneId`` = zone name).

    ``delay`` > 0 publishes that many seconds after the create returns, like a DNS provider whose
    API answers before its nameservers serve the record.
    """

    def __init__(self, emulator: Emulator, *, delay: float = 0.0) -> None:
        self.emulator = emulator
        self.delay = delay
        self.calls: list[tuple[str, str]] = []
        self.timers: list[threading.Timer] = []

    @staticmethod
    def fqdn(inputs: dict[str, Any]) -> str:
        zone, name = str(inputs["zoneId"]), str(inputs["name"])
        if name in ("@", zone) or name.endswith("." + zone):
            return zone if name == "@" else name
        return f"{name}.{zone}"

    def _send(self, zone: str, build: Callable[[dns.update.UpdateMessage], None]) -> None:
        update = dns.update.UpdateMessage(zone)
        build(update)
        response = dns.query.tcp(update, self.emulator.dns_host, port=self.emulator.dns_port, timeout=5)
        assert response.rcode() == 0, response

    def create(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        assert inputs["type"] == "TXT"
        fqdn = self.fqdn(inputs)
        self.calls.append(("create", fqdn))

        def publish() -> None:
            self._send(inputs["zoneId"], lambda u: u.add(fqdn + ".", 60, "TXT", f'"{inputs["content"]}"'))

        if self.delay > 0:
            timer = threading.Timer(self.delay, publish)
            self.timers.append(timer)
            timer.start()
        else:
            publish()
        return f"rec-{fqdn}", {**inputs, "hostname": fqdn}

    def delete(self, id_: str, outputs: dict[str, Any]) -> None:
        self.calls.append(("delete", outputs["hostname"]))
        self._send(outputs["zoneId"], lambda u: u.delete(outputs["hostname"] + ".", "TXT"))


def gitops_program() -> None:
    """The documented pattern: challenge -> TXT record from its outputs -> Domain depending on the record."""
    config = pulumi.Config()
    challenge = mailboxorg.DomainChallenge("ownership", account="acme", domain=ZONE)
    record = pulumi.CustomResource(
        RECORD_TYPE,
        "ownership-txt",
        {
            "zoneId": ZONE,
            "name": challenge.record_name,
            "type": "TXT",
            "content": challenge.txt,
            "ttl": 60,
            "hostname": None,
        },
    )
    domain = mailboxorg.Domain(
        "example",
        account="acme",
        domain=ZONE,
        password=config.require_secret("domainPassword"),
        memo="managed by gitops",
        opts=pulumi.ResourceOptions(depends_on=[record]),
    )
    pulumi.export("record", challenge.host)
    pulumi.export("contextId", domain.context_id)
    pulumi.export("verificationHost", domain.verification_host)
    pulumi.export("password", domain.password)


def make_program_stack(host_pool: HostPool, emulator: Emulator, handler: DnsRecordHandler) -> ProgramStack:
    """A program stack logged in as acme, with the record handler and the domain password as secret config."""
    config = {**stack_config(emulator), f"{PROJECT}:domainPassword": PASSWORD}
    return ProgramStack(
        host_pool,
        config=config,
        secret_config=[f"{PROJECT}:domainPassword"],
        project=PROJECT,
        schedule="concurrent",
        handlers={RECORD_TYPE: handler},
    )


@pytest.fixture
def handler(emulator: Emulator) -> DnsRecordHandler:
    """A DNS record handler that publishes at once."""
    return DnsRecordHandler(emulator)


def test_one_run_publishes_the_challenge_record_and_adds_the_domain_with_a_secret_password(
    host_pool: HostPool, emulator: Emulator, handler: DnsRecordHandler
) -> None:
    stack = make_program_stack(host_pool, emulator, handler)
    host, txt = emulator.challenge("acme", ZONE)

    run = stack.up(gitops_program)

    assert run.operations == {"ownership": Op.CREATE, "ownership-txt": Op.CREATE, "example": Op.CREATE}
    assert [(s.op, s.name) for s in run.steps] == [
        (Op.CREATE, "ownership"),
        (Op.CREATE, "ownership-txt"),
        (Op.CREATE, "example"),
    ]
    assert handler.calls == [("create", host)]
    assert emulator.dns_server.records(host, "TXT") == [f'"{txt}"']
    domains = emulator.state.snapshot()["domains"]
    assert set(domains) == {ZONE} and domains[ZONE]["memo"] == "managed by gitops"
    adds = emulator.sent("domain.add")
    assert len(adds) == 2  # the challenge's probe (218), then Domain's add, accepted at once
    assert adds[-1]["password"] == PASSWORD
    assert run.outputs["record"] == host
    assert run.outputs["verificationHost"] == ""  # the record was served before Domain asked
    assert run.outputs["contextId"] == domains[ZONE]["context_id"]
    assert "password" in run.secret_outputs and run.outputs["password"] == PASSWORD
    domain_state = stack.resource("example")
    assert domain_state.is_secret("password") and "password" in domain_state.secret_inputs
    assert "password" in run.additional_secret_outputs[domain_state.urn]
    assert PASSWORD not in stack.stderr_text()

    emulator.reset_counters()
    again = stack.up(gitops_program)
    assert set(again.operations.values()) == {Op.SAME}
    assert emulator.calls["domain.add"] == 0 and emulator.calls["domain.set"] == 0

    destroyed = stack.destroy()
    assert set(destroyed.operations.values()) == {Op.DELETE}
    assert [s.name for s in destroyed.steps] == ["example", "ownership-txt", "ownership"]
    assert emulator.state.snapshot()["domains"] == {}
    assert emulator.dns_server.records(host, "TXT") == []


def test_a_record_the_dns_provider_publishes_late_is_waited_for_within_the_same_run(
    host_pool: HostPool, emulator: Emulator
) -> None:
    late = DnsRecordHandler(emulator, delay=1.0)
    stack = make_program_stack(host_pool, emulator, late)
    host, txt = emulator.challenge("acme", ZONE)

    run = stack.up(gitops_program)

    assert run.operations["example"] == Op.CREATE
    assert emulator.calls["domain.add"] >= 3  # probe, Domain's first add (218), the accepted retry
    assert run.outputs["verificationHost"] == host
    assert set(emulator.state.snapshot()["domains"]) == {ZONE}
    assert f'{host}. TXT "{txt}"' in stack.stderr_text()
    for timer in late.timers:
        timer.join()


def test_a_preview_of_the_program_plans_every_create_without_any_api_call(
    host_pool: HostPool, emulator: Emulator, handler: DnsRecordHandler
) -> None:
    stack = make_program_stack(host_pool, emulator, handler)

    run = stack.preview(gitops_program)

    assert run.operations == {"ownership": Op.CREATE, "ownership-txt": Op.CREATE, "example": Op.CREATE}
    assert run.outputs["record"] == UNKNOWN
    assert emulator.calls == {} and emulator.logins == 0
    assert handler.calls == []
    assert stack.resources == {}
