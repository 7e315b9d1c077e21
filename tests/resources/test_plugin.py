"""The native plugin ``pulumi-resource-mailboxorg``, started the way the engine starts a resource plugin.

Each test runs the installed executable through the harness (``ProviderHost(kind="plugin")``): the
engine's address as the first argument, the port read from stdout, ``Handshake``, ``GetPluginInfo``,
``CheckConfig`` and ``Configure``; then the resource calls, against the emulator. The shared contract
suite (``test_contract.py``) runs on this path too; these tests cover what only a native provider
has: the schema, the configuration protocol, detailed diffs, timeouts, import ids, secrets in
answers, and concurrency beyond the dynamic host's 4.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness import HostPool, Op, ProviderError, Res, Secret, Stack
from harness.host import ProviderHost
from pulumi_mailboxorg import __version__
from pulumi_mailboxorg.emulator import Emulator
from pulumi_mailboxorg.plugin import IMPORT_IDS
from pulumi_mailboxorg.provider import MailboxOrgProvider
from pulumi_mailboxorg.schema import RESOURCES
from resources.support import ACCOUNT_LOGIN, PROVIDERS, RESELLER_LOGIN, stack_config

SCHEMA = Path(__file__).resolve().parents[2] / "schema.json"


@pytest.fixture(scope="module")
def plugins() -> Iterator[HostPool]:
    with HostPool(spares=1, host_options={"kind": "plugin"}) as pool:
        yield pool


@pytest.fixture
def plugin(plugins: HostPool) -> Iterator[ProviderHost]:
    with plugins.take() as host:
        yield host


def provider(kind: str) -> MailboxOrgProvider:
    return PROVIDERS[kind]()


# -- start-up, schema, configuration ---------------------------------------------------------------


def test_the_installed_executable_prints_its_port_and_reports_the_package_version(plugin):
    assert plugin.stdout_text().strip() == str(plugin.port)
    assert plugin.plugin_version == __version__


def test_get_schema_returns_schema_json_exactly(plugin):
    from pulumi.runtime.proto import provider_pb2

    answer = plugin._call("GetSchema", provider_pb2.GetSchemaRequest(version=0))
    assert answer.schema == SCHEMA.read_text(encoding="utf-8")


def test_the_plugin_serves_every_resource_of_the_schema(plugin, emulator):
    plugin.configure(stack_config(emulator))
    tokens = set(json.loads(SCHEMA.read_text(encoding="utf-8"))["resources"])
    assert tokens == {f"mailboxorg:index:{r._provider_class.kind}" for r in RESOURCES}
    for kind in PROVIDERS:
        checked = plugin.check(provider(kind), {})
        assert checked.failures  # answered by that resource's check (its required properties)


def test_configure_accepts_secrets_and_leaves_previews_to_the_engine(plugin, emulator):
    answer = plugin.configure(stack_config(emulator))
    assert answer.accept_secrets is True
    assert answer.supports_preview is False


def test_check_config_names_an_invalid_setting(plugin, emulator):
    with pytest.raises(ProviderError) as failed:
        plugin.configure({**stack_config(emulator), "mailboxorg:verificationTimeout": "soon"})
    assert failed.value.method == "CheckConfig"
    assert "verificationTimeout" in failed.value.details


def test_configure_falls_back_to_the_environment_like_the_dynamic_providers(plugins, emulator):
    env = {"MAILBOXORG_USERNAME": ACCOUNT_LOGIN[0], "MAILBOXORG_PASSWORD": ACCOUNT_LOGIN[1]}
    with plugins.take(env=env) as host:
        config = {
            k: v for k, v in stack_config(emulator).items() if "username" not in k and "password" not in k
        }
        host.configure(config)
        emulator.publish_challenge("acme", "example.com")
        checked = host.check(
            provider("Domain"), {"account": "acme", "domain": "example.com", "password": "p-1"}
        )
        created = host.create(provider("Domain"), checked.inputs)
    assert created.id == "example.com"
    assert created.outputs["apiLogin"] == "acme"


# -- the lifecycle of every resource ------------------------------------------------------------------


@dataclass(frozen=True)
class Life:
    """One resource's lifecycle through the plugin."""

    kind: str
    props: dict[str, Any]
    change: tuple[str, Any]  # an updatable input and a new value
    import_id: Callable[[str], str | None]  # the import id for a created id (None: not importable)
    login: tuple[str, str] = ACCOUNT_LOGIN
    domains: tuple[str, ...] = ()  # Domains to create first (their records are published)
    vanishes: bool = True  # a Read after the Delete reports it gone
    secrets: tuple[str, ...] = field(default=("password",))

    def __str__(self) -> str:
        return self.kind


