"""The engine-protocol harness, proven with a trivial provider served by a real ``python -m pulumi.dynamic``.

What ran inside the provider host is read from the provider's own journal (``journal.jsonl`` in the
state directory), so every assertion about order or arguments is about the host process itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime.mocks import MockResourceArgs

from harness import (
    UNKNOWN,
    CheckFailedError,
    HostPool,
    Op,
    ProgramStack,
    ProviderError,
    ProviderHost,
    Res,
    ResourceHandler,
    Secret,
    Stack,
)
from harness.fixtures import host_pool  # noqa: F401  (module-scoped fixture, found by name)
from harness.trivial_provider import Thing, TrivialProvider, read_journal, stored

TOKEN = "config-token-7f3a9c"  # a secret config value: must never show up in host output
PASSWORD = "thing-password-51d2e8"  # a secret resource input


@pytest.fixture
def config(tmp_path: Path) -> dict[str, Any]:
    """Stack config for the trivial provider (one state directory per test)."""
    return {"trivial:stateDir": str(tmp_path), "trivial:token": Secret(TOKEN), "project:greeting": "hello"}


@pytest.fixture
def host(host_pool: HostPool) -> Iterator[ProviderHost]:  # noqa: F811
    """A fresh, started, unconfigured provider host."""
    with host_pool.take() as started:
        yield started


@pytest.fixture
def stack(host_pool: HostPool, config: dict[str, Any]) -> Stack:  # noqa: F811
    """An empty stack of trivial resources."""
    return Stack(host_pool, config=config)


def ops(state_dir: Path, *names: str) -> list[tuple[str, Any]]:
    """The provider's journal as (op, name-or-id) pairs, limited to the given operations."""
    return [(e["op"], e.get("name") or e.get("id")) for e in read_journal(state_dir) if e["op"] in names]


# -- the provider host -------------------------------------------------------------------------------


def test_host_prints_its_port_and_answers_the_engine_handshake(host: ProviderHost) -> None:
    assert 0 < host.port < 65536
    assert host.plugin_version == "0.1.0"
    assert host.calls["Handshake"] == 1  # answered UNIMPLEMENTED, tolerated like the engine does


def test_configure_reports_that_the_dynamic_provider_accepts_no_secrets_and_no_previews(
    host: ProviderHost, config: dict[str, Any]
) -> None:
    response = host.configure(config)
    assert response.accept_secrets is False
    assert response.supports_preview is False


@pytest.mark.parametrize("secret_style", ["secret_value", "secret_keys"])
def test_stack_config_including_a_secret_value_reaches_configure_unwrapped(
    host: ProviderHost, tmp_path: Path, secret_style: str
) -> None:
    if secret_style == "secret_value":
        host.configure(
            {"trivial:stateDir": str(tmp_path), "trivial:token": Secret(TOKEN), "project:greeting": "hi"}
        )
    else:
        host.configure(
            {"trivial:stateDir": str(tmp_path), "trivial:token": TOKEN, "project:greeting": "hi"},
            secret_keys=["trivial:token"],
        )
    host.check(TrivialProvider(), {"name": "a"})  # the provider is unpickled and configured on first use
    (configured,) = [e for e in read_journal(tmp_path) if e["op"] == "configure"]
    assert configured["token_type"] == "str"
    assert configured["token_sha256"] == hashlib.sha256(TOKEN.encode()).hexdigest()
    assert configured["greeting"] == "hi"  # un-namespaced key resolved in the PULUMI_PROJECT namespace
    assert TOKEN not in host.stderr_text() + host.stdout_text()


def test_check_create_read_update_delete_round_trip_through_the_host(
    host: ProviderHost, config: dict[str, Any], tmp_path: Path
) -> None:
    provider = TrivialProvider()
    host.configure(config)

    checked = host.check(provider, {"name": "a"})
    assert checked.failures == []
    assert checked.inputs == {"name": "a", "size": 1}

    created = host.create(provider, checked.inputs)
    assert created.outputs == {"name": "a", "size": 1, "token": f"tok-{created.id}", "greeting": "hello"}
    assert stored(tmp_path)[created.id]["name"] == "a"

    read = host.read(provider, created.id, created.outputs, inputs=checked.inputs)
    assert (read.id, read.outputs, read.inputs) == (created.id, created.outputs, None)

    diff = host.diff(
        provider, created.id, created.outputs, {"name": "a", "size": 2}, old_inputs=checked.inputs
    )
    assert (diff.changes, diff.replaces, diff.delete_before_replace) == ("some", [], False)

    updated = host.update(provider, created.id, created.outputs, {"name": "a", "size": 2})
    assert updated["size"] == 2
    assert stored(tmp_path)[created.id]["size"] == 2

    host.delete(provider, created.id, updated)
    assert stored(tmp_path) == {}
    assert host.read(provider, created.id, updated).id == ""
    assert ops(tmp_path, "create", "update", "delete") == [("create", "a"), ("update", "a"), ("delete", "a")]


