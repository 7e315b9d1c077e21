"""DNS propagation check: is a TXT record visible on every nameserver that matters?

mailbox.org accepts a new domain only once the ownership TXT record it asked for (error 218) is
visible to its own resolver. Asking mailbox.org too early is not free: a failed lookup may be
cached negatively by its resolver for up to the zone's negative TTL. So, like ACME clients do
before asking a CA to validate (lego's ``dns01`` precheck, cert-manager's self-check), the
provider first checks the record itself with :class:`PropagationChecker`.

Contract
--------
``PropagationChecker().check(name, expected)`` returns a :class:`PropagationResult`;
``result.ok`` is True when every nameserver queried answered and serves ``expected`` as one of
the TXT values at ``name``. Two modes:

* **Authoritative discovery** (``nameservers`` not given; the default). Using the ``bootstrap``
  recursive resolvers (default: the system's, from ``/etc/resolv.conf``):

  1. follow the CNAME chain of ``name`` (at most 16 hops; ``result.queried`` is its end);
  2. find the zone of that name by an SOA walk: query SOA at the name, then at each parent, and
     take the first SOA found in the answer (owner = the name) or in the authority section
     (owner = the name or one of its ancestors);
  3. get the zone's NS set and resolve each NS name to its IPv4, then IPv6 addresses;
  4. query every NS directly for TXT, with recursion off (RD=0), on ``authoritative_port``,
     retrying over TCP when the UDP answer is truncated. Each NS is tried at its addresses in
     order until one gives a usable answer: NOERROR or NXDOMAIN with AA set. A server that
     refuses, fails, times out or answers non-authoritatively (lame delegation) is an error.

* **Explicit nameservers** (``nameservers`` given, e.g. from the provider's configuration):
  query exactly those servers, with recursion desired (RD=1: they may be recursive resolvers or
  authoritative servers). A CNAME chain in an answer is followed within the answer, and the same
  server is asked again for a target it did not chase. The zone and negative TTL come from an
  SOA walk against the servers that answered (both left None when no SOA is found).

TXT values are compared as whole records: the character-strings of one record are joined
without separator (RFC 7208 §3.3 style), decoded as UTF-8. ``result.negative_ttl`` is
``min(SOA minimum, SOA TTL)`` (RFC 2308 §5), the longest a resolver may cache "no such record".

Time: ``check(name, expected, budget)`` bounds the whole check (see :meth:`PropagationChecker.check`);
each query waits at most the smaller of the per-query timeout and the time left. A reply that is not
the response to the query (wrong id or question: a stray or spoofed packet) is ignored while the
query waits for the real one, over UDP and TCP.

Errors: a DNS failure of one server (timeout, connection refused, SERVFAIL, REFUSED, ...) goes
into that server's :attr:`ServerAnswer.error`; it is never raised. :class:`DnsCheckError` is
raised only when the check cannot run at all: invalid name, no resolver to bootstrap from, no
zone found, no NS set, or no address for any nameserver.

This module uses dnspython only; it knows nothing of HTTP, the mailbox.org API or Pulumi.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

import dns.exception
import dns.flags
import dns.inet
import dns.message
import dns.name
import dns.nameserver
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.NS
import dns.rdtypes.ANY.SOA
import dns.rdtypes.ANY.TXT
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA
import dns.rdtypes.IN.SRV
import dns.resolver
import dns.rrset

from .errors import DnsCheckError
from .scrubbing import quote as _quote

__all__ = [
    "Nameserver",
    "PropagationChecker",
    "PropagationResult",
    "RecordLookup",
    "ServerAnswer",
    "parse_nameservers",
]

#: Longest CNAME chain followed before giving up (loop protection).
MAX_CNAME_HOPS = 16
#: EDNS payload size of our queries (DNS flag day 2020 value).
_EDNS_PAYLOAD = 1232
#: Most queries in flight at once within one check.
_MAX_PARALLEL = 8

_IN = dns.rdataclass.IN
_TXT = dns.rdatatype.TXT
_SOA = dns.rdatatype.SOA
_CNAME = dns.rdatatype.CNAME
_USABLE_RCODES = (dns.rcode.NOERROR, dns.rcode.NXDOMAIN)
#: What a query to one server may raise: network errors, timeouts, undecodable answers.
_QUERY_ERRORS = (dns.exception.DNSException, OSError, EOFError, ValueError)

_T = TypeVar("_T")
_R = TypeVar("_R")


# ---------------------------------------------------------------------------- nameserver lists


class Nameserver(NamedTuple):
    """A DNS server to query: an IP address or host name, and a port.

    ``str()`` gives ``host:port`` (``[v6]:port`` for IPv6), which :func:`parse_nameservers`
    reads back.
    """

    host: str
    port: int = 53

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


_PORT = re.compile(r"[0-9]{1,5}", re.ASCII)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII | re.IGNORECASE)
_FORMAT_HINT = "expected host[:port], e.g. 192.0.2.53, ns1.example.net:5353 or [2001:db8::53]:53"


def parse_nameservers(text: str) -> tuple[Nameserver, ...]:
    """Parse a comma-separated list of ``host[:port]`` entries (port 53 when omitted).

    A host is an IPv4 address, an IPv6 address (in brackets when a port follows: ``[::1]:5353``;
    a bare IPv6 address takes port 53) or a host name. Addresses are normalized
    (``2001:DB8::0:1`` -> ``2001:db8::1``), host names lower-cased without a final dot. Blank
    entries (``"a,,b"``, a trailing comma) are skipped; the order is kept.

    Raises ValueError naming the first invalid entry, or when there is no entry at all.
    """
    servers = tuple(_parse_entry(entry.strip()) for entry in text.split(",") if entry.strip())
    if not servers:
        raise ValueError(f"no nameserver given in {text!r}: {_FORMAT_HINT}")
    return servers


def _parse_entry(entry: str) -> Nameserver:
    def invalid(reason: str) -> ValueError:
        return ValueError(f"invalid nameserver {entry!r}: {reason}; {_FORMAT_HINT}")

    port = 53
    if entry.startswith("["):
        host, bracket, rest = entry[1:].partition("]")
        if not bracket:
            raise invalid("missing ']' after the IPv6 address")
        if rest:
            if not rest.startswith(":"):
                raise invalid("only ':port' may follow ']'")
            port = _parse_port(rest[1:], invalid)
        address = _parse_ip(host)
        if address is None or address.version != 6:
            raise invalid("brackets hold an IPv6 address")
        return Nameserver(str(address), port)
    if entry.count(":") >= 2:
        address = _parse_ip(entry)
        if address is None:
            raise invalid("not an IPv6 address (write [address]:port to give a port)")
        return Nameserver(str(address), port)
    host, colon, port_text = entry.partition(":")
    if colon:
        port = _parse_port(port_text, invalid)
    address = _parse_ip(host)
    if address is not None:
        return Nameserver(str(address), port)
    if "%" in host:
        raise invalid("IPv6 zone ids are not supported")
    return Nameserver(_parse_hostname(host, invalid), port)


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if "%" in text:  # scoped IPv6 addresses (fe80::1%eth0): not supported
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _parse_port(text: str, invalid: Callable[[str], ValueError]) -> int:
    if not _PORT.fullmatch(text) or not 1 <= int(text) <= 65535:
        raise invalid(f"the port must be a number from 1 to 65535, not {text!r}")
    return int(text)


def _parse_hostname(text: str, invalid: Callable[[str], ValueError]) -> str:
    host = text[:-1] if text.endswith(".") else text
    labels = host.split(".")
    if not host or len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise invalid("not an IP address or a valid host name (letters, digits, '-' and '.')")
    if labels[-1].isdigit():
        raise invalid("not a valid IPv4 address")
    return host.lower()


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ServerAnswer:
    """What one nameserver said.

    ``server`` names it (the NS host name, or the configured ``host:port``); ``address`` is the
    address that gave this answer (the last one tried on error, ``""`` when there was none);
    ``values`` are the values of type ``rdtype`` at the queried name (TXT: the strings of a record
    joined; MX ``PRIORITY HOST``; SRV ``PRIORITY WEIGHT PORT TARGET``; CNAME the target; names
    lower-case without the final dot); ``error`` says why the server gave no
    usable answer (None when it answered); ``rcode`` is the answer's DNS rcode (``"NOERROR"``,
    ``"NXDOMAIN"``), None on error.
    """

    server: str
    address: str
    values: tuple[str, ...]
    error: str | None
    rcode: str | None = None
    rdtype: str = "TXT"

    def describe(self) -> str:
        """One line: ``ns1.example.net (192.0.2.53): TXT "abc"`` and the like."""
        where = f"{self.server} ({self.address})" if self.address else self.server
        return f"{where}: {self.state()}"

    def state(self) -> str:
        """What the server answered, without its name: ``TXT "abc"``, ``error: timed out``, ..."""
        if self.error is not None:
            return f"error: {self.error}"
        if self.values:
            return f"{self.rdtype} " + ", ".join(_quote(value) for value in self.values)
        if self.rcode == "NXDOMAIN":
            return "the name does not exist (NXDOMAIN)"
        return f"no {self.rdtype} record at this name"


@dataclass(frozen=True)
class RecordLookup:
    """What every nameserver serves of type ``rdtype`` at ``name`` (``queried`` after CNAMEs)."""

    name: str
    queried: str
    rdtype: str
    zone: str | None
    negative_ttl: int | None
    answers: tuple[ServerAnswer, ...]


@dataclass(frozen=True)
class PropagationResult:
    """The outcome of one check of ``expected`` at ``name`` (``queried`` after CNAMEs)."""

    name: str
    queried: str
    expected: str
    zone: str | None
    negative_ttl: int | None
    answers: tuple[ServerAnswer, ...]

    @property
    def ok(self) -> bool:
        """True when every server answered and serves ``expected`` among its TXT values."""
        return bool(self.answers) and all(self._serves(answer) for answer in self.answers)

    def _serves(self, answer: ServerAnswer) -> bool:
        return answer.error is None and self.expected in answer.values

    def describe(self) -> str:
        """A few lines for a log or an error message: the verdict, then one line per server."""
        subject = f"TXT {_quote(self.expected)} at {self.name}"
        if self.queried != self.name:
            subject += f" (CNAME to {self.queried})"
        if self.zone is not None:
            subject += f" in zone {self.zone}"
        serving = sum(1 for answer in self.answers if self._serves(answer))
        verdict = "visible" if self.ok else "not visible yet"
        lines = [f"{subject}: {verdict} on {serving} of {len(self.answers)} nameserver(s)"]
        for answer in self.answers:
            mark = "ok" if self._serves(answer) else "missing"
            lines.append(f"  {mark}: {answer.describe()}")
        if not self.ok and self.negative_ttl is not None:
            lines.append(
                f"  a resolver that already looked may cache the negative answer for up to "
                f"{self.negative_ttl} s (the zone's negative TTL)"
            )
        return "\n".join(lines)


# ---------------------------------------------------------------------------- the checker


class _OutOfTime(dns.exception.Timeout):
    """The check's time budget is spent: no further query is sent."""


class _Budget:
    """The time one check may take: each query waits at most min(per-query timeout, time left)."""

    def __init__(self, seconds: float | None, per_query: float) -> None:
        self.seconds = seconds
        self.per_query = per_query
        self.deadline = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def spent(self) -> bool:
        left = self.left()
        return left is not None and left <= 0

    def query_timeout(self) -> float:
        """Seconds the next query may wait; _OutOfTime when the budget is spent."""
        left = self.left()
        if left is None:
            return self.per_query
        if left <= 0:
            raise _OutOfTime
        return min(self.per_query, left)

    def ran_out(self, name: dns.name.Name, stage: str) -> DnsCheckError:
        return DnsCheckError(
            f"the DNS check of {_text(name)} ran out of its time ({self.seconds:g} s) while {stage}"
        )


class PropagationChecker:
    """Checks that a TXT record is served by a zone's nameservers (see the module docstring).

    ``nameservers``: query exactly these (RD=1) instead of discovering the authoritative ones;
    an empty sequence counts as not given. ``bootstrap``: recursive resolvers for discovery
    (default: the system's). ``authoritative_port``: the port of discovered nameservers.
    ``timeout``: seconds per query (a UDP query and its TCP retry get this much each, within the
    check's budget). Instances hold configuration only and may be shared between threads.
    """

    def __init__(
        self,
        nameservers: Sequence[Nameserver] | None = None,
        *,
        bootstrap: Sequence[Nameserver] | None = None,
        authoritative_port: int = 53,
        timeout: float = 3.0,
    ) -> None:
        if not 1 <= authoritative_port <= 65535:
            raise ValueError(f"authoritative_port must be from 1 to 65535, not {authoritative_port}")
        if not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout}")
        self.nameservers: tuple[Nameserver, ...] = tuple(nameservers or ())
        self.bootstrap: tuple[Nameserver, ...] | None = None if bootstrap is None else tuple(bootstrap)
        self.authoritative_port = authoritative_port
        self.timeout = timeout

    def __repr__(self) -> str:
        if self.nameservers:
            mode = "nameservers=" + ",".join(map(str, self.nameservers))
        else:
            sources = "system" if self.bootstrap is None else ",".join(map(str, self.bootstrap))
            mode = f"authoritative discovery via {sources}, port {self.authoritative_port}"
        return f"<PropagationChecker {mode}, timeout={self.timeout}s>"

    def check(self, name: str, expected: str, budget: float | None = None) -> PropagationResult:
        """Query the nameservers for the TXT records at ``name`` and compare with ``expected``.

        ``budget`` (seconds, None: unbounded) bounds the whole check: each query waits at most the
        smaller of :attr:`timeout` and the time left, and the CNAME and zone walks and the fan-out
        to the nameservers stop once it is spent (servers not asked then get an error answer; a
        discovery step that could not finish raises :class:`DnsCheckError`). A budget below
        :attr:`timeout` is raised to it, so that one query can always be made: a check never
        takes longer than ``max(budget, timeout)`` (plus the system's own name resolution of an
        explicit nameserver given by host name).
        """
        found = self.lookup(name, "TXT", budget)
        return PropagationResult(
            name=found.name,
            queried=found.queried,
            expected=expected,
            zone=found.zone,
            negative_ttl=found.negative_ttl,
            answers=found.answers,
        )

    def lookup(self, name: str, rdtype: str, budget: float | None = None) -> RecordLookup:
        """What every nameserver serves of type ``rdtype`` (TXT, MX, SRV, CNAME) at ``name``.

        The same discovery, CNAME handling, TCP fallback and ``budget`` as :meth:`check`; a CNAME
        lookup asks for the CNAME itself and follows no chain.
        """
        return self.lookup_many([(name, rdtype)], budget)[0]

    def lookup_many(
        self, queries: Sequence[tuple[str, str]], budget: float | None = None, *, zone_info: bool = True
    ) -> list[RecordLookup]:
        """:meth:`lookup` of several ``(name, rdtype)`` pairs at once, in order, within one ``budget``.

        ``zone_info=False`` skips the SOA walk of explicit nameservers (``zone`` and ``negative_ttl``
        stay None), for callers that need only the answers; discovery finds the zone anyway.

        The lookups run concurrently and share what they discover (a zone's nameservers and their
        addresses are looked up once). A :class:`DnsCheckError` of one lookup is raised.
        """
        parsed = [(_absolute_name(name), _rdtype(rdtype)) for name, rdtype in queries]
        limit = _Budget(None if budget is None else max(budget, self.timeout), self.timeout)
        shared = _Shared()

        def one(job: tuple[dns.name.Name, dns.rdatatype.RdataType]) -> RecordLookup:
            if self.nameservers:
                return self._check_explicit(job[0], job[1], limit, zone_info=zone_info)
            return self._check_discovered(job[0], job[1], limit, shared)

        return _parallel(one, parsed)

    # ------------------------------------------------------------------ discovery mode

    def _check_discovered(
        self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, budget: _Budget, shared: _Shared
    ) -> RecordLookup:
        resolvers = self._resolver_addresses()
        final = qname if rdtype == _CNAME else self._follow_cnames(qname, resolvers, budget)
        if budget.spent():
            raise budget.ran_out(qname, "following its CNAME chain")
        soa = self._find_soa(final, resolvers, budget)
        if soa is None:
            if budget.spent():
                raise budget.ran_out(qname, f"looking for the zone of {_text(final)}")
            raise DnsCheckError(
                f"could not find the DNS zone of {_text(final)}: no SOA record for it or any parent "
                f"from the resolvers {_list(resolvers)}. Check that the domain is delegated, or name "
                "the nameservers to ask explicitly."
            ).about("nameservers")
        zone = soa.name
        with shared.zone_lock(zone):
            if zone not in shared.servers:
                ns_names = self._zone_nameservers(zone, resolvers, budget)
                addresses = _parallel(lambda ns: self._addresses_of(ns, resolvers, budget), ns_names)
                shared.servers[zone] = (ns_names, addresses)
            ns_names, addresses = shared.servers[zone]
        if not any(addresses):
            if budget.spent():
                raise budget.ran_out(qname, f"looking up the nameservers of zone {_text(zone)}")
            raise DnsCheckError(
                f"no address (A or AAAA) found for any nameserver of zone {_text(zone)} "
                f"({', '.join(map(_text, ns_names))}) from the resolvers {_list(resolvers)}"
            )
        answers = _parallel(
            lambda job: self._ask_authoritative(job[0], job[1], final, rdtype, budget),
            list(zip(ns_names, addresses, strict=True)),
        )
        return RecordLookup(
            name=_text(qname),
            queried=_text(final),
            rdtype=dns.rdatatype.to_text(rdtype),
            zone=_text(zone),
            negative_ttl=_negative_ttl(soa),
            answers=tuple(answers),
        )

    def _resolver_addresses(self) -> list[tuple[str, int]]:
        """(address, port) of every bootstrap resolver; DnsCheckError when there is none."""
        servers = self.bootstrap if self.bootstrap is not None else _system_resolvers()
        found = [(address, server.port) for server in servers for address in _addresses(server.host)]
        if not found:
            given = ", ".join(map(str, servers)) or "none configured"
            raise DnsCheckError(
                f"no recursive DNS resolver to discover the zone's nameservers with ({given}); "
                "name the nameservers to ask explicitly."
            ).about("nameservers")
        return found

    def _follow_cnames(
        self, qname: dns.name.Name, resolvers: list[tuple[str, int]], budget: _Budget
    ) -> dns.name.Name:
        current, seen = qname, {qname}
        for _ in range(MAX_CNAME_HOPS):
            response = self._recursive(current, _CNAME, resolvers, budget)
            target = None if response is None else _chase(response, current)
            if target is None or target == current or target in seen:
                break
            current = target
            seen.add(target)
        return current

    def _find_soa(
        self, name: dns.name.Name, servers: list[tuple[str, int]], budget: _Budget
    ) -> dns.rrset.RRset | None:
        """The SOA RRset of the zone holding ``name`` (SOA walk), or None."""
        current = name
        while current != dns.name.root and not budget.spent():
            response = self._recursive(current, _SOA, servers, budget)
            soa = None if response is None else _soa_for(response, current)
            if soa is not None:
                return soa
            current = current.parent()
        return None

    def _zone_nameservers(
        self, zone: dns.name.Name, resolvers: list[tuple[str, int]], budget: _Budget
    ) -> list[dns.name.Name]:
        response = self._recursive(zone, dns.rdatatype.NS, resolvers, budget)
        rrset = None if response is None else response.get_rrset(response.answer, zone, _IN, dns.rdatatype.NS)
        targets = sorted({rdata.target for rdata in rrset or () if isinstance(rdata, dns.rdtypes.ANY.NS.NS)})
        if not targets:
            if budget.spent():
                raise budget.ran_out(zone, "asking for the zone's nameservers")
            raise DnsCheckError(
                f"could not get the nameservers (NS records) of zone {_text(zone)} from the "
                f"resolvers {_list(resolvers)}"
            )
        return targets

    def _addresses_of(
        self, host: dns.name.Name, resolvers: list[tuple[str, int]], budget: _Budget
    ) -> list[str]:
        """IPv4 then IPv6 addresses of a nameserver, as the bootstrap resolvers know them."""
        found: list[str] = []
        for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            response = self._recursive(host, rdtype, resolvers, budget)
            if response is None:
                continue
            owner = _chase(response, host)
            rrset = response.get_rrset(response.answer, owner, _IN, rdtype)
            for rdata in rrset or ():
                if isinstance(rdata, dns.rdtypes.IN.A.A | dns.rdtypes.IN.AAAA.AAAA):
                    found.append(rdata.address)
        return found

    def _ask_authoritative(
        self,
        server: dns.name.Name,
        addresses: list[str],
        qname: dns.name.Name,
        rdtype: dns.rdatatype.RdataType,
        budget: _Budget,
    ) -> ServerAnswer:
        name, kind = _text(server), dns.rdatatype.to_text(rdtype)
        if not addresses:
            return ServerAnswer(name, "", (), "no address (A or AAAA) found for this nameserver", rdtype=kind)
        error, address = "", ""
        for address in addresses:
            try:
                response = self._exchange(
                    qname, rdtype, address, self.authoritative_port, budget, recursion=False
                )
            except _QUERY_ERRORS as exc:
                error = _describe_exception(exc)
                continue
            rcode = response.rcode()
            if rcode not in _USABLE_RCODES:
                error = f"answered {dns.rcode.to_text(rcode)}"
            elif not response.flags & dns.flags.AA:
                error = "answered without authority (AA not set): a lame delegation?"
            else:
                owner = qname if rdtype == _CNAME else _chase(response, qname)
                values = _values(response, owner, rdtype)
                return ServerAnswer(name, address, values, None, dns.rcode.to_text(rcode), kind)
        return ServerAnswer(name, address, (), error, rdtype=kind)

    # ------------------------------------------------------------------ explicit mode

    def _check_explicit(
        self,
        qname: dns.name.Name,
        rdtype: dns.rdatatype.RdataType,
        budget: _Budget,
        *,
        zone_info: bool = True,
    ) -> RecordLookup:
        results = _parallel(
            lambda server: self._ask_explicit(server, qname, rdtype, budget), list(self.nameservers)
        )
        answers = tuple(answer for answer, _ in results)
        final = next((end for answer, end in results if answer.error is None), qname)
        # The SOA walk asks only the servers that just answered: a dead one would cost a
        # timeout per level.
        answering = [
            (answer.address, server.port)
            for server, answer in zip(self.nameservers, answers, strict=True)
            if answer.error is None
        ]
        soa = self._find_soa(final, answering, budget) if answering and zone_info else None
        return RecordLookup(
            name=_text(qname),
            queried=_text(final),
            rdtype=dns.rdatatype.to_text(rdtype),
            zone=None if soa is None else _text(soa.name),
            negative_ttl=None if soa is None else _negative_ttl(soa),
            answers=answers,
        )

    def _ask_explicit(
        self, server: Nameserver, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, budget: _Budget
    ) -> tuple[ServerAnswer, dns.name.Name]:
        """Ask one configured server; returns its answer and the end of the CNAME chain it saw."""
        kind = dns.rdatatype.to_text(rdtype)
        addresses = _addresses(server.host)
        if not addresses:
            error = f"cannot resolve the host name {server.host!r}"
            return ServerAnswer(str(server), "", (), error, rdtype=kind), qname
        error, address = "", ""
        for address in addresses:
            try:
                rcode, final, values = self._resolve(qname, rdtype, address, server.port, budget)
            except _QUERY_ERRORS as exc:
                error = _describe_exception(exc)
                continue
            if rcode not in _USABLE_RCODES:
                error = f"answered {dns.rcode.to_text(rcode)}"
                continue
            return ServerAnswer(str(server), address, values, None, dns.rcode.to_text(rcode), kind), final
        return ServerAnswer(str(server), address, (), error, rdtype=kind), qname

    def _resolve(
        self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, address: str, port: int, budget: _Budget
    ) -> tuple[dns.rcode.Rcode, dns.name.Name, tuple[str, ...]]:
        """``rdtype`` at ``qname`` from one server with RD=1, asking again for CNAME targets it left
        (a CNAME lookup takes the CNAME at ``qname`` itself)."""
        if rdtype == _CNAME:
            response = self._exchange(qname, rdtype, address, port, budget, recursion=True)
            return response.rcode(), qname, _values(response, qname, rdtype)
        current, seen = qname, {qname}
        while True:
            response = self._exchange(current, rdtype, address, port, budget, recursion=True)
            end = _chase(response, current)
            values = _values(response, end, rdtype)
            done = values or end == current or response.rcode() != dns.rcode.NOERROR
            if done or end in seen or len(seen) > MAX_CNAME_HOPS:
                return response.rcode(), end, values
            current = end
            seen.add(end)

    # ------------------------------------------------------------------ transport

    def _recursive(
        self,
        qname: dns.name.Name,
        rdtype: dns.rdatatype.RdataType,
        servers: list[tuple[str, int]],
        budget: _Budget,
    ) -> dns.message.Message | None:
        """The first NOERROR/NXDOMAIN answer (RD=1) from ``servers`` in order, or None."""
        for address, port in servers:
            if budget.spent():
                return None
            try:
                response = self._exchange(qname, rdtype, address, port, budget, recursion=True)
            except _QUERY_ERRORS:
                continue
            if response.rcode() in _USABLE_RCODES:
                return response
        return None

    def _exchange(
        self,
        qname: dns.name.Name,
        rdtype: dns.rdatatype.RdataType,
        address: str,
        port: int,
        budget: _Budget,
        *,
        recursion: bool,
    ) -> dns.message.Message:
        """One query over UDP, retried over TCP when the answer is truncated.

        Each of the two waits at most the smaller of the per-query timeout and the time left.
        An answer that is not the response to this query (another id, another question, not a
        response at all: a stray or spoofed packet) is ignored while the query waits for the real
        one, over UDP and over TCP alike.
        """
        query = dns.message.make_query(qname, rdtype, use_edns=0, payload=_EDNS_PAYLOAD)
        if not recursion:
            query.flags &= ~dns.flags.RD
        response = dns.query.udp(
            query,
            address,
            timeout=budget.query_timeout(),
            port=port,
            ignore_unexpected=True,
            ignore_errors=True,
        )
        if response.flags & dns.flags.TC:
            response = _tcp_query(query, address, port, budget.query_timeout())
        return response


