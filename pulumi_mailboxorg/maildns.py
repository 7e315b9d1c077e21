"""The DNS records a mailbox.org custom domain needs, as data: one table, each value with its source.

:func:`mail_dns_records` is a pure function (no API call, no DNS query): the records are known at
preview time, so a DNS record resource fed from them never shows a diff that comes from here.

mailbox.org has changed these records before (two DKIM TXT records became four CNAMEs), so the
values live in :data:`RECORDS` only, each with its source; what no official source shows
(``uncertain=True``: the MX set, the SRV values) is marked like the API guesses of
:mod:`.guesses`. When mailbox.org documents a different value, correct it here and nowhere else.

Record lines: :class:`MailDnsRecord` renders as ``TYPE NAME VALUE`` (:attr:`MailDnsRecord.line`),
the form :class:`~pulumi_mailboxorg.MailDnsCheck` takes as its ``records`` input, and as a zone-file
line (:attr:`MailDnsRecord.zone_line`) to paste into a DNS console. :func:`parse_record_line` reads
a ``TYPE NAME VALUE`` line back. This module imports neither Pulumi nor dnspython.

With an Output domain (e.g. ``Domain.domain``), compute the records inside ``apply``::

    records = domain.domain.apply(lambda name: mail_dns_records(name, dmarc_report="postmaster@" + name))

For a loop that creates one DNS resource per record, call it on the plain domain name instead (the
records must be known while the program declares resources); pass the Output only to the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .validation import canonical_domain, canonical_email

__all__ = [
    "DMARC_POLICIES",
    "RECORDS",
    "SUPPORTED_TYPES",
    "MailDnsRecord",
    "RecordSpec",
    "mail_dns_records",
    "parse_record_line",
]

#: Record types the check can verify (and a ``records`` line may name).
SUPPORTED_TYPES: Final = ("CNAME", "MX", "SRV", "TXT")
#: DMARC policies (RFC 7489 §6.3 ``p=``).
DMARC_POLICIES: Final = ("none", "quarantine", "reject")


@dataclass(frozen=True)
class RecordSpec:
    """One row of the table: a record relative to the customer's domain.

    ``name`` is relative (``@``: the apex); ``value`` is the record's data without the priority, in
    presentation form without trailing dots; ``group`` names the purpose (``mx``, ``spf``, ``dkim``,
    ``dmarc``, ``autoconfig``, ``autodiscover``, or ``extra`` for records only given when asked);
    ``uncertain`` marks a value no official source confirms.
    """

    group: str
    type: str
    name: str
    value: str
    priority: int | None
    ttl: int
    source: str
    uncertain: bool = False


_SPF_DKIM_KB = (
    "kb.mailbox.org, 'Spam-Reputation der eigenen Domain verbessern mit SPF, DKIM und DMARC' (DKIM 'as "
    "CNAME records' in the English twins)"
)
_AUTOCONFIG_KB = "kb.mailbox.org, 'How to configure e-mail clients automatically through DNS'"
_MX_SOURCE = (
    "uncertain: the KB table was not readable; public zones mostly show 10 mxext1, 10 mxext2, 20 mxext3 "
    "(newer ones mxext1..4, all 10). The check accepts any set of mailbox.org MX hosts including these"
)
_SRV_SOURCE = "uncertain: community zones only (no mailbox.org documentation found)"

#: The records, in the order :func:`mail_dns_records` returns them. DMARC is built from its keyword
#: arguments (source: the same KB article, ``v=DMARC1;p=none;rua=mailto:...``).
RECORDS: Final[tuple[RecordSpec, ...]] = (
    RecordSpec("mx", "MX", "@", "mxext1.mailbox.org", 10, 3600, _MX_SOURCE, uncertain=True),
    RecordSpec("mx", "MX", "@", "mxext2.mailbox.org", 10, 3600, _MX_SOURCE, uncertain=True),
    RecordSpec("mx", "MX", "@", "mxext3.mailbox.org", 20, 3600, _MX_SOURCE, uncertain=True),
    RecordSpec("spf", "TXT", "@", "v=spf1 include:mailbox.org ~all", None, 3600, _SPF_DKIM_KB),
    *(
        RecordSpec(
            "dkim",
            "CNAME",
            f"MBO000{n}._domainkey",
            f"MBO000{n}._domainkey.mailbox.org",
            None,
            3600,
            _SPF_DKIM_KB,
        )
        for n in (1, 2, 3, 4)
    ),
    RecordSpec("autoconfig", "CNAME", "autoconfig", "auto.mailbox.org", None, 3600, _AUTOCONFIG_KB),
    RecordSpec(
        "autodiscover",
        "SRV",
        "_autodiscover._tcp",
        "0 443 auto.mailbox.org",
        0,
        3600,
        _SRV_SOURCE + "; `0 0 443 auto.mailbox.org.` (also `0 1 443`), older configs `mailbox.org.`",
        uncertain=True,
    ),
    RecordSpec("extra", "SRV", "_imaps._tcp", "1 993 imap.mailbox.org", 0, 3600, _SRV_SOURCE, uncertain=True),
    RecordSpec(
        "extra", "SRV", "_submissions._tcp", "1 465 smtp.mailbox.org", 0, 3600, _SRV_SOURCE, uncertain=True
    ),
)

_DMARC_TTL: Final = 3600


@dataclass(frozen=True)
class MailDnsRecord:
    """One DNS record to publish.

    ``name`` is the fully qualified owner name without a trailing dot; ``relative_name`` is relative
    to the domain (``@`` for the apex), what most DNS consoles ask for; ``value`` is the record data
    without the priority (MX: the host; SRV: ``weight port target``; TXT: the text, unquoted; CNAME:
    the target), names without trailing dots; ``priority`` is set for MX and SRV only; ``ttl`` is a
    suggestion in seconds.
    """

    type: str
    name: str
    relative_name: str
    value: str
    priority: int | None
    ttl: int

    @property
    def data(self) -> str:
        """The record data as a zone file writes it after the type (priority first, TXT quoted,
        names absolute with a trailing dot)."""
        if self.type == "TXT":
            return _quote_txt(self.value)
        if self.type == "CNAME":
            return self.value + "."
        value = self.value + "." if self.type == "MX" else _absolute_target(self.value)
        return f"{self.priority} {value}"

    @property
    def line(self) -> str:
        """``TYPE NAME VALUE``: the form of :class:`~pulumi_mailboxorg.MailDnsCheck`'s ``records``
        input, e.g. ``MX example.com 10 mxext1.mailbox.org``."""
        value = self.value if self.priority is None else f"{self.priority} {self.value}"
        return f"{self.type} {self.name} {value}"

    @property
    def zone_line(self) -> str:
        """A zone-file line to paste into a DNS console, e.g.
        ``example.com. 3600 IN MX 10 mxext1.mailbox.org.``."""
        return f"{self.name}. {self.ttl} IN {self.type} {self.data}"


def _quote_txt(text: str) -> str:
    """TXT data as quoted character-strings of at most 255 bytes (RFC 1035 §3.3.14)."""
    raw = text.encode("utf-8")
    chunks = [raw[i : i + 255] for i in range(0, len(raw), 255)] or [b""]
    parts = []
    for chunk in chunks:
        piece = chunk.decode("utf-8", "replace").replace("\\", "\\\\").replace('"', '\\"')
        parts.append(f'"{piece}"')
    return " ".join(parts)


def _absolute_target(value: str) -> str:
    *numbers, target = value.split(" ")
    return " ".join([*numbers, target + "."])


def _relative(name: str, domain: str) -> str:
    if name == domain:
        return "@"
    return name[: -len(domain) - 1] if name.endswith("." + domain) else name


def _owner(relative: str, domain: str) -> str:
    return domain if relative == "@" else f"{relative.lower()}.{domain}"


def _record(spec: RecordSpec, domain: str) -> MailDnsRecord:
    name = _owner(spec.name, domain)
    # Names in values lower-case, as check() canonicalises them (DNS names are case-insensitive).
    value = spec.value if spec.type == "TXT" else spec.value.lower()
    return MailDnsRecord(spec.type, name, _relative(name, domain), value, spec.priority, spec.ttl)


def mail_dns_records(
    domain: str,
    *,
    dmarc_policy: str = "none",
    dmarc_report: str | None = None,
    extras: bool = False,
) -> list[MailDnsRecord]:
    """The records mailbox.org needs for ``domain``: MX, SPF, DKIM x4, DMARC, autoconfig, autodiscover.

    :param domain: the domain, a plain string (canonicalised: lower-case A-label, no trailing dot).
        With an Output, call this inside ``apply`` (see the module docstring).
    :param dmarc_policy: the DMARC ``p=`` policy: ``none`` (default), ``quarantine`` or ``reject``.
    :param dmarc_report: the address DMARC aggregate reports go to (``rua=mailto:...``); none by default.
    :param extras: also the SRV records for IMAP and submission (``_imaps._tcp``, ``_submissions._tcp``).
    :raises ValueError: an invalid domain, policy or report address (the message names the argument).

    The values come from :data:`RECORDS` (each with its source; the MX set and the SRV values are
    uncertain). The ownership TXT record is not among them: :class:`~pulumi_mailboxorg.DomainChallenge`
    reports it.
    """
    try:
        name = canonical_domain(domain)
    except ValueError as exc:
        raise ValueError(f"domain: {exc}") from None
    if dmarc_policy not in DMARC_POLICIES:
        raise ValueError(f"dmarc_policy: must be one of {', '.join(DMARC_POLICIES)}, not {dmarc_policy!r}")
    dmarc = f"v=DMARC1;p={dmarc_policy}"
    if dmarc_report is not None:
        try:
            dmarc += f";rua=mailto:{canonical_email(dmarc_report)}"
        except ValueError as exc:
            raise ValueError(f"dmarc_report: {exc}") from None
    records: list[MailDnsRecord] = []
    for spec in RECORDS:
        if spec.group == "extra" and not extras:
            continue
        records.append(_record(spec, name))
        if spec.group == "dkim" and spec.name == "MBO0004._domainkey":
            owner = _owner("_dmarc", name)
            records.append(MailDnsRecord("TXT", owner, "_dmarc", dmarc, None, _DMARC_TTL))
    return records


def parse_record_line(line: str, domain: str) -> MailDnsRecord:
    """Read a ``TYPE NAME VALUE`` line (:attr:`MailDnsRecord.line`) for ``domain`` (canonical).

    ``NAME`` is the fully qualified name (or ``@``, or a name relative to ``domain``); a trailing dot
    is dropped. ``VALUE`` is, by type: MX ``PRIORITY HOST``; SRV ``PRIORITY WEIGHT PORT TARGET``;
    CNAME ``TARGET``; TXT the text (the rest of the line, unquoted). Raises ValueError saying what is wrong.
    """
    if not isinstance(line, str):
        raise ValueError(f"a record is a string 'TYPE NAME VALUE', got {type(line).__name__}")
    parts = line.strip().split(None, 2)
    if len(parts) < 3:
        raise ValueError(f"{line!r} is not 'TYPE NAME VALUE' (e.g. 'MX {domain} 10 mxext1.mailbox.org')")
    rtype, owner, value = parts[0].upper(), parts[1].rstrip(".").lower(), parts[2].strip()
    if rtype not in SUPPORTED_TYPES:
        raise ValueError(
            f"{line!r}: record type {parts[0]!r} is not supported (supported: {', '.join(SUPPORTED_TYPES)})"
        )
    if owner in ("@", ""):
        owner = domain
    elif owner != domain and not owner.endswith("." + domain):
        owner = f"{owner}.{domain}"
    if any(not label or len(label) > 63 for label in owner.split(".")) or any(
        ch.isspace() or not ch.isprintable() for ch in owner
    ):
        raise ValueError(f"{line!r}: {parts[1]!r} is not a DNS name")
    priority: int | None = None
    if rtype in ("MX", "SRV"):
        fields = value.split()
        want = 2 if rtype == "MX" else 4
        if len(fields) != want or not all(f.isdigit() and int(f) <= 65535 for f in fields[:-1]):
            shape = "PRIORITY HOST" if rtype == "MX" else "PRIORITY WEIGHT PORT TARGET"
            raise ValueError(f"{line!r}: an {rtype} value is '{shape}' (numbers from 0 to 65535)")
        priority = int(fields[0])
        value = " ".join([*(str(int(f)) for f in fields[1:-1]), fields[-1].rstrip(".").lower()])
    elif rtype == "CNAME":
        if len(value.split()) != 1:
            raise ValueError(f"{line!r}: a CNAME value is one target name")
        value = value.rstrip(".").lower()
    return MailDnsRecord(rtype, owner, _relative(owner, domain), value, priority, 3600)