def test_a_check_failure_names_the_property_and_the_reason(
    host: ProviderHost, config: dict[str, Any]
) -> None:
    host.configure(config)
    checked = host.check(TrivialProvider(), {"size": -1})
    assert {f.property for f in checked.failures} == {"name", "size"}
    assert any("non-negative integer" in f.reason for f in checked.failures if f.property == "size")


def test_a_provider_exception_surfaces_as_provider_error_with_the_hosts_traceback(
    host: ProviderHost, config: dict[str, Any]
) -> None:
    host.configure(config)
    with pytest.raises(ProviderError) as caught:
        host.create(TrivialProvider(), {"name": "a", "size": 1, "fail": "create"})
    assert caught.value.method == "Create"
    assert "Traceback (most recent call last)" in caught.value.details
    assert caught.value.exception_line == "RuntimeError: create refused because fail=create"


def test_pulumi_log_messages_from_the_provider_are_observable_and_debug_is_dropped(
    host: ProviderHost, config: dict[str, Any]
) -> None:
    host.configure(config)
    created = host.create(TrivialProvider(), {"name": "a", "size": 1, "tag": "warn"})
    assert [(m.severity, m.message) for m in host.log_messages()] == [
        ("info", f"trivial: created a as {created.id}"),
        ("warning", f"trivial: {created.id} is tagged warn"),
    ]
    assert "debug detail" not in host.stderr_text()


def test_preview_unknowns_reach_check_as_pulumi_unknown_instances_and_come_back_as_the_sentinel(
    host: ProviderHost, config: dict[str, Any], tmp_path: Path
) -> None:
    host.configure(config)
    checked = host.check(TrivialProvider(), {"name": UNKNOWN}, preview=True)
    assert checked.inputs["name"] == UNKNOWN
    (check,) = [e for e in read_journal(tmp_path) if e["op"] == "check"]
    assert check["unknowns"] == {"name": "Unknown"}  # pulumi.output.Unknown, not the sentinel string


def test_unknown_inputs_outside_a_preview_are_refused_like_the_engine_never_sends_them(
    host: ProviderHost,
) -> None:
    with pytest.raises(ValueError, match="preview"):
        host.check(TrivialProvider(), {"name": UNKNOWN})


def test_host_environment_drops_inherited_mailboxorg_variables_unless_set_explicitly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MAILBOXORG_ENDPOINT", "https://must-not-leak.invalid/")
    with ProviderHost(env={"TRIVIAL_MARKER": "m", "MAILBOXORG_USERNAME": "explicit"}) as host:
        host.configure({"trivial:stateDir": str(tmp_path)})
        host.check(TrivialProvider(), {"name": "a"})
    (configured,) = [e for e in read_journal(tmp_path) if e["op"] == "configure"]
    assert configured["mailboxorg_env"] == ["MAILBOXORG_USERNAME"]
    assert configured["env_marker"] == "m"


def test_closing_a_host_ends_its_process_without_leaving_a_zombie(host_pool: HostPool) -> None:  # noqa: F811
    host = host_pool.take(launch="exec")  # the test process's own child (a forked host is its waiter's)
    pid = host.pid
    assert pid is not None
    host.close()
    assert host.returncode is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: not our child any more
    host.close()  # idempotent


def test_the_pool_never_hands_out_the_same_host_twice(host_pool: HostPool) -> None:  # noqa: F811
    with host_pool.take() as first, host_pool.take() as second:
        assert first.pid != second.pid
        assert first.calls["Configure"] == second.calls["Configure"] == 0


# -- deployments -------------------------------------------------------------------------------------


