"""JSON-RPC 2.0 response envelopes: decoding one answer body into a result or a typed error (pure).

:func:`parse_response` never raises anything but :class:`~pulumi_mailboxorg.errors.ApiError` (and
subclasses) for a well-formed ``error`` answer and
:class:`~pulumi_mailboxorg.errors.InvalidResponseError` for anything else; no message quotes the body,
and the server's texts are scrubbed of the call's secrets.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any, NoReturn

from .errors import (
    ApiError,
    AuthenticationError,
    DnsVerificationRequiredError,
    InvalidResponseError,
    InvalidSessionError,
)
from .scrubbing import scrub, scrub_value

__all__ = ["parse_response"]


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
        error = InvalidResponseError(
            f"mailbox.org sent an invalid answer to {method}: {what}. Check that the endpoint "
            "points to the mailbox.org JSON-RPC API.",
            method=method,
            sent=True,
        )
        error.about("endpoint")
        return error

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
            # host/txt are server-issued tokens; scrubbing could corrupt them. Only the copy that a
            # message may quote (an unusable challenge) is scrubbed.
            required = _api_error(method, code, scrub(message, secrets), data)
            if isinstance(required, DnsVerificationRequiredError):
                required.shown_data = scrub_value(data, secrets)
            raise required
        raise _api_error(method, code, scrub(message, secrets), scrub_value(data, secrets))
    if not id_matches:
        raise invalid(f'the answer\'s "id" is not the request\'s id "{request_id}"')
    if "result" not in envelope:
        raise invalid('the answer has neither "result" nor "error"')
    return envelope["result"]
