"""The client against the local emulator: every emulated method through ``call``, the DNS ownership
check, session expiry and re-login, parallel use, latency and the rate limit.

Uses the shared ``emulator`` fixture (tests/conftest.py): logins ``reseller:reseller-pass``
(reseller) and ``acme:acme-pass`` (business account owned by the reseller).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dns.name
import dns.query
import dns.rcode
import dns.resolver
import dns.update
import pytest

from pulumi_mailboxorg.client import MailboxOrgClient
from pulumi_mailboxorg.emulator import Emulator, EmulatorState
from pulumi_mailboxorg.errors import (
    ApiError,
    AuthenticationError,
    DnsVerificationRequiredError,
)
from pulumi_mailboxorg.guesses import ERRORS

MAILBOX = {
    "plan": "standard",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "inboxsave": True,
    "forwards": [],
}


@pytest.fixture
def reseller(emulator: Emulator) -> Iterator[MailboxOrgClient]:
    with MailboxOrgClient(emulator.endpoint, "reseller", "reseller-pass", backoff_base=0.0) as client:
        yield client


@pytest.fixture
def acme(emulator: Emulator) -> Iterator[MailboxOrgClient]:
    with MailboxOrgClient(emulator.endpoint, "acme", "acme-pass", backoff_base=0.0) as client:
        yield client


def publish_txt(emulator: Emulator, host: str, txt: str) -> None:
    """Publish ``host TXT txt`` in the emulator's DNS with an RFC 2136 update, as a DNS provider would."""
    name = dns.name.from_text(host)
    update = dns.update.UpdateMessage(name.parent())  # host is <40 hex>.<domain>: the zone is <domain>
    update.add(name, 60, "TXT", f'"{txt}"')
    response = dns.query.tcp(update, emulator.dns_host, port=emulator.dns_port, timeout=5)
    assert response.rcode() == dns.rcode.NOERROR


def add_domain(client: MailboxOrgClient, emulator: Emulator, account: str, domain: str, **params: Any) -> Any:
    """domain.add, publishing the ownership record the API asks for on 218, then trying again."""
    request = {"account": account, "domain": domain, "password": "domain-pass", **params}
    try:
        return client.call("domain.add", request)
    except DnsVerificationRequiredError as challenge:
        publish_txt(emulator, challenge.host, challenge.txt)
    return client.call("domain.add", request)


# Session and utility methods ---------------------------------------------------------------------


def test_hello_world_is_answered_without_a_login(emulator: Emulator, acme: MailboxOrgClient) -> None:
    assert acme.call("hello.world") == "Hello World!"
    assert emulator.logins == 0


def test_hello_innerworld_logs_in_lazily_once(emulator: Emulator, acme: MailboxOrgClient) -> None:
    assert acme.call("hello.innerworld") == "Hello Inner-World!"
    assert acme.call("hello.innerworld") == "Hello Inner-World!"
    assert emulator.logins == 1
    assert acme.level == "account"


def test_login_reports_the_level_of_each_login(reseller: MailboxOrgClient, acme: MailboxOrgClient) -> None:
    assert reseller.login() == "reseller"
    assert acme.login() == "account"


def test_auth_through_call_returns_a_session_and_level(emulator: Emulator, acme: MailboxOrgClient) -> None:
    result = acme.call("auth", {"user": "reseller", "pass": "reseller-pass"})
    assert result["level"] == "reseller"
    assert isinstance(result["session"], str)


def test_a_wrong_password_is_an_authentication_error(emulator: Emulator) -> None:
    with MailboxOrgClient(emulator.endpoint, "acme", "wrong") as client, pytest.raises(AuthenticationError):
        client.call("hello.innerworld")


def test_deauth_ends_the_session_and_the_next_call_logs_in_again(
    emulator: Emulator, acme: MailboxOrgClient
) -> None:
    acme.call("hello.innerworld")
    assert acme.call("deauth") is True
    assert acme.call("hello.innerworld") == "Hello Inner-World!"
    assert emulator.logins == 2
    assert emulator.calls["deauth"] == 1


def test_closing_the_client_logs_out(emulator: Emulator) -> None:
    with MailboxOrgClient(emulator.endpoint, "acme", "acme-pass") as client:
        client.login()
    assert emulator.calls["deauth"] == 1
    assert emulator.state.session_count == 0


# Accounts ----------------------------------------------------------------------------------------


def test_a_reseller_manages_accounts_through_call(emulator: Emulator, reseller: MailboxOrgClient) -> None:
    created = reseller.call("account.add", {"account": "globex", "password": "globex-pass", "plan": "basic"})
    assert created["account"] == "globex"
    assert "password" not in created
    assert reseller.call("account.get", {"account": "globex"})["plan"] == "basic"
    updated = reseller.call("account.set", {"account": "globex", "memo": "VIP", "plan": "profi"})
    assert (updated["memo"], updated["plan"]) == ("VIP", "profi")
    names = [item["account"] for item in reseller.call("account.list")]
    assert "globex" in names
    assert "acme" in names
    assert reseller.call("account.del", {"account": "globex"}) is True
    assert "globex" not in [item["account"] for item in reseller.call("account.list")]


