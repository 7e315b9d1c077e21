"""The provider contract (pulumi_mailboxorg/provider.py), checked once for every resource.

One suite, parametrised by :data:`CASES`: each case says how to declare a valid resource of its
kind, what it needs first, which property is its identity, and how to delete it behind Pulumi's back.
Every test runs on both paths (the ``host_pool`` fixture's ``kind``): the real dynamic-provider host
and the native plugin ``pulumi-resource-mailboxorg``, both through the engine-protocol harness. The
plugin's copies are marked ``slow``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness import UNKNOWN, CheckFailedError, HostPool, Op, ProviderError, Res, Secret, Stack
from harness.host import provider_blob
from pulumi_mailboxorg.emulator import Emulator
from resources.support import ACCOUNT_LOGIN, PROVIDERS, RESELLER_LOGIN, domain, make_stack, res

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
    opt_outs: dict[str, str] = field(default_factory=dict)  # test -> why it does not apply

    def __str__(self) -> str:
        return self.kind


def opt_out(case: Case, test: str) -> None:
    """Skip ``test`` for ``case`` when the case opts out of it, saying why."""
    if test in case.opt_outs:
        pytest.skip(f"{case.kind}: {case.opt_outs[test]}")


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
            "password": "Mail-pass-1",
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
        opt_outs={
            "objects": "the API has no context.add or context.del: a Context is a membership whose "
            "evidence is context.list (tests/resources/test_context.py)",
        },
        before={"d1": domain("example.com"), "d2": domain("example.net")},
        domains=("example.com", "example.net"),
    ),
    Case(
        "DomainChallenge",
        {"account": "acme", "domain": "example.com", "loginUsername": "acme", "loginPassword": "acme-pass"},
        ("domain", "example.org"),
        lambda _emu, _id: None,  # nothing on the server: the challenge is only recorded
        opt_outs={
            "refresh": "it has no object on the server; its refresh keeps the recorded challenge "
            "(tests/resources/test_challenge.py)",
            "objects": "its probe is no object of its own; the probe's race and lost answers are "
            "covered in tests/resources/test_challenge.py",
        },
    ),
]


@pytest.fixture(scope="module", params=["dynamic", pytest.param("plugin", marks=pytest.mark.slow)])
def host_pool(request: pytest.FixtureRequest) -> Iterator[HostPool]:
    """Fresh hosts of one kind: the dynamic-provider host, or the native plugin executable."""
    with HostPool(spares=2, host_options={"kind": request.param}) as pool:
        yield pool


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


def _stack(host_pool: Any, emulator: Emulator, case: Case) -> Stack:
    for name in case.domains:
        emulator.publish_challenge("acme", name)
    return make_stack(host_pool, emulator, login=case.login)


def _resources(case: Case, **overrides: Any) -> dict[str, Res]:
    return {**case.before, "r": res(case.kind, {**case.props, **overrides}, depends_on=list(case.before))}


def _mutations(emulator: Emulator) -> dict[str, int]:
    return {m: n for m, n in emulator.calls.items() if m.rsplit(".", 1)[-1] in MUTATING}


def test_check_names_each_missing_required_property_and_calls_no_api(host_pool, emulator, case):
    provider_class = PROVIDERS[case.kind]
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
    opt_out(case, "refresh")
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
    secret = {p.wire for p in PROVIDERS[case.kind].props if p.secret}
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


# -- the proof rules of pulumi_mailboxorg/objects.py ------------------------------------------------
#
# Account, Domain and Mailbox objects have unique names and logins of their own; Context and
# DomainChallenge opt out of these tests with their reasons (Case.opt_outs).

OBJECTS = {
    # kind: (add method, delete method, the racing login, what the other party sends differently)
    "Account": ("account.add", "account.del", "reseller", {"password": "Other-pass-1!", "memo": "theirs"}),
    "Domain": ("domain.add", "domain.del", "acme", {"password": "other-domain-pass", "memo": "theirs"}),
    "Mailbox": ("mail.add", "mail.del", "acme", {"password": "Other-pass-1!", "first_name": "Eve"}),
}


def _object(case: Case) -> tuple[str, str, str, dict[str, Any]]:
    opt_out(case, "objects")
    return OBJECTS[case.kind]


def _server(emulator: Emulator, case: Case, id_: str) -> dict[str, Any] | None:
    """The object as the server holds it (None: not there)."""
    snapshot = emulator.state.snapshot()
    table = {"Account": "accounts", "Domain": "domains", "Mailbox": "mails"}[case.kind]
    found: dict[str, Any] | None = snapshot[table].get(id_)
    return found


def test_a_create_whose_answer_was_lost_after_another_party_created_the_object_claims_nothing(
    host_pool, emulator, case
):
    add, delete, login, theirs = _object(case)
    stack = _stack(host_pool, emulator, case)
    if case.before:
        stack.up(case.before)
    id_ = str(case.props[case.identity[0]])
    theirs = {**theirs, "memo": "theirs"}
    emulator.race(add, login, theirs)  # theirs lands first; our add is refused and its answer lost
    emulator.reset_counters()

    with pytest.raises(ProviderError) as refused:
        stack.up(_resources(case))

    line = refused.value.exception_line
    assert "not provably the one this create made" in line and "adopt=True" in line
    assert "r" not in stack  # nothing recorded ...
    assert _mutations(emulator) == {add: 1}  # ... and nothing changed or deleted but our refused add
    assert (_server(emulator, case, id_) or {}).get("memo") == "theirs"  # theirs, intact
    assert emulator.sent(delete) == []  # so a later destroy cannot delete it either


def test_the_loser_of_two_concurrent_creates_gets_the_adopt_guidance(host_pool, emulator, case):
    add, _delete, login, theirs = _object(case)
    stack = _stack(host_pool, emulator, case)
    if case.before:
        stack.up(case.before)
    emulator.race(add, login, theirs, lose_answer=False)

    with pytest.raises(ProviderError) as refused:
        stack.up(_resources(case))

    assert "already exists" in refused.value.exception_line
    assert "adopt=True" in refused.value.exception_line
    assert "r" not in stack


def test_a_create_whose_own_answer_was_lost_is_recorded_once(host_pool, emulator, case):
    add, _delete, _login, _theirs = _object(case)
    stack = _stack(host_pool, emulator, case)
    if case.before:
        stack.up(case.before)
    emulator.inject("drop", 1, add)

    stack.up(_resources(case))

    assert "r" in stack
    assert emulator.calls[add] == 1  # confirmed by reading back, not sent twice


def test_a_delete_answered_false_did_not_happen_and_the_resource_stays(host_pool, emulator, case):
    _add, delete, _login, _theirs = _object(case)
    stack = _stack(host_pool, emulator, case)
    stack.up(_resources(case))
    id_ = stack["r"].id
    emulator.inject("false", 1, delete)

    with pytest.raises(ProviderError) as failed:
        stack.up(case.before)

    assert f"{id_} was not deleted" in failed.value.exception_line
    assert "instead of true" in failed.value.exception_line
    assert "r" in stack
    assert _server(emulator, case, id_) is not None
    stack.up(case.before)  # the next run deletes it
    assert "r" not in stack
    assert _server(emulator, case, id_) is None


def test_a_delete_whose_answer_was_lost_is_confirmed_by_looking(host_pool, emulator, case):
    _add, delete, _login, _theirs = _object(case)
    stack = _stack(host_pool, emulator, case)
    stack.up(_resources(case))
    emulator.inject("drop", 1, delete)

    stack.up(case.before)

    assert "r" not in stack
    assert _server(emulator, case, str(case.props[case.identity[0]])) is None


LISTINGS = {"Account": "account.list", "Domain": "domain.list", "Mailbox": "mail.list"}


def test_a_listing_of_an_unexpected_shape_is_no_evidence_of_absence(host_pool, emulator, case):
    _object(case)
    stack = _stack(host_pool, emulator, case)
    stack.up(_resources(case))
    before = stack["r"]
    case.vanish(emulator, before.id)
    emulator.inject("reshape", 5, LISTINGS[case.kind])

    with pytest.raises(ProviderError) as failed:
        stack.refresh()

    assert "cannot tell whether" in failed.value.exception_line
    assert "Nothing was changed" in failed.value.exception_line
    assert stack["r"].outputs == before.outputs  # the state stays as it was


def test_adopting_logs_each_field_it_changes(host_pool, emulator, case):
    add, _delete, login, _theirs = _object(case)
    stack = _stack(host_pool, emulator, case)
    if case.before:
        stack.up(case.before)
    theirs = {k: v for k, v in case.props.items() if k not in ("loginUsername", "loginPassword")}
    params = {_snake(k): v for k, v in theirs.items()}
    params.update({"memo": "theirs", "password": "Other-pass-1!"})
    if case.kind == "Mailbox":
        params.setdefault("inboxsave", True)
    emulator.state.call_as(login, add, params)

    stack.up(_resources(case, memo="ours", adopt=True))

    assert "adopting it (adopt=True): " in stack.stderr_text()
    assert "memo 'theirs' -> 'ours'" in stack.stderr_text()
    assert "password set (secret)" in stack.stderr_text()
    assert str(case.props["password"]) not in stack.stderr_text()


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def test_an_empty_login_password_beside_a_login_username_is_refused_in_check(host_pool, emulator, case):
    provider_class = PROVIDERS[case.kind]
    if "loginUsername" not in {p.wire for p in provider_class.props}:
        pytest.skip(f"{case.kind}: has no per-resource login (accounts are managed by resellers)")
    stack = _stack(host_pool, emulator, case)
    props = {**case.props, "loginUsername": "acme", "loginPassword": ""}
    with pytest.raises(CheckFailedError) as info:
        stack.up({"r": res(case.kind, props)})
    assert [f.property for f in info.value.failures] == ["loginPassword"]
    assert "login_password: is empty" in info.value.failures[0].reason
    assert emulator.calls == {}


def test_a_refresh_with_a_login_that_cannot_see_the_object_changes_nothing(host_pool, emulator, case):
    """Mixed-up CI secrets: another valid login lists nothing of ours; that proves nothing."""
    opt_out(case, "refresh")
    props = {k: v for k, v in case.props.items() if k not in ("loginUsername", "loginPassword")}
    stack = _stack(host_pool, emulator, case)
    stack.up({**case.before, "r": res(case.kind, props, depends_on=list(case.before))})
    before = {name: dict(state.outputs) for name, state in stack.resources.items()}
    if case.login == RESELLER_LOGIN:
        other = emulator.state.add_login("reseller2:Reseller2-pass!:reseller")
    else:
        other = emulator.state.add_login("globex:Globex-pass-1!:account")
    stack.config["mailboxorg:username"] = other.name
    stack.config["mailboxorg:password"] = Secret(other.password)

    with pytest.raises(ProviderError) as failed:
        stack.refresh(run_program=True)  # the current config (a refresh alone uses the last up's)

    assert "cannot tell whether" in failed.value.exception_line
    assert f"logged in as {other.name!r}" in failed.value.exception_line
    assert {name: dict(state.outputs) for name, state in stack.resources.items()} == before
