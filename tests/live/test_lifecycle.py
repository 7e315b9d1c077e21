"""Resource lifecycles that run unchanged against the emulator and, when switched on, the real API.

What a live run creates, and removes again (also when a test fails, as far as the API lets it):
the domain ``MAILBOXORG_LIVE_DOMAIN`` in the account, one mailbox ``pulumi-test-XXXXXX@<domain>``
(random suffix), and the ownership TXT record in your zone. Nothing else is written; the error-code
test only reads.
"""

from __future__ import annotations

import secrets

import pytest

from harness import HostPool, Op, Res, Stack
from pulumi_mailboxorg.errors import ApiError
from pulumi_mailboxorg.guesses import ERRORS
from resources.support import res

from .conftest import Target


def resources(target: Target, memo: str, *, with_mailbox: bool = True) -> dict[str, Res]:
    mail = f"{target.prefix}@{target.domain}"
    wanted = {
        "challenge": res("DomainChallenge", {"account": target.account, "domain": target.domain}),
        "domain": res(
            "Domain",
            {
                "account": target.account,
                "domain": target.domain,
                "password": "Pulumi-Test-" + secrets.token_hex(8),
                "memo": "pulumi-mailboxorg live test",
            },
        ),
        "mailbox": res(
            "Mailbox",
            {
                "mail": mail,
                "password": "Pulumi-Test-" + secrets.token_hex(8),
                "plan": "light",
                "firstName": "Pulumi",
                "lastName": "Test",
                "memo": memo,
                "skipWelcomeMail": True,
            },
        ),
    }
    if not with_mailbox:
        del wanted["mailbox"]
    return wanted


def mail_listed(target: Target, mail: str) -> bool:
    entries = target.client.call("mail.list", {"domain": target.domain}) or []
    return any(str(entry.get("mail", "")).lower() == mail for entry in entries)


def domain_listed(target: Target) -> bool:
    entries = target.client.call("domain.list", {"account": target.account, "filter": target.domain}) or []
    return any(str(entry.get("domain", "")).lower() == target.domain for entry in entries)


@pytest.mark.slow
def test_a_domain_with_a_mailbox_goes_through_create_update_drift_and_destroy(
    target: Target, host_pool: HostPool
) -> None:
    stack = Stack(host_pool, config=target.config)
    host = ""
    try:
        # GitOps order: the challenge first, the record published from its outputs, then the domain.
        stack.up({"challenge": resources(target, "v1")["challenge"]})
        host, txt = stack["challenge"].outputs["host"], stack["challenge"].outputs["txt"]
        target.publish(host, txt)
        wanted = resources(target, "v1")
        assert set(stack.up(wanted).operations.values()) == {Op.SAME, Op.CREATE}
        mail = stack["mailbox"].id
        assert domain_listed(target) and mail_listed(target, mail)

        wanted["mailbox"] = res("Mailbox", {**wanted["mailbox"].props, "memo": "v2"})
        assert stack.up(wanted).operations["mailbox"] == Op.UPDATE
        assert target.client.call("mail.get", {"mail": mail})["memo"] == "v2"

        target.client.call("mail.set", {"mail": mail, "memo": "edited out of band"})
        assert stack.refresh().operations["mailbox"] == Op.UPDATE
        assert stack.up(wanted).operations["mailbox"] == Op.UPDATE
        assert target.client.call("mail.get", {"mail": mail})["memo"] == "v2"

        target.client.call("mail.del", {"mail": mail})
        stack.refresh()
        assert "mailbox" not in stack
        assert stack.up(wanted).operations["mailbox"] == Op.CREATE
    finally:
        stack.destroy()
        if host:
            target.unpublish(host)
    assert not domain_listed(target)


def test_the_guessed_error_codes_match_what_the_server_answers(target: Target) -> None:
    """Read-only probes of the guesses in pulumi_mailboxorg/guesses.py; a mismatch names the fix."""
    probes = {
        "method_not_found": ("pulumi.no.such.method", {}),
        "not_found": ("domain.get", {"domain": f"no-such-{secrets.token_hex(6)}.{target.domain}"}),
    }
    wrong = []
    for guess, (method, params) in probes.items():
        with pytest.raises(ApiError) as caught:
            target.client.call(method, params)
        if caught.value.code != ERRORS[guess].code:
            wrong.append(
                f'ERRORS["{guess}"] guesses code {ERRORS[guess].code}, but {method} answered '
                f"{caught.value.code} ({caught.value.api_message!r}): correct pulumi_mailboxorg/guesses.py"
            )
    assert not wrong, "\n".join(wrong)
