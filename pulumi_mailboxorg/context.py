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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from .errors import InputError, UndecidableError
from .lookups import account_gone, contexts, undecidable
from .objects import API_LOGIN
from .properties import Prop
from .provider import CONTEXT_WARNING, LOGIN_PROPS, MailboxOrgProvider, user_errors
from .resource import MailboxOrgResource
from .validation import account_name, canonical_domain, check_string

if TYPE_CHECKING:
    from .client import MailboxOrgClient

__all__ = ["Context", "ContextArgs", "ContextProvider"]


class ContextProvider(MailboxOrgProvider):
    """Dynamic provider of :class:`Context`."""

    kind: ClassVar[str] = "Context"
    import_id: ClassVar[str] = "`ACCOUNT/CONTEXT_ID`, e.g. `acme/100001`"
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
            "domains removed are released: they stay in the context (a move deletes cloud-office "
            "data) until another Context claims them.",
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
        Prop(
            "members",
            "array",
            "Every domain in the context, as context.list reports it (declared or not).",
            input=False,
        ),
        API_LOGIN,
    )

    def check_resource(self, inputs: dict[str, Any]) -> list[Any]:
        """At least one domain."""
        from pulumi.dynamic import CheckFailure

        domains = inputs.get("domains")
        if isinstance(domains, list) and not domains:
            return [CheckFailure("domains", "domains: list at least one domain")]
        return []

    def _guard(self, client: MailboxOrgClient, account: str, moving: Iterable[str], allow: bool) -> None:
        """Refuse to move domains with mail addresses unless allowed; say what would be lost.

        Runs before any move, so that nothing it must report is learnt after one.
        """
        moving = sorted(set(moving))
        if not moving:
            return
        listed = client.call("domain.list", {"account": account})
        if not isinstance(listed, list) or not all(isinstance(d, dict) for d in listed):
            raise undecidable(
                client,
                f"the domains {', '.join(moving)} hold mail addresses",
                "mailbox.org answered domain.list with another shape than a list of objects",
            )
        counts = {str(d.get("domain", "")).lower(): _mail_count(d.get("count_mails")) for d in listed}
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
    def _move(client: MailboxOrgClient, domain: str, context_id: str | None) -> None:
        if context_id is None:
            client.call("domain.set", {"domain": domain, "create_new_context_id": True})
        else:
            client.call("domain.set", {"domain": domain, "context_id": context_id})

    @staticmethod
    def _context_of(client: MailboxOrgClient, account: str, domain: str) -> str:
        """The context holding ``domain``, per ``context.list`` (the only source of context ids)."""
        for context_id, members in contexts(client, account).items():
            if domain in members:
                return context_id
        raise undecidable(
            client,
            f"which context the domain {domain} is in after moving it",
            "context.list does not list it in any context",
            "Run `pulumi refresh`, then `pulumi up` again",
        )

    def _outputs(self, props: Mapping[str, Any], context_id: str, members: Iterable[str]) -> dict[str, Any]:
        members = sorted(set(members))
        declared = set(props.get("domains") or [])
        return {
            **props,
            "contextId": context_id,
            "domains": sorted(declared & set(members)),
            "members": members,
        }

    @user_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create a new context around the first domain (or use ``context_id``) and move the rest in."""
        client = self.client(props)
        account, domains = props["account"], sorted(props["domains"])
        allow = bool(props.get("allowDataLoss"))
        existing = contexts(client, account)
        context_id = props.get("contextId")
        if context_id:
            if context_id not in existing:
                raise InputError(
                    "context_id",
                    f"the context {context_id} does not exist in account {account} (known: "
                    f"{', '.join(sorted(existing)) or 'none'}).",
                )
            moving = [d for d in domains if d not in existing[context_id]]
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
                self._move(client, first, None)
                context_id = self._context_of(client, account, first)
        for domain in moving:
            self._move(client, domain, context_id)
        members = set(existing.get(context_id, [])) | set(domains)
        outs = self._outputs(props, context_id, members)
        outs[API_LOGIN.wire] = client.username
        return CreateResult(context_id, outs)

    def import_target(self, import_id: str) -> tuple[str, dict[str, Any]]:
        """``ACCOUNT/CONTEXT_ID``; the import claims the domains the context holds now."""
        account, slash, context_id = import_id.partition("/")
        if not slash or not account or not context_id:
            raise InputError(
                "id",
                f"the import id {import_id!r} of a Context is not ACCOUNT/CONTEXT_ID (e.g. acme/100001).",
            )
        account = account_name(account)
        members = contexts(self.client(), account).get(context_id) or []
        return context_id, {"account": account, "domains": sorted(members)}

    @user_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """``context.list``: the context is gone when it no longer exists (no domain is left in it),
        or when its account is gone (positive evidence only: see :mod:`.lookups`)."""
        client = self.client(props)
        account = str(props.get("account", ""))
        try:
            members = contexts(client, account).get(id_)
        except UndecidableError:
            if not account_gone(client, account, props.get(API_LOGIN.wire)):
                raise
            members = None
        if not members:
            return ReadResult("", {})
        outs = self._outputs(props, id_, members)
        outs[API_LOGIN.wire] = client.username
        return ReadResult(id_, outs)

    @user_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Move in the added domains that are not in the context yet; release the removed ones.

        A domain is moved only when it is not where this context wants it, per a fresh
        ``context.list``; removed domains stay where they are (moving them would delete their
        cloud-office data) until another Context claims them. So whatever order two Context updates
        run in, each domain moves at most once.
        """
        client = self.client(news)
        account = news["account"]
        listing = contexts(client, account)
        if id_ not in listing:
            raise undecidable(
                client,
                f"the context {id_} still exists",
                "context.list does not list it",
                "Run `pulumi refresh` to see what is left of it",
            )
        members = set(listing[id_])
        before, after = set(olds.get("domains") or []), set(news["domains"])
        moving = sorted(d for d in after if d not in members)
        self._guard(client, account, moving, bool(news.get("allowDataLoss")))
        for domain in moving:
            self._move(client, domain, id_)
        released = sorted(before - after)
        if released:
            self.log(
                f"Context {id_}: released {', '.join(released)}; they stay in the context until another "
                "Context resource claims them (moving a domain deletes its cloud-office data)."
            )
        outs = self._outputs({**olds, **news}, id_, members | set(moving))
        outs[API_LOGIN.wire] = client.username
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """The API cannot delete a context: the domains stay where they are."""
        self.log(
            f"Context {id_}: the mailbox.org API cannot delete a context; its domains "
            f"({', '.join(props.get('domains') or [])}) stay in it. Removed from the stack only."
        )


