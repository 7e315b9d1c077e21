"""The emulator's command line, run as a subprocess the way a person or a CI job runs it."""

from __future__ import annotations

import json
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.emulator.dns_server import AuthoritativeServer
from pulumi_mailboxorg.guesses import ERRORS

STARTUP_TIMEOUT = 30.0


class Running:
    """A started emulator process and its ready line."""

    def __init__(self, process: subprocess.Popen[str], ready: dict[str, Any]) -> None:
        self.process = process
        self.ready = ready

    def call(self, method: str, params: Any = None, auth: str | None = None) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "method": method, "params": "" if params is None else params, "id": "1"}
        headers = {} if auth is None else {"HPLS-AUTH": auth}
        envelope: dict[str, Any] = requests.post(
            self.ready["endpoint"], json=body, headers=headers, timeout=10
        ).json()
        return envelope

    def stop(self, signum: int) -> tuple[int, str, str]:
        """Send ``signum``; return the exit code and the rest of stdout and stderr."""
        self.process.send_signal(signum)
        out, err = self.process.communicate(timeout=STARTUP_TIMEOUT)
        return self.process.returncode, out, err


def read_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            process.kill()
            pytest.fail(f"no ready line within {timeout} s")
    return process.stdout.readline()


@contextmanager
def emulator_process(*args: str, command: Sequence[str] | None = None) -> Iterator[Running]:
    argv = [
        *(command or [sys.executable, "-m", "pulumi_mailboxorg.emulator"]),
        "--port",
        "0",
        "--dns-port",
        "0",
    ]
    process = subprocess.Popen(
        [*argv, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parent
    )
    try:
        line = read_line(process, STARTUP_TIMEOUT)
        assert line.endswith("\n"), f"not a complete line: {line!r}"
        yield Running(process, json.loads(line))
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_the_cli_prints_one_json_line_serves_and_exits_0_on_sigterm() -> None:
    with emulator_process() as running:
        assert set(running.ready) == {"endpoint", "dns", "accounts"}
        assert running.ready["endpoint"].startswith("http://127.0.0.1:")
        assert running.ready["endpoint"].endswith("/v1/")
        assert running.ready["dns"].startswith("127.0.0.1:")

        assert running.call("hello.world")["result"] == "Hello World!"

        code, rest_of_stdout, _ = running.stop(signal.SIGTERM)

    assert code == 0
    assert rest_of_stdout == ""


def test_the_cli_exits_0_on_sigint() -> None:
    with emulator_process() as running:
        assert running.call("hello.world")["result"] == "Hello World!"

        code, _, stderr = running.stop(signal.SIGINT)

    assert code == 0
    assert "Traceback" not in stderr


def test_without_accounts_the_cli_offers_the_demo_logins_and_prints_them() -> None:
    with emulator_process() as running:
        session = running.call("auth", {"user": "demo", "pass": "demo-password"})["result"]
        account = running.call("auth", {"user": "demo-account", "pass": "demo-password"})["result"]
        _, _, hints = running.stop(signal.SIGTERM)

    assert running.ready["accounts"] == ["demo", "demo-account"]
    assert (session["level"], account["level"]) == ("reseller", "account")
    assert "demo-password" in hints
    assert f"MAILBOXORG_ENDPOINT={running.ready['endpoint']}" in hints
    assert f"MAILBOXORG_DNS_NAMESERVERS={running.ready['dns']}" in hints
    assert f"mailboxorg-emulator publish --dns {running.ready['dns']} <host> TXT <txt>" in hints
    assert "Ctrl-C" in hints


def test_the_cli_takes_accounts_and_settings_and_keeps_given_passwords_out_of_the_hints() -> None:
    options = ["--account", "ops:ops:pass:reseller", "--account", "shop:shop-pass", "--session-ttl", "60"]
    options += ["--latency-ms", "1", "--fault-rate", "0", "--fault-kinds", "http5xx,ratelimit"]
    options += ["--negative-cache-ttl", "5", "--recursive-domain-delete", "--seed", "3"]
    with emulator_process(*options) as running:
        ops = running.call("auth", {"user": "ops", "pass": "ops:pass"})["result"]
        shop = running.call("auth", {"user": "shop", "pass": "shop-pass"})["result"]
        listed = running.call("account.list", "", auth=ops["session"])["result"]
        _, _, hints = running.stop(signal.SIGTERM)

    assert running.ready["accounts"] == ["ops", "shop"]
    assert (ops["level"], shop["level"]) == ("reseller", "account")
    assert [item["account"] for item in listed] == ["shop"]
    assert "ops:pass" not in hints
    assert "shop-pass" not in hints


def test_an_account_given_before_its_reseller_still_belongs_to_it() -> None:
    with emulator_process("--account", "shop:shop-pass", "--account", "ops:ops-pass:reseller") as running:
        ops = running.call("auth", {"user": "ops", "pass": "ops-pass"})["result"]["session"]
        listed = running.call("account.list", "", auth=ops)["result"]

    assert [item["account"] for item in listed] == ["shop"]


def test_the_cli_asks_the_given_nameserver_for_the_txt_record() -> None:
    host, txt = Emulator(seed=5).challenge("acme", "acme.example")  # seeded: the CLI asks for the same
    with AuthoritativeServer() as elsewhere:
        elsewhere.ensure_zone("acme.example")
        elsewhere.add_record(host, "TXT", f'"{txt}"')
        options = ["--seed", "5", "--account", "acme:acme-pass"]
        with emulator_process(*options, "--dns-nameserver", f"{elsewhere.host}:{elsewhere.port}") as running:
            session = running.call("auth", {"user": "acme", "pass": "acme-pass"})["result"]["session"]
            params = {"account": "acme", "domain": "acme.example", "password": "pw"}

            assert running.call("domain.add", params, auth=session)["result"]["domain"] == "acme.example"
            assert running.stop(signal.SIGTERM)[0] == 0

        assert elsewhere.queries[(host, "TXT", "udp")] == 1


def test_the_cli_takes_the_list_limit_delete_list_password_policy_and_minimal_answer_settings() -> None:
    options = ["--account", "acme:acme-pass", "--no-dns-verification", "--unpaged-limit", "2"]
    options += ["--readd-deleted", "refuse", "--no-mail-password-policy", "--minimal-answers"]
    with emulator_process(*options) as running:
        session = running.call("auth", {"user": "acme", "pass": "acme-pass"})["result"]["session"]
        domain = {"account": "acme", "domain": "acme.example", "password": "pw"}
        assert running.call("domain.add", domain, auth=session)["result"] is True
        for name in ("a", "b", "c"):
            mailbox: dict[str, object] = {"mail": f"{name}@acme.example", "password": "pw", "plan": "light"}
            mailbox |= {"first_name": "A", "last_name": "B", "inboxsave": True, "forwards": []}
            assert "result" in running.call("mail.add", mailbox, auth=session)
        listed = running.call("mail.list", {"domain": "acme.example"}, auth=session)["result"]
        assert running.call("mail.del", {"mail": "c@acme.example"}, auth=session)["result"] is True
        refused = running.call("mail.add", mailbox, auth=session)

    assert [entry["mail"] for entry in listed] == ["a@acme.example", "b@acme.example"]
    assert refused["error"]["code"] == ERRORS["address_deleted"].code


@pytest.mark.parametrize(
    "option",
    [
        ["--fault-kinds", "boom"],
        ["--account", "nopassword"],
        ["--account", "x:"],
        ["--account", ":password"],
        ["--dns-nameserver", "ns.example:53"],
        ["--dns-nameserver", "127.0.0.1"],
        ["--latency-ms", "-1"],
        ["--unpaged-limit", "-1"],
        ["--unpaged-limit", "many"],
        ["--readd-deleted", "sometimes"],
    ],
    ids=repr,
)
def test_the_cli_refuses_invalid_options_with_exit_code_2(option: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_mailboxorg.emulator", *option],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert "usage:" in result.stderr


def test_the_console_script_runs_the_same_cli() -> None:
    script = Path(sys.executable).parent / "mailboxorg-emulator"
    if not script.exists():
        pytest.skip("the package is not installed with its console script")

    with emulator_process(command=[str(script)]) as running:
        assert running.call("hello.world")["result"] == "Hello World!"

        assert running.stop(signal.SIGTERM)[0] == 0


# -- publish ------------------------------------------------------------------------------------------


def publish_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_mailboxorg.emulator", "publish", *args],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
    )


def txt_records(dns_address: str, name: str) -> list[str]:
    import dns.message
    import dns.query

    host, port = dns_address.rsplit(":", 1)
    answer = dns.query.tcp(dns.message.make_query(name, "TXT"), host, port=int(port), timeout=5)
    return [rdata.to_text() for rrset in answer.answer for rdata in rrset]


@pytest.mark.parametrize("trailing_dot", [True, False], ids=["with the final dot", "without"])
@pytest.mark.parametrize("quoted", [True, False], ids=["quoted value", "bare value"])
def test_publish_puts_the_ownership_record_the_log_shows_into_the_emulators_dns(
    trailing_dot: bool, quoted: bool
) -> None:
    with emulator_process("--account", "acme:acme-pass") as running:
        session = running.call("auth", {"user": "acme", "pass": "acme-pass"})["result"]["session"]
        params = {"account": "acme", "domain": "acme.example", "password": "pw"}
        challenge = running.call("domain.add", params, auth=session)["error"]["data"]
        host, txt = challenge["host"], challenge["txt"]

        result = publish_command(
            "--dns",
            running.ready["dns"],
            host + ("." if trailing_dot else ""),
            "TXT",
            f'"{txt}"' if quoted else txt,
        )

        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f'published {host}. 60 TXT "{txt}" (zone acme.example.)')
        assert txt_records(running.ready["dns"], host) == [f'"{txt}"']
        assert running.call("domain.add", params, auth=session)["result"]["domain"] == "acme.example"


