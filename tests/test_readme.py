"""The README and docs/ agree with the code: configuration, commands, resources, emulator options, errors.

The checks read the README and every page under ``docs/`` as one text (:data:`PAGES`): a section is
found by its heading wherever it lives, so text can move between the README and ``docs/`` and its
checks follow it. The troubleshooting table is checked in both directions against the package
source: every row's message fragment occurs in an error message the code can raise, and every error
message a user can meet (``MailboxOrgError`` subclasses and check failures raised by the provider,
client, DNS check and configuration; the input validators' reasons are covered by one generic row)
has a row.
"""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pulumi_mailboxorg
from pulumi_mailboxorg import errors
from pulumi_mailboxorg.config import SETTINGS
from pulumi_mailboxorg.emulator.__main__ import _nameserver, build_parser
from pulumi_mailboxorg.emulator.publish import build_publish_parser
from pulumi_mailboxorg.resource import MailboxOrgResource

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: Every documentation page by its path relative to the repository root: README.md, then docs/*.md.
PAGES: dict[str, str] = {
    path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
}
README = PAGES["README.md"]
ALL_TEXT = "\n".join(PAGES.values())
#: The repository address of ``[project.urls]`` (a placeholder until the public home is settled).
_REPOSITORY = re.search(
    r'^Repository = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.MULTILINE
)
assert _REPOSITORY is not None, "pyproject.toml has no [project.urls] Repository"
REPOSITORY = _REPOSITORY[1]
RESOURCES = ("Account", "Context", "Domain", "DomainChallenge", "MailDnsCheck", "Mailbox")
#: The most bytes the README may have (the issue: "at most about 10 KB").
README_LIMIT = 10 * 1024
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


def _without_code(text: str) -> str:
    """``text`` with fenced code blocks blanked (a ``# comment`` in a shell block is no heading)."""
    return re.sub(r"^```.*?^```", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.M | re.S)


def section(title: str) -> str:
    """The text of the one section, in the README or a docs/ page, whose heading is ``title``
    (up to the next heading of its level or above)."""
    found = []
    for name, text in PAGES.items():
        plain = _without_code(text)
        for match in re.finditer(rf"^(#+) {re.escape(title)}\n", plain, re.MULTILINE):
            level = len(match.group(1))
            end = re.search(rf"^#{{1,{level}}} ", plain[match.end() :], re.MULTILINE)
            found.append(
                (name, text[match.end() : match.end() + end.start()] if end else text[match.end() :])
            )
    assert found, f"no page has a section {title!r}"
    assert len(found) == 1, f"section {title!r} is in several places: {[name for name, _ in found]}"
    return found[0][1]


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


def test_the_fresh_machine_test_commands_are_the_ones_ci_runs():
    blocks = [block.strip() for block in code_blocks(section("Tests (fresh machine)"))]
    assert blocks == [
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]'",
        ".venv/bin/python -m pytest",
    ]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m venv .venv" in ci and "-e '.[test]'" in ci and blocks[1] in ci
    assert 'mailboxorg-emulator = "pulumi_mailboxorg.emulator.__main__:main"' in (
        ROOT / "pyproject.toml"
    ).read_text(encoding="utf-8")


def test_the_schema_commands_in_the_docs_are_the_generator_module():
    text = section("schema.json and the reference: one source of truth")
    assert "python -m pulumi_mailboxorg.schema > schema.json" in text
    assert "python -m pulumi_mailboxorg.schema --markdown > docs/reference.md" in text
    assert "pulumi-python:dynamic/mailboxorg:Domain" in text and "mailboxorg:index:Domain" in text


def test_every_emulator_option_is_documented():
    documented = set(re.findall(r"`(--[a-z-]+)", section("Running the emulator")))
    options = {
        option
        for action in build_parser()._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }
    assert options == documented


def test_every_publish_option_and_argument_is_documented():
    text = section("Publishing a record (`mailboxorg-emulator publish`)")
    parser = build_publish_parser(_nameserver)
    options = {o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"}
    assert options == set(re.findall(r"`(--[a-z-]+)", text))
    assert "mailboxorg-emulator publish --dns 127.0.0.1:DNSPORT HOST TXT VALUE" in text
    assert "final dot" in text and "error" in text


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
        assert login <= set(re.findall(r"`([a-z_]+)`", PAGES["docs/resources.md"]))


def test_the_limits_state_the_four_operations_and_the_dns_wait():
    limits = section("Limits in detail")
    assert "at most 4 dynamic-provider operations at once" in limits
    assert "verification_timeout" in limits


def test_the_limits_state_how_the_engine_really_behaves():
    # Each claim is proven through the harness's engine modes (tests/resources/test_engine_costs.py,
    # test_refresh_diff.py, test_refresh_config.py, test_targeted_replace.py, tests/harness/).
    limits = section("Limits in detail")
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


def test_the_readme_and_the_index_link_every_example():
    for example in ("quickstart", "gitops", "reseller"):
        link = f"({REPOSITORY}/tree/main/examples/{example})"
        assert link in README and link in PAGES["docs/_index.md"]
        assert (ROOT / "examples" / example / "README.md").is_file()


# -- troubleshooting -------------------------------------------------------------------------------------


def _template(node: ast.AST) -> str | None:
    """A message expression as text, with ``HOLE`` for every formatted or computed part."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else HOLE for v in node.values)
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
                    found[f"{module}:{getattr(node, 'lineno', 0)}"] = best
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
    fragments: list[str] = []
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


def test_the_shell_snippets_parse():
    for block in code_blocks(ALL_TEXT):
        for line in block.replace("\\\n", " ").splitlines():
            shlex.split(line, comments=True)


# -- layout and links ------------------------------------------------------------------------------------


def test_the_readme_is_short():
    assert len(README.encode("utf-8")) <= README_LIMIT


def test_the_readme_says_what_it_is_how_to_install_configure_prove_ownership_and_its_limits():
    headings = re.findall(r"^## (.+)$", _without_code(README), re.MULTILINE)
    for needed in ("Install", "Configure", "Prove domain ownership", "Limits", "Documentation"):
        assert needed in headings
    assert f"pip install 'pulumi-mailboxorg @ git+{REPOSITORY}@main'" in README
    assert "pip install pulumi-mailboxorg" in README  # after a release
    assert "placeholder" in README  # the repository address is one


def test_the_docs_have_the_pulumi_registry_layout():
    for page in ("_index.md", "installation-configuration.md"):
        text = PAGES[f"docs/{page}"]
        front = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
        assert front, f"docs/{page} has no front matter"
        keys = dict(line.split(": ", 1) for line in front.group(1).splitlines())
        assert {"title", "meta_desc", "layout"} <= set(keys), page
    for topic in (
        "resources", "reference", "ownership-and-dns", "mail-dns", "troubleshooting", "emulator",
        "reliability", "performance", "live-tests", "api-guesses", "limits", "plugin", "development",
    ):  # fmt: skip
        assert f"docs/{topic}.md" in PAGES


def test_readme_links_are_absolute_and_point_at_files_that_exist():
    # PyPI renders the README outside the repository: a relative link would 404 there.
    links = re.findall(r"\]\(([^)]+)\)", README)
    assert links
    for link in links:
        assert link.startswith("https://"), link
        if link.startswith(REPOSITORY + "/"):
            kind, branch, *path = link.removeprefix(REPOSITORY + "/").split("#")[0].split("/")
            assert (kind, branch) in (("blob", "main"), ("tree", "main")), link
            assert (ROOT / "/".join(path)).exists(), link


def test_links_between_docs_pages_point_at_pages_and_headings_that_exist():
    for name, text in PAGES.items():
        if name == "README.md":
            continue
        for link in re.findall(r"\]\(([^)]+)\)", text):
            if link.startswith(("https://", "http://")):
                assert not link.startswith(REPOSITORY) or "/main/" in link, (name, link)
                continue
            target, _, anchor = link.partition("#")
            page = f"docs/{target}" if target else name
            assert page in PAGES, (name, link)
            if anchor:
                anchors = {
                    re.sub(r"[^a-z0-9 _-]", "", h.lower()).replace(" ", "-")
                    for h in re.findall(r"^#+ (.+)$", _without_code(PAGES[page]), re.MULTILINE)
                }
                assert anchor in anchors, (name, link)


def test_no_page_tells_a_newcomer_to_install_from_pypi_without_saying_it_is_not_released():
    for name, text in PAGES.items():
        if "pip install pulumi-mailboxorg" in text:
            assert "release" in text, name


def python_snippets() -> dict[str, str]:
    """Every ``python`` code block of the README and docs/, dedented, keyed ``page#n``."""
    return {
        f"{name}#{number}": textwrap.dedent(block)
        for name, text in PAGES.items()
        for number, block in enumerate(re.findall(r"^ *```python\n(.*?)^ *```", text, re.M | re.S))
    }


def test_the_python_snippets_compile():
    snippets = python_snippets()
    assert len(snippets) >= 3
    for where, code in snippets.items():
        compile(code, where, "exec")


@pytest.mark.slow
def test_the_python_snippets_type_check_strictly(tmp_path: Path):
    files = []
    for number, code in enumerate(python_snippets().values()):
        files.append(tmp_path / f"snippet_{number}.py")
        files[-1].write_text(code, encoding="utf-8")
    # pulumi_cloudflare is not installed here: its types are unknown, ours are checked.
    command = [sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports", "--no-incremental"]
    result = subprocess.run([*command, *map(str, files)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout
