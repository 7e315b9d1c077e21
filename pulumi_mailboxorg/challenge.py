"""DomainChallenge: the ownership TXT record of a domain, as outputs, for one-run GitOps.

A program that publishes DNS with another Pulumi provider (Cloudflare, Route 53, Hetzner DNS, ...)
declares ``DomainChallenge`` -> a TXT record resource from its outputs -> ``Domain`` with
``depends_on=[record]``. ``Domain``'s create then only waits for propagation.

Create checks that the domain does not exist yet, then probes ``domain.add`` (with a random
throwaway password) and returns the 218 challenge; a lost answer is settled by reading the domain
back. If the probe unexpectedly *succeeds*, the record is already published and the probe has added
the domain with the throwaway password. That domain is removed again at once (never kept behind the
user's back), and the create fails with a message saying the record is already in place and
``Domain`` can be used alone. Read never probes (refresh has no side effects); delete only drops the
resource from the stack.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from .errors import (
    ApiError,
    DnsVerificationRequiredError,
    InputError,
    InvalidSessionError,
    MailboxOrgError,
    TransportError,
    UndecidableError,
)
from .lookups import find_domain
from .objects import proves_ours
from .properties import Prop
from .provider import LOGIN_PROPS, MailboxOrgProvider, is_unknown, user_errors
from .resource import MailboxOrgResource
from .validation import account_name, canonical_domain
from .verification import challenge_from, record_line

if TYPE_CHECKING:
    from .client import MailboxOrgClient

__all__ = ["DomainChallenge", "DomainChallengeArgs", "DomainChallengeProvider"]


def _relative(host: str, zone: str) -> str:
    """``host`` relative to ``zone`` (``@`` for the apex); the full name if outside the zone."""
    host, zone = host.rstrip(".").lower(), zone.rstrip(".").lower()
    if host == zone:
        return "@"
    if host.endswith("." + zone):
        return host[: -len(zone) - 1]
    return host


def _exists_error(account: str, domain: str) -> InputError:
    return InputError(
        "domain",
        f"the domain {domain} already exists in account {account}, so there is no challenge to "
        "answer. Remove the DomainChallenge and declare Domain(..., adopt=True) alone.",
    )


def _probe(client: MailboxOrgClient, probe: dict[str, Any]) -> None:
    """``domain.add`` with the throwaway password: returns when it added the domain, else raises.

    The caller has seen that the domain did not exist. A lost answer is settled by reading the domain
    back: there now and logging in with the throwaway password, the probe added it; there but not
    logging in, another party added it at the same moment (an error: it is not ours to remove);
    still absent, the answer was a refusal (normally the 218), so asking once more changes nothing on
    the server and gets the answer itself.
    """
    for attempt in (1, 2):
        try:
            client.call("domain.add", probe)
            return
        except TransportError as exc:
            if not exc.sent:
                raise
            if find_domain(client, probe["account"], probe["domain"]) is not None:
                if proves_ours(client, probe["domain"], probe["password"], f"the domain {probe['domain']}"):
                    return
                raise InputError(
                    "domain",
                    f"the domain {probe['domain']} appeared in account {probe['account']} while the "
                    "answer to the probe was lost, and it is not the probe's (it does not log in with the "
                    "probe's password): another party added it at the same moment. Nothing was changed. "
                    "Remove the DomainChallenge and declare Domain(..., adopt=True) alone.",
                ) from None
            if attempt == 2:
                raise


def _remove_probe(client: MailboxOrgClient, account: str, domain: str) -> bool:
    """Delete the domain the probe added; True only when it is confirmed gone."""
    try:
        if client.call("domain.del", {"account": account, "domain": domain}) is True:
            return True
    except MailboxOrgError:
        pass
    try:
        return find_domain(client, account, domain) is None
    except MailboxOrgError:
        return False


class DomainChallengeProvider(MailboxOrgProvider):
    """Dynamic provider of :class:`DomainChallenge`."""

    kind: ClassVar[str] = "DomainChallenge"
    import_id: ClassVar[str] = ""  # no server object: declare it (it probes on create)
    props: ClassVar[tuple[Prop, ...]] = (
        Prop(
            "account",
            "string",
            "Account the domain will be added to.",
            required=True,
            replace=True,
            validate=account_name,
        ),
        Prop(
            "domain",
            "string",
            "The domain whose ownership record is wanted.",
            required=True,
            replace=True,
            validate=canonical_domain,
        ),
        Prop(
            "zone",
            "string",
            "DNS zone the record goes into, for `record_name` (default: the domain itself). A change "
            "only recomputes `record_name` (no new probe).",
            validate=canonical_domain,
        ),
        *LOGIN_PROPS,
        Prop("host", "string", "Fully qualified name of the TXT record to publish.", input=False),
        Prop("txt", "string", "Value of the TXT record to publish.", input=False),
        Prop(
            "record_name",
            "string",
            "Name of the TXT record relative to `zone` (what most DNS providers ask for).",
            input=False,
        ),
    )

    def check_resource(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        """``zone`` must be the domain or one of its parents (the record lives inside the zone)."""
        domain, zone = inputs.get("domain"), inputs.get("zone")
        if not (isinstance(domain, str) and isinstance(zone, str)) or is_unknown(domain) or is_unknown(zone):
            return []
        if domain != zone and not domain.endswith("." + zone):
            return [
                CheckFailure(
                    "zone",
                    f"zone: {zone} does not contain the domain {domain}; name the domain itself or "
                    "one of its parent zones",
                )
            ]
        return []

    @user_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        """Probe ``domain.add`` and return the 218 challenge."""
        client = self.client(props)
        account, domain = props["account"], props["domain"]
        zone = props.get("zone") or domain
        try:
            existing = find_domain(client, account, domain)
        except UndecidableError:
            existing = None  # the account is out of reach: the probe below says why
        if existing is not None:
            raise _exists_error(account, domain)
        probe = {"account": account, "domain": domain, "password": secrets.token_urlsafe(24) + "aA1!"}
        try:
            _probe(client, probe)
        except DnsVerificationRequiredError as exc:
            challenge = challenge_from(domain, exc)
            outs = {
                **props,
                "account": account,
                "domain": domain,
                "zone": props.get("zone"),
                "host": challenge.host,
                "txt": challenge.txt,
                "recordName": _relative(challenge.host, zone),
            }
            self.log(f"DomainChallenge {domain}: publish {record_line(challenge)}")
            return CreateResult(f"{account}/{domain}", outs)
        except InvalidSessionError:
            raise  # the session, not the object: no "refused" message
        except ApiError as exc:
            try:
                exists = find_domain(client, account, domain) is not None
            except UndecidableError:
                exists = False
            if exists:
                raise _exists_error(account, domain) from None
            raise MailboxOrgError(
                f"mailbox.org refused the probe for {domain} in account {account}: {exc.api_message} "
                f"(error {exc.code}). Check that mailboxorg:username may administrate that account."
            ) from None
        # The record is already published: the probe added the domain (proven). Undo it, then explain.
        if not _remove_probe(client, account, domain):
            raise MailboxOrgError(
                f"the ownership record of {domain} is already published, so the probe added the "
                f"domain, and removing it again could not be confirmed. Remove the domain {domain} from "
                f"account {account} (or adopt it with Domain(..., adopt=True)), then drop the "
                "DomainChallenge."
            )
        raise MailboxOrgError(
            f"mailbox.org accepted {domain} at once: its ownership TXT record is already published, so "
            "DomainChallenge has nothing to report. The probe's domain was removed again; nothing was "
            "left behind. Declare Domain alone (without DomainChallenge and the record it feeds)."
        )

    @user_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """``zone`` (or the login) changed: recompute ``record_name`` from the recorded host; no API call.

        The challenge stays the one recorded: probing again would fail once the domain exists.
        """
        zone = news.get("zone") or news["domain"]
        outs = {**olds, **news, "zone": news.get("zone"), "recordName": _relative(olds["host"], zone)}
        return UpdateResult(outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """No probe on refresh: the recorded challenge is the answer."""
        return ReadResult(id_, dict(props))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Nothing to remove on the server: the challenge only leaves the stack."""


