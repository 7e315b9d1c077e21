"""Start ``python -m pulumi.dynamic`` and speak its gRPC protocol exactly as the Pulumi engine does.

How this mirrors the engine (Go sources: ``sdk/go/common/resource/plugin/plugin.go`` and
``provider_plugin.go``; Python side: ``pulumi/dynamic/__main__.py`` of the installed SDK):

* **Launch.** The engine runs the ``pulumi-resource-pulumi-python`` shim, which executes
  ``python -u -m pulumi.dynamic`` in the program directory with the CLI's environment plus
  ``PULUMI_PROJECT``. :class:`ProviderHost` runs ``sys.executable -u -m pulumi.dynamic`` with a
  controlled environment (inherited ``MAILBOXORG_*`` variables are dropped unless a test sets them,
  so a developer's real credentials never reach a test) and ``PYTHONPATH`` pointing at ``tests/`` so
  providers pickled by reference (``harness.trivial_provider``) import in the child. By default the
  process is forked from :mod:`harness.forkserver`, which has imported what a host imports and then
  runs the same entry point in the host's own session, directory and environment (it saves ~0.5 s of
  CPU per host; ``tests/harness/test_forkserver.py`` holds both launches to the same behaviour);
  ``launch="exec"``, the ``exec_hosts`` marker or ``HARNESS_LAUNCH=exec`` run the command itself.
* **Handshake.** Like ``newPlugin``: read the first stdout line (the port), dial ``127.0.0.1:PORT``,
  wait until the channel is ready, call ``Handshake`` (the dynamic host answers UNIMPLEMENTED and the
  engine falls back, as here), then ``GetPluginInfo``.
* **Configure.** ``ConfigureRequest.args`` holds the stack configuration with namespaced keys
  (``mailboxorg:endpoint``): since pulumi 3.139 dynamic providers receive *all* stack config. The
  engine marshals ``args`` with ``KeepSecrets: true``, so a secret config value arrives wrapped and the
  host unwraps it (``rpc.unwrap_rpc_secret`` in ``DynamicResourceProviderServicer.Configure``). The
  host answers ``acceptSecrets=False`` and ``supportsPreview=False``.
* **Resource calls.** ``Check``/``Diff``/``Create``/``Read``/``Update``/``Delete`` carry ``urn``,
  ``name``, ``type`` and Structs built by :func:`harness.wire.to_struct` (``rpc.serialize_properties``)
  with ``__provider`` = :func:`pulumi.dynamic.dynamic.serialize_provider` of the provider. Secrets
  are stripped (``acceptSecrets=False``); unknowns are only sent in previews.
* **Errors.** The host aborts a failed call with ``grpc.StatusCode.UNKNOWN`` and
  ``traceback.format_exc()`` as details (``_abort_with_traceback``). That surfaces here as
  :class:`ProviderError` carrying the same text the engine would print.
* **Output and logs.** The engine forwards each line the plugin writes to stderr to the user's
  terminal (``runtrace`` -> ``Diag.Infoerrf``). Inside the host ``pulumi.log`` has no engine:
  ``get_provider`` re-runs ``pulumi.runtime.configure(Settings(..., engine=None))`` before every
  call, and the host ignores its argv, so no engine address can be injected (no PULUMI_* variable or
  ``--engine`` flag is read). Hence ``pulumi.log.info/warn/error`` print ``info: ...``,
  ``warning: ...``, ``error: ...`` to stderr, which is exactly what a real user sees, and
  ``pulumi.log.debug`` is dropped, exactly as in a real deployment. (Python ``logging`` records of
  level WARNING and up reach stderr too, bare, through logging's last-resort handler, since the host
  configures no logging.) Both streams go to files:
  :meth:`ProviderHost.stderr_text` and :meth:`ProviderHost.log_messages` expose them, also after
  :meth:`ProviderHost.close`.
* **Concurrency.** The host serves at most 4 calls at once (``ThreadPoolExecutor(max_workers=4)``);
  the channel is thread-safe, so the program helper can call from several threads.
* **Deadlines.** The engine sets no gRPC deadline on provider calls (``Create``/``Update`` carry a
  ``timeout`` field the dynamic host ignores), so a Domain create that waits minutes for DNS is never
  cut off by the engine. ``call_timeout`` defaults to ``None`` (no deadline) for that reason; a test
  may set one to bound a hang.
* **Shutdown.** The engine ends a plugin by sending **SIGINT** to its process group, waiting 5 s and
  then killing it (``plugin.go`` -> ``cmdutil.InterruptChildren``). In the host SIGINT is a
  ``KeyboardInterrupt`` in ``main()``: the server stops, the interpreter exits normally and ``atexit``
  handlers run (our exit-time logout). :meth:`ProviderHost.close` does the same (``shutdown="sigint"``,
  ``shutdown_grace=5.0``); ``shutdown="sigterm"`` is the old, kinder harness behaviour (no exit
  handlers run).
* **Native plugin.** ``ProviderHost(kind="plugin")`` starts the installed executable
  ``pulumi-resource-mailboxorg`` the way the engine starts a resource plugin (``plugin.go``
  ``newPlugin``): the engine's address as the first argument, the port read from the first stdout
  line, then ``Handshake`` (UNIMPLEMENTED: fallback), ``GetPluginInfo``; :meth:`ProviderHost.configure`
  sends ``CheckConfig`` then ``Configure`` with the provider's own keys (``endpoint``, not
  ``mailboxorg:endpoint``), as the engine does for a native provider. Resource calls carry the
  schema token (``mailboxorg:index:Domain``) as the URN's type and no ``__provider``; secrets keep
  their signature (the plugin accepts secrets), and responses say which outputs came back secret
  (``secret_outputs``) and the detailed diff (``detailed_diff``).
* **Lifetime.** The engine starts a fresh plugin per deployment and kills it at the end. The host
  caches configured providers per pickled blob for its whole life (``_PROVIDER_CACHE``), so one host
  must never serve two tests; :class:`HostPool` keeps pre-started *fresh* hosts so a test pays no
  start-up latency, and never hands out the same host twice.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, NamedTuple

import grpc
from google.protobuf import empty_pb2  # type: ignore[import-untyped, unused-ignore]
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from .forkserver import DYNAMIC_ENTRY, PLUGIN_ENTRY, ForkedProcess, fork_server, launch_mode
from .wire import PROVIDER_KEY, Secret, contains_unknowns, from_struct, to_struct

__all__ = [
    "DEFAULT_PROJECT",
    "DEFAULT_STACK",
    "DYNAMIC_PROVIDER_TYPE",
    "DYNAMIC_TYPE",
    "CheckFailure",
    "CheckResponse",
    "ConfigureResponse",
    "CreateResponse",
    "DiffResponse",
    "HostPool",
    "HostStartError",
    "LogMessage",
    "ProviderError",
    "ProviderHost",
    "ProviderLike",
    "ReadResponse",
    "make_urn",
    "parse_log_messages",
    "provider_blob",
]

#: The type token of ``pulumi.dynamic.Resource`` (``pulumi-python:`` + ``dynamic:Resource``).
DYNAMIC_TYPE: Final[str] = "pulumi-python:dynamic:Resource"
#: The default provider's type for dynamic resources.
DYNAMIC_PROVIDER_TYPE: Final[str] = "pulumi:providers:pulumi-python"
DEFAULT_PROJECT: Final[str] = "project"
DEFAULT_STACK: Final[str] = "dev"
#: ``tests/``: the directory holding the ``harness`` package, put on the child's ``PYTHONPATH``.
TESTS_DIR: Final[Path] = Path(__file__).resolve().parent.parent

#: A provider instance, or its already serialised (base64 dill) blob as stored in the state.
ProviderLike = ResourceProvider | str

_SEVERITIES: Final[dict[str, str]] = {"info: ": "info", "warning: ": "warning", "error: ": "error"}


def make_urn(
    name: str, type_: str = DYNAMIC_TYPE, *, project: str = DEFAULT_PROJECT, stack: str = DEFAULT_STACK
) -> str:
    """The URN the engine gives a top-level resource: ``urn:pulumi:STACK::PROJECT::TYPE::NAME``."""
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def provider_blob(provider: ProviderLike) -> str:
    """The ``__provider`` value for ``provider``: ``serialize_provider`` unless already a blob."""
    return provider if isinstance(provider, str) else serialize_provider(provider)


def _urn_parts(urn: str) -> tuple[str, str]:
    """(name, type) of a URN."""
    parts = urn.split("::")
    return parts[-1], parts[-2].split("$")[-1]


class HostStartError(RuntimeError):
    """The provider host did not start (it exited, or printed no port in time)."""


class ProviderError(RuntimeError):
    """A gRPC call to the provider host failed; ``details`` is what the engine would show the user.

    For a provider exception the details are the host's ``traceback.format_exc()``;
    :attr:`exception_line` is its last line (``module.ErrorClass: message``).
    """

    def __init__(self, method: str, code: grpc.StatusCode, details: str) -> None:
        self.method = method
        self.code = code
        self.details = details
        super().__init__(f"{method} failed ({code.name}): {details}")

    @property
    def exception_line(self) -> str:
        """The last non-empty line of the details: the provider's exception type and message."""
        lines = [line for line in self.details.strip().splitlines() if line.strip()]
        return lines[-1] if lines else ""


