"""A small caching DNS forwarder: the "naive" side of the benchmark's DNS detection row.

It stands for the recursive resolver a naive propagation check would ask (a laptop's stub resolver
pointing at the ISP's or a public resolver): it forwards each UDP query to one upstream server and
caches the answer, positive answers for the smallest TTL of the answer section, negative answers
(NXDOMAIN and NODATA) for ``min(SOA TTL, SOA minimum)`` of the authority section (RFC 2308 §5).
That negative caching is what makes a naive check slow: the record published after the first
lookup stays invisible until the cached "no such record" expires.

dnspython only; UDP only (the benchmark's answers are small); loopback only.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

__all__ = ["CachingForwarder", "negative_ttl", "positive_ttl"]


def positive_ttl(response: dns.message.Message) -> int | None:
    """Seconds a NOERROR answer with records may be cached: the smallest TTL of its answer section."""
    if response.rcode() != dns.rcode.NOERROR or not response.answer:
        return None
    return min(rrset.ttl for rrset in response.answer)


def negative_ttl(response: dns.message.Message) -> int | None:
    """Seconds a negative answer may be cached (RFC 2308 §5): min(SOA TTL, SOA minimum), or None."""
    if response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN) or response.answer:
        return None
    for rrset in response.authority:
        if rrset.rdtype == dns.rdatatype.SOA and len(rrset):
            soa = rrset[0]
            return int(min(rrset.ttl, soa.minimum))
    return None


class CachingForwarder:
    """UDP DNS forwarder with a positive and negative answer cache, on 127.0.0.1 (a free port).

    ``queries`` counts the queries received, ``forwarded`` those sent upstream (cache misses).
    """

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstream = upstream
        self.timeout = timeout
        self._clock = clock
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, port))
        self._socket.settimeout(0.2)
        self.host, self.port = self._socket.getsockname()[:2]
        self._cache: dict[tuple[str, int, int], tuple[float, dns.message.Message]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="caching-forwarder", daemon=True)
        self.queries = 0
        self.forwarded = 0

    def start(self) -> CachingForwarder:
        """Serve in a background thread; return self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._socket.close()

    def __enter__(self) -> CachingForwarder:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, client = self._socket.recvfrom(65535)
            except OSError:
                continue
            try:
                query = dns.message.from_wire(wire)
            except dns.exception.DNSException:
                continue
            response = self._answer(query)
            try:
                self._socket.sendto(response.to_wire(max_size=65535), client)
            except OSError:
                continue

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        self.queries += 1
        if not query.question:
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        key = (question.name.to_text().lower(), int(question.rdtype), int(question.rdclass))
        now = self._clock()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return self._copy_for(query, cached[1])
        upstream = dns.message.make_query(question.name, question.rdtype, question.rdclass)
        self.forwarded += 1
        try:
            answer = dns.query.udp(upstream, self.upstream[0], port=self.upstream[1], timeout=self.timeout)
        except (dns.exception.DNSException, OSError):
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        ttl = positive_ttl(answer)
        if ttl is None:
            ttl = negative_ttl(answer)
        if ttl:
            with self._lock:
                self._cache[key] = (now + ttl, answer)
        return self._copy_for(query, answer)

    @staticmethod
    def _copy_for(query: dns.message.Message, answer: dns.message.Message) -> dns.message.Message:
        """``answer`` re-addressed to ``query``: its id, recursion available, not authoritative."""
        response = dns.message.make_response(query)
        response.set_rcode(answer.rcode())
        response.flags |= dns.flags.RA
        response.flags &= ~dns.flags.AA
        response.answer = list(answer.answer)
        response.authority = list(answer.authority)
        return response
