"""The DNS propagation check, against real authoritative servers on 127.0.0.1-3 (one port).

The ``world`` fixture runs three :class:`AuthoritativeServer` instances: ``ns1`` (127.0.0.1) and
``ns2`` (127.0.0.2) are authoritative nameservers, ``resolver`` (127.0.0.3) plays the recursive
resolver the checker bootstraps from: it holds a copy of every zone's delegation data (SOA, NS,
nameserver addresses, CNAMEs) but not the TXT records under test, so a check passes only when
the nameservers themselves serve the record.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import string
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dns.message
import dns.nameserver
import dns.resolver
import dns.rrset
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dnsfixtures import serve_on_loopbacks
from pulumi_mailboxorg.dnscheck import (
    Nameserver,
    PropagationChecker,
    PropagationResult,
    ServerAnswer,
    parse_nameservers,
)
from pulumi_mailboxorg.emulator.dns_server import AuthoritativeServer
from pulumi_mailboxorg.errors import DnsCheckError

ZONE = "example.test"
NAME = f"_verify.{ZONE}"
TOKEN = "9dd07dc055aee1b63eb55f3e2874d5f253b3f643"


@dataclass
class World:
    ns1: AuthoritativeServer
    ns2: AuthoritativeServer
    resolver: AuthoritativeServer

    @property
    def port(self) -> int:
        return self.ns1.port

    def delegate(self, zone: str, *nameservers: AuthoritativeServer, minimum_ttl: int = 300) -> None:
        """Host ``zone`` on ``nameservers`` (named ns1, ns2, ... in its NS set) and on the resolver."""
        for server in (*nameservers, self.resolver):
            server.ensure_zone(zone, minimum_ttl=minimum_ttl)
            server.remove_record(f"ns1.{zone}")  # the default ns1 points at the server itself
            for index, nameserver in enumerate(nameservers, start=1):
                server.add_record(f"ns{index}.{zone}", "A", nameserver.host)
                server.add_record(zone, "NS", f"ns{index}.{zone}")

    def checker(self, *, timeout: float = 2.0) -> PropagationChecker:
        return PropagationChecker(
            bootstrap=[Nameserver(self.resolver.host, self.port)],
            authoritative_port=self.port,
            timeout=timeout,
        )


@pytest.fixture
def world() -> Iterator[World]:
    with serve_on_loopbacks("127.0.0.1", "127.0.0.2", "127.0.0.3") as (ns1, ns2, resolver):
        world = World(ns1, ns2, resolver)
        world.delegate(ZONE, ns1, ns2, minimum_ttl=120)
        yield world


def publish(value: str, *servers: AuthoritativeServer, name: str = NAME) -> None:
    for server in servers:
        server.add_record(name, "TXT", f'"{value}"')


# ---------------------------------------------------------------------------- discovery mode


def test_record_served_by_every_authoritative_nameserver_passes(world: World) -> None:
    publish(TOKEN, world.ns1, world.ns2)

    result = world.checker().check(NAME, TOKEN)

    assert result.ok
    assert result.zone == ZONE
    assert result.queried == NAME
    assert [(a.server, a.address, a.values) for a in result.answers] == [
        (f"ns1.{ZONE}", "127.0.0.1", (TOKEN,)),
        (f"ns2.{ZONE}", "127.0.0.2", (TOKEN,)),
    ]


def test_nameservers_are_asked_directly_and_the_resolver_never_for_the_txt(world: World) -> None:
    publish(TOKEN, world.ns1, world.ns2)

    world.checker().check(NAME, TOKEN)

    assert world.ns1.queries[(NAME, "TXT", "udp")] == 1
    assert world.ns2.queries[(NAME, "TXT", "udp")] == 1
    assert world.resolver.queries[(NAME, "TXT", "udp")] == 0


def test_missing_name_fails_and_is_reported_as_nxdomain(world: World) -> None:
    result = world.checker().check(NAME, TOKEN)

    assert not result.ok
    assert all(a.values == () and a.error is None and a.rcode == "NXDOMAIN" for a in result.answers)
    assert "NXDOMAIN" in result.describe()


def test_wrong_value_fails_and_the_served_value_is_shown(world: World) -> None:
    publish("stale-token", world.ns1, world.ns2)

    result = world.checker().check(NAME, TOKEN)

    assert not result.ok
    assert all(a.values == ("stale-token",) for a in result.answers)
    assert '"stale-token"' in result.describe()


def test_expected_value_among_several_txt_records_passes(world: World) -> None:
    for server in (world.ns1, world.ns2):
        server.add_record(NAME, "TXT", '"v=spf1 -all"', f'"{TOKEN}"')

    result = world.checker().check(NAME, TOKEN)

    assert result.ok
    assert set(result.answers[0].values) == {"v=spf1 -all", TOKEN}


def test_one_lagging_nameserver_keeps_the_check_from_passing(world: World) -> None:
    publish(TOKEN, world.ns1)

    result = world.checker().check(NAME, TOKEN)

    assert not result.ok
    assert result.answers[0].values == (TOKEN,)
    assert result.answers[1].values == ()
    assert "not visible yet on 1 of 2 nameserver(s)" in result.describe()


def test_txt_record_of_several_strings_is_compared_as_the_joined_value(world: World) -> None:
    for server in (world.ns1, world.ns2):
        server.add_record(NAME, "TXT", f'"{TOKEN[:20]}" "{TOKEN[20:]}"')

    result = world.checker().check(NAME, TOKEN)

    assert result.ok


def test_cname_into_another_zone_is_checked_on_that_zones_nameservers(world: World) -> None:
    target = f"{TOKEN}.validation.test"
    world.delegate("validation.test", world.ns2)
    for server in (world.ns1, world.ns2, world.resolver):
        server.add_record(NAME, "CNAME", target)
    publish(TOKEN, world.ns2, name=target)

    result = world.checker().check(NAME, TOKEN)

    assert result.ok
    assert result.queried == target
    assert result.zone == "validation.test"
    assert [(a.server, a.address) for a in result.answers] == [("ns1.validation.test", "127.0.0.2")]
    assert world.ns1.queries[(target, "TXT", "udp")] == 0
    assert "(CNAME to " in result.describe()


def test_truncated_udp_answer_is_retried_over_tcp(world: World) -> None:
    long_value = "k" * 400
    for server in (world.ns1, world.ns2):
        server.max_udp_payload = 100
        server.add_record(NAME, "TXT", f'"{long_value[:200]}" "{long_value[200:]}"')

    result = world.checker().check(NAME, long_value)

    assert result.ok
    assert world.ns1.queries[(NAME, "TXT", "tcp")] == 1
    assert world.ns2.queries[(NAME, "TXT", "tcp")] == 1


def test_negative_ttl_is_the_soa_minimum(world: World) -> None:
    result = world.checker().check(NAME, TOKEN)

    assert result.negative_ttl == 120
    assert "120 s" in result.describe()


def test_negative_ttl_is_the_soa_ttl_when_that_is_smaller(world: World) -> None:
    soa = world.resolver.records(ZONE, "SOA")[0].split()
    soa[-1] = "900"  # minimum
    world.resolver.add_record(ZONE, "SOA", " ".join(soa), ttl=45)

    result = world.checker().check(NAME, TOKEN)

    assert result.negative_ttl == 45


def test_nameserver_that_is_down_is_reported_as_an_error_of_that_server(world: World) -> None:
    publish(TOKEN, world.ns1, world.ns2)
    world.ns2.stop()

    result = world.checker(timeout=0.5).check(NAME, TOKEN)

    assert not result.ok
    assert result.answers[0].error is None
    assert result.answers[1].error == "timed out"
    assert "error: timed out" in result.describe()


def test_answer_without_the_authoritative_flag_is_an_error(world: World) -> None:
    world.resolver.add_record(ZONE, "NS", f"ns3.{ZONE}")
    world.resolver.add_record(f"ns3.{ZONE}", "A", "127.0.0.4")
    publish(TOKEN, world.ns1, world.ns2)

    with _non_authoritative_responder("127.0.0.4", world.port, TOKEN):
        result = world.checker().check(NAME, TOKEN)

    assert not result.ok
    assert result.answers[2].error == "answered without authority (AA not set): a lame delegation?"


@contextlib.contextmanager
def _non_authoritative_responder(host: str, port: int, value: str) -> Iterator[None]:
    """A UDP responder that answers every query with ``value`` as TXT but AA cleared."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, port))
    sock.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            response = dns.message.make_response(query)
            response.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "TXT", f'"{value}"'))
            sock.sendto(response.to_wire(), peer)

    thread = threading.Thread(target=serve, name="test-non-aa-responder")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        sock.close()


