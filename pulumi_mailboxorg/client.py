"""JSON-RPC 2.0 client for the mailbox.org business API (transport only).

This module turns ``client.call("domain.get", {"domain": "example.com"})`` into one HTTPS POST to
``https://api.mailbox.org/v1/`` and the answer into a Python value or a typed exception from
:mod:`pulumi_mailboxorg.errors`. It knows nothing of Pulumi and nothing of what a method means,
except for the small table :func:`is_read_only` that the retry policy needs.

Usage::

    with MailboxOrgClient(username="acme", password=secret) as client:
        domains = client.call("domain.list", {"account": "acme"})

Sessions
    The client logs in lazily, with ``auth``, before the first call that needs a session
    (:data:`ANONYMOUS_METHODS` such as ``auth`` and ``hello.world`` never do), and sends the Auth-ID
    in the ``HPLS-AUTH`` header byte for byte. When the server answers 253 (the Auth-ID expired
    after 20 idle minutes, or was logged out), the client logs in again and repeats that call once;
    the server did not process the refused call, so this is safe for every method. Threads that
    see 253 for the same Auth-ID at the same time share a single new login. :meth:`close` logs out.

Threads
    One client may be used from many threads at once (the dynamic-provider host runs up to four
    operations in parallel). Requests run concurrently over a pool of keep-alive connections; no
    lock is held while a request is in flight, except that threads waiting for the first login (or
    a re-login) wait for it rather than logging in themselves.

Retry policy (one rule, applied per attempt)
    A failed attempt is repeated, at most ``max_retries`` times with capped exponential backoff and
    jitter (:func:`backoff_delay`), when the failure is *transient* and repeating it is *safe*:

    * transient: connection refused/reset/dropped, connect or read timeout, HTTP 502/503/504, a
      malformed body (not JSON, or not a JSON-RPC 2.0 envelope), and HTTP 429. Not transient: TLS
      certificate failures, other HTTP statuses, and every JSON-RPC ``error`` (:class:`ApiError`).
    * safe: the method is read-only (:func:`is_read_only`: ``*.get``, ``*.list``, ``auth``, ...),
      or the request certainly never reached the server (``TransportError.sent`` is False: the
      connection could not be opened, or HTTP 429, which the server answers without processing).

    HTTP 429 waits for ``Retry-After`` (seconds or an HTTP date) when given, else for the backoff
    delay; a ``Retry-After`` beyond :data:`MAX_RETRY_AFTER` seconds is not waited for: the
    :class:`RateLimitedError` is raised at once, with ``retry_after`` set. An optional client-side
    token bucket (``rate_limit`` requests per second, shared by all threads) spaces requests out.

Confirming the outcome of a mutating call
    A mutating call (``*.add``, ``*.set``, ``*.del``, ...) is never sent twice blindly: if its
    answer is lost (connection dropped or reset after sending, read timeout, HTTP 5xx, malformed
    body) the client raises the :class:`TransportError` with ``sent=True``, meaning *it may or may
    not have been applied*. The caller confirms the outcome by reading, then decides:

    * ``account.add`` / ``domain.add`` / ``mail.add``: ``*.get`` the object (or find it in
      ``*.list``). Present with the requested attributes: it was created; absent (per ``*.list``):
      send the call again.
    * ``*.set``: ``*.get`` the object and compare the fields that were sent; send again only the
      ones that differ (the API applies partial updates, so re-sending is idempotent in effect).
    * ``*.del``: the object is gone when it no longer appears in ``*.list``; otherwise delete again.

    Decide absence from ``*.list`` evidence rather than from a guessed "not found" error code (see
    :mod:`pulumi_mailboxorg.guesses`). The API can serve stale reads right after a write, so a
    caller may re-read a few times before concluding. ``sent=False`` means the request never got
    through and may simply be sent again.

Security
    ``https://`` only, except ``http://`` to a loopback host (127.0.0.0/8, ``::1``, ``localhost``)
    for the local emulator. TLS certificates are always verified (``REQUESTS_CA_BUNDLE`` may name a
    CA bundle; verification cannot be turned off). Proxies follow ``HTTPS_PROXY``/``HTTP_PROXY``/
    ``ALL_PROXY`` and ``NO_PROXY``; the CA bundle and proxies are read from the environment once,
    when the client is created. Redirects are not followed (they would carry the
    Auth-ID elsewhere), cookies are refused and ``.netrc`` credentials are never sent. No exception
    message and no log line contains a password, an Auth-ID or any other secret parameter:
    parameters are logged with the keys of :func:`is_secret_param` redacted, and the values of the
    known secrets are scrubbed from server error texts (:func:`scrub`).

Logging
    ``logging.getLogger("pulumi_mailboxorg.client")`` at DEBUG: each call with its redacted
    parameters, each attempt's outcome and duration, retries and logins.
"""

