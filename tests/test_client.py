"""Unit tests of pulumi_mailboxorg.client against a scripted server on 127.0.0.1 (no emulator).

Envelope and headers, lazy login and re-login, error mapping, thread safety, endpoint checks,
closing, the rate limiter, and the rule that no secret reaches an error text or a log line.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from typing import Any

import pytest

from client_stub import FakeApi, Received, Reply, StubServer, error, ok
from pulumi_mailboxorg.client import (
    ANONYMOUS_METHODS,
    DEFAULT_ENDPOINT,
    ClientStats,
    MailboxOrgClient,
    TokenBucket,
    check_endpoint,
    is_read_only,
)
from pulumi_mailboxorg.config import name_settings
from pulumi_mailboxorg.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    DnsVerificationRequiredError,
    HTTPStatusError,
    InvalidResponseError,
    InvalidSessionError,
    MailboxOrgError,
)

SENTINEL_PASSWORD = "Sentinel-Pa55word-7f3a"


@pytest.fixture
def api() -> FakeApi:
    return FakeApi(users={"acme": "acme-pass", "secret-user": SENTINEL_PASSWORD})


@pytest.fixture
def server(api: FakeApi) -> Iterator[StubServer]:
    with StubServer(api) as stub:
        yield stub


@pytest.fixture
def client(server: StubServer) -> Iterator[MailboxOrgClient]:
    with MailboxOrgClient(server.url, "acme", "acme-pass", backoff_base=0.0) as c:
        yield c


# Endpoint and construction -----------------------------------------------------------------------


def test_the_default_endpoint_is_the_official_https_url() -> None:
    assert DEFAULT_ENDPOINT == "https://api.mailbox.org/v1/"
    assert MailboxOrgClient().endpoint == DEFAULT_ENDPOINT


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8080/v1/",
        "http://127.42.0.9/v1/",
        "http://[::1]:9000/v1/",
        "http://localhost:8080/v1/",
        "https://api.example.net/v1/",
    ],
)
def test_https_and_loopback_http_endpoints_are_accepted(endpoint: str) -> None:
    assert check_endpoint(endpoint) == endpoint


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://api.mailbox.org/v1/",
        "http://10.0.0.1/v1/",
        "http://[::2]/v1/",
        "http://localhost.example.com/v1/",
        "ftp://api.mailbox.org/v1/",
        "api.mailbox.org/v1/",
        "",
        "https:///v1/",
        "http://127.0.0.1:99999/v1/",
    ],
)
def test_plain_http_to_a_remote_host_and_malformed_urls_are_refused_naming_the_setting(endpoint: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        MailboxOrgClient(endpoint)
    assert caught.value.settings == ("endpoint",)
    assert "mailboxorg" not in str(caught.value)  # the transport knows no stack configuration
    named = name_settings(caught.value)  # the provider layer names the key
    assert isinstance(named, ConfigurationError)
    assert named.key == "mailboxorg:endpoint"
    assert named.env == "MAILBOXORG_ENDPOINT"
    assert "mailboxorg:endpoint" in str(named)
    assert "MAILBOXORG_ENDPOINT" in str(named)


def test_an_endpoint_with_embedded_credentials_is_refused_without_repeating_them() -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_endpoint(f"https://acme:{SENTINEL_PASSWORD}@api.mailbox.org/v1/")
    assert SENTINEL_PASSWORD not in str(caught.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"connect_timeout": 0},
        {"read_timeout": -1.0},
        {"read_timeout": float("inf")},
        {"max_retries": -1},
        {"backoff_base": -0.1},
        {"backoff_max": float("nan")},
        {"user_agent": "bad\r\nheader"},
    ],
)
def test_invalid_tuning_values_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each case has its own message)
        MailboxOrgClient(DEFAULT_ENDPOINT, **kwargs)


@pytest.mark.parametrize("rate", [0.0, -1.0, float("nan")])
def test_a_non_positive_rate_limit_is_a_configuration_error_naming_the_setting(rate: float) -> None:
    with pytest.raises(ConfigurationError) as caught:
        MailboxOrgClient(DEFAULT_ENDPOINT, rate_limit=rate)
    assert caught.value.settings == ("rate_limit",)
    assert "mailboxorg" not in str(caught.value)
    named = name_settings(caught.value)
    assert isinstance(named, ConfigurationError)
    assert named.key == "mailboxorg:rateLimit"


# Envelope and headers ----------------------------------------------------------------------------


def test_a_call_posts_one_json_rpc_2_0_request_with_named_params(
    client: MailboxOrgClient, server: StubServer
) -> None:
    client.call("domain.get", {"domain": "example.com"})
    request = server.received[-1]
    envelope = json.loads(request.body)
    assert request.path == "/v1/"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == f"pulumi-mailboxorg/{version('pulumi-mailboxorg')}"
    assert set(envelope) == {"jsonrpc", "method", "params", "id"}
    assert envelope["jsonrpc"] == "2.0"
    assert envelope["method"] == "domain.get"
    assert envelope["params"] == {"domain": "example.com"}
    assert isinstance(envelope["id"], str)


def test_params_default_to_an_empty_object(client: MailboxOrgClient, server: StubServer) -> None:
    client.call("hello.world")
    assert json.loads(server.received[-1].body)["params"] == {}


def test_the_result_is_returned_unchanged(server: StubServer, api: FakeApi) -> None:
    results: list[Any] = [None, False, 0, "text", [1, {"a": None}], {"nested": {"x": [True]}}]
    queue = list(results)
    api.override = lambda r: ok(r, queue.pop(0)) if r.method == "echo.get" else None
    with MailboxOrgClient(server.url, "acme", "acme-pass") as client:
        assert [client.call("echo.get") for _ in results] == results


def test_every_request_gets_a_unique_string_id_even_across_threads(
    client: MailboxOrgClient, server: StubServer
) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: client.call("hello.world"), range(40)))
    ids = [r.id for r in server.received]
    assert all(isinstance(i, str) for i in ids)
    assert len(set(ids)) == len(ids) == 40


def test_the_auth_id_is_sent_in_the_hpls_auth_header_byte_for_byte(
    client: MailboxOrgClient, server: StubServer, api: FakeApi
) -> None:
    client.call("hello.innerworld")
    (issued,) = api.sessions
    assert set(";%)&") <= set(issued)
    assert server.received[-1].headers["HPLS-AUTH"] == issued


def test_anonymous_methods_neither_log_in_nor_send_an_auth_id(
    client: MailboxOrgClient, server: StubServer
) -> None:
    assert client.call("hello.world") == "Hello World!"
    assert server.methods() == ["hello.world"]
    assert server.received[-1].auth_id is None
    assert {"auth", "hello.world"} <= ANONYMOUS_METHODS


def test_an_anonymous_method_after_a_login_still_sends_no_auth_id(
    client: MailboxOrgClient, server: StubServer
) -> None:
    client.call("hello.innerworld")
    client.call("hello.world")
    assert server.methods() == ["auth", "hello.innerworld", "hello.world"]
    assert [r.auth_id is None for r in server.received] == [True, False, True]


def test_the_first_call_that_needs_a_session_logs_in_lazily(
    client: MailboxOrgClient, server: StubServer
) -> None:
    assert client.level is None
    assert client.call("hello.innerworld") == "Hello Inner-World!"
    assert server.methods() == ["auth", "hello.innerworld"]
    assert json.loads(server.received[0].body)["params"] == {"user": "acme", "pass": "acme-pass"}
    assert client.level == "account"


def test_login_returns_the_level_and_later_calls_reuse_the_session(
    client: MailboxOrgClient, api: FakeApi
) -> None:
    assert client.login() == "account"
    assert client.login() == "account"
    client.call("hello.innerworld")
    client.call("domain.list", {"account": "acme"})
    assert api.logins == 1


@pytest.mark.parametrize(
    ("username", "password", "key", "env"),
    [
        (None, "pw", "mailboxorg:username", "MAILBOXORG_USERNAME"),
        ("acme", None, "mailboxorg:password", "MAILBOXORG_PASSWORD"),
        ("acme", "", "mailboxorg:password", "MAILBOXORG_PASSWORD"),
    ],
)
def test_missing_credentials_raise_a_configuration_error_naming_the_setting(
    server: StubServer, username: str | None, password: str | None, key: str, env: str
) -> None:
    with (
        MailboxOrgClient(server.url, username, password) as client,
        pytest.raises(ConfigurationError) as caught,
    ):
        client.call("hello.innerworld")
    assert "mailboxorg" not in str(caught.value)
    named = name_settings(caught.value)
    assert isinstance(named, ConfigurationError)
    assert (named.key, named.env) == (key, env)
    assert key in str(named) and env in str(named)
    assert server.count("auth") == 0


def test_a_refused_login_raises_authentication_error_naming_the_settings(server: StubServer) -> None:
    with (
        MailboxOrgClient(server.url, "acme", SENTINEL_PASSWORD) as client,
        pytest.raises(AuthenticationError) as caught,
    ):
        client.call("hello.innerworld")
    assert caught.value.code == 2
    assert caught.value.api_message == "Access denied"
    assert caught.value.settings == ("username", "password")
    named = str(name_settings(caught.value))
    assert "mailboxorg:username" in named
    assert "mailboxorg:password" in named
    assert SENTINEL_PASSWORD not in named
    assert SENTINEL_PASSWORD not in str(caught.value)
    assert server.count("auth") == 1


def test_auth_called_directly_returns_the_session_without_touching_the_clients_own(
    client: MailboxOrgClient, api: FakeApi
) -> None:
    result = client.call("auth", {"user": "acme", "pass": "acme-pass"})
    assert set(result) == {"session", "level"}
    assert client.level is None


def test_an_auth_answer_without_a_usable_session_is_an_invalid_response_that_does_not_echo_it(
    server: StubServer, api: FakeApi
) -> None:
    api.override = lambda r: (
        ok(r, {"session": "bad id\r\nX: y", "level": "account"}) if r.method == "auth" else None
    )
    client = MailboxOrgClient(server.url, "acme", "acme-pass", max_retries=0)
    with pytest.raises(InvalidResponseError) as caught:
        client.login()
    assert "bad id" not in str(caught.value)
    assert client.level is None
    client.close()


# Error mapping -----------------------------------------------------------------------------------


def test_code_2_outside_auth_is_a_plain_api_error(client: MailboxOrgClient, api: FakeApi) -> None:
    api.override = lambda r: error(r, 2, "Access denied") if r.method == "account.get" else None
    with pytest.raises(ApiError) as caught:
        client.call("account.get", {"account": "other"})
    assert type(caught.value) is ApiError
    assert (caught.value.method, caught.value.code) == ("account.get", 2)


def test_code_218_raises_dns_verification_required_with_host_and_txt(
    client: MailboxOrgClient, api: FakeApi
) -> None:
    data = {"host": "5adc6e5a00bfa3f9fe1b1e14c73e03ad651b601c.example.com.", "txt": "9dd07dc0" * 5}
    api.override = lambda r: (
        error(r, 218, "The DNS TXT record does not contain the correct data", data)
        if r.method == "domain.add"
        else None
    )
    with pytest.raises(DnsVerificationRequiredError) as caught:
        client.call("domain.add", {"account": "acme", "domain": "example.com", "password": "x"})
    assert caught.value.host == "5adc6e5a00bfa3f9fe1b1e14c73e03ad651b601c.example.com"
    assert caught.value.txt == "9dd07dc0" * 5
    assert caught.value.data == data


def test_other_error_codes_raise_api_error_with_code_message_and_data(
    client: MailboxOrgClient, api: FakeApi
) -> None:
    api.override = lambda r: (
        error(r, 404, "Object not found", {"mail": "x@example.com"}) if r.method == "mail.get" else None
    )
    with pytest.raises(ApiError) as caught:
        client.call("mail.get", {"mail": "x@example.com"})
    assert (caught.value.code, caught.value.api_message) == (404, "Object not found")
    assert caught.value.data == {"mail": "x@example.com"}
    assert "404" in str(caught.value)
    assert "mail.get" in str(caught.value)


def test_the_error_member_is_checked_before_the_result(client: MailboxOrgClient, api: FakeApi) -> None:
    def both(r: Received) -> Reply:
        body = {"jsonrpc": "2.0", "result": None, "error": {"code": 404, "message": "gone"}, "id": r.id}
        return Reply(body=json.dumps(body).encode())

    api.override = lambda r: both(r) if r.method == "domain.get" else None
    with pytest.raises(ApiError, match="gone"):
        client.call("domain.get", {"domain": "example.com"})


def test_a_json_rpc_error_sent_with_a_non_200_status_is_still_an_api_error(
    client: MailboxOrgClient, api: FakeApi, server: StubServer
) -> None:
    api.override = lambda r: (
        error(r, -32603, "Internal error", status=500) if r.method == "domain.get" else None
    )
    with pytest.raises(ApiError) as caught:
        client.call("domain.get", {"domain": "example.com"})
    assert caught.value.code == -32603
    assert server.count("domain.get") == 1


def test_a_253_sent_with_http_401_still_triggers_a_relogin(
    client: MailboxOrgClient, api: FakeApi, server: StubServer
) -> None:
    def unauthorized(r: Received) -> Reply | None:
        if r.method == "domain.get" and r.auth_id not in api.sessions:
            return error(r, 253, "This Auth-ID is invalid", status=401)
        return None

    client.login()
    api.expire()
    api.override = unauthorized
    assert client.call("domain.get", {"domain": "example.com"})["method"] == "domain.get"
    assert api.logins == 2
    assert server.count("domain.get") == 2


def test_a_redirect_is_not_followed_and_the_error_names_the_setting(
    client: MailboxOrgClient, api: FakeApi, server: StubServer
) -> None:
    api.override = lambda r: Reply(status=308, headers={"Location": "http://evil.example/v1/?q=1"})
    with pytest.raises(HTTPStatusError) as caught:
        client.call("hello.world")
    assert caught.value.status_code == 308
    assert caught.value.settings == ("endpoint",)
    assert "mailboxorg:endpoint" in str(name_settings(caught.value))
    assert "evil.example" in str(caught.value)
    assert server.count("hello.world") == 1


def test_an_unexpected_http_status_is_raised_without_retrying(
    client: MailboxOrgClient, api: FakeApi, server: StubServer
) -> None:
    api.override = lambda r: (
        Reply(status=404, body=b"<html>Not Found</html>", headers={"Content-Type": "text/html"})
        if r.method == "domain.list"
        else None
    )
    with pytest.raises(HTTPStatusError) as caught:
        client.call("domain.list", {"account": "acme"})
    assert caught.value.status_code == 404
    assert server.count("domain.list") == 1


def test_params_that_are_not_json_raise_type_error_without_quoting_the_value(
    client: MailboxOrgClient,
) -> None:
    with pytest.raises(TypeError) as caught:
        client.call("mail.set", {"mail": "a@example.com", "password": {SENTINEL_PASSWORD}})
    assert SENTINEL_PASSWORD not in str(caught.value)
    with pytest.raises(TypeError):
        client.call("mail.set", {"mail": "a@example.com", "quota": float("nan")})


def test_a_method_name_must_be_a_non_empty_string(client: MailboxOrgClient) -> None:
    with pytest.raises(ValueError, match="method"):
        client.call("")


# Sessions: expiry and re-login -------------------------------------------------------------------


def test_an_expired_session_triggers_exactly_one_relogin_and_the_call_is_repeated(
    client: MailboxOrgClient, api: FakeApi, server: StubServer
) -> None:
    client.call("hello.innerworld")
    first_session = server.received[-1].auth_id
    api.expire()
    assert client.call("domain.get", {"domain": "example.com"})["method"] == "domain.get"
    assert api.logins == 2
    assert server.methods() == ["auth", "hello.innerworld", "domain.get", "auth", "domain.get"]
    assert server.received[-1].auth_id != first_session
    assert client.stats.retries == 1


def test_a_mutating_call_refused_with_253_is_repeated_after_the_relogin(
    client: MailboxOrgClient, api: FakeApi, server: StubServer
) -> None:
    client.login()
    api.expire()
    client.call("mail.del", {"mail": "a@example.com"})
    assert server.count("mail.del") == 2
    assert api.logins == 2


def test_a_second_253_right_after_the_relogin_is_raised(
    client: MailboxOrgClient, api: FakeApi, server: StubServer
) -> None:
    api.override = lambda r: error(r, 253, "This Auth-ID is invalid") if r.method == "domain.get" else None
    with pytest.raises(InvalidSessionError):
        client.call("domain.get", {"domain": "example.com"})
    assert server.count("domain.get") == 2
    assert api.logins == 2


def test_four_threads_share_one_initial_login(client: MailboxOrgClient, api: FakeApi) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: client.call("hello.innerworld"), range(4)))
    assert results == ["Hello Inner-World!"] * 4
    assert api.logins == 1


def test_four_threads_seeing_253_for_the_same_session_at_once_log_in_again_exactly_once(
    client: MailboxOrgClient, api: FakeApi, server: StubServer
) -> None:
    client.login()
    stale = next(iter(api.sessions))
    barrier = threading.Barrier(4, timeout=10)

    def all_fail_together(r: Received) -> Reply | None:
        if r.method == "domain.get" and r.auth_id == stale:
            barrier.wait()  # every thread's request is in flight before any answer
            return error(r, 253, "This Auth-ID is invalid")
        return None

    api.override = all_fail_together
    api.expire()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: client.call("domain.get", {"domain": f"d{i}.example"}), range(4)))
    assert [r["params"]["domain"] for r in results] == [f"d{i}.example" for i in range(4)]
    assert api.logins == 2
    assert server.count("domain.get") == 8


def test_parallel_requests_are_not_serialised_behind_a_lock(client: MailboxOrgClient, api: FakeApi) -> None:
    client.login()
    api.override = lambda r: Reply(delay=0.2, body=ok(r, "slow").body) if r.method == "domain.get" else None
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: client.call("domain.get", {"domain": "example.com"}), range(4)))
    elapsed = time.monotonic() - started
    assert results == ["slow"] * 4
    assert elapsed < 0.6  # four serial requests would take at least 0.8 s


# deauth, close, context manager, stats, repr ------------------------------------------------------


def test_deauth_through_call_ends_the_session_and_the_next_call_logs_in_again(
    client: MailboxOrgClient, api: FakeApi
) -> None:
    client.login()
    assert client.call("deauth") is True
    assert client.level is None
    assert api.sessions == set()
    client.call("hello.innerworld")
    assert api.logins == 2


def test_close_logs_out_releases_the_client_and_is_idempotent(server: StubServer, api: FakeApi) -> None:
    client = MailboxOrgClient(server.url, "acme", "acme-pass")
    client.login()
    client.close()
    client.close()
    assert server.count("deauth") == 1
    assert api.sessions == set()
    with pytest.raises(RuntimeError, match="closed"):
        client.call("hello.world")


def test_close_without_a_session_sends_nothing(server: StubServer) -> None:
    with MailboxOrgClient(server.url, "acme", "acme-pass") as client:
        client.call("hello.world")
    assert server.methods() == ["hello.world"]


def test_close_ignores_a_failing_deauth(server: StubServer, api: FakeApi) -> None:
    client = MailboxOrgClient(server.url, "acme", "acme-pass")
    client.login()
    api.override = lambda r: Reply(status=503) if r.method == "deauth" else None
    client.close()
    assert server.count("deauth") == 1


def test_the_stats_count_requests_logins_and_retries(client: MailboxOrgClient, api: FakeApi) -> None:
    assert client.stats == ClientStats(calls=0, logins=0, retries=0)
    client.call("hello.innerworld")
    api.expire()
    client.call("hello.innerworld")
    assert client.stats == ClientStats(calls=5, logins=2, retries=1)


def test_the_repr_names_the_endpoint_and_user_but_no_secret(server: StubServer, api: FakeApi) -> None:
    with MailboxOrgClient(server.url, "secret-user", SENTINEL_PASSWORD) as client:
        client.login()
        text = repr(client)
        assert server.url in text
        assert "secret-user" in text
        assert SENTINEL_PASSWORD not in text
        assert next(iter(api.sessions)) not in text


@pytest.mark.parametrize("module", ["pickle", "dill"])
def test_a_client_refuses_to_be_serialised_so_its_password_cannot_reach_the_stack_state(
    client: MailboxOrgClient, module: str
) -> None:
    serializer = pytest.importorskip(module)
    with pytest.raises(TypeError, match="cannot be serialised"):
        serializer.dumps(client)


def test_cookies_set_by_the_server_are_never_sent_back(
    client: MailboxOrgClient, api: FakeApi, server: StubServer
) -> None:
    api.override = lambda r: (
        Reply(body=ok(r, 1).body, headers={"Set-Cookie": "PHPSESSID=abc; Path=/"})
        if r.method == "hello.world"
        else None
    )
    client.call("hello.world")
    client.call("hello.world")
    assert all("Cookie" not in r.headers for r in server.received)


# Secrets never reach error texts or logs ----------------------------------------------------------


def test_no_error_text_or_debug_log_line_contains_the_password_or_auth_id(
    server: StubServer, api: FakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    mailbox_password = "Mailbox-Secret-93kd"

    def echo_everything(r: Received) -> Reply | None:
        # A hostile or buggy server that echoes parameters and the Auth-ID in its errors.
        if r.method == "mail.add":
            text = f"cannot use {json.dumps(r.params)} with {r.auth_id}"
            return error(r, 500, text, {"echo": r.params, "auth": r.auth_id})
        if r.method == "mail.set":
            return Reply(status=200, body=b"not json " + SENTINEL_PASSWORD.encode())
        return None

    api.override = echo_everything
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    with MailboxOrgClient(
        server.url, "secret-user", SENTINEL_PASSWORD, max_retries=1, backoff_base=0
    ) as client:
        client.call("hello.innerworld")
        auth_id = next(iter(api.sessions))
        for method in ("mail.add", "mail.set"):
            with pytest.raises(MailboxOrgError) as caught:
                client.call(method, {"mail": "a@example.com", "password": mailbox_password, "plan": "light"})
            errors.append(caught.value)
        api.expire()
        client.call("hello.innerworld")  # 253 -> re-login, logged
    with (
        MailboxOrgClient(server.url, "secret-user", "wrong-" + SENTINEL_PASSWORD) as bad,
        pytest.raises(AuthenticationError) as refused,
    ):
        bad.login()
    errors.append(refused.value)

    texts = [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [repr(vars(e)) for e in errors]
    texts += [record.getMessage() for record in caplog.records]
    assert any("mail.add" in record.getMessage() for record in caplog.records)
    for secret in (SENTINEL_PASSWORD, mailbox_password, auth_id):
        assert not [t for t in texts if secret in t], secret


def test_secret_params_are_redacted_in_the_debug_log_of_a_call(
    client: MailboxOrgClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pulumi_mailboxorg.client")
    client.call("account.add", {"account": "x", "password": "pw-123456", "plan": "basic", "memo": "hi"})
    call_lines = [r.getMessage() for r in caplog.records if "account.add params" in r.getMessage()]
    assert call_lines
    assert "pw-123456" not in call_lines[0]
    assert "'memo': 'hi'" in call_lines[0]


# Read-only classification and rate limiter -------------------------------------------------------


@pytest.mark.parametrize(
    "method",
    [
        "auth",
        "hello.world",
        "hello.innerworld",
        "account.get",
        "account.list",
        "domain.get",
        "domain.list",
        "context.list",
        "mail.get",
        "mail.list",
        "mail.backup.list",
        "domain.deletelist.search",
        "search",
        "mail.passwordreset.listmethods",
        "account.invoice.get",
    ],
)
def test_methods_that_change_nothing_are_classified_read_only(method: str) -> None:
    assert is_read_only(method)


@pytest.mark.parametrize(
    "method",
    [
        "deauth",
        "account.add",
        "account.set",
        "account.del",
        "domain.add",
        "domain.set",
        "domain.del",
        "mail.add",
        "mail.set",
        "mail.del",
        "mail.backup.import",
        "mail.blacklist.add",
        "unknown.method",
        "",
    ],
)
def test_methods_that_may_change_data_or_are_unknown_are_classified_mutating(method: str) -> None:
    assert not is_read_only(method)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_token_bucket_allows_a_burst_then_spaces_requests_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2.0, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2:] == pytest.approx([0.5, 0.5, 0.5])
    assert clock.now == pytest.approx(1.5)


def test_the_token_bucket_refills_while_idle_up_to_its_capacity() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1.0, capacity=3, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        bucket.acquire()
    clock.now += 100.0
    assert [bucket.acquire() for _ in range(4)] == pytest.approx([0.0, 0.0, 0.0, 1.0])


def test_threads_waiting_on_the_token_bucket_reserve_distinct_slots() -> None:
    clock = FakeClock()  # frozen: every reservation is made at the same instant
    bucket = TokenBucket(10.0, capacity=1, clock=clock, sleep=clock.sleep)
    bucket.reserve()
    with ThreadPoolExecutor(max_workers=4) as pool:
        waits = sorted(pool.map(lambda _: bucket.reserve(), range(8)))
    assert waits == pytest.approx([0.1 * n for n in range(1, 9)])


@pytest.mark.parametrize(("rate", "capacity"), [(0.0, None), (-1.0, None), (1.0, 0.5), (float("inf"), None)])
def test_the_token_bucket_rejects_unusable_settings(rate: float, capacity: float | None) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        TokenBucket(rate, capacity)


def test_the_client_rate_limit_spaces_requests_across_threads(server: StubServer) -> None:
    with MailboxOrgClient(server.url, rate_limit=20.0) as client:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda _: client.call("hello.world"), range(30)))
        elapsed = time.monotonic() - started
    # A burst of 20, then 10 more at 20/s: at least 0.5 s.
    assert elapsed >= 0.45
