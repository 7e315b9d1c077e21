"""The client's retry policy under transport faults.

First against the scripted server (every fault shape, exact attempt counts, the delays asked of the
sleeper), then against the emulator's injected faults (``emu.inject``), counting on the emulator's
side how often each method arrived.

Policy under test: a read-only method is retried on transient failures; a mutating one is not
(it raises with ``sent=True`` and tells the caller to read back), unless the request certainly
never arrived (connection refused, HTTP 429); 429 waits for Retry-After.
"""

from __future__ import annotations

import contextlib
import email.utils
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import pulumi_mailboxorg.client as client_module
from client_stub import FakeApi, Received, Reply, StubServer, ok
from pulumi_mailboxorg.client import MAX_RETRY_AFTER, MailboxOrgClient
from pulumi_mailboxorg.config import name_settings
from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.errors import (
    ConnectionFailedError,
    HTTPStatusError,
    InvalidResponseError,
    RateLimitedError,
    RequestTimeoutError,
    TransportError,
)

# Fixtures ----------------------------------------------------------------------------------------


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the client's retry delays instead of waiting them out."""
    recorded: list[float] = []
    monkeypatch.setattr(client_module, "_sleep", recorded.append)
    return recorded


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def server(api: FakeApi) -> Iterator[StubServer]:
    with StubServer(api) as stub:
        yield stub


@pytest.fixture
def client(server: StubServer, sleeps: list[float]) -> Iterator[MailboxOrgClient]:
    with MailboxOrgClient(server.url, "acme", "acme-pass", max_retries=3, read_timeout=0.5) as c:
        c.login()
        yield c


def fail_first(
    method: str, reply: Callable[[Received], Reply], times: int = 1
) -> Callable[[Received], Reply | None]:
    """An override that answers the first ``times`` requests for ``method`` with ``reply``."""
    remaining = [times]

    def override(request: Received) -> Reply | None:
        if request.method == method and remaining[0] > 0:
            remaining[0] -= 1
            return reply(request)
        return None

    return override


def not_json(_: Received) -> Reply:
    return Reply(body=b"<html>oops</html>")


def wrong_id(request: Received) -> Reply:
    return Reply(body=b'{"jsonrpc": "2.0", "result": 1, "id": "not-yours"}')


def truncated(request: Received) -> Reply:
    body = ok(request, "x" * 100).body
    return Reply(body=body[:20], headers={"Content-Length": str(len(body))}, drop=False)


FAULTS: dict[str, tuple[Callable[[Received], Reply], type[TransportError]]] = {
    "dropped connection": (lambda r: Reply(drop=True), ConnectionFailedError),
    "HTTP 502": (lambda r: Reply(status=502), HTTPStatusError),
    "HTTP 503": (lambda r: Reply(status=503), HTTPStatusError),
    "HTTP 504": (lambda r: Reply(status=504), HTTPStatusError),
    "body not JSON": (not_json, InvalidResponseError),
    "wrong response id": (wrong_id, InvalidResponseError),
    "read timeout": (lambda r: Reply(delay=1.5, body=ok(r, "late").body), RequestTimeoutError),
}


# Read-only methods are retried ------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS)
def test_a_read_only_call_is_retried_after_a_transient_fault_and_succeeds(
    fault: str, client: MailboxOrgClient, api: FakeApi, server: StubServer, sleeps: list[float]
) -> None:
    api.override = fail_first("domain.get", FAULTS[fault][0])
    result = client.call("domain.get", {"domain": "example.com"})
    assert result["method"] == "domain.get"
    assert api.calls["domain.get"] == 2
    assert len(sleeps) == 1
    assert client.stats.retries == 1


def test_a_read_only_call_gives_up_after_max_retries_with_the_last_error(
    client: MailboxOrgClient, api: FakeApi, sleeps: list[float]
) -> None:
    api.override = fail_first("mail.list", lambda r: Reply(status=503), times=100)
    with pytest.raises(HTTPStatusError) as caught:
        client.call("mail.list", {"domain": "example.com"})
    assert caught.value.status_code == 503
    assert api.calls["mail.list"] == 4  # the first attempt and max_retries=3 retries
    assert len(sleeps) == 3


