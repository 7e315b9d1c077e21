"""Deployments against a provider host: ``up``, ``preview``, ``refresh``, ``destroy`` like the engine.

:class:`Stack` keeps state the way the engine's snapshot does (per resource: type, URN, id, checked
inputs, outputs, the pickled provider, which values are secret) and drives the provider host with the
engine's step logic (``pkg/resource/deploy/step_generator.go``):

* **New resource:** ``Check(olds={}, news)`` -> ``Create``.
* **Existing resource:** ``Check(olds=prior inputs, news)`` -> ``Diff(id, olds=prior outputs,
  news=checked inputs, old_inputs=prior inputs)``. A ``DIFF_UNKNOWN`` answer falls back to comparing
  prior and new inputs (``diffResource``). Changes with ``replaces`` -> replace, changes without ->
  ``Update(id, olds=prior outputs, news)``, none -> same (outputs kept, inputs refreshed).
* **Replace:** ``Check`` runs again with empty olds (the engine recomputes defaults for the
  replacement). With ``deleteBeforeReplace`` (from the diff or the resource option) the old resource
  is deleted first, then the new one created; otherwise the new one is created first and the old one
  is deleted at the end of the deployment, with the resources that left the program, walking the old
  state backwards (``GenerateDeletes``).
* **Check failures** stop the deployment like the engine's ``issueCheckErrors``
  (:class:`CheckFailedError`; its message names property and reason, never the value).
* **Preview:** ``Check`` (unknowns allowed) and ``Diff`` only. The dynamic host reports
  ``supportsPreview=False``, so the engine never calls ``Create``/``Update`` in a preview.
* **Refresh:** ``Read(id, properties=outputs, inputs=inputs)``; an empty id drops the resource.
* **Destroy:** ``Delete`` in reverse order.
* **Secrets:** the host does not accept secrets, so values are sent plain and the engine re-marks
  them (``annotateSecrets``): a checked input is secret when the same input was; an output is secret
  when the same-named checked input was, or when it is listed in ``additional_secret_outputs``
  (``Res.secret_outputs``). :attr:`ResourceState.secret_outputs` exposes the result. Secretness is
  tracked per top-level property (the engine's granularity for flat property maps).
* **One fresh host per operation**, configured with the stack config, as each ``pulumi`` command
  starts its own plugin. Host stderr is kept (:meth:`Stack.stderr_text`) for secret-leak assertions.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, TypeVar

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
    make_urn,
    parse_log_messages,
    provider_blob,
)
from .wire import PROVIDER_KEY, Secret, reveal_properties

__all__ = [
    "CheckFailedError",
    "DeploymentResult",
    "HostFactory",
    "Op",
    "Res",
    "ResourceState",
    "Stack",
    "StackBase",
    "Step",
    "diff_changes",
]

#: Something that returns a started (or startable), unconfigured host: a :class:`HostPool` or a callable.
HostFactory = HostPool | Callable[[], ProviderHost]


class Op(str, enum.Enum):
    """A planned or performed operation on one resource (compares equal to its value string)."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    SAME = "same"

    def __str__(self) -> str:
        return self.value


class CheckFailedError(RuntimeError):
    """``Check`` returned failures; the deployment stops (names the resource, properties, reasons)."""

    def __init__(self, urn: str, failures: Sequence[CheckFailure]) -> None:
        self.urn = urn
        self.failures = list(failures)
        detail = "; ".join(f"{f.property or '<resource>'}: {f.reason}" for f in self.failures)
        super().__init__(f"{urn}: check failed: {detail}")


@dataclass(frozen=True)
class Res:
    """One resource of a deployment: provider, input properties and resource options.

    ``props`` values may be :class:`~harness.wire.Secret` (secret inputs) or, for a preview only,
    :data:`~harness.wire.UNKNOWN`. ``secret_outputs`` is ``additional_secret_outputs``.
    """

    provider: ProviderLike
    props: Mapping[str, Any]
    secret_outputs: Sequence[str] = ()
    delete_before_replace: bool = False
    type: str = DYNAMIC_TYPE


