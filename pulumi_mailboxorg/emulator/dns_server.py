"""A small authoritative DNS server for the emulator and the tests (dnspython wire format).

Contract
--------
:class:`AuthoritativeServer` serves the zones it holds over UDP and TCP on one loopback port, in
background threads, the way an authoritative-only server (BIND with ``recursion no``, NSD) does:

* **Queries** (opcode QUERY, class IN): SOA, NS, A, AAAA, CNAME, TXT (and any other stored type)
  for names inside a held zone, with AA set. A CNAME is answered for every query type and
  followed inside its zone (RFC 1034 §4.3.2); a chain that leaves the zone stops with the CNAME,
  the resolver continues. A name that does not exist gets NXDOMAIN, an existing name (or empty
  non-terminal) without the type gets NODATA; both carry the zone's SOA in the authority section
  with TTL ``min(SOA TTL, SOA minimum)`` (RFC 2308 §3). MX, SRV and TXT of several strings are
  served and updated like any type (the mail records of issue 14). NS answers carry the addresses of their
  targets held by this server in the additional section. Names outside every held zone get
  REFUSED (no AA), other opcodes NOTIMP, EDNS versions above 0 BADVERS, undecodable messages
  FORMERR; an internal error costs that one message a SERVFAIL, never the serving thread.
* **Truncation**: a UDP answer larger than ``min(max_udp_payload, client limit)`` (the client limit
  is 512 bytes without EDNS, the advertised EDNS payload otherwise) first loses its additional
  section, then is sent as header + question + OPT with TC set, so the client retries over TCP.
  TCP answers are never truncated; a TCP connection may carry several queries (RFC 7766).
* **Dynamic update** (RFC 2136; no TSIG, accepted from loopback addresses only): the zone section
  must name a held zone (else NOTAUTH); prerequisites are evaluated (§3.2: name in use / not in
  use, RRset exists / does not exist, value-dependent RRset exists); the update section is
  prescanned (NOTZONE, FORMERR) and then applied atomically: add RRs, delete an RRset, delete all
  RRsets of a name, delete one RR. The apex SOA and the last apex NS cannot be deleted; CNAME and
  other data never coexist (the conflicting add is ignored, as BIND does). An added SOA replaces
  the apex SOA only when its serial is newer (RFC 1982).

Every change, made by an UPDATE or by :meth:`AuthoritativeServer.add_record` /
:meth:`~AuthoritativeServer.remove_record`, increments the zone's SOA serial once, unless the
change itself gave the SOA a new serial.

Observability for tests: :attr:`AuthoritativeServer.queries` counts every question received as
``(qname, qtype, transport)`` with ``qname`` lower case without the final dot, ``qtype`` the type
mnemonic (``"UPDATE"`` for dynamic updates, keyed by the zone name) and ``transport`` ``"udp"`` or
``"tcp"``.

Names given to the methods are absolute, with or without the final dot; record values are in zone
file presentation format with absolute names (``'"a TXT string"'``, ``"ns2.example.com"``,
``"10 mx.example.com"``). All methods are thread-safe and may be called while the server runs.
The server knows nothing of HTTP or Pulumi.
"""

from __future__ import annotations

import collections
import contextlib
import ipaddress
import logging
import selectors
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.ANY.NS
import dns.rdtypes.ANY.SOA
import dns.rrset
import dns.update

__all__ = ["AuthoritativeServer"]

_log = logging.getLogger("pulumi_mailboxorg.emulator.dns")

_IN = dns.rdataclass.IN
_SOA = dns.rdatatype.SOA
_NS = dns.rdatatype.NS
_CNAME = dns.rdatatype.CNAME
_ANY = dns.rdatatype.ANY
_ADDRESS_TYPES = (dns.rdatatype.A, dns.rdatatype.AAAA)

#: CNAME hops followed inside one zone before the answer stops (loop protection).
_MAX_CNAME_HOPS = 8
#: Payload size this server advertises in its own OPT record (DNS flag day 2020 value).
_OUR_EDNS_PAYLOAD = 1232
#: Seconds an idle TCP connection is kept open (RFC 7766 suggests "on the order of seconds").
_TCP_IDLE_TIMEOUT = 10.0
#: Seconds stop() waits for each worker thread.
_JOIN_TIMEOUT = 5.0

