"""mail.add/get/set/del/list of the emulator (reference §2.6, §2.7, §4.4 to §4.6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pulumi_mailboxorg.guesses import ERRORS

if TYPE_CHECKING:
    from conftest import RawRpc

NOT_FOUND = ERRORS["not_found"].code
ALREADY_EXISTS = ERRORS["already_exists"].code
PERMISSION_DENIED = ERRORS["permission_denied"].code
INVALID_PARAMS = ERRORS["invalid_params"].code


def mailbox(address: str, **params: Any) -> dict[str, Any]:
    """Complete mail.add parameters for ``address``, overridden by ``params``."""
    complete = {
        "mail": address,
        "password": "Mail-pass-1",
        "plan": "light",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "inboxsave": True,
        "forwards": [],
    }
    return {**complete, **params}


@pytest.fixture
def domain(acme: RawRpc, add_domain: Any) -> str:
    """acme's domain acme.example."""
    add_domain(acme, "acme", "acme.example")
    return "acme.example"


def test_mail_add_returns_what_mail_get_returns(acme: RawRpc, domain: str, add_mail: Any) -> None:
    added = add_mail(acme, "ada@acme.example", memo="first", plan="premium", city="London")

    assert added == acme.call("mail.get", {"mail": "ada@acme.example"})
    assert (added["mail"], added["domain"], added["parent_uid"]) == (
        "ada@acme.example",
        "acme.example",
        "acme",
    )
    assert (added["type"], added["plan"], added["memo"], added["city"]) == (
        "inbox",
        "premium",
        "first",
        "London",
    )
    assert (added["forwards"], added["aliases"], added["active"]) == ([], [], True)
    assert added["creation_date"]


def test_mail_objects_never_contain_a_password(acme: RawRpc, domain: str, add_mail: Any) -> None:
    add_mail(acme, "ada@acme.example", password="Very-secret-1")
    add_mail(acme, "bob@acme.example", password=None, password_hash="$6$hash-secret")
    acme.call("mail.set", {"mail": "ada@acme.example", "password": "Other-secret-1"})

    listed = acme.call("mail.list", {"domain": "acme.example"})

    for secret in ("Very-secret-1", "hash-secret", "Other-secret-1"):
        assert secret not in str(listed)
    assert all({"password", "password_hash"}.isdisjoint(item) for item in listed)


@pytest.mark.parametrize(
    ("inboxsave", "forwards", "expected"),
    [
        (True, [], "inbox"),
        (True, ["ada@elsewhere.example"], "inboxforward"),
        (False, ["ada@elsewhere.example"], "forward"),
        (False, [], "inbox"),
    ],
)
def test_the_mail_type_follows_inboxsave_and_forwards(
    acme: RawRpc, domain: str, add_mail: Any, inboxsave: bool, forwards: list[str], expected: str
) -> None:
    assert add_mail(acme, "ada@acme.example", inboxsave=inboxsave, forwards=forwards)["type"] == expected


def test_mail_addresses_are_case_insensitive(acme: RawRpc, domain: str, add_mail: Any) -> None:
    assert add_mail(acme, "Ada@ACME.example")["mail"] == "ada@acme.example"

    assert acme.call("mail.get", {"mail": "ADA@acme.example"})["mail"] == "ada@acme.example"


def test_mail_add_refuses_an_existing_address(acme: RawRpc, domain: str, add_mail: Any) -> None:
    add_mail(acme, "ada@acme.example")

    assert acme.code("mail.add", mailbox("ada@acme.example")) == ALREADY_EXISTS


def test_mail_add_needs_a_domain_of_the_caller(
    reseller: RawRpc, acme: RawRpc, add_domain: Any, add_mail: Any
) -> None:
    reseller.call("account.add", {"account": "globex", "password": "pw", "plan": "basic"})
    add_domain(reseller, "globex", "globex.example")

    assert acme.code("mail.add", mailbox("ada@globex.example")) == PERMISSION_DENIED
    assert acme.code("mail.add", mailbox("ada@missing.example")) == NOT_FOUND


@pytest.mark.parametrize(
    "params",
    [
        {"mail": "not-an-address"},
        {"plan": "gold"},
        {"password": None},
        {"password_hash": "$6$x"},
        {"forwards": ["not-an-address"]},
        {"forwards": "ada@elsewhere.example"},
        {"inboxsave": "true"},
        {"additional_mail_quota": "-5"},
    ],
    ids=repr,
)
def test_mail_add_refuses_invalid_parameters(acme: RawRpc, domain: str, params: dict[str, Any]) -> None:
    assert acme.code("mail.add", mailbox("ada@acme.example", **params)) == INVALID_PARAMS


