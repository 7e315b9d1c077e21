"""A Pulumi program imports the resource classes only: that must not load the provider's transport.

The HTTP client (requests) and dnspython are needed only in the provider process
(``python -m pulumi.dynamic``); importing them in every ``pulumi up`` of a program would make
``from pulumi_mailboxorg import Domain`` cost far more than ``import pulumi`` (see the benchmark,
``tests/bench/run.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("requests", "urllib3", "dns", "pulumi_mailboxorg.client", "pulumi_mailboxorg.dnscheck")


def test_importing_every_resource_class_loads_neither_requests_nor_dnspython() -> None:
    code = (
        "import json, sys\n"
        "from pulumi_mailboxorg import Account, Context, Domain, DomainChallenge, Mailbox\n"
        f"heavy = {HEAVY!r}\n"
        "loaded = [m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy)]\n"
        "print(json.dumps(sorted(loaded)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []
