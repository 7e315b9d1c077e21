"""Mailbox refresh through one ``mail.list`` per domain (``pulumi_mailboxorg.mailbox._MailListCache``).

Unit tests drive the cache with a scripted client (no HTTP); the last tests refresh real stacks
through the engine-protocol harness against the emulator.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from harness import HostPool
from pulumi_mailboxorg import mailbox
from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.errors import ApiError
from pulumi_mailboxorg.mailbox import _MailListCache
from resources.support import mailbox as mailbox_res
from resources.support import make_stack

FIELDS = {
    "mail": "",
    "domain": "example.com",
    "parent_uid": "acme",
    "plan": "standard",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "forwards": [],
    "aliases": [],
    "memo": "",
    "active": True,
}


def mail_object(address: str, **fields: Any) -> dict[str, Any]:
    return {**FIELDS, "mail": address, **fields}


class ScriptedClient:
    """Answers ``mail.list`` of example.com from ``listing`` (paged, as the provider asks); counts calls;
    may block in mail.list."""

    username = "acme"
    level = "account"

    def __init__(self, listing: list[dict[str, Any]] | None = None) -> None:
        self.listing = (
            listing if listing is not None else [mail_object(f"u{i}@example.com") for i in range(5)]
        )
        self.calls: Counter[str] = Counter()
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()
        self.during_list: Callable[[], None] = lambda: None
        self.fail: Exception | None = None

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self.calls[method] += 1
        if method == "mail.list":
            self.entered.set()
            self.release.wait(10)
            self.during_list()
            if self.fail is not None:
                raise self.fail
            entries = [dict(entry) for entry in self.listing]
            assert params is not None and params["page"] == 1 and params["page_size"] >= len(entries)
            return {"totalHits": len(entries), "totalPages": 1, "results": entries}
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def seen(cache: _MailListCache, client: ScriptedClient, address: str = "u0@example.com") -> None:
    """A first read answered by mail.get, as MailboxProvider.read records it."""
    cache.saw(client, address, mail_object(address))  # type: ignore[arg-type]


def test_a_lone_refresh_is_left_to_mail_get() -> None:
    cache, client = _MailListCache(), ScriptedClient()
    assert cache.entry(client, "u0@example.com") is None  # type: ignore[arg-type]
    assert client.calls == Counter()


def test_the_second_address_of_a_domain_fetches_one_listing_for_all_the_others() -> None:
    cache, client = _MailListCache(), ScriptedClient()
    seen(cache, client)
    entries = [cache.entry(client, f"u{i}@example.com") for i in range(1, 5)]  # type: ignore[arg-type]
    assert [e["mail"] for e in entries if e is not None] == [f"u{i}@example.com" for i in range(1, 5)]
    assert client.calls == Counter({"mail.list": 1})


def test_an_address_missing_from_the_listing_falls_back_to_mail_get() -> None:
    cache, client = _MailListCache(), ScriptedClient()
    seen(cache, client)
    assert cache.entry(client, "gone@example.com") is None  # type: ignore[arg-type]


def test_an_entry_lacking_a_field_that_mail_get_gave_is_not_used() -> None:
    listing = [{k: v for k, v in mail_object("u1@example.com").items() if k != "first_name"}]
    cache, client = _MailListCache(), ScriptedClient(listing)
    seen(cache, client)
    assert cache.entry(client, "u1@example.com") is None  # type: ignore[arg-type]


def test_a_failing_listing_falls_back_to_mail_get() -> None:
    cache, client = _MailListCache(), ScriptedClient()
    client.fail = ApiError("mail.list", 2, "Access denied")
    seen(cache, client)
    assert cache.entry(client, "u1@example.com") is None  # type: ignore[arg-type]


def test_the_listing_expires_after_its_lifetime() -> None:
    clock = Clock()
    cache, client = _MailListCache(ttl=5.0, clock=clock), ScriptedClient()
    seen(cache, client)
    assert cache.entry(client, "u1@example.com") is not None  # type: ignore[arg-type]
    clock.now += 4.0
    assert cache.entry(client, "u2@example.com") is not None  # type: ignore[arg-type]
    assert client.calls["mail.list"] == 1
    clock.now += 2.0  # the listing and the mail.get it followed are both older than 5 s
    assert cache.entry(client, "u3@example.com") is None  # type: ignore[arg-type]


def test_a_mutation_invalidates_the_listing() -> None:
    cache, client = _MailListCache(), ScriptedClient()
    seen(cache, client)
    assert cache.entry(client, "u1@example.com") is not None  # type: ignore[arg-type]
    cache.invalidate()
    client.listing = [mail_object("u2@example.com", memo="changed")]
    entry = cache.entry(client, "u2@example.com")  # type: ignore[arg-type]
    assert entry is not None and entry["memo"] == "changed"
    assert client.calls["mail.list"] == 2


def test_a_listing_fetched_while_a_mutation_ran_is_neither_used_nor_kept() -> None:
    cache, client = _MailListCache(), ScriptedClient()
    seen(cache, client)
    client.during_list = cache.invalidate  # a mail.set in another thread, answered during the fetch
    assert cache.entry(client, "u1@example.com") is None  # type: ignore[arg-type]
    client.during_list = lambda: None
    assert cache.entry(client, "u1@example.com") is not None  # type: ignore[arg-type]
    assert client.calls["mail.list"] == 2


def test_mailbox_mutations_invalidate_the_process_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    cache, client = _MailListCache(), ScriptedClient()
    monkeypatch.setattr(mailbox, "_LIST_CACHE", cache)
    seen(cache, client)
    client.during_list = lambda: mailbox._mutate(client, "mail.set", {"mail": "u1@example.com"})  # type: ignore[arg-type]
    assert cache.entry(client, "u1@example.com") is None  # type: ignore[arg-type]


def test_concurrent_readers_of_one_domain_share_one_fetch() -> None:
    cache, client = _MailListCache(), ScriptedClient()
    seen(cache, client)
    client.release.clear()
    results: list[dict[str, Any] | None] = []
    threads = [
        threading.Thread(target=lambda i=i: results.append(cache.entry(client, f"u{i}@example.com")))  # type: ignore[arg-type]
        for i in range(1, 5)
    ]
    for thread in threads:
        thread.start()
    assert client.entered.wait(5)
    client.release.set()
    for thread in threads:
        thread.join(5)
    assert len(results) == 4 and all(r is not None for r in results)
    assert client.calls == Counter({"mail.list": 1})


def test_different_logins_do_not_share_listings() -> None:
    cache, first, second = _MailListCache(), ScriptedClient(), ScriptedClient()
    seen(cache, first)
    assert cache.entry(first, "u1@example.com") is not None  # type: ignore[arg-type]
    assert cache.entry(second, "u1@example.com") is None  # type: ignore[arg-type]
    assert second.calls == Counter()


# -- through the engine protocol --------------------------------------------------------------------


def _domain_with_mailboxes(emulator: Emulator, host_pool: HostPool, count: int) -> Any:
    emulator.publish_challenge("acme", "example.com")
    emulator.state.call_as(
        "acme", "domain.add", {"account": "acme", "domain": "example.com", "password": "d-1"}
    )
    stack = make_stack(host_pool, emulator)
    stack.up({f"m{i}": mailbox_res(f"u{i}@example.com", memo="a") for i in range(count)})
    return stack


def test_refreshing_five_mailboxes_of_a_domain_costs_one_mail_get_and_one_mail_list(
    emulator: Emulator, host_pool: HostPool
) -> None:
    stack = _domain_with_mailboxes(emulator, host_pool, 5)
    before = {name: state.outputs for name, state in stack.resources.items()}
    emulator.state.call_as("acme", "mail.set", {"mail": "u3@example.com", "memo": "out of band"})
    emulator.reset_counters()
    result = stack.refresh()
    # The login, and the logout at process exit (SIGINT shutdown runs the exit handlers).
    assert emulator.calls - Counter({"auth": 1, "deauth": 1}) == Counter({"mail.get": 1, "mail.list": 1})
    assert stack["m3"].outputs["memo"] == "out of band"
    assert {n: s.outputs for n, s in stack.resources.items() if n != "m3"} == {
        n: o for n, o in before.items() if n != "m3"
    }
    assert result.operations["m3"] == "update"


def test_a_mailbox_deleted_out_of_band_is_still_found_gone_on_refresh(
    emulator: Emulator, host_pool: HostPool
) -> None:
    stack = _domain_with_mailboxes(emulator, host_pool, 3)
    emulator.state.call_as("acme", "mail.del", {"mail": "u2@example.com"})
    stack.refresh()
    assert sorted(stack.resources) == ["m0", "m1"]
