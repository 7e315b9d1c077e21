"""Command line: ``mailboxorg-emulator`` / ``python -m pulumi_mailboxorg.emulator``.

``mailboxorg-emulator [OPTIONS]`` starts the emulator on loopback, in the foreground (it blocks its
terminal until stopped); ``mailboxorg-emulator publish --dns ADDRESS:PORT NAME TYPE VALUE`` publishes
one record in a running emulator's DNS (:mod:`.publish`).

Started, the emulator When it is ready it prints exactly one JSON line on stdout::

    {"endpoint": "http://127.0.0.1:PORT/v1/", "dns": "127.0.0.1:PORT", "accounts": ["demo", ...]}

then hints for humans on stderr, and serves until SIGINT or SIGTERM, exiting with status 0.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from . import DEFAULT_ACCOUNTS, Emulator
from .faults import DEFAULT_FAULT_KINDS, FAULT_KINDS, parse_fault_kinds
from .state import Login, parse_login

__all__ = ["build_parser", "main"]

#: The subcommand that publishes a record in a running emulator's DNS.
PUBLISH = "publish"


def _login(text: str) -> Login:
    try:
        return parse_login(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _nameserver(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    try:
        ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not IP-ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)"
        ) from None
    if not sep or not 0 < number < 65536:
        raise argparse.ArgumentTypeError(f"{text!r}: the port must be between 1 and 65535")
    return host, number


def _fault_kinds(text: str) -> tuple[str, ...]:
    try:
        return parse_fault_kinds(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command line."""
    parser = argparse.ArgumentParser(
        prog="mailboxorg-emulator",
        description="Run a local emulator of the mailbox.org business API (JSON-RPC over HTTP) with an "
        "authoritative DNS server for the domain ownership TXT records, in the foreground until Ctrl-C. "
        "`mailboxorg-emulator publish --help`: publish a record in a running emulator's DNS.",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="HTTP port of the JSON-RPC endpoint (default 0: free)"
    )
    parser.add_argument(
        "--dns-port", type=int, default=0, help="UDP+TCP port of the DNS server (default 0: free)"
    )
    parser.add_argument(
        "--account",
        dest="accounts",
        action="append",
        type=_login,
        metavar="NAME:PASSWORD[:LEVEL]",
        help="a login (repeatable); LEVEL is admin, reseller or account (default account); account"
        " logins belong to the first reseller given, in any order. "
        "Default: reseller demo:demo-password and account demo-account:demo-password",
    )
    parser.add_argument(
        "--session-ttl", type=float, default=1200.0, help="sliding session lifetime in seconds (default 1200)"
    )
    parser.add_argument("--latency-ms", type=_non_negative, default=0.0, help="delay before each request")
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="probability 0..1 of a random fault per call"
    )
    parser.add_argument(
        "--fault-kinds",
        type=_fault_kinds,
        default=DEFAULT_FAULT_KINDS,
        metavar="KIND[,KIND...]",
        help=f"kinds of random faults, from {', '.join(FAULT_KINDS)}"
        f" (default {','.join(DEFAULT_FAULT_KINDS)})",
    )
    parser.add_argument(
        "--dns-nameserver",
        type=_nameserver,
        metavar="ADDRESS:PORT",
        help="nameserver the domain.add TXT check asks (default: the embedded DNS server)",
    )
    parser.add_argument(
        "--negative-cache-ttl",
        type=_non_negative,
        default=0.0,
        help="seconds a failed TXT lookup is remembered by the emulated resolver (default 0)",
    )
    parser.add_argument(
        "--recursive-domain-delete",
        action="store_true",
        help="domain.del deletes the domain's mail addresses instead of refusing",
    )
    parser.add_argument(
        "--no-dns-verification", action="store_true", help="domain.add succeeds without the TXT record"
    )
    parser.add_argument(
        "--unpaged-limit",
        type=_count,
        default=100,
        metavar="N",
        help="the most entries an unpaginated mail.list returns (default 100)",
    )
    parser.add_argument(
        "--readd-deleted",
        choices=("allow", "refuse"),
        default="allow",
        help="mail.add of an address on its domain's delete list without recover: allow (default) a"
        " fresh mailbox, or refuse until it is purged or recovered",
    )
    parser.add_argument(
        "--no-mail-password-policy",
        action="store_true",
        help="accept any mailbox password (default: 8+ characters with upper and lower case, a digit"
        " and a special character)",
    )
    parser.add_argument(
        "--minimal-answers",
        action="store_true",
        help="domain.get/add/set and domain.list answer only documented fields (context ids only"
        " through context.list)",
    )
    parser.add_argument("--seed", type=int, help="seed for random faults and ownership challenges")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request on stderr")
    return parser


def _hints(emulator: Emulator, accounts: Sequence[Login], defaults: bool) -> str:
    logins = ", ".join(
        f"{login.name} / {login.password} ({login.level})" if defaults else f"{login.name} ({login.level})"
        for login in accounts
    )
    dns_host, dns_port = emulator.dns_host, emulator.dns_port
    return f"""\
mailbox.org emulator ready
  JSON-RPC endpoint: {emulator.endpoint}
  DNS server:        {emulator.dns} (UDP+TCP; serves the zone of every domain domain.add is asked for)
  logins:            {logins}

Point a Pulumi stack at it (use one of the logins above as the provider's user name and password):
  export MAILBOXORG_ENDPOINT={emulator.endpoint}
  export MAILBOXORG_DNS_NAMESERVERS={emulator.dns}

domain.add answers error 218 with a TXT record (host, txt) to publish; from another terminal:
  mailboxorg-emulator publish --dns {dns_host}:{dns_port} <host> TXT <txt>
(or any RFC 2136 client, e.g. nsupdate with "server {dns_host} {dns_port}").

This terminal is now the emulator's: stop it with Ctrl-C (SIGINT) or SIGTERM.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until SIGINT or SIGTERM (or the ``publish`` subcommand); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [PUBLISH]:
        from .publish import publish_main

        return publish_main(argv[1:], _nameserver)
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    accounts: list[Login] = args.accounts or list(DEFAULT_ACCOUNTS)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        emulator = Emulator(
            accounts,
            port=args.port,
            dns_port=args.dns_port,
            session_ttl=args.session_ttl,
            latency_ms=args.latency_ms,
            fault_rate=args.fault_rate,
            fault_kinds=args.fault_kinds,
            dns_nameserver=args.dns_nameserver,
            negative_cache_ttl=args.negative_cache_ttl,
            recursive_domain_delete=args.recursive_domain_delete,
            seed=args.seed,
            require_dns_verification=not args.no_dns_verification,
            unpaged_limit=args.unpaged_limit,
            readd_deleted=args.readd_deleted,
            mail_password_policy=not args.no_mail_password_policy,
            minimal_answers=args.minimal_answers,
        )
        emulator.start()
    except (ValueError, OSError) as error:
        print(f"mailboxorg-emulator: {error}", file=sys.stderr)
        return 2
    try:
        ready = {
            "endpoint": emulator.endpoint,
            "dns": emulator.dns,
            "accounts": [login.name for login in accounts],
        }
        print(json.dumps(ready), flush=True)
        print(_hints(emulator, accounts, defaults=not args.accounts), file=sys.stderr, flush=True)
        while not stop.wait(1.0):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