_Node = dict[dns.rdatatype.RdataType, dns.rrset.RRset]


class _UpdateRefused(Exception):
    """An UPDATE failed a check; ``rcode`` is the answer."""

    def __init__(self, rcode: dns.rcode.Rcode) -> None:
        super().__init__(dns.rcode.to_text(rcode))
        self.rcode = rcode


@dataclass
class _Zone:
    """One zone: its origin and its nodes (owner name -> type -> RRset).

    Stored RRsets are never modified in place (every change stores a new RRset), so an answer
    can be rendered after the lock is released.
    """

    origin: dns.name.Name
    nodes: dict[dns.name.Name, _Node] = field(default_factory=dict)

    @property
    def soa(self) -> dns.rrset.RRset:
        return self.nodes[self.origin][_SOA]

    def negative_soa(self) -> dns.rrset.RRset:
        """The SOA for a negative answer: TTL ``min(SOA TTL, SOA minimum)`` (RFC 2308 §3)."""
        rdata = _soa_rdata(self.soa)
        return dns.rrset.from_rdata(self.origin, min(self.soa.ttl, rdata.minimum), rdata)

    def has_descendants(self, name: dns.name.Name) -> bool:
        """True when ``name`` is an empty non-terminal (a name below it holds data)."""
        return any(owner != name and owner.is_subdomain(name) for owner in self.nodes)

    def bump_serial(self) -> None:
        rdata = _soa_rdata(self.soa)
        serial = (rdata.serial + 1) % 2**32 or 1
        self.nodes[self.origin][_SOA] = dns.rrset.from_rdata(
            self.origin, self.soa.ttl, rdata.replace(serial=serial)
        )