def _tcp_query(query: dns.message.Message, address: str, port: int, timeout: float) -> dns.message.Message:
    """``query`` over TCP; messages on the stream that do not answer it are skipped."""
    expiration = time.time() + timeout  # dnspython's expirations are wall-clock times
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect((address, port))
        sock.setblocking(False)
        dns.query.send_tcp(sock, query, expiration)
        while True:
            response, _ = dns.query.receive_tcp(sock, expiration)
            if query.is_response(response):
                return response


# ---------------------------------------------------------------------------- helpers


def _absolute_name(name: str) -> dns.name.Name:
    try:
        qname = dns.name.from_text(name)
    except dns.exception.DNSException as exc:
        raise DnsCheckError(f"cannot check DNS: {name!r} is not a valid DNS name ({exc})") from None
    if qname == dns.name.root:
        raise DnsCheckError(f"cannot check DNS: {name!r} names the DNS root, not a record")
    return qname


def _chase(response: dns.message.Message, name: dns.name.Name) -> dns.name.Name:
    """The end of the CNAME chain starting at ``name`` within the answer section."""
    current, seen = name, {name}
    for _ in range(MAX_CNAME_HOPS):
        rrset = response.get_rrset(response.answer, current, _IN, _CNAME)
        rdata = None if rrset is None or len(rrset) == 0 else rrset[0]
        if not isinstance(rdata, dns.rdtypes.ANY.CNAME.CNAME) or rdata.target in seen:
            break
        current = rdata.target
        seen.add(current)
    return current


