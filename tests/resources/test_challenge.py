"""DomainChallenge through the engine protocol (real provider host) against the emulator.

A DomainChallenge probes ``domain.add`` once and reports the ownership record mailbox.org asks for;
it must never leave a domain behind, and refresh and delete never touch the API.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import UNKNOWN, HostPool, Op, ProviderError, Stack
from pulumi_mailboxorg.challenge import DomainChallengeProvider
from pulumi_mailboxorg.emulator import Emulator
from resources.support import make_stack, res, stack_config

DOMAIN = "example.com"


def challenge(domain: str = DOMAIN, account: str = "acme", **props: Any) -> Any:
    """A DomainChallenge resource."""
    return res("DomainChallenge", {"account": account, "domain": domain, **props})


def server_domains(emulator: Emulator) -> dict[str, Any]:
    """The domains the emulator holds, as the API renders them."""
    domains: dict[str, Any] = emulator.state.snapshot()["domains"]
    return domains


def probe_passwords(emulator: Emulator) -> list[str]:
    """The throwaway passwords the probes sent."""
    return [str(params["password"]) for params in emulator.sent("domain.add")]


@pytest.fixture
def stack(host_pool: HostPool, emulator: Emulator) -> Stack:
    """A stack logged in as the account acme."""
    return make_stack(host_pool, emulator)


def test_a_challenge_reports_the_record_to_publish_relative_to_its_zone_and_adds_no_domain(
    stack: Stack, emulator: Emulator
) -> None:
    result = stack.up(
        {
            "apex": challenge(DOMAIN),
            "sub": challenge("Mail.Example.COM", zone="example.com"),
        }
    )

    assert result.operations == {"apex": Op.CREATE, "sub": Op.CREATE}
    host, txt = emulator.challenge("acme", DOMAIN)
    apex = stack["apex"]
    assert apex.id == f"acme/{DOMAIN}"
    assert {k: apex.outputs.get(k) for k in ("host", "txt", "recordName")} == {
        "host": host,
        "txt": txt,
        "recordName": host.removesuffix("." + DOMAIN),
    }
    sub_host, sub_txt = emulator.challenge("acme", "mail.example.com")
    sub = stack["sub"].outputs
    assert (sub["domain"], sub["host"], sub["txt"]) == ("mail.example.com", sub_host, sub_txt)
    assert sub["recordName"] == sub_host.removesuffix(".example.com")
    assert sub["recordName"].endswith(".mail")
    assert server_domains(emulator) == {}
    assert emulator.calls["domain.add"] == 2 and emulator.calls["domain.del"] == 0
    output = stack.stderr_text()
    assert f'publish {host}. TXT "{txt}"' in output
    assert not any(password in output for password in probe_passwords(emulator))


def test_refresh_and_destroy_of_a_challenge_make_no_api_call(stack: Stack, emulator: Emulator) -> None:
    stack.up({"c": challenge()})
    recorded = stack.outputs("c")
    emulator.reset_counters()

    refreshed = stack.refresh()
    assert refreshed.operations == {"c": Op.SAME}
    assert stack.outputs("c") == recorded

    destroyed = stack.destroy()
    assert destroyed.operations == {"c": Op.DELETE}
    assert emulator.calls == {} and emulator.logins == 0


def test_a_challenge_whose_record_is_already_published_leaves_no_domain_and_says_to_use_domain_alone(
    stack: Stack, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", DOMAIN)

    with pytest.raises(ProviderError) as caught:
        stack.up({"c": challenge()})

    line = caught.value.exception_line
    assert f"mailbox.org accepted {DOMAIN} at once: its ownership TXT record is already published" in line
    assert "nothing was left behind" in line
    assert "Declare Domain alone" in line
    assert server_domains(emulator) == {}
    assert [name for name, _ in emulator.journal if name.startswith("domain.")] == [
        "domain.list",
        "domain.add",
        "domain.del",
    ]
    assert "c" not in stack
    assert not any(password in stack.stderr_text() for password in probe_passwords(emulator))


def test_a_lost_probe_answer_after_the_domain_was_added_still_leaves_no_domain_behind(
    stack: Stack, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    emulator.inject("drop", 1, "domain.add")

    with pytest.raises(ProviderError) as caught:
        stack.up({"c": challenge()})

    assert f"mailbox.org accepted {DOMAIN} at once" in caught.value.exception_line
    assert emulator.calls["domain.add"] == 1
    assert server_domains(emulator) == {}


def test_a_domain_another_party_added_while_the_probe_answer_was_lost_is_neither_claimed_nor_deleted(
    stack: Stack, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    emulator.race("domain.add", "acme", {"password": "their-domain-pass", "memo": "theirs"})

    with pytest.raises(ProviderError) as caught:
        stack.up({"c": challenge()})

    line = caught.value.exception_line
    assert f"the domain {DOMAIN} appeared in account acme while the answer to the probe was lost" in line
    assert "adopt=True" in line
    assert emulator.sent("domain.del") == []
    assert server_domains(emulator)[DOMAIN]["memo"] == "theirs"  # still there, untouched
    assert "c" not in stack


def test_a_lost_probe_answer_is_asked_again_and_yields_the_challenge(
    stack: Stack, emulator: Emulator
) -> None:
    emulator.inject("drop", 1, "domain.add")

    stack.up({"c": challenge()})

    assert emulator.calls["domain.add"] == 2
    assert (stack.outputs("c")["host"], stack.outputs("c")["txt"]) == emulator.challenge("acme", DOMAIN)
    assert server_domains(emulator) == {}


def test_a_challenge_for_a_domain_that_already_exists_fails_and_keeps_the_domain(
    stack: Stack, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    emulator.state.call_as(
        "acme", "domain.add", {"account": "acme", "domain": DOMAIN, "password": "pw-1", "memo": "keep me"}
    )
    emulator.reset_counters()

    with pytest.raises(ProviderError) as caught:
        stack.up({"c": challenge()})

    line = caught.value.exception_line
    assert f"InputError: domain: the domain {DOMAIN} already exists in account acme" in line
    assert "Domain(..., adopt=True)" in line
    assert server_domains(emulator)[DOMAIN]["memo"] == "keep me"
    assert emulator.calls["domain.add"] == 0 and emulator.calls["domain.del"] == 0


def test_check_rejects_bad_challenge_inputs_naming_each_property_without_any_api_call(
    host_pool: HostPool, emulator: Emulator
) -> None:
    with host_pool.take() as host:
        host.configure(stack_config(emulator))
        bad = host.check(
            DomainChallengeProvider(),
            {"account": "a b", "domain": "nope", "zone": "not a zone", "txt": "mine"},
        ).failures
        missing = host.check(DomainChallengeProvider(), {}).failures
        preview = host.check(DomainChallengeProvider(), {"account": "acme", "domain": UNKNOWN}, preview=True)

    reasons = {failure.property: failure.reason for failure in bad}
    assert set(reasons) == {"account", "domain", "zone", "txt"}
    assert reasons["zone"].startswith("zone: ")
    assert reasons["txt"].startswith("txt: unknown property of DomainChallenge")
    assert {f.property for f in missing} == {"account", "domain"}
    assert preview.failures == [] and preview.inputs["domain"] == UNKNOWN
    assert emulator.calls == {} and emulator.logins == 0


def test_changing_the_domain_of_a_challenge_replaces_it_with_a_new_probe(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"c": challenge(DOMAIN)})

    result = stack.up({"c": challenge("example.org")})

    assert result.operations == {"c": Op.REPLACE}
    assert stack.outputs("c")["host"] == emulator.challenge("acme", "example.org")[0]
    assert server_domains(emulator) == {}


def test_changing_the_zone_of_a_challenge_only_recomputes_the_record_name_without_an_api_call(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"c": challenge("mail.example.com")})
    host = stack.outputs("c")["host"]
    assert stack.outputs("c")["recordName"] == host.removesuffix(".mail.example.com")
    emulator.reset_counters()

    result = stack.up({"c": challenge("mail.example.com", zone="example.com")})

    assert result.operations == {"c": Op.UPDATE}
    assert stack.outputs("c")["host"] == host
    assert stack.outputs("c")["recordName"] == host.removesuffix(".example.com")
    assert stack.outputs("c")["zone"] == "example.com"
    assert emulator.calls == {}