def test_nameserver_answering_refused_is_an_error(world: World) -> None:
    world.resolver.ensure_zone("refusing.test")
    world.resolver.remove_record("ns1.refusing.test")
    world.resolver.add_record("ns1.refusing.test", "A", "127.0.0.2")  # ns2 does not hold the zone

    result = world.checker().check("_verify.refusing.test", TOKEN)

    assert not result.ok
    assert result.answers[0].error == "answered REFUSED"


def test_nameserver_without_an_address_is_an_error_while_others_are_asked(world: World) -> None:
    publish(TOKEN, world.ns1, world.ns2)
    world.resolver.add_record(ZONE, "NS", f"ns3.{ZONE}")

    result = world.checker().check(NAME, TOKEN)

    assert not result.ok
    assert [a.error for a in result.answers] == [
        None,
        None,
        "no address (A or AAAA) found for this nameserver",
    ]


def test_name_in_no_known_zone_cannot_be_checked(world: World) -> None:
    with pytest.raises(DnsCheckError, match=r"could not find the DNS zone of _verify\.nowhere\.test"):
        world.checker().check("_verify.nowhere.test", TOKEN)


def test_zone_whose_nameservers_have_no_address_cannot_be_checked(world: World) -> None:
    world.resolver.remove_record(f"ns1.{ZONE}")
    world.resolver.remove_record(f"ns2.{ZONE}")

    with pytest.raises(DnsCheckError, match="no address"):
        world.checker().check(NAME, TOKEN)


