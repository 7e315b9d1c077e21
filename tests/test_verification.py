"""The verification wait: DNS first, then domain.add with backoff, within one deadline (fake clock)."""

from __future__ import annotations

import json

import pytest

from pulumi_mailboxorg.dnscheck import PropagationResult, ServerAnswer
from pulumi_mailboxorg.errors import (
    ChallengeError,
    DnsCheckError,
    DnsVerificationRequiredError,
    VerificationTimeoutError,
)
from pulumi_mailboxorg.verification import Challenge, challenge_from, record_line, wait_for_verification

CHALLENGE = Challenge("example.com", "a" * 40 + ".example.com", "b" * 40)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def result(*values: tuple[str, ...], negative_ttl: int | None = 300) -> PropagationResult:
    answers = tuple(
        ServerAnswer(server=f"ns{i}.example.com", address=f"127.0.0.{i}", values=v, error=None)
        for i, v in enumerate(values, start=1)
    )
    return PropagationResult(
        name=CHALLENGE.host,
        queried=CHALLENGE.host,
        expected=CHALLENGE.txt,
        zone="example.com",
        negative_ttl=negative_ttl,
        answers=answers,
    )


OK = result((CHALLENGE.txt,), (CHALLENGE.txt,))
LAGGING = result((CHALLENGE.txt,), ())


def run(checks, retries, *, timeout=600.0, poll=5.0, clock=None):
    clock = clock or FakeClock()
    messages: list[str] = []
    check_iter, retry_iter = iter(checks), iter(retries)
    calls = {"check": 0, "retry": 0}

    def check(host: str, txt: str, budget: float | None = None) -> PropagationResult:
        assert budget is not None and budget >= 0
        assert (host, txt) == (CHALLENGE.host, CHALLENGE.txt)
        calls["check"] += 1
        item = next(check_iter)
        if isinstance(item, Exception):
            raise item
        return item

    def retry() -> bool:
        calls["retry"] += 1
        return next(retry_iter)

    wait_for_verification(
        CHALLENGE,
        check=check,
        retry=retry,
        timeout=timeout,
        poll_interval=poll,
        progress=messages.append,
        clock=clock,
        sleep=clock.sleep,
    )
    return clock, messages, calls


def test_record_line_is_in_zone_file_form():
    assert record_line(CHALLENGE) == f'{CHALLENGE.host}. TXT "{CHALLENGE.txt}"'


def test_a_record_already_served_everywhere_is_retried_at_once_without_sleeping():
    clock, messages, calls = run([OK], [True])
    assert calls == {"check": 1, "retry": 1}
    assert clock.sleeps == []
    assert "accepted" in messages[-1]


def test_dns_is_polled_at_the_poll_interval_until_every_nameserver_serves_the_record():
    clock, _, calls = run([LAGGING, LAGGING, OK], [True], poll=5.0)
    assert clock.sleeps == [5.0, 5.0]
    assert calls["retry"] == 1


def test_mailbox_org_is_retried_with_capped_exponential_backoff_after_dns_is_in_place():
    clock, messages, calls = run([OK], [False, False, False, True])
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert calls["retry"] == 4
    assert any("negative-cache TTL" in m and "300s" in m for m in messages)


def test_a_dns_check_error_is_reported_and_polling_goes_on():
    _, messages, calls = run([DnsCheckError("no zone found"), OK], [True])
    assert calls["check"] == 2
    assert any("no zone found" in m for m in messages)


def test_timeout_while_dns_lags_names_the_record_the_answers_and_the_next_step():
    with pytest.raises(VerificationTimeoutError) as info:
        run([LAGGING] * 100, [], timeout=12.0, poll=5.0)
    text = str(info.value)
    assert record_line(CHALLENGE) in text
    assert "ns2.example.com" in text
    assert "pulumi up" in text and "Nothing was created" in text
    assert info.value.waited == pytest.approx(12.0)
    assert (info.value.host, info.value.txt) == (CHALLENGE.host, CHALLENGE.txt)


def test_timeout_while_mailbox_org_still_refuses_mentions_its_negative_cache():
    with pytest.raises(VerificationTimeoutError, match="negative-cache TTL"):
        run([OK], [False] * 100, timeout=10.0)


def test_zero_timeout_checks_once_and_fails_without_waiting():
    clock = FakeClock()
    with pytest.raises(VerificationTimeoutError):
        run([LAGGING], [], timeout=0.0, clock=clock)
    assert clock.sleeps == []