class AuthoritativeServer:
    """Authoritative DNS server on ``host:port`` (UDP and TCP), serving zones held in memory.

    ``port=0`` picks a free port (the same number for UDP and TCP); :attr:`port` holds the real
    one after :meth:`start`. Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    Zones and records may be set up before or after starting.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        #: Largest UDP answer this server sends (the client's own limit applies too); tests
        #: lower it to force truncation.
        self.max_udp_payload: int = _OUR_EDNS_PAYLOAD
        #: ``(qname, qtype, "udp"|"tcp") -> count`` of every question received.
        self.queries: collections.Counter[tuple[str, str, str]] = collections.Counter()
        self._lock = threading.RLock()
        self._zones: dict[dns.name.Name, _Zone] = {}
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._thread: threading.Thread | None = None
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._connections_lock = threading.Lock()

    def __repr__(self) -> str:
        state = "running" if self._thread is not None else "stopped"
        return f"<AuthoritativeServer {self.host}:{self.port} {state}, {len(self._zones)} zone(s)>"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Bind UDP and TCP on ``host:port`` and serve in a background thread."""
        if self._thread is not None:
            raise RuntimeError(f"the DNS server on {self.host}:{self.port} is already running")
        family = _address_family(self.host)
        self._udp, self._tcp = _bind_pair(family, self.host, self.port)
        self.port = self._udp.getsockname()[1]
        self._wake = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name=f"dns-{self.host}:{self.port}", daemon=True)
        self._thread.start()
        _log.debug("DNS server listening on %s:%d (udp+tcp)", self.host, self.port)

    def stop(self) -> None:
        """Stop serving, close every socket and join every thread. Idempotent."""
        thread, wake = self._thread, self._wake
        if thread is None or wake is None:
            return
        with contextlib.suppress(OSError):
            wake[1].send(b"\0")
        thread.join(_JOIN_TIMEOUT)
        for sock in (self._udp, self._tcp, *wake):
            if sock is not None:
                sock.close()
        with self._connections_lock:
            workers = list(self._connections.items())
            for conn, _ in workers:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        for _, worker in workers:
            worker.join(_JOIN_TIMEOUT)
        self._thread = self._wake = self._udp = self._tcp = None
        _log.debug("DNS server on %s:%d stopped", self.host, self.port)

    def __enter__(self) -> AuthoritativeServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ zone data

    def ensure_zone(self, zone: str, *, minimum_ttl: int = 300) -> None:
        """Create ``zone`` unless held: SOA (serial 1) and NS ``ns1.<zone>`` with its address.

        The address record of ``ns1`` is this server's host (A or AAAA; ``127.0.0.1`` when the
        host is a name). ``minimum_ttl`` is the SOA minimum, hence the negative-caching TTL.
        An existing zone is left unchanged.
        """
        origin = _name(zone)
        if origin == dns.name.root:
            raise ValueError("the root zone cannot be served")
        ns = dns.name.from_text("ns1", origin)
        address_type, address = _own_address(self.host)
        soa = dns.rdata.from_text(
            _IN,
            _SOA,
            f"{ns} hostmaster.{origin} 1 3600 600 86400 {int(minimum_ttl)}",
        )
        with self._lock:
            if origin in self._zones:
                return
            zone_data = _Zone(origin)
            zone_data.nodes[origin] = {
                _SOA: dns.rrset.from_rdata(origin, 3600, soa),
                _NS: dns.rrset.from_rdata(origin, 3600, dns.rdata.from_text(_IN, _NS, str(ns))),
            }
            zone_data.nodes[ns] = {
                address_type: dns.rrset.from_rdata(ns, 3600, dns.rdata.from_text(_IN, address_type, address))
            }
            self._zones[origin] = zone_data

    def add_record(self, name: str, rdtype: str, *values: str, ttl: int = 60) -> None:
        """Add ``values`` to the ``rdtype`` RRset of ``name`` (kept: the values already there).

        The RRset takes ``ttl``. SOA and CNAME hold one record, so those replace the current one
        (the apex SOA whatever its serial: a back door for tests). Raises ValueError when no held
        zone contains ``name``, a value does not parse, or CNAME and other data would share the
        name.
        """
        owner = _name(name)
        rtype = _rdtype(rdtype)
        rdatas = [_rdata(rtype, value) for value in values]
        if not rdatas:
            raise ValueError(f"add_record({name!r}, {rdtype!r}) needs at least one value")
        with self._lock:
            zone = self._zone_for(owner)
            if zone is None:
                raise ValueError(f"no zone held by this DNS server contains {name!r}: call ensure_zone first")
            node = zone.nodes.get(owner, {})
            others = {t for t in node if t != rtype}
            if (rtype == _CNAME and others) or (rtype != _CNAME and _CNAME in node):
                raise ValueError(f"{name!r}: a CNAME cannot coexist with other records")
            if rtype == _SOA and owner != zone.origin:
                raise ValueError(f"{name!r}: an SOA record belongs at the zone apex only")
            serial = _soa_rdata(zone.soa).serial
            if rtype in (_SOA, _CNAME):
                rdatas = rdatas[-1:]
                node.pop(rtype, None)
            _add_rdatas(zone, owner, rtype, rdatas, ttl)
            if _soa_rdata(zone.soa).serial == serial:  # unless a new SOA set one
                zone.bump_serial()

    def remove_record(self, name: str, rdtype: str | None = None) -> None:
        """Remove the ``rdtype`` RRset of ``name``, or all its RRsets when ``rdtype`` is None.

        Nothing happens when there is nothing to remove. The apex SOA and NS stay (ValueError
        when asked for explicitly).
        """
        owner = _name(name)
        rtype = None if rdtype is None else _rdtype(rdtype)
        with self._lock:
            zone = self._zone_for(owner)
            if zone is None or owner not in zone.nodes:
                return
            if owner == zone.origin and rtype in (_SOA, _NS):
                raise ValueError(f"{name!r}: the zone's SOA and NS records cannot be removed")
            if _delete_rrsets(zone, owner, rtype):
                zone.bump_serial()

    def records(self, name: str, rdtype: str) -> list[str]:
        """The values of the ``rdtype`` RRset of ``name`` in presentation format (``[]`` if none)."""
        owner = _name(name)
        rtype = _rdtype(rdtype)
        with self._lock:
            zone = self._zone_for(owner)
            rrset = None if zone is None else zone.nodes.get(owner, {}).get(rtype)
            return [] if rrset is None else [rdata.to_text() for rdata in rrset]

    def _zone_for(self, name: dns.name.Name) -> _Zone | None:
        """The held zone closest to ``name`` (longest origin that ``name`` is under)."""
        best: _Zone | None = None
        for origin, zone in self._zones.items():
            if name.is_subdomain(origin) and (best is None or len(origin) > len(best.origin)):
                best = zone
        return best

    # ------------------------------------------------------------------ network loop

    def _serve(self) -> None:
        udp, tcp, wakeup = self._udp, self._tcp, self._wake
        assert udp is not None
        assert tcp is not None
        assert wakeup is not None
        wake = wakeup[0]
        with selectors.DefaultSelector() as selector:
            selector.register(udp, selectors.EVENT_READ, "udp")
            selector.register(tcp, selectors.EVENT_READ, "tcp")
            selector.register(wake, selectors.EVENT_READ, "wake")
            while True:
                for key, _ in selector.select():
                    if key.data == "wake":
                        return
                    if key.data == "udp":
                        self._serve_datagram(udp)
                    else:
                        self._accept(tcp)

    def _serve_datagram(self, udp: socket.socket) -> None:
        try:
            wire, peer = udp.recvfrom(65535)
        except OSError:  # spurious wake-up, or an ICMP error reported on the socket
            return
        reply = self._handle(wire, peer, "udp")
        if reply is not None:
            with contextlib.suppress(OSError):
                udp.sendto(reply, peer)

    def _accept(self, tcp: socket.socket) -> None:
        try:
            conn, peer = tcp.accept()
        except OSError:
            return
        worker = threading.Thread(
            target=self._serve_stream,
            args=(conn, peer),
            name=f"dns-{self.host}:{self.port}-tcp",
            daemon=True,
        )
        with self._connections_lock:
            self._connections[conn] = worker
        worker.start()

    def _serve_stream(self, conn: socket.socket, peer: tuple[str, int]) -> None:
        try:
            conn.settimeout(_TCP_IDLE_TIMEOUT)
            while True:
                header = _recv_exactly(conn, 2)
                if header is None:
                    return
                wire = _recv_exactly(conn, int.from_bytes(header, "big"))
                if wire is None:
                    return
                reply = self._handle(wire, peer, "tcp")
                if reply is None:
                    return
                conn.sendall(len(reply).to_bytes(2, "big") + reply)
        except OSError:
            return
        finally:
            with self._connections_lock:
                self._connections.pop(conn, None)
                conn.close()

    # ------------------------------------------------------------------ message handling

    def _handle(self, wire: bytes, peer: tuple[str, int], transport: str) -> bytes | None:
        """Answer one message; None means "send nothing" (not a query, or not even a header)."""
        try:
            message = dns.message.from_wire(wire)
        except dns.message.ShortHeader:
            return None
        except dns.message.UnknownTSIGKey:
            return _header_only_reply(wire, dns.rcode.NOTAUTH)
        except Exception:  # anything else dnspython cannot decode: FORMERR, like a real server
            return _header_only_reply(wire, dns.rcode.FORMERR)
        if message.flags & dns.flags.QR:
            return None
        limit = 65535 if transport == "tcp" else self._udp_limit(message)
        try:
            response = dns.message.make_response(message, our_payload=_OUR_EDNS_PAYLOAD)
            opcode = message.opcode()
            if message.edns > 0:
                response.set_rcode(dns.rcode.BADVERS)
            elif opcode == dns.opcode.QUERY:
                self._answer_query(message, response, transport)
            elif opcode == dns.opcode.UPDATE:
                assert isinstance(message, dns.update.UpdateMessage)
                self._apply_update(message, response, peer, transport)
            else:
                response.set_rcode(dns.rcode.NOTIMP)
            return _render(response, limit)
        except Exception:  # a bug must cost one answer (SERVFAIL), never the serving thread
            _log.exception("DNS server on %s:%d failed to answer a message", self.host, self.port)
            return _header_only_reply(wire, dns.rcode.SERVFAIL)

    def _udp_limit(self, query: dns.message.Message) -> int:
        client = 512 if query.edns < 0 else max(512, query.payload)
        return min(client, self.max_udp_payload)

    def _answer_query(
        self, query: dns.message.Message, response: dns.message.Message, transport: str
    ) -> None:
        if len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return
        question = query.question[0]
        qname, qtype = question.name, question.rdtype
        with self._lock:
            self.queries[(_key(qname), dns.rdatatype.to_text(qtype), transport)] += 1
            zone = self._zone_for(qname)
            unsupported = dns.rdatatype.is_metatype(qtype) and qtype != _ANY
            if question.rdclass != _IN or zone is None or unsupported:
                response.set_rcode(dns.rcode.REFUSED)
                return
            response.flags |= dns.flags.AA
            self._resolve_in_zone(zone, qname, qtype, response)

    def _resolve_in_zone(
        self, zone: _Zone, qname: dns.name.Name, qtype: dns.rdatatype.RdataType, response: dns.message.Message
    ) -> None:
        """Fill ``response`` for ``qname``/``qtype`` from ``zone`` (lock held)."""
        name = qname
        for _ in range(_MAX_CNAME_HOPS):
            node = zone.nodes.get(name)
            if node is None:
                if not zone.has_descendants(name):
                    response.set_rcode(dns.rcode.NXDOMAIN)
                response.authority.append(zone.negative_soa())
                return
            if qtype == _ANY and node:
                response.answer.extend(node.values())
                return
            rrset = node.get(qtype)
            if rrset is not None:
                response.answer.append(rrset)
                if qtype == _NS:
                    response.additional.extend(self._addresses_of(rrset))
                return
            cname = node.get(_CNAME)
            if cname is None:
                break
            response.answer.append(cname)
            target = cname[0]
            assert isinstance(target, dns.rdtypes.ANY.CNAME.CNAME)
            if not target.target.is_subdomain(zone.origin):
                return
            name = target.target
        else:
            return  # CNAME loop or chain too long: answer with what we have
        response.authority.append(zone.negative_soa())

    def _addresses_of(self, ns_rrset: dns.rrset.RRset) -> list[dns.rrset.RRset]:
        """Held A/AAAA RRsets of the NS targets (additional-section processing; lock held)."""
        found: list[dns.rrset.RRset] = []
        for rdata in ns_rrset:
            assert isinstance(rdata, dns.rdtypes.ANY.NS.NS)
            zone = self._zone_for(rdata.target)
            node = {} if zone is None else zone.nodes.get(rdata.target, {})
            found.extend(node[t] for t in _ADDRESS_TYPES if t in node)
        return found

    def _apply_update(
        self,
        update: dns.update.UpdateMessage,
        response: dns.message.Message,
        peer: tuple[str, int],
        transport: str,
    ) -> None:
        if len(update.zone) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return
        origin = update.zone[0].name
        with self._lock:
            self.queries[(_key(origin), "UPDATE", transport)] += 1
            try:
                if not _is_loopback(peer[0]):
                    raise _UpdateRefused(dns.rcode.REFUSED)
                zone = self._zones.get(origin)
                if zone is None:
                    raise _UpdateRefused(dns.rcode.NOTAUTH)
                _check_prerequisites(zone, update.prerequisite)
                _prescan(zone, update.update)
            except _UpdateRefused as refused:
                response.set_rcode(refused.rcode)
                return
            serial = _soa_rdata(zone.soa).serial
            changed = False
            for rrset in update.update:
                changed |= _apply_update_rrset(zone, rrset)
            if changed and _soa_rdata(zone.soa).serial == serial:  # unless the update set one
                zone.bump_serial()
        _log.debug("DNS UPDATE of %s from %s: %s", origin, peer[0], "changed" if changed else "no change")