from __future__ import annotations

import http.cookiejar
import ipaddress
import itertools
import json
import logging
import math
import os
import random
import re
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any, Final, NoReturn
from urllib.parse import urlsplit

import requests
import requests.adapters
import requests.utils
from urllib3.exceptions import NewConnectionError, ReadTimeoutError

from pulumi_mailboxorg.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ConnectionFailedError,
    DnsVerificationRequiredError,
    HTTPStatusError,
    InvalidResponseError,
    InvalidSessionError,
    MailboxOrgError,
    RateLimitedError,
    RequestTimeoutError,
    TransportError,
)

__all__ = [
    "ANONYMOUS_METHODS",
    "DEFAULT_ENDPOINT",
    "DEFAULT_USER_AGENT",
    "MAX_RESPONSE_BYTES",
    "MAX_RETRY_AFTER",
    "ClientStats",
    "MailboxOrgClient",
    "TokenBucket",
    "backoff_delay",
    "check_endpoint",
    "is_read_only",
    "is_secret_param",
    "parse_response",
    "parse_retry_after",
    "redact_params",
    "scrub",
]

DEFAULT_ENDPOINT: Final = "https://api.mailbox.org/v1/"

#: Methods the API answers without a session: no login is made for them and no Auth-ID is sent.
ANONYMOUS_METHODS: Final = frozenset(
    {
        "auth",
        "hello.world",
        "mail.register",
        "mail.passwordreset.listmethods",
        "mail.passwordreset.sendsms",
        "mail.passwordreset.setpassword",
        "utils.validator",
    }
)

#: Longest ``Retry-After`` (seconds) the client waits for on HTTP 429 before giving up.
MAX_RETRY_AFTER: Final = 120.0

#: Largest response body accepted (after decompression); a larger one is an InvalidResponseError.
MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024

_log = logging.getLogger(__name__)


def _package_version() -> str:
    try:
        return version("pulumi-mailboxorg")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


#: The default ``User-Agent``.
DEFAULT_USER_AGENT: Final = f"pulumi-mailboxorg/{_package_version()}"

_ENDPOINT_KEY: Final = "mailboxorg:endpoint"
_ENDPOINT_ENV: Final = "MAILBOXORG_ENDPOINT"
_USERNAME_KEY: Final = "mailboxorg:username"
_USERNAME_ENV: Final = "MAILBOXORG_USERNAME"
_PASSWORD_KEY: Final = "mailboxorg:password"  # noqa: S105 (a config key name)
_PASSWORD_ENV: Final = "MAILBOXORG_PASSWORD"  # noqa: S105 (a variable name)
_RATE_LIMIT_KEY: Final = "mailboxorg:rateLimit"
_RATE_LIMIT_ENV: Final = "MAILBOXORG_RATE_LIMIT"

_RETRYABLE_STATUS: Final = frozenset({502, 503, 504})
_POOL_SIZE: Final = 8
_REDACTED: Final = "<redacted>"
#: Secrets shorter than this are not scrubbed from free text (it would garble every message).
_MIN_SCRUB_LENGTH: Final = 4

# Method classification for the retry policy ------------------------------------------------------

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


# Secrets: redaction of parameters and scrubbing of free text -------------------------------------

_SECRET_KEYS: Final = frozenset(
    {
        "pass",
        "password",
        "password_hash",
        "new_account_password",
        "telephone_password",
        "room_password",
        "room_admin_password",
        "token",
        "auth_id",
        "hpls-auth",
        "session",
    }
)
_SECRET_KEY_PARTS: Final = ("password", "secret", "token")


def is_secret_param(key: str) -> bool:
    """Whether a parameter (or result) key holds a secret that must never be logged or shown.

    The keys mailbox.org treats as write-only (``password``, ``pass``, ``password_hash``,
    ``new_account_password``, ``telephone_password``, room passwords), ``token``, Auth-ID carriers,
    and, to be safe, any key containing ``password``, ``secret`` or ``token`` (case-insensitive).
    """
    lowered = key.lower()
    return lowered in _SECRET_KEYS or any(part in lowered for part in _SECRET_KEY_PARTS)