def test_an_unknown_account_is_the_guessed_not_found_error(reseller: MailboxOrgClient) -> None:
    with pytest.raises(ApiError) as caught:
        reseller.call("account.get", {"account": "nobody"})
    assert caught.value.code == ERRORS["not_found"].code


def test_a_level_violation_is_a_plain_api_error_not_an_authentication_error(acme: MailboxOrgClient) -> None:
    with pytest.raises(ApiError) as caught:
        acme.call("account.add", {"account": "x", "password": "p", "plan": "basic"})
    assert type(caught.value) is ApiError
    assert caught.value.code == ERRORS["permission_denied"].code


# Domains and contexts ----------------------------------------------------------------------------


def test_domain_add_asks_for_a_txt_record_and_succeeds_once_it_is_published_by_dns_update(
    emulator: Emulator, acme: MailboxOrgClient
) -> None:
    params = {"account": "acme", "domain": "example.com", "password": "domain-pass", "memo": "main"}
    with pytest.raises(DnsVerificationRequiredError) as caught:
        acme.call("domain.add", params)
    challenge = caught.value
    assert challenge.code == 218
    assert (challenge.host, challenge.txt) == emulator.challenge("acme", "example.com")
    assert challenge.host.endswith(".example.com")
    assert len(challenge.txt) == 40

    publish_txt(emulator, challenge.host, challenge.txt)
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [emulator.dns_host]
    resolver.port = emulator.dns_port
    assert [r.to_text() for r in resolver.resolve(challenge.host, "TXT")] == [f'"{challenge.txt}"']

    created = acme.call("domain.add", params)
    assert (created["domain"], created["account"], created["memo"]) == ("example.com", "acme", "main")
    assert emulator.calls["domain.add"] == 2


def test_an_account_manages_its_domains_and_contexts_through_call(
    emulator: Emulator, acme: MailboxOrgClient
) -> None:
    first = add_domain(acme, emulator, "acme", "example.com")
    second = add_domain(acme, emulator, "acme", "example.org", context_id=first["context_id"])
    assert second["context_id"] == first["context_id"]

    got = acme.call("domain.get", {"domain": "example.com"})
    assert {"domain", "account", "context_id", "memo", "count_mails"} <= set(got)
    assert acme.call("domain.set", {"domain": "example.com", "memo": "changed"})["memo"] == "changed"
    listed = acme.call("domain.list", {"account": "acme"})
    assert [item["domain"] for item in listed] == ["example.com", "example.org"]
    assert listed[0]["memo"] == "changed"
    contexts = acme.call("context.list", {"account": "acme"})
    assert contexts == {first["context_id"]: ["example.com", "example.org"]}

    assert acme.call("domain.del", {"account": "acme", "domain": "example.org"}) is True
    assert [item["domain"] for item in acme.call("domain.list", {"account": "acme"})] == ["example.com"]


# Mail addresses ----------------------------------------------------------------------------------


def test_an_account_manages_mail_addresses_through_call(emulator: Emulator, acme: MailboxOrgClient) -> None:
    add_domain(acme, emulator, "acme", "example.com")
    for local in ("ada", "bob", "cy"):
        created = acme.call(
            "mail.add", {**MAILBOX, "mail": f"{local}@example.com", "password": "Mail-pass-1"}
        )
        assert created["mail"] == f"{local}@example.com"
        assert "password" not in created

    got = acme.call("mail.get", {"mail": "ada@example.com"})
    assert (got["domain"], got["parent_uid"], got["type"]) == ("example.com", "acme", "inbox")
    changed = acme.call(
        "mail.set", {"mail": "ada@example.com", "memo": "boss", "forwards": ["x@example.net"]}
    )
    assert changed == acme.call("mail.get", {"mail": "ada@example.com"})
    assert changed["memo"] == "boss"

    everything = acme.call("mail.list", {"domain": "example.com"})
    assert [item["mail"] for item in everything] == ["ada@example.com", "bob@example.com", "cy@example.com"]
    page = acme.call("mail.list", {"domain": "example.com", "page": 2, "page_size": 2})
    assert (page["totalHits"], page["totalPages"]) == (3, 2)
    assert [item["mail"] for item in page["results"]] == ["cy@example.com"]
    with pytest.raises(ApiError):
        acme.call("mail.list", {"domain": "example.com", "page": 1})

    assert acme.call("mail.del", {"mail": "bob@example.com"}) is True
    remaining = [item["mail"] for item in acme.call("mail.list", {"domain": "example.com"})]
    assert remaining == ["ada@example.com", "cy@example.com"]


# Session expiry ----------------------------------------------------------------------------------


def test_an_expired_session_triggers_exactly_one_relogin(emulator: Emulator, acme: MailboxOrgClient) -> None:
    acme.call("hello.innerworld")
    emulator.expire_sessions()
    assert acme.call("account.get", {"account": "acme"})["account"] == "acme"
    assert emulator.logins == 2
    assert emulator.calls["account.get"] == 2
    assert acme.call("account.get", {"account": "acme"})["account"] == "acme"
    assert emulator.logins == 2


