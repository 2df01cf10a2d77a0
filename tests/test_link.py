"""Linking claims into incidents, on SQLite and PostgreSQL, with claims built directly (not by the coder)."""

from __future__ import annotations

from sqlalchemy import select

from nkwatch.link.run import link
from nkwatch.store.models import Claim, DuplicateProposal, Incident

from .factory import add_claim, add_source

OCT = "On 9 October 2023 China forcibly repatriated more than 500 North Koreans from Tumen and Hunchun."


def incident_of(store, cid: str) -> str | None:
    with store.session() as s:
        return s.get(Claim, cid).incident_id


def test_same_occurrence_from_several_sources_is_one_incident(store):
    a = add_source(store, "rfa", OCT, reliability="B")
    b = add_source(store, "yonhap", "Some 600 North Koreans were repatriated from China in October 2023, "
                                    "activists said.", reliability="A")  # fmt: skip
    c = add_source(store, "copy", OCT + " Source: RFA", reliability="D", derived_from=a)
    ca = add_claim(store, a, OCT, when="2023-10-09", precision="day", place="cn-tumen", count=500)
    cb = add_claim(store, b, "Some 600 North Koreans were repatriated from China in October 2023", when="2023-10",
                   place="cn", count=600)  # fmt: skip
    cc = add_claim(store, c, OCT, when="2023-10-09", precision="day", place="cn-tumen", count=500)
    report = link(store)
    assert report.incidents == 1
    iid = incident_of(store, ca)
    assert iid and iid == incident_of(store, cb) == incident_of(store, cc)
    with store.session() as s:
        inc = s.get(Incident, iid)
        assert (inc.n_sources, inc.n_independent) == (3, 2)  # the copy does not corroborate
        assert (inc.count_min, inc.count_max) == (500, 600)
        assert inc.when_start == "2023-10-09" and inc.place_id == "cn-tumen"
        assert inc.confidence_breakdown["independent_sources"] == 2
        reported = {r["source_id"] for r in inc.fields["victims"]["reported"]}
        assert reported == {a, b, c}  # who said what stays visible


def test_contradictory_claims_are_never_merged(store):
    a = add_source(store, "a", "China sent back 40 North Koreans in September 2023.")
    b = add_source(store, "b", "China sent back 40 North Koreans in August 2023.")
    c = add_source(store, "c", "Prisoners were executed at Camp 15 in 2022.")
    d = add_source(store, "d", "Prisoners were executed at Camp 16 in 2022.")
    x = add_claim(store, a, "China sent back 40 North Koreans in September 2023", when="2023-09", count=40)
    y = add_claim(store, b, "China sent back 40 North Koreans in August 2023", when="2023-08", count=40)
    z = add_claim(store, c, "Prisoners were executed at Camp 15 in 2022", act="execution", when="2022",
                  precision="year", place="camp-15", perpetrator="mss")  # fmt: skip
    w = add_claim(store, d, "Prisoners were executed at Camp 16 in 2022", act="execution", when="2022",
                  precision="year", place="camp-16", perpetrator="mss")  # fmt: skip
    link(store)
    assert incident_of(store, x) != incident_of(store, y)  # two different months
    assert incident_of(store, z) != incident_of(store, w)  # two different camps
    with store.session() as s:  # each pair agrees on all but one hard field: shown to reviewers
        conflicts = sorted(p.conflict for p in s.scalars(select(DuplicateProposal)))
    assert conflicts == ["when", "where"]


def test_an_incremental_run_proposes_a_conflict_with_a_stored_incident(store):
    """A stored claim read for one new claim (North Korea: every place in it) may conflict with another new claim
    (another camp). Its cluster gained nothing, so its fields were never merged: the proposal still shows both
    places."""
    text = "Prisoners were executed at Camp 15 in 2022, a former guard said."
    z = add_claim(store, add_source(store, "c", text), text, act="execution", when="2022", precision="year",
                  place="camp-15", perpetrator="mss", count=7)  # fmt: skip
    link(store)
    text = "Seven prisoners were executed at Camp 16 in 2022, a former guard said."
    w = add_claim(store, add_source(store, "d", text), text, act="execution", when="2022", precision="year",
                  place="camp-16", perpetrator="mss", count=7)  # fmt: skip
    text = "Public executions went on across North Korea throughout 2022, Seoul said."
    add_claim(store, add_source(store, "e", text), text, act="execution", when="2022", precision="year", place="kp")
    link(store)
    assert incident_of(store, z) != incident_of(store, w)
    with store.session() as s:
        (p,) = s.scalars(select(DuplicateProposal)).all()
    assert p.conflict == "where" and sorted(v["place_id"] for v in p.detail["values"]) == ["camp-15", "camp-16"]


