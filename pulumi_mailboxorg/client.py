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

    * transient: connection refused/reset/dropped, a connect timeout or an answer not complete within
      the deadline (``read_timeout``: the whole answer, however it trickles), HTTP 502/503/504, a
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
    answer is lost (connection dropped or reset after sending, answer deadline passed, HTTP 5xx, malformed
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
    ``ALL_PROXY`` and ``NO_PROXY`` for ``https://`` endpoints; an ``http://`` (loopback) endpoint is
    never proxied, so no proxy sees credentials in clear; the CA bundle and proxies are read from
    the environment once, when the client is created. Redirects are not followed (they would carry the
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
import re
import threading
import time
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any, Final, NoReturn
from urllib.parse import urlsplit

import requests
import requests.utils
from urllib3.exceptions import NewConnectionError, ReadTimeoutError

from pulumi_mailboxorg.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ConnectionFailedError,
    HTTPStatusError,
    InvalidResponseError,
    InvalidSessionError,
    MailboxOrgError,
    RateLimitedError,
    RequestTimeoutError,
    TransportError,
)

from .deadlines import DeadlineAdapter, exchange_deadline

# The pure parts live in their own modules; their public names stay importable from here.
from .envelope import parse_response
from .retrying import MAX_RETRY_AFTER, TokenBucket, backoff_delay, is_read_only, parse_retry_after
from .scrubbing import is_secret_param, redact_params, scrub, secret_values

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


_RETRYABLE_STATUS: Final = frozenset({502, 503, 504})
#: Keep-alive connections kept per client: the native plugin runs up to 32 operations at once.
_POOL_SIZE: Final = 32

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
        error = ConfigurationError(
            f"the endpoint {why}; use {DEFAULT_ENDPOINT} (the default) or, "
            "for the local emulator, http://127.0.0.1:PORT/v1/"
        )
        error.about("endpoint")
        return error

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
        raise refuse("must not contain credentials; give the user name and the password separately")
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
    An ``http://`` endpoint (loopback only, see :func:`check_endpoint`) is never proxied.
    """
    parts = urlsplit(endpoint)
    if parts.scheme == "http" and _is_loopback(parts.hostname or ""):
        # Plain HTTP is allowed only to loopback (the emulator); a proxy would see the password and
        # the Auth-ID in clear. Like Go's net/http, loopback is never proxied.
        return {}, True
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


def _innermost(exc: BaseException, secrets: Collection[str] = ()) -> str:
    """A short description of the deepest cause of a requests exception, scrubbed of ``secrets``.

    The text may quote what the server sent (``BadStatusLine`` quotes the status line), so it is
    scrubbed before it is shortened: a cut must never leave the start of a secret behind.
    """
    deepest = list(_causes(exc))[-1]
    text = scrub(str(deepest), secrets) or type(deepest).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _scrub_error(error: TransportError, secrets: Collection[str]) -> None:
    """Scrub ``secrets`` from an error's message, and drop its cause when that quotes one.

    Every text a server sends (reason phrases, status lines, a redirect's target) ends up in
    these messages; the cause (a requests exception) would show the same text in a traceback.
    """
    if error.args and isinstance(error.args[0], str):
        cleaned = scrub(error.args[0], secrets)
        if cleaned != error.args[0]:
            error.args = (cleaned, *error.args[1:])
    cause = error.__cause__
    if cause is not None and any(scrub(str(c), secrets) != str(c) for c in _causes(cause)):
        error.__cause__ = None
        error.__suppress_context__ = True


class MailboxOrgClient:
    """A thread-safe JSON-RPC 2.0 client for the mailbox.org business API.

    ``endpoint`` is validated by :func:`check_endpoint`. ``username``/``password`` are needed only
    once a method requires a session. ``read_timeout`` is the longest wait, in seconds, for one whole
    answer (connecting, sending, the status line, the headers and the whole body); a server that
    trickles its answer is cut off then, like any timeout. ``connect_timeout`` bounds opening the
    connection (within that deadline). ``max_retries`` bounds the retries of one call;
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
                "the rate limit must be a positive number of requests per second, or unset for no limit"
            ).about("rate_limit")
        if not _VALID_USER_AGENT.fullmatch(user_agent):
            raise ValueError("user_agent must be non-empty printable ASCII")

        self._username = username or None
        self._password = password or None
        self._deadline = float(read_timeout)
        self._timeout = (min(float(connect_timeout), self._deadline), self._deadline)
        self._max_retries = max_retries
        self._backoff_base = float(backoff_base)
        self._backoff_max = float(backoff_max)
        self._bucket = TokenBucket(rate_limit) if rate_limit is not None else None
        self._user_agent = user_agent

        self._http = requests.Session()
        adapter = DeadlineAdapter(
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
    def username(self) -> str | None:
        """The login name this client authenticates as (None: anonymous calls only)."""
        return self._username

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
            raise ConfigurationError("no user name to log in with: set the user name").about("username")
        if self._password is None:
            raise ConfigurationError(
                f"no password to log in as {self._username!r} with: set the password (as a secret)"
            ).about("password")
        try:
            result = self._send("auth", {"user": self._username, "pass": self._password}, None)
        except AuthenticationError as exc:
            exc.args = (
                f"mailbox.org refused the login of {self._username!r} (API error {exc.code}: "
                f"{exc.api_message}). Check the user name and the password.",
            )
            exc.about("username", "password")
            raise
        if not isinstance(result, dict):
            raise self._bad_auth_result("the result is not an object")
        auth_id, level = result.get("session"), result.get("level")
        if not isinstance(auth_id, str) or not _VALID_AUTH_ID.fullmatch(auth_id):
            raise self._bad_auth_result('"session" is not a usable Auth-ID')
        if not isinstance(level, str) or not level:
            raise self._bad_auth_result('"level" is missing')
        self._count(logins=1)
        _log.debug("logged in as %r (level %r)", self._username, level)
        return _Session(auth_id=auth_id, level=level)

    @staticmethod
    def _bad_auth_result(what: str) -> InvalidResponseError:
        error = InvalidResponseError(
            f"mailbox.org sent an invalid answer to auth: {what}. Check that the endpoint points to "
            "the mailbox.org JSON-RPC API.",
            method="auth",
            sent=True,
        )
        error.about("endpoint")
        return error

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
        secrets = list(secret_values(params))
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
            status, reason, location, retry_after, content = self._exchange(body, auth_id, method, secrets)
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
            _scrub_error(failure.error, secrets)
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
        self, body: bytes, auth_id: str | None, method: str, secrets: Collection[str] = ()
    ) -> tuple[int, str, str | None, str | None, bytes]:
        """POST ``body`` (with ``HPLS-AUTH: auth_id`` unless None); return (status, reason, Location,
        Retry-After, body) or raise _AttemptFailed."""
        request = self._template.copy()
        if auth_id is not None:
            request.headers["HPLS-AUTH"] = auth_id
        request.prepare_body(body, None)
        with exchange_deadline(self._deadline) as exchange:
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
                    exchange.finish()  # before the connection goes back to the pool
                    answer = (
                        response.status_code,
                        response.reason or "",
                        response.headers.get("Location"),
                        response.headers.get("Retry-After"),
                        content,
                    )
            except requests.RequestException as exc:
                if exchange.expired and not isinstance(exc, requests.exceptions.ConnectTimeout):
                    raise self._deadline_passed(method, exc) from None
                raise self._transport_failure(exc, method, secrets) from None
            except _AttemptFailed:
                if exchange.expired:
                    raise self._deadline_passed(method, None) from None
                raise
            if exchange.expired:  # cut off: what was read may look complete but is not the answer
                raise self._deadline_passed(method, None)
            return answer

    def _deadline_passed(self, method: str, cause: BaseException | None) -> _AttemptFailed:
        """The whole-answer deadline passed: a timeout whose request may have been processed."""
        host = urlsplit(self._endpoint).netloc
        error = RequestTimeoutError(
            f"{host} did not answer {method} within {self._deadline:g} s", method=method, sent=True
        ).about("read_timeout")
        error.__cause__ = cause
        return _AttemptFailed(error, transient=True)

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

    def _transport_failure(
        self, exc: requests.RequestException, method: str, secrets: Collection[str] = ()
    ) -> _AttemptFailed:
        """Map a requests exception to a TransportError, deciding ``sent`` and transience."""
        host = urlsplit(self._endpoint).netloc
        detail = _innermost(exc, secrets)
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
                f"{host} did not answer {method} within {self._deadline:g} s", method=method, sent=True
            ).about("read_timeout")
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
        reason = reason if reason.isprintable() else repr(reason)  # server text: no forged lines
        if status == 429:
            seconds = parse_retry_after(retry_after)
            wait = f"; it asks to wait {seconds:g} s" if seconds is not None else ""
            raise _AttemptFailed(
                RateLimitedError(
                    f"{host} is rate limiting requests (HTTP 429) and did not process {method}{wait}. "
                    "Lower the rate limit or reduce parallelism.",
                    method=method,
                    retry_after=seconds,
                ).about("rate_limit"),
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
                "Set the endpoint to the final URL."
            )
        else:
            message = f"{host} answered {method} with HTTP {status} {reason}".rstrip()
        error = HTTPStatusError(message, method=method, status_code=status).about("endpoint")
        raise _AttemptFailed(error, transient=False)
