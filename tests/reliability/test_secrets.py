"""One sentinel password through the full lifecycle of every resource, failures included.

The sentinel is the stack's login password and every resource's password (and ``login_password``);
a second sentinel replaces it in an update, and a third is a wrong login password. Every Auth-ID the
emulator hands out is recorded. None of them may appear in plain text anywhere a user or a log
collector could see it:

* the provider hosts' stderr, with Python logging switched to DEBUG for every logger in the host
  (a ``sitecustomize`` module on the host's ``PYTHONPATH``), so the client's call log is included;
* the message and traceback of every failure (verification timeout, refused alias, lost answers,
  HTTP 503, session expiry, wrong password, check failures);
* the serialised provider (``__provider``) in the state, also base64-decoded;
* every output not marked secret, in the state and in a Pulumi program's stack exports.
"""

from __future__ import annotations

import base64
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

import pulumi_mailboxorg as mbo
from harness import CheckFailedError, HostPool, ProgramStack, ProviderError, ProviderHost, Res, Stack
from harness.host import TESTS_DIR
from pulumi_mailboxorg.emulator import Emulator
from resources.support import res, stack_config

SENTINEL = "Sentinel-Pw-7f3c9a1e"
NEW_SENTINEL = "Sentinel-Pw-new-4d8a0c6e"
WRONG_SENTINEL = "Sentinel-Pw-wrong-1a2b3c"
SENTINELS = (SENTINEL, NEW_SENTINEL, WRONG_SENTINEL)
DOMAIN = "secret.example"
MAIL = f"ada@{DOMAIN}"

SITECUSTOMIZE = """
    import logging
    import sys

    FORMAT = "LOG %(name)s %(levelname)s %(message)s"
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format=FORMAT)
"""


