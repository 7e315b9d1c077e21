"""The DNS check keeps to its budget, and ignores stray or spoofed packets while it waits.

Against scripted nameservers on loopback addresses (see ``scriptednameserver``): a slow resolver
behind a long CNAME chain, a zone with 40 nameservers that never answer, and a spoofer that sends a
packet with a wrong id and one with a wrong question before each real answer (over UDP, and over
TCP after a truncated UDP answer). Time bounds are generous: a 1-2 s budget must finish in a few
seconds, where the old checker took 10-30 s.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import dns.message
import dns.rrset
import pytest

from pulumi_mailboxorg.dnscheck import Nameserver, PropagationChecker
from pulumi_mailboxorg.errors import DnsCheckError, VerificationTimeoutError
from pulumi_mailboxorg.verification import Challenge, wait_for_verification
from scriptednameserver import BlackHole, ScriptedNameserver

ZONE = "slow.test"
TOKEN = "9dd07dc055aee1b63eb55f3e2874d5f253b3f643"
DEEP = "final.a.b.c.d.e.f.g.h.slow.test"
HOPS = 15


@pytest.fixture
def slow_resolver() -> Iterator[ScriptedNameserver]:
    """A resolver that takes 0.6 s per answer and serves a 15-hop CNAME chain into a deep name
    of a zone it has no SOA for (so the zone walk climbs every label)."""
    with ScriptedNameserver("127.0.0.3", delay=0.6) as resolver:
        for hop in range(HOPS):
            target = f"c{hop + 1}.{ZONE}" if hop + 1 < HOPS else DEEP
            resolver.add(f"c{hop}.{ZONE}", "CNAME", target + ".")
        yield resolver


def discovery(resolver: ScriptedNameserver, *, timeout: float, port: int = 53) -> PropagationChecker:
    return PropagationChecker(
        bootstrap=[Nameserver(resolver.host, resolver.port)], authoritative_port=port, timeout=timeout
    )


def test_a_slow_cname_chain_is_cut_off_when_the_budget_is_spent(slow_resolver: ScriptedNameserver) -> None:
    checker = discovery(slow_resolver, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(DnsCheckError, match="ran out of its time"):
        checker.check(f"c0.{ZONE}", TOKEN, budget=1.0)
    assert time.monotonic() - started < 4.0  # the whole walk would take 15 hops x 0.6 s, then more
    assert sum(slow_resolver.queries.values()) <= 4


def test_a_budget_below_one_query_still_allows_one_query(slow_resolver: ScriptedNameserver) -> None:
    checker = discovery(slow_resolver, timeout=1.0)
    with pytest.raises(DnsCheckError, match="ran out of its time"):
        checker.check(f"c0.{ZONE}", TOKEN, budget=0.0)
    assert sum(slow_resolver.queries.values()) >= 1


def test_the_verification_wait_with_a_slow_cname_chain_ends_within_its_timeout_and_one_query(
    slow_resolver: ScriptedNameserver,
) -> None:
    checker = discovery(slow_resolver, timeout=1.0)
    challenge = Challenge(ZONE, f"c0.{ZONE}", TOKEN)
    started = time.monotonic()
    with pytest.raises(VerificationTimeoutError) as caught:
        wait_for_verification(
            challenge,
            check=checker.check,
            retry=lambda: pytest.fail("DNS never passes, so mailbox.org is never asked"),
            timeout=1.5,
            poll_interval=0.2,
            progress=lambda message: None,
        )
    elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 1.0 + 3.0  # timeout + one query, generously (the old wait took 30 s or more)
    assert "did not accept the domain slow.test" in str(caught.value)
    assert "ran out of its time" in str(caught.value)


@pytest.mark.slow
def test_forty_unresponsive_nameservers_cost_the_budget_not_a_timeout_each() -> None:
    with ScriptedNameserver("127.0.0.3", zone=ZONE) as resolver:
        hole = BlackHole("127.0.0.9", resolver.port)
        try:
            for index in range(40):
                resolver.add(ZONE, "NS", f"ns{index}.{ZONE}.")
                resolver.add(f"ns{index}.{ZONE}", "A", "127.0.0.9")
            checker = discovery(resolver, timeout=2.0, port=resolver.port)
            started = time.monotonic()
            result = checker.check(f"_verify.{ZONE}", TOKEN, budget=2.0)
            elapsed = time.monotonic() - started
        finally:
            hole.close()
    assert elapsed < 5.0  # 40 servers / 8 in parallel x 2 s would be 10 s
    assert len(result.answers) == 40
    assert not result.ok
    errors = {answer.error for answer in result.answers}
    assert errors <= {"timed out", "not asked: the time for the check ran out"}
    assert "not asked: the time for the check ran out" in errors


def test_without_a_budget_a_check_is_bounded_by_its_queries_only(slow_resolver: ScriptedNameserver) -> None:
    slow_resolver.delay = 0.0
    checker = discovery(slow_resolver, timeout=1.0)
    with pytest.raises(DnsCheckError, match="could not find the DNS zone"):
        checker.check(f"c0.{ZONE}", TOKEN)
    assert slow_resolver.queries[f"{DEEP}. SOA"] == 1


# Stray and spoofed packets -----------------------------------------------------------------------


def strays(query: dns.message.Message) -> list[dns.message.Message]:
    """A response with the wrong id, and one with the right id for another question."""
    wrong_id = dns.message.make_response(query)
    wrong_id.id = (query.id + 1) % 65536
    wrong_id.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "TXT", '"spoofed"'))
    other = dns.message.make_query("elsewhere.example.", "TXT")
    other.id = query.id
    wrong_question = dns.message.make_response(other)
    wrong_question.answer.append(dns.rrset.from_text("elsewhere.example.", 60, "IN", "TXT", '"spoofed"'))
    return [wrong_id, wrong_question]


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_stray_answers_with_a_wrong_id_or_question_are_ignored_until_the_real_one(transport: str) -> None:
    with ScriptedNameserver(zone=ZONE, strays=strays, truncate_udp=transport == "tcp") as server:
        server.add(f"_verify.{ZONE}", "TXT", f'"{TOKEN}"')
        checker = PropagationChecker([Nameserver(server.host, server.port)], timeout=2.0)
        result = checker.check(f"_verify.{ZONE}", TOKEN)
    assert [answer.error for answer in result.answers] == [None]
    assert result.answers[0].values == (TOKEN,)
    assert result.ok
    assert result.zone == ZONE