@dataclass
class DomainChallengeArgs:
    """The arguments of :class:`DomainChallenge`.

    :param account: Account the domain will be added to.
    :param domain: The domain whose ownership record is wanted.
    :param zone: DNS zone the record goes into, for `record_name` (default: the domain itself). A change only
        recomputes `record_name` (no new probe).
    :param login_username: Log in as this user for this resource's API calls instead of `mailboxorg:username`
        (e.g. a customer's account name in a reseller's stack). Recorded in the state; never sent as a field.
    :param login_password: Password of `login_username`. Secret.
    """

    account: pulumi.Input[str]
    domain: pulumi.Input[str]
    zone: pulumi.Input[str] | None = None
    login_username: pulumi.Input[str] | None = None
    login_password: pulumi.Input[str] | None = None


class DomainChallenge(MailboxOrgResource, module="mailboxorg", name="DomainChallenge"):
    """The ownership TXT record mailbox.org wants for a domain, as outputs.

    Feed ``host``/``record_name`` and ``txt`` to a DNS record resource of your DNS provider, then
    declare :class:`~pulumi_mailboxorg.Domain` with ``depends_on=[record]``.
    """

    _provider_class = DomainChallengeProvider

    account: pulumi.Output[str]
    """Account the domain will be added to."""
    domain: pulumi.Output[str]
    """The domain whose ownership record is wanted."""
    zone: pulumi.Output[str | None]
    """DNS zone the record goes into, for `record_name` (default: the domain itself). A change only recomputes
    `record_name` (no new probe).
    """
    login_username: pulumi.Output[str | None]
    """Log in as this user for this resource's API calls instead of `mailboxorg:username` (e.g. a customer's
    account name in a reseller's stack). Recorded in the state; never sent as a field.
    """
    login_password: pulumi.Output[str | None]
    """Password of `login_username`. Secret."""
    host: pulumi.Output[str]
    """Fully qualified name of the TXT record to publish."""
    txt: pulumi.Output[str]
    """Value of the TXT record to publish."""
    record_name: pulumi.Output[str]
    """Name of the TXT record relative to `zone` (what most DNS providers ask for)."""

    def __init__(
        self,
        resource_name: str,
        args: DomainChallengeArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        account: pulumi.Input[str] | None = None,
        domain: pulumi.Input[str] | None = None,
        zone: pulumi.Input[str] | None = None,
        login_username: pulumi.Input[str] | None = None,
        login_password: pulumi.Input[str] | None = None,
    ) -> None:
        """Declare a DomainChallenge: pass a :class:`DomainChallengeArgs`, or the same values as keywords.

        :param resource_name: The name of the resource in the stack.
        :param args: The inputs as a :class:`DomainChallengeArgs`.
        :param opts: Options of the resource.
        :param account: Account the domain will be added to.
        :param domain: The domain whose ownership record is wanted.
        :param zone: DNS zone the record goes into, for `record_name` (default: the domain itself). A change
            only recomputes `record_name` (no new probe).
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
                "zone": zone,
                "login_username": login_username,
                "login_password": login_password,
            },
        )
