"""The mail-record check: lookups of MX, CNAME, SRV and TXT on every nameserver, and the verdicts.

Runs against the ``world`` of ``test_dnscheck``: two authoritative nameservers of ``example.test``
(127.0.0.1, 127.0.0.2) and a resolver (127.0.0.3) that holds only the delegation data.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from test_dnscheck import ZONE, World

from dnsfixtures import serve_on_loopbacks
from pulumi_mailboxorg.dnscheck import Nameserver, PropagationChecker
from pulumi_mailboxorg.emulator.dns_server import AuthoritativeServer
from pulumi_mailboxorg.errors import DnsCheckError, MailboxOrgError
from pulumi_mailboxorg.mailcheck import evaluate, queries_of, wait_for_records
from pulumi_mailboxorg.maildns import MailDnsRecord, mail_dns_records

RECORDS = mail_dns_records(ZONE)


@pytest.fixture
def world() -> Iterator[World]:
    with serve_on_loopbacks("127.0.0.1", "127.0.0.2", "127.0.0.3") as (ns1, ns2, resolver):
        world = World(ns1, ns2, resolver)
        world.delegate(ZONE, ns1, ns2, minimum_ttl=120)
        yield world


def publish(records: list[MailDnsRecord], *servers: AuthoritativeServer) -> None:
    for server in servers:
        for record in records:
            server.add_record(record.name, record.type, record.data)


def check(world: World, records: list[MailDnsRecord] = RECORDS) -> dict[str, str]:
    lookups = world.checker().lookup_many(queries_of(records), 5.0)
    return {status.record.line: status.status for status in evaluate(records, lookups)}


def test_every_record_served_by_both_nameservers_is_ok(world: World) -> None:
    publish(RECORDS, world.ns1, world.ns2)

    assert set(check(world).values()) == {"ok"}


def test_records_served_by_one_nameserver_only_are_missing(world: World) -> None:
    publish(RECORDS, world.ns1)
    publish(RECORDS[:4], world.ns2)

    statuses = check(world)

    assert [line for line, status in statuses.items() if status != "ok"] == [r.line for r in RECORDS[4:]]
    assert {statuses[r.line] for r in RECORDS[4:]} == {"missing"}


def test_each_type_is_asked_of_the_nameservers_directly(world: World) -> None:
    publish(RECORDS, world.ns1, world.ns2)

    found = world.checker().lookup_many(
        [(ZONE, "MX"), (f"autoconfig.{ZONE}", "CNAME"), (f"_autodiscover._tcp.{ZONE}", "SRV")], 5.0
    )

    assert [sorted(answer.values) for answer in found[0].answers] == [
        ["10 mxext1.mailbox.org", "10 mxext2.mailbox.org", "20 mxext3.mailbox.org"]
    ] * 2
    assert found[1].answers[0].values == ("auto.mailbox.org",)
    assert found[2].answers[1].values == ("0 0 443 auto.mailbox.org",)
    assert world.ns1.queries[(ZONE, "MX", "udp")] == 1
    assert world.resolver.queries[(ZONE, "MX", "udp")] == 0


def test_one_check_discovers_the_zone_nameservers_once(world: World) -> None:
    publish(RECORDS, world.ns1, world.ns2)

    check(world)

    assert world.resolver.queries[(ZONE, "NS", "udp")] == 1
    assert world.resolver.queries[(f"ns1.{ZONE}", "A", "udp")] == 1


def test_a_multi_string_txt_record_is_compared_as_one_value(world: World) -> None:
    record = MailDnsRecord("TXT", f"_long.{ZONE}", "_long", "a" * 300, None, 60)
    publish([record], world.ns1, world.ns2)

    assert check(world, [record]) == {record.line: "ok"}


def test_spf_is_ok_with_other_mechanisms_but_wrong_without_the_mailbox_org_include(world: World) -> None:
    spf = RECORDS[3]
    world.ns1.add_record(ZONE, "TXT", '"v=spf1 ip4:192.0.2.1 include:mailbox.org -all"', '"other"')
    world.ns2.add_record(ZONE, "TXT", '"v=spf1 include:_spf.google.com ~all"')

    lookups = world.checker().lookup_many([(ZONE, "TXT")], 5.0)
    (status,) = evaluate([spf], lookups)

    assert status.status == "wrong"
    assert "ns1.example.test (127.0.0.1) answered TXT" in status.answers[0]
    assert "include:_spf.google.com" in status.answers[1]
    world.ns2.remove_record(ZONE, "TXT")
    world.ns2.add_record(ZONE, "TXT", '"v=spf1 include:mailbox.org"')
    assert check(world, [spf]) == {spf.line: "ok"}


def test_four_mailbox_org_mx_hosts_pass_but_a_foreign_host_is_wrong(world: World) -> None:
    mx = RECORDS[:3]
    for server in (world.ns1, world.ns2):
        server.add_record(ZONE, "MX", *(f"10 mxext{n}.mailbox.org." for n in (1, 2, 3, 4)))
    assert set(check(world, mx).values()) == {"ok"}

    world.ns2.add_record(ZONE, "MX", "5 mx.other.example.")
    assert set(check(world, mx).values()) == {"wrong"}


def test_a_cname_to_another_target_is_wrong(world: World) -> None:
    record = RECORDS[9]
    world.ns1.add_record(record.name, "CNAME", "mailbox.org.")
    world.ns2.add_record(record.name, "CNAME", "auto.mailbox.org.")

    assert check(world, [record]) == {record.line: "wrong"}


def test_srv_compares_port_and_target_not_priority_and_weight(world: World) -> None:
    record = RECORDS[10]
    world.ns1.add_record(record.name, "SRV", "0 1 443 auto.mailbox.org.")
    world.ns2.add_record(record.name, "SRV", "5 0 443 auto.mailbox.org.")
    assert check(world, [record]) == {record.line: "ok"}

    world.ns2.remove_record(record.name)
    world.ns2.add_record(record.name, "SRV", "0 0 443 mailbox.org.")
    assert check(world, [record]) == {record.line: "wrong"}


def test_dmarc_ignores_spaces_and_a_final_semicolon(world: World) -> None:
    record = RECORDS[8]
    publish(
        [MailDnsRecord("TXT", record.name, "_dmarc", "v=DMARC1; p=none;", None, 60)], world.ns1, world.ns2
    )

    assert check(world, [record]) == {record.line: "ok"}


def test_the_wait_fails_listing_exactly_the_missing_records_as_zone_file_lines(world: World) -> None:
    publish(RECORDS[:8], world.ns1, world.ns2)
    lines: list[str] = []

    with pytest.raises(MailboxOrgError) as caught:
        wait_for_records(
            ZONE,
            RECORDS,
            lookup=world.checker().lookup_many,
            timeout=0,
            poll_interval=1,
            progress=lines.append,
        )

    message = str(caught.value)
    assert message.startswith(
        f"MailDnsCheck {ZONE}: 3 of 11 mail DNS record(s) are not served by every nameserver"
    )
    listed = [line.strip() for line in message.splitlines() if line.startswith("    ") and " IN " in line]
    assert listed == [record.zone_line for record in RECORDS[8:]]
    assert "ns2.example.test (127.0.0.2) answered the name does not exist (NXDOMAIN)" in message


def test_the_wait_returns_once_the_last_record_appears(world: World) -> None:
    publish(RECORDS[:-1], world.ns1, world.ns2)
    progress: list[str] = []
    looks = []

    def lookup(queries, budget):
        looks.append(budget)
        if len(looks) == 2:
            publish(RECORDS[-1:], world.ns1, world.ns2)
        return world.checker().lookup_many(queries, budget)

    statuses = wait_for_records(
        ZONE, RECORDS, lookup=lookup, timeout=30, poll_interval=0.05, progress=progress.append
    )

    assert {status.status for status in statuses} == {"ok"}
    assert len(looks) == 2  # published just before the second look
    assert (
        "waiting for 1 missing record(s): SRV _autodiscover._tcp.example.test 0 0 443 auto.mailbox.org"
        in progress[0]
    )


def test_a_silent_nameserver_is_named_in_the_error_within_the_timeout() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        server = Nameserver("127.0.0.1", silent.getsockname()[1])
        checker = PropagationChecker([server], timeout=0.3)
        with pytest.raises(MailboxOrgError, match=rf"{server} \(127.0.0.1\) answered error: timed out"):
            wait_for_records(
                ZONE, RECORDS[:1], lookup=checker.lookup_many, timeout=0.5, poll_interval=0.1, progress=print
            )


def test_a_garbage_answering_nameserver_is_named_in_the_error() -> None:
    import threading

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as garbage:
        garbage.bind(("127.0.0.1", 0))
        garbage.settimeout(2)
        server = Nameserver("127.0.0.1", garbage.getsockname()[1])

        def answer() -> None:
            try:
                while True:
                    data, peer = garbage.recvfrom(512)
                    garbage.sendto(data[:2] + b"\x81\x80garbage", peer)
            except OSError:
                return

        threading.Thread(target=answer, daemon=True).start()
        checker = PropagationChecker([server], timeout=0.3)
        with pytest.raises(MailboxOrgError, match=rf"{server} \(127.0.0.1\) answered error"):
            wait_for_records(
                ZONE, RECORDS[:1], lookup=checker.lookup_many, timeout=0.5, poll_interval=0.1, progress=print
            )


def test_an_unsupported_type_is_refused_by_the_checker() -> None:
    with pytest.raises(DnsCheckError, match="record type 'A' is not supported"):
        PropagationChecker([Nameserver("127.0.0.1", 9)]).lookup(ZONE, "A")


def test_without_zone_info_one_check_sends_one_query_per_lookup_and_nameserver(world: World) -> None:
    publish(RECORDS, world.ns1)
    checker = PropagationChecker([Nameserver(world.ns1.host, world.port)], timeout=2.0)
    before = sum(world.ns1.queries.values())

    lookups = checker.lookup_many(queries_of(RECORDS), 5.0, zone_info=False)

    assert {status.status for status in evaluate(RECORDS, lookups)} == {"ok"}
    assert sum(world.ns1.queries.values()) - before == len(queries_of(RECORDS)) == 9
    assert all(lookup.zone is None for lookup in lookups)
