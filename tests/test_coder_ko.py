"""The coder on Korean: the same rules and dictionaries as English, Korean read on morphemes (extract/korean.py).

Sentences written the way Korean news about North Korea writes them; rules only (the learned stage is tested in
tests/test_learned.py)."""

from __future__ import annotations

import pytest

from nkwatch.extract import extract_claims, learned
from nkwatch.extract.korean import KoreanEntries, KoreanText, compile_entry, hearsay, negated, past


def code(text: str, published: str | None = "2024-05-20") -> list[dict]:
    with learned.use(None):
        return extract_claims(text, published_at=published, source_id="k" * 64, language="ko")


def one(text: str, published: str | None = "2024-05-20") -> dict:
    claims = code(text, published)
    assert len(claims) == 1, [(c["kind"], c["act"] or c["indicator"], c["rule"]) for c in claims]
    return claims[0]


def test_public_execution_event_with_day_place_count_and_grounds():
    c = one("양강도 혜산시에서 지난 9일 한국 드라마를 유포한 주민 3명이 공개처형됐다고 데일리NK 소식통이 전했다.")
    assert (c["kind"], c["act"]) == ("event", "execution")
    assert c["when"]["start"] == "2024-05-09" and c["when"]["precision"] == "day"
    assert c["where"]["place_id"] == "kp-hyesan"
    assert c["victims"]["count"] == 3
    assert c["grounds"] == "foreign_media"
    assert c["perpetrator"]["id"] == "dprk_state"
    assert c["hedged"] is False  # ~라고 전했다 is plain attribution
    assert c["rule"] == "event.dated-past:execution<공개처형>"


def test_arrest_by_state_security_last_month_women():
    c = one("국가보위성은 지난달 말 회령시에서 탈북을 시도하던 여성 2명을 체포했다.")
    assert (c["kind"], c["act"]) == ("event", "arrest")
    assert c["perpetrator"]["id"] == "mss"
    assert c["where"]["place_id"] == "kp-hoeryong"
    assert c["when"]["start"].startswith("2024-04") and c["victims"] == {
        "count": 2, "count_min": None, "count_max": None, "group": "women", "text": "2명"}  # fmt: skip
    assert c["grounds"] == "defection"


def test_forced_repatriation_by_china_hedged():
    c = one("중국 공안은 2023년 10월 9일 탈북민 600여 명을 강제북송한 것으로 알려졌다.", "2023-10-12")
    assert (c["kind"], c["act"]) == ("event", "forced_repatriation")
    assert c["perpetrator"]["id"] == "prc_authorities"
    assert c["when"]["start"] == "2023-10-09"
    assert c["victims"]["count_min"] == 600 and c["victims"]["group"] == "escapees"
    assert c["hedged"] is True


@pytest.mark.parametrize("text", [
    "북한 보위부는 지난 3월 무산군에서 중국 휴대폰으로 통화한 주민 5명을 붙잡았다.",
    "북한 보위부에 지난 3월 무산군에서 중국 휴대폰으로 통화한 주민 5명이 붙잡혔다.",
])  # fmt: skip
def test_native_verb_inflections_are_read_on_their_stem(text: str):
    c = one(text)
    assert (c["kind"], c["act"], c["perpetrator"]["id"]) == ("event", "arrest", "mss")
    assert c["grounds"] == "communication" and c["where"]["place_id"] == "kp-musan"
    assert c["when"]["start"] == "2024-03"


def test_negated_act_is_no_claim():
    assert code("보위부는 지난 9일 체포한 주민들을 처형하지 않았다.") == [
        c for c in code("보위부는 지난 9일 체포한 주민들을 처형하지 않았다.") if c["act"] != "execution"]
    assert all(c["act"] != "execution" for c in code("보위부는 지난 9일 체포한 주민들을 처형하지 않았다."))


def test_border_guards_and_ryanggang():
    c = one("지난해 8월 양강도 국경경비대가 압록강을 건너던 탈북민 1명을 사살했다.")
    assert (c["kind"], c["act"]) == ("event", "border_killing")
    assert c["perpetrator"]["id"] == "kpa_border_guard"
    assert c["when"]["start"] == "2023-08"


def test_sentence_under_a_law_with_reeducation_years():
    claims = code("평양시 재판소는 올해 2월 반동사상문화배격법 위반 혐의로 청소년 2명에게 노동교화형 15년을 선고했다.")
    c = next(c for c in claims if c["act"] == "sentence")
    assert c["kind"] == "event" and c["perpetrator"]["id"] == "court"
    assert c["law"] == "rirca_2020"
    assert c["punishment"] == {"type": "reeducation", "years": 15}
    assert c["victims"]["group"] == "children" and c["victims"]["count"] == 2
    assert c["where"]["place_id"] == "kp-pyongyang" and c["when"]["start"] == "2024-02"


def test_practice_is_a_pattern():
    claims = code("북한 교화소에서는 수감자들에 대한 구타와 고문이 일상적으로 벌어진다.")
    c = next(c for c in claims if c["act"] == "torture")
    assert c["kind"] == "pattern" and c["when"] is None


def test_hearsay_ending_hedges():
    c = one("함흥시에서 지난달 20일 간첩 혐의로 체포된 남성이 공개총살을 당했다고 한다.")
    assert (c["kind"], c["act"], c["hedged"]) == ("event", "execution", True)


def test_statistic_with_korean_counts():
    c = one("지난해 국내에 입국한 탈북민은 196명으로 집계됐다.")
    assert (c["kind"], c["indicator"], c["value"]) == ("statistic", "defector_arrivals", 196.0)
    assert c["when"]["start"] == "2023"


def test_english_text_is_not_read_as_korean():
    with learned.use(None):
        claims = extract_claims("Police arrested three women in Hyesan on 9 May 2024.", published_at="2024-05-20",
                                source_id="e" * 64, language="en")  # fmt: skip
    assert [(c["kind"], c["act"]) for c in claims] == [("event", "arrest")]


# -- the pieces --------------------------------------------------------------------------------------------
def test_entries_match_inflections_and_spacing():
    e = KoreanEntries()
    e.add("처형", "execution")
    e.add("공개처형", "public")
    e.add("붙잡히다", "caught")
    e.add("탈북*", "escapee")
    text = "공개 처형을 당했다. 처형됐다. 처형당했다. 붙잡혀 끌려갔다. 탈북민들이"
    hits = {(text[b:x], p) for b, x, p, _ in e.find(KoreanText(text))}
    assert {("공개 처형", "public"), ("처형", "execution"), ("붙잡혀", "caught"), ("탈북민", "escapee")} <= hits
    assert sum(1 for h in hits if h[1] == "execution") >= 1


def test_compiled_entries_drop_endings():
    assert compile_entry("것으로 알려졌다", None)[1].forms == ("것", "으로", "알려지")
    assert compile_entry("붙잡히다", None)[1].forms == ("붙잡히",)


def test_predicate_morphology():
    t = "주민 3명이 처형됐다. 그들은 처형하지 않았다. 처형 예정이다."
    kt = KoreanText(t)
    assert past(kt, t.index("처형") + 2)
    assert negated(kt, t.index("처형하지") + 2)
    assert not negated(kt, t.index("처형") + 2)
    assert not past(kt, t.index("처형 예정") + 2, len(t))
    said = "체포됐다고 한다."
    assert hearsay(KoreanText(said), len(said)) is not None
    assert hearsay(KoreanText("체포됐다고 말했다."), len("체포됐다고 말했다.")) is None
