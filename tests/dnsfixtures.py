"""Shared DNS test helpers: loopback authoritative servers and one-line queries.

* :func:`serve_on_loopbacks` starts one :class:`AuthoritativeServer` per loopback address, all on
  the same port (on Linux the whole of 127.0.0.0/8 is loopback), and stops them all afterwards.
* :func:`ask` sends one query to a server (UDP or TCP, with or without EDNS) and returns the reply.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rdataclass
import dns.rdatatype

from pulumi_mailboxorg.emulator.dns_server import AuthoritativeServer

__all__ = ["ask", "serve_on_loopbacks", "txt_values"]


@contextlib.contextmanager
def serve_on_loopbacks(*hosts: str) -> Iterator[list[AuthoritativeServer]]:
    """Running servers on ``hosts`` (e.g. 127.0.0.1, 127.0.0.2), all on one free port."""
    for _attempt in range(20):
        servers: list[AuthoritativeServer] = []
        try:
            first = AuthoritativeServer(hosts[0], 0)
            first.start()
            servers.append(first)
            for host in hosts[1:]:
                server = AuthoritativeServer(host, first.port)
                server.start()
                servers.append(server)
        except OSError:  # the port happened to be taken on another address: try another one
            for server in servers:
                server.stop()
            continue
        try:
            yield servers
        finally:
            for server in servers:
                server.stop()
        return
    raise RuntimeError(f"could not find one free port on all of {hosts}")


def ask(
    server: AuthoritativeServer,
    name: str,
    rdtype: str,
    *,
    tcp: bool = False,
    edns: bool = True,
    recursion: bool = False,
) -> dns.message.Message:
    """Send one query for ``name``/``rdtype`` to ``server`` and return its reply (3 s timeout)."""
    query = dns.message.make_query(name, rdtype, use_edns=0 if edns else False)
    if not recursion:
        query.flags &= ~dns.flags.RD
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, server.host, timeout=3.0, port=server.port)


def txt_values(reply: dns.message.Message, name: str) -> list[str]:
    """The TXT values at ``name`` in the answer section, each record's strings joined."""
    rrset = reply.get_rrset(reply.answer, dns.name.from_text(name), dns.rdataclass.IN, dns.rdatatype.TXT)
    if rrset is None:
        return []
    return sorted(b"".join(rdata.strings).decode() for rdata in rrset)
