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
from pulumi.dynamic import CheckFailure

from . import operation, runtime
from .errors import ApiError, DnsVerificationRequiredError, InputError, MailboxOrgError, TransportError
from .lookups import contexts, domain_gone, find_domain
from .objects import API_LOGIN, REPLACE_HINT, Added, ApiObjectProvider
from .properties import Prop
from .provider import CONTEXT_WARNING, LOGIN_PROPS, is_unknown
from .resource import MailboxOrgResource
from .validation import account_name, canonical_domain
from .verification import Challenge, challenge_from, record_line, wait_for_verification

if TYPE_CHECKING:
    from .client import MailboxOrgClient

__all__ = ["CONTEXT_WARNING", "Domain", "DomainArgs", "DomainProvider"]


class DomainProvider(ApiObjectProvider):
    """Dynamic provider of :class:`Domain` (see :mod:`.provider` for the contract)."""

    kind: ClassVar[str] = "Domain"
    import_id: ClassVar[str] = "the domain name, e.g. `example.com`, or `ACCOUNT/DOMAIN`"
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
        API_LOGIN,
    )

    noun: ClassVar[str] = "domain"
    key: ClassVar[str] = "domain"
    look_first: ClassVar[bool] = True
    add_fields: ClassVar[frozenset[str] | None] = frozenset(
        {"account", "domain", "password", "context_id", "create_new_context", "memo"}
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

    # -- declarations ----------------------------------------------------------------------------
    def find(self, client: MailboxOrgClient, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """The account's ``domain.list`` entry of the domain."""
        return find_domain(client, str(values.get("account") or ""), str(values["domain"]))

    def gone(self, client: MailboxOrgClient, id_: str, values: Mapping[str, Any]) -> bool:
        """Absent from the account's listing, or the account itself is gone."""
        return domain_gone(client, str(values.get("account") or ""), id_, values.get(API_LOGIN.wire))

    def wire(self, server: Any) -> dict[str, Any]:
        return _wire(server)

    def title(self, id_: str) -> str:
        return f"the domain {id_}"

    def import_target(self, import_id: str) -> tuple[str, dict[str, Any]]:
        """``ACCOUNT/DOMAIN``, or a domain name whose account is looked up (``domain.get``, else the
        ``domain.list`` of each account the login lists)."""
        head, slash, tail = import_id.partition("/")
        domain = canonical_domain(tail if slash else import_id)
        account = account_name(head) if slash else self._account_of(domain)
        return domain, {"account": account, "domain": domain}

    def _account_of(self, domain: str) -> str:
        client = self.client()
        answer = client.call("domain.get", {"domain": domain})
        if isinstance(answer, dict) and isinstance(answer.get("account"), str) and answer["account"]:
            return str(answer["account"])
        listing = client.call("account.list", {})
        for entry in listing if isinstance(listing, list) else []:
            name = entry.get("account") if isinstance(entry, dict) else None
            if isinstance(name, str) and name and find_domain(client, name, domain) is not None:
                return name
        raise InputError(
            "id",
            f"no account that the login {client.username!r} can list holds the domain {domain}; "
            f"import it as ACCOUNT/{domain}.",
        )

    def is_object(self, answer: Any) -> bool:
        """A dict answer of ``domain.*`` is the domain (only ``memo`` is a confirmed field)."""
        return isinstance(answer, dict) and ("domain" in answer or "memo" in answer)

    def exists_error(self, props: Mapping[str, Any]) -> InputError:
        return _exists_error(props["account"], props["domain"])

    def delete_params(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any]:
        return {"account": props.get("account", ""), "domain": id_}

    def outputs_of(
        self, client: MailboxOrgClient, inputs: Mapping[str, Any], id_: str, answer: Any
    ) -> dict[str, Any]:
        """Full outputs; the context id from ``context.list`` when the answer does not carry it
        (only ``memo`` is a confirmed field of ``domain.get``), never the recorded one."""
        if not self.is_object(answer):
            answer = self.get(client, id_)
        outs = super().outputs_of(client, inputs, id_, answer)
        if "contextId" not in self.wire(answer) and outs.get("account"):
            for context_id, members in contexts(client, str(outs["account"])).items():
                if id_ in members:
                    outs["contextId"] = context_id
        return outs

    # -- create ----------------------------------------------------------------------------------
    def add(self, client: MailboxOrgClient, props: dict[str, Any], params: dict[str, Any]) -> Any:
        """``domain.add``, answering the ownership challenge (218) by waiting for DNS and retrying."""
        challenge: Challenge | None = None
        try:
            try:
                server = client.call("domain.add", params)
            except DnsVerificationRequiredError as exc:
                challenge = challenge_from(props["domain"], exc)
                server = self._verify(client, params, challenge, props)
        except TransportError as exc:
            if not exc.sent:
                raise
            server = self.confirm_add(client, props, exc)
        return Added(
            server,
            {
                "verificationHost": challenge.host if challenge else "",
                "verificationTxt": challenge.txt if challenge else "",
            },
        )

    def _verify(
        self, client: MailboxOrgClient, params: dict[str, Any], challenge: Challenge, props: dict[str, Any]
    ) -> Any:
        config = runtime.current_config()
        timeout = props.get("verificationTimeout")
        timeout = float(config.verification_timeout if timeout is None else timeout)
        left = operation.remaining()  # the operation's own timeout (customTimeouts, native plugin)
        if left is not None and left < timeout:
            timeout = left
        self.log(
            f"Domain {challenge.domain}: mailbox.org asks for proof of ownership. Publish this DNS "
            f"record (the provider checks DNS and retries for up to {timeout:.0f}s):\n    "
            f"{record_line(challenge)}"
        )
        accepted: list[Any] = []

        def retry() -> bool:
            try:
                accepted.append(client.call("domain.add", params))
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

    def refused(self, client: MailboxOrgClient, props: Mapping[str, Any], exc: ApiError) -> MailboxOrgError:
        account, domain = props["account"], props["domain"]
        return MailboxOrgError(
            f"mailbox.org refused to add the domain {domain} to account {account}: {exc.api_message} "
            f"(error {exc.code}). Check that the login (mailboxorg:username) may administrate account "
            f"{account} and that the domain does not belong to another mailbox.org account."
        )

    def adopt(self, client: MailboxOrgClient, props: dict[str, Any]) -> dict[str, Any]:
        outs = super().adopt(client, props)
        outs["verificationHost"] = ""
        outs["verificationTxt"] = ""
        return outs

    # -- update ----------------------------------------------------------------------------------
    def update_params(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """Changed fields; ``create_new_context`` turning false asks for nothing."""
        params = super().update_params(olds, news)
        if params.get("create_new_context_id") is False:
            params.pop("create_new_context_id")  # false asks for nothing: the domain stays where it is
        if "context_id" in params or "create_new_context_id" in params:
            self.warn(f"Domain {news.get('domain')}: {CONTEXT_WARNING}.")
        return params

    # -- delete ----------------------------------------------------------------------------------
    def not_deleted(
        self, client: MailboxOrgClient, id_: str, entry: Mapping[str, Any] | None, answer: str
    ) -> MailboxOrgError:
        count = _mail_count(entry.get("count_mails")) if entry else 0
        if count > 0:
            return MailboxOrgError(
                f"mailbox.org refused to delete the domain {id_}: it still has {count} mail "
                "address(es). Delete its Mailbox resources (or the addresses out of band) first, then "
                f"run the operation again. (mailbox.org {answer})"
            )
        return super().not_deleted(client, id_, entry, answer)


def _mail_count(value: Any) -> int:
    """``count_mails`` of a ``domain.list`` entry (an unreadable count counts as addresses)."""
    if value is None or value == "":
        return 0
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 1


def _exists_error(account: str, domain: str) -> InputError:
    return InputError(
        "adopt",
        f"the domain {domain} already exists in account {account}. To manage it with this "
        "resource, set adopt=True (`pulumi import` does not work for dynamic resources); "
        f"otherwise remove it or choose another name. {REPLACE_HINT}",
    )


def _wire(server: Any) -> dict[str, Any]:
    if not isinstance(server, dict):
        return {}
    out: dict[str, Any] = {}
    for key in ("domain", "account"):
        if isinstance(server.get(key), str) and server[key]:
            out[key] = server[key].lower() if key == "domain" else server[key]
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
    """The arguments of :class:`Domain`.

    :param account: Name of the mailbox.org account that owns the domain. Changing it replaces the domain.
    :param domain: Fully qualified domain name, stored in lower-case A-label (punycode) form. Changing it
        replaces the domain.
    :param password: Domain password (the domain-level API login). Secret; updated in place.
    :param context_id: Context (OX groupware tenant) to place the domain in. Unset: the server's choice, and a
        Context resource may move the domain without a diff here. Changing it moves the domain: moving a
        domain to another context deletes the cloud-office data (calendars, address books, files) of all its
        mailboxes; their e-mail is kept.
    :param create_new_context: Give the domain a new context of its own (on create, or when it changes to
        true).
    :param memo: Free-text note kept with the domain.
    :param verification_timeout: Seconds to wait for the ownership TXT record to be accepted (0 = do not
        wait); overrides `mailboxorg:verificationTimeout`. Never causes an update.
    :param adopt: Take over the domain if it already exists in the account (`pulumi import` does not work for
        dynamic resources). Never causes an update.
    :param login_username: Log in as this user for this resource's API calls instead of `mailboxorg:username`
        (e.g. a customer's account name in a reseller's stack). Recorded in the state; never sent as a field.
    :param login_password: Password of `login_username`. Secret.
    """

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

    account: pulumi.Output[str]
    """Name of the mailbox.org account that owns the domain. Changing it replaces the domain."""
    domain: pulumi.Output[str]
    """Fully qualified domain name, stored in lower-case A-label (punycode) form. Changing it replaces the
    domain.
    """
    password: pulumi.Output[str]
    """Domain password (the domain-level API login). Secret; updated in place."""
    context_id: pulumi.Output[str]
    """Context (OX groupware tenant) to place the domain in. Unset: the server's choice, and a Context
    resource may move the domain without a diff here. Changing it moves the domain: moving a domain to
    another context deletes the cloud-office data (calendars, address books, files) of all its mailboxes;
    their e-mail is kept.
    """
    create_new_context: pulumi.Output[bool | None]
    """Give the domain a new context of its own (on create, or when it changes to true)."""
    memo: pulumi.Output[str | None]
    """Free-text note kept with the domain."""
    verification_timeout: pulumi.Output[int | None]
    """Seconds to wait for the ownership TXT record to be accepted (0 = do not wait); overrides
    `mailboxorg:verificationTimeout`. Never causes an update.
    """
    adopt: pulumi.Output[bool]
    """Take over the domain if it already exists in the account (`pulumi import` does not work for dynamic
    resources). Never causes an update.
    """
    login_username: pulumi.Output[str | None]
    """Log in as this user for this resource's API calls instead of `mailboxorg:username` (e.g. a customer's
    account name in a reseller's stack). Recorded in the state; never sent as a field.
    """
    login_password: pulumi.Output[str | None]
    """Password of `login_username`. Secret."""
    verification_host: pulumi.Output[str]
    """Host name of the ownership TXT record that was answered (empty when accepted at once)."""
    verification_txt: pulumi.Output[str]
    """Value of the ownership TXT record that was answered (empty when accepted at once)."""
    count_mails: pulumi.Output[int]
    """Number of mail addresses in the domain, as last read."""
    api_login: pulumi.Output[str]
    """The login name that created or last read this object. Only a listing of this login (or of an admin) can
    show that the object is gone.
    """

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
        """Declare a Domain: pass a :class:`DomainArgs`, or the same values as keywords.

        :param resource_name: The name of the resource in the stack.
        :param args: The inputs as a :class:`DomainArgs`.
        :param opts: Options of the resource.
        :param account: Name of the mailbox.org account that owns the domain. Changing it replaces the domain.
        :param domain: Fully qualified domain name, stored in lower-case A-label (punycode) form. Changing it
            replaces the domain.
        :param password: Domain password (the domain-level API login). Secret; updated in place.
        :param context_id: Context (OX groupware tenant) to place the domain in. Unset: the server's choice,
            and a Context resource may move the domain without a diff here. Changing it moves the domain:
            moving a domain to another context deletes the cloud-office data (calendars, address books, files)
            of all its mailboxes; their e-mail is kept.
        :param create_new_context: Give the domain a new context of its own (on create, or when it changes to
            true).
        :param memo: Free-text note kept with the domain.
        :param verification_timeout: Seconds to wait for the ownership TXT record to be accepted (0 = do not
            wait); overrides `mailboxorg:verificationTimeout`. Never causes an update.
        :param adopt: Take over the domain if it already exists in the account (`pulumi import` does not work
            for dynamic resources). Never causes an update.
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
