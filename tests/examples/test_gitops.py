"""examples/gitops: DomainChallenge -> DNS record -> Domain -> mailboxes in one run, and its CI workflow."""

from __future__ import annotations

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

PROJECT = "mailboxorg-gitops"
WORKFLOW = EXAMPLES / "gitops" / ".github" / "workflows" / "mail.yml"


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
    assert "pull_request" in jobs[previews[0]]["if"]
    assert "push" in jobs[deploys[0]]["if"] and "refs/heads/main" in jobs[deploys[0]]["if"]
    assert jobs[deploys[0]]["concurrency"]["cancel-in-progress"] is False
    for name in (*previews, *deploys):
        installs = [s for s in jobs[name]["steps"] if "requirements.txt" in str(s.get("run", ""))]
        assert installs, f"job {name} does not install the program's dependencies"
    secrets = set(workflow["env"])
    assert {
        "MAILBOXORG_USERNAME",
        "MAILBOXORG_PASSWORD",
        "PULUMI_ACCESS_TOKEN",
        "CLOUDFLARE_API_TOKEN",
    } <= secrets
