"""A fork server that starts provider hosts from a pre-imported interpreter.

Why: a provider host costs about 0.4-0.6 s of CPU before it serves its first call, nearly all of it
importing ``pulumi``, ``grpc``, ``dill`` and this package; the engine starts a fresh host per
deployment, so the test suite starts about two thousand of them and spends most of its CPU there.
The fork server imports those modules once, then forks a child per host that runs *the same entry
point* the engine's command would run (``pulumi.dynamic``'s ``__main__`` module for ``python -u -m
pulumi.dynamic``, ``pulumi_mailboxorg.plugin.main`` for ``pulumi-resource-mailboxorg ENGINE``), in
its own session, working directory, environment and output files. The host is still a separate
process speaking gRPC on loopback; only ``exec`` and the imports are skipped.

What differs from an ``exec``'d host, and why it does not matter to the tests that use it:

* Modules are imported with the fork server's environment (the test process's, minus
  ``MAILBOXORG_*``), not the host's. No module of ``pulumi``, ``grpc`` or this package reads a
  variable the tests set when it is imported (``tests/harness/test_forkserver.py`` shows an
  environment-configured host behaving the same both ways); the host's own environment is in
  ``os.environ`` before its entry point runs.
* Every forked host shares the fork server's hash seed (``exec``'d hosts each draw their own).
* A host's parent is a small waiter process, not the test process; the waiter reports the exit
  status, so :class:`ForkedProcess` answers ``poll``/``wait`` like :class:`subprocess.Popen`.
* A host that returns or calls ``sys.exit`` ends with ``os._exit`` once its threads are joined, its
  ``atexit`` handlers have run and its streams are flushed (:func:`_exit`): the interpreter's
  teardown of the heap would copy every page shared with the server.

``HARNESS_LAUNCH=exec`` makes every host ``exec``'d (the full-fidelity run of the CI workflow);
tests about the process itself and the end-to-end examples always ask for ``launch="exec"``.

The server is ``python tests/harness/forkserver.py SOCKET``: it preloads, listens on the Unix socket
``SOCKET``, and exits when its stdin closes (its test process has ended). One request per
connection: a JSON line ``{"argv", "env", "cwd", "stdout", "stderr", "entry"}``; the answers are a
line with the host's pid, then, when it has exited, a line with its return code (negative: killed
by that signal, as :attr:`subprocess.Popen.returncode`).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from typing import Any, Final

__all__ = ["ForkServer", "ForkedProcess", "fork_server", "launch_mode"]

#: The modules a host imports before it serves (``pulumi/dynamic/__main__.py``'s imports, this
#: package's resources and the native plugin).
PRELOAD: Final[tuple[str, ...]] = (
    "asyncio",
    "dill",
    "grpc",
    "grpc.aio",
    "google.protobuf.empty_pb2",
    "pulumi",
    "pulumi.dynamic",
    "pulumi.dynamic.dynamic",
    "pulumi.metadata",
    "pulumi.runtime",
    "pulumi.runtime._serialization",
    "pulumi.runtime.proto",
    "pulumi.provider.experimental.server",
    "pulumi_mailboxorg",
    "pulumi_mailboxorg.account",
    "pulumi_mailboxorg.challenge",
    "pulumi_mailboxorg.context",
    "pulumi_mailboxorg.domain",
    "pulumi_mailboxorg.mailbox",
    "pulumi_mailboxorg.maildnscheck",
    "pulumi_mailboxorg.plugin",
    # imported on a host's first calls (lazily, by grpc's server and this package's client and checker)
    "grpc._server",
    "grpc._interceptor",
    "grpc._utilities",
    "requests",
    "requests.adapters",
    "urllib3",
    "certifi",
    "idna",
    "encodings.idna",
    "dns.resolver",
    "dns.message",
    "dns.query",
    "dns.rdtypes.ANY.TXT",
    "dns.rdtypes.ANY.MX",
    "dns.rdtypes.ANY.CNAME",
    "dns.rdtypes.ANY.SOA",
    "dns.rdtypes.ANY.NS",
    "dns.rdtypes.IN.SRV",
    "dns.rdtypes.IN.A",
    "dns.rdtypes.IN.AAAA",
    "pulumi_mailboxorg.client",
    "pulumi_mailboxorg.dnscheck",
    "importlib.metadata",
    "mimetypes",
)

#: ``entry`` values: what the child runs.
DYNAMIC_ENTRY: Final[str] = "pulumi.dynamic"
PLUGIN_ENTRY: Final[str] = "pulumi_mailboxorg.plugin"


def launch_mode(requested: str | None = None) -> str:
    """``"exec"`` or ``"fork"``: ``requested`` if given, else ``HARNESS_LAUNCH``, else ``"fork"``."""
    mode = requested or os.environ.get("HARNESS_LAUNCH") or "fork"
    if mode not in ("exec", "fork"):
        raise ValueError(f"HARNESS_LAUNCH must be 'exec' or 'fork', not {mode!r}")
    return mode


# -- the server side -------------------------------------------------------------------------------
def _run_host(spec: dict[str, Any]) -> None:
    """In the forked child: become the host process described by ``spec``; never returns normally."""
    os.setsid()
    os.chdir(spec["cwd"])
    os.environ.clear()
    os.environ.update(spec["env"])
    sys.dont_write_bytecode = bool(spec["env"].get("PYTHONDONTWRITEBYTECODE"))  # as at start-up
    null = os.open(os.devnull, os.O_RDONLY)
    out = os.open(spec["stdout"], os.O_WRONLY | os.O_APPEND)
    err = os.open(spec["stderr"], os.O_WRONLY | os.O_APPEND)
    for fd, target in ((null, 0), (out, 1), (err, 2)):
        os.dup2(fd, target)
        os.close(fd)
    # ``python -u``: unbuffered text streams on the new descriptors.
    import io

    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), write_through=True, errors="backslashreplace"
    )
    for path in reversed([p for p in spec["env"].get("PYTHONPATH", "").split(os.pathsep) if p]):
        if path not in sys.path:
            sys.path.insert(0, path)
    try:
        _run_entry(spec)
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # ``sys.exit("message")``: the interpreter prints it and exits with 1
            sys.stderr.write(f"{exc.code}\n")
            code = 1
    _exit(code)  # any other exception propagates: the interpreter prints it and exits with 1


def _run_entry(spec: dict[str, Any]) -> None:
    if spec["entry"] == PLUGIN_ENTRY:
        from pulumi_mailboxorg.plugin import main

        sys.argv = list(spec["argv"])
        sys.exit(main())
    import runpy

    sys.argv = [sys.argv[0]]
    runpy.run_module(DYNAMIC_ENTRY, run_name="__main__", alter_sys=True)


def _exit(code: int) -> None:
    """Exit like the interpreter does, up to the point where it would tear the heap down.

    The interpreter's exit joins the non-daemon threads, runs the ``atexit`` handlers and flushes the
    streams; those are what a host's user can observe, and they happen here in that order. Then it
    would free every module and object: in a forked child that touches every page it shares with the
    fork server, copying the whole heap (~150 ms a host, more than all its calls). ``os._exit`` skips
    only that.
    """
    import atexit

    threading._shutdown()  # type: ignore[attr-defined]  # what Py_FinalizeEx calls first
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _wait_for_host(conn: socket.socket, spec: dict[str, Any]) -> None:
    """In the waiter (a child of the server): fork the host, report its pid, then its exit status."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        conn.close()
        _run_host(spec)  # raises SystemExit (or KeyboardInterrupt) up through the server's frames
    conn.sendall(f"{pid}\n".encode())
    _, status = os.waitpid(pid, 0)
    with contextlib.suppress(OSError):
        conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
    os._exit(0)


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def serve(path: str) -> None:
    """Preload, listen on ``path``, fork a waiter (and through it a host) per connection."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # waiters are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a developer's Ctrl-C ends the test process, then us
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1):
            return  # the test process has gone
        if listener not in readable:
            continue
        conn, _ = listener.accept()
        spec = json.loads(_read_line(conn))
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGINT, signal.default_int_handler)
            _wait_for_host(conn, spec)
        conn.close()


# -- the test side ---------------------------------------------------------------------------------
class ForkedProcess:
    """A host started by the fork server, with the part of :class:`subprocess.Popen` the harness uses."""

    def __init__(self, conn: socket.socket, args: list[str]) -> None:
        self.args = args
        self._conn = conn
        self._buffer = b""
        self.returncode: int | None = None
        line = self._line(timeout=30.0)
        if line is None:
            raise RuntimeError("the fork server did not start the host")
        self.pid = int(line)

    def _line(self, timeout: float | None) -> str | None:
        while b"\n" not in self._buffer:
            readable, _, _ = select.select([self._conn], [], [], timeout)
            if not readable:
                return None
            chunk = self._conn.recv(4096)
            if not chunk:
                raise RuntimeError(f"the waiter of host {getattr(self, 'pid', '?')} ended without its status")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def poll(self) -> int | None:
        if self.returncode is None:
            line = self._line(timeout=0)
            if line is not None:
                self.returncode = int(line)
                self._conn.close()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            line = self._line(timeout=timeout)
            if line is None:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            self.returncode = int(line)
            self._conn.close()
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkServer:
    """The fork server of this test process: started on first use, stopped when the process exits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: str | None = None
        atexit.register(self.stop)

    def _start(self) -> str:
        if self._process is not None and self._process.poll() is None:
            assert self._dir is not None
            return os.path.join(self._dir, "sock")
        self._dir = tempfile.mkdtemp(prefix="harness-forkserver-")
        path = os.path.join(self._dir, "sock")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOXORG_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # the server's own imports may be cached (conftest.py)
        tests_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (tests_dir, env.get("PYTHONPATH", "")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-u", os.path.abspath(__file__), path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        assert self._process.stdout is not None
        if self._process.stdout.readline() != b"ready\n":
            raise RuntimeError(f"the fork server did not start (status {self._process.wait()})")
        return path

    def spawn(
        self, argv: list[str], *, entry: str, env: dict[str, str], cwd: str, stdout: str, stderr: str
    ) -> ForkedProcess:
        """Start a host running ``entry`` as if by ``argv``; its output goes to the files named."""
        with self._lock:
            path = self._start()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(path)
        spec = {"argv": argv, "entry": entry, "env": env, "cwd": cwd, "stdout": stdout, "stderr": stderr}
        conn.sendall(json.dumps(spec).encode() + b"\n")
        return ForkedProcess(conn, argv)

    def stop(self) -> None:
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            assert process.stdin is not None
            with contextlib.suppress(OSError):
                process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._dir is not None:
            import shutil

            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


_SERVERS: dict[int, ForkServer] = {}


def fork_server() -> ForkServer:
    """This test process's fork server (one per process: pytest-xdist workers each have their own)."""
    return _SERVERS.setdefault(os.getpid(), ForkServer())


if __name__ == "__main__":
    serve(sys.argv[1])
