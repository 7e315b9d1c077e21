"""Domain through the engine protocol (real ``python -m pulumi.dynamic`` host) against the emulator.

Every deployment starts a fresh provider host, as every ``pulumi`` command does; the emulator's
journal shows exactly what reached the API. Ownership records are published either straight into
the emulator's DNS server or, for the mid-wait case, with an RFC 2136 dynamic update, like
``nsupdate`` would.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import dns.query
import dns.update
import pytest

from harness import UNKNOWN, CheckFailedError, HostPool, Op, ProviderError, Stack
from pulumi_mailboxorg.domain import CONTEXT_WARNING, DomainProvider
from pulumi_mailboxorg.emulator import Emulator
from resources.support import RESELLER_LOGIN, domain, in_process, make_stack

DOMAIN = "example.com"
#: Secret values that must never reach the host's output.
PASSWORD = "dom-pass-8c1f5e"
NEW_PASSWORD = "dom-pass-new-2b7d90"
POLL_INTERVAL = 0.2


def publish_rfc2136(emulator: Emulator, zone: str, host: str, txt: str) -> None:
    """Publish ``host TXT txt`` in ``zone`` of the emulator's DNS server by RFC 2136 dynamic update."""
    update = dns.update.UpdateMessage(zone)
    update.add(host + ".", 60, "TXT", f'"{txt}"')
    response = dns.query.tcp(update, emulator.dns_host, port=emulator.dns_port, timeout=5)
    assert response.rcode() == 0, response


def add_out_of_band(emulator: Emulator, name: str = DOMAIN, **params: Any) -> dict[str, Any]:
    """Add ``name`` to account acme behind the stack's back (record published first)."""
    emulator.publish_challenge("acme", name)
    result: dict[str, Any] = emulator.state.call_as(
        "acme", "domain.add", {"account": "acme", "domain": name, "password": "oob-pass-1", **params}
    )
    return result


def server_domains(emulator: Emulator) -> dict[str, Any]:
    """The domains the emulator holds, as the API renders them."""
    domains: dict[str, Any] = emulator.state.snapshot()["domains"]
    return domains


@pytest.fixture
def stack(host_pool: HostPool, emulator: Emulator) -> Stack:
    """A stack logged in as the account acme, polling the emulator's DNS every 0.2 s."""
    return make_stack(host_pool, emulator)


@pytest.fixture
def published(emulator: Emulator) -> Emulator:
    """The emulator with the ownership record of example.com already published."""
    emulator.publish_challenge("acme", DOMAIN)
    return emulator


# -- create -------------------------------------------------------------------------------------------


def test_a_domain_whose_record_is_already_published_is_accepted_at_once_with_a_secret_password(
    stack: Stack, published: Emulator
) -> None:
    result = stack.up({"d": domain(DOMAIN, password=PASSWORD, memo="main")})

    assert result.operations == {"d": Op.CREATE}
    assert published.calls["domain.add"] == 1
    state = stack["d"]
    assert state.id == DOMAIN
    assert state.outputs["verificationHost"] == "" and state.outputs["verificationTxt"] == ""
    assert state.outputs["memo"] == "main"
    assert state.outputs["contextId"] == server_domains(published)[DOMAIN]["context_id"]
    assert state.outputs["password"] == PASSWORD
    assert state.is_secret("password")
    assert "password" in state.secret_inputs
    assert PASSWORD not in stack.stderr_text()


