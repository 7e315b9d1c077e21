"""Four operations at once in one provider process share one login; an expiry costs one re-login.

The engine runs up to four resource operations in parallel against one provider process (``pulumi up
--parallel``; the dynamic host serves four calls at once). These tests call the real host from four
threads, as the engine does, and count the logins the emulator saw.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from harness import CreateResponse, HostPool, ProviderHost, Res, make_urn
from pulumi_mailboxorg.emulator import Emulator
from reliability.support import wait_until
from resources.support import domain, stack_config

DOMAINS = tuple(f"para{i}.example" for i in range(4))
#: Latency added by the emulator while the four operations run, so that their calls overlap.
LATENCY_MS = 500


def create_all(host: ProviderHost, pool: ThreadPoolExecutor, resources: dict[str, Res]) -> list[Future[Any]]:
    """Check each resource, then start the four creates at once, like the engine's step executor."""
    futures: list[Future[CreateResponse]] = []
    for name, resource in resources.items():
        checked = host.check(resource.provider, resource.props, urn=make_urn(name))
        assert not checked.failures, checked.failures
        futures.append(pool.submit(host.create, resource.provider, checked.inputs, urn=make_urn(name)))
    return list(futures)


@pytest.mark.slow
def test_four_simultaneous_creates_share_one_login_and_an_expiry_while_they_wait_costs_one_relogin(
    host_pool: HostPool, emulator: Emulator
) -> None:
    resources = {name: domain(name) for name in DOMAINS}
    with host_pool.take() as host, ThreadPoolExecutor(max_workers=4) as pool:
        host.configure(stack_config(emulator, verificationTimeout="60"))
        emulator.set_latency(LATENCY_MS)
        futures = create_all(host, pool, resources)
        # All four are inside Create: each has been told to publish its record (error 218) and waits.
        asked = [f"Domain {name}: mailbox.org asks for proof of ownership" for name in DOMAINS]
        wait_until(
            lambda: all(line in host.stderr_text() for line in asked), "all four creates got their challenge"
        )
        assert len(emulator.sent("domain.add")) == 4
        assert emulator.logins == 1
        assert emulator.calls["auth"] == 1

        emulator.expire_sessions()  # in the middle of the four waits
        for name in DOMAINS:
            emulator.publish_challenge("acme", name)
        created = [future.result(timeout=60) for future in futures]

    assert sorted(c.id for c in created) == sorted(DOMAINS)
    assert set(emulator.state.snapshot()["domains"]) == set(DOMAINS)
    assert emulator.logins == 2  # exactly one re-login for the four operations
    assert emulator.calls["auth"] == 2


@pytest.mark.slow
def test_four_reads_in_flight_when_the_session_expires_share_exactly_one_relogin(
    host_pool: HostPool, emulator: Emulator
) -> None:
    for name in DOMAINS:
        emulator.publish_challenge("acme", name)
        emulator.state.call_as("acme", "domain.add", {"account": "acme", "domain": name, "password": "dp-1"})
    resources = {name: domain(name) for name in DOMAINS}
    with host_pool.take() as host, ThreadPoolExecutor(max_workers=4) as pool:
        host.configure(stack_config(emulator))
        host.read(resources[DOMAINS[0]].provider, DOMAINS[0], {"account": "acme"})  # logs in
        assert emulator.logins == 1
        emulator.expire_sessions()
        emulator.reset_counters()
        emulator.set_latency(LATENCY_MS)

        futures = [
            pool.submit(host.read, resources[name].provider, name, {"account": "acme"}, urn=make_urn(name))
            for name in DOMAINS
        ]
        reads = [future.result(timeout=60) for future in futures]

    assert [read.id for read in reads] == list(DOMAINS)
    # Each of the four calls was refused with 253 and repeated once; one login served all four.
    assert emulator.calls["domain.get"] == 8, emulator.calls
    assert emulator.logins == 1
    assert emulator.calls["auth"] == 1
