"""Deployments against a provider host: ``up``, ``preview``, ``refresh``, ``destroy`` like the engine.

:class:`Stack` keeps state the way the engine's snapshot does (per resource: type, URN, id, checked
inputs, outputs, the pickled provider, which values are secret, recorded dependencies) and drives the
provider host with the engine's step logic (``pkg/resource/deploy/step_generator.go``). The facts
each rule models are in ``/work/shared/pulumi/engine-behaviour.md`` (cited below by section).

* **New resource:** ``Check(olds={}, news)`` -> ``Create``. The olds are *empty*, without even the
  ``__provider`` reference ("Check on create sends empty olds").
* **Existing resource:** ``ignore_changes`` first resets the named inputs to the old inputs
  (``processIgnoreChanges``, before Check), then ``Check(olds=prior inputs, news)`` -> ``Diff(id,
  olds=prior outputs, news=checked inputs, old_inputs=prior inputs)``. A ``DIFF_UNKNOWN`` answer
  falls back to comparing prior and new inputs (``diffResource``). Changes with ``replaces`` ->
  replace, changes without -> ``Update(id, olds=prior outputs, news)``, none -> same. Since the diff
  compares old *outputs* with new inputs, a refreshed drift of an ignored property is still
  reverted, as in the engine. ``replace_on_changes`` is recorded and has no effect: it needs
  ``detailedDiff``, which the Python host never returns.
* **Replace:** ``Check`` runs again with empty olds. Delete-before-replace is the provider's answer
  unless the resource option ``delete_before_replace`` is set, in which case the option wins, also an
  explicit ``False`` (``source_eval.go``). Otherwise the new one is created first and the old one is
  deleted at the end of the deployment (``GenerateDeletes``).
* **Targeted replace** (``up(replace=[name])``: ``pulumi up --replace URN`` / ``pulumi state
  taint``): Check, **no provider Diff** (the step generator answers ``DiffSome, ReplaceKeys ["id"]``
  itself), Check again without olds, and create-before-delete unless the resource option
  ``delete_before_replace`` is set.
* **Dependent replacement:** a resource replaced delete-before-replace first diffs every resource
  that has a *property dependency* on it (a :class:`Ref` input) with those inputs **unknown**, during
  ``up`` (``calculateDependentReplacements``); a dependent whose diff asks for a replace is deleted
  before it, and created again when its own registration comes.
* **Scheduling** (``schedule=``): ``"declaration"`` (the old harness: declaration order, every earlier
  resource a dependency), ``"dependencies"`` (one at a time, in an order that respects only the
  *recorded* dependencies - ``depends_on`` and :class:`Ref` property dependencies - ties broken by a
  seeded shuffle), ``"concurrent"`` (the engine: independent steps run at the same time, started in a
  shuffled order; registrations' Check/Diff one at a time on one thread as in
  ``deployment_executor.go``, steps in parallel). Deletes (``destroy`` and the end of ``up``) are
  scheduled the same way: a resource is deleted only after everything that depends on it
  (``ScheduleDeletes`` antichains), concurrently in ``"concurrent"``.
* **Check failures** stop the deployment like the engine's ``issueCheckErrors``
  (:class:`CheckFailedError`; its message names property and reason, never the value).
* **Preview:** ``Check`` (unknowns allowed) and ``Diff`` only. The dynamic host reports
  ``supportsPreview=False``, so the engine never calls ``Create``/``Update`` in a preview.
  ``preview_pass=True`` runs a preview in its own fresh host before every ``up`` and ``refresh``
  ("pulumi up and pulumi refresh run a preview pass first, in a separate provider process").
* **Refresh:** ``Read(id, properties=outputs, inputs=inputs)``; an empty id drops the resource.
  ``refresh_diff=True`` then calls ``Diff`` with the roles inverted (olds = refreshed outputs,
  ``old_inputs`` = refreshed inputs, news = the old state inputs), reports ``same`` when it says no
  changes whatever the outputs did, and fails the refresh when it fails (``RefreshStep.Apply``).
* **Configuration:** ``up`` records the stack config (the default provider's inputs). With
  ``state_config=True`` a ``refresh`` and a ``destroy`` configure their host from that recorded config,
  as the engine does without ``--run-program``; ``run_program=True`` uses the current config.
* **Import** (``Res(import_id=...)``): ``Read(id)`` with **no** properties or inputs
  (``ImportStep.Apply``), then Check and Diff against the goal. **Get** (:meth:`Stack.get`):
  ``Read(id)`` with only the get's inputs (the ``__provider`` reference) as properties and inputs.
* **Destroy:** ``Delete(id, properties=outputs, old_inputs=inputs)``, scheduled as above.
* **Secrets:** the host does not accept secrets, so values are sent plain and the engine re-marks
  them (``annotateSecrets``): a checked input is secret when the same input was; an output is secret
  when the same-named checked input was, or when it is listed in ``additional_secret_outputs``
  (``Res.secret_outputs``). :attr:`ResourceState.secret_outputs` exposes the result. Secretness is
  tracked per top-level property (the engine's granularity for flat property maps).
* **One fresh host per operation**, configured with the stack config, as each ``pulumi`` command
  starts its own plugin. Host stderr is kept (:meth:`Stack.stderr_text`) for secret-leak assertions.

Simplifications (each has a test in ``tests/harness/test_engine_modes.py`` saying why it cannot
matter): refresh steps run one at a time (they only Read, and the host serves them 4 at a time
anyway); ``ignore_changes`` takes top-level property names only (nested paths are refused, not
guessed).
"""