@pytest.mark.parametrize("missing", ["password", "plan", "first_name", "last_name", "inboxsave", "forwards"])
def test_mail_add_requires_the_documented_parameters(acme: RawRpc, domain: str, missing: str) -> None:
    complete = mailbox("ada@acme.example")
    del complete[missing]

    error = acme.error("mail.add", complete)

    assert error["code"] == INVALID_PARAMS
    assert missing in error["message"]


def test_mail_add_accepts_the_flags_without_observable_effect(
    acme: RawRpc, domain: str, add_mail: Any
) -> None:
    flags = {"catchall": True, "create_own_context": True, "skip_welcome_mail": True, "recover": False}

    assert add_mail(acme, "ada@acme.example", **flags)["mail"] == "ada@acme.example"


# ------------------------------------------------------------------------------ mail.set


def test_mail_set_changes_only_the_given_fields_and_returns_what_get_returns(
    acme: RawRpc, domain: str, add_mail: Any
) -> None:
    before = add_mail(acme, "ada@acme.example", memo="keep", first_name="Ada")

    after = acme.call("mail.set", {"mail": "ada@acme.example", "first_name": "Augusta"})

    assert after == acme.call("mail.get", {"mail": "ada@acme.example"})
    assert after == {**before, "first_name": "Augusta"}


def test_mail_set_replaces_forwards_and_aliases_whole(acme: RawRpc, domain: str, add_mail: Any) -> None:
    add_mail(acme, "ada@acme.example", forwards=["a@elsewhere.example", "b@elsewhere.example"])
    acme.call(
        "mail.set", {"mail": "ada@acme.example", "aliases": ["lovelace@acme.example", "al@acme.example"]}
    )

    after = acme.call("mail.set", {"mail": "ada@acme.example", "forwards": ["c@elsewhere.example"]})

    assert after["forwards"] == ["c@elsewhere.example"]
    assert after["aliases"] == ["lovelace@acme.example", "al@acme.example"]
    assert after["type"] == "inboxforward"


def test_an_empty_list_clears_forwards_and_aliases(acme: RawRpc, domain: str, add_mail: Any) -> None:
    add_mail(acme, "ada@acme.example", forwards=["a@elsewhere.example"], inboxsave=False)
    acme.call("mail.set", {"mail": "ada@acme.example", "aliases": ["al@acme.example"]})

    after = acme.call("mail.set", {"mail": "ada@acme.example", "forwards": [], "aliases": []})

    assert (after["forwards"], after["aliases"], after["type"]) == ([], [], "inbox")


def test_an_alias_must_be_on_a_domain_of_the_same_account(acme: RawRpc, domain: str, add_mail: Any) -> None:
    add_mail(acme, "ada@acme.example")

    assert (
        acme.code("mail.set", {"mail": "ada@acme.example", "aliases": ["ada@elsewhere.example"]})
        == INVALID_PARAMS
    )


def test_an_alias_cannot_take_an_address_in_use(acme: RawRpc, domain: str, add_mail: Any) -> None:
    add_mail(acme, "ada@acme.example")
    add_mail(acme, "bob@acme.example")
    acme.call("mail.set", {"mail": "bob@acme.example", "aliases": ["robert@acme.example"]})

    assert (
        acme.code("mail.set", {"mail": "ada@acme.example", "aliases": ["bob@acme.example"]}) == ALREADY_EXISTS
    )
    assert (
        acme.code("mail.set", {"mail": "ada@acme.example", "aliases": ["robert@acme.example"]})
        == ALREADY_EXISTS
    )
    assert acme.code("mail.add", mailbox("robert@acme.example")) == ALREADY_EXISTS


def test_a_quota_must_come_with_the_plan(acme: RawRpc, domain: str, add_mail: Any) -> None:
    add_mail(acme, "ada@acme.example")

    assert acme.code("mail.set", {"mail": "ada@acme.example", "additional_mail_quota": "5"}) == INVALID_PARAMS
    after = acme.call("mail.set", {"mail": "ada@acme.example", "additional_mail_quota": 5, "plan": "premium"})
    assert (after["additional_mail_quota"], after["plan"]) == ("5", "premium")


def test_a_mail_level_session_cannot_change_its_plan(
    rpc: RawRpc, acme: RawRpc, domain: str, add_mail: Any
) -> None:
    add_mail(acme, "ada@acme.example")
    ada = rpc.login("ada@acme.example", "Mail-pass-1")

    assert ada.code("mail.set", {"mail": "ada@acme.example", "plan": "premium"}) == PERMISSION_DENIED


def test_scheduling_deletion_shows_the_date_until_reactivated(
    acme: RawRpc, domain: str, add_mail: Any
) -> None:
    add_mail(acme, "ada@acme.example")

    scheduled = acme.call(
        "mail.set", {"mail": "ada@acme.example", "active": False, "deletion_date": "31.12.2099"}
    )
    reactivated = acme.call("mail.set", {"mail": "ada@acme.example", "active": True})

    assert (scheduled["active"], scheduled["deletion_date"]) == (False, "31.12.2099")
    assert reactivated["active"] is True
    assert "deletion_date" not in reactivated


