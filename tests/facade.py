"""The typed Python facade of each resource, rendered from its property table.

Each resource module holds, by hand, what a generated Pulumi SDK would: an ``*Args`` dataclass, the
resource class's ``pulumi.Output`` annotations and an ``__init__`` taking ``args``, ``opts`` (both also
positionally) and one keyword per input, each documented. This module renders that code from the
property table (``Prop``), with the conventions of generated SDKs (``Input[Sequence[Input[str]]]``,
``Input[Mapping[str, Input[int]]]``); ``tests/test_facade.py`` fails when a module differs, and

    python tests/facade.py --write

rewrites the modules from the tables.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

from pulumi_mailboxorg.properties import Prop, input_annotation, output_annotation
from pulumi_mailboxorg.resource import MailboxOrgResource
from pulumi_mailboxorg.schema import RESOURCES

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 110


def _doc(text: str, indent: str) -> list[str]:
    """A docstring body wrapped to the line length."""
    return textwrap.wrap(text, WIDTH - len(indent) - 3, break_on_hyphens=False) or [""]


def _params(props: list[Prop], indent: str) -> list[str]:
    lines: list[str] = []
    for prop in props:
        wrapped = textwrap.wrap(
            f":param {prop.name}: {prop.description}",
            WIDTH - len(indent),
            subsequent_indent="    ",
            break_on_hyphens=False,
        )
        lines.extend(indent + line for line in wrapped)
    return lines


def render_args(resource: type[MailboxOrgResource]) -> str:
    """The ``*Args`` dataclass: required inputs first (table order), then the optional ones."""
    kind = resource._provider_class.kind
    inputs = [p for p in resource._provider_class.props if p.input]
    ordered = [p for p in inputs if p.required] + [p for p in inputs if not p.required]
    lines = ["@dataclass", f"class {kind}Args:", f'    """The arguments of :class:`{kind}`.', ""]
    lines += _params(ordered, "    ")
    lines.append('    """')
    lines.append("")
    for prop in ordered:
        default = "" if prop.required else " = None"
        lines.append(f"    {prop.name}: {input_annotation(prop)}{default}")
    return "\n".join(lines) + "\n"


def render_outputs(resource: type[MailboxOrgResource]) -> str:
    """The class body's output annotations, each with the property's description."""
    lines: list[str] = []
    for prop in resource._provider_class.props:
        lines.append(f"    {prop.name}: {output_annotation(prop)}")
        body = _doc(prop.description, "    ")
        if len(body) == 1:
            lines.append(f'    """{body[0]}"""')
        else:
            lines.append(f'    """{body[0]}')
            lines += [f"    {line}" for line in body[1:]]
            lines.append('    """')
    return "\n".join(lines) + "\n"


def render_init(resource: type[MailboxOrgResource]) -> str:
    """``__init__``: ``args`` and ``opts`` positional too, then one keyword per input."""
    kind = resource._provider_class.kind
    inputs = [p for p in resource._provider_class.props if p.input]
    lines = [
        "    def __init__(",
        "        self,",
        "        resource_name: str,",
        f"        args: {kind}Args | None = None,",
        "        opts: pulumi.ResourceOptions | None = None,",
        "        *,",
    ]
    for prop in inputs:
        annotation = input_annotation(prop).removesuffix(" | None")
        lines.append(f"        {prop.name}: {annotation} | None = None,")
    lines += [
        "    ) -> None:",
        f'        """Declare a {kind}: pass a :class:`{kind}Args`, or the same values as keywords.',
        "",
        "        :param resource_name: The name of the resource in the stack.",
        f"        :param args: The inputs as a :class:`{kind}Args`.",
        "        :param opts: Options of the resource.",
    ]
    lines += _params(inputs, "        ")
    lines.append('        """')
    lines.append("        super().__init__(")
    lines.append("            resource_name,")
    lines.append("            args,")
    lines.append("            opts,")
    lines.append("            {")
    lines += [f'                "{prop.name}": {prop.name},' for prop in inputs]
    lines.append("            },")
    lines.append("        )")
    return "\n".join(lines) + "\n"


def _module_path(resource: type[MailboxOrgResource]) -> Path:
    return ROOT / (resource.__module__.replace(".", "/") + ".py")


_ARGS = r"@dataclass\nclass {kind}Args:\n.*?(?=\n\nclass {kind}\()"
_OUTPUTS = r"(    _provider_class = \w+\n\n)(.*?)(?=\n    def __init__\()"
_INIT = r"    def __init__\(\n        self,\n        resource_name: str,.*\Z"


def expected(resource: type[MailboxOrgResource], source: str) -> str:
    """``source`` (the module's text) with its facade rendered anew from the property table."""
    kind = resource._provider_class.kind
    source, n_args = re.subn(
        _ARGS.format(kind=kind), lambda _m: render_args(resource).rstrip("\n") + "\n", source, flags=re.S
    )
    source, n_outputs = re.subn(
        _OUTPUTS, lambda m: m.group(1) + render_outputs(resource), source, count=1, flags=re.S
    )
    source, n_init = re.subn(_INIT, lambda _m: render_init(resource), source, flags=re.S)
    if (n_args, n_outputs, n_init) != (1, 1, 1):
        raise ValueError(f"{kind}: facade sections not found ({n_args}, {n_outputs}, {n_init})")
    return source


def main(argv: list[str]) -> int:
    write = "--write" in argv
    stale = []
    for resource in RESOURCES:
        path = _module_path(resource)
        source = path.read_text(encoding="utf-8")
        rendered = expected(resource, source)
        if rendered != source:
            stale.append(path.name)
            if write:
                path.write_text(rendered, encoding="utf-8")
    print(("rewrote: " if write else "stale: ") + (", ".join(stale) or "none"))
    return 0 if write or not stale else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
