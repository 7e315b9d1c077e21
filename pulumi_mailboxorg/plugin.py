"""The native provider plugin ``pulumi-resource-mailboxorg``: the ResourceProvider gRPC protocol for
every language, served by ``pulumi.provider.experimental`` over the same resource layer.

The plugin holds no resource logic. It translates each request into a call of the resource's
provider class (``check``, ``diff``, ``create``, ``read``, ``update``, ``delete`` of the classes in
:data:`.schema.RESOURCES`, the ones the dynamic resources pickle), and the answers back:

* **Tokens.** A resource is addressed by its schema token, ``mailboxorg:index:<Kind>``
  (:func:`.schema.resource_token`); every class in :data:`.schema.RESOURCES` is served, so a new
  resource needs no change here.
* **Schema.** ``GetSchema`` answers :func:`.schema.render`, the exact text of ``schema.json``.
* **Configuration.** ``CheckConfig`` validates and ``Configure`` installs the provider's
  configuration with :meth:`.config.ProviderConfig.load`, the same environment fallbacks as the
  dynamic providers (:func:`.runtime.configure`). The engine sends a native provider's own keys
  without namespace (``endpoint``); ``mailboxorg:endpoint`` is accepted too.
* **Secrets.** The plugin answers ``acceptSecrets=True``: secret inputs arrive marked, and every
  output whose input was secret, or whose property is secret, goes back marked secret.
* **Diff** returns a detailed diff: each changed input as an update or a replace, with the names the
  engine's ``ignoreChanges`` lists left out, so ``replace_on_changes``, ``ignore_changes`` and the
  preview show exactly what changes.
* **Timeouts.** ``Create``/``Update`` run within the request's ``timeout`` (``customTimeouts``):
  :func:`.operation.deadline_of` makes it the deadline of the operation, and the Domain
  verification wait ends at the earlier of it and ``verification_timeout``.
* **Import.** ``Read`` without properties (``pulumi import``, a get) asks the provider for the
  read's target (:meth:`.provider.MailboxOrgProvider.import_target`; the ids: :data:`IMPORT_IDS`)
  and rebuilds the inputs from the server (``imported_inputs``). Secrets the API never returns
  (passwords) are not in them.
* **Messages.** ``pulumi.log`` goes to the engine's log service (the address the engine passes
  first), so progress and warnings reach the user's terminal as with the dynamic resources.
* **Concurrency.** Operations run in up to :data:`MAX_OPERATIONS` worker threads at once (the layer
  is synchronous); a Domain waiting for DNS holds one of them and never the event loop, so other
  calls go on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import grpc
import grpc.aio
import pulumi.runtime.settings
from pulumi.provider.experimental import provider as sdk
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc

from . import __version__, operation, runtime, schema
from .config import SETTINGS, ProviderConfig
from .errors import MailboxOrgError
from .provider import UNKNOWN, MailboxOrgProvider

__all__ = ["IMPORT_IDS", "MAX_OPERATIONS", "MailboxOrgPlugin", "main"]

#: Operations (Create, Read, Update, Delete, Diff) served at once; more wait for a free worker.
MAX_OPERATIONS = 32

#: Seconds that running operations get to finish after the engine's SIGINT (the engine kills at 5 s).
SHUTDOWN_GRACE = 4.0

#: The id ``pulumi import`` takes, per resource kind (each provider's ``import_id``; README).
IMPORT_IDS: Mapping[str, str] = {
    r._provider_class.kind: r._provider_class.import_id or "not importable (no object on the server)"
    for r in schema.RESOURCES
}

T = TypeVar("T")


# -- values ------------------------------------------------------------------------------------------
def plain(value: PropertyValue) -> Any:
    """A property value as the layer sees it (the dynamic host's view): secrets unwrapped, unknowns
    as the engine's unknown marker, numbers as floats."""
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, tuple):
        return [plain(item) for item in inner]
    if isinstance(inner, Mapping):
        return {key: plain(item) for key, item in inner.items()}
    return inner


