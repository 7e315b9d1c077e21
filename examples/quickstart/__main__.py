"""Quickstart: one mailbox.org mail domain with two mailboxes.

Configuration (see README.md): ``account`` and ``domain`` (defaults in Pulumi.yaml), and the secrets
``domainPassword`` and ``mailboxPassword``. The provider itself reads ``mailboxorg:*`` config or the
``MAILBOXORG_*`` environment variables.
"""

import pulumi

from pulumi_mailboxorg import Domain, Mailbox, MailDnsCheck, mail_dns_records

config = pulumi.Config()
account = config.require("account")
domain_name = config.require("domain")

# On create, mailbox.org asks for a TXT record proving that you own the domain. The provider logs the
# record to publish, checks DNS until every authoritative nameserver serves it, then finishes.
domain = Domain(
    "domain",
    account=account,
    domain=domain_name,
    password=config.require_secret("domainPassword"),
    memo="managed by Pulumi (quickstart)",
)

# The records mail needs (MX, SPF, DKIM, DMARC, client autoconfiguration): plain data, shown by
# `pulumi stack output mailDnsRecords` as zone-file lines to publish. MailDnsCheck waits until every
# nameserver serves them (default: up to 300 s); its domain may be an Output, as here.
mail_records = mail_dns_records(domain_name)
mail_dns = MailDnsCheck("mail-dns", domain=domain.domain, opts=pulumi.ResourceOptions(depends_on=[domain]))

# Two people. The initial password is shared and must be changed at the first login.
people = {"alice": ("Alice", "Liddell"), "bob": ("Bob", "Builder")}
mailboxes = [
    Mailbox(
        local_part,
        mail=f"{local_part}@{domain_name}",
        password=config.require_secret("mailboxPassword"),
        plan="standard",
        first_name=first_name,
        last_name=last_name,
        require_reset_password=True,
        opts=pulumi.ResourceOptions(depends_on=[domain]),
    )
    for local_part, (first_name, last_name) in people.items()
]

pulumi.export("domain", domain.domain)
pulumi.export("contextId", domain.context_id)
pulumi.export("verificationHost", domain.verification_host)
pulumi.export("mailboxes", [mailbox.mail for mailbox in mailboxes])
pulumi.export("mailDnsRecords", [record.zone_line for record in mail_records])
pulumi.export("mailDnsReady", mail_dns.ready)
