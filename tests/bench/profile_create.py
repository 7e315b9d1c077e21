"""CPU profile of the Mailbox create path and of the bare client, in-process (not a test).

Command (from the repository root)::

    .venv/bin/python tests/bench/profile_create.py                  # both, 200 creates each
    .venv/bin/python tests/bench/profile_create.py --mode provider --count 500 --top 40
    .venv/bin/python tests/bench/profile_create.py --no-profile     # CPU figures only

What it measures: ``MailboxProvider().create`` (``--mode provider``) and ``MailboxOrgClient.call
("mail.add", ...)`` (``--mode client``), ``--count`` times each, sequentially on the main thread,
against the emulator with no latency. The emulator runs in a child process, so this process's CPU
time (``time.process_time``: every thread, the client's helper threads included) is the client side
alone. Check runs before the measured window, as in the benchmark (``tests/bench/measure.py``);
``--wire`` adds what the dynamic-provider host does around each Create (the SDK's property
(de)serialization and its event loop), so the figure approaches the host's CPU per create.

``--opcodes`` also counts the Python bytecodes executed per operation, by owner of the code (this
package, requests, urllib3, pulumi, the stdlib): exact and repeatable where CPU time on a shared
machine is not, so the figure to compare for a change of pure-Python code.

Printed: CPU ms per operation without the profiler (the figure to compare: the best of ``--repeat``
batches, since a loaded machine only ever adds), then, for one more batch
run under cProfile, the top ``--top`` functions by cumulative and by total (own) time. The emulator
counts the calls it received; they are printed too (auth 1, mail.add = count x batches).

It imports ``pulumi_mailboxorg`` from ``sys.path`` (the checkout, when run from the root), so the
same script measures another checkout: ``PYTHONPATH=/tmp/old .venv/bin/python
tests/bench/profile_create.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import multiprocessing
import pstats
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from types import FrameType
from typing import Any

ACME = ("acme", "acme-pass", "account")
DOMAIN = "bench.example"


def _emulator(conn: Connection, latency_ms: float) -> None:
    """Child process: an emulator with acme and its domain; reports its endpoint, then its calls."""
    from pulumi_mailboxorg.emulator import Emulator

    with Emulator(accounts=[("reseller", "reseller-pass", "reseller"), ACME]) as emu:
        emu.publish_challenge("acme", DOMAIN)
        emu.state.call_as("acme", "domain.add", {"account": "acme", "domain": DOMAIN, "password": "dp-1"})
        emu.reset_counters()
        emu.set_latency(latency_ms)
        conn.send((emu.endpoint, emu.dns))
        conn.recv()  # stop
        conn.send(dict(emu.calls))


def _props(i: int) -> dict[str, Any]:
    return {
        "mail": f"user{i}@{DOMAIN}",
        "password": "Mail-pass-1",
        "plan": "standard",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "memo": "a",
    }


#: A batch: given the first index and a count, prepare the operations (unmeasured: Check, the
#: wire form of the inputs) and return them, each a thunk to run in the measured window.
Batch = Callable[[int, int], list[Callable[[], object]]]


def _run(operations: list[Callable[[], object]], threads: int) -> None:
    if threads <= 1:
        for operation in operations:
            operation()
        return
    with ThreadPoolExecutor(threads) as workers:
        list(workers.map(lambda operation: operation(), operations))


def _measure(label: str, batch: Batch, count: int, args: argparse.Namespace) -> None:
    """Warm up, then one unprofiled and (unless --no-profile) one profiled batch of ``count``."""
    start = 0
    _run(batch(start, args.warmup), args.threads)
    start += args.warmup
    cpus: list[float] = []
    walls: list[float] = []
    for _ in range(args.repeat):
        operations = batch(start, count)
        start += count
        cpu, wall = time.process_time(), time.perf_counter()
        _run(operations, args.threads)
        cpus.append((time.process_time() - cpu) / count * 1000)
        walls.append((time.perf_counter() - wall) / count * 1000)
    print(f"\n=== {label}: {count} operations, {args.threads} in flight, {args.latency_ms:g} ms latency")
    print(
        f"CPU per operation: {min(cpus):.3f} ms (best of {args.repeat}; median "
        f"{statistics.median(cpus):.3f}; wall {min(walls):.3f} ms)"
    )
    if args.opcodes:
        _count_opcodes(batch(start, count), count)
        start += count
    if args.no_profile:
        return
    operations = batch(start, count)
    # CPU time, not wall time: a recv waiting for the emulator costs nothing here. Only the main
    # thread is profiled, so the profiled batch runs sequentially.
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    _run(operations, 1)
    profile.disable()
    if args.dump:
        profile.dump_stats(f"{args.dump}.{label.split()[0]}.prof")
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(key).print_stats(args.top)
        text = out.getvalue()
        print(f"--- top {args.top} by {key} (CPU seconds for {count} operations, profiler overhead included)")
        print(text[text.find("   ncalls") :].rstrip())


def _owner(filename: str) -> str:
    """Who wrote the code in ``filename``: this package, a third-party package, or the stdlib."""
    path = filename.replace("\\", "/")
    for name in ("pulumi_mailboxorg", "requests", "urllib3", "pulumi", "grpc", "google"):
        if f"/{name}/" in path:
            return name
    return "profile script" if path.endswith("profile_create.py") else "stdlib and others"


def _count_opcodes(operations: list[Callable[[], object]], count: int) -> None:
    """Python bytecodes executed per operation, by owner of the code (main thread, sequential).

    Deterministic where CPU time is not (a shared machine): the figure to compare for pure-Python
    changes. Code in C (json, sockets, locks) counts only as the bytecodes around its call.
    """
    counts: Counter[str] = Counter()
    functions: defaultdict[str, Counter[str]] = defaultdict(Counter)
    owners: dict[str, str] = {}

    def local(frame: FrameType, event: str, arg: object) -> Any:
        if event == "opcode":
            code = frame.f_code
            owner = owners.get(code.co_filename)
            if owner is None:
                owner = owners[code.co_filename] = _owner(code.co_filename)
            counts[owner] += 1
            name = code.co_filename.rsplit("/", 1)[-1]
            functions[owner][f"{name}:{code.co_firstlineno}({code.co_name})"] += 1
        return local

    def start(frame: FrameType, event: str, arg: object) -> Any:
        frame.f_trace_opcodes = True
        return local

    sys.settrace(start)
    try:
        _run(operations, 1)
    finally:
        sys.settrace(None)
    total = sum(counts.values())
    parts = ", ".join(f"{owner} {n / count:.0f}" for owner, n in counts.most_common())
    print(f"Python bytecodes per operation: {total / count:.0f} ({parts})")
    for owner in ("pulumi_mailboxorg", "stdlib and others"):
        print(f"  {owner}, by function (bytecodes per operation):")
        for where, n in functions[owner].most_common(12):
            print(f"  {n / count:8.0f}  {where}")


def _provider_batch(endpoint: str, dns: str, wire: bool) -> Batch:
    from pulumi_mailboxorg import runtime
    from pulumi_mailboxorg.config import ProviderConfig
    from pulumi_mailboxorg.mailbox import MailboxProvider

    stack = {
        "mailboxorg:endpoint": endpoint,
        "mailboxorg:username": ACME[0],
        "mailboxorg:password": ACME[1],
        "mailboxorg:dnsNameservers": dns,
        "mailboxorg:dnsPollInterval": "0.2",
        "mailboxorg:verificationTimeout": "60",
        "mailboxorg:rateLimit": "0",
    }
    runtime.configure(ProviderConfig.load(stack.get, environ={}))
    provider = MailboxProvider()

    if not wire:

        def batch(first: int, count: int) -> list[Callable[[], object]]:
            checked = [provider.check({}, _props(i)).inputs for i in range(first, first + count)]
            return [functools.partial(provider.create, inputs) for inputs in checked]

        return batch

    import asyncio

    from pulumi.dynamic.dynamic import serialize_provider
    from pulumi.runtime import rpc

    blob = serialize_provider(provider)

    def to_struct(values: dict[str, Any]) -> Any:
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(rpc.serialize_properties(values, {}))
        finally:
            loop.close()

    def create(struct: Any) -> object:
        """What DynamicResourceProviderServicer.Create does around ``create()``."""
        props = rpc.deserialize_properties(struct)
        result = provider.create(props)
        outs = dict(result.outs or {})
        outs["__provider"] = props["__provider"]
        return to_struct(outs)

    def wire_batch(first: int, count: int) -> list[Callable[[], object]]:
        structs = []
        for i in range(first, first + count):
            inputs = provider.check({}, _props(i)).inputs
            structs.append(to_struct({**inputs, "__provider": blob}))
        return [functools.partial(create, struct) for struct in structs]

    return wire_batch


def _client_batch(endpoint: str) -> Batch:
    from pulumi_mailboxorg.client import MailboxOrgClient

    client = MailboxOrgClient(endpoint, ACME[0], ACME[1], rate_limit=None)

    def batch(first: int, count: int) -> list[Callable[[], object]]:
        return [
            functools.partial(
                client.call,
                "mail.add",
                {
                    "mail": f"bare{i}@{DOMAIN}",
                    "password": "Mail-pass-1",
                    "plan": "standard",
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "inboxsave": True,
                    "forwards": [],
                    "memo": "a",
                },
            )
            for i in range(first, first + count)
        ]

    return batch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("provider", "client", "both"), default="both")
    parser.add_argument("--count", type=int, default=200, help="operations per measured batch")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured operations first")
    parser.add_argument("--repeat", type=int, default=3, help="unprofiled batches (the best is shown)")
    parser.add_argument("--top", type=int, default=30, help="functions listed per ordering")
    parser.add_argument("--threads", type=int, default=1, help="operations in flight (unprofiled batch)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="latency the emulator adds per request")
    parser.add_argument("--wire", action="store_true", help="add the host's (de)serialization per create")
    parser.add_argument("--dump", metavar="PREFIX", help="also write the stats to PREFIX.<what>.prof")
    parser.add_argument(
        "--opcodes", action="store_true", help="also count the bytecodes executed per operation"
    )
    parser.add_argument("--no-profile", action="store_true", help="CPU figures only, no cProfile batch")
    args = parser.parse_args(argv)

    import pulumi_mailboxorg

    print(f"pulumi_mailboxorg from {pulumi_mailboxorg.__file__}")
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_emulator, args=(child, args.latency_ms), daemon=True)
    proc.start()
    try:
        endpoint, dns = parent.recv()
        if args.mode in ("provider", "both"):
            label = "MailboxProvider.create" + (" with the host's wire work" if args.wire else "")
            _measure(label, _provider_batch(endpoint, dns, args.wire), args.count, args)
        if args.mode in ("client", "both"):
            _measure("bare client mail.add", _client_batch(endpoint), args.count, args)
        print(f"\nthreads alive at the end: {sorted(t.name for t in threading.enumerate())}")
    finally:
        parent.send("stop")
        calls = parent.recv()
        proc.join(10)
    print(f"emulator calls: {dict(sorted(calls.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
