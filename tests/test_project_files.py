"""Project files: license, metadata, one version, the security policy and the release workflow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import pulumi_mailboxorg

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
#: The repository address (a placeholder until the public home is settled), from ``[project.urls]``.
REPOSITORY = PROJECT["urls"]["Repository"]


def test_the_license_is_apache_2_0_as_an_spdx_expression_with_its_text() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert not any(c.startswith("License ::") for c in PROJECT["classifiers"])  # PEP 639: not both
    requires = PYPROJECT["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(\d+)", r) and int(r.split(">=")[1]) >= 77 for r in requires)


def test_the_version_is_written_once() -> None:
    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"]
    dynamic = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "pulumi_mailboxorg.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", pulumi_mailboxorg.__version__)


def test_the_classifiers_name_the_supported_pythons_and_the_status() -> None:
    classifiers = PROJECT["classifiers"]
    versions = sorted(c.rsplit(" ", 1)[1] for c in classifiers if re.fullmatch(r".*Python :: 3\.\d+", c))
    assert versions == ["3.10", "3.11", "3.12", "3.13"]
    assert PROJECT["requires-python"] == ">=3.10"
    assert any(c.startswith("Development Status ::") for c in classifiers)


def test_the_project_urls_use_one_repository_address() -> None:
    urls = PROJECT["urls"]
    assert {"Homepage", "Documentation", "Repository", "Issues"} <= set(urls)
    assert REPOSITORY.startswith("https://github.com/")
    assert all(url.startswith(REPOSITORY) for url in urls.values())


def test_the_security_policy_says_how_to_report_and_what_is_in_scope() -> None:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    assert "## Reporting a vulnerability" in text and f"{REPOSITORY}/security/advisories/new" in text
    assert "Credentials handling" in text
    assert "The emulator" in text and "local use" in text


def test_the_release_workflow_builds_once_and_publishes_tags_with_trusted_publishing() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    on = workflow[True]  # PyYAML reads the key `on` as a boolean
    assert on == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert any("python -m build" in str(step.get("run", "")) for step in build["steps"])
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    uses = [step.get("uses", "") for step in publish["steps"]]
    assert "pypa/gh-action-pypi-publish@release/v1" in uses
    assert not any("password" in step.get("with", {}) for step in publish["steps"])  # no token
