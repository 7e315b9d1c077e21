"""The Domain resource: a mail domain of a mailbox.org account, with ownership verification.

mailbox.org accepts a domain only once a TXT record proves ownership: until then ``domain.add`` fails
with error 218 and the record to publish. :class:`DomainProvider` shows that record, checks DNS itself
(:mod:`.dnscheck`), and retries until mailbox.org accepts the domain (:mod:`.verification`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from . import runtime
from .account import find_account
from .errors import (
    ApiError,
    DnsVerificationRequiredError,
    InputError,
    InvalidSessionError,
    MailboxOrgError,
    TransportError,
)
from .properties import Prop
from .provider import LOGIN_PROPS, MailboxOrgProvider, is_unknown, user_errors
from .resource import MailboxOrgResource
from .validation import account_name, canonical_domain
from .verification import Challenge, record_line, wait_for_verification

if TYPE_CHECKING:
    from .client import MailboxOrgClient

__all__ = ["Domain", "DomainArgs", "DomainProvider", "domain_gone", "find_domain"]

CONTEXT_WARNING = (
    "moving a domain to another context deletes the cloud-office data (calendars, address books, "
    "files) of all its mailboxes; their e-mail is kept"
)


def find_domain(client: MailboxOrgClient, account: str, domain: str) -> dict[str, Any] | None:
    """The ``domain.list`` entry of ``domain`` in ``account``, or None: evidence of (non-)existence."""
    entries = client.call("domain.list", {"account": account, "filter": domain})
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and str(entry.get("domain", "")).lower() == domain:
            return entry
    return None


def domain_gone(client: MailboxOrgClient, account: str, domain: str) -> bool:
    """Whether ``domain`` no longer exists, from list evidence: it is absent from the account's
    ``domain.list``, or the account itself is gone from ``account.list`` (deleting an account takes
    its domains along, and then ``domain.list`` of that account fails)."""
    try:
        return find_domain(client, account, domain) is None
    except ApiError:
        try:
            account_gone = find_account(client, account) is None
        except MailboxOrgError:
            account_gone = False  # account.list is out of reach (e.g. an account-level login)
        if account_gone:
            return True
        raise


class DomainProvider(MailboxOrgProvider):
    """Dynamic provider of :class:`Domain` (see :mod:`.provider` for the contract)."""

    kind: ClassVar[str] = "Domain"
    props: ClassVar[tuple[Prop, ...]] = (
        Prop(
            "account",
            "string",
            "Name of the mailbox.org account that owns the domain. Changing it replaces the domain.",
            required=True,
            replace=True,
            validate=account_name,
        ),
        Prop(
            "domain",
            "string",
            "Fully qualified domain name, stored in lower-case A-label (punycode) form. Changing it "
            "replaces the domain.",
            required=True,
            replace=True,
            validate=canonical_domain,
        ),
        Prop(
            "password",
            "string",
            "Domain password (the domain-level API login). Secret; updated in place.",
            required=True,
            secret=True,
        ),
        Prop(
            "context_id",
            "string",
            "Context (OX groupware tenant) to place the domain in. Unset: the server's choice, and a "
            "Context resource may move the domain without a diff here. Changing it moves the domain: "
            + CONTEXT_WARNING
            + ".",
            computed=True,
        ),
        Prop(
            "create_new_context",
            "boolean",
            "Give the domain a new context of its own (on create, or when it changes to true).",
            api="create_new_context_id",
        ),
        Prop("memo", "string", "Free-text note kept with the domain."),
        Prop(
            "verification_timeout",
            "integer",
            "Seconds to wait for the ownership TXT record to be accepted (0 = do not wait); overrides "
            "`mailboxorg:verificationTimeout`. Never causes an update.",
            diffed=False,
            sendable=False,
        ),
        Prop(
            "adopt",
            "boolean",
            "Take over the domain if it already exists in the account (`pulumi import` does not work "
            "for dynamic resources). Never causes an update.",
            diffed=False,
            sendable=False,
            default=False,
        ),
        *LOGIN_PROPS,
        Prop(
            "verification_host",
            "string",
            "Host name of the ownership TXT record that was answered (empty when accepted at once).",
            input=False,
        ),
        Prop(
            "verification_txt",
            "string",
            "Value of the ownership TXT record that was answered (empty when accepted at once).",
            input=False,
        ),
        Prop("count_mails", "integer", "Number of mail addresses in the domain, as last read.", input=False),
    )

    _ADD_PROPS: ClassVar[tuple[str, ...]] = (
        "account",
        "domain",
        "password",
        "context_id",
        "create_new_context",
        "memo",
    )

    def check_resource(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        """``context_id`` and ``create_new_context`` exclude each other."""
        context, new = inputs.get("contextId"), inputs.get("createNewContext")
        if context and new is True and not is_unknown(context):
            return [
                CheckFailure(
                    "createNewContext",
                    "create_new_context: cannot be true together with context_id; set only one of them",
                )
            ]
        return []

    def diff_resource(self, olds: Mapping[str, Any], news: Mapping[str, Any], changed: list[Prop]) -> None:
        """Warn at preview time about a context move (create_new_context turning false moves nothing)."""
        names = {p.name for p in changed}
        if not olds or names & {"account", "domain"}:
            return
        new_context = "create_new_context" in names and news.get("createNewContext") is not False
        if "context_id" in names or new_context:
            self.warn(f"Domain {news.get('domain')}: {CONTEXT_WARNING}.")

    # -- create ----------------------------------------------------------------------------------
    @user_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        """Add the domain, answering the ownership challenge; adopt it when asked to."""
        client = self.client(props)
        account, domain = props["account"], props["domain"]
        # Look first, even without adopt: once domain.add has been sent, a lost answer is confirmed by
        # reading the domain back, which must never take over a domain that was there before.
        try:
            existing = find_domain(client, account, domain)
        except ApiError:
            existing = None  # the account is out of reach: domain.add below says why
        if existing is not None:
            if not props.get("adopt"):
                raise _exists_error(account, domain)
            return CreateResult(domain, self._adopt(client, props))
        params = self.api_params(props, [p for p in self.props if p.name in self._ADD_PROPS])
        challenge: Challenge | None = None
        try:
            server = self._add(client, params)
        except DnsVerificationRequiredError as exc:
            challenge = Challenge(domain, exc.host, exc.txt)
            server = self._verify(client, params, challenge, props)
        except InvalidSessionError:
            raise  # the session, not the object: no "refused" message
        except ApiError as exc:
            raise self._add_refused(client, props, exc) from None
        outs = self.outputs(props, self._server_view(client, domain, server))
        outs["verificationHost"] = challenge.host if challenge else ""
        outs["verificationTxt"] = challenge.txt if challenge else ""
        return CreateResult(domain, outs)

    def _add(self, client: MailboxOrgClient, params: dict[str, Any]) -> Any:
        """``domain.add``; a response lost in transit is confirmed by reading the domain back."""
        try:
            return client.call("domain.add", params)
        except TransportError as exc:
            if not exc.sent:
                raise
            found = find_domain(client, params["account"], params["domain"])
            if found is None:
                raise
            return found

    def _verify(
        self, client: MailboxOrgClient, params: dict[str, Any], challenge: Challenge, props: dict[str, Any]
    ) -> Any:
        config = runtime.current_config()
        timeout = props.get("verificationTimeout")
        timeout = float(config.verification_timeout if timeout is None else timeout)
        self.log(
            f"Domain {challenge.domain}: mailbox.org asks for proof of ownership. Publish this DNS "
            f"record (the provider checks DNS and retries for up to {timeout:.0f}s):\n    "
            f"{record_line(challenge)}"
        )
        accepted: list[Any] = []

        def retry() -> bool:
            try:
                accepted.append(self._add(client, params))
            except DnsVerificationRequiredError:
                return False
            return True

        checker = runtime.checker()
        wait_for_verification(
            challenge,
            check=checker.check,
            retry=retry,
            timeout=timeout,
            poll_interval=config.dns_poll_interval,
            progress=self.log,
        )
        return accepted[-1]

    def _add_refused(
        self, client: MailboxOrgClient, props: Mapping[str, Any], exc: ApiError
    ) -> MailboxOrgError:
        account, domain = props["account"], props["domain"]
        try:
            existing = find_domain(client, account, domain)
        except MailboxOrgError:
            existing = None
        if existing is not None:
            return _exists_error(account, domain)
        return MailboxOrgError(
            f"mailbox.org refused to add the domain {domain} to account {account}: {exc.api_message} "
            f"(error {exc.code}). Check that the login (mailboxorg:username) may administrate account "
            f"{account} and that the domain does not belong to another mailbox.org account."
        )

    def _adopt(self, client: MailboxOrgClient, props: dict[str, Any]) -> dict[str, Any]:
        domain = props["domain"]
        self.log(f"Domain {domain}: already exists in account {props['account']}; adopting it (adopt=True).")
        wanted = [p for p in self.props if p.name in ("password", "memo", "context_id", "create_new_context")]
        params = self.api_params(props, wanted)
        params["domain"] = domain
        server = client.call("domain.set", params)
        outs = self.outputs(props, self._server_view(client, domain, server))
        outs["verificationHost"] = ""
        outs["verificationTxt"] = ""
        return outs

    # -- read ------------------------------------------------------------------------------------
    @user_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh from ``domain.get``; a vanished domain (per ``domain.list``) reads as gone."""
        client = self.client(props)
        try:
            server = client.call("domain.get", {"domain": id_})
        except ApiError:
            if domain_gone(client, props.get("account", ""), id_):
                return ReadResult("", {})
            raise
        return ReadResult(id_, self.outputs(props, _wire(server)))

    # -- update ----------------------------------------------------------------------------------
    @user_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """``domain.set`` with only the changed fields; returns the full outputs."""
        client = self.client(news)
        changed = [p for p in self.changed(olds, news) if p.sendable]
        params = self.api_params(news, changed)
        if params.get("create_new_context_id") is False:
            params.pop("create_new_context_id")  # false asks for nothing: the domain stays where it is
        if "context_id" in params or "create_new_context_id" in params:
            self.warn(f"Domain {id_}: {CONTEXT_WARNING}.")
        server: Any = None
        if params:
            params["domain"] = id_
            server = client.call("domain.set", params)
        merged = {**olds, **{k: v for k, v in news.items() if v is not None}}
        outs = self.outputs(merged, self._server_view(client, id_, server))
        return UpdateResult(outs)

    # -- delete ----------------------------------------------------------------------------------
    @user_errors
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """``domain.del``; an already vanished domain is success."""
        client = self.client(props)
        account = props.get("account", "")
        try:
            client.call("domain.del", {"account": account, "domain": id_})
        except (ApiError, TransportError) as exc:
            if isinstance(exc, TransportError) and not exc.sent:
                raise
            try:
                entry = find_domain(client, account, id_)
            except ApiError:
                if domain_gone(client, account, id_):
                    return
                raise
            if entry is None:
                return
            if isinstance(exc, ApiError) and int(entry.get("count_mails") or 0) > 0:
                raise MailboxOrgError(
                    f"mailbox.org refused to delete the domain {id_}: it still has "
                    f"{entry.get('count_mails')} mail address(es). Delete its Mailbox resources (or "
                    f"the addresses out of band) first, then run the operation again. "
                    f"(API: {exc.api_message}, error {exc.code})"
                ) from None
            raise

    # -- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _server_view(client: MailboxOrgClient, domain: str, result: Any) -> dict[str, Any]:
        """Wire-named server fields from a mutation's result, or from ``domain.get`` if it has none."""
        if not (isinstance(result, dict) and result.get("domain")):
            result = client.call("domain.get", {"domain": domain})
        return _wire(result)


