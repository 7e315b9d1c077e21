"""Retry timing: which methods may be repeated, backoff delays, ``Retry-After``, a client-side rate limit.

Pure and thread-safe; no network. :func:`is_read_only` is the retry classification,
:func:`backoff_delay` the capped exponential backoff with jitter, :func:`parse_retry_after` reads an
HTTP 429's ``Retry-After``, and :class:`TokenBucket` spaces requests out.
"""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections.abc import Callable
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Final

__all__ = ["MAX_RETRY_AFTER", "TokenBucket", "backoff_delay", "is_read_only", "parse_retry_after"]

#: Longest ``Retry-After`` (seconds) the client waits for on HTTP 429 before giving up.
MAX_RETRY_AFTER: Final = 120.0

_READ_ONLY_SUFFIXES: Final = frozenset({"get", "list", "search", "listmethods"})
_READ_ONLY_METHODS: Final = frozenset(
    {
        # `auth` changes no stored data: a repeated `auth` only opens one more, unused session.
        "auth",
        "hello.world",
        "hello.innerworld",
        "search",
        "test.accountallowed",
        "test.domainallowed",
        "utils.validator",
        "domain.validate.spf",
        "mail.externaluid",
    }
)


def is_read_only(method: str) -> bool:
    """Whether ``method`` may be sent again after its answer was lost (the retry classification).

    True for methods that change no stored data: every ``*.get``, ``*.list`` and ``*.search``,
    ``mail.passwordreset.listmethods``, the session and test helpers (``auth``, ``hello.world``,
    ``hello.innerworld``, ``search``, ``test.*allowed``, ``utils.validator``), and the read-only
    ``domain.validate.spf`` and ``mail.externaluid``. Everything else, including any method this
    table does not know, is treated as mutating (the safe default). ``deauth`` is mutating: a
    repeated ``deauth`` would fail with 253.
    """
    return method in _READ_ONLY_METHODS or method.rpartition(".")[2] in _READ_ONLY_SUFFIXES


_DELAY_SECONDS = re.compile(r"\d{1,12}(?:\.\d{1,9})?")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or HTTP-date), or None.

    None when the header is absent or unusable; never negative, never raises. ``now`` (epoch
    seconds, default: the current time) is the reference for an HTTP-date.
    """
    if value is None:
        return None
    text = value.strip()
    if _DELAY_SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    reference = time.time() if now is None else now
    try:
        delay = when.timestamp() - reference
    except (OverflowError, OSError, ValueError):
        return None
    return max(0.0, delay) if math.isfinite(delay) else None


def backoff_delay(retry: int, *, base: float, cap: float, rng: Callable[[], float] = random.random) -> float:
    """Delay before retry number ``retry`` (0 for the first): ``min(cap, base * 2**retry)`` with
    "equal jitter", i.e. a uniformly random value between half of that and all of it.

    ``rng`` returns a float in [0, 1) (default :func:`random.random`).
    """
    ceiling = min(cap, base * 2.0 ** min(max(retry, 0), 64))
    return ceiling * (0.5 + 0.5 * rng())


class TokenBucket:
    """A thread-safe token bucket: ``rate`` tokens per second, at most ``capacity`` stored.

    :meth:`acquire` takes one token, waiting for it if needed. Waiting threads reserve their slot
    under the lock and then sleep without holding it, so they are served in order and never block
    one another's bookkeeping. The bucket starts full; ``capacity`` defaults to ``max(1, rate)``
    (bursts of up to one second's worth of requests).
    """

    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError("rate must be a positive number of requests per second")
        self.rate = float(rate)
        self.capacity = max(1.0, self.rate) if capacity is None else float(capacity)
        if not (math.isfinite(self.capacity) and self.capacity >= 1.0):
            raise ValueError("capacity must be at least 1")
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.capacity
        self._stamp = clock()

    def reserve(self) -> float:
        """Take one token now (possibly going into debt); return the seconds until it is due."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0.0 else -self._tokens / self.rate

    def acquire(self) -> float:
        """Take one token, sleeping (without holding the lock) until it is due; return the wait."""
        wait = self.reserve()
        if wait > 0.0:
            self._sleep(wait)
        return wait