def plain_map(values: Mapping[str, PropertyValue]) -> tuple[dict[str, Any], set[str]]:
    """Plain values and the keys that held a secret."""
    return {k: plain(v) for k, v in values.items()}, {k for k, v in values.items() if v.contains_secret()}


def wire(value: Any, secret: bool = False) -> PropertyValue:
    """A plain value as a property value (integers travel as floats; an unknown stays the engine's
    marker string, which is how the wire carries it: the SDK cannot marshal ``Computed``)."""
    if value is None:
        result = PropertyValue.null()
    elif isinstance(value, (bool, str, float)):
        result = PropertyValue(value)
    elif isinstance(value, int):
        result = PropertyValue(float(value))
    elif isinstance(value, Mapping):
        result = PropertyValue({str(k): wire(v) for k, v in value.items()})
    elif isinstance(value, Iterable):
        result = PropertyValue([wire(v) for v in value])
    else:
        result = PropertyValue(str(value))
    return result.with_secret(True) if secret else result


def wire_map(values: Mapping[str, Any], secrets: Iterable[str] = ()) -> dict[str, PropertyValue]:
    """Plain values as property values, the ``secrets`` keys marked secret."""
    hidden = set(secrets)
    return {k: wire(v, k in hidden) for k, v in values.items()}


# -- configuration -------------------------------------------------------------------------------------
def config_getter(request: sdk.ConfigureRequest | sdk.CheckRequest) -> Callable[[str], object | None]:
    """``get(mailboxorg:KEY)`` over a native provider's configuration: its own keys (``endpoint``),
    namespaced keys, and ``mailboxorg:config:KEY`` variables."""
    if isinstance(request, sdk.ConfigureRequest):
        args, variables = plain_map(request.args)[0], dict(request.variables)
    else:
        args, variables = plain_map(request.new_inputs)[0], {}

    def get(key: str) -> object | None:
        namespace, _, name = key.partition(":")
        for value in (args.get(name), args.get(key), variables.get(f"{namespace}:config:{name}")):
            if value is not None and value != "":
                return value
        return None

    return get


_SECRET_SETTINGS = frozenset(schema.config_name(s) for s in SETTINGS if s.secret)


# -- errors --------------------------------------------------------------------------------------------
def _error_text(exc: BaseException) -> str:
    """What the user reads: our errors as ``module.Class: message`` (the last line of the dynamic
    host's traceback), anything else with its traceback."""
    if isinstance(exc, MailboxOrgError):
        return f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"
    return "".join(traceback.format_exception(exc)).rstrip()


class _Servicer(ProviderServicer):
    """The SDK's servicer; a failed call carries the provider's error text, not the SDK's wrapper."""