def _values(
    response: dns.message.Message, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
) -> tuple[str, ...]:
    """The values of type ``rdtype`` at ``name`` in the answer, as :class:`ServerAnswer` gives them."""
    rrset = response.get_rrset(response.answer, name, _IN, rdtype)
    found: list[str] = []
    for rdata in rrset or ():
        if isinstance(rdata, dns.rdtypes.ANY.TXT.TXT):
            found.append(b"".join(rdata.strings).decode("utf-8", "backslashreplace"))
        elif isinstance(rdata, dns.rdtypes.ANY.MX.MX):
            found.append(f"{rdata.preference} {_text(rdata.exchange).lower()}")
        elif isinstance(rdata, dns.rdtypes.IN.SRV.SRV):
            found.append(f"{rdata.priority} {rdata.weight} {rdata.port} {_text(rdata.target).lower()}")
        elif isinstance(rdata, dns.rdtypes.ANY.CNAME.CNAME):
            found.append(_text(rdata.target).lower())
    return tuple(found)


class _Shared:
    """What the lookups of one :meth:`PropagationChecker.lookup_many` share: each zone's nameservers
    and their addresses, discovered once (one lock per zone, so other zones do not wait)."""

    def __init__(self) -> None:
        self.servers: dict[dns.name.Name, tuple[list[dns.name.Name], list[list[str]]]] = {}
        self._locks: dict[dns.name.Name, threading.Lock] = {}
        self._lock = threading.Lock()

    def zone_lock(self, zone: dns.name.Name) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(zone, threading.Lock())


