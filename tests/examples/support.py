"""Run the examples under ``examples/`` as Pulumi programs against the emulator.

Each example's ``__main__.py`` is executed the way the Python language host runs a program
(``runpy.run_path(..., run_name="__main__")``) inside :class:`harness.ProgramStack`, so mailbox.org
resources go through the real dynamic-provider host and the emulator, while other providers'
resources are served by handlers (for the gitops example: a Cloudflare DNS record that publishes
into the emulator's DNS). The program's configuration is what a user would have: the defaults
declared in ``Pulumi.yaml``, the values of a ``Pulumi.<stack>.yaml`` file, plus secrets.
"""

from __future__ import annotations

import json
import runpy
import threading
import time
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dns.query
import dns.rcode
import dns.update
import pulumi
import yaml
from pulumi.runtime.mocks import MockResourceArgs

from harness import ProgramStack, ResourceHandler
from pulumi_mailboxorg.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SCHEMA = json.loads((ROOT / "schema.json").read_text(encoding="utf-8"))
DYNAMIC_PREFIX = "pulumi-python:dynamic/mailboxorg:"
CLOUDFLARE_RECORD = "cloudflare:index/dnsRecord:DnsRecord"


def program(example: str) -> Callable[[], None]:
    """The example's ``__main__.py`` as a program function, run as the language host runs it."""
    path = EXAMPLES / example / "__main__.py"

    def run() -> None:
        runpy.run_path(str(path), run_name="__main__")

    return run


def _config_text(value: Any) -> str:
    """A config value as Pulumi hands it to a program: strings as-is, objects and lists as JSON."""
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def project(example: str) -> dict[str, Any]:
    """The example's ``Pulumi.yaml``."""
    data: dict[str, Any] = yaml.safe_load((EXAMPLES / example / "Pulumi.yaml").read_text(encoding="utf-8"))
    return data


def project_defaults(example: str) -> dict[str, str]:
    """``Pulumi.yaml`` config defaults, keyed ``<project>:<key>``."""
    data = project(example)
    return {
        f"{data['name']}:{key}": _config_text(spec["default"])
        for key, spec in (data.get("config") or {}).items()
        if "default" in spec
    }


def stack_file(example: str, stack: str) -> dict[str, str]:
    """The config values of the example's ``Pulumi.<stack>.yaml``."""
    path = EXAMPLES / example / f"Pulumi.{stack}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {key: _config_text(value) for key, value in (data.get("config") or {}).items()}


def assert_schema_outputs(stack: ProgramStack) -> None:
    """Every mailbox.org resource in the state has the outputs schema.json promises, and no others."""
    seen = 0
    for state in stack.resources.values():
        if not state.type.startswith(DYNAMIC_PREFIX):
            continue
        seen += 1
        spec = SCHEMA["resources"][f"mailboxorg:index:{state.type.removeprefix(DYNAMIC_PREFIX)}"]
        outputs = {k: v for k, v in state.outputs.items() if k != "__provider"}
        assert set(outputs) <= set(spec["properties"]), (state.name, set(outputs) - set(spec["properties"]))
        missing = [key for key in spec["required"] if outputs.get(key) is None]
        assert missing == [], (state.name, missing)
    assert seen


def publish_txt(emulator: Emulator, zone: str, host: str, txt: str, *, timeout: float = 20.0) -> None:
    """Publish a TXT record by RFC 2136 (what ``nsupdate`` does), retrying until the zone exists."""
    deadline = time.monotonic() + timeout
    while True:
        update = dns.update.UpdateMessage(zone)
        update.add(host.rstrip(".") + ".", 60, "TXT", f'"{txt}"')
        response = dns.query.tcp(update, emulator.dns_host, port=emulator.dns_port, timeout=5)
        if response.rcode() == dns.rcode.NOERROR:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the emulator's DNS refused the update: {dns.rcode.to_text(response.rcode())}"
            )
        time.sleep(0.05)


