"""A trivial dynamic provider (and resource class) used to prove the engine-protocol harness.

It stores each resource as a JSON file in the directory named by the stack config key
``trivial:stateDir`` and appends every call to ``journal.jsonl`` there, so tests can see what ran
*inside* the provider host process and in which order. It lives in an importable module so dill
pickles it by reference (``harness.trivial_provider.TrivialProvider``), as a real provider package is.

Inputs: ``name`` (required string; a change replaces), ``size`` (non-negative integer, default 1),
``tag``, ``password`` (meant to be secret), ``exclusive`` (only one exclusive thing may exist at a
time, so its replacement is delete-before-replace), ``fail`` (``"create"``, ``"update"``,
``"delete"`` or ``"diff"``: that call raises).
Tags with a meaning: ``"warn"`` (create logs a warning), ``"slow:S"`` (create sleeps S seconds),
``"meet:N[:S]"`` (create, and delete, wait until N creates - or deletes - of ``meet`` things are in
progress at once, and fail after S s alone, default 10: proof that steps run concurrently, without
timing).
The process journals an ``exit`` entry from an ``atexit`` handler (it runs on SIGINT, not SIGTERM).
Outputs: the inputs plus ``token`` (generated; meant for ``additional_secret_outputs``) and
``greeting`` (from the un-namespaced config key ``greeting``, i.e. ``<project>:greeting``).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

__all__ = ["INPUTS", "Thing", "TrivialProvider", "read_journal", "stored"]

#: The inputs the provider manages (and diffs).
INPUTS = ("name", "size", "tag", "password", "exclusive", "fail")
_JOURNAL_LOCK = threading.Lock()
_UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def _is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or value == _UNKNOWN_SENTINEL


def read_journal(state_dir: Path) -> list[dict[str, Any]]:
    """Every call the provider recorded, in order."""
    path = state_dir / "journal.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def stored(state_dir: Path) -> dict[str, dict[str, Any]]:
    """The resources that currently exist, by id."""
    return {
        p.name.removesuffix(".thing.json"): json.loads(p.read_text()) for p in state_dir.glob("*.thing.json")
    }


class TrivialProvider(ResourceProvider):
    """Stores "things" as files; see the module docstring."""

    state_dir: Path
    greeting: str | None

    def configure(self, req: ConfigureRequest) -> None:
        """Read the stack config; record what arrived (a hash of the secret, never the secret)."""
        self.state_dir = Path(req.config.require("trivial:stateDir"))
        self.greeting = req.config.get("greeting")
        token = req.config.get("trivial:token")
        self._journal(
            "configure",
            token_type=type(token).__name__,
            token_sha256=hashlib.sha256(token.encode()).hexdigest() if isinstance(token, str) else None,
            greeting=self.greeting,
            env_marker=os.environ.get("TRIVIAL_MARKER"),
            mailboxorg_env=sorted(k for k in os.environ if k.startswith("MAILBOXORG_")),
        )
        atexit.register(self._journal, "exit")

    def _journal(self, op: str, **fields: Any) -> None:
        line = json.dumps({"op": op, "pid": os.getpid(), **fields}, sort_keys=True)
        with _JOURNAL_LOCK, open(self.state_dir / "journal.jsonl", "a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def _path(self, id_: str) -> Path:
        return self.state_dir / f"{id_}.thing.json"

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """``name`` required, ``size`` a non-negative integer (default 1); unknowns pass through."""
        unknown_types = {k: type(v).__name__ for k, v in news.items() if _is_unknown(v)}
        self._journal(
            "check",
            name=news.get("name") if "name" not in unknown_types else None,
            unknowns=unknown_types,
            olds=sorted(_olds),
        )
        failures = []
        inputs = {k: news[k] for k in INPUTS if k in news}
        name = news.get("name")
        if not _is_unknown(name) and (not isinstance(name, str) or not name):
            failures.append(CheckFailure("name", "name is required and must be a non-empty string"))
        size = news.get("size", 1)
        if not _is_unknown(size) and (not isinstance(size, (int, float)) or size < 0 or int(size) != size):
            failures.append(CheckFailure("size", f"size must be a non-negative integer, got {size!r}"))
        inputs.setdefault("size", 1)
        return CheckResult(inputs, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Changed inputs update; a changed ``name`` replaces (delete first when ``exclusive``)."""
        if news.get("fail") == "diff":
            raise RuntimeError("diff refused because fail=diff")
        changed = [k for k in INPUTS if _is_unknown(news.get(k)) or olds.get(k) != news.get(k)]
        replaces = [k for k in changed if k == "name"]
        unknown = sorted(k for k in INPUTS if _is_unknown(news.get(k)))
        self._journal("diff", id=id_, changed=changed, unknown=unknown, olds_size=olds.get("size"))
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(replaces) and bool(news.get("exclusive")),
        )

    def _outputs(self, id_: str, props: dict[str, Any]) -> dict[str, Any]:
        outs = {k: props[k] for k in INPUTS if k in props}
        outs["token"] = f"tok-{id_}"
        outs["greeting"] = self.greeting
        return outs

    def _meet(self, op: str, tag: Any) -> None:
        """``meet:N[:S]``: wait until N ``op`` calls of meet things are in progress at once (S s at most,
        default 10)."""
        if not isinstance(tag, str) or not tag.startswith("meet:"):
            return
        _, wanted_text, *limit = tag.split(":")
        wanted = int(wanted_text)
        marker = self.state_dir / f"meet-{op}-{uuid.uuid4().hex}"
        marker.touch()
        deadline = time.monotonic() + (float(limit[0]) if limit else 10.0)
        while len(list(self.state_dir.glob(f"meet-{op}-*"))) < wanted:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{op} ran alone: no {wanted} {op}s in progress at once")
            time.sleep(0.01)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Write the thing; a second ``exclusive`` thing is refused."""
        if props.get("fail") == "create":
            raise RuntimeError("create refused because fail=create")
        tag = props.get("tag")
        if isinstance(tag, str) and tag.startswith("slow:"):
            time.sleep(float(tag.split(":")[1]))
        self._meet("create", tag)
        if props.get("exclusive") and any(
            t["name"] == props["name"] for t in stored(self.state_dir).values()
        ):
            raise RuntimeError(f"name {props['name']!r} is taken")
        id_ = uuid.uuid4().hex[:12]
        outs = self._outputs(id_, props)
        self._path(id_).write_text(json.dumps(outs))
        self._journal("create", id=id_, name=props.get("name"))
        pulumi.log.info(f"trivial: created {props.get('name')} as {id_}")
        pulumi.log.debug(f"trivial: debug detail for {id_}")
        if props.get("tag") == "warn":
            pulumi.log.warn(f"trivial: {id_} is tagged warn")
        return CreateResult(id_, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The stored thing, or an empty id when it was deleted out of band."""
        self._journal("read", id=id_, props=sorted(props))
        path = self._path(id_)
        if not path.exists():
            return ReadResult("", {})
        return ReadResult(id_, json.loads(path.read_text()))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Rewrite the thing."""
        if news.get("fail") == "update":
            raise RuntimeError("update refused because fail=update")
        outs = self._outputs(id_, news)
        self._path(id_).write_text(json.dumps(outs))
        self._journal("update", id=id_, name=news.get("name"), old_name=olds.get("name"))
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Remove the thing (already gone is fine)."""
        if props.get("fail") == "delete":
            raise RuntimeError("delete refused because fail=delete")
        self._meet("delete", props.get("tag"))
        self._path(id_).unlink(missing_ok=True)
        self._journal("delete", id=id_, name=props.get("name"))


class Thing(Resource, module="trivial", name="Thing"):
    """The resource class a Pulumi program uses (type ``pulumi-python:dynamic/trivial:Thing``)."""

    size: pulumi.Output[float]
    token: pulumi.Output[str]
    greeting: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        size: pulumi.Input[int] | None = None,
        tag: pulumi.Input[str] | None = None,
        password: pulumi.Input[str] | None = None,
        exclusive: bool | None = None,
        fail: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "name": name,
            "size": size,
            "tag": tag,
            "password": pulumi.Output.secret(password) if password is not None else None,
            "exclusive": exclusive,
            "fail": fail,
            "token": None,
            "greeting": None,
        }
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["token"]))
        super().__init__(TrivialProvider(), resource_name, props, opts)
