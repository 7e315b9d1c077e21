"""The quickstart's commands, word for word, against the emulator: from install to a deployed domain.

``examples/quickstart/README.md`` is read, not paraphrased: every shell line of its "Against the
emulator" steps must be one this test knows how to play, so a step the docs add or leave out fails
here. The emulator is the command line the README starts (a separate process, as in terminal 1); the
Pulumi CLI's part is played by the engine-protocol harness (``pulumi up`` runs the example's program
in a :class:`harness.ProgramStack` whose provider hosts get the environment the ``export`` lines set,
and no ``mailboxorg:*`` stack config, as in the README); the DNS step runs the README's
``mailboxorg-emulator publish`` line as a subprocess with the host and value of the log line.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from examples.support import EXAMPLES, program, project_defaults
from harness import HostPool, ProgramStack, ProviderHost, Secret

#: End-to-end flows: every provider host is started by its command, as the engine starts it.
pytestmark = pytest.mark.exec_hosts

ROOT = EXAMPLES.parent
README = (EXAMPLES / "quickstart" / "README.md").read_text(encoding="utf-8")
PROJECT = "mailboxorg-quickstart"
BIN = Path(sys.executable).parent
#: The record line of the Domain's log message: ``    <host>. TXT "<txt>"``.
RECORD_LINE = re.compile(r'^\s+(?P<host>[0-9a-f]{40}\.\S+\.) TXT (?P<value>"[^"]*")$', re.MULTILINE)
INSTALL = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]'"


def steps() -> list[list[str]]:
    """The shell lines of each code block of the "Against the emulator (offline)" section."""
    start = README.index("## Against the emulator (offline)")
    end = README.index("\n## ", start + 1)
    blocks = re.findall(r"```sh\n(.*?)```", README[start:end], re.DOTALL)
    return [[line.strip() for line in block.splitlines() if line.strip()] for block in blocks]


def words(line: str, ports: dict[str, str]) -> list[str]:
    for placeholder, value in ports.items():
        line = re.sub(rf"\b{placeholder}\b", value, line)
    return shlex.split(line)


class Emulator:
    """The emulator process of terminal 1, talked to over its JSON-RPC endpoint."""

    def __init__(self, process: subprocess.Popen[str], ready: dict[str, Any]) -> None:
        self.process, self.ready = process, ready
        self.endpoint, self.dns = ready["endpoint"], ready["dns"]
        self.port = self.endpoint.rsplit(":", 1)[1].split("/")[0]
        self.dns_port = self.dns.rsplit(":", 1)[1]

    def call(self, method: str, params: Any = "", auth: str | None = None) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": "1"}
        headers = {"HPLS-AUTH": auth} if auth else {}
        answer: dict[str, Any] = requests.post(self.endpoint, json=body, headers=headers, timeout=10).json()
        return answer


@contextmanager
def terminal_1(line: str) -> Iterator[Emulator]:
    """Start the emulator as the README's line does; it keeps running (the README says so)."""
    assert line == ".venv/bin/mailboxorg-emulator"
    script = BIN / "mailboxorg-emulator"
    if not script.exists():
        pytest.skip("the package is not installed with its console script")
    process = subprocess.Popen(
        [str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        yield Emulator(process, ready)
        process.send_signal(signal.SIGINT)  # "Stop the emulator with Ctrl-C in terminal 1"
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


@pytest.mark.slow
def test_the_quickstart_readme_deploys_a_domain_against_the_emulator_word_for_word(
    host_pool: HostPool,
) -> None:
    install_and_start, deploy, publish, look = steps()
    assert "keeps this terminal" in README and "Ctrl-C" in README

    # Terminal 1: the install is what CI runs from a clean clone (and what made this environment).
    assert install_and_start[0] == INSTALL
    assert INSTALL.replace(" && ", "\n").split("\n")[0] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert len(install_and_start) == 2
    with terminal_1(install_and_start[1]) as emulator:
        ports = {"PORT": emulator.port, "DNSPORT": emulator.dns_port}

        # Terminal 2: play every line; an unknown one is a step this test (and a reader) cannot follow.
        cwd = ROOT
        env: dict[str, str] = {}
        secrets: dict[str, Secret] = {}
        stack: ProgramStack | None = None
        ups = 0
        for line in deploy:
            argv = words(line, ports)
            if argv[0] == "cd":
                cwd = (cwd / argv[1]).resolve()
                assert (cwd / "Pulumi.yaml").is_file()
            elif line == "python3 -m venv venv && venv/bin/pip install -r requirements.txt":
                # The example's requirements install this checkout: the package under test.
                assert "-e ../.." in (cwd / "requirements.txt").read_text(encoding="utf-8").splitlines()
                assert (cwd / "../..").resolve() == ROOT
            elif argv[:2] in (["pulumi", "login"], ["pulumi", "stack"]):
                assert argv in (["pulumi", "login", "--local"], ["pulumi", "stack", "init", "dev"])
            elif argv[0] == "export":
                env.update(assignment.split("=", 1) for assignment in argv[1:])  # type: ignore[misc]
            elif argv[:4] == ["pulumi", "config", "set", "--secret"]:
                secrets[f"{PROJECT}:{argv[4]}"] = Secret(argv[5])
            elif argv == ["pulumi", "up", "--yes"]:
                ups += 1
            else:
                pytest.fail(f"the quickstart has a step this test does not know: {line!r}")
        assert cwd == EXAMPLES / "quickstart" and ups == 1
        assert env["MAILBOXORG_ENDPOINT"] == emulator.endpoint
        assert env["MAILBOXORG_DNS_NAMESERVERS"] == emulator.dns
        provider_env = {k: v for k, v in env.items() if k.startswith("MAILBOXORG_")}
        hosts: list[ProviderHost] = []

        def new_host() -> ProviderHost:
            hosts.append(host_pool.take(env=provider_env))
            return hosts[-1]

        stack = ProgramStack(
            new_host,
            config={**project_defaults("quickstart"), **secrets},
            project=PROJECT,
            schedule="concurrent",
        )

        # Terminal 3, while `pulumi up` waits: publish the record the log line shows, copied from it,
        # then the mail records the MailDnsCheck waits for.
        assert len(publish) == 2
        published: list[subprocess.CompletedProcess[str]] = []
        done = threading.Event()

        def person() -> None:
            while not done.wait(0.1):
                found = [RECORD_LINE.search(host.stderr_text()) for host in list(hosts)]
                record = next((match for match in found if match), None)
                if record is None:
                    continue
                host, value = record["host"], record["value"]  # the final dot and the quotes stay
                argv = words(publish[0], {**ports, "HOST": host, "VALUE": shlex.quote(value)})
                assert argv[0] == ".venv/bin/mailboxorg-emulator"
                command = [str(BIN / "mailboxorg-emulator"), *argv[1:]]
                published.append(
                    subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
                )
                argv = words(publish[1], ports)
                assert argv[0] == ".venv/bin/mailboxorg-emulator" and "--mail-records" in argv
                published.append(
                    subprocess.run(
                        [str(BIN / "mailboxorg-emulator"), *argv[1:]],
                        capture_output=True,
                        text=True,
                        cwd=ROOT,
                        timeout=60,
                    )
                )
                return

        thread = threading.Thread(target=person)
        thread.start()
        try:
            run = stack.up(program("quickstart"))
        finally:
            done.set()
            thread.join(timeout=60)
        assert len(published) == 2 and all(p.returncode == 0 for p in published), published
        assert all(p.stdout.startswith("published ") for p in published)
        logged = [m.message for m in stack.log_messages()]
        # The README tells the reader to expect this warning in the emulator setup.
        assert any("points the provider at" in message for message in logged)
        assert run.outputs["mailboxes"] == ["alice@example.com", "bob@example.com"]

        # Terminal 2 again: look, change, clean up.
        assert look == ["pulumi stack output", "pulumi up --yes", "pulumi destroy --yes"]
        assert set(run.outputs) == {
            "domain",
            "contextId",
            "verificationHost",
            "mailboxes",
            "mailDnsRecords",
            "mailDnsReady",
        }
        assert run.outputs["mailDnsReady"] is True
        again = stack.up(program("quickstart"))
        assert set(again.operations.values()) == {"same"}
        stack.destroy()
        session = emulator.call("auth", {"user": "demo-account", "pass": "demo-password"})["result"][
            "session"
        ]
        assert emulator.call("domain.list", {"account": "demo-account"}, auth=session)["result"] == []


def test_against_mailbox_org_starts_a_new_stack_without_the_emulator_variables() -> None:
    start = README.index("## Against mailbox.org")
    block = re.search(r"```sh\n(.*?)```", README[start:], re.DOTALL)
    assert block
    lines = block[1].strip().splitlines()
    unset = shlex.split(lines[0])
    assert unset[0] == "unset"
    assert {
        "MAILBOXORG_ENDPOINT",
        "MAILBOXORG_DNS_NAMESERVERS",
        "MAILBOXORG_USERNAME",
        "MAILBOXORG_PASSWORD",
    } <= set(unset)
    assert lines[1] == "pulumi stack init prod"
    assert "pulumi config set --secret mailboxorg:password" in lines
