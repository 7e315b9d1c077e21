"""The diff a refresh runs (engine >= 3.120 calls Diff after every Read, olds and news inverted).

engine-behaviour.md, "Refresh, import, get": warnings a provider's diff prints appear during refresh
too, and a Diff error fails the refresh.
"""

from __future__ import annotations

import pytest

from harness import HostPool, Op, Stack
from pulumi_mailboxorg.domain import CONTEXT_WARNING
from pulumi_mailboxorg.emulator import Emulator
from resources.engine_programs import ADA, DOMAIN
from resources.support import PROVIDERS, domain, stack_config

# -- (c) the diff a refresh runs warns about nothing it does not do, and never fails -------------------


@pytest.mark.slow
def test_a_refresh_after_an_out_of_band_context_move_warns_about_no_move(
    host_pool: HostPool, emulator: Emulator
) -> None:
    emulator.publish_challenge("acme", DOMAIN)
    stack = Stack(host_pool, config=stack_config(emulator), refresh_diff=True, preview_pass=True)
    stack.up({"d": domain(DOMAIN)})
    first = stack.outputs("d")["contextId"]
    stack.up({"d": domain(DOMAIN, contextId=first)})  # the context is managed now
    emulator.state.call_as("acme", "domain.set", {"domain": DOMAIN, "create_new_context_id": True})
    before = len(stack.stderr_text())

    result = stack.refresh()

    assert result.operations == {"d": Op.UPDATE}  # the drift of an input is reported
    assert stack.outputs("d")["contextId"] != first
    assert CONTEXT_WARNING not in stack.stderr_text()[before:]
    assert [m for m in stack.log_messages() if m.severity == "warning"] == []
    # The next `pulumi up` moves the domain back, and its preview (and the update) say what that costs.
    preview = stack.preview({"d": domain(DOMAIN, contextId=first)})
    assert preview.operations == {"d": Op.UPDATE}
    assert CONTEXT_WARNING in stack.stderr_text()[before:]


@pytest.mark.parametrize("kind", sorted(PROVIDERS))
def test_the_refresh_diff_never_fails_also_for_inputs_without_the_provider_reference(kind: str) -> None:
    # The refresh diff: olds = refreshed outputs, news = the state's inputs, which an older state may
    # hold without `__provider`. Our diff looks at declared inputs only.
    provider = PROVIDERS[kind]()
    outputs = {p.wire: None for p in provider.props}
    inputs = {p.wire: "x" for p in provider.inputs() if p.type == "string"}
    for olds, news in ((outputs, inputs), (inputs, {}), ({}, {}), ({"__provider": "blob"}, outputs)):
        provider.diff("id", dict(olds), dict(news))


def test_a_refresh_reports_a_drift_of_outputs_alone_as_unchanged_and_records_it(
    host_pool: HostPool, emulator: Emulator
) -> None:
    # README, Limits: a drift of an output alone (a Domain's count_mails) is recorded in the state but
    # reported as unchanged, because the refresh diff compares inputs only.
    emulator.publish_challenge("acme", DOMAIN)
    stack = Stack(host_pool, config=stack_config(emulator), refresh_diff=True)
    stack.up({"d": domain(DOMAIN)})
    assert stack.outputs("d")["countMails"] == 0
    emulator.state.call_as(
        "acme",
        "mail.add",
        {
            "mail": ADA,
            "password": "Mail-pass-1",
            "plan": "standard",
            "first_name": "A",
            "last_name": "L",
            "inboxsave": True,
            "forwards": [],
        },
    )
    result = stack.refresh()
    assert result.operations == {"d": Op.SAME}
    assert result.diffs["d"].changes == "none"
    assert stack.outputs("d")["countMails"] == 1
