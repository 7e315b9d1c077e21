"""Exceptions raised by pulumi-mailboxorg.

Hierarchy::

    MailboxOrgError                      root: catch this to catch everything below
    ├── ConfigurationError               provider configuration missing or invalid (names key and variable)
    ├── InputError                       a resource input is invalid (names the property)
    ├── TransportError                   no well-formed JSON-RPC answer was obtained
    │   ├── ConnectionFailedError        connection refused, reset or dropped
    │   ├── RequestTimeoutError          connect timeout, or the whole answer missed its deadline
    │   ├── HTTPStatusError              HTTP status other than 200 (``status_code``)
    │   │   └── RateLimitedError         HTTP 429 (``retry_after`` in seconds, or None)
    │   └── InvalidResponseError         body not JSON, or not a JSON-RPC 2.0 response envelope
    ├── ApiError                         the API answered with a JSON-RPC ``error`` object
    │   ├── AuthenticationError          code 2 from ``auth``: wrong user name or password
    │   ├── InvalidSessionError          code 253: the Auth-ID is unknown, expired or logged out
    │   └── DnsVerificationRequiredError code 218: publish ``txt`` at ``host``, then retry
    ├── ChallengeError                   a 218 answer asks for an unusable record (outside the domain, ...)
    ├── UndecidableError                 the evidence cannot tell whether an object exists or is ours
    ├── DnsCheckError                    the DNS propagation check could not run (not "record missing")
    └── VerificationTimeoutError         the ownership TXT record was not accepted in time

Rules every raiser follows:

* Messages say what happened, what to do next, and which property or configuration key is involved.
* No message, ``repr`` or attribute of an exception ever carries a password, an Auth-ID or any other
  secret parameter. :class:`ApiError` keeps the method name and the server's ``code``, ``message``
  and ``data`` only; request parameters are never stored on it.
"""

from __future__ import annotations

from typing import Any, TypeVar

_E = TypeVar("_E", bound="MailboxOrgError")

__all__ = [
    "ApiError",
    "AuthenticationError",
    "ChallengeError",
    "ConfigurationError",
    "ConnectionFailedError",
    "DnsCheckError",
    "DnsVerificationRequiredError",
    "HTTPStatusError",
    "InputError",
    "InvalidResponseError",
    "InvalidSessionError",
    "MailboxOrgError",
    "RateLimitedError",
    "RequestTimeoutError",
    "TransportError",
    "UndecidableError",
    "VerificationTimeoutError",
]


class MailboxOrgError(Exception):
    """Root of every exception this package raises on purpose.

    ``settings`` names, neutrally, the options of the raiser that the error is about (``endpoint``,
    ``username``, ``password``, ``rate_limit``, ``read_timeout``, ``nameservers``): the transport
    and the DNS checker know nothing of stack configuration, and the provider layer
    (:func:`pulumi_mailboxorg.config.name_settings`) adds the stack key and variable to the message.
    """

    settings: tuple[str, ...] = ()

    def about(self: _E, *settings: str) -> _E:
        """Record the neutral option names this error is about; returns the error itself."""
        self.settings = settings
        return self


class ConfigurationError(MailboxOrgError):
    """The provider configuration is missing or invalid.

    ``key`` is the stack configuration key (``mailboxorg:...``) and ``env`` the environment variable
    that could have supplied it.
    """

    def __init__(self, message: str, *, key: str | None = None, env: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.env = env


class InputError(MailboxOrgError):
    """A resource input is invalid; ``property`` names it as the user wrote it."""

    def __init__(self, property_: str, message: str) -> None:
        super().__init__(f"{property_}: {message}")
        self.property = property_
        self.reason = message


class TransportError(MailboxOrgError):
    """The request produced no well-formed JSON-RPC answer.

    ``method`` is the JSON-RPC method; ``sent`` is False when the request certainly never reached
    the server (so even a mutating call may be sent again), True when it may have been processed.
    """

    def __init__(self, message: str, *, method: str, sent: bool = True) -> None:
        super().__init__(message)
        self.method = method
        self.sent = sent


class ConnectionFailedError(TransportError):
    """The connection could not be opened, or it was reset or dropped before an answer."""


class RequestTimeoutError(TransportError):
    """The server did not answer in time: the connect timeout, or the deadline for the whole answer."""


class HTTPStatusError(TransportError):
    """The server answered with an HTTP status other than 200."""

    def __init__(self, message: str, *, method: str, status_code: int, sent: bool = True) -> None:
        super().__init__(message, method=method, sent=sent)
        self.status_code = status_code


class RateLimitedError(HTTPStatusError):
    """HTTP 429: the server refused the request before processing it; ``retry_after`` in seconds."""

    def __init__(self, message: str, *, method: str, retry_after: float | None) -> None:
        super().__init__(message, method=method, status_code=429, sent=False)
        self.retry_after = retry_after


class InvalidResponseError(TransportError):
    """The body was not JSON, or not a JSON-RPC 2.0 response envelope."""


class ApiError(MailboxOrgError):
    """The API answered with a JSON-RPC ``error`` object.

    Attributes: ``method`` (the JSON-RPC method), ``code`` (int), ``api_message`` (the server's text)
    and ``data`` (the optional ``error.data``). Request parameters are deliberately not kept.
    """

    def __init__(self, method: str, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"mailbox.org API error {code} in {method}: {message}")
        self.method = method
        self.code = code
        self.api_message = message
        self.data = data


class AuthenticationError(ApiError):
    """Code 2 from ``auth``: the user name or password was refused."""


class InvalidSessionError(ApiError):
    """Code 253: the Auth-ID is unknown, expired (20 minutes idle) or logged out."""


class DnsVerificationRequiredError(ApiError):
    """Code 218 from ``domain.add``: publish a TXT record ``txt`` at ``host``, then retry."""

    def __init__(self, method: str, code: int, message: str, data: Any = None) -> None:
        super().__init__(method, code, message, data)
        payload = data if isinstance(data, dict) else {}
        self.host: str = str(payload.get("host", "")).rstrip(".")
        self.txt: str = str(payload.get("txt", ""))
        #: ``data`` as it may be quoted in a message: the client scrubs the call's secrets from it
        #: (``data`` itself is kept as sent: its tokens must not be altered).
        self.shown_data: Any = data


class ChallengeError(MailboxOrgError):
    """A 218 answer asks for a record that cannot be used: outside the domain, empty, or not printable."""


class UndecidableError(MailboxOrgError):
    """The provider cannot tell whether an object exists, or whether it is the one it created.

    Raised instead of guessing: nothing is claimed, deleted or forgotten on such evidence, and the
    operation (a refresh included) fails with the state left as it was. The message says what could
    not be decided, which login was used and what to check.
    """


class DnsCheckError(MailboxOrgError):
    """The DNS propagation check could not run (no zone found, no nameserver reachable, ...).

    A record that is simply not (yet) visible is not an error: it is a normal check result.
    """


class VerificationTimeoutError(MailboxOrgError):
    """The ownership TXT record was not accepted by mailbox.org within the verification timeout."""

    def __init__(self, message: str, *, domain: str, host: str, txt: str, waited: float) -> None:
        super().__init__(message)
        self.domain = domain
        self.host = host
        self.txt = txt
        self.waited = waited
