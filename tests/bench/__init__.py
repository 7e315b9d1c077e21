"""Performance benchmark of the providers against the emulator (not part of the test suite).

Run it with ``.venv/bin/python tests/bench/run.py`` (see :mod:`bench.run`); only
``test_bench_smoke.py`` is collected by pytest, and it makes no timing assertion.
"""
