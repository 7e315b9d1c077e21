"""examples/gitops: DomainChallenge -> DNS record -> Domain -> mailboxes in one run, and its CI workflow."""

from __future__ import annotations

import re
import sys

import pytest
import yaml

from examples.support import (
    CLOUDFLARE_RECORD,
    EXAMPLES,
    DnsRecordHandler,
    assert_schema_outputs,
    cloudflare_stub,
    program,
    stack_file,
)
from harness import HostPool, ProgramStack, Secret
from pulumi_mailboxorg import mail_dns_records
from pulumi_mailboxorg.emulator import Emulator
from resources.support import stack_config

#: End-to-end flows: every provider host is started by its command, as the engine starts it.
pytestmark = pytest.mark.exec_hosts

PROJECT = "mailboxorg-gitops"
WORKFLOW = EXAMPLES / "gitops" / ".github" / "workflows" / "mail.yml"


@pytest.mark.slow
def test_gitops_publishes_the_challenge_through_the_dns_provider_and_deploys_in_one_run(
    host_pool: HostPool, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pulumi_cloudflare", cloudflare_stub())
    config = {
        **stack_file("gitops", "prod"),
        **stack_config(emulator),  # the test's emulator and login replace the stack file's
        f"{PROJECT}:account": "acme",
        f"{PROJECT}:domainPassword": Secret("Gitops-Domain-1"),
        f"{PROJECT}:mailboxPassword": Secret("Gitops-Mail-1"),
    }
    domain = config[f"{PROJECT}:domain"]
    records = DnsRecordHandler(emulator, zone=domain)
    stack = ProgramStack(
        host_pool,
        config=config,
        project=PROJECT,
        schedule="concurrent",
        handlers={CLOUDFLARE_RECORD: records},
    )

    run = stack.up(program("gitops"))

    host, txt = emulator.challenge("acme", domain)
    published = list(records.records.values())
    mail = mail_dns_records(domain, dmarc_report=f"postmaster@{domain}")
    assert (host, txt) in published and len(published) == 1 + len(mail)
    assert run.outputs["ownershipRecord"] == host
    assert run.outputs["mailDnsReady"] is True
    assert stack.resource("mail-dns").outputs["statuses"] == {r.line: "ok" for r in mail}
    assert run.outputs["mailboxes"] == [f"info@{domain}", f"grace@{domain}"]
    order = [step.name for step in run.steps]
    assert order.index("ownership") < order.index("mailboxorg-ownership") < order.index("domain")
    assert order.index("domain") < order.index("info") and order.index("domain") < order.index("grace")
    assert all(
        order.index(name) < order.index("mail-dns")
        for name in order
        if name.startswith("mail-") and name != "mail-dns"
    )
    assert order.index("domain") < order.index("mail-dns") < order.index("info")
    assert order.index("mail-dns") < order.index("grace")
    snapshot = emulator.state.snapshot()
    assert snapshot["domains"][domain]["account"] == "acme"
    assert snapshot["mails"][f"grace@{domain}"]["aliases"] == [f"g.hopper@{domain}"]
    assert snapshot["mails"][f"grace@{domain}"]["plan"] == "premium"
    assert stack.resource("domain").outputs["verificationTxt"] in ("", txt)
    assert_schema_outputs(stack)

    assert set(stack.up(program("gitops")).operations.values()) == {"same"}
    calls_before = sum(emulator.calls.values())
    assert set(stack.preview(program("gitops")).operations.values()) == {"same"}
    assert sum(emulator.calls.values()) == calls_before  # preview does not call the API

    stack.destroy()
    snapshot = emulator.state.snapshot()
    assert snapshot["domains"] == {} and snapshot["mails"] == {}
    assert records.records == {}
    assert emulator.dns_server.records(host, "TXT") == []


def load_workflow() -> dict:
    # PyYAML reads the key `on` as the boolean True (YAML 1.1); GitHub reads it as "on".
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)
    return data


def pulumi_steps(job: dict) -> list[dict]:
    return [step for step in job["steps"] if str(step.get("uses", "")).startswith("pulumi/actions@")]


def test_the_gitops_workflow_previews_pull_requests_and_deploys_the_main_branch() -> None:
    workflow = load_workflow()
    assert set(workflow["on"]) == {"pull_request", "push"}
    assert workflow["on"]["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]

    previews = [
        name
        for name, job in jobs.items()
        if any(s["with"]["command"] == "preview" for s in pulumi_steps(job))
    ]
    deploys = [
        name for name, job in jobs.items() if any(s["with"]["command"] == "up" for s in pulumi_steps(job))
    ]
    assert len(previews) == 1 and len(deploys) == 1
    preview, deploy = jobs[previews[0]], jobs[deploys[0]]
    assert "pull_request" in preview["if"]
    # Fork pull requests get no secrets: their previews are skipped instead of failing.
    assert "github.event.pull_request.head.repo.full_name == github.repository" in preview["if"]
    assert "push" in deploy["if"] and "refs/heads/main" in deploy["if"]
    assert deploy["environment"] == "production"  # the deploy runs behind a GitHub Environment
    assert deploy["concurrency"]["cancel-in-progress"] is False
    for job in (preview, deploy):
        installs = [s for s in job["steps"] if "requirements.txt" in str(s.get("run", ""))]
        assert installs, "a job does not install the program's dependencies"


def test_the_gitops_workflow_gives_secrets_only_to_the_steps_that_need_them() -> None:
    workflow = load_workflow()
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "secrets." not in yaml.safe_dump(workflow.get("env", {}))
    for name, job in workflow["jobs"].items():
        assert "env" not in job, name
        for step in job["steps"]:
            env = step.get("env", {})
            if not str(step.get("uses", "")).startswith("pulumi/actions@"):
                assert env == {} and "secrets." not in yaml.safe_dump(step), (name, step)
    preview = next(j for j in workflow["jobs"].values() if pulumi_steps(j)[0]["with"]["command"] == "preview")
    deploy = next(j for j in workflow["jobs"].values() if pulumi_steps(j)[0]["with"]["command"] == "up")
    # A preview makes no mailbox.org API call (check and diff only): it gets no mailbox.org login.
    assert set(pulumi_steps(preview)[0]["env"]) == {"PULUMI_ACCESS_TOKEN", "CLOUDFLARE_API_TOKEN"}
    assert set(pulumi_steps(deploy)[0]["env"]) == {
        "PULUMI_ACCESS_TOKEN",
        "CLOUDFLARE_API_TOKEN",
        "MAILBOXORG_USERNAME",
        "MAILBOXORG_PASSWORD",
    }
    assert text.count("secrets.MAILBOXORG_PASSWORD") == 1


def test_the_gitops_workflow_uses_current_action_majors_and_a_pinned_pulumi_cli() -> None:
    workflow = load_workflow()
    uses = {step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step}
    assert uses == {"actions/checkout@v5", "actions/setup-python@v6", "pulumi/actions@v6"}
    version = workflow["env"]["PULUMI_VERSION"]
    assert re.fullmatch(r"3\.\d+\.\d+", version)
    for job in workflow["jobs"].values():
        assert pulumi_steps(job)[0]["with"]["pulumi-version"] == "${{ env.PULUMI_VERSION }}"
