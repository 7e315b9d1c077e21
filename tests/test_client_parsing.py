"""Property tests (hypothesis) of the client's pure functions: response parsing, Retry-After,
backoff, redaction and scrubbing. No network.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pulumi_mailboxorg.client import (
    backoff_delay,
    is_secret_param,
    parse_response,
    parse_retry_after,
    redact_params,
    scrub,
)
from pulumi_mailboxorg.config import name_settings
from pulumi_mailboxorg.errors import (
    ApiError,
    AuthenticationError,
    DnsVerificationRequiredError,
    InvalidResponseError,
    InvalidSessionError,
)

REQUEST_ID = "17"

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)
envelope_keys = st.sampled_from(["jsonrpc", "id", "result", "error", "method", "extra"])
loose_errors = st.dictionaries(st.sampled_from(["code", "message", "data"]), json_values, max_size=3)
loose_envelopes = st.dictionaries(
    envelope_keys,
    json_values | loose_errors | st.just("2.0") | st.just(REQUEST_ID),
    max_size=5,
)


def parse(body: bytes | str, method: str = "domain.get", secrets: tuple[str, ...] = ()) -> Any:
    return parse_response(body, method=method, request_id=REQUEST_ID, secrets=secrets)


def envelope(**members: Any) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": REQUEST_ID, **members}).encode()


def parses_or_raises_a_typed_error(body: bytes | str) -> None:
    """Parsing ``body`` returns, or raises InvalidResponseError / ApiError and nothing else."""
    failure: InvalidResponseError | ApiError | None = None
    try:
        parse(body)
    except (InvalidResponseError, ApiError) as exc:
        failure = exc
    if isinstance(failure, InvalidResponseError):
        assert failure.sent is True
        assert failure.method == "domain.get"
    elif isinstance(failure, ApiError):
        assert isinstance(failure.code, int)


# Any input yields a result or a typed error ---------------------------------------------------------


@given(st.binary(max_size=300))
@example(b"")
@example(b"\xff\xfe\x00")
@example(b"NaN")
@example(b'{"jsonrpc": "2.0", "id": "17", "result": Infinity}')
@example(b"1" * 5000)
@example(b"[" * 100_000)
@example(b'{"a":' * 50_000)
def test_any_body_bytes_give_a_result_or_a_typed_error(body: bytes) -> None:
    parses_or_raises_a_typed_error(body)


@given(json_values)
def test_any_json_value_as_body_gives_a_result_or_a_typed_error(value: Any) -> None:
    parses_or_raises_a_typed_error(json.dumps(value))


@given(loose_envelopes)
def test_any_envelope_shaped_object_gives_a_result_or_a_typed_error(value: dict[str, Any]) -> None:
    parses_or_raises_a_typed_error(json.dumps(value))


@given(st.text(max_size=200))
def test_any_text_body_gives_a_result_or_a_typed_error(body: str) -> None:
    parses_or_raises_a_typed_error(body)


# Well-formed answers ---------------------------------------------------------------------------------


@given(json_values)
def test_a_success_envelope_returns_its_result_unchanged(result: Any) -> None:
    assert parse(envelope(result=result)) == result


@given(st.integers(), st.text(), json_values)
def test_an_error_envelope_raises_an_api_error_with_code_message_and_data(
    code: int, message: str, data: Any
) -> None:
    with pytest.raises(ApiError) as caught:
        parse(envelope(error={"code": code, "message": message, "data": data}))
    assert (caught.value.code, caught.value.api_message, caught.value.data) == (code, message, data)
    assert caught.value.method == "domain.get"


@pytest.mark.parametrize(
    ("method", "code", "expected"),
    [
        ("auth", 2, AuthenticationError),
        ("domain.get", 2, ApiError),
        ("hello.innerworld", 253, InvalidSessionError),
        ("domain.add", 218, DnsVerificationRequiredError),
        ("domain.add", 409, ApiError),
        ("auth", 253, InvalidSessionError),
    ],
)
def test_error_codes_map_to_their_exception_class(method: str, code: int, expected: type[ApiError]) -> None:
    with pytest.raises(ApiError) as caught:
        parse(envelope(error={"code": code, "message": "m"}), method=method)
    assert type(caught.value) is expected


def test_the_error_is_read_before_a_null_result() -> None:
    with pytest.raises(InvalidSessionError):
        parse(envelope(result=None, error={"code": 253, "message": "This Auth-ID is invalid"}))


def test_a_null_error_next_to_a_result_is_a_success() -> None:
    assert parse(envelope(result=[1], error=None)) == [1]


def test_an_error_answer_may_carry_a_null_id() -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}})
    with pytest.raises(ApiError, match="Parse error"):
        parse(body)


def test_a_218_keeps_host_and_txt_even_when_they_contain_a_secret() -> None:
    data = {"host": "abcd1234" * 5 + ".example.com", "txt": "1234abcd" * 5}
    with pytest.raises(DnsVerificationRequiredError) as caught:
        parse(envelope(error={"code": 218, "message": "m", "data": data}), secrets=("abcd",))
    assert (caught.value.host, caught.value.txt) == (data["host"], data["txt"])


# Malformed answers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>502 Bad Gateway</html>", "not JSON"),
        (b"[]", "not a JSON-RPC object"),
        (b'"2.0"', "not a JSON-RPC object"),
        (json.dumps({"jsonrpc": "1.0", "id": REQUEST_ID, "result": 1}).encode(), "jsonrpc"),
        (json.dumps({"id": REQUEST_ID, "result": 1}).encode(), "jsonrpc"),
        (json.dumps({"jsonrpc": "2.0", "id": "18", "result": 1}).encode(), "id"),
        (json.dumps({"jsonrpc": "2.0", "id": 17, "result": 1}).encode(), "id"),
        (json.dumps({"jsonrpc": "2.0", "result": 1}).encode(), "id"),
        (json.dumps({"jsonrpc": "2.0", "id": "18", "error": {"code": 1, "message": "x"}}).encode(), "id"),
        (json.dumps({"jsonrpc": "2.0", "id": REQUEST_ID}).encode(), "neither"),
        (json.dumps({"jsonrpc": "2.0", "id": REQUEST_ID, "error": "boom"}).encode(), "not an object"),
        (json.dumps({"jsonrpc": "2.0", "id": REQUEST_ID, "error": {"message": "x"}}).encode(), "code"),
        (
            json.dumps({"jsonrpc": "2.0", "id": REQUEST_ID, "error": {"code": "2", "message": "x"}}).encode(),
            "code",
        ),
        (
            json.dumps(
                {"jsonrpc": "2.0", "id": REQUEST_ID, "error": {"code": True, "message": "x"}}
            ).encode(),
            "code",
        ),
        (json.dumps({"jsonrpc": "2.0", "id": REQUEST_ID, "error": {"code": 2}}).encode(), "message"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_a_malformed_answer_is_an_invalid_response_naming_the_problem(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidResponseError, match=reason) as caught:
        parse(body)
    assert caught.value.sent is True
    assert caught.value.settings == ("endpoint",)
    assert "mailboxorg:endpoint" in str(name_settings(caught.value))


def test_an_invalid_response_never_quotes_the_body() -> None:
    secret_session = "dlj3keZzTupJyX;KsSv57037ba615c926.43918213"
    body = json.dumps({"jsonrpc": "2.0", "id": "wrong", "result": {"session": secret_session}})
    with pytest.raises(InvalidResponseError) as caught:
        parse(body)
    assert secret_session not in str(caught.value)


# Secrets --------------------------------------------------------------------------------------------

secrets_strategy = st.lists(st.text(min_size=4, max_size=12), min_size=1, max_size=3)


@given(st.text(max_size=60), secrets_strategy)
@example("d>abab", ["d>ab"])
@example("x redacted y", ["redacted"])
@example("aaaaaa", ["aaaa"])
def test_scrubbed_text_contains_none_of_the_secrets(text: str, secrets: list[str]) -> None:
    assert not [s for s in secrets if s in scrub(text, secrets)]


@given(st.text(max_size=60))
def test_scrubbing_without_a_matching_secret_changes_nothing(text: str) -> None:
    assert scrub(text, ["\x00never-in-text\x00"]) == text
    assert scrub(text, ["abc"]) == text  # too short to scrub


@given(st.data())
def test_a_secret_echoed_in_an_error_never_reaches_the_exception(data: st.DataObject) -> None:
    secret = data.draw(st.text(min_size=4, max_size=16), label="secret")
    prefix = data.draw(st.text(max_size=10), label="prefix")
    code = data.draw(st.integers().filter(lambda c: c != 218), label="code")
    error = {"code": code, "message": f"{prefix}{secret} rejected", "data": {"echo": [secret], secret: 1}}
    with pytest.raises(ApiError) as caught:
        parse(envelope(error=error), secrets=(secret,))
    assert secret not in caught.value.api_message
    assert secret not in repr(caught.value.data)


redactable = st.recursive(
    st.text(max_size=5) | st.integers(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["password", "pass", "memo", "Token", "mail", "room_password"]), children
        )
    ),
    max_leaves=10,
)


def secret_leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [
            leaf
            for key, item in value.items()
            for leaf in ([item] if is_secret_param(key) else secret_leaves(item))
        ]
    if isinstance(value, list):
        return [leaf for item in value for leaf in secret_leaves(item)]
    return []


@given(redactable)
def test_redaction_replaces_every_secret_value_and_keeps_the_rest(value: Any) -> None:
    redacted = redact_params(value)
    assert all(leaf == "<redacted>" for leaf in secret_leaves(redacted))
    if not secret_leaves(value):
        assert redacted == value


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "pass",
        "PASSWORD",
        "password_hash",
        "new_account_password",
        "telephone_password",
        "token",
        "room_admin_password",
        "auth_id",
        "HPLS-AUTH",
        "api_secret",
    ],
)
def test_secret_parameter_keys_are_recognised(key: str) -> None:
    assert is_secret_param(key)


@pytest.mark.parametrize("key", ["mail", "memo", "plan", "domain", "account", "passive", "user"])
def test_ordinary_parameter_keys_are_not_secret(key: str) -> None:
    assert not is_secret_param(key)


# Retry-After and backoff -----------------------------------------------------------------------------


@given(st.text(max_size=40))
@example("Wed, 21 Oct 2015 07:28:00 GMT")
@example("Wed, 21 Oct 99999 07:28:00 GMT")
@example("9" * 400)
@example("-5")
@example("nan")
@example("1e9")
def test_any_retry_after_header_gives_none_or_a_finite_non_negative_delay(value: str) -> None:
    delay = parse_retry_after(value)
    assert delay is None or (math.isfinite(delay) and delay >= 0)


@given(st.integers(min_value=0, max_value=10**9))
def test_a_retry_after_in_seconds_is_read_as_such(seconds: int) -> None:
    assert parse_retry_after(f" {seconds} ") == seconds


def test_a_retry_after_http_date_is_the_time_until_then() -> None:
    now = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    earlier = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp()) == pytest.approx(90.0)
    assert parse_retry_after(earlier, now=now.timestamp()) == 0.0


def test_a_missing_or_unreadable_retry_after_is_none() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None


@given(
    st.integers(min_value=0, max_value=10_000),
    st.floats(min_value=0, max_value=100),
    st.floats(min_value=0, max_value=100),
    st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_backoff_grows_exponentially_up_to_the_cap_with_equal_jitter(
    retry: int, base: float, cap: float, draw: float
) -> None:
    ceiling = min(cap, base * 2.0 ** min(retry, 64))
    delay = backoff_delay(retry, base=base, cap=cap, rng=lambda: draw)
    assert ceiling / 2 <= delay <= ceiling


def test_backoff_doubles_from_the_base() -> None:
    delays = [backoff_delay(r, base=0.5, cap=8.0, rng=lambda: 0.999999) for r in range(6)]
    assert delays == pytest.approx([0.5, 1.0, 2.0, 4.0, 8.0, 8.0], rel=1e-5)
