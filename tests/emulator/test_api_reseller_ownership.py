"""Which reseller owns the configured business accounts: the first reseller, in any order."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from pulumi_mailboxorg.emulator import Emulator, EmulatorState
from pulumi_mailboxorg.guesses import ERRORS

if TYPE_CHECKING:
    from conftest import RawRpc

PERMISSION_DENIED = ERRORS["permission_denied"].code

ORDERS = {
    "reseller first": ["ops:ops-pass:reseller", "shop:shop-pass", "cafe:cafe-pass"],
    "reseller last": ["shop:shop-pass", "cafe:cafe-pass", "ops:ops-pass:reseller"],
    "reseller between": ["shop:shop-pass", "ops:ops-pass:reseller", "cafe:cafe-pass"],
}


@pytest.mark.parametrize("accounts", ORDERS.values(), ids=ORDERS.keys())
def test_the_reseller_owns_every_configured_account_wherever_it_is_listed(
    rpc_for: Callable[[Emulator], RawRpc], accounts: list[str]
) -> None:
    with Emulator(accounts=accounts) as emu:
        ops = rpc_for(emu).login("ops", "ops-pass")

        assert [item["account"] for item in ops.call("account.list")] == ["cafe", "shop"]
        assert ops.call("test.accountallowed", {"account": "shop"}) is True
        assert ops.call("account.get", {"account": "cafe"})["account"] == "cafe"


def test_only_the_first_reseller_owns_the_configured_accounts(rpc_for: Callable[[Emulator], RawRpc]) -> None:
    with Emulator(accounts=["shop:shop-pass", "second:pw:reseller", "third:pw:reseller"]) as emu:
        second = rpc_for(emu).login("second", "pw")
        third = rpc_for(emu).login("third", "pw")

        assert [item["account"] for item in second.call("account.list")] == ["shop"]
        assert third.call("account.list") == []
        assert third.code("account.get", {"account": "shop"}) == PERMISSION_DENIED


def test_a_reseller_added_later_adopts_the_accounts_without_reseller() -> None:
    state = EmulatorState(["shop:shop-pass"])

    state.add_login("ops:ops-pass:reseller")
    state.add_login("cafe:cafe-pass")

    assert [item["account"] for item in state.call_as("ops", "account.list")] == ["cafe", "shop"]


def test_without_a_reseller_only_an_admin_and_the_account_itself_reach_it(
    rpc_for: Callable[[Emulator], RawRpc],
) -> None:
    with Emulator(accounts=["shop:shop-pass", "root:root-pass:admin"]) as emu:
        root = rpc_for(emu).login("root", "root-pass")
        shop = rpc_for(emu).login("shop", "shop-pass")

        assert [item["account"] for item in root.call("account.list")] == ["shop"]
        assert shop.call("account.get", {"account": "shop"})["account"] == "shop"