LIVES = [
    Life(
        "Account",
        {"account": "customer1", "password": Secret("account-pass-1"), "plan": "basic", "memo": "m"},
        ("memo", "changed"),
        lambda id_: id_,
        login=RESELLER_LOGIN,
    ),
    Life(
        "Domain",
        {"account": "acme", "domain": "example.com", "password": Secret("domain-pass-1"), "memo": "m"},
        ("memo", "changed"),
        lambda id_: id_,
        domains=(),
    ),
    Life(
        "Mailbox",
        {
            "mail": "ada@example.com",
            "password": Secret("Mail-pass-1"),
            "plan": "standard",
            "firstName": "Ada",
            "lastName": "Lovelace",
        },
        ("firstName", "Augusta"),
        lambda id_: id_,
        domains=("example.com",),
    ),
    Life(
        "Context",
        {
            "account": "acme",
            "domains": ["example.com"],
            "loginUsername": "acme",
            "loginPassword": Secret("acme-pass"),
        },
        ("domains", ["example.com", "example.net"]),
        lambda id_: f"acme/{id_}",
        domains=("example.com", "example.net"),
        vanishes=False,  # its delete leaves the domains where they are: context.list still has it
        secrets=("loginPassword",),
    ),
    Life(
        "DomainChallenge",
        {
            "account": "acme",
            "domain": "example.com",
            "loginUsername": "acme",
            "loginPassword": Secret("acme-pass"),
        },
        ("zone", "example.com"),
        lambda _id: None,
        vanishes=False,  # no server object: a Read keeps the recorded challenge
        secrets=("loginPassword",),
    ),
]


@pytest.fixture(params=LIVES, ids=str)
def life(request: pytest.FixtureRequest) -> Life:
    return request.param


def _prepare(host: ProviderHost, emulator: Emulator, life: Life) -> None:
    host.configure(stack_config(emulator, life.login))
    for name in (*life.domains, *(["example.com"] if life.kind == "Domain" else [])):
        emulator.publish_challenge("acme", name)
    for name in life.domains:
        domain = provider("Domain")
        checked = host.check(domain, {"account": "acme", "domain": name, "password": Secret("domain-pass-1")})
        host.create(domain, checked.inputs)


def _plain(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v.value if isinstance(v, Secret) else v for k, v in props.items()}