@dataclass(frozen=True, repr=False)
class ResourceState:
    """A resource as recorded in the stack's state (``__provider`` kept apart in ``provider``).

    Values are plain; ``secret_inputs``/``secret_outputs`` say which are secret. The ``repr`` masks
    secret values (and omits the provider blob), so a failing assertion cannot print a secret.
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
    delete_before_replace: bool = False

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
    #: The provider's diff per existing resource.
    diffs: dict[str, DiffResponse] = field(default_factory=dict)


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


@dataclass(frozen=True)
class Plan:
    """The engine's decision for one registered resource, with the checked inputs it will use."""

    op: Op
    checked: dict[str, Any]
    diff: DiffResponse | None = None


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
) -> Plan:
    """Check (and, for an existing resource, Diff) like the step generator; raise on check failures."""
    olds = _with_blob(old.inputs, old.provider) if old is not None else {}
    check = host.check(blob, news, olds, urn=urn, preview=preview)
    if check.failures:
        raise CheckFailedError(urn, check.failures)
    if old is None:
        return Plan(Op.CREATE, check.inputs)
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
        # The replacement gets fresh defaults: the engine re-runs Check without old inputs.
        recheck = host.check(blob, news, {}, urn=urn, preview=preview)
        if recheck.failures:
            raise CheckFailedError(urn, recheck.failures)
        return Plan(Op.REPLACE, recheck.inputs, diff)
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
    delete_before_replace: bool,
    record: Recorder,
    deleted: Callable[[ResourceState], None],
) -> tuple[ResourceState, ResourceState | None]:
    """Perform ``plan``; return the new state and, for a create-before-delete replace, the old state
    whose deletion the caller defers to the end of the deployment.

    ``template`` carries name, type, URN, provider blob, secret inputs and additional secret outputs.
    ``deleted(old)`` is called as soon as a delete-before-replace has deleted the old resource.
    """
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
    if plan.op is Op.REPLACE:
        assert old is not None and plan.diff is not None
        if plan.diff.delete_before_replace or delete_before_replace:
            delete_resource(host, old, record)
            deleted(old)
        else:
            delete_later = old
    created = host.create(blob, plan.checked, urn=template.urn)
    record(Op.CREATE, template.name, created.id)
    marked = secret_outputs(created.outputs, template.secret_inputs, template.additional_secret_outputs)
    return replace(template, id=created.id, outputs=created.outputs, secret_outputs=marked), delete_later


def read_resource(host: ProviderHost, state: ResourceState) -> tuple[Op, ResourceState | None]:
    """Refresh one resource: ``Read``; an empty id means it is gone (``None``)."""
    read = host.read(
        state.provider,
        state.id,
        _with_blob(state.outputs, state.provider),
        inputs=_with_blob(state.inputs, state.provider),
        urn=state.urn,
    )
    if not read.id:
        return Op.DELETE, None
    inputs = read.inputs if read.inputs is not None else state.inputs
    changed = read.id != state.id or read.outputs != state.outputs or inputs != state.inputs
    new = replace(
        state,
        id=read.id,
        outputs=read.outputs,
        inputs=inputs,
        secret_inputs=frozenset(k for k in inputs if k in state.secret_inputs),
        secret_outputs=secret_outputs(read.outputs, state.secret_outputs, state.additional_secret_outputs),
    )
    return (Op.UPDATE if changed else Op.SAME), new


_S = TypeVar("_S", bound="StackBase")


