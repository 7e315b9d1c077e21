"""Run the benchmark and print its table.

Command (from the repository root)::

    .venv/bin/python tests/bench/run.py                # N = 10 and 100, 50 ms latency (~3-4 min)
    .venv/bin/python tests/bench/run.py --sizes 10 --latency-ms 20

Not a test: pytest collects only ``test_*.py`` files, and this one is not run in CI. Options are
listed by ``--help``; the measurements are described in :mod:`bench.measure`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100], metavar="N", help="values of N")
    parser.add_argument(
        "--latency-ms", type=float, default=50.0, help="latency the emulator adds per request"
    )
    parser.add_argument("--dns-poll", type=float, default=2.0, help="mailboxorg:dnsPollInterval, seconds")
    parser.add_argument("--negative-ttl", type=int, default=20, help="SOA minimum of the DNS test zone")
    parser.add_argument(
        "--plugin-concurrency", type=int, default=16, help="operations in flight through the native plugin"
    )
    parser.add_argument("--import-runs", type=int, default=7, help="fresh interpreters per import measure")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, run the benchmark, print the report; 0 when every target is met, else 1."""
    args = _parser().parse_args(argv)
    tests_dir = str(Path(__file__).resolve().parents[1])
    if tests_dir not in sys.path:
        sys.path.insert(0, tests_dir)
    from bench.measure import BenchConfig, run_benchmark

    config = BenchConfig(
        sizes=tuple(args.sizes),
        latency_ms=args.latency_ms,
        dns_poll_interval=args.dns_poll,
        negative_ttl=args.negative_ttl,
        import_runs=args.import_runs,
        plugin_concurrency=args.plugin_concurrency,
    )
    report = run_benchmark(config, progress=lambda text: print(text, file=sys.stderr, flush=True))
    print(report.render())
    return 0 if all(ok for _, ok in report.verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
