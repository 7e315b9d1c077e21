"""The live switch's own plumbing, checked offline: the TSIG-signed RFC 2136 updates a live run sends
to the maintainer's nameserver, tried against BIND 9 on loopback (skipped without BIND)."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator

import dns.message
import dns.query
import pytest
from reliability.bind9 import Bind9, Bind9Unavailable

from . import conftest

ZONE = "zone.example"
KEY = ("hmac-sha256", "pulumi-test-key", base64.b64encode(os.urandom(32)).decode())


@pytest.fixture
def signed_bind9(monkeypatch: pytest.MonkeyPatch) -> Iterator[Bind9]:
    try:
        server = Bind9([ZONE], tsig=KEY).start()
    except Bind9Unavailable as exc:
        pytest.skip(str(exc))
    monkeypatch.setenv("MAILBOXORG_LIVE_DNS_SERVER", server.address)
    monkeypatch.setenv("MAILBOXORG_LIVE_DNS_ZONE", ZONE)
    monkeypatch.setenv("MAILBOXORG_LIVE_TSIG", ":".join(KEY))
    try:
        yield server
    finally:
        server.stop()


def txt_at(server: Bind9, name: str) -> list[str]:
    answer = dns.query.udp(dns.message.make_query(name, "TXT"), server.host, port=server.port, timeout=3)
    return [b"".join(rdata.strings).decode() for rrset in answer.answer for rdata in rrset]


def test_the_live_record_publisher_signs_its_updates_with_the_configured_tsig_key(
    signed_bind9: Bind9,
) -> None:
    publish, unpublish = conftest._rfc2136("mail.zone.example")
    host = "0123abcd.mail.zone.example"

    publish(host, "challenge-value")
    assert txt_at(signed_bind9, host) == ["challenge-value"]
    publish(host, "second-value")  # replaces, never piles up
    assert txt_at(signed_bind9, host) == ["second-value"]
    unpublish(host)
    assert txt_at(signed_bind9, host) == []


def test_an_unsigned_update_is_refused_by_that_server(
    signed_bind9: Bind9, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAILBOXORG_LIVE_TSIG")
    publish, _ = conftest._rfc2136("mail.zone.example")
    with pytest.raises(RuntimeError, match="refused"):
        publish("x.mail.zone.example", "v")
