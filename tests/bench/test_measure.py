"""The benchmark's verdicts: which target each row is held to (pure logic, no timing)."""

from __future__ import annotations

from collections import Counter

from bench.measure import BenchConfig, ParallelResult, PhaseCount, parallel_section


def _result(n: int, wall: float) -> ParallelResult:
    return ParallelResult(n, create_runs=[wall], bare_runs=[wall], rtt_runs=[0.05], host_cpu_runs=[0.002])


def test_a_size_whose_floor_is_above_the_target_is_held_to_1_25x_the_floor() -> None:
    # N=10 at 50 ms: ideal 125 ms, floor (3 rounds + login) 200 ms = 1.6x the ideal.
    section = parallel_section([_result(10, 0.246), _result(10, 0.254)], BenchConfig())
    (met, met_ok), (missed, missed_ok) = section.verdicts
    assert met_ok and "1.23x the floor" in met
    assert not missed_ok and "1.27x the floor" in missed
    assert "floor = 1.60x ideal" in section.rows[0][6]


def test_a_size_whose_floor_is_within_the_target_is_held_to_1_25x_the_ideal() -> None:
    # N=100 at 50 ms: ideal 1250 ms, floor 1300 ms = 1.04x the ideal.
    section = parallel_section([_result(100, 1.5), _result(100, 1.6)], BenchConfig())
    assert [ok for _, ok in section.verdicts] == [True, False]
    assert "1.20x ideal" in section.verdicts[0][0]
    assert "1.28x ideal" in section.verdicts[1][0]


def test_only_mutating_calls_count_against_the_create_update_delete_target() -> None:
    domain_create = PhaseCount(Counter({"domain.add": 10, "domain.list": 10}), logins=1)
    assert domain_create.mutating_per_resource(10) == 1
    assert domain_create.per_resource(10) == 2
    refresh = PhaseCount(Counter({"mail.get": 1, "mail.list": 1}), logins=1)
    assert refresh.mutating_per_resource(10) == 0