def test_a_record_published_just_before_the_deadline_still_counts():
    _, _, calls = run([LAGGING, LAGGING, OK], [True], timeout=10.0, poll=5.0)
    assert calls["retry"] == 1


def test_progress_messages_are_rate_limited_while_nothing_changes():
    _, messages, _ = run([LAGGING] * 20 + [OK], [True], timeout=600.0, poll=5.0)
    waiting = [m for m in messages if "waiting for" in m]
    # 20 polls over 100 s, identical answers: one message at the start, then one every 30 s.
    assert 3 <= len(waiting) <= 5


# The 218 answer: usable only when it names a printable record inside the domain ----------------


def required(data: object) -> DnsVerificationRequiredError:
    return DnsVerificationRequiredError(
        "domain.add", 218, "The DNS TXT record does not contain the correct data", data
    )


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("a" * 40 + ".example.com", "a" * 40 + ".example.com"),
        ("A" * 40 + ".Example.COM.", "a" * 40 + ".example.com"),
        ("example.com", "example.com"),
        ("_verify.deep.sub.example.com", "_verify.deep.sub.example.com"),
    ],
)
def test_a_218_naming_a_record_in_the_domain_gives_the_challenge(host: str, expected: str) -> None:
    challenge = challenge_from("example.com", required({"host": host, "txt": "b" * 40}))
    assert challenge == Challenge("example.com", expected, "b" * 40)


@pytest.mark.parametrize(
    ("data", "problem", "shown"),
    [
        (
            {"host": "_verify.evil.example", "txt": "abc"},
            "outside the domain example.com",
            '"_verify.evil.example"',
        ),
        ({"host": "notexample.com", "txt": "abc"}, "outside the domain", '"notexample.com"'),
        ({"host": "example.com.evil.example", "txt": "abc"}, "outside the domain", "evil.example"),
        (None, "names no record", "host nothing and txt nothing"),
        ({}, "names no record", "host nothing"),
        ({"host": "", "txt": ""}, "gives no value", 'host "" and txt ""'),
        (
            {"host": "x.example.com", "txt": "abc\ninfo: forged line"},
            "not printable",
            r'"abc\ninfo: forged line"',
        ),
        (
            {"host": "x.example.com\r\ninfo: forged", "txt": "abc"},
            "not printable",
            r'"x.example.com\r\ninfo: forged"',
        ),
        ({"host": "x.example.com", "txt": "a\x1b[2Jb"}, "not printable", r'"a\x1b[2Jb"'),
        ({"host": 42, "txt": ["abc"]}, "names no record", 'host int "42"'),
    ],
)
def test_an_unusable_218_fails_at_once_naming_what_the_server_sent(
    data: object, problem: str, shown: str
) -> None:
    with pytest.raises(ChallengeError) as caught:
        challenge_from("example.com", required(data))
    message = str(caught.value)
    assert problem in message
    assert shown in message
    assert "\n" not in message and "\r" not in message and "\x1b" not in message


def test_record_lines_quote_the_value_so_it_cannot_forge_log_lines() -> None:
    line = record_line(Challenge("example.com", "x.example.com", 'say "hi" \\ there'))
    assert line == 'x.example.com. TXT "say \\"hi\\" \\\\ there"'


def test_an_unusable_218_never_quotes_a_secret_the_server_echoed() -> None:
    from pulumi_mailboxorg.envelope import parse_response

    secret = "Sentinel-Pa55word-7f3a"
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": "1",
            "error": {
                "code": 218,
                "message": f"no {secret}",
                "data": {"host": f"{secret}.evil.example", "txt": secret},
            },
        }
    )
    with pytest.raises(DnsVerificationRequiredError) as required:
        parse_response(body, method="domain.add", request_id="1", secrets=[secret])
    assert required.value.data["txt"] == secret  # the token itself is kept as sent
    with pytest.raises(ChallengeError) as caught:
        challenge_from("example.com", required.value)
    assert secret not in str(caught.value)
    assert "<redacted>" in str(caught.value)


def test_a_218_whose_host_is_no_dns_name_is_refused() -> None:
    with pytest.raises(ChallengeError, match="not a DNS name"):
        challenge_from("example.com", required({"host": "a<b>.example.com", "txt": "abc"}))
