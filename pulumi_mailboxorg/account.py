"""The Account resource: a mailbox.org business customer (``account.*``; needs a reseller login)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from .errors import ApiError, InputError, InvalidSessionError, MailboxOrgError, TransportError
from .properties import Prop, camel
from .provider import MailboxOrgProvider, user_errors
from .resource import MailboxOrgResource
from .validation import account_name, check_enum, check_int, check_string_map

if TYPE_CHECKING:
    from .client import MailboxOrgClient

__all__ = ["ACCOUNT_PLANS", "Account", "AccountArgs", "AccountProvider", "find_account"]

ACCOUNT_PLANS = ("basic", "profi", "profixl", "reseller")

#: Optional string fields of account.add and account.set, with their descriptions.
_TEXT_FIELDS = (
    ("memo", "Free-text note."),
    ("contact_mail", "Contact e-mail address."),
    ("contact_phone", "Contact phone number."),
    ("contact_fax", "Contact fax number."),
    ("contact_mobile", "Contact mobile number."),
    ("company", "Company name."),
    ("ustid", "VAT identification number."),
    ("address_main_first_name", "Main address: first name."),
    ("address_main_last_name", "Main address: last name."),
    ("address_main_street", "Main address: street."),
    ("address_main_zipcode", "Main address: postal code."),
    ("address_main_town", "Main address: town."),
    ("address_main_country", "Main address: country."),
    ("address_payment_first_name", "Billing address: first name."),
    ("address_payment_last_name", "Billing address: last name."),
    ("address_payment_street", "Billing address: street."),
    ("address_payment_zipcode", "Billing address: postal code."),
    ("address_payment_town", "Billing address: town."),
    ("address_payment_country", "Billing address: country."),
    ("language", "Language, e.g. de_DE."),
)
#: Nested objects of account.get and the flat field prefix they map to.
_NESTED = {"address_main": "address_main_", "address_payment": "address_payment_", "contact": "contact_"}


def _plan(value: Any) -> str:
    return check_enum(value, ACCOUNT_PLANS)


def _tarifflimits(value: Any) -> dict[str, Any]:
    limits = check_string_map(value, keys=ACCOUNT_PLANS)
    return {key: check_int(val) for key, val in limits.items()}


def find_account(client: MailboxOrgClient, account: str) -> dict[str, Any] | None:
    """The ``account.list`` entry of ``account``, or None: evidence of (non-)existence."""
    entries = client.call("account.list", {"query": account})
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("account") == account:
            return entry
    return None


class AccountProvider(MailboxOrgProvider):
    """Dynamic provider of :class:`Account`."""

    kind: ClassVar[str] = "Account"
    props: ClassVar[tuple[Prop, ...]] = (
        Prop(
            "account",
            "string",
            "Account name, also the customer's login name. Changing it replaces the account.",
            required=True,
            replace=True,
            validate=account_name,
        ),
        Prop("password", "string", "The customer's login password. Secret.", required=True, secret=True),
        Prop("plan", "string", "basic, profi, profixl or reseller.", required=True, validate=_plan),
        *(Prop(name, "string", text) for name, text in _TEXT_FIELDS),
        Prop(
            "address_main_salutation",
            "string",
            "Main address: salutation (herr or frau).",
            validate=lambda v: check_enum(v, ("herr", "frau")),
        ),
        Prop("address_payment_same_as_main", "boolean", "The billing address is the main address."),
        Prop("tarifflimits", "object", 'Limits per plan, e.g. {"basic": 10}.', validate=_tarifflimits),
        Prop("max_mailinglist", "integer", "Maximum number of mailing lists."),
        Prop(
            "force_destroy",
            "boolean",
            "Allow deleting the account while it still has domains: account.del deletes every domain "
            "and mail address of the account. Only recorded in the state (run `pulumi up` after "
            "setting it, before destroying); never sent to the API.",
            sendable=False,
            default=False,
        ),
        Prop(
            "adopt",
            "boolean",
            "Take over the account if it already exists. Never causes an update.",
            diffed=False,
            sendable=False,
            default=False,
        ),
        Prop("status", "string", "Account status as the server reports it (e.g. aktiv).", input=False),
        Prop("type", "string", "Account type as the server reports it (e.g. BMBO).", input=False),
    )

    def _need_reseller(self, client: MailboxOrgClient, exc: ApiError) -> MailboxOrgError:
        level = client.level or "unknown"
        if level not in ("reseller", "admin"):
            return MailboxOrgError(
                f"managing accounts needs a reseller login; mailboxorg:username logs in at level "
                f"{level!r}. Use your reseller credentials for stacks that declare Account resources. "
                f"(API: {exc.api_message}, error {exc.code})"
            )
        return MailboxOrgError(
            f"mailbox.org refused the account operation: {exc.api_message} (error {exc.code})"
        )

    @user_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        """``account.add``; adopt with ``account.set`` when asked to."""
        client = self.client()
        account = props["account"]
        params = self.api_params(props, self.props)
        if props.get("adopt") and find_account(client, account) is not None:
            self.log(f"Account {account}: already exists; adopting it (adopt=True).")
            server = client.call("account.set", _set_params(params))
            return CreateResult(account, self.outputs(props, self._server_view(client, account, server)))
        try:
            server = client.call("account.add", params)
        except TransportError as exc:
            if not exc.sent or find_account(client, account) is None:
                raise
            server = None
        except InvalidSessionError:
            raise  # the session, not the object: no "refused" message
        except ApiError as exc:
            try:
                exists = find_account(client, account) is not None
            except MailboxOrgError:
                exists = False
            if exists:
                raise InputError(
                    "adopt",
                    f"the account {account} already exists. To manage it with this resource, set "
                    "adopt=True (`pulumi import` does not work for dynamic resources). During `pulumi up "
                    "--replace` with delete_before_replace=False, do not adopt (the old resource's delete "
                    "would then remove it): drop that option instead.",
                ) from None
            raise self._need_reseller(client, exc) from None
        return CreateResult(account, self.outputs(props, self._server_view(client, account, server)))

    @user_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh from ``account.get``; a vanished account (per ``account.list``) reads as gone."""
        client = self.client()
        try:
            server = client.call("account.get", {"account": id_})
        except ApiError:
            if find_account(client, id_) is None:
                return ReadResult("", {})
            raise
        return ReadResult(id_, self.outputs(props, _wire(server)))

    @user_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """``account.set`` with only the changed fields."""
        client = self.client()
        changed = [p for p in self.changed(olds, news) if p.sendable]
        params = self.api_params(news, changed)
        server: Any = None
        if params:
            params["account"] = id_
            try:
                server = client.call("account.set", _set_params(params))
            except ApiError as exc:
                raise self._need_reseller(client, exc) from None
        merged = {**olds, **{k: v for k, v in news.items() if v is not None}}
        return UpdateResult(self.outputs(merged, self._server_view(client, id_, server)))

    @user_errors
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """``account.del``, refused while domains remain unless ``force_destroy``."""
        client = self.client()
        if not props.get("forceDestroy"):
            try:
                domains = client.call("domain.list", {"account": id_})
            except ApiError:
                if find_account(client, id_) is None:
                    return  # already gone
                raise
            names = (
                [str(d.get("domain")) for d in domains if isinstance(d, dict)]
                if isinstance(domains, list)
                else []
            )
            if names:
                raise InputError(
                    "force_destroy",
                    f"refusing to delete the account {id_}: it still has {len(names)} domain(s) "
                    f"({', '.join(sorted(names)[:5])}{', ...' if len(names) > 5 else ''}), and deleting "
                    "the account deletes them and all their mail addresses. Delete those domains first, "
                    "or set force_destroy=True on the Account and run `pulumi up` before destroying.",
                )
        try:
            client.call("account.del", {"account": id_})
        except (ApiError, TransportError) as exc:
            if isinstance(exc, TransportError) and not exc.sent:
                raise
            if find_account(client, id_) is not None:
                raise

    @staticmethod
    def _server_view(client: MailboxOrgClient, account: str, result: Any) -> dict[str, Any]:
        if not (isinstance(result, dict) and result.get("account")):
            result = client.call("account.get", {"account": account})
        return _wire(result)


