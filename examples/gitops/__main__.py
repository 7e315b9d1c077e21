"""GitOps: a mailbox.org domain proven through Cloudflare DNS, its mail records and mailboxes, in one run.

DomainChallenge asks mailbox.org for the ownership TXT record, a Cloudflare DnsRecord publishes it,
and Domain (which depends on the record) waits until every authoritative nameserver serves it and
mailbox.org accepts the domain. A loop publishes the records mail needs (MX, SPF, DKIM, DMARC,
autoconfig, autodiscover: `mail_dns_records`, plain data known at preview), MailDnsCheck waits until
every nameserver serves them, and the mailboxes (from the stack configuration, Pulumi.prod.yaml)
depend on the check.
"""

from typing import Any

import pulumi
import pulumi_cloudflare as cloudflare

from pulumi_mailboxorg import Domain, DomainChallenge, Mailbox, MailDnsCheck, mail_dns_records

config = pulumi.Config()
account = config.require("account")
domain_name = config.require("domain")
zone_id = config.require("cloudflareZoneId")
people: list[dict[str, Any]] = config.require_object("mailboxes")

challenge = DomainChallenge("ownership", account=account, domain=domain_name)

# Cloudflare wants the fully qualified record name; most other DNS providers take
# `challenge.record_name` (relative to the zone) instead.
record = cloudflare.DnsRecord(
    "mailboxorg-ownership",
    zone_id=zone_id,
    name=challenge.host,
    type="TXT",
    content=challenge.txt,
    ttl=300,
    comment="mailbox.org domain ownership (managed by Pulumi)",
)

domain = Domain(
    "domain",
    account=account,
    domain=domain_name,
    password=config.require_secret("domainPassword"),
    memo="managed by Pulumi from git",
    opts=pulumi.ResourceOptions(depends_on=[record]),
)

# The mail records, one Cloudflare record each. The function takes the plain domain name: resources
# are declared while the program runs (with an Output, compute values inside `.apply`).
mail_records = [
    cloudflare.DnsRecord(
        f"mail-{r.type.lower()}-{r.relative_name}" + (f"-{r.value}" if r.type == "MX" else ""),
        zone_id=zone_id,
        name=r.name,
        type=r.type,
        ttl=r.ttl,
        content=None if r.type == "SRV" else r.value,
        priority=r.priority if r.type == "MX" else None,
        data=(
            dict(zip(("priority", "weight", "port", "target"), [r.priority, *r.value.split()], strict=True))
            if r.type == "SRV"
            else None
        ),
        comment="mailbox.org mail (managed by Pulumi)",
    )
    for r in mail_dns_records(domain_name, dmarc_report=f"postmaster@{domain_name}")
]

# Waits until every authoritative nameserver serves every record (default: the same records).
mail_dns = MailDnsCheck(
    "mail-dns",
    domain=domain_name,
    records=[r.line for r in mail_dns_records(domain_name, dmarc_report=f"postmaster@{domain_name}")],
    opts=pulumi.ResourceOptions(depends_on=[domain, *mail_records]),
)

mailboxes = [
    Mailbox(
        person["localPart"],
        mail=f"{person['localPart']}@{domain_name}",
        password=config.require_secret("mailboxPassword"),
        plan=person.get("plan", "standard"),
        first_name=person["firstName"],
        last_name=person["lastName"],
        aliases=[f"{alias}@{domain_name}" for alias in person.get("aliases", [])],
        require_reset_password=True,
        opts=pulumi.ResourceOptions(depends_on=[domain, mail_dns]),
    )
    for person in people
]

pulumi.export("domain", domain.domain)
pulumi.export("ownershipRecord", challenge.host)
pulumi.export("mailDnsReady", mail_dns.ready)
pulumi.export("mailboxes", [mailbox.mail for mailbox in mailboxes])
