"""The Mailbox resource: a mail address of a domain (``mail.*``), with aliases and forwards."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from .client import MailboxOrgClient
from .errors import ApiError, InputError, MailboxOrgError, TransportError
from .properties import Prop
from .provider import LOGIN_PROPS, MailboxOrgProvider, is_unknown, user_errors
from .resource import MailboxOrgResource
from .validation import canonical_email, check_enum

__all__ = ["MAIL_PLANS", "Mailbox", "MailboxArgs", "MailboxProvider", "find_mail"]

MAIL_PLANS = ("light", "standard", "premium")

#: Fields ``mail.add`` accepts (besides ``mail``); the others are applied with ``mail.set`` after it.
_ADD_FIELDS = frozenset(
    {
        "password",
        "plan",
        "first_name",
        "last_name",
        "inboxsave",
        "forwards",
        "memo",
        "catchall",
        "additional_mail_quota",
        "additional_cloud_quota",
        "title",
        "birthday",
        "position",
        "department",
        "company",
        "street",
        "postal_code",
        "city",
        "phone",
        "fax",
        "cell_phone",
        "language",
        "require_reset_password",
        "skip_welcome_mail",
    }
)
_QUOTAS = frozenset({"additional_mail_quota", "additional_cloud_quota"})
_PROFILE = (
    ("title", "Title, e.g. Dr."),
    ("birthday", "Birthday, YYYY-MM-DD."),
    ("position", "Position in the company."),
    ("department", "Department."),
    ("company", "Company."),
    ("street", "Street address."),
    ("postal_code", "Postal code."),
    ("city", "City."),
    ("phone", "Phone number."),
    ("fax", "Fax number."),
    ("cell_phone", "Mobile phone number."),
)


def _plan(value: Any) -> str:
    return check_enum(value, MAIL_PLANS)


def _quota(value: Any) -> str:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text is None or not text.isdigit():
        raise ValueError(f"expected a whole number of GB as a string, got {value!r}")
    return str(int(text))


def find_mail(client: MailboxOrgClient, mail: str) -> dict[str, Any] | None:
    """The ``mail.list`` entry of ``mail`` in its domain, or None: evidence of (non-)existence."""
    domain = mail.rsplit("@", 1)[-1]
    entries = client.call("mail.list", {"domain": domain})
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and str(entry.get("mail", "")).lower() == mail:
            return entry
    return None


class MailboxProvider(MailboxOrgProvider):
    """Dynamic provider of :class:`Mailbox`."""

    kind: ClassVar[str] = "Mailbox"
    props: ClassVar[tuple[Prop, ...]] = (
        Prop(
            "mail",
            "string",
            "The full e-mail address; its domain must exist in the account. Changing it replaces the "
            "mailbox (and deletes its mail).",
            required=True,
            replace=True,
            validate=canonical_email,
        ),
        Prop("password", "string", "Login password of the mailbox. Secret.", required=True, secret=True),
        Prop("plan", "string", "Mailbox plan: light, standard or premium.", required=True, validate=_plan),
        Prop("first_name", "string", "First name of the user.", required=True),
        Prop("last_name", "string", "Last name of the user.", required=True),
        Prop(
            "inboxsave",
            "boolean",
            "Keep incoming mail in the inbox (false with forwards: forward only).",
            default=True,
        ),
        Prop(
            "forwards",
            "array",
            "Addresses incoming mail is forwarded to; compared as a set, sent as the whole list.",
            as_set=True,
            validate=canonical_email,
            default=(),
        ),
        Prop(
            "aliases",
            "array",
            "Additional addresses delivered to this mailbox; compared as a set, sent as the whole list.",
            as_set=True,
            validate=canonical_email,
            default=(),
        ),
        Prop("memo", "string", "Free-text note."),
        Prop("active", "boolean", "Whether the mailbox is active.", default=True),
        Prop(
            "catchall",
            "boolean",
            "Make this mailbox the catch-all of its domain (only at creation: the API cannot change it).",
        ),
        Prop(
            "additional_mail_quota",
            "string",
            "Extra mail quota in GB (the plan is sent along whenever it changes).",
            validate=_quota,
        ),
        Prop(
            "additional_cloud_quota",
            "string",
            "Extra cloud quota in GB (the plan is sent along whenever it changes).",
            validate=_quota,
        ),
        Prop("language", "string", "Language, e.g. de_DE."),
        Prop("require_reset_password", "boolean", "Ask the user to change the password at first login."),
        Prop(
            "skip_welcome_mail",
            "boolean",
            "Do not send the welcome mail on create. Never causes an update.",
            diffed=False,
        ),
        *(Prop(name, "string", text) for name, text in _PROFILE),
        Prop(
            "adopt",
            "boolean",
            "Take over the address if it already exists (`pulumi import` does not work for dynamic "
            "resources). Never causes an update.",
            diffed=False,
            sendable=False,
            default=False,
        ),
        *LOGIN_PROPS,
        Prop("domain", "string", "The domain of the address.", input=False),
        Prop("type", "string", "inbox, inboxforward or forward, as the server reports it.", input=False),
        Prop("account", "string", "The account the address belongs to.", input=False),
        Prop(
            "creation_date", "string", "When the address was created, as the server reports it.", input=False
        ),
    )

    def check_resource(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        """A mailbox cannot forward or alias to itself."""
        mail = inputs.get("mail")
        failures = []
        for name in ("forwards", "aliases"):
            values = inputs.get(name) or []
            if mail and not is_unknown(mail) and not is_unknown(values) and mail in values:
                failures.append(
                    CheckFailure(name, f"{name}: must not contain the mailbox's own address {mail}")
                )
        return failures

    def _fields(self, values: Mapping[str, Any], names: set[str] | None = None) -> dict[str, Any]:
        props = [p for p in self.props if names is None or p.name in names]
        params = self.api_params(values, props)
        for key in ("forwards", "aliases"):
            if key in params:
                params[key] = sorted(params[key])
        return params

    # -- create ----------------------------------------------------------------------------------
    @user_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        """``mail.add``, then ``mail.set`` for what ``mail.add`` cannot carry (aliases, active)."""
        client = self.client(props)
        mail = props["mail"]
        if props.get("adopt") and find_mail(client, mail) is not None:
            self.log(f"Mailbox {mail}: already exists; adopting it (adopt=True).")
            fields = self._fields(props)
            fields.pop("skip_welcome_mail", None)
            server = client.call("mail.set", {"mail": mail, **fields})
            return CreateResult(mail, self.outputs(props, self._server_view(client, mail, server)))
        params = self._fields(props)
        add = {k: v for k, v in params.items() if k in _ADD_FIELDS}
        add.setdefault("forwards", [])
        rest = {k: v for k, v in params.items() if k not in _ADD_FIELDS}
        if rest.get("aliases") == []:
            rest.pop("aliases")
        if rest.get("active") is True:
            rest.pop("active")
        try:
            server = client.call("mail.add", {"mail": mail, **add})
        except TransportError as exc:
            if not exc.sent or find_mail(client, mail) is None:
                raise
            server = None  # the answer was lost, but the address exists: it was created
        except ApiError as exc:
            raise self._add_refused(client, mail, exc) from None
        if rest:
            server = client.call("mail.set", {"mail": mail, **rest})
        return CreateResult(mail, self.outputs(props, self._server_view(client, mail, server)))

    def _add_refused(self, client: MailboxOrgClient, mail: str, exc: ApiError) -> MailboxOrgError:
        try:
            existing = find_mail(client, mail)
        except MailboxOrgError:
            existing = None
        if existing is not None:
            return InputError(
                "adopt",
                f"the address {mail} already exists. To manage it with this resource, set adopt=True "
                "(`pulumi import` does not work for dynamic resources); otherwise choose another address.",
            )
        domain = mail.rsplit("@", 1)[-1]
        return MailboxOrgError(
            f"mailbox.org refused to create the mailbox {mail}: {exc.api_message} (error {exc.code}). "
            f"Check that the domain {domain} exists in the account (declare its Domain resource first, "
            "or depend on it) and that the login (mailboxorg:username) may administrate it."
        )

    # -- read ------------------------------------------------------------------------------------
    @user_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh from ``mail.get``; a vanished address (per ``mail.list``) reads as gone."""
        client = self.client(props)
        try:
            server = client.call("mail.get", {"mail": id_})
        except ApiError:
            if find_mail(client, id_) is None:
                return ReadResult("", {})
            raise
        return ReadResult(id_, self.outputs(props, _wire(server)))

    # -- update ----------------------------------------------------------------------------------
    @user_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """``mail.set`` with only the changed fields (plus ``plan`` when a quota changes)."""
        client = self.client(news)
        changed = {p.name for p in self.changed(olds, news) if p.sendable}
        changed.discard("skip_welcome_mail")
        if "catchall" in changed:
            raise InputError(
                "catchall",
                f"catchall can be set only when the mailbox {id_} is created: the API's mail.set has no "
                "catchall parameter. Set it back, change it in the mailbox.org web interface, or replace "
                "the mailbox (`pulumi up --replace`), which deletes its mail.",
            )
        if changed & _QUOTAS:
            changed.add("plan")
        params = self._fields(news, changed)
        for name in changed & {"forwards", "aliases"}:
            params.setdefault(name, [])  # an emptied list must be sent to clear it
        server: Any = None
        if params:
            server = client.call("mail.set", {"mail": id_, **params})
        merged = {**olds, **{k: v for k, v in news.items() if v is not None}}
        return UpdateResult(self.outputs(merged, self._server_view(client, id_, server)))

    # -- delete ----------------------------------------------------------------------------------
    @user_errors
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """``mail.del``; an already vanished address is success."""
        client = self.client(props)
        try:
            client.call("mail.del", {"mail": id_})
        except (ApiError, TransportError) as exc:
            if isinstance(exc, TransportError) and not exc.sent:
                raise
            if find_mail(client, id_) is not None:
                raise

    @staticmethod
    def _server_view(client: MailboxOrgClient, mail: str, result: Any) -> dict[str, Any]:
        if not (isinstance(result, dict) and result.get("mail")):
            result = client.call("mail.get", {"mail": mail})
        return _wire(result)


_SERVER_FIELDS = (
    "plan",
    "first_name",
    "last_name",
    "inboxsave",
    "memo",
    "active",
    "language",
    "require_reset_password",
    "domain",
    "type",
    "creation_date",
    *(name for name, _ in _PROFILE),
)


def _wire(server: Any) -> dict[str, Any]:
    """Wire-named outputs from a mail object of the API."""
    if not isinstance(server, dict):
        return {}
    from .properties import camel

    out: dict[str, Any] = {}
    for name in _SERVER_FIELDS:
        value = server.get(name)
        if value is not None:
            out[camel(name)] = value.lower() if name == "plan" and isinstance(value, str) else value
    for name in ("forwards", "aliases"):
        if isinstance(server.get(name), list):
            out[name] = sorted(str(v).lower() for v in server[name])
    for name in _QUOTAS:
        if server.get(name) not in (None, ""):
            out[camel(name)] = str(server[name])
    if server.get("parent_uid"):
        out["account"] = str(server["parent_uid"])
    return out


@dataclass
class MailboxArgs:
    """Arguments of :class:`Mailbox` (see its properties for their meaning)."""

    mail: pulumi.Input[str]
    password: pulumi.Input[str]
    plan: pulumi.Input[str]
    first_name: pulumi.Input[str]
    last_name: pulumi.Input[str]
    inboxsave: pulumi.Input[bool] | None = None
    forwards: pulumi.Input[list[str]] | None = None
    aliases: pulumi.Input[list[str]] | None = None
    memo: pulumi.Input[str] | None = None
    active: pulumi.Input[bool] | None = None
    catchall: pulumi.Input[bool] | None = None
    additional_mail_quota: pulumi.Input[str] | None = None
    additional_cloud_quota: pulumi.Input[str] | None = None
    language: pulumi.Input[str] | None = None
    require_reset_password: pulumi.Input[bool] | None = None
    skip_welcome_mail: pulumi.Input[bool] | None = None
    title: pulumi.Input[str] | None = None
    birthday: pulumi.Input[str] | None = None
    position: pulumi.Input[str] | None = None
    department: pulumi.Input[str] | None = None
    company: pulumi.Input[str] | None = None
    street: pulumi.Input[str] | None = None
    postal_code: pulumi.Input[str] | None = None
    city: pulumi.Input[str] | None = None
    phone: pulumi.Input[str] | None = None
    fax: pulumi.Input[str] | None = None
    cell_phone: pulumi.Input[str] | None = None
    adopt: pulumi.Input[bool] | None = None
    login_username: pulumi.Input[str] | None = None
    login_password: pulumi.Input[str] | None = None