class Leaks:
    """Everything that must not contain a secret, and the Auth-IDs the emulator handed out."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []
        self.auth_ids: list[str] = []

    def add(self, where: str, text: str) -> None:
        self.texts.append((where, text))

    def failure(self, where: str, run: Callable[[], Any]) -> None:
        """Run an operation that must fail; keep its error text (what the engine shows the user)."""
        try:
            run()
        except (ProviderError, CheckFailedError) as exc:
            self.add(where, exc.details if isinstance(exc, ProviderError) else str(exc))
            return
        raise AssertionError(f"{where}: expected a failure")

    def state(self, where: str, stack: Stack) -> None:
        """The serialised providers and every output and input not marked secret."""
        for name, state in stack.resources.items():
            self.add(f"{where}: {name} __provider", state.provider)
            self.add(
                f"{where}: {name} __provider decoded", base64.b64decode(state.provider).decode("latin-1")
            )
            self.add(f"{where}: {name} outputs", repr(state.display_outputs()))
            self.add(f"{where}: {name} inputs", repr(state.display_inputs()))

    def assert_clean(self, *, min_logins: int = 1) -> None:
        secrets = [*SENTINELS, *self.auth_ids]
        assert len(self.auth_ids) >= min_logins  # the runs did log in: their Auth-IDs are checked too
        size = sum(len(text) for _, text in self.texts)
        print(
            f"\n{len(secrets)} secrets ({len(self.auth_ids)} Auth-IDs) checked against "
            f"{len(self.texts)} texts ({size} characters)"
        )
        for where, text in self.texts:
            for secret in secrets:
                assert secret not in text, f"a secret leaked into {where}"


@pytest.fixture
def sentinel_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Emulator, Leaks]]:
    """An emulator whose logins use the sentinel, recording every Auth-ID it issues."""
    leaks = Leaks()
    with Emulator(accounts=[("reseller", SENTINEL, "reseller"), ("acme", SENTINEL, "account")]) as emu:
        issue = emu.state._new_auth_id

        def recorded() -> str:
            auth_id = issue()
            leaks.auth_ids.append(auth_id)
            return auth_id

        monkeypatch.setattr(emu.state, "_new_auth_id", recorded)
        yield emu, leaks


@pytest.fixture
def debug_hosts(host_pool: HostPool, tmp_path: Path) -> Callable[[], ProviderHost]:
    """Provider hosts whose Python logging is at DEBUG for every logger."""
    (tmp_path / "sitecustomize.py").write_text(textwrap.dedent(SITECUSTOMIZE), encoding="utf-8")
    return lambda: host_pool.take(pythonpath=[TESTS_DIR, tmp_path])


def everything(password: str = SENTINEL, memo: str = "v1", aliases: tuple[str, ...] = ()) -> dict[str, Res]:
    """One resource of each kind, all with the sentinel password (and per-resource sentinel login)."""
    login = {"loginUsername": "acme", "loginPassword": SENTINEL}
    return {
        "account": res(
            "Account", {"account": "customer1", "password": password, "plan": "basic", "memo": memo}
        ),
        "challenge": res("DomainChallenge", {"account": "acme", "domain": "gitops.example", **login}),
        "domain": res("Domain", {"account": "acme", "domain": DOMAIN, "password": password, "memo": memo}),
        "mailbox": res(
            "Mailbox",
            {
                "mail": MAIL,
                "password": password,
                "plan": "standard",
                "firstName": "Ada",
                "lastName": "Lovelace",
                "memo": memo,
                "aliases": list(aliases),
                **login,
            },
        ),
        "context": res("Context", {"account": "acme", "domains": [DOMAIN], **login}),
    }


@pytest.mark.slow
def test_no_password_or_auth_id_appears_in_output_errors_state_or_plain_outputs(
    sentinel_emulator: tuple[Emulator, Leaks], debug_hosts: Callable[[], ProviderHost]
) -> None:
    emulator, leaks = sentinel_emulator
    config = stack_config(emulator, login=("reseller", SENTINEL), verificationTimeout="1")
    stack = Stack(debug_hosts, config=config)

    # Check failures on secret properties.
    bad = everything()
    bad["mailbox"] = res("Mailbox", {**bad["mailbox"].props, "password": SENTINEL + "\x01"})
    leaks.failure("check of a bad password", lambda: stack.preview(bad))
    lone = {k: v for k, v in everything()["mailbox"].props.items() if k != "loginUsername"}
    leaks.failure("check of a lone login_password", lambda: stack.preview({"m": res("Mailbox", lone)}))
    stack.preview(everything())

    # The ownership record is not published: the Domain times out (the Account and challenge exist).
    leaks.failure("verification timeout", lambda: stack.up(everything()))
    emulator.publish_challenge("acme", DOMAIN)
    stack.up(everything())
    leaks.state("after create", stack)

    # Failures in updates: a refused alias; a lost answer, an HTTP 503 and an expired session.
    leaks.failure("refused alias", lambda: stack.up(everything(aliases=("ada@elsewhere.example",))))
    emulator.inject("drop", 1, "mail.set")
    emulator.inject("http5xx", 1, "domain.set")
    emulator.inject("expire", 1, "account.set")
    failures = 0
    while True:
        try:
            stack.up(everything(NEW_SENTINEL, "v2"))
            break
        except ProviderError as exc:
            leaks.add(f"faulty update {failures}", exc.details)
            failures += 1
            assert failures < 5
    assert failures >= 2 and emulator.faults.pending == 0
    leaks.state("after update", stack)

    # Drift, then a refresh; a run with a wrong password.
    emulator.state.call_as("acme", "domain.set", {"domain": DOMAIN, "memo": "changed out of band"})
    stack.refresh()
    leaks.state("after refresh", stack)
    wrong = Stack(debug_hosts, config={**config, "mailboxorg:password": WRONG_SENTINEL})
    leaks.failure("wrong password", lambda: wrong.up({"account": everything()["account"]}))

    stack.destroy()
    assert emulator.state.snapshot()["domains"] == {}

    text = stack.stderr_text() + wrong.stderr_text()
    assert "LOG pulumi_mailboxorg.client DEBUG call mail.set" in text  # the DEBUG call log is there
    leaks.add("provider stderr", text)
    leaks.assert_clean(min_logins=8)


def test_a_programs_exports_of_passwords_are_secret_and_plain_exports_carry_no_secret(
    sentinel_emulator: tuple[Emulator, Leaks], host_pool: HostPool
) -> None:
    emulator, leaks = sentinel_emulator
    emulator.publish_challenge("acme", DOMAIN)

    def program() -> None:
        domain = mbo.Domain("d", account="acme", domain=DOMAIN, password=SENTINEL, memo="m")
        mailbox = mbo.Mailbox(
            "m",
            mail=MAIL,
            password=SENTINEL,
            plan="standard",
            first_name="Ada",
            last_name="Lovelace",
            login_username="acme",
            login_password=SENTINEL,
            opts=pulumi.ResourceOptions(depends_on=[domain]),
        )
        pulumi.export("domain_password", domain.password)
        pulumi.export("domain_memo", domain.memo)
        pulumi.export("mail_password", mailbox.password)
        pulumi.export("login_password", mailbox.login_password)
        pulumi.export("mail_type", mailbox.type)

    stack = ProgramStack(host_pool, config=stack_config(emulator, login=("reseller", SENTINEL)))
    run = stack.up(program)

    secret = {"domain_password", "mail_password", "login_password"}
    assert secret <= run.secret_outputs
    assert {k: v for k, v in run.outputs.items() if k in secret} == dict.fromkeys(secret, SENTINEL)
    for name, value in run.outputs.items():
        if name not in run.secret_outputs:
            leaks.add(f"plain export {name}", repr(value))
    leaks.add("program run", repr(run))
    leaks.add("provider stderr", stack.stderr_text())
    stack.destroy()
    leaks.assert_clean()