def test_a_record_published_mid_wait_is_detected_within_one_poll_interval_and_the_domain_is_added(
    stack: Stack, emulator: Emulator
) -> None:
    host, txt = emulator.challenge("acme", DOMAIN)
    observed: dict[str, float] = {}
    failures: list[BaseException] = []

    def publish_while_the_provider_waits() -> None:
        try:
            deadline = time.monotonic() + 20
            # Wait for the first 218 and a few of the provider's own DNS polls (the emulator's TXT
            # check is one query; more mean the provider is polling).
            while emulator.calls["domain.add"] < 1 or emulator.dns_server.queries[(host, "TXT", "udp")] < 3:
                assert time.monotonic() < deadline, "the provider never started to wait"
                time.sleep(0.01)
            publish_rfc2136(emulator, DOMAIN, host, txt)
            observed["published"] = time.monotonic()
            while emulator.calls["domain.add"] < 2:
                assert time.monotonic() < deadline, "domain.add was never retried"
                time.sleep(0.002)
            observed["retried"] = time.monotonic()
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)

    publisher = threading.Thread(target=publish_while_the_provider_waits, daemon=True)
    publisher.start()
    result = stack.up({"d": domain(DOMAIN, password=PASSWORD)})
    publisher.join(timeout=30)

    assert not failures, failures
    latency = observed["retried"] - observed["published"]
    print(f"\ndetection latency (RFC 2136 publish -> domain.add retry): {latency * 1000:.0f} ms")
    assert latency < POLL_INTERVAL + 2.0
    assert result.operations == {"d": Op.CREATE}
    assert emulator.calls["domain.add"] == 2  # the 218, then the accepted retry
    assert DOMAIN in server_domains(emulator)
    outputs = stack.outputs("d")
    assert (outputs["verificationHost"], outputs["verificationTxt"]) == (host, txt)
    output = stack.stderr_text()
    assert f'{host}. TXT "{txt}"' in output  # the record to publish was shown while waiting
    assert "accepted the ownership record" in output
    assert PASSWORD not in output


def test_a_record_never_published_times_out_with_the_record_to_publish_and_nothing_created(
    stack: Stack, emulator: Emulator
) -> None:
    host, txt = emulator.challenge("acme", DOMAIN)

    with pytest.raises(ProviderError) as caught:
        stack.up({"d": domain(DOMAIN, password=PASSWORD, verificationTimeout=1)})

    message = caught.value.details
    assert "VerificationTimeoutError" in message
    assert f"mailbox.org did not accept the domain {DOMAIN}" in message
    assert f'{host}. TXT "{txt}"' in message
    assert "verification_timeout 1s" in message
    assert "What the nameservers answered last" in message
    assert "run `pulumi up` again" in message
    assert "Nothing was created" in message
    assert PASSWORD not in message
    assert DOMAIN not in server_domains(emulator)
    assert "d" not in stack
    assert PASSWORD not in stack.stderr_text()


def test_a_domain_already_in_the_account_fails_naming_adopt_and_is_taken_over_with_adopt(
    stack: Stack, emulator: Emulator
) -> None:
    existing = add_out_of_band(emulator, memo="before")
    emulator.reset_counters()

    with pytest.raises(ProviderError) as caught:
        stack.up({"d": domain(DOMAIN, password=PASSWORD)})
    assert "InputError: adopt:" in caught.value.exception_line
    assert "adopt=True" in caught.value.exception_line
    assert "d" not in stack

    emulator.reset_counters()
    result = stack.up({"d": domain(DOMAIN, password=PASSWORD, memo="adopted", adopt=True)})

    assert result.operations == {"d": Op.CREATE}
    assert emulator.calls["domain.add"] == 0
    assert emulator.sent("domain.set") == [{"domain": DOMAIN, "password": PASSWORD, "memo": "adopted"}]
    outputs = stack.outputs("d")
    assert outputs["contextId"] == existing["context_id"]
    assert outputs["memo"] == "adopted"
    assert server_domains(emulator)[DOMAIN]["memo"] == "adopted"
    assert stack["d"].is_secret("password")
    assert PASSWORD not in stack.stderr_text()


def test_a_lost_domain_add_answer_is_confirmed_by_reading_the_domain_back(
    stack: Stack, published: Emulator
) -> None:
    published.inject("drop", 1, "domain.add")

    result = stack.up({"d": domain(DOMAIN, password=PASSWORD)})

    assert result.operations == {"d": Op.CREATE}
    assert published.calls["domain.add"] == 1  # a mutating call is never blindly repeated
    assert stack.outputs("d")["contextId"] == server_domains(published)[DOMAIN]["context_id"]