class Mailbox(MailboxOrgResource, module="mailboxorg", name="Mailbox"):
    """A mail address (mailbox) of a domain.

    ``forwards`` and ``aliases`` are compared as sets and always sent as whole lists (the API replaces
    them). The domain must exist in the account: depend on its :class:`~pulumi_mailboxorg.Domain`.
    """

    _provider_class = MailboxProvider

    mail: pulumi.Output[str]
    """The address (replace on change)."""
    password: pulumi.Output[str]
    """Login password (secret)."""
    plan: pulumi.Output[str]
    """light, standard or premium."""
    first_name: pulumi.Output[str]
    """First name."""
    last_name: pulumi.Output[str]
    """Last name."""
    inboxsave: pulumi.Output[bool]
    """Keep mail in the inbox."""
    forwards: pulumi.Output[list[str]]
    """Forward targets."""
    aliases: pulumi.Output[list[str]]
    """Alias addresses."""
    memo: pulumi.Output[str | None]
    """Free-text note."""
    active: pulumi.Output[bool]
    """Whether the mailbox is active."""
    catchall: pulumi.Output[bool | None]
    """Catch-all of its domain."""
    additional_mail_quota: pulumi.Output[str | None]
    """Extra mail quota (GB)."""
    additional_cloud_quota: pulumi.Output[str | None]
    """Extra cloud quota (GB)."""
    language: pulumi.Output[str | None]
    """Language."""
    require_reset_password: pulumi.Output[bool | None]
    """Password change required at first login."""
    skip_welcome_mail: pulumi.Output[bool | None]
    """No welcome mail on create."""
    title: pulumi.Output[str | None]
    """Title."""
    birthday: pulumi.Output[str | None]
    """Birthday."""
    position: pulumi.Output[str | None]
    """Position."""
    department: pulumi.Output[str | None]
    """Department."""
    company: pulumi.Output[str | None]
    """Company."""
    street: pulumi.Output[str | None]
    """Street."""
    postal_code: pulumi.Output[str | None]
    """Postal code."""
    city: pulumi.Output[str | None]
    """City."""
    phone: pulumi.Output[str | None]
    """Phone."""
    fax: pulumi.Output[str | None]
    """Fax."""
    cell_phone: pulumi.Output[str | None]
    """Mobile phone."""
    adopt: pulumi.Output[bool]
    """Whether an existing address may be taken over."""
    domain: pulumi.Output[str]
    """Domain of the address."""
    type: pulumi.Output[str]
    """inbox, inboxforward or forward."""
    account: pulumi.Output[str]
    """Owning account."""
    creation_date: pulumi.Output[str]
    """Creation date."""

    def __init__(
        self,
        resource_name: str,
        args: MailboxArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        mail: pulumi.Input[str] | None = None,
        password: pulumi.Input[str] | None = None,
        plan: pulumi.Input[str] | None = None,
        first_name: pulumi.Input[str] | None = None,
        last_name: pulumi.Input[str] | None = None,
        inboxsave: pulumi.Input[bool] | None = None,
        forwards: pulumi.Input[list[str]] | None = None,
        aliases: pulumi.Input[list[str]] | None = None,
        memo: pulumi.Input[str] | None = None,
        active: pulumi.Input[bool] | None = None,
        catchall: pulumi.Input[bool] | None = None,
        additional_mail_quota: pulumi.Input[str] | None = None,
        additional_cloud_quota: pulumi.Input[str] | None = None,
        language: pulumi.Input[str] | None = None,
        require_reset_password: pulumi.Input[bool] | None = None,
        skip_welcome_mail: pulumi.Input[bool] | None = None,
        title: pulumi.Input[str] | None = None,
        birthday: pulumi.Input[str] | None = None,
        position: pulumi.Input[str] | None = None,
        department: pulumi.Input[str] | None = None,
        company: pulumi.Input[str] | None = None,
        street: pulumi.Input[str] | None = None,
        postal_code: pulumi.Input[str] | None = None,
        city: pulumi.Input[str] | None = None,
        phone: pulumi.Input[str] | None = None,
        fax: pulumi.Input[str] | None = None,
        cell_phone: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        login_username: pulumi.Input[str] | None = None,
        login_password: pulumi.Input[str] | None = None,
    ) -> None:
        """Declare a Mailbox; pass a :class:`MailboxArgs` or the same values as keywords."""
        values = dict(locals())
        for key in ("self", "resource_name", "args", "opts", "__class__"):
            values.pop(key, None)
        super().__init__(resource_name, args, opts, values)