def test_check_create_read_diff_update_import_and_delete_go_through_the_resource_layer(
    plugin, emulator, life
):
    _prepare(plugin, emulator, life)
    p = provider(life.kind)

    checked = plugin.check(p, life.props)
    assert checked.failures == []
    created = plugin.create(p, {**checked.inputs, **life.props}, timeout=60)
    assert created.id
    assert set(life.secrets) <= created.secret_outputs  # secret inputs come back marked secret

    read = plugin.read(p, created.id, created.outputs, inputs=checked.inputs)
    assert read.id == created.id
    assert {k: read.outputs.get(k) for k in checked.inputs} == {
        k: created.outputs.get(k) for k in checked.inputs
    }

    name, value = life.change
    rechecked = plugin.check(p, {**life.props, name: value}, checked.inputs)
    assert rechecked.failures == []
    news = rechecked.inputs
    diff = plugin.diff(p, created.id, created.outputs, news)
    assert diff.changes == "some"
    assert set(diff.detailed_diff) == {name}
    assert diff.detailed_diff[name] in ("UPDATE", "ADD")  # ADD: an unset optional input gets a value
    assert diff.replaces == []
    updated = plugin.update(
        p, created.id, created.outputs, {**news, **_plain({k: life.props[k] for k in life.secrets})}
    )
    assert _canonical(updated[name]) == _canonical(value)
    assert plugin.diff(p, created.id, updated, news).changes == "none"

    import_id = life.import_id(created.id)
    if import_id is None:
        with pytest.raises(ProviderError) as refused:
            plugin.read(p, created.id, {}, inputs=None, add_provider=False)
        assert "cannot be imported" in refused.value.exception_line
    else:
        imported = plugin.read(p, import_id, {}, inputs=None, add_provider=False)
        assert imported.id == created.id
        inputs = imported.inputs or {}
        assert not set(life.secrets) & set(inputs)  # secrets the API never returns: the program's
        required = [q.wire for q in p.props if q.required and not q.secret]
        assert {k: _canonical(inputs.get(k)) for k in required} == {
            k: _canonical(updated.get(k)) for k in required
        }

    plugin.delete(p, created.id, updated)
    if life.vanishes:
        assert plugin.read(p, created.id, updated, inputs=news).id == ""


def _canonical(value: Any) -> Any:
    return sorted(value) if isinstance(value, list) else value


# -- import through the engine's ImportStep ------------------------------------------------------------


def test_pulumi_import_of_a_domain_by_name_finds_its_account_and_the_next_up_sets_the_password(
    plugins, emulator
):
    emulator.publish_challenge("acme", "example.com")
    theirs = {"account": "acme", "domain": "example.com", "password": "x-1"}
    emulator.state.call_as("acme", "domain.add", theirs)
    stack = Stack(plugins, config=stack_config(emulator))
    props = {"account": "acme", "domain": "example.com", "password": Secret("domain-pass-1")}
    declared = Res(
        provider("Domain"),
        props,
        secret_outputs=["password"],
        import_id="example.com",
        ignore_changes=["password"],  # the API never returns it: the import cannot compare it
    )
    result = stack.up({"d": declared})
    assert result.operations["d"] == Op.IMPORT
    assert stack["d"].id == "example.com"
    assert stack["d"].outputs["account"] == "acme"
    assert "password" not in stack["d"].outputs or stack["d"].outputs["password"] is None

    after = stack.up({"d": Res(provider("Domain"), props, secret_outputs=["password"])})
    assert after.operations["d"] == Op.UPDATE  # the program's password is set on the next up
    assert emulator.sent("domain.set")[-1]["password"] == "domain-pass-1"


def test_a_context_import_id_without_its_account_is_refused_naming_the_format(plugin, emulator):
    plugin.configure(stack_config(emulator))
    with pytest.raises(ProviderError) as refused:
        plugin.read(provider("Context"), "100001", {}, inputs=None, add_provider=False)
    assert "ACCOUNT/CONTEXT_ID" in refused.value.exception_line


def test_every_resource_documents_its_import_id():
    assert set(IMPORT_IDS) == set(PROVIDERS)


# -- diffs ---------------------------------------------------------------------------------------------


def _domain(host: ProviderHost, emulator: Emulator) -> tuple[MailboxOrgProvider, dict[str, Any], Any]:
    host.configure(stack_config(emulator))
    emulator.publish_challenge("acme", "example.com")
    p = provider("Domain")
    checked = host.check(p, {"account": "acme", "domain": "example.com", "password": Secret("d-pass-1")})
    return p, checked.inputs, host.create(p, checked.inputs)


