"""Declarative description of resource properties: the one source of truth.

Each resource declares a tuple of :class:`Prop`. From it come the provider's ``check`` (types,
validation, unknown properties), ``diff`` (replace versus update, ignored properties), the Python
resource class's name translation and secret marking, and ``schema.json``.

Names: ``name`` is the Python (snake_case) name users write; ``wire`` is the camelCase name used in
the Pulumi state, the engine's diffs and schema.json, as in every generated Pulumi provider.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Prop", "PropType", "camel", "find", "input_annotation", "output_annotation"]

PropType = Literal["string", "boolean", "integer", "array", "object"]


@functools.cache  # called for every property of every operation: hundreds of times per call
def camel(name: str) -> str:
    """``context_id`` -> ``contextId``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Prop:
    """One property of a resource.

    :param name: Python name (snake_case).
    :param type: schema type; arrays are arrays of strings, objects map strings to scalars.
    :param description: one or two sentences for docs and schema.json.
    :param required: a required input.
    :param secret: kept secret in inputs, outputs and logs.
    :param input: users may set it (False: output only).
    :param replace: a change forces replacement (delete before replace).
    :param diffed: False for inputs that only steer the provider (e.g. ``adopt``): never an update.
    :param computed: when the input is unset, the output is the server's value and no diff arises.
    :param as_set: an array compared as a set (order and duplicates do not matter).
    :param api: the API parameter name when it differs from ``name`` (None: same name).
    :param sendable: sent to the API's add/set methods (False for provider-only inputs).
    :param validate: canonicaliser: returns the canonical value or raises ValueError.
    :param default: the value assumed when the input is unset (None: no default).
    :param item: the type of an array's items or of an object's values.
    """

    name: str
    type: PropType
    description: str
    required: bool = False
    secret: bool = False
    input: bool = True
    replace: bool = False
    diffed: bool = True
    computed: bool = False
    as_set: bool = False
    api: str | None = None
    sendable: bool = True
    validate: Callable[[Any], Any] | None = None
    default: Any = None
    item: Literal["string", "integer"] = "string"

    # Both names are read for every property of every operation (a few hundred times per create):
    # computed once per Prop and kept in its __dict__ (cached_property writes there directly, so
    # this works on a frozen dataclass; eq, hash and repr use the fields alone).
    @functools.cached_property
    def wire(self) -> str:
        """The camelCase name used in the state, diffs and schema.json."""
        return camel(self.name)

    @property
    def always_set(self) -> bool:
        """True when the property always has a value in the outputs (schema ``required``)."""
        return self.required or self.default is not None or self.computed or not self.input

    @functools.cached_property
    def api_name(self) -> str:
        """The API parameter name."""
        return self.api or self.name


_PYTHON = {"string": "str", "boolean": "bool", "integer": "int"}


def _value_type(prop: Prop, item: Callable[[str], str]) -> str:
    """The value's Python type, ``item`` wrapping the type of an array's items or a map's values."""
    if prop.type == "array":
        return f"Sequence[{item(_PYTHON[prop.item])}]"
    if prop.type == "object":
        return f"Mapping[str, {item(_PYTHON[prop.item])}]"
    return _PYTHON[prop.type]


def input_annotation(prop: Prop) -> str:
    """The Python type of an input, as generated Pulumi SDKs write it (``Args`` fields, keywords)."""
    inner = _value_type(prop, lambda t: f"pulumi.Input[{t}]")
    return f"pulumi.Input[{inner}]" if prop.required else f"pulumi.Input[{inner}] | None"


def output_annotation(prop: Prop) -> str:
    """The Python type of an output attribute (``pulumi.Output[T]``; ``T | None`` when it may be unset)."""
    inner = _value_type(prop, lambda t: t)
    return f"pulumi.Output[{inner}]" if prop.always_set else f"pulumi.Output[{inner} | None]"


def find(props: Iterable[Prop], name: str) -> Prop:
    """The property whose Python or wire name is ``name``."""
    for prop in props:
        if name in (prop.name, prop.wire):
            return prop
    raise KeyError(name)