def test_check_without_any_bootstrap_resolver_cannot_run() -> None:
    checker = PropagationChecker(bootstrap=[])

    with pytest.raises(DnsCheckError, match="no recursive DNS resolver"):
        checker.check(NAME, TOKEN)


@pytest.mark.parametrize("name", ["a..b", "", ".", "x" * 64 + ".test"])
def test_invalid_name_cannot_be_checked(name: str) -> None:
    with pytest.raises(DnsCheckError, match="cannot check DNS"):
        PropagationChecker([Nameserver("127.0.0.1", 9)]).check(name, TOKEN)


# ---------------------------------------------------------------------------- explicit nameservers


def test_explicit_nameservers_are_asked_and_the_zone_is_found_on_them(world: World) -> None:
    publish(TOKEN, world.ns1, world.ns2)
    checker = PropagationChecker([Nameserver("127.0.0.1", world.port), Nameserver("127.0.0.2", world.port)])

    result = checker.check(NAME, TOKEN)

    assert result.ok
    assert [a.server for a in result.answers] == [f"127.0.0.1:{world.port}", f"127.0.0.2:{world.port}"]
    assert result.zone == ZONE
    assert result.negative_ttl == 120
    assert world.resolver.queries.total() == 0


def test_explicit_nameserver_lagging_fails_the_check(world: World) -> None:
    publish(TOKEN, world.ns2)
    checker = PropagationChecker([Nameserver("127.0.0.1", world.port), Nameserver("127.0.0.2", world.port)])

    result = checker.check(NAME, TOKEN)

    assert not result.ok
    assert [a.values for a in result.answers] == [(), (TOKEN,)]