class LogMessage(NamedTuple):
    """A diagnostic the provider wrote with ``pulumi.log`` (as the engine shows it on the terminal)."""

    severity: str  # "info" | "warning" | "error"
    message: str


@dataclass(frozen=True)
class ConfigureResponse:
    """The host's answer to ``Configure`` (the protocol the engine then uses)."""

    accept_secrets: bool
    supports_preview: bool
    accept_resources: bool
    accept_outputs: bool


class CheckFailure(NamedTuple):
    """One validation failure from ``Check``."""

    property: str
    reason: str


@dataclass(frozen=True)
class CheckResponse:
    """Checked inputs (without ``__provider``) and failures."""

    inputs: dict[str, Any]
    failures: list[CheckFailure]


@dataclass(frozen=True)
class DiffResponse:
    """A provider's diff, as the engine receives it."""

    changes: Literal["unknown", "none", "some"]
    replaces: list[str]
    stables: list[str]
    delete_before_replace: bool
    #: Property -> kind ("UPDATE", "UPDATE_REPLACE", ...): only a native plugin sends one.
    detailed_diff: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CreateResponse:
    """New id and outputs (without ``__provider``)."""

    id: str
    outputs: dict[str, Any]
    #: Outputs the provider itself marked secret (only a provider that accepts secrets does).
    secret_outputs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReadResponse:
    """Read result: an empty ``id`` means the resource is gone; ``inputs`` only when the provider set them."""

    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any] | None
    secret_outputs: frozenset[str] = frozenset()