def test_a_lost_domain_add_answer_never_takes_over_a_domain_that_existed_without_adopt(
    stack: Stack, emulator: Emulator
) -> None:
    add_out_of_band(emulator, memo="someone else's")
    emulator.inject("drop", 1, "domain.add")

    with pytest.raises(ProviderError) as caught:
        stack.up({"d": domain(DOMAIN, password=PASSWORD)})

    assert "adopt=True" in caught.value.exception_line
    assert "d" not in stack
    assert server_domains(emulator)[DOMAIN]["memo"] == "someone else's"


# -- check and preview --------------------------------------------------------------------------------


# check() is validation only: these run in-process (the contract suite checks every resource's Check
# through the engine path).


def test_check_rejects_bad_inputs_naming_each_property_without_any_api_call(emulator: Emulator) -> None:
    bad_values = {
        "account": ("ac me", "account: "),
        "domain": ("not a domain", "domain: "),
        "password": (17, "password: expected a string"),
        "memo": (["x"], "memo: expected a string"),
        "verificationTimeout": (-1, "verification_timeout: must be between 0"),
        "adopt": ("maybe", "adopt: expected true or false"),
        "colour": ("blue", "colour: unknown property of Domain"),
    }
    good = {"account": "acme", "domain": DOMAIN, "password": PASSWORD}
    with in_process(emulator):
        provider = DomainProvider()
        failures = provider.check({}, {**good, **{k: v for k, (v, _) in bad_values.items()}}).failures
        both = provider.check({}, {**good, "contextId": "100001", "createNewContext": True}).failures
        missing = provider.check({}, {"memo": "only"}).failures

    reasons = {failure.property: failure.reason for failure in failures}
    assert set(reasons) == set(bad_values)
    for prop, (_, expected) in bad_values.items():
        assert reasons[prop].startswith(expected), (prop, reasons[prop])
    assert [f.property for f in both] == ["createNewContext"]
    assert "context_id" in both[0].reason
    assert {f.property for f in missing} == {"account", "domain", "password"}
    assert all("required property of Domain" in f.reason for f in missing)
    assert emulator.calls == {} and emulator.logins == 0


def test_check_canonicalises_the_domain_name_to_lower_case_punycode(emulator: Emulator) -> None:
    with in_process(emulator):
        checked = DomainProvider().check(
            {}, {"account": "acme", "domain": "Bücher.Example.", "password": "p"}
        )

    assert checked.failures == []
    assert checked.inputs["domain"] == "xn--bcher-kva.example"
    assert checked.inputs["adopt"] is False


def test_a_failed_check_in_up_stops_the_deployment_before_any_api_call(
    stack: Stack, emulator: Emulator
) -> None:
    with pytest.raises(CheckFailedError) as caught:
        stack.up({"d": domain("not a domain", password=PASSWORD)})

    assert [f.property for f in caught.value.failures] == ["domain"]
    assert stack.calls["Create"] == 0
    assert emulator.calls == {}


def test_a_preview_with_unknown_inputs_makes_no_api_call(stack: Stack, published: Emulator) -> None:
    planned = stack.preview({"d": domain(UNKNOWN, password=PASSWORD, memo=UNKNOWN)})
    assert planned.operations == {"d": Op.CREATE}
    assert planned.checked_inputs["d"]["domain"] == UNKNOWN

    stack.up({"d": domain(DOMAIN, password=PASSWORD, memo="one")})
    published.reset_counters()
    replanned = stack.preview({"d": domain(DOMAIN, password=PASSWORD, memo=UNKNOWN)})

    assert replanned.operations == {"d": Op.UPDATE}
    assert published.calls == {} and published.logins == 0
    assert stack.calls["Create"] == 1 and stack.calls["Update"] == 0
    assert stack.outputs("d")["memo"] == "one"


# -- update, replace ------------------------------------------------------------------------------------


