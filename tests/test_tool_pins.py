"""The maintainer's tools are pinned once: the test extra and the pre-commit hooks name the same
ruff and mypy, the CI workflow runs `.ci/run` on every supported Python, and `.ci/run` fails on
pytest's "no tests collected"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: pyproject.toml as text (tomllib is Python 3.11+, and the project supports 3.10).
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def extra_pins() -> dict[str, str]:
    """The exact ruff and mypy versions of the test extra."""
    extra = PYPROJECT.split("\ntest = [", 1)[1].split("\n]", 1)[0]
    pins = dict(re.findall(r'"(ruff|mypy)==([^"]+)"', extra))
    assert set(pins) == {"ruff", "mypy"}, "ruff and mypy are pinned exactly in the test extra"
    return pins


@pytest.mark.parametrize("tool", ["ruff", "mypy"])
def test_pre_commit_pins_the_same_ruff_and_mypy_as_the_test_extra(tool: str) -> None:
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    found = set(re.findall(rf'"{tool}==([^"]+)"', config))
    assert found == {extra_pins()[tool]}


def test_mypy_targets_the_lowest_supported_python_and_checks_the_tests() -> None:
    lowest = re.search(r'requires-python = ">=([0-9.]+)"', PYPROJECT)
    assert lowest and f'python_version = "{lowest.group(1)}"' in PYPROJECT
    assert 'files = ["pulumi_mailboxorg", "tests"]' in PYPROJECT


def test_the_workflow_runs_ci_run_on_every_supported_python_the_lowest_pulumi_and_execd_hosts() -> None:
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert 'python: ["3.10", "3.11", "3.12", "3.13"]' in workflow
    assert "run: bash .ci/run" in workflow
    floor = re.search(r'"pulumi>=([0-9.]+),', PYPROJECT)
    assert floor and f'pulumi: "{floor.group(1)}"' in workflow
    # one job starts every provider host by its command instead of the harness's fork server
    assert 'launch: "exec"' in workflow and "HARNESS_LAUNCH: ${{ matrix.launch }}" in workflow


def test_ci_run_fails_on_no_tests_collected_and_swallows_nothing() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in script
    assert '"$status" -eq 5' in script and 'exit "$status"' in script
    assert "|| true" not in script.split("== lint")[1]  # only the pip self-upgrade may fail
