"""Bad input is rejected by ``Check``, naming the property, before any API call.

Each case is one invalid value for one property of a resource whose other inputs are valid. All cases
go through one real provider host configured against the emulator (as one ``pulumi preview`` would);
each must fail with exactly one failure, for that property, whose reason starts with the property's
name, and the emulator must not have received a single call (not even a login).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from harness import HostPool, ProviderHost, make_urn
from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.properties import find
from resources.support import PROVIDERS, stack_config

BASE: dict[str, dict[str, Any]] = {
    "Domain": {"account": "acme", "domain": "ok.example", "password": "domain-pass-1"},
    "Mailbox": {
        "mail": "ada@ok.example",
        "password": "Mail-pass-1",
        "plan": "standard",
        "firstName": "Ada",
        "lastName": "Lovelace",
    },
    "Account": {"account": "customer1", "password": "account-pass-1", "plan": "basic"},
    "Context": {"account": "acme", "domains": ["a.example", "b.example"]},
    "DomainChallenge": {"account": "acme", "domain": "ok.example"},
    "MailDnsCheck": {"domain": "ok.example"},
}


@dataclass(frozen=True)
class Bad:
    """An invalid input: ``kind`` with ``changes`` applied (None removes a property)."""

    kind: str
    changes: dict[str, Any]
    property: str  # the wire name the failure must name
    says: str  # a piece of the reason

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}"[:40] for k, v in self.changes.items())
        return f"{self.kind}[{shown}]"

    def props(self) -> dict[str, Any]:
        props = {**BASE[self.kind], **self.changes}
        return {k: v for k, v in props.items() if v is not None}


LONG_LABEL = "a" * 64 + ".example"
LONG_DOMAIN = ".".join(["a" * 60] * 5) + ".example"  # 312 characters
CYRILLIC_A = "\u0430"

CASES = [
    # Domain names: malformed, too long, mixed scripts, wrong type, empty.
    Bad("Domain", {"domain": "exa mple.com"}, "domain", "white space"),
    Bad("Domain", {"domain": "-bad.example"}, "domain", "hyphen"),
    Bad("Domain", {"domain": "bad-.example"}, "domain", "hyphen"),
    Bad("Domain", {"domain": "ex_ample.com"}, "domain", "letters, digits or hyphens"),
    Bad("Domain", {"domain": "example..com"}, "domain", "empty label"),
    Bad("Domain", {"domain": "localhost"}, "domain", "fully qualified"),
    Bad("Domain", {"domain": "example.123"}, "domain", "numeric"),
    Bad("Domain", {"domain": LONG_LABEL}, "domain", "1-63"),
    Bad("Domain", {"domain": LONG_DOMAIN}, "domain", "longer than 253"),
    Bad("Domain", {"domain": f"p{CYRILLIC_A}ypal.com"}, "domain", "mixes scripts"),
    Bad("Domain", {"domain": ""}, "domain", "empty"),
    Bad("Domain", {"domain": 42}, "domain", "a domain name such as 'example.com', got the number 42"),
    Bad("Domain", {"account": ""}, "account", "empty"),
    Bad("Domain", {"account": "ac me"}, "account", "white space"),
    Bad("Domain", {"account": "x" * 129}, "account", "at most 128"),
    Bad("Domain", {"password": 12345}, "password", "string"),
    Bad("Domain", {"password": ""}, "password", "empty"),
    Bad("Domain", {"memo": "bell\x07"}, "memo", "control characters"),
    Bad("Domain", {"memo": "m" * 4097}, "memo", "at most 4096"),
    Bad("Domain", {"createNewContext": "yes"}, "createNewContext", "true or false"),
    Bad("Domain", {"verificationTimeout": -1}, "verificationTimeout", "between 0"),
    Bad("Domain", {"verificationTimeout": 1.5}, "verificationTimeout", "whole number"),
    Bad("Domain", {"contextId": "100001", "createNewContext": True}, "createNewContext", "only one"),
    Bad("Domain", {"colour": "blue"}, "colour", "unknown property"),
    Bad("Domain", {"context_id": "100001"}, "context_id", "contextId"),
    Bad("Domain", {"adopt": "maybe"}, "adopt", "true or false"),
    Bad("Domain", {"account": None}, "account", "required"),
    # Mail addresses.
    Bad("Mailbox", {"mail": "no-at-sign.example"}, "mail", "local@domain"),
    Bad("Mailbox", {"mail": "a@b@c.example"}, "mail", "local@domain"),
    Bad("Mailbox", {"mail": "@example.com"}, "mail", "local part"),
    Bad("Mailbox", {"mail": "ada@"}, "mail", "domain part"),
    Bad("Mailbox", {"mail": "x" * 65 + "@example.com"}, "mail", "1-64"),
    Bad("Mailbox", {"mail": "ada..lovelace@example.com"}, "mail", "'..'"),
    Bad("Mailbox", {"mail": "ada lovelace@example.com"}, "mail", "local part"),
    Bad("Mailbox", {"mail": f"ada@p{CYRILLIC_A}ypal.com"}, "mail", "mixes scripts"),
    Bad(
        "Mailbox",
        {"mail": ["ada@ok.example"]},
        "mail",
        "an e-mail address such as 'alice@example.com', got a",
    ),
    Bad(
        "Mailbox",
        {"additionalMailQuota": "\u00b2"},
        "additionalMailQuota",
        "whole number of GB (e.g. \"5\"), got '\u00b2'",
    ),
    Bad("Mailbox", {"plan": "gold"}, "plan", "light, standard, premium"),
    Bad("Mailbox", {"plan": 3}, "plan", "must be one of"),
    Bad("Mailbox", {"forwards": "bob@example.com"}, "forwards", "list"),
    Bad("Mailbox", {"forwards": ["not-an-address"]}, "forwards", "item 0"),
    Bad("Mailbox", {"aliases": ["ada@ok.example"]}, "aliases", "own address"),
    Bad("Mailbox", {"additionalMailQuota": "5GB"}, "additionalMailQuota", "whole number of GB"),
    Bad("Mailbox", {"additionalCloudQuota": -1}, "additionalCloudQuota", "whole number of GB"),
    Bad("Mailbox", {"inboxsave": "sometimes"}, "inboxsave", "true or false"),
    Bad("Mailbox", {"active": 1}, "active", "true or false"),
    Bad("Mailbox", {"firstName": 7}, "firstName", "string"),
    Bad("Mailbox", {"firstName": ""}, "firstName", "empty"),
    Bad("Mailbox", {"lastName": ""}, "lastName", "empty"),
    Bad("Mailbox", {"password": ""}, "password", "empty"),
    Bad("Mailbox", {"loginUsername": "acme"}, "loginPassword", "together"),
    Bad("Mailbox", {"quota": "5"}, "quota", "unknown property"),
    # Accounts: unknown plans, wrong types.
    Bad("Account", {"plan": "enterprise"}, "plan", "basic, profi, profixl, reseller"),
    Bad("Account", {"plan": ""}, "plan", "must be one of"),
    Bad("Account", {"tarifflimits": {"gold": 1}}, "tarifflimits", "unknown key"),
    Bad("Account", {"tarifflimits": {"basic": "ten"}}, "tarifflimits", "whole number"),
    Bad("Account", {"tarifflimits": "basic=10"}, "tarifflimits", "mapping"),
    Bad("Account", {"maxMailinglist": "ten"}, "maxMailinglist", "whole number"),
    Bad("Account", {"addressMainSalutation": "dr"}, "addressMainSalutation", "herr, frau"),
    Bad("Account", {"forceDestroy": "no way"}, "forceDestroy", "true or false"),
    Bad("Account", {"account": "bad name"}, "account", "white space"),
    Bad("Account", {"password": ""}, "password", "empty"),
    # Contexts.
    Bad("Context", {"domains": []}, "domains", "at least one"),
    Bad("Context", {"domains": "a.example"}, "domains", "list"),
    Bad("Context", {"domains": ["a.example", "bad domain"]}, "domains", "item 1"),
    Bad("Context", {"contextId": ""}, "contextId", "empty"),
    Bad("Context", {"contextId": "9" * 65}, "contextId", "at most 64"),
    Bad("Context", {"allowDataLoss": "please"}, "allowDataLoss", "true or false"),
    # Challenges.
    Bad("DomainChallenge", {"domain": "*.example.com"}, "domain", "letters, digits or hyphens"),
    Bad("DomainChallenge", {"zone": "-zone.example"}, "zone", "hyphen"),
    Bad("DomainChallenge", {"record": "x"}, "record", "unknown property"),
    # Mail DNS checks: the domain, the record lines, the timeout.
    Bad("MailDnsCheck", {"domain": "exa mple.com"}, "domain", "white space"),
    Bad("MailDnsCheck", {"records": ["A @ 192.0.2.1"]}, "records", "record type 'A' is not supported"),
    Bad("MailDnsCheck", {"records": ["MX @ mxext1.mailbox.org"]}, "records", "'PRIORITY HOST'"),
    Bad("MailDnsCheck", {"records": ["MX"]}, "records", "is not 'TYPE NAME VALUE'"),
    Bad("MailDnsCheck", {"records": [42]}, "records", "item 0"),
    Bad("MailDnsCheck", {"records": "MX @ 10 mxext1.mailbox.org"}, "records", "list"),
    Bad("MailDnsCheck", {"records": []}, "records", "the list is empty"),
    Bad("MailDnsCheck", {"timeout": -1}, "timeout", "must be 0 (check once) or more seconds"),
    Bad("MailDnsCheck", {"timeout": 1.5}, "timeout", "whole number"),
    Bad("MailDnsCheck", {"loginUsername": "acme"}, "loginUsername", "unknown property"),
]


@pytest.fixture(scope="module")
def checking_host(host_pool: HostPool) -> Iterator[tuple[ProviderHost, Emulator]]:
    """One provider host, configured for a fresh emulator, shared by every case (one preview)."""
    with Emulator(accounts=[("acme", "acme-pass", "account")]) as emulator, host_pool.take() as host:
        host.configure(stack_config(emulator))
        yield host, emulator
        assert emulator.calls == {} and emulator.logins == 0  # not one API call for all the cases


def test_there_are_at_least_forty_cases_across_every_resource():
    assert len(CASES) >= 40
    assert {case.kind for case in CASES} == set(PROVIDERS)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_an_invalid_input_is_rejected_by_check_naming_the_property_without_any_api_call(
    checking_host: tuple[ProviderHost, Emulator], case: Bad
) -> None:
    host, emulator = checking_host
    provider = PROVIDERS[case.kind]()

    result = host.check(provider, case.props(), urn=make_urn(f"bad-{case.kind.lower()}"))

    assert [f.property for f in result.failures] == [case.property], result.failures
    reason = result.failures[0].reason
    try:
        name = find(provider.props, case.property).name
    except KeyError:
        name = case.property  # an unknown property is named as written
    assert reason.startswith(f"{name}: "), reason
    assert case.says in reason, reason
    assert emulator.calls == {}
