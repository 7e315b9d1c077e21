"""account.add/get/set/del/list of the emulator (reference §2.2, §4.1, §4.2, §4.4 to §4.6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.guesses import ERRORS

if TYPE_CHECKING:
    from conftest import RawRpc

NOT_FOUND = ERRORS["not_found"].code
ALREADY_EXISTS = ERRORS["already_exists"].code
PERMISSION_DENIED = ERRORS["permission_denied"].code
INVALID_PARAMS = ERRORS["invalid_params"].code


def new_account(reseller: RawRpc, name: str = "globex", **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = reseller.call(
        "account.add", {"account": name, "password": "globex-pass", "plan": "basic", **params}
    )
    return result


def test_account_add_returns_what_account_get_returns(reseller: RawRpc) -> None:
    added = new_account(reseller, memo="new customer", company="Globex", address_main_town="Springfield")

    assert added == reseller.call("account.get", {"account": "globex"})
    assert added["account"] == "globex"
    assert (added["type"], added["status"], added["plan"]) == ("BMBO", "aktiv", "basic")
    assert added["memo"] == "new customer"
    assert added["company"] == "Globex"
    assert added["address_main"]["town"] == "Springfield"


def test_account_objects_never_contain_a_password(reseller: RawRpc) -> None:
    added = new_account(reseller)
    changed = reseller.call("account.set", {"account": "globex", "telephone_password": "1234"})

    for result in (added, changed, reseller.call("account.list", {"extended_results": True})):
        assert "globex-pass" not in str(result)
        assert "1234" not in str(result)
        assert "password" not in str(result)


def test_a_new_account_logs_in_with_its_password_at_account_level(rpc: RawRpc, reseller: RawRpc) -> None:
    new_account(reseller)

    assert rpc.call("auth", {"user": "globex", "pass": "globex-pass"})["level"] == "account"


def test_account_add_refuses_a_name_that_exists(reseller: RawRpc) -> None:
    assert (
        reseller.code("account.add", {"account": "acme", "password": "pw", "plan": "basic"}) == ALREADY_EXISTS
    )


@pytest.mark.parametrize(
    "params",
    [
        {"account": "globex", "password": "pw", "plan": "gold"},
        {"account": "globex", "password": "", "plan": "basic"},
        {"account": "globex", "plan": "basic"},
        {"account": "has space", "password": "pw", "plan": "basic"},
        {"account": "globex", "password": "pw", "plan": "basic", "tarifflimits": {"gold": 1}},
        {"account": "globex", "password": "pw", "plan": "basic", "max_mailinglist": "3"},
    ],
    ids=["unknown-plan", "empty-password", "no-password", "bad-name", "bad-tarifflimits", "string-integer"],
)
def test_account_add_refuses_invalid_parameters(reseller: RawRpc, params: dict[str, Any]) -> None:
    assert reseller.code("account.add", params) == INVALID_PARAMS


def test_an_account_reads_itself_but_not_other_accounts(reseller: RawRpc, acme: RawRpc) -> None:
    new_account(reseller)

    assert acme.call("account.get", {"account": "acme"})["account"] == "acme"
    assert acme.code("account.get", {"account": "globex"}) == PERMISSION_DENIED
    assert acme.code("account.get", {"account": "nobody"}) == NOT_FOUND


def test_a_reseller_reaches_only_the_accounts_it_created(rpc_for: Callable[[Emulator], RawRpc]) -> None:
    with Emulator(accounts=["r1:pw1:reseller", "r2:pw2:reseller"]) as emu:
        first, second = rpc_for(emu).login("r1", "pw1"), rpc_for(emu).login("r2", "pw2")
        new_account(first, "one")
        new_account(second, "two")

        assert [item["account"] for item in first.call("account.list")] == ["one"]
        assert first.code("account.get", {"account": "two"}) == PERMISSION_DENIED
        assert first.code("account.set", {"account": "two", "memo": "x"}) == PERMISSION_DENIED
        assert first.code("account.del", {"account": "two"}) == PERMISSION_DENIED


def test_configured_account_logins_belong_to_the_first_reseller(reseller: RawRpc) -> None:
    assert reseller.call("account.get", {"account": "acme"})["account"] == "acme"


def test_account_set_changes_only_the_given_fields(reseller: RawRpc) -> None:
    new_account(reseller, memo="keep me", company="Globex")

    changed = reseller.call(
        "account.set", {"account": "globex", "company": "Globex Corp", "address_payment_same_as_main": False}
    )

    assert changed == reseller.call("account.get", {"account": "globex"})
    assert changed["company"] == "Globex Corp"
    assert changed["memo"] == "keep me"
    assert changed["plan"] == "basic"
    assert changed["address_payment"]["same_as_main"] is False


def test_account_set_by_the_reseller_changes_the_plan_and_tarifflimits(reseller: RawRpc) -> None:
    new_account(reseller)

    changed = reseller.call(
        "account.set", {"account": "globex", "plan": "profi", "tarifflimits": {"profi": 10}}
    )

    assert (changed["plan"], changed["tarifflimits"]) == ("profi", {"profi": 10})


def test_an_account_may_change_its_memo_but_not_its_plan(acme: RawRpc) -> None:
    assert acme.call("account.set", {"account": "acme", "memo": "ours"})["memo"] == "ours"

    error = acme.error("account.set", {"account": "acme", "plan": "profixl"})

    assert error["code"] == PERMISSION_DENIED
    assert "plan" in error["message"]
    assert acme.call("account.get", {"account": "acme"})["plan"] == "basic"


def test_account_set_password_changes_the_login_password(rpc: RawRpc, acme: RawRpc) -> None:
    acme.call("account.set", {"account": "acme", "password": "new-pass"})

    assert rpc.code("auth", {"user": "acme", "pass": "acme-pass"}) == 2
    assert rpc.call("auth", {"user": "acme", "pass": "new-pass"})["level"] == "account"


def test_account_set_of_a_missing_account_is_not_found(reseller: RawRpc) -> None:
    assert reseller.code("account.set", {"account": "nobody", "memo": "x"}) == NOT_FOUND


def test_account_list_gives_name_plan_and_status_sorted_and_filtered(reseller: RawRpc) -> None:
    new_account(reseller, "globex")
    new_account(reseller, "initech", plan="profi")

    assert reseller.call("account.list") == [
        {"account": "acme", "plan": "basic", "status": "aktiv"},
        {"account": "globex", "plan": "basic", "status": "aktiv"},
        {"account": "initech", "plan": "profi", "status": "aktiv"},
    ]
    assert [item["account"] for item in reseller.call("account.list", {"query": "TECH"})] == ["initech"]


def test_account_list_with_extended_results_gives_whole_accounts(reseller: RawRpc) -> None:
    (acme,) = reseller.call("account.list", {"query": "acme", "extended_results": True})

    assert acme == reseller.call("account.get", {"account": "acme"})


def test_account_del_deletes_the_accounts_domains_and_mail_addresses(
    emulator: Emulator, reseller: RawRpc, acme: RawRpc, add_domain: Any, add_mail: Any
) -> None:
    add_domain(acme, "acme", "acme.example")
    add_mail(acme, "ada@acme.example")

    assert reseller.call("account.del", {"account": "acme"}) is True

    assert reseller.code("account.get", {"account": "acme"}) == NOT_FOUND
    assert reseller.code("domain.get", {"domain": "acme.example"}) == NOT_FOUND
    assert reseller.code("mail.get", {"mail": "ada@acme.example"}) == NOT_FOUND
    assert emulator.state.snapshot()["mails"] == {}


def test_account_del_of_a_missing_account_is_not_found(reseller: RawRpc) -> None:
    assert reseller.code("account.del", {"account": "nobody"}) == NOT_FOUND


def test_a_deleted_account_name_can_be_added_again(reseller: RawRpc) -> None:
    new_account(reseller)
    reseller.call("account.del", {"account": "globex"})

    assert new_account(reseller)["account"] == "globex"
