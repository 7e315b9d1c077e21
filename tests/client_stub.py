"""A scripted JSON-RPC server on 127.0.0.1 for the client's unit tests (tests/test_client*.py).

Each test gives the server a ``handler`` that receives the decoded :class:`Received` request and
returns a :class:`Reply` (any status, headers, raw body, a delay, or ``drop`` to close the
connection without answering). :func:`ok` and :func:`error` build well-formed JSON-RPC answers;
:class:`FakeApi` is a minimal stateful API (auth with sessions, expiry, hello.*) to build on.

    with StubServer(FakeApi(users={"acme": "pw"})) as server:
        client = MailboxOrgClient(server.url, "acme", "pw")
"""

from __future__ import annotations

import itertools
import json
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeApi", "Received", "Reply", "StubServer", "error", "ok"]


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    method: str | None
    params: Any
    id: Any
    headers: dict[str, str]
    body: bytes
    path: str

    @property
    def auth_id(self) -> str | None:
        """The ``HPLS-AUTH`` header value (header names are case-insensitive)."""
        for name, value in self.headers.items():
            if name.lower() == "hpls-auth":
                return value
        return None


@dataclass
class Reply:
    """What the server does with a request."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    drop: bool = False  # close the connection without any answer


def ok(request: Received, result: Any) -> Reply:
    """A JSON-RPC success answer echoing the request's id."""
    return Reply(body=json.dumps({"jsonrpc": "2.0", "result": result, "id": request.id}).encode())


def error(request: Received, code: int, message: str, data: Any = None, *, status: int = 200) -> Reply:
    """A JSON-RPC error answer echoing the request's id."""
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    body = json.dumps({"jsonrpc": "2.0", "error": err, "id": request.id}).encode()
    return Reply(status=status, body=body)


Handler = Callable[[Received], Reply]


class StubServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 that answers POSTs with ``handler`` (HTTPS with ``tls``)."""

    def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.received: list[Received] = []
        self._lock = threading.Lock()
        stub = self

        class _RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True
            timeout = 10

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                try:
                    envelope = json.loads(body)
                except ValueError:
                    envelope = {}
                if not isinstance(envelope, dict):
                    envelope = {}
                request = Received(
                    method=envelope.get("method"),
                    params=envelope.get("params"),
                    id=envelope.get("id"),
                    headers=dict(self.headers.items()),
                    body=body,
                    path=self.path,
                )
                with stub._lock:
                    stub.received.append(request)
                reply = stub.handler(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class _Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # clients closing keep-alive connections are expected

        self._server = _Server(("127.0.0.1", 0), _RequestHandler)
        if tls is not None:  # handshakes happen in accept(); a failed one is dropped silently
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}/v1/"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    def methods(self) -> list[str | None]:
        """The JSON-RPC methods received so far, in order."""
        with self._lock:
            return [r.method for r in self.received]

    def count(self, method: str) -> int:
        """How many requests for ``method`` were received."""
        return self.methods().count(method)

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class FakeApi:
    """A minimal mailbox.org API: ``auth`` issues Auth-IDs full of ``;%)&.``, 253 for unknown ones.

    ``hello.world`` is anonymous, ``hello.innerworld`` needs a session, ``deauth`` ends it, and any
    other method answers ``{"method": ..., "params": ...}`` when the session is valid. ``expire()``
    invalidates every session. ``override`` may answer a request first (return None to fall through).
    """

    def __init__(self, users: dict[str, str] | None = None, level: str = "account") -> None:
        self.users = users if users is not None else {"acme": "acme-pass"}
        self.level = level
        self.sessions: set[str] = set()
        self.logins = 0
        self.calls: Counter[str] = Counter()
        self.override: Callable[[Received], Reply | None] | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def expire(self) -> None:
        with self._lock:
            self.sessions.clear()

    def __call__(self, request: Received) -> Reply:
        method = request.method or ""
        with self._lock:
            self.calls[method] += 1
        if self.override is not None:
            reply = self.override(request)
            if reply is not None:
                return reply
        params = request.params if isinstance(request.params, dict) else {}
        if method == "auth":
            if self.users.get(params.get("user", "")) != params.get("pass"):
                return error(request, 2, "Access denied")
            with self._lock:
                auth_id = f"LV;N%5TD7)64y&JOpK{next(self._ids)}.38138624"
                self.sessions.add(auth_id)
                self.logins += 1
            return ok(request, {"session": auth_id, "level": self.level})
        if method == "hello.world":
            return ok(request, "Hello World!")
        with self._lock:
            valid = request.auth_id in self.sessions
        if not valid:
            return error(request, 253, "This Auth-ID is invalid")
        if method == "deauth":
            with self._lock:
                self.sessions.discard(request.auth_id or "")
            return ok(request, True)
        if method == "hello.innerworld":
            return ok(request, "Hello Inner-World!")
        return ok(request, {"method": method, "params": request.params})
