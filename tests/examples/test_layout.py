"""Every example is a complete Pulumi Python project whose README documents its configuration."""

from __future__ import annotations

import re

import pytest
import yaml

from examples.support import EXAMPLES

EXAMPLE_NAMES = ("quickstart", "gitops", "reseller")
CONFIG_READ = re.compile(r"config\.(?:require|get)(?:_secret|_object|_int|_bool)?\(\s*\"([A-Za-z]+)\"")


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_an_example_has_a_project_file_requirements_a_program_and_a_readme(example: str) -> None:
    folder = EXAMPLES / example
    for name in ("Pulumi.yaml", "requirements.txt", "__main__.py", "README.md"):
        assert (folder / name).is_file(), f"examples/{example}/{name} is missing"
    project = yaml.safe_load((folder / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert project["name"] == f"mailboxorg-{example}"
    assert project["runtime"]["name"] == "python"
    lines = (folder / "requirements.txt").read_text(encoding="utf-8").splitlines()
    requirements = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert any(line.startswith("pulumi>=") for line in requirements)
    # Until a release is on PyPI, the package comes from the checkout (pip resolves the path from the
    # example's folder, where `pulumi up` installs the requirements), so a clone runs as written.
    assert "-e ../.." in requirements
    assert (folder / "../.." / "pyproject.toml").resolve() == EXAMPLES.parent / "pyproject.toml"
    assert not any(line.startswith("pulumi-mailboxorg") for line in requirements)
    comments = "\n".join(line for line in lines if line.startswith("#"))
    assert "pulumi-mailboxorg @ git+https://github.com/" in comments  # what a project elsewhere uses
    assert "pulumi-mailboxorg>=0.1,<0.2" in comments  # and after a release
    source = (folder / "__main__.py").read_text(encoding="utf-8")
    compile(source, str(folder / "__main__.py"), "exec")


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_an_example_readme_names_every_config_key_its_program_reads(example: str) -> None:
    source = (EXAMPLES / example / "__main__.py").read_text(encoding="utf-8")
    readme = (EXAMPLES / example / "README.md").read_text(encoding="utf-8")
    keys = set(CONFIG_READ.findall(source))
    assert keys
    assert sorted(key for key in keys if f"`{key}`" not in readme and f" {key} " not in readme) == []


def test_the_gitops_example_depends_on_the_cloudflare_sdk() -> None:
    requirements = (EXAMPLES / "gitops" / "requirements.txt").read_text(encoding="utf-8")
    assert "pulumi-cloudflare>=6" in requirements