#: The record types a lookup may ask for.
_LOOKUP_TYPES = {"TXT": _TXT, "MX": dns.rdatatype.MX, "SRV": dns.rdatatype.SRV, "CNAME": _CNAME}


def _rdtype(text: str) -> dns.rdatatype.RdataType:
    try:
        return _LOOKUP_TYPES[text.upper()]
    except KeyError:
        raise DnsCheckError(
            f"cannot check DNS: record type {text!r} is not supported ({', '.join(_LOOKUP_TYPES)})"
        ) from None


def _soa_for(response: dns.message.Message, name: dns.name.Name) -> dns.rrset.RRset | None:
    """The SOA answering for ``name``: in the answer at ``name``, or in authority at an ancestor."""
    if response.rcode() == dns.rcode.NOERROR:
        answer = response.get_rrset(response.answer, name, _IN, _SOA)
        if answer is not None and len(answer) > 0:
            return answer
    for rrset in response.authority:
        if rrset.rdtype == _SOA and len(rrset) > 0 and name.is_subdomain(rrset.name):
            return rrset
    return None


def _negative_ttl(soa: dns.rrset.RRset) -> int:
    rdata = soa[0]
    assert isinstance(rdata, dns.rdtypes.ANY.SOA.SOA)
    return int(min(rdata.minimum, soa.ttl))