def test_a_detailed_diff_marks_an_identity_change_as_a_replace_and_a_field_as_an_update(plugin, emulator):
    p, inputs, created = _domain(plugin, emulator)
    diff = plugin.diff(p, created.id, created.outputs, {**inputs, "domain": "example.org", "memo": "new"})
    assert diff.detailed_diff == {"domain": "UPDATE_REPLACE", "memo": "UPDATE"}
    assert diff.replaces == ["domain"]
    assert diff.delete_before_replace is True


def test_ignore_changes_leaves_the_named_properties_out_of_the_diff(plugin, emulator):
    from pulumi.runtime.proto import provider_pb2

    from harness.wire import to_struct

    _p, inputs, created = _domain(plugin, emulator)
    urn = "urn:pulumi:dev::project::mailboxorg:index:Domain::d"
    answer = plugin._call(
        "Diff",
        provider_pb2.DiffRequest(
            id=created.id,
            urn=urn,
            olds=to_struct(created.outputs),
            news=to_struct({**inputs, "memo": "new"}),
            ignoreChanges=["memo"],
        ),
    )
    assert answer.changes == provider_pb2.DiffResponse.DIFF_NONE
    assert dict(answer.detailedDiff) == {}


# -- timeouts and concurrency ----------------------------------------------------------------------------


def test_a_domain_create_waits_for_dns_no_longer_than_the_operation_timeout(plugin, emulator):
    plugin.configure(stack_config(emulator, verificationTimeout="600"))
    p = provider("Domain")
    checked = plugin.check(p, {"account": "acme", "domain": "example.com", "password": Secret("d-pass-1")})
    with pytest.raises(ProviderError) as failed:
        plugin.create(p, checked.inputs, timeout=1)
    assert "verification_timeout 1s" in failed.value.details
    # The record to publish reached the user through the engine's log service (not stderr).
    assert "Publish this DNS record" in plugin.engine_log()


def test_a_domain_waiting_for_dns_does_not_hold_back_more_than_four_other_operations(plugin, emulator):
    plugin.configure(stack_config(emulator, RESELLER_LOGIN, verificationTimeout="120"))
    domain = provider("Domain")
    waiting = plugin.check(
        domain,
        {"account": "acme", "domain": "slow.example", "password": Secret("d-pass-1")},
    ).inputs
    outcome: dict[str, Any] = {}

    def create_domain() -> None:
        try:
            outcome["domain"] = plugin.create(domain, waiting)
        except ProviderError as exc:  # pragma: no cover - reported by the assertion below
            outcome["domain"] = exc

    waiter = threading.Thread(target=create_domain)
    waiter.start()
    try:
        account = provider("Account")
        names = [f"customer{i}" for i in range(8)]
        errors: list[BaseException] = []

        def create_account(name: str) -> None:
            try:
                props = {"account": name, "password": Secret(f"{name}-pass-1"), "plan": "basic"}
                checked = plugin.check(account, props)
                assert checked.failures == []
                plugin.create(account, checked.inputs)
            except BaseException as exc:  # pragma: no cover - reported by the assertion below
                errors.append(exc)

        workers = [threading.Thread(target=create_account, args=(n,)) for n in names]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []
        assert waiter.is_alive()  # still waiting for its record while eight creates completed
        assert set(names) <= set(emulator.state.snapshot()["accounts"])
    finally:
        emulator.publish_challenge("acme", "slow.example")
        waiter.join()
    assert not isinstance(outcome["domain"], ProviderError)
    assert outcome["domain"].id == "slow.example"


def test_a_secret_input_of_a_resource_comes_back_secret_in_create_and_read(plugin, emulator):
    p, inputs, created = _domain(plugin, emulator)
    assert "password" in created.secret_outputs
    read = plugin.read(p, created.id, created.outputs, inputs=inputs)
    assert "password" in read.secret_outputs
    assert "d-pass-1" not in plugin.stderr_text()
