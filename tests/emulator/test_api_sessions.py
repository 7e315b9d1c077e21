"""Authentication, sessions, levels and counters of the emulator (reference §1.3, §2.1, §4)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.guesses import ERRORS

if TYPE_CHECKING:
    from conftest import RawRpc

PERMISSION_DENIED = ERRORS["permission_denied"].code


def test_hello_world_needs_no_session(rpc: RawRpc) -> None:
    assert rpc.call("hello.world") == "Hello World!"


@pytest.mark.parametrize(
    ("user", "password", "level"),
    [("reseller", "reseller-pass", "reseller"), ("acme", "acme-pass", "account")],
)
def test_auth_returns_a_session_and_the_level(rpc: RawRpc, user: str, password: str, level: str) -> None:
    result = rpc.call("auth", {"user": user, "pass": password})

    assert set(result) == {"session", "level"}
    assert result["level"] == level
    assert isinstance(result["session"], str)


@pytest.mark.parametrize(("user", "password"), [("acme", "wrong"), ("nobody", "acme-pass"), ("acme", "")])
def test_wrong_credentials_are_access_denied_with_code_2(rpc: RawRpc, user: str, password: str) -> None:
    error = rpc.error("auth", {"user": user, "pass": password})

    assert error == {"code": 2, "message": "Access denied"}


def test_auth_ids_contain_the_special_characters_of_the_documented_examples(acme: RawRpc) -> None:
    assert acme.auth is not None
    assert set(";%)&.") <= set(acme.auth)


def test_every_login_gets_a_different_auth_id(rpc: RawRpc) -> None:
    first, second = rpc.login("acme", "acme-pass"), rpc.login("acme", "acme-pass")

    assert first.auth != second.auth
    assert first.call("hello.innerworld") == second.call("hello.innerworld") == "Hello Inner-World!"


def test_hello_innerworld_greets_a_logged_in_caller(acme: RawRpc) -> None:
    assert acme.call("hello.innerworld") == "Hello Inner-World!"


def test_a_session_method_without_auth_header_gets_253(rpc: RawRpc) -> None:
    assert rpc.error("hello.innerworld") == {"code": 253, "message": "This Auth-ID is invalid"}


@pytest.mark.parametrize("auth_id", ["", "made-up", "dlj3keZzTupJyX;KsSv57037ba615c926.43918213"])
def test_an_unknown_auth_id_gets_253(rpc: RawRpc, auth_id: str) -> None:
    stranger = type(rpc)(rpc.endpoint, auth_id)

    assert stranger.code("domain.list", {"account": "acme"}) == 253


def test_the_session_is_checked_before_parameters(rpc: RawRpc) -> None:
    assert rpc.code("domain.list", {"no-such-parameter": True}) == 253


def test_deauth_ends_the_session(acme: RawRpc) -> None:
    assert acme.call("deauth") is True

    assert acme.code("hello.innerworld") == 253


def test_deauth_ends_only_its_own_session(rpc: RawRpc) -> None:
    first, second = rpc.login("acme", "acme-pass"), rpc.login("acme", "acme-pass")

    first.call("deauth")

    assert second.call("hello.innerworld") == "Hello Inner-World!"


@pytest.mark.slow
def test_sessions_expire_after_the_ttl_without_use_and_every_use_extends_them(
    rpc_for: Callable[[Emulator], RawRpc],
) -> None:
    with Emulator(accounts=["acme:acme-pass"], session_ttl=0.8) as emu:
        acme = rpc_for(emu).login("acme", "acme-pass")
        for _ in range(5):  # 1.0 s in total, more than the TTL, but never more than 0.2 s idle
            time.sleep(0.2)
            assert acme.call("hello.innerworld") == "Hello Inner-World!"

        time.sleep(1.2)

        assert acme.code("hello.innerworld") == 253


def test_expire_sessions_invalidates_every_current_auth_id(
    emulator: Emulator, reseller: RawRpc, acme: RawRpc
) -> None:
    emulator.expire_sessions()

    assert reseller.code("hello.innerworld") == 253
    assert acme.code("hello.innerworld") == 253
    assert acme.login("acme", "acme-pass").call("hello.innerworld") == "Hello Inner-World!"


def test_successful_logins_are_counted_and_failed_ones_are_not(emulator: Emulator, rpc: RawRpc) -> None:
    rpc.login("acme", "acme-pass")
    rpc.error("auth", {"user": "acme", "pass": "wrong"})
    rpc.login("reseller", "reseller-pass")

    assert emulator.logins == 2


def test_calls_are_counted_per_method_until_reset(emulator: Emulator, acme: RawRpc) -> None:
    acme.call("hello.innerworld")
    acme.call("hello.innerworld")
    acme.error("account.get", {})

    assert emulator.calls == {"auth": 1, "hello.innerworld": 2, "account.get": 1}

    emulator.reset_counters()

    assert emulator.calls == {}
    assert emulator.logins == 0


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("account.add", {"account": "x", "password": "pw", "plan": "basic"}),
        ("account.del", {"account": "acme"}),
        ("account.list", {}),
    ],
)
def test_account_level_sessions_cannot_use_reseller_methods(acme: RawRpc, method: str, params: Any) -> None:
    assert acme.code(method, params) == PERMISSION_DENIED


def test_resellers_cannot_add_mail_addresses(reseller: RawRpc, acme: RawRpc, add_domain: Any) -> None:
    add_domain(acme, "acme", "acme.example")

    error = reseller.error(
        "mail.add",
        {
            "mail": "a@acme.example",
            "password": "pw",
            "plan": "light",
            "first_name": "A",
            "last_name": "B",
            "inboxsave": True,
            "forwards": [],
        },
    )

    assert error["code"] == PERMISSION_DENIED


def test_admin_logins_reach_every_account(rpc_for: Callable[[Emulator], RawRpc]) -> None:
    with Emulator(accounts=[("root", "root-pass", "admin"), "r:r-pass:reseller", "acme:acme-pass"]) as emu:
        admin = rpc_for(emu).login("root", "root-pass")

        assert admin.call("account.get", {"account": "acme"})["account"] == "acme"
        assert [item["account"] for item in admin.call("account.list")] == ["acme"]


def test_a_domain_and_its_password_log_in_at_domain_level(rpc: RawRpc, acme: RawRpc, add_domain: Any) -> None:
    add_domain(acme, "acme", "acme.example", password="domain-secret")

    result = rpc.call("auth", {"user": "ACME.example", "pass": "domain-secret"})

    assert result["level"] == "domain"


def test_a_mail_address_and_its_password_log_in_at_mail_level(
    rpc: RawRpc, acme: RawRpc, add_domain: Any, add_mail: Any
) -> None:
    add_domain(acme, "acme", "acme.example")
    add_mail(acme, "ada@acme.example", password="Mail-secret-1")

    assert rpc.call("auth", {"user": "ada@acme.example", "pass": "Mail-secret-1"})["level"] == "mail"


def test_domain_level_sessions_reach_only_their_domain(
    rpc: RawRpc, acme: RawRpc, add_domain: Any, add_mail: Any
) -> None:
    add_domain(acme, "acme", "acme.example")
    add_domain(acme, "acme", "other.example")
    domain = rpc.login("acme.example", "domain-pass")

    assert domain.call("domain.get", {"domain": "acme.example"})["domain"] == "acme.example"
    assert domain.call(
        "mail.add",
        {
            "mail": "bob@acme.example",
            "password": "Mail-pass-1",
            "plan": "light",
            "first_name": "B",
            "last_name": "C",
            "inboxsave": True,
            "forwards": [],
        },
    )
    assert domain.code("domain.get", {"domain": "other.example"}) == PERMISSION_DENIED
    assert domain.code("domain.list", {"account": "acme"}) == PERMISSION_DENIED


def test_mail_level_sessions_reach_only_their_address(
    rpc: RawRpc, acme: RawRpc, add_domain: Any, add_mail: Any
) -> None:
    add_domain(acme, "acme", "acme.example")
    add_mail(acme, "ada@acme.example")
    add_mail(acme, "bob@acme.example")
    ada = rpc.login("ada@acme.example", "Mail-pass-1")

    assert ada.call("mail.get", {"mail": "ada@acme.example"})["mail"] == "ada@acme.example"
    assert ada.call("mail.set", {"mail": "ada@acme.example", "memo": "mine"})["memo"] == "mine"
    assert ada.code("mail.get", {"mail": "bob@acme.example"}) == PERMISSION_DENIED
    assert ada.code("mail.list", {"domain": "acme.example"}) == PERMISSION_DENIED
    assert ada.code("domain.get", {"domain": "acme.example"}) == PERMISSION_DENIED


def test_sessions_of_a_deleted_account_become_invalid(reseller: RawRpc, acme: RawRpc) -> None:
    reseller.call("account.del", {"account": "acme"})

    assert acme.code("hello.innerworld") == 253
    assert acme.error("auth", {"user": "acme", "pass": "acme-pass"})["code"] == 2
