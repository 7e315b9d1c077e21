"""A deadline for one whole HTTP exchange: connect, send, status line, headers and body.

Socket timeouts bound each single wait for data, so a server (or a middlebox) that trickles its answer,
one byte just within every timeout, holds a call for as long as it likes. :class:`DeadlineAdapter`
mounts connection classes that report their socket to the exchange running on the current thread;
:func:`exchange_deadline` arms a shared watchdog thread that shuts that socket down once the exchange's
time is up. The blocked read then returns at once, requests raises, and the caller sees
:meth:`Exchange.expired` and treats the failure as a timeout.

Transport only: this module knows nothing of JSON-RPC, the mailbox.org API or Pulumi.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from contextlib import AbstractContextManager
from typing import Any

import requests.adapters
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["DeadlineAdapter", "Exchange", "exchange_deadline"]


class Exchange:
    """One HTTP exchange under a deadline; the connection classes bind their socket to it."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._expired = False
        self._finished = False

    @property
    def expired(self) -> bool:
        """Whether the deadline passed while the exchange was still running."""
        return self._expired

    def bind(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if self._finished:
                return
            self._sock = sock
            late = self._expired
        if late:
            _shutdown(sock)

    def finish(self) -> None:
        """The answer is complete: from now on the deadline must not touch the socket, which goes back
        to the pool (call this before releasing the connection)."""
        with self._lock:
            self._finished = True
            self._sock = None

    def expire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self._expired = True
            sock = self._sock
        if sock is not None:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed or never connected
        sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread that expires exchanges at their deadlines (started on first use).

    Cheap on the hot path: arming pushes onto a heap and wakes the thread only when the new deadline
    is the earliest; disarming only marks the ticket. The thread sleeps until the earliest deadline
    (plus a little slack, so that one wake-up handles all that are due) and then drops every
    finished exchange in front of the first running one.
    """

    _SLACK = 0.05

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Exchange]] = []
        self._cancelled: set[int] = set()
        self._live: set[int] = set()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, exchange: Exchange) -> int:
        with self._cond:
            ticket = next(self._ids)
            heapq.heappush(self._heap, (exchange.deadline, ticket, exchange))
            self._live.add(ticket)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="mailboxorg-deadline", daemon=True)
                self._thread.start()
            if self._heap[0][1] == ticket:  # a new earliest deadline: the thread must wake sooner
                self._cond.notify()
            return ticket

    def disarm(self, ticket: int) -> None:
        with self._cond:
            if ticket in self._live:
                self._live.discard(ticket)
                self._cancelled.add(ticket)

    def _run(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                due: list[Exchange] = []
                while self._heap and (self._heap[0][0] <= now or self._heap[0][1] in self._cancelled):
                    _, ticket, exchange = heapq.heappop(self._heap)
                    if ticket in self._cancelled:
                        self._cancelled.discard(ticket)
                    else:
                        self._live.discard(ticket)
                        due.append(exchange)
                if not due:
                    if self._heap:
                        self._cond.wait(self._heap[0][0] - now + self._SLACK)
                    else:
                        self._cond.wait()
                    continue
            for exchange in due:
                exchange.expire()


_watchdog = _Watchdog()
_current = threading.local()


class _Armed:
    """The ``with`` block of :func:`exchange_deadline` (a plain class: entered on every request,
    where a generator-based context manager costs several times as much)."""

    __slots__ = ("_exchange", "_previous", "_seconds", "_ticket")

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds

    def __enter__(self) -> Exchange:
        exchange = self._exchange = Exchange(time.monotonic() + self._seconds)
        self._ticket = _watchdog.arm(exchange)
        self._previous = getattr(_current, "exchange", None)
        _current.exchange = exchange
        return exchange

    def __exit__(self, *exc_info: object) -> None:
        self._exchange.finish()
        _current.exchange = self._previous
        _watchdog.disarm(self._ticket)


def exchange_deadline(seconds: float) -> AbstractContextManager[Exchange]:
    """Run the HTTP exchange inside the ``with`` block (on this thread) under a deadline."""
    return _Armed(seconds)


def _bind(sock: Any) -> None:
    exchange: Exchange | None = getattr(_current, "exchange", None)
    if exchange is not None and isinstance(sock, socket.socket):
        exchange.bind(sock)


class _DeadlineHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _bind(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _bind(self.sock)  # a kept-alive connection already has its socket
        super().request(*args, **kwargs)


class _DeadlineHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _bind(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _bind(self.sock)
        super().request(*args, **kwargs)


class _DeadlineHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


_POOLS: dict[str, type[HTTPConnectionPool]] = {
    "http": _DeadlineHTTPConnectionPool,
    "https": _DeadlineHTTPSConnectionPool,
}


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """An HTTPAdapter whose connections (direct or through a proxy) honour :func:`exchange_deadline`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            # A SOCKS manager has pool classes of its own (which open the SOCKS connection): they
            # are kept, and there only the per-read timeouts apply.
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager
