"""The Mailbox resource: a mail address of a domain (``mail.*``), with aliases and forwards."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure

from .errors import ApiError, InputError, MailboxOrgError, TransportError
from .lookups import find_mail, list_mails, mail_gone
from .objects import API_LOGIN, REPLACE_HINT, ApiObjectProvider
from .properties import Prop, camel
from .provider import LOGIN_PROPS, is_unknown
from .resource import MailboxOrgResource
from .validation import canonical_email, check_enum

if TYPE_CHECKING:
    from .client import MailboxOrgClient

__all__ = ["MAIL_PLANS", "Mailbox", "MailboxArgs", "MailboxProvider"]

MAIL_PLANS = ("light", "standard", "premium")

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
        "language",
        "require_reset_password",
        "skip_welcome_mail",
        *_QUOTAS,
        *(name for name, _ in _PROFILE),
    }
)


def _plan(value: Any) -> str:
    return check_enum(value, MAIL_PLANS)


def _quota(value: Any) -> str:
    # A number written in the program reaches the provider as a float (the engine's wire format has
    # only doubles): 5 arrives as 5.0.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text is None or not (text.isascii() and text.isdigit()):  # "²" is a digit, but no number
        raise ValueError(f'expected a whole number of GB (e.g. "5"), got {value!r}')
    return str(int(text))


#: Seconds one ``mail.list`` answer may serve :meth:`MailboxProvider.read` for its domain's addresses.
LIST_CACHE_SECONDS = 5.0
#: The mail object fields :func:`_wire` reads (a listing entry must carry those ``mail.get`` gave).
_READ_FIELDS = frozenset({"mail", "forwards", "aliases", "parent_uid"})


class _MailListCache:
    """Refresh N addresses of one domain with one ``mail.list`` instead of N ``mail.get`` (per process).

    Used by :meth:`MailboxProvider.read` only (``pulumi refresh``), and only from the second address
    of a domain read within :data:`LIST_CACHE_SECONDS`: a lone refresh keeps its single ``mail.get``
    and never pulls a large domain's whole list. An entry is used only when it carries every field
    that the domain's ``mail.get`` answer carried; an address missing from the listing falls back to
    ``mail.get`` (absence is never concluded from the cache).

    Correct under concurrent operations in the process: every mutation of this module
    (:func:`_mutate`) invalidates the cache before and after its call, a listing fetched while a
    mutation ran is neither stored nor used, and readers of one domain share one fetch. Changes
    made elsewhere (out of band, or a Domain or Account deletion) show after at most
    :data:`LIST_CACHE_SECONDS`, like the API's own stale reads; the engine runs a refresh's reads
    before any change of the same deployment.
    """

    def __init__(self, ttl: float = LIST_CACHE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._generation = 0
        #: (client, domain) -> (when a mail.get answered, the fields it carried)
        self._seen: dict[tuple[MailboxOrgClient, str], tuple[float, frozenset[str]]] = {}
        #: (client, domain) -> (expiry, address -> listing entry)
        self._lists: dict[tuple[MailboxOrgClient, str], tuple[float, dict[str, dict[str, Any]]]] = {}
        self._fetching: dict[tuple[MailboxOrgClient, str], threading.Event] = {}

    def invalidate(self) -> None:
        """Forget every listing (a mutation is about to run, or has run)."""
        with self._lock:
            self._generation += 1
            self._lists.clear()

    def saw(self, client: MailboxOrgClient, mail: str, server: Any) -> None:
        """Record a ``mail.get`` answer: the next read in its domain may use a listing."""
        if isinstance(server, dict):
            fields = frozenset(k for k in server if k in _READ_FIELDS or k in _SERVER_FIELDS or k in _QUOTAS)
            with self._lock:
                self._seen[(client, mail.rsplit("@", 1)[-1])] = (self._clock(), fields)

    def entry(self, client: MailboxOrgClient, mail: str) -> dict[str, Any] | None:
        """The address's ``mail.list`` entry when the cache may answer for it, else None (use mail.get)."""
        key = (client, mail.rsplit("@", 1)[-1])
        with self._lock:
            now = self._clock()
            seen = self._seen.get(key)
            if seen is None or now - seen[0] >= self.ttl:
                return None
            fields = seen[1]
            cached = self._lists.get(key)
            if cached is not None and now < cached[0]:
                return _usable(cached[1].get(mail), fields)
            waiting = self._fetching.get(key)
            if waiting is None:
                event = self._fetching[key] = threading.Event()
                generation = self._generation
        if waiting is not None:
            waiting.wait(timeout=300)
            with self._lock:
                cached = self._lists.get(key)
                fresh = cached is not None and self._clock() < cached[0]
            return _usable(cached[1].get(mail), fields) if fresh and cached is not None else None
        listing: dict[str, dict[str, Any]] | None = None
        try:
            listing = _by_address(list_mails(client, key[1]))
        except MailboxOrgError:
            listing = None  # e.g. a mail-level login may not list: mail.get answers instead
        finally:
            with self._lock:
                del self._fetching[key]
                stored = listing is not None and generation == self._generation
                if stored and listing is not None:
                    self._lists[key] = (now + self.ttl, listing)
            event.set()
        return _usable(listing.get(mail), fields) if stored and listing is not None else None


