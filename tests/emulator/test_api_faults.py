"""Injected transport faults, as a client sees them at the HTTP level (see emulator/faults.py)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import requests

from pulumi_mailboxorg.emulator import DEFAULT_FAULT_KINDS, FAULT_KINDS, Emulator

if TYPE_CHECKING:
    from conftest import RawRpc

NEW_ACCOUNT = {"account": "globex", "password": "globex-pass", "plan": "basic"}


def account_exists(emulator: Emulator, name: str = "globex") -> bool:
    return name in emulator.state.snapshot()["accounts"]


def test_drop_processes_the_call_then_closes_the_connection_without_answer(
    emulator: Emulator, reseller: RawRpc
) -> None:
    emulator.inject("drop", method="account.add")

    with pytest.raises(requests.ConnectionError):
        reseller.post(reseller.request("account.add", NEW_ACCOUNT))

    assert account_exists(emulator)


def test_reset_closes_the_connection_before_processing(emulator: Emulator, reseller: RawRpc) -> None:
    emulator.inject("reset", method="account.add")

    with pytest.raises(requests.ConnectionError):
        reseller.post(reseller.request("account.add", NEW_ACCOUNT))

    assert not account_exists(emulator)


def test_http5xx_answers_503_without_processing(emulator: Emulator, reseller: RawRpc) -> None:
    emulator.inject("http5xx")

    response = reseller.post(reseller.request("account.add", NEW_ACCOUNT))

    assert response.status_code == 503
    assert not account_exists(emulator)


def test_ratelimit_answers_429_with_retry_after_without_processing(
    emulator: Emulator, reseller: RawRpc
) -> None:
    emulator.inject("ratelimit")

    response = reseller.post(reseller.request("account.add", NEW_ACCOUNT))

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert not account_exists(emulator)


def is_valid_answer(body: bytes, request_id: str) -> bool:
    try:
        envelope = json.loads(body)
    except ValueError:
        return False
    return (
        isinstance(envelope, dict)
        and envelope.get("jsonrpc") == "2.0"
        and envelope.get("id") == request_id
        and ("result" in envelope or "error" in envelope)
    )


def test_malformed_answers_200_with_a_body_that_is_no_valid_answer_without_processing(
    emulator: Emulator, reseller: RawRpc
) -> None:
    emulator.inject("malformed", count=4)
    bodies = []
    for _ in range(4):  # the four variants in turn: HTML, truncated JSON, no result, wrong id
        request = reseller.request("account.add", NEW_ACCOUNT)
        response = reseller.post(request)
        assert response.status_code == 200
        assert not is_valid_answer(response.content, request["id"])
        bodies.append(response.content)

    assert len(set(bodies)) == 4
    assert not account_exists(emulator)


def test_slow_processes_the_call_and_holds_the_answer_back(emulator: Emulator, reseller: RawRpc) -> None:
    emulator.inject("slow", method="account.add")

    with pytest.raises(requests.ReadTimeout):
        reseller.post(reseller.request("account.add", NEW_ACCOUNT), timeout=0.5)

    assert account_exists(emulator)


def test_expire_ends_the_callers_session_before_processing(emulator: Emulator, acme: RawRpc) -> None:
    emulator.inject("expire", method="hello.innerworld")

    assert acme.code("hello.innerworld") == 253
    assert acme.code("hello.innerworld") == 253  # the session stays gone
    assert acme.login("acme", "acme-pass").call("hello.innerworld") == "Hello Inner-World!"


def test_an_injected_fault_waits_for_its_method(emulator: Emulator, acme: RawRpc) -> None:
    emulator.inject("http5xx", method="account.get")

    assert acme.call("hello.innerworld") == "Hello Inner-World!"
    assert acme.post(acme.request("account.get", {"account": "acme"})).status_code == 503
    assert acme.call("account.get", {"account": "acme"})["account"] == "acme"


def test_an_injected_fault_hits_exactly_count_calls(emulator: Emulator, rpc: RawRpc) -> None:
    emulator.inject("ratelimit", count=2)

    statuses = [rpc.post(rpc.request("hello.world")).status_code for _ in range(3)]

    assert statuses == [429, 429, 200]


def test_faulted_calls_are_counted(emulator: Emulator, rpc: RawRpc) -> None:
    emulator.inject("http5xx", count=2)

    for _ in range(3):
        rpc.post(rpc.request("hello.world"))

    assert emulator.calls["hello.world"] == 3


def statuses_with_random_faults(seed: int, calls: int = 30) -> list[int]:
    with Emulator(fault_rate=0.5, fault_kinds=("http5xx", "ratelimit"), seed=seed) as emu:
        body = {"jsonrpc": "2.0", "method": "hello.world", "params": {}, "id": 1}
        return [requests.post(emu.endpoint, json=body, timeout=10).status_code for _ in range(calls)]


def test_random_faults_follow_the_seed() -> None:
    first, second = statuses_with_random_faults(seed=11), statuses_with_random_faults(seed=11)

    assert first == second
    assert {200, 503, 429} <= set(first)


def test_set_faults_switches_random_faults_on_and_off(emulator: Emulator, rpc: RawRpc) -> None:
    emulator.set_faults(1.0, kinds=["http5xx"])
    assert rpc.post(rpc.request("hello.world")).status_code == 503

    emulator.set_faults(0.0)
    assert rpc.call("hello.world") == "Hello World!"


@pytest.mark.parametrize(
    ("call", "args"),
    [("set_faults", (1.5,)), ("set_faults", (0.5, ["boom"])), ("inject", ("boom",)), ("inject", ("drop", 0))],
    ids=["rate-above-one", "unknown-kind", "unknown-injected-kind", "zero-count"],
)
def test_invalid_fault_settings_are_refused(emulator: Emulator, call: str, args: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match=r"."):
        getattr(emulator, call)(*args)


def test_every_documented_fault_kind_is_known() -> None:
    assert set(FAULT_KINDS) == {
        "drop",
        "reset",
        "http5xx",
        "slow",
        "malformed",
        "expire",
        "ratelimit",
        "false",
        "reshape",
    }


def test_false_and_reshape_are_never_drawn_at_random_by_default() -> None:
    assert not {"false", "reshape"} & set(DEFAULT_FAULT_KINDS)


def test_false_answers_result_false_without_processing(emulator: Emulator, reseller: RawRpc) -> None:
    reseller.call("account.add", NEW_ACCOUNT)
    emulator.inject("false", method="account.del")

    assert reseller.envelope("account.del", {"account": "globex"})["result"] is False
    assert account_exists(emulator)  # the server said no
    assert reseller.call("account.del", {"account": "globex"}) is True
    assert not account_exists(emulator)


def test_false_is_answered_for_any_method_even_one_whose_result_is_an_object(
    emulator: Emulator, reseller: RawRpc
) -> None:
    emulator.inject("false", method="account.add")

    assert reseller.envelope("account.add", NEW_ACCOUNT)["result"] is False
    assert not account_exists(emulator)


def test_reshape_answers_an_object_where_an_array_or_boolean_is_due_without_processing(
    emulator: Emulator, reseller: RawRpc
) -> None:
    reseller.call("account.add", NEW_ACCOUNT)
    emulator.inject("reshape", count=2)

    assert reseller.envelope("account.list")["result"] == {"unexpected": "shape"}
    assert reseller.envelope("account.del", {"account": "globex"})["result"] == {"unexpected": "shape"}
    assert account_exists(emulator)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("account.get", {"account": "acme"}),
        ("context.list", {"account": "acme"}),
        ("mail.list", {"domain": "acme.example", "page": 1, "page_size": 10}),
    ],
    ids=["account.get", "context.list", "paginated-mail.list"],
)
def test_reshape_answers_an_array_where_an_object_is_due(
    emulator: Emulator, reseller: RawRpc, method: str, params: dict[str, Any]
) -> None:
    emulator.inject("reshape", method=method)

    assert reseller.envelope(method, params)["result"] == [{"unexpected": "shape"}]


def test_reshape_of_an_unpaginated_mail_list_is_an_object(emulator: Emulator, reseller: RawRpc) -> None:
    emulator.inject("reshape", method="mail.list")

    assert reseller.envelope("mail.list", {"domain": "acme.example"})["result"] == {"unexpected": "shape"}


def test_false_and_reshape_calls_are_counted_but_not_journaled(emulator: Emulator, reseller: RawRpc) -> None:
    emulator.reset_counters()
    emulator.inject("false", method="account.add")
    emulator.inject("reshape", method="account.add")

    reseller.envelope("account.add", NEW_ACCOUNT)
    reseller.envelope("account.add", NEW_ACCOUNT)

    assert emulator.calls["account.add"] == 2
    assert emulator.sent("account.add") == []