def redact_params(value: Any) -> Any:
    """Return a copy of ``value`` with the values of secret keys replaced, at any depth."""
    if isinstance(value, Mapping):
        return {
            key: _REDACTED if isinstance(key, str) and is_secret_param(key) else redact_params(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact_params(item) for item in value]
    return value


def scrub(text: str, secrets: Collection[str]) -> str:
    """Replace every occurrence of each secret (of at least 4 characters) in ``text``.

    Used on text that comes from the server (error messages) or from the network stack, as a
    second line of defence should a server ever echo a password or an Auth-ID back.
    """
    found = {s for s in secrets if len(s) >= _MIN_SCRUB_LENGTH and s in text}
    if not found:
        return text
    masked = [False] * len(text)
    for secret in found:
        start = text.find(secret)
        while start != -1:  # overlapping occurrences too
            masked[start : start + len(secret)] = [True] * len(secret)
            start = text.find(secret, start + 1)
    pieces: list[str] = []
    for index, char in enumerate(text):
        if not masked[index]:
            pieces.append(char)
        elif index == 0 or not masked[index - 1]:
            pieces.append(_REDACTED)
    result = "".join(pieces)
    # A replacement next to the remaining text could spell a secret again: then withhold it all.
    if any(s in result for s in found):
        return "" if any(s in _REDACTED for s in found) else _REDACTED
    return result


def _scrub_value(value: Any, secrets: Collection[str]) -> Any:
    """``scrub`` applied to every string inside a JSON value (keys included)."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {scrub(str(k), secrets): _scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_value(item, secrets) for item in value]
    return value


def _secret_values(value: Any) -> Iterator[str]:
    """The string values held under secret keys in ``value``, at any depth."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and is_secret_param(key) and isinstance(item, str):
                yield item
            else:
                yield from _secret_values(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _secret_values(item)


# Response parsing (pure) -------------------------------------------------------------------------


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _api_error(method: str, code: int, message: str, data: Any) -> ApiError:
    """Map a JSON-RPC error to the matching :class:`ApiError` subclass."""
    if code == 253:
        return InvalidSessionError(method, code, message, data)
    if code == 218:
        return DnsVerificationRequiredError(method, code, message, data)
    if code == 2 and method == "auth":
        return AuthenticationError(method, code, message, data)
    # Code 2 elsewhere is the guessed "permission denied" (guesses.ERRORS): a plain ApiError.
    return ApiError(method, code, message, data)


def parse_response(
    body: bytes | str,
    *,
    method: str,
    request_id: str,
    secrets: Collection[str] = (),
) -> Any:
    """Decode one JSON-RPC 2.0 response body and return its ``result``.

    Raises :class:`InvalidResponseError` (``sent=True``) when the body is not JSON or not a
    response envelope: not an object, ``jsonrpc`` other than ``"2.0"``, an ``id`` other than
    ``request_id``, neither ``error`` nor ``result``, or an ``error`` that is not an object with an
    integer ``code`` and a string ``message``. ``error`` is checked before ``result`` (the server
    may send ``"result": null`` next to an error); an error answer may carry ``"id": null``, as
    JSON-RPC 2.0 allows when the server could not read the request's id. A well-formed error
    raises the matching :class:`ApiError` subclass (see :func:`_api_error`), its message and data
    scrubbed of ``secrets``. No exception message quotes the body. This function never raises
    anything else, whatever the input.
    """

    def invalid(what: str) -> InvalidResponseError:
        return InvalidResponseError(
            f"mailbox.org sent an invalid answer to {method}: {what}. Check that {_ENDPOINT_KEY} "
            f"({_ENDPOINT_ENV}) points to the mailbox.org JSON-RPC API.",
            method=method,
            sent=True,
        )

    try:
        envelope = json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise invalid("the body is nested too deeply") from None
    except (ValueError, TypeError) as exc:
        # JSONDecodeError's text names only a position, never the content.
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise invalid(f"the body is not JSON ({reason}, {len(body)} bytes)") from None
    if not isinstance(envelope, dict):
        raise invalid(f"the body is a JSON {type(envelope).__name__}, not a JSON-RPC object")
    if envelope.get("jsonrpc") != "2.0":
        raise invalid('the "jsonrpc" member is not "2.0"')
    error = envelope.get("error")
    response_id = envelope.get("id")
    id_matches = isinstance(response_id, str) and response_id == request_id
    if error is not None:
        if not (id_matches or response_id is None):
            raise invalid(f'the error answer\'s "id" is not the request\'s id "{request_id}"')
        if not isinstance(error, dict):
            raise invalid('the "error" member is not an object')
        code = error.get("code")
        message = error.get("message")
        if not isinstance(code, int) or isinstance(code, bool):
            raise invalid('the "error" object has no integer "code"')
        if not isinstance(message, str):
            raise invalid('the "error" object has no string "message"')
        data = error.get("data")
        if code == 218:
            # host/txt are server-issued tokens; scrubbing could corrupt them.
            raise _api_error(method, code, scrub(message, secrets), data)
        raise _api_error(method, code, scrub(message, secrets), _scrub_value(data, secrets))
    if not id_matches:
        raise invalid(f'the answer\'s "id" is not the request\'s id "{request_id}"')
    if "result" not in envelope:
        raise invalid('the answer has neither "result" nor "error"')
    return envelope["result"]


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


# Client-side rate limit --------------------------------------------------------------------------


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


# Endpoint validation -----------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(endpoint: str) -> str:
    """Validate the API endpoint URL and return it; raise :class:`ConfigurationError` if unusable.

    ``https://`` is required; ``http://`` is accepted only for a loopback host (127.0.0.0/8,
    ``::1``, ``localhost``), i.e. the local emulator. The URL must name a host and must not carry
    credentials (``user:pass@``).
    """

    def refuse(why: str) -> ConfigurationError:
        return ConfigurationError(
            f"{_ENDPOINT_KEY} ({_ENDPOINT_ENV}) {why}; use {DEFAULT_ENDPOINT} (the default) or, "
            "for the local emulator, http://127.0.0.1:PORT/v1/",
            key=_ENDPOINT_KEY,
            env=_ENDPOINT_ENV,
        )

    if not isinstance(endpoint, str) or not endpoint.strip():
        raise refuse("is empty")
    try:
        parts = urlsplit(endpoint.strip())
        host = parts.hostname
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError:
        raise refuse("is not a valid URL") from None
    if parts.scheme not in ("https", "http"):
        raise refuse("must start with https://")
    if not host:
        raise refuse("names no host")
    if parts.username is not None or parts.password is not None:
        raise refuse("must not contain credentials; set mailboxorg:username and mailboxorg:password")
    if parts.scheme == "http" and not _is_loopback(host):
        raise refuse("uses http://, which is allowed only for a loopback host (127.0.0.1, ::1, localhost)")
    return endpoint.strip()


# The client --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientStats:
    """Counters of one client (a snapshot).

    ``calls``: HTTP requests attempted (every attempt, logins and the logout included);
    ``logins``: successful logins made by the client; ``retries``: attempts that repeated an
    earlier one (transport retries, and the repeat of a call after a re-login).
    """

    calls: int = 0
    logins: int = 0
    retries: int = 0


@dataclass(frozen=True)
class _Session:
    auth_id: str = field(repr=False)
    level: str


class _AttemptFailed(Exception):
    """Internal: one attempt failed at the transport level; ``transient`` means worth retrying."""

    def __init__(self, error: TransportError, *, transient: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.transient = transient


def _environment_settings(endpoint: str) -> tuple[dict[str, str], str | bool]:
    """The proxies and CA bundle ``requests`` would take from the environment for ``endpoint``.

    Read once per client: with ``trust_env`` on, requests scans the whole environment twice on
    every request (``*_PROXY``/``NO_PROXY``), which costs more CPU than the rest of a call on a CI
    runner's large environment. The result is the same: ``HTTPS_PROXY``/``HTTP_PROXY``/
    ``ALL_PROXY`` unless ``NO_PROXY`` names the endpoint's host, and ``REQUESTS_CA_BUNDLE`` (else
    ``CURL_CA_BUNDLE``) as the CA bundle. ``.netrc`` is not read (the API authenticates by header).
    """
    proxies = dict(requests.utils.get_environ_proxies(endpoint))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return proxies, bundle or True


_VALID_AUTH_ID = re.compile(r"[\x21-\x7e]{1,4096}")  # visible ASCII only: safe as a header value
_VALID_USER_AGENT = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,510}[\x21-\x7e])?")


def _sleep(seconds: float) -> None:
    """Wait between retries (a module-level indirection, so tests can observe the delays)."""
    time.sleep(seconds)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it wraps (requests/urllib3 nest them in args and ``reason``)."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [getattr(current, "reason", None), current.__cause__, current.__context__]
        nested.extend(current.args)
        stack.extend(item for item in nested if isinstance(item, BaseException))


def _innermost(exc: BaseException) -> str:
    """A short description of the deepest cause of a requests exception."""
    deepest = list(_causes(exc))[-1]
    text = str(deepest) or type(deepest).__name__
    return text if len(text) <= 200 else text[:197] + "..."


class MailboxOrgClient:
    """A thread-safe JSON-RPC 2.0 client for the mailbox.org business API.

    ``endpoint`` is validated by :func:`check_endpoint`. ``username``/``password`` are needed only
    once a method requires a session. ``connect_timeout``/``read_timeout`` are seconds (the read
    timeout applies to each wait for data). ``max_retries`` bounds the retries of one call;
    ``backoff_base``/``backoff_max`` shape their delays. ``rate_limit`` (requests per second)
    enables a client-side :class:`TokenBucket` shared by all threads. See the module docstring for
    the session, retry and security behaviour.
    """

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        username: str | None = None,
        password: str | None = None,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        rate_limit: float | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        self._endpoint = check_endpoint(endpoint)
        for name, value in (("connect_timeout", connect_timeout), ("read_timeout", read_timeout)):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number of seconds")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError("max_retries must be an integer >= 0")
        for name, value in (("backoff_base", backoff_base), ("backoff_max", backoff_max)):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a number of seconds >= 0")
        if rate_limit is not None and not (math.isfinite(rate_limit) and rate_limit > 0):
            raise ConfigurationError(
                f"{_RATE_LIMIT_KEY} ({_RATE_LIMIT_ENV}) must be a positive number of requests "
                "per second, or unset for no limit",
                key=_RATE_LIMIT_KEY,
                env=_RATE_LIMIT_ENV,
            )
        if not _VALID_USER_AGENT.fullmatch(user_agent):
            raise ValueError("user_agent must be non-empty printable ASCII")

        self._username = username or None
        self._password = password or None
        self._timeout = (float(connect_timeout), float(read_timeout))
        self._max_retries = max_retries
        self._backoff_base = float(backoff_base)
        self._backoff_max = float(backoff_max)
        self._bucket = TokenBucket(rate_limit) if rate_limit is not None else None
        self._user_agent = user_agent

        self._http = requests.Session()
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=2, pool_maxsize=_POOL_SIZE, max_retries=0, pool_block=False
        )
        self._http.mount("https://", adapter)
        self._http.mount("http://", adapter)
        self._http.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._http.trust_env = False  # the environment is read once, here (no .netrc either)
        self._proxies, self._verify = _environment_settings(self._endpoint)
        # Every call is a POST of JSON to the same URL: prepare that once (URL parsing, header and
        # session-default merging) and copy it per call, instead of Session.request doing it anew.
        self._template = self._http.prepare_request(
            requests.Request(
                "POST",
                self._endpoint,
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "User-Agent": self._user_agent,
                },
            )
        )

        self._login_lock = threading.Lock()  # held while logging in; guards _session writes
        self._session: _Session | None = None
        self._closed = False
        self._stats_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._calls = 0
        self._logins = 0
        self._retries = 0

    # Public API ----------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """The validated API endpoint."""
        return self._endpoint

    @property
    def level(self) -> str | None:
        """The session's level (``reseller``, ``account``, ...) once logged in, else None."""
        session = self._session
        return session.level if session is not None else None

    @property
    def stats(self) -> ClientStats:
        """A snapshot of the client's counters."""
        with self._stats_lock:
            return ClientStats(calls=self._calls, logins=self._logins, retries=self._retries)

    def login(self) -> str:
        """Log in now unless a session is already held; return the session's level.

        Calls log in lazily, so this is needed only to check the credentials early. Raises
        :class:`AuthenticationError` when they are refused and :class:`ConfigurationError` when
        they are missing.
        """
        self._check_open()
        return self._ensure_session().level

    def call(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        """Call a JSON-RPC method and return its ``result``.

        ``params`` are the method's named parameters (``{}`` is sent when None). Logs in first if
        the method needs a session; on 253 logs in again and repeats the call once. Raises
        :class:`ApiError` (and subclasses) for an ``error`` answer and :class:`TransportError`
        (and subclasses) when no valid answer was obtained, after the retries the policy allows.
        Calling ``deauth`` ends the client's session (the next call logs in again).
        """
        self._check_open()
        if not isinstance(method, str) or not method:
            raise ValueError("method must be a non-empty string")
        if params is not None and not isinstance(params, Mapping):
            raise TypeError(f"params of {method} must be a mapping of named parameters")
        arguments = dict(params) if params is not None else {}
        if method in ANONYMOUS_METHODS:
            return self._send(method, arguments, None)
        session = self._ensure_session()
        try:
            result = self._send(method, arguments, session)
        except InvalidSessionError:
            if method == "deauth":
                self._forget(session)
                raise
            _log.debug("%s: the session is no longer valid; logging in again", method)
            session = self._renew_session(session)
            self._count(retries=1)
            result = self._send(method, arguments, session)
        if method == "deauth":
            self._forget(session)
        return result

    def close(self) -> None:
        """Log out (``deauth``, one attempt, errors ignored) and release the connections.

        Idempotent. The client cannot be used afterwards.
        """
        with self._login_lock:
            if self._closed:
                return
            self._closed = True
            session, self._session = self._session, None
        try:
            if session is not None:
                try:
                    self._send("deauth", {}, session, max_retries=0)
                except MailboxOrgError as exc:
                    _log.debug("deauth on close failed (ignored): %s", type(exc).__name__)
        finally:
            self._http.close()

    def __enter__(self) -> MailboxOrgClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(endpoint={self._endpoint!r}, username={self._username!r}, "
            f"level={self.level!r})"
        )

    def __reduce__(self) -> NoReturn:
        # Pulumi pickles dynamic providers (with dill, which also pickles locks) into the stack
        # state: a captured client would carry the password there in clear text.
        raise TypeError(
            "a MailboxOrgClient holds credentials and connections and cannot be serialised; "
            "create it where it is used (e.g. inside the provider's methods), not in captured state"
        )

    # Sessions ------------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this MailboxOrgClient is closed; create a new one")

    def _ensure_session(self) -> _Session:
        session = self._session
        if session is not None:
            return session
        with self._login_lock:
            if self._session is None:
                self._session = self._login_locked()
            return self._session

    def _renew_session(self, failed: _Session) -> _Session:
        """Replace the session that got 253, unless another thread already did (one re-login)."""
        with self._login_lock:
            current = self._session
            if current is not None and current.auth_id != failed.auth_id:
                return current
            self._session = None
            self._session = self._login_locked()
            return self._session

    def _forget(self, session: _Session) -> None:
        with self._login_lock:
            if self._session is not None and self._session.auth_id == session.auth_id:
                self._session = None

    def _login_locked(self) -> _Session:
        """Call ``auth`` (with ``_login_lock`` held) and return the new session."""
        if self._username is None:
            raise ConfigurationError(
                f"no user name to log in with: set {_USERNAME_KEY} ({_USERNAME_ENV})",
                key=_USERNAME_KEY,
                env=_USERNAME_ENV,
            )
        if self._password is None:
            raise ConfigurationError(
                f"no password to log in as {self._username!r} with: set {_PASSWORD_KEY} "
                f"({_PASSWORD_ENV}) as a secret",
                key=_PASSWORD_KEY,
                env=_PASSWORD_ENV,
            )
        try:
            result = self._send("auth", {"user": self._username, "pass": self._password}, None)
        except AuthenticationError as exc:
            exc.args = (
                f"mailbox.org refused the login of {self._username!r} (API error {exc.code}: "
                f"{exc.api_message}). Check {_USERNAME_KEY} ({_USERNAME_ENV}) and {_PASSWORD_KEY} "
                f"({_PASSWORD_ENV}). If this is `pulumi refresh` or `pulumi destroy`: they log in with the "
                "configuration of the last `pulumi up`, not the current one (pulumi/pulumi#4981), so "
                "after a password change run them with `--run-program`, or run `pulumi up` first.",
            )
            raise
        if not isinstance(result, dict):
            raise self._bad_auth_result("the result is not an object")
        auth_id, level = result.get("session"), result.get("level")
        if not isinstance(auth_id, str) or not _VALID_AUTH_ID.fullmatch(auth_id):
            raise self._bad_auth_result('"session" is not a usable Auth-ID')
        if not isinstance(level, str) or not level:
            raise self._bad_auth_result('"level" is missing')
        self._count(logins=1)
        _log.debug("logged in as %r (level %s)", self._username, level)
        return _Session(auth_id=auth_id, level=level)

    @staticmethod
    def _bad_auth_result(what: str) -> InvalidResponseError:
        return InvalidResponseError(
            f"mailbox.org sent an invalid answer to auth: {what}. Check that {_ENDPOINT_KEY} "
            f"({_ENDPOINT_ENV}) points to the mailbox.org JSON-RPC API.",
            method="auth",
            sent=True,
        )

    # Requests ------------------------------------------------------------------------------------

    def _count(self, *, calls: int = 0, logins: int = 0, retries: int = 0) -> None:
        with self._stats_lock:
            self._calls += calls
            self._logins += logins
            self._retries += retries

    def _next_id(self) -> str:
        with self._stats_lock:
            return str(next(self._ids))

    def _secrets(self, params: Mapping[str, Any], session: _Session | None) -> list[str]:
        secrets = list(_secret_values(params))
        if self._password is not None:
            secrets.append(self._password)
        if session is not None:
            secrets.append(session.auth_id)
        current = self._session
        if current is not None:
            secrets.append(current.auth_id)
        return secrets

    def _send(
        self,
        method: str,
        params: Mapping[str, Any],
        session: _Session | None,
        *,
        max_retries: int | None = None,
    ) -> Any:
        """Send one call with the retry policy; return the result or raise the last error."""
        limit = self._max_retries if max_retries is None else max_retries
        read_only = is_read_only(method)
        secrets = self._secrets(params, session)
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("call %s params=%s", method, scrub(repr(redact_params(params)), secrets))
        retry = 0
        while True:
            try:
                return self._attempt(method, params, session, read_only, secrets, retry)
            except _AttemptFailed as failure:
                error = failure.error
                safe = read_only or not error.sent
                if not (failure.transient and safe) or retry >= limit:
                    raise error from error.__cause__
                delay = backoff_delay(retry, base=self._backoff_base, cap=self._backoff_max)
                if isinstance(error, RateLimitedError) and error.retry_after is not None:
                    if error.retry_after > MAX_RETRY_AFTER:
                        raise error from error.__cause__
                    delay = error.retry_after
                retry += 1
                self._count(retries=1)
                _log.debug(
                    "%s: retry %d/%d in %.2f s after %s", method, retry, limit, delay, type(error).__name__
                )
                _sleep(delay)

    def _attempt(
        self,
        method: str,
        params: Mapping[str, Any],
        session: _Session | None,
        read_only: bool,
        secrets: Collection[str],
        retry: int,
    ) -> Any:
        """One HTTP exchange. Raises ApiError, or _AttemptFailed for transport failures."""
        request_id = self._next_id()
        try:
            body = json.dumps(
                {"jsonrpc": "2.0", "method": method, "params": params, "id": request_id},
                allow_nan=False,
            ).encode("ascii")
        except (TypeError, ValueError) as exc:
            # The encoder's message may quote a value; name only the kind of problem.
            raise TypeError(
                f"the params of {method} cannot be encoded as JSON ({type(exc).__name__})"
            ) from None
        auth_id = session.auth_id if session is not None else None
        if self._bucket is not None:
            self._bucket.acquire()
        self._count(calls=1)
        started = time.monotonic()
        outcome = "?"
        try:
            status, reason, location, retry_after, content = self._exchange(body, auth_id, method)
            outcome = f"HTTP {status}"
            result = self._interpret(
                method, request_id, status, reason, location, retry_after, content, secrets
            )
            outcome = "ok"
            return result
        except ApiError as exc:
            outcome = f"API error {exc.code}"
            raise
        except _AttemptFailed as failure:
            outcome = type(failure.error).__name__
            raise self._with_guidance(failure, read_only) from None
        finally:
            _log.debug(
                "%s id=%s attempt %d: %s in %.1f ms",
                method,
                request_id,
                retry + 1,
                outcome,
                (time.monotonic() - started) * 1000.0,
            )

    @staticmethod
    def _with_guidance(failure: _AttemptFailed, read_only: bool) -> _AttemptFailed:
        """Tell the caller of a mutating call whose answer was lost how to confirm the outcome."""
        error = failure.error
        if read_only or not error.sent:
            return failure
        hint = (
            f" {error.method} may or may not have been applied: read the object back (*.get or "
            "*.list) to confirm before sending it again."
        )
        text = str(error).rstrip()
        if not text.endswith((".", "!", "?", ")")):
            text += "."
        error.args = (text + hint, *error.args[1:])
        return failure

    def _exchange(
        self, body: bytes, auth_id: str | None, method: str
    ) -> tuple[int, str, str | None, str | None, bytes]:
        """POST ``body`` (with ``HPLS-AUTH: auth_id`` unless None); return (status, reason, Location,
        Retry-After, body) or raise _AttemptFailed."""
        request = self._template.copy()
        if auth_id is not None:
            request.headers["HPLS-AUTH"] = auth_id
        request.prepare_body(body, None)
        try:
            with self._http.send(
                request,
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,
                proxies=self._proxies,
                verify=self._verify,
            ) as response:
                content = self._read_body(response, method)
                return (
                    response.status_code,
                    response.reason or "",
                    response.headers.get("Location"),
                    response.headers.get("Retry-After"),
                    content,
                )
        except requests.RequestException as exc:
            raise self._transport_failure(exc, method) from None

    @staticmethod
    def _read_body(response: requests.Response, method: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise _AttemptFailed(
                    InvalidResponseError(
                        f"mailbox.org's answer to {method} exceeds {MAX_RESPONSE_BYTES} bytes",
                        method=method,
                        sent=True,
                    ),
                    transient=False,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _transport_failure(self, exc: requests.RequestException, method: str) -> _AttemptFailed:
        """Map a requests exception to a TransportError, deciding ``sent`` and transience."""
        host = urlsplit(self._endpoint).netloc
        detail = _innermost(exc)
        error: TransportError
        if isinstance(exc, requests.exceptions.SSLError):
            error = ConnectionFailedError(
                f"TLS with {host} failed for {method}: {detail}. Certificates are always verified; "
                "if a proxy re-signs TLS, point REQUESTS_CA_BUNDLE at its CA bundle.",
                method=method,
                sent=False,
            )
            error.__cause__ = exc
            return _AttemptFailed(error, transient=False)
        causes = list(_causes(exc))
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            error = RequestTimeoutError(
                f"connecting to {host} for {method} timed out ({detail})", method=method, sent=False
            )
        elif isinstance(exc, requests.exceptions.Timeout) or any(
            isinstance(c, ReadTimeoutError) for c in causes
        ):
            error = RequestTimeoutError(
                f"{host} did not answer {method} within {self._timeout[1]:g} s", method=method, sent=True
            )
        elif isinstance(exc, requests.exceptions.ConnectionError) and any(
            isinstance(c, NewConnectionError) for c in causes
        ):
            error = ConnectionFailedError(
                f"cannot connect to {host} for {method}: {detail}", method=method, sent=False
            )
        elif isinstance(exc, requests.exceptions.ContentDecodingError):
            error = InvalidResponseError(
                f"{host} sent an undecodable body in answer to {method}", method=method, sent=True
            )
        elif isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
            error = ConnectionFailedError(
                f"the connection to {host} broke before {method} was answered: {detail}",
                method=method,
                sent=True,
            )
        else:
            error = ConnectionFailedError(
                f"the request for {method} to {host} failed: {type(exc).__name__}", method=method, sent=True
            )
        error.__cause__ = exc
        return _AttemptFailed(error, transient=True)

    def _interpret(
        self,
        method: str,
        request_id: str,
        status: int,
        reason: str,
        location: str | None,
        retry_after: str | None,
        content: bytes,
        secrets: Collection[str],
    ) -> Any:
        """Turn an HTTP answer into the result, an ApiError, or _AttemptFailed."""
        host = urlsplit(self._endpoint).netloc
        if status == 429:
            seconds = parse_retry_after(retry_after)
            wait = f"; it asks to wait {seconds:g} s" if seconds is not None else ""
            raise _AttemptFailed(
                RateLimitedError(
                    f"{host} is rate limiting requests (HTTP 429) and did not process {method}{wait}. "
                    f"Lower {_RATE_LIMIT_KEY} ({_RATE_LIMIT_ENV}) or reduce parallelism.",
                    method=method,
                    retry_after=seconds,
                ),
                transient=True,
            )
        if status in _RETRYABLE_STATUS:
            raise _AttemptFailed(
                HTTPStatusError(
                    f"{host} answered {method} with HTTP {status} {reason}: the service or a proxy "
                    "in between is unavailable; try again later",
                    method=method,
                    status_code=status,
                ),
                transient=True,
            )
        try:
            return_value = parse_response(content, method=method, request_id=request_id, secrets=secrets)
        except InvalidResponseError as exc:
            if status == 200:
                raise _AttemptFailed(exc, transient=True) from None
        else:
            if status == 200:
                return return_value
        # Any other status whose body is not a JSON-RPC error (an ApiError would have propagated).
        if 300 <= status < 400:
            target = urlsplit(location or "")
            where = f" to {target.scheme}://{target.netloc}{target.path}" if target.netloc else ""
            message = (
                f"{host} redirected {method} (HTTP {status}){where}; redirects are not followed. "
                f"Set {_ENDPOINT_KEY} ({_ENDPOINT_ENV}) to the final URL."
            )
        else:
            message = f"{host} answered {method} with HTTP {status} {reason}".rstrip()
        raise _AttemptFailed(HTTPStatusError(message, method=method, status_code=status), transient=False)
