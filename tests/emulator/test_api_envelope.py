"""The emulator's HTTP transport and JSON-RPC 2.0 envelope (reference §1.1, §1.2), on the wire."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
import requests

from pulumi_mailboxorg.guesses import ERRORS

if TYPE_CHECKING:
    from conftest import RawRpc

    from pulumi_mailboxorg.emulator import Emulator


@pytest.mark.parametrize(
    "params", ["", {}, [], None], ids=["empty-string", "empty-object", "empty-array", "null"]
)
def test_methods_without_parameters_accept_every_empty_params_form(rpc: RawRpc, params: Any) -> None:
    assert rpc.call("hello.world", params) == "Hello World!"


def test_methods_without_parameters_accept_a_missing_params_member(rpc: RawRpc) -> None:
    response = rpc.post({"jsonrpc": "2.0", "method": "hello.world", "id": "7"}).json()

    assert response == {"jsonrpc": "2.0", "result": "Hello World!", "id": "7"}


def test_session_methods_accept_params_as_empty_string(acme: RawRpc) -> None:
    assert acme.call("hello.innerworld", "") == "Hello Inner-World!"
    assert acme.call("deauth", "") is True


@pytest.mark.parametrize("request_id", [1, 42, "1", "abc-7", 0, ""], ids=repr)
def test_the_request_id_is_echoed_unchanged_whatever_its_type(rpc: RawRpc, request_id: Any) -> None:
    body = {"jsonrpc": "2.0", "method": "hello.world", "params": "", "id": request_id}

    response = rpc.post(body).json()

    assert response["id"] == request_id
    assert type(response["id"]) is type(request_id)


def test_errors_echo_the_request_id_too(rpc: RawRpc) -> None:
    response = rpc.post({"jsonrpc": "2.0", "method": "hello.innerworld", "params": {}, "id": 99}).json()

    assert response["id"] == 99
    assert response["error"]["code"] == 253


def test_a_request_without_id_is_answered_with_a_null_id(rpc: RawRpc) -> None:
    response = rpc.post({"jsonrpc": "2.0", "method": "hello.world", "params": {}}).json()

    assert response == {"jsonrpc": "2.0", "result": "Hello World!", "id": None}


def test_json_rpc_errors_are_sent_with_http_200_and_no_result(rpc: RawRpc) -> None:
    response = rpc.post(rpc.request("auth", {"user": "acme", "pass": "wrong"}))

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert "result" not in response.json()


def test_a_body_that_is_not_json_gets_a_parse_error_with_null_id(rpc: RawRpc) -> None:
    response = rpc.post(data=b'{"jsonrpc": "2.0", "method": ')

    assert response.status_code == 200
    assert response.json()["error"]["code"] == ERRORS["parse_error"].code
    assert response.json()["id"] is None


@pytest.mark.parametrize(
    ("body", "expected_id"),
    [
        ([{"jsonrpc": "2.0", "method": "hello.world", "id": "1"}], None),
        ({"jsonrpc": "1.0", "method": "hello.world", "id": "2"}, "2"),
        ({"method": "hello.world", "id": "3"}, "3"),
        ({"jsonrpc": "2.0", "id": "4"}, "4"),
        ({"jsonrpc": "2.0", "method": 17, "id": "5"}, "5"),
    ],
    ids=["batch-array", "jsonrpc-1.0", "no-jsonrpc", "no-method", "method-not-a-string"],
)
def test_malformed_requests_are_invalid_requests(rpc: RawRpc, body: Any, expected_id: Any) -> None:
    response = rpc.post(body).json()

    assert response["error"]["code"] == ERRORS["invalid_request"].code
    assert response["id"] == expected_id


@pytest.mark.parametrize("params", [["acme"], "acme", 5, True], ids=repr)
def test_positional_or_scalar_params_are_invalid_params(rpc: RawRpc, params: Any) -> None:
    assert rpc.code("hello.world", params) == ERRORS["invalid_params"].code


def test_an_unknown_method_gets_method_not_found_even_without_a_session(rpc: RawRpc) -> None:
    error = rpc.error("mail.find", {"query": "x"})

    assert error["code"] == ERRORS["method_not_found"].code
    assert "mail.find" in error["message"]


def test_an_unknown_parameter_is_refused_and_named(acme: RawRpc) -> None:
    error = acme.error("account.get", {"account": "acme", "acount": "typo"})

    assert error["code"] == ERRORS["invalid_params"].code
    assert "acount" in error["message"]


def test_a_missing_required_parameter_is_refused_and_named(acme: RawRpc) -> None:
    error = acme.error("account.get", {})

    assert error["code"] == ERRORS["invalid_params"].code
    assert "account" in error["message"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"domain": "acme.example", "page": "1", "page_size": 10}, "page"),
        ({"domain": "acme.example", "details": "yes"}, "details"),
        ({"domain": 7}, "domain"),
    ],
    ids=["string-for-integer", "string-for-boolean", "number-for-string"],
)
def test_a_parameter_of_the_wrong_type_is_refused_and_named(acme: RawRpc, params: Any, named: str) -> None:
    error = acme.error("mail.list", params)

    assert error["code"] == ERRORS["invalid_params"].code
    assert f"'{named}'" in error["message"]


def test_error_messages_never_repeat_a_parameter_value(rpc: RawRpc) -> None:
    error = rpc.error("auth", {"user": "acme", "pass": ["secret-in-a-list"]})

    assert "secret-in-a-list" not in str(error)


def test_get_on_the_endpoint_is_method_not_allowed(emulator: Emulator) -> None:
    response = requests.get(emulator.endpoint, timeout=10)

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_post_to_another_path_is_not_found(emulator: Emulator) -> None:
    response = requests.post(emulator.endpoint.replace("/v1/", "/v2/"), json={}, timeout=10)

    assert response.status_code == 404


def test_the_content_type_is_not_checked(rpc: RawRpc) -> None:
    body = b'{"jsonrpc": "2.0", "method": "hello.world", "params": "", "id": "1"}'

    response = rpc.post(data=body, headers={"Content-Type": "text/json", "Accept": "text/json"})

    assert response.json()["result"] == "Hello World!"


def test_the_auth_header_name_is_case_insensitive(rpc: RawRpc, acme: RawRpc) -> None:
    body = rpc.request("hello.innerworld", "")

    response = rpc.post(body, headers={"Hpls-Auth": str(acme.auth)}).json()

    assert response["result"] == "Hello Inner-World!"


def test_non_ascii_text_is_escaped_in_answers(rpc: RawRpc) -> None:
    response = rpc.post(rpc.request("mail.find"))

    assert response.content.isascii()


def test_one_keep_alive_connection_carries_many_calls(rpc: RawRpc) -> None:
    with requests.Session() as session:
        for number in range(5):
            body = {"jsonrpc": "2.0", "method": "hello.world", "params": {}, "id": number}
            assert session.post(rpc.endpoint, json=body, timeout=10).json()["id"] == number


def test_latency_delays_requests_without_serialising_them(emulator: Emulator, rpc: RawRpc) -> None:
    emulator.set_latency(800)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: rpc.call("hello.world"), range(4)))
    elapsed = time.monotonic() - started

    assert results == ["Hello World!"] * 4
    assert 0.8 <= elapsed < 2.4  # four in series would take 3.2 s


# ------------------------------------------------------------------------------ deeply nested bodies


def nested(depth: int, innermost: Any = 0) -> Any:
    """``innermost`` inside ``depth`` arrays."""
    value = innermost
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b"[" * 100_000,
        b'{"a":' * 100_000 + b"0" + b"}" * 100_000,
        b'{"jsonrpc": "2.0", "method": "hello.world", "id": "1", "params": {"x": '
        + b"[" * 5_000
        + b"]" * 5_000
        + b"}}",
    ],
    ids=["arrays", "unclosed-arrays", "objects", "deep-params"],
)
def test_a_deeply_nested_body_gets_a_parse_error_and_the_server_keeps_serving(
    rpc: RawRpc, body: bytes
) -> None:
    response = rpc.post(data=body)

    assert response.status_code == 200
    assert response.json() == {"jsonrpc": "2.0", "error": response.json()["error"], "id": None}
    assert response.json()["error"]["code"] == ERRORS["parse_error"].code
    assert rpc.call("hello.world") == "Hello World!"


def test_a_body_nested_one_level_deeper_than_512_gets_a_parse_error(rpc: RawRpc) -> None:
    request = rpc.request("hello.world", {"x": nested(511)})  # 1 + 1 + 511 = 513 levels

    response = rpc.post(request)

    assert response.json()["error"]["code"] == ERRORS["parse_error"].code


def test_a_body_nested_512_levels_deep_is_processed_and_journaled(emulator: Emulator, rpc: RawRpc) -> None:
    params = {"x": nested(510)}  # 1 + 1 + 510 = 512 levels

    error = rpc.error("hello.world", params)

    assert error["code"] == ERRORS["invalid_params"].code
    assert emulator.sent("hello.world") == [params]
