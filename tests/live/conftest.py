"""The live switch: the tests in this directory run against the emulator, and against the real API.

Every test here takes the ``target`` fixture, which has two parameters:

``emulator``
    Always runs: a fresh :class:`~pulumi_mailboxorg.emulator.Emulator` (account login ``acme``) with
    the ownership records published in its own DNS server.
``live``
    Marked ``live``; skipped unless a maintainer sets ``MAILBOXORG_LIVE_TESTS=1`` and the variables
    below. It then talks to the real mailbox.org API (and DNS), so it is the only place where a test
    leaves the loopback interface. That is how the guesses in ``pulumi_mailboxorg/guesses.py`` (the
    emulator's table) get confirmed or corrected.

Live variables:

=================================== ===========================================================
``MAILBOXORG_LIVE_TESTS``           ``1`` to run the live parameter
``MAILBOXORG_LIVE_USERNAME``        an account-level login (the account the test domain goes into)
``MAILBOXORG_LIVE_PASSWORD``        its password
``MAILBOXORG_LIVE_DOMAIN``          a domain in a DNS zone you control, *not* yet in mailbox.org;
                                    the tests add it and delete it again
``MAILBOXORG_LIVE_ACCOUNT``         optional: the account name, if it differs from the login
``MAILBOXORG_LIVE_ENDPOINT``        optional: the API endpoint (default https://api.mailbox.org/v1/)
``MAILBOXORG_LIVE_DNS_SERVER``      optional: ``host[:port]`` of the zone's primary nameserver that
                                    accepts RFC 2136 updates; without it, publish the record by
                                    hand when the test prints it (the provider waits)
``MAILBOXORG_LIVE_DNS_ZONE``        optional: the zone to update (default: the domain)
``MAILBOXORG_LIVE_TSIG``            optional: ``algorithm:keyname:base64secret`` for the updates
``MAILBOXORG_LIVE_VERIFICATION_TIMEOUT`` optional: seconds to wait for the record (default 900)
=================================== ===========================================================
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import dns.name
import dns.query
import dns.tsigkeyring
import dns.update
import pytest

from harness import Secret
from pulumi_mailboxorg.client import DEFAULT_ENDPOINT, MailboxOrgClient
from pulumi_mailboxorg.dnscheck import parse_nameservers
from pulumi_mailboxorg.emulator import Emulator

LIVE = os.environ.get("MAILBOXORG_LIVE_TESTS") == "1"
REQUIRED = ("MAILBOXORG_LIVE_USERNAME", "MAILBOXORG_LIVE_PASSWORD", "MAILBOXORG_LIVE_DOMAIN")


@dataclass
class Target:
    """Where the tests run, and how they reach it outside Pulumi (out-of-band changes, checks)."""

    name: str
    config: dict[str, Any]
    account: str
    domain: str
    #: The maintainer's own API client (out-of-band changes and checks of what the server holds).
    client: MailboxOrgClient
    #: ``publish(host, txt)`` puts the ownership TXT record into DNS; ``unpublish(host)`` removes it.
    publish: Callable[[str, str], None]
    unpublish: Callable[[str], None]
    #: Prefix of every mail address a test creates (unique per run).
    prefix: str = field(default_factory=lambda: "pulumi-test-" + secrets.token_hex(3))


def _emulator_target() -> Iterator[Target]:
    with Emulator(accounts=[("acme", "acme-pass", "account")]) as emu:

        def publish(host: str, txt: str) -> None:
            emu.dns_server.add_record(host, "TXT", f'"{txt}"')

        client = MailboxOrgClient(emu.endpoint, "acme", "acme-pass")
        config = {
            "mailboxorg:endpoint": emu.endpoint,
            "mailboxorg:username": "acme",
            "mailboxorg:password": Secret("acme-pass"),
            "mailboxorg:dnsNameservers": emu.dns,
            "mailboxorg:dnsPollInterval": "0.2",
            "mailboxorg:verificationTimeout": "30",
            "mailboxorg:rateLimit": "0",
        }
        with client:
            yield Target(
                "emulator",
                config,
                "acme",
                "live.example",
                client,
                publish,
                lambda host: emu.dns_server.remove_record(host, "TXT"),
            )


def _rfc2136(domain: str) -> tuple[Callable[[str, str], None], Callable[[str], None]]:
    """Publish and remove through the maintainer's nameserver, or ask them to do it by hand."""
    server_text = os.environ.get("MAILBOXORG_LIVE_DNS_SERVER")
    if not server_text:

        def by_hand(host: str, txt: str) -> None:
            print(f'\nPublish this record now (the provider waits for it): {host}. TXT "{txt}"')

        return by_hand, lambda host: print(f"\nYou may remove the TXT record at {host} now.")
    (server,) = parse_nameservers(server_text)
    zone = os.environ.get("MAILBOXORG_LIVE_DNS_ZONE") or domain
    keyring: Any = None
    algorithm: Any = None
    if os.environ.get("MAILBOXORG_LIVE_TSIG"):
        algorithm, name, secret = os.environ["MAILBOXORG_LIVE_TSIG"].split(":", 2)
        keyring = dns.tsigkeyring.from_text({name: secret})

    def send(update: dns.update.UpdateMessage) -> None:
        response = dns.query.tcp(update, server.host, port=server.port, timeout=10)
        if response.rcode() != 0:
            raise RuntimeError(f"the DNS update was refused (rcode {response.rcode()})")

    def publish(host: str, txt: str) -> None:
        update = dns.update.UpdateMessage(zone, keyring=keyring, keyalgorithm=algorithm)
        update.replace(dns.name.from_text(host), 300, "TXT", f'"{txt}"')
        send(update)

    def unpublish(host: str) -> None:
        update = dns.update.UpdateMessage(zone, keyring=keyring, keyalgorithm=algorithm)
        update.delete(dns.name.from_text(host), "TXT")
        send(update)

    return publish, unpublish


