"""The completeness guess of an unpaginated mail.list: at most ``unpaged_limit`` entries."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from pulumi_mailboxorg.emulator import Emulator

if TYPE_CHECKING:
    from conftest import RawRpc

ACME = ("acme", "acme-pass", "account")


def populate(emu: Emulator, count: int) -> list[str]:
    """acme.example with ``count`` mailboxes m000@... (added out of band); their addresses in order."""
    emu.state.call_as("acme", "domain.add", {"account": "acme", "domain": "acme.example", "password": "pw"})
    addresses = [f"m{index:03d}@acme.example" for index in range(count)]
    for address in reversed(addresses):
        params = {"mail": address, "password": "Mail-pass-1!", "plan": "light", "first_name": "A"}
        emu.state.call_as("acme", "mail.add", {**params, "last_name": "B", "inboxsave": True, "forwards": []})
    return addresses


def listed(rpc: RawRpc, **params: object) -> list[str]:
    return [entry["mail"] for entry in rpc.call("mail.list", {"domain": "acme.example", **params})]


def test_an_unpaginated_mail_list_returns_at_most_100_entries_by_default(
    rpc_for: Callable[[Emulator], RawRpc],
) -> None:
    with Emulator(accounts=[ACME], require_dns_verification=False) as emu:
        addresses = populate(emu, 101)
        acme = rpc_for(emu).login("acme", "acme-pass")

        assert listed(acme) == addresses[:100]


def test_an_unpaginated_mail_list_is_cut_to_the_first_entries_in_the_requested_order(
    rpc_for: Callable[[Emulator], RawRpc],
) -> None:
    with Emulator(accounts=[ACME], require_dns_verification=False, unpaged_limit=3) as emu:
        addresses = populate(emu, 5)
        acme = rpc_for(emu).login("acme", "acme-pass")

        assert listed(acme) == addresses[:3]
        assert listed(acme, sort_order="desc") == addresses[::-1][:3]


def test_paging_sees_every_entry_beyond_the_unpaged_limit(rpc_for: Callable[[Emulator], RawRpc]) -> None:
    with Emulator(accounts=[ACME], require_dns_verification=False, unpaged_limit=3) as emu:
        addresses = populate(emu, 5)
        acme = rpc_for(emu).login("acme", "acme-pass")
        pages = [
            acme.call("mail.list", {"domain": "acme.example", "page": page, "page_size": 2})
            for page in (1, 2, 3)
        ]

    assert [(page["totalHits"], page["totalPages"]) for page in pages] == [(5, 3)] * 3
    assert [entry["mail"] for page in pages for entry in page["results"]] == addresses


def test_the_unpaged_limit_can_be_changed_on_a_running_emulator(
    rpc_for: Callable[[Emulator], RawRpc],
) -> None:
    with Emulator(accounts=[ACME], require_dns_verification=False) as emu:
        addresses = populate(emu, 4)
        acme = rpc_for(emu).login("acme", "acme-pass")
        assert listed(acme) == addresses

        emu.state.unpaged_limit = 1

        assert listed(acme) == addresses[:1]


@pytest.mark.parametrize("limit", [-1, 2.5, True])
def test_an_invalid_unpaged_limit_is_refused(limit: object) -> None:
    with pytest.raises(ValueError, match="unpaged_limit"):
        Emulator(unpaged_limit=limit)  # type: ignore[arg-type]
