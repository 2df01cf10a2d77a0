"""The linker's reasoning about who, when and why (issue 13): names across spellings and scripts, dates told
relative to the report, other people or other grounds as evidence against, the size of one theft as that
occurrence, and proposals that say why two claims were kept apart. Real claims through the linker."""

from __future__ import annotations

from sqlalchemy import select

from nkwatch.link.records import build, persons
from nkwatch.link.rows import claim_rows
from nkwatch.link.run import link
from nkwatch.store.models import Claim, DuplicateProposal

from .factory import add_claim, add_source


def incident_of(store, cid: str) -> str | None:
    with store.session() as s:
        return s.get(Claim, cid).incident_id


def said(store, cid: str, when_text: str) -> None:
    """The phrase the claim's date was read from ("last month"), as the coder stores it."""
    with store.session() as s:
        c = s.get(Claim, cid)
        c.when = dict(c.when, text=when_text)


def test_one_person_in_any_spelling_or_script_has_one_key():
    keys = [persons(q) for q in ("Vice premier Kim Yong Jin was executed.", "Kim Yong-jin was shot.",
                                 "Kim Yongjin was shot.", "교육부총리 김용진이 처형을 당했고")]  # fmt: skip
    assert all(set(k) == {"@kimyonkcin"} for k in keys)
    assert set(persons("Kim Yong Chol was sent to a farm")) != set(keys[0])  # another person
    assert persons("Kim Jong Un's uncle was executed") == {}  # the leader names no one in particular


def test_a_korean_and_an_english_report_of_one_execution_link_through_the_name(store):
    en = "According to a South Korean official, vice premier for education Kim Yong Jin was executed in July."
    ko = "통일부 대변인은 \"교육부총리 김용진이 처형을 당했다\"라고 밝혔다."
    a = add_claim(store, add_source(store, "en", en, published="2016-09-01"), en, act="execution", when="2016-07",
                  place="kp")  # fmt: skip
    b = add_claim(store, add_source(store, "ko", ko, published="2016-08-31"), ko, act="execution", place="kp")
    other = "통일부는 김영철 통전부장이 처형됐다고 밝혔다."  # the same act, undated, another man
    c = add_claim(store, add_source(store, "ko2", other, published="2016-08-31"), other, act="execution",
                  place="kp")  # fmt: skip
    link(store)
    assert incident_of(store, a) == incident_of(store, b)
    assert incident_of(store, c) != incident_of(store, a)


def test_last_month_in_a_report_of_the_month_start_reaches_the_report_month(store):
    """"Last month" in a report of 10 July may be the month the execution was reported, not done: it can be
    the early-July execution another source dates."""
    q1 = "A government official reported last month that around 30 middle school students were executed."
    q2 = "About 30 middle school students were publicly executed in early July for watching dramas."
    a = add_claim(store, add_source(store, "a", q1, published="2024-07-10"), q1, act="execution", when="2024-06",
                  place="kp", count=30, grounds="foreign_media")  # fmt: skip
    said(store, a, "last month")
    b = add_claim(store, add_source(store, "b", q2, published="2024-07-12"), q2, act="execution", when="2024-07",
                  place="kp", count=30, grounds="foreign_media")  # fmt: skip
    link(store)
    assert incident_of(store, a) == incident_of(store, b)


def test_last_month_late_in_the_month_means_last_month(store):
    """In a report of 27 July, "last month" is June: a July execution is another occurrence (or the same one
    dated differently: a reviewer is asked)."""
    q2 = "About 30 middle school students were publicly executed in early July for watching dramas."
    q3 = "Around 30 students were executed last month for watching South Korean dramas, officials said."
    b = add_claim(store, add_source(store, "b", q2, published="2024-07-12"), q2, act="execution", when="2024-07",
                  place="kp", count=30, grounds="foreign_media")  # fmt: skip
    c = add_claim(store, add_source(store, "c", q3, published="2024-07-27"), q3, act="execution", when="2024-06",
                  place="kp", count=30, grounds="foreign_media")  # fmt: skip
    said(store, c, "last month")
    link(store)
    assert incident_of(store, c) != incident_of(store, b)
    with store.session() as s:
        assert [p.conflict for p in s.scalars(select(DuplicateProposal))] == ["when"]


def test_other_named_people_of_the_same_act_and_month_are_kept_apart_and_proposed_with_the_reason(store):
    q1 = "Vice premier Kim Yong Jin was executed by firing squad in July 2016, officials said."
    q2 = "Education official Ri Yong Jin was executed by anti-aircraft gun in July 2016, officials said."
    a = add_claim(store, add_source(store, "a", q1), q1, act="execution", when="2016-07", place="kp")
    b = add_claim(store, add_source(store, "b", q2), q2, act="execution", when="2016-07", place="kp")
    link(store)
    assert incident_of(store, a) != incident_of(store, b)
    with store.session() as s:
        (p,) = s.scalars(select(DuplicateProposal)).all()
    assert p.conflict == "who"
    assert sorted(map(tuple, p.detail["values"])) == [("Kim Yong Jin",), ("Ri Yong Jin",)]
    assert "persons_differ" in p.detail["evidence"]["against"]
    assert {"same_act", "time_precise_match"} <= set(p.detail["evidence"]["for"])