def test_explicit_nameserver_is_asked_again_for_a_cname_target_it_did_not_follow(world: World) -> None:
    target = f"{TOKEN}.validation.test"
    world.resolver.ensure_zone("validation.test")
    world.resolver.add_record(NAME, "CNAME", target)
    publish(TOKEN, world.resolver, name=target)

    result = PropagationChecker([Nameserver("127.0.0.3", world.port)]).check(NAME, TOKEN)

    assert result.ok
    assert result.queried == target
    assert result.zone == "validation.test"


def test_explicit_nameserver_outside_its_zones_reports_refused(world: World) -> None:
    result = PropagationChecker([Nameserver("127.0.0.3", world.port)]).check("_verify.other.test", TOKEN)

    assert not result.ok
    assert result.answers[0].error == "answered REFUSED"
    assert result.zone is None
    assert result.negative_ttl is None


def test_silent_explicit_nameserver_is_a_timeout_not_an_exception() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]

        result = PropagationChecker([Nameserver("127.0.0.1", port)], timeout=0.3).check(NAME, TOKEN)

    assert not result.ok
    assert result.answers[0].error == "timed out"
    assert result.answers[0].address == "127.0.0.1"


def _fake_getaddrinfo(table: dict[str, list[str]]) -> object:
    """A getaddrinfo that knows only ``table`` (host name -> addresses): tests stay off the network."""

    def getaddrinfo(host: str, *_args: object, **_kwargs: object) -> list[tuple[object, ...]]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_DGRAM, 17, "", (address, 0)) for address in table[host]]

    return getaddrinfo


def test_explicit_nameserver_host_name_is_resolved_by_the_system(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _fake_getaddrinfo({"ns.local.test": ["127.0.0.1"]}))
    publish(TOKEN, world.ns1)

    result = PropagationChecker([Nameserver("ns.local.test", world.port)]).check(NAME, TOKEN)

    assert result.ok
    assert result.answers[0].server == f"ns.local.test:{world.port}"
    assert result.answers[0].address == "127.0.0.1"


def test_explicit_nameserver_host_name_that_does_not_resolve_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _fake_getaddrinfo({}))

    result = PropagationChecker([Nameserver("does-not-exist.test", 53)]).check(NAME, TOKEN)

    assert not result.ok
    assert result.answers[0].error == "cannot resolve the host name 'does-not-exist.test'"


# ---------------------------------------------------------------------------- system resolvers


class _FakeResolverConfig:
    """Stands in for ``dns.resolver.Resolver(configure=True)`` reading /etc/resolv.conf."""

    def __init__(self, nameservers: list[object], port: int = 53) -> None:
        self.nameservers = nameservers
        self.nameserver_ports: dict[str, int] = {}
        self.port = port


