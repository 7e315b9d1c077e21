"""``read_timeout`` (``mailboxorg:requestTimeout``) bounds one whole answer, not one socket read.

A raw TCP server on 127.0.0.1 answers ``auth`` at once and trickles every other answer, one byte at a
time, each byte well within the socket timeout. The old client waited for the whole trickle (one
call with a 1 s timeout took as long as the server liked); now each attempt is cut off at the
deadline and treated like any timeout: a read is retried, a change raises with ``sent=True``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest

import pulumi_mailboxorg.client as client_module
from pulumi_mailboxorg.client import MailboxOrgClient
from pulumi_mailboxorg.errors import RequestTimeoutError

#: Seconds between two trickled bytes: far below the 1 s timeout of each socket read.
BYTE_EVERY = 0.05
#: The whole trickled answer would take this long (longer than any deadline used here).
TRICKLE_FOR = 15.0


class TricklingServer:
    """HTTP/1.1 on 127.0.0.1 that answers ``auth`` promptly and trickles the rest (``where``)."""

    def __init__(self, where: str) -> None:
        self.where = where  # "status": from the first byte of the status line; "body": after the headers
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._stop = threading.Event()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1/"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> TricklingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(TRICKLE_FOR + 5)
            reader = conn.makefile("rb")
            try:
                while not self._stop.is_set():
                    length = 0
                    line = reader.readline()
                    if not line:
                        return
                    while line not in (b"\r\n", b"\n", b""):
                        name, _, value = line.decode("latin-1").partition(":")
                        if name.lower() == "content-length":
                            length = int(value)
                        line = reader.readline()
                    envelope = json.loads(reader.read(length))
                    method = envelope["method"]
                    with self._lock:
                        self.calls[method] += 1
                    result = {"session": "a" * 32, "level": "reseller"} if method == "auth" else {}
                    body = json.dumps({"jsonrpc": "2.0", "id": envelope["id"], "result": result}).encode()
                    if method != "auth":
                        body += b" " * int(TRICKLE_FOR / BYTE_EVERY)  # JSON allows trailing white space
                    head = (
                        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n"
                    ).encode()
                    if method == "auth":
                        conn.sendall(head + body)
                    elif self.where == "status":
                        self._trickle(conn, head + body)
                    else:
                        conn.sendall(head)
                        self._trickle(conn, body)
            except (OSError, ValueError):
                return

    def _trickle(self, conn: socket.socket, data: bytes) -> None:
        for index in range(len(data)):
            if self._stop.is_set():
                return
            conn.sendall(data[index : index + 1])
            time.sleep(BYTE_EVERY)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(client_module, "_sleep", recorded.append)
    return recorded


@pytest.fixture(params=["status", "body"])
def server(request: pytest.FixtureRequest) -> Iterator[TricklingServer]:
    with TricklingServer(request.param) as stub:
        yield stub


@pytest.mark.slow
def test_a_trickled_answer_to_a_read_is_cut_off_at_the_deadline_and_retried(
    server: TricklingServer, sleeps: list[float]
) -> None:
    with MailboxOrgClient(server.url, "acme", "acme-pass", read_timeout=1.0, max_retries=2) as client:
        client.login()
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError) as caught:
            client.call("domain.list", {"account": "acme"})
        elapsed = time.monotonic() - started
    assert elapsed < 3 * 4.0  # three attempts of 1 s each (generously bounded), not 3 x 15 s
    assert server.calls["domain.list"] == 3
    assert len(sleeps) == 2
    assert caught.value.sent is True
    assert "within 1 s" in str(caught.value)


@pytest.mark.slow
def test_a_trickled_answer_to_a_change_is_cut_off_once_and_asks_the_caller_to_read_back(
    server: TricklingServer, sleeps: list[float]
) -> None:
    with MailboxOrgClient(server.url, "acme", "acme-pass", read_timeout=1.0, max_retries=2) as client:
        client.login()
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError) as caught:
            client.call("domain.add", {"account": "acme", "domain": "example.com"})
        elapsed = time.monotonic() - started
    assert elapsed < 4.0
    assert server.calls["domain.add"] == 1
    assert sleeps == []
    assert caught.value.sent is True
    assert "read the object back" in str(caught.value)


@pytest.mark.slow
def test_the_client_is_usable_again_after_a_cut_off_answer(server: TricklingServer) -> None:
    with MailboxOrgClient(server.url, "acme", "acme-pass", read_timeout=1.0, max_retries=0) as client:
        client.login()
        with pytest.raises(RequestTimeoutError):
            client.call("domain.list", {"account": "acme"})
        with pytest.raises(RequestTimeoutError):
            client.call("domain.list", {"account": "acme"})
    assert server.calls["domain.list"] == 2