def test_retry_delays_grow_exponentially_up_to_the_cap(
    server: StubServer, api: FakeApi, sleeps: list[float]
) -> None:
    api.override = fail_first("hello.world", lambda r: Reply(status=502), times=100)
    client = MailboxOrgClient(server.url, max_retries=5, backoff_base=1.0, backoff_max=4.0)
    with client, pytest.raises(HTTPStatusError):
        client.call("hello.world")
    ceilings = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert len(sleeps) == len(ceilings)
    assert all(c / 2 <= s <= c for s, c in zip(sleeps, ceilings, strict=True))


def test_a_truncated_body_of_a_read_only_call_is_retried(client: MailboxOrgClient, api: FakeApi) -> None:
    api.override = fail_first("domain.list", truncated)
    assert client.call("domain.list", {"account": "acme"})["method"] == "domain.list"
    assert api.calls["domain.list"] == 2


def test_an_http_500_without_a_json_rpc_body_is_not_retried(
    client: MailboxOrgClient, api: FakeApi, sleeps: list[float]
) -> None:
    api.override = fail_first("domain.get", lambda r: Reply(status=500, body=b"Internal Server Error"))
    with pytest.raises(HTTPStatusError) as caught:
        client.call("domain.get", {"domain": "example.com"})
    assert caught.value.status_code == 500
    assert api.calls["domain.get"] == 1
    assert sleeps == []


def test_an_oversized_body_is_an_invalid_response(
    client: MailboxOrgClient, api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "MAX_RESPONSE_BYTES", 1000)
    api.override = lambda r: ok(r, "x" * 5000) if r.method == "mail.list" else None
    with pytest.raises(InvalidResponseError, match="exceeds"):
        client.call("mail.list", {"domain": "example.com"})
    assert api.calls["mail.list"] == 1


# Mutating methods are not re-sent blindly ----------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS)
def test_a_mutating_call_whose_answer_is_lost_is_not_resent_and_says_how_to_confirm(
    fault: str, client: MailboxOrgClient, api: FakeApi, sleeps: list[float]
) -> None:
    reply, expected = FAULTS[fault]
    api.override = fail_first("mail.add", reply)
    with pytest.raises(TransportError) as caught:
        client.call("mail.add", {"mail": "a@example.com", "password": "x", "plan": "light"})
    assert type(caught.value) is expected
    assert caught.value.sent is True
    assert caught.value.method == "mail.add"
    assert "read the object back" in str(caught.value)
    assert api.calls["mail.add"] == 1
    assert sleeps == []


