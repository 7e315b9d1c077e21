"""Mailbox through the engine protocol, against the emulator (account login ``acme``).

The mailbox's domain is added out of band before each test (the Domain resource has its own tests);
what reached the API is read from the emulator's journal (``emulator.sent``).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import HostPool, Op, ProviderError, Stack
from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.mailbox import MailboxProvider
from pulumi_mailboxorg.properties import camel
from resources.support import RESELLER_LOGIN, in_process, mailbox, make_stack, plain

DOMAIN = "acme.example"
ADA = f"ada@{DOMAIN}"


@pytest.fixture
def stack(host_pool: HostPool, emulator: Emulator) -> Stack:
    """A stack logged in as the account acme, whose domain acme.example exists."""
    emulator.publish_challenge("acme", DOMAIN)
    emulator.state.call_as("acme", "domain.add", {"account": "acme", "domain": DOMAIN, "password": "dp-1"})
    return make_stack(host_pool, emulator)


def server(emulator: Emulator, mail: str = ADA) -> dict[str, Any]:
    """The address as the API renders it."""
    mails: dict[str, dict[str, Any]] = emulator.state.snapshot()["mails"]
    return mails[mail]


def mail_mutations(emulator: Emulator) -> list[str]:
    return [m for m, _ in emulator.journal if m in ("mail.add", "mail.set", "mail.del")]


_NOT_TEXT: dict[str, Any] = {
    "inboxsave": True,
    "forwards": ["Zed@Elsewhere.example", "bob@elsewhere.example"],
    "aliases": ["info@acme.example", "Contact@ACME.example"],
    "active": False,
    "catchall": True,
    "additional_mail_quota": "3",
    "additional_cloud_quota": "4",
    "language": "en_US",
    "require_reset_password": True,
    "skip_welcome_mail": True,
    "birthday": "1815-12-10",
}
#: Every optional input of Mailbox that is sent to the API, with a value (Python name -> value).
EVERY_FIELD: dict[str, Any] = {
    p.name: _NOT_TEXT.get(p.name, f"{p.name}-value")
    for p in MailboxProvider.props
    if p.input and p.sendable and not p.required
}


def test_create_sends_every_field_and_a_refresh_reads_them_back_without_drift(
    stack: Stack, emulator: Emulator
) -> None:
    props = {camel(k): v for k, v in EVERY_FIELD.items()}

    result = stack.up({"m": mailbox(ADA, **props)})

    assert result.operations == {"m": Op.CREATE}
    assert stack["m"].id == ADA
    # mail.add takes all but aliases and active, which follow in one mail.set; sets go out sorted.
    after_add = {"aliases", "active"}
    (added,) = emulator.sent("mail.add")
    assert added == {
        "mail": ADA,
        "password": "Mail-pass-1",
        "plan": "standard",
        "first_name": "Ada",
        "last_name": "Lovelace",
        **{k: v for k, v in EVERY_FIELD.items() if k not in after_add},
        "forwards": ["bob@elsewhere.example", "zed@elsewhere.example"],
    }
    assert emulator.sent("mail.set") == [
        {"mail": ADA, "aliases": ["contact@acme.example", "info@acme.example"], "active": False}
    ]
    outputs = stack.outputs("m")
    assert outputs["aliases"] == ["contact@acme.example", "info@acme.example"]
    assert outputs["forwards"] == ["bob@elsewhere.example", "zed@elsewhere.example"]
    assert (outputs["type"], outputs["domain"], outputs["account"]) == ("inboxforward", DOMAIN, "acme")
    assert outputs["creationDate"]
    assert stack["m"].is_secret("password")

    emulator.reset_counters()
    assert stack.refresh().operations == {"m": Op.SAME}
    # The same sets in another order and spelling: no diff.
    reordered = {
        **props,
        "forwards": ["bob@elsewhere.example", "zed@elsewhere.example"],
        "aliases": ["info@acme.example", "contact@acme.example"],
    }
    assert stack.up({"m": mailbox(ADA, **reordered)}).operations == {"m": Op.SAME}
    assert mail_mutations(emulator) == []
    assert "Mail-pass-1" not in stack.stderr_text()


def test_a_plain_mailbox_is_created_with_one_mail_add_and_nothing_else(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"m": mailbox(ADA)})

    assert mail_mutations(emulator) == ["mail.add"]
    outputs = stack.outputs("m")
    assert (outputs["type"], outputs["forwards"], outputs["aliases"]) == ("inbox", [], [])
    assert (outputs["active"], outputs["inboxsave"]) == (True, True)


def test_update_sends_only_the_changed_fields(stack: Stack, emulator: Emulator) -> None:
    base = {"memo": "m1", "city": "Berlin", "language": "de_DE", "requireResetPassword": False}
    stack.up({"m": mailbox(ADA, **base)})
    emulator.reset_counters()

    changed = {
        "firstName": "Augusta",
        "memo": "m2",
        "inboxsave": False,
        "forwards": ["ada@elsewhere.example"],
        "active": False,
        "requireResetPassword": True,
        "birthday": "1815-12-10",
    }
    result = stack.up({"m": mailbox(ADA, **{**base, **changed})})

    assert result.operations == {"m": Op.UPDATE}
    assert emulator.sent("mail.set") == [
        {
            "mail": ADA,
            "first_name": "Augusta",
            "memo": "m2",
            "inboxsave": False,
            "forwards": ["ada@elsewhere.example"],
            "active": False,
            "require_reset_password": True,
            "birthday": "1815-12-10",
        }
    ]
    rendered = server(emulator)
    assert (rendered["first_name"], rendered["type"], rendered["active"]) == ("Augusta", "forward", False)
    assert stack.outputs("m")["type"] == "forward"


def test_changing_a_set_sends_the_whole_list_and_emptying_it_clears_it(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"m": mailbox(ADA, aliases=["a1@acme.example", "a2@acme.example"])})
    emulator.reset_counters()

    stack.up({"m": mailbox(ADA, aliases=["a2@acme.example", "a3@acme.example"])})
    stack.up({"m": mailbox(ADA, aliases=[])})

    assert emulator.sent("mail.set") == [
        {"mail": ADA, "aliases": ["a2@acme.example", "a3@acme.example"]},
        {"mail": ADA, "aliases": []},
    ]
    assert server(emulator)["aliases"] == []
    assert stack.outputs("m")["aliases"] == []


def test_a_quota_change_sends_the_plan_along_and_a_password_change_goes_alone(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"m": mailbox(ADA, plan="premium")})
    emulator.reset_counters()

    stack.up({"m": mailbox(ADA, plan="premium", additionalMailQuota=5)})
    stack.up({"m": mailbox(ADA, plan="premium", additionalMailQuota="5", password="Mail-pass-2")})
    stack.up(
        {
            "m": mailbox(
                ADA, plan="premium", additionalMailQuota="5", additionalCloudQuota="2", password="Mail-pass-2"
            )
        }
    )

    assert emulator.sent("mail.set") == [
        {"mail": ADA, "plan": "premium", "additional_mail_quota": "5"},  # 5 arrived as 5.0: sent as "5"
        {"mail": ADA, "password": "Mail-pass-2"},
        {"mail": ADA, "plan": "premium", "additional_cloud_quota": "2"},
    ]
    assert (server(emulator)["additional_mail_quota"], server(emulator)["additional_cloud_quota"]) == (
        "5",
        "2",
    )
    assert emulator.state.call_as(ADA, "hello.innerworld") == "Hello Inner-World!"
    assert "Mail-pass-2" not in stack.stderr_text()


def test_changing_the_address_deletes_the_old_mailbox_before_creating_the_new_one(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"m": mailbox(ADA, aliases=["ada.l@acme.example"])})

    result = stack.up({"m": mailbox(f"augusta@{DOMAIN}", aliases=["ada.l@acme.example"])})

    assert result.operations == {"m": Op.REPLACE}
    assert result.diffs["m"].replaces == ["mail"]
    # Delete first: the alias moves to the new mailbox, which it could not while the old one held it.
    assert [(s.op, s.id) for s in result.steps] == [(Op.DELETE, ADA), (Op.CREATE, f"augusta@{DOMAIN}")]
    mails = emulator.state.snapshot()["mails"]
    assert set(mails) == {f"augusta@{DOMAIN}"}
    assert mails[f"augusta@{DOMAIN}"]["aliases"] == ["ada.l@acme.example"]


def test_refresh_drops_a_mailbox_deleted_out_of_band_and_destroy_then_has_nothing_to_do(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"m": mailbox(ADA), "n": mailbox(f"bob@{DOMAIN}")})
    emulator.state.call_as("acme", "mail.del", {"mail": ADA})

    assert stack.refresh().operations == {"m": Op.DELETE, "n": Op.SAME}
    assert "m" not in stack

    emulator.state.call_as("acme", "mail.del", {"mail": f"bob@{DOMAIN}"})
    assert stack.destroy().operations == {"n": Op.DELETE}  # already gone: still a success
    assert emulator.state.snapshot()["mails"] == {}


def test_refresh_picks_up_an_out_of_band_change_and_up_sets_it_back(stack: Stack, emulator: Emulator) -> None:
    stack.up({"m": mailbox(ADA, memo="desired", forwards=["x@elsewhere.example"])})
    emulator.state.call_as(
        "acme", "mail.set", {"mail": ADA, "memo": "edited", "forwards": ["y@elsewhere.example"]}
    )

    assert stack.refresh().operations == {"m": Op.UPDATE}
    assert stack.outputs("m")["memo"] == "edited"
    assert stack.outputs("m")["forwards"] == ["y@elsewhere.example"]
    emulator.reset_counters()

    assert stack.up({"m": mailbox(ADA, memo="desired", forwards=["x@elsewhere.example"])}).operations == {
        "m": Op.UPDATE
    }
    assert emulator.sent("mail.set") == [
        {"mail": ADA, "memo": "desired", "forwards": ["x@elsewhere.example"]}
    ]
    assert server(emulator)["forwards"] == ["x@elsewhere.example"]


def test_an_existing_address_is_refused_without_adopt_and_taken_over_with_it(
    stack: Stack, emulator: Emulator
) -> None:
    emulator.state.call_as(
        "acme",
        "mail.add",
        {
            "mail": ADA,
            "password": "Old-pass-1",
            "plan": "light",
            "first_name": "Old",
            "last_name": "Name",
            "inboxsave": True,
            "forwards": [],
        },
    )

    with pytest.raises(ProviderError) as refused:
        stack.up({"m": mailbox(ADA)})
    assert f"{ADA} already exists" in refused.value.exception_line
    assert "adopt=True" in refused.value.exception_line
    emulator.reset_counters()

    result = stack.up({"m": mailbox(ADA, adopt=True, skipWelcomeMail=True, catchall=True)})

    assert result.operations == {"m": Op.CREATE}
    assert emulator.sent("mail.add") == []
    (sent,) = emulator.sent("mail.set")
    assert (sent["plan"], sent["first_name"], sent["password"]) == ("standard", "Ada", "Mail-pass-1")
    assert "skip_welcome_mail" not in sent and "adopt" not in sent
    assert "catchall" not in sent  # mail.set has no such parameter: said, not sent
    warned = [m.message for m in stack.log_messages() if m.severity == "warning"]
    assert any("catchall is applied only when a mailbox is created" in line for line in warned)
    assert (server(emulator)["plan"], server(emulator)["last_name"]) == ("standard", "Lovelace")
    assert stack.outputs("m")["firstName"] == "Ada"


def test_changing_catchall_after_creation_is_refused_before_any_api_call(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"m": mailbox(ADA, catchall=False)})
    emulator.reset_counters()

    with pytest.raises(ProviderError) as refused:
        stack.up({"m": mailbox(ADA, catchall=True)})

    assert "catchall can be set only when the mailbox" in refused.value.exception_line
    assert mail_mutations(emulator) == []


#: (changed wire properties, the property Check must name, what its reason must say)
BAD_INPUTS: list[tuple[dict[str, Any], str, str]] = [
    ({"mail": "not-an-address"}, "mail", "mail: 'not-an-address' is not an e-mail address"),
    ({"plan": "gold"}, "plan", "plan: must be one of light, standard, premium"),
    ({"forwards": ["ok@elsewhere.example", "broken@"]}, "forwards", "forwards: item 1"),
    ({"aliases": "info@acme.example"}, "aliases", "aliases: expected a list"),
    ({"additionalMailQuota": "lots"}, "additionalMailQuota", "additional_mail_quota: expected a whole"),
    ({"additionalCloudQuota": 1.5}, "additionalCloudQuota", "additional_cloud_quota: expected a whole"),
    ({"inboxsave": "maybe"}, "inboxsave", "inboxsave: expected true or false"),
    ({"firstName": None}, "firstName", "first_name: required property of Mailbox"),
    ({"quota": "5"}, "quota", "quota: unknown property of Mailbox"),
    ({"forwards": [ADA]}, "forwards", f"forwards: must not contain the mailbox's own address {ADA}"),
    ({"aliases": ["ADA@acme.example"]}, "aliases", "aliases: must not contain the mailbox's own address"),
]


def test_check_rejects_each_bad_input_naming_the_property_without_calling_the_api(emulator: Emulator) -> None:
    # check() is validation only: in-process (the contract suite runs Check through the engine path,
    # and a failed Check stopping an up is tested there and in test_domain.py).
    base = plain(mailbox(ADA).props)
    with in_process(emulator):
        for props, prop, reason in BAD_INPUTS:
            wire = {k: v for k, v in {**base, **props}.items() if v is not None}
            failures = MailboxProvider().check({}, wire).failures
            assert [(f.property, reason in f.reason) for f in failures] == [(prop, True)], (props, failures)
    assert emulator.calls == {}  # no login, no call


def test_a_reseller_login_is_told_which_login_may_create_mailboxes(
    host_pool: HostPool, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    emulator.state.call_as("acme", "domain.add", {"account": "acme", "domain": DOMAIN, "password": "dp-1"})
    stack = make_stack(host_pool, emulator, RESELLER_LOGIN)

    with pytest.raises(ProviderError) as refused:
        stack.up({"m": mailbox(ADA)})

    message = refused.value.exception_line
    assert f"refused to create the mailbox {ADA}" in message
    assert "not available to a reseller login" in message
    assert "login_username and login_password" in message
    assert "mailboxorg:username" in message
    assert emulator.state.snapshot()["mails"] == {}


def test_a_reseller_stack_manages_a_mailbox_with_the_login_named_on_the_resource(
    host_pool: HostPool, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    emulator.state.call_as("acme", "domain.add", {"account": "acme", "domain": DOMAIN, "password": "dp-1"})
    stack = make_stack(host_pool, emulator, RESELLER_LOGIN)
    login = {"loginUsername": "acme", "loginPassword": "acme-pass"}

    stack.up({"m": mailbox(ADA, memo="one", **login)})
    stack.up({"m": mailbox(ADA, memo="two", **login)})
    assert stack.refresh().operations == {"m": Op.SAME}
    stack.destroy()

    assert [m for m, _ in emulator.journal if m.startswith("mail.")][:1] == ["mail.add"]
    assert emulator.sent("mail.set") == [{"mail": ADA, "memo": "two"}]
    assert emulator.state.snapshot()["mails"] == {}
    # The stack's own (reseller) login was never needed.
    assert {p["user"] for p in emulator.sent("auth")} == {"acme"}
    assert "acme-pass" not in stack.stderr_text()


def test_mailboxes_whose_domain_was_deleted_out_of_band_read_as_gone_and_delete_cleanly(
    stack: Stack, emulator: Emulator
) -> None:
    stack.up({"m": mailbox(ADA), "n": mailbox(f"bob@{DOMAIN}")})
    emulator.state.recursive_domain_delete = True  # the guess switch: domain.del takes the addresses along
    emulator.state.call_as("acme", "domain.del", {"account": "acme", "domain": DOMAIN})

    assert stack.refresh().operations == {"m": Op.DELETE, "n": Op.DELETE}
    assert stack.resources == {}

    # The same through destroy: state still holds the addresses, the server has neither them nor the domain.
    emulator.state.call_as("acme", "domain.add", {"account": "acme", "domain": DOMAIN, "password": "dp-1"})
    stack.up({"m": mailbox(ADA)})
    emulator.state.call_as("acme", "domain.del", {"account": "acme", "domain": DOMAIN})
    assert stack.destroy().operations == {"m": Op.DELETE}


def test_an_address_beyond_the_first_page_of_a_large_domain_is_found_and_adopted(
    stack: Stack, emulator: Emulator
) -> None:
    emulator.state.unpaged_limit = 2  # an unpaginated mail.list would miss the third address
    for name in ("ada", "bob", "zoe"):
        emulator.state.call_as(
            "acme",
            "mail.add",
            {
                "mail": f"{name}@{DOMAIN}",
                "password": "Their-pass-1!",
                "plan": "standard",
                "first_name": name,
                "last_name": "X",
                "inboxsave": True,
                "forwards": [],
            },
        )

    stack.up({"m": mailbox(f"zoe@{DOMAIN}", adopt=True, memo="ours")})

    assert emulator.sent("mail.add") == []  # found, so adopted rather than added
    assert server(emulator, f"zoe@{DOMAIN}")["memo"] == "ours"
    assert all("page" in params for params in emulator.sent("mail.list"))
