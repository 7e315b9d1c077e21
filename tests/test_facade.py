"""The typed facade of every resource follows its property table (tests/facade.py renders it).

Also: resource modules compose the shared layers and never import one another.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import facade
from pulumi_mailboxorg.resource import MailboxOrgResource
from pulumi_mailboxorg.schema import RESOURCES

RESOURCE_MODULES = {resource.__module__.rsplit(".", 1)[-1] for resource in RESOURCES}


@pytest.fixture(params=RESOURCES, ids=lambda r: r._provider_class.kind)
def resource(request: pytest.FixtureRequest) -> type[MailboxOrgResource]:
    return request.param


def test_each_module_holds_exactly_the_facade_its_property_table_renders(resource):
    path = facade._module_path(resource)
    source = path.read_text(encoding="utf-8")
    assert facade.expected(resource, source) == source, "run `python tests/facade.py --write`"


def test_every_input_is_a_keyword_documented_in_help_and_opts_is_positional(resource):
    inputs = [p for p in resource._provider_class.props if p.input]
    signature = inspect.signature(resource.__init__)
    names = list(signature.parameters)
    assert names[:4] == ["self", "resource_name", "args", "opts"]
    assert signature.parameters["opts"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert names[4:] == [p.name for p in inputs]
    doc = " ".join((resource.__init__.__doc__ or "").split())
    for prop in inputs:
        assert f":param {prop.name}: {' '.join(prop.description.split())}" in doc


TYPED_PROGRAM = """
import pulumi
from pulumi_mailboxorg import Account, Context, Domain, DomainArgs, Mailbox

args = DomainArgs(account="acme", domain="example.com", password="pw")
domain = Domain("d", args, pulumi.ResourceOptions())
address = domain.domain.apply(lambda name: f"info@{name}")
Mailbox(
    "m",
    mail=address,
    password=pulumi.Output.secret("Pw-1234!"),
    plan="standard",
    first_name="Ada",
    last_name="Lovelace",
    aliases=[address.apply(lambda a: "x" + a), "sales@example.com"],
    forwards=pulumi.Output.from_input(["a@example.org"]),
)
Context("c", account="acme", domains=[domain.domain, "example.net"])
Account("a", account="newco", password="pw", plan="basic", tarifflimits={"basic": domain.count_mails})
"""


@pytest.mark.slow
def test_lists_and_maps_of_outputs_type_check_like_generated_sdks(tmp_path):
    from mypy import api

    program = tmp_path / "program.py"
    program.write_text(TYPED_PROGRAM, encoding="utf-8")
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(program)]
    )
    assert status == 0, out + err


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("module", sorted(RESOURCE_MODULES))
def test_resource_modules_do_not_import_each_other(module):
    path = Path(facade.ROOT, "pulumi_mailboxorg", f"{module}.py")
    assert _imports(path) & (RESOURCE_MODULES - {module}) == set()
