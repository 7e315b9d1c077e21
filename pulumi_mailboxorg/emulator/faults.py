"""Transport faults the emulator can inject, randomly (seeded) or deterministically.

A fault is decided per JSON-RPC call, once its body has been read and its method is known:

========== ===========================================================================================
kind       what the client sees
========== ===========================================================================================
drop       the call **is processed**, then the connection is closed without an answer ("response lost")
reset      the connection is reset (TCP RST) before the call is processed
http5xx    HTTP 503, not processed
slow       the call is processed, the answer is held back ``slow_seconds`` (a client timeout fires first)
malformed  HTTP 200 whose body is not JSON or not a valid JSON-RPC envelope; not processed
expire     the caller's session expires just before processing, so the call gets error 253
ratelimit  HTTP 429 with ``Retry-After: 1``; not processed
false      not processed; answered with result ``false`` (for a delete method: "the server said no")
reshape    not processed; answered with a result of an unexpected shape: the JSON object
           ``{"unexpected": "shape"}``, or, for a method whose result is an object, the JSON array
           ``[{"unexpected": "shape"}]`` (see :func:`reshaped_result`)
========== ===========================================================================================

``false`` and ``reshape`` are never drawn at random unless named in the kinds.

:class:`FaultPlan` combines a random rate over a set of kinds (seeded RNG) with a queue of injected
faults; an injected fault always wins over a random one.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias, cast, get_args

__all__ = [
    "DEFAULT_FAULT_KINDS",
    "FAULT_KINDS",
    "FaultKind",
    "FaultPlan",
    "malformed_body",
    "parse_fault_kinds",
    "reshaped_result",
]

FaultKind: TypeAlias = Literal[
    "drop", "reset", "http5xx", "slow", "malformed", "expire", "ratelimit", "false", "reshape"
]
#: Every fault kind.
FAULT_KINDS: Final[tuple[FaultKind, ...]] = get_args(FaultKind)
#: The kinds random faults are drawn from unless configured otherwise.
DEFAULT_FAULT_KINDS: Final[tuple[FaultKind, ...]] = ("drop", "http5xx", "slow", "malformed", "expire")

#: How many different malformed bodies :func:`malformed_body` produces (used in turn).
MALFORMED_VARIANTS: Final = 4


def parse_fault_kinds(kinds: str | Iterable[str]) -> tuple[FaultKind, ...]:
    """Validate fault kinds given as an iterable or a comma-separated string (empty = none)."""
    items = [item.strip() for item in kinds.split(",")] if isinstance(kinds, str) else list(kinds)
    items = [item for item in items if item]
    unknown = [item for item in items if item not in FAULT_KINDS]
    if unknown:
        raise ValueError(f"unknown fault kind(s) {', '.join(unknown)}; known: {', '.join(FAULT_KINDS)}")
    return tuple(dict.fromkeys(cast(FaultKind, item) for item in items))


def malformed_body(variant: int, request_id: Any) -> tuple[bytes, str]:
    """The body and content type of a malformed answer; ``variant`` cycles through the kinds.

    0: an HTML error page; 1: truncated JSON; 2: an envelope with neither ``result`` nor ``error``;
    3: a well-formed envelope answering a different ``id``.
    """
    kind = variant % MALFORMED_VARIANTS
    if kind == 0:
        return b"<html><body><h1>502 Bad Gateway</h1></body></html>\n", "text/html; charset=utf-8"
    if kind == 1:
        return b'{"jsonrpc": "2.0", "result": {"sess', "application/json"
    if kind == 2:
        envelope: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
    else:
        envelope = {"jsonrpc": "2.0", "result": True, "id": f"not-{request_id}"}
    return json.dumps(envelope).encode(), "application/json"


#: Methods whose result is a JSON object (``mail.list`` too, when paginated).
OBJECT_RESULT_METHODS: Final = frozenset(
    {
        "auth",
        "account.add",
        "account.get",
        "account.set",
        "context.list",
        "domain.add",
        "domain.get",
        "domain.set",
        "mail.add",
        "mail.get",
        "mail.set",
        "search",
    }
)
#: The result of a ``reshape`` fault for a method whose result is not an object.
RESHAPED_OBJECT: Final[dict[str, str]] = {"unexpected": "shape"}


def reshaped_result(method: str, params: Any) -> Any:
    """The answer of a ``reshape`` fault: an array where an object is due, else an object."""
    paginated = method == "mail.list" and isinstance(params, dict) and "page_size" in params
    if method in OBJECT_RESULT_METHODS or paginated:
        return [dict(RESHAPED_OBJECT)]
    return dict(RESHAPED_OBJECT)


@dataclass
class _Injection:
    kind: FaultKind
    remaining: int
    method: str | None


class FaultPlan:
    """Thread-safe fault decisions: a seeded random ``rate`` over ``kinds`` plus injected faults."""

    def __init__(
        self, rate: float = 0.0, kinds: Iterable[str] = DEFAULT_FAULT_KINDS, *, seed: int | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._rate = 0.0
        self._kinds: tuple[FaultKind, ...] = ()
        self._injections: list[_Injection] = []
        self._malformed = 0
        self.configure(rate, kinds)

    @property
    def rate(self) -> float:
        """Probability that a call gets a random fault."""
        return self._rate

    @property
    def kinds(self) -> tuple[FaultKind, ...]:
        """The kinds random faults are drawn from."""
        return self._kinds

    def configure(self, rate: float, kinds: Iterable[str] | None = None) -> None:
        """Set the random fault rate (0..1) and, if given, the kinds it draws from."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("the fault rate must be between 0 and 1")
        parsed = self._kinds if kinds is None else parse_fault_kinds(kinds)
        if rate > 0 and not parsed:
            raise ValueError("a positive fault rate needs at least one fault kind")
        with self._lock:
            self._rate, self._kinds = rate, parsed

    def inject(self, kind: str, count: int = 1, method: str | None = None) -> None:
        """Give the next ``count`` calls (of ``method``, if given) the fault ``kind``."""
        (checked,) = parse_fault_kinds([kind])
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._injections.append(_Injection(checked, count, method))

    @property
    def pending(self) -> int:
        """Number of injected faults not yet delivered."""
        with self._lock:
            return sum(injection.remaining for injection in self._injections)

    def clear(self) -> None:
        """Forget every injected fault (the random rate stays)."""
        with self._lock:
            self._injections.clear()

    def pick(self, method: str) -> FaultKind | None:
        """The fault for one call of ``method``, or None: the first matching injection, else random."""
        with self._lock:
            for injection in self._injections:
                if injection.method is None or injection.method == method:
                    injection.remaining -= 1
                    if injection.remaining == 0:
                        self._injections.remove(injection)
                    return injection.kind
            if self._rate > 0 and self._rng.random() < self._rate:
                return self._rng.choice(self._kinds)
            return None

    def next_malformed_variant(self) -> int:
        """The variant for the next malformed answer (0, 1, 2, 3, 0, ...)."""
        with self._lock:
            variant = self._malformed
            self._malformed += 1
            return variant
