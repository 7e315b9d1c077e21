"""Property tests (hypothesis): whatever the server answers, the user gets a result or a typed error.

``tests/test_client_parsing.py`` covers the pure parser (:func:`parse_response`) with arbitrary bodies.
This module extends it outwards, without repeating it:

* through the whole client over HTTP: any status, headers and body (a real socket to a stub server);
* through every resource operation: well-formed JSON-RPC answers whose ``result`` has any shape
  (lists where objects are expected, strings where numbers are, missing and extra keys), mixed with
  API errors and transport failures. A provider may then succeed or raise a
  :class:`~pulumi_mailboxorg.errors.MailboxOrgError`; a ``TypeError``, ``KeyError`` or
  ``AttributeError`` reaching the engine would be a bug (the user would see a Python traceback).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client_stub import FakeApi, Received, Reply, StubServer
from pulumi_mailboxorg import runtime
from pulumi_mailboxorg.client import MailboxOrgClient
from pulumi_mailboxorg.config import ProviderConfig
from pulumi_mailboxorg.dnscheck import PropagationResult, ServerAnswer
from pulumi_mailboxorg.errors import (
    ApiError,
    AuthenticationError,
    ConnectionFailedError,
    DnsVerificationRequiredError,
    InvalidResponseError,
    InvalidSessionError,
    MailboxOrgError,
    RequestTimeoutError,
)
from resources.support import PROVIDERS

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)

# -- the client over HTTP --------------------------------------------------------------------------------

statuses = st.sampled_from([200, 200, 200, 201, 202, 301, 302, 400, 401, 403, 404, 429, 500, 502, 503, 504])
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: ("raw", v)),
    st.fixed_dictionaries(
        {"jsonrpc": st.sampled_from(["2.0", "1.0", 2]), "result": json_values},
        optional={"error": json_values, "extra": json_values},
    ).map(lambda v: ("envelope", v)),
)


def _reply(status: int, body: Any, headers: dict[str, str]) -> Any:
    def answer(request: Received) -> Reply:
        if isinstance(body, bytes):
            raw = body
        elif body[0] == "envelope":
            raw = json.dumps({**body[1], "id": request.id}).encode()
        else:
            raw = json.dumps(body[1]).encode()
        return Reply(status=status, body=raw, headers=headers)

    return answer


answers = st.builds(
    _reply,
    statuses,
    bodies,
    st.dictionaries(st.sampled_from(["Retry-After", "Content-Type", "Location"]), header_values, max_size=2),
)


@pytest.fixture(scope="module")
def stub() -> Iterator[tuple[StubServer, FakeApi]]:
    api = FakeApi(users={"acme": "acme-pass"})
    with StubServer(api) as server:
        yield server, api


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=answers, method=st.sampled_from(["domain.get", "domain.add", "hello.world"]))
def test_any_http_answer_through_the_client_gives_a_result_or_a_typed_error(
    stub: tuple[StubServer, FakeApi], answer: Any, method: str
) -> None:
    server, api = stub
    api.override = lambda request: answer(request) if request.method == method else None
    with (
        mock.patch("pulumi_mailboxorg.client._sleep"),  # Retry-After and backoff are not waited for
        MailboxOrgClient(server.url, "acme", "acme-pass", max_retries=2, read_timeout=5) as client,
        suppress(MailboxOrgError),
    ):
        client.call(method, {"domain": "example.com"})


# -- every resource operation ----------------------------------------------------------------------------

KEYS = [
    "domain",
    "mail",
    "account",
    "context_id",
    "count_mails",
    "memo",
    "plan",
    "forwards",
    "aliases",
    "parent_uid",
    "status",
    "type",
    "address_main",
    "session",
]
plausible_objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)
results = st.one_of(
    json_values,
    plausible_objects,
    st.lists(plausible_objects, max_size=3),
    st.dictionaries(st.text(max_size=6), st.lists(json_values, max_size=3), max_size=3),  # context.list
)
failures = st.one_of(
    st.builds(ApiError, st.just("m"), st.sampled_from([2, 404, 409, 412, -32602]), st.text(max_size=20)),
    st.builds(DnsVerificationRequiredError, st.just("domain.add"), st.just(218), st.just("txt"), json_values),
    st.builds(InvalidSessionError, st.just("m"), st.just(253), st.just("expired")),
    st.builds(ConnectionFailedError, st.just("lost"), method=st.just("m"), sent=st.booleans()),
    st.builds(RequestTimeoutError, st.just("slow"), method=st.just("m"), sent=st.booleans()),
    st.builds(InvalidResponseError, st.just("bad body"), method=st.just("m")),
)


class OracleClient:
    """A stand-in for the API client: each call's outcome is drawn by hypothesis."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.level = "reseller"
        self.username = "u"
        self.calls = 0

    def login_works(self, _username: str, _password: str) -> bool:
        """The ownership proof (a throwaway login): drawn too, never a real connection."""
        if self.data.draw(st.integers(0, 3), label="proof login fails?") == 0:
            raise self.data.draw(failures, label="proof login failure")
        return self.data.draw(st.booleans(), label="proof login works?")

    def login(self) -> str:
        if self.data.draw(st.integers(0, 7), label="login fails?") == 0:
            raise self.data.draw(
                failures | st.builds(AuthenticationError, st.just("auth"), st.just(2), st.text())
            )
        return self.level

    def call(self, method: str, params: Any = None) -> Any:
        self.calls += 1
        if self.calls > 40:
            raise AssertionError("an operation made more than 40 API calls")
        if self.data.draw(st.integers(0, 3), label=f"{method} fails?") == 0:
            raise self.data.draw(failures, label=f"{method} failure")
        return self.data.draw(results, label=f"{method} result")