def test_up_creates_then_updates_a_changed_input_in_place_and_then_does_nothing(
    stack: Stack, tmp_path: Path
) -> None:
    provider = TrivialProvider()
    assert stack.up({"a": Res(provider, {"name": "a"})}).operations == {"a": Op.CREATE}
    first_id = stack["a"].id

    result = stack.up({"a": Res(provider, {"name": "a", "size": 3})})
    assert result.operations == {"a": "update"}
    assert stack["a"].id == first_id
    assert stack["a"].outputs["size"] == 3

    unchanged = stack.up({"a": Res(provider, {"name": "a", "size": 3})})
    assert unchanged.operations == {"a": "same"}
    assert unchanged.steps == []
    assert ops(tmp_path, "create", "update") == [("create", "a"), ("update", "a")]


def test_replace_with_delete_before_replace_deletes_the_old_resource_first(
    stack: Stack, tmp_path: Path
) -> None:
    provider = TrivialProvider()
    stack.up({"x": Res(provider, {"name": "one", "exclusive": True})})
    old_id = stack["x"].id

    result = stack.up({"x": Res(provider, {"name": "two", "exclusive": True})})

    assert result.operations == {"x": "replace"}
    assert result.diffs["x"].delete_before_replace is True
    assert [(s.op, s.id) for s in result.steps] == [(Op.DELETE, old_id), (Op.CREATE, stack["x"].id)]
    assert ops(tmp_path, "create", "delete")[1:] == [("delete", "one"), ("create", "two")]
    assert [t["name"] for t in stored(tmp_path).values()] == ["two"]


def test_replace_creates_the_replacement_before_deleting_the_old_resource_by_default(
    stack: Stack, tmp_path: Path
) -> None:
    provider = TrivialProvider()
    stack.up({"x": Res(provider, {"name": "one"}), "y": Res(provider, {"name": "y"})})

    result = stack.up({"x": Res(provider, {"name": "two"}), "y": Res(provider, {"name": "y"})})

    assert result.operations == {"x": "replace", "y": "same"}
    # The old resource is deleted at the end of the deployment, after every registration.
    assert ops(tmp_path, "create", "delete")[2:] == [("create", "two"), ("delete", "one")]
    assert sorted(t["name"] for t in stored(tmp_path).values()) == ["two", "y"]


def test_the_delete_before_replace_resource_option_forces_delete_first(stack: Stack, tmp_path: Path) -> None:
    provider = TrivialProvider()
    stack.up({"x": Res(provider, {"name": "one"}, delete_before_replace=True)})
    stack.up({"x": Res(provider, {"name": "two"}, delete_before_replace=True)})
    assert ops(tmp_path, "create", "delete")[1:] == [("delete", "one"), ("create", "two")]


def test_preview_with_an_unknown_input_calls_no_create(stack: Stack, tmp_path: Path) -> None:
    result = stack.preview({"a": Res(TrivialProvider(), {"name": UNKNOWN, "size": 2})})
    assert result.operations == {"a": "create"}
    assert result.checked_inputs["a"] == {"name": UNKNOWN, "size": 2}
    assert stack.calls["Create"] == 0
    assert ops(tmp_path, "create") == []
    assert stack.resources == {}


def test_preview_plans_update_replace_same_and_delete_without_changing_anything(
    stack: Stack, tmp_path: Path
) -> None:
    p = TrivialProvider()
    stack.up({n: Res(p, {"name": n}) for n in ("a", "b", "c", "d")})
    before = stack.resources
    mutations = {k: stack.calls[k] for k in ("Create", "Update", "Delete")}

    result = stack.preview(
        {"a": Res(p, {"name": "a", "size": 5}), "b": Res(p, {"name": "b2"}), "c": Res(p, {"name": "c"})}
    )

    assert result.operations == {"a": "update", "b": "replace", "c": "same", "d": "delete"}
    assert stack.resources == before
    assert {k: stack.calls[k] for k in ("Create", "Update", "Delete")} == mutations


def test_removing_a_resource_from_the_program_deletes_it_on_the_next_up(stack: Stack, tmp_path: Path) -> None:
    p = TrivialProvider()
    stack.up({"a": Res(p, {"name": "a"}), "b": Res(p, {"name": "b"})})
    result = stack.up({"a": Res(p, {"name": "a"})})
    assert result.operations == {"a": "same", "b": "delete"}
    assert list(stack.resources) == ["a"]
    assert [t["name"] for t in stored(tmp_path).values()] == ["a"]


def test_refresh_drops_a_resource_deleted_out_of_band_and_records_drift(stack: Stack, tmp_path: Path) -> None:
    p = TrivialProvider()
    stack.up({"a": Res(p, {"name": "a"}), "b": Res(p, {"name": "b"})})
    (tmp_path / f"{stack['b'].id}.thing.json").unlink()
    drifted = tmp_path / f"{stack['a'].id}.thing.json"
    drifted.write_text(json.dumps({**json.loads(drifted.read_text()), "size": 9}))

    result = stack.refresh()

    assert result.operations == {"a": "update", "b": "delete"}
    assert list(stack.resources) == ["a"]
    assert stack["a"].outputs["size"] == 9


