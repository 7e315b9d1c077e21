"""The DNS check against a real DNS server: BIND 9 on loopback, updated while the provider waits.

``named`` (Debian package bind9) serves the domain's zone on 127.0.0.1 with a random port. The
emulator's mailbox.org side checks the ownership record against it, and the provider's own DNS check
(``mailboxorg:dnsNameservers``) polls it too. The record is added with ``nsupdate`` (package
bind9-dnsutils; dnspython's ``dns.update`` if it is missing) only after the provider has been told
to publish it and is waiting. Without BIND the tests skip, saying how to install it.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import dns.message
import dns.query
import pytest

from harness import HostPool, Op, ProviderError, Stack
from pulumi_mailboxorg import mail_dns_records
from pulumi_mailboxorg.emulator import Emulator
from reliability.bind9 import Bind9, Bind9Unavailable, publish_records, publish_txt
from reliability.support import wait_until
from resources.support import after, domain, res, stack_config

DOMAIN = "bind.example"


@pytest.fixture
def bind9() -> Iterator[Bind9]:
    try:
        server = Bind9([DOMAIN]).start()
    except Bind9Unavailable as exc:
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()


def served_txt(server: Bind9, name: str) -> list[str]:
    answer = dns.query.udp(dns.message.make_query(name, "TXT"), server.host, port=server.port, timeout=3)
    return [b"".join(rdata.strings).decode() for rrset in answer.answer for rdata in rrset]


@pytest.mark.slow
def test_a_domain_waits_for_its_record_and_is_created_once_bind9_serves_it(
    host_pool: HostPool, bind9: Bind9
) -> None:
    with Emulator(
        accounts=[("acme", "acme-pass", "account")], dns_nameserver=(bind9.host, bind9.port)
    ) as emu:
        host, txt = emu.challenge("acme", DOMAIN)
        config = stack_config(emu, verificationTimeout="60", dnsNameservers=bind9.address)
        stack = Stack(host_pool, config=config, reuse_host=True)  # its output is readable while it runs
        with stack, ThreadPoolExecutor(max_workers=1) as pool:
            running = pool.submit(stack.up, {"d": domain(DOMAIN)})
            # The provider was told to publish the record (error 218) and now polls BIND.
            asked = f"Domain {DOMAIN}: mailbox.org asks for proof of ownership"
            wait_until(lambda: asked in stack.stderr_text(), "the provider was asked for the record")
            assert not running.done() and served_txt(bind9, host) == []
            tool = publish_txt(bind9, DOMAIN, host, txt)
            result = running.result(timeout=90)

    assert result.operations == {"d": Op.CREATE}
    assert served_txt(bind9, host) == [txt]
    assert f"updating zone '{DOMAIN}/IN': adding an RR at '{host}' TXT" in bind9.log()
    output = stack.stderr_text()
    assert f'{host}. TXT "{txt}"' in output  # the record the user is asked to publish
    assert "served by all 1 nameserver(s)" in output  # the provider saw BIND serve it
    assert stack["d"].outputs["verificationTxt"] == txt
    print(f"\nBIND 9 on {bind9.address}, record added with {tool}")


def test_the_mail_records_published_with_nsupdate_pass_the_mail_dns_check_against_bind9(
    host_pool: HostPool, bind9: Bind9
) -> None:
    records = mail_dns_records(DOMAIN, dmarc_report=f"postmaster@{DOMAIN}")
    with Emulator(
        accounts=[("acme", "acme-pass", "account")], dns_nameserver=(bind9.host, bind9.port)
    ) as emu:
        host, txt = emu.challenge("acme", DOMAIN)
        publish_txt(bind9, DOMAIN, host, txt)
        stack = Stack(host_pool, config=stack_config(emu, dnsNameservers=bind9.address))
        check = res("MailDnsCheck", {"domain": DOMAIN, "records": [r.line for r in records], "timeout": 0})
        program = {"d": domain(DOMAIN), "mail-dns": after(check, "d")}

        with pytest.raises(ProviderError) as caught:
            stack.up(program)
        listed = [line.strip() for line in caught.value.details.splitlines() if " 3600 IN " in line]
        assert listed == [record.zone_line for record in records]

        tool = publish_records(bind9, DOMAIN, listed)  # pasted as the error gave them
        result = stack.up(program)

    assert result.operations == {"d": Op.SAME, "mail-dns": Op.CREATE}
    outputs = stack["mail-dns"].outputs
    assert outputs["ready"] is True
    assert set(outputs["statuses"].values()) == {"ok"}
    assert f"updating zone '{DOMAIN}/IN': adding an RR at '{DOMAIN}' MX" in bind9.log()
    print(f"\nBIND 9 on {bind9.address}, {len(records)} mail records added with {tool}")
