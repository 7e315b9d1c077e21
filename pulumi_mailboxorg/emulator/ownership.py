"""The ``domain.add`` ownership check: is the challenge TXT record visible at the domain's
nameservers? (split out of :mod:`.state`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rdtypes.ANY.TXT

# --------------------------------------------------------------------------------------------------
# The DNS ownership check (the emulated mailbox.org resolver)


class OwnershipCheck(Protocol):
    """Answers whether the ownership TXT record ``txt`` is visible at ``host``."""

    def is_published(self, host: str, txt: str) -> bool:
        """True when a TXT record at ``host`` holds exactly ``txt``."""
        ...


class TxtOwnershipCheck:
    """Look the ownership TXT record up with a real DNS query, as mailbox.org's resolver would.

    ``nameserver`` returns the ``(address, port)`` to ask (called on every lookup, so it may point
    at a server that starts later). The query is UDP with RD set, repeated over TCP when the answer
    is truncated; every TXT record in the answer (after CNAMEs) counts, its strings joined. A lookup
    that fails in any way (timeout, refusal, NXDOMAIN, wrong value) counts as "not published" and is
    remembered for ``negative_cache_ttl`` seconds, during which the name is not asked again.
    """

    def __init__(
        self,
        nameserver: Callable[[], tuple[str, int]],
        *,
        timeout: float = 2.0,
        negative_cache_ttl: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._nameserver = nameserver
        self._timeout = timeout
        self.negative_cache_ttl = negative_cache_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._negative: dict[str, float] = {}

    def is_published(self, host: str, txt: str) -> bool:
        """True when ``host`` has a TXT record equal to ``txt``; see the class docstring."""
        key = host.lower().rstrip(".")
        with self._lock:
            expires = self._negative.get(key)
            if expires is not None and self._clock() < expires:
                return False
            self._negative.pop(key, None)
        found = txt in self._lookup(key)
        if not found and self.negative_cache_ttl > 0:
            with self._lock:
                self._negative[key] = self._clock() + self.negative_cache_ttl
        return found

    def _lookup(self, name: str) -> set[str]:
        address, port = self._nameserver()
        query = dns.message.make_query(name, dns.rdatatype.TXT)
        try:
            response = dns.query.udp(query, address, port=port, timeout=self._timeout)
            if response.flags & dns.flags.TC:
                response = dns.query.tcp(query, address, port=port, timeout=self._timeout)
        except (dns.exception.DNSException, OSError):
            return set()
        if response.rcode() != dns.rcode.NOERROR:
            return set()
        values: set[str] = set()
        for rrset in response.answer:
            if rrset.rdtype != dns.rdatatype.TXT:
                continue
            for rdata in rrset:
                assert isinstance(rdata, dns.rdtypes.ANY.TXT.TXT)
                values.add(b"".join(rdata.strings).decode("utf-8", "replace"))
        return values