_CHANGES: Final[dict[int, Literal["unknown", "none", "some"]]] = {
    provider_pb2.DiffResponse.DIFF_UNKNOWN: "unknown",
    provider_pb2.DiffResponse.DIFF_NONE: "none",
    provider_pb2.DiffResponse.DIFF_SOME: "some",
}


#: Which provider the host runs: the dynamic-provider host or the native plugin executable.
HostKind = Literal["dynamic", "plugin"]
#: The native plugin's executable (a console script installed with the package).
PLUGIN_EXECUTABLE: Final[str] = "pulumi-resource-mailboxorg"
#: The schema tokens' package.
PLUGIN_PACKAGE: Final[str] = "mailboxorg"


def plugin_executable() -> str:
    """The installed ``pulumi-resource-mailboxorg``: beside this interpreter, else on the PATH."""
    beside = Path(sys.executable).parent / PLUGIN_EXECUTABLE
    if beside.exists():
        return os.fspath(beside)
    found = shutil.which(PLUGIN_EXECUTABLE)
    if found is None:
        raise HostStartError(f"{PLUGIN_EXECUTABLE} is not installed (pip install -e .)")
    return found


_KINDS: dict[str, str] = {}


def provider_kind(provider: ProviderLike) -> str:
    """The resource kind (``Domain``) of a provider instance or of its pickled blob."""
    if not isinstance(provider, str):
        return str(getattr(provider, "kind", type(provider).__name__))
    kind = _KINDS.get(provider)
    if kind is None:
        import base64

        import dill

        kind = str(getattr(dill.loads(base64.b64decode(provider)), "kind", "Resource"))  # noqa: S301
        _KINDS[provider] = kind
    return kind


def _secret_keys(struct: Any) -> frozenset[str]:
    from .wire import reveal_properties

    if struct is None:
        return frozenset()
    return reveal_properties(_deserialize(struct))[1]


