"""MailDnsCheck through the engine protocol (real provider host), against the emulator's DNS server.

The stack's ``mailboxorg:dnsNameservers`` is the emulator's DNS server (``resources.support``); the
records are published into it by RFC 2136 dynamic updates, as a DNS provider would publish them.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable

import dns.query
import dns.update
import pytest

from harness import CheckFailedError, HostPool, Op, ProviderError, Res, Stack
from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.maildns import MailDnsRecord, mail_dns_records
from resources.support import after, domain, make_stack, res

DOMAIN = "example.com"
RECORDS = mail_dns_records(DOMAIN)


def publish(emulator: Emulator, records: Iterable[MailDnsRecord]) -> None:
    """Publish ``records`` in the emulator's DNS by one RFC 2136 update."""
    update = dns.update.UpdateMessage(DOMAIN)
    for record in records:
        update.add(record.name + ".", record.ttl, record.type, record.data)
    response = dns.query.tcp(update, emulator.dns_host, port=emulator.dns_port, timeout=5)
    assert response.rcode() == 0, response


def unpublish(emulator: Emulator, record: MailDnsRecord) -> None:
    update = dns.update.UpdateMessage(DOMAIN)
    update.delete(record.name + ".", record.type, record.data)
    response = dns.query.tcp(update, emulator.dns_host, port=emulator.dns_port, timeout=5)
    assert response.rcode() == 0, response


def check(timeout: int = 20, **props: object) -> Res:
    return after(res("MailDnsCheck", {"domain": DOMAIN, "timeout": timeout, **props}), "domain")


@pytest.fixture
def stack(host_pool: HostPool, emulator: Emulator) -> Stack:
    """A stack logged in as acme, with the ownership record of example.com already published."""
    emulator.publish_challenge("acme", DOMAIN)
    return make_stack(host_pool, emulator)


def test_a_stack_with_domain_the_records_and_the_check_reaches_ready(
    stack: Stack, emulator: Emulator
) -> None:
    publish(emulator, RECORDS)

    result = stack.up({"domain": domain(DOMAIN), "mail-dns": check()})

    assert result.operations == {"domain": Op.CREATE, "mail-dns": Op.CREATE}
    outputs = stack.outputs("mail-dns")
    assert outputs["ready"] is True
    assert outputs["records"] == [record.line for record in RECORDS]
    assert outputs["statuses"] == {record.line: "ok" for record in RECORDS}
    assert stack["mail-dns"].id == DOMAIN
    assert f"MailDnsCheck {DOMAIN}: all 11 record(s) are served by every nameserver" in stack.stderr_text()


def test_before_the_records_exist_the_check_fails_listing_exactly_the_missing_ones(
    stack: Stack, emulator: Emulator
) -> None:
    publish(emulator, RECORDS[:4])

    with pytest.raises(ProviderError) as caught:
        stack.up({"domain": domain(DOMAIN), "mail-dns": check(timeout=1)})

    message = caught.value.details
    assert f"MailDnsCheck {DOMAIN}: 7 of 11 mail DNS record(s) are not served by every nameserver" in message
    listed = [line.strip() for line in message.splitlines() if " 3600 IN " in line]
    assert listed == [record.zone_line for record in RECORDS[4:]]
    assert "mail-dns" not in stack.resources


def test_the_check_waits_for_records_published_while_it_polls(stack: Stack, emulator: Emulator) -> None:
    publish(emulator, RECORDS[:-1])
    last = RECORDS[-1]
    stop = threading.Event()

    def publish_once_the_check_has_looked() -> None:
        while not stop.wait(0.05):
            if emulator.dns_server.queries[(last.name, last.type, "udp")] >= 1:
                publish(emulator, [last])
                return

    publisher = threading.Thread(target=publish_once_the_check_has_looked)
    publisher.start()
    try:
        stack.up({"domain": domain(DOMAIN), "mail-dns": check()})
    finally:
        stop.set()
        publisher.join()

    assert stack.outputs("mail-dns")["ready"] is True
    assert f"MailDnsCheck {DOMAIN}: waiting for 1 missing record(s): {last.line}" in stack.stderr_text()


def test_custom_records_are_canonicalised_and_checked_instead_of_the_default(
    stack: Stack, emulator: Emulator
) -> None:
    publish(emulator, RECORDS[:3])

    stack.up({"domain": domain(DOMAIN), "mail-dns": check(records=["mx @ 10 MXEXT1.mailbox.org."])})

    outputs = stack.outputs("mail-dns")
    assert outputs["records"] == ["MX example.com 10 mxext1.mailbox.org"]
    assert outputs["ready"] is True


@pytest.mark.slow
def test_a_record_removed_out_of_band_shows_as_drift_on_refresh_and_the_next_up_waits_again(
    stack: Stack, emulator: Emulator
) -> None:
    publish(emulator, RECORDS)
    program = {"domain": domain(DOMAIN), "mail-dns": check(timeout=1)}
    stack.up(program)
    unpublish(emulator, RECORDS[0])

    refreshed = stack.refresh(diff=True)

    assert refreshed.operations["mail-dns"] == Op.UPDATE
    outputs = stack.outputs("mail-dns")
    assert outputs["ready"] is False
    assert outputs["statuses"][RECORDS[0].line].startswith("missing: expected MX 10 mxext1.mailbox.org.")
    with pytest.raises(ProviderError, match="1 of 11 mail DNS record"):
        stack.up(program)

    publish(emulator, RECORDS[:1])
    again = stack.up(program)
    assert again.operations["mail-dns"] == Op.UPDATE
    assert stack.outputs("mail-dns")["ready"] is True
    assert stack.up(program).operations["mail-dns"] == Op.SAME


def test_a_refresh_with_every_record_in_place_changes_nothing(stack: Stack, emulator: Emulator) -> None:
    publish(emulator, RECORDS)
    stack.up({"domain": domain(DOMAIN), "mail-dns": check()})

    assert stack.refresh(diff=True).operations["mail-dns"] == Op.SAME


@pytest.mark.parametrize(
    ("props", "named", "reason"),
    [
        ({"domain": "not a domain"}, "domain", "domain: "),
        ({"records": ["A @ 192.0.2.1"]}, "records", "record type 'A' is not supported"),
        ({"timeout": -1}, "timeout", "timeout: must be 0 (check once) or more seconds"),
    ],
)
def test_bad_input_is_refused_in_check_naming_the_property(
    stack: Stack, props: dict[str, object], named: str, reason: str
) -> None:
    with pytest.raises(CheckFailedError) as caught:
        stack.up({"mail-dns": res("MailDnsCheck", {"domain": DOMAIN, **props})})

    assert [failure.property for failure in caught.value.failures] == [named]
    assert reason in caught.value.failures[0].reason


@pytest.mark.slow
def test_an_unreachable_nameserver_is_named_in_the_error_within_the_timeout(
    host_pool: HostPool, emulator: Emulator
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        server = f"127.0.0.1:{silent.getsockname()[1]}"
        stack = make_stack(host_pool, emulator, dnsNameservers=server)
        with pytest.raises(ProviderError) as caught:
            stack.up({"mail-dns": res("MailDnsCheck", {"domain": DOMAIN, "timeout": 2})})

    assert f"{server} (127.0.0.1) answered error: timed out" in caught.value.details