def _by_address(result: Any) -> dict[str, dict[str, Any]] | None:
    if not isinstance(result, list):
        return None
    return {str(e["mail"]).lower(): e for e in result if isinstance(e, dict) and e.get("mail")}


def _usable(entry: dict[str, Any] | None, fields: frozenset[str]) -> dict[str, Any] | None:
    return entry if entry is not None and fields <= entry.keys() else None


_LIST_CACHE = _MailListCache()


def _mutate(client: MailboxOrgClient, method: str, params: dict[str, Any]) -> Any:
    """A mutating ``mail.*`` call; the ``mail.list`` cache is invalidated around it."""
    _LIST_CACHE.invalidate()
    try:
        return client.call(method, params)
    finally:
        _LIST_CACHE.invalidate()


def _complete(client: MailboxOrgClient, mail: str, fields: dict[str, Any]) -> Any:
    """``mail.set`` of what ``mail.add`` cannot carry; a lost answer is confirmed with ``mail.get``."""
    try:
        return _mutate(client, "mail.set", {"mail": mail, **fields})
    except TransportError as exc:
        if not exc.sent:
            raise
        server = client.call("mail.get", {"mail": mail})
        if _applied(server, fields):
            return server
        raise


def _applied(server: Any, fields: Mapping[str, Any]) -> bool:
    """Whether the mail object ``server`` already holds ``fields`` (lists compared as sets)."""
    if not isinstance(server, dict):
        return False
    for key, value in fields.items():
        got = server.get(key)
        if isinstance(value, list):
            if not isinstance(got, list) or sorted(map(str, value)) != sorted(str(v).lower() for v in got):
                return False
        elif got != value:
            return False
    return True