def test_same_count_dated_a_year_apart_is_proposed_not_merged(store):
    seed = add_source(store, "seed", "In April 2025, China reportedly sent 60 people back.", published="2026-01-15")
    hrw = add_source(store, "hrw", "China forcibly returned 60 North Korean refugees on April 26, 2024.")
    s1 = add_claim(store, seed, "In April 2025, China reportedly sent 60 people back.", when="2025-04", count=60,
                   place="cn", hedged=True)  # fmt: skip
    s2 = add_claim(store, hrw, "China forcibly returned 60 North Korean refugees on April 26, 2024.",
                   when="2024-04-26", precision="day", count=60, place="cn")  # fmt: skip
    link(store)
    assert incident_of(store, s1) != incident_of(store, s2)
    with store.session() as s:
        (p,) = s.scalars(select(DuplicateProposal)).all()
        assert p.conflict == "when" and {p.incident_a, p.incident_b} == {incident_of(store, s1),
                                                                          incident_of(store, s2)}  # fmt: skip


def test_incremental_links_only_new_claims_and_full_rerun_is_stable(store):
    a = add_source(store, "rfa", OCT)
    ca = add_claim(store, a, OCT, when="2023-10-09", precision="day", place="cn-tumen", count=500)
    other = add_source(store, "x", "Three men were executed in Hyesan in March 2024.")
    cx = add_claim(store, other, "Three men were executed in Hyesan in March 2024", act="execution",
                   when="2024-03", place="kp-hyesan", count=3, perpetrator="dprk_state")  # fmt: skip
    link(store)
    first = incident_of(store, ca)
    b = add_source(store, "kh", "China repatriated about 600 North Koreans on October 9, 2023.")
    cb = add_claim(store, b, "China repatriated about 600 North Koreans on October 9, 2023.", when="2023-10-09",
                   precision="day", count=600, place="cn")  # fmt: skip
    report = link(store)
    assert report.assigned == 1 and incident_of(store, cb) == first  # only the new claim moved
    assert incident_of(store, ca) == first  # the stored incident kept its id
    assert link(store).claims == 0  # nothing new: nothing to do
    with store.session() as s:
        before = sorted((c.id, c.incident_id) for c in s.scalars(select(Claim)))
    link(store, full=True)
    link(store, full=True)
    with store.session() as s:
        after = sorted((c.id, c.incident_id) for c in s.scalars(select(Claim)))
    assert after == before and incident_of(store, cx) != first


def test_statistics_of_one_indicator_and_period_link_with_their_range(store):
    a = add_source(store, "mou", "The ministry said 236 defectors arrived in 2024.")
    b = add_source(store, "news", "Some 240 North Korean defectors reached the South last year.", published="2025-01")
    x = add_claim(store, a, "236 defectors arrived in 2024", kind="statistic", indicator="defector_arrivals",
                  value=236, unit="people_per_year", period="2024")  # fmt: skip
    y = add_claim(store, b, "Some 240 North Korean defectors reached the South last year", kind="statistic",
                  indicator="defector_arrivals", value=240, unit="people_per_year", period="2024")  # fmt: skip
    link(store)
    iid = incident_of(store, x)
    assert iid == incident_of(store, y)
    with store.session() as s:
        inc = s.get(Incident, iid)
        assert (inc.kind, inc.value_min, inc.value_max) == ("statistic", 236, 240)


def test_a_period_reported_by_many_sources_is_one_incident(store):
    """Statistics are not vague claims that join only their best partner: every value of one indicator and
    period lands in one incident, however many sources give one."""
    ids = []
    ministry = "defectors arrived in 2024, the unification ministry said in its annual count"
    institute = "people fled to the South last year, according to a research institute in Seoul"
    texts = [f"236 {ministry}.", f"236 {ministry} on Monday.", f"240 {institute}.", f"240 {institute}, it said.",
             f"196 {ministry} of arrivals.", f"250 {institute} and a church group."]  # fmt: skip
    for k, text in enumerate(texts):  # two pairs of near-copies: each claim's best partner is its near-copy
        src = add_source(store, f"s{k}", text, reliability="ABCDFB"[k])
        ids.append(add_claim(store, src, text, kind="statistic", indicator="defector_arrivals",
                             value=float(text.split()[0]), unit="people_per_year", period="2024"))  # fmt: skip
    link(store, full=True)
    assert len({incident_of(store, c) for c in ids}) == 1
    extra = add_source(store, "late", "A late report: 238 defectors arrived in 2024.")
    late = add_claim(store, extra, "238 defectors arrived in 2024", kind="statistic", indicator="defector_arrivals",
                     value=238, unit="people_per_year", period="2024")  # fmt: skip
    link(store)  # incremental: it joins the period's incident, whose range and sources are made from all values
    with store.session() as s:
        inc = s.get(Incident, incident_of(store, ids[0]))
        assert incident_of(store, late) == inc.id
        assert (inc.value_min, inc.value_max, inc.n_claims, inc.n_sources) == (196, 250, 7, 7)


