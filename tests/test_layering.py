"""Layering: the transport and the DNS checker know no stack configuration; the provider layer
names the ``mailboxorg:...`` key their neutral errors are about.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_mailboxorg import runtime
from pulumi_mailboxorg.config import name_settings
from pulumi_mailboxorg.dnscheck import PropagationChecker
from pulumi_mailboxorg.errors import ConfigurationError, DnsCheckError, RateLimitedError
from pulumi_mailboxorg.provider import user_errors

PACKAGE = Path(__file__).resolve().parents[1] / "pulumi_mailboxorg"
TRANSPORT = ("client", "deadlines", "envelope", "retrying", "scrubbing")


def imported_after(module: str) -> set[str]:
    code = f"import sys, pulumi_mailboxorg.{module}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


@pytest.mark.parametrize("module", TRANSPORT)
def test_the_transport_does_not_import_pulumi(module: str) -> None:
    assert "pulumi" not in imported_after(module)


def test_the_dns_checker_imports_neither_requests_nor_pulumi() -> None:
    loaded = imported_after("dnscheck")
    assert "requests" not in loaded and "urllib3" not in loaded and "pulumi" not in loaded


@pytest.mark.parametrize("module", [*TRANSPORT, "dnscheck"])
def test_the_transport_and_the_dns_checker_name_no_stack_key(module: str) -> None:
    source = (PACKAGE / f"{module}.py").read_text(encoding="utf-8")
    assert "mailboxorg:" not in source
    assert "MAILBOXORG_" not in source


def test_an_operation_names_the_stack_key_of_a_neutral_transport_error() -> None:
    @user_errors
    def operation() -> None:
        raise RateLimitedError("Lower the rate limit.", method="x", retry_after=None).about("rate_limit")

    with pytest.raises(RateLimitedError) as caught:
        operation()
    assert "`mailboxorg:rateLimit` (environment variable MAILBOXORG_RATE_LIMIT)" in str(caught.value)


def test_naming_the_settings_is_done_once_and_fills_key_and_env() -> None:
    error = ConfigurationError("the endpoint is empty").about("endpoint")
    name_settings(error)
    name_settings(error)
    assert str(error).count("mailboxorg:endpoint") == 1
    assert (error.key, error.env) == ("mailboxorg:endpoint", "MAILBOXORG_ENDPOINT")


def test_the_providers_dns_checker_names_the_nameservers_key() -> None:
    checker = runtime._NamingChecker(PropagationChecker(bootstrap=[]))
    with pytest.raises(DnsCheckError, match="no recursive DNS resolver") as caught:
        checker.check("_verify.example.com", "token")
    assert "mailboxorg:dnsNameservers" in str(caught.value)
