"""The recipe every named API object follows: find, create, adopt, read, update, delete, with proof.

:class:`ApiObjectProvider` sits between :class:`~.provider.MailboxOrgProvider` (check, diff,
configuration) and the resources whose object has a unique name on the server (Account, Domain,
Mailbox). A resource *declares* its object: the method noun (``account``, ``domain``, ``mail``), the
key property that is also the resource id, how to find it in a listing, how to tell it is gone, how
server fields map to outputs, and which login proves that an object is the one this provider created.
The layer owns the operations. DomainChallenge and Context use its parts (:mod:`.lookups` and
:func:`proves_ours`).

Proof rules (each is tested for every resource through the engine path, ``tests/resources``):

1. **Ours only with proof.** A create whose answer was lost counts as applied only when the object
   read back is provably ours: its own login (account name, domain name or address) with the
   password this create sent logs in. Nobody else knows that password, so an object another party
   created a moment before ours is never recorded, changed or deleted; the create fails with the
   ``adopt`` guidance instead. A create refused because the object exists (the loser of two
   concurrent creates) gets the same guidance, never a raw API error.
2. **Gone only from positive evidence:** an answer of the expected shape from a login that can see
   the object's parent (:mod:`.lookups`). A refusal, an unexpected shape or a parent this login
   cannot see raises :class:`~.errors.UndecidableError`; a refresh then fails and the state stays.
3. **A delete that was not confirmed did not happen.** A delete answered ``true`` is done. One
   answered ``false``, refused, or whose answer was lost is confirmed by looking the object up: gone,
   it succeeds; still there, it fails with the reason when one is known, and the resource stays in
   the state.
4. **Adopt says what it changes.** ``adopt=True`` takes an existing object over and logs each field
   it changes (old -> new; secrets only as "set"), since a create shows no diff.
5. **Outputs are whole.** Create, update and read return every property, from the server's answer
   where it has the field, else from the inputs; ``apiLogin`` records the login that can see the
   object (rule 2 needs it for accounts).

Limits: an object created by another party *with the same password* (the same program run twice at
once) counts as ours, which it is in every way that matters. When the object's own login is refused
or cannot be tried, the provider cannot prove anything and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from . import lookups, runtime
from .errors import (
    ApiError,
    InputError,
    InvalidSessionError,
    MailboxOrgError,
    TransportError,
    UndecidableError,
)
from .properties import Prop
from .provider import MailboxOrgProvider, user_errors

if TYPE_CHECKING:
    from .client import MailboxOrgClient

__all__ = ["API_LOGIN", "REPLACE_HINT", "Added", "ApiObjectProvider", "proves_ours"]

#: Output of every API object resource: the login whose listings can see the object.
API_LOGIN = Prop(
    "api_login",
    "string",
    "The login name that created or last read this object. Only a listing of this login (or of an "
    "admin) can show that the object is gone.",
    input=False,
)


@dataclass(frozen=True)
class Added:
    """What :meth:`ApiObjectProvider.add` may return: the API's answer plus outputs of its own
    (Domain: the ownership challenge it answered)."""

    answer: Any
    extra: dict[str, Any] = field(default_factory=dict)


#: For the create of a replacement under `pulumi up --replace` (engine-behaviour.md).
REPLACE_HINT = (
    "During `pulumi up --replace` with delete_before_replace=False, do not adopt (the old resource's "
    "delete would then remove it): drop that option instead."
)


def proves_ours(client: MailboxOrgClient, name: str, password: str, what: str) -> bool:
    """Whether ``name`` logs in with ``password``: the proof that an object is the one we created.

    True: the login works. False: it is refused (not ours, or the API has no such login). A login
    that cannot be tried (transport failure) raises :class:`UndecidableError`.
    """
    try:
        return runtime.login_works(name, password)
    except MailboxOrgError as exc:
        raise lookups.undecidable(
            client,
            f"{what} is the one this create made",
            f"its own login could not be tried ({exc})",
            "Run `pulumi up` again",
        ) from None


class ApiObjectProvider(MailboxOrgProvider):
    """A provider whose resource is one named API object; see the module docstring for the rules.

    Subclasses declare :attr:`noun`, :attr:`key`, :attr:`look_first`, and fill :meth:`find`,
    :meth:`gone` and :meth:`wire`; they may extend :meth:`add`, :meth:`complete`,
    :meth:`set_params`, :meth:`before_delete`, :meth:`refused` and :meth:`not_deleted`.
    """

    #: Method prefix: ``account`` -> ``account.add``, ``account.get``, ...
    noun: ClassVar[str]
    #: Wire name of the key property; its value is the resource id and the object's name.
    key: ClassVar[str]
    #: Look the object up before adding it, even without ``adopt`` (Domain: an existing domain
    #: must not wait for DNS).
    look_first: ClassVar[bool] = False
    unique_name: ClassVar[bool] = True
    #: Input names (snake_case) that the add method accepts; None: every sendable input.
    add_fields: ClassVar[frozenset[str] | None] = None

    # -- declarations ------------------------------------------------------------------------------
    def find(self, client: MailboxOrgClient, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """The object's listing entry, None from positive evidence; UndecidableError otherwise."""
        raise NotImplementedError

    def gone(self, client: MailboxOrgClient, id_: str, values: Mapping[str, Any]) -> bool:
        """Whether the object is gone (positive evidence, parents included); else raise."""
        return self.find(client, {**values, self.key: id_}) is None

    def wire(self, server: Any) -> dict[str, Any]:
        """Wire-named outputs from the object as the API returns it."""
        raise NotImplementedError

    def title(self, id_: str) -> str:
        """How messages name the object, e.g. ``the domain example.com``."""
        return f"the {self.kind.lower()} {id_}"

    # -- hooks -------------------------------------------------------------------------------------
    def add_params(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Parameters of the add call."""
        props_ = [p for p in self.props if self.add_fields is None or p.name in self.add_fields]
        return self.api_params(props, props_)

    def add(self, client: MailboxOrgClient, props: dict[str, Any], params: dict[str, Any]) -> Any:
        """The add call (Domain extends it with the ownership wait)."""
        return client.call(f"{self.noun}.add", params)

    def complete(self, client: MailboxOrgClient, props: dict[str, Any], server: Any) -> Any:
        """What must follow the add (Mailbox: fields only ``mail.set`` takes); returns the answer."""
        return server

    def set_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """Parameters of the set call, from API-named ``params`` (Account renames one)."""
        return params

    def before_delete(self, client: MailboxOrgClient, id_: str, props: Mapping[str, Any]) -> None:
        """Checks before the delete call (Account: ``force_destroy``)."""

    def delete_params(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """Parameters of the delete call."""
        return {self.noun: id_}

    def refused(self, client: MailboxOrgClient, props: Mapping[str, Any], exc: ApiError) -> MailboxOrgError:
        """The error for an add the API refused (the object does not exist)."""
        return MailboxOrgError(
            f"mailbox.org refused to create {self.title(props[self.key])}: {exc.api_message} "
            f"(error {exc.code}). Check that the login (mailboxorg:username) may administrate it."
        )

    def not_deleted(
        self, client: MailboxOrgClient, id_: str, entry: Mapping[str, Any] | None, answer: str
    ) -> MailboxOrgError:
        """The error for a delete after which the object is still there; ``answer`` says what the
        API answered. Subclasses add the reason when the entry shows one."""
        return MailboxOrgError(
            f"{self.title(id_)} was not deleted: mailbox.org {answer}, and the object is still there. "
            "It stays in the stack; fix the cause and run the operation again."
        )

    def exists_error(self, props: Mapping[str, Any]) -> InputError:
        """The adopt guidance for an object that exists already."""
        return InputError(
            "adopt",
            f"{self.title(props[self.key])} already exists. To manage it with this resource, set "
            "adopt=True (`pulumi import` does not work for dynamic resources); otherwise remove it or "
            f"choose another name. {REPLACE_HINT}",
        )

    # -- create ------------------------------------------------------------------------------------
    @user_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        """Find (when declared or asked to adopt), add with lost-answer proof, complete, read back."""
        client = self.client(props)
        id_ = str(props[self.key])
        if self.look_first or props.get("adopt"):
            try:
                existing = self.find(client, props)
            except UndecidableError:
                if props.get("adopt"):
                    raise
                existing = None  # out of reach: the add below says why
            if existing is not None:
                if not props.get("adopt"):
                    raise self.exists_error(props)
                return CreateResult(id_, self.adopt(client, props))
        params = self.add_params(props)
        try:
            server = self.add(client, props, params)
        except TransportError as exc:
            if not exc.sent:
                raise
            server = self.confirm_add(client, props, exc)
        except InvalidSessionError:
            raise  # the session, not the object: no "refused" message
        except ApiError as exc:
            try:
                existing = self.find(client, props)
            except UndecidableError:
                existing = None
            if existing is not None:
                raise self.exists_error(props) from None
            raise self.refused(client, props, exc) from None
        extra: dict[str, Any] = {}
        if isinstance(server, Added):
            server, extra = server.answer, server.extra
        server = self.complete(client, props, server)
        return CreateResult(id_, {**self.outputs_of(client, props, id_, server), **extra})

    def confirm_add(self, client: MailboxOrgClient, props: Mapping[str, Any], lost: TransportError) -> Any:
        """After an add whose answer was lost: None when the object is provably ours, else raise."""
        id_ = str(props[self.key])
        if self.find(client, props) is None:
            raise lost  # positive evidence: the add was not applied; nothing to clean up
        if proves_ours(client, id_, str(props.get("password") or ""), self.title(id_)):
            return None
        raise InputError(
            "adopt",
            f"{self.title(id_)} exists, but mailbox.org's answer to {self.noun}.add was lost and the "
            f"object found is not provably the one this create made (it does not log in with the "
            "password this create sent): another party may have created it at the same moment. "
            "Nothing was changed. To manage it with this resource, set adopt=True.",
        )

    # -- adopt -------------------------------------------------------------------------------------
    def adopt(self, client: MailboxOrgClient, props: dict[str, Any]) -> dict[str, Any]:
        """Take the existing object over: send the declared fields that differ (and the secrets,
        which the API never returns), logging each change."""
        id_ = str(props[self.key])
        current = self.wire(client.call(f"{self.noun}.get", {self.noun: id_}))
        wanted = [p for p in self.props if p.input and p.sendable and not p.replace]
        changes: list[str] = []
        send: list[Prop] = []
        for prop in wanted:
            value = props.get(prop.wire)
            if value is None:
                continue
            if prop.secret:
                send.append(prop)
                changes.append(f"{prop.name} set (secret)")
                continue
            old = current.get(prop.wire)
            if not self.same(prop, old, value):
                send.append(prop)
                changes.append(f"{prop.name} {_show(old)} -> {_show(value)}")
        params = self.set_params(self.adopt_params(props, send))
        server: Any = None
        if params:
            params[self.noun] = id_
            server = self.set_call(client, params)
        what = "; ".join(changes) if changes else "no field changes"
        self.log(f"{self.kind} {id_}: already exists; adopting it (adopt=True): {what}.")
        return self.outputs_of(client, props, id_, server)

    def adopt_params(self, props: Mapping[str, Any], send: list[Prop]) -> dict[str, Any]:
        """API parameters for the fields adopt changes (Mailbox drops what set cannot take)."""
        return self.api_params(props, send)

    @staticmethod
    def same(prop: Prop, old: Any, new: Any) -> bool:
        """Whether a server value already equals the declared one."""
        if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
            return sorted(map(str, old)) == sorted(map(str, new))
        return bool(old == new)

    # -- read --------------------------------------------------------------------------------------
    @user_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The server's view; a vanished object (positive evidence) reads as gone.

        A ``get`` (``opts=ResourceOptions(id=...)``) sends no inputs: the outputs then come from the
        server alone, and an object that cannot be read fails naming it (there is no state to drop).
        """
        client = self.client(props)
        values = {**props, self.key: id_}
        try:
            server = self.read_object(client, id_)
        except InvalidSessionError:
            raise
        except ApiError as exc:
            if self.key not in props:
                raise MailboxOrgError(
                    f"{self.kind} {id_}: mailbox.org has no such object that the login "
                    f"{lookups.login_name(client)!r} can read ({exc.api_message}, error {exc.code}). "
                    "Check the id given to `get` and the login."
                ) from None
            if self.gone(client, id_, values):
                return ReadResult("", {})
            raise
        return ReadResult(id_, self.outputs_of(client, values, id_, server))

    def get(self, client: MailboxOrgClient, id_: str) -> Any:
        """The object as ``*.get`` returns it."""
        return client.call(f"{self.noun}.get", {self.noun: id_})

    def read_object(self, client: MailboxOrgClient, id_: str) -> Any:
        """The object for a refresh (Mailbox may answer from a fresh listing)."""
        return self.get(client, id_)

    # -- update ------------------------------------------------------------------------------------
    @user_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """The set call with only the changed fields; the full outputs."""
        client = self.client(news)
        params = self.update_params(olds, news)
        server: Any = None
        if params:
            params[self.noun] = id_
            server = self.set_call(client, self.set_params(params))
        merged = {**olds, **{k: v for k, v in news.items() if v is not None}}
        return UpdateResult(self.outputs_of(client, merged, id_, server))

    def update_params(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """API parameters of the changed sendable inputs."""
        changed = [p for p in self.changed(olds, news) if p.sendable]
        return self.api_params(news, changed)

    def set_call(self, client: MailboxOrgClient, params: dict[str, Any]) -> Any:
        """The set call (of an update or an adopt)."""
        return client.call(f"{self.noun}.set", params)

    # -- delete ------------------------------------------------------------------------------------
    @user_errors
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """The delete call; anything but ``true`` is confirmed by looking the object up."""
        client = self.client(props)
        self.before_delete(client, id_, props)
        try:
            answer = self.delete_call(client, id_, props)
        except InvalidSessionError:
            raise
        except TransportError as exc:
            if not exc.sent:
                raise
            said = f"lost its answer to {self.noun}.del ({exc})"
        except ApiError as exc:
            said = f"refused {self.noun}.del ({exc.api_message}, error {exc.code})"
        else:
            if answer is True:
                return
            said = f"answered {self.noun}.del with {answer!r} instead of true"
        if self.gone(client, id_, props):
            return
        try:
            entry = self.find(client, {**props, self.key: id_})
        except UndecidableError:
            entry = None
        raise self.not_deleted(client, id_, entry, said)

    def delete_call(self, client: MailboxOrgClient, id_: str, props: Mapping[str, Any]) -> Any:
        """The delete call itself."""
        return client.call(f"{self.noun}.del", self.delete_params(id_, props))

    # -- outputs -----------------------------------------------------------------------------------
    def outputs_of(
        self, client: MailboxOrgClient, inputs: Mapping[str, Any], id_: str, answer: Any
    ) -> dict[str, Any]:
        """Full outputs: the mutation's answer when it is the object, else ``*.get``."""
        if not self.is_object(answer):
            answer = self.get(client, id_)
        outs = self.outputs(inputs, self.wire(answer))
        outs[self.key] = outs.get(self.key) or id_
        outs[API_LOGIN.wire] = client.username
        return outs

    def is_object(self, answer: Any) -> bool:
        """Whether a mutation's answer is the whole object (then no ``*.get`` is needed)."""
        return isinstance(answer, dict) and bool(answer.get(self.noun))


def _show(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(sorted(map(str, value))) + "]"
    return repr(value)