def test_same_month_in_two_towns_needs_more_than_the_month(store):
    """Two executions in one month in two towns are two occurrences unless something else ties them."""
    a = add_source(store, "a", "Three men were shot in Hyesan in March 2024 for smuggling.")
    b = add_source(store, "b", "A public trial in Chongjin in March 2024 ended with a woman's execution.")
    x = add_claim(store, a, "Three men were shot in Hyesan in March 2024 for smuggling", act="execution",
                  when="2024-03", place="kp-hyesan")  # fmt: skip
    y = add_claim(store, b, "A public trial in Chongjin in March 2024 ended with a woman's execution",
                  act="execution", when="2024-03", place="kp-chongjin")  # fmt: skip
    link(store, full=True)
    assert incident_of(store, x) != incident_of(store, y)
    # The same day and the same number of victims: one occurrence named after two places (a mass repatriation
    # through Tumen and Hunchun), linked.
    c = add_source(store, "c", "On 9 October 2023 China sent 500 North Koreans back through Tumen.")
    d = add_source(store, "d", "Hundreds were returned via Hunchun on 9 October 2023: 500 people, a group said.")
    u = add_claim(store, c, "On 9 October 2023 China sent 500 North Koreans back through Tumen", when="2023-10-09",
                  precision="day", place="cn-tumen", count=500)  # fmt: skip
    v = add_claim(store, d, "Hundreds were returned via Hunchun on 9 October 2023: 500 people", when="2023-10-09",
                  precision="day", place="cn-hunchun", count=500)  # fmt: skip
    link(store, full=True)
    assert incident_of(store, u) == incident_of(store, v)


def test_many_moves_go_through_one_update(store):
    """A first full link moves every claim: that path (temporary table, UPDATE ... FROM) on both backends."""
    from nkwatch.link.run import _move_claims
    from nkwatch.store.writes import insert_claims

    sid = add_source(store, "bulk", "x" * 10)
    rows = [{"id": f"c{i:05}", "source_id": sid, "span": {"start": 0, "end": 1}, "quote": "x", "kind": "event",
             "act": "arrest", "hedged": False, "rule": "test", "extractor_version": "test"} for i in range(1500)]
    with store.session() as s:
        insert_claims(s, rows)
    with store.session() as s:
        _move_claims(s, [{"cid": r["id"], "iid": f"inc-{int(r['id'][1:]) % 7}"} for r in rows])
    with store.session() as s:
        got = {c.id: c.incident_id for c in s.scalars(select(Claim))}
    assert len(got) == 1500 and all(got[f"c{i:05}"] == f"inc-{i % 7}" for i in range(1500))


def test_acts_of_one_group_link_on_the_same_day_only(store):
    """A killing at sea is 'shot dead' to one source and 'executed' to another: one incident. Two acts of one
    group on different days of a month are two occurrences."""
    a = add_source(store, "a", "North Korean troops shot dead a South Korean official at sea on 22 September 2020.")
    b = add_source(store, "b", "The South Korean official was executed at sea by North Korean troops on 22 September "
                               "2020.")  # fmt: skip
    x = add_claim(store, a, "North Korean troops shot dead a South Korean official at sea on 22 September 2020",
                  act="border_killing", when="2020-09-22", precision="day", place="kp", count=1)  # fmt: skip
    y = add_claim(store, b, "The South Korean official was executed at sea by North Korean troops on 22 September",
                  act="execution", when="2020-09-22", precision="day", place="kp", count=1)  # fmt: skip
    c = add_source(store, "c", "Border guards shot dead a man crossing the Tumen river on 3 May 2021.")
    d = add_source(store, "d", "A man was publicly executed in Hyesan on 20 May 2021.")
    z = add_claim(store, c, "Border guards shot dead a man crossing the Tumen river on 3 May 2021",
                  act="border_killing", when="2021-05-03", precision="day", place="kp", count=1)  # fmt: skip
    w = add_claim(store, d, "A man was publicly executed in Hyesan on 20 May 2021", act="execution",
                  when="2021-05-20", precision="day", place="kp", count=1)  # fmt: skip
    f = add_source(store, "f", "Soldiers executed a fisherman at sea off Haeju on 10 June 2019.")
    t = add_claim(store, f, "Soldiers executed a fisherman at sea off Haeju on 10 June 2019", act="execution",
                  when="2019-06-10", precision="day", place="kp", count=1)  # fmt: skip
    link(store, full=True)
    assert incident_of(store, x) == incident_of(store, y)
    assert incident_of(store, z) != incident_of(store, w)
    # An incremental run compares a new claim with the stored claims of the other acts of its group too.
    e = add_source(store, "e", "Soldiers shot dead a fisherman at sea off Haeju on 10 June 2019, Seoul said.")
    u = add_claim(store, e, "Soldiers shot dead a fisherman at sea off Haeju on 10 June 2019",
                  act="border_killing", when="2019-06-10", precision="day", place="kp", count=1)  # fmt: skip
    link(store)
    assert incident_of(store, u) == incident_of(store, t)