def test_system_resolvers_are_the_default_bootstrap(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    publish(TOKEN, world.ns1, world.ns2)
    system = _FakeResolverConfig(["127.0.0.3", "https://doh.example/dns-query"], port=world.port)
    monkeypatch.setattr(dns.resolver, "Resolver", lambda configure=True: system)

    result = PropagationChecker(authoritative_port=world.port).check(NAME, TOKEN)

    assert result.ok
    assert world.resolver.queries[(ZONE, "NS", "udp")] == 1


def test_system_resolver_given_as_nameserver_object_keeps_its_port(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(TOKEN, world.ns1, world.ns2)
    system = _FakeResolverConfig([dns.nameserver.Do53Nameserver("127.0.0.3", world.port)])
    monkeypatch.setattr(dns.resolver, "Resolver", lambda configure=True: system)

    assert PropagationChecker(authoritative_port=world.port).check(NAME, TOKEN).ok


def test_missing_system_resolver_configuration_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def unconfigured(configure: bool = True) -> object:
        raise dns.resolver.NoResolverConfiguration("no nameservers")

    monkeypatch.setattr(dns.resolver, "Resolver", unconfigured)

    with pytest.raises(DnsCheckError, match="system's DNS resolver configuration"):
        PropagationChecker().check(NAME, TOKEN)


# ---------------------------------------------------------------------------- results and options


def test_result_without_answers_is_not_ok() -> None:
    result = PropagationResult(NAME, NAME, TOKEN, ZONE, 300, ())

    assert not result.ok


def test_result_description_names_each_server_with_its_verdict() -> None:
    answers = (
        ServerAnswer("ns1.example.test", "192.0.2.1", (TOKEN,), None, "NOERROR"),
        ServerAnswer("ns2.example.test", "192.0.2.2", (), None, "NOERROR"),
        ServerAnswer("ns3.example.test", "192.0.2.3", (), "timed out"),
    )

    lines = PropagationResult(NAME, NAME, TOKEN, ZONE, 300, answers).describe().splitlines()

    assert lines[0] == f'TXT "{TOKEN}" at {NAME} in zone {ZONE}: not visible yet on 1 of 3 nameserver(s)'
    assert lines[1] == f'  ok: ns1.example.test (192.0.2.1): TXT "{TOKEN}"'
    assert lines[2] == "  missing: ns2.example.test (192.0.2.2): no TXT record at this name"
    assert lines[3] == "  missing: ns3.example.test (192.0.2.3): error: timed out"
    assert "300 s" in lines[4]


def test_server_answer_description_without_address_names_the_server_only() -> None:
    answer = ServerAnswer("ns9.example.test", "", (), "no address (A or AAAA) found for this nameserver")

    assert answer.describe() == "ns9.example.test: error: no address (A or AAAA) found for this nameserver"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"authoritative_port": 0}, "authoritative_port"), ({"timeout": 0.0}, "timeout")],
)
def test_checker_rejects_invalid_options(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PropagationChecker(**kwargs)


def test_empty_nameserver_list_means_discovery_mode() -> None:
    checker = PropagationChecker([], bootstrap=[Nameserver("127.0.0.1", 9)])

    assert checker.nameservers == ()
    assert "discovery" in repr(checker)


# ---------------------------------------------------------------------------- parse_nameservers


def test_nameserver_list_with_address_host_name_and_bracketed_ipv6_is_parsed() -> None:
    assert parse_nameservers("1.2.3.4, ns.example.net:5353, [::1]:53") == (
        Nameserver("1.2.3.4", 53),
        Nameserver("ns.example.net", 5353),
        Nameserver("::1", 53),
    )


def test_bare_ipv6_address_takes_port_53() -> None:
    assert parse_nameservers("2001:db8::53") == (Nameserver("2001:db8::53", 53),)


def test_blank_entries_are_skipped() -> None:
    assert parse_nameservers(" 192.0.2.1 ,, 192.0.2.2, ") == (
        Nameserver("192.0.2.1"),
        Nameserver("192.0.2.2"),
    )


@pytest.mark.parametrize("text", ["", " ", ",", " , ,"])
def test_list_without_any_entry_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="no nameserver given"):
        parse_nameservers(text)


@pytest.mark.parametrize(
    "entry",
    [
        "192.0.2.1:0",
        "192.0.2.1:65536",
        "192.0.2.1:",
        "192.0.2.1:53a",
        "192.0.2.1:+53",
        "192.0.2.999",
        "01.2.3.4",
        "ns_1.example.net",
        "-ns.example.net",
        "ns..example.net",
        "ns example.net",
        "bücher.example",
        "[::1",
        "[::1]53",
        "[::1]:",
        "[192.0.2.1]:53",
        "fe80::1%eth0",
        "::1::2",
        "a" * 64 + ".example",
        "http://ns.example.net",
    ],
)
def test_invalid_entry_is_rejected_with_its_text_in_the_message(entry: str) -> None:
    with pytest.raises(ValueError, match="invalid nameserver") as caught:
        parse_nameservers(f"192.0.2.1, {entry}")

    assert repr(entry) in str(caught.value)