def test_other_grounds_count_against_a_pair(store):
    """Undated executions reported in the same weeks: the same grounds link them, other grounds (dramas;
    failing to prevent a flood) count against a pair that little else joins, and it is shown to a reviewer."""
    q1 = "The authorities executed residents for watching dramas from the South, a source said."
    q2 = "The authorities executed officials for failing to prevent flood damage, a source said."
    q3 = "The authorities executed residents for watching dramas from the South, TV Chosun said."
    a = add_claim(store, add_source(store, "a", q1), q1, act="execution", place="kp", grounds="foreign_media")
    b = add_claim(store, add_source(store, "b", q2), q2, act="execution", place="kp", grounds="dereliction")
    c = add_claim(store, add_source(store, "c", q3), q3, act="execution", place="kp", grounds="foreign_media")
    link(store)
    assert incident_of(store, a) == incident_of(store, c)
    assert incident_of(store, b) != incident_of(store, a)
    with store.session() as s:
        conflicts = {p.conflict: p.detail for p in s.scalars(select(DuplicateProposal))}
    assert sorted(conflicts["grounds"]["values"]) == ["dereliction", "foreign_media"]
    assert "grounds_differ" in conflicts["grounds"]["evidence"]["against"]


def test_the_size_of_one_theft_links_as_that_theft(store):
    """"$625 million stolen from Ronin" is the size of one occurrence, not a figure over a period: reports of
    it link (the coder gives no period), and another theft does not join."""
    q1 = "North Korean hackers stole $625 million from the Ronin Network last month."
    q2 = "North Korean Hackers Behind $625 Million Crypto Theft from Ronin Network"
    q3 = "Hackers made off with $100 million from the Harmony Horizon Bridge in June."
    kw = {"kind": "statistic", "indicator": "crypto_theft_usd", "unit": "usd"}
    a = add_claim(store, add_source(store, "a", q1, published="2022-04-19"), q1, when="2022-03", value=625e6, **kw)
    b = add_claim(store, add_source(store, "b", q2, published="2022-04-15"), q2, value=625e6, **kw)
    c = add_claim(store, add_source(store, "c", q3, published="2022-07-01"), q3, when="2022-06", value=100e6, **kw)
    link(store)
    assert incident_of(store, a) == incident_of(store, b)
    assert incident_of(store, c) != incident_of(store, a)


def test_an_incremental_run_joins_a_theft_to_its_stored_reports(store):
    q1 = "North Korean hackers stole $625 million from the Ronin Network last month."
    q2 = "North Korean Hackers Behind $625 Million Crypto Theft from Ronin Network"
    kw = {"kind": "statistic", "indicator": "crypto_theft_usd", "unit": "usd"}
    a = add_claim(store, add_source(store, "a", q1, published="2022-04-19"), q1, when="2022-03", value=625e6, **kw)
    link(store)
    b = add_claim(store, add_source(store, "b", q2, published="2022-04-15"), q2, value=625e6, **kw)
    link(store)
    assert incident_of(store, a) == incident_of(store, b)


def test_an_undated_claim_is_about_the_people_its_article_names(store):
    """"Top officials were executed with an anti-aircraft gun" names no one, but its article names Ri Yong Jin:
    it does not join Kim Yong Jin's execution of the same weeks."""
    text = ("North Korea executed top officials with an anti-aircraft gun, sources said. "
            "The other executed man was Ri Yong-Jin.")  # fmt: skip
    src = add_source(store, "a", text, published="2016-08-30")
    a1 = add_claim(store, src, "North Korea executed top officials with an anti-aircraft gun, sources said.",
                   act="execution", place="kp")  # fmt: skip
    a2 = add_claim(store, src, "The other executed man was Ri Yong-Jin.", act="execution", place="kp")
    q = "North Korea executed vice premier Kim Yong Jin by firing squad in July, sources said."
    b = add_claim(store, add_source(store, "b", q, published="2016-08-31"), q, act="execution", when="2016-07",
                  place="kp")  # fmt: skip
    link(store)
    assert incident_of(store, a1) == incident_of(store, a2)
    assert incident_of(store, b) not in (incident_of(store, a1), incident_of(store, a2))
    with store.session() as s:  # whatever order the clustering meets them in: a1 itself carries Ri Yong Jin
        rows = claim_rows(s, Claim.id.in_([a1, a2, b]))
    r, _ = build(rows)
    at = {cid: i for i, cid in enumerate(r.ids)}
    assert r.named_sig[at[a1]] == r.named_sig[at[a2]] != r.named_sig[at[b]]