# ---------------------------------------------------------------------- RFC 2136 helpers


def _node_in_use(zone: _Zone, name: dns.name.Name) -> bool:
    return bool(zone.nodes.get(name))


def _check_prerequisites(zone: _Zone, prerequisites: Iterable[dns.rrset.RRset]) -> None:
    """RFC 2136 §3.2.5; raises _UpdateRefused with the first failing prerequisite's rcode."""
    expected: dict[tuple[dns.name.Name, dns.rdatatype.RdataType], set[dns.rdata.Rdata]] = {}
    for rrset in prerequisites:
        if not rrset.name.is_subdomain(zone.origin):
            raise _UpdateRefused(dns.rcode.NOTZONE)
        node = zone.nodes.get(rrset.name, {})
        if rrset.deleting == dns.rdataclass.ANY:
            if rrset.rdtype == _ANY:
                if not _node_in_use(zone, rrset.name):
                    raise _UpdateRefused(dns.rcode.NXDOMAIN)
            elif rrset.rdtype not in node:
                raise _UpdateRefused(dns.rcode.NXRRSET)
        elif rrset.deleting == dns.rdataclass.NONE:
            if rrset.rdtype == _ANY:
                if _node_in_use(zone, rrset.name):
                    raise _UpdateRefused(dns.rcode.YXDOMAIN)
            elif rrset.rdtype in node:
                raise _UpdateRefused(dns.rcode.YXRRSET)
        else:
            if dns.rdatatype.is_metatype(rrset.rdtype):
                raise _UpdateRefused(dns.rcode.FORMERR)
            expected.setdefault((rrset.name, rrset.rdtype), set()).update(rrset)
    for (name, rtype), rdatas in expected.items():
        held = zone.nodes.get(name, {}).get(rtype)
        if held is None or set(held) != rdatas:
            raise _UpdateRefused(dns.rcode.NXRRSET)


