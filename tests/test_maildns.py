"""mail_dns_records: the records a mailbox.org domain needs, as data (pure: no API call, no DNS)."""

from __future__ import annotations

import asyncio
import dataclasses

import pulumi
import pytest

from pulumi_mailboxorg import MailDnsRecord, mail_dns_records
from pulumi_mailboxorg.maildns import RECORDS, parse_record_line

DOMAIN = "example.com"


def test_the_default_records_are_mx_spf_four_dkim_cnames_dmarc_autoconfig_and_autodiscover() -> None:
    records = mail_dns_records(DOMAIN)

    assert [(r.type, r.relative_name, r.priority, r.value) for r in records] == [
        ("MX", "@", 10, "mxext1.mailbox.org"),
        ("MX", "@", 10, "mxext2.mailbox.org"),
        ("MX", "@", 20, "mxext3.mailbox.org"),
        ("TXT", "@", None, "v=spf1 include:mailbox.org ~all"),
        ("CNAME", "mbo0001._domainkey", None, "mbo0001._domainkey.mailbox.org"),
        ("CNAME", "mbo0002._domainkey", None, "mbo0002._domainkey.mailbox.org"),
        ("CNAME", "mbo0003._domainkey", None, "mbo0003._domainkey.mailbox.org"),
        ("CNAME", "mbo0004._domainkey", None, "mbo0004._domainkey.mailbox.org"),
        ("TXT", "_dmarc", None, "v=DMARC1;p=none"),
        ("CNAME", "autoconfig", None, "auto.mailbox.org"),
        ("SRV", "_autodiscover._tcp", 0, "0 443 auto.mailbox.org"),
    ]
    assert records[0].name == DOMAIN
    assert records[4].name == "mbo0001._domainkey.example.com"
    assert all(record.ttl > 0 for record in records)


def test_records_are_frozen_dataclasses() -> None:
    record = mail_dns_records(DOMAIN)[0]
    assert isinstance(record, MailDnsRecord)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.value = "x"  # type: ignore[misc]


def test_dmarc_takes_the_policy_and_a_report_address_only_when_given() -> None:
    (dmarc,) = [
        r
        for r in mail_dns_records(DOMAIN, dmarc_policy="reject", dmarc_report="dmarc@Example.com")
        if r.relative_name == "_dmarc"
    ]
    assert dmarc.value == "v=DMARC1;p=reject;rua=mailto:dmarc@example.com"
    assert "rua=" not in next(r.value for r in mail_dns_records(DOMAIN) if r.relative_name == "_dmarc")


def test_the_imap_and_submission_srv_records_come_only_when_asked_for() -> None:
    names = {r.relative_name for r in mail_dns_records(DOMAIN, extras=True)}
    assert {"_imaps._tcp", "_submissions._tcp"} <= names
    assert not {"_imaps._tcp", "_submissions._tcp"} & {r.relative_name for r in mail_dns_records(DOMAIN)}


def test_the_domain_is_canonicalised() -> None:
    assert mail_dns_records("Straße.Example.")[0].name == "xn--strae-oqa.example"


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"domain": "localhost"}, "domain"),
        ({"domain": 5}, "domain"),
        ({"domain": DOMAIN, "dmarc_policy": "strict"}, "dmarc_policy"),
        ({"domain": DOMAIN, "dmarc_report": "not an address"}, "dmarc_report"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(kwargs: dict, named: str) -> None:
    with pytest.raises(ValueError, match=f"^{named}: "):
        mail_dns_records(**kwargs)


def test_every_value_has_a_source_and_the_mx_set_and_srv_values_are_marked_uncertain() -> None:
    assert all(spec.source for spec in RECORDS)
    assert all(spec.uncertain for spec in RECORDS if spec.type in ("MX", "SRV"))
    assert not any(spec.uncertain for spec in RECORDS if spec.group in ("spf", "dkim", "autoconfig"))


def test_lines_and_zone_lines_render_each_type() -> None:
    by_type: dict[str, MailDnsRecord] = {}
    for record in mail_dns_records(DOMAIN):
        by_type.setdefault(record.type + record.relative_name, record)
    assert by_type["MX@"].line == "MX example.com 10 mxext1.mailbox.org"
    assert by_type["MX@"].zone_line == "example.com. 3600 IN MX 10 mxext1.mailbox.org."
    assert by_type["TXT@"].zone_line == 'example.com. 3600 IN TXT "v=spf1 include:mailbox.org ~all"'
    assert by_type["CNAMEautoconfig"].zone_line == "autoconfig.example.com. 3600 IN CNAME auto.mailbox.org."
    assert (
        by_type["SRV_autodiscover._tcp"].zone_line
        == "_autodiscover._tcp.example.com. 3600 IN SRV 0 0 443 auto.mailbox.org."
    )


def test_a_long_txt_value_is_split_into_strings_of_at_most_255_bytes() -> None:
    record = MailDnsRecord("TXT", DOMAIN, "@", "x" * 300, None, 60)
    assert record.data == '"' + "x" * 255 + '" "' + "x" * 45 + '"'


def test_every_line_reads_back_as_the_same_record() -> None:
    for record in mail_dns_records(DOMAIN, dmarc_report="a@example.com", extras=True):
        assert dataclasses.replace(
            parse_record_line(record.line, DOMAIN), ttl=record.ttl
        ) == dataclasses.replace(
            record, value=record.value.lower() if record.type == "CNAME" else record.value
        )


def test_a_line_may_name_the_record_relative_to_the_domain() -> None:
    assert (
        parse_record_line("mx @ 10 MXEXT1.mailbox.org.", DOMAIN).line
        == "MX example.com 10 mxext1.mailbox.org"
    )
    assert parse_record_line("TXT _dmarc v=DMARC1; p=none", DOMAIN).name == "_dmarc.example.com"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("A @ 192.0.2.1", "record type 'A' is not supported"),
        ("MX @", "is not 'TYPE NAME VALUE'"),
        ("MX @ mxext1.mailbox.org", "an MX value is 'PRIORITY HOST'"),
        ("SRV _x._tcp 0 443 host", "an SRV value is 'PRIORITY WEIGHT PORT TARGET'"),
        ("CNAME www a b", "a CNAME value is one target name"),
    ],
)
def test_a_bad_line_is_refused_saying_why(line: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_record_line(line, DOMAIN)


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        return args.name + "-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        return {}, []


def test_with_an_output_domain_the_records_are_computed_inside_apply() -> None:
    # An event loop of its own: another test of the same worker may have closed the current one.
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_mocks(_Mocks(), preview=False)
    records_of_output()


@pulumi.runtime.test
def records_of_output() -> pulumi.Output:
    domain = pulumi.Output.from_input("Example.com")
    lines = domain.apply(lambda name: [r.line for r in mail_dns_records(name)])

    def verify(values: list[str]) -> None:
        assert values[0] == "MX example.com 10 mxext1.mailbox.org"
        assert len(values) == 11

    return lines.apply(verify)