def _live_target() -> Iterator[Target]:
    if not LIVE:
        pytest.skip("live tests are off: set MAILBOXORG_LIVE_TESTS=1 (see tests/live/conftest.py)")
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        pytest.skip(f"MAILBOXORG_LIVE_TESTS=1 needs {', '.join(missing)}")
    env = os.environ
    domain = env["MAILBOXORG_LIVE_DOMAIN"].lower().rstrip(".")
    endpoint = env.get("MAILBOXORG_LIVE_ENDPOINT") or DEFAULT_ENDPOINT
    user, password = env["MAILBOXORG_LIVE_USERNAME"], env["MAILBOXORG_LIVE_PASSWORD"]
    publish, unpublish = _rfc2136(domain)
    config = {
        "mailboxorg:endpoint": endpoint,
        "mailboxorg:username": user,
        "mailboxorg:password": Secret(password),
        "mailboxorg:verificationTimeout": env.get("MAILBOXORG_LIVE_VERIFICATION_TIMEOUT", "900"),
        "mailboxorg:dnsPollInterval": "10",
    }
    with MailboxOrgClient(endpoint, user, password) as client:
        yield Target(
            "live", config, env.get("MAILBOXORG_LIVE_ACCOUNT") or user, domain, client, publish, unpublish
        )


def _clean_up(target: Target) -> None:
    """Last resort after a failed test: remove what the test may have left (its addresses, the domain)."""
    with contextlib.suppress(Exception):
        for entry in target.client.call("mail.list", {"domain": target.domain}) or []:
            if str(entry.get("mail", "")).startswith(target.prefix):
                with contextlib.suppress(Exception):
                    target.client.call("mail.del", {"mail": entry["mail"]})
    with contextlib.suppress(Exception):
        listed = target.client.call("domain.list", {"account": target.account, "filter": target.domain})
        if any(str(d.get("domain", "")).lower() == target.domain for d in listed or []):
            target.client.call("domain.del", {"account": target.account, "domain": target.domain})


@pytest.fixture(params=["emulator", pytest.param("live", marks=pytest.mark.live)])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The emulator, or (``MAILBOXORG_LIVE_TESTS=1``) the real API; cleaned up after the test."""
    targets = _emulator_target() if request.param == "emulator" else _live_target()
    chosen = next(targets)
    try:
        yield chosen
    finally:
        _clean_up(chosen)
        with contextlib.suppress(StopIteration):
            next(targets)
