"""Every guess about the mailbox.org API, in one table.

The API reference (``shared/mailboxorg-api.md``) marks several behaviours *uncertain*: no public
source documents them. The emulator implements exactly these guesses, and the provider never bases a
decision that could lose data on them (absence is decided from ``*.list`` evidence, not from an error
code). When live evidence (``MAILBOXORG_LIVE_TESTS=1``) shows a different behaviour, correct it
here and nowhere else. The README lists this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["GUESSES", "Guess", "ErrorGuess", "ERRORS"]


@dataclass(frozen=True)
class ErrorGuess:
    """A guessed JSON-RPC error: its code and message."""

    code: int
    message: str


@dataclass(frozen=True)
class Guess:
    """One uncertain behaviour: what we assume and why."""

    topic: str
    assumption: str
    evidence: str


#: Error codes the emulator sends where the real codes are unknown. Documented codes
#: (2 access denied on ``auth``, 253 invalid Auth-ID, 218 DNS TXT check) are not guesses.
ERRORS: Final[dict[str, ErrorGuess]] = {
    "not_found": ErrorGuess(404, "Object not found"),
    "already_exists": ErrorGuess(409, "Object already exists"),
    # The reference suggests reusing code 2 ("Access denied") for ACL and level violations.
    # The client maps code 2 to AuthenticationError only when it answers `auth`.
    "permission_denied": ErrorGuess(2, "Access denied"),
    "invalid_params": ErrorGuess(-32602, "Invalid params"),
    "method_not_found": ErrorGuess(-32601, "Method not found"),
    "domain_not_empty": ErrorGuess(412, "Domain still has mail addresses"),
    "account_not_empty": ErrorGuess(412, "Account still has domains"),
}

#: Behaviours (not error codes) that are guesses.
GUESSES: Final[tuple[Guess, ...]] = (
    Guess(
        "HTTP status of JSON-RPC errors",
        "HTTP 200 with an `error` body",
        "no source states it; every client reads the error from the body",
    ),
    Guess(
        "domain.add without context_id or create_new_context_id",
        "the domain gets a new context of its own",
        "undocumented; a new context and the account's first context are both plausible",
    ),
    Guess(
        "domain.del while mail addresses remain",
        "refused with `domain_not_empty` (the emulator can be switched to recursive deletion)",
        "RB (2019) says it fails; unconfirmed for today",
    ),
    Guess(
        "Error codes for not found, already exists, permission denied, invalid parameters",
        "the codes in ERRORS",
        "no public source lists them",
    ),
    Guess(
        "domain.get result fields",
        "domain, account, context_id, memo, count_mails",
        "only `memo` is confirmed (PY-T)",
    ),
    Guess(
        "domain.add / account.add / mail.add result",
        "the same object as the matching *.get",
        "the doc says 'array'; RB prints key/value pairs",
    ),
    Guess(
        "mail `type` from inboxsave and forwards",
        "inbox (no forwards), inboxforward (inboxsave and forwards), forward (forwards only)",
        "mapping inferred from PY-T values",
    ),
    Guess(
        "context id format",
        "an opaque numeric string",
        "undocumented; utils.validator has a `contextid` type",
    ),
    Guess(
        "empty contexts in context.list",
        "a context with no domain left is not listed",
        "inference: context.list is derived from the domains",
    ),
    Guess(
        "account.list element shape",
        "objects with at least `account`, `plan`, `status`",
        "unknown",
    ),
    Guess(
        "account.set at account level",
        "an account-level session may change its own `memo` (and other non-plan fields)",
        "PY-T changes memo with an account-level session",
    ),
)