def _exists_error(account: str, domain: str) -> InputError:
    return InputError(
        "adopt",
        f"the domain {domain} already exists in account {account}. To manage it with this "
        "resource, set adopt=True (`pulumi import` does not work for dynamic resources); "
        "otherwise remove it or choose another name. During `pulumi up --replace` with "
        "delete_before_replace=False, do not adopt (the old resource's delete would then remove it): "
        "drop that option instead.",
    )


def _wire(server: Any) -> dict[str, Any]:
    if not isinstance(server, dict):
        return {}
    out: dict[str, Any] = {}
    if server.get("context_id") not in (None, ""):
        out["contextId"] = str(server["context_id"])
    if "memo" in server and server["memo"] is not None:
        out["memo"] = str(server["memo"])
    if server.get("count_mails") is not None:
        with contextlib.suppress(TypeError, ValueError):
            out["countMails"] = int(server["count_mails"])
    return out


@dataclass
class DomainArgs:
    """Arguments of :class:`Domain` (see its properties for their meaning)."""

    account: pulumi.Input[str]
    domain: pulumi.Input[str]
    password: pulumi.Input[str]
    context_id: pulumi.Input[str] | None = None
    create_new_context: pulumi.Input[bool] | None = None
    memo: pulumi.Input[str] | None = None
    verification_timeout: pulumi.Input[int] | None = None
    adopt: pulumi.Input[bool] | None = None
    login_username: pulumi.Input[str] | None = None
    login_password: pulumi.Input[str] | None = None


