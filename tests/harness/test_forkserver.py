"""A host forked from the fork server behaves like one the engine's command starts.

Most tests take forked hosts (``harness.forkserver``: the same entry point, without ``exec`` and the
~0.5 s of imports). These tests run the process-level facts of ``engine-behaviour.md`` ("Shutdown",
the launch environment) and one environment-configured deployment both ways and require the same
result, so the fork server cannot drift from ``python -u -m pulumi.dynamic`` unnoticed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import ACME, RESELLER

from harness import HostPool, Stack
from harness.fixtures import host_pool  # noqa: F401  (module-scoped fixture, found by name)
from harness.forkserver import launch_mode
from harness.trivial_provider import TrivialProvider, read_journal
from pulumi_mailboxorg.emulator import Emulator
from resources.support import after, domain, mailbox, make_stack

LAUNCHES = ["exec", "fork"]
P = TrivialProvider()


@pytest.mark.parametrize("launch", LAUNCHES)
def test_sigint_ends_the_host_normally_so_its_exit_handlers_run_and_sigterm_runs_none(
    host_pool: HostPool,  # noqa: F811
    tmp_path: Path,
    launch: str,
) -> None:
    config = {"trivial:stateDir": str(tmp_path)}
    with host_pool.take(launch=launch) as host:
        assert host.launch_mode == launch
        host.configure(config)
        host.check(P, {"name": "a"})
    assert host.returncode == 0
    assert [e["op"] for e in read_journal(tmp_path)][-1] == "exit"
    (tmp_path / "journal.jsonl").unlink()
    with host_pool.take(launch=launch, shutdown="sigterm") as host:
        host.configure(config)
        host.check(P, {"name": "b"})
    assert host.returncode == -15
    assert "exit" not in [e["op"] for e in read_journal(tmp_path)]


@pytest.mark.parametrize("launch", LAUNCHES)
def test_the_host_gets_exactly_its_own_environment_and_working_directory(
    host_pool: HostPool,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    launch: str,
) -> None:
    monkeypatch.setenv("MAILBOXORG_ENDPOINT", "https://must-not-leak.invalid/")
    with host_pool.take(
        launch=launch, env={"TRIVIAL_MARKER": launch, "MAILBOXORG_USERNAME": "explicit"}, cwd=tmp_path
    ) as host:
        host.configure({"trivial:stateDir": str(tmp_path)})
        host.check(P, {"name": "a"})
        assert host.pid is not None
        with open(f"/proc/{host.pid}/environ", "rb") as handle:
            environ = dict(item.split(b"=", 1) for item in handle.read().split(b"\0") if b"=" in item)
        assert os.readlink(f"/proc/{host.pid}/cwd") == str(tmp_path)
        assert os.getsid(host.pid) == host.pid  # its own session, as the engine starts it
    (configured,) = [e for e in read_journal(tmp_path) if e["op"] == "configure"]
    assert configured["mailboxorg_env"] == ["MAILBOXORG_USERNAME"]
    assert configured["env_marker"] == launch
    if launch == "exec":  # a forked child's /proc environ is the server's block; os.environ is what counts
        assert environ[b"TRIVIAL_MARKER"] == b"exec"


@pytest.mark.parametrize("launch", LAUNCHES)
def test_a_closed_host_leaves_no_process_behind(host_pool: HostPool, launch: str) -> None:  # noqa: F811
    host = host_pool.take(launch=launch)
    pid = host.pid
    assert pid is not None and os.path.exists(f"/proc/{pid}")
    host.close()
    assert host.returncode == 0
    assert not os.path.exists(f"/proc/{pid}")  # reaped by its parent (the test process or its waiter)


def _deploy(host_pool: HostPool, emulator: Emulator, launch: str) -> tuple[Any, ...]:  # noqa: F811
    emulator.publish_challenge("acme", "example.com")
    stack: Stack = make_stack(host_pool, emulator)
    del stack.config["mailboxorg:endpoint"]  # from the environment, read by the host at Configure
    stack.hosts = lambda: host_pool.take(launch=launch, env={"MAILBOXORG_ENDPOINT": emulator.endpoint})
    stack.up({"d": domain("example.com"), "m": after(mailbox("info@example.com"), "d")})
    stack.refresh()
    outputs = {
        name: {k: v for k, v in state.display_outputs().items() if k != "creationDate"}  # a clock
        for name, state in sorted(stack.resources.items())
    }
    messages = sorted(m.message.replace(emulator.endpoint, "ENDPOINT") for m in stack.log_messages())
    stack.destroy()
    methods = sorted(method for method, _ in emulator.journal)  # the schedule is concurrent
    return outputs, messages, methods, dict(stack.host_starts)


@pytest.mark.slow
def test_an_environment_configured_deployment_gives_the_same_outputs_logs_and_calls_both_ways(
    host_pool: HostPool,  # noqa: F811
) -> None:
    results = []
    for launch in LAUNCHES:
        with Emulator(accounts=[RESELLER, ACME]) as emulator:
            results.append(_deploy(host_pool, emulator, launch))
    execd, forked = results
    for a, b in zip(execd, forked, strict=True):
        assert a == b
    assert any("MAILBOXORG_ENDPOINT points the provider at" in m for m in execd[1])  # the env was read


def test_harness_launch_selects_the_default_and_rejects_anything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HARNESS_LAUNCH", raising=False)
    assert launch_mode() == "fork"
    assert launch_mode("exec") == "exec"
    monkeypatch.setenv("HARNESS_LAUNCH", "exec")
    assert launch_mode() == "exec"
    monkeypatch.setenv("HARNESS_LAUNCH", "spawn")
    with pytest.raises(ValueError, match="HARNESS_LAUNCH"):
        launch_mode()
