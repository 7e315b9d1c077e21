"""Are a mail domain's records served? Verdicts per record, and the wait until every one is.

:func:`evaluate` compares the records wanted (:class:`~.maildns.MailDnsRecord`) with what every
nameserver answered (:meth:`~.dnscheck.PropagationChecker.lookup_many`), one :class:`RecordStatus`
per record: ``ok`` when every nameserver serves it, ``wrong`` when a nameserver serves something
else in its place, ``missing`` otherwise (no such record, or the server gave no usable answer).

What "serves it" means, by record:

* **SPF** (a TXT whose value starts ``v=spf1``): the name has exactly one TXT starting ``v=spf1``
  and it includes ``include:mailbox.org``; the rest of it is the domain owner's (a domain has one
  SPF record). Several SPF records, or one without the include, are ``wrong``.
* **DMARC** (a TXT starting ``v=DMARC1``): a TXT equal to it, ignoring spaces, case and a final
  ``;``; another ``v=DMARC1`` record is ``wrong``.
* other **TXT**: one of the TXT values equals it.
* **MX**: the MX set contains the record's host and holds mailbox.org hosts only (so a set of four
  ``mxext1..4`` passes a check for three); priorities are not compared (the documented values are
  uncertain). A set with a host outside mailbox.org is ``wrong``; a set of mailbox.org hosts
  without this one leaves it ``missing``.
* **CNAME**: the CNAME's target equals it (case-insensitively).
* **SRV**: an SRV with the same port and target (priority and weight are not compared, the
  published values vary).

:func:`wait_for_records` polls until every record is ``ok`` or the time is up, and then raises a
:class:`~.errors.MailboxOrgError` listing what is missing or wrong as zone-file lines to paste into
a DNS console. This module knows nothing of HTTP or Pulumi; the lookup is passed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .errors import DnsCheckError, MailboxOrgError
from .maildns import MailDnsRecord

if TYPE_CHECKING:
    from .dnscheck import RecordLookup, ServerAnswer

__all__ = ["Lookup", "RecordStatus", "evaluate", "failure_message", "queries_of", "wait_for_records"]

Status = Literal["ok", "missing", "wrong"]
#: ``lookup_many(queries, budget)`` of :class:`~.dnscheck.PropagationChecker` (the zone is not needed:
#: a caller may pass ``functools.partial(checker.lookup_many, zone_info=False)``).
Lookup = Callable[[Sequence[tuple[str, str]], float], "list[RecordLookup]"]
#: Seconds between two progress messages while nothing changes.
PROGRESS_EVERY = 30.0


@dataclass(frozen=True)
class RecordStatus:
    """The verdict on one record, and what each nameserver answered (``server: state`` lines)."""

    record: MailDnsRecord
    status: Status
    answers: tuple[str, ...]

    def summary(self) -> str:
        """``ok``, or ``missing: ns1 (192.0.2.1): no MX record at this name`` and the like."""
        if self.status == "ok":
            return "ok"
        return f"{self.status}: expected {self.record.type} {self.record.data}; " + "; ".join(self.answers)


def queries_of(records: Sequence[MailDnsRecord]) -> list[tuple[str, str]]:
    """The distinct ``(name, type)`` lookups the records need, in order."""
    return list(dict.fromkeys((record.name, record.type) for record in records))


def _is_mailbox_host(host: str) -> bool:
    return host == "mailbox.org" or host.endswith(".mailbox.org")


def _dmarc_form(text: str) -> str:
    return "".join(text.split()).lower().rstrip(";")


def _verdict(record: MailDnsRecord, values: tuple[str, ...]) -> Status:
    """What one server's values (of the record's type at its name) say about ``record``."""
    wanted = record.value
    if record.type == "TXT" and wanted.lower().startswith("v=spf1"):
        spf = [value for value in values if value.lower().split(" ", 1)[0] == "v=spf1"]
        if not spf:
            return "missing"
        ok = len(spf) == 1 and "include:mailbox.org" in spf[0].lower().split()
        return "ok" if ok else "wrong"
    if record.type == "TXT" and _dmarc_form(wanted).startswith("v=dmarc1"):
        dmarc = [value for value in values if _dmarc_form(value).startswith("v=dmarc1")]
        if not dmarc:
            return "missing"
        return "ok" if any(_dmarc_form(value) == _dmarc_form(wanted) for value in dmarc) else "wrong"
    if record.type == "TXT":
        return "ok" if wanted in values else "missing"
    if not values:
        return "missing"
    if record.type == "MX":
        hosts = {value.split(" ")[-1] for value in values}
        if not all(map(_is_mailbox_host, hosts)):
            return "wrong"
        return "ok" if wanted.lower() in hosts else "missing"
    if record.type == "CNAME":
        return "ok" if values[0] == wanted.lower() else "wrong"
    # SRV: "PRIORITY WEIGHT PORT TARGET" served, "WEIGHT PORT TARGET" wanted: compare port and target.
    port_target = wanted.lower().split(" ")[-2:]
    return "ok" if any(value.split(" ")[-2:] == port_target for value in values) else "wrong"


def _state(answer: ServerAnswer) -> str:
    where = f"{answer.server} ({answer.address})" if answer.address else answer.server
    return f"{where} answered {answer.state()}"


def evaluate(records: Sequence[MailDnsRecord], lookups: Sequence[RecordLookup]) -> list[RecordStatus]:
    """One :class:`RecordStatus` per record, from the lookups of :func:`queries_of` (any order)."""
    by_query = {(lookup.name, lookup.rdtype): lookup for lookup in lookups}
    statuses: list[RecordStatus] = []
    for record in records:
        lookup = by_query[(record.name, record.type)]
        verdicts = [
            "missing" if answer.error is not None else _verdict(record, answer.values)
            for answer in lookup.answers
        ]
        if not verdicts:
            status: Status = "missing"
        elif "wrong" in verdicts:
            status = "wrong"
        elif "missing" in verdicts:
            status = "missing"
        else:
            status = "ok"
        statuses.append(RecordStatus(record, status, tuple(_state(answer) for answer in lookup.answers)))
    return statuses


def failure_message(statuses: Sequence[RecordStatus]) -> str:
    """The body of the timeout error: what is missing or wrong, as zone-file lines, and what was answered."""
    bad = [status for status in statuses if status.status != "ok"]
    lines = [
        "Publish these records (zone-file lines to paste into a DNS console; fix or remove the wrong ones):",
        *(f"    {status.record.zone_line}" for status in bad),
        "What the nameservers answered:",
        *(f"    {status.record.line}: {status.summary()}" for status in bad),
        "Run `pulumi up` again once they are served (or raise the check's timeout).",
    ]
    return "\n".join(lines)


def _counts(statuses: Sequence[RecordStatus]) -> str:
    bad = [status.status for status in statuses if status.status != "ok"]
    return ", ".join(f"{bad.count(kind)} {kind}" for kind in ("missing", "wrong") if kind in bad)


def wait_for_records(
    domain: str,
    records: Sequence[MailDnsRecord],
    *,
    lookup: Lookup,
    timeout: float,
    poll_interval: float,
    progress: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[RecordStatus]:
    """Poll until every record is served by every nameserver; the statuses when they are.

    ``timeout`` 0 checks once. Each look gets the time left as its budget (the checker raises a
    budget below one query's timeout to it), so the wait ends within ``timeout`` plus one DNS query.
    On timeout raises :class:`MailboxOrgError` with :func:`failure_message`; a check that could not
    run at all (no zone found, ...) raises the last :class:`DnsCheckError` with the wait's context.
    """
    start = clock()
    deadline = start + timeout
    queries = queries_of(records)
    last_said, last_said_at = "", float("-inf")
    while True:
        try:
            statuses: list[RecordStatus] | None = evaluate(
                records, lookup(queries, max(0.0, deadline - clock()))
            )
            error = None
        except DnsCheckError as exc:
            statuses, error = None, exc
        if statuses is not None and all(status.status == "ok" for status in statuses):
            progress(f"MailDnsCheck {domain}: all {len(statuses)} record(s) are served by every nameserver")
            return statuses
        now = clock()
        if now >= deadline:
            if statuses is None:
                assert error is not None
                raise DnsCheckError(
                    f"MailDnsCheck {domain}: the DNS check could not run within {now - start:.0f}s "
                    f"(timeout {timeout:g}s): {error}"
                ).about(*error.settings)
            bad = sum(1 for status in statuses if status.status != "ok")
            raise MailboxOrgError(
                f"MailDnsCheck {domain}: {bad} of {len(statuses)} mail DNS record(s) are not served by every "
                f"nameserver after {now - start:.0f}s (timeout {timeout:g}s): {_counts(statuses)}.\n"
                f"{failure_message(statuses)}"
            )
        if statuses is None:
            said = f"the DNS check could not run: {error}"
        else:
            said = f"waiting for {_counts(statuses)} record(s): " + ", ".join(
                f"{status.record.line} ({status.status})" for status in statuses if status.status != "ok"
            )
        if said != last_said or now - last_said_at >= PROGRESS_EVERY:
            progress(f"MailDnsCheck {domain}: {said} ({now - start:.0f}s of {timeout:g}s)")
            last_said, last_said_at = said, now
        sleep(max(0.0, min(poll_interval, deadline - now)))