class StackBase:
    """What :class:`Stack` and :class:`~harness.program.ProgramStack` share: hosts, config, output.

    By default every operation (``up``, ``preview``, ``refresh``, ``destroy``) gets a fresh host,
    configured with the stack config, as every ``pulumi`` command starts its own plugin process, so
    nothing cached in the provider process (a login, a client) survives from one operation to the
    next. ``reuse_host=True`` keeps the first operation's host for the stack's life instead (faster;
    close it with :meth:`close` or a ``with`` block).
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
    ) -> None:
        """:param hosts: a :class:`HostPool` or a callable returning a fresh :class:`ProviderHost`.
        :param config: stack config with namespaced keys; :class:`~harness.wire.Secret` values are secret.
        :param secret_config: further config keys to mark secret.
        :param reuse_host: one host for all operations instead of one per operation.
        """
        self.hosts = hosts
        self.config = dict(config or {})
        self.secret_config = frozenset(secret_config) | frozenset(
            k for k, v in self.config.items() if isinstance(v, Secret)
        )
        self.project = project
        self.name = name
        self.reuse_host = reuse_host
        #: Every mutating call of every operation, in order.
        self.journal: list[Step] = []
        self._calls: Counter[str] = Counter()
        self._stderr: list[str] = []
        self._kept: ProviderHost | None = None

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

    @contextmanager
    def _host(self) -> Iterator[ProviderHost]:
        """The host for one operation: a fresh one, configured with the stack config."""
        if self._kept is not None:
            yield self._kept
            return
        host = self.hosts.take() if isinstance(self.hosts, HostPool) else self.hosts()
        try:
            host.start()
            host.configure(self.config, secret_keys=self.secret_config)
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

    def _urn(self, name: str, type_: str) -> str:
        return make_urn(name, type_, project=self.project, stack=self.name)

    def _recorder(self, result: DeploymentResult) -> Recorder:
        def record(op: Op, name: str, id_: str) -> None:
            step = Step(op, name, id_)
            result.steps.append(step)
            self.journal.append(step)

        return record

    def _template(self, name: str, res: Res) -> tuple[ResourceState, dict[str, Any]]:
        news, secret_news = reveal_properties(res.props)
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
        )
        return template, news

    def _forget(self, old: ResourceState) -> None:
        if self._state.get(old.name) is old:
            del self._state[old.name]

    def _plan(self, host: ProviderHost, name: str, res: Res, *, preview: bool) -> tuple[ResourceState, Plan]:
        template, news = self._template(name, res)
        plan = plan_resource(
            host,
            urn=template.urn,
            blob=template.provider,
            news=news,
            old=self._state.get(name),
            preview=preview,
        )
        secret_inputs = frozenset(k for k in plan.checked if k in template.secret_inputs)
        return replace(template, inputs=plan.checked, secret_inputs=secret_inputs), plan

    # -- operations ----------------------------------------------------------------------------------
    def preview(self, resources: Mapping[str, Res]) -> DeploymentResult:
        """Plan ``pulumi up`` for ``resources``: Check and Diff only, unknown inputs allowed."""
        result = DeploymentResult()
        with self._host() as host:
            for name, res in resources.items():
                _, plan = self._plan(host, name, res, preview=True)
                result.operations[name] = plan.op
                result.checked_inputs[name] = plan.checked
                if plan.diff is not None:
                    result.diffs[name] = plan.diff
            for name in self._state:
                if name not in resources:
                    result.operations[name] = Op.DELETE
        return result

    def up(self, resources: Mapping[str, Res]) -> DeploymentResult:
        """``pulumi up``: bring the state to ``resources`` (in order; earlier ones are dependencies)."""
        result = DeploymentResult()
        record = self._recorder(result)
        snapshot = [*self._pending_deletes, *self._state.values()]
        with self._host() as host:
            for name, res in resources.items():
                template, plan = self._plan(host, name, res, preview=False)
                result.operations[name] = plan.op
                if plan.diff is not None:
                    result.diffs[name] = plan.diff
                new, delete_later = execute_plan(
                    host,
                    plan,
                    template=template,
                    old=self._state.get(name),
                    delete_before_replace=res.delete_before_replace,
                    record=record,
                    deleted=self._forget,
                )
                self._state[name] = new
                if delete_later is not None:
                    self._pending_deletes.append(delete_later)
            # GenerateDeletes: walk the old snapshot backwards, deleting replaced and removed resources.
            for state in reversed(snapshot):
                if any(state is pending for pending in self._pending_deletes):
                    delete_resource(host, state, record)
                    self._pending_deletes = [p for p in self._pending_deletes if p is not state]
                elif state.name not in resources and self._state.get(state.name) is state:
                    result.operations[state.name] = Op.DELETE
                    delete_resource(host, state, record)
                    del self._state[state.name]
        order = [n for n in resources if n in self._state] + [n for n in self._state if n not in resources]
        self._state = {n: self._state[n] for n in order}
        return result

    def refresh(self) -> DeploymentResult:
        """``pulumi refresh``: Read every resource; an empty id removes it, drift updates the state."""
        result = DeploymentResult()
        with self._host() as host:
            for name, state in list(self._state.items()):
                op, new = read_resource(host, state)
                result.operations[name] = op
                if new is None:
                    del self._state[name]
                else:
                    self._state[name] = new
        return result

    def destroy(self) -> DeploymentResult:
        """``pulumi destroy``: Delete every resource in reverse order (pending replacements first)."""
        result = DeploymentResult()
        record = self._recorder(result)
        if not self._state and not self._pending_deletes:
            return result
        with self._host() as host:
            while self._pending_deletes:
                delete_resource(host, self._pending_deletes[-1], record)
                self._pending_deletes.pop()
            for name in reversed(list(self._state)):
                delete_resource(host, self._state[name], record)
                result.operations[name] = Op.DELETE
                del self._state[name]
        return result
