"""domain.add/get/set/del/list and context.list of the emulator (reference §2.4, §2.5, §4.3, §4.6),
including the ownership check: error 218 until the TXT record is visible over real DNS."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import dns.query
import dns.rcode
import dns.update
import pytest

from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.emulator.dns_server import AuthoritativeServer
from pulumi_mailboxorg.guesses import ERRORS

if TYPE_CHECKING:
    from conftest import RawRpc

NOT_FOUND = ERRORS["not_found"].code
ALREADY_EXISTS = ERRORS["already_exists"].code
PERMISSION_DENIED = ERRORS["permission_denied"].code
INVALID_PARAMS = ERRORS["invalid_params"].code
DOMAIN_NOT_EMPTY = ERRORS["domain_not_empty"].code

ADD_ACME = {"account": "acme", "domain": "acme.example", "password": "domain-pass"}


def publish_with_dns_update(emulator: Emulator, zone: str, host: str, txt: str) -> None:
    """Publish a TXT record the way a person would with nsupdate: an RFC 2136 UPDATE."""
    update = dns.update.UpdateMessage(zone)
    update.add(host + ".", 60, "TXT", f'"{txt}"')
    response = dns.query.tcp(update, emulator.dns_host, port=emulator.dns_port, timeout=5)
    assert response.rcode() == dns.rcode.NOERROR


# ------------------------------------------------------------------------------ ownership check


def test_domain_add_answers_218_with_the_txt_record_to_publish(emulator: Emulator, acme: RawRpc) -> None:
    error = acme.error("domain.add", ADD_ACME)

    assert error["code"] == 218
    assert error["message"] == "The DNS TXT record does not contain the correct data"
    assert re.fullmatch(r"[0-9a-f]{40}\.acme\.example", error["data"]["host"])
    assert re.fullmatch(r"[0-9a-f]{40}", error["data"]["txt"])
    assert (error["data"]["host"], error["data"]["txt"]) == emulator.challenge("acme", "acme.example")


def test_domain_add_succeeds_once_the_txt_record_is_published_with_dns_update(
    emulator: Emulator, acme: RawRpc
) -> None:
    data = acme.error("domain.add", ADD_ACME)["data"]

    publish_with_dns_update(emulator, "acme.example", data["host"], data["txt"])
    added = acme.call("domain.add", ADD_ACME)

    assert added["domain"] == "acme.example"
    assert emulator.dns_server.queries[(data["host"], "TXT", "udp")] == 2


def test_the_challenge_is_stable_per_account_and_domain(emulator: Emulator, acme: RawRpc) -> None:
    first = acme.error("domain.add", ADD_ACME)["data"]
    second = acme.error("domain.add", ADD_ACME)["data"]

    assert first == second
    assert emulator.challenge("acme", "acme.example") != emulator.challenge("globex", "acme.example")
    assert emulator.challenge("acme", "acme.example") != emulator.challenge("acme", "other.example")


def test_seeded_emulators_ask_for_the_same_challenge() -> None:
    with Emulator(seed=7) as first, Emulator(seed=7) as second:
        assert first.challenge("acme", "acme.example") == second.challenge("acme", "acme.example")


def test_a_txt_record_with_the_wrong_value_is_not_accepted(emulator: Emulator, acme: RawRpc) -> None:
    host, _ = emulator.challenge("acme", "acme.example")
    emulator.dns_server.add_record(host, "TXT", '"0000000000000000000000000000000000000000"')

    assert acme.code("domain.add", ADD_ACME) == 218


def test_the_txt_check_switches_to_tcp_when_the_udp_answer_is_truncated(
    emulator: Emulator, acme: RawRpc
) -> None:
    host, txt = emulator.challenge("acme", "acme.example")
    padding = [f'"{"x" * 200}-{number}"' for number in range(6)]  # about 1.2 kB of other TXT records
    emulator.dns_server.add_record(host, "TXT", f'"{txt}"', *padding)
    emulator.dns_server.max_udp_payload = 512

    assert acme.call("domain.add", ADD_ACME)["domain"] == "acme.example"
    assert emulator.dns_server.queries[(host, "TXT", "tcp")] == 1


def test_the_txt_check_asks_the_configured_nameserver(rpc_for: Callable[[Emulator], RawRpc]) -> None:
    with (
        AuthoritativeServer() as elsewhere,
        Emulator(accounts=["acme:acme-pass"], dns_nameserver=(elsewhere.host, elsewhere.port)) as emu,
    ):
        acme = rpc_for(emu).login("acme", "acme-pass")
        host, txt = emu.challenge("acme", "acme.example")
        emu.publish_challenge("acme", "acme.example")  # in the embedded server: not asked

        assert acme.code("domain.add", ADD_ACME) == 218

        elsewhere.ensure_zone("acme.example")
        elsewhere.add_record(host, "TXT", f'"{txt}"')

        assert acme.call("domain.add", ADD_ACME)["domain"] == "acme.example"


def test_an_unreachable_nameserver_means_the_record_is_not_visible(
    rpc_for: Callable[[Emulator], RawRpc],
) -> None:
    with AuthoritativeServer() as stopped:
        address = (stopped.host, stopped.port)
    with Emulator(accounts=["acme:acme-pass"], dns_nameserver=address, dns_timeout=0.3) as emu:
        acme = rpc_for(emu).login("acme", "acme-pass")

        assert acme.code("domain.add", ADD_ACME) == 218


def test_a_failed_lookup_is_cached_for_the_negative_cache_ttl(rpc_for: Callable[[Emulator], RawRpc]) -> None:
    with Emulator(accounts=["acme:acme-pass"], negative_cache_ttl=0.5) as emu:
        acme = rpc_for(emu).login("acme", "acme-pass")
        host, _ = emu.challenge("acme", "acme.example")
        assert acme.code("domain.add", ADD_ACME) == 218

        emu.publish_challenge("acme", "acme.example")

        assert acme.code("domain.add", ADD_ACME) == 218  # still the cached failure
        assert emu.dns_server.queries[(host, "TXT", "udp")] == 1

        time.sleep(0.6)

        assert acme.call("domain.add", ADD_ACME)["domain"] == "acme.example"
        assert emu.dns_server.queries[(host, "TXT", "udp")] == 2


def test_domain_add_skips_the_txt_check_when_verification_is_off(
    rpc_for: Callable[[Emulator], RawRpc],
) -> None:
    with Emulator(accounts=["acme:acme-pass"], require_dns_verification=False) as emu:
        acme = rpc_for(emu).login("acme", "acme-pass")

        assert acme.call("domain.add", ADD_ACME)["domain"] == "acme.example"


def test_the_zone_of_an_asked_for_domain_is_served_by_the_embedded_dns(
    emulator: Emulator, acme: RawRpc
) -> None:
    acme.error("domain.add", ADD_ACME)

    assert emulator.dns_server.records("acme.example", "SOA")


# ------------------------------------------------------------------------------ domain.add rules


def test_domain_add_returns_what_domain_get_returns(acme: RawRpc, add_domain: Any) -> None:
    added = add_domain(acme, "acme", "acme.example", memo="main domain")

    assert added == acme.call("domain.get", {"domain": "acme.example"})
    assert added == {
        "domain": "acme.example",
        "account": "acme",
        "context_id": added["context_id"],
        "memo": "main domain",
        "count_mails": 0,
    }
    assert added["context_id"].isdigit()


def test_domain_names_are_case_insensitive(acme: RawRpc, add_domain: Any) -> None:
    add_domain(acme, "acme", "acme.example")

    assert acme.call("domain.get", {"domain": "ACME.Example"})["domain"] == "acme.example"


def test_domain_add_refuses_a_domain_that_exists_in_any_account(
    reseller: RawRpc, acme: RawRpc, add_domain: Any
) -> None:
    add_domain(acme, "acme", "acme.example")
    reseller.call("account.add", {"account": "globex", "password": "pw", "plan": "basic"})

    assert acme.code("domain.add", ADD_ACME) == ALREADY_EXISTS
    assert reseller.code("domain.add", {**ADD_ACME, "account": "globex"}) == ALREADY_EXISTS


def test_domain_add_for_another_account_is_denied(reseller: RawRpc, acme: RawRpc) -> None:
    reseller.call("account.add", {"account": "globex", "password": "pw", "plan": "basic"})

    assert acme.code("domain.add", {**ADD_ACME, "account": "globex"}) == PERMISSION_DENIED
    assert acme.code("domain.add", {**ADD_ACME, "account": "nobody"}) == NOT_FOUND


def test_a_reseller_adds_domains_to_its_accounts(reseller: RawRpc, add_domain: Any) -> None:
    assert add_domain(reseller, "acme", "acme.example")["account"] == "acme"


@pytest.mark.parametrize(
    "domain", ["localhost", "-bad.example", "bad..example", "acme.example.", "ac me.example"]
)
def test_domain_add_refuses_invalid_domain_names(acme: RawRpc, domain: str) -> None:
    assert acme.code("domain.add", {**ADD_ACME, "domain": domain}) == INVALID_PARAMS


# ------------------------------------------------------------------------------ contexts


def test_each_domain_without_context_option_gets_a_new_context(acme: RawRpc, add_domain: Any) -> None:
    first = add_domain(acme, "acme", "acme.example")
    second = add_domain(acme, "acme", "other.example")

    assert first["context_id"] != second["context_id"]


def test_domain_add_with_create_new_context_id_gets_a_new_context(acme: RawRpc, add_domain: Any) -> None:
    first = add_domain(acme, "acme", "acme.example")
    second = add_domain(acme, "acme", "other.example", create_new_context_id=True)

    assert first["context_id"] != second["context_id"]


def test_domain_add_with_context_id_joins_that_context(acme: RawRpc, add_domain: Any) -> None:
    first = add_domain(acme, "acme", "acme.example")
    second = add_domain(acme, "acme", "other.example", context_id=first["context_id"])

    assert second["context_id"] == first["context_id"]
    assert acme.call("context.list", {"account": "acme"}) == {
        first["context_id"]: ["acme.example", "other.example"]
    }


def test_domain_add_refuses_a_context_of_another_account_or_an_unknown_one(
    emulator: Emulator, reseller: RawRpc, acme: RawRpc, add_domain: Any
) -> None:
    reseller.call("account.add", {"account": "globex", "password": "pw", "plan": "basic"})
    foreign = add_domain(reseller, "globex", "globex.example")["context_id"]
    emulator.publish_challenge("acme", "acme.example")

    assert acme.code("domain.add", {**ADD_ACME, "context_id": foreign}) == NOT_FOUND
    assert acme.code("domain.add", {**ADD_ACME, "context_id": "999999"}) == NOT_FOUND


def test_domain_add_refuses_both_context_options_at_once(acme: RawRpc, add_domain: Any) -> None:
    context_id = add_domain(acme, "acme", "acme.example")["context_id"]
    params = {**ADD_ACME, "domain": "other.example", "context_id": context_id, "create_new_context_id": True}

    assert acme.code("domain.add", params) == INVALID_PARAMS


def test_context_list_maps_context_ids_to_their_domains(acme: RawRpc, add_domain: Any) -> None:
    assert acme.call("context.list", {"account": "acme"}) == {}
    first = add_domain(acme, "acme", "b.example")["context_id"]
    add_domain(acme, "acme", "a.example", context_id=first)
    second = add_domain(acme, "acme", "c.example")["context_id"]

    assert acme.call("context.list", {"account": "acme"}) == {
        first: ["a.example", "b.example"],
        second: ["c.example"],
    }


def test_a_context_without_domains_is_no_longer_listed_but_stays_usable(
    acme: RawRpc, add_domain: Any
) -> None:
    context_id = add_domain(acme, "acme", "acme.example")["context_id"]
    acme.call("domain.del", {"account": "acme", "domain": "acme.example"})

    assert acme.call("context.list", {"account": "acme"}) == {}
    assert add_domain(acme, "acme", "other.example", context_id=context_id)["context_id"] == context_id


def test_context_list_of_another_account_is_denied(reseller: RawRpc, acme: RawRpc) -> None:
    reseller.call("account.add", {"account": "globex", "password": "pw", "plan": "basic"})

    assert acme.code("context.list", {"account": "globex"}) == PERMISSION_DENIED


# ------------------------------------------------------------------------------ get, list, set


def test_domain_list_gives_every_domain_of_the_account_with_its_mail_count(
    acme: RawRpc, add_domain: Any, add_mail: Any
) -> None:
    add_domain(acme, "acme", "b.example")
    add_domain(acme, "acme", "a.example")
    add_mail(acme, "ada@b.example")
    add_mail(acme, "bob@b.example")

    listed = acme.call("domain.list", {"account": "acme"})

    assert [(item["domain"], item["count_mails"]) for item in listed] == [("a.example", 0), ("b.example", 2)]
    assert set(listed[0]) == {"domain", "count_mails", "account", "context_id", "memo"}
    assert [item["domain"] for item in acme.call("domain.list", {"account": "acme", "filter": "b."})] == [
        "b.example"
    ]


def test_domain_get_of_a_foreign_or_missing_domain_fails(
    reseller: RawRpc, acme: RawRpc, add_domain: Any
) -> None:
    reseller.call("account.add", {"account": "globex", "password": "pw", "plan": "basic"})
    add_domain(reseller, "globex", "globex.example")

    assert acme.code("domain.get", {"domain": "globex.example"}) == PERMISSION_DENIED
    assert acme.code("domain.get", {"domain": "missing.example"}) == NOT_FOUND


def test_domain_set_changes_only_the_given_fields(rpc: RawRpc, acme: RawRpc, add_domain: Any) -> None:
    before = add_domain(acme, "acme", "acme.example", memo="old")

    after = acme.call("domain.set", {"domain": "acme.example", "password": "new-domain-pass"})

    assert after == before
    assert acme.call("domain.set", {"domain": "acme.example", "memo": "new"}) == {**before, "memo": "new"}
    assert rpc.call("auth", {"user": "acme.example", "pass": "new-domain-pass"})["level"] == "domain"


def test_domain_set_moves_the_domain_between_contexts(acme: RawRpc, add_domain: Any) -> None:
    first = add_domain(acme, "acme", "acme.example")["context_id"]
    second = add_domain(acme, "acme", "other.example")["context_id"]

    moved = acme.call("domain.set", {"domain": "other.example", "context_id": first})
    fresh = acme.call("domain.set", {"domain": "acme.example", "create_new_context_id": True})

    assert moved["context_id"] == first
    assert fresh["context_id"] not in (first, second)


def test_a_domain_level_session_may_change_memo_but_not_context(
    rpc: RawRpc, acme: RawRpc, add_domain: Any
) -> None:
    add_domain(acme, "acme", "acme.example")
    domain = rpc.login("acme.example", "domain-pass")

    assert domain.call("domain.set", {"domain": "acme.example", "memo": "by domain"})["memo"] == "by domain"
    assert (
        domain.code("domain.set", {"domain": "acme.example", "create_new_context_id": True})
        == PERMISSION_DENIED
    )


# ------------------------------------------------------------------------------ domain.del


def test_domain_del_deletes_an_empty_domain(acme: RawRpc, add_domain: Any) -> None:
    add_domain(acme, "acme", "acme.example")

    assert acme.call("domain.del", {"account": "acme", "domain": "acme.example"}) is True
    assert acme.code("domain.get", {"domain": "acme.example"}) == NOT_FOUND


def test_domain_del_refuses_while_mail_addresses_remain(acme: RawRpc, add_domain: Any, add_mail: Any) -> None:
    add_domain(acme, "acme", "acme.example")
    add_mail(acme, "ada@acme.example")

    assert acme.code("domain.del", {"account": "acme", "domain": "acme.example"}) == DOMAIN_NOT_EMPTY
    assert acme.call("mail.get", {"mail": "ada@acme.example"})["mail"] == "ada@acme.example"


def test_recursive_domain_delete_deletes_the_mail_addresses_too(
    rpc_for: Callable[[Emulator], RawRpc],
) -> None:
    with Emulator(accounts=["acme:acme-pass"], recursive_domain_delete=True) as emu:
        acme = rpc_for(emu).login("acme", "acme-pass")
        emu.publish_challenge("acme", "acme.example")
        acme.call("domain.add", ADD_ACME)
        acme.call(
            "mail.add",
            {
                "mail": "ada@acme.example",
                "password": "Mail-pass-1",
                "plan": "light",
                "first_name": "A",
                "last_name": "L",
                "inboxsave": True,
                "forwards": [],
            },
        )

        assert acme.call("domain.del", {"account": "acme", "domain": "acme.example"}) is True
        assert acme.code("mail.get", {"mail": "ada@acme.example"}) == NOT_FOUND


def test_domain_del_needs_the_owning_account(reseller: RawRpc, acme: RawRpc, add_domain: Any) -> None:
    add_domain(acme, "acme", "acme.example")
    reseller.call("account.add", {"account": "globex", "password": "pw", "plan": "basic"})

    assert reseller.code("domain.del", {"account": "globex", "domain": "acme.example"}) == NOT_FOUND
    assert acme.code("domain.del", {"account": "acme", "domain": "missing.example"}) == NOT_FOUND


def test_deleting_a_domain_ends_its_domain_level_sessions(rpc: RawRpc, acme: RawRpc, add_domain: Any) -> None:
    add_domain(acme, "acme", "acme.example")
    domain = rpc.login("acme.example", "domain-pass")

    acme.call("domain.del", {"account": "acme", "domain": "acme.example"})

    assert domain.code("hello.innerworld") == 253