class _EngineLog(engine_pb2_grpc.EngineServicer):  # type: ignore[misc, unused-ignore]
    """The engine's log service, as a native plugin reaches it at the address it was started with:
    records each ``Log`` call as the line the user's terminal shows (``info: ...``)."""

    _PREFIXES: Final[dict[int, str]] = {
        engine_pb2.INFO: "info: ",
        engine_pb2.WARNING: "warning: ",
        engine_pb2.ERROR: "error: ",
    }

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self.server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=4))
        engine_pb2_grpc.add_EngineServicer_to_server(self, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    def Log(self, request: Any, context: Any) -> Any:
        prefix = self._PREFIXES.get(request.severity)
        if prefix is not None:  # debug messages are shown only with -v: dropped, as for the dynamic host
            with self._lock:
                self.lines.append(prefix + request.message)  # one diagnostic, as the terminal shows it
        return empty_pb2.Empty()

    def text(self) -> str:
        with self._lock:
            return "".join(line + "\n" for line in self.lines)

    def stop(self) -> None:
        self.server.stop(grace=None)


def _deserialize(struct: Any) -> dict[str, Any]:
    from pulumi.runtime import rpc

    return dict(rpc.deserialize_properties(struct, keep_unknowns=True))


#: How :meth:`ProviderHost.close` ends the process: the engine's SIGINT, or a plain SIGTERM.
Shutdown = Literal["sigint", "sigterm"]


#: A host's process: ``exec``'d (:class:`subprocess.Popen`) or forked (:class:`ForkedProcess`).
Process = subprocess.Popen[bytes] | ForkedProcess


def _stop(process: Process, shutdown: Shutdown, grace: float) -> None:
    """End ``process`` like the engine (SIGINT to its process group, ``grace`` seconds, then SIGKILL)."""
    if process.poll() is not None:
        return
    try:
        if shutdown == "sigint":
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.terminate()
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _reap(process: Process, workdir: str, engine: Any = None) -> None:
    """Kill and wait for ``process`` (no zombie), then remove its output directory (and stop the
    engine log service a plugin reported to)."""
    _stop(process, "sigterm", 5.0)
    shutil.rmtree(workdir, ignore_errors=True)
    if engine is not None:
        engine.stop()


@dataclass
class _Outputs:
    stdout: str = ""
    stderr: str = ""
    captured: bool = False


class ProviderHost:
    """One ``python -m pulumi.dynamic`` process and a gRPC client speaking to it like the engine.

    Use as a context manager (``with ProviderHost() as host:``) or call :meth:`start` and
    :meth:`close`. Property maps are plain dicts; values may be :class:`harness.wire.Secret`
    (stripped before sending, as the engine does for this provider) and, for previews,
    :data:`harness.wire.UNKNOWN`. ``__provider`` is added from the ``provider`` argument to every map
    that does not carry one already, and removed from every result.
    """

    def __init__(
        self,
        *,
        env: Mapping[str, str | None] | None = None,
        inherit_env: bool = True,
        isolate_env_prefixes: Sequence[str] = ("MAILBOXORG_",),
        cwd: str | os.PathLike[str] | None = None,
        pythonpath: Sequence[str | os.PathLike[str]] = (TESTS_DIR,),
        project: str = DEFAULT_PROJECT,
        stack: str = DEFAULT_STACK,
        python: str = sys.executable,
        startup_timeout: float = 30.0,
        call_timeout: float | None = None,
        shutdown: Shutdown = "sigint",
        shutdown_grace: float = 5.0,
        kind: HostKind = "dynamic",
        launch: Literal["exec", "fork"] | None = None,
    ) -> None:
        """Prepare (not start) a host.

        :param env: variables to set (``None`` value: unset) on top of the inherited environment.
        :param inherit_env: start from ``os.environ`` (like the engine) or from an empty environment.
        :param isolate_env_prefixes: inherited variables with these prefixes are dropped (``env`` may
            set them again), so tests never pick up a developer's real ``MAILBOXORG_*`` settings.
        :param cwd: the working directory (the engine uses the program directory); default ``tests/``.
        :param pythonpath: prepended to ``PYTHONPATH`` so by-reference pickles import in the child.
        :param project: ``PULUMI_PROJECT`` (namespace for un-namespaced ``Config.get`` keys).
        :param call_timeout: gRPC deadline per call; ``None`` (default) is the engine's: no deadline.
        :param shutdown: ``"sigint"`` (default, the engine's) or ``"sigterm"``; see the module docstring.
        :param shutdown_grace: seconds between the signal and SIGKILL (the engine waits 5 s).
        :param kind: ``"dynamic"`` (``python -m pulumi.dynamic``) or ``"plugin"`` (the installed
            ``pulumi-resource-mailboxorg``, started like the engine starts a resource plugin).
        :param launch: ``"exec"`` runs the command like the engine; ``"fork"`` (the default unless
            ``HARNESS_LAUNCH=exec``) forks it from the pre-imported :mod:`harness.forkserver`, which
            saves the ~0.5 s of CPU a host spends importing (a custom ``python`` or ``pythonpath``
            always execs: what they change happens at interpreter start-up).
        """
        # A custom interpreter or PYTHONPATH (a test's ``sitecustomize``) acts at start-up: exec then.
        default_start = python == sys.executable and [os.fspath(p) for p in pythonpath] == [
            os.fspath(TESTS_DIR)
        ]
        self.launch_mode = launch_mode(launch) if default_start else "exec"
        self.kind: HostKind = kind
        self.project = project
        self.stack = stack
        self.python = python
        self.cwd = os.fspath(cwd) if cwd is not None else os.fspath(TESTS_DIR)
        self.startup_timeout = startup_timeout
        self.call_timeout = call_timeout
        self.shutdown: Shutdown = shutdown
        self.shutdown_grace = shutdown_grace
        self.env = self._build_env(env, inherit_env, isolate_env_prefixes, pythonpath)
        #: gRPC methods called so far (``Check``, ``Create``, ...), for assertions like "no Create".
        self.calls: Counter[str] = Counter()
        #: The host's answer to ``Configure`` once sent; ``GetPluginInfo``'s version once started.
        self.configured: ConfigureResponse | None = None
        self.plugin_version: str | None = None
        self._process: Process | None = None
        self._workdir: str | None = None
        self._channel: grpc.Channel | None = None
        self._stub: provider_pb2_grpc.ResourceProviderStub | None = None
        self._port: int | None = None
        self._outputs = _Outputs()
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._lock = threading.Lock()
        #: The engine's log service a plugin reports to (kind "plugin" only).
        self._engine: _EngineLog | None = None

    # -- environment ---------------------------------------------------------------------------------
    def _build_env(
        self,
        overrides: Mapping[str, str | None] | None,
        inherit: bool,
        isolate: Sequence[str],
        pythonpath: Sequence[str | os.PathLike[str]],
    ) -> dict[str, str]:
        env: dict[str, str] = {}
        if inherit:
            env = {k: v for k, v in os.environ.items() if not any(k.startswith(p) for p in isolate)}
        elif "PATH" in os.environ:
            env["PATH"] = os.environ["PATH"]
        env["PULUMI_PROJECT"] = self.project
        paths = [os.fspath(p) for p in pythonpath]
        if env.get("PYTHONPATH"):
            paths.append(env["PYTHONPATH"])
        if paths:
            env["PYTHONPATH"] = os.pathsep.join(paths)
        for key, value in (overrides or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    # -- lifecycle -----------------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """The host's process id (None before :meth:`launch`)."""
        return self._process.pid if self._process is not None else None

    @property
    def port(self) -> int:
        """The gRPC port the host printed."""
        if self._port is None:
            raise RuntimeError("the provider host is not started")
        return self._port

    @property
    def returncode(self) -> int | None:
        """The exit status once the process has ended, else None."""
        return self._process.poll() if self._process is not None else None

    def launch(self) -> None:
        """Spawn the process without waiting for it (used by :class:`HostPool` to pre-start hosts)."""
        if self._process is not None:
            return
        self._workdir = tempfile.mkdtemp(prefix="pulumi-dynamic-host-")
        if self.launch_mode == "fork":
            for stream in ("stdout", "stderr"):  # there before the child opens them, as with Popen
                open(os.path.join(self._workdir, stream), "wb").close()
            if self.kind == "plugin":
                self._engine = _EngineLog()
                argv, entry = [plugin_executable(), f"127.0.0.1:{self._engine.port}"], PLUGIN_ENTRY
            else:
                argv, entry = [self.python, "-u", "-m", "pulumi.dynamic"], DYNAMIC_ENTRY
            self._process = fork_server().spawn(
                argv,
                entry=entry,
                env=self.env,
                cwd=self.cwd,
                stdout=os.path.join(self._workdir, "stdout"),
                stderr=os.path.join(self._workdir, "stderr"),
            )
            self._finalizer = weakref.finalize(self, _reap, self._process, self._workdir, self._engine)
            return
        with (
            open(os.path.join(self._workdir, "stdout"), "wb") as stdout,
            open(os.path.join(self._workdir, "stderr"), "wb") as stderr,
        ):
            # The engine passes its own gRPC address first: the plugin sends its log messages there.
            if self.kind == "plugin":
                self._engine = _EngineLog()
                command = [plugin_executable(), f"127.0.0.1:{self._engine.port}"]
            else:
                command = [self.python, "-u", "-m", "pulumi.dynamic"]
            self._process = subprocess.Popen(
                command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,  # its own process group, which the engine signals
            )
        self._finalizer = weakref.finalize(self, _reap, self._process, self._workdir, self._engine)

    def start(self) -> ProviderHost:
        """Launch (if needed), read the port, connect, and handshake like the engine. Idempotent."""
        with self._lock:
            if self._stub is not None:
                return self
            if self._outputs.captured:
                raise RuntimeError("this provider host was closed; start a new one")
            self.launch()
            self._port = self._wait_for_port()
            # Readiness is awaited by the first call itself (``wait_for_ready``), not by
            # ``grpc.channel_ready_future``: its connectivity-polling thread makes every later
            # ``channel.close()`` wait up to 0.2 s for its next poll.
            channel = grpc.insecure_channel(f"127.0.0.1:{self._port}", options=_GRPC_CHANNEL_OPTIONS)
            self._channel = channel
            self._stub = provider_pb2_grpc.ResourceProviderStub(channel)
        self._handshake()
        return self

    def _wait_for_port(self) -> int:
        assert self._process is not None and self._workdir is not None
        path = os.path.join(self._workdir, "stdout")
        deadline = time.monotonic() + self.startup_timeout
        while True:
            with open(path, "rb") as handle:
                first = handle.readline()
            if first.endswith(b"\n"):
                try:
                    return int(first.strip())
                except ValueError as exc:
                    raise HostStartError(f"provider host wrote an invalid port: {first!r}") from exc
            if self._process.poll() is not None:
                raise HostStartError(
                    f"provider host exited with status {self._process.returncode} before printing "
                    f"its port; stderr:\n{self._read('stderr')}"
                )
            if time.monotonic() > deadline:
                raise HostStartError(f"provider host printed no port within {self.startup_timeout} s")
            time.sleep(0.005)

    def _handshake(self) -> None:
        request = provider_pb2.ProviderHandshakeRequest(configure_with_urn=True)
        try:
            self._call("Handshake", request, timeout=self.startup_timeout, wait_for_ready=True)
        except ProviderError as exc:
            if exc.code == grpc.StatusCode.DEADLINE_EXCEEDED:
                self.close()
                raise HostStartError(f"provider host port {self._port} not reachable") from None
            if exc.code != grpc.StatusCode.UNIMPLEMENTED:
                raise
        self.plugin_version = self._call("GetPluginInfo", empty_pb2.Empty()).version

    def close(self) -> None:
        """Close the channel, stop the process and wait for it (no zombie). Output stays readable."""
        with self._lock:
            if self._channel is not None:
                self._channel.close()
                self._channel = None
                self._stub = None
            if self._process is not None and self._finalizer is not None and self._finalizer.alive:
                _stop(self._process, self.shutdown, self.shutdown_grace)
                self._capture_outputs()
                self._finalizer()

    def __enter__(self) -> ProviderHost:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- output --------------------------------------------------------------------------------------
    def _read(self, stream: str) -> str:
        if self._workdir is None:
            return ""
        try:
            with open(os.path.join(self._workdir, stream), "rb") as handle:
                return handle.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _capture_outputs(self) -> None:
        if not self._outputs.captured:
            self._outputs = _Outputs(self._read("stdout"), self._stderr_now(), captured=True)

    def _stderr_now(self) -> str:
        """stderr, and for a plugin the messages it logged to the engine (what the user sees)."""
        logged = self._engine.text() if self._engine is not None else ""
        return self._read("stderr") + logged

    def engine_log(self) -> str:
        """What a plugin sent to the engine's log service, one ``info: ...`` line per message."""
        return self._engine.text() if self._engine is not None else ""

    def stderr_text(self) -> str:
        """Everything the host wrote to stderr so far (tracebacks, ``pulumi.log`` lines, logging)."""
        return self._outputs.stderr if self._outputs.captured else self._stderr_now()

    def stdout_text(self) -> str:
        """Everything the host wrote to stdout after (and including) the port line."""
        return self._outputs.stdout if self._outputs.captured else self._read("stdout")

    def log_messages(self) -> list[LogMessage]:
        """``pulumi.log.info/warn/error`` messages, parsed from stderr (``debug`` is dropped by the SDK)."""
        return parse_log_messages(self.stderr_text())

    # -- gRPC ----------------------------------------------------------------------------------------
    def _call(
        self, method: str, request: Any, *, timeout: float | None = None, wait_for_ready: bool = False
    ) -> Any:
        """Call ``method``; ``timeout`` defaults to :attr:`call_timeout` (the engine's: none)."""
        if self._stub is None:
            raise RuntimeError("the provider host is not started (use start() or a with block)")
        self.calls[method] += 1
        try:
            return getattr(self._stub, method)(
                request,
                timeout=self.call_timeout if timeout is None else timeout,
                wait_for_ready=wait_for_ready,
            )
        except grpc.RpcError as exc:
            raise ProviderError(method, exc.code(), exc.details() or "") from None

    def _urn(self, urn: str | None, provider: ProviderLike | None = None) -> tuple[str, str, str]:
        urn = urn or make_urn("resource", project=self.project, stack=self.stack)
        name, type_ = _urn_parts(urn)
        if self.kind == "plugin" and provider is not None:
            # A native resource's URN carries its schema token as the type.
            type_ = f"{PLUGIN_PACKAGE}:index:{provider_kind(provider)}"
            head, _, _ = urn.rpartition("::")
            prefix, _, _ = head.rpartition("::")
            urn = f"{prefix}::{type_}::{name}"
        return urn, name, type_

    def _with_provider(self, props: Mapping[str, Any] | None, blob: str) -> dict[str, Any]:
        out = dict(props or {})
        if self.kind == "plugin":
            out.pop(PROVIDER_KEY, None)  # a native resource has no pickled provider
            return out
        out.setdefault(PROVIDER_KEY, blob)
        return out

    def _struct(self, props: Mapping[str, Any]) -> Any:
        """A resource call's property map: secrets kept for the plugin (it accepts them)."""
        return to_struct(props, keep_secrets=self.kind == "plugin")

    @staticmethod
    def _strip(props: dict[str, Any]) -> dict[str, Any]:
        props.pop(PROVIDER_KEY, None)
        return props

    def configure(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        secret_keys: Iterable[str] = (),
        urn: str | None = None,
    ) -> ConfigureResponse:
        """Send ``Configure`` with the stack config (keys like ``mailboxorg:endpoint``).

        Values listed in ``secret_keys`` (or given as :class:`~harness.wire.Secret`) are marshalled as
        secrets, like the engine does; the host unwraps them before ``provider.configure``.
        """
        secrets = set(secret_keys)
        args = {
            k: Secret(v) if k in secrets and not isinstance(v, Secret) else v
            for k, v in (config or {}).items()
        }
        variables = {}
        for key, value in args.items():
            plain = value.value if isinstance(value, Secret) else value
            variables[f"pulumi-python:config:{key}"] = plain if isinstance(plain, str) else json.dumps(plain)
        if self.kind == "plugin":
            return self._configure_plugin(args, urn)
        urn = urn or make_urn("default", DYNAMIC_PROVIDER_TYPE, project=self.project, stack=self.stack)
        response = self._call(
            "Configure",
            provider_pb2.ConfigureRequest(
                variables=variables,
                args=to_struct(args, keep_secrets=True),
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
                urn=urn,
                name=_urn_parts(urn)[0],
                type=DYNAMIC_PROVIDER_TYPE,
            ),
        )
        return self._configured(response)

    def _configured(self, response: Any) -> ConfigureResponse:
        """Record the host's answer to ``Configure``."""
        self.configured = ConfigureResponse(
            accept_secrets=response.acceptSecrets,
            supports_preview=response.supportsPreview,
            accept_resources=response.acceptResources,
            accept_outputs=response.acceptOutputs,
        )
        return self.configured

    def _configure_plugin(self, args: Mapping[str, Any], urn: str | None) -> ConfigureResponse:
        """CheckConfig, then Configure, with the provider's own keys (the engine's way for a native
        provider: its inputs are the ``mailboxorg:*`` stack config without the namespace)."""
        own = {k.partition(":")[2]: v for k, v in args.items() if k.startswith(f"{PLUGIN_PACKAGE}:")}
        provider_type = f"pulumi:providers:{PLUGIN_PACKAGE}"
        urn = urn or make_urn("default", provider_type, project=self.project, stack=self.stack)
        checked = self._call(
            "CheckConfig",
            provider_pb2.CheckRequest(
                urn=urn,
                name=_urn_parts(urn)[0],
                type=provider_type,
                olds=to_struct({}),
                news=to_struct(own, keep_secrets=True),
                randomSeed=os.urandom(32),
            ),
        )
        if checked.failures:
            raise ProviderError(
                "CheckConfig",
                grpc.StatusCode.INVALID_ARGUMENT,
                "; ".join(f"{f.property}: {f.reason}" for f in checked.failures),
            )
        variables = {}
        for key, value in own.items():
            plain = value.value if isinstance(value, Secret) else value
            text = plain if isinstance(plain, str) else json.dumps(plain)
            variables[f"{PLUGIN_PACKAGE}:config:{key}"] = text
        response = self._call(
            "Configure",
            provider_pb2.ConfigureRequest(
                variables=variables,
                args=checked.inputs,
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
                urn=urn,
                name=_urn_parts(urn)[0],
                type=provider_type,
            ),
        )
        return self._configured(response)

    def check(
        self,
        provider: ProviderLike,
        news: Mapping[str, Any],
        olds: Mapping[str, Any] | None = None,
        *,
        urn: str | None = None,
        preview: bool = False,
        random_seed: bytes = b"",
    ) -> CheckResponse:
        """``Check(olds, news)``; ``olds`` are the prior *inputs* (empty for a new resource: sent empty).

        ``random_seed`` defaults to 32 random bytes, as the engine sends.
        """
        blob = provider_blob(provider)
        urn, name, type_ = self._urn(urn, provider)
        self._reject_unknowns(news, preview, "Check")
        response = self._call(
            "Check",
            provider_pb2.CheckRequest(
                urn=urn,
                name=name,
                type=type_,
                # A new resource has no old inputs at all: the engine sends an empty map, without
                # even the ``__provider`` reference (step_generator.go: Check(urn, nil, inputs)).
                olds=self._struct(self._with_provider(olds, blob) if olds else {}),
                news=self._struct(self._with_provider(news, blob)),
                randomSeed=random_seed or os.urandom(32),
            ),
        )
        return CheckResponse(
            inputs=self._strip(from_struct(response.inputs)),
            failures=[CheckFailure(f.property, f.reason) for f in response.failures],
        )

    def diff(
        self,
        provider: ProviderLike,
        id_: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        old_inputs: Mapping[str, Any] | None = None,
        urn: str | None = None,
        preview: bool = False,
        allow_unknowns: bool = False,
        ignore_changes: Sequence[str] = (),
    ) -> DiffResponse:
        """``Diff(id, olds=prior outputs, news=checked inputs, old_inputs=prior inputs)``.

        ``allow_unknowns=True`` outside a preview is the engine's dependent-replacement diff
        (``calculateDependentReplacements``), the one place it sends unknowns during ``pulumi up``.
        """
        blob = provider_blob(provider)
        urn, name, type_ = self._urn(urn, provider)
        self._reject_unknowns(news, preview or allow_unknowns, "Diff")
        response = self._call(
            "Diff",
            provider_pb2.DiffRequest(
                id=id_,
                urn=urn,
                name=name,
                type=type_,
                olds=self._struct(self._with_provider(olds, blob)),
                news=self._struct(self._with_provider(news, blob)),
                old_inputs=self._struct(self._with_provider(old_inputs or {}, blob)),
                ignoreChanges=list(ignore_changes),
            ),
        )
        return DiffResponse(
            changes=_CHANGES[response.changes],
            replaces=list(response.replaces),
            stables=list(response.stables),
            delete_before_replace=response.deleteBeforeReplace,
            detailed_diff={
                key: provider_pb2.PropertyDiff.Kind.Name(value.kind)
                for key, value in response.detailedDiff.items()
            },
        )

    def create(
        self,
        provider: ProviderLike,
        properties: Mapping[str, Any],
        *,
        urn: str | None = None,
        preview: bool = False,
        timeout: float = 0.0,
    ) -> CreateResponse:
        """``Create(properties=checked inputs)``.

        The engine never sends ``preview=True`` to this host (it reports ``supportsPreview=False``);
        the flag exists to exercise the host directly.
        """
        blob = provider_blob(provider)
        urn, name, type_ = self._urn(urn, provider)
        self._reject_unknowns(properties, preview, "Create")
        response = self._call(
            "Create",
            provider_pb2.CreateRequest(
                urn=urn,
                name=name,
                type=type_,
                properties=self._struct(self._with_provider(properties, blob)),
                preview=preview,
                timeout=timeout,
            ),
        )
        return CreateResponse(
            id=response.id,
            outputs=self._strip(from_struct(response.properties)),
            secret_outputs=_secret_keys(response.properties),
        )

    def read(
        self,
        provider: ProviderLike,
        id_: str,
        properties: Mapping[str, Any],
        *,
        inputs: Mapping[str, Any] | None = None,
        urn: str | None = None,
        add_provider: bool = True,
    ) -> ReadResponse:
        """``Read(id, properties=prior outputs, inputs=prior inputs)`` (a refresh).

        ``add_provider=False`` sends the maps exactly as given: ``pulumi import`` sends ``Read(id)``
        with no properties and no inputs at all (``ImportStep.Apply``).
        """
        blob = provider_blob(provider)
        urn, name, type_ = self._urn(urn, provider)

        def wire(props: Mapping[str, Any]) -> Any:
            return self._struct(self._with_provider(props, blob) if add_provider else dict(props))

        response = self._call(
            "Read",
            provider_pb2.ReadRequest(
                id=id_,
                urn=urn,
                name=name,
                type=type_,
                properties=wire(properties),
                inputs=wire(inputs) if inputs is not None else None,
            ),
        )
        new_inputs = self._strip(from_struct(response.inputs)) if response.HasField("inputs") else None
        return ReadResponse(
            id=response.id,
            outputs=self._strip(from_struct(response.properties)),
            inputs=new_inputs,
            secret_outputs=_secret_keys(response.properties),
        )

    def update(
        self,
        provider: ProviderLike,
        id_: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        old_inputs: Mapping[str, Any] | None = None,
        urn: str | None = None,
        preview: bool = False,
        timeout: float = 0.0,
    ) -> dict[str, Any]:
        """``Update(id, olds=prior outputs, news=checked inputs)``; returns the new outputs."""
        blob = provider_blob(provider)
        urn, name, type_ = self._urn(urn, provider)
        self._reject_unknowns(news, preview, "Update")
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=id_,
                urn=urn,
                name=name,
                type=type_,
                olds=self._struct(self._with_provider(olds, blob)),
                news=self._struct(self._with_provider(news, blob)),
                old_inputs=self._struct(self._with_provider(old_inputs or {}, blob)),
                preview=preview,
                timeout=timeout,
            ),
        )
        return self._strip(from_struct(response.properties))

    def delete(
        self,
        provider: ProviderLike,
        id_: str,
        properties: Mapping[str, Any],
        *,
        old_inputs: Mapping[str, Any] | None = None,
        urn: str | None = None,
    ) -> None:
        """``Delete(id, properties=prior outputs, old_inputs=prior inputs)``."""
        blob = provider_blob(provider)
        urn, name, type_ = self._urn(urn, provider)
        self._call(
            "Delete",
            provider_pb2.DeleteRequest(
                id=id_,
                urn=urn,
                name=name,
                type=type_,
                properties=self._struct(self._with_provider(properties, blob)),
                old_inputs=self._struct(self._with_provider(old_inputs or {}, blob)),
            ),
        )

    @staticmethod
    def _reject_unknowns(props: Mapping[str, Any], preview: bool, method: str) -> None:
        if not preview and contains_unknowns(props):
            raise ValueError(
                f"{method}: unknown values are only sent in a preview (the engine's KeepUnknowns); "
                "pass preview=True"
            )


