"""schema.json and the typed Python API agree with the property tables, the one source of truth.

``schema.json`` is generated (``python -m pulumi_mailboxorg.schema > schema.json``) and committed; the
first tests fail when it is stale or invalid. The cross-checks below do not reuse the generator's
code: they compare schema.json directly with each provider's ``props``, with ``config.SETTINGS`` and
with the resource classes' ``Args`` dataclasses, constructor keywords and ``pulumi.Output``
annotations, so a wrong generator is caught too.
"""

from __future__ import annotations

import ast
import collections.abc
import dataclasses
import inspect
import json
import re
import subprocess
import sys
import types
import typing
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import jsonschema
import pulumi
import pytest

import pulumi_mailboxorg
from pulumi_mailboxorg import errors, schema
from pulumi_mailboxorg.config import SETTINGS
from pulumi_mailboxorg.properties import Prop
from pulumi_mailboxorg.resource import MailboxOrgResource

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "schema.json"
#: Pulumi's package metaschema, kept in the repository so the validation runs in every clone.
METASCHEMA_PATH = ROOT / "tests" / "data" / "pulumi-package-metaschema.json"
#: The project's ground-truth copy on the developers' machines (beside the clone, or at the fixed
#: shared path): when one exists, the repository copy must equal it; elsewhere that one test skips.
SHARED_METASCHEMAS = (
    ROOT.parent / "shared" / "pulumi" / "package-metaschema.json",
    Path("/work/shared/pulumi/package-metaschema.json"),
)
RESOURCES = ("Account", "Context", "Domain", "DomainChallenge", "MailDnsCheck", "Mailbox")
PY_TYPES: dict[Any, str] = {str: "string", bool: "boolean", int: "integer"}
#: ``pulumi.Input[T]`` is ``Union[T, Awaitable[T], "Output[T]"]``; the forward reference is not
#: substituted by subscription, so it evaluates to ``Output[Any]`` with these names.
LOCALNS = {"Output": pulumi.Output, "T": Any}


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def python_patterns(node: Any) -> Any:
    """The metaschema with its ECMA-262 named groups ``(?<name>...)`` spelled for Python's ``re``."""
    if isinstance(node, dict):
        return {
            key: re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", value)
            if key == "pattern" and isinstance(value, str)
            else python_patterns(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [python_patterns(item) for item in node]
    return node


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    metaschema = python_patterns(json.loads(METASCHEMA_PATH.read_text(encoding="utf-8")))
    jsonschema.Draft202012Validator.check_schema(metaschema)
    return jsonschema.Draft202012Validator(
        metaschema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def resource_class(kind: str) -> type[MailboxOrgResource]:
    cls = getattr(pulumi_mailboxorg, kind)
    assert issubclass(cls, MailboxOrgResource)
    return cls


def props_of(kind: str) -> tuple[Prop, ...]:
    return resource_class(kind)._provider_class.props


def schema_type(prop: Prop) -> dict[str, Any]:
    if prop.type == "array":
        return {"type": "array", "items": {"type": "string"}}
    if prop.type == "object":
        return {"type": "object", "additionalProperties": {"type": prop.item}}
    return {"type": prop.type}


def always_set(prop: Prop) -> bool:
    """Outputs that always hold a value: required, defaulted, computed or output-only."""
    return prop.required or prop.default is not None or prop.computed or not prop.input


# -- schema.json ---------------------------------------------------------------------------------------


def test_schema_json_is_exactly_what_the_generator_prints():
    printed = subprocess.run(
        [sys.executable, "-m", "pulumi_mailboxorg.schema"], capture_output=True, text=True, check=True
    ).stdout
    assert printed == schema.render()
    assert SCHEMA_PATH.read_text(encoding="utf-8") == printed, (
        "schema.json is stale: run `python -m pulumi_mailboxorg.schema > schema.json`"
    )


def test_schema_json_is_valid_against_pulumis_package_metaschema(validator):
    errors_found = [error.message for error in validator.iter_errors(load_schema())]
    assert errors_found == []


def test_the_repository_copy_of_the_metaschema_matches_the_shared_one():
    shared = [path for path in SHARED_METASCHEMAS if path.exists()]
    if not shared:
        pytest.skip(f"no shared metaschema at {' or '.join(map(str, SHARED_METASCHEMAS))}")
    for path in shared:
        assert METASCHEMA_PATH.read_bytes() == path.read_bytes(), path


def test_the_metaschema_validator_rejects_a_broken_schema(validator):
    broken = load_schema()
    broken["resources"]["mailboxorg:index:Domain"]["inputProperties"]["memo"]["type"] = "text"
    broken["version"] = "one"
    assert len(list(validator.iter_errors(broken))) == 2


def test_the_schema_names_the_package_and_one_token_per_resource():
    document = load_schema()
    assert document["name"] == "mailboxorg"
    assert document["version"] == pulumi_mailboxorg.__version__
    assert document["language"]["python"]["packageName"] == "pulumi_mailboxorg"
    assert sorted(document["resources"]) == [f"mailboxorg:index:{kind}" for kind in RESOURCES]
    for kind in RESOURCES:
        cls = resource_class(kind)
        assert cls._resource_type_name == f"dynamic/mailboxorg:{kind}"
        assert schema.runtime_type(cls) == f"pulumi-python:dynamic/mailboxorg:{kind}"
        assert schema.resource_token(cls) == f"mailboxorg:index:{kind}"


@pytest.mark.parametrize("kind", RESOURCES)
def test_schema_and_property_table_agree_on_names_requiredness_types_and_secrets(kind):
    spec = load_schema()["resources"][f"mailboxorg:index:{kind}"]
    props = props_of(kind)
    inputs = [p for p in props if p.input]

    assert set(spec["properties"]) == {p.wire for p in props}
    assert set(spec["inputProperties"]) == {p.wire for p in inputs}
    assert sorted(spec["requiredInputs"]) == sorted(p.wire for p in inputs if p.required)
    assert sorted(spec["required"]) == sorted(p.wire for p in props if always_set(p))
    assert spec["description"] == inspect.getdoc(resource_class(kind))
    for prop in props:
        sections = [spec["properties"][prop.wire]]
        if prop.input:
            sections.append(spec["inputProperties"][prop.wire])
        for section in sections:
            typed = {k: v for k, v in section.items() if k in ("type", "items", "additionalProperties")}
            assert typed == schema_type(prop), prop.name
            assert section.get("secret", False) is prop.secret, prop.name
            assert section.get("replaceOnChanges", False) is prop.replace, prop.name
            assert section["description"] == prop.description, prop.name
        if prop.input and isinstance(prop.default, (bool, int, str)):
            assert spec["inputProperties"][prop.wire]["default"] == prop.default, prop.name


def test_schema_config_variables_match_the_settings_table():
    variables = load_schema()["config"]["variables"]
    assert sorted(variables) == sorted(s.key.removeprefix("mailboxorg:") for s in SETTINGS)
    for setting in SETTINGS:
        assert setting.key.startswith("mailboxorg:")
        spec = variables[setting.key.removeprefix("mailboxorg:")]
        assert spec["defaultInfo"] == {"environment": [setting.env]}
        assert spec.get("secret", False) is setting.secret
        assert spec["description"] == setting.description
        if setting.default is None:
            assert "default" not in spec
        else:
            assert str(spec["default"]) == setting.default
            assert spec["type"] == ("number" if isinstance(spec["default"], (int, float)) else "string")


def test_secret_properties_are_exactly_the_passwords():
    for kind in RESOURCES:
        for prop in props_of(kind):
            is_password = prop.type == "string" and prop.name.endswith("password")
            assert prop.secret is is_password, (kind, prop.name)
    assert {s.key for s in SETTINGS if s.secret} == {"mailboxorg:password"}


# -- the typed Python API --------------------------------------------------------------------------------


def unwrap_input(annotation: Any) -> tuple[Any, bool]:
    """``pulumi.Input[T] | None`` -> ``(T, optional)``."""
    members = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    optional = type(None) in members
    for member in members:
        if typing.get_origin(member) is Awaitable:
            (inner,) = typing.get_args(member)
            expected = {inner, Awaitable[inner], pulumi.Output[inner], pulumi.Output[Any], type(None)}  # type: ignore[valid-type]
            assert inner in members and set(members) <= expected, annotation
            return inner, optional
    raise AssertionError(f"not a pulumi.Input annotation: {annotation!r}")


def unwrap_output(annotation: Any) -> tuple[Any, bool]:
    """``pulumi.Output[T | None]`` -> ``(T, optional)``."""
    assert typing.get_origin(annotation) is pulumi.Output, annotation
    (inner,) = typing.get_args(annotation)
    if _is_union(inner):
        members = [m for m in typing.get_args(inner) if m is not type(None)]
        assert len(members) == 1, annotation
        return members[0], True
    return inner, False


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _item(annotation: Any) -> Any:
    """An item type, unwrapped from ``pulumi.Input[T]`` where inputs nest (generated-SDK style)."""
    return unwrap_input(annotation)[0] if _is_union(annotation) else annotation


def prop_type_of(python_type: Any) -> str:
    origin = typing.get_origin(python_type)
    if origin in (list, collections.abc.Sequence):
        (item,) = typing.get_args(python_type)
        assert _item(item) is str, python_type
        return "array"
    if origin in (dict, collections.abc.Mapping):
        key, value = typing.get_args(python_type)
        assert key is str and _item(value) in PY_TYPES, python_type
        return "object"
    return PY_TYPES[python_type]


def attribute_docstrings(cls: type) -> dict[str, str]:
    """Annotated class attributes -> the string literal right after them (their docstring)."""
    tree = ast.parse(Path(inspect.getfile(cls)).read_text(encoding="utf-8"))
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
    docs: dict[str, str] = {}
    for statement, following in zip(node.body, [*node.body[1:], None], strict=True):
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            is_doc = isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
            docs[statement.target.id] = following.value.value if is_doc else ""  # type: ignore[union-attr]
    return docs


@pytest.mark.parametrize("kind", RESOURCES)
def test_every_input_has_a_typed_constructor_keyword_and_args_field(kind):
    cls = resource_class(kind)
    args_cls = getattr(pulumi_mailboxorg, kind + "Args")
    inputs = {p.name: p for p in props_of(kind) if p.input}

    assert dataclasses.is_dataclass(args_cls) and inspect.getdoc(args_cls)
    fields = {f.name: f for f in dataclasses.fields(args_cls)}
    field_types = typing.get_type_hints(args_cls, localns=LOCALNS)
    assert set(fields) == set(inputs)
    for name, prop in inputs.items():
        inner, optional = unwrap_input(field_types[name])
        assert prop_type_of(inner) == prop.type, name
        has_default = fields[name].default is not dataclasses.MISSING
        assert optional is has_default is (not prop.required), name
        if has_default:
            assert fields[name].default is None, name

    signature = inspect.signature(cls.__init__)
    hints = typing.get_type_hints(cls.__init__, localns=LOCALNS)
    keywords = [p.name for p in signature.parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert keywords == [f.name for f in dataclasses.fields(args_cls)]
    for name in keywords:
        assert signature.parameters[name].default is None, name
        assert unwrap_input(hints[name])[0] == unwrap_input(field_types[name])[0], name
    assert hints["args"] == args_cls | None  # type: ignore[operator]


@pytest.mark.parametrize("kind", RESOURCES)
def test_every_property_has_a_typed_and_documented_output_attribute(kind):
    cls = resource_class(kind)
    props = props_of(kind)
    annotations = schema.output_annotations(cls)
    docs = attribute_docstrings(cls)

    assert set(annotations) == {p.name for p in props}
    for prop in props:
        inner, optional = unwrap_output(annotations[prop.name])
        assert prop_type_of(inner) == prop.type, prop.name
        assert optional is not always_set(prop), prop.name
        assert docs.get(prop.name, "").strip(), f"{kind}.{prop.name} has no docstring"


@pytest.mark.parametrize("kind", RESOURCES)
def test_python_names_and_wire_names_translate_both_ways(kind):
    cls = resource_class(kind)
    instance = cls.__new__(cls)
    for prop in props_of(kind):
        assert instance.translate_input_property(prop.name) == prop.wire
        assert instance.translate_output_property(prop.wire) == prop.name


def test_the_public_names_are_exactly_the_resources_their_args_the_client_the_errors_and_the_mail_records():
    expected = {
        *RESOURCES,
        *(kind + "Args" for kind in RESOURCES),
        "MailboxOrgClient",
        "__version__",
        "ApiError",
        "AuthenticationError",
        "ConfigurationError",
        "DnsVerificationRequiredError",
        "InputError",
        "InvalidSessionError",
        "MailboxOrgError",
        "TransportError",
        "UndecidableError",
        "VerificationTimeoutError",
        "MailDnsRecord",
        "mail_dns_records",
    }
    assert set(pulumi_mailboxorg.__all__) == expected
    for name in pulumi_mailboxorg.__all__:
        value = getattr(pulumi_mailboxorg, name)
        if inspect.isclass(value):
            assert inspect.getdoc(value), f"{name} has no docstring"
        if inspect.isclass(value) and issubclass(value, Exception):
            assert name in errors.__all__


def test_every_public_module_declares_its_public_names():
    for module_name in (
        "account",
        "challenge",
        "context",
        "domain",
        "mailbox",
        "maildns",
        "maildnscheck",
        "mailcheck",
        "schema",
        "errors",
    ):
        module = __import__(f"pulumi_mailboxorg.{module_name}", fromlist=["__all__"])
        assert module.__doc__
        for name in module.__all__:
            assert hasattr(module, name), (module_name, name)


def test_the_package_ships_py_typed():
    package_dir = Path(pulumi_mailboxorg.__file__).parent
    assert (package_dir / "py.typed").is_file()
    assert 'pulumi_mailboxorg = ["py.typed"]' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_the_committed_reference_page_is_current() -> None:
    page = Path(__file__).resolve().parents[1] / "docs" / "reference.md"
    assert page.read_text(encoding="utf-8") == schema.render_markdown(), (
        "docs/reference.md is stale: run `python -m pulumi_mailboxorg.schema --markdown > docs/reference.md`"
    )


def test_the_reference_page_lists_every_property_of_every_resource() -> None:
    text = schema.render_markdown()
    for resource in schema.RESOURCES:
        for prop in resource._provider_class.props:
            assert f"| `{prop.name}` | `{prop.wire}` |" in text, (resource.__name__, prop.name)
    for setting in SETTINGS:
        assert f"| `{setting.key}` | `{setting.env}` |" in text


def test_the_generator_prints_the_reference_with_markdown_and_refuses_other_arguments() -> None:
    run = [sys.executable, "-m", "pulumi_mailboxorg.schema"]
    page = subprocess.run([*run, "--markdown"], capture_output=True, text=True, check=True, timeout=60)
    assert page.stdout == schema.render_markdown()
    wrong = subprocess.run([*run, "--html"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "usage:" in wrong.stderr
