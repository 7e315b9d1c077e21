"""Refresh and destroy log in with the configuration recorded at the last ``pulumi up``.

engine-behaviour.md, "Process and configuration": without ``--run-program`` the provider is configured
from the state, so after a password rotation these commands still send the old password.
"""

from __future__ import annotations

import pytest

from harness import HostPool, Op, ProviderError, Secret, Stack
from pulumi_mailboxorg.emulator import Emulator
from resources.engine_programs import ADA, DOMAIN, snapshot
from resources.support import mailbox, stack_config

# -- (b) refresh and destroy log in with the config of the last `pulumi up` ------------------------------


def _rotated(host_pool: HostPool, emulator: Emulator) -> Stack:
    """A stack with a mailbox, after the account's password was rotated and the config updated."""
    emulator.publish_challenge("acme", DOMAIN)
    emulator.state.call_as("acme", "domain.add", {"account": "acme", "domain": DOMAIN, "password": "dp-1"})
    stack = Stack(host_pool, config=stack_config(emulator), state_config=True)
    stack.up({"m": mailbox(ADA)})
    emulator.state.call_as("reseller", "account.set", {"account": "acme", "password": "acme-pass-2"})
    stack.config["mailboxorg:password"] = Secret("acme-pass-2")  # pulumi config set --secret
    return stack


def _says_how_to_go_on(details: str) -> None:
    assert "refused the login of 'acme'" in details
    assert "configuration of the last `pulumi up`" in details
    assert "--run-program" in details and "`pulumi up` first" in details


def test_a_refused_login_during_refresh_says_it_uses_the_config_of_the_last_up(
    host_pool: HostPool, emulator: Emulator
) -> None:
    stack = _rotated(host_pool, emulator)
    with pytest.raises(ProviderError) as raised:
        stack.refresh()
    _says_how_to_go_on(raised.value.details)
    assert stack.refresh(run_program=True).operations == {"m": Op.SAME}  # the advice works


def test_a_refused_login_during_destroy_says_it_uses_the_config_of_the_last_up(
    host_pool: HostPool, emulator: Emulator
) -> None:
    stack = _rotated(host_pool, emulator)
    with pytest.raises(ProviderError) as raised:
        stack.destroy()
    _says_how_to_go_on(raised.value.details)
    stack.up({"m": mailbox(ADA)})  # the other way on: `pulumi up` records the new config
    assert stack.destroy().operations == {"m": Op.DELETE}
    assert ADA not in snapshot(emulator, "mails")
