"""The README agrees with the code: configuration table, commands, resources, emulator options, errors.

The troubleshooting table is checked in both directions against the package source: every row's
message fragment occurs in an error message the code can raise, and every error message a user can
meet (``MailboxOrgError`` subclasses and check failures raised by the provider, client, DNS check and
configuration; the input validators' reasons are covered by one generic row) has a row.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest

import pulumi_mailboxorg
from pulumi_mailboxorg import errors
from pulumi_mailboxorg.config import SETTINGS
from pulumi_mailboxorg.emulator.__main__ import build_parser
from pulumi_mailboxorg.resource import MailboxOrgResource

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
RESOURCES = ("Account", "Context", "Domain", "DomainChallenge", "MailDnsCheck", "Mailbox")
#: Modules whose errors reach users (the emulator is a test tool; validators are covered generically).
USER_FACING = (
    "account",
    "challenge",
    "client",
    "config",
    "context",
    "dnscheck",
    "domain",
    "errors",
    "lookups",
    "mailbox",
    "mailcheck",
    "maildns",
    "maildnscheck",
    "objects",
    "provider",
    "runtime",
    "verification",
)
#: Placeholder for a formatted value in a message template.
HOLE = "\0"


def section(title: str) -> str:
    """The text of the README section whose heading is ``title`` (up to the next heading of its level)."""
    match = re.search(rf"^(#+) {re.escape(title)}\n", README, re.MULTILINE)
    assert match, f"README has no section {title!r}"
    level = len(match.group(1))
    rest = README[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def table(text: str) -> list[list[str]]:
    """The rows (cells stripped) of the first Markdown table in ``text``, without header and rule."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]
    return rows[2:]


def code_spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.DOTALL)


# -- configuration -----------------------------------------------------------------------------------


def test_the_configuration_table_lists_every_setting_with_variable_default_and_secrecy():
    rows = table(section("Configuration"))
    assert [code_spans(row[0])[0] for row in rows] == [s.key for s in SETTINGS]
    for row, setting in zip(rows, SETTINGS, strict=True):
        _key, env, default, secret = row
        assert code_spans(env) == [setting.env]
        if setting.default is None:
            assert default.startswith("none"), setting.key
        else:
            assert code_spans(default) == [setting.default], setting.key
        assert secret == ("yes" if setting.secret else "no"), setting.key


# -- commands ------------------------------------------------------------------------------------------


def test_the_quick_start_gives_exactly_the_two_fresh_machine_commands_ci_runs():
    blocks = [block.strip() for block in code_blocks(section("Quick start (fresh machine)"))]
    assert len(blocks) == 2
    install, test = blocks
    assert install.startswith("python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && ")
    assert install.endswith(".venv/bin/mailboxorg-emulator")
    assert test == ".venv/bin/python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m venv .venv" in ci and "-e '.[test]'" in ci and test in ci
    assert 'mailboxorg-emulator = "pulumi_mailboxorg.emulator.__main__:main"' in (
        ROOT / "pyproject.toml"
    ).read_text(encoding="utf-8")


def test_the_schema_command_in_the_readme_is_the_generator_module():
    assert "python -m pulumi_mailboxorg.schema > schema.json" in README
    assert "pulumi-python:dynamic/mailboxorg:Domain" in README and "mailboxorg:index:Domain" in README


def test_every_emulator_option_is_documented():
    documented = set(re.findall(r"`(--[a-z-]+)", section("The emulator (offline runs)")))
    options = {
        option
        for action in build_parser()._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }
    assert options == documented


# -- resources -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", RESOURCES)
def test_each_resource_section_names_its_required_inputs_outputs_and_special_properties(kind):
    text = section(f"`{kind}`")
    cls = getattr(pulumi_mailboxorg, kind)
    assert issubclass(cls, MailboxOrgResource)
    props = cls._provider_class.props
    named = set(re.findall(r"`([a-z_]+)`", text))
    must = {
        p.name
        for p in props
        if (p.required or not p.input or p.replace or p.default is not None)
        and not p.name.startswith("login_")
    }
    assert sorted(must - named) == []
    login = {p.name for p in props if p.name.startswith("login_")}
    if login:
        assert login <= set(re.findall(r"`([a-z_]+)`", section("Resources")))


def test_the_limits_state_the_four_operations_and_the_dns_wait():
    limits = section("Limits")
    assert "at most 4 dynamic-provider operations at once" in limits
    assert "verification_timeout" in limits


