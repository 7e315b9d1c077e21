"""Per-resource logins: a reseller's stack manages a customer's mailboxes with the customer's login."""

from __future__ import annotations

import pytest

from harness import CheckFailedError, ProviderError, Secret
from resources.support import RESELLER_LOGIN, after, domain, mailbox, make_stack


def test_a_reseller_stack_creates_a_customer_mailbox_with_the_customer_login(host_pool, emulator):
    emulator.publish_challenge("acme", "example.com")
    stack = make_stack(host_pool, emulator, login=RESELLER_LOGIN)
    customer = {"loginUsername": "acme", "loginPassword": "acme-pass"}
    stack.up({"d": domain(), "m": after(mailbox("ada@example.com", **customer), "d")})

    assert stack["m"].outputs["account"] == "acme"
    assert stack["m"].is_secret("loginPassword")
    assert emulator.logins == 2  # the reseller's login and the customer's, once each
    assert "acme-pass" not in stack.stderr_text()
    stack.destroy()
    snapshot = emulator.state.snapshot()
    assert snapshot["mails"] == {}
    assert snapshot["domains"] == {}


def test_a_mailbox_without_the_customer_login_is_refused_at_reseller_level(host_pool, emulator):
    emulator.publish_challenge("acme", "example.com")
    stack = make_stack(host_pool, emulator, login=RESELLER_LOGIN)
    stack.up({"d": domain()})
    with pytest.raises(ProviderError, match=r"refused to create the mailbox ada@example\.com"):
        stack.up({"d": domain(), "m": after(mailbox("ada@example.com"), "d")})


def test_a_login_user_without_its_password_is_rejected_by_check(host_pool, emulator):
    stack = make_stack(host_pool, emulator)
    with pytest.raises(CheckFailedError, match="login_password"):
        stack.up({"m": mailbox("ada@example.com", loginUsername="acme")})
    with pytest.raises(CheckFailedError, match="login_username"):
        stack.up({"m": mailbox("ada@example.com", loginPassword=Secret("acme-pass"))})
    assert emulator.calls == {}
