"""The provider warns when only an environment variable points it at a loopback endpoint.

That is the shell of the quickstart still holding the emulator's ``MAILBOXORG_*`` variables while a
stack meant for mailbox.org is deployed: the operator must notice.
"""

from __future__ import annotations

import pytest

from harness import HostPool
from pulumi_mailboxorg.config import loopback_endpoint_from_environment
from pulumi_mailboxorg.emulator import Emulator
from resources.support import domain, make_stack

WARNING = "the environment variable MAILBOXORG_ENDPOINT points the provider at"


@pytest.mark.parametrize(
    ("stack", "env", "expected"),
    [
        ({}, {"MAILBOXORG_ENDPOINT": "http://127.0.0.1:8080/v1/"}, "http://127.0.0.1:8080/v1/"),
        ({}, {"MAILBOXORG_ENDPOINT": "http://[::1]:8080/v1/"}, "http://[::1]:8080/v1/"),
        ({}, {"MAILBOXORG_ENDPOINT": "http://localhost:1/v1/"}, "http://localhost:1/v1/"),
        ({}, {"MAILBOXORG_ENDPOINT": "https://api.mailbox.org/v1/"}, None),
        ({}, {}, None),
        (
            {"mailboxorg:endpoint": "http://127.0.0.1:1/v1/"},
            {"MAILBOXORG_ENDPOINT": "http://127.0.0.1:1/v1/"},
            None,
        ),
        (
            {"mailboxorg:endpoint": "https://api.mailbox.org/v1/"},
            {"MAILBOXORG_ENDPOINT": "http://127.0.0.1:1/"},
            None,
        ),
        ({}, {"MAILBOXORG_ENDPOINT": "http://[not-an-address/"}, None),
    ],
)
def test_only_a_loopback_endpoint_from_the_environment_without_a_stack_endpoint_is_reported(
    stack: dict[str, str], env: dict[str, str], expected: str | None
) -> None:
    assert loopback_endpoint_from_environment(stack.get, env) == expected


def test_the_provider_warns_once_per_process_when_the_environment_picks_the_emulator(
    host_pool: HostPool, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", "example.com")
    emulator.publish_challenge("acme", "example.org")
    stack = make_stack(host_pool, emulator)
    del stack.config["mailboxorg:endpoint"]
    stack.hosts = lambda: host_pool.take(env={"MAILBOXORG_ENDPOINT": emulator.endpoint})

    stack.up({"a": domain("example.com"), "b": domain("example.org")})

    warned = [m.message for m in stack.log_messages() if m.severity == "warning" and WARNING in m.message]
    assert len(warned) == 1, warned
    assert emulator.endpoint in warned[0] and "mailboxorg:endpoint" in warned[0]
    stack.destroy()


def test_no_warning_when_the_stack_config_names_the_endpoint(host_pool: HostPool, emulator: Emulator) -> None:
    emulator.publish_challenge("acme", "example.com")
    stack = make_stack(host_pool, emulator)
    stack.hosts = lambda: host_pool.take(env={"MAILBOXORG_ENDPOINT": emulator.endpoint})

    stack.up({"a": domain("example.com")})

    assert not [m for m in stack.log_messages() if WARNING in m.message]
    stack.destroy()
