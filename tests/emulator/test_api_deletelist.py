"""Deleted addresses: mail.del, domain.deletelist.search/delete, mail.add recover, readd_deleted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.guesses import ERRORS

if TYPE_CHECKING:
    from conftest import RawRpc

NOT_FOUND = ERRORS["not_found"].code
PERMISSION_DENIED = ERRORS["permission_denied"].code
ADDRESS_DELETED = ERRORS["address_deleted"].code

MAILBOX = {
    "password": "Mail-pass-1!",
    "plan": "standard",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "inboxsave": True,
    "forwards": [],
}


def add(session: RawRpc, address: str, **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = session.call("mail.add", {**MAILBOX, "mail": address, **params})
    return result


@pytest.fixture
def domain(acme: RawRpc, add_domain: Any) -> str:
    add_domain(acme, "acme", "acme.example")
    add(acme, "ada@acme.example", memo="hers")
    add(acme, "bob@acme.example")
    return "acme.example"


@pytest.fixture
def refusing(rpc_for: Callable[[Emulator], RawRpc]) -> Iterator[RawRpc]:
    """acme logged in to an emulator that refuses re-adding deleted addresses, with ada@acme.example."""
    with Emulator(
        accounts=[("acme", "acme-pass")], require_dns_verification=False, readd_deleted="refuse"
    ) as emu:
        acme = rpc_for(emu).login("acme", "acme-pass")
        acme.call("domain.add", {"account": "acme", "domain": "acme.example", "password": "pw"})
        add(acme, "ada@acme.example", memo="hers")
        yield acme


def deletelist(session: RawRpc, domain: str = "acme.example") -> Any:
    return session.call("domain.deletelist.search", {"domain": domain})


def test_mail_del_puts_the_address_on_its_domains_delete_list(acme: RawRpc, domain: str) -> None:
    assert deletelist(acme) == []

    acme.call("mail.del", {"mail": "bob@acme.example"})
    acme.call("mail.del", {"mail": "Ada@acme.example"})

    assert deletelist(acme) == ["ada@acme.example", "bob@acme.example"]
    assert [entry["mail"] for entry in acme.call("mail.list", {"domain": domain})] == []


def test_deletelist_delete_purges_one_address(acme: RawRpc, domain: str) -> None:
    acme.call("mail.del", {"mail": "ada@acme.example"})
    acme.call("mail.del", {"mail": "bob@acme.example"})

    assert acme.call("domain.deletelist.delete", {"mail": "ada@acme.example"}) is True

    assert deletelist(acme) == ["bob@acme.example"]
    assert acme.code("domain.deletelist.delete", {"mail": "ada@acme.example"}) == NOT_FOUND


def test_deletelist_delete_of_a_live_address_is_not_found(acme: RawRpc, domain: str) -> None:
    assert acme.code("domain.deletelist.delete", {"mail": "ada@acme.example"}) == NOT_FOUND


def test_another_accounts_delete_list_is_out_of_reach(
    emulator: Emulator, rpc: RawRpc, reseller: RawRpc, acme: RawRpc, domain: str
) -> None:
    acme.call("mail.del", {"mail": "ada@acme.example"})
    reseller.call("account.add", {"account": "globex", "password": "globex-pass", "plan": "basic"})
    globex = rpc.login("globex", "globex-pass")

    assert globex.code("domain.deletelist.search", {"domain": domain}) == PERMISSION_DENIED
    assert globex.code("domain.deletelist.delete", {"mail": "ada@acme.example"}) == PERMISSION_DENIED
    assert reseller.call("domain.deletelist.search", {"domain": domain}) == ["ada@acme.example"]
    assert rpc.login(domain, "domain-pass").call("domain.deletelist.search", {"domain": domain}) == [
        "ada@acme.example"
    ]
    assert emulator.state.snapshot()["deleted"] == {domain: ["ada@acme.example"]}


def test_by_default_a_deleted_address_can_be_added_again_as_a_fresh_mailbox(
    acme: RawRpc, domain: str
) -> None:
    acme.call("mail.del", {"mail": "ada@acme.example"})

    again = add(acme, "ada@acme.example")

    assert again["memo"] == ""
    assert deletelist(acme) == []


def test_recover_restores_the_deleted_mailbox_with_the_new_parameters_applied(
    rpc: RawRpc, acme: RawRpc, domain: str
) -> None:
    acme.call(
        "mail.set", {"mail": "ada@acme.example", "aliases": ["countess@acme.example"], "city": "London"}
    )
    before = acme.call("mail.get", {"mail": "ada@acme.example"})
    acme.call("mail.del", {"mail": "ada@acme.example"})

    recovered = add(acme, "ada@acme.example", recover=True, last_name="King", password="New-pass-2?")

    assert recovered == {**before, "last_name": "King"}
    assert deletelist(acme) == []
    assert rpc.login("ada@acme.example", "New-pass-2?").call("hello.innerworld") == "Hello Inner-World!"


def test_recover_drops_aliases_that_were_taken_meanwhile(acme: RawRpc, domain: str) -> None:
    acme.call("mail.set", {"mail": "ada@acme.example", "aliases": ["countess@acme.example"]})
    acme.call("mail.del", {"mail": "ada@acme.example"})
    acme.call("mail.set", {"mail": "bob@acme.example", "aliases": ["countess@acme.example"]})

    assert add(acme, "ada@acme.example", recover=True)["aliases"] == []


def test_recover_of_an_address_that_was_never_deleted_is_an_ordinary_add(acme: RawRpc, domain: str) -> None:
    assert add(acme, "eve@acme.example", recover=True)["mail"] == "eve@acme.example"


def test_refusing_emulator_refuses_a_deleted_address_until_it_is_purged(refusing: RawRpc) -> None:
    refusing.call("mail.del", {"mail": "ada@acme.example"})

    error = refusing.error("mail.add", {**MAILBOX, "mail": "ada@acme.example"})
    assert error["code"] == ADDRESS_DELETED
    assert "recover" in error["message"] and "domain.deletelist.delete" in error["message"]
    assert deletelist(refusing) == ["ada@acme.example"]

    refusing.call("domain.deletelist.delete", {"mail": "ada@acme.example"})
    assert add(refusing, "ada@acme.example")["memo"] == ""


def test_refusing_emulator_accepts_recover(refusing: RawRpc) -> None:
    refusing.call("mail.del", {"mail": "ada@acme.example"})

    assert (
        refusing.code("mail.add", {**MAILBOX, "mail": "ada@acme.example", "recover": False})
        == ADDRESS_DELETED
    )
    assert add(refusing, "ada@acme.example", recover=True)["memo"] == "hers"
    assert deletelist(refusing) == []


def test_deleting_the_domain_drops_its_delete_list(emulator: Emulator, acme: RawRpc, domain: str) -> None:
    acme.call("mail.del", {"mail": "ada@acme.example"})
    acme.call("mail.del", {"mail": "bob@acme.example"})
    acme.call("domain.del", {"account": "acme", "domain": domain})

    assert emulator.state.snapshot()["deleted"] == {}
    assert acme.code("domain.deletelist.search", {"domain": domain}) == NOT_FOUND


def test_an_invalid_readd_deleted_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="readd_deleted"):
        Emulator(readd_deleted="sometimes")  # type: ignore[arg-type]
