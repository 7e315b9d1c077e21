"""Domain names as their owners mean them: IDNA 2008 with UTS #46 non-transitional processing.

Tables of the named cases (``straße.de``, joiners, Japanese, Chinese and Korean names, homographs,
A-label input) and properties (hypothesis): ASCII names keep their form, the canonical form is a
fixed point, a U-label and its A-label are the same name, and Latin mixed with Cyrillic is refused
whichever way it is written. Also: odd inputs are quoted as written and say what is expected.
"""

from __future__ import annotations

import idna
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulumi_mailboxorg.mailbox import _quota
from pulumi_mailboxorg.validation import canonical_domain, canonical_email, check_int, check_string


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("straße.de", "xn--strae-oqa.de"),  # IDNA 2008: not strasse.de (IDNA 2003), a different domain
        ("Straße.DE", "xn--strae-oqa.de"),
        ("xn--strae-oqa.de", "xn--strae-oqa.de"),
        ("XN--STRAE-OQA.DE", "xn--strae-oqa.de"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("お名前.com", "xn--t8jx73hngb.com"),  # Han + Hiragana
        ("ラーメン.jp", "xn--4dkp5a8a.jp"),  # Katakana with the prolonged sound mark
        ("例え。テスト", "xn--r8jz45g.xn--zckzah"),  # an ideographic full stop separates labels
        ("中文網.tw", "xn--fiq228cl8q.tw"),
        ("ㄅㄆ中文.tw", "xn--5ekc305thxu.tw"),  # Chinese: Han + Bopomofo
        ("한국어漢字.kr", "xn--p8s937b4q9bkkuslr.kr"),  # Korean: Han + Hangul
        ("abc漢字.com", "xn--abc-269er78f.com"),  # Latin with Han is allowed too
        ("क्\u200dष.in", "xn--11b2ezcw70k.in"),  # a joiner after a virama is kept, as IDNA 2008 allows
        ("\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0ecom", "example.com"),  # full-width forms are mapped
        ("Example.COM", "example.com"),
        ("ab--cd.example", "ab--cd.example"),  # ASCII names keep the form they always had
    ],
)
def test_domains_follow_idna_2008_with_uts46_non_transitional_processing(raw: str, canonical: str) -> None:
    assert canonical_domain(raw) == canonical
    assert canonical_email(f"Postmaster@{raw}") == f"postmaster@{canonical}"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("a\u200db.com", r"Joiner U\+200D not allowed"),  # a joiner is refused, never silently dropped
        ("a\u200cb.com", r"Joiner U\+200C not allowed"),
        ("p\u0430ypal.com", r"mixes scripts \(Cyrillic, Latin\)"),
        ("xn--pypal-4ve.com", r"mixes scripts \(Cyrillic, Latin\)"),  # the same homograph as an A-label
        ("\u0430bc漢字.com", "mixes scripts"),
        ("한국ひらがな.kr", r"mixes scripts \(Hangul, Hiragana\)"),  # kana are not Korean
        ("ㄅㄆひらがな.tw", "mixes scripts"),  # Bopomofo is not Japanese
        ("xn--zz.com", "not a valid internationalised domain label"),
        ("xn--strae-oqa\u00df.de", "not a valid internationalised domain label"),
        ("-bücher.example", "hyphen"),
        ("⒈.com", "not a valid internationalised domain name"),
    ],
)
def test_invalid_internationalised_names_are_refused_saying_why(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        canonical_domain(raw)
    assert repr(raw) in str(caught.value)  # quoted as the user wrote it


# Properties ----------------------------------------------------------------------------------------

LDH = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?", fullmatch=True).filter(
    lambda label: not label.lower().startswith("xn--")
)
ASCII_DOMAIN = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(LDH, min_size=1, max_size=4),
    st.from_regex(r"[a-zA-Z]{2,10}", fullmatch=True),
)
HIRAGANA = st.characters(min_codepoint=0x3041, max_codepoint=0x3093)
KATAKANA = st.characters(min_codepoint=0x30A1, max_codepoint=0x30F3)
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
LATIN = st.characters(min_codepoint=ord("a"), max_codepoint=ord("z"))
CYRILLIC = st.characters(min_codepoint=0x0430, max_codepoint=0x044F)
JAPANESE = st.text(HIRAGANA | KATAKANA | HAN | LATIN, min_size=1, max_size=12)
KOREAN = st.text(HANGUL | HAN | LATIN, min_size=1, max_size=12)
TLD = st.sampled_from(["com", "jp", "kr", "example"])


@given(ASCII_DOMAIN)
def test_ascii_names_are_only_lower_cased(name: str) -> None:
    assert canonical_domain(name) == name.lower()


@given(JAPANESE | KOREAN, TLD)
def test_japanese_and_korean_labels_are_accepted_and_their_canonical_form_is_a_fixed_point(
    label: str, tld: str
) -> None:
    canonical = canonical_domain(f"{label}.{tld}")
    assert canonical.isascii() and canonical == canonical.lower()
    assert canonical_domain(canonical) == canonical  # the A-label passes the same checks again


@given(JAPANESE | KOREAN, TLD)
def test_a_u_label_and_its_a_label_are_the_same_name(label: str, tld: str) -> None:
    a_label = idna.encode(f"{label}.{tld}", uts46=True, transitional=False).decode()
    assert canonical_domain(f"{label}.{tld}") == canonical_domain(a_label.upper())


@given(st.text(LATIN, max_size=5), LATIN, CYRILLIC, st.text(LATIN, max_size=5), st.booleans())
def test_latin_mixed_with_cyrillic_is_refused_as_u_label_and_as_a_label(
    before: str, latin: str, cyrillic: str, after: str, as_a_label: bool
) -> None:
    name = f"{before}{latin}{cyrillic}{after}.com"
    if as_a_label:
        name = idna.encode(name, uts46=True, transitional=False).decode()
    with pytest.raises(ValueError, match="mixes scripts"):
        canonical_domain(name)


# Odd inputs: quoted as written, with what is expected -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [(42.0, "got the number 42"), (1.5, "got the number 1.5"), (True, "got true"), (None, "got no value")],
)
def test_a_non_text_domain_says_what_it_got_as_the_user_wrote_it(value: object, shown: str) -> None:
    with pytest.raises(ValueError, match=r"expected a domain name such as 'example\.com'") as caught:
        canonical_domain(value)
    assert shown in str(caught.value)
    assert "float" not in str(caught.value) and "NoneType" not in str(caught.value)


@pytest.mark.parametrize("value", ["²", "\uff15", "٣", "1.5", "-1", "", "five"])
def test_a_quota_that_is_no_whole_number_is_quoted_with_what_is_expected(value: str) -> None:
    with pytest.raises(ValueError, match="expected a whole number of GB") as caught:
        _quota(value)
    assert repr(value) in str(caught.value)
    assert "invalid literal" not in str(caught.value)


def test_other_odd_scalars_say_what_they_got() -> None:
    with pytest.raises(ValueError, match="expected a whole number, got 'ten'"):
        check_int("ten")
    with pytest.raises(ValueError, match="expected a string, got the number 5"):
        check_string(5.0)
    with pytest.raises(ValueError, match=r"an e-mail address such as 'alice@example\.com', got the number 5"):
        canonical_email(5.0)