class Domain(MailboxOrgResource, module="mailboxorg", name="Domain"):
    """A mail domain of a mailbox.org account.

    On create, mailbox.org asks for proof of ownership: a TXT record at ``verification_host`` with
    the value ``verification_txt``. The provider logs the record, checks DNS itself until every
    authoritative nameserver serves it, then retries until mailbox.org accepts the domain (up to
    ``verification_timeout`` seconds). To publish the record with another Pulumi provider in the
    same run, see :class:`~pulumi_mailboxorg.DomainChallenge`.
    """

    _provider_class = DomainProvider
    _unique_name = True

    account: pulumi.Output[str]
    """Name of the owning account (replace on change)."""
    domain: pulumi.Output[str]
    """The domain name in canonical form (replace on change)."""
    password: pulumi.Output[str]
    """The domain password (secret)."""
    context_id: pulumi.Output[str]
    """The context the domain is in, as the server reports it."""
    create_new_context: pulumi.Output[bool | None]
    """Whether a new context was requested."""
    memo: pulumi.Output[str | None]
    """Free-text note."""
    verification_timeout: pulumi.Output[int | None]
    """Seconds to wait for ownership verification."""
    adopt: pulumi.Output[bool]
    """Whether an existing domain may be taken over."""
    login_username: pulumi.Output[str | None]
    """Login used for this resource's API calls instead of ``mailboxorg:username`` (None: the stack's)."""
    login_password: pulumi.Output[str | None]
    """Password of ``login_username`` (secret)."""
    verification_host: pulumi.Output[str]
    """Host name of the ownership TXT record that was answered (empty when accepted at once)."""
    verification_txt: pulumi.Output[str]
    """Value of the ownership TXT record that was answered (empty when accepted at once)."""
    count_mails: pulumi.Output[int]
    """Number of mail addresses in the domain, as last read."""

    def __init__(
        self,
        resource_name: str,
        args: DomainArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        account: pulumi.Input[str] | None = None,
        domain: pulumi.Input[str] | None = None,
        password: pulumi.Input[str] | None = None,
        context_id: pulumi.Input[str] | None = None,
        create_new_context: pulumi.Input[bool] | None = None,
        memo: pulumi.Input[str] | None = None,
        verification_timeout: pulumi.Input[int] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        login_username: pulumi.Input[str] | None = None,
        login_password: pulumi.Input[str] | None = None,
    ) -> None:
        """Declare a Domain; pass a :class:`DomainArgs` or the same values as keywords."""
        super().__init__(
            resource_name,
            args,
            opts,
            {
                "account": account,
                "domain": domain,
                "password": password,
                "context_id": context_id,
                "create_new_context": create_new_context,
                "memo": memo,
                "verification_timeout": verification_timeout,
                "adopt": adopt,
                "login_username": login_username,
                "login_password": login_password,
            },
        )
