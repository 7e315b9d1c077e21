"""Canonicalisation and validation of inputs: pure functions, examples and properties."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulumi_mailboxorg.validation import (
    account_name,
    canonical_domain,
    canonical_email,
    check_bool,
    check_enum,
    check_int,
    check_string,
    check_string_list,
)

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
DOMAIN = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(LABEL, min_size=1, max_size=4),
    st.from_regex(r"[a-z]{2,10}", fullmatch=True),
)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),
        (" mail.example.org ", "mail.example.org"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_domains_are_stored_in_lower_case_a_label_form(raw, canonical):
    assert canonical_domain(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("localhost", "fully qualified"),
        ("exa mple.com", "white space"),
        ("-bad.com", "hyphen"),
        ("bad-.com", "hyphen"),
        ("a..com", "empty label"),
        ("a" * 64 + ".com", "1-63"),
        (".".join(["a" * 60] * 5) + ".com", "longer than 253"),
        ("under_score.com", "letters, digits or hyphens"),
        ("example.123", "numeric"),
        ("p\u0430ypal.com", "mixes scripts"),  # Cyrillic a among Latin letters
        (42, "domain name such as .example.com., got the number 42"),
    ],
)
def test_invalid_domains_are_rejected_with_a_reason(raw, reason):
    with pytest.raises(ValueError, match=reason):
        canonical_domain(raw)


@given(DOMAIN)
def test_canonical_domain_is_idempotent_on_valid_names(name):
    assert canonical_domain(canonical_domain(name)) == canonical_domain(name)


@given(st.text(max_size=80))
def test_canonical_domain_only_ever_raises_value_error(text):
    try:
        result = canonical_domain(text)
    except ValueError:
        return
    assert result == result.lower() and result.isascii()


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Alice@Example.com", "alice@example.com"),
        ("first.last+tag@bücher.example", "first.last+tag@xn--bcher-kva.example"),
    ],
)
def test_addresses_are_canonicalised(raw, canonical):
    assert canonical_email(raw) == canonical


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "alice",
        "a@b@example.com",
        ".a@example.com",
        "a..b@example.com",
        "a b@example.com",
        "x" * 65 + "@example.com",
        "alice@localhost",
        None,
    ],
)
def test_invalid_addresses_are_rejected(raw):
    with pytest.raises(ValueError, match=r"e-mail address|local part|domain part|characters"):
        canonical_email(raw)


@given(st.text(max_size=80))
def test_canonical_email_only_ever_raises_value_error(text):
    with contextlib.suppress(ValueError):
        canonical_email(text)


def test_scalar_checks_accept_their_type_and_name_the_problem_otherwise():
    assert check_bool("true") is True and check_bool(False) is False
    assert check_int(3.0) == 3
    assert check_enum("PREMIUM", ("light", "standard", "premium")) == "premium"
    assert account_name("acme") == "acme"
    with pytest.raises(ValueError, match="true or false"):
        check_bool("yes")
    with pytest.raises(ValueError, match="whole number"):
        check_int(1.5)
    with pytest.raises(ValueError, match="whole number"):
        check_int(True)
    with pytest.raises(ValueError, match="one of light, standard, premium"):
        check_enum("gold", ("light", "standard", "premium"))
    with pytest.raises(ValueError, match="control characters"):
        check_string("a\x00b")
    with pytest.raises(ValueError, match="at most 5"):
        check_string("abcdef", max_length=5)
    with pytest.raises(ValueError, match="white space"):
        account_name("two words")


def test_list_checks_name_the_failing_item():
    assert check_string_list(["A@example.com"], item=canonical_email) == ["a@example.com"]
    with pytest.raises(ValueError, match="item 1"):
        check_string_list(["a@example.com", "nope"], item=canonical_email)
    with pytest.raises(ValueError, match="list of strings"):
        check_string_list("a@example.com")
