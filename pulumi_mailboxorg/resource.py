"""The Python side of every mailbox.org resource: construction like a generated Pulumi SDK.

A resource class names its provider class; construction merges the ``Args`` object with keyword
arguments, wraps secret inputs in ``pulumi.Output.secret`` (so they are secret in the state's
inputs too), lists them in ``additional_secret_outputs``, declares output-only properties, and
translates between Python names (``context_id``) and wire names (``contextId``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import Resource

from .provider import MailboxOrgProvider

__all__ = ["MailboxOrgResource"]


class MailboxOrgResource(Resource):
    """Base class of the public resource classes (Domain, Mailbox, ...)."""

    _provider_class: ClassVar[type[MailboxOrgProvider]]

    def __init__(
        self,
        resource_name: str,
        args: object | None,
        opts: pulumi.ResourceOptions | None,
        kwargs: dict[str, Any],
    ) -> None:
        provider_class = type(self)._provider_class
        values: dict[str, Any] = {}
        if args is not None:
            if dataclasses.is_dataclass(args):
                values.update({f.name: getattr(args, f.name) for f in dataclasses.fields(args)})
            else:
                raise TypeError(f"args must be a {type(self).__name__}Args, got {type(args).__name__}")
        values.update({key: value for key, value in kwargs.items() if value is not None})
        props: dict[str, Any] = {}
        for prop in provider_class.props:
            value = values.get(prop.name) if prop.input else None
            if value is not None and prop.secret:
                value = pulumi.Output.secret(value)
            props[prop.name] = value
        secrets = [prop.name for prop in provider_class.props if prop.secret]
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secrets))
        super().__init__(provider_class(), resource_name, props, opts)

    def translate_output_property(self, prop: str) -> str:
        """Wire name -> Python name."""
        for spec in type(self)._provider_class.props:
            if spec.wire == prop:
                return spec.name
        return prop

    def translate_input_property(self, prop: str) -> str:
        """Python name -> wire name."""
        for spec in type(self)._provider_class.props:
            if spec.name == prop:
                return spec.wire
        return prop