def test_year_dated_events_at_two_towns_do_not_chain_through_a_country_wide_claim(store):
    """Each claim dated only to a year joins its best partner; without a guard on places, the arrests of one
    year in two towns would gather into one incident through a claim that says only "North Korea"."""
    texts = {"kp-hyesan": "In 2019 police arrested 12 people in Hyesan for using Chinese phones.",
             "kp": "In 2019 police arrested 12 people in North Korea for using Chinese phones.",
             "kp-kaesong": "In 2019 police arrested 12 people in Kaesong for using Chinese phones."}  # fmt: skip
    ids = {}
    for place, text in texts.items():
        src = add_source(store, place, text)
        ids[place] = add_claim(store, src, text, act="arrest", when="2019", precision="year", place=place, count=12)
    link(store)
    hub = incident_of(store, ids["kp"])
    assert incident_of(store, ids["kp-hyesan"]) != incident_of(store, ids["kp-kaesong"])
    assert hub in (incident_of(store, ids["kp-hyesan"]), incident_of(store, ids["kp-kaesong"]))  # it joins one
    # Two ends of one crossing, in two countries, still meet.
    crossing = {"kp-hyesan": "In 2019 guards caught 12 people crossing the river at Hyesan.",
                "cn-changbai": "In 2019 guards caught 12 people crossing the river at Changbai."}  # fmt: skip
    both = [add_claim(store, add_source(store, p + "-x", t), t, act="arrest", when="2019", precision="year",
                      place=p, count=12) for p, t in crossing.items()]  # fmt: skip
    link(store)
    assert incident_of(store, both[0]) == incident_of(store, both[1])


def test_a_figure_quoted_by_hundreds_of_claims_is_summarised_by_value():
    """Who said which number stays readable: one entry a claim up to 30, then one a distinct value (from its most
    reliable source, with how many claims gave it), then the ends and the most reported, and a count of the rest."""
    from nkwatch.link.incidents import REPORTED_CAP, SourceInfo, merge

    def claims(values: list[float]) -> tuple[list[dict], dict]:
        cs = [{"id": f"c{k:03}", "source_id": f"s{k:03}", "kind": "statistic", "value": v, "quote": f"{v} people"}
              for k, v in enumerate(values)]  # fmt: skip
        return cs, {c["source_id"]: SourceInfo(c["source_id"], "A" if k == 7 else "C", c["source_id"])
                    for k, c in enumerate(cs)}  # fmt: skip

    few, src = claims([236.0, 240.0, 236.0])
    assert [r["claim_id"] for r in merge(few, src)["victims"]["reported"]] == ["c000", "c001", "c002"]
    many, src = claims([236.0, 240.0, 196.0] * 20)  # 60 claims, 3 values
    v = merge(many, src)["victims"]
    assert [(r["min"], r["claims"]) for r in v["reported"]] == [(196.0, 20), (236.0, 20), (240.0, 20)]
    assert v["reported"][1]["claim_id"] == "c000" and v["reported"][2]["claim_id"] == "c007"  # c007: grade A
    spread, src = claims([float(100 + k) for k in range(50)] + [150.0] * 5)  # 51 distinct values
    v = merge(spread, src)["victims"]
    shown = [r["min"] for r in v["reported"]]
    assert len(shown) == REPORTED_CAP and (shown[0], shown[-1], v["min"], v["max"]) == (100, 150, 100, 150)
    assert v["omitted"] == {"values": 51 - REPORTED_CAP, "claims": 51 - REPORTED_CAP}
