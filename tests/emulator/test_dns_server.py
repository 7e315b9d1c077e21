"""The emulator's authoritative DNS server, spoken to with dnspython over real loopback sockets."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.update
import pytest

from dnsfixtures import ask, serve_on_loopbacks, txt_values
from pulumi_mailboxorg.emulator.dns_server import AuthoritativeServer

ZONE = "example.test"


@pytest.fixture
def server() -> Iterator[AuthoritativeServer]:
    with AuthoritativeServer() as running:
        running.ensure_zone(ZONE, minimum_ttl=120)
        yield running


def serial(server: AuthoritativeServer, zone: str = ZONE) -> int:
    reply = ask(server, zone, "SOA")
    return int(reply.answer[0][0].serial)


def send_update(server: AuthoritativeServer, update: dns.update.UpdateMessage, *, tcp: bool = True) -> int:
    send = dns.query.tcp if tcp else dns.query.udp
    return int(send(update, server.host, timeout=3.0, port=server.port).rcode())


# ---------------------------------------------------------------------------- queries


def test_soa_query_is_answered_authoritatively_with_serial_one(server: AuthoritativeServer) -> None:
    reply = ask(server, ZONE, "SOA")

    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.flags & dns.flags.AA
    soa = reply.answer[0][0]
    assert soa.serial == 1
    assert soa.minimum == 120
    assert str(soa.mname) == f"ns1.{ZONE}."


def test_ns_query_names_ns1_and_gives_its_address_in_the_additional_section(
    server: AuthoritativeServer,
) -> None:
    reply = ask(server, ZONE, "NS")

    assert [str(rdata.target) for rdata in reply.answer[0]] == [f"ns1.{ZONE}."]
    additional = reply.get_rrset(
        reply.additional, dns.name.from_text(f"ns1.{ZONE}"), dns.rdataclass.IN, dns.rdatatype.A
    )
    assert additional is not None
    assert [rdata.address for rdata in additional] == ["127.0.0.1"]


def test_txt_query_returns_the_published_value(server: AuthoritativeServer) -> None:
    server.add_record(f"_verify.{ZONE}", "TXT", '"token-123"', ttl=30)

    reply = ask(server, f"_verify.{ZONE}", "TXT")

    assert reply.flags & dns.flags.AA
    assert txt_values(reply, f"_verify.{ZONE}") == ["token-123"]
    assert reply.answer[0].ttl == 30


def test_txt_record_of_several_strings_is_served_as_one_record(server: AuthoritativeServer) -> None:
    server.add_record(f"long.{ZONE}", "TXT", '"first-half" "second-half"')

    reply = ask(server, f"long.{ZONE}", "TXT")

    assert [rdata.strings for rdata in reply.answer[0]] == [(b"first-half", b"second-half")]


def test_names_are_matched_case_insensitively(server: AuthoritativeServer) -> None:
    server.add_record(f"mixed.{ZONE}", "TXT", '"x"')

    reply = ask(server, f"MiXeD.{ZONE.upper()}", "TXT")

    assert reply.rcode() == dns.rcode.NOERROR
    assert len(reply.answer[0]) == 1


def test_cname_inside_the_zone_is_followed_to_the_target_records(server: AuthoritativeServer) -> None:
    server.add_record(f"alias.{ZONE}", "CNAME", f"target.{ZONE}")
    server.add_record(f"target.{ZONE}", "TXT", '"at-target"')

    reply = ask(server, f"alias.{ZONE}", "TXT")

    assert [rrset.rdtype for rrset in reply.answer] == [dns.rdatatype.CNAME, dns.rdatatype.TXT]
    assert txt_values(reply, f"target.{ZONE}") == ["at-target"]


def test_cname_leaving_the_zone_is_answered_alone_for_the_resolver_to_follow(
    server: AuthoritativeServer,
) -> None:
    server.add_record(f"alias.{ZONE}", "CNAME", "elsewhere.other.test")

    reply = ask(server, f"alias.{ZONE}", "TXT")

    assert reply.rcode() == dns.rcode.NOERROR
    assert [rrset.rdtype for rrset in reply.answer] == [dns.rdatatype.CNAME]
    assert str(reply.answer[0][0].target) == "elsewhere.other.test."
    assert reply.authority == []


def test_cname_query_returns_the_cname_itself(server: AuthoritativeServer) -> None:
    server.add_record(f"alias.{ZONE}", "CNAME", f"target.{ZONE}")

    reply = ask(server, f"alias.{ZONE}", "CNAME")

    assert [rrset.rdtype for rrset in reply.answer] == [dns.rdatatype.CNAME]


def test_cname_loop_ends_without_hanging(server: AuthoritativeServer) -> None:
    server.add_record(f"a.{ZONE}", "CNAME", f"b.{ZONE}")
    server.add_record(f"b.{ZONE}", "CNAME", f"a.{ZONE}")

    reply = ask(server, f"a.{ZONE}", "TXT")

    assert reply.rcode() == dns.rcode.NOERROR
    assert all(rrset.rdtype == dns.rdatatype.CNAME for rrset in reply.answer)


def test_missing_name_gets_nxdomain_with_the_soa_in_authority(server: AuthoritativeServer) -> None:
    reply = ask(server, f"missing.{ZONE}", "TXT")

    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert reply.flags & dns.flags.AA
    assert reply.answer == []
    [soa] = reply.authority
    assert soa.rdtype == dns.rdatatype.SOA
    assert str(soa.name) == f"{ZONE}."
    assert soa.ttl == 120  # min(SOA TTL 3600, SOA minimum 120), RFC 2308


def test_cname_to_a_missing_name_in_the_zone_gets_nxdomain_with_the_cname(
    server: AuthoritativeServer,
) -> None:
    server.add_record(f"alias.{ZONE}", "CNAME", f"gone.{ZONE}")

    reply = ask(server, f"alias.{ZONE}", "TXT")

    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert [rrset.rdtype for rrset in reply.answer] == [dns.rdatatype.CNAME]


def test_existing_name_without_the_type_gets_nodata_with_the_soa(server: AuthoritativeServer) -> None:
    server.add_record(f"host.{ZONE}", "A", "192.0.2.1")

    reply = ask(server, f"host.{ZONE}", "TXT")

    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.answer == []
    assert reply.authority[0].rdtype == dns.rdatatype.SOA


def test_empty_non_terminal_gets_nodata_rather_than_nxdomain(server: AuthoritativeServer) -> None:
    server.add_record(f"deep.below.{ZONE}", "TXT", '"x"')

    reply = ask(server, f"below.{ZONE}", "TXT")

    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.answer == []


def test_name_outside_every_held_zone_is_refused_without_authority(server: AuthoritativeServer) -> None:
    reply = ask(server, "www.example.org", "A")

    assert reply.rcode() == dns.rcode.REFUSED
    assert not reply.flags & dns.flags.AA
    assert reply.answer == []


def test_the_most_specific_held_zone_answers(server: AuthoritativeServer) -> None:
    server.ensure_zone(f"sub.{ZONE}", minimum_ttl=7)

    reply = ask(server, f"nothing.sub.{ZONE}", "TXT")

    assert str(reply.authority[0].name) == f"sub.{ZONE}."
    assert reply.authority[0].ttl == 7


def test_aaaa_and_a_records_are_served(server: AuthoritativeServer) -> None:
    server.add_record(f"host.{ZONE}", "A", "192.0.2.1", "192.0.2.2")
    server.add_record(f"host.{ZONE}", "AAAA", "2001:db8::1")

    a_reply = ask(server, f"host.{ZONE}", "A")
    aaaa_reply = ask(server, f"host.{ZONE}", "AAAA")

    assert sorted(rdata.address for rdata in a_reply.answer[0]) == ["192.0.2.1", "192.0.2.2"]
    assert [rdata.address for rdata in aaaa_reply.answer[0]] == ["2001:db8::1"]


def test_queries_are_counted_by_name_type_and_transport(server: AuthoritativeServer) -> None:
    ask(server, f"Counted.{ZONE}", "TXT")
    ask(server, f"counted.{ZONE}", "TXT")
    ask(server, f"counted.{ZONE}", "TXT", tcp=True)

    assert server.queries[(f"counted.{ZONE}", "TXT", "udp")] == 2
    assert server.queries[(f"counted.{ZONE}", "TXT", "tcp")] == 1


# ---------------------------------------------------------------------------- truncation and TCP


def test_udp_answer_larger_than_the_payload_limit_is_truncated_and_complete_over_tcp(
    server: AuthoritativeServer,
) -> None:
    server.max_udp_payload = 200
    strings = " ".join(f'"{"x" * 100}-{i}"' for i in range(3))
    server.add_record(f"big.{ZONE}", "TXT", strings)

    over_udp = ask(server, f"big.{ZONE}", "TXT")
    over_tcp = ask(server, f"big.{ZONE}", "TXT", tcp=True)

    assert over_udp.flags & dns.flags.TC
    assert over_udp.answer == []
    assert over_udp.edns == 0
    assert not over_tcp.flags & dns.flags.TC
    assert len(over_tcp.answer[0][0].strings) == 3


def test_answer_over_512_bytes_is_truncated_for_a_client_without_edns(server: AuthoritativeServer) -> None:
    server.add_record(f"big.{ZONE}", "TXT", *(f'"{"y" * 200}-{i}"' for i in range(3)))

    without_edns = ask(server, f"big.{ZONE}", "TXT", edns=False)
    with_edns = ask(server, f"big.{ZONE}", "TXT", edns=True)

    assert without_edns.flags & dns.flags.TC
    assert not with_edns.flags & dns.flags.TC
    assert len(with_edns.answer[0]) == 3


def test_udp_with_fallback_retries_a_truncated_answer_over_tcp(server: AuthoritativeServer) -> None:
    server.max_udp_payload = 100
    server.add_record(f"big.{ZONE}", "TXT", f'"{"z" * 150}"')
    query = dns.message.make_query(f"big.{ZONE}", "TXT")

    reply, used_tcp = dns.query.udp_with_fallback(query, server.host, timeout=3.0, port=server.port)

    assert used_tcp
    assert txt_values(reply, f"big.{ZONE}") == ["z" * 150]
    assert server.queries[(f"big.{ZONE}", "TXT", "udp")] == 1
    assert server.queries[(f"big.{ZONE}", "TXT", "tcp")] == 1


def test_one_tcp_connection_carries_several_queries(server: AuthoritativeServer) -> None:
    with socket.create_connection((server.host, server.port), timeout=3.0) as conn:
        for qid in (1, 2):
            query = dns.message.make_query(ZONE, "SOA", id=qid)
            wire = query.to_wire()
            conn.sendall(struct.pack("!H", len(wire)) + wire)
            length = struct.unpack("!H", _read(conn, 2))[0]
            reply = dns.message.from_wire(_read(conn, length))
            assert reply.id == qid
            assert reply.rcode() == dns.rcode.NOERROR


def _read(conn: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        assert chunk, "server closed the connection early"
        data += chunk
    return data


# ---------------------------------------------------------------------------- malformed and other opcodes


def test_undecodable_message_gets_formerr_with_its_id(server: AuthoritativeServer) -> None:
    garbage = b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xff\xff"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(3.0)
        sock.sendto(garbage, (server.host, server.port))
        wire, _ = sock.recvfrom(512)

    assert wire[:2] == b"\xab\xcd"
    assert wire[2] & 0x80  # QR
    assert wire[3] & 0x0F == dns.rcode.FORMERR


def test_unsupported_opcode_gets_notimp(server: AuthoritativeServer) -> None:
    query = dns.message.make_query(ZONE, "SOA")
    query.set_opcode(dns.opcode.NOTIFY)

    reply = dns.query.udp(query, server.host, timeout=3.0, port=server.port)

    assert reply.rcode() == dns.rcode.NOTIMP


# ---------------------------------------------------------------------------- RFC 2136 dynamic update


def test_rfc2136_update_over_tcp_adds_a_txt_record_and_bumps_the_serial(
    server: AuthoritativeServer,
) -> None:
    update = dns.update.UpdateMessage(ZONE)
    update.add("_challenge", 60, "TXT", '"published-by-update"')

    rcode = send_update(server, update, tcp=True)

    assert rcode == dns.rcode.NOERROR
    assert txt_values(ask(server, f"_challenge.{ZONE}", "TXT"), f"_challenge.{ZONE}") == [
        "published-by-update"
    ]
    assert serial(server) == 2
    assert server.records(f"_challenge.{ZONE}", "TXT") == ['"published-by-update"']


def test_rfc2136_update_over_udp_deletes_the_txt_rrset_and_bumps_the_serial(
    server: AuthoritativeServer,
) -> None:
    server.add_record(f"_challenge.{ZONE}", "TXT", '"old"')
    before = serial(server)
    update = dns.update.UpdateMessage(ZONE)
    update.delete("_challenge", "TXT")

    rcode = send_update(server, update, tcp=False)

    assert rcode == dns.rcode.NOERROR
    assert ask(server, f"_challenge.{ZONE}", "TXT").rcode() == dns.rcode.NXDOMAIN
    assert serial(server) == before + 1


def test_rfc2136_update_can_delete_one_record_of_a_set(server: AuthoritativeServer) -> None:
    server.add_record(f"multi.{ZONE}", "TXT", '"keep"', '"drop"')
    update = dns.update.UpdateMessage(ZONE)
    update.delete("multi", "TXT", '"drop"')

    assert send_update(server, update) == dns.rcode.NOERROR
    assert server.records(f"multi.{ZONE}", "TXT") == ['"keep"']


def test_rfc2136_replace_swaps_the_whole_rrset(server: AuthoritativeServer) -> None:
    server.add_record(f"r.{ZONE}", "TXT", '"one"', '"two"')
    update = dns.update.UpdateMessage(ZONE)
    update.replace("r", 90, "TXT", '"three"')

    assert send_update(server, update) == dns.rcode.NOERROR
    reply = ask(server, f"r.{ZONE}", "TXT")
    assert txt_values(reply, f"r.{ZONE}") == ["three"]
    assert reply.answer[0].ttl == 90


def test_rfc2136_update_that_changes_nothing_keeps_the_serial(server: AuthoritativeServer) -> None:
    before = serial(server)
    update = dns.update.UpdateMessage(ZONE)
    update.delete("never-existed", "TXT")

    assert send_update(server, update) == dns.rcode.NOERROR
    assert serial(server) == before


def test_update_of_a_zone_not_held_is_notauth(server: AuthoritativeServer) -> None:
    update = dns.update.UpdateMessage("other.test")
    update.add("x", 60, "TXT", '"nope"')

    assert send_update(server, update) == dns.rcode.NOTAUTH


def test_update_with_a_name_outside_the_zone_is_notzone_and_applies_nothing(
    server: AuthoritativeServer,
) -> None:
    update = dns.update.UpdateMessage(ZONE)
    update.add("inside", 60, "TXT", '"would-be-added"')
    update.add(dns.name.from_text("outside.other.test"), 60, "TXT", '"bad"')

    assert send_update(server, update) == dns.rcode.NOTZONE
    assert server.records(f"inside.{ZONE}", "TXT") == []
    assert serial(server) == 1


def test_failed_prerequisite_refuses_the_update_with_its_rcode(server: AuthoritativeServer) -> None:
    server.add_record(f"present.{ZONE}", "TXT", '"here"')

    needs_rrset = dns.update.UpdateMessage(ZONE)
    needs_rrset.present("absent", "TXT")
    needs_rrset.add("absent", 60, "TXT", '"x"')
    needs_absence = dns.update.UpdateMessage(ZONE)
    needs_absence.absent("present")
    needs_value = dns.update.UpdateMessage(ZONE)
    needs_value.present("present", "TXT", '"other"')
    satisfied = dns.update.UpdateMessage(ZONE)
    satisfied.present("present", "TXT", '"here"')
    satisfied.absent("absent")
    satisfied.add("absent", 60, "TXT", '"now-present"')

    assert send_update(server, needs_rrset) == dns.rcode.NXRRSET
    assert send_update(server, needs_absence) == dns.rcode.YXDOMAIN
    assert send_update(server, needs_value) == dns.rcode.NXRRSET
    assert server.records(f"absent.{ZONE}", "TXT") == []
    assert send_update(server, satisfied) == dns.rcode.NOERROR
    assert server.records(f"absent.{ZONE}", "TXT") == ['"now-present"']


def test_update_cannot_remove_the_apex_soa_or_the_last_ns(server: AuthoritativeServer) -> None:
    update = dns.update.UpdateMessage(ZONE)
    update.delete(ZONE + ".")
    update.delete(ZONE + ".", "NS", f"ns1.{ZONE}.")

    assert send_update(server, update) == dns.rcode.NOERROR
    assert ask(server, ZONE, "SOA").answer
    assert server.records(ZONE, "NS") == [f"ns1.{ZONE}."]


def test_update_adding_a_cname_next_to_other_data_is_ignored(server: AuthoritativeServer) -> None:
    server.add_record(f"busy.{ZONE}", "TXT", '"data"')
    update = dns.update.UpdateMessage(ZONE)
    update.add("busy", 60, "CNAME", f"target.{ZONE}.")

    assert send_update(server, update) == dns.rcode.NOERROR
    assert server.records(f"busy.{ZONE}", "CNAME") == []


# ---------------------------------------------------------------------------- programmatic API


def test_add_record_outside_every_held_zone_raises_value_error(server: AuthoritativeServer) -> None:
    with pytest.raises(ValueError, match="ensure_zone"):
        server.add_record("x.unknown.test", "TXT", '"v"')


def test_add_record_rejects_a_cname_next_to_other_data(server: AuthoritativeServer) -> None:
    server.add_record(f"busy.{ZONE}", "TXT", '"data"')

    with pytest.raises(ValueError, match="CNAME"):
        server.add_record(f"busy.{ZONE}", "CNAME", f"other.{ZONE}")


def test_add_record_rejects_an_unparsable_value(server: AuthoritativeServer) -> None:
    with pytest.raises(ValueError, match="invalid A value"):
        server.add_record(f"host.{ZONE}", "A", "not-an-address")


def test_add_record_keeps_existing_values_and_each_change_bumps_the_serial(
    server: AuthoritativeServer,
) -> None:
    server.add_record(f"t.{ZONE}", "TXT", '"a"')
    server.add_record(f"t.{ZONE}", "TXT", '"b"')

    assert server.records(f"t.{ZONE}", "TXT") == ['"a"', '"b"']
    assert serial(server) == 3


def test_remove_record_is_idempotent_and_bumps_the_serial_only_on_change(
    server: AuthoritativeServer,
) -> None:
    server.add_record(f"t.{ZONE}", "TXT", '"a"')
    server.remove_record(f"t.{ZONE}", "TXT")
    server.remove_record(f"t.{ZONE}", "TXT")
    server.remove_record("x.unknown.test")

    assert server.records(f"t.{ZONE}", "TXT") == []
    assert serial(server) == 3


def test_remove_record_refuses_the_apex_soa(server: AuthoritativeServer) -> None:
    with pytest.raises(ValueError, match="SOA and NS"):
        server.remove_record(ZONE, "SOA")


def test_ensure_zone_twice_keeps_the_zone_and_its_records(server: AuthoritativeServer) -> None:
    server.add_record(f"t.{ZONE}", "TXT", '"a"')

    server.ensure_zone(ZONE, minimum_ttl=999)

    assert server.records(f"t.{ZONE}", "TXT") == ['"a"']
    assert ask(server, ZONE, "SOA").answer[0][0].minimum == 120


def test_records_of_an_unknown_name_are_empty(server: AuthoritativeServer) -> None:
    assert server.records(f"nothing.{ZONE}", "TXT") == []
    assert server.records("x.unknown.test", "TXT") == []


def test_zone_can_be_set_up_before_the_server_starts() -> None:
    server = AuthoritativeServer("127.0.0.1", 0)
    server.ensure_zone(ZONE)
    server.add_record(f"early.{ZONE}", "TXT", '"ready"')

    with server:
        assert server.port != 0
        assert txt_values(ask(server, f"early.{ZONE}", "TXT"), f"early.{ZONE}") == ["ready"]


# ---------------------------------------------------------------------------- lifecycle


def _dns_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("dns-")]


def test_stop_closes_idle_tcp_connections_and_joins_every_thread_promptly() -> None:
    before = _dns_threads()
    server = AuthoritativeServer()
    server.start()
    idle = socket.create_connection((server.host, server.port), timeout=3.0)
    try:
        ask(server, "anything.test", "A", tcp=True)
        started = time.monotonic()

        server.stop()

        assert time.monotonic() - started < 5.0
        assert _dns_threads() == before
        assert idle.recv(1) == b""  # the server closed its end
    finally:
        idle.close()


def test_stop_is_idempotent_and_the_port_is_free_again() -> None:
    server = AuthoritativeServer()
    server.start()
    port = server.port
    server.stop()
    server.stop()

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", port))


def test_a_stopped_server_can_start_again_on_the_same_port() -> None:
    server = AuthoritativeServer()
    server.ensure_zone(ZONE)
    with server:
        port = server.port
    with server:
        assert server.port == port
        assert ask(server, ZONE, "SOA").rcode() == dns.rcode.NOERROR


def test_starting_a_running_server_again_is_an_error(server: AuthoritativeServer) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        server.start()


def test_servers_on_different_loopback_addresses_share_one_port_with_their_own_data() -> None:
    with serve_on_loopbacks("127.0.0.1", "127.0.0.2") as (first, second):
        first.ensure_zone(ZONE)
        second.ensure_zone(ZONE)
        first.add_record(f"v.{ZONE}", "TXT", '"from-first"')
        second.add_record(f"v.{ZONE}", "TXT", '"from-second"')

        assert first.port == second.port
        assert txt_values(ask(first, f"v.{ZONE}", "TXT"), f"v.{ZONE}") == ["from-first"]
        assert txt_values(ask(second, f"v.{ZONE}", "TXT"), f"v.{ZONE}") == ["from-second"]
        assert second.records(f"ns1.{ZONE}", "A") == ["127.0.0.2"]


def test_an_internal_error_costs_one_servfail_and_the_server_keeps_answering(
    server: AuthoritativeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("simulated bug")

    with monkeypatch.context() as patch:
        patch.setattr(server, "_answer_query", broken)
        failed = ask(server, ZONE, "SOA")

    assert failed.rcode() == dns.rcode.SERVFAIL
    assert ask(server, ZONE, "SOA").rcode() == dns.rcode.NOERROR


def test_update_carrying_a_newer_soa_sets_that_serial_without_an_extra_bump(
    server: AuthoritativeServer,
) -> None:
    update = dns.update.UpdateMessage(ZONE)
    update.replace(ZONE + ".", 3600, "SOA", f"ns1.{ZONE}. hostmaster.{ZONE}. 2024010101 3600 600 86400 120")
    update.add("x", 60, "TXT", '"with-new-serial"')

    assert send_update(server, update) == dns.rcode.NOERROR
    assert serial(server) == 2024010101


def test_update_carrying_an_older_soa_keeps_the_current_one(server: AuthoritativeServer) -> None:
    server.add_record(ZONE, "SOA", f"ns1.{ZONE}. hostmaster.{ZONE}. 50 3600 600 86400 120", ttl=3600)
    update = dns.update.UpdateMessage(ZONE)
    update.add(ZONE + ".", 3600, "SOA", f"ns1.{ZONE}. hostmaster.{ZONE}. 10 3600 600 86400 120")

    assert send_update(server, update) == dns.rcode.NOERROR
    assert serial(server) == 50


# ---------------------------------------------------------------------------- mail records (issue 14)


@pytest.mark.parametrize(
    ("owner", "rdtype", "value", "served"),
    [
        ("@", "MX", "10 mxext1.mailbox.org.", "10 mxext1.mailbox.org."),
        ("autoconfig", "CNAME", "auto.mailbox.org.", "auto.mailbox.org."),
        ("_autodiscover._tcp", "SRV", "0 0 443 auto.mailbox.org.", "0 0 443 auto.mailbox.org."),
        ("_long", "TXT", '"' + "a" * 255 + '" "bcd"', '"' + "a" * 255 + '" "bcd"'),
    ],
)
def test_rfc2136_update_adds_mx_cname_srv_and_multi_string_txt_records_that_are_then_served(
    server: AuthoritativeServer, owner: str, rdtype: str, value: str, served: str
) -> None:
    update = dns.update.UpdateMessage(ZONE)
    update.add(owner, 300, rdtype, value)

    assert send_update(server, update, tcp=True) == dns.rcode.NOERROR

    name = ZONE if owner == "@" else f"{owner}.{ZONE}"
    reply = ask(server, name, rdtype)
    rrset = reply.get_rrset(
        reply.answer, dns.name.from_text(name), dns.rdataclass.IN, dns.rdatatype.from_text(rdtype)
    )
    assert rrset is not None and reply.flags & dns.flags.AA
    assert [rdata.to_text() for rdata in rrset] == [served]
    assert server.records(name, rdtype) == [served]


def test_rfc2136_update_deletes_an_mx_record_of_a_set(server: AuthoritativeServer) -> None:
    server.add_record(ZONE, "MX", "10 mxext1.mailbox.org.", "20 mxext3.mailbox.org.")
    update = dns.update.UpdateMessage(ZONE)
    update.delete("@", "MX", "20 mxext3.mailbox.org.")

    assert send_update(server, update, tcp=False) == dns.rcode.NOERROR

    assert server.records(ZONE, "MX") == ["10 mxext1.mailbox.org."]