from __future__ import annotations

import enum
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Literal, TypeVar

from .host import (
    DEFAULT_PROJECT,
    DEFAULT_STACK,
    DYNAMIC_TYPE,
    CheckFailure,
    DiffResponse,
    HostPool,
    LogMessage,
    ProviderHost,
    ProviderLike,
    ReadResponse,
    make_urn,
    parse_log_messages,
    provider_blob,
)
from .wire import PROVIDER_KEY, UNKNOWN, Secret, reveal_properties

__all__ = [
    "CheckFailedError",
    "DeploymentResult",
    "HostFactory",
    "ImportMismatchError",
    "Op",
    "Ref",
    "Res",
    "ResourceState",
    "Schedule",
    "Stack",
    "StackBase",
    "Step",
    "apply_ignore_changes",
    "diff_changes",
    "run_graph",
]

#: Something that returns a started (or startable), unconfigured host: a :class:`HostPool` or a callable.
HostFactory = HostPool | Callable[[], ProviderHost]
#: How steps are ordered; see the module docstring.
Schedule = Literal["declaration", "dependencies", "concurrent"]


class Op(str, enum.Enum):
    """A planned or performed operation on one resource (compares equal to its value string)."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    SAME = "same"
    IMPORT = "import"

    def __str__(self) -> str:
        return self.value


class CheckFailedError(RuntimeError):
    """``Check`` returned failures; the deployment stops (names the resource, properties, reasons)."""

    def __init__(self, urn: str, failures: Sequence[CheckFailure]) -> None:
        self.urn = urn
        self.failures = list(failures)
        detail = "; ".join(f"{f.property or '<resource>'}: {f.reason}" for f in self.failures)
        super().__init__(f"{urn}: check failed: {detail}")


class ImportMismatchError(RuntimeError):
    """An import whose goal inputs differ from what Read found (the engine refuses such an import)."""


@dataclass(frozen=True)
class Ref:
    """An input taken from another resource's output: a *property dependency* on that resource.

    Resolved when the dependent registers (after the dependency's step finished, as the SDK awaits
    the output before registering); unknown in a preview when the dependency is created or replaced.
    """

    resource: str
    output: str


@dataclass(frozen=True)
class Res:
    """One resource of a deployment: provider, input properties and resource options.

    ``props`` values may be :class:`~harness.wire.Secret` (secret inputs), :class:`Ref` (another
    resource's output: a property dependency) or, for a preview only, :data:`~harness.wire.UNKNOWN`.
    ``secret_outputs`` is ``additional_secret_outputs``. ``delete_before_replace`` is the resource
    option: ``None`` (unset) leaves the provider's answer, ``True``/``False`` overrides it.
    ``import_id`` is the ``import_`` option.
    """

    provider: ProviderLike
    props: Mapping[str, Any]
    secret_outputs: Sequence[str] = ()
    delete_before_replace: bool | None = None
    type: str = DYNAMIC_TYPE
    depends_on: Sequence[str] = ()
    ignore_changes: Sequence[str] = ()
    replace_on_changes: Sequence[str] = ()
    import_id: str | None = None

    def property_dependencies(self) -> dict[str, tuple[str, ...]]:
        """Input key -> the resources its value comes from."""
        return {k: (v.resource,) for k, v in self.props.items() if isinstance(v, Ref)}

    def dependencies(self) -> tuple[str, ...]:
        """Every recorded dependency: ``depends_on`` and property dependencies, in order, once each."""
        names = [*self.depends_on, *(d for deps in self.property_dependencies().values() for d in deps)]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True, repr=False)
class ResourceState:
    """A resource as recorded in the stack's state (``__provider`` kept apart in ``provider``).

    Values are plain; ``secret_inputs``/``secret_outputs`` say which are secret. The ``repr`` masks
    secret values (and omits the provider blob), so a failing assertion cannot print a secret.
    ``dependencies``/``property_dependencies`` name the resources (by name, or URN in a program stack)
    this one depends on, as the engine records them.
    """

    name: str
    type: str
    urn: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    provider: str
    secret_inputs: frozenset[str] = frozenset()
    secret_outputs: frozenset[str] = frozenset()
    additional_secret_outputs: tuple[str, ...] = ()
    delete_before_replace: bool | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def is_secret(self, key: str) -> bool:
        """Whether output ``key`` is secret in the state."""
        return key in self.secret_outputs

    def display_outputs(self) -> dict[str, Any]:
        """Outputs as the CLI shows them: secret values replaced by ``"[secret]"``."""
        return {k: "[secret]" if k in self.secret_outputs else v for k, v in self.outputs.items()}

    def display_inputs(self) -> dict[str, Any]:
        """Inputs with secret values replaced by ``"[secret]"``."""
        return {k: "[secret]" if k in self.secret_inputs else v for k, v in self.inputs.items()}

    def __repr__(self) -> str:
        return (
            f"ResourceState(name={self.name!r}, type={self.type!r}, id={self.id!r}, "
            f"inputs={self.display_inputs()!r}, outputs={self.display_outputs()!r})"
        )


@dataclass(frozen=True)
class Step:
    """A mutating provider call the deployment made, in execution order."""

    op: Op
    name: str
    id: str


@dataclass
class DeploymentResult:
    """What a deployment did (or, for a preview, would do)."""

    operations: dict[str, Op] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    #: Preview only: the checked inputs per resource (may hold ``UNKNOWN``).
    checked_inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The provider's diff per existing resource (a refresh: the refresh diff).
    diffs: dict[str, DiffResponse] = field(default_factory=dict)
    #: The dependent-replacement diffs (inputs unknown), by dependent name.
    dependent_diffs: dict[str, DiffResponse] = field(default_factory=dict)


def diff_changes(diff: DiffResponse, old_inputs: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> bool:
    """Whether the engine treats ``diff`` as "changes": ``DIFF_UNKNOWN`` compares the inputs."""
    if diff.changes == "unknown":
        return dict(old_inputs) != dict(new_inputs)
    return diff.changes == "some"


def secret_outputs(
    outputs: Mapping[str, Any], secret_inputs: Iterable[str], additional: Iterable[str]
) -> frozenset[str]:
    """``annotateSecrets(outs, ins)`` plus ``additional_secret_outputs`` (keys present only)."""
    marked = set(secret_inputs) | set(additional)
    return frozenset(k for k in outputs if k in marked)


def apply_ignore_changes(
    news: Mapping[str, Any], old_inputs: Mapping[str, Any], ignore_changes: Iterable[str]
) -> dict[str, Any]:
    """``processIgnoreChanges``: each named input takes its old input value (or is dropped if it had none).

    Top-level names only; a nested path (``a.b``, ``a[0]``) raises ``ValueError`` rather than being
    guessed (no resource of this package has nested inputs an ``ignore_changes`` could name).
    """
    out = dict(news)
    for key in ignore_changes:
        if any(c in key for c in ".[]"):
            raise ValueError(f"ignore_changes path {key!r}: the harness models top-level properties only")
        if key in old_inputs:
            out[key] = old_inputs[key]
        else:
            out.pop(key, None)
    return out


def run_graph(
    names: Sequence[str],
    deps: Mapping[str, Iterable[str]],
    work: Callable[[str], None],
    *,
    concurrent: bool,
    rng: random.Random | None,
) -> list[BaseException]:
    """Run ``work(name)`` for every name once all its ``deps`` (among ``names``) have run.

    Sequential: one at a time in a topological order, ties in ``names`` order or shuffled by ``rng``;
    the first error stops it. Concurrent: every ready name at once on its own thread, started in a
    shuffled order; after an error nothing new starts (running steps finish), like the engine.
    Returns the errors, first first.
    """
    wanted = {n: [d for d in deps.get(n, ()) if d in names and d != n] for n in names}
    errors: list[BaseException] = []
    if not concurrent:
        done: set[str] = set()
        while len(done) < len(names):
            ready = [n for n in names if n not in done and all(d in done for d in wanted[n])]
            if not ready:
                raise ValueError(f"dependency cycle among {sorted(set(names) - done)}")
            name = rng.choice(ready) if rng is not None else ready[0]
            try:
                work(name)
            except BaseException as exc:  # reported to the caller
                return [exc]
            done.add(name)
        return errors
    finished = {n: threading.Event() for n in names}
    failed: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()
    order = list(names)
    jitter = {n: 0.0 for n in names}
    if rng is not None:
        rng.shuffle(order)
        jitter = {n: rng.uniform(0, 0.02) for n in names}

    def worker(name: str) -> None:
        try:
            for dep in wanted[name]:
                finished[dep].wait()
            with lock:
                skip = stop.is_set() or any(d in failed for d in wanted[name])
            if skip:
                with lock:
                    failed.add(name)
                return
            stop.wait(jitter[name])
            work(name)
        except BaseException as exc:  # collected for the caller
            with lock:
                errors.append(exc)
                failed.add(name)
            stop.set()
        finally:
            finished[name].set()

    threads = [threading.Thread(target=worker, args=(n,), name=f"step-{n}", daemon=True) for n in order]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@dataclass(frozen=True)
class Plan:
    """The engine's decision for one registered resource, with the checked inputs it will use."""

    op: Op
    checked: dict[str, Any]
    diff: DiffResponse | None = None
    #: For a replace: delete the old resource first (provider answer or resource option).
    delete_before_replace: bool = False
    #: A targeted replace (``--replace``): no provider Diff was called.
    targeted: bool = False


def _with_blob(props: Mapping[str, Any], blob: str) -> dict[str, Any]:
    return {**props, PROVIDER_KEY: blob}


def plan_resource(
    host: ProviderHost,
    *,
    urn: str,
    blob: str,
    news: Mapping[str, Any],
    old: ResourceState | None,
    preview: bool,
    delete_before_replace: bool | None = None,
    targeted: bool = False,
    ignore_changes: Iterable[str] = (),
) -> Plan:
    """Check (and, for an existing resource, Diff) like the step generator; raise on check failures."""
    if old is not None:
        news = apply_ignore_changes(news, old.inputs, ignore_changes)
    olds = _with_blob(old.inputs, old.provider) if old is not None else {}
    check = host.check(blob, news, olds, urn=urn, preview=preview)
    if check.failures:
        raise CheckFailedError(urn, check.failures)
    if old is None:
        return Plan(Op.CREATE, check.inputs)

    def recheck() -> dict[str, Any]:
        # The replacement gets fresh defaults: the engine re-runs Check without old inputs.
        again = host.check(blob, news, {}, urn=urn, preview=preview)
        if again.failures:
            raise CheckFailedError(urn, again.failures)
        return again.inputs

    if targeted:
        # stepGenerator.diff: a targeted replace is DiffSome/ReplaceKeys ["id"] without the provider;
        # only the resource option can make it delete-before-replace.
        return Plan(Op.REPLACE, recheck(), None, bool(delete_before_replace), targeted=True)
    old_inputs = _with_blob(old.inputs, old.provider)
    diff = host.diff(
        blob,
        old.id,
        _with_blob(old.outputs, old.provider),
        check.inputs,
        old_inputs=old_inputs,
        urn=urn,
        preview=preview,
    )
    if not diff_changes(diff, old_inputs, _with_blob(check.inputs, blob)):
        return Plan(Op.SAME, check.inputs, diff)
    if diff.replaces:
        dbr = diff.delete_before_replace if delete_before_replace is None else delete_before_replace
        return Plan(Op.REPLACE, recheck(), diff, dbr)
    return Plan(Op.UPDATE, check.inputs, diff)


#: Called for every mutating provider call: (operation, resource name, id).
Recorder = Callable[[Op, str, str], None]


def delete_resource(host: ProviderHost, state: ResourceState, record: Recorder) -> None:
    """``Delete(id, properties=outputs, old_inputs=inputs)`` with the provider recorded in the state."""
    host.delete(
        state.provider,
        state.id,
        _with_blob(state.outputs, state.provider),
        old_inputs=_with_blob(state.inputs, state.provider),
        urn=state.urn,
    )
    record(Op.DELETE, state.name, state.id)


def execute_plan(
    host: ProviderHost,
    plan: Plan,
    *,
    template: ResourceState,
    old: ResourceState | None,
    record: Recorder,
    deleted: Callable[[ResourceState], None],
    delete_before_replace: bool | None = None,
) -> tuple[ResourceState, ResourceState | None]:
    """Perform ``plan``; return the new state and, for a create-before-delete replace, the old state
    whose deletion the caller defers to the end of the deployment.

    ``template`` carries name, type, URN, provider blob, secret inputs and additional secret outputs.
    ``deleted(old)`` is called as soon as a delete-before-replace has deleted the old resource.
    ``delete_before_replace`` is accepted for compatibility and ignored: the plan carries the decision.
    """
    del delete_before_replace
    blob = template.provider
    if plan.op is Op.SAME:
        assert old is not None
        return (
            replace(
                template,
                id=old.id,
                outputs=old.outputs,
                provider=old.provider,
                secret_outputs=old.secret_outputs
                | secret_outputs(old.outputs, template.secret_inputs, template.additional_secret_outputs),
            ),
            None,
        )
    if plan.op is Op.UPDATE:
        assert old is not None
        outputs = host.update(
            blob,
            old.id,
            _with_blob(old.outputs, old.provider),
            plan.checked,
            old_inputs=_with_blob(old.inputs, old.provider),
            urn=template.urn,
        )
        record(Op.UPDATE, template.name, old.id)
        marked = secret_outputs(outputs, template.secret_inputs, template.additional_secret_outputs)
        return replace(template, id=old.id, outputs=outputs, secret_outputs=marked), None
    delete_later = None
    if plan.op is Op.REPLACE and old is not None:
        if plan.delete_before_replace:
            delete_resource(host, old, record)
            deleted(old)
        else:
            delete_later = old
    created = host.create(blob, plan.checked, urn=template.urn)
    record(Op.CREATE, template.name, created.id)
    marked = secret_outputs(created.outputs, template.secret_inputs, template.additional_secret_outputs)
    return replace(template, id=created.id, outputs=created.outputs, secret_outputs=marked), delete_later


def refresh_resource(
    host: ProviderHost, state: ResourceState, *, diff: bool = False
) -> tuple[Op, ResourceState | None, DiffResponse | None]:
    """Refresh one resource: ``Read``; an empty id means it is gone (``None``).

    With ``diff`` (the engine since 3.120, ``RefreshStep.Apply``) ``Diff`` follows with the roles
    inverted (olds = refreshed outputs, old_inputs = refreshed inputs, news = the state's inputs); the
    step is ``same`` when it reports no changes, whatever the outputs did. A Diff error propagates.
    """
    read = host.read(
        state.provider,
        state.id,
        _with_blob(state.outputs, state.provider),
        inputs=_with_blob(state.inputs, state.provider),
        urn=state.urn,
    )
    if not read.id:
        return Op.DELETE, None, None
    inputs = read.inputs if read.inputs is not None else state.inputs
    new = replace(
        state,
        id=read.id,
        outputs=read.outputs,
        inputs=inputs,
        secret_inputs=frozenset(k for k in inputs if k in state.secret_inputs),
        secret_outputs=secret_outputs(read.outputs, state.secret_outputs, state.additional_secret_outputs),
    )
    if not diff:
        changed = read.id != state.id or read.outputs != state.outputs or inputs != state.inputs
        return (Op.UPDATE if changed else Op.SAME), new, None
    response = host.diff(
        state.provider,
        read.id,
        _with_blob(read.outputs, state.provider),
        _with_blob(state.inputs, state.provider),
        old_inputs=_with_blob(inputs, state.provider),
        urn=state.urn,
    )
    changed = diff_changes(
        response, _with_blob(inputs, state.provider), _with_blob(state.inputs, state.provider)
    )
    return (Op.UPDATE if changed else Op.SAME), new, response


def read_resource(host: ProviderHost, state: ResourceState) -> tuple[Op, ResourceState | None]:
    """Refresh one resource without the refresh diff (the legacy engine); see :func:`refresh_resource`."""
    op, new, _ = refresh_resource(host, state)
    return op, new


def delete_order(
    states: Sequence[ResourceState], key: Callable[[ResourceState], str]
) -> dict[str, list[str]]:
    """For deletes: index -> the indices that must be deleted first (the resources depending on it)."""
    deps: dict[str, list[str]] = {str(i): [] for i in range(len(states))}
    for i, state in enumerate(states):
        for j, other in enumerate(states):
            if i != j and key(state) in other.dependencies:
                deps[str(i)].append(str(j))
    return deps


_S = TypeVar("_S", bound="StackBase")


class StackBase:
    """What :class:`Stack` and :class:`~harness.program.ProgramStack` share: hosts, config, output, modes.

    By default every operation (``up``, ``preview``, ``refresh``, ``destroy``) gets a fresh host,
    configured with the stack config, as every ``pulumi`` command starts its own plugin process, so
    nothing cached in the provider process (a login, a client) survives from one operation to the
    next. ``reuse_host=True`` keeps the first operation's host for the stack's life instead (faster;
    close it with :meth:`close` or a ``with`` block).

    Engine modes (see the module docstring): ``schedule``/``seed``, ``state_config``,
    ``refresh_diff``, ``preview_pass``. :attr:`config` may be changed between operations (like
    ``pulumi config set``); :attr:`recorded_config` is what the last ``up`` recorded.
    """

    def __init__(
        self,
        hosts: HostFactory,
        *,
        config: Mapping[str, Any] | None = None,
        secret_config: Iterable[str] = (),
        project: str = DEFAULT_PROJECT,
        name: str = DEFAULT_STACK,
        reuse_host: bool = False,
        schedule: Schedule = "declaration",
        seed: int | None = None,
        state_config: bool = False,
        refresh_diff: bool = False,
        preview_pass: bool = False,
    ) -> None:
        """:param hosts: a :class:`HostPool` or a callable returning a fresh :class:`ProviderHost`.
        :param config: stack config with namespaced keys; :class:`~harness.wire.Secret` values are secret.
        :param secret_config: further config keys to mark secret.
        :param reuse_host: one host for all operations instead of one per operation.
        :param schedule: step order (``"declaration"``, ``"dependencies"``, ``"concurrent"``).
        :param seed: seed of the shuffles of ``"dependencies"``/``"concurrent"`` (random if ``None``).
        :param state_config: ``refresh``/``destroy`` use the config recorded at the last ``up``.
        :param refresh_diff: ``refresh`` calls Diff after each Read (engine >= 3.120).
        :param preview_pass: ``up`` and ``refresh`` first run a preview pass in its own host.
        """
        self.hosts = hosts
        self.config = dict(config or {})
        self._extra_secret_config = frozenset(secret_config)
        self.project = project
        self.name = name
        self.reuse_host = reuse_host
        self.schedule: Schedule = schedule
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self._rng = random.Random(self.seed)
        self.state_config = state_config
        self.refresh_diff = refresh_diff
        self.preview_pass = preview_pass
        #: The config recorded by the last ``up`` (the default provider's inputs in the state).
        self.recorded_config: dict[str, Any] | None = None
        #: Every mutating call of every operation, in order.
        self.journal: list[Step] = []
        #: How many provider hosts each operation kind started (``{"up": 1, "preview": 1, ...}``).
        self.host_starts: Counter[str] = Counter()
        self._calls: Counter[str] = Counter()
        self._stderr: list[str] = []
        self._kept: ProviderHost | None = None
        self._journal_lock = threading.Lock()

    @property
    def secret_config(self) -> frozenset[str]:
        """The config keys that are secret (given as :class:`Secret` or in ``secret_config``)."""
        return self._extra_secret_config | frozenset(
            k for k, v in self.config.items() if isinstance(v, Secret)
        )

    def rng(self) -> random.Random:
        """The stack's seeded random source (for shuffled schedules)."""
        return self._rng

    def _schedule_rng(self, schedule: Schedule) -> random.Random | None:
        return None if schedule == "declaration" else self._rng

    @property
    def calls(self) -> Counter[str]:
        """gRPC calls summed over every host this stack has used (``Create``, ``Check``, ...)."""
        total = Counter(self._calls)
        if self._kept is not None:
            total.update(self._kept.calls)
        return total

    def stderr_text(self) -> str:
        """The stderr of every host this stack has used, concatenated (for secret-leak assertions)."""
        return "".join(self._stderr) + (self._kept.stderr_text() if self._kept is not None else "")

    def log_messages(self) -> list[LogMessage]:
        """``pulumi.log`` messages of every host this stack has used."""
        return parse_log_messages(self.stderr_text())

    def _collect(self, host: ProviderHost) -> None:
        self._stderr.append(host.stderr_text())
        self._calls.update(host.calls)

    def _record_config(self) -> None:
        self.recorded_config = dict(self.config)

    def _operation_config(self, run_program: bool) -> dict[str, Any]:
        """The config a refresh/destroy configures its host with (see ``state_config``)."""
        if run_program or not self.state_config or self.recorded_config is None:
            return dict(self.config)
        return dict(self.recorded_config)

    @contextmanager
    def _host(self, config: Mapping[str, Any] | None = None, *, kind: str = "up") -> Iterator[ProviderHost]:
        """The host for one operation: a fresh one, configured with ``config`` (default: the stack's)."""
        if self._kept is not None:
            yield self._kept
            return
        config = dict(self.config if config is None else config)
        secret_keys = self._extra_secret_config | frozenset(
            k for k, v in config.items() if isinstance(v, Secret)
        )
        host = self.hosts.take() if isinstance(self.hosts, HostPool) else self.hosts()
        self.host_starts[kind] += 1
        try:
            host.start()
            host.configure(config, secret_keys=secret_keys)
        except BaseException:
            host.close()
            self._collect(host)
            raise
        if self.reuse_host:
            self._kept = host
            yield host
            return
        try:
            yield host
        finally:
            host.close()
            self._collect(host)

    def close(self) -> None:
        """Stop a kept host (``reuse_host=True``); nothing to do otherwise."""
        if self._kept is not None:
            host, self._kept = self._kept, None
            host.close()
            self._collect(host)

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Stack(StackBase):
    """A stack of dynamic resources driven through a provider host; see the module docstring.

    Example::

        stack = Stack(pool, config={"trivial:stateDir": str(tmp_path), "trivial:token": Secret("t")})
        stack.up({"a": Res(TrivialProvider(), {"name": "a"}, secret_outputs=["token"])})
        assert stack["a"].is_secret("token")
        stack.destroy()
    """

    def __init__(self, hosts: HostFactory, **options: Any) -> None:
        """See :class:`StackBase` for the options."""
        super().__init__(hosts, **options)
        self._state: dict[str, ResourceState] = {}
        self._pending_deletes: list[ResourceState] = []
        self._state_lock = threading.RLock()

    # -- state access --------------------------------------------------------------------------------
    @property
    def resources(self) -> dict[str, ResourceState]:
        """A copy of the state, in order."""
        return dict(self._state)

    def __getitem__(self, name: str) -> ResourceState:
        return self._state[name]

    def __contains__(self, name: object) -> bool:
        return name in self._state

    def outputs(self, name: str) -> dict[str, Any]:
        """The outputs of resource ``name`` (plain values; see :meth:`ResourceState.is_secret`)."""
        return dict(self._state[name].outputs)

    @property
    def pending_deletes(self) -> list[ResourceState]:
        """Replaced resources whose (create-before-delete) deletion has not happened yet."""
        return list(self._pending_deletes)

    def _urn(self, name: str, type_: str) -> str:
        return make_urn(name, type_, project=self.project, stack=self.name)

    def _recorder(self, result: DeploymentResult) -> Recorder:
        def record(op: Op, name: str, id_: str) -> None:
            step = Step(op, name, id_)
            with self._journal_lock:
                result.steps.append(step)
                self.journal.append(step)

        return record

    def _resolve(self, name: str, res: Res, *, preview: bool, planned: Mapping[str, Op]) -> dict[str, Any]:
        """``res.props`` with every :class:`Ref` replaced by the referenced output (secret if it is)."""
        props: dict[str, Any] = {}
        for key, value in res.props.items():
            if not isinstance(value, Ref):
                props[key] = value
                continue
            source = self._state.get(value.resource)
            if preview and (source is None or planned.get(value.resource) in (Op.CREATE, Op.REPLACE)):
                props[key] = UNKNOWN
                continue
            if source is None:
                raise KeyError(
                    f"{name}: input {key!r} refers to {value.resource!r}, which does not exist yet"
                )
            out = source.outputs.get(value.output)
            props[key] = Secret(out) if source.is_secret(value.output) else out
        return props

    def _template(
        self, name: str, res: Res, props: Mapping[str, Any]
    ) -> tuple[ResourceState, dict[str, Any]]:
        news, secret_news = reveal_properties(props)
        old = self._state.get(name)
        if old is not None and old.type != res.type:
            raise ValueError(f"{name}: changing a resource's type is not supported by the harness")
        template = ResourceState(
            name=name,
            type=res.type,
            urn=self._urn(name, res.type),
            id="",
            inputs={},
            outputs={},
            provider=provider_blob(res.provider),
            secret_inputs=secret_news,
            additional_secret_outputs=tuple(res.secret_outputs),
            delete_before_replace=res.delete_before_replace,
            dependencies=res.dependencies(),
            property_dependencies=res.property_dependencies(),
        )
        return template, news

    def _forget(self, old: ResourceState) -> None:
        with self._state_lock:
            if self._state.get(old.name) is old:
                del self._state[old.name]

    def _plan(
        self,
        host: ProviderHost,
        name: str,
        res: Res,
        *,
        preview: bool,
        targeted: bool = False,
        planned: Mapping[str, Op] | None = None,
    ) -> tuple[ResourceState, Plan]:
        props = self._resolve(name, res, preview=preview, planned=planned or {})
        template, news = self._template(name, res, props)
        plan = plan_resource(
            host,
            urn=template.urn,
            blob=template.provider,
            news=news,
            old=self._state.get(name),
            preview=preview,
            delete_before_replace=res.delete_before_replace,
            targeted=targeted,
            ignore_changes=res.ignore_changes,
        )
        secret_inputs = frozenset(k for k in plan.checked if k in template.secret_inputs)
        return replace(template, inputs=plan.checked, secret_inputs=secret_inputs), plan

    def _check_dependencies(self, resources: Mapping[str, Res]) -> dict[str, tuple[str, ...]]:
        deps = {}
        for name, res in resources.items():
            for dep in res.dependencies():
                if dep not in resources:
                    raise ValueError(f"{name} depends on {dep!r}, which is not in the deployment")
            deps[name] = res.dependencies()
        return deps

    def _graph(
        self, names: Sequence[str], deps: Mapping[str, Iterable[str]], schedule: Schedule
    ) -> dict[str, list[str]]:
        if schedule == "declaration":
            return {n: list(names[:i]) for i, n in enumerate(names)}
        return {n: list(deps.get(n, ())) for n in names}

    # -- operations ----------------------------------------------------------------------------------
    def preview(self, resources: Mapping[str, Res], *, replace: Iterable[str] = ()) -> DeploymentResult:
        """Plan ``pulumi up`` for ``resources``: Check and Diff only, unknown inputs allowed."""
        result = DeploymentResult()
        targets = set(replace)
        with self._host(kind="preview") as host:
            for name, res in resources.items():
                if res.import_id is not None and name not in self._state:
                    result.operations[name] = Op.IMPORT
                    continue
                _, plan = self._plan(
                    host, name, res, preview=True, targeted=name in targets, planned=result.operations
                )
                result.operations[name] = plan.op
                result.checked_inputs[name] = plan.checked
                if plan.diff is not None:
                    result.diffs[name] = plan.diff
            for name in self._state:
                if name not in resources:
                    result.operations[name] = Op.DELETE
        return result

    def up(
        self,
        resources: Mapping[str, Res],
        *,
        replace: Iterable[str] = (),
        schedule: Schedule | None = None,
        preview_pass: bool | None = None,
    ) -> DeploymentResult:
        """``pulumi up``: bring the state to ``resources``.

        :param replace: names to replace whatever their diff (``pulumi up --replace URN``).
        :param schedule: override the stack's ``schedule`` for this deployment.
        :param preview_pass: override the stack's ``preview_pass``.
        """
        schedule = schedule or self.schedule
        targets = set(replace)
        unknown_targets = targets - set(self._state)
        if unknown_targets:
            raise ValueError(f"--replace of resources not in the state: {sorted(unknown_targets)}")
        deps = self._check_dependencies(resources)
        if self.preview_pass if preview_pass is None else preview_pass:
            self.preview(resources, replace=targets)
        self._record_config()
        result = DeploymentResult()
        record = self._recorder(result)
        snapshot = [*self._pending_deletes, *self._state.values()]
        registration = threading.Lock()  # the engine handles one registration at a time
        replaced_dependents: set[str] = set()
        names = list(resources)
        with self._host(kind="up") as host:

            def work(name: str) -> None:
                res = resources[name]
                with registration:
                    old = self._state.get(name)
                    if res.import_id is not None and old is None:
                        self._import(host, name, res, result, record)
                        return
                    template, plan = self._plan(host, name, res, preview=False, targeted=name in targets)
                    op = Op.REPLACE if name in replaced_dependents and plan.op is Op.CREATE else plan.op
                    result.operations[name] = op
                    if plan.diff is not None:
                        result.diffs[name] = plan.diff
                    if plan.op is Op.REPLACE and plan.delete_before_replace:
                        replaced_dependents.update(self._replace_dependents(host, name, result, record))
                new, delete_later = execute_plan(
                    host, plan, template=template, old=old, record=record, deleted=self._forget
                )
                with self._state_lock:
                    self._state[name] = new
                    if delete_later is not None:
                        self._pending_deletes.append(delete_later)

            errors = run_graph(
                names,
                self._graph(names, deps, schedule),
                work,
                concurrent=schedule == "concurrent",
                rng=self._schedule_rng(schedule),
            )
            if errors:
                raise errors[0]
            # GenerateDeletes: replaced (create-before-delete) and removed resources, at the end.
            doomed = [
                s
                for s in reversed(snapshot)
                if any(s is p for p in self._pending_deletes)
                or (s.name not in resources and self._state.get(s.name) is s)
            ]
            self._delete_all(host, doomed, schedule, record, result)
        order = [n for n in resources if n in self._state] + [n for n in self._state if n not in resources]
        self._state = {n: self._state[n] for n in order}
        return result

    def _import(
        self, host: ProviderHost, name: str, res: Res, result: DeploymentResult, record: Recorder
    ) -> None:
        """``ImportStep.Apply``: Read(id) with no properties and no inputs, then Check and Diff."""
        assert res.import_id is not None
        props = self._resolve(name, res, preview=False, planned={})
        template, news = self._template(name, res, props)
        read = host.read(
            template.provider, res.import_id, {}, inputs=None, urn=template.urn, add_provider=False
        )
        if not read.id:
            raise LookupError(f"{name}: the resource to import ({res.import_id!r}) does not exist")
        read_inputs = read.inputs or {}
        check = host.check(
            template.provider, news, _with_blob(read_inputs, template.provider), urn=template.urn
        )
        if check.failures:
            raise CheckFailedError(template.urn, check.failures)
        diff = host.diff(
            template.provider,
            read.id,
            _with_blob(read.outputs, template.provider),
            check.inputs,
            old_inputs=_with_blob(read_inputs, template.provider),
            urn=template.urn,
            ignore_changes=res.ignore_changes,  # ImportStep sends the resource's ignoreChanges
        )
        if diff.changes == "some":
            raise ImportMismatchError(f"{name}: inputs to import do not match the existing resource")
        result.operations[name] = Op.IMPORT
        record(Op.IMPORT, name, read.id)
        secret_inputs = frozenset(k for k in check.inputs if k in template.secret_inputs)
        state = replace(
            template,
            id=read.id,
            inputs=check.inputs,
            outputs=read.outputs,
            secret_inputs=secret_inputs,
            secret_outputs=secret_outputs(read.outputs, secret_inputs, template.additional_secret_outputs),
        )
        with self._state_lock:
            self._state[name] = state

    def _replace_dependents(
        self, host: ProviderHost, root: str, result: DeploymentResult, record: Recorder
    ) -> set[str]:
        """``calculateDependentReplacements`` for ``root`` replaced delete-before-replace: diff each
        property dependent with those inputs unknown; delete the ones that must be replaced (dependents
        of dependents first). Returns their names."""
        replaced: list[ResourceState] = []
        roots = [root]
        seen = {root}
        while roots:
            current = roots.pop(0)
            for state in list(self._state.values()):
                if state.name in seen:
                    continue
                keys = [k for k, deps in state.property_dependencies.items() if current in deps]
                if not keys:
                    continue
                news = {**state.inputs, **dict.fromkeys(keys, UNKNOWN)}
                diff = host.diff(
                    state.provider,
                    state.id,
                    _with_blob(state.outputs, state.provider),
                    _with_blob(news, state.provider),
                    old_inputs=_with_blob(state.inputs, state.provider),
                    urn=state.urn,
                    allow_unknowns=True,
                )
                result.dependent_diffs[state.name] = diff
                if diff.changes == "some" and diff.replaces:
                    seen.add(state.name)
                    replaced.append(state)
                    roots.append(state.name)
        # Dependents are deleted before the root, most dependent first.
        for state in sorted(replaced, key=lambda s: -len(s.dependencies)):
            delete_resource(host, state, record)
            self._forget(state)
        return {s.name for s in replaced}

    def _delete_all(
        self,
        host: ProviderHost,
        doomed: Sequence[ResourceState],
        schedule: Schedule,
        record: Recorder,
        result: DeploymentResult,
    ) -> None:
        """Delete ``doomed`` (given in reverse declaration order) as the engine schedules deletes."""
        keys = [str(i) for i in range(len(doomed))]
        if schedule == "declaration":
            graph: dict[str, list[str]] = {k: keys[:i] for i, k in enumerate(keys)}
        else:
            graph = delete_order(doomed, lambda s: s.name)

        def work(key: str) -> None:
            state = doomed[int(key)]
            delete_resource(host, state, record)
            with self._state_lock:
                if any(state is p for p in self._pending_deletes):
                    self._pending_deletes = [p for p in self._pending_deletes if p is not state]
                elif self._state.get(state.name) is state:
                    result.operations[state.name] = Op.DELETE
                    del self._state[state.name]

        errors = run_graph(
            keys, graph, work, concurrent=schedule == "concurrent", rng=self._schedule_rng(schedule)
        )
        if errors:
            raise errors[0]

    def refresh(
        self, *, run_program: bool = False, diff: bool | None = None, preview_pass: bool | None = None
    ) -> DeploymentResult:
        """``pulumi refresh``: Read every resource; an empty id removes it, drift updates the state.

        :param run_program: ``--run-program``: configure from the current config, not the recorded one.
        :param diff: override the stack's ``refresh_diff``.
        :param preview_pass: override the stack's ``preview_pass`` (the preview Reads too).
        """
        config = self._operation_config(run_program)
        with_diff = self.refresh_diff if diff is None else diff
        if self.preview_pass if preview_pass is None else preview_pass:
            with self._host(config, kind="preview") as host:
                for state in list(self._state.values()):
                    refresh_resource(host, state, diff=with_diff)
        result = DeploymentResult()
        with self._host(config, kind="refresh") as host:
            for name, state in list(self._state.items()):
                op, new, response = refresh_resource(host, state, diff=with_diff)
                result.operations[name] = op
                if response is not None:
                    result.diffs[name] = response
                if new is None:
                    del self._state[name]
                else:
                    self._state[name] = new
        return result

    def destroy(self, *, run_program: bool = False, schedule: Schedule | None = None) -> DeploymentResult:
        """``pulumi destroy``: Delete every resource (pending replacements first), scheduled by dependencies.

        :param run_program: ``--run-program``: configure from the current config, not the recorded one.
        """
        schedule = schedule or self.schedule
        result = DeploymentResult()
        record = self._recorder(result)
        if not self._state and not self._pending_deletes:
            return result
        with self._host(self._operation_config(run_program), kind="destroy") as host:
            while self._pending_deletes:
                delete_resource(host, self._pending_deletes[-1], record)
                self._pending_deletes.pop()
            doomed = list(reversed(list(self._state.values())))
            self._delete_all(host, doomed, schedule, record, result)
        return result

    def get(
        self, provider: ProviderLike, id_: str, *, name: str = "got", type_: str = DYNAMIC_TYPE
    ) -> ReadResponse:
        """A get (``Resource(name, opts=ResourceOptions(id=id_))``): Read with only the get's inputs.

        The dynamic resource's get inputs are just the ``__provider`` reference, so properties and
        inputs are ``{__provider}``. Runs in its own host with the current config (a program run).
        """
        with self._host(kind="get") as host:
            return host.read(provider, id_, {}, inputs={}, urn=self._urn(name, type_))
