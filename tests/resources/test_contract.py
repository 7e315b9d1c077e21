"""The provider contract (pulumi_mailboxorg/provider.py), checked once for every resource.

One suite, parametrised by :data:`CASES`: each case says how to declare a valid resource of its
kind, what it needs first, which property is its identity, and how to delete it behind Pulumi's back.
Every test drives the real dynamic-provider host through the engine-protocol harness.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness import UNKNOWN, CheckFailedError, Op, Res, Stack
from harness.host import provider_blob
from pulumi_mailboxorg.emulator import Emulator
from resources.support import ACCOUNT_LOGIN, RESELLER_LOGIN, domain, make_stack, res

MUTATING = ("add", "set", "del")


@dataclass(frozen=True)
class Case:
    """How to exercise one resource kind."""

    kind: str
    props: dict[str, Any]
    identity: tuple[str, Any]  # a replace-on-change property and another valid value for it
    vanish: Callable[[Emulator, str], None]  # delete the object out of band, given its id
    login: tuple[str, str] = ACCOUNT_LOGIN
    before: dict[str, Res] = field(default_factory=dict)  # resources it depends on
    domains: tuple[str, ...] = ()  # ownership records to publish (account acme)

    def __str__(self) -> str:
        return self.kind


def _del(method: str, key: str, login: str = "acme") -> Callable[[Emulator, str], None]:
    def vanish(emu: Emulator, id_: str) -> None:
        params = {key: id_}
        if method == "domain.del":
            params["account"] = "acme"
        emu.state.call_as(login, method, params)

    return vanish


def _empty_context(emu: Emulator, id_: str) -> None:
    # A context is gone when no domain is left in it: move its domains out.
    listing = emu.state.call_as("acme", "context.list", {"account": "acme"})
    for name in listing.get(id_, []):
        emu.state.call_as("acme", "domain.set", {"domain": name, "create_new_context_id": True})


CASES = [
    Case(
        "Domain",
        {"account": "acme", "domain": "example.com", "password": "domain-pass-1", "memo": "m"},
        ("domain", "example.org"),
        _del("domain.del", "domain"),
        domains=("example.com", "example.org"),
    ),
    Case(
        "Mailbox",
        {
            "mail": "ada@example.com",
            "password": "mail-pass-1",
            "plan": "standard",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "forwards": ["ada@elsewhere.example"],
        },
        ("mail", "grace@example.com"),
        _del("mail.del", "mail"),
        before={"d": domain()},
        domains=("example.com",),
    ),
    Case(
        "Account",
        {"account": "customer1", "password": "account-pass-1", "plan": "basic", "memo": "m"},
        ("account", "customer2"),
        _del("account.del", "account", login="reseller"),
        login=RESELLER_LOGIN,
    ),
    Case(
        "Context",
        {
            "account": "acme",
            "domains": ["example.com", "example.net"],
            "loginUsername": "acme",
            "loginPassword": "acme-pass",
        },
        ("account", UNKNOWN),  # identity changes are covered by the Context tests
        _empty_context,
        before={"d1": domain("example.com"), "d2": domain("example.net")},
        domains=("example.com", "example.net"),
    ),
]


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


def _stack(host_pool: Any, emulator: Emulator, case: Case) -> Stack:
    for name in case.domains:
        emulator.publish_challenge("acme", name)
    return make_stack(host_pool, emulator, login=case.login)


def _resources(case: Case, **overrides: Any) -> dict[str, Res]:
    return {**case.before, "r": res(case.kind, {**case.props, **overrides}, depends_on=list(case.before))}


def _mutations(emulator: Emulator) -> dict[str, int]:
    return {m: n for m, n in emulator.calls.items() if m.rsplit(".", 1)[-1] in MUTATING}


def test_check_names_each_missing_required_property_and_calls_no_api(host_pool, emulator, case):
    provider_class = type(res(case.kind, case.props).provider)
    required = sorted(p.wire for p in provider_class.props if p.required)
    stack = _stack(host_pool, emulator, case)
    with pytest.raises(CheckFailedError) as info:
        stack.up({"r": res(case.kind, {})})
    assert sorted(f.property for f in info.value.failures) == required
    assert emulator.calls == {}


def test_check_rejects_an_unknown_property_by_name_and_calls_no_api(host_pool, emulator, case):
    stack = _stack(host_pool, emulator, case)
    with pytest.raises(CheckFailedError) as info:
        stack.up({"r": res(case.kind, {**case.props, "colour": "blue"})})
    assert [f.property for f in info.value.failures] == ["colour"]
    assert "unknown property" in info.value.failures[0].reason
    assert emulator.calls == {}


def test_preview_with_unknown_inputs_calls_no_api(host_pool, emulator, case):
    stack = _stack(host_pool, emulator, case)
    unknowns = {k: UNKNOWN for k, v in case.props.items() if isinstance(v, str) and k != case.identity[0]}
    result = stack.preview(_resources(case, **unknowns))
    assert result.operations["r"] == Op.CREATE
    assert emulator.calls == {}


def test_an_unchanged_program_makes_no_mutating_call_and_shows_no_diff(host_pool, emulator, case):
    stack = _stack(host_pool, emulator, case)
    stack.up(_resources(case))
    emulator.reset_counters()
    result = stack.up(_resources(case))
    assert set(result.operations.values()) == {Op.SAME}
    assert _mutations(emulator) == {}
    assert emulator.calls == {}  # a no-op diff needs no API call at all, not even a login


def test_a_provider_upgrade_alone_shows_no_diff(host_pool, emulator, case):
    stack = _stack(host_pool, emulator, case)
    stack.up(_resources(case))
    state = stack["r"]
    with host_pool.take() as host:
        host.start()
        host.configure(stack.config)
        blob = provider_blob(res(case.kind, case.props).provider)
        olds = {**state.outputs, "__provider": "an-older-provider-blob"}
        diff = host.diff(blob, state.id, olds, state.inputs)
    assert diff.changes == "none"
    assert not diff.replaces


def test_refresh_drops_an_object_deleted_out_of_band_and_up_recreates_it(host_pool, emulator, case):
    stack = _stack(host_pool, emulator, case)
    stack.up(_resources(case))
    case.vanish(emulator, stack["r"].id)
    stack.refresh()
    assert "r" not in stack.resources
    assert stack.up(_resources(case)).operations["r"] == Op.CREATE


def test_deleting_an_object_that_is_already_gone_succeeds(host_pool, emulator, case):
    stack = _stack(host_pool, emulator, case)
    stack.up(_resources(case))
    case.vanish(emulator, stack["r"].id)
    result = stack.up(case.before)  # "r" left the program: the engine deletes it
    assert result.operations["r"] == Op.DELETE
    assert "r" not in stack.resources


def test_secret_inputs_are_secret_outputs_and_never_reach_the_log(host_pool, emulator, case):
    stack = _stack(host_pool, emulator, case)
    stack.up(_resources(case))
    state = stack["r"]
    secret = {p.wire for p in type(res(case.kind, case.props).provider).props if p.secret}
    present = secret & set(state.outputs)
    assert present & set(case.props)  # the case sets at least one secret input
    assert present <= state.secret_outputs
    for name in secret & set(case.props):
        assert str(case.props[name]) not in stack.stderr_text()
        assert str(case.props[name]) not in str(state.display_outputs())


def test_an_identity_change_replaces_the_object_deleting_it_first(host_pool, emulator, case):
    name, value = case.identity
    if value is UNKNOWN:
        pytest.skip(f"{case.kind}: identity changes are covered by its own tests")
    stack = _stack(host_pool, emulator, case)
    stack.up(_resources(case))
    old_id = stack["r"].id
    result = stack.up(_resources(case, **{name: value}))
    assert result.operations["r"] == Op.REPLACE
    ordered = [(step.op, step.id) for step in result.steps if step.name == "r"]
    assert ordered[0] == (Op.DELETE, old_id)
    assert ordered[1][0] == Op.CREATE