def test_a_mutating_call_is_retried_when_the_connection_was_refused(sleeps: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on `port` now: the request can never have been sent.
    with MailboxOrgClient(f"http://127.0.0.1:{port}/v1/", max_retries=2) as client:
        with pytest.raises(ConnectionFailedError) as caught:
            # mail.register is anonymous and mutating: no login attempt gets in the way.
            client.call("mail.register", {"token": "t", "mail": "a@example.com", "password": "x"})
        assert client.stats.calls == 3
    assert caught.value.sent is False
    assert "cannot connect" in str(caught.value)
    assert "read the object back" not in str(caught.value)
    assert len(sleeps) == 2


# HTTP 429 -----------------------------------------------------------------------------------------


def rate_limited(retry_after: str | None) -> Callable[[Received], Reply]:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return lambda r: Reply(status=429, headers=headers)


def test_a_mutating_call_refused_with_429_is_retried_after_the_retry_after_delay(
    client: MailboxOrgClient, api: FakeApi, sleeps: list[float]
) -> None:
    api.override = fail_first("domain.set", rate_limited("2"))
    assert client.call("domain.set", {"domain": "example.com", "memo": "m"})["method"] == "domain.set"
    assert sleeps == [2.0]
    assert api.calls["domain.set"] == 2


def test_a_retry_after_http_date_is_honoured(
    client: MailboxOrgClient, api: FakeApi, sleeps: list[float]
) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    api.override = fail_first("domain.get", rate_limited(when))
    client.call("domain.get", {"domain": "example.com"})
    assert len(sleeps) == 1
    assert 25 <= sleeps[0] <= 31


def test_a_429_without_retry_after_waits_the_backoff_delay(
    client: MailboxOrgClient, api: FakeApi, sleeps: list[float]
) -> None:
    api.override = fail_first("mail.del", rate_limited(None))
    client.call("mail.del", {"mail": "a@example.com"})
    assert len(sleeps) == 1
    assert 0.25 <= sleeps[0] <= 0.5  # backoff_base 0.5, first retry


def test_a_retry_after_beyond_the_bound_is_raised_at_once_without_waiting(
    client: MailboxOrgClient, api: FakeApi, sleeps: list[float]
) -> None:
    api.override = fail_first("domain.add", rate_limited(str(int(MAX_RETRY_AFTER) + 1)))
    with pytest.raises(RateLimitedError) as caught:
        client.call("domain.add", {"account": "acme", "domain": "example.com"})
    assert caught.value.retry_after == MAX_RETRY_AFTER + 1
    assert caught.value.sent is False
    assert caught.value.status_code == 429
    assert caught.value.settings == ("rate_limit",)
    assert "mailboxorg:rateLimit" in str(name_settings(caught.value))
    assert sleeps == []
    assert api.calls["domain.add"] == 1


def test_persistent_429s_end_in_a_rate_limited_error_marked_not_sent(
    client: MailboxOrgClient, api: FakeApi, sleeps: list[float]
) -> None:
    api.override = fail_first("mail.set", rate_limited("1"), times=100)
    with pytest.raises(RateLimitedError) as caught:
        client.call("mail.set", {"mail": "a@example.com", "memo": "m"})
    assert caught.value.sent is False
    assert sleeps == [1.0, 1.0, 1.0]
    assert api.calls["mail.set"] == 4


# TLS ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(self_signed: tuple[Path, Path], api: FakeApi) -> Iterator[StubServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    with StubServer(api, tls=context) as stub:
        yield stub


def test_an_untrusted_certificate_is_refused_without_retrying(
    tls_server: StubServer, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with MailboxOrgClient(tls_server.url) as client:
        with pytest.raises(ConnectionFailedError, match="TLS") as caught:
            client.call("hello.world")
        assert client.stats.calls == 1
    assert caught.value.sent is False
    assert sleeps == []
    assert tls_server.received == []


def test_a_certificate_trusted_through_requests_ca_bundle_is_accepted(
    tls_server: StubServer, self_signed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(self_signed[0]))
    with MailboxOrgClient(tls_server.url) as client:
        assert client.call("hello.world") == "Hello World!"


def test_tls_verification_cannot_be_disabled_through_the_environment(
    tls_server: StubServer, monkeypatch: pytest.MonkeyPatch, sleeps: list[float]
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("CURL_CA_BUNDLE", "")
    with MailboxOrgClient(tls_server.url) as client, pytest.raises(ConnectionFailedError, match="TLS"):
        client.call("hello.world")


# Proxies from the environment -------------------------------------------------------------------

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubServer]:
    """A stand-in forward proxy on loopback (it answers itself), and an environment naming nothing else."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    with StubServer(FakeApi()) as stub:
        yield stub


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_an_http_loopback_endpoint_bypasses_the_proxy_even_without_no_proxy(
    server: StubServer, proxy: StubServer, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, f"http://127.0.0.1:{proxy.port}")
    with MailboxOrgClient(server.url, "acme", "acme-pass") as client:
        client.call("hello.innerworld")
    assert proxy.received == []  # the proxy never saw the password nor the Auth-ID in clear
    assert server.methods() == ["auth", "hello.innerworld", "deauth"]


class ConnectProxy:
    """A forward proxy on 127.0.0.1 that serves CONNECT tunnels and records their targets."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self._sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(conn,), daemon=True).start()

    def _tunnel(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        request = reader.readline().decode("latin-1").split()
        while reader.readline() not in (b"\r\n", b""):
            pass
        if len(request) < 2 or request[0] != "CONNECT":
            conn.close()
            return
        self.targets.append(request[1])
        host, _, port = request[1].rpartition(":")
        upstream = socket.create_connection((host, int(port)))
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pipe(source: socket.socket, sink: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                for side in (source, sink):
                    with contextlib.suppress(OSError):
                        side.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=pipe, args=(upstream, conn), daemon=True).start()
        pipe(conn, upstream)


def test_an_https_endpoint_goes_through_https_proxy_with_the_ca_bundle(
    tls_server: StubServer,
    self_signed: tuple[Path, Path],
    proxy: StubServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tunnel = ConnectProxy()
    try:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{tunnel.port}")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(self_signed[0]))
        with MailboxOrgClient(tls_server.url) as client:
            assert client.call("hello.world") == "Hello World!"
    finally:
        tunnel.close()
    assert tunnel.targets == [f"127.0.0.1:{tls_server.port}"]  # TLS inside the tunnel: end to end
    assert tls_server.methods() == ["hello.world"]


def test_no_proxy_naming_an_https_endpoint_bypasses_https_proxy(
    tls_server: StubServer,
    self_signed: tuple[Path, Path],
    proxy: StubServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tunnel = ConnectProxy()
    try:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{tunnel.port}")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(self_signed[0]))
        with MailboxOrgClient(tls_server.url) as client:
            assert client.call("hello.world") == "Hello World!"
    finally:
        tunnel.close()
    assert tunnel.targets == []
    assert tls_server.methods() == ["hello.world"]


def test_no_proxy_naming_the_endpoint_host_bypasses_the_proxy(
    server: StubServer, proxy: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    with MailboxOrgClient(server.url) as client:
        assert client.call("hello.world") == "Hello World!"
    assert proxy.received == []
    assert server.methods() == ["hello.world"]


def test_the_environment_is_read_once_when_the_client_is_created(
    server: StubServer, proxy: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with MailboxOrgClient(server.url) as client:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        client.call("hello.world")
    assert proxy.received == []
    assert server.methods() == ["hello.world"]


# Faults injected by the emulator -----------------------------------------------------------------

READ = ("account.get", {"account": "acme"})
WRITE = ("account.set", {"account": "acme", "memo": "written"})

LOST_ANSWER_FAULTS: dict[str, type[TransportError]] = {
    "drop": ConnectionFailedError,
    "reset": ConnectionFailedError,
    "http5xx": HTTPStatusError,
    "slow": RequestTimeoutError,
    "malformed": InvalidResponseError,
}


def kinds(*names: str) -> list[Any]:
    """Fault kinds as parameters; ``slow`` (an answer held past the client's 2 s timeout) is marked slow."""
    return [pytest.param(name, marks=pytest.mark.slow) if name == "slow" else name for name in names]


@pytest.fixture
def reseller(emulator: Emulator, sleeps: list[float]) -> Iterator[MailboxOrgClient]:
    # 2 s: long enough that a dropped or reset answer is seen as such even on a loaded machine with
    # four test workers (at 0.5 s it sometimes timed out first), far below the 30 s of a slow answer.
    with MailboxOrgClient(emulator.endpoint, "reseller", "reseller-pass", read_timeout=2.0) as client:
        client.login()
        emulator.reset_counters()
        yield client


def memo_of_acme(emulator: Emulator) -> str:
    return str(emulator.state.snapshot()["accounts"]["acme"].get("memo", ""))


@pytest.mark.parametrize("kind", kinds(*LOST_ANSWER_FAULTS, "expire", "ratelimit"))
def test_a_read_only_call_survives_each_injected_fault(
    kind: str, emulator: Emulator, reseller: MailboxOrgClient
) -> None:
    emulator.inject(kind, method=READ[0])
    assert reseller.call(*READ)["account"] == "acme"
    assert emulator.calls[READ[0]] == 2


@pytest.mark.parametrize("kind", kinds(*LOST_ANSWER_FAULTS))
def test_a_mutating_call_hit_by_an_injected_fault_is_not_resent(
    kind: str, emulator: Emulator, reseller: MailboxOrgClient, sleeps: list[float]
) -> None:
    emulator.inject(kind, method=WRITE[0])
    with pytest.raises(TransportError) as caught:
        reseller.call(*WRITE)
    assert type(caught.value) is LOST_ANSWER_FAULTS[kind]
    assert caught.value.sent is True
    assert emulator.calls[WRITE[0]] == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("kind", "applied"),
    [
        ("drop", True),
        pytest.param("slow", True, marks=pytest.mark.slow),
        ("reset", False),
        ("http5xx", False),
    ],
)
def test_the_outcome_of_a_mutating_call_with_a_lost_answer_is_confirmed_by_reading_back(
    kind: str, applied: bool, emulator: Emulator, reseller: MailboxOrgClient
) -> None:
    emulator.inject(kind, method=WRITE[0])
    with pytest.raises(TransportError) as caught:
        reseller.call(*WRITE)
    assert caught.value.sent is True
    seen = reseller.call(*READ).get("memo")
    assert (seen == "written") is applied
    if not applied:
        reseller.call(*WRITE)  # confirmed absent: now it is safe to send again
    assert memo_of_acme(emulator) == "written"


def test_a_mutating_call_whose_session_expired_is_repeated_after_exactly_one_relogin(
    emulator: Emulator, reseller: MailboxOrgClient
) -> None:
    emulator.inject("expire", method=WRITE[0])
    assert reseller.call(*WRITE)["memo"] == "written"
    assert emulator.logins == 1
    assert emulator.calls[WRITE[0]] == 2


@pytest.mark.parametrize("method_and_params", [READ, WRITE], ids=["read-only", "mutating"])
def test_a_rate_limited_call_waits_for_retry_after_and_is_repeated(
    method_and_params: tuple[str, dict[str, str]],
    emulator: Emulator,
    reseller: MailboxOrgClient,
    sleeps: list[float],
) -> None:
    emulator.inject("ratelimit", method=method_and_params[0])
    reseller.call(*method_and_params)
    assert sleeps == [1.0]
    assert emulator.calls[method_and_params[0]] == 2


def test_every_malformed_answer_variant_is_retried_for_a_read_only_call(
    emulator: Emulator, reseller: MailboxOrgClient
) -> None:
    emulator.inject("malformed", count=4, method=READ[0])
    assert reseller.call(*READ)["account"] == "acme"
    assert emulator.calls[READ[0]] == 5


def test_a_really_slept_retry_after_delays_the_retry_by_about_a_second(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "_sleep", time.sleep)
    with MailboxOrgClient(emulator.endpoint) as client:
        emulator.inject("ratelimit", method="hello.world")
        started = time.monotonic()
        assert client.call("hello.world") == "Hello World!"
        assert time.monotonic() - started >= 0.9


def test_read_only_calls_succeed_under_random_transport_faults(sleeps: list[float]) -> None:
    # Not "expire": a 253 right after a fresh login is raised by design (one re-login per call).
    kinds = ("drop", "reset", "http5xx", "malformed", "ratelimit")
    with Emulator(accounts=["acme:acme-pass:account"], fault_rate=0.3, fault_kinds=kinds, seed=7) as emu:
        client = MailboxOrgClient(emu.endpoint, "acme", "acme-pass", max_retries=10)
        with client:
            results = [client.call("account.get", {"account": "acme"})["account"] for _ in range(30)]
        stats = client.stats  # after close: its deauth counts too
    assert results == ["acme"] * 30
    assert stats.retries > 0
    assert sum(emu.calls.values()) == stats.calls
