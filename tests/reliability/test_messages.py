"""A refused login reaches the user as a refused login, whatever the resource and operation.

Every operation logs in before it does anything else, so a wrong password is never reported through
an operation's own handling of API errors (such as "refused to add the domain" or "needs a reseller
login"), and the message names what to fix: the stack's ``mailboxorg:username``/``mailboxorg:password``,
or the resource's own ``login_username``/``login_password``.
"""

from __future__ import annotations

import pytest

from harness import HostPool, ProviderError, Res, Stack
from pulumi_mailboxorg.emulator import Emulator
from resources.support import RESELLER_LOGIN, domain, mailbox, res, stack_config

KINDS: dict[str, Res] = {
    "Account": res("Account", {"account": "customer1", "password": "ap-1", "plan": "basic"}),
    "Domain": domain("login.example"),
    "Mailbox": mailbox("ada@login.example"),
    "DomainChallenge": res("DomainChallenge", {"account": "acme", "domain": "login.example"}),
    "Context": res("Context", {"account": "acme", "domains": ["login.example"]}),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_wrong_stack_password_is_reported_as_a_refused_login_naming_the_config_keys(
    host_pool: HostPool, emulator: Emulator, kind: str
) -> None:
    stack = Stack(host_pool, config=stack_config(emulator, login=(RESELLER_LOGIN[0], "wrong-password")))

    with pytest.raises(ProviderError) as caught:
        stack.up({"r": KINDS[kind]})

    line = caught.value.exception_line
    assert line.startswith("pulumi_mailboxorg.errors.AuthenticationError: mailbox.org refused the login"), (
        line
    )
    assert "mailboxorg:username" in line and "mailboxorg:password" in line
    assert emulator.logins == 0 and set(emulator.calls) == {"auth"}


@pytest.mark.parametrize("kind", ["Context", "DomainChallenge", "Domain", "Mailbox"])
def test_a_wrong_login_password_of_a_resource_names_that_resources_login_properties(
    host_pool: HostPool, emulator: Emulator, kind: str
) -> None:
    stack = Stack(host_pool, config=stack_config(emulator, login=RESELLER_LOGIN))
    props = {**KINDS[kind].props, "loginUsername": "acme", "loginPassword": "wrong-password"}

    with pytest.raises(ProviderError) as caught:
        stack.up({"r": res(kind, props)})

    line = caught.value.exception_line
    assert line.startswith("pulumi_mailboxorg.errors.InputError: login_password: mailbox.org refused"), line
    assert "'acme'" in line and "login_username and login_password" in line
    assert "mailboxorg:password" not in line
