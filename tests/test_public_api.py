"""The public surface: an explicit, complete ``__all__``, lazy imports, tiny picklable providers."""

from __future__ import annotations

import base64
import inspect
import subprocess
import sys

import pytest
from pulumi.dynamic.dynamic import serialize_provider

import pulumi_mailboxorg

RESOURCES = ("Account", "Context", "Domain", "DomainChallenge", "MailDnsCheck", "Mailbox")


def test_all_lists_exactly_the_public_names_and_each_resolves():
    assert sorted(pulumi_mailboxorg.__all__) == sorted(set(pulumi_mailboxorg.__all__))
    for name in pulumi_mailboxorg.__all__:
        assert getattr(pulumi_mailboxorg, name) is not None
    assert set(dir(pulumi_mailboxorg)) == set(pulumi_mailboxorg.__all__)


def test_every_resource_has_an_args_class_and_a_documented_constructor():
    for name in RESOURCES:
        resource = getattr(pulumi_mailboxorg, name)
        assert getattr(pulumi_mailboxorg, name + "Args") is not None
        assert inspect.getdoc(resource) and inspect.getdoc(resource.__init__)
        parameters = list(inspect.signature(resource.__init__).parameters)
        assert parameters[:4] == ["self", "resource_name", "args", "opts"]


def test_unknown_attributes_raise_attribute_error():
    with pytest.raises(AttributeError, match="NoSuchThing"):
        pulumi_mailboxorg.NoSuchThing  # noqa: B018


def test_importing_the_client_and_the_errors_does_not_import_pulumi():
    code = (
        "import sys, pulumi_mailboxorg, pulumi_mailboxorg.client, pulumi_mailboxorg.errors;"
        "print('pulumi' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_serialized_providers_are_pickled_by_reference_and_tiny():
    for name in RESOURCES:
        provider = getattr(pulumi_mailboxorg, name)._provider_class()
        blob = serialize_provider(provider)
        raw = base64.b64decode(blob)
        assert len(blob) <= 300, (name, len(blob))
        assert type(provider).__module__.encode() in raw  # a reference to the installed class
        assert vars(provider) == {}
