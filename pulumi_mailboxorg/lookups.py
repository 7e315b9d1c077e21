"""Looking objects up on the server: the evidence every resource decides existence from.

Resource-neutral: each function answers one question about one kind of object and knows nothing of
Pulumi. The rule they share (see :mod:`.objects` for the whole set of proof rules):

* A lookup returns the object's listing entry, or ``None`` only from **positive evidence**: an answer
  of the expected shape (a JSON array of objects, or for ``mail.list`` a complete set of pages) from
  a login that can see the object's parent.
* Any other answer (an unexpected shape, a refusal, a parent this login cannot see) raises
  :class:`~.errors.UndecidableError`, which says what could not be decided, which login was used and
  what to check. Callers let it propagate: a refresh then fails and the state stays as it was.

Who can see a parent: the listing of a domain's addresses (``mail.list``) or of an account's domains
(``domain.list``) proves visibility by answering. An account's parent is its reseller; only the login
that created or last read the account (recorded as ``apiLogin`` in the state), or an admin login, can
prove it gone by its ``account.list`` not listing it (an account never changes reseller: a guess,
see :mod:`.guesses`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ApiError, InvalidSessionError, UndecidableError
from .guesses import MAIL_LIST_PAGE_SIZE

if TYPE_CHECKING:
    from .client import MailboxOrgClient

__all__ = [
    "account_gone",
    "contexts",
    "domain_gone",
    "find_account",
    "find_domain",
    "find_mail",
    "login_name",
    "mail_gone",
    "undecidable",
]


def login_name(client: MailboxOrgClient) -> str:
    """The name the client logs in as (for messages and for the recorded ``apiLogin``)."""
    return client.username or "(none)"


def undecidable(client: MailboxOrgClient, what: str, why: str, check: str | None = None) -> UndecidableError:
    """The error for an existence question the evidence does not answer."""
    check = check or (
        "Check that mailboxorg:username (or the resource's login_username) is the login that manages it"
    )
    return UndecidableError(
        f"cannot tell whether {what}: {why} (logged in as {login_name(client)!r}). {check}. Nothing was "
        "changed and the state was left as it was."
    )


def _call(client: MailboxOrgClient, method: str, params: dict[str, Any], what: str) -> Any:
    """A listing call; a refusal (other than an expired session) cannot tell ``what``."""
    try:
        return client.call(method, params)
    except InvalidSessionError:
        raise
    except ApiError as exc:
        raise undecidable(
            client, what, f"mailbox.org refused {method} ({exc.api_message}, error {exc.code})"
        ) from None


def _entries(
    client: MailboxOrgClient, method: str, params: dict[str, Any], what: str
) -> list[dict[str, Any]]:
    """The result of a listing call, which must be a JSON array of objects."""
    result = _call(client, method, params, what)
    if not isinstance(result, list) or not all(isinstance(entry, dict) for entry in result):
        raise undecidable(
            client,
            what,
            f"mailbox.org answered {method} with {_shape(result)} instead of a list of objects",
            "Report this answer shape to the provider's maintainers (see guesses.py)",
        )
    return result


def _shape(value: Any) -> str:
    if isinstance(value, list):
        return "a list that holds other things than objects"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def find_account(client: MailboxOrgClient, account: str) -> dict[str, Any] | None:
    """The ``account.list`` entry of ``account``, or None when this login's listing omits it.

    None means "not listed for this login"; only :func:`account_gone` turns it into "gone".
    """
    what = f"the account {account} exists"
    for entry in _entries(client, "account.list", {"query": account}, what):
        if entry.get("account") == account:
            return entry
    return None


def account_gone(client: MailboxOrgClient, account: str, recorded_login: str | None) -> bool:
    """Whether ``account`` is gone: False when listed; True when the reseller that can see it (the
    recorded login) or an admin no longer lists it; otherwise :class:`UndecidableError`."""
    if find_account(client, account) is not None:
        return False
    if client.level == "admin" or (recorded_login and recorded_login == client.username):
        return True
    if recorded_login:
        why = (
            f"account.list of this login does not list it, and only the login that manages it "
            f"({recorded_login!r}) can tell 'deleted' from 'belongs to another reseller'"
        )
    else:
        why = (
            "account.list of this login does not list it, and the state does not record which "
            "login manages it, so 'deleted' cannot be told from 'belongs to another reseller'"
        )
    raise undecidable(
        client,
        f"the account {account} still exists",
        why,
        "Check that mailboxorg:username is the reseller that owns the account; if you know it was "
        "deleted, remove the resource with `pulumi state delete`",
    )


def find_domain(client: MailboxOrgClient, account: str, domain: str) -> dict[str, Any] | None:
    """The ``domain.list`` entry of ``domain`` in ``account``, or None (positive evidence: the
    account's listing answered). A refused listing raises :class:`UndecidableError`."""
    what = f"the domain {domain} exists in account {account}"
    for entry in _entries(client, "domain.list", {"account": account, "filter": domain}, what):
        if str(entry.get("domain", "")).lower() == domain:
            return entry
    return None


def domain_gone(
    client: MailboxOrgClient, account: str, domain: str, recorded_login: str | None = None
) -> bool:
    """Whether ``domain`` is gone: absent from its account's ``domain.list``, or its account is gone
    (deleting an account takes its domains along). Anything else raises :class:`UndecidableError`."""
    try:
        return find_domain(client, account, domain) is None
    except UndecidableError as listing:
        if not account:
            raise
        try:
            gone = account_gone(client, account, recorded_login)
        except UndecidableError:
            raise listing from None
        if gone:
            return True
        raise


def find_mail(client: MailboxOrgClient, mail: str) -> dict[str, Any] | None:
    """The ``mail.list`` entry of ``mail`` in its domain, or None: the complete, paged listing of the
    domain does not hold it. A refused listing or an answer of another shape raises
    :class:`UndecidableError`."""
    domain = mail.rsplit("@", 1)[-1]
    for entry in list_mails(client, domain, what=f"the address {mail} exists"):
        if str(entry.get("mail", "")).lower() == mail:
            return entry
    return None


def list_mails(client: MailboxOrgClient, domain: str, *, what: str | None = None) -> list[dict[str, Any]]:
    """Every address of ``domain``, page by page (``page_size``/``page``), checked for completeness."""
    what = what or f"which addresses the domain {domain} holds"
    results: list[dict[str, Any]] = []
    page, pages = 1, 1
    while page <= pages:
        method = "mail.list"
        params = {"domain": domain, "page": page, "page_size": MAIL_LIST_PAGE_SIZE}
        answer = _call(client, method, params, what)
        items = answer.get("results") if isinstance(answer, dict) else None
        total = answer.get("totalPages") if isinstance(answer, dict) else None
        hits = answer.get("totalHits") if isinstance(answer, dict) else None
        if (
            not isinstance(items, list)
            or not all(isinstance(item, dict) for item in items)
            or not _count(total)
            or not _count(hits)
        ):
            raise undecidable(
                client,
                what,
                f"mailbox.org answered {method} (page {page}) with {_shape(answer)} of another shape "
                "than {totalHits, totalPages, results}",
                "Report this answer shape to the provider's maintainers (see guesses.py)",
            )
        results.extend(items)
        pages = int(total or 0)
        page += 1
    if len(results) < int(hits or 0):
        raise undecidable(
            client,
            what,
            f"mail.list announced {hits} addresses but its pages held {len(results)}",
            "Run the operation again; if it persists, report it",
        )
    return results


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def mail_gone(client: MailboxOrgClient, mail: str, account: str | None, recorded_login: str | None) -> bool:
    """Whether the address is gone: absent from its domain's complete ``mail.list``, or its domain is
    gone (deleting a domain or an account takes its addresses along)."""
    try:
        return find_mail(client, mail) is None
    except UndecidableError as listing:
        if not account:
            raise
        try:
            gone = domain_gone(client, account, mail.rsplit("@", 1)[-1], recorded_login)
        except UndecidableError:
            raise listing from None
        if gone:
            return True
        raise


def contexts(client: MailboxOrgClient, account: str) -> dict[str, list[str]]:
    """``context.list``: context id -> sorted domain names. The only source of context ids.

    An answer of another shape than an object of lists of names raises :class:`UndecidableError`.
    """
    what = f"which contexts account {account} has"
    listing = _call(client, "context.list", {"account": account}, what)
    if not isinstance(listing, dict) or not all(
        isinstance(domains, list) and all(isinstance(d, str) for d in domains) for domains in listing.values()
    ):
        raise undecidable(
            client,
            what,
            f"mailbox.org answered context.list with {_shape(listing)} of another shape than "
            "{context id: [domain, ...]}",
            "Report this answer shape to the provider's maintainers (see guesses.py)",
        )
    return {str(cid): sorted(d.lower() for d in domains) for cid, domains in listing.items()}
