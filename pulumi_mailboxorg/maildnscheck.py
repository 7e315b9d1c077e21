"""MailDnsCheck: a check that a domain's mail DNS records are served, not a mailbox.org object.

Like AWS SES's verification resource or Scaleway TEM's ``tem_domain_validation``: its create waits
until every nameserver (the zone's authoritative ones, or ``mailboxorg:dnsNameservers``) serves every
record of ``records`` (default: :func:`~pulumi_mailboxorg.mail_dns_records` of ``domain``), polling
every ``mailboxorg:dnsPollInterval`` seconds for up to ``timeout`` seconds, with progress lines. The
verdicts are :mod:`.mailcheck`'s. No API call, no login, no secret.

``records`` is a list of ``TYPE NAME VALUE`` strings (:attr:`~.maildns.MailDnsRecord.line`, e.g.
``MX example.com 10 mxext1.mailbox.org``; names may be relative to ``domain`` or ``@``); check()
canonicalises them to fully qualified names, so ``[r.line for r in mail_dns_records(d)]`` and the
default are the same input.

Refresh re-checks once. A record removed out of band then shows as drift: read returns
``ready: false``, and diff answers "update" whenever the recorded ``ready`` is false, in the refresh
diff (olds are the refreshed outputs) and in the next ``up``, whose update waits again.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult

from . import runtime
from .maildns import MailDnsRecord, mail_dns_records, parse_record_line
from .properties import Prop
from .provider import MailboxOrgProvider, is_unknown, user_errors
from .resource import MailboxOrgResource
from .validation import canonical_domain, check_int, check_string

__all__ = ["DEFAULT_TIMEOUT", "MailDnsCheck", "MailDnsCheckArgs", "MailDnsCheckProvider"]

#: Seconds ``create`` waits by default.
DEFAULT_TIMEOUT = 300


def _timeout(value: Any) -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        raise ValueError(f"must be 0 (check once) or more seconds, not {value:g}")
    return check_int(value)


def _record_text(value: Any) -> str:
    return check_string(value, allow_empty=False)


def _records(props: Mapping[str, Any]) -> list[MailDnsRecord]:
    domain = props["domain"]
    return [parse_record_line(line, domain) for line in props["records"]]


class MailDnsCheckProvider(MailboxOrgProvider):
    """Dynamic provider of :class:`MailDnsCheck`."""

    kind: ClassVar[str] = "MailDnsCheck"
    props: ClassVar[tuple[Prop, ...]] = (
        Prop(
            "domain",
            "string",
            "The mail domain whose records are checked.",
            required=True,
            replace=True,
            validate=canonical_domain,
        ),
        Prop(
            "records",
            "array",
            "The records to check, each a `TYPE NAME VALUE` string (`MailDnsRecord.line`, e.g. `MX "
            "example.com 10 mxext1.mailbox.org`; NAME may be relative to `domain`). Default: the lines of "
            "`mail_dns_records(domain)`. Types: CNAME, MX, SRV, TXT.",
            computed=True,
            validate=_record_text,
        ),
        Prop(
            "timeout",
            "integer",
            f"Seconds to wait until every nameserver serves every record (default {DEFAULT_TIMEOUT}; 0: "
            "check once).",
            diffed=False,
            validate=_timeout,
            default=DEFAULT_TIMEOUT,
        ),
        Prop(
            "ready", "boolean", "Whether every nameserver served every record at the last check.", input=False
        ),
        Prop(
            "statuses",
            "object",
            "One entry per record line: `ok`, or `missing: ...`/`wrong: ...` with the expected value and "
            "what each nameserver answered.",
            input=False,
        ),
    )

    def check_resource(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        """Canonicalise ``records`` against ``domain`` (default: the domain's mail records)."""
        domain, lines = inputs.get("domain"), inputs.get("records")
        if not isinstance(domain, str) or is_unknown(domain) or is_unknown(lines):
            return []
        if lines is None:
            inputs["records"] = [record.line for record in mail_dns_records(domain)]
            return []
        canonical: list[str] = []
        for index, line in enumerate(lines):
            try:
                canonical.append(parse_record_line(line, domain).line)
            except ValueError as exc:
                return [CheckFailure("records", f"records: item {index}: {exc}")]
        if not canonical:
            return [
                CheckFailure("records", "records: the list is empty; leave it unset for the default records")
            ]
        inputs["records"] = list(dict.fromkeys(canonical))
        return []

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """The input diff, and an update whenever the recorded check was not ready (drift found by a
        refresh: the refresh diff shows it, and the next ``up`` waits again)."""
        result = super().diff(_id, olds, news)
        if olds.get("ready") is False and not result.changes:
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        return result

    def _wait(self, props: dict[str, Any]) -> dict[str, Any]:
        from .mailcheck import wait_for_records

        config = runtime.current_config()
        records = _records(props)
        timeout = float(props.get("timeout", DEFAULT_TIMEOUT))
        self.log(
            f"MailDnsCheck {props['domain']}: checking {len(records)} record(s) on every nameserver "
            f"(for up to {timeout:g}s)"
        )
        statuses = wait_for_records(
            props["domain"],
            records,
            lookup=functools.partial(runtime.checker().lookup_many, zone_info=False),
            timeout=timeout,
            poll_interval=config.dns_poll_interval,
            progress=self.log,
        )
        return {**props, "ready": True, "statuses": {s.record.line: s.summary() for s in statuses}}

    @user_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        """Wait until every record is served (or fail listing what is missing or wrong)."""
        return CreateResult(props["domain"], self._wait(props))

    @user_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """The records changed, or the last check was not ready: wait again."""
        return UpdateResult(self._wait(news))

    @user_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Check once (refresh): ``ready`` false and the statuses say what went missing."""
        from .mailcheck import evaluate, queries_of

        if not props.get("domain") or not isinstance(props.get("records"), list):
            return ReadResult(id_, dict(props))
        records = _records(props)
        statuses = evaluate(records, runtime.checker().lookup_many(queries_of(records), 0.0, zone_info=False))
        ready = all(status.status == "ok" for status in statuses)
        outs = {**props, "ready": ready, "statuses": {s.record.line: s.summary() for s in statuses}}
        return ReadResult(id_, outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Nothing to remove: the check only leaves the stack."""


@dataclass
class MailDnsCheckArgs:
    """The arguments of :class:`MailDnsCheck`.

    :param domain: The mail domain whose records are checked.
    :param records: The records to check, each a `TYPE NAME VALUE` string (`MailDnsRecord.line`, e.g. `MX
        example.com 10 mxext1.mailbox.org`; NAME may be relative to `domain`). Default: the lines of
        `mail_dns_records(domain)`. Types: CNAME, MX, SRV, TXT.
    :param timeout: Seconds to wait until every nameserver serves every record (default 300; 0: check once).
    """

    domain: pulumi.Input[str]
    records: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    timeout: pulumi.Input[int] | None = None


class MailDnsCheck(MailboxOrgResource, module="mailboxorg", name="MailDnsCheck"):
    """Waits until every nameserver serves a domain's mail DNS records; a check, not a mailbox.org object.

    Declare it after the DNS record resources (``depends_on``) and let the mailboxes depend on it.
    """

    _provider_class = MailDnsCheckProvider

    domain: pulumi.Output[str]
    """The mail domain whose records are checked."""
    records: pulumi.Output[Sequence[str]]
    """The records to check, each a `TYPE NAME VALUE` string (`MailDnsRecord.line`, e.g. `MX example.com 10
    mxext1.mailbox.org`; NAME may be relative to `domain`). Default: the lines of
    `mail_dns_records(domain)`. Types: CNAME, MX, SRV, TXT.
    """
    timeout: pulumi.Output[int]
    """Seconds to wait until every nameserver serves every record (default 300; 0: check once)."""
    ready: pulumi.Output[bool]
    """Whether every nameserver served every record at the last check."""
    statuses: pulumi.Output[Mapping[str, str]]
    """One entry per record line: `ok`, or `missing: ...`/`wrong: ...` with the expected value and what each
    nameserver answered.
    """

    def __init__(
        self,
        resource_name: str,
        args: MailDnsCheckArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        domain: pulumi.Input[str] | None = None,
        records: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        timeout: pulumi.Input[int] | None = None,
    ) -> None:
        """Declare a MailDnsCheck: pass a :class:`MailDnsCheckArgs`, or the same values as keywords.

        :param resource_name: The name of the resource in the stack.
        :param args: The inputs as a :class:`MailDnsCheckArgs`.
        :param opts: Options of the resource.
        :param domain: The mail domain whose records are checked.
        :param records: The records to check, each a `TYPE NAME VALUE` string (`MailDnsRecord.line`, e.g. `MX
            example.com 10 mxext1.mailbox.org`; NAME may be relative to `domain`). Default: the lines of
            `mail_dns_records(domain)`. Types: CNAME, MX, SRV, TXT.
        :param timeout: Seconds to wait until every nameserver serves every record (default 300; 0: check
            once).
        """
        super().__init__(
            resource_name,
            args,
            opts,
            {
                "domain": domain,
                "records": records,
                "timeout": timeout,
            },
        )
