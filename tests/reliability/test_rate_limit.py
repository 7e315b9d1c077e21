"""Client-side rate limiting and HTTP 429, end to end through the provider host.

``mailboxorg:rateLimit`` (or ``MAILBOXORG_RATE_LIMIT``) caps the API requests per second of one
provider process with a token bucket that starts with one second's worth of tokens. The duration
assertions are lower bounds the bucket guarantees (it can never be faster), not timing guesses.
"""

from __future__ import annotations

import time

import pytest

from harness import HostPool, Op, ProviderError, Res, Stack
from pulumi_mailboxorg.emulator import Emulator
from resources.support import domain, make_stack

DOMAINS = tuple(f"rate{i}.example" for i in range(10))
RATE = 4.0


def existing_domains(emulator: Emulator) -> dict[str, Res]:
    """Ten Domain resources, their ownership records published."""
    for name in DOMAINS:
        emulator.publish_challenge("acme", name)
    return {name: domain(name) for name in DOMAINS}


def timed_refresh(stack: Stack, emulator: Emulator) -> tuple[float, int]:
    emulator.reset_counters()
    started = time.monotonic()
    result = stack.refresh()
    elapsed = time.monotonic() - started
    assert set(result.operations.values()) == {Op.SAME}
    return elapsed, sum(emulator.calls.values())


@pytest.mark.slow
@pytest.mark.parametrize("source", ["stack config", "environment"])
def test_the_configured_rate_limit_spaces_the_api_calls_of_a_refresh(
    host_pool: HostPool, emulator: Emulator, source: str
) -> None:
    stack = make_stack(host_pool, emulator)
    stack.up(existing_domains(emulator))  # rate limit 0: no limit
    # Then the operator sets a limit, and the next command's provider process honours it.
    if source == "stack config":
        stack.config["mailboxorg:rateLimit"] = str(RATE)
    else:
        del stack.config["mailboxorg:rateLimit"]
        stack.hosts = lambda: host_pool.take(env={"MAILBOXORG_RATE_LIMIT": str(RATE)})

    elapsed, calls = timed_refresh(stack, emulator)

    # One domain.get each, the login, and the logout at process exit (the engine ends the host with
    # SIGINT, so its exit handlers run).
    assert calls == len(DOMAINS) + 2
    # The bucket holds RATE tokens at first; every further call waits 1/RATE s (the logout is sent
    # at exit, after the reads: not counted in the bound).
    assert elapsed >= (calls - 1 - RATE) / RATE * 0.95, (elapsed, calls)
    print(
        f"\n{source}: {calls} calls at {RATE:g}/s took {elapsed:.2f} s "
        f"(bound {(calls - 1 - RATE) / RATE:.2f} s)"
    )


def test_a_429_is_retried_after_retry_after_even_for_a_create(
    host_pool: HostPool, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", "limited.example")
    stack = make_stack(host_pool, emulator)
    emulator.inject("ratelimit", 1, "domain.add")  # HTTP 429 with Retry-After: 1, not processed

    started = time.monotonic()
    result = stack.up({"d": domain("limited.example")})
    elapsed = time.monotonic() - started

    assert result.operations == {"d": Op.CREATE}
    assert emulator.calls["domain.add"] == 2  # refused once, then sent again
    assert len(emulator.sent("domain.add")) == 1  # processed once
    assert elapsed >= 1.0  # the Retry-After second was waited for


@pytest.mark.slow
def test_a_server_that_keeps_answering_429_fails_with_a_message_naming_the_rate_limit_setting(
    host_pool: HostPool, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", "limited.example")
    stack = make_stack(host_pool, emulator)
    emulator.inject("ratelimit", 20, "domain.add")

    with pytest.raises(ProviderError) as caught:
        stack.up({"d": domain("limited.example")})

    line = caught.value.exception_line
    assert line.startswith("pulumi_mailboxorg.errors.RateLimitedError: ")
    assert "HTTP 429" in line and "mailboxorg:rateLimit" in line and "MAILBOXORG_RATE_LIMIT" in line
    assert emulator.calls["domain.add"] == 5  # the first attempt and 4 retries
    assert emulator.sent("domain.add") == []  # never processed
    assert emulator.state.snapshot()["domains"] == {}
