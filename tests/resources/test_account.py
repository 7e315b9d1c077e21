"""Account through the engine protocol, against the emulator (reseller login unless a test says otherwise).

Each test is one short deployment story: the provider host is the real ``python -m pulumi.dynamic``,
and what reached the API is read from the emulator's journal (``emulator.sent``).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import CheckFailedError, HostPool, Op, ProviderError, Stack
from pulumi_mailboxorg.account import AccountProvider
from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.properties import camel
from resources.support import ACCOUNT_LOGIN, RESELLER_LOGIN, make_stack, res, stack_config

PASSWORD = "newco-pass-3f9a1c"


def account(name: str = "newco", **props: Any) -> Any:
    """An Account resource with the required fields filled in."""
    return res("Account", {"account": name, "password": PASSWORD, "plan": "basic", **props})


@pytest.fixture
def stack(host_pool: HostPool, emulator: Emulator) -> Stack:
    """A stack logged in as the reseller (account.* needs a reseller login)."""
    return make_stack(host_pool, emulator, RESELLER_LOGIN)


def mutations(emulator: Emulator) -> list[str]:
    """The mutating account/domain methods that reached the API, in order."""
    return [m for m, _ in emulator.journal if m.split(".")[-1] in ("add", "set", "del")]


_NOT_TEXT: dict[str, Any] = {
    "address_main_salutation": "frau",
    "address_payment_same_as_main": False,
    "tarifflimits": {"basic": 5, "profi": 1},
    "max_mailinglist": 2,
}
#: Every optional input of Account that is sent to the API, with a value (Python name -> value).
EVERY_FIELD: dict[str, Any] = {
    p.name: _NOT_TEXT.get(p.name, f"{p.name}-value")
    for p in AccountProvider.props
    if p.input and p.sendable and not p.required
}


def test_create_sends_every_field_and_a_refresh_reads_them_back_without_drift(
    stack: Stack, emulator: Emulator
) -> None:
    resources = {"a": account(**{camel(k): v for k, v in EVERY_FIELD.items()})}

    result = stack.up(resources)

    assert result.operations == {"a": Op.CREATE}
    assert stack["a"].id == "newco"
    outputs = stack.outputs("a")
    assert (outputs["status"], outputs["type"], outputs["plan"]) == ("aktiv", "BMBO", "basic")
    assert outputs["tarifflimits"] == {"basic": 5, "profi": 1}
    assert stack["a"].is_secret("password")
    (sent,) = emulator.sent("account.add")
    # force_destroy and adopt are provider-only: never sent. Whole numbers go out as integers.
    assert sent == {"account": "newco", "password": PASSWORD, "plan": "basic", **EVERY_FIELD}
    assert type(sent["max_mailinglist"]) is int
    rendered = emulator.state.snapshot()["accounts"]["newco"]
    assert rendered["address_main"]["salutation"] == "frau"
    assert rendered["contact"]["mobile"] == "contact_mobile-value"

    emulator.reset_counters()
    assert stack.refresh().operations == {"a": Op.SAME}
    assert stack.up(resources).operations == {"a": Op.SAME}
    assert mutations(emulator) == []
    assert PASSWORD not in stack.stderr_text()


def test_update_sends_only_the_changed_fields_of_each_kind(stack: Stack, emulator: Emulator) -> None:
    before: dict[str, Any] = {
        "memo": "m1",
        "company": "c1",
        "contactMail": "ops@newco.example",
        "addressMainSalutation": "herr",
        "addressMainTown": "Berlin",
        "addressPaymentSameAsMain": True,
        "tarifflimits": {"basic": 5},
        "maxMailinglist": 1,
        "language": "de_DE",
    }
    stack.up({"a": account(**before)})
    emulator.reset_counters()

    # One field of each type changes; the unchanged ones must not be sent.
    result = stack.up(
        {
            "a": account(
                **{
                    **before,
                    "plan": "profi",
                    "memo": "m2",
                    "addressMainSalutation": "frau",
                    "addressPaymentSameAsMain": False,
                    "tarifflimits": {"basic": 5, "profi": 2},
                    "maxMailinglist": 3,
                }
            )
        }
    )

    assert result.operations == {"a": Op.UPDATE}
    (sent,) = emulator.sent("account.set")
    assert sent == {
        "account": "newco",
        "plan": "profi",
        "memo": "m2",
        "salutation": "frau",  # account.set spells the main salutation without its prefix
        "address_payment_same_as_main": False,
        "tarifflimits": {"basic": 5, "profi": 2},
        "max_mailinglist": 3,
    }
    outputs = stack.outputs("a")
    assert (outputs["plan"], outputs["memo"], outputs["addressMainSalutation"]) == ("profi", "m2", "frau")
    assert outputs["maxMailinglist"] == 3
    assert emulator.state.snapshot()["accounts"]["newco"]["address_main"]["salutation"] == "frau"


def test_a_password_change_is_sent_alone_and_the_new_password_logs_in(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"a": account(memo="kept")})
    emulator.reset_counters()

    new_password = "newco-pass-rotated-77"
    result = stack.up(
        {"a": res("Account", {"account": "newco", "password": new_password, "plan": "basic", "memo": "kept"})}
    )

    assert result.operations == {"a": Op.UPDATE}
    assert emulator.sent("account.set") == [{"account": "newco", "password": new_password}]
    assert stack["a"].is_secret("password")
    assert emulator.state.call_as("newco", "hello.innerworld") == "Hello Inner-World!"
    assert new_password not in stack.stderr_text()


def test_unset_optional_fields_and_force_destroy_cause_no_api_call(stack: Stack, emulator: Emulator) -> None:
    stack.up({"a": account(memo="set once")})
    emulator.reset_counters()

    # memo dropped from the program: no longer managed, no diff. force_destroy: recorded only.
    assert stack.up({"a": account()}).operations == {"a": Op.SAME}
    result = stack.up({"a": account(forceDestroy=True)})

    assert result.operations == {"a": Op.UPDATE}
    assert stack.outputs("a")["forceDestroy"] is True
    assert mutations(emulator) == []


def test_renaming_the_account_deletes_the_old_one_before_creating_the_new_one(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"a": account("newco")})

    result = stack.up({"a": account("newco2")})

    assert result.operations == {"a": Op.REPLACE}
    assert [(s.op, s.id) for s in result.steps] == [(Op.DELETE, "newco"), (Op.CREATE, "newco2")]
    assert result.diffs["a"].replaces == ["account"]
    assert result.diffs["a"].delete_before_replace
    accounts = emulator.state.snapshot()["accounts"]
    assert "newco2" in accounts and "newco" not in accounts


def test_refresh_drops_an_account_deleted_out_of_band_and_up_creates_it_again(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"a": account()})
    emulator.state.call_as("reseller", "account.del", {"account": "newco"})

    assert stack.refresh().operations == {"a": Op.DELETE}
    assert "a" not in stack

    assert stack.up({"a": account()}).operations == {"a": Op.CREATE}
    assert "newco" in emulator.state.snapshot()["accounts"]


def test_refresh_picks_up_an_out_of_band_change_and_up_sets_it_back(stack: Stack, emulator: Emulator) -> None:
    stack.up({"a": account(memo="desired", company="NewCo")})
    emulator.state.call_as("reseller", "account.set", {"account": "newco", "memo": "edited in the UI"})

    assert stack.refresh().operations == {"a": Op.UPDATE}
    assert stack.outputs("a")["memo"] == "edited in the UI"
    emulator.reset_counters()

    result = stack.up({"a": account(memo="desired", company="NewCo")})

    assert result.operations == {"a": Op.UPDATE}
    assert emulator.sent("account.set") == [{"account": "newco", "memo": "desired"}]
    assert emulator.state.snapshot()["accounts"]["newco"]["memo"] == "desired"


def test_destroy_succeeds_when_the_account_is_already_gone(stack: Stack, emulator: Emulator) -> None:
    stack.up({"a": account()})
    emulator.state.call_as("reseller", "account.del", {"account": "newco"})

    assert stack.destroy().operations == {"a": Op.DELETE}
    assert "newco" not in emulator.state.snapshot()["accounts"]


def test_an_existing_account_is_refused_without_adopt_and_taken_over_with_it(
    stack: Stack, emulator: Emulator
) -> None:
    emulator.state.call_as(
        "reseller",
        "account.add",
        {"account": "newco", "password": "old-pass", "plan": "basic", "memo": "old"},
    )

    with pytest.raises(ProviderError) as refused:
        stack.up({"a": account(memo="mine")})
    assert "newco already exists" in refused.value.exception_line
    assert "adopt=True" in refused.value.exception_line
    assert "a" not in stack
    emulator.reset_counters()

    result = stack.up({"a": account(memo="mine", adopt=True)})

    assert result.operations == {"a": Op.CREATE}
    assert emulator.sent("account.add") == []
    (sent,) = emulator.sent("account.set")
    # Only what differs (and the password, which the API never returns) is sent, and each change logged.
    assert sent == {"account": "newco", "password": PASSWORD, "memo": "mine"}
    assert "adopting it (adopt=True): password set (secret); memo 'old' -> 'mine'." in stack.stderr_text()
    assert stack.outputs("a")["memo"] == "mine"
    assert emulator.state.call_as("newco", "hello.innerworld") == "Hello Inner-World!"


#: (changed wire properties, the property Check must name, what its reason must say)
BAD_INPUTS: list[tuple[dict[str, Any], str, str]] = [
    ({"plan": "gold"}, "plan", "plan: must be one of basic, profi, profixl, reseller"),
    ({"account": "no spaces allowed"}, "account", "account: 'no spaces allowed' must not contain"),
    ({"tarifflimits": {"platinum": 3}}, "tarifflimits", "tarifflimits: unknown key 'platinum'"),
    ({"tarifflimits": {"basic": "many"}}, "tarifflimits", "tarifflimits: expected a whole number"),
    ({"addressMainSalutation": "dr"}, "addressMainSalutation", "address_main_salutation: must be one"),
    ({"maxMailinglist": "lots"}, "maxMailinglist", "max_mailinglist: expected a whole number"),
    ({"password": None}, "password", "password: required property of Account"),
    ({"colour": "blue"}, "colour", "colour: unknown property of Account"),
    ({"force_destroy": True}, "force_destroy", "spelled 'forceDestroy'"),
]


def test_check_rejects_each_bad_input_naming_the_property_without_calling_the_api(
    host_pool: HostPool, emulator: Emulator
) -> None:
    base = {"account": "newco", "password": PASSWORD, "plan": "basic"}
    with Stack(host_pool, config=stack_config(emulator, RESELLER_LOGIN), reuse_host=True) as stack:
        for props, prop, reason in BAD_INPUTS:
            wire = {k: v for k, v in {**base, **props}.items() if v is not None}
            with pytest.raises(CheckFailedError) as failed:
                stack.up({"a": res("Account", wire)})
            assert [(f.property, reason in f.reason) for f in failed.value.failures] == [(prop, True)], (
                props,
                failed.value.failures,
            )
    assert emulator.calls == {}  # no login, no call


def test_an_account_level_login_gets_an_error_asking_for_a_reseller_login(
    host_pool: HostPool, emulator: Emulator
) -> None:
    stack = make_stack(host_pool, emulator, ACCOUNT_LOGIN)

    with pytest.raises(ProviderError) as refused:
        stack.up({"a": account()})

    message = refused.value.exception_line
    assert "needs a reseller login" in message
    assert "level 'account'" in message
    assert "mailboxorg:username" in message
    assert "newco" not in emulator.state.snapshot()["accounts"]


def test_destroy_refuses_while_domains_remain_unless_force_destroy_is_set(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"a": account()})
    emulator.publish_challenge("newco", "newco.example")
    emulator.state.call_as(
        "reseller", "domain.add", {"account": "newco", "domain": "newco.example", "password": "dp-1"}
    )

    with pytest.raises(ProviderError) as refused:
        stack.destroy()
    message = refused.value.exception_line
    assert "refusing to delete the account newco" in message
    assert "newco.example" in message
    assert "force_destroy=True" in message
    assert emulator.sent("account.del") == []
    assert "newco" in emulator.state.snapshot()["accounts"]

    stack.up({"a": account(forceDestroy=True)})
    assert stack.destroy().operations == {"a": Op.DELETE}

    snapshot = emulator.state.snapshot()
    assert "newco" not in snapshot["accounts"]
    assert "newco.example" not in snapshot["domains"]  # account.del is recursive


def test_destroy_without_domains_needs_no_force_destroy(stack: Stack, emulator: Emulator) -> None:
    stack.up({"a": account()})

    assert stack.destroy().operations == {"a": Op.DELETE}
    assert emulator.sent("account.del") == [{"account": "newco"}]
