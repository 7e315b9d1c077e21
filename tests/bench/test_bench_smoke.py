"""The benchmark still runs: N=2, no latency, short DNS timings, one import run (no timing assertions).

The benchmark itself is ``.venv/bin/python tests/bench/run.py`` (see ``tests/bench/run.py``).
"""

from __future__ import annotations

import pytest

from bench.measure import BenchConfig, run_benchmark


@pytest.mark.slow
def test_the_benchmark_runs_and_reports_every_measure() -> None:
    config = BenchConfig(
        sizes=(2,),
        latency_ms=0.0,
        dns_poll_interval=0.2,
        negative_ttl=1,
        publish_after=0.3,
        import_runs=1,
        repeats=1,
    )
    report = run_benchmark(config)
    text = report.render()
    calls = report.section("API calls per operation (per resource) and logins per deployment")
    assert [row[0] for row in calls.rows] == [
        "Account",
        "Account, force_destroy",
        "Domain",
        "Mailbox",
        "Mailbox with an alias",
    ]
    assert all(row[1] == "2" for row in calls.rows)
    for title in (
        "Wall time: create N mailboxes with 4 operations in flight",
        "DNS detection latency: TXT record published -> domain.add retried",
        "Mail DNS check: last record published -> MailDnsCheck done",
        "Serialized provider per resource (the `__provider` value kept in the state)",
        "Import time (fresh interpreter per run, median of 1)",
        "Refresh of N mailboxes of one domain: API calls",
        "Wall time: create N mailboxes through the native plugin with 16 operations in flight",
    ):
        assert report.section(title).rows, title
        assert title in text
    assert "Targets met:" in text
