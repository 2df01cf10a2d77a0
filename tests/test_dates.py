"""The date grammar: exact fields and offsets for report prose, and properties on arbitrary text."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nkwatch.extract import dates
from nkwatch.extract.dates import find_dates
from nkwatch.extract.dates_ko import dates as korean_dates

REF = dt.date(2026, 1, 15)  # a Thursday, the publication date of the first seed article

# (sentence, reference, [(text, start, end, precision, relation, relative), ...])
CASES = [
    ("On 26 April 2024, he was arrested.", REF,
     [("On 26 April 2024", "2024-04-26", "2024-04-26", "day", "at", False)]),
    ("April 26, 2024", REF, [("April 26, 2024", "2024-04-26", "2024-04-26", "day", "at", False)]),
    ("26 Apr. 2024", REF, [("26 Apr. 2024", "2024-04-26", "2024-04-26", "day", "at", False)]),
    ("dated 2024-04-26.", REF, [("2024-04-26", "2024-04-26", "2024-04-26", "day", "at", False)]),
    ("The trial opened on Jan 22, 2026.", REF,
     [("on Jan 22, 2026", "2026-01-22", "2026-01-22", "day", "at", False)]),
    ("He was arrested on Tuesday, 26 April 2024.", REF,
     [("on Tuesday, 26 April 2024", "2024-04-26", "2024-04-26", "day", "at", False)]),
    ("On 9 October 2023, Chinese authorities forcibly returned more than 500 North Koreans.", REF,
     [("On 9 October 2023", "2023-10-09", "2023-10-09", "day", "at", False)]),
    ("In April 2025, China reportedly sent 60 people back.", REF,
     [("In April 2025", "2025-04", "2025-04", "month", "at", False)]),
    ("arrests in April and last April", REF,
     [("in April", "2025-04", "2025-04", "month", "at", True),
      ("last April", "2025-04", "2025-04", "month", "at", True)]),
    ("this April", dt.date(2026, 5, 10), [("this April", "2026-04", "2026-04", "month", "at", True)]),
    ("in April", dt.date(2026, 4, 20), [("in April", "2026-04", "2026-04", "month", "at", True)]),
    ("last April", dt.date(2026, 4, 20), [("last April", "2025-04", "2025-04", "month", "at", True)]),
    ("Salmon's February 6th briefing in Seoul", dt.date(2026, 2, 8),
     [("February 6th", "2026-02-06", "2026-02-06", "day", "at", True)]),
    ("on 6 February", dt.date(2026, 2, 8),
     [("on 6 February", "2026-02-06", "2026-02-06", "day", "at", True)]),
    ("on 6 February", dt.date(2026, 2, 5),
     [("on 6 February", "2025-02-06", "2025-02-06", "day", "at", True)]),
    ("In late 2025, reports surfaced of a man getting seven years of forced labor.", REF,
     [("In late 2025", "2025-09", "2025-12", "season", "at", False)]),
    ("early 2024", REF, [("early 2024", "2024-01", "2024-04", "season", "at", False)]),
    ("in mid-2023", REF, [("in mid-2023", "2023-05", "2023-08", "season", "at", False)]),
    ("at the end of 2019", REF, [("at the end of 2019", "2019-09", "2019-12", "season", "at", False)]),
    ("by the end of 2019", REF, [("by the end of 2019", None, "2019-12", "season", "until", False)]),
    ("in the first half of 2022", REF,
     [("in the first half of 2022", "2022-01", "2022-06", "season", "at", False)]),
    ("the second half of 2022", REF,
     [("the second half of 2022", "2022-07", "2022-12", "season", "at", False)]),
    ("in Q3 2024", REF, [("in Q3 2024", "2024-07", "2024-09", "season", "at", False)]),
    ("the third quarter of 2024", REF,
     [("the third quarter of 2024", "2024-07", "2024-09", "season", "at", False)]),
    ("spring 2024", REF, [("spring 2024", "2024-03", "2024-05", "season", "at", False)]),
    ("the summer of 2024", REF, [("the summer of 2024", "2024-06", "2024-08", "season", "at", False)]),
    ("autumn 2024 and fall 2024", REF, [("autumn 2024", "2024-09", "2024-11", "season", "at", False),
                                       ("fall 2024", "2024-09", "2024-11", "season", "at", False)]),
    ("in winter 2024", REF, [("in winter 2024", "2024-12", "2025-02", "season", "at", False)]),
    ("last summer", REF, [("last summer", "2025-06", "2025-08", "season", "at", True)]),
    ("in 2014", REF, [("in 2014", "2014", "2014", "year", "at", False)]),
    ("During the 2024 floods, the regime executed officials.", REF,
     [("During the 2024", "2024", "2024", "year", "at", False)]),
    ("stole over $2 billion in crypto in 2025 alone.", REF,
     [("in 2025", "2025", "2025", "year", "at", False)]),
    ("The Ministry of Unification said 224 defectors arrived in 2025", REF,
     [("in 2025", "2025", "2025", "year", "at", False)]),
    ("(2023)", REF, [("2023", "2023", "2023", "year", "at", False)]),
    ("last year", REF, [("last year", "2025", "2025", "year", "at", True)]),
    ("this year", REF, [("this year", "2026", "2026", "year", "at", True)]),
    ("earlier this year", REF, [("earlier this year", "2026", "2026", "year", "at", True)]),
    ("late last year", REF, [("late last year", "2025-09", "2025-12", "season", "at", True)]),
    ("last month", REF, [("last month", "2025-12", "2025-12", "month", "at", True)]),
    ("earlier this month", REF, [("earlier this month", "2026-01", "2026-01", "month", "at", True)]),
    ("next year", REF, [("next year", "2027", "2027", "year", "at", True)]),
    ("two years ago", REF, [("two years ago", "2024", "2024", "year", "at", True)]),
    ("three months ago", REF, [("three months ago", "2025-10", "2025-10", "month", "at", True)]),
    ("last week", REF, [("last week", "2026-01-05", "2026-01-11", "day", "at", True)]),
    ("Since 2020, guards have had shoot-to-kill orders.", REF,
     [("Since 2020", "2020", None, "year", "since", False)]),
    ("multiple executions since August", REF, [("since August", "2025-08", None, "month", "since", True)]),
    ("Since taking power in 2011, Kim has transformed border security.", REF,
     [("in 2011", "2011", "2011", "year", "at", False)]),
    ("at least 1,076 since 2020", REF, [("since 2020", "2020", None, "year", "since", False)]),
    ("after 2019", REF, [("after 2019", "2019", None, "year", "since", False)]),
    ("until 2019", REF, [("until 2019", None, "2019", "year", "until", False)]),
    ("As of June 2023, 33,000 had arrived", REF,
     [("As of June 2023", None, "2023-06", "month", "until", False)]),
    ("from 2015 to 2018", REF, [("from 2015 to 2018", "2015", "2018", "year", "between", False)]),
    ("between 2019 and 2021", REF, [("between 2019 and 2021", "2019", "2021", "year", "between", False)]),
    ("2019-2021", REF, [("2019-2021", "2019", "2021", "year", "between", False)]),
    ("2019–21", REF, [("2019–21", "2019", "2021", "year", "between", False)]),
    ("the 1950-53 Korean War", REF, [("the 1950-53", "1950", "1953", "year", "between", False)]),
    ("the 2025-2030 plan", REF, [("the 2025-2030", "2025", "2030", "year", "between", False)]),
    ("from April 2015 to June 2018", REF,
     [("from April 2015 to June 2018", "2015-04", "2018-06", "month", "between", False)]),
    ("between March and May 2024", REF,
     [("between March and May 2024", "2024-03", "2024-05", "month", "between", False)]),
    ("from 26 April to 3 May 2024", REF,
     [("from 26 April to 3 May 2024", "2024-04-26", "2024-05-03", "day", "between", False)]),
    ("in the 1990s", REF, [("in the 1990s", "1990", "1999", "decade", "at", False)]),
    ("the 1990s", REF, [("the 1990s", "1990", "1999", "decade", "at", False)]),
    ("the late 1990s", REF, [("the late 1990s", "1996", "1999", "decade", "at", False)]),
    ("the '90s", REF, [("the '90s", "1990", "1999", "decade", "at", False)]),
    ("1940s-style brutality", REF, [("1940s", "1940", "1949", "decade", "at", False)]),
    ("in the past decade", REF, [("in the past decade", "2016", "2026", "decade", "at", True)]),
    ("over the past five years", REF, [("over the past five years", "2021", "2026", "year", "at", True)]),
    ("on Tuesday", REF, [("on Tuesday", "2026-01-13", "2026-01-13", "day", "at", True)]),
    # A weekday names the reference day itself when they fall together (REF is a Thursday): news is dated the day
    ("on Thursday", REF, [("on Thursday", "2026-01-15", "2026-01-15", "day", "at", True)]),
    ("last Thursday", REF, [("last Thursday", "2026-01-08", "2026-01-08", "day", "at", True)]),
    ("2024-04", REF, [("2024-04", "2024-04", "2024-04", "month", "at", False)]),
    # what is not a date
    ("2,000 people", REF, []),
    ("$2025 and 2,025 and 12025 and 2025.5", REF, []),
    ("2023 people fled", REF, []),
    ("A/HRC/25/63", REF, []),
    ("resolution 2270 and resolution 2024", REF, []),
    ("the 6th Bureau", REF, []),
    ("sentenced to 7 years", REF, []),
    ("She may have fled; they march on.", REF, []),
    ("1944 and 2040", REF, []),
    ("Sheikh Mohammed al-Awlaki", REF, []),
    ("The 2025 OHCHR report", REF, [("The 2025", "2025", "2025", "year", "at", False)]),
    ("31 February 2024", REF, [("February 2024", "2024-02", "2024-02", "month", "at", False)]),
]


@pytest.mark.parametrize(("text", "ref", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_find_dates(text: str, ref: dt.date, expected: list[tuple]) -> None:
    got = find_dates(text, ref)
    assert [(m.text, m.start, m.end, m.precision, m.relation, m.relative) for m in got] == expected
    for m in got:
        assert text[m.begin:m.stop] == m.text
        assert m.begin == text.index(m.text)


@pytest.mark.parametrize(
    "text", ["last year", "in April", "February 6th", "on Tuesday", "earlier this month",
             "in the past decade", "two years ago", "last summer"],
)  # fmt: skip
def test_relative_dropped_without_reference(text: str) -> None:
    assert find_dates(text, None) == []


def test_absolute_kept_without_reference() -> None:
    got = find_dates("In April 2025 and since 2020", None)
    expected = [("2025-04", "2025-04", "at"), ("2020", None, "since")]
    assert [(m.start, m.end, m.relation) for m in got] == expected


def test_seed_paragraph_offsets() -> None:
    text = ("The news coming out in early 2026 isn't great. In late 2025, reports surfaced. During the 2024 "
            "floods, officials were executed. Since 2020, guards have orders. In April 2025, China sent 60 "
            "people back. Cyber-actors stole over $2 billion in 2025 alone.")  # fmt: skip
    got = find_dates(text, REF)
    assert [m.text for m in got] == ["in early 2026", "In late 2025", "During the 2024", "Since 2020",
                                     "In April 2025", "in 2025"]  # fmt: skip
    assert all(text[m.begin:m.stop] == m.text for m in got)


def _naive(text: str, ref: dt.date | None) -> list:
    """The plain search loop the anchored scan must equal."""
    out, pos = [], 0
    while (m := dates._RX.search(text, pos)) is not None:
        hit = dates._hit(text, m, ref)
        if hit is None:
            pos = m.start() + 1
            continue
        out.append(hit)
        pos = hit.stop
    return out


_WORDS = st.sampled_from(
    ["in", "on", "since", "from", "to", "between", "and", "the", "late", "early", "mid-", "April", "May",
     "may", "2024", "2019-21", "1990s", "'90s", "6th", "26", "February", "last", "this", "year", "month",
     "Tuesday",
     "summer", "ago", "two", "past", "decade", "$", "2,000", "people", ",", ".", "-", "–", "(", ")", "end",
     "of", "until", "as of", "Q3", "first half", "week", "A/HRC/25/63", "resolution", "31", "2039", "1945"],
)  # fmt: skip
_PROSE = st.lists(_WORDS, max_size=30).map(" ".join) | st.text(max_size=200)


@settings(max_examples=300, deadline=None)
@given(text=_PROSE, ref=st.none() | st.dates(dt.date(1950, 1, 1), dt.date(2039, 12, 31)))
def test_properties(text: str, ref: dt.date | None) -> None:
    got = find_dates(text, ref)
    last = 0
    for m in got:
        assert last <= m.begin < m.stop <= len(text)
        assert text[m.begin:m.stop] == m.text
        assert m.precision in ("day", "month", "season", "year", "decade")
        assert m.relation in ("at", "since", "until", "between")
        assert m.start is not None or m.end is not None
        if m.relative:
            assert ref is not None
        last = m.stop
    assert dates._scan(text, ref) == _naive(text, ref)


# -- Korean (extract/dates_ko.py: the same DateMention, resolved against the publication date) ----------------
@pytest.mark.parametrize("text,ref,expected", [
    ("지난 9일", "2024-05-20", ("2024-05-09", "2024-05-09", "day")),
    ("지난 29일", "2024-05-20", ("2024-04-29", "2024-04-29", "day")),
    ("지난달 말", "2024-05-20", ("2024-04-21", "2024-04-30", "day")),
    ("지난달", "2024-01-10", ("2023-12", "2023-12", "month")),
    ("작년", "2024-05-20", ("2023", "2023", "year")),
    ("지난해 12월", "2024-05-20", ("2023-12", "2023-12", "month")),
    ("올해 3월", "2024-05-20", ("2024-03", "2024-03", "month")),
    ("2023년 8월 30일", None, ("2023-08-30", "2023-08-30", "day")),
    ("2020년 말", None, ("2020-09", "2020-12", "season")),
    ("지난 6월", "2024-05-20", ("2023-06", "2023-06", "month")),
    ("3월 1일", "2005-03-31", ("2005-03-01", "2005-03-01", "day")),
])  # fmt: skip
def test_korean_dates(text: str, ref: str | None, expected: tuple):
    found = korean_dates(text, dt.date.fromisoformat(ref) if ref else None)
    assert [(d.start, d.end, d.precision) for d in found] == [expected]
    assert found[0].text == text


def test_korean_date_relations_and_durations():
    (d,) = korean_dates("2019년부터 계속", dt.date(2024, 1, 1))
    assert (d.start, d.end, d.relation) == ("2019", None, "since")
    assert korean_dates("노동단련대 15일간", dt.date(2024, 1, 1)) == []
    # 말했다 is "said", not "the end"
    assert korean_dates("그는 지난달 말했다", dt.date(2024, 5, 20))[0].text == "지난달"
