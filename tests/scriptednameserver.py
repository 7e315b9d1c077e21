"""A scripted nameserver on a loopback address for the DNS checker's deadline and spoofing tests.

:class:`ScriptedNameserver` answers UDP and TCP queries from a small record table (dnspython builds
the messages), optionally after a ``delay`` per query (a slow server), after first sending
``strays`` (packets with a wrong id or question: a spoofer racing the real answer), or with only a
truncated UDP answer so that the client retries over TCP. :class:`BlackHole` takes UDP queries and
never answers (an unresponsive nameserver). Each query is served on its own thread, so a slow
server still answers queries in parallel.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Callable

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

__all__ = ["BlackHole", "ScriptedNameserver"]

Strays = Callable[[dns.message.Message], list[dns.message.Message]]


class ScriptedNameserver:
    """Answers from ``records`` ({(name, type): [rdata text]}); ``zone`` gets an SOA (None: no zone)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        zone: str | None = None,
        delay: float = 0.0,
        strays: Strays | None = None,
        truncate_udp: bool = False,
    ) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.zone = zone
        self.delay = delay
        self.strays = strays
        self.truncate_udp = truncate_udp
        self.queries: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind((host, port))
        self.host, self.port = self._udp.getsockname()
        self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._tcp.bind((host, self.port))
        self._tcp.listen(16)
        self._closed = False
        threading.Thread(target=self._serve_udp, daemon=True).start()
        threading.Thread(target=self._serve_tcp, daemon=True).start()

    def add(self, name: str, rdtype: str, *values: str) -> None:
        self.records.setdefault((name.lower().rstrip(".") + ".", rdtype), []).extend(values)

    def close(self) -> None:
        self._closed = True
        for sock in (self._udp, self._tcp):
            sock.close()

    def __enter__(self) -> ScriptedNameserver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- answers ------------------------------------------------------------------------------------

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        with self._lock:
            self.queries[f"{name} {rdtype}"] += 1
        found = self.records.get((name, rdtype)) or (
            self.records.get((name, "CNAME")) if rdtype != "CNAME" else None
        )
        if found:
            kind = rdtype if (name, rdtype) in self.records else "CNAME"
            response.answer.append(dns.rrset.from_text_list(question.name, 60, "IN", kind, found))
            return response
        origin = None if self.zone is None else dns.name.from_text(self.zone)
        if origin is not None and question.name == origin and rdtype == "SOA":
            response.answer.append(self._soa(origin))
        elif origin is not None and question.name.is_subdomain(origin):
            exists = any(key[0] == name for key in self.records)
            if not exists:
                response.set_rcode(dns.rcode.NXDOMAIN)
            response.authority.append(self._soa(origin))
        else:
            response.set_rcode(dns.rcode.REFUSED)
            response.flags &= ~dns.flags.AA
        return response

    @staticmethod
    def _soa(origin: dns.name.Name) -> dns.rrset.RRset:
        return dns.rrset.from_text(
            origin, 300, "IN", "SOA", f"ns0.{origin.to_text()} admin.{origin.to_text()} 1 60 60 600 120"
        )

    # -- network ------------------------------------------------------------------------------------

    def _serve_udp(self) -> None:
        while not self._closed:
            try:
                wire, peer = self._udp.recvfrom(65535)
            except OSError:
                return
            threading.Thread(target=self._udp_reply, args=(wire, peer), daemon=True).start()

    def _udp_reply(self, wire: bytes, peer: tuple[str, int]) -> None:
        query = dns.message.from_wire(wire)
        time.sleep(self.delay)
        try:
            for stray in self.strays(query) if self.strays else []:
                self._udp.sendto(stray.to_wire(), peer)
            if self.truncate_udp:
                reply = dns.message.make_response(query)
                reply.flags |= dns.flags.TC | dns.flags.AA
            else:
                reply = self.answer(query)
            self._udp.sendto(reply.to_wire(), peer)
        except OSError:
            return

    def _serve_tcp(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._tcp.accept()
            except OSError:
                return
            threading.Thread(target=self._tcp_replies, args=(conn,), daemon=True).start()

    def _tcp_replies(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                while True:
                    header = conn.recv(2)
                    if len(header) < 2:
                        return
                    wire = b""
                    while len(wire) < int.from_bytes(header, "big"):
                        chunk = conn.recv(int.from_bytes(header, "big") - len(wire))
                        if not chunk:
                            return
                        wire += chunk
                    query = dns.message.from_wire(wire)
                    time.sleep(self.delay)
                    for message in [*(self.strays(query) if self.strays else []), self.answer(query)]:
                        data = message.to_wire()
                        conn.sendall(len(data).to_bytes(2, "big") + data)
            except OSError:
                return


class BlackHole:
    """A UDP socket on ``host``:``port`` that reads queries and never answers them."""

    def __init__(self, host: str, port: int) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, port))
        self.received = 0
        threading.Thread(target=self._swallow, daemon=True).start()

    def _swallow(self) -> None:
        while True:
            try:
                self._sock.recvfrom(65535)
            except OSError:
                return
            self.received += 1

    def close(self) -> None:
        self._sock.close()