def _answer_errors(name: str) -> None:
    method = getattr(ProviderServicer, name)

    async def wrapped(self: _Servicer, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except Exception as exc:  # the SDK re-raises as Exception(text); the cause is its context
            cause = exc.__context__ if exc.__context__ is not None else exc
            await context.abort(grpc.StatusCode.UNKNOWN, _error_text(cause))

    wrapped.__name__ = name
    setattr(_Servicer, name, wrapped)


for _name in ("CheckConfig", "Configure", "GetSchema", "Check", "Diff", "Create", "Read", "Update", "Delete"):
    _answer_errors(_name)


# -- the provider ------------------------------------------------------------------------------------
class MailboxOrgPlugin(sdk.Provider):
    """``pulumi.provider.experimental.Provider`` over the resource layer (see the module docstring)."""

    def __init__(self, max_operations: int = MAX_OPERATIONS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_operations, thread_name_prefix="mailboxorg-op")
        self._providers: dict[str, MailboxOrgProvider] = {
            schema.resource_token(r): r._provider_class() for r in schema.RESOURCES
        }

    # -- plumbing ------------------------------------------------------------------------------------
    def provider(self, type_: str) -> MailboxOrgProvider:
        """The resource layer's provider of the token ``type_``."""
        try:
            return self._providers[type_]
        except KeyError:
            known = ", ".join(sorted(self._providers))
            raise MailboxOrgError(f"unknown resource type {type_!r}; this plugin serves {known}") from None

    async def run(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """``fn(*args)`` in a worker thread, as an operation with the deadline ``timeout``."""

        def in_operation() -> T:
            with operation.deadline_of(timeout):
                return fn(*args)

        # The worker runs in a copy of this call's context, like asyncio.to_thread: the SDK keeps its
        # settings (the engine's log service, for pulumi.log) in context variables.
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self._pool, context.run, in_operation)

    @staticmethod
    def secrets(provider: MailboxOrgProvider, *secret_keys: Iterable[str]) -> set[str]:
        """Keys to mark secret in an answer: secret properties and keys that arrived secret."""
        keys = {p.wire for p in provider.props if p.secret}
        for more in secret_keys:
            keys.update(more)
        return keys

    # -- schema and configuration ------------------------------------------------------------------
    async def get_schema(self, request: sdk.GetSchemaRequest) -> sdk.GetSchemaResponse:
        return sdk.GetSchemaResponse(schema=schema.render())

    async def check_config(self, request: sdk.CheckRequest) -> sdk.CheckResponse:
        failures = []
        try:
            ProviderConfig.load(config_getter(request))
        except MailboxOrgError as exc:
            failures.append(sdk.CheckFailure(_failed_setting(str(exc)), str(exc)))
        inputs = {
            k: v.with_secret(True) if k in _SECRET_SETTINGS else v for k, v in request.new_inputs.items()
        }
        return sdk.CheckResponse(inputs=inputs, failures=failures)

    async def configure(self, request: sdk.ConfigureRequest) -> sdk.ConfigureResponse:
        runtime.configure(ProviderConfig.load(config_getter(request)))
        return sdk.ConfigureResponse(accept_secrets=True, supports_preview=False)

    # -- resources -----------------------------------------------------------------------------------
    async def check(self, request: sdk.CheckRequest) -> sdk.CheckResponse:
        provider = self.provider(request.type)
        olds, _ = plain_map(request.old_inputs)
        news, hidden = plain_map(request.new_inputs)
        result = provider.check(olds, news)
        failures = [sdk.CheckFailure(f.property, f.reason) for f in result.failures or []]
        inputs = result.inputs or {}
        return sdk.CheckResponse(inputs=wire_map(inputs, self.secrets(provider, hidden)), failures=failures)

    async def diff(self, request: sdk.DiffRequest) -> sdk.DiffResponse:
        provider = self.provider(request.type)
        olds, _ = plain_map(request.old_state)
        news, _ = plain_map(request.new_inputs)
        ignored = set(request.ignore_changes)
        for key in ignored & set(news):
            if key in olds:
                news[key] = olds[key]
            else:
                del news[key]
        result = await self.run(provider.diff, request.resource_id, olds, news)
        detailed: dict[str, sdk.PropertyDiff] = {}
        for prop in provider.changed(olds, news):
            if prop.wire in ignored:
                continue
            added = olds.get(prop.wire) is None
            if prop.replace:
                kind = sdk.PropertyDiffKind.ADD_REPLACE if added else sdk.PropertyDiffKind.UPDATE_REPLACE
            else:
                kind = sdk.PropertyDiffKind.ADD if added else sdk.PropertyDiffKind.UPDATE
            detailed[prop.wire] = sdk.PropertyDiff(kind, input_diff=True)
        return sdk.DiffResponse(
            changes=bool(result.changes),
            replaces=list(result.replaces or []),
            stables=list(result.stables or []),
            delete_before_replace=bool(result.delete_before_replace),
            diffs=sorted(detailed),
            detailed_diff=detailed,
        )

    async def create(self, request: sdk.CreateRequest) -> sdk.CreateResponse:
        provider = self.provider(request.type)
        props, hidden = plain_map(request.properties)
        if request.preview:  # not sent (supportsPreview=False); answer the inputs as the engine would
            return sdk.CreateResponse("", request.properties)
        result = await self.run(provider.create, props, timeout=request.timeout)
        outs = result.outs or {}
        return sdk.CreateResponse(str(result.id), wire_map(outs, self.secrets(provider, hidden)))

    async def read(self, request: sdk.ReadRequest) -> sdk.ReadResponse:
        provider = self.provider(request.type)
        props, hidden = plain_map(request.properties)
        inputs, hidden_inputs = plain_map(request.inputs)
        importing = not props and not inputs
        if importing:
            id_, props = await self.run(provider.import_target, request.resource_id)
        else:
            id_ = request.resource_id
        result = await self.run(provider.read, id_, props)
        if not result.id:
            return sdk.ReadResponse("", {}, {})
        outs = result.outs or {}
        secrets = self.secrets(provider, hidden, hidden_inputs)
        if importing:
            inputs = provider.imported_inputs(outs)
        return sdk.ReadResponse(str(result.id), wire_map(outs, secrets), wire_map(inputs, secrets))

    async def update(self, request: sdk.UpdateRequest) -> sdk.UpdateResponse:
        provider = self.provider(request.type)
        olds, hidden_olds = plain_map(request.olds)
        news, hidden = plain_map(request.news)
        result = await self.run(provider.update, request.resource_id, olds, news, timeout=request.timeout)
        outs = result.outs or {}
        return sdk.UpdateResponse(wire_map(outs, self.secrets(provider, hidden, hidden_olds)))

    async def delete(self, request: sdk.DeleteRequest) -> None:
        provider = self.provider(request.type)
        props, _ = plain_map(request.properties)
        await self.run(provider.delete, request.resource_id, props, timeout=request.timeout)


def _failed_setting(message: str) -> str:
    for setting in SETTINGS:
        if setting.key in message:
            return schema.config_name(setting)
    return ""


# -- the executable ------------------------------------------------------------------------------------
async def serve(engine: str, max_operations: int = MAX_OPERATIONS) -> None:
    """Serve the plugin on a free loopback port, printed on stdout (what the engine reads).

    ``pulumi.log`` messages (the Domain's "publish this DNS record", adopt's changes, warnings) go to
    the engine's log service at ``engine``, which shows them to the user: unlike the dynamic host's,
    a native plugin's stderr only reaches the engine's verbose log. Without an address they go to
    stderr.
    """
    if engine:
        pulumi.runtime.settings.reset_options(engine_address=engine)
    server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
    servicer = _Servicer([engine], __version__, MailboxOrgPlugin(max_operations), engine_address=engine)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    # The engine ends a plugin with SIGINT (then SIGKILL after 5 s): stop serving, let running
    # operations end within the grace, and return normally so exit handlers (the logout) run.
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.buffer.flush()
    await stopping.wait()
    await server.stop(SHUTDOWN_GRACE)


def main(argv: list[str] | None = None) -> int:
    """``pulumi-resource-mailboxorg ENGINE_ADDRESS``: how the engine starts a resource plugin."""
    parser = argparse.ArgumentParser(prog="pulumi-resource-mailboxorg", description=__doc__.splitlines()[0])
    parser.add_argument("engine", nargs="?", default="", help="the Pulumi engine's address")
    parser.add_argument("--logflow", action="store_true", help="ignored (sent by the engine)")
    parser.add_argument("--logtostderr", action="store_true", help="ignored (sent by the engine)")
    parser.add_argument("-v", dest="verbose", default=None, help="ignored (sent by the engine)")
    parser.add_argument("--tracing", default=None, help="ignored (sent by the engine)")
    parser.add_argument(
        "--max-operations", type=int, default=MAX_OPERATIONS, help="operations served at once"
    )
    args, _ = parser.parse_known_args(argv)
    with contextlib.suppress(KeyboardInterrupt):  # the engine's SIGINT: a normal exit, exit handlers run
        asyncio.run(serve(args.engine, args.max_operations))
    return 0


if __name__ == "__main__":  # pragma: no cover - the console script
    raise SystemExit(main())
