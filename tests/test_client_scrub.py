"""Every text a server sends is scrubbed of the call's secrets before it reaches a message.

A raw TCP server on 127.0.0.1 answers with status lines, reason phrases and redirect targets that
echo the request's password, Auth-ID or secret parameters. Before, only JSON-RPC error texts were
scrubbed: a reason phrase or a broken status line put the password into the error message.
"""

from __future__ import annotations

import json
import socket
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import pulumi_mailboxorg.client as client_module
from pulumi_mailboxorg.client import MailboxOrgClient
from pulumi_mailboxorg.errors import ConnectionFailedError, HTTPStatusError, TransportError

PASSWORD = "Sentinel-Pa55word-7f3a"
AUTH_ID = "Auth-1D-0f-the-5ess10n-9c1e"
SECRET_PARAM = "Mailbox-Secret-42xy"

#: Given the request's JSON-RPC method, params and Auth-ID header: the raw answer to send.
Respond = Callable[[str, dict[str, Any], str], bytes]


class RawServer:
    """HTTP/1.1 on 127.0.0.1 whose answers are raw bytes from ``respond`` (``auth`` answered normally)."""

    def __init__(self, respond: Respond) -> None:
        self.respond = respond
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1/"
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self._sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            reader = conn.makefile("rb")
            try:
                while True:
                    headers: dict[str, str] = {}
                    line = reader.readline()
                    if not line:
                        return
                    while (line := reader.readline()) not in (b"\r\n", b""):
                        name, _, value = line.decode("latin-1").partition(":")
                        headers[name.strip().lower()] = value.strip()
                    envelope = json.loads(reader.read(int(headers.get("content-length", "0"))))
                    method, params = envelope["method"], envelope.get("params") or {}
                    if method == "auth":
                        result = {"session": AUTH_ID, "level": "account"}
                        body = json.dumps({"jsonrpc": "2.0", "id": envelope["id"], "result": result})
                        answer = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()
                    else:
                        answer = self.respond(method, params, headers.get("hpls-auth", ""))
                    conn.sendall(answer)
            except (OSError, ValueError):
                return


@pytest.fixture(autouse=True)
def no_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "_sleep", lambda seconds: None)


@pytest.fixture
def serve() -> Iterator[Callable[[Respond], RawServer]]:
    servers: list[RawServer] = []

    def start(respond: Respond) -> RawServer:
        servers.append(RawServer(respond))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def status(line: str, body: bytes = b"") -> bytes:
    return f"{line}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode("latin-1") + body


def assert_clean(error: BaseException) -> None:
    shown = str(error) + "".join(traceback.format_exception(error))
    for secret in (PASSWORD, AUTH_ID, SECRET_PARAM):
        assert secret not in shown
        assert secret[:8] not in shown  # not even a cut-off start of one


def call(server: RawServer, method: str, params: dict[str, Any]) -> TransportError:
    with MailboxOrgClient(server.url, "acme", PASSWORD, max_retries=1, read_timeout=5) as client:
        with pytest.raises(TransportError) as caught:
            client.call(method, params)
        return caught.value


@pytest.mark.parametrize("code", [500, 503])
def test_a_reason_phrase_echoing_the_password_and_the_auth_id_is_scrubbed(
    serve: Callable[[Respond], RawServer], code: int
) -> None:
    server = serve(lambda method, params, auth: status(f"HTTP/1.1 {code} bad {auth} for pass={PASSWORD}"))
    error = call(server, "domain.list", {"account": "acme"})
    assert isinstance(error, HTTPStatusError)
    assert error.status_code == code
    assert "<redacted>" in str(error)
    assert_clean(error)


def test_a_reason_phrase_echoing_a_secret_param_is_scrubbed(serve: Callable[[Respond], RawServer]) -> None:
    server = serve(lambda method, params, auth: status(f"HTTP/1.1 400 {params.get('password')}"))
    error = call(server, "mail.set", {"mail": "a@example.com", "password": SECRET_PARAM})
    assert isinstance(error, HTTPStatusError)
    assert_clean(error)


def test_a_broken_status_line_echoing_the_request_is_scrubbed(serve: Callable[[Respond], RawServer]) -> None:
    padding = "x" * 180  # the secret would straddle the 200-character cut of the detail
    server = serve(lambda method, params, auth: status(f"XTTP/9.9 {padding}{auth}{PASSWORD}"))
    error = call(server, "domain.list", {"account": "acme"})
    assert isinstance(error, ConnectionFailedError)
    assert_clean(error)


def test_a_redirect_target_echoing_the_auth_id_is_scrubbed(serve: Callable[[Respond], RawServer]) -> None:
    server = serve(
        lambda method, params, auth: status(f"HTTP/1.1 302 Found\r\nLocation: https://evil.example/{auth}/")
    )
    error = call(server, "domain.list", {"account": "acme"})
    assert isinstance(error, HTTPStatusError)
    assert "evil.example" in str(error)
    assert_clean(error)


def test_a_reason_phrase_with_control_characters_is_quoted(serve: Callable[[Respond], RawServer]) -> None:
    server = serve(lambda method, params, auth: status("HTTP/1.1 500 bad\x1b[2Jinfo: forged"))
    error = call(server, "domain.list", {"account": "acme"})
    assert "\x1b" not in str(error)