def test_memo_and_password_changes_update_in_place_sending_only_the_changed_field(
    stack: Stack, published: Emulator
) -> None:
    stack.up({"d": domain(DOMAIN, password=PASSWORD, memo="one")})

    published.reset_counters()
    memo = stack.up({"d": domain(DOMAIN, password=PASSWORD, memo="two")})
    assert memo.operations == {"d": Op.UPDATE}
    assert published.sent("domain.set") == [{"domain": DOMAIN, "memo": "two"}]
    assert stack.outputs("d")["memo"] == "two"

    published.reset_counters()
    password = stack.up({"d": domain(DOMAIN, password=NEW_PASSWORD, memo="two")})
    assert password.operations == {"d": Op.UPDATE}
    assert published.sent("domain.set") == [{"domain": DOMAIN, "password": NEW_PASSWORD}]
    assert published.calls["domain.add"] == 0 and published.calls["domain.del"] == 0
    assert stack["d"].is_secret("password")
    assert stack.outputs("d")["password"] == NEW_PASSWORD
    output = stack.stderr_text()
    assert PASSWORD not in output and NEW_PASSWORD not in output


def test_context_changes_update_in_place_and_warn_about_the_cloud_office_data(
    stack: Stack, published: Emulator
) -> None:
    stack.up({"d": domain(DOMAIN, password=PASSWORD)})
    first_context = stack.outputs("d")["contextId"]
    assert not [m for m in stack.log_messages() if m.severity == "warning"]

    published.reset_counters()
    moved = stack.up({"d": domain(DOMAIN, password=PASSWORD, createNewContext=True)})
    assert moved.operations == {"d": Op.UPDATE}
    assert published.sent("domain.set") == [{"domain": DOMAIN, "create_new_context_id": True}]
    second_context = stack.outputs("d")["contextId"]
    assert second_context not in ("", first_context)

    published.reset_counters()
    back = stack.up({"d": domain(DOMAIN, password=PASSWORD, contextId=first_context)})
    assert back.operations == {"d": Op.UPDATE}
    assert published.sent("domain.set") == [{"domain": DOMAIN, "context_id": first_context}]
    assert stack.outputs("d")["contextId"] == first_context == server_domains(published)[DOMAIN]["context_id"]

    warnings = [m.message for m in stack.log_messages() if m.severity == "warning"]
    assert warnings and all("cloud-office data" in w for w in warnings)
    assert CONTEXT_WARNING in stack.stderr_text()
    assert published.calls["domain.add"] == 0 and published.calls["domain.del"] == 0


def test_turning_create_new_context_off_moves_nothing_and_warns_about_nothing(
    stack: Stack, published: Emulator
) -> None:
    stack.up({"d": domain(DOMAIN, password=PASSWORD, createNewContext=True)})
    context = stack.outputs("d")["contextId"]
    published.reset_counters()

    stack.up({"d": domain(DOMAIN, password=PASSWORD, createNewContext=False)})

    assert published.calls["domain.set"] == 0
    assert stack.outputs("d")["contextId"] == context
    assert not [m for m in stack.log_messages() if m.severity == "warning"]


def test_verification_timeout_and_adopt_changes_never_cause_an_update(
    stack: Stack, published: Emulator
) -> None:
    stack.up({"d": domain(DOMAIN, password=PASSWORD, verificationTimeout=5, adopt=True)})
    assert published.calls["domain.add"] == 1  # adopt=True with nothing to adopt: an ordinary add
    published.reset_counters()

    result = stack.up({"d": domain(DOMAIN, password=PASSWORD, verificationTimeout=9, adopt=False)})

    assert result.operations == {"d": Op.SAME}
    assert result.diffs["d"].changes == "none"
    assert stack.calls["Update"] == 0
    assert published.calls == {}
    assert stack["d"].inputs["verificationTimeout"] == 9  # the new value is recorded for the next create


def test_renaming_the_domain_replaces_it_deleting_the_old_one_first(
    stack: Stack, published: Emulator
) -> None:
    published.publish_challenge("acme", "example.org")
    stack.up({"d": domain(DOMAIN, password=PASSWORD)})

    result = stack.up({"d": domain("example.org", password=PASSWORD)})

    assert result.operations == {"d": Op.REPLACE}
    assert result.diffs["d"].replaces == ["domain"] and result.diffs["d"].delete_before_replace
    assert [(s.op, s.id) for s in result.steps] == [(Op.DELETE, DOMAIN), (Op.CREATE, "example.org")]
    assert set(server_domains(published)) == {"example.org"}
    assert stack["d"].id == "example.org"


# -- refresh and drift ------------------------------------------------------------------------------------


def test_refresh_drops_a_domain_deleted_out_of_band(stack: Stack, published: Emulator) -> None:
    stack.up({"d": domain(DOMAIN, password=PASSWORD)})
    published.state.call_as("acme", "domain.del", {"account": "acme", "domain": DOMAIN})

    result = stack.refresh()

    assert result.operations == {"d": Op.DELETE}
    assert "d" not in stack


def test_an_out_of_band_memo_change_is_seen_by_refresh_and_repaired_by_the_next_up(
    stack: Stack, published: Emulator
) -> None:
    stack.up({"d": domain(DOMAIN, password=PASSWORD, memo="managed")})
    published.state.call_as("acme", "domain.set", {"domain": DOMAIN, "memo": "edited by hand"})

    refreshed = stack.refresh()
    assert refreshed.operations == {"d": Op.UPDATE}
    assert stack.outputs("d")["memo"] == "edited by hand"
    assert stack["d"].is_secret("password") and stack.outputs("d")["password"] == PASSWORD

    published.reset_counters()
    repaired = stack.up({"d": domain(DOMAIN, password=PASSWORD, memo="managed")})

    assert repaired.operations == {"d": Op.UPDATE}
    assert published.sent("domain.set") == [{"domain": DOMAIN, "memo": "managed"}]
    assert server_domains(published)[DOMAIN]["memo"] == "managed"
    assert stack.refresh().operations == {"d": Op.SAME}


# -- delete ---------------------------------------------------------------------------------------------


def test_deleting_a_domain_that_is_already_gone_succeeds(stack: Stack, published: Emulator) -> None:
    stack.up({"d": domain(DOMAIN, password=PASSWORD)})
    published.state.call_as("acme", "domain.del", {"account": "acme", "domain": DOMAIN})

    result = stack.destroy()

    assert result.operations == {"d": Op.DELETE}
    assert stack.resources == {}
    assert published.calls["domain.del"] == 1  # tried, refused as unknown, confirmed gone by domain.list


def test_a_lost_domain_del_answer_is_confirmed_by_listing_the_domains(
    stack: Stack, published: Emulator
) -> None:
    stack.up({"d": domain(DOMAIN, password=PASSWORD)})
    published.inject("drop", 1, "domain.del")

    stack.destroy()

    assert published.calls["domain.del"] == 1
    assert server_domains(published) == {}
    assert stack.resources == {}


def test_deleting_a_domain_that_still_has_mailboxes_fails_saying_so(
    stack: Stack, published: Emulator
) -> None:
    stack.up({"d": domain(DOMAIN, password=PASSWORD)})
    published.state.call_as(
        "acme",
        "mail.add",
        {
            "mail": f"ada@{DOMAIN}",
            "password": "Mail-pass-9",
            "plan": "standard",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "inboxsave": True,
            "forwards": [],
        },
    )

    with pytest.raises(ProviderError) as caught:
        stack.destroy()

    line = caught.value.exception_line
    assert f"refused to delete the domain {DOMAIN}: it still has 1 mail address(es)" in line
    assert "Delete its Mailbox resources" in line
    assert DOMAIN in server_domains(published)
    assert "d" in stack  # still recorded: the next destroy tries again


def test_refresh_and_destroy_treat_a_domain_as_gone_when_its_account_was_deleted(
    host_pool: HostPool, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    stack = make_stack(host_pool, emulator, login=RESELLER_LOGIN)
    stack.up({"d": domain(DOMAIN, password=PASSWORD)})
    emulator.state.call_as("reseller", "account.del", {"account": "acme"})

    stack.refresh()

    assert "d" not in stack.resources
