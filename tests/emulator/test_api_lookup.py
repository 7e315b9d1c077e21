"""search, test.accountallowed and test.domainallowed (reference §2.1, §4.2, §6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pulumi_mailboxorg.guesses import ERRORS

if TYPE_CHECKING:
    from conftest import RawRpc

INVALID_PARAMS = ERRORS["invalid_params"].code


@pytest.fixture
def world(rpc: RawRpc, reseller: RawRpc, acme: RawRpc, add_domain: Any, add_mail: Any) -> None:
    """acme (acme.example: ada@, bob@) and globex (globex.example: ada@), both the reseller's."""
    reseller.call("account.add", {"account": "globex", "password": "globex-pass", "plan": "basic"})
    globex = rpc.login("globex", "globex-pass")
    add_domain(acme, "acme", "acme.example")
    add_domain(globex, "globex", "globex.example")
    add_mail(acme, "ada@acme.example")
    add_mail(acme, "bob@acme.example")
    add_mail(globex, "ada@globex.example")


def names(found: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    keys = {"accounts": "account", "domains": "domain", "emails": "mail"}
    return {group: [entry[keys[group]] for entry in entries] for group, entries in found.items()}


@pytest.mark.usefixtures("world")
def test_search_finds_the_accounts_domains_and_addresses_a_reseller_may_see(reseller: RawRpc) -> None:
    assert names(reseller.call("search", {"query": "ACME"})) == {
        "accounts": ["acme"],
        "domains": ["acme.example"],
        "emails": ["ada@acme.example", "bob@acme.example"],
    }
    assert names(reseller.call("search", {"query": "ada"})) == {
        "accounts": [],
        "domains": [],
        "emails": ["ada@acme.example", "ada@globex.example"],
    }


@pytest.mark.usefixtures("world")
def test_search_shows_an_account_only_its_own_objects(acme: RawRpc) -> None:
    assert names(acme.call("search", {"query": "e"})) == {
        "accounts": ["acme"],
        "domains": ["acme.example"],
        "emails": ["ada@acme.example", "bob@acme.example"],
    }
    assert names(acme.call("search", {"query": "globex"})) == {"accounts": [], "domains": [], "emails": []}


@pytest.mark.usefixtures("world")
def test_search_at_domain_and_mail_level_reaches_only_that_domain_or_address(rpc: RawRpc) -> None:
    domain = rpc.login("acme.example", "domain-pass")
    mail = rpc.login("bob@acme.example", "Mail-pass-1")

    assert names(domain.call("search", {"query": "example"})) == {
        "accounts": [],
        "domains": ["acme.example"],
        "emails": ["ada@acme.example", "bob@acme.example"],
    }
    assert names(mail.call("search", {"query": "example"})) == {
        "accounts": [],
        "domains": [],
        "emails": ["bob@acme.example"],
    }


@pytest.mark.usefixtures("world")
def test_search_entries_are_short_unless_the_summary_or_extended_result_is_asked_for(acme: RawRpc) -> None:
    short = acme.call("search", {"query": "ada@acme"})
    long = acme.call(
        "search", {"query": "acme", "get_account_summary": True, "get_extended_mail_result": True}
    )

    assert short["emails"] == [{"mail": "ada@acme.example", "domain": "acme.example", "parent_uid": "acme"}]
    assert long["accounts"] == [acme.call("account.get", {"account": "acme"})]
    assert long["emails"][0] == acme.call("mail.get", {"mail": "ada@acme.example"})
    assert long["domains"] == [{"domain": "acme.example", "account": "acme"}]


def test_search_needs_a_session_and_a_query(rpc: RawRpc, acme: RawRpc) -> None:
    assert rpc.code("search", {"query": "acme"}) == 253
    assert acme.code("search", {}) == INVALID_PARAMS
    assert acme.code("search", {"search": "acme"}) == INVALID_PARAMS  # the old, wrong key


@pytest.mark.usefixtures("world")
def test_accountallowed_is_true_only_for_an_existing_account_the_session_may_administrate(
    rpc: RawRpc, reseller: RawRpc, acme: RawRpc
) -> None:
    allowed = {
        (who, account): session.call("test.accountallowed", {"account": account})
        for who, session in (("reseller", reseller), ("acme", acme))
        for account in ("acme", "globex", "nobody")
    }

    assert allowed == {
        ("reseller", "acme"): True,
        ("reseller", "globex"): True,
        ("reseller", "nobody"): False,
        ("acme", "acme"): True,
        ("acme", "globex"): False,
        ("acme", "nobody"): False,
    }
    assert rpc.login("acme.example", "domain-pass").call("test.accountallowed", {"account": "acme"}) is False


@pytest.mark.usefixtures("world")
def test_domainallowed_is_true_only_for_an_existing_domain_the_session_may_administrate(
    rpc: RawRpc, reseller: RawRpc, acme: RawRpc
) -> None:
    domain = rpc.login("acme.example", "domain-pass")
    mail = rpc.login("ada@acme.example", "Mail-pass-1")
    sessions = {"reseller": reseller, "acme": acme, "domain": domain, "mail": mail}
    allowed = {
        who: [
            session.call("test.domainallowed", {"domain": name})
            for name in ("ACME.example", "globex.example", "none.example")
        ]
        for who, session in sessions.items()
    }

    assert allowed == {
        "reseller": [True, True, False],
        "acme": [True, False, False],
        "domain": [True, False, False],
        "mail": [False, False, False],
    }


def test_the_allowed_tests_need_a_session_and_their_parameter(rpc: RawRpc, acme: RawRpc) -> None:
    assert rpc.code("test.accountallowed", {"account": "acme"}) == 253
    assert rpc.code("test.domainallowed", {"domain": "acme.example"}) == 253
    assert acme.code("test.accountallowed", {}) == INVALID_PARAMS
    assert acme.code("test.domainallowed", {"domain": 5}) == INVALID_PARAMS