class ServedChecker:
    """A DNS check that always finds the record (so a 218 leads straight to the retries)."""

    def check(self, name: str, expected: str, budget: float | None = None) -> PropagationResult:
        answer = ServerAnswer("ns", "127.0.0.1", (expected,), None)
        return PropagationResult(name, name, expected, "example.com", 60, (answer,))


@contextmanager
def oracle(data: st.DataObject) -> Iterator[None]:
    config = ProviderConfig(username="u", password="p", verification_timeout=0.0, rate_limit=None)
    client = OracleClient(data)
    with (
        mock.patch.object(runtime, "current_config", return_value=config),
        mock.patch.object(runtime, "client", return_value=client),
        mock.patch.object(runtime, "login_works", side_effect=client.login_works),
        mock.patch.object(runtime, "checker", return_value=ServedChecker()),
        mock.patch("pulumi.log.info"),
        mock.patch("pulumi.log.warn"),
        mock.patch("time.sleep"),
    ):
        yield


INPUTS: dict[str, dict[str, Any]] = {
    "Domain": {"account": "acme", "domain": "example.com", "password": "dp-1", "memo": "m"},
    "Mailbox": {
        "mail": "ada@example.com",
        "password": "mp-1",
        "plan": "standard",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "aliases": ["info@example.com"],
        "active": False,
    },
    "Account": {"account": "customer1", "password": "ap-1", "plan": "basic", "memo": "m"},
    "Context": {"account": "acme", "domains": ["a.example", "b.example"]},
    "DomainChallenge": {"account": "acme", "domain": "example.com"},
}
CHANGES: dict[str, dict[str, Any]] = {
    "Domain": {"memo": "n", "password": "dp-2", "createNewContext": True},
    "Mailbox": {"memo": "n", "aliases": [], "additionalMailQuota": "5"},
    "Account": {"memo": "n", "plan": "profi"},
    "Context": {"domains": ["a.example", "c.example"]},
    "DomainChallenge": {},
}
#: Outputs a create recorded, which update and delete receive besides the inputs.
OUTPUTS: dict[str, dict[str, Any]] = {
    "Domain": {"contextId": "100001", "countMails": 1, "verificationHost": "", "verificationTxt": ""},
    "Mailbox": {"domain": "example.com", "type": "inbox", "account": "acme"},
    "Account": {"status": "aktiv", "type": "BMBO"},
    "Context": {"contextId": "100001"},
    "DomainChallenge": {"host": "abc.example.com", "txt": "abc", "recordName": "abc"},
}
OPERATIONS = ["create", "read", "update", "delete"]


def run(kind: str, operation: str, adopt: bool) -> None:
    provider = PROVIDERS[kind]()
    checked = provider.check({}, {**INPUTS[kind], **({"adopt": True} if adopt and kind != "Context" else {})})
    checked = provider.check({}, INPUTS[kind]) if checked.failures else checked
    assert not checked.failures, checked.failures
    inputs = dict(checked.inputs)
    olds = {**inputs, **OUTPUTS[kind]}
    id_ = {"Mailbox": inputs.get("mail"), "Context": "100001"}.get(kind) or inputs.get("domain") or "x"
    if operation == "create":
        provider.create(inputs)
    elif operation == "read":
        provider.read(str(id_), olds)
    elif operation == "update":
        provider.update(str(id_), olds, {**inputs, **CHANGES[kind]})
    else:
        provider.delete(str(id_), olds)


@settings(max_examples=60, deadline=None)
@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("kind", sorted(INPUTS))
@given(data=st.data(), adopt=st.booleans())
def test_any_answer_shape_gives_every_operation_a_result_or_a_typed_error(
    kind: str, operation: str, data: st.DataObject, adopt: bool
) -> None:
    with oracle(data), suppress(MailboxOrgError):
        run(kind, operation, adopt)
