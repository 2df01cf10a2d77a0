"""The quantity grammar: exact fields and offsets for report prose, and properties on arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nkwatch.extract import numbers
from nkwatch.extract.numbers import find_quantities, number_word
from nkwatch.extract.numbers_ko import quantities as korean_quantities

# (sentence, [(text, value, min, max, unit, noun, approx), ...])
CASES = [
    ("China reportedly sent 60 people back.", [("60 people", 60, None, None, "people", "people", False)]),
    ("sixty", [("sixty", 60, None, None, None, None, False)]),
    ("Sixty-two North Korean defectors arrived",
     [("Sixty-two North Korean defectors", 62, None, None, "people", "defectors", False)]),
    ("a hundred", [("a hundred", 100, None, None, None, None, False)]),
    ("one hundred and five people",
     [("one hundred and five people", 105, None, None, "people", "people", False)]),
    ("Where once 2,000-3,000 people fled North Korea annually",
     [("2,000-3,000 people", None, 2000, 3000, "people", "people", False)]),
    ("2,000 to 3,000", [("2,000 to 3,000", None, 2000, 3000, None, None, False)]),
    ("between 2,000 and 3,000", [("between 2,000 and 3,000", None, 2000, 3000, None, None, False)]),
    ("50 to 60", [("50 to 60", None, 50, 60, None, None, False)]),
    ("two or three women", [("two or three women", None, 2, 3, "people", "women", False)]),
    ("about 50 to 60", [("about 50 to 60", None, 50, 60, None, None, True)]),
    ("hundreds of thousands of people are still held in these camps",
     [("hundreds of thousands of people", None, 100000, 999999, "people", "people", False)]),
    ("tens of thousands", [("tens of thousands", None, 10000, 99999, None, None, False)]),
    ("thousands", [("thousands", None, 1000, 9999, None, None, False)]),
    ("hundreds", [("hundreds", None, 100, 999, None, None, False)]),
    ("dozens of defectors", [("dozens of defectors", None, 13, 99, "people", "defectors", False)]),
    ("a dozen", [("a dozen", 12, None, None, None, None, False)]),
    ("more than a dozen", [("more than a dozen", None, 12, None, None, None, False)]),
    ("several", [("several", None, 2, 9, None, None, False)]),
    ("several hundred people", [("several hundred people", None, 200, 900, "people", "people", False)]),
    ("a few", [("a few", None, 2, 5, None, None, False)]),
    ("more than 38", [("more than 38", None, 38, None, None, None, False)]),
    ("over 38", [("over 38", None, 38, None, None, None, False)]),
    ("at least 38", [("at least 38", None, 38, None, None, None, False)]),
    ("38 or more", [("38 or more", None, 38, None, None, None, False)]),
    ("38+", [("38+", None, 38, None, None, None, False)]),
    ("500-plus", [("500-plus", None, 500, None, None, None, False)]),
    ("300-odd", [("300-odd", 300, None, None, None, None, True)]),
    ("up to 2 years", [("up to 2 years", None, None, 2, "years", "years", False)]),
    ("fewer than 10 percent", [("fewer than 10 percent", None, None, 10, "percent", "percent", False)]),
    ("as many as 500", [("as many as 500", 500, None, None, None, None, True)]),
    ("nearly 300", [("nearly 300", None, None, 300, None, None, True)]),
    ("almost 300", [("almost 300", None, None, 300, None, None, True)]),
    ("about 200", [("about 200", 200, None, None, None, None, True)]),
    ("some 200 people", [("some 200 people", 200, None, None, "people", "people", True)]),
    ("an estimated 120,000", [("an estimated 120,000", 120000, None, None, None, None, True)]),
    ("~200 people", [("~200 people", 200, None, None, "people", "people", True)]),
    ("$2 billion", [("$2 billion", 2e9, None, None, "usd", None, False)]),
    ("$1.34 billion", [("$1.34 billion", 1.34e9, None, None, "usd", None, False)]),
    ("stole over $2 billion in crypto in 2025 alone",
     [("over $2 billion", None, 2e9, None, "usd", None, False)]),
    ("US$ 1.5bn", [("US$ 1.5bn", 1.5e9, None, None, "usd", None, False)]),
    ("$10m", [("$10m", 1e7, None, None, "usd", None, False)]),
    ("two million dollars", [("two million dollars", 2e6, None, None, "usd", "dollars", False)]),
    ("KRW 10 million", [("KRW 10 million", 1e7, None, None, "krw", None, False)]),
    ("100 North Korean won", [("100 North Korean won", 100, None, None, "kpw", "north korean won", False)]),
    ("1.5 million", [("1.5 million", 1.5e6, None, None, None, None, False)]),
    ("2 to 3 million people", [("2 to 3 million people", None, 2e6, 3e6, "people", "people", False)]),
    ("2.5 million tonnes of food", [("2.5 million tonnes", 2.5e6, None, None, "tonnes", "tonnes", False)]),
    ("40 percent", [("40 percent", 40, None, None, "percent", "percent", False)]),
    ("40%", [("40%", 40, None, None, "percent", "%", False)]),
    ("40 per cent", [("40 per cent", 40, None, None, "percent", "per cent", False)]),
    ("a man getting seven years of forced labor", [("seven years", 7, None, None, "years", "years", False)]),
    ("She got 15 years.", [("15 years", 15, None, None, "years", "years", False)]),
    ("sentenced to 15 years of reform through labour",
     [("15 years", 15, None, None, "years", "years", False)]),
    ("5 to 15 years", [("5 to 15 years", None, 5, 15, "years", "years", False)]),
    ("five to 15 years", [("five to 15 years", None, 5, 15, "years", "years", False)]),
    ("a 10-year sentence", [("10-year", 10, None, None, "years", "year", False)]),
    ("a 15-year-old girl", [("15-year-old", 15, None, None, "age", "year-old", False)]),
    ("12 cases of public execution", [("12 cases", 12, None, None, "incidents", "cases", False)]),
    ("one man", [("one man", 1, None, None, "people", "man", False)]),
    ("seven men and 12 women were executed",
     [("seven men", 7, None, None, "people", "men", False),
      ("12 women", 12, None, None, "people", "women", False)]),
    ("270여명", [("270여명", None, 270, None, "people", "명", False)]),
    ("약 200명", [("약 200명", 200, None, None, "people", "명", True)]),
    ("500명 이상", [("500명 이상", None, 500, None, "people", "명", False)]),
    ("3만 명", [("3만 명", 30000, None, None, "people", "명", False)]),
    ("수백 명", [("수백 명", None, 100, 999, "people", "명", False)]),
    ("1,043", [("1,043", 1043, None, None, None, None, False)]),
    ("1.043", [("1.043", 1.043, None, None, None, None, False)]),
    ("2024 people", [("2024 people", 2024, None, None, "people", "people", False)]),
    ("about 2000 people", [("about 2000 people", 2000, None, None, "people", "people", True)]),
    ("the 2024 floods", []),
    ("224 floods", [("224", 224, None, None, None, "floods", False)]),
    ("On 9 October 2023, Chinese authorities forcibly returned more than 500 North Koreans",
     [("more than 500 North Koreans", None, 500, None, "people", "north koreans", False)]),
    ("The Ministry of Unification said 224 defectors arrived in 2025",
     [("224 defectors", 224, None, None, "people", "defectors", False)]),
    ("at least 1,076 since 2020", [("at least 1,076", None, 1076, None, None, None, False)]),
    # what is not a quantity
    ("life imprisonment", []),
    ("one of the most repressive regimes", []),
    ("No one knows; someone did.", []),
    ("a man and a woman", []),
    ("the second time, the 6th Bureau", []),
    ("in 2024", []),
    ("from 2015 to 2018, 2019-2021, up to 2019", []),
    ("A/HRC/25/63", []),
    ("resolution 2270, Camp 14, Article 60", []),
    ("COVID-19, G20, 5G", []),
    ("April 26, 2024 and 26 April", []),
    ("at 7:30 and 10 a.m.", []),
    ("two years ago", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_find_quantities(text: str, expected: list[tuple]) -> None:
    got = find_quantities(text)
    assert [(q.text, q.value, q.min, q.max, q.unit, q.noun, q.approx) for q in got] == expected
    for q in got:
        assert text[q.begin:q.stop] == q.text
        assert q.begin == text.index(q.text)


@pytest.mark.parametrize(
    ("words", "value"),
    [("twenty-three", 23), ("one hundred and five", 105), ("two million", 2_000_000), ("Sixty-two", 62),
     ("a hundred", 100), ("seven", 7), ("nineteen", 19), ("two dozen", 24),
     ("three thousand five hundred", 3500), ("one million two hundred thousand", 1_200_000), ("zero", 0)],
)  # fmt: skip
def test_number_word(words: str, value: int) -> None:
    assert number_word(words) == value


@pytest.mark.parametrize("words", ["", "second", "five six", "twenty thirty", "hundred million thousand",
                                   "and", "two and three", "life", "thousand million"])  # fmt: skip
def test_number_word_rejects(words: str) -> None:
    assert number_word(words) is None


def _naive(text: str) -> list:
    """The plain search loop the anchored scan must equal."""
    out, pos = [], 0
    while (m := numbers._RX.search(text, pos)) is not None:
        q = numbers._quantity(text, m)
        if q is None:
            pos = m.start() + 1
            continue
        out.append(q)
        pos = q.stop
    return out


_WORDS = st.sampled_from(
    ["more", "than", "about", "nearly", "up", "to", "between", "and", "or", "more", "60", "2,000", "3,000",
     "-", "–", "1.5", "billion", "$", "US$", "people", "North", "Korean", "defectors", "years", "percent",
     "%", "+",
     "hundreds", "of", "thousands", "a", "dozen", "one", "sixty-two", "hundred", "2024", "in", "the", "April",
     "26", "6th", "명", "270여명", "약", "수백", "A/HRC/25/63", "resolution", "2270", "a.m.", "ago", ",",
     "."],
)  # fmt: skip
_PROSE = st.lists(_WORDS, max_size=30).map(" ".join) | st.text(max_size=200)


@settings(max_examples=300, deadline=None)
@given(text=_PROSE)
def test_properties(text: str) -> None:
    got = find_quantities(text)
    last = 0
    for q in got:
        assert last <= q.begin < q.stop <= len(text)
        assert text[q.begin:q.stop] == q.text
        assert q.value is not None or q.min is not None or q.max is not None
        if q.min is not None and q.max is not None:
            assert q.min <= q.max
        if q.value is not None:
            assert q.min is None or q.min <= q.value
            assert q.max is None or q.value <= q.max
        last = q.stop
    assert got == _naive(text)


def test_contradictory_bounds_keep_the_number():
    """Found by the property test: "nearly" (an upper bound) and 여 (a lower one) on one number."""
    (q,) = find_quantities("nearly 270여명")
    assert (q.value, q.min, q.max, q.approx, q.unit) == (270, None, None, True, "people")


# -- Korean (extract/numbers_ko.py: counts numbers.py does not read on its own) -----------------------------
@pytest.mark.parametrize("text,value,lo,hi", [
    ("270여명", None, 270, None),
    ("수백 명", None, 100, 999),
    ("수십명", None, 10, 99),
    ("3만 4천여 명", None, 34000, None),
    ("3만4천여명", None, 34000, None),
    ("1만2000명", 12000, None, None),
    ("500명 이상", None, 500, None),
    ("10만 명가량", 100000, None, None),
])  # fmt: skip
def test_korean_counts(text: str, value: float | None, lo: float | None, hi: float | None):
    (q,) = korean_quantities(text)
    assert (q.value, q.min, q.max, q.unit, q.text) == (value, lo, hi, "people", text)