def test_publish_reports_a_name_outside_every_zone_the_emulator_holds() -> None:
    with emulator_process() as running:
        result = publish_command("--dns", running.ready["dns"], "_x.elsewhere.example.", "TXT", "v")

    assert result.returncode == 1
    assert "holds no zone containing _x.elsewhere.example." in result.stderr
    assert "Traceback" not in result.stderr


def test_publish_reports_an_unreachable_dns_server() -> None:
    with AuthoritativeServer() as server:
        port = server.port  # a port nobody listens on once the server is stopped
    result = publish_command("--dns", f"127.0.0.1:{port}", "x.example", "TXT", "v")

    assert result.returncode == 1
    assert "cannot reach the DNS server at 127.0.0.1:" in result.stderr


@pytest.mark.parametrize(
    "args",
    [[], ["x.example", "TXT", "v"], ["--dns", "ns.example:53", "x.example", "TXT", "v"]],
    ids=repr,
)
def test_publish_refuses_incomplete_commands_with_exit_code_2(args: list[str]) -> None:
    result = publish_command(*args)

    assert result.returncode == 2
    assert "usage: mailboxorg-emulator publish" in result.stderr


def test_publish_refuses_an_unknown_type_or_an_invalid_value() -> None:
    with emulator_process() as running:
        unknown = publish_command("--dns", running.ready["dns"], "x.example", "NOPE", "v")
        invalid = publish_command("--dns", running.ready["dns"], "x.example", "A", "not-an-address")

    assert unknown.returncode == 1 and "unknown record type 'NOPE'" in unknown.stderr
    assert invalid.returncode == 1 and "invalid A value 'not-an-address'" in invalid.stderr