def _system_resolvers() -> tuple[Nameserver, ...]:
    """The system's resolvers (``/etc/resolv.conf`` or the platform equivalent), plain DNS only."""
    try:
        resolver = dns.resolver.Resolver(configure=True)
    except (dns.exception.DNSException, OSError) as exc:
        raise DnsCheckError(
            f"cannot read the system's DNS resolver configuration ({exc}); name the nameservers "
            "to ask explicitly."
        ).about("nameservers") from None
    found: list[Nameserver] = []
    for entry in resolver.nameservers:
        if isinstance(entry, dns.nameserver.Do53Nameserver):
            found.append(Nameserver(entry.address, entry.port))
        elif isinstance(entry, str) and dns.inet.is_address(entry):
            found.append(Nameserver(entry, resolver.nameserver_ports.get(entry, resolver.port)))
    return tuple(found)


def _addresses(host: str) -> list[str]:
    """``host`` itself when it is an IP address, else its addresses from the system (or [])."""
    if _parse_ip(host) is not None:
        return [host]
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_DGRAM)
    except (OSError, UnicodeError):
        return []
    ordered = sorted(infos, key=lambda info: info[0] != socket.AF_INET)  # IPv4 first
    return list(dict.fromkeys(str(info[4][0]) for info in ordered))


def _parallel(function: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
    """``[function(item) for item in items]``, run concurrently, results in order."""
    if len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(
        max_workers=min(_MAX_PARALLEL, len(items)), thread_name_prefix="dnscheck"
    ) as pool:
        return list(pool.map(function, items))


def _describe_exception(exc: BaseException) -> str:
    if isinstance(exc, _OutOfTime):
        return "not asked: the time for the check ran out"
    if isinstance(exc, dns.exception.Timeout):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True)


def _list(servers: list[tuple[str, int]]) -> str:
    return ", ".join(str(Nameserver(address, port)) for address, port in servers)
