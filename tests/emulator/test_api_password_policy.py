"""The guessed mailbox password policy of mail.add and mail.set (reference §6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.guesses import ERRORS

if TYPE_CHECKING:
    from conftest import RawRpc

WEAK_PASSWORD = ERRORS["weak_password"].code

WEAK = {
    "too short": "Ab-1xyz",
    "no upper case": "abc-1xyz",
    "no lower case": "ABC-1XYZ",
    "no digit": "Abc-wxyz",
    "no special character": "Abc1wxyz",
}


@pytest.fixture
def domain(acme: RawRpc, add_domain: Any) -> str:
    add_domain(acme, "acme", "acme.example")
    return "acme.example"


@pytest.mark.parametrize("password", WEAK.values(), ids=WEAK.keys())
def test_mail_add_refuses_a_weak_password_and_says_what_the_policy_wants(
    emulator: Emulator, acme: RawRpc, domain: str, add_mail: Any, password: str
) -> None:
    with pytest.raises(AssertionError, match="Password too weak"):
        add_mail(acme, "ada@acme.example", password=password)

    error = acme.error("mail.add", {**policy_params(), "password": password})
    assert error["code"] == WEAK_PASSWORD
    for wanted in ("8 characters", "upper-case", "lower-case", "digit", "special character"):
        assert wanted in error["message"]
    assert password not in error["message"]
    assert "ada@acme.example" not in emulator.state.snapshot()["mails"]


def policy_params() -> dict[str, Any]:
    return {
        "mail": "ada@acme.example",
        "plan": "light",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "inboxsave": True,
        "forwards": [],
    }


@pytest.mark.parametrize("password", WEAK.values(), ids=WEAK.keys())
def test_mail_set_refuses_a_weak_password_and_keeps_the_old_one(
    rpc: RawRpc, acme: RawRpc, domain: str, add_mail: Any, password: str
) -> None:
    add_mail(acme, "ada@acme.example", password="Strong-pass-1")

    assert acme.code("mail.set", {"mail": "ada@acme.example", "password": password}) == WEAK_PASSWORD
    assert rpc.call("auth", {"user": "ada@acme.example", "pass": "Strong-pass-1"})["level"] == "mail"


@pytest.mark.parametrize("password", ["Abcdef-1", "pässWORT 9", "ÄÖÜ-äöü-1"])
def test_a_password_with_every_kind_of_character_and_8_of_them_is_accepted(
    acme: RawRpc, domain: str, add_mail: Any, password: str
) -> None:
    assert add_mail(acme, "ada@acme.example", password=password)["mail"] == "ada@acme.example"
    assert acme.call("mail.set", {"mail": "ada@acme.example", "password": password})["mail"]


def test_a_password_hash_is_not_checked(acme: RawRpc, domain: str, add_mail: Any) -> None:
    assert add_mail(acme, "ada@acme.example", password=None, password_hash="weak")["mail"]


def test_the_policy_can_be_switched_off(rpc_for: Callable[[Emulator], RawRpc]) -> None:
    with Emulator(
        accounts=[("acme", "acme-pass")], require_dns_verification=False, mail_password_policy=False
    ) as emu:
        acme = rpc_for(emu).login("acme", "acme-pass")
        acme.call("domain.add", {"account": "acme", "domain": "acme.example", "password": "pw"})

        assert acme.call("mail.add", {**policy_params(), "password": "pw"})["mail"] == "ada@acme.example"
        assert acme.call("mail.set", {"mail": "ada@acme.example", "password": "x"})["mail"]