def _set_params(params: dict[str, Any]) -> dict[str, Any]:
    """account.set spells the main salutation ``salutation``."""
    params = dict(params)
    if "address_main_salutation" in params:
        params["salutation"] = params.pop("address_main_salutation")
    return params


def _wire(server: Any) -> dict[str, Any]:
    """Wire-named outputs from an account object (nested address objects flattened)."""
    if not isinstance(server, dict):
        return {}
    flat: dict[str, Any] = {}
    for key, value in server.items():
        prefix = _NESTED.get(key)
        if prefix and isinstance(value, dict):
            for sub, subvalue in value.items():
                flat[prefix + sub] = subvalue
        else:
            flat[key] = value
    known = {p.name for p in AccountProvider.props} - {"password", "force_destroy", "adopt"}
    out = {camel(k): v for k, v in flat.items() if k in known and v is not None}
    if "plan" in out and isinstance(out["plan"], str):
        out["plan"] = out["plan"].lower()
    return out


@dataclass
class AccountArgs:
    """Arguments of :class:`Account` (see its properties for their meaning)."""

    account: pulumi.Input[str]
    password: pulumi.Input[str]
    plan: pulumi.Input[str]
    memo: pulumi.Input[str] | None = None
    contact_mail: pulumi.Input[str] | None = None
    contact_phone: pulumi.Input[str] | None = None
    contact_fax: pulumi.Input[str] | None = None
    contact_mobile: pulumi.Input[str] | None = None
    company: pulumi.Input[str] | None = None
    ustid: pulumi.Input[str] | None = None
    address_main_salutation: pulumi.Input[str] | None = None
    address_main_first_name: pulumi.Input[str] | None = None
    address_main_last_name: pulumi.Input[str] | None = None
    address_main_street: pulumi.Input[str] | None = None
    address_main_zipcode: pulumi.Input[str] | None = None
    address_main_town: pulumi.Input[str] | None = None
    address_main_country: pulumi.Input[str] | None = None
    address_payment_same_as_main: pulumi.Input[bool] | None = None
    address_payment_first_name: pulumi.Input[str] | None = None
    address_payment_last_name: pulumi.Input[str] | None = None
    address_payment_street: pulumi.Input[str] | None = None
    address_payment_zipcode: pulumi.Input[str] | None = None
    address_payment_town: pulumi.Input[str] | None = None
    address_payment_country: pulumi.Input[str] | None = None
    language: pulumi.Input[str] | None = None
    tarifflimits: pulumi.Input[dict[str, int]] | None = None
    max_mailinglist: pulumi.Input[int] | None = None
    force_destroy: pulumi.Input[bool] | None = None
    adopt: pulumi.Input[bool] | None = None


