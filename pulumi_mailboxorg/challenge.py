"""DomainChallenge: the ownership TXT record of a domain, as outputs, for one-run GitOps.

A program that publishes DNS with another Pulumi provider (Cloudflare, Route 53, Hetzner DNS, ...)
declares ``DomainChallenge`` -> a TXT record resource from its outputs -> ``Domain`` with
``depends_on=[record]``. ``Domain``'s create then only waits for propagation.

Create probes ``domain.add`` (with a random throwaway password) and returns the 218 challenge.
If the probe unexpectedly *succeeds*, the record is already published and the probe has added the
domain with the throwaway password. That domain is removed again at once (never kept behind the
user's back), and the create fails with a message saying the record is already in place and
``Domain`` can be used alone. Read never probes (refresh has no side effects); delete only drops the
resource from the stack.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CreateResult, ReadResult

from .domain import find_domain
from .errors import ApiError, DnsVerificationRequiredError, InputError, MailboxOrgError
from .properties import Prop
from .provider import LOGIN_PROPS, MailboxOrgProvider, user_errors
from .resource import MailboxOrgResource
from .validation import account_name, canonical_domain

__all__ = ["DomainChallenge", "DomainChallengeArgs", "DomainChallengeProvider"]


def _relative(host: str, zone: str) -> str:
    """``host`` relative to ``zone`` (``@`` for the apex); the full name if outside the zone."""
    host, zone = host.rstrip(".").lower(), zone.rstrip(".").lower()
    if host == zone:
        return "@"
    if host.endswith("." + zone):
        return host[: -len(zone) - 1]
    return host


class DomainChallengeProvider(MailboxOrgProvider):
    """Dynamic provider of :class:`DomainChallenge`."""

    kind: ClassVar[str] = "DomainChallenge"
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
            "DNS zone the record goes into, for `record_name` (default: the domain itself).",
            replace=True,
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

    @user_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        """Probe ``domain.add`` and return the 218 challenge."""
        client = self.client(props)
        account, domain = props["account"], props["domain"]
        zone = props.get("zone") or domain
        probe = {"account": account, "domain": domain, "password": secrets.token_urlsafe(24) + "aA1!"}
        try:
            client.call("domain.add", probe)
        except DnsVerificationRequiredError as exc:
            outs = {
                **props,
                "account": account,
                "domain": domain,
                "zone": props.get("zone"),
                "host": exc.host,
                "txt": exc.txt,
                "recordName": _relative(exc.host, zone),
            }
            self.log(f'DomainChallenge {domain}: publish {exc.host}. TXT "{exc.txt}"')
            return CreateResult(f"{account}/{domain}", outs)
        except ApiError as exc:
            if find_domain(client, account, domain) is not None:
                raise InputError(
                    "domain",
                    f"the domain {domain} already exists in account {account}, so there is no "
                    "challenge to answer. Remove the DomainChallenge and declare Domain(..., "
                    "adopt=True) alone.",
                ) from None
            raise MailboxOrgError(
                f"mailbox.org refused the probe for {domain} in account {account}: {exc.api_message} "
                f"(error {exc.code}). Check that mailboxorg:username may administrate that account."
            ) from None
        # The record is already published: the probe added the domain. Undo it, then explain.
        try:
            client.call("domain.del", {"account": account, "domain": domain})
        except MailboxOrgError:
            if find_domain(client, account, domain) is not None:
                raise MailboxOrgError(
                    f"the ownership record of {domain} is already published, so the probe added the "
                    f"domain, and removing it again failed. Remove the domain {domain} from account "
                    f"{account} (or adopt it with Domain(..., adopt=True)), then drop the DomainChallenge."
                ) from None
        raise MailboxOrgError(
            f"mailbox.org accepted {domain} at once: its ownership TXT record is already published, so "
            "DomainChallenge has nothing to report. The probe's domain was removed again; nothing was "
            "left behind. Declare Domain alone (without DomainChallenge and the record it feeds)."
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """No probe on refresh: the recorded challenge is the answer."""
        return ReadResult(id_, dict(props))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Nothing to remove on the server: the challenge only leaves the stack."""


@dataclass
class DomainChallengeArgs:
    """Arguments of :class:`DomainChallenge`."""

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
    """The domain."""
    zone: pulumi.Output[str | None]
    """The zone `record_name` is relative to."""
    host: pulumi.Output[str]
    """Fully qualified name of the TXT record."""
    txt: pulumi.Output[str]
    """Value of the TXT record."""
    record_name: pulumi.Output[str]
    """Name of the TXT record relative to the zone."""

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
        """Declare a DomainChallenge; pass a :class:`DomainChallengeArgs` or keywords."""
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
