"""Waiting for mailbox.org to accept a domain's ownership TXT record.

Two phases, within one deadline:

1. **DNS.** Poll the zone's authoritative nameservers (or the configured ones) until every one of them
   serves the expected TXT value: there is no point asking mailbox.org before that.
2. **mailbox.org.** Retry ``domain.add`` with capped exponential backoff. Its resolver may still hold
   the negative answer it cached at the first attempt, for up to the zone's negative-cache TTL (the
   SOA minimum), which the progress message states.

Progress goes to a callback at a steady, low rate. On timeout a
:class:`~pulumi_mailboxorg.errors.VerificationTimeoutError` says what to publish, what each
nameserver answered last, how long it waited, and that the next run continues. This module knows
nothing of HTTP or Pulumi: the DNS check and the retry are passed in.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ChallengeError, DnsCheckError, VerificationTimeoutError
from .scrubbing import quote

if TYPE_CHECKING:
    from .dnscheck import PropagationResult
    from .errors import DnsVerificationRequiredError

__all__ = ["Challenge", "challenge_from", "record_line", "wait_for_verification"]

#: Seconds between two progress messages while nothing changes.
PROGRESS_EVERY = 30.0
#: First and longest pause between two ``domain.add`` retries once DNS is in place.
RETRY_FIRST = 1.0
RETRY_CAP = 60.0


@dataclass(frozen=True)
class Challenge:
    """The record mailbox.org asks for: ``txt`` published as a TXT record at ``host``."""

    domain: str
    host: str
    txt: str


#: A record name as a 218 may give it: ASCII labels of letters, digits, hyphens and underscores.
_DNS_NAME = re.compile(
    r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
)
#: Longest excerpt of an unusable server value quoted in a message.
_SHOWN = 120


def _shown(value: Any) -> str:
    """What the server sent, quoted so that it cannot forge lines (and shortened)."""
    if value is None:
        return "nothing"
    text = value if isinstance(value, str) else repr(value)
    quoted = quote(text if len(text) <= _SHOWN else text[:_SHOWN] + "...")
    return quoted if isinstance(value, str) else f"{type(value).__name__} {quoted}"


def challenge_from(domain: str, error: DnsVerificationRequiredError) -> Challenge:
    """The record a 218 answer asks for, once it is known to be usable; else :class:`ChallengeError`.

    Usable means: ``host`` is ``domain`` itself or a name under it (a record elsewhere would send
    the user to publish in someone else's zone, and the wait would query it for nothing), and
    ``host`` and ``txt`` are non-empty printable text (no line breaks or control characters to
    forge log lines with). ``host`` is compared case-insensitively and may end with a dot; the
    Challenge holds it lower-case without the dot. ``domain`` is the canonical (A-label) name.
    """
    data = error.data if isinstance(error.data, dict) else {}
    host_raw, txt_raw = data.get("host"), data.get("txt")
    shown = error.shown_data if isinstance(error.shown_data, dict) else {}
    problems: list[str] = []
    host = host_raw.rstrip(".").lower() if isinstance(host_raw, str) else ""
    if not isinstance(host_raw, str) or not host:
        problems.append("it names no record (host)")
    elif not host_raw.isprintable() or any(ch.isspace() for ch in host_raw):
        problems.append("the record name (host) is not printable text without white space")
    elif not _DNS_NAME.fullmatch(host):
        problems.append("the record name (host) is not a DNS name (letters, digits, '-', '_' and dots)")
    elif host != domain and not host.endswith("." + domain):
        problems.append(f"the record name (host) is outside the domain {domain}")
    if not isinstance(txt_raw, str) or not txt_raw:
        problems.append("it gives no value (txt)")
    elif not txt_raw.isprintable():
        problems.append("the value (txt) is not printable text")
    if problems:
        raise ChallengeError(
            f"mailbox.org answered domain.add for {domain} with an unusable ownership challenge "
            f"(error {error.code}): {'; '.join(problems)}. It sent host {_shown(shown.get('host'))} and txt "
            f"{_shown(shown.get('txt'))}. Nothing was published or waited for; try again later, or ask "
            "mailbox.org support about the record it wants."
        )
    assert isinstance(txt_raw, str)
    return Challenge(domain, host, txt_raw)


def record_line(challenge: Challenge) -> str:
    """The record in zone-file form, e.g. ``abc.example.com. TXT "0123..."`` (the value quoted)."""
    return f"{challenge.host}. TXT {quote(challenge.txt)}"


def wait_for_verification(
    challenge: Challenge,
    *,
    check: Callable[..., PropagationResult],
    retry: Callable[[], bool],
    timeout: float,
    poll_interval: float,
    progress: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Wait until ``retry()`` returns True (mailbox.org accepted the domain) or raise on timeout.

    ``check(host, txt, budget=seconds)`` is the DNS propagation check; ``budget`` is the time left
    until the deadline (0 for the last look at the deadline), and the check is expected to return
    within the larger of it and one DNS query (:meth:`~pulumi_mailboxorg.dnscheck.PropagationChecker.check`).
    ``retry()`` calls ``domain.add`` again and returns False while mailbox.org still answers 218 (any
    other error propagates). So the wait ends within ``timeout`` plus one DNS query and one API call.
    """
    start = clock()
    deadline = start + timeout
    last: PropagationResult | None = None
    last_error: str | None = None
    last_said = ""
    last_said_at = float("-inf")

    def say(message: str, *, force: bool = False) -> None:
        nonlocal last_said, last_said_at
        now = clock()
        if force or message != last_said or now - last_said_at >= PROGRESS_EVERY:
            progress(f"{challenge.domain}: {message} ({now - start:.0f}s of {timeout:.0f}s)")
            last_said, last_said_at = message, now

    def fail(stage: str) -> VerificationTimeoutError:
        waited = clock() - start
        if last is not None:
            seen = last.describe()
        elif last_error is not None:
            seen = f"the DNS check could not run: {last_error}"
        else:
            seen = "no DNS check was made"
        message = (
            f"mailbox.org did not accept the domain {challenge.domain} within {waited:.0f}s "
            f"(verification_timeout {timeout:.0f}s): {stage}.\n"
            f"Publish this DNS record to prove ownership:\n    {record_line(challenge)}\n"
            f"What the nameservers answered last: {seen}\n"
            "Nothing was created. Once the record is visible, run `pulumi up` again: the next run "
            "continues from there (or raise verification_timeout / mailboxorg:verificationTimeout)."
        )
        return VerificationTimeoutError(
            message, domain=challenge.domain, host=challenge.host, txt=challenge.txt, waited=waited
        )

    # Phase 1: until every nameserver serves the record.
    while True:
        try:
            last = check(challenge.host, challenge.txt, budget=max(0.0, deadline - clock()))
            last_error = None
        except DnsCheckError as exc:
            last, last_error = None, str(exc)
        if last is not None and last.ok:
            break
        seen = last.describe() if last is not None else f"DNS check failed: {last_error}"
        say(f"waiting for {record_line(challenge)}; {seen}")
        now = clock()
        if now >= deadline:
            raise fail("the TXT record is not served by every nameserver yet")
        sleep(max(0.0, min(poll_interval, deadline - now)))
        if clock() >= deadline:
            # One last look so a record published just before the deadline still counts.
            try:
                last = check(challenge.host, challenge.txt, budget=0.0)
            except DnsCheckError as exc:
                last, last_error = None, str(exc)
            if last is None or not last.ok:
                raise fail("the TXT record is not served by every nameserver yet")
            break

    # Phase 2: mailbox.org's resolver may still cache the earlier negative answer.
    cache = (
        f"up to {last.negative_ttl}s, the negative-cache TTL (SOA minimum) of zone {last.zone}"
        if last.negative_ttl is not None and last.zone
        else "a while (the zone's negative-cache TTL)"
    )
    say(
        f"the TXT record is served by all {len(last.answers)} nameserver(s); asking mailbox.org again. "
        f"Its resolver may keep an earlier negative answer for {cache}",
        force=True,
    )
    delay = RETRY_FIRST
    while True:
        if retry():
            say("mailbox.org accepted the ownership record", force=True)
            return
        now = clock()
        if now >= deadline:
            raise fail(f"the record is published, but mailbox.org's resolver has not seen it yet ({cache})")
        say(f"mailbox.org does not see the record yet; retrying with backoff (next in {delay:.0f}s)")
        sleep(max(0.0, min(delay, deadline - now)))
        delay = min(delay * 2, RETRY_CAP)