def test_mail_set_password_changes_the_mail_login(
    rpc: RawRpc, acme: RawRpc, domain: str, add_mail: Any
) -> None:
    add_mail(acme, "ada@acme.example")

    acme.call("mail.set", {"mail": "ada@acme.example", "password": "Changed-1"})

    assert rpc.code("auth", {"user": "ada@acme.example", "pass": "Mail-pass-1"}) == 2
    assert rpc.call("auth", {"user": "ada@acme.example", "pass": "Changed-1"})["level"] == "mail"


def test_mail_set_of_a_missing_address_is_not_found(acme: RawRpc, domain: str) -> None:
    assert acme.code("mail.set", {"mail": "nobody@acme.example", "memo": "x"}) == NOT_FOUND


# ------------------------------------------------------------------------------ mail.del


def test_mail_del_deletes_the_address(acme: RawRpc, domain: str, add_mail: Any) -> None:
    add_mail(acme, "ada@acme.example")

    assert acme.call("mail.del", {"mail": "ada@acme.example"}) is True
    assert acme.code("mail.get", {"mail": "ada@acme.example"}) == NOT_FOUND
    assert acme.call("mail.list", {"domain": "acme.example"}) == []


def test_mail_del_of_a_missing_address_is_not_found(acme: RawRpc, domain: str) -> None:
    assert acme.code("mail.del", {"mail": "nobody@acme.example"}) == NOT_FOUND


def test_a_reseller_reads_and_deletes_the_addresses_of_its_accounts(
    reseller: RawRpc, acme: RawRpc, domain: str, add_mail: Any
) -> None:
    add_mail(acme, "ada@acme.example")

    assert reseller.call("mail.get", {"mail": "ada@acme.example"})["parent_uid"] == "acme"
    assert reseller.call("mail.del", {"mail": "ada@acme.example"}) is True


# ------------------------------------------------------------------------------ mail.list


@pytest.fixture
def five_mailboxes(acme: RawRpc, domain: str, add_mail: Any) -> list[str]:
    names = ["eve", "bob", "dan", "ada", "cid"]
    for name in names:
        add_mail(acme, f"{name}@acme.example", last_name=name.upper())
    return sorted(f"{name}@acme.example" for name in names)


def test_mail_list_without_pagination_gives_every_address_in_order(
    acme: RawRpc, five_mailboxes: list[str]
) -> None:
    listed = acme.call("mail.list", {"domain": "acme.example"})

    assert [item["mail"] for item in listed] == five_mailboxes
    assert listed[0] == acme.call("mail.get", {"mail": five_mailboxes[0]})


def test_mail_list_pages_with_total_hits_and_total_pages(acme: RawRpc, five_mailboxes: list[str]) -> None:
    pages = [
        acme.call("mail.list", {"domain": "acme.example", "page": page, "page_size": 2})
        for page in (1, 2, 3, 4)
    ]

    assert [(page["totalHits"], page["totalPages"]) for page in pages] == [(5, 3)] * 4
    assert [[item["mail"] for item in page["results"]] for page in pages] == [
        five_mailboxes[0:2],
        five_mailboxes[2:4],
        five_mailboxes[4:],
        [],
    ]


def test_mail_list_sorts_by_the_requested_field_and_order(acme: RawRpc, five_mailboxes: list[str]) -> None:
    listed = acme.call(
        "mail.list", {"domain": "acme.example", "sort_field": "last_name", "sort_order": "desc"}
    )

    assert [item["last_name"] for item in listed] == ["EVE", "DAN", "CID", "BOB", "ADA"]


@pytest.mark.parametrize(
    "paging",
    [{"page": 1}, {"page_size": 10}, {"page": 0, "page_size": 10}, {"page": 1, "page_size": -1}],
    ids=["page-without-page-size", "page-size-without-page", "page-zero", "negative-page-size"],
)
def test_mail_list_refuses_incomplete_or_invalid_paging(
    acme: RawRpc, domain: str, paging: dict[str, int]
) -> None:
    assert acme.code("mail.list", {"domain": "acme.example", **paging}) == INVALID_PARAMS


def test_mail_list_of_a_foreign_or_missing_domain_fails(
    reseller: RawRpc, acme: RawRpc, add_domain: Any
) -> None:
    reseller.call("account.add", {"account": "globex", "password": "pw", "plan": "basic"})
    add_domain(reseller, "globex", "globex.example")

    assert acme.code("mail.list", {"domain": "globex.example"}) == PERMISSION_DENIED
    assert acme.code("mail.list", {"domain": "missing.example"}) == NOT_FOUND
