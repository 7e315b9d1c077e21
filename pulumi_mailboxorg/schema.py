"""Generate ``schema.json``, the Pulumi package schema, from the property tables.

The property tables (each provider's ``props``, see :mod:`.properties`) and the configuration table
(:data:`.config.SETTINGS`) are the one source of truth. This module turns them into a document valid
against Pulumi's package metaschema; ``schema.json`` at the repository root is its committed output
and ``tests/test_schema.py`` fails whenever the two differ. Regenerate with::

    python -m pulumi_mailboxorg.schema > schema.json
    python -m pulumi_mailboxorg.schema --markdown > docs/reference.md

``--markdown`` renders the same document as the resources and configuration reference of ``docs/``
(:func:`render_markdown`); ``tests/test_schema.py`` keeps that page current too.

Tokens: the package is ``mailboxorg`` and a resource's schema token is ``mailboxorg:index:<Kind>``.
At runtime the same resource registers as the dynamic type ``pulumi-python:dynamic/mailboxorg:<Kind>``
(Pulumi's naming for Python dynamic resources); the schema documents the resources, it does not
generate an SDK.

Derivations (documented here once):

* ``inputProperties``: every property with ``input=True``; ``requiredInputs``: those with
  ``required=True``; ``default`` for scalar defaults.
* ``properties``: every property (the state holds all of them); ``required`` (outputs always set):
  required inputs, inputs with a default, ``computed`` inputs and output-only properties. The Python
  classes agree: exactly those are annotated ``pulumi.Output[T]`` without ``| None``.
* ``secret`` and ``replaceOnChanges`` come from the property's ``secret`` and ``replace`` flags.
* Types: ``array`` is an array and ``object`` a map whose item or value type is the property's
  ``item`` (``string`` unless it says ``integer``).
* Configuration variables drop the ``mailboxorg:`` namespace; a setting whose default is a number
  has type ``number``; every variable lists its environment variable in ``defaultInfo.environment``.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Mapping
from typing import Any

from . import __version__
from .account import Account
from .challenge import DomainChallenge
from .config import SETTINGS, Setting
from .context import Context
from .domain import Domain
from .mailbox import Mailbox
from .maildnscheck import MailDnsCheck
from .properties import Prop
from .resource import MailboxOrgResource

__all__ = [
    "PACKAGE",
    "RESOURCES",
    "always_set",
    "config_name",
    "generate",
    "main",
    "output_annotations",
    "render",
    "render_markdown",
    "resource_token",
    "runtime_type",
]

#: The package name in schema tokens and configuration keys.
PACKAGE = "mailboxorg"

#: The resource classes the schema describes, in schema order.
RESOURCES: tuple[type[MailboxOrgResource], ...] = (
    Account,
    Context,
    Domain,
    DomainChallenge,
    Mailbox,
    MailDnsCheck,
)

_SCALARS: Mapping[type, str] = {str: "string", bool: "boolean", int: "integer", float: "number"}


def resource_token(resource: type[MailboxOrgResource]) -> str:
    """The schema token of ``resource``, e.g. ``mailboxorg:index:Domain``."""
    return f"{PACKAGE}:index:{resource._provider_class.kind}"


def runtime_type(resource: type[MailboxOrgResource]) -> str:
    """The type the resource registers with at runtime, e.g. ``pulumi-python:dynamic/mailboxorg:Domain``."""
    return f"pulumi-python:{resource._resource_type_name}"


def always_set(prop: Prop) -> bool:
    """True when the property always has a value in the outputs (listed in the schema's ``required``)."""
    return prop.always_set


def output_annotations(resource: type[MailboxOrgResource]) -> dict[str, Any]:
    """The class-level annotations ``resource`` itself declares, evaluated (``pulumi.Output[...]``)."""
    namespace = vars(sys.modules[resource.__module__])
    own: dict[str, Any] = vars(resource).get("__annotations__", {})
    return {
        name: eval(text, namespace) if isinstance(text, str) else text  # noqa: S307 - our own source
        for name, text in own.items()
    }


def _type_spec(resource: type[MailboxOrgResource], prop: Prop) -> dict[str, Any]:
    if prop.type == "array":
        return {"type": "array", "items": {"type": prop.item}}
    if prop.type == "object":
        return {"type": "object", "additionalProperties": {"type": prop.item}}
    return {"type": prop.type}


def _property_spec(resource: type[MailboxOrgResource], prop: Prop, *, as_input: bool) -> dict[str, Any]:
    spec = _type_spec(resource, prop)
    spec["description"] = prop.description
    if as_input and isinstance(prop.default, (bool, int, float, str)):
        spec["default"] = prop.default
    if prop.secret:
        spec["secret"] = True
    if prop.replace:
        spec["replaceOnChanges"] = True
    return spec


def _resource_spec(resource: type[MailboxOrgResource]) -> dict[str, Any]:
    props = resource._provider_class.props
    inputs = [p for p in props if p.input]
    return {
        "description": inspect.getdoc(resource) or "",
        "properties": {p.wire: _property_spec(resource, p, as_input=False) for p in props},
        "required": sorted(p.wire for p in props if always_set(p)),
        "inputProperties": {p.wire: _property_spec(resource, p, as_input=True) for p in inputs},
        "requiredInputs": sorted(p.wire for p in inputs if p.required),
    }


def _number(text: str | None) -> float | int | None:
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def _config_spec(setting: Setting) -> dict[str, Any]:
    number = _number(setting.default)
    spec: dict[str, Any] = {"type": "number" if number is not None else "string"}
    spec["description"] = setting.description
    if setting.default is not None:
        spec["default"] = number if number is not None else setting.default
    spec["defaultInfo"] = {"environment": [setting.env]}
    if setting.secret:
        spec["secret"] = True
    return spec


def config_name(setting: Setting) -> str:
    """The schema name of a setting: its stack key without the ``mailboxorg:`` namespace."""
    namespace, _, name = setting.key.partition(":")
    if namespace != PACKAGE or not name:
        raise ValueError(f"configuration key {setting.key!r} is not in the {PACKAGE!r} namespace")
    return name


def generate() -> dict[str, Any]:
    """The package schema as a JSON-compatible dict."""
    return {
        "name": PACKAGE,
        "displayName": "mailbox.org",
        "version": __version__,
        "description": (
            "Manage mailbox.org business mail (accounts, contexts, domains, mailboxes) with Pulumi: "
            "Python dynamic providers for the mailbox.org business API, with DNS ownership verification."
        ),
        "keywords": ["pulumi", "mailboxorg", "mailbox.org", "email", "dns", "category/utility"],
        "license": "Apache-2.0",
        "publisher": "pulumi-mailboxorg contributors",
        "meta": {"moduleFormat": "(.*)"},
        "language": {
            "python": {
                "packageName": "pulumi_mailboxorg",
                "requires": {"pulumi": ">=3.272.0,<4.0.0"},
            }
        },
        "config": {"variables": {config_name(s): _config_spec(s) for s in SETTINGS}},
        "resources": {resource_token(r): _resource_spec(r) for r in RESOURCES},
    }


def render() -> str:
    """``schema.json``'s exact text: two-space indented JSON in table order, with a final newline."""
    return json.dumps(generate(), indent=2, ensure_ascii=False) + "\n"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _flags(spec: Mapping[str, Any], required: bool) -> str:
    flags = ["required" if required else "optional"]
    if spec.get("secret"):
        flags.append("secret")
    if spec.get("replaceOnChanges"):
        flags.append("replaces")
    if "default" in spec:
        flags.append(f"default `{json.dumps(spec['default'])}`")
    return ", ".join(flags)


def _type_text(spec: Mapping[str, Any]) -> str:
    if spec["type"] == "array":
        return f"list of {spec['items']['type']}"
    if spec["type"] == "object":
        return f"map of {spec['additionalProperties']['type']}"
    return str(spec["type"])


def render_markdown() -> str:
    """``docs/reference.md``: every resource's inputs and outputs and every setting, from the schema."""
    schema = generate()
    lines = [
        "---",
        "title: mailbox.org resource reference",
        "meta_desc: Every input, output and configuration setting of the mailbox.org resources.",
        "layout: package",
        "---",
        "",
        "<!-- Generated by `python -m pulumi_mailboxorg.schema --markdown > docs/reference.md` from the",
        "     property tables; do not edit (tests/test_schema.py fails when this page is not current). -->",
        "",
        "# Resource reference",
        "",
        "Python names are snake_case (`login_username`); the state, `pulumi preview` diffs and",
        "`schema.json` use the camelCase name. *replaces*: a change replaces the resource. Guides to each",
        "resource: [Resources](resources.md).",
        "",
        "## Provider configuration",
        "",
        "| stack key | environment variable | type | default | description |",
        "|---|---|---|---|---|",
    ]
    for name, spec in schema["config"]["variables"].items():
        default = f"`{spec['default']}`" if "default" in spec else "none"
        secret = " (secret)" if spec.get("secret") else ""
        lines.append(
            f"| `{PACKAGE}:{name}` | `{spec['defaultInfo']['environment'][0]}` | {spec['type']}{secret} "
            f"| {default} | {_cell(spec['description'])} |"
        )
    for resource in RESOURCES:
        token = resource_token(resource)
        spec = schema["resources"][token]
        wire_to_python = {p.wire: p.name for p in resource._provider_class.props}
        lines += ["", f"## {resource.__name__}", "", f"Schema token `{token}`, runtime type "]
        lines[-1] += f"`{runtime_type(resource)}`."
        lines += [
            "",
            "### Inputs",
            "",
            "| Python name | state name | type | flags | description |",
            "|---|---|---|---|---|",
        ]
        for wire, prop in spec["inputProperties"].items():
            flags = _flags(prop, wire in spec["requiredInputs"])
            name, kind, text = wire_to_python[wire], _type_text(prop), _cell(prop["description"])
            lines.append(f"| `{name}` | `{wire}` | {kind} | {flags} | {text} |")
        outputs = {w: p for w, p in spec["properties"].items() if w not in spec["inputProperties"]}
        lines += [
            "",
            "### Outputs",
            "",
            "Every input is also an output. Besides:",
            "",
            "| Python name | state name | type | description |",
            "|---|---|---|---|",
        ]
        for wire, prop in outputs.items():
            lines.append(
                f"| `{wire_to_python[wire]}` | `{wire}` | {_type_text(prop)} | {_cell(prop['description'])} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the schema (or, with ``--markdown``, the reference page) on stdout."""
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--markdown"]):
        sys.stderr.write("usage: python -m pulumi_mailboxorg.schema [--markdown]\n")
        return 2
    sys.stdout.write(render_markdown() if args else render())
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through `python -m`
    raise SystemExit(main())
