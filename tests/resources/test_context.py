"""Context through the engine protocol, against the emulator (account login ``acme``).

A Context is a membership: the domains that must share one OX context. The API has no context.add or
context.del; the provider moves domains with ``domain.set`` (``context_id`` / ``create_new_context_id``)
and reads membership with ``context.list``. Domains are added out of band (each in a context of its
own, the emulator's default) unless a test declares Domain resources.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import HostPool, Op, ProviderError, Res, Stack
from pulumi_mailboxorg.context import ContextProvider
from pulumi_mailboxorg.emulator import Emulator
from resources.support import RESELLER_LOGIN, after, domain, in_process, make_stack, res

A, B, C = "a.example", "b.example", "c.example"


def add_domain(emulator: Emulator, name: str) -> str:
    """Add ``name`` to acme out of band; return its context id."""
    emulator.publish_challenge("acme", name)
    added = emulator.state.call_as(
        "acme", "domain.add", {"account": "acme", "domain": name, "password": "dp-1"}
    )
    return str(added["context_id"])


def add_mail(emulator: Emulator, address: str) -> None:
    emulator.state.call_as(
        "acme",
        "mail.add",
        {
            "mail": address,
            "password": "Mp-pass-1",
            "plan": "light",
            "first_name": "A",
            "last_name": "B",
            "inboxsave": True,
            "forwards": [],
        },
    )


def context(*domains: str, **props: Any) -> Res:
    return res("Context", {"account": "acme", "domains": list(domains), **props})


def contexts(emulator: Emulator) -> dict[str, list[str]]:
    """context id -> domains of acme, as context.list shows them."""
    listing: dict[str, list[str]] = emulator.state.snapshot()["contexts"]["acme"]
    return listing


def context_of(emulator: Emulator, name: str) -> str:
    return str(emulator.state.snapshot()["domains"][name]["context_id"])


def moves(emulator: Emulator) -> list[dict[str, Any]]:
    return emulator.sent("domain.set")


@pytest.fixture
def stack(host_pool: HostPool, emulator: Emulator) -> Stack:
    """A stack logged in as acme, whose domains a/b/c.example exist, each in a context of its own."""
    for name in (A, B, C):
        add_domain(emulator, name)
    return make_stack(host_pool, emulator, verificationTimeout="5")


def test_create_gathers_the_domains_in_one_context_and_a_refresh_shows_no_drift(
    stack: Stack, emulator: Emulator
) -> None:
    before = contexts(emulator)

    result = stack.up({"ctx": context(B, A)})

    assert result.operations == {"ctx": Op.CREATE}
    cid = stack["ctx"].id
    assert contexts(emulator)[cid] == [A, B]
    assert stack.outputs("ctx")["contextId"] == cid
    assert stack.outputs("ctx")["domains"] == [A, B]
    # A context that held only wanted domains was reused: one move instead of two.
    assert cid in before
    assert len(moves(emulator)) == 1

    emulator.reset_counters()
    assert stack.refresh().operations == {"ctx": Op.SAME}
    assert stack.up({"ctx": context(A, B)}).operations == {"ctx": Op.SAME}  # order does not matter
    assert moves(emulator) == []


def test_create_without_a_reusable_context_makes_a_new_one(stack: Stack, emulator: Emulator) -> None:
    add_domain(emulator, "d.example")
    emulator.state.call_as("acme", "domain.set", {"domain": B, "context_id": context_of(emulator, A)})
    emulator.state.call_as(
        "acme", "domain.set", {"domain": "d.example", "context_id": context_of(emulator, C)}
    )
    before = set(contexts(emulator))  # {a, b} and {c, d}: neither is a subset of {a, c}

    stack.up({"ctx": context(A, C)})

    cid = stack["ctx"].id
    assert cid not in before
    assert contexts(emulator)[cid] == [A, C]
    assert moves(emulator)[0] == {"domain": A, "create_new_context_id": True}
    assert moves(emulator)[1] == {"domain": C, "context_id": cid}
    assert context_of(emulator, B) != cid  # b stays where it was


def test_update_moves_added_domains_in_and_releases_removed_ones_without_moving_them(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"ctx": context(A, B)})
    cid = stack["ctx"].id
    emulator.reset_counters()

    result = stack.up({"ctx": context(A, C)})

    assert result.operations == {"ctx": Op.UPDATE}
    assert moves(emulator) == [{"domain": C, "context_id": cid}]
    assert contexts(emulator)[cid] == [A, B, C]  # b.example was released, not moved
    assert stack.outputs("ctx")["domains"] == [A, C]
    assert stack.outputs("ctx")["members"] == [A, B, C]
    assert stack["ctx"].id == cid
    assert f"released {B}" in stack.stderr_text()
    assert stack.up({"ctx": context(A, C)}).operations == {"ctx": Op.SAME}


def test_managing_another_existing_context_replaces_the_resource(stack: Stack, emulator: Emulator) -> None:
    stack.up({"ctx": context(A)})
    target = context_of(emulator, B)

    result = stack.up({"ctx": context(A, contextId=target)})

    assert result.operations == {"ctx": Op.REPLACE}
    assert result.diffs["ctx"].replaces == ["contextId"]
    assert stack["ctx"].id == target
    assert contexts(emulator)[target] == [A, B]


def test_an_existing_context_is_taken_over_by_its_id(stack: Stack, emulator: Emulator) -> None:
    existing = context_of(emulator, A)

    stack.up({"ctx": context(A, B, contextId=existing)})

    assert stack["ctx"].id == existing
    assert moves(emulator) == [{"domain": B, "context_id": existing}]
    assert contexts(emulator)[existing] == [A, B]


def test_refresh_follows_out_of_band_moves_and_up_moves_the_domains_back(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"ctx": context(A, B)})
    cid = stack["ctx"].id
    emulator.state.call_as("acme", "domain.set", {"domain": B, "create_new_context_id": True})
    emulator.state.call_as("acme", "domain.set", {"domain": C, "context_id": cid})

    assert stack.refresh().operations == {"ctx": Op.UPDATE}
    assert stack.outputs("ctx")["domains"] == [A]  # c.example joined, but is not managed here
    assert stack.outputs("ctx")["members"] == [A, C]
    emulator.reset_counters()

    assert stack.up({"ctx": context(A, B)}).operations == {"ctx": Op.UPDATE}
    assert moves(emulator) == [{"domain": B, "context_id": cid}]
    assert contexts(emulator)[cid] == [A, B, C]


def test_refresh_drops_a_context_whose_domains_all_left_and_destroy_still_succeeds(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"ctx": context(A, B), "other": context(C)})
    for name in (A, B):
        emulator.state.call_as("acme", "domain.set", {"domain": name, "create_new_context_id": True})

    assert stack.refresh().operations == {"ctx": Op.DELETE, "other": Op.SAME}
    assert "ctx" not in stack

    emulator.state.call_as("acme", "domain.set", {"domain": C, "create_new_context_id": True})
    emulator.reset_counters()
    assert stack.destroy().operations == {"other": Op.DELETE}
    assert moves(emulator) == []


def test_destroy_leaves_the_domains_where_they_are_and_says_so(stack: Stack, emulator: Emulator) -> None:
    stack.up({"ctx": context(A, B)})
    cid = stack["ctx"].id
    emulator.reset_counters()

    assert stack.destroy().operations == {"ctx": Op.DELETE}

    assert contexts(emulator)[cid] == [A, B]
    assert moves(emulator) == []
    logged = [m.message for m in stack.log_messages() if m.severity == "info"]
    assert any(f"Context {cid}" in line and "cannot delete a context" in line for line in logged)
    assert any("a.example, b.example" in line for line in logged)


def test_moving_a_domain_with_mailboxes_is_refused_unless_data_loss_is_allowed(
    stack: Stack, emulator: Emulator
) -> None:
    add_mail(emulator, f"ada@{B}")
    add_mail(emulator, f"bob@{B}")
    home = context_of(emulator, B)

    with pytest.raises(ProviderError) as refused:
        stack.up({"ctx": context(A, B, C)})
    message = refused.value.exception_line
    assert "refusing to move b.example (2 mailbox(es))" in message
    assert "calendars, address books, files" in message
    assert "allow_data_loss=True" in message
    assert moves(emulator) == []
    assert context_of(emulator, B) == home

    result = stack.up({"ctx": context(A, B, C, allowDataLoss=True)})

    assert result.operations == {"ctx": Op.CREATE}
    cid = stack["ctx"].id
    assert contexts(emulator)[cid] == [A, B, C]
    warned = [m.message for m in stack.log_messages() if m.severity == "warning"]
    assert any("b.example" in line and "allow_data_loss=true" in line for line in warned)


def test_removing_a_domain_with_mailboxes_moves_nothing_so_no_data_is_lost(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"ctx": context(A, B)})
    cid = stack["ctx"].id
    add_mail(emulator, f"ada@{B}")
    emulator.reset_counters()

    stack.up({"ctx": context(A)})

    assert moves(emulator) == []
    assert contexts(emulator)[cid] == [A, B]
    assert stack.outputs("ctx")["domains"] == [A]


def test_two_contexts_exchanging_domains_move_each_domain_once_in_either_order(
    stack: Stack, emulator: Emulator
) -> None:
    D = "d.example"
    add_domain(emulator, D)
    for order in ((("one", (A, B)), ("two", (C, D))), (("two", (C, D)), ("one", (A, B)))):
        program = {name: context(*domains) for name, domains in order}
        stack.up(program)
        ids = {name: stack[name].id for name in program}
        emulator.reset_counters()

        # b.example and d.example change sides; the updates run in declaration order.
        swapped = {"one": context(A, D), "two": context(C, B)}
        stack.up({name: swapped[name] for name, _ in order})

        assert sorted(m["domain"] for m in moves(emulator)) == [B, D]
        listing = contexts(emulator)
        assert {A, D} <= set(listing[ids["one"]])
        assert {B, C} <= set(listing[ids["two"]])
        stack.destroy()
        for name in (A, B, C, D):
            emulator.state.call_as("acme", "domain.set", {"domain": name, "create_new_context_id": True})


def test_a_domain_without_its_own_context_id_does_not_fight_the_context_that_moved_it(
    stack: Stack, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", "d.example")
    resources = {"d": domain("d.example"), "ctx": after(context(A, "d.example"), "d")}
    stack.up(resources)
    cid = stack["ctx"].id
    assert context_of(emulator, "d.example") == cid
    emulator.reset_counters()

    assert stack.up(resources).operations == {"d": Op.SAME, "ctx": Op.SAME}
    stack.refresh()
    assert stack.outputs("d")["contextId"] == cid
    assert stack.up(resources).operations == {"d": Op.SAME, "ctx": Op.SAME}
    assert moves(emulator) == []


@pytest.mark.parametrize("allow", [False, True])
def test_a_domain_outside_the_account_is_named_in_the_error(
    stack: Stack, emulator: Emulator, allow: bool
) -> None:
    with pytest.raises(ProviderError) as refused:
        stack.up({"ctx": context(A, "missing.example", allowDataLoss=allow)})

    assert "missing.example not found in account acme" in refused.value.exception_line
    assert moves(emulator) == []


#: (changed wire properties, the property Check must name, what its reason must say)
BAD_INPUTS: list[tuple[dict[str, Any], str, str]] = [
    ({"domains": []}, "domains", "domains: list at least one domain"),
    ({"domains": [A, "not a domain"]}, "domains", "domains: item 1"),
    ({"domains": A}, "domains", "domains: expected a list"),
    ({"account": None}, "account", "account: required property of Context"),
    ({"contextId": ""}, "contextId", "context_id: must not be empty"),
    ({"allowDataLoss": "sure"}, "allowDataLoss", "allow_data_loss: expected true or false"),
    ({"name": "team"}, "name", "name: unknown property of Context"),
]


def test_check_rejects_each_bad_input_naming_the_property_without_calling_the_api(emulator: Emulator) -> None:
    # check() is validation only: in-process (the contract suite runs Check through the engine path).
    with in_process(emulator):
        for props, prop, reason in BAD_INPUTS:
            wire = {k: v for k, v in {"account": "acme", "domains": [A], **props}.items() if v is not None}
            failures = ContextProvider().check({}, wire).failures
            assert [(f.property, reason in f.reason) for f in failures] == [(prop, True)], (props, failures)
    assert emulator.calls == {}  # no login, no call


def test_refresh_drops_the_context_of_an_account_deleted_out_of_band(
    host_pool: HostPool, emulator: Emulator
) -> None:
    for name in (A, B):
        add_domain(emulator, name)
    stack = make_stack(host_pool, emulator, RESELLER_LOGIN)
    stack.up({"ctx": context(A, B)})
    emulator.state.call_as("reseller", "account.del", {"account": "acme"})

    assert stack.refresh().operations == {"ctx": Op.DELETE}
    assert stack.resources == {}


def test_context_ids_come_from_context_list_when_answers_carry_only_documented_fields(
    host_pool: HostPool, emulator: Emulator
) -> None:
    emulator.state.minimal_answers = True  # domain.get gives only memo; domain.add/set answer true
    for name in (A, B):
        emulator.publish_challenge("acme", name)
    stack = make_stack(host_pool, emulator)

    stack.up({"a": domain(A), "b": domain(B), "ctx": after(context(A, B), "a", "b")})

    cid = stack["ctx"].id
    assert contexts(emulator)[cid] == [A, B]
    assert stack.outputs("a")["contextId"]  # read from context.list, one extra call
    assert stack.refresh().operations["ctx"] == Op.SAME
    assert stack.outputs("b")["contextId"] == cid
