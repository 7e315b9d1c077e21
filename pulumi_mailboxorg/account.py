"""The Account resource: a mailbox.org business customer (``account.*``; needs a reseller login)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi

from .errors import ApiError, InputError, InvalidSessionError, MailboxOrgError
from .lookups import account_gone, find_account, undecidable
from .objects import API_LOGIN, ApiObjectProvider
from .properties import Prop, camel
from .resource import MailboxOrgResource
from .validation import account_name, check_enum, check_int, check_string_map

if TYPE_CHECKING:
    from .client import MailboxOrgClient

__all__ = ["ACCOUNT_PLANS", "Account", "AccountArgs", "AccountProvider"]

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


class AccountProvider(ApiObjectProvider):
    """Dynamic provider of :class:`Account`: ``account.*`` (needs a reseller login)."""

    kind: ClassVar[str] = "Account"
    import_id: ClassVar[str] = "the account name, e.g. `acme`"
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
        Prop(
            "tarifflimits",
            "object",
            'Limits per plan, e.g. {"basic": 10}.',
            validate=_tarifflimits,
            item="integer",
        ),
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
        API_LOGIN,
    )

    noun: ClassVar[str] = "account"
    key: ClassVar[str] = "account"

    def find(self, client: MailboxOrgClient, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """The ``account.list`` entry (None: this login does not list it)."""
        return find_account(client, str(values["account"]))

    def gone(self, client: MailboxOrgClient, id_: str, values: Mapping[str, Any]) -> bool:
        """Gone only when the login that can see it (recorded ``apiLogin``) no longer lists it."""
        return account_gone(client, id_, values.get(API_LOGIN.wire))

    def wire(self, server: Any) -> dict[str, Any]:
        return _wire(server)

    def set_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """account.set spells the main salutation ``salutation``."""
        return _set_params(params)

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

    def refused(self, client: MailboxOrgClient, props: Mapping[str, Any], exc: ApiError) -> MailboxOrgError:
        return self._need_reseller(client, exc)

    def set_call(self, client: MailboxOrgClient, params: dict[str, Any]) -> Any:
        try:
            return client.call("account.set", params)
        except InvalidSessionError:
            raise
        except ApiError as exc:
            raise self._need_reseller(client, exc) from None

    def before_delete(self, client: MailboxOrgClient, id_: str, props: Mapping[str, Any]) -> None:
        """Refuse while domains remain unless ``force_destroy``: account.del deletes them all."""
        if props.get("forceDestroy"):
            return
        try:
            domains = client.call("domain.list", {"account": id_})
        except InvalidSessionError:
            raise
        except ApiError:
            if self.gone(client, id_, props):
                return  # already gone: the delete call below confirms it
            raise
        if not isinstance(domains, list):
            raise undecidable(
                client,
                f"the account {id_} still has domains",
                "mailbox.org answered domain.list with another shape than a list",
            )
        names = [str(d.get("domain")) for d in domains if isinstance(d, dict)]
        if names:
            raise InputError(
                "force_destroy",
                f"refusing to delete the account {id_}: it still has {len(names)} domain(s) "
                f"({', '.join(sorted(names)[:5])}{', ...' if len(names) > 5 else ''}), and deleting "
                "the account deletes them and all their mail addresses. Delete those domains first, "
                "or set force_destroy=True on the Account and run `pulumi up` before destroying.",
            )

    def not_deleted(
        self, client: MailboxOrgClient, id_: str, entry: Mapping[str, Any] | None, answer: str
    ) -> MailboxOrgError:
        reason = ""
        try:
            domains = client.call("domain.list", {"account": id_})
        except MailboxOrgError:
            domains = None
        if isinstance(domains, list) and domains:
            reason = f" It still has {len(domains)} domain(s)."
        return MailboxOrgError(
            f"the account {id_} was not deleted: mailbox.org {answer}, and account.list still lists "
            f"it.{reason} It stays in the stack; fix the cause and run the operation again."
        )


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
    known = {p.name for p in AccountProvider.props} - {"password", "force_destroy", "adopt", "api_login"}
    out = {camel(k): v for k, v in flat.items() if k in known and v is not None}
    if "plan" in out and isinstance(out["plan"], str):
        out["plan"] = out["plan"].lower()
    return out


@dataclass
class AccountArgs:
    """The arguments of :class:`Account`.

    :param account: Account name, also the customer's login name. Changing it replaces the account.
    :param password: The customer's login password. Secret.
    :param plan: basic, profi, profixl or reseller.
    :param memo: Free-text note.
    :param contact_mail: Contact e-mail address.
    :param contact_phone: Contact phone number.
    :param contact_fax: Contact fax number.
    :param contact_mobile: Contact mobile number.
    :param company: Company name.
    :param ustid: VAT identification number.
    :param address_main_first_name: Main address: first name.
    :param address_main_last_name: Main address: last name.
    :param address_main_street: Main address: street.
    :param address_main_zipcode: Main address: postal code.
    :param address_main_town: Main address: town.
    :param address_main_country: Main address: country.
    :param address_payment_first_name: Billing address: first name.
    :param address_payment_last_name: Billing address: last name.
    :param address_payment_street: Billing address: street.
    :param address_payment_zipcode: Billing address: postal code.
    :param address_payment_town: Billing address: town.
    :param address_payment_country: Billing address: country.
    :param language: Language, e.g. de_DE.
    :param address_main_salutation: Main address: salutation (herr or frau).
    :param address_payment_same_as_main: The billing address is the main address.
    :param tarifflimits: Limits per plan, e.g. {"basic": 10}.
    :param max_mailinglist: Maximum number of mailing lists.
    :param force_destroy: Allow deleting the account while it still has domains: account.del deletes every
        domain and mail address of the account. Only recorded in the state (run `pulumi up` after setting it,
        before destroying); never sent to the API.
    :param adopt: Take over the account if it already exists. Never causes an update.
    """

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
    address_main_first_name: pulumi.Input[str] | None = None
    address_main_last_name: pulumi.Input[str] | None = None
    address_main_street: pulumi.Input[str] | None = None
    address_main_zipcode: pulumi.Input[str] | None = None
    address_main_town: pulumi.Input[str] | None = None
    address_main_country: pulumi.Input[str] | None = None
    address_payment_first_name: pulumi.Input[str] | None = None
    address_payment_last_name: pulumi.Input[str] | None = None
    address_payment_street: pulumi.Input[str] | None = None
    address_payment_zipcode: pulumi.Input[str] | None = None
    address_payment_town: pulumi.Input[str] | None = None
    address_payment_country: pulumi.Input[str] | None = None
    language: pulumi.Input[str] | None = None
    address_main_salutation: pulumi.Input[str] | None = None
    address_payment_same_as_main: pulumi.Input[bool] | None = None
    tarifflimits: pulumi.Input[Mapping[str, pulumi.Input[int]]] | None = None
    max_mailinglist: pulumi.Input[int] | None = None
    force_destroy: pulumi.Input[bool] | None = None
    adopt: pulumi.Input[bool] | None = None


class Account(MailboxOrgResource, module="mailboxorg", name="Account"):
    """A mailbox.org business customer account (needs a reseller login).

    Deleting an account deletes all its domains and mail addresses; the provider refuses while the
    account still has domains unless ``force_destroy`` is true.
    """

    _provider_class = AccountProvider

    account: pulumi.Output[str]
    """Account name, also the customer's login name. Changing it replaces the account."""
    password: pulumi.Output[str]
    """The customer's login password. Secret."""
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
    address_main_salutation: pulumi.Output[str | None]
    """Main address: salutation (herr or frau)."""
    address_payment_same_as_main: pulumi.Output[bool | None]
    """The billing address is the main address."""
    tarifflimits: pulumi.Output[Mapping[str, int] | None]
    """Limits per plan, e.g. {"basic": 10}."""
    max_mailinglist: pulumi.Output[int | None]
    """Maximum number of mailing lists."""
    force_destroy: pulumi.Output[bool]
    """Allow deleting the account while it still has domains: account.del deletes every domain and mail
    address of the account. Only recorded in the state (run `pulumi up` after setting it, before
    destroying); never sent to the API.
    """
    adopt: pulumi.Output[bool]
    """Take over the account if it already exists. Never causes an update."""
    status: pulumi.Output[str]
    """Account status as the server reports it (e.g. aktiv)."""
    type: pulumi.Output[str]
    """Account type as the server reports it (e.g. BMBO)."""
    api_login: pulumi.Output[str]
    """The login name that created or last read this object. Only a listing of this login (or of an admin) can
    show that the object is gone.
    """

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
        address_main_first_name: pulumi.Input[str] | None = None,
        address_main_last_name: pulumi.Input[str] | None = None,
        address_main_street: pulumi.Input[str] | None = None,
        address_main_zipcode: pulumi.Input[str] | None = None,
        address_main_town: pulumi.Input[str] | None = None,
        address_main_country: pulumi.Input[str] | None = None,
        address_payment_first_name: pulumi.Input[str] | None = None,
        address_payment_last_name: pulumi.Input[str] | None = None,
        address_payment_street: pulumi.Input[str] | None = None,
        address_payment_zipcode: pulumi.Input[str] | None = None,
        address_payment_town: pulumi.Input[str] | None = None,
        address_payment_country: pulumi.Input[str] | None = None,
        language: pulumi.Input[str] | None = None,
        address_main_salutation: pulumi.Input[str] | None = None,
        address_payment_same_as_main: pulumi.Input[bool] | None = None,
        tarifflimits: pulumi.Input[Mapping[str, pulumi.Input[int]]] | None = None,
        max_mailinglist: pulumi.Input[int] | None = None,
        force_destroy: pulumi.Input[bool] | None = None,
        adopt: pulumi.Input[bool] | None = None,
    ) -> None:
        """Declare a Account: pass a :class:`AccountArgs`, or the same values as keywords.

        :param resource_name: The name of the resource in the stack.
        :param args: The inputs as a :class:`AccountArgs`.
        :param opts: Options of the resource.
        :param account: Account name, also the customer's login name. Changing it replaces the account.
        :param password: The customer's login password. Secret.
        :param plan: basic, profi, profixl or reseller.
        :param memo: Free-text note.
        :param contact_mail: Contact e-mail address.
        :param contact_phone: Contact phone number.
        :param contact_fax: Contact fax number.
        :param contact_mobile: Contact mobile number.
        :param company: Company name.
        :param ustid: VAT identification number.
        :param address_main_first_name: Main address: first name.
        :param address_main_last_name: Main address: last name.
        :param address_main_street: Main address: street.
        :param address_main_zipcode: Main address: postal code.
        :param address_main_town: Main address: town.
        :param address_main_country: Main address: country.
        :param address_payment_first_name: Billing address: first name.
        :param address_payment_last_name: Billing address: last name.
        :param address_payment_street: Billing address: street.
        :param address_payment_zipcode: Billing address: postal code.
        :param address_payment_town: Billing address: town.
        :param address_payment_country: Billing address: country.
        :param language: Language, e.g. de_DE.
        :param address_main_salutation: Main address: salutation (herr or frau).
        :param address_payment_same_as_main: The billing address is the main address.
        :param tarifflimits: Limits per plan, e.g. {"basic": 10}.
        :param max_mailinglist: Maximum number of mailing lists.
        :param force_destroy: Allow deleting the account while it still has domains: account.del deletes every
            domain and mail address of the account. Only recorded in the state (run `pulumi up` after setting
            it, before destroying); never sent to the API.
        :param adopt: Take over the account if it already exists. Never causes an update.
        """
        super().__init__(
            resource_name,
            args,
            opts,
            {
                "account": account,
                "password": password,
                "plan": plan,
                "memo": memo,
                "contact_mail": contact_mail,
                "contact_phone": contact_phone,
                "contact_fax": contact_fax,
                "contact_mobile": contact_mobile,
                "company": company,
                "ustid": ustid,
                "address_main_first_name": address_main_first_name,
                "address_main_last_name": address_main_last_name,
                "address_main_street": address_main_street,
                "address_main_zipcode": address_main_zipcode,
                "address_main_town": address_main_town,
                "address_main_country": address_main_country,
                "address_payment_first_name": address_payment_first_name,
                "address_payment_last_name": address_payment_last_name,
                "address_payment_street": address_payment_street,
                "address_payment_zipcode": address_payment_zipcode,
                "address_payment_town": address_payment_town,
                "address_payment_country": address_payment_country,
                "language": language,
                "address_main_salutation": address_main_salutation,
                "address_payment_same_as_main": address_payment_same_as_main,
                "tarifflimits": tarifflimits,
                "max_mailinglist": max_mailinglist,
                "force_destroy": force_destroy,
                "adopt": adopt,
            },
        )