def parse_log_messages(stderr: str) -> list[LogMessage]:
    """The ``pulumi.log`` lines in a host's stderr (``info: ...``, ``warning: ...``, ``error: ...``).

    A multi-line message keeps only its first line here; the rest is in :meth:`ProviderHost.stderr_text`.
    """
    messages = []
    for line in stderr.splitlines():
        for prefix, severity in _SEVERITIES.items():
            if line.startswith(prefix):
                messages.append(LogMessage(severity, line[len(prefix) :]))
                break
    return messages


@dataclass
class HostPool:
    """Hands out *fresh* started hosts, keeping ``spares`` pre-launched so tests do not wait.

    Every :meth:`take` returns a process that has never been configured nor served a call (the host
    caches configured providers for its whole life, and the engine starts one per deployment).
    ``take(env=...)`` with a different environment launches a dedicated host. Use as a context
    manager or call :meth:`close`; hosts taken from the pool are closed by their users.
    """

    spares: int = 1
    host_options: dict[str, Any] = field(default_factory=dict)
    _idle: list[ProviderHost] = field(default_factory=list, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _closed: bool = field(default=False, init=False)
    started: int = field(default=0, init=False)

    def _new(self, **overrides: Any) -> ProviderHost:
        host = ProviderHost(**{**self.host_options, **overrides})
        host.launch()
        self.started += 1
        return host

    def take(self, **overrides: Any) -> ProviderHost:
        """A started, unconfigured host; ``overrides`` are :class:`ProviderHost` options for this one."""
        if self._closed:
            raise RuntimeError("the host pool is closed")
        if overrides:
            return self._new(**overrides).start()
        with self._lock:
            host = self._idle.pop(0) if self._idle else self._new()
            while len(self._idle) < self.spares:
                self._idle.append(self._new())
        try:
            return host.start()
        except BaseException:
            host.close()
            raise

    __call__ = take

    def close(self) -> None:
        """Stop the idle hosts."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for host in idle:
            host.close()

    def __enter__(self) -> HostPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