def test_the_limits_state_how_the_engine_really_behaves():
    # Each claim is proven through the harness's engine modes (tests/resources/test_engine_costs.py,
    # test_refresh_diff.py, test_refresh_config.py, test_targeted_replace.py, tests/harness/).
    limits = section("Limits")
    for fact in (
        "every later registration of every provider",  # the one-at-a-time registration stall
        "makes every\n  read **twice** and logs in **twice**",  # the preview pass of a refresh
        "logs out (`deauth`) when it exits",  # the exit-time logout
        "pulumi/pulumi#4981",  # refresh/destroy use the config of the last up
        "`delete_before_replace` is set",  # targeted replace
        "`replace_on_changes` has no effect",
        "is still\n  reverted",  # ignore_changes against refreshed drift
        "reported as unchanged",  # output-only drift in a refresh
        "pulumi/pulumi#16175",  # import fails in the host
    ):
        assert fact in limits, fact
    assert "pulumi/pulumi#16175" in section("Adopting existing objects (instead of `pulumi import`)")


def test_the_readme_links_every_example():
    for example in ("quickstart", "gitops", "reseller"):
        assert f"(examples/{example}/README.md)" in README
        assert (ROOT / "examples" / example / "README.md").is_file()


# -- troubleshooting -------------------------------------------------------------------------------------


def _template(node: ast.AST) -> str | None:
    """A message expression as text, with ``HOLE`` for every formatted or computed part."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else HOLE for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        return (left if left is not None else HOLE) + (right if right is not None else HOLE)
    if isinstance(node, ast.Tuple) and node.elts:
        return _template(node.elts[0])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):  # f"...".rstrip()
        return _template(node.func.value)
    return None


def _literal_length(template: str) -> int:
    return len(template.replace(HOLE, "").strip())


def error_templates() -> dict[str, str]:
    """Every user-facing error message of the package as a template, keyed ``module:line``."""
    raisers = {
        name
        for name in dir(errors)
        if isinstance(getattr(errors, name), type)
        and issubclass(getattr(errors, name), errors.MailboxOrgError)
    } | {"CheckFailure"}
    found: dict[str, str] = {}
    for module in USER_FACING:
        path = ROOT / "pulumi_mailboxorg" / f"{module}.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            candidates: list[ast.AST] = []
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in raisers or (module == "errors" and name == "__init__"):
                    candidates = [*node.args, *(k.value for k in node.keywords)]
            elif isinstance(node, ast.Assign):
                target = node.targets[0]
                name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
                if name in ("message", "hint", "args"):
                    candidates = [node.value]
            templates = [t for t in map(_template, candidates) if t is not None]
            if templates:
                best = max(templates, key=_literal_length)
                if _literal_length(best) >= 12:
                    found[f"{module}:{node.lineno}"] = best
    return found


def fragment_matches(fragment: str, template: str) -> bool:
    """``fragment``'s pieces (split at ``...``) occur in order in ``template``'s literal text."""
    position = 0
    for piece in (p.strip() for p in fragment.split("...")):
        index = template.find(piece, position)
        if not piece or index < 0:
            return False
        position = index + len(piece)
    return True


def troubleshooting_fragments() -> list[str]:
    rows = table(section("Troubleshooting"))
    assert rows
    fragments = []
    for row in rows:
        spans = code_spans(row[0])
        assert spans and row[1], row
        fragments.extend(span for span in spans if not span.startswith("<"))  # "<property>: <reason>"
    return fragments


def test_every_troubleshooting_row_quotes_a_message_the_code_can_raise():
    templates = list(error_templates().values())
    unknown = [f for f in troubleshooting_fragments() if not any(fragment_matches(f, t) for t in templates)]
    assert unknown == []


def test_every_error_a_user_can_meet_has_a_troubleshooting_row():
    fragments = troubleshooting_fragments()
    templates = error_templates()
    assert len(templates) > 40  # the collector sees the package's messages
    missing = {
        where: template.replace(HOLE, "…")
        for where, template in templates.items()
        if not any(fragment_matches(f, template) for f in fragments)
    }
    assert missing == {}


def test_the_generic_validation_row_covers_check_failures_named_by_property():
    assert "`<property>: <reason>` during preview" in section("Troubleshooting")


def test_the_readme_shell_snippets_parse():
    for block in code_blocks(README):
        for line in block.replace("\\\n", " ").splitlines():
            shlex.split(line, comments=True)
