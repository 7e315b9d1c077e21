"""HTTP transport and JSON-RPC 2.0 envelope of the emulator.

:class:`ApiServer` serves ``POST /v1/`` on a :class:`http.server.ThreadingHTTPServer` (one thread
per connection, HTTP/1.1 keep-alive), so concurrent requests and injected latency never serialise.
For each request it: reads the body; waits the configured latency; parses the envelope; counts the
call; runs a staged race (another party's call of the same method, see :meth:`ApiServer.race`);
applies a fault (see :mod:`.faults`); hands the call to :meth:`EmulatorState.dispatch`;
answers ``{"jsonrpc": "2.0", "result" | "error": ..., "id": <the request's id>}`` with HTTP 200.

Envelope rules (reference §1.2 and guesses): ``params`` may be an object, ``""``, ``[]``, ``null``
or missing; any ``id`` is echoed unchanged (``null`` when absent); a body that is not JSON, or
that nests arrays and objects deeper than :data:`MAX_JSON_DEPTH`, gets ``parse_error``; a batch
array, a ``jsonrpc`` other than ``"2.0"`` or a non-string ``method`` gets ``invalid_request``.
Other paths get 404, other HTTP methods 405. The Auth-ID is read from the ``HPLS-AUTH`` header
(any case) and never logged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import struct
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, cast
from urllib.parse import urlsplit

from .faults import FaultKind, FaultPlan, malformed_body, reshaped_result
from .state import EmulatorState, RpcError

__all__ = ["API_PATH", "ApiServer"]

API_PATH: Final = "/v1/"
MAX_BODY_BYTES: Final = 1 << 20
#: Deepest nesting of arrays and objects a request body may have (PHP's json_decode default, 512).
MAX_JSON_DEPTH: Final = 512

logger = logging.getLogger("pulumi_mailboxorg.emulator")


class _Abort(Exception):
    """Raised inside a handler to close the connection without writing an answer."""


@dataclass(frozen=True)
class _Race:
    method: str
    login: str
    overrides: dict[str, Any]
    lose_answer: bool


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], app: ApiServer) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self._connections: set[socket.socket] = set()
        self._resets: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
            reset = request in self._resets
            self._resets.discard(request)
        if reset:
            self.close_request(request)  # no FIN first: with SO_LINGER 0 the close sends RST
        else:
            super().shutdown_request(request)

    def mark_reset(self, request: socket.socket) -> None:
        request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._connections_lock:
            self._resets.add(request)

    def close_connections(self) -> None:
        """Wake every handler thread blocked on a keep-alive connection, so it ends."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("error while handling a request", exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mailboxorg-emulator"
    sys_version = ""
    timeout = 120  # idle keep-alive connections end after this many seconds
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stalls

    @property
    def app(self) -> ApiServer:
        return cast(_HttpServer, self.server).app

    def handle(self) -> None:
        try:
            super().handle()
        except (_Abort, ConnectionError, TimeoutError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    # ------------------------------------------------------------------ plain HTTP answers

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_text(self, status: HTTPStatus, headers: dict[str, str] | None = None) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self._send(status.value, body, "text/plain; charset=utf-8", headers)

    def _send_json(self, envelope: dict[str, Any]) -> None:
        self._send(HTTPStatus.OK.value, json.dumps(envelope).encode(), "application/json; charset=utf-8")

    def do_GET(self) -> None:
        self._not_allowed()

    def do_PUT(self) -> None:
        self._not_allowed()

    def do_DELETE(self) -> None:
        self._not_allowed()

    def do_PATCH(self) -> None:
        self._not_allowed()

    def _not_allowed(self) -> None:
        self._discard_body()
        if urlsplit(self.path).path != API_PATH:
            self._send_text(HTTPStatus.NOT_FOUND)
        else:
            self._send_text(HTTPStatus.METHOD_NOT_ALLOWED, {"Allow": "POST"})

    def _discard_body(self) -> None:
        length = self.headers.get("Content-Length")
        if length and length.isdigit() and int(length) <= MAX_BODY_BYTES:
            self.rfile.read(int(length))
        elif length:
            self.close_connection = True

    # ------------------------------------------------------------------ JSON-RPC

    def do_POST(self) -> None:
        body = self._read_body()
        if body is None:
            return
        app = self.app
        app.pause(app.latency_ms / 1000.0)
        parsed = self._parse_envelope(body)
        if parsed is None:
            return
        request, method = parsed
        request_id = request.get("id")
        auth_id = self.headers.get("HPLS-AUTH")

        params = request.get("params")
        race = app.pick_race(method)
        if race is not None:
            app.run_race(race, params if isinstance(params, dict) else {})
        fault = app.faults.pick(method)
        if fault is not None:
            logger.debug("fault %s for %s", fault, method)
        if fault == "reset":
            cast(_HttpServer, self.server).mark_reset(self.connection)
            raise _Abort
        if fault in ("http5xx", "ratelimit", "malformed"):
            self._answer_unprocessed(fault, request_id)
            return
        if fault in ("false", "reshape"):
            result = False if fault == "false" else reshaped_result(method, params)
            self._send_json({"jsonrpc": "2.0", "result": result, "id": request_id})
            return
        if fault == "expire":
            app.state.expire_session(auth_id)

        app.record_call(method, params if isinstance(params, dict) else {})
        envelope = self._process(method, request, request_id, auth_id)
        if fault == "drop" or (race is not None and race.lose_answer):
            raise _Abort
        if fault == "slow":
            app.pause(app.slow_seconds)
        self._send_json(envelope)

    def _read_body(self) -> bytes | None:
        """The request body of a POST to the endpoint; None when an HTTP error was answered."""
        if urlsplit(self.path).path != API_PATH:
            self._discard_body()
            self._send_text(HTTPStatus.NOT_FOUND)
            return None
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or length is None or not length.isdigit():
            self.close_connection = True
            self._send_text(HTTPStatus.LENGTH_REQUIRED)
            return None
        if int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            self._send_text(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return None
        return self.rfile.read(int(length))

    def _parse_envelope(self, body: bytes) -> tuple[dict[str, Any], str] | None:
        """The request object and its method, counted; None when an envelope error was answered."""
        try:
            request = json.loads(body)
        except (ValueError, RecursionError):  # ValueError includes UnicodeDecodeError
            request = _TOO_DEEP
        if request is _TOO_DEEP or _nesting_depth(request) > MAX_JSON_DEPTH:
            self._send_json(_error(RpcError.guess("parse_error"), None))
            return None
        if not isinstance(request, dict):
            error = RpcError.guess("invalid_request", "send one JSON-RPC request object")
            self._send_json(_error(error, None))
            return None
        method = request.get("method")
        if not isinstance(method, str):
            error = RpcError.guess("invalid_request", "'method' must be a string")
            self._send_json(_error(error, request.get("id")))
            return None
        self.app.count_call(method)
        if request.get("jsonrpc") != "2.0":
            error = RpcError.guess("invalid_request", "'jsonrpc' must be \"2.0\"")
            self._send_json(_error(error, request.get("id")))
            return None
        return request, method

    def _answer_unprocessed(self, fault: FaultKind, request_id: Any) -> None:
        if fault == "http5xx":
            self._send_text(HTTPStatus.SERVICE_UNAVAILABLE)
        elif fault == "ratelimit":
            self._send_text(HTTPStatus.TOO_MANY_REQUESTS, {"Retry-After": "1"})
        else:
            body, content_type = malformed_body(self.app.faults.next_malformed_variant(), request_id)
            self._send(HTTPStatus.OK.value, body, content_type)

    def _process(
        self, method: str, request: dict[str, Any], request_id: Any, auth_id: str | None
    ) -> dict[str, Any]:
        try:
            params = _params_of(request)
            result = self.app.state.dispatch(method, params, auth_id)
        except RpcError as error:
            return _error(error, request_id)
        except Exception:
            logger.exception("internal error in %s", method)
            return _error(RpcError.guess("internal_error"), request_id)
        return {"jsonrpc": "2.0", "result": result, "id": request_id}


_TOO_DEEP: Final = object()


def _nesting_depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (0 for a scalar); iterative, never recursive."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def _error(error: RpcError, request_id: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": error.to_json(), "id": request_id}


def _params_of(request: dict[str, Any]) -> dict[str, Any]:
    """The named parameters: an object, or nothing given as ``""``, ``[]``, ``null`` or missing."""
    params = request.get("params")
    if params is None or params == "" or params == []:
        return {}
    if isinstance(params, dict):
        return params
    raise RpcError.guess("invalid_params", "'params' must be an object of named parameters")


class ApiServer:
    """The emulator's JSON-RPC endpoint over HTTP, bound to ``host``:``port`` (0 = a free port).

    ``latency_ms`` is waited before every request is processed; ``slow_seconds`` is how long a
    ``slow`` fault holds the answer back. Both waits end at once when the server stops.
    """

    def __init__(
        self,
        state: EmulatorState,
        faults: FaultPlan,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0.0,
        slow_seconds: float = 30.0,
    ) -> None:
        self.state = state
        self.faults = faults
        self.latency_ms = latency_ms
        self.slow_seconds = slow_seconds
        self._address = (host, port)
        self._stopping = threading.Event()
        self._calls: Counter[str] = Counter()
        self._calls_lock = threading.Lock()
        self._journal: list[tuple[str, dict[str, Any]]] = []
        self._races: list[_Race] = []
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def latency_ms(self) -> float:
        """Milliseconds waited before each request is processed."""
        return self._latency_ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        if value < 0:
            raise ValueError("latency must not be negative")
        self._latency_ms = float(value)

    def start(self) -> None:
        """Bind and serve in a background thread."""
        if self._httpd is not None:
            raise RuntimeError("the API server is already running")
        self._stopping.clear()
        self._httpd = _HttpServer(self._address, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="mailboxorg-emulator-http",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, end pending waits, close every connection."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return self._address[0]

    @property
    def port(self) -> int:
        """The bound port (known after :meth:`start`)."""
        if self._httpd is None:
            raise RuntimeError("the API server is not running")
        return int(self._httpd.server_address[1])

    @property
    def endpoint(self) -> str:
        """``http://HOST:PORT/v1/`` (IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{API_PATH}"

    def pause(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the server stops meanwhile."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def count_call(self, method: str) -> None:
        """Count one received call of ``method``."""
        with self._calls_lock:
            self._calls[method] += 1

    def record_call(self, method: str, params: dict[str, Any]) -> None:
        """Journal one call that reached processing (after faults that answer without processing)."""
        with self._calls_lock:
            # A JSON round trip copies as deeply as copy.deepcopy without Python recursion per level.
            self._journal.append((method, json.loads(json.dumps(params))))

    @property
    def calls(self) -> Counter[str]:
        """A copy of the per-method call counter."""
        with self._calls_lock:
            return Counter(self._calls)

    @property
    def journal(self) -> list[tuple[str, dict[str, Any]]]:
        """A copy of the (method, params) of every call that reached processing, in order."""
        with self._calls_lock:
            return list(self._journal)

    def race(
        self, method: str, login: str, overrides: Mapping[str, Any] | None = None, *, lose_answer: bool = True
    ) -> None:
        """Queue a race: the next call of ``method`` is preceded by ``login``'s (see :meth:`run_race`)."""
        with self._calls_lock:
            self._races.append(_Race(method, login, dict(overrides or {}), lose_answer))

    def pick_race(self, method: str) -> _Race | None:
        """Take the first queued race for ``method``, or None."""
        with self._calls_lock:
            for index, race in enumerate(self._races):
                if race.method == method:
                    return self._races.pop(index)
            return None

    @property
    def pending_races(self) -> int:
        """Number of queued races not yet run."""
        with self._calls_lock:
            return len(self._races)

    def run_race(self, race: _Race, params: Mapping[str, Any]) -> None:
        """The other party's call: ``race.login`` runs the method with ``params`` merged with the overrides.

        It runs without a session and is neither counted nor journaled; its error, if any, is ignored.
        """
        try:
            self.state.call_as(race.login, race.method, {**params, **race.overrides})
        except RpcError as error:
            logger.debug("the racing %s by %s failed: %s", race.method, race.login, error)
        except ValueError:
            logger.debug("the racing login %s no longer exists", race.login)

    def reset_calls(self) -> None:
        """Set every call count back to zero and empty the journal."""
        with self._calls_lock:
            self._calls.clear()
            self._journal.clear()
