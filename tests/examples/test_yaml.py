"""The Pulumi YAML example (``examples/yaml``) uses the native plugin's schema exactly."""

from __future__ import annotations

import json
import re

import yaml

from examples.support import EXAMPLES

SCHEMA = json.loads((EXAMPLES.parent / "schema.json").read_text(encoding="utf-8"))


def _program() -> dict:
    return yaml.safe_load((EXAMPLES / "yaml" / "Pulumi.yaml").read_text(encoding="utf-8"))


def test_the_yaml_example_is_a_yaml_program_declaring_a_domain_by_its_schema_token():
    program = _program()
    assert program["runtime"] == "yaml"
    types = {spec["type"] for spec in program["resources"].values()}
    assert "mailboxorg:index:Domain" in types
    assert types <= set(SCHEMA["resources"])


def test_the_yaml_example_sets_only_input_properties_and_every_required_one():
    for name, spec in _program()["resources"].items():
        resource = SCHEMA["resources"][spec["type"]]
        props = set(spec.get("properties", {}))
        assert props <= set(resource["inputProperties"]), name
        assert set(resource["requiredInputs"]) <= props, name


def test_the_yaml_example_declares_every_config_value_it_reads():
    program = _program()
    text = (EXAMPLES / "yaml" / "Pulumi.yaml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Za-z]+)\}", text)) - set(program["resources"])
    assert used <= set(program["config"])
    for key in program["config"]:
        assert f"pulumi config set {key}" in text or f"pulumi config set --secret {key}" in text