class MailboxProvider(ApiObjectProvider):
    """Dynamic provider of :class:`Mailbox`."""

    kind: ClassVar[str] = "Mailbox"
    import_id: ClassVar[str] = "the mail address, e.g. `alice@example.com`"
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
        API_LOGIN,
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

    noun: ClassVar[str] = "mail"
    key: ClassVar[str] = "mail"

    def _fields(
        self, values: Mapping[str, Any], names: set[str] | None = None, props: tuple[Prop, ...] | None = None
    ) -> dict[str, Any]:
        """API parameters of the properties named ``names`` (or of ``props``; default: all), with
        the address lists sorted."""
        if props is None:
            props = self.props if names is None else tuple(p for p in self.props if p.name in names)
        params = self.api_params(values, props)
        for key in ("forwards", "aliases"):
            if key in params:
                params[key] = sorted(params[key])
        return params

    # -- declarations ----------------------------------------------------------------------------
    def find(self, client: MailboxOrgClient, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """The entry of the domain's complete, paged ``mail.list``."""
        return find_mail(client, str(values["mail"]))

    def gone(self, client: MailboxOrgClient, id_: str, values: Mapping[str, Any]) -> bool:
        """Absent from its domain's listing, or its domain (or account) is gone."""
        account = values.get("account")
        return mail_gone(client, id_, str(account) if account else None, values.get(API_LOGIN.wire))

    def wire(self, server: Any) -> dict[str, Any]:
        return _wire(server)

    def title(self, id_: str) -> str:
        return f"the address {id_}"

    def exists_error(self, props: Mapping[str, Any]) -> InputError:
        return InputError(
            "adopt",
            f"the address {props['mail']} already exists. To manage it with this resource, set "
            "adopt=True (`pulumi import` does not work for dynamic resources); otherwise choose another "
            f"address. {REPLACE_HINT}",
        )

    def read_object(self, client: MailboxOrgClient, id_: str) -> Any:
        """A fresh ``mail.list`` entry when :class:`_MailListCache` may answer, else ``mail.get``."""
        listed = _LIST_CACHE.entry(client, id_)
        if listed is not None:
            return listed
        server = client.call("mail.get", {"mail": id_})
        _LIST_CACHE.saw(client, id_, server)
        return server

    def set_call(self, client: MailboxOrgClient, params: dict[str, Any]) -> Any:
        return _mutate(client, "mail.set", params)

    def delete_call(self, client: MailboxOrgClient, id_: str, props: Mapping[str, Any]) -> Any:
        return _mutate(client, "mail.del", {"mail": id_})

    # -- create ----------------------------------------------------------------------------------
    def add_params(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """``mail.add`` takes only :data:`_ADD_FIELDS`; the rest follows with ``mail.set``."""
        add = self._fields(props, props=_create_props(type(self))[0])
        add.setdefault("forwards", [])
        return add

    def add(self, client: MailboxOrgClient, props: dict[str, Any], params: dict[str, Any]) -> Any:
        return _mutate(client, "mail.add", params)

    def complete(self, client: MailboxOrgClient, props: dict[str, Any], server: Any) -> Any:
        """``mail.set`` of what ``mail.add`` cannot carry (aliases, active); on failure the address
        this create made (and proved) is removed again, so nothing is left half-created."""
        mail = props["mail"]
        rest = self._fields(props, props=_create_props(type(self))[1])
        if rest.get("aliases") == []:
            rest.pop("aliases")
        if rest.get("active") is True:
            rest.pop("active")
        try:
            if rest:
                server = _complete(client, mail, rest)
            if not self.is_object(server):
                server = self.get(client, mail)
        except MailboxOrgError as exc:
            raise self._roll_back(client, mail, exc) from None
        return server

    def adopt_params(self, props: Mapping[str, Any], send: list[Prop]) -> dict[str, Any]:
        """``mail.set`` takes neither ``skip_welcome_mail`` nor ``catchall``."""
        names = {p.name for p in send} - {"skip_welcome_mail"}
        if "catchall" in names:
            names.discard("catchall")
            self.warn(
                f"Mailbox {props['mail']}: catchall is applied only when a mailbox is created (mail.set "
                "has no catchall parameter); the adopted address keeps its catch-all setting."
            )
        return self._fields(props, names)

    def _roll_back(self, client: MailboxOrgClient, mail: str, exc: MailboxOrgError) -> MailboxOrgError:
        """Delete the address this create has just added, after a later step failed; return the error.

        The engine records nothing of a failed create, so an address left behind would make the next
        run fail with "already exists": removing it keeps "nothing half-created" (the next run adds
        it afresh). Only an address this create made (or proved its own) gets here. A ``mail.del``
        that is not answered ``true`` is confirmed with the domain's listing.
        """
        for _attempt in range(3):
            try:
                if _mutate(client, "mail.del", {"mail": mail}) is True:
                    break
            except MailboxOrgError:
                pass
            with contextlib.suppress(MailboxOrgError):
                if find_mail(client, mail) is None:
                    break
        else:
            return MailboxOrgError(
                f"Mailbox {mail}: the address was created, but completing it failed ({exc}), and removing "
                "it again failed too. Delete the address, or set adopt=True, then run `pulumi up` again."
            )
        cause = str(exc).rstrip()
        cause += "" if cause.endswith((".", "!", "?")) else "."
        return MailboxOrgError(
            f"Mailbox {mail}: {cause} The address had already been created; it was removed again, so "
            "nothing is left half-created. Fix the cause (if any) and run `pulumi up` again."
        )

    def refused(self, client: MailboxOrgClient, props: Mapping[str, Any], exc: ApiError) -> MailboxOrgError:
        mail = props["mail"]
        domain = mail.rsplit("@", 1)[-1]
        if client.level == "reseller":
            return MailboxOrgError(
                f"mailbox.org refused to create the mailbox {mail}: mail.add is not available to a "
                f"reseller login, and this resource logs in as a reseller. Set login_username and "
                f"login_password on the Mailbox to the login of the account that owns {domain} (for "
                "example the Account resource's account and password), or use that login as "
                f"mailboxorg:username. (API: {exc.api_message}, error {exc.code})"
            )
        return MailboxOrgError(
            f"mailbox.org refused to create the mailbox {mail}: {exc.api_message} (error {exc.code}). "
            f"Check that the domain {domain} exists in the account (declare its Domain resource first, "
            "or depend on it) and that the login (mailboxorg:username) may administrate it."
        )

    # -- update ----------------------------------------------------------------------------------
    def update_params(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """Only the changed fields, plus ``plan`` when a quota changes; emptied lists are sent."""
        changed = {p.name for p in self.changed(olds, news) if p.sendable}
        changed.discard("skip_welcome_mail")
        if "catchall" in changed:
            raise InputError(
                "catchall",
                f"catchall can be set only when the mailbox {news.get('mail')} is created: the API's "
                "mail.set has no catchall parameter. Set it back, change it in the mailbox.org web "
                "interface, or replace the mailbox (`pulumi up --replace`), which deletes its mail.",
            )
        if changed & _QUOTAS:
            changed.add("plan")
        params = self._fields(news, changed)
        params.pop("mail", None)
        for name in changed & {"forwards", "aliases"}:
            params.setdefault(name, [])  # an emptied list must be sent to clear it
        return params


#: Per provider class (every create asks twice): see :func:`_create_props`.
_CREATE_PROPS: dict[type[MailboxProvider], tuple[tuple[Prop, ...], tuple[Prop, ...]]] = {}


def _create_props(provider: type[MailboxProvider]) -> tuple[tuple[Prop, ...], tuple[Prop, ...]]:
    """The sendable inputs whose parameter ``mail.add`` takes (``mail`` and :data:`_ADD_FIELDS`),
    and the others, which only ``mail.set`` takes; each in declaration order."""
    found = _CREATE_PROPS.get(provider)
    if found is None:
        sendable = [p for p in provider.props if p.sendable and p.input]
        on_add = [p for p in sendable if p.api_name in _ADD_FIELDS or p.api_name == "mail"]
        found = _CREATE_PROPS[provider] = (tuple(on_add), tuple(p for p in sendable if p not in on_add))
    return found


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


#: (server field, wire name) of :data:`_SERVER_FIELDS`, named once rather than on every answer.
_SERVER_WIRE = tuple((name, camel(name)) for name in _SERVER_FIELDS)


def _wire(server: Any) -> dict[str, Any]:
    """Wire-named outputs from a mail object of the API."""
    if not isinstance(server, dict):
        return {}
    out: dict[str, Any] = {}
    for name, wire in _SERVER_WIRE:
        value = server.get(name)
        if value is not None:
            out[wire] = value.lower() if name == "plan" and isinstance(value, str) else value
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
    """The arguments of :class:`Mailbox`.

    :param mail: The full e-mail address; its domain must exist in the account. Changing it replaces the
        mailbox (and deletes its mail).
    :param password: Login password of the mailbox. Secret.
    :param plan: Mailbox plan: light, standard or premium.
    :param first_name: First name of the user.
    :param last_name: Last name of the user.
    :param inboxsave: Keep incoming mail in the inbox (false with forwards: forward only).
    :param forwards: Addresses incoming mail is forwarded to; compared as a set, sent as the whole list.
    :param aliases: Additional addresses delivered to this mailbox; compared as a set, sent as the whole list.
    :param memo: Free-text note.
    :param active: Whether the mailbox is active.
    :param catchall: Make this mailbox the catch-all of its domain (only at creation: the API cannot change
        it).
    :param additional_mail_quota: Extra mail quota in GB (the plan is sent along whenever it changes).
    :param additional_cloud_quota: Extra cloud quota in GB (the plan is sent along whenever it changes).
    :param language: Language, e.g. de_DE.
    :param require_reset_password: Ask the user to change the password at first login.
    :param skip_welcome_mail: Do not send the welcome mail on create. Never causes an update.
    :param title: Title, e.g. Dr.
    :param birthday: Birthday, YYYY-MM-DD.
    :param position: Position in the company.
    :param department: Department.
    :param company: Company.
    :param street: Street address.
    :param postal_code: Postal code.
    :param city: City.
    :param phone: Phone number.
    :param fax: Fax number.
    :param cell_phone: Mobile phone number.
    :param adopt: Take over the address if it already exists (`pulumi import` does not work for dynamic
        resources). Never causes an update.
    :param login_username: Log in as this user for this resource's API calls instead of `mailboxorg:username`
        (e.g. a customer's account name in a reseller's stack). Recorded in the state; never sent as a field.
    :param login_password: Password of `login_username`. Secret.
    """

    mail: pulumi.Input[str]
    password: pulumi.Input[str]
    plan: pulumi.Input[str]
    first_name: pulumi.Input[str]
    last_name: pulumi.Input[str]
    inboxsave: pulumi.Input[bool] | None = None
    forwards: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    aliases: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
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
    """The full e-mail address; its domain must exist in the account. Changing it replaces the mailbox (and
    deletes its mail).
    """
    password: pulumi.Output[str]
    """Login password of the mailbox. Secret."""
    plan: pulumi.Output[str]
    """Mailbox plan: light, standard or premium."""
    first_name: pulumi.Output[str]
    """First name of the user."""
    last_name: pulumi.Output[str]
    """Last name of the user."""
    inboxsave: pulumi.Output[bool]
    """Keep incoming mail in the inbox (false with forwards: forward only)."""
    forwards: pulumi.Output[Sequence[str]]
    """Addresses incoming mail is forwarded to; compared as a set, sent as the whole list."""
    aliases: pulumi.Output[Sequence[str]]
    """Additional addresses delivered to this mailbox; compared as a set, sent as the whole list."""
    memo: pulumi.Output[str | None]
    """Free-text note."""
    active: pulumi.Output[bool]
    """Whether the mailbox is active."""
    catchall: pulumi.Output[bool | None]
    """Make this mailbox the catch-all of its domain (only at creation: the API cannot change it)."""
    additional_mail_quota: pulumi.Output[str | None]
    """Extra mail quota in GB (the plan is sent along whenever it changes)."""
    additional_cloud_quota: pulumi.Output[str | None]
    """Extra cloud quota in GB (the plan is sent along whenever it changes)."""
    language: pulumi.Output[str | None]
    """Language, e.g. de_DE."""
    require_reset_password: pulumi.Output[bool | None]
    """Ask the user to change the password at first login."""
    skip_welcome_mail: pulumi.Output[bool | None]
    """Do not send the welcome mail on create. Never causes an update."""
    title: pulumi.Output[str | None]
    """Title, e.g. Dr."""
    birthday: pulumi.Output[str | None]
    """Birthday, YYYY-MM-DD."""
    position: pulumi.Output[str | None]
    """Position in the company."""
    department: pulumi.Output[str | None]
    """Department."""
    company: pulumi.Output[str | None]
    """Company."""
    street: pulumi.Output[str | None]
    """Street address."""
    postal_code: pulumi.Output[str | None]
    """Postal code."""
    city: pulumi.Output[str | None]
    """City."""
    phone: pulumi.Output[str | None]
    """Phone number."""
    fax: pulumi.Output[str | None]
    """Fax number."""
    cell_phone: pulumi.Output[str | None]
    """Mobile phone number."""
    adopt: pulumi.Output[bool]
    """Take over the address if it already exists (`pulumi import` does not work for dynamic resources). Never
    causes an update.
    """
    login_username: pulumi.Output[str | None]
    """Log in as this user for this resource's API calls instead of `mailboxorg:username` (e.g. a customer's
    account name in a reseller's stack). Recorded in the state; never sent as a field.
    """
    login_password: pulumi.Output[str | None]
    """Password of `login_username`. Secret."""
    domain: pulumi.Output[str]
    """The domain of the address."""
    type: pulumi.Output[str]
    """inbox, inboxforward or forward, as the server reports it."""
    account: pulumi.Output[str]
    """The account the address belongs to."""
    creation_date: pulumi.Output[str]
    """When the address was created, as the server reports it."""
    api_login: pulumi.Output[str]
    """The login name that created or last read this object. Only a listing of this login (or of an admin) can
    show that the object is gone.
    """

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
        forwards: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        aliases: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
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
        """Declare a Mailbox: pass a :class:`MailboxArgs`, or the same values as keywords.

        :param resource_name: The name of the resource in the stack.
        :param args: The inputs as a :class:`MailboxArgs`.
        :param opts: Options of the resource.
        :param mail: The full e-mail address; its domain must exist in the account. Changing it replaces the
            mailbox (and deletes its mail).
        :param password: Login password of the mailbox. Secret.
        :param plan: Mailbox plan: light, standard or premium.
        :param first_name: First name of the user.
        :param last_name: Last name of the user.
        :param inboxsave: Keep incoming mail in the inbox (false with forwards: forward only).
        :param forwards: Addresses incoming mail is forwarded to; compared as a set, sent as the whole list.
        :param aliases: Additional addresses delivered to this mailbox; compared as a set, sent as the whole
            list.
        :param memo: Free-text note.
        :param active: Whether the mailbox is active.
        :param catchall: Make this mailbox the catch-all of its domain (only at creation: the API cannot
            change it).
        :param additional_mail_quota: Extra mail quota in GB (the plan is sent along whenever it changes).
        :param additional_cloud_quota: Extra cloud quota in GB (the plan is sent along whenever it changes).
        :param language: Language, e.g. de_DE.
        :param require_reset_password: Ask the user to change the password at first login.
        :param skip_welcome_mail: Do not send the welcome mail on create. Never causes an update.
        :param title: Title, e.g. Dr.
        :param birthday: Birthday, YYYY-MM-DD.
        :param position: Position in the company.
        :param department: Department.
        :param company: Company.
        :param street: Street address.
        :param postal_code: Postal code.
        :param city: City.
        :param phone: Phone number.
        :param fax: Fax number.
        :param cell_phone: Mobile phone number.
        :param adopt: Take over the address if it already exists (`pulumi import` does not work for dynamic
            resources). Never causes an update.
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
                "mail": mail,
                "password": password,
                "plan": plan,
                "first_name": first_name,
                "last_name": last_name,
                "inboxsave": inboxsave,
                "forwards": forwards,
                "aliases": aliases,
                "memo": memo,
                "active": active,
                "catchall": catchall,
                "additional_mail_quota": additional_mail_quota,
                "additional_cloud_quota": additional_cloud_quota,
                "language": language,
                "require_reset_password": require_reset_password,
                "skip_welcome_mail": skip_welcome_mail,
                "title": title,
                "birthday": birthday,
                "position": position,
                "department": department,
                "company": company,
                "street": street,
                "postal_code": postal_code,
                "city": city,
                "phone": phone,
                "fax": fax,
                "cell_phone": cell_phone,
                "adopt": adopt,
                "login_username": login_username,
                "login_password": login_password,
            },
        )
