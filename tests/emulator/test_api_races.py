"""Staged races (Emulator.race): another party's call lands just before ours."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests

from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.guesses import ERRORS

if TYPE_CHECKING:
    from conftest import RawRpc

ALREADY_EXISTS = ERRORS["already_exists"].code

MAILBOX = {
    "mail": "ada@acme.example",
    "password": "Mail-pass-1!",
    "plan": "standard",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "inboxsave": True,
    "forwards": [],
}


@pytest.fixture
def domain(acme: RawRpc, add_domain: Any) -> str:
    add_domain(acme, "acme", "acme.example")
    return "acme.example"


def test_a_race_lets_the_other_party_create_the_object_first_and_loses_our_answer(
    emulator: Emulator, acme: RawRpc, domain: str
) -> None:
    emulator.race("mail.add", "acme", {"first_name": "Eve", "password": "Other-pass-1!"})

    with pytest.raises(requests.ConnectionError):
        acme.post(acme.request("mail.add", MAILBOX))

    assert acme.call("mail.get", {"mail": "ada@acme.example"})["first_name"] == "Eve"
    assert emulator.pending_races == 0


def test_the_other_partys_password_is_the_one_that_counts(
    emulator: Emulator, rpc: RawRpc, acme: RawRpc, domain: str
) -> None:
    emulator.race("mail.add", "acme", {"password": "Other-pass-1!"})

    with pytest.raises(requests.ConnectionError):
        acme.post(acme.request("mail.add", MAILBOX))

    assert rpc.code("auth", {"user": "ada@acme.example", "pass": "Mail-pass-1!"}) == 2
    assert rpc.login("ada@acme.example", "Other-pass-1!").call("hello.innerworld") == "Hello Inner-World!"


def test_a_race_that_keeps_the_answer_shows_our_call_refused_because_the_object_exists(
    emulator: Emulator, acme: RawRpc, domain: str
) -> None:
    emulator.race("mail.add", "acme", {"first_name": "Eve"}, lose_answer=False)

    assert acme.code("mail.add", MAILBOX) == ALREADY_EXISTS
    assert acme.call("mail.get", {"mail": "ada@acme.example"})["first_name"] == "Eve"


def test_our_call_is_still_processed_and_journaled_but_the_other_partys_is_not(
    emulator: Emulator, acme: RawRpc, domain: str
) -> None:
    emulator.reset_counters()
    emulator.race("mail.set", "acme", {"memo": "theirs"}, lose_answer=False)

    acme.call("mail.add", MAILBOX)
    answer = acme.call("mail.set", {"mail": "ada@acme.example", "memo": "ours"})

    assert answer["memo"] == "ours"  # ours landed second, so it wins
    assert emulator.sent("mail.set") == [{"mail": "ada@acme.example", "memo": "ours"}]
    assert emulator.calls["mail.set"] == 1


def test_a_race_waits_for_its_method(emulator: Emulator, acme: RawRpc, domain: str) -> None:
    emulator.race("mail.del", "acme", lose_answer=False)

    acme.call("mail.add", MAILBOX)
    assert acme.call("mail.get", {"mail": "ada@acme.example"})["mail"] == "ada@acme.example"
    assert emulator.pending_races == 1

    assert acme.code("mail.del", {"mail": "ada@acme.example"}) == ERRORS["not_found"].code
    assert emulator.pending_races == 0


def test_queued_races_are_used_once_each_in_order(emulator: Emulator, reseller: RawRpc) -> None:
    emulator.race("account.add", "reseller", {"memo": "first"}, lose_answer=False)
    emulator.race("account.add", "reseller", {"account": "initech", "memo": "second"})
    new = {"password": "globex-pass", "plan": "basic"}

    assert reseller.code("account.add", {"account": "globex", **new}) == ALREADY_EXISTS
    with pytest.raises(requests.ConnectionError):
        reseller.post(reseller.request("account.add", {"account": "hooli", **new}))
    assert reseller.call("account.add", {"account": "umbrella", **new})["account"] == "umbrella"

    accounts = emulator.state.snapshot()["accounts"]
    assert (accounts["globex"]["memo"], accounts["initech"]["memo"]) == ("first", "second")
    assert {"hooli", "umbrella"} <= set(accounts)


def test_a_race_by_a_login_that_may_not_make_the_call_changes_nothing(
    emulator: Emulator, reseller: RawRpc
) -> None:
    emulator.race("account.add", "acme", lose_answer=False)  # account.add is reseller only

    added = reseller.call("account.add", {"account": "globex", "password": "globex-pass", "plan": "basic"})

    assert added["account"] == "globex"


def test_a_race_needs_a_login_the_emulator_knows(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="nobody"):
        emulator.race("mail.add", "nobody")
    assert emulator.pending_races == 0