def _prescan(zone: _Zone, updates: Iterable[dns.rrset.RRset]) -> None:
    """RFC 2136 §3.4.1.3: reject the whole update before changing anything."""
    for rrset in updates:
        if not rrset.name.is_subdomain(zone.origin):
            raise _UpdateRefused(dns.rcode.NOTZONE)
        if rrset.deleting == dns.rdataclass.ANY:
            if dns.rdatatype.is_metatype(rrset.rdtype) and rrset.rdtype != _ANY:
                raise _UpdateRefused(dns.rcode.FORMERR)
        elif dns.rdatatype.is_metatype(rrset.rdtype):
            raise _UpdateRefused(dns.rcode.FORMERR)


def _apply_update_rrset(zone: _Zone, rrset: dns.rrset.RRset) -> bool:
    """Apply one update-section RRset (RFC 2136 §3.4.2); True when the zone changed."""
    name, rtype = rrset.name, rrset.rdtype
    at_apex = name == zone.origin
    if rrset.deleting == dns.rdataclass.ANY:
        if at_apex and rtype in (_SOA, _NS):
            return False
        return _delete_rrsets(zone, name, None if rtype == _ANY else rtype)
    if rrset.deleting == dns.rdataclass.NONE:
        held = zone.nodes.get(name, {}).get(rtype)
        if held is None or rtype == _SOA:
            return False
        remaining = [rdata for rdata in held if rdata not in rrset]
        if len(remaining) == len(held) or (at_apex and rtype == _NS and not remaining):
            return False
        if remaining:
            zone.nodes[name][rtype] = dns.rrset.from_rdata_list(name, held.ttl, remaining)
        else:
            _delete_rrsets(zone, name, rtype)
        return True
    node = zone.nodes.get(name, {})
    if rtype == _SOA:
        new, old = _soa_rdata(rrset), _soa_rdata(zone.soa)
        if not at_apex or (new.serial - old.serial) % 2**32 >= 2**31 or new.serial == old.serial:
            return False
        zone.nodes[name][_SOA] = dns.rrset.from_rdata(name, rrset.ttl, new)
        return True
    if rtype == _CNAME:
        if any(t != _CNAME for t in node):
            return False
        node.pop(_CNAME, None)
        _add_rdatas(zone, name, rtype, list(rrset)[-1:], rrset.ttl)
        return True
    if _CNAME in node:
        return False
    before = node.get(rtype)
    _add_rdatas(zone, name, rtype, list(rrset), rrset.ttl)
    after = zone.nodes[name][rtype]
    return before is None or set(before) != set(after) or before.ttl != after.ttl