def test_destroy_deletes_resources_in_reverse_order(stack: Stack, tmp_path: Path) -> None:
    p = TrivialProvider()
    stack.up({n: Res(p, {"name": n}) for n in ("a", "b", "c")})
    result = stack.destroy()
    assert [s.name for s in result.steps] == ["c", "b", "a"]
    assert stack.resources == {}
    assert stored(tmp_path) == {}


def test_every_operation_gets_a_fresh_host_like_every_pulumi_command(stack: Stack, tmp_path: Path) -> None:
    stack.up({"a": Res(TrivialProvider(), {"name": "a"})})
    stack.destroy()
    configures = [e["pid"] for e in read_journal(tmp_path) if e["op"] == "configure"]
    assert len(configures) == len(set(configures)) == 2
    assert [m.message.split(" as ")[0] for m in stack.log_messages()] == ["trivial: created a"]


def test_a_stack_can_reuse_one_host_for_all_its_operations(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    with Stack(host_pool, config=config, reuse_host=True) as stack:
        stack.up({"a": Res(TrivialProvider(), {"name": "a"})})
        stack.destroy()
        assert stack.calls["Configure"] == 1
    assert len({e["pid"] for e in read_journal(tmp_path)}) == 1
    assert "trivial: created a" in stack.stderr_text()


def test_secret_inputs_and_additional_secret_outputs_are_marked_secret_in_the_state(stack: Stack) -> None:
    stack.up(
        {"a": Res(TrivialProvider(), {"name": "a", "password": Secret(PASSWORD)}, secret_outputs=["token"])}
    )
    state = stack["a"]
    assert state.secret_inputs == {"password"}
    assert state.secret_outputs == {"password", "token"}
    assert state.outputs["password"] == PASSWORD  # plain in the state API, marked secret beside it
    assert state.display_outputs()["password"] == "[secret]"
    assert PASSWORD not in repr(state)
    assert not state.is_secret("name")
    assert PASSWORD not in stack.stderr_text()


def test_a_check_failure_stops_the_deployment_before_anything_is_created(stack: Stack) -> None:
    with pytest.raises(CheckFailedError) as caught:
        stack.up({"bad": Res(TrivialProvider(), {"name": "", "size": 1.5})})
    assert {f.property for f in caught.value.failures} == {"name", "size"}
    assert "name is required" in str(caught.value)
    assert stack.calls["Create"] == 0
    assert stack.resources == {}


def test_a_failing_update_leaves_the_prior_state_in_place(stack: Stack) -> None:
    p = TrivialProvider()
    stack.up({"a": Res(p, {"name": "a"})})
    before = stack["a"]
    with pytest.raises(ProviderError, match="update refused"):
        stack.up({"a": Res(p, {"name": "a", "fail": "update"})})
    assert stack["a"] == before


# -- whole programs under mocks ----------------------------------------------------------------------


class RecordHandler(ResourceHandler):
    """Engine-side mock of a non-dynamic record type, remembering what it was asked to do."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def create(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.calls.append(("create", args.inputs["value"]))
        return f"{args.name}-id", {**args.inputs, "fqdn": f"{args.name}.example.test"}

    def update(self, id_: str, old_outputs: dict[str, Any], args: MockResourceArgs) -> dict[str, Any]:
        self.calls.append(("update", args.inputs["value"]))
        return {**args.inputs, "fqdn": old_outputs["fqdn"]}

    def delete(self, id_: str, outputs: dict[str, Any]) -> None:
        self.calls.append(("delete", id_))


def test_a_program_creates_updates_and_destroys_through_the_provider_host(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    stack = ProgramStack(host_pool, config=config)
    size = 1

    def program() -> None:
        thing = Thing("a", name="a", size=size)
        pulumi.export("size", thing.size)
        pulumi.export("greeting", thing.greeting)

    created = stack.up(program)
    assert created.operations == {"a": "create"}
    assert created.outputs == {"size": 1, "greeting": "hello"}

    size = 4
    updated = stack.up(program)
    assert updated.operations == {"a": "update"}
    assert updated.outputs["size"] == 4

    destroyed = stack.destroy()
    assert destroyed.operations == {"a": "delete"}
    assert stack.resources == {}
    assert ops(tmp_path, "create", "update", "delete") == [("create", "a"), ("update", "a"), ("delete", "a")]


def test_a_program_preview_with_an_unknown_input_calls_no_create(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    stack = ProgramStack(host_pool, config=config)

    def program() -> None:
        first = Thing("first", name="first")
        second = Thing("second", name=first.id.apply(lambda i: f"after-{i}"))
        pulumi.export("second_name", second.name)  # type: ignore[attr-defined]

    run = stack.preview(program)

    assert run.operations == {"first": "create", "second": "create"}
    assert run.outputs["second_name"] == UNKNOWN
    assert stack.calls["Create"] == 0
    assert stack.resources == {}
    assert [e["unknowns"] for e in read_journal(tmp_path) if e["op"] == "check"] == [{}, {"name": "Unknown"}]


def test_a_program_sees_secret_inputs_additional_secret_outputs_and_secret_exports(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
) -> None:
    stack = ProgramStack(host_pool, config=config)
    seen: dict[str, bool] = {}

    async def program() -> None:
        thing = Thing("a", name="a", password=PASSWORD)
        pulumi.export("token", thing.token)
        pulumi.export("name", thing.name)  # type: ignore[attr-defined]
        seen["token"] = await thing.token.is_secret()
        seen["name"] = await thing.name.is_secret()  # type: ignore[attr-defined]

    run = stack.up(program)

    assert seen == {"token": True, "name": False}
    assert run.secret_outputs == {"token"}
    urn = stack.resource("a").urn
    assert run.additional_secret_outputs[urn] == ("token",)
    assert stack.resource("a").secret_outputs == {"password", "token"}
    assert PASSWORD not in stack.stderr_text()


def test_a_program_routes_other_resource_types_to_their_handlers(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
) -> None:
    handler = RecordHandler()
    stack = ProgramStack(host_pool, config=config, handlers={"test:index:Record": handler})
    suffix = "1"

    def program() -> None:
        thing = Thing("a", name="a")
        record = pulumi.CustomResource("test:index:Record", "rec", {"value": f"v{suffix}", "fqdn": None})
        pulumi.export("fqdn", record.fqdn)  # type: ignore[attr-defined]
        pulumi.export("thing", thing.id)

    first = stack.up(program)
    assert first.outputs["fqdn"] == "rec.example.test"
    suffix = "2"
    assert stack.up(program).operations == {"a": "same", "rec": "update"}
    stack.destroy()
    assert handler.calls == [("create", "v1"), ("update", "v2"), ("delete", "rec-id")]


def test_a_program_replacement_honours_delete_before_replace(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    stack = ProgramStack(host_pool, config=config)
    name = "one"

    def program() -> None:
        Thing("x", name=name, exclusive=True)

    stack.up(program)
    name = "two"
    assert stack.up(program).operations == {"x": "replace"}
    assert ops(tmp_path, "create", "delete") == [("create", "one"), ("delete", "one"), ("create", "two")]


def test_a_program_registering_many_resources_at_once_gets_every_one_created(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    stack = ProgramStack(host_pool, config=config)

    def program() -> None:
        for i in range(8):
            Thing(f"t{i}", name=f"t{i}")

    run = stack.up(program)
    assert set(run.operations.values()) == {Op.CREATE}
    assert len({s.id for s in stack.resources.values()}) == 8
    assert len(stored(tmp_path)) == 8


def test_a_provider_failure_fails_the_program_run_with_the_provider_error(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
) -> None:
    stack = ProgramStack(host_pool, config=config)

    def program() -> None:
        Thing("a", name="a", fail="create")

    with pytest.raises(ProviderError, match="create refused"):
        stack.up(program)
    assert stack.resources == {}


def test_a_program_check_failure_names_the_property_and_the_reason(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
) -> None:
    stack = ProgramStack(host_pool, config=config)

    def program() -> None:
        Thing("a", name="")

    with pytest.raises(CheckFailedError, match="name: name is required"):
        stack.up(program)


def test_a_program_reads_the_stack_config_including_secrets(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
) -> None:
    stack = ProgramStack(host_pool, config=config)

    def program() -> None:
        pulumi.export("greeting", pulumi.Config().get("greeting"))
        pulumi.export("token", pulumi.Config("trivial").require_secret("token"))

    run = stack.up(program)
    assert run.outputs == {"greeting": "hello", "token": TOKEN}
    assert run.secret_outputs == {"token"}
