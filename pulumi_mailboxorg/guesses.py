"""Every guess about the mailbox.org API, in one table.

The API reference (``shared/mailboxorg-api.md``) marks several behaviours *uncertain*: no public
source documents them. The emulator implements exactly these guesses, and the provider never bases a
decision that could lose data on them (absence is decided from ``*.list`` evidence, not from an error
code). When live evidence (``MAILBOXORG_LIVE_TESTS=1``) shows a different behaviour, correct it
here and nowhere else. docs/api-guesses.md lists this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["ERRORS", "GUESSES", "MAIL_LIST_PAGE_SIZE", "ErrorGuess", "Guess"]


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
    # mail.add / mail.set with a mailbox password the (guessed) policy refuses; the message says what
    # the policy wants, so a user can fix the password.
    "weak_password": ErrorGuess(
        422,
        "Password too weak: a mailbox password needs at least 8 characters, with an upper-case letter,"
        " a lower-case letter, a digit and a special character",
    ),
    # mail.add of an address on its domain's delete list, when the emulator refuses re-adding.
    "address_deleted": ErrorGuess(410, "Mail address is on the delete list of its domain"),
    # Standard JSON-RPC 2.0 codes; whether api.mailbox.org sends them is undocumented.
    "parse_error": ErrorGuess(-32700, "Parse error"),
    "invalid_request": ErrorGuess(-32600, "Invalid Request"),
    "internal_error": ErrorGuess(-32603, "Internal error"),
}

#: ``page_size`` of every ``mail.list`` call (see the "mail.list page size" guess).
MAIL_LIST_PAGE_SIZE: Final = 100

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
        "domain, account, context_id, memo, count_mails (with the emulator's `minimal_answers`: only"
        " `memo`, while domain.add and domain.set answer `true` and domain.list entries carry only"
        " `domain` and `count_mails`)",
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
    Guess(
        "Malformed JSON-RPC envelopes",
        'a body that is not JSON gets `parse_error`; a batch array, a `jsonrpc` other than "2.0" or a'
        " missing `method` gets `invalid_request`; both with HTTP 200 and `id` null when none can be read",
        "standard JSON-RPC 2.0; no source says whether api.mailbox.org sends these codes",
    ),
    Guess(
        "Deeply nested request bodies",
        "a body whose arrays and objects nest deeper than 512 levels gets `parse_error` with `id` null",
        "undocumented; 512 is the default depth limit of PHP's json_decode, which then fails",
    ),
    Guess(
        "Requests without an `id` (notifications)",
        "answered like any other request, with `id` null",
        "only single requests with an id are documented",
    ),
    Guess(
        "Unknown or mistyped parameters",
        "refused with `invalid_params` naming the parameter (booleans must be JSON booleans, integers"
        " JSON integers; quotas may be integers or digit strings and are returned as strings)",
        "undocumented; strictness makes client mistakes visible",
    ),
    Guess(
        "Objects outside the caller's reach",
        "an object that exists but belongs to someone else gives `permission_denied`; one that does"
        " not exist gives `not_found`; deleting a missing object gives `not_found`, not `false`",
        "undocumented; the reference expects an error rather than `false` for deletes",
    ),
    Guess(
        "Logins below account level",
        "`auth` with a domain name and its domain password gives level `domain` (that domain and its"
        " addresses); an active mail address with its password gives level `mail` (that address only)",
        "the reference calls this plausible: domain.add/set and mail.add/set take passwords",
    ),
    Guess(
        "domain.set context change at domain level",
        "`context_id` and `create_new_context_id` need level admin, reseller or account;"
        " a domain-level session may change only `password` and `memo`",
        "PERL's level list for domain.set repeats `account` twice (per-parameter restriction)",
    ),
    Guess(
        "mail.set plan and quotas at mail level",
        "`plan`, `additional_mail_quota` and `additional_cloud_quota` need level domain or higher",
        "PERL's level list for mail.set repeats `domain` once (per-parameter restriction)",
    ),
    Guess(
        "mail.set quota without plan",
        "refused with `invalid_params`: a quota must be sent together with `plan`",
        "PY enforces this client-side, which suggests the server requires it",
    ),
    Guess(
        "context_id that is unknown or belongs to another account",
        "refused with `not_found`; a context issued to the account stays usable after its last domain"
        " left it (it is only no longer listed by context.list)",
        "the reference calls an error 'a reasonable guess'",
    ),
    Guess(
        "Aliases",
        "each alias must be an address on a domain of the same account that is neither a mail address"
        " nor another alias (`invalid_params` / `already_exists`); deleting a domain drops aliases on it",
        "undocumented; mirrors how mail servers route aliases",
    ),
    Guess(
        "Case of domain names and mail addresses",
        "case-insensitive; stored and returned in lower case",
        "DNS names and mail domains are case-insensitive; the API's behaviour is undocumented",
    ),
    Guess(
        "mail `type` with inboxsave=false and no forwards",
        "`inbox` (the mailbox keeps its mail)",
        "the inferred mapping covers only the cases with forwards",
    ),
    Guess(
        "mail.list details",
        "no pagination: an array of at most `unpaged_limit` entries (the first in the requested order;"
        " see the next guess); `page` without `page_size` or `page_size` without `page` is"
        " `invalid_params`; default order is by `mail` ascending; a page past the end is empty;"
        " totalPages is 0 when there are no hits",
        "PY-T shows the error for `page` without `page_size`; the rest is undocumented",
    ),
    Guess(
        "Completeness of an unpaginated mail.list",
        "an unpaginated mail.list returns at most 100 entries (the emulator's `unpaged_limit`), silently:"
        " a large domain must be paged through",
        "§6: nothing says whether an unpaginated call is complete for a large domain",
    ),
    Guess(
        "Levels of search, test.accountallowed and test.domainallowed",
        "a valid session of any level is needed (253 without one); what a session may see or"
        " administrate follows the same reach as every other method",
        "PERL lists no level for them; the reference expects a session because they inspect ACLs",
    ),
    Guess(
        "search matching and entry shapes",
        "case-insensitive substring match on account names, domain names and mail addresses (not"
        " aliases), sorted by name; `accounts` entries are `{account, plan, status}` (the account.get"
        " object with get_account_summary), `domains` entries `{domain, account}`, `emails` entries"
        " `{mail, domain, parent_uid}` (the mail.get object with get_extended_mail_result)",
        "PY-T shows only the three arrays `accounts`, `domains`, `emails`",
    ),
    Guess(
        "test.accountallowed / test.domainallowed of an object that does not exist",
        "`false`, exactly like an object the session may not administrate (never an error)",
        "PERL and RB document only the boolean",
    ),
    Guess(
        "mail and account field formats",
        "`creation_date` is `YYYY-MM-DD HH:MM:SS` (UTC); account `status` is `aktiv`, `type` is `BMBO`",
        "status and type from PY-T; the date format is unknown",
    ),
    Guess(
        "Sessions of deleted logins",
        "deleting an account, domain or mail address invalidates the sessions logged in as it (253)",
        "undocumented",
    ),
    Guess(
        "mail.add flags `catchall`, `create_own_context`, `skip_welcome_mail`, `evac_force_activation`",
        "accepted; the emulator models no observable effect",
        "their effects are undocumented or invisible through the API",
    ),
    Guess(
        "Mailbox password policy",
        "mail.add and mail.set refuse a `password` with `weak_password` unless it has at least 8"
        " characters, among them an upper-case letter, a lower-case letter, a digit and a special"
        " character (neither letter nor digit); `password_hash` is not checked; the minimum length is"
        " chosen, not known",
        "§6: PY-T's password generator was changed to ensure compliance with mailbox requirements"
        " (upper case, lower case, digit, special character)",
    ),
    Guess(
        "Deleted mail addresses",
        "mail.del puts the address (with its settings) on its domain's delete list;"
        " domain.deletelist.search(domain) lists the addresses, sorted, for levels admin, reseller,"
        " account and domain; domain.deletelist.delete(mail) purges one (`not_found` when it is not"
        " listed); deleting the domain drops its list",
        "PY 2.8.1 documents both methods; shapes and levels are undocumented",
    ),
    Guess(
        "mail.add `recover`",
        "recover=true of an address on the delete list restores the deleted mailbox (creation date,"
        " settings, aliases still free) with the mail.add parameters applied over it, and takes it off"
        " the list; of an address not on the list it is an ordinary mail.add",
        "PERL and PY list the flag; the reference says it 'probably recovers' a deleted address",
    ),
    Guess(
        "mail.add of a deleted address without recover",
        "allowed by default: a fresh mailbox, and the address leaves the delete list (the emulator can"
        " be switched to refuse with `address_deleted` until the address is purged or recovered)",
        "§6: whether a deleted address can be re-added without either is unknown",
    ),
    Guess(
        "TXT lookup that fails (timeout, refusal, NXDOMAIN)",
        "treated like a missing record: domain.add answers 218; the failure is cached for the"
        " configured negative-cache time",
        "DOC-D describes only the missing record",
    ),
    Guess(
        "mail.list page size",
        f"`page_size` {MAIL_LIST_PAGE_SIZE} is accepted; the provider always pages (`page`,"
        " `page_size`) and checks that the pages add up to `totalHits`",
        "PY 2.8.1 and PY-T page with small sizes; no maximum is documented",
    ),
    Guess(
        "Logins of created objects",
        "an account name, a domain name and a mail address each log in (`auth`) with the password"
        " their create set; the provider uses that login only to prove that an object whose create"
        " answer was lost is its own (a refused login proves nothing and is reported, never adopted)",
        "account logins are confirmed (PY-T); domain and mail logins are plausible (DOC-B levels)",
    ),
    Guess(
        "Reseller of an account",
        "an account never moves to another reseller, so the login that created or last read it is"
        " the one whose `account.list` can show that it is gone",
        "undocumented",
    ),
)
