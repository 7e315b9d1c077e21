"""The deadline of the operation running in this thread, without any instance state.

The engine sends a ``timeout`` with ``Create`` and ``Update`` (a resource's ``customTimeouts``). The
dynamic host ignores it; the native plugin (:mod:`.plugin`) runs each operation inside
:func:`deadline_of` so the resource layer can end a long wait (the Domain verification wait) at the
earlier of that deadline and its own budget. A :class:`contextvars.ContextVar` keeps the deadline per
operation: every operation runs in a worker thread of its own context, and provider instances stay
tiny and picklable (see :mod:`.provider`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = ["deadline_of", "remaining"]

#: ``time.monotonic()`` at which the current operation must end; None: no deadline.
_deadline: ContextVar[float | None] = ContextVar("mailboxorg_operation_deadline", default=None)


@contextlib.contextmanager
def deadline_of(timeout: float | None) -> Iterator[None]:
    """Run the block as an operation that must end within ``timeout`` seconds (None or <= 0: none;
    the engine sends 0 when the resource sets no custom timeout)."""
    token = _deadline.set(time.monotonic() + timeout if timeout and timeout > 0 else None)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left until the current operation's deadline (never negative), or None without one."""
    deadline = _deadline.get()
    return None if deadline is None else max(0.0, deadline - time.monotonic())
