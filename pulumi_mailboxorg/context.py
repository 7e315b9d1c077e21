"""The Context resource: which domains share one OX groupware context.

The API has no ``context.add``/``context.del``: contexts come into being through ``domain.add`` and
``domain.set`` (``create_new_context_id``, ``context_id``), and ``context.list`` maps each context id
to its domains. A Context resource is therefore a *membership*: the domains that must share one
context. Its id is the context id.

Moving a domain between contexts deletes the cloud-office data (calendars, address books, files) of
its mailboxes. The provider refuses to move a domain that holds mail addresses unless
``allow_data_loss`` is true, and says what would be lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from .account import find_account
from .domain import CONTEXT_WARNING
from .errors import ApiError, InputError, MailboxOrgError
from .properties import Prop
from .provider import LOGIN_PROPS, MailboxOrgProvider, user_errors
from .resource import MailboxOrgResource
from .validation import account_name, canonical_domain, check_string

if TYPE_CHECKING:
    from .client import MailboxOrgClient

__all__ = ["Context", "ContextArgs", "ContextProvider"]


def _mail_count(value: Any) -> int:
    """``count_mails`` of a ``domain.list`` entry. An unreadable count is taken as "has addresses":
    the data-loss guard errs on the side of refusing."""
    if value is None or value == "":
        return 0
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 1


def _contexts(client: MailboxOrgClient, account: str) -> dict[str, list[str]]:
    """``context.list``: context id -> sorted domain names."""
    listing = client.call("context.list", {"account": account})
    if not isinstance(listing, dict):
        return {}
    return {
        str(cid): sorted(str(d).lower() for d in domains)
        for cid, domains in listing.items()
        if isinstance(domains, list)
    }


class ContextProvider(MailboxOrgProvider):
    """Dynamic provider of :class:`Context`."""

    kind: ClassVar[str] = "Context"
    props: ClassVar[tuple[Prop, ...]] = (
        Prop(
            "account",
            "string",
            "The account whose domains share the context. Changing it replaces the resource.",
            required=True,
            replace=True,
            validate=account_name,
        ),
        Prop(
            "domains",
            "array",
            "The domains that must share this context (compared as a set). Domains added are moved in; "
            "domains removed are moved out into a new context each.",
            required=True,
            as_set=True,
            validate=canonical_domain,
        ),
        Prop(
            "context_id",
            "string",
            "Manage this existing context instead of creating one. Changing it replaces the resource.",
            computed=True,
            replace=True,
            validate=lambda v: check_string(v, max_length=64, allow_empty=False),
        ),
        Prop(
            "allow_data_loss",
            "boolean",
            "Allow moving domains that hold mail addresses: " + CONTEXT_WARNING + ".",
            sendable=False,
            default=False,
        ),
        *LOGIN_PROPS,
    )

    def check_resource(self, inputs: dict[str, Any]) -> list[Any]:
        """At least one domain."""
        from pulumi.dynamic import CheckFailure

        domains = inputs.get("domains")
        if isinstance(domains, list) and not domains:
            return [CheckFailure("domains", "domains: list at least one domain")]
        return []

    def _guard(self, client: MailboxOrgClient, account: str, moving: Iterable[str], allow: bool) -> None:
        """Refuse to move domains with mail addresses unless allowed; say what would be lost."""
        moving = sorted(set(moving))
        if not moving:
            return
        listed = client.call("domain.list", {"account": account})
        counts = {
            str(d.get("domain", "")).lower(): _mail_count(d.get("count_mails"))
            for d in (listed if isinstance(listed, list) else [])
            if isinstance(d, dict)
        }
        missing = [d for d in moving if d not in counts]
        if missing:
            raise InputError(
                "domains",
                f"{', '.join(missing)} not found in account {account}; declare the Domain resources "
                "first (and depend on them).",
            )
        loaded = {d: counts[d] for d in moving if counts[d] > 0}
        if not loaded:
            return
        what = ", ".join(f"{d} ({n} mailbox(es))" for d, n in loaded.items())
        if allow:
            self.warn(f"Context: moving {what} (allow_data_loss=true): {CONTEXT_WARNING}.")
            return
        raise InputError(
            "allow_data_loss",
            f"refusing to move {what} to another context: {CONTEXT_WARNING}. Set "
            "allow_data_loss=True on the Context to accept that loss.",
        )

    @staticmethod
    def _move(client: MailboxOrgClient, domain: str, context_id: str | None) -> Any:
        if context_id is None:
            return client.call("domain.set", {"domain": domain, "create_new_context_id": True})
        return client.call("domain.set", {"domain": domain, "context_id": context_id})

    @staticmethod
    def _context_of(client: MailboxOrgClient, domain: str, result: Any) -> str:
        if isinstance(result, dict) and result.get("context_id"):
            return str(result["context_id"])
        got = client.call("domain.get", {"domain": domain})
        if not isinstance(got, dict) or not got.get("context_id"):
            raise MailboxOrgError(f"mailbox.org did not report the context of {domain} after moving it")
        return str(got["context_id"])

    @user_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create a new context around the first domain (or use ``context_id``) and move the rest in."""
        client = self.client(props)
        account, domains = props["account"], sorted(props["domains"])
        allow = bool(props.get("allowDataLoss"))
        existing = _contexts(client, account)
        context_id = props.get("contextId")
        if context_id:
            if context_id not in existing:
                raise InputError(
                    "context_id",
                    f"the context {context_id} does not exist in account {account} (known: "
                    f"{', '.join(sorted(existing)) or 'none'}).",
                )
            members = set(existing[context_id])
            moving = [d for d in domains if d not in members]
            self._guard(client, account, moving, allow)
        else:
            # Reuse a context that holds only wanted domains (the most of them): fewer moves, less loss.
            wanted = set(domains)
            reusable = [(len(m), cid) for cid, m in existing.items() if m and set(m) <= wanted]
            if reusable:
                context_id = max(reusable)[1]
                moving = [d for d in domains if d not in existing[context_id]]
                self._guard(client, account, moving, allow)
            else:
                self._guard(client, account, domains, allow)
                first, moving = domains[0], domains[1:]
                context_id = self._context_of(client, first, self._move(client, first, None))
        for domain in moving:
            self._move(client, domain, context_id)
        outs = {**props, "contextId": context_id, "domains": domains}
        return CreateResult(context_id, outs)

    @user_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """``context.list``: the context is gone when no domain is left in it, or when its account
        is gone (per ``account.list``, which a reseller login may call)."""
        client = self.client(props)
        account = props.get("account", "")
        try:
            members = _contexts(client, account).get(id_)
        except ApiError:
            try:
                gone = find_account(client, account) is None
            except ApiError:
                gone = False  # account.list is not available to this login: no evidence either way
            if not gone:
                raise
            members = None
        if not members:
            return ReadResult("", {})
        return ReadResult(id_, {**props, "contextId": id_, "domains": members})

    @user_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Move added domains in, removed ones out (into a new context each)."""
        client = self.client(news)
        account = news["account"]
        before, after = set(olds.get("domains") or []), set(news["domains"])
        added, removed = sorted(after - before), sorted(before - after)
        self._guard(client, account, [*added, *removed], bool(news.get("allowDataLoss")))
        for domain in added:
            self._move(client, domain, id_)
        for domain in removed:
            self._move(client, domain, None)
        return UpdateResult({**olds, **news, "contextId": id_, "domains": sorted(after)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """The API cannot delete a context: the domains stay where they are."""
        self.log(
            f"Context {id_}: the mailbox.org API cannot delete a context; its domains "
            f"({', '.join(props.get('domains') or [])}) stay in it. Removed from the stack only."
        )


@dataclass
class ContextArgs:
    """Arguments of :class:`Context`."""

    account: pulumi.Input[str]
    domains: pulumi.Input[list[str]]
    context_id: pulumi.Input[str] | None = None
    allow_data_loss: pulumi.Input[bool] | None = None
    login_username: pulumi.Input[str] | None = None
    login_password: pulumi.Input[str] | None = None


class Context(MailboxOrgResource, module="mailboxorg", name="Context"):
    """Domains that share one OX groupware context (shared calendars, address books, files).

    Declare the member Domains without ``context_id``, so that they do not fight this resource.
    """

    _provider_class = ContextProvider

    account: pulumi.Output[str]
    """The account."""
    domains: pulumi.Output[list[str]]
    """The domains in the context, as the server reports them."""
    context_id: pulumi.Output[str]
    """The context id (also the resource id)."""
    allow_data_loss: pulumi.Output[bool]
    """Moving domains with mailboxes is allowed."""
    login_username: pulumi.Output[str | None]
    """Login used for this resource's API calls instead of ``mailboxorg:username`` (None: the stack's)."""
    login_password: pulumi.Output[str | None]
    """Password of ``login_username`` (secret)."""

    def __init__(
        self,
        resource_name: str,
        args: ContextArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        account: pulumi.Input[str] | None = None,
        domains: pulumi.Input[list[str]] | None = None,
        context_id: pulumi.Input[str] | None = None,
        allow_data_loss: pulumi.Input[bool] | None = None,
        login_username: pulumi.Input[str] | None = None,
        login_password: pulumi.Input[str] | None = None,
    ) -> None:
        """Declare a Context; pass a :class:`ContextArgs` or keywords."""
        super().__init__(
            resource_name,
            args,
            opts,
            {
                "account": account,
                "domains": domains,
                "context_id": context_id,
                "allow_data_loss": allow_data_loss,
                "login_username": login_username,
                "login_password": login_password,
            },
        )