_LABEL = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?\Z")
_TLD = st.from_regex(r"\A[a-z]{2,6}\Z")
_HOSTNAMES = st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(_LABEL, max_size=3), _TLD)
_HOSTS = st.one_of(
    _HOSTNAMES,
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
)
_NAMESERVERS = st.builds(Nameserver, _HOSTS, st.integers(min_value=1, max_value=65535))


@pytest.mark.slow
@given(st.lists(_NAMESERVERS, min_size=1, max_size=5))
def test_formatted_nameservers_parse_back_to_themselves(servers: list[Nameserver]) -> None:
    assert parse_nameservers(", ".join(map(str, servers))) == tuple(servers)


@given(_HOSTS)
def test_entry_without_port_means_port_53(host: str) -> None:
    assert parse_nameservers(host) == (Nameserver(host, 53),)


@given(_HOSTNAMES, st.integers(min_value=1, max_value=65535))
def test_host_names_are_case_insensitive_and_may_end_with_a_dot(host: str, port: int) -> None:
    assert parse_nameservers(f"{host.upper()}.:{port}") == (Nameserver(host, port),)


@given(st.ip_addresses(v=6), st.integers(min_value=1, max_value=65535))
def test_ipv6_addresses_are_normalized(address: ipaddress.IPv6Address, port: int) -> None:
    assert parse_nameservers(f"[{address.exploded.upper()}]:{port}") == (Nameserver(str(address), port),)


_BAD_CHARACTERS = st.sampled_from("_ !@#$&*()=+/\\?'\"<>;{}|~`é]%\t")


@st.composite
def _invalid_entries(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["port", "character"]))
    if kind == "port":
        host = draw(_HOSTNAMES | st.ip_addresses(v=4).map(str))
        port = draw(
            st.integers(max_value=0).map(str)
            | st.integers(min_value=65536).map(str)
            | st.text(alphabet=string.ascii_letters + "+-. ", min_size=1, max_size=5)
        )
        return f"{host}:{port}"
    host = draw(_HOSTNAMES)
    assume(len(host) >= 2)
    position = draw(st.integers(min_value=1, max_value=len(host) - 1))
    return host[:position] + draw(_BAD_CHARACTERS) + host[position:]


@given(st.lists(_NAMESERVERS, max_size=3), _invalid_entries(), st.data())
def test_invalid_entry_is_named_in_the_value_error(
    servers: list[Nameserver], bad: str, data: st.DataObject
) -> None:
    entries = [str(server) for server in servers]
    entries.insert(data.draw(st.integers(min_value=0, max_value=len(entries))), bad)

    with pytest.raises(ValueError, match="invalid nameserver") as caught:
        parse_nameservers(", ".join(entries))

    assert repr(bad.strip()) in str(caught.value)


def _parse_or_error(text: str) -> tuple[Nameserver, ...] | ValueError:
    try:
        return parse_nameservers(text)
    except ValueError as exc:
        return exc


@given(st.text())
def test_any_text_parses_or_raises_value_error_and_nothing_else(text: str) -> None:
    outcome = _parse_or_error(text)

    if isinstance(outcome, ValueError):
        assert str(outcome).startswith(("invalid nameserver", "no nameserver given"))
    else:
        assert outcome
        for server in outcome:
            assert 1 <= server.port <= 65535
            assert server.host
            assert not any(character in server.host for character in ", []\t\n")


@given(st.text(alphabet="0123456789abcdef:.[],% ", max_size=40))
def test_address_like_text_parses_or_raises_value_error_and_nothing_else(text: str) -> None:
    outcome = _parse_or_error(text)

    assert isinstance(outcome, tuple | ValueError)


def test_nameserver_string_form_brackets_ipv6_only() -> None:
    assert str(Nameserver("192.0.2.1")) == "192.0.2.1:53"
    assert str(Nameserver("2001:db8::1", 5353)) == "[2001:db8::1]:5353"
    assert str(Nameserver("ns.example.net", 53)) == "ns.example.net:53"
