"""Run whole Pulumi programs in-process, with dynamic resources served by a real provider host.

The program runs under :func:`pulumi.runtime.set_mocks` (``pulumi/runtime/mocks.py``) with the SDK's
own entry point :func:`pulumi.runtime.stack.run_in_stack`, the function the Python language host
calls. The mock monitor plays the engine's part:

* ``RegisterResource`` for a type starting with ``pulumi-python:dynamic`` (every
  ``pulumi.dynamic.Resource``) goes through the same step logic as :class:`harness.stack.Stack`
  against a provider host started for this run: Check -> Create for a new URN, Check -> Diff ->
  Update / replace / same against the program stack's prior state. The pickled provider comes from
  the registration's own ``__provider`` input, exactly what the engine would use.
* Other custom types go to user-supplied handlers (e.g. a DNS record mock publishing into the
  emulator's DNS): ``handlers={"mailboxorg:test:DnsRecord": handler}``.
* Secrets: inputs arrive secret-wrapped (``__provider`` is always secret); they are unwrapped before
  the host sees them (``acceptSecrets=False``) and outputs are re-marked secret in the response for
  same-named secret inputs and for ``RegisterResourceRequest.additionalSecretOutputs``, which
  :class:`RecordingMonitor` captures (``MockResourceArgs`` does not carry it).
* Preview (``set_mocks(preview=True)``): Check and Diff only. The dynamic host does not support
  provider previews, so the engine answers with the checked inputs as state and an unknown id for
  creates/replaces; that is what the program sees here too.
* At the end of a successful ``up``, resources that the program no longer registers and replaced
  (create-before-delete) resources are deleted: walking the prior state backwards, or, with
  ``schedule="dependencies"``/``"concurrent"``, by the recorded dependencies (``dependencies`` and
  ``propertyDependencies`` of each registration), concurrently for ``"concurrent"``. ``destroy``
  likewise.
* Engine modes shared with :class:`harness.stack.Stack` (see its module docstring): registrations
  are planned (Check/Diff) one at a time, steps run in parallel; ``schedule="concurrent"`` also
  delays each registration by a seeded random few milliseconds, so independent resources reach the
  host in a shuffled order; ``up(program, replace=[name])`` is a targeted replace (no Diff,
  create-before-delete unless the registration's ``delete_before_replace`` is *defined* true);
  ``deleteBeforeReplaceDefined`` makes an explicit ``False`` override the provider;
  ``ignoreChanges`` resets those inputs to the old inputs before Check; ``state_config``,
  ``refresh_diff`` and ``preview_pass`` as for ``Stack``.
* A get (``opts=ResourceOptions(id=...)``, a ``ReadResource``) of a dynamic resource sends
  ``Read(id)`` with only the get's inputs (``__provider`` and any inputs given) as properties and
  inputs. An empty id fails the run ("does not exist"), as the engine's ``ReadStep`` does. The got
  resource is not kept in the state: the engine keeps it as an external resource that no command
  ever deletes, so leaving it out changes no provider call.
* ``pulumi:pulumi:Stack`` outputs (``pulumi.export``) are captured from ``RegisterResourceOutputs``.
* The stack config is installed for the program (``pulumi.runtime.config.set_all_config``) and
  restored afterwards.

``new_resource`` runs on the SDK's executor threads, several at once; state changes happen under a
lock and provider calls outside it (the host serves 4 calls at once).
"""

from __future__ import annotations

import asyncio
import gc
import random
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

from pulumi.runtime import config as pulumi_config
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks, set_mocks
from pulumi.runtime.settings import ROOT
from pulumi.runtime.stack import run_in_stack

from .host import ProviderHost
from .stack import (
    HostFactory,
    Op,
    Plan,
    ResourceState,
    StackBase,
    Step,
    delete_order,
    delete_resource,
    execute_plan,
    plan_resource,
    refresh_resource,
    run_graph,
    secret_outputs,
)
from .wire import PROVIDER_KEY, reveal, reveal_properties

__all__ = [
    "DYNAMIC_PREFIX",
    "MockHandler",
    "ProgramRun",
    "ProgramStack",
    "RecordingMonitor",
    "ResourceHandler",
]

#: Types with this prefix are served by the provider host.
DYNAMIC_PREFIX = "pulumi-python:dynamic"
_STACK_TYPE = "pulumi:pulumi:Stack"