def _add_rdatas(
    zone: _Zone, name: dns.name.Name, rtype: dns.rdatatype.RdataType, rdatas: list[dns.rdata.Rdata], ttl: int
) -> None:
    node = zone.nodes.setdefault(name, {})
    held = node.get(rtype)
    merged = list(held or ())
    merged.extend(rdata for rdata in rdatas if rdata not in merged)
    node[rtype] = dns.rrset.from_rdata_list(name, ttl, merged)


def _delete_rrsets(zone: _Zone, name: dns.name.Name, rtype: dns.rdatatype.RdataType | None) -> bool:
    """Delete one RRset (or all of ``name``; the apex keeps SOA and NS); True when any existed."""
    node = zone.nodes.get(name)
    if node is None:
        return False
    protected = (_SOA, _NS) if name == zone.origin else ()
    doomed = [t for t in node if (rtype is None or t == rtype) and t not in protected]
    for t in doomed:
        del node[t]
    if not node:
        del zone.nodes[name]
    return bool(doomed)


# ---------------------------------------------------------------------- small helpers


def _render(response: dns.message.Message, limit: int) -> bytes:
    """Wire format within ``limit`` bytes: drop the additional section, then truncate (TC)."""
    wire = response.to_wire(max_size=65535)
    if len(wire) <= limit:
        return wire
    response.additional = []
    wire = response.to_wire(max_size=65535)
    if len(wire) <= limit:
        return wire
    response.answer = []
    response.authority = []
    response.flags |= dns.flags.TC
    return response.to_wire(max_size=65535)


