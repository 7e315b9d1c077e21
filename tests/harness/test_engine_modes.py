"""The harness's engine modes, each checked against the engine behaviour it models.

Every test names the fact of ``/work/shared/pulumi/engine-behaviour.md`` it checks (by section), and
reads what ran *inside* the provider host from the trivial provider's journal.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pytest

from harness import HostPool, Op, ProgramStack, ProviderError, Ref, Res, Secret, Stack
from harness.fixtures import host_pool  # noqa: F401  (module-scoped fixture, found by name)
from harness.stack import apply_ignore_changes
from harness.trivial_provider import Thing, TrivialProvider, read_journal, stored
from resources.support import PROVIDERS

TOKEN = "config-token-7f3a9c"
NEW_TOKEN = "config-token-rotated-22b1"


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@pytest.fixture
def config(tmp_path: Path) -> dict[str, Any]:
    return {"trivial:stateDir": str(tmp_path), "trivial:token": Secret(TOKEN), "project:greeting": "hello"}


def journal(tmp_path: Path, *ops: str) -> list[dict[str, Any]]:
    return [e for e in read_journal(tmp_path) if not ops or e["op"] in ops]


def ops(tmp_path: Path, *names: str) -> list[tuple[str, Any]]:
    return [(e["op"], e.get("name") or e.get("id")) for e in journal(tmp_path, *names)]


P = TrivialProvider()


# -- Step generation: Check olds ----------------------------------------------------------------------


def test_check_on_create_sends_empty_olds_and_on_update_the_old_inputs(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "Check on create sends empty olds; on update olds = old inputs"
    stack = Stack(host_pool, config=config)
    stack.up({"a": Res(P, {"name": "a"})})
    stack.up({"a": Res(P, {"name": "a", "size": 2})})
    checks = journal(tmp_path, "check")
    assert checks[0]["olds"] == []
    assert checks[1]["olds"] == ["__provider", "name", "size"]


# -- Targeted replace ---------------------------------------------------------------------------------


def test_a_targeted_replace_calls_no_diff_and_creates_the_replacement_before_deleting_the_old_one_at_the_end(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "Targeted replace: DiffSome, ReplaceKeys ["id"] without calling the provider; ... the
    # replacement is created before the old resource is deleted (the delete runs at the end)"
    stack = Stack(host_pool, config=config)
    resources = {"x": Res(P, {"name": "x"}), "y": Res(P, {"name": "y"})}
    stack.up(resources)
    old_id = stack["x"].id
    before = len(read_journal(tmp_path))
    result = stack.up({"x": Res(P, {"name": "x"}), "y": Res(P, {"name": "y", "size": 3})}, replace=["x"])
    after = [(e["op"], e.get("name") or e.get("id")) for e in read_journal(tmp_path)[before:]]
    assert result.operations == {"x": Op.REPLACE, "y": Op.UPDATE}
    assert "x" not in result.diffs
    # Check with olds, Check again without olds (the replacement's defaults), no Diff of x.
    x_checks = [e for e in read_journal(tmp_path)[before:] if e["op"] == "check" and e["name"] == "x"]
    assert [c["olds"] for c in x_checks] == [["__provider", "name", "size"], []]
    mutating = [(op, who) for op, who in after if op in ("create", "update", "delete")]
    assert mutating == [("create", "x"), ("update", "y"), ("delete", "x")]
    assert not any(e["op"] == "diff" and e["id"] == old_id for e in read_journal(tmp_path)[before:])


def test_a_targeted_replace_deletes_first_only_when_the_resource_option_says_so(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "DeleteBeforeReplace stays false unless the resource option delete_before_replace is set":
    # the provider's own answer (exclusive things are delete-before-replace) is never asked for.
    stack = Stack(host_pool, config=config)
    stack.up({"x": Res(P, {"name": "x", "exclusive": True})})
    with pytest.raises(ProviderError, match="is taken"):
        stack.up({"x": Res(P, {"name": "x", "exclusive": True})}, replace=["x"])
    stack.up({"x": Res(P, {"name": "x", "exclusive": True}, delete_before_replace=True)}, replace=["x"])
    assert ops(tmp_path, "create", "delete")[-2:] == [("delete", "x"), ("create", "x")]


def test_an_explicit_delete_before_replace_false_overrides_the_providers_answer(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "An explicit resource option delete_before_replace=False overrides the provider's answer"
    # (an exclusive thing's diff answers delete-before-replace).
    stack = Stack(host_pool, config=config)
    stack.up({"x": Res(P, {"name": "one", "exclusive": True})})
    result = stack.up({"x": Res(P, {"name": "two", "exclusive": True}, delete_before_replace=False)})
    assert result.diffs["x"].delete_before_replace is True
    assert ops(tmp_path, "create", "delete")[-2:] == [("create", "two"), ("delete", "one")]
    stack.up({"x": Res(P, {"name": "three", "exclusive": True})})  # unset: the provider's answer
    assert ops(tmp_path, "create", "delete")[-2:] == [("delete", "two"), ("create", "three")]


# -- ignore_changes and replace_on_changes ----------------------------------------------------------


def test_ignore_changes_keeps_the_old_input_so_a_changed_value_is_no_diff(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    stack = Stack(host_pool, config=config)
    stack.up({"a": Res(P, {"name": "a", "size": 1})})
    result = stack.up({"a": Res(P, {"name": "a", "size": 7}, ignore_changes=["size"])})
    assert result.operations == {"a": Op.SAME}
    assert stack["a"].inputs["size"] == 1


def test_ignore_changes_still_reverts_a_refreshed_drift_because_the_diff_compares_old_outputs(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "ignore_changes resets the named inputs to the old inputs; since the diff compares old outputs
    # with new inputs, a refreshed drift of an ignored property is still reverted."
    stack = Stack(host_pool, config=config)
    stack.up({"a": Res(P, {"name": "a", "size": 1})})
    path = tmp_path / f"{stack['a'].id}.thing.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "size": 5}))
    stack.refresh()
    assert stack["a"].outputs["size"] == 5
    result = stack.up({"a": Res(P, {"name": "a", "size": 9}, ignore_changes=["size"])})
    assert result.operations == {"a": Op.UPDATE}
    assert stored(tmp_path)[stack["a"].id]["size"] == 1  # reverted to the old input, not kept at 5


def test_ignore_changes_paths_into_nested_values_are_refused_and_no_resource_has_nested_inputs() -> None:
    # Simplification: only top-level names. It cannot matter: the one nested input of this package is
    # Account.tarifflimits (a flat map), and a path into it is refused with an error, never silently
    # mis-applied, so no test can pass on a wrong model.
    with pytest.raises(ValueError, match="top-level"):
        apply_ignore_changes({"a": {"b": 1}}, {"a": {"b": 2}}, ["a.b"])
    nested = [
        f"{kind}.{p.name}"
        for kind, cls in PROVIDERS.items()
        for p in cls.props
        if p.input and p.type == "object"
    ]
    assert nested == ["Account.tarifflimits"]
    assert apply_ignore_changes({"a": 1, "b": 2}, {"a": 0}, ["a", "b"]) == {"a": 0}


def test_replace_on_changes_has_no_effect_because_the_python_host_returns_no_detailed_diff(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
) -> None:
    # "replace_on_changes needs detailedDiff/changed keys, which the Python host never returns"
    stack = Stack(host_pool, config=config)
    stack.up({"a": Res(P, {"name": "a"})})
    result = stack.up({"a": Res(P, {"name": "a", "size": 2}, replace_on_changes=["size"])})
    assert result.operations == {"a": Op.UPDATE}
    assert result.diffs["a"].stables == []


# -- Configuration of refresh and destroy -------------------------------------------------------------


def _configured_tokens(tmp_path: Path) -> list[str | None]:
    return [e["token_sha256"] for e in journal(tmp_path, "configure")]


def test_refresh_and_destroy_configure_from_the_config_recorded_at_the_last_up(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "pulumi refresh and pulumi destroy without --run-program ... Configure(...) of the default
    # provider as recorded at the last pulumi up"
    stack = Stack(host_pool, config=config, state_config=True)
    stack.up({"a": Res(P, {"name": "a"})})
    stack.config["trivial:token"] = Secret(NEW_TOKEN)  # pulumi config set --secret
    stack.refresh()
    stack.destroy()
    assert _configured_tokens(tmp_path) == [sha(TOKEN)] * 3


def test_run_program_refresh_and_destroy_and_the_next_up_use_the_current_config(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "pulumi up --refresh and --run-program use the current config"
    stack = Stack(host_pool, config=config, state_config=True)
    stack.up({"a": Res(P, {"name": "a"})})
    stack.config["trivial:token"] = Secret(NEW_TOKEN)
    stack.refresh(run_program=True)
    stack.destroy(run_program=True)
    assert _configured_tokens(tmp_path) == [sha(TOKEN), sha(NEW_TOKEN), sha(NEW_TOKEN)]
    stack.up({"a": Res(P, {"name": "a"})})
    stack.refresh()
    assert _configured_tokens(tmp_path)[-2:] == [sha(NEW_TOKEN)] * 2
    assert stack.recorded_config is not None and stack.recorded_config["trivial:token"] == Secret(NEW_TOKEN)


# -- Refresh diff -------------------------------------------------------------------------------------


def test_refresh_calls_diff_with_olds_and_news_inverted_after_every_read(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "pulumi refresh calls Diff after every Read with roles inverted: olds = refreshed outputs,
    # news = the old state inputs. The step is reported same when that diff is DiffNone."
    stack = Stack(host_pool, config=config, refresh_diff=True)
    stack.up({"a": Res(P, {"name": "a", "size": 1}), "b": Res(P, {"name": "b"})})
    for name, changes in (("a", {"size": 4}), ("b", {"token": "rotated-out-of-band"})):
        path = tmp_path / f"{stack[name].id}.thing.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))
    result = stack.refresh()
    # a: an input drifted (size) -> update; b: only an output drifted (token) -> same.
    assert result.operations == {"a": Op.UPDATE, "b": Op.SAME}
    assert stack["b"].outputs["token"] == "rotated-out-of-band"  # the state is refreshed all the same
    a_diff = [e for e in journal(tmp_path, "diff") if e["id"] == stack["a"].id][-1]
    assert a_diff["olds_size"] == 4  # the refreshed output is the "old" side
    assert a_diff["changed"] == ["size"]


def test_a_diff_error_during_refresh_fails_the_refresh(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
) -> None:
    # "a Diff error fails the refresh"
    stack = Stack(host_pool, config=config, refresh_diff=True)
    stack.up({"a": Res(P, {"name": "a", "fail": "diff"})})
    with pytest.raises(ProviderError, match="diff refused"):
        stack.refresh()
    assert stack.refresh(diff=False).operations == {"a": Op.SAME}  # the legacy engine calls no Diff


# -- Preview pass ---------------------------------------------------------------------------------------


def test_up_and_refresh_run_a_preview_pass_first_in_their_own_provider_process(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "pulumi up and pulumi refresh run a preview pass first, in a separate provider process ...
    # Refresh steps call Read in previews too, so a pulumi refresh does every Read twice."
    stack = Stack(host_pool, config=config, preview_pass=True)
    stack.up({"a": Res(P, {"name": "a"})})
    stack.refresh()
    assert stack.host_starts == {"preview": 2, "up": 1, "refresh": 1}
    configures = journal(tmp_path, "configure")
    assert len({e["pid"] for e in configures}) == 4
    assert len(journal(tmp_path, "read")) == 2
    assert [e["op"] for e in journal(tmp_path, "check", "create")] == ["check", "check", "create"]


# -- Shutdown and deadlines ----------------------------------------------------------------------------


def test_the_host_is_ended_with_sigint_so_its_exit_handlers_run(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "the engine sends SIGINT ... In the host that is KeyboardInterrupt, a normal exit, and atexit
    # handlers run. SIGTERM (what a simple harness sends) runs none."
    stack = Stack(host_pool, config=config)
    stack.up({"a": Res(P, {"name": "a"})})
    assert [e["op"] for e in read_journal(tmp_path)][-1] == "exit"
    (tmp_path / "journal.jsonl").unlink()
    with host_pool.take(shutdown="sigterm") as host:
        host.configure(config)
        host.check(P, {"name": "b"})
    assert "exit" not in [e["op"] for e in read_journal(tmp_path)]
    assert host.returncode not in (None, 0)


@pytest.mark.slow
def test_calls_have_no_grpc_deadline_by_default(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
) -> None:
    # "Create/Update carry a timeout the host ignores; there is no gRPC deadline."
    with host_pool.take(call_timeout=0.3) as bounded:
        bounded.configure(config)
        with pytest.raises(ProviderError) as raised:
            bounded.create(P, {"name": "slow", "size": 1, "tag": "slow:1"})
        assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    with host_pool.take() as host:
        assert host.call_timeout is None
        host.configure(config)
        assert host.create(P, {"name": "slow", "size": 1, "tag": "slow:1"}).id


# -- Scheduling by recorded dependencies ------------------------------------------------------------


@pytest.mark.slow
def test_the_dependencies_schedule_honours_recorded_dependencies_and_nothing_else(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "the engine orders only by recorded dependencies": over several seeds, b always follows a
    # (depends_on) and c always follows b (a property dependency), while the independent d lands
    # both before and after a.
    d_first = set()
    for seed in range(8):
        (tmp_path / "journal.jsonl").unlink(missing_ok=True)
        stack = Stack(host_pool, config=config, schedule="dependencies", seed=seed, reuse_host=True)
        with stack:
            stack.up(
                {
                    "a": Res(P, {"name": "a"}),
                    "b": Res(P, {"name": "b"}, depends_on=["a"]),
                    "c": Res(P, {"name": "c", "tag": Ref("b", "token")}),
                    "d": Res(P, {"name": "d"}),
                }
            )
            created = [name for op, name in ops(tmp_path, "create")]
            assert created.index("a") < created.index("b") < created.index("c")
            assert stack["c"].inputs["tag"] == stack["b"].outputs["token"]
            d_first.add(created.index("d") < created.index("a"))
            stack.destroy()
            deleted = [name for op, name in ops(tmp_path, "delete")]
            assert deleted.index("c") < deleted.index("b") < deleted.index("a")
    assert d_first == {True, False}


def test_the_concurrent_schedule_runs_independent_creates_and_deletes_at_the_same_time(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "Steps then execute in parallel"; "independent resources are deleted concurrently".
    # Each meet:3 step waits until 3 are in progress at once, so this cannot pass one at a time.
    stack = Stack(host_pool, config=config, schedule="concurrent", seed=1)
    things = {n: Res(P, {"name": n, "tag": "meet:3"}) for n in ("a", "b", "c")}
    assert stack.up(things).operations == dict.fromkeys(things, Op.CREATE)
    assert stack.destroy().operations == dict.fromkeys(things, Op.DELETE)
    for marker in tmp_path.glob("meet-*"):
        marker.unlink()
    declared = Stack(host_pool, config=config)  # the old one-at-a-time harness
    with pytest.raises(ProviderError, match="create ran alone"):
        declared.up({"z": Res(P, {"name": "z", "tag": "meet:2:1"})})  # alone: gives up after 1 s


@pytest.mark.slow
def test_the_concurrent_schedule_still_waits_for_recorded_dependencies(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    for seed in range(4):
        stack = Stack(host_pool, config=config, schedule="concurrent", seed=seed)
        stack.up(
            {
                "child": Res(P, {"name": "child", "tag": Ref("parent", "token")}),
                "parent": Res(P, {"name": "parent"}),
                "other": Res(P, {"name": "other"}),
            }
        )
        stack.destroy()
        created = [n for op, n in ops(tmp_path, "create")][-3:]
        deleted = [n for op, n in ops(tmp_path, "delete")][-3:]
        assert created.index("parent") < created.index("child")
        assert deleted.index("child") < deleted.index("parent")


def test_a_failed_step_in_the_concurrent_schedule_skips_its_dependents_and_the_deletes(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    stack = Stack(host_pool, config=config, schedule="concurrent")
    stack.up({"old": Res(P, {"name": "old"})})
    with pytest.raises(ProviderError, match="fail=create"):
        stack.up(
            {
                "bad": Res(P, {"name": "bad", "fail": "create"}),
                "after": Res(P, {"name": "after"}, depends_on=["bad"]),
            }
        )
    assert "after" not in stack and "old" in stack  # no dependent created, no delete run


# -- Dependent replacement ---------------------------------------------------------------------------


def test_a_delete_before_replace_diffs_property_dependents_with_unknown_inputs_during_up(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "calculateDependentReplacements: when a resource is replaced delete-before-replace, every
    # dependent with a property dependency on it is diffed with those inputs unknown, during pulumi up;
    # if that diff asks for a replace, the dependent is deleted first too."
    stack = Stack(host_pool, config=config)

    def program(name: str) -> dict[str, Res]:
        return {
            "root": Res(P, {"name": name, "exclusive": True}),
            "named": Res(P, {"name": Ref("root", "name")}),  # a name change replaces
            "tagged": Res(P, {"name": "tagged", "tag": Ref("root", "name")}),  # a tag change updates
        }

    stack.up(program("one"))
    before = len(read_journal(tmp_path))
    result = stack.up(program("two"))
    assert result.dependent_diffs["named"].replaces == ["name"]
    assert result.dependent_diffs["tagged"].replaces == []
    unknown_diffs = [
        e["unknown"] for e in read_journal(tmp_path)[before:] if e["op"] == "diff" and e["unknown"]
    ]
    assert sorted(unknown_diffs) == [["name"], ["tag"]]
    mutating = [
        (e["op"], e["name"])
        for e in read_journal(tmp_path)[before:]
        if e["op"] in ("create", "update", "delete")
    ]
    assert mutating == [
        ("delete", "one"),  # the dependent "named" first
        ("delete", "one"),  # then the root
        ("create", "two"),
        ("create", "two"),
        ("update", "tagged"),
    ]
    assert result.operations == {"root": Op.REPLACE, "named": Op.REPLACE, "tagged": Op.UPDATE}


def test_a_preview_shows_a_referenced_output_of_a_replaced_resource_as_unknown(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
) -> None:
    stack = Stack(host_pool, config=config)
    stack.up({"a": Res(P, {"name": "a"}), "b": Res(P, {"name": "b", "tag": Ref("a", "token")})})
    result = stack.preview(
        {"a": Res(P, {"name": "a2"}), "b": Res(P, {"name": "b", "tag": Ref("a", "token")})}
    )
    assert result.operations == {"a": Op.REPLACE, "b": Op.UPDATE}


# -- Import and get ----------------------------------------------------------------------------------


def test_import_sends_read_with_the_id_only_and_the_python_host_fails_before_provider_code(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "pulumi import ... sends Read(id) with no properties or inputs; the Python host fails before
    # provider code runs (KeyError: '__provider', pulumi/pulumi#16175)"
    stack = Stack(host_pool, config=config)
    stack.up({"a": Res(P, {"name": "a"})})
    existing = stack["a"].id
    with pytest.raises(ProviderError, match="KeyError: '__provider'"):
        stack.up({"a": Res(P, {"name": "a"}), "i": Res(P, {"name": "a"}, import_id=existing)})
    assert journal(tmp_path, "read") == []


def test_a_get_sends_read_with_only_the_gets_inputs(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # "A get (opts=ResourceOptions(id=...)) sends only the get's inputs (the __provider reference)"
    stack = Stack(host_pool, config=config)
    stack.up({"a": Res(P, {"name": "a", "size": 3})})
    got = stack.get(P, stack["a"].id)
    assert (got.id, got.outputs["size"]) == (stack["a"].id, 3)
    assert journal(tmp_path, "read")[-1]["props"] == ["__provider"]


def test_a_program_get_reads_the_object_and_keeps_it_out_of_the_state(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    stack = Stack(host_pool, config=config)
    stack.up({"a": Res(P, {"name": "a", "size": 3})})
    id_ = stack["a"].id
    programs = ProgramStack(host_pool, config=config)

    def program() -> None:
        got = Thing("got", name="ignored", opts=pulumi.ResourceOptions(id=id_))
        pulumi.export("size", got.size)

    run = programs.up(program)
    assert run.outputs["size"] == 3
    assert journal(tmp_path, "read")[-1]["id"] == id_
    programs.destroy()  # a got resource is external: never deleted
    assert id_ in stored(tmp_path)


# -- Programs -----------------------------------------------------------------------------------------


def test_a_program_targeted_replace_and_defined_delete_before_replace(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    stack = ProgramStack(host_pool, config=config)
    dbr: bool | None = None

    def program() -> None:
        Thing("a", name="a", opts=pulumi.ResourceOptions(delete_before_replace=dbr))

    stack.up(program)
    assert stack.up(program, replace=["a"]).operations == {"a": Op.REPLACE}
    assert ops(tmp_path, "create", "delete")[-2:] == [("create", "a"), ("delete", "a")]
    dbr = True
    stack.up(program, replace=["a"])
    assert ops(tmp_path, "create", "delete")[-2:] == [("delete", "a"), ("create", "a")]


def test_a_program_ignore_changes_and_state_config_and_concurrent_deletes(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    stack = ProgramStack(host_pool, config=config, schedule="concurrent", state_config=True)
    size = 1

    def program() -> None:
        a = Thing("a", name="a", size=size, opts=pulumi.ResourceOptions(ignore_changes=["size"]))
        Thing("b", name="b", tag="meet:2")
        Thing("c", name="c", tag="meet:2", opts=pulumi.ResourceOptions(depends_on=[a]))

    stack.up(program)
    size = 5
    assert stack.up(program).operations == {"a": Op.SAME, "b": Op.SAME, "c": Op.SAME}
    stack.config["trivial:token"] = Secret(NEW_TOKEN)
    destroyed = stack.destroy()
    assert set(destroyed.operations.values()) == {Op.DELETE}
    assert _configured_tokens(tmp_path)[-1] == sha(TOKEN)
    deleted = [n for op, n in ops(tmp_path, "delete")]
    assert deleted.index("c") < deleted.index("a")


# -- Simplifications that cannot matter ---------------------------------------------------------------


def test_refresh_reads_one_at_a_time_which_cannot_matter_because_a_refresh_changes_nothing(
    host_pool: HostPool,  # noqa: F811
    config: dict[str, Any],
    tmp_path: Path,
) -> None:
    # The engine runs refresh steps in parallel; the harness runs them in order. A refresh calls only
    # Read and Diff, which change nothing on the server, so no order of them can change a result.
    stack = Stack(host_pool, config=config, refresh_diff=True, preview_pass=True)
    stack.up({n: Res(P, {"name": n}) for n in "abc"})
    before = {k: dict(v) for k, v in stored(tmp_path).items()}
    mark = len(read_journal(tmp_path))
    stack.refresh()
    called = {e["op"] for e in read_journal(tmp_path)[mark:]}
    assert called <= {"configure", "read", "diff", "exit"}
    assert stored(tmp_path) == before