class ResourceHandler:
    """Engine-side behaviour for a non-dynamic resource type (subclass; all methods optional but create).

    ``args.inputs`` are plain values (secrets revealed, unknowns as ``UNKNOWN``).
    """

    def create(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """Return the new id and outputs."""
        raise NotImplementedError

    def update(self, id_: str, old_outputs: dict[str, Any], args: MockResourceArgs) -> dict[str, Any]:
        """Return the new outputs (default: what :meth:`create` would return)."""
        return self.create(args)[1]

    def delete(self, id_: str, outputs: dict[str, Any]) -> None:
        """Remove the resource (default: nothing to do)."""


class _CallableHandler(ResourceHandler):
    def __init__(self, fn: Callable[[MockResourceArgs], tuple[str, dict[str, Any]]]) -> None:
        self.fn = fn

    def create(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return self.fn(args)


#: A handler object, or a plain ``create`` callable ``args -> (id, outputs)``.
MockHandler = ResourceHandler | Callable[[MockResourceArgs], tuple[str, dict[str, Any]]]


class RecordingMonitor(MockMonitor):
    """A :class:`MockMonitor` that exposes the current ``RegisterResourceRequest`` to the mocks and
    captures the stack's outputs."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self._local = threading.local()
        self.stack_outputs: dict[str, Any] | None = None

    def current_request(self) -> Any:
        """The ``RegisterResourceRequest`` being served on this thread."""
        return getattr(self._local, "request", None)

    def RegisterResource(self, request: Any) -> Any:
        self._local.request = request
        try:
            return super().RegisterResource(request)
        finally:
            self._local.request = None

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn.split("::")[2] == _STACK_TYPE:
            self.stack_outputs = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
        return super().RegisterResourceOutputs(request)


@dataclass(repr=False)
class ProgramRun:
    """What one program run did (or, for a preview, would do). The ``repr`` masks secret exports."""

    preview: bool
    #: ``pulumi.export`` values, plain (secrets revealed, unknowns as ``UNKNOWN``).
    outputs: dict[str, Any] = field(default_factory=dict)
    #: Names of the exports that are secret.
    secret_outputs: frozenset[str] = frozenset()
    operations_by_urn: dict[str, Op] = field(default_factory=dict)
    #: ``additionalSecretOutputs`` of each registration, by URN.
    additional_secret_outputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)

    def __repr__(self) -> str:
        shown = {k: "[secret]" if k in self.secret_outputs else v for k, v in self.outputs.items()}
        return f"ProgramRun(preview={self.preview}, operations={self.operations_by_urn!r}, outputs={shown!r})"

    @property
    def operations(self) -> dict[str, Op]:
        """Operations by resource name (raises if two resources share a name; use ``operations_by_urn``)."""
        by_name: dict[str, Op] = {}
        for urn, op in self.operations_by_urn.items():
            name = urn.split("::")[-1]
            if name in by_name:
                raise KeyError(f"several resources are named {name!r}; use operations_by_urn")
            by_name[name] = op
        return by_name


class _Mocks(Mocks):
    def __init__(self, deployment: _Deployment) -> None:
        self.deployment = deployment

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return self.deployment.register(args)

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return self.deployment.invoke(args), None


def _dependencies(request: Any) -> tuple[str, ...]:
    """The URNs a registration depends on: ``dependencies`` plus every property dependency."""
    urns = [*request.dependencies]
    for deps in request.propertyDependencies.values():
        urns.extend(deps.urns)
    return tuple(dict.fromkeys(urns))


def _marked(outputs: Mapping[str, Any], secret_keys: frozenset[str]) -> dict[str, Any]:
    """Outputs for the SDK, with secret ones in the engine's secret envelope."""
    return {k: rpc.wrap_rpc_secret(v) if k in secret_keys else v for k, v in outputs.items()}


class _Deployment:
    """One ``up`` or ``preview`` of a :class:`ProgramStack`."""

    def __init__(
        self,
        stack: ProgramStack,
        *,
        preview: bool,
        replace: frozenset[str] = frozenset(),
        config: Mapping[str, Any] | None = None,
        kind: str = "up",
    ) -> None:
        self.stack = stack
        self.preview = preview
        self.targets = replace
        self.config = config
        self.kind = kind
        #: The engine handles one registration (Check/Diff) at a time.
        self.registration = threading.Lock()
        self.jitter = random.Random(stack.rng().random()) if stack.schedule == "concurrent" else None
        self.run = ProgramRun(preview=preview)
        self.monitor = RecordingMonitor(_Mocks(self))
        self.lock = threading.Lock()
        self.registered: set[str] = set()
        self._host: ProviderHost | None = None
        self._host_cm: Any = None
        self.snapshot = [*stack._pending_deletes, *stack._state.values()]
        self.failed = False

    def exception_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """Drop "exception never retrieved" reports of a run that failed (the run re-raised it)."""
        if self.failed and context.get("message") == "Future exception was never retrieved":
            return
        loop.default_exception_handler(context)

    # -- host ----------------------------------------------------------------------------------------
    def host(self) -> ProviderHost:
        with self.lock:
            if self._host is None:
                self._host_cm = self.stack._host(self.config, kind=self.kind)
                self._host = self._host_cm.__enter__()
            return self._host

    def close(self) -> None:
        if self._host_cm is not None:
            self._host_cm.__exit__(None, None, None)
            self._host_cm = self._host = None

    def record(self, op: Op, name: str, id_: str) -> None:
        step = Step(op, name, id_)
        with self.lock:
            self.run.steps.append(step)
            self.stack.journal.append(step)

    # -- monitor callbacks ---------------------------------------------------------------------------
    def invoke(self, args: MockCallArgs) -> dict[str, Any]:
        handler = self.stack.invokes.get(args.token)
        if handler is None:
            raise LookupError(f"no invoke handler for {args.token!r}; pass invokes={{{args.token!r}: ...}}")
        return handler(args)

    def register(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        request = self.monitor.current_request()
        if request is None:  # ReadResource: a `Resource.get(...)` of an existing resource
            inputs, _ = reveal_properties(args.inputs)
            if args.typ.startswith(DYNAMIC_PREFIX):
                return self._get(args, inputs)
            return self.stack.handler(args.typ).create(
                MockResourceArgs(args.typ, args.name, inputs, args.provider, args.resource_id, custom=True)
            )
        urn = self.monitor.make_urn(request.parent, request.type, request.name)
        additional = tuple(request.additionalSecretOutputs)
        with self.lock:
            self.registered.add(urn)
            self.run.additional_secret_outputs[urn] = additional
        if not args.custom:
            return "", {}
        inputs, secret_news = reveal_properties(args.inputs)
        if args.typ.startswith(DYNAMIC_PREFIX):
            return self._dynamic(urn, args, inputs, secret_news, additional, request)
        return self._handled(urn, args, inputs, secret_news, additional, request)

    def _dynamic(
        self,
        urn: str,
        args: MockResourceArgs,
        inputs: dict[str, Any],
        secret_news: frozenset[str],
        additional: tuple[str, ...],
        request: Any,
    ) -> tuple[str | None, dict[str, Any]]:
        blob = inputs.pop(PROVIDER_KEY)
        host = self.host()
        if self.jitter is not None:
            with self.lock:
                delay = self.jitter.uniform(0, 0.02)
            threading.Event().wait(delay)
        dbr = bool(request.deleteBeforeReplace) if request.deleteBeforeReplaceDefined else None
        targeted = urn in self.targets or args.name in self.targets
        with self.registration:
            old = self.stack._state.get(urn)
            plan = plan_resource(
                host,
                urn=urn,
                blob=blob,
                news=inputs,
                old=old,
                preview=self.preview,
                delete_before_replace=dbr,
                targeted=targeted,
                ignore_changes=list(request.ignoreChanges),
            )
        template = ResourceState(
            name=args.name,
            type=args.typ,
            urn=urn,
            id="",
            inputs=plan.checked,
            outputs={},
            provider=blob,
            secret_inputs=frozenset(k for k in plan.checked if k in secret_news),
            additional_secret_outputs=additional,
            delete_before_replace=dbr,
            dependencies=_dependencies(request),
            property_dependencies={
                key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
            },
        )
        with self.lock:
            self.run.operations_by_urn[urn] = plan.op
        if self.preview:
            return self._preview_answer(template, plan, old)
        new, delete_later = execute_plan(
            host,
            plan,
            template=template,
            old=old,
            record=self.record,
            deleted=self._forget,
        )
        self._commit(new, delete_later)
        return new.id, {**_marked(new.outputs, new.secret_outputs), PROVIDER_KEY: rpc.wrap_rpc_secret(blob)}

    def _get(self, args: MockResourceArgs, inputs: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        """A get: ``Read(id)`` with the get's inputs as properties and inputs."""
        blob = inputs[PROVIDER_KEY]
        urn = self.monitor.make_urn("", args.typ, args.name)
        read = self.host().read(blob, args.resource_id or "", inputs, inputs=inputs, urn=urn)
        if not read.id:
            raise LookupError(f"resource '{args.resource_id}' does not exist ({args.typ} {args.name})")
        return read.id, {**read.outputs, PROVIDER_KEY: rpc.wrap_rpc_secret(blob)}

    def _preview_answer(
        self, template: ResourceState, plan: Plan, old: ResourceState | None
    ) -> tuple[str | None, dict[str, Any]]:
        if plan.op is Op.SAME and old is not None:
            return old.id, _marked(old.outputs, old.secret_outputs)
        marked = secret_outputs(plan.checked, template.secret_inputs, template.additional_secret_outputs)
        state = {**_marked(plan.checked, marked), PROVIDER_KEY: rpc.wrap_rpc_secret(template.provider)}
        return (old.id if plan.op is Op.UPDATE and old is not None else ""), state

    def _handled(
        self,
        urn: str,
        args: MockResourceArgs,
        inputs: dict[str, Any],
        secret_news: frozenset[str],
        additional: tuple[str, ...],
        request: Any,
    ) -> tuple[str | None, dict[str, Any]]:
        handler = self.stack.handler(args.typ)
        old = self.stack._state.get(urn)
        plain_args = MockResourceArgs(
            typ=args.typ,
            name=args.name,
            inputs=inputs,
            provider=args.provider,
            resource_id=args.resource_id,
            custom=args.custom,
        )
        if old is None:
            op = Op.CREATE
        elif dict(old.inputs) == inputs:
            op = Op.SAME
        else:
            op = Op.UPDATE
        with self.lock:
            self.run.operations_by_urn[urn] = op
        template = ResourceState(
            name=args.name,
            type=args.typ,
            urn=urn,
            id="",
            inputs=inputs,
            outputs={},
            provider="",
            secret_inputs=secret_news,
            additional_secret_outputs=additional,
            dependencies=_dependencies(request),
            property_dependencies={
                key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
            },
        )
        if self.preview:
            if old is not None and op is Op.SAME:
                return old.id, _marked(old.outputs, old.secret_outputs)
            return (old.id if old is not None else ""), _marked(
                inputs, secret_outputs(inputs, secret_news, additional)
            )
        if op is Op.SAME:
            assert old is not None
            new = replace(template, id=old.id, outputs=old.outputs, secret_outputs=old.secret_outputs)
        elif op is Op.UPDATE:
            assert old is not None
            outputs = handler.update(old.id, dict(old.outputs), plain_args)
            self.record(Op.UPDATE, args.name, old.id)
            new = replace(
                template,
                id=old.id,
                outputs=outputs,
                secret_outputs=secret_outputs(outputs, secret_news, additional),
            )
        else:
            id_, outputs = handler.create(plain_args)
            self.record(Op.CREATE, args.name, id_)
            new = replace(
                template,
                id=id_,
                outputs=outputs,
                secret_outputs=secret_outputs(outputs, secret_news, additional),
            )
        self._commit(new, None)
        return new.id, _marked(new.outputs, new.secret_outputs)

    def _forget(self, old: ResourceState) -> None:
        with self.lock:
            if self.stack._state.get(old.urn) is old:
                del self.stack._state[old.urn]

    def _commit(self, new: ResourceState, delete_later: ResourceState | None) -> None:
        with self.lock:
            self.stack._state.pop(new.urn, None)
            self.stack._state[new.urn] = new  # registration order
            if delete_later is not None:
                self.stack._pending_deletes.append(delete_later)

    # -- end of deployment ---------------------------------------------------------------------------
    def finish(self) -> None:
        """Delete replaced and unregistered resources (see the module docstring for the order)."""
        doomed = []
        for state in reversed(self.snapshot):
            pending = any(state is p for p in self.stack._pending_deletes)
            gone = state.urn not in self.registered and self.stack._state.get(state.urn) is state
            if self.preview:
                if gone:
                    self.run.operations_by_urn[state.urn] = Op.DELETE
                continue
            if pending or gone:
                doomed.append(state)
        self.delete_all(doomed)

    def delete_all(self, doomed: list[ResourceState]) -> None:
        """Delete ``doomed`` (reverse registration order) as the engine schedules deletes."""
        schedule = self.stack.schedule
        keys = [str(i) for i in range(len(doomed))]
        if schedule == "declaration":
            graph: dict[str, list[str]] = {k: keys[:i] for i, k in enumerate(keys)}
        else:
            graph = delete_order(doomed, lambda s: s.urn)

        def work(key: str) -> None:
            state = doomed[int(key)]
            self.stack._delete(self, state)
            with self.lock:
                if any(state is p for p in self.stack._pending_deletes):
                    self.stack._pending_deletes = [p for p in self.stack._pending_deletes if p is not state]
                elif self.stack._state.get(state.urn) is state:
                    self.run.operations_by_urn[state.urn] = Op.DELETE
                    del self.stack._state[state.urn]

        rng = None if schedule == "declaration" else self.stack.rng()
        errors = run_graph(keys, graph, work, concurrent=schedule == "concurrent", rng=rng)
        if errors:
            raise errors[0]

    def capture_outputs(self) -> None:
        outputs = self.monitor.stack_outputs or {}
        plain: dict[str, Any] = {}
        secret: set[str] = set()
        for key, value in outputs.items():
            plain[key], is_secret = reveal(value)
            if is_secret:
                secret.add(key)
        self.run.outputs = plain
        self.run.secret_outputs = frozenset(secret)


class ProgramStack(StackBase):
    """A stack whose desired state comes from a Pulumi program run under mocks; see the module docstring.

    Example::

        stack = ProgramStack(pool, config={"trivial:stateDir": str(tmp_path)})

        def program() -> None:
            thing = Thing("a", name="a")
            pulumi.export("token", thing.token)

        run = stack.up(program)
        assert run.operations == {"a": "create"} and "token" in run.secret_outputs
        stack.destroy()
    """

    def __init__(
        self,
        hosts: HostFactory,
        *,
        handlers: Mapping[str, MockHandler] | None = None,
        invokes: Mapping[str, Callable[[MockCallArgs], dict[str, Any]]] | None = None,
        **options: Any,
    ) -> None:
        """:param handlers: resource type -> handler for non-dynamic custom resources.
        :param invokes: function token -> callable for ``pulumi.runtime.invoke`` calls.
        :param options: :class:`~harness.stack.StackBase` options; ``config`` reaches the provider host
            *and* the program (``pulumi.Config``).
        """
        super().__init__(hosts, **options)
        self.handlers: dict[str, ResourceHandler] = {
            typ: h if isinstance(h, ResourceHandler) else _CallableHandler(h)
            for typ, h in (handlers or {}).items()
        }
        self.invokes = dict(invokes or {})
        self._state: dict[str, ResourceState] = {}
        self._pending_deletes: list[ResourceState] = []

    # -- state ---------------------------------------------------------------------------------------
    @property
    def resources(self) -> dict[str, ResourceState]:
        """A copy of the state by URN, in registration order."""
        return dict(self._state)

    def resource(self, name: str, type_: str | None = None) -> ResourceState:
        """The state of the resource called ``name`` (and of type ``type_``, if given)."""
        found = [s for s in self._state.values() if s.name == name and (type_ is None or s.type == type_)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r}" + (f" of type {type_}" if type_ else ""))
        return found[0]

    def handler(self, typ: str) -> ResourceHandler:
        """The handler for a non-dynamic resource type."""
        try:
            return self.handlers[typ]
        except KeyError:
            raise LookupError(
                f"no handler for resource type {typ!r}; pass handlers={{{typ!r}: ...}}"
            ) from None

    def _delete(self, deployment: _Deployment, state: ResourceState) -> None:
        if state.type.startswith(DYNAMIC_PREFIX):
            delete_resource(deployment.host(), state, deployment.record)
        else:
            handler = self.handlers.get(state.type)
            if handler is not None:
                handler.delete(state.id, dict(state.outputs))
            deployment.record(Op.DELETE, state.name, state.id)

    # -- running programs ----------------------------------------------------------------------------
    def up(
        self, program: Callable[[], Any], *, replace: Iterable[str] = (), preview_pass: bool | None = None
    ) -> ProgramRun:
        """``pulumi up`` with ``program`` as the desired state.

        :param replace: resource names or URNs to replace (``pulumi up --replace URN``).
        :param preview_pass: override the stack's ``preview_pass`` (a preview run in its own host first).
        """
        targets = frozenset(replace)
        if self.preview_pass if preview_pass is None else preview_pass:
            self._execute(program, preview=True, replace=targets)
        self._record_config()
        return self._execute(program, preview=False, replace=targets)

    def preview(self, program: Callable[[], Any], *, replace: Iterable[str] = ()) -> ProgramRun:
        """``pulumi preview``: run ``program`` with ``dry_run``; Check and Diff only, no state change."""
        return self._execute(program, preview=True, replace=frozenset(replace))

    def _execute(
        self, program: Callable[[], Any], *, preview: bool, replace: frozenset[str] = frozenset()
    ) -> ProgramRun:
        deployment = _Deployment(self, preview=preview, replace=replace, kind="preview" if preview else "up")
        saved_config = dict(pulumi_config.CONFIG.get())
        saved_secret_keys = set(pulumi_config._SECRET_KEYS.get())
        plain_config, _ = reveal_properties(self.config)
        pulumi_config.set_all_config(plain_config, sorted(self.secret_config))
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(deployment.exception_handler)
        asyncio.set_event_loop(loop)
        # set_mocks registers a root Stack when there is none; a placeholder makes it skip that, so the
        # only Stack is the one run_in_stack creates (as in a real program run).
        ROOT.set(cast(Any, object()))
        try:
            set_mocks(
                deployment.monitor.mocks,
                project=self.project,
                stack=self.name,
                preview=preview,
                monitor=deployment.monitor,
            )
            ROOT.set(None)
            try:
                loop.run_until_complete(run_in_stack(program))
            except BaseException:
                deployment.failed = True
                raise
            deployment.finish()
            deployment.capture_outputs()
        finally:
            deployment.close()
            ROOT.set(None)
            if deployment.failed:
                # Let the SDK's abandoned futures report to our handler now, not in a random later GC.
                gc.collect()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()
            asyncio.set_event_loop(None)
            pulumi_config.set_all_config(saved_config, sorted(saved_secret_keys))
        return deployment.run

    def refresh(
        self, *, run_program: bool = False, diff: bool | None = None, preview_pass: bool | None = None
    ) -> ProgramRun:
        """``pulumi refresh`` of the dynamic resources (handled types are kept as they are).

        :param run_program: ``--run-program``: the current config instead of the one recorded at ``up``.
        :param diff: override the stack's ``refresh_diff``; :param preview_pass: the stack's ``preview_pass``.
        """
        config = self._operation_config(run_program)
        with_diff = self.refresh_diff if diff is None else diff
        if self.preview_pass if preview_pass is None else preview_pass:
            dry = _Deployment(self, preview=True, config=config, kind="preview")
            try:
                for state in list(self._state.values()):
                    if state.type.startswith(DYNAMIC_PREFIX):
                        refresh_resource(dry.host(), state, diff=with_diff)
            finally:
                dry.close()
        deployment = _Deployment(self, preview=False, config=config, kind="refresh")
        try:
            for urn, state in list(self._state.items()):
                if not state.type.startswith(DYNAMIC_PREFIX):
                    deployment.run.operations_by_urn[urn] = Op.SAME
                    continue
                op, new, _ = refresh_resource(deployment.host(), state, diff=with_diff)
                deployment.run.operations_by_urn[urn] = op
                if new is None:
                    del self._state[urn]
                else:
                    self._state[urn] = new
        finally:
            deployment.close()
        return deployment.run

    def destroy(self, *, run_program: bool = False) -> ProgramRun:
        """``pulumi destroy``: delete everything, scheduled like the deletes at the end of ``up``.

        :param run_program: ``--run-program``: the current config instead of the one recorded at ``up``.
        """
        deployment = _Deployment(
            self, preview=False, config=self._operation_config(run_program), kind="destroy"
        )
        try:
            while self._pending_deletes:
                self._delete(deployment, self._pending_deletes[-1])
                self._pending_deletes.pop()
            deployment.delete_all(list(reversed(list(self._state.values()))))
        finally:
            deployment.close()
        return deployment.run
