"""The base class of every mailbox.org dynamic resource provider, and the contract they all keep.

Contract (each rule is checked for every resource by the shared contract tests in
``tests/resources/contract.py``):

* **Tiny and picklable.** A provider instance is pickled with dill into the Pulumi state. Providers
  are classes of this installed package (pickled by reference: a few dozen bytes) with no instance
  attributes: no session, lock, socket or credential. Credentials reach the process through
  :meth:`configure` (stack config) or environment variables and live in :mod:`.runtime`.
* **check** validates without any network call, names the property in each failure, canonicalises
  values (domain names, addresses, enums), rejects unknown properties, and leaves unknown values
  (preview) untouched.
* **diff** never fails and warns only about a change an ``up`` plans: the engine also calls it after
  every Read of a refresh, with olds (refreshed outputs) and news (the state's inputs) inverted, and
  a refresh changes nothing. A warning hook (:meth:`MailboxOrgProvider.diff_resource`) therefore
  runs only for news this process's ``check`` produced (a refresh never calls Check).
* **diff** is explicit: only declared inputs count (never the ``__provider`` blob, so a provider upgrade
  alone shows no diff); properties marked ``replace`` force a delete-before-replace (names are unique
  on the server); ``diffed=False`` inputs (``adopt``, timeouts) never cause an update; an unset
  optional input means "not managed": it never causes a diff.
* **create** either creates the object or raises with nothing left half-created. An object that
  already exists is taken over only with ``adopt=true``.
* **read** returns the server's view. A vanished object is reported with an empty id *and* an
  outputs dict, decided from ``*.list`` evidence, never from a guessed error code.
* **update** sends only the changed fields and returns the full outputs.
* **delete** succeeds when the object is already gone.
* **Secrets** (passwords) are secret inputs and ``additional_secret_outputs``; they never appear in
  a log line or an error message.
* Errors a user sees are :class:`~pulumi_mailboxorg.errors.MailboxOrgError` with a message that says
  what happened, what to do, and which property or configuration key is involved.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, DiffResult, ResourceProvider
from pulumi.output import Unknown

from . import runtime, validation
from .config import ProviderConfig, loopback_endpoint_from_environment, name_settings
from .errors import AuthenticationError, InputError, MailboxOrgError
from .properties import Prop

if TYPE_CHECKING:
    from .client import MailboxOrgClient

__all__ = [
    "CONTEXT_WARNING",
    "LOGIN_PROPS",
    "PROVIDER_KEY",
    "UNKNOWN",
    "MailboxOrgProvider",
    "is_unknown",
    "user_errors",
]

PROVIDER_KEY = "__provider"
#: The engine's marker for a value not known yet (preview); pulumi.runtime.rpc.UNKNOWN.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

F = TypeVar("F", bound=Callable[..., Any])

#: What moving a domain to another context costs (Domain and Context say it before they move one).
CONTEXT_WARNING = (
    "moving a domain to another context deletes the cloud-office data (calendars, address books, "
    "files) of all its mailboxes; their e-mail is kept"
)


#: Optional per-resource login, for resources a stack's own login may not manage (e.g. a reseller's
#: stack creating a customer's mailboxes, which needs that customer's account login).
LOGIN_PROPS: tuple[Prop, ...] = (
    Prop(
        "login_username",
        "string",
        "Log in as this user for this resource's API calls instead of `mailboxorg:username` (e.g. a "
        "customer's account name in a reseller's stack). Recorded in the state; never sent as a field.",
        sendable=False,
    ),
    Prop(
        "login_password",
        "string",
        "Password of `login_username`. Secret.",
        secret=True,
        sendable=False,
    ),
)


#: Why a login that worked at the last `pulumi up` can be refused now (engine-behaviour.md).
_LAST_UP_HINT = (
    "If this is `pulumi refresh` or `pulumi destroy`: they log in with the configuration of the last "
    "`pulumi up`, not the current one (pulumi/pulumi#4981), so after a password change run them with "
    "`--run-program`, or run `pulumi up` first."
)


def is_unknown(value: Any) -> bool:
    """True when ``value`` is, or contains, a preview unknown.

    The dynamic-provider host deserialises Check and Diff inputs with ``keep_unknowns=True``, which
    yields :class:`pulumi.output.Unknown` objects; the raw sentinel string is accepted too.
    """
    if value is None:  # most inputs are unset: the common case first
        return False
    if isinstance(value, Unknown):
        return True
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, (list, tuple)):
        return any(is_unknown(item) for item in value)
    if isinstance(value, dict):
        return any(is_unknown(item) for item in value.values())
    return False


_checked_lock = threading.Lock()
#: Fingerprints of the inputs ``check`` returned in this process (see :func:`_fingerprint`).
_checked: set[str] = set()


def _fingerprint(inputs: Mapping[str, Any]) -> str:
    """Inputs as the engine hands them back to Diff: without ``__provider``, whole floats as integers
    (the wire carries every number as a float), unknowns as one marker."""

    def norm(value: Any) -> Any:
        if is_unknown(value) and not isinstance(value, (list, tuple, dict)):
            return "<unknown>"
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, (list, tuple)):
            return [norm(v) for v in value]
        if isinstance(value, dict):
            return {str(k): norm(v) for k, v in value.items()}
        return value

    plain = {k: norm(v) for k, v in inputs.items() if k != PROVIDER_KEY and v is not None}
    return json.dumps(plain, sort_keys=True, default=repr)


def planned_by_check(news: Mapping[str, Any]) -> bool:
    """Whether ``news`` are inputs this process's ``check`` returned: a Diff of a planned change
    (``pulumi up``/``preview``), not the refresh diff, whose news are the state's old inputs and which
    follows no Check (``pulumi refresh`` runs none; ``up --refresh`` refreshes before checking)."""
    with _checked_lock:
        return _fingerprint(news) in _checked


#: Input properties per provider class: check and diff ask for them on every operation.
_INPUTS: dict[type[MailboxOrgProvider], tuple[Prop, ...]] = {}


def _inputs_of(cls: type[MailboxOrgProvider]) -> tuple[Prop, ...]:
    found = _INPUTS.get(cls)
    if found is None:
        found = _INPUTS[cls] = tuple(p for p in cls.props if p.input)
    return found


def user_errors(method: F) -> F:
    """Re-raise our own errors without the chain of internal frames.

    The dynamic-provider host sends ``traceback.format_exc()`` to the engine; dropping the cause chain
    and inner frames keeps what the user reads down to the message that tells them what to do.
    """

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except MailboxOrgError as exc:
            name_settings(exc)  # the transport's and DNS checker's errors name no stack key
            exc.__cause__ = None
            exc.__suppress_context__ = True
            raise exc.with_traceback(None) from None

    return cast(F, wrapper)


class MailboxOrgProvider(ResourceProvider):
    """Base of the mailbox.org providers; see the module docstring for the contract.

    Subclasses set :attr:`props` and implement ``create``, ``read``, ``update`` and ``delete``;
    they may extend :meth:`check_resource` for cross-property rules and :meth:`diff_resource`.
    """

    #: The resource's properties (inputs and outputs).
    props: ClassVar[tuple[Prop, ...]] = ()
    #: The resource's name for messages, e.g. "Domain".
    kind: ClassVar[str] = "Resource"
    #: The object's identity is a unique name on the server: the resource defaults the option
    #: ``delete_before_replace`` to true (see :mod:`.resource`).
    unique_name: ClassVar[bool] = False
    #: The id ``pulumi import`` takes (native plugin; docs and README). Empty: not importable.
    import_id: ClassVar[str] = "the resource id"

    # -- configuration ---------------------------------------------------------------------------
    def configure(self, req: ConfigureRequest) -> None:
        """Install the stack configuration for this process (never stored on the instance).

        Warns once per process when only ``MAILBOXORG_ENDPOINT`` points the provider at a loopback
        host (the emulator) while the stack config names no endpoint.
        """
        config = ProviderConfig.load(req.config.get)
        _warn_loopback_from_environment(req.config.get)
        runtime.configure(config)

    @staticmethod
    def client(values: Mapping[str, Any] | None = None) -> MailboxOrgClient:
        """The API client for an operation on ``values``: the resource's own login, if it names one
        (``loginUsername``/``loginPassword``), else the process's shared client."""
        values = values or {}
        user, password = values.get("loginUsername"), values.get("loginPassword")
        own = bool(user and password)
        client = runtime.client((str(user), str(password))) if own else runtime.client()
        # Log in now (a no-op while a session is held): a refused login must reach the user as such,
        # not through an operation's handling of API errors ("refused to add the domain ...").
        try:
            client.login()
        except AuthenticationError as exc:
            if not own:
                name_settings(exc)
                exc.args = (f"{exc.args[0]} {_LAST_UP_HINT}", *exc.args[1:])
                raise
            raise InputError(
                "login_password",
                f"mailbox.org refused the login of {str(user)!r} (API error {exc.code}: "
                f"{exc.api_message}). Check this resource's login_username and login_password.",
            ) from None
        return client

    # -- check -----------------------------------------------------------------------------------
    @classmethod
    def inputs(cls) -> tuple[Prop, ...]:
        """The input properties."""
        return _inputs_of(cls)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and canonicalise inputs; no network call; unknown values pass through."""
        known = {p.wire: p for p in self.inputs()}
        failures: list[CheckFailure] = []
        checked: dict[str, Any] = {}
        by_name = {p.name: p for p in known.values()}
        for key in sorted(news):
            if key == PROVIDER_KEY or key in known:
                continue
            if key in by_name:
                reason = f"{key}: spelled {by_name[key].wire!r} in the state (the Python SDK translates it)"
            else:
                names = ", ".join(sorted(by_name))
                reason = f"{key}: unknown property of {self.kind}; known properties: {names}"
            failures.append(CheckFailure(key, reason))
        for prop in known.values():
            value = news.get(prop.wire)
            if is_unknown(value):
                checked[prop.wire] = value
                continue
            if value is None:
                if prop.required:
                    failures.append(CheckFailure(prop.wire, f"{prop.name}: required property of {self.kind}"))
                elif prop.default is not None:
                    checked[prop.wire] = prop.default
                continue
            try:
                checked[prop.wire] = _validate(prop, value)
            except ValueError as exc:
                failures.append(CheckFailure(prop.wire, f"{prop.name}: {exc}"))
        if not failures:
            failures.extend(_check_login(checked))
        if not failures:
            failures.extend(self.check_resource(checked))
        if not failures:
            with _checked_lock:
                _checked.add(_fingerprint(checked))
        return CheckResult(checked, failures)

    def check_resource(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        """Cross-property rules; ``inputs`` are canonical but may hold unknowns. No network."""
        return []

    # -- diff ------------------------------------------------------------------------------------
    def changed(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[Prop]:
        """The diffed input properties whose desired value differs from the recorded one."""
        result = []
        for prop in self.inputs():
            if not prop.diffed:
                continue
            new = news.get(prop.wire)
            if is_unknown(new):
                result.append(prop)
                continue
            if new is None:
                if prop.default is None:
                    continue  # unset optional input: not managed
                new = prop.default
            if not _equal(prop, olds.get(prop.wire), new):
                result.append(prop)
        return result

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Explicit diff: changed inputs, replacements, delete-before-replace."""
        changed = self.changed(olds, news)
        replaces = [p.wire for p in changed if p.replace]
        if changed and planned_by_check(news):
            self.diff_resource(olds, news, changed)
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(replaces),
        )

    def diff_resource(self, olds: Mapping[str, Any], news: Mapping[str, Any], changed: list[Prop]) -> None:
        """Hook for warnings about a planned change (e.g. data loss); called only when ``news`` came
        from this process's ``check`` (never in a refresh), and must not raise."""

    # -- import (the native plugin: Read with only an id) --------------------------------------------
    def import_target(self, import_id: str) -> tuple[str, dict[str, Any]]:
        """The resource id and the properties a ``read`` of the import id ``import_id`` needs (may
        look the object up). Default: the id itself, no properties (``read`` answers a get)."""
        if not self.import_id:
            raise InputError("id", f"{self.kind} cannot be imported: it is no object on the server.")
        return import_id, {}

    def imported_inputs(self, outputs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs an import records, from a read's outputs: the managed inputs the server
        reported, without secrets (the API never returns them: the program supplies them) and
        without inputs that only steer the provider (``adopt``, timeouts)."""
        return {
            p.wire: outputs[p.wire]
            for p in self.inputs()
            if p.diffed and not p.secret and outputs.get(p.wire) not in (None, "")
        }

    # -- helpers for create/read/update ------------------------------------------------------------
    def api_params(self, values: Mapping[str, Any], props: list[Prop] | tuple[Prop, ...]) -> dict[str, Any]:
        """API parameters for ``props`` taken from wire-named ``values`` (unset values left out)."""
        params: dict[str, Any] = {}
        for prop in props:
            if not prop.sendable or not prop.input:
                continue
            value = values.get(prop.wire)
            if value is None:
                value = prop.default
                if value is None:
                    continue
            # Strings and booleans go as they are; only these types need converting.
            params[prop.api_name] = _api_value(prop, value) if prop.type in _CONVERTED else value
        return params

    def outputs(self, inputs: Mapping[str, Any], server: Mapping[str, Any]) -> dict[str, Any]:
        """Full outputs: every property, from ``server`` (wire names) where it knows, else ``inputs``."""
        outs: dict[str, Any] = {}
        for prop in self.props:
            wire = prop.wire
            value = server.get(wire)
            outs[wire] = value if value is not None else inputs.get(wire, prop.default)
        return outs

    @staticmethod
    def log(message: str) -> None:
        """Progress for the user's terminal (pulumi.log.info reaches it)."""
        pulumi.log.info(message)

    @staticmethod
    def warn(message: str) -> None:
        """A warning for the user's terminal."""
        pulumi.log.warn(message)


_loopback_warned = threading.Event()
_loopback_lock = threading.Lock()


def _warn_loopback_from_environment(get: Callable[[str], object | None]) -> None:
    """``pulumi.log.warn`` (once per process) that an environment variable picked a loopback endpoint."""
    endpoint = loopback_endpoint_from_environment(get)
    if endpoint is None:
        return
    with _loopback_lock:
        if _loopback_warned.is_set():
            return
        _loopback_warned.set()
    pulumi.log.warn(
        f"the environment variable MAILBOXORG_ENDPOINT points the provider at {endpoint}, a loopback "
        "address (the local emulator?), and the stack config sets no `mailboxorg:endpoint`. To deploy "
        "to mailbox.org, unset MAILBOXORG_ENDPOINT (and the other MAILBOXORG_* variables); to use the "
        "emulator on purpose, set `mailboxorg:endpoint` in the stack config to silence this warning."
    )


def _whole(value: Any) -> Any:
    """``5.0`` -> ``5``: the engine's wire format (protobuf ``Struct``) carries every number as a float."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: The property types whose values :func:`_api_value` converts (it returns any other as it is).
_CONVERTED = frozenset({"integer", "object", "array"})


def _api_value(prop: Prop, value: Any) -> Any:
    """A checked input as the API expects it: integers as JSON integers, lists as lists."""
    if prop.type == "integer":
        return _whole(value)
    if prop.type == "object" and isinstance(value, dict):
        return {key: _whole(item) for key, item in value.items()}
    if prop.type == "array" and isinstance(value, (list, tuple)):
        return list(value)
    return value


def _check_login(inputs: Mapping[str, Any]) -> list[CheckFailure]:
    """``login_username`` and ``login_password`` go together, and neither may be empty (an empty one
    would silently fall back to the stack's login)."""
    user, password = inputs.get("loginUsername"), inputs.get("loginPassword")
    if is_unknown(user) or is_unknown(password) or (user is None and password is None):
        return []
    if not password:
        what = "is empty" if password == "" else "is not set"
        return [
            CheckFailure(
                "loginPassword",
                f"login_password: {what}, but login_username is {user!r}; set login_username and "
                "login_password together (the password of that login, as a secret), or remove "
                "login_username to use the stack's login",
            )
        ]
    if not user:
        what = "is empty" if user == "" else "is not set"
        return [
            CheckFailure(
                "loginUsername",
                f"login_username: {what}, but login_password is set; set login_username and "
                "login_password together",
            )
        ]
    return []


def _validate(prop: Prop, value: Any) -> Any:
    if prop.type == "array":
        return validation.check_string_list(value, item=prop.validate)
    if prop.validate is not None:
        return prop.validate(value)
    if prop.type == "string":
        # An empty string is no value for a required property (a password, a name).
        return validation.check_string(value, allow_empty=not prop.required)
    if prop.type == "boolean":
        return validation.check_bool(value)
    if prop.type == "integer":
        return validation.check_int(value)
    return validation.check_string_map(value)


def _equal(prop: Prop, old: Any, new: Any) -> bool:
    if prop.as_set and isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        return set(old) == set(new)
    if prop.type == "array" and old is None:
        return not new
    return bool(old == new)
