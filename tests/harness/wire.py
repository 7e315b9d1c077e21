"""Property values on the wire, exactly as the Pulumi engine marshals them for a dynamic provider.

The engine talks to ``python -m pulumi.dynamic`` with ``google.protobuf.Struct`` property maps. This
module converts between those structs and the plain dicts the harness API uses:

* **Serialisation** goes through :func:`pulumi.runtime.rpc.serialize_properties`, the SDK's own
  marshaller, so every value reaches the provider host in the form the host's
  ``rpc.deserialize_properties`` expects.
* **Unknowns** (preview values not known yet) are the engine's sentinel string
  :data:`UNKNOWN` (``pulumi.runtime.rpc.UNKNOWN``). The engine sends it with ``KeepUnknowns`` only
  for Check/Diff in a preview (``sdk/go/common/resource/plugin/provider_plugin.go``). Inside the
  host, ``Check`` and ``Diff`` deserialise with ``keep_unknowns=True``, so a provider's ``check`` and
  ``diff`` see :class:`pulumi.output.Unknown` *instances*, not the string. Responses are mapped back
  to the :data:`UNKNOWN` string so results compare as plain data.
* **Secrets** are :class:`Secret` wrappers in harness inputs. The dynamic host answers ``Configure``
  with ``acceptSecrets=False``, so the engine strips secrets before every resource call
  (``MarshalOptions{KeepSecrets: protocol.acceptSecrets}``) and re-marks outputs afterwards
  (``annotateSecrets``). :func:`reveal` does the stripping and reports which top-level keys held a
  secret; the lifecycle helpers do the re-marking. ``Configure`` itself is marshalled with
  ``KeepSecrets: true``: :func:`to_struct` with ``keep_secrets=True`` wraps secrets in the
  ``4dabf18193072939515e22adb298388d`` signature the host unwraps with ``rpc.unwrap_rpc_secret``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from google.protobuf import struct_pb2  # type: ignore[import-untyped, unused-ignore]
from pulumi.output import Unknown
from pulumi.runtime import rpc

__all__ = [
    "PROVIDER_KEY",
    "UNKNOWN",
    "Secret",
    "contains_unknowns",
    "from_struct",
    "reveal",
    "to_struct",
]

#: The engine's unknown-value sentinel (``pulumi.runtime.rpc.UNKNOWN``).
UNKNOWN: Final[str] = rpc.UNKNOWN
#: The property carrying the pickled provider (``pulumi.dynamic.dynamic.PROVIDER_KEY``).
PROVIDER_KEY: Final[str] = "__provider"

T = TypeVar("T")


@dataclass(frozen=True)
class Secret(Generic[T]):
    """A secret value in harness inputs or stack config (like ``pulumi.Output.secret(value)``).

    Its ``repr`` never shows the value, so a failing assertion cannot print it.
    """

    value: T

    def __repr__(self) -> str:
        return "Secret([secret])"


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from synchronous code, even inside a running event loop's thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(coro)
        finally:
            loop.close()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def reveal(value: Any) -> tuple[Any, bool]:
    """``value`` with every :class:`Secret` (and SDK secret wrapper) removed, and whether it held one.

    :class:`pulumi.output.Unknown` instances become the :data:`UNKNOWN` sentinel string.
    """
    if isinstance(value, Secret):
        inner, _ = reveal(value.value)
        return inner, True
    if rpc.is_rpc_secret(value):
        inner, _ = reveal(rpc.unwrap_rpc_secret(value))
        return inner, True
    if isinstance(value, Unknown):
        return UNKNOWN, False
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        secret = False
        for key, item in value.items():
            out[key], item_secret = reveal(item)
            secret = secret or item_secret
        return out, secret
    if isinstance(value, (list, tuple)):
        items = []
        secret = False
        for item in value:
            plain, item_secret = reveal(item)
            items.append(plain)
            secret = secret or item_secret
        return items, secret
    return value, False


def reveal_properties(props: Mapping[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
    """Plain copy of a property map plus the top-level keys whose values contained a secret."""
    plain: dict[str, Any] = {}
    secret_keys: set[str] = set()
    for key, value in props.items():
        plain[key], secret = reveal(value)
        if secret:
            secret_keys.add(key)
    return plain, frozenset(secret_keys)


def contains_unknowns(value: Any) -> bool:
    """True when ``value`` is, or contains, the :data:`UNKNOWN` sentinel or an ``Unknown`` instance."""
    if isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN):
        return True
    if isinstance(value, Secret):
        return contains_unknowns(value.value)
    if isinstance(value, Mapping):
        return any(contains_unknowns(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknowns(item) for item in value)
    return False


def _wrap_secrets(value: Any) -> Any:
    if isinstance(value, Secret):
        return rpc.wrap_rpc_secret(_wrap_secrets(value.value))
    if isinstance(value, Mapping):
        return {key: _wrap_secrets(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wrap_secrets(item) for item in value]
    return value


def to_struct(props: Mapping[str, Any], *, keep_secrets: bool = False) -> struct_pb2.Struct:
    """Marshal ``props`` with ``rpc.serialize_properties``.

    With ``keep_secrets=False`` (every resource call to a provider that does not accept secrets)
    secrets are sent as their plain values; with ``keep_secrets=True`` (``Configure``) they keep the
    engine's secret signature.
    """
    if keep_secrets:
        plain: Mapping[str, Any] = _wrap_secrets(props)
    else:
        plain, _ = reveal_properties(props)
    return _run(rpc.serialize_properties(dict(plain), {}))


def from_struct(struct: struct_pb2.Struct | None) -> dict[str, Any]:
    """Unmarshal a response struct into plain data (unknowns as :data:`UNKNOWN`, secrets revealed)."""
    if struct is None:
        return {}
    props = rpc.deserialize_properties(struct, keep_unknowns=True)
    plain, _ = reveal_properties(props)
    return plain