def _header_only_reply(wire: bytes, rcode: dns.rcode.Rcode) -> bytes | None:
    """A bare reply (id and opcode of ``wire``) for a message that could not be decoded."""
    if len(wire) < 12 or wire[2] & 0x80:  # no header, or a response: never answer those
        return None
    qr, opcode_and_rd = 0x80, wire[2] & 0x79  # keep opcode and RD, clear AA and TC
    return wire[:2] + bytes((qr | opcode_and_rd, int(rcode) & 0x0F)) + bytes(8)


def _recv_exactly(conn: socket.socket, count: int) -> bytes | None:
    """Read ``count`` bytes, or None when the peer closed the connection first."""
    chunks = bytearray()
    while len(chunks) < count:
        chunk = conn.recv(count - len(chunks))
        if not chunk:
            return None
        chunks.extend(chunk)
    return bytes(chunks)


def _bind_pair(family: socket.AddressFamily, host: str, port: int) -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket bound to the same ``host:port`` (a free one when ``port`` is 0)."""
    last_error: OSError | None = None
    for _ in range(1 if port else 32):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        tcp = socket.socket(family, socket.SOCK_STREAM)
        try:
            udp.bind((host, port))
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind((host, udp.getsockname()[1]))
            tcp.listen(64)
        except OSError as exc:
            udp.close()
            tcp.close()
            last_error = exc
            continue
        udp.setblocking(False)
        tcp.setblocking(False)
        return udp, tcp
    assert last_error is not None
    raise last_error


def _address_family(host: str) -> socket.AddressFamily:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return socket.getaddrinfo(host, None, type=socket.SOCK_DGRAM)[0][0]
    return socket.AF_INET6 if address.version == 6 else socket.AF_INET


def _own_address(host: str) -> tuple[dns.rdatatype.RdataType, str]:
    """The address record (type, value) that names this server in a zone it creates."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return dns.rdatatype.A, "127.0.0.1"
    return (dns.rdatatype.AAAA if address.version == 6 else dns.rdatatype.A), str(address)


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _name(text: str) -> dns.name.Name:
    try:
        return dns.name.from_text(text)
    except dns.exception.DNSException as exc:
        raise ValueError(f"invalid DNS name {text!r}: {exc}") from None


def _rdtype(text: str) -> dns.rdatatype.RdataType:
    try:
        rtype = dns.rdatatype.from_text(text)
    except dns.exception.DNSException as exc:
        raise ValueError(f"unknown record type {text!r}: {exc}") from None
    if dns.rdatatype.is_metatype(rtype) or rtype in (dns.rdatatype.OPT, dns.rdatatype.TSIG):
        raise ValueError(f"record type {text!r} cannot be stored in a zone")
    return rtype


def _rdata(rtype: dns.rdatatype.RdataType, value: str) -> dns.rdata.Rdata:
    try:
        return dns.rdata.from_text(_IN, rtype, value, origin=dns.name.root, relativize=False)
    except dns.exception.DNSException as exc:
        raise ValueError(f"invalid {dns.rdatatype.to_text(rtype)} value {value!r}: {exc}") from None


def _soa_rdata(rrset: dns.rrset.RRset) -> dns.rdtypes.ANY.SOA.SOA:
    rdata = rrset[0]
    assert isinstance(rdata, dns.rdtypes.ANY.SOA.SOA)
    return rdata


def _key(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True).lower() or "."
