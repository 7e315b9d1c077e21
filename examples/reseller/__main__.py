"""Reseller: set up a customer on mailbox.org - account, domains, one shared context, mailboxes.

The stack logs in with the reseller's credentials (``mailboxorg:username``/``mailboxorg:password``).
The API creates mailboxes only at account level, so the Mailbox resources log in as the customer
(``login_username``/``login_password``). Order: Account -> Domains -> Context -> Mailboxes.
"""

import pulumi

from pulumi_mailboxorg import Account, Context, Domain, Mailbox

config = pulumi.Config()
customer = config.require("customer")
customer_password = config.require_secret("customerPassword")
domain_names: list[str] = config.require_object("domains")

account = Account(
    "customer",
    account=customer,
    password=customer_password,
    plan=config.require("plan"),
    company=config.get("company"),
    memo="managed by Pulumi",
)

# Each domain waits for its ownership TXT record (see the log for the record to publish, or publish
# it with a DNS provider as in ../gitops).
domains = [
    Domain(
        name,
        account=account.account,
        domain=name,
        password=config.require_secret("domainPassword"),
    )
    for name in domain_names
]

# All domains in one OX context: shared calendars, address books and files. The Domains declare no
# context_id, so they never fight the Context over where they live.
context = Context(
    "shared",
    account=account.account,
    domains=domain_names,
    opts=pulumi.ResourceOptions(depends_on=domains),
)

# Mailboxes on the first domain, with an alias on every other domain. They come after the Context:
# moving a domain that holds mailboxes would delete their cloud-office data.
primary, others = domain_names[0], domain_names[1:]
staff = {"ada": ("Ada", "Lovelace"), "charles": ("Charles", "Babbage")}
mailboxes = [
    Mailbox(
        local_part,
        mail=f"{local_part}@{primary}",
        password=config.require_secret("mailboxPassword"),
        plan="standard",
        first_name=first_name,
        last_name=last_name,
        aliases=[f"{local_part}@{other}" for other in others],
        require_reset_password=True,
        login_username=account.account,
        login_password=customer_password,
        opts=pulumi.ResourceOptions(depends_on=[context]),
    )
    for local_part, (first_name, last_name) in staff.items()
]

pulumi.export("account", account.account)
pulumi.export("status", account.status)
pulumi.export("contextId", context.context_id)
pulumi.export("mailboxes", [mailbox.mail for mailbox in mailboxes])