def test_sessions_expiring_by_idle_time_are_renewed() -> None:
    with Emulator(accounts=[("acme", "acme-pass", "account")], session_ttl=0.2) as emu:
        client = MailboxOrgClient(emu.endpoint, "acme", "acme-pass")
        with client:
            client.call("hello.innerworld")
            time.sleep(0.3)
            assert client.call("hello.innerworld") == "Hello Inner-World!"
        assert emu.logins == 2


def test_a_refused_relogin_surfaces_as_an_authentication_error(emulator: Emulator) -> None:
    with MailboxOrgClient(emulator.endpoint, "reseller", "reseller-pass") as reseller:
        reseller.call("account.add", {"account": "temp", "password": "temp-pass", "plan": "basic"})
        with MailboxOrgClient(emulator.endpoint, "temp", "temp-pass") as temp:
            temp.call("hello.innerworld")
            reseller.call("account.set", {"account": "temp", "password": "new-pass"})
            emulator.expire_sessions()
            with pytest.raises(AuthenticationError):
                temp.call("hello.innerworld")


# Parallel use ------------------------------------------------------------------------------------


def test_four_threads_share_one_login(emulator: Emulator, acme: MailboxOrgClient) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: acme.call("account.get", {"account": "acme"}), range(4)))
    assert [r["account"] for r in results] == ["acme"] * 4
    assert emulator.logins == 1


def test_an_expiry_in_the_middle_of_parallel_work_causes_exactly_one_relogin(
    emulator: Emulator, acme: MailboxOrgClient
) -> None:
    pause = threading.Barrier(5, timeout=20)
    resume = threading.Barrier(5, timeout=20)

    def work(_: int) -> list[str]:
        names = [acme.call("account.get", {"account": "acme"})["account"] for _ in range(5)]
        pause.wait()
        resume.wait()  # every worker's next call uses the expired Auth-ID
        names += [acme.call("account.get", {"account": "acme"})["account"] for _ in range(5)]
        return names

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(work, i) for i in range(4)]
        pause.wait()
        emulator.expire_sessions()
        resume.wait()
        results = [f.result(timeout=30) for f in futures]
    assert results == [["acme"] * 10] * 4
    assert emulator.logins == 2


def test_latency_does_not_serialise_parallel_requests(emulator: Emulator, acme: MailboxOrgClient) -> None:
    acme.login()
    emulator.set_latency(200)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: acme.call("hello.innerworld"), range(4)))
    elapsed = time.monotonic() - started
    assert results == ["Hello Inner-World!"] * 4
    assert elapsed < 0.6  # serialised, four requests would take at least 0.8 s


def test_the_rate_limit_spaces_requests_to_the_emulator(emulator: Emulator) -> None:
    with MailboxOrgClient(emulator.endpoint, rate_limit=10.0) as client:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda _: client.call("hello.world"), range(15)))
        elapsed = time.monotonic() - started
    assert emulator.calls["hello.world"] == 15
    assert elapsed >= 0.45  # a burst of 10, then 5 more at 10 per second


# Secrets -----------------------------------------------------------------------------------------


def test_no_log_line_or_error_of_a_full_session_contains_a_password_or_auth_id(
    emulator: Emulator, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    sentinel = "Sentinel-Account-Pa55-e4c1"
    auth_ids: list[str] = []
    issue = EmulatorState._new_auth_id

    def recording_issue() -> str:
        auth_ids.append(issue())
        return auth_ids[-1]

    monkeypatch.setattr(EmulatorState, "_new_auth_id", staticmethod(recording_issue))
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    with MailboxOrgClient(emulator.endpoint, "reseller", "reseller-pass", backoff_base=0.0) as reseller:
        reseller.call("account.add", {"account": "globex", "password": sentinel, "plan": "basic"})
        with MailboxOrgClient(emulator.endpoint, "globex", sentinel, backoff_base=0.0) as globex:
            globex.call("hello.innerworld")
            emulator.inject("malformed", method="account.set")
            with pytest.raises(Exception) as lost:  # noqa: PT011 (any typed error will do)
                reseller.call("account.set", {"account": "globex", "password": sentinel})
            errors.append(lost.value)
            emulator.expire_sessions()
            globex.call("hello.innerworld")
            with pytest.raises(ApiError) as refused:
                globex.call("mail.add", {**MAILBOX, "mail": "a@nowhere.example", "password": sentinel})
            errors.append(refused.value)
    with (
        MailboxOrgClient(emulator.endpoint, "globex", "wrong-" + sentinel) as bad,
        pytest.raises(AuthenticationError) as denied,
    ):
        bad.login()
    errors.append(denied.value)
    texts = [str(e) for e in errors] + [repr(e) for e in errors] + [r.getMessage() for r in caplog.records]
    assert any("account.add" in t for t in texts)
    assert len(auth_ids) >= 3
    assert not [t for t in texts if sentinel in t]
    assert not [t for t in texts for auth_id in auth_ids if auth_id in t]
