"""``mailboxorg-emulator publish``: put one record into a running emulator's DNS (RFC 2136).

The quickstart's DNS step, without ``nsupdate``: the Domain resource logs the ownership record to
publish as ``<host>. TXT "<txt>"``; ``publish --dns HOST:PORT <host> TXT <txt>`` adds it to the zone
of the emulator's DNS server that holds the name. The name may be given with or without its final
dot, a TXT value with or without the surrounding quotes of the log line. The zone is found by
asking the server for the SOA of the name and each parent in turn (the emulator holds the zone of
every domain ``domain.add`` was asked for). Success and every DNS error are reported in one line;
the exit status is 0 on success, 1 on a DNS error, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.update

__all__ = ["PublishError", "build_publish_parser", "find_zone", "publish", "publish_main"]

#: Seconds to wait for each DNS answer.
TIMEOUT = 5.0


class PublishError(Exception):
    """The record could not be published; the message says why."""


def _txt_value(value: str) -> str:
    """A TXT value in presentation format: one quoted string (the log line's quotes are optional)."""
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        value = value[1:-1]
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _rdata(rdtype: dns.rdatatype.RdataType, value: str) -> dns.rdata.Rdata:
    text = _txt_value(value) if rdtype == dns.rdatatype.TXT else value
    try:
        return dns.rdata.from_text(dns.rdataclass.IN, rdtype, text, origin=dns.name.root, relativize=False)
    except (dns.exception.DNSException, ValueError) as exc:
        raise PublishError(f"invalid {dns.rdatatype.to_text(rdtype)} value {value!r}: {exc}") from None


def find_zone(name: dns.name.Name, host: str, port: int) -> dns.name.Name:
    """The closest enclosing zone of ``name`` that the server at ``host:port`` is authoritative for."""
    candidate = name
    while True:
        query = dns.message.make_query(candidate, dns.rdatatype.SOA)
        query.flags &= ~dns.flags.RD
        try:
            answer = dns.query.tcp(query, host, port=port, timeout=TIMEOUT)
        except (OSError, dns.exception.DNSException) as exc:
            raise PublishError(f"cannot reach the DNS server at {host}:{port}: {exc}") from None
        if answer.rcode() == dns.rcode.NOERROR and answer.flags & dns.flags.AA:
            for rrset in answer.answer:
                if rrset.rdtype == dns.rdatatype.SOA and rrset.name == candidate:
                    return candidate
        if candidate == dns.name.root or len(candidate.labels) <= 2:
            raise PublishError(
                f"the DNS server at {host}:{port} holds no zone containing {name.to_text()} "
                "(the emulator holds the zone of each domain once domain.add was asked for it: "
                "run `pulumi up` first, and check the name and the port)"
            )
        candidate = candidate.parent()


def publish(host: str, port: int, name: str, rdtype_text: str, value: str, *, ttl: int = 60) -> str:
    """Add one record by RFC 2136 to the server at ``host:port``; return what was published."""
    try:
        owner = dns.name.from_text(name.strip().rstrip(".") + ".")
    except dns.exception.DNSException as exc:
        raise PublishError(f"invalid DNS name {name!r}: {exc}") from None
    try:
        rdtype = dns.rdatatype.from_text(rdtype_text)
    except dns.exception.DNSException:
        raise PublishError(f"unknown record type {rdtype_text!r}") from None
    rdata = _rdata(rdtype, value)
    zone = find_zone(owner, host, port)
    update = dns.update.UpdateMessage(zone)
    update.add(owner, ttl, rdata)
    try:
        response = dns.query.tcp(update, host, port=port, timeout=TIMEOUT)
    except (OSError, dns.exception.DNSException) as exc:
        raise PublishError(f"the update to the DNS server at {host}:{port} failed: {exc}") from None
    if response.rcode() != dns.rcode.NOERROR:
        raise PublishError(
            f"the DNS server at {host}:{port} refused the update of zone {zone.to_text()}: "
            f"{dns.rcode.to_text(response.rcode())}"
        )
    return (
        f"{owner.to_text()} {ttl} {dns.rdatatype.to_text(rdtype)} {rdata.to_text()} (zone {zone.to_text()})"
    )


def build_publish_parser(nameserver: Callable[[str], tuple[str, int]]) -> argparse.ArgumentParser:
    """The argument parser of ``mailboxorg-emulator publish``."""
    parser = argparse.ArgumentParser(
        prog="mailboxorg-emulator publish",
        description="Publish one record in a running emulator's DNS server (RFC 2136 dynamic update), "
        "e.g. the ownership TXT record a Domain logs while it waits.",
    )
    parser.add_argument(
        "--dns",
        required=True,
        type=nameserver,
        metavar="ADDRESS:PORT",
        help="the emulator's DNS server, as it prints it (MAILBOXORG_DNS_NAMESERVERS)",
    )
    parser.add_argument("--ttl", type=int, default=60, help="TTL of the record in seconds (default 60)")
    parser.add_argument(
        "--mail-records",
        metavar="DOMAIN",
        help="instead of one record: every record mail_dns_records(DOMAIN) lists (MX, SPF, DKIM, DMARC, "
        "autoconfig), what a MailDnsCheck of DOMAIN waits for",
    )
    parser.add_argument("name", nargs="?", help="the record's name, with or without the final dot")
    parser.add_argument("type", nargs="?", help="the record type, e.g. TXT, MX, CNAME, A")
    parser.add_argument("value", nargs="?", help="the value; for TXT with or without the surrounding quotes")
    return parser


def publish_main(argv: Sequence[str], nameserver: Callable[[str], tuple[str, int]]) -> int:
    """Run ``publish``; return the exit status."""
    parser = build_publish_parser(nameserver)
    args = parser.parse_args(argv)
    host, port = args.dns
    if args.mail_records is not None:
        if args.name is not None:
            parser.error("give either --mail-records DOMAIN or NAME TYPE VALUE, not both")
        from ..maildns import mail_dns_records

        records = [(r.name, r.type, r.data, r.ttl) for r in mail_dns_records(args.mail_records)]
    elif args.value is None:
        parser.error("NAME TYPE VALUE are required (or --mail-records DOMAIN)")
    else:
        records = [(args.name, args.type, args.value, args.ttl)]
    for name, rdtype, value, ttl in records:
        try:
            published = publish(host, port, name, rdtype, value, ttl=ttl)
        except PublishError as error:
            print(f"mailboxorg-emulator publish: {error}", file=sys.stderr)
            return 1
        print(f"published {published}")
    return 0
