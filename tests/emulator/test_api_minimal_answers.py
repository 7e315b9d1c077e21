"""minimal_answers: domain answers carry only the documented fields (reference §2.5, §6)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from pulumi_mailboxorg.emulator import Emulator

if TYPE_CHECKING:
    from conftest import RawRpc

ADD = {"account": "acme", "domain": "acme.example", "password": "pw", "memo": "first"}


@pytest.fixture
def minimal(rpc_for: Callable[[Emulator], RawRpc]) -> Iterator[tuple[Emulator, RawRpc]]:
    with Emulator(
        accounts=[("acme", "acme-pass")], require_dns_verification=False, minimal_answers=True
    ) as emu:
        yield emu, rpc_for(emu).login("acme", "acme-pass")


def test_domain_add_and_domain_set_answer_true(minimal: tuple[Emulator, RawRpc]) -> None:
    emu, acme = minimal

    assert acme.call("domain.add", ADD) is True
    assert acme.call("domain.set", {"domain": "acme.example", "memo": "second"}) is True
    assert emu.state.snapshot()["domains"]["acme.example"]["memo"] == "second"  # the change happened


def test_domain_get_answers_only_the_memo(minimal: tuple[Emulator, RawRpc]) -> None:
    _, acme = minimal
    acme.call("domain.add", ADD)

    assert acme.call("domain.get", {"domain": "acme.example"}) == {"memo": "first"}


def test_domain_list_entries_carry_only_domain_and_count_mails(minimal: tuple[Emulator, RawRpc]) -> None:
    _, acme = minimal
    acme.call("domain.add", ADD)

    assert acme.call("domain.list", {"account": "acme"}) == [{"domain": "acme.example", "count_mails": 0}]


def test_context_ids_remain_visible_through_context_list(minimal: tuple[Emulator, RawRpc]) -> None:
    emu, acme = minimal
    acme.call("domain.add", ADD)
    (context_id,) = acme.call("context.list", {"account": "acme"})
    acme.call("domain.add", {**ADD, "domain": "beta.example", "context_id": context_id})
    assert acme.call("context.list", {"account": "acme"}) == {context_id: ["acme.example", "beta.example"]}

    assert acme.call("domain.set", {"domain": "beta.example", "create_new_context_id": True}) is True
    contexts = acme.call("context.list", {"account": "acme"})

    assert contexts[context_id] == ["acme.example"]
    assert sorted(contexts) == sorted(emu.state.snapshot()["contexts"]["acme"])
    assert len(contexts) == 2


def test_by_default_domain_answers_carry_every_field(acme: RawRpc, add_domain: object) -> None:
    added = add_domain(acme, "acme", "acme.example")  # type: ignore[operator]

    assert {"domain", "account", "context_id", "memo", "count_mails"} <= set(added)
    assert (
        acme.call("domain.set", {"domain": "acme.example", "memo": "m"})["context_id"] == added["context_id"]
    )
