"""Domain and DomainChallenge refuse an unusable 218 answer at once: no wait, no DNS query, no output.

The providers are driven directly with a scripted client (no engine, no network): ``domain.list``
finds nothing and ``domain.add`` answers 218 with the ``data`` under test.
"""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_mailboxorg import runtime
from pulumi_mailboxorg.challenge import DomainChallengeProvider
from pulumi_mailboxorg.domain import DomainProvider
from pulumi_mailboxorg.errors import ChallengeError, DnsVerificationRequiredError
from pulumi_mailboxorg.provider import MailboxOrgProvider


class ScriptedClient:
    def __init__(self, data: Any) -> None:
        self.data = data
        self.calls: list[str] = []

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self.calls.append(method)
        if method == "domain.list":
            return []
        if method == "domain.add":
            raise DnsVerificationRequiredError("domain.add", 218, "The DNS TXT record is missing", self.data)
        raise AssertionError(f"unexpected call {method}")

    def login(self) -> str:
        return "account"


UNUSABLE = [
    {"host": "_verify.evil.example", "txt": "0" * 40},
    None,
    {"host": "a" * 40 + ".example.com", "txt": "abc\ninfo: all done"},
]


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    lines: list[str] = []
    monkeypatch.setattr(MailboxOrgProvider, "log", lambda self, message: lines.append(message), raising=False)
    monkeypatch.setattr(runtime, "checker", lambda: pytest.fail("no DNS check may run"))
    return lines


@pytest.mark.parametrize("data", UNUSABLE)
def test_a_domain_create_fails_at_once_on_an_unusable_challenge(
    monkeypatch: pytest.MonkeyPatch, logs: list[str], data: Any
) -> None:
    client = ScriptedClient(data)
    monkeypatch.setattr(MailboxOrgProvider, "client", staticmethod(lambda values=None: client))
    with pytest.raises(ChallengeError, match="unusable ownership challenge"):
        DomainProvider().create({"account": "acme", "domain": "example.com", "verificationTimeout": 600})
    assert client.calls.count("domain.add") == 1
    assert logs == []


@pytest.mark.parametrize("data", UNUSABLE)
def test_a_domain_challenge_create_fails_at_once_on_an_unusable_challenge(
    monkeypatch: pytest.MonkeyPatch, logs: list[str], data: Any
) -> None:
    client = ScriptedClient(data)
    monkeypatch.setattr(MailboxOrgProvider, "client", staticmethod(lambda values=None: client))
    with pytest.raises(ChallengeError, match="unusable ownership challenge"):
        DomainChallengeProvider().create({"account": "acme", "domain": "example.com"})
    assert client.calls.count("domain.add") == 1
    assert logs == []