class Account(MailboxOrgResource, module="mailboxorg", name="Account"):
    """A mailbox.org business customer account (needs a reseller login).

    Deleting an account deletes all its domains and mail addresses; the provider refuses while the
    account still has domains unless ``force_destroy`` is true.
    """

    _provider_class = AccountProvider
    _unique_name = True

    account: pulumi.Output[str]
    """Account name (replace on change)."""
    password: pulumi.Output[str]
    """Login password (secret)."""
    plan: pulumi.Output[str]
    """basic, profi, profixl or reseller."""
    memo: pulumi.Output[str | None]
    """Free-text note."""
    contact_mail: pulumi.Output[str | None]
    """Contact e-mail address."""
    contact_phone: pulumi.Output[str | None]
    """Contact phone number."""
    contact_fax: pulumi.Output[str | None]
    """Contact fax number."""
    contact_mobile: pulumi.Output[str | None]
    """Contact mobile number."""
    company: pulumi.Output[str | None]
    """Company name."""
    ustid: pulumi.Output[str | None]
    """VAT identification number."""
    address_main_salutation: pulumi.Output[str | None]
    """Main address: salutation (herr or frau)."""
    address_main_first_name: pulumi.Output[str | None]
    """Main address: first name."""
    address_main_last_name: pulumi.Output[str | None]
    """Main address: last name."""
    address_main_street: pulumi.Output[str | None]
    """Main address: street."""
    address_main_zipcode: pulumi.Output[str | None]
    """Main address: postal code."""
    address_main_town: pulumi.Output[str | None]
    """Main address: town."""
    address_main_country: pulumi.Output[str | None]
    """Main address: country."""
    address_payment_same_as_main: pulumi.Output[bool | None]
    """The billing address is the main address."""
    address_payment_first_name: pulumi.Output[str | None]
    """Billing address: first name."""
    address_payment_last_name: pulumi.Output[str | None]
    """Billing address: last name."""
    address_payment_street: pulumi.Output[str | None]
    """Billing address: street."""
    address_payment_zipcode: pulumi.Output[str | None]
    """Billing address: postal code."""
    address_payment_town: pulumi.Output[str | None]
    """Billing address: town."""
    address_payment_country: pulumi.Output[str | None]
    """Billing address: country."""
    language: pulumi.Output[str | None]
    """Language, e.g. de_DE."""
    tarifflimits: pulumi.Output[dict[str, int] | None]
    """Limits per plan."""
    max_mailinglist: pulumi.Output[int | None]
    """Maximum number of mailing lists."""
    force_destroy: pulumi.Output[bool]
    """Deleting the account with its domains is allowed."""
    adopt: pulumi.Output[bool]
    """Whether an existing account may be taken over."""
    status: pulumi.Output[str]
    """Account status."""
    type: pulumi.Output[str]
    """Account type."""

    def __init__(
        self,
        resource_name: str,
        args: AccountArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        account: pulumi.Input[str] | None = None,
        password: pulumi.Input[str] | None = None,
        plan: pulumi.Input[str] | None = None,
        memo: pulumi.Input[str] | None = None,
        contact_mail: pulumi.Input[str] | None = None,
        contact_phone: pulumi.Input[str] | None = None,
        contact_fax: pulumi.Input[str] | None = None,
        contact_mobile: pulumi.Input[str] | None = None,
        company: pulumi.Input[str] | None = None,
        ustid: pulumi.Input[str] | None = None,
        address_main_salutation: pulumi.Input[str] | None = None,
        address_main_first_name: pulumi.Input[str] | None = None,
        address_main_last_name: pulumi.Input[str] | None = None,
        address_main_street: pulumi.Input[str] | None = None,
        address_main_zipcode: pulumi.Input[str] | None = None,
        address_main_town: pulumi.Input[str] | None = None,
        address_main_country: pulumi.Input[str] | None = None,
        address_payment_same_as_main: pulumi.Input[bool] | None = None,
        address_payment_first_name: pulumi.Input[str] | None = None,
        address_payment_last_name: pulumi.Input[str] | None = None,
        address_payment_street: pulumi.Input[str] | None = None,
        address_payment_zipcode: pulumi.Input[str] | None = None,
        address_payment_town: pulumi.Input[str] | None = None,
        address_payment_country: pulumi.Input[str] | None = None,
        language: pulumi.Input[str] | None = None,
        tarifflimits: pulumi.Input[dict[str, int]] | None = None,
        max_mailinglist: pulumi.Input[int] | None = None,
        force_destroy: pulumi.Input[bool] | None = None,
        adopt: pulumi.Input[bool] | None = None,
    ) -> None:
        """Declare an Account; pass an :class:`AccountArgs` or the same values as keywords."""
        values = dict(locals())
        for key in ("self", "resource_name", "args", "opts", "__class__"):
            values.pop(key, None)
        super().__init__(resource_name, args, opts, values)