def _mail_count(value: Any) -> int:
    """``count_mails`` of a ``domain.list`` entry. An unreadable count is taken as "has addresses":
    the data-loss guard errs on the side of refusing."""
    if value is None or value == "":
        return 0
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 1


@dataclass
class ContextArgs:
    """The arguments of :class:`Context`.

    :param account: The account whose domains share the context. Changing it replaces the resource.
    :param domains: The domains that must share this context (compared as a set). Domains added are moved in;
        domains removed are released: they stay in the context (a move deletes cloud-office data) until
        another Context claims them.
    :param context_id: Manage this existing context instead of creating one. Changing it replaces the
        resource.
    :param allow_data_loss: Allow moving domains that hold mail addresses: moving a domain to another context
        deletes the cloud-office data (calendars, address books, files) of all its mailboxes; their e-mail is
        kept.
    :param login_username: Log in as this user for this resource's API calls instead of `mailboxorg:username`
        (e.g. a customer's account name in a reseller's stack). Recorded in the state; never sent as a field.
    :param login_password: Password of `login_username`. Secret.
    """

    account: pulumi.Input[str]
    domains: pulumi.Input[Sequence[pulumi.Input[str]]]
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
    """The account whose domains share the context. Changing it replaces the resource."""
    domains: pulumi.Output[Sequence[str]]
    """The domains that must share this context (compared as a set). Domains added are moved in; domains
    removed are released: they stay in the context (a move deletes cloud-office data) until another Context
    claims them.
    """
    context_id: pulumi.Output[str]
    """Manage this existing context instead of creating one. Changing it replaces the resource."""
    allow_data_loss: pulumi.Output[bool]
    """Allow moving domains that hold mail addresses: moving a domain to another context deletes the
    cloud-office data (calendars, address books, files) of all its mailboxes; their e-mail is kept.
    """
    login_username: pulumi.Output[str | None]
    """Log in as this user for this resource's API calls instead of `mailboxorg:username` (e.g. a customer's
    account name in a reseller's stack). Recorded in the state; never sent as a field.
    """
    login_password: pulumi.Output[str | None]
    """Password of `login_username`. Secret."""
    members: pulumi.Output[Sequence[str]]
    """Every domain in the context, as context.list reports it (declared or not)."""
    api_login: pulumi.Output[str]
    """The login name that created or last read this object. Only a listing of this login (or of an admin) can
    show that the object is gone.
    """

    def __init__(
        self,
        resource_name: str,
        args: ContextArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        account: pulumi.Input[str] | None = None,
        domains: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        context_id: pulumi.Input[str] | None = None,
        allow_data_loss: pulumi.Input[bool] | None = None,
        login_username: pulumi.Input[str] | None = None,
        login_password: pulumi.Input[str] | None = None,
    ) -> None:
        """Declare a Context: pass a :class:`ContextArgs`, or the same values as keywords.

        :param resource_name: The name of the resource in the stack.
        :param args: The inputs as a :class:`ContextArgs`.
        :param opts: Options of the resource.
        :param account: The account whose domains share the context. Changing it replaces the resource.
        :param domains: The domains that must share this context (compared as a set). Domains added are moved
            in; domains removed are released: they stay in the context (a move deletes cloud-office data)
            until another Context claims them.
        :param context_id: Manage this existing context instead of creating one. Changing it replaces the
            resource.
        :param allow_data_loss: Allow moving domains that hold mail addresses: moving a domain to another
            context deletes the cloud-office data (calendars, address books, files) of all its mailboxes;
            their e-mail is kept.
        :param login_username: Log in as this user for this resource's API calls instead of
            `mailboxorg:username` (e.g. a customer's account name in a reseller's stack). Recorded in the
            state; never sent as a field.
        :param login_password: Password of `login_username`. Secret.
        """
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
