"""The Python side of every mailbox.org resource: construction like a generated Pulumi SDK.

A resource class names its provider class; construction merges the ``Args`` object with keyword
arguments, wraps secret inputs in ``pulumi.Output.secret`` (so they are secret in the state's
inputs too), lists them in ``additional_secret_outputs``, declares output-only properties, and
translates between Python names (``context_id``) and wire names (``contextId``).

Resources whose identity is a unique name on the server (Account, Domain, Mailbox) default the
resource option ``delete_before_replace`` to true unless the user set it. Our diff already answers
delete-before-replace for their replacing properties, but the engine skips the diff for a targeted
replace (``pulumi up --replace URN``, ``pulumi state taint``) and then replaces create-before-delete
unless the *option* says otherwise: the replacement's create would meet the existing object (and,
with ``adopt``, take it over, after which the old resource's delete removes it while the state
records it). With the option, the old object is deleted first and the replacement created after,
so the object in the state always exists. Context and DomainChallenge keep create-before-delete: a
Context's delete changes nothing on the server and its create reuses the context the domains are
in, and a DomainChallenge's delete only drops it from the stack.
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
        defaults = pulumi.ResourceOptions(additional_secret_outputs=secrets)
        if provider_class.unique_name and (opts is None or opts.delete_before_replace is None):
            defaults.delete_before_replace = True
        opts = pulumi.ResourceOptions.merge(opts, defaults)
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