@contextmanager
def person_publishing_when_asked(emulator: Emulator, account: str, domain: str) -> Iterator[list[str]]:
    """A person who, once mailbox.org has asked for the record, publishes it (like the README's step).

    Yields a list that collects the thread's error, if any; the ``with`` block checks it on exit.
    """
    errors: list[str] = []
    stop = threading.Event()

    def work() -> None:
        try:
            while emulator.calls["domain.add"] == 0:
                if stop.wait(0.05):
                    return
            host, txt = emulator.challenge(account, domain)
            publish_txt(emulator, domain, host, txt)
        except Exception as exc:  # reported by the with block
            errors.append(repr(exc))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        yield errors
    finally:
        stop.set()
        thread.join(timeout=30)
    assert errors == []


class DnsRecordHandler(ResourceHandler):
    """Engine-side stand-in for a DNS provider's record: publishes TXT, MX, CNAME and SRV records
    (Cloudflare's shapes: ``content``, ``priority``, SRV in ``data``) into the emulator's DNS."""

    def __init__(self, emulator: Emulator, zone: str | None = None) -> None:
        self.emulator = emulator
        self.zone = zone  # held by the emulator's DNS from the first record on (a real zone exists)
        self.records: dict[str, tuple[str, str]] = {}

    @staticmethod
    def value(inputs: Mapping[str, Any]) -> str:
        kind, content = inputs["type"], inputs.get("content")
        if kind == "TXT":
            raw = str(content).encode()
            return " ".join('"' + raw[i : i + 255].decode() + '"' for i in range(0, max(len(raw), 1), 255))
        if kind == "MX":
            return f"{int(inputs['priority'])} {content}."
        if kind == "CNAME":
            return f"{content}."
        assert kind == "SRV", kind
        data = inputs["data"]
        return f"{int(data['priority'])} {int(data['weight'])} {int(data['port'])} {data['target']}."

    def create(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        name, kind, value = args.inputs["name"], args.inputs["type"], self.value(args.inputs)
        if self.zone is not None:
            self.emulator.dns_server.ensure_zone(self.zone)
        self.emulator.dns_server.add_record(name, kind, value, ttl=int(args.inputs.get("ttl") or 60))
        id_ = f"{args.inputs['zoneId']}/{name}/{kind}/{value}"
        self.records[id_] = (name, str(args.inputs.get("content") or value))
        return id_, dict(args.inputs)

    def update(self, id_: str, old_outputs: dict[str, Any], args: MockResourceArgs) -> dict[str, Any]:
        self.delete(id_, old_outputs)
        return self.create(args)[1]

    def delete(self, id_: str, outputs: dict[str, Any]) -> None:
        self.records.pop(id_, None)
        self.emulator.dns_server.remove_record(outputs["name"], outputs["type"])


def cloudflare_stub() -> types.ModuleType:
    """A stand-in ``pulumi_cloudflare`` module: ``DnsRecord`` with the real SDK's keywords and type token.

    It registers a plain custom resource of the real type; the test routes that type to
    :class:`DnsRecordHandler`, so no Cloudflare plugin or account is needed.
    """
    module = types.ModuleType("pulumi_cloudflare")

    class DnsRecord(pulumi.CustomResource):
        def __init__(
            self,
            resource_name: str,
            opts: pulumi.ResourceOptions | None = None,
            *,
            zone_id: pulumi.Input[str],
            name: pulumi.Input[str],
            type: pulumi.Input[str],
            ttl: pulumi.Input[float],
            content: pulumi.Input[str] | None = None,
            priority: pulumi.Input[float] | None = None,
            data: pulumi.Input[Mapping[str, Any]] | None = None,
            comment: pulumi.Input[str] | None = None,
            proxied: pulumi.Input[bool] | None = None,
        ) -> None:
            props: Mapping[str, Any] = {
                "zoneId": zone_id,
                "name": name,
                "type": type,
                "ttl": ttl,
                "content": content,
                "priority": priority,
                "data": data,
                "comment": comment,
                "proxied": proxied,
            }
            super().__init__(CLOUDFLARE_RECORD, resource_name, dict(props), opts)

    module.DnsRecord = DnsRecord  # type: ignore[attr-defined]
    return module
