"""GitOps: a mailbox.org domain proven through Cloudflare DNS, then its mailboxes, in one `pulumi up`.

DomainChallenge asks mailbox.org for the ownership TXT record, a Cloudflare DnsRecord publishes it,
and Domain (which depends on the record) waits until every authoritative nameserver serves it and
mailbox.org accepts the domain. The mailboxes come from the stack configuration (Pulumi.prod.yaml).
"""

from typing import Any

import pulumi
import pulumi_cloudflare as cloudflare

from pulumi_mailboxorg import Domain, DomainChallenge, Mailbox

config = pulumi.Config()
account = config.require("account")
domain_name = config.require("domain")
people: list[dict[str, Any]] = config.require_object("mailboxes")

challenge = DomainChallenge("ownership", account=account, domain=domain_name)

# Cloudflare wants the fully qualified record name; most other DNS providers take
# `challenge.record_name` (relative to the zone) instead.
record = cloudflare.DnsRecord(
    "mailboxorg-ownership",
    zone_id=config.require("cloudflareZoneId"),
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
        opts=pulumi.ResourceOptions(depends_on=[domain]),
    )
    for person in people
]

pulumi.export("domain", domain.domain)
pulumi.export("ownershipRecord", challenge.host)
pulumi.export("mailboxes", [mailbox.mail for mailbox in mailboxes])
