"""The English coder: each rule, on sentences of the kind real reports contain.

These test the rules, so they run without the learned stage (tests/test_learned.py tests it and the two
together); the seed articles are scored with both, as nkwatch runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nkwatch.extract import extract_claims, learned

from .conftest import SEEDS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def code(text: str, published: str | None = "2024-06-01") -> list[dict]:
    with learned.use(None):
        return extract_claims(text, published_at=published, source_id="s" * 64)


def one(text: str, published: str | None = "2024-06-01") -> dict:
    claims = code(text, published)
    assert len(claims) == 1, [(c["kind"], c["act"] or c["indicator"], c["rule"]) for c in claims]
    return claims[0]


def test_dated_event_with_count_place_and_perpetrator():
    c = one("On 9 October 2023, Chinese authorities forcibly repatriated more than 500 North Koreans through Tumen.")
    assert (c["kind"], c["act"]) == ("event", "forced_repatriation")
    assert c["when"]["start"] == "2023-10-09" and c["when"]["precision"] == "day"
    assert c["victims"]["count_min"] == 500 and c["victims"]["group"] == "escapees"
    assert c["perpetrator"]["id"] == "prc_authorities"
    assert c["where"]["place_id"] == "cn-tumen"
    assert c["rule"].startswith("event.dated-past:forced_repatriation")
    assert c["evidence"]["trigger"] == "repatriated"


def test_relative_date_resolves_against_publication():
    c = one("In April, China reportedly sent 60 people back.", published="2026-01-15")
    assert c["when"]["start"] == "2025-04" and c["hedged"] is True


def test_sentence_with_years_grounds_and_context():
    text = ("In late 2025, a man was sentenced to seven years of forced labour for watching South Korean dramas.\n"
            "The woman who lent him the files? She got 15 years.")
    first, second = code(text, published="2026-01-15")
    assert (first["act"], first["punishment"], first["grounds"]) == (
        "sentence", {"type": "labour_camp", "years": 7}, "foreign_media")
    assert first["perpetrator"]["id"] == "court" and first["victims"]["count"] == 1
    assert second["kind"] == "event" and second["punishment"]["years"] == 15
    assert second["when"]["start"].startswith("2025")  # from the sentence before
    assert set(second["evidence"]["inherited"]) >= {"when", "grounds"}


def test_pattern_statistic_and_hedge_distinctions():
    p = one("Border guards routinely shoot people trying to cross into China.")
    assert (p["kind"], p["act"], p["perpetrator"]["id"]) == ("pattern", "border_killing", "kpa_border_guard")
    assert p["where"]["place_id"] == "border-kp-cn" and p["grounds"] == "defection"
    s = one("The ministry said 236 defectors arrived in South Korea in 2024.", published="2025-02-04")
    assert (s["kind"], s["indicator"], s["value"]) == ("statistic", "defector_arrivals", 236)
    assert s["unit"] == "people_per_year"
    r = one("Human Rights Watch said at least 406 North Koreans have been forcibly returned since 2024.")
    assert (r["kind"], r["indicator"]) == ("statistic", "forced_repatriations")
    assert (r["value_min"], r["period"]) == (406, "2024/..")
    assert one("Prisoners are allegedly tortured during interrogation.")["hedged"] is True
    assert one("According to the ministry, prisoners are tortured during interrogation.")["hedged"] is False


def test_one_claim_per_act_and_several_numbers():
    acts = sorted(c["act"] for c in code("Detainees face torture, sexual violence and forced labour."))
    assert acts == ["forced_labour", "sexual_violence", "torture"]
    values = [c["value"] for c in code("The defections by 32 men and 164 women raised the total number of defectors "
                                        "in South Korea to 34,078.")]
    assert sorted(values) == [32, 164, 34078]
    listed = code("On 29 August 2023, 80 North Koreans were forcibly repatriated, and on 18 September 2023, "
                  "40 others were sent back.")
    got = sorted((c["when"]["start"], c["victims"]["count"]) for c in listed)
    assert got == [("2023-08-29", 80), ("2023-09-18", 40)]
    assert len({c["id"] for c in listed}) == 2


@pytest.mark.parametrize("text", [
    "The Special Rapporteur urges China to stop the forced repatriation of North Koreans.",
    "Pyongyang denied that it operates political prison camps.",
    "They have never been charged, convicted or sentenced.",
    "If returned, they would face torture and imprisonment.",
    "OHCHR interviewed 314 escapees for the report.",
    "The trial for three Hong Kong activists opened; they face up to 10 years in prison.",
])  # fmt: skip
def test_not_claims(text):
    assert code(text) == []


def test_report_dates_are_not_event_dates():
    c = one("Salmon's February 6th briefing in Seoul highlighted how freedom of movement has continued to worsen.",
            published="2026-02-08")
    assert c["act"] == "movement_restriction" and c["when"] is None


def test_site_furniture_is_skipped():
    text = ("The regime executed three officials in Hyesan in March 2024.\n🔗 Read more: executions in Iran\n"
            "Related Articles\nA court in India sentenced two activists to ten years in prison.\n")
    claims = code(text)
    assert [c["act"] for c in claims] == ["execution"]


def test_claims_are_stable_and_located():
    text = (SEEDS / "000_f68488f69bbecae2.txt").read_text()
    a = code(text, "2026-01-15")
    b = code(text, "2026-01-15")
    assert [c["id"] for c in a] == [c["id"] for c in b] and len({c["id"] for c in a}) == len(a)
    for c in a:
        assert text[c["span"]["start"]:c["span"]["end"]] == c["quote"]


def test_seed_development_set_scores():
    """The scorer of the project on the seed articles: facts F1 >= 0.9, patterns F1 >= 0.7."""
    res = subprocess.run([sys.executable, str(ROOT / "dev/evaluate.py"), "--only", "seeds"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    row = next(x for x in res.stdout.splitlines() if x.startswith("seeds")).split()
    facts, pattern_f1 = float(row[3]), float(row[5])  # set, passages, gold, facts, events, patterns, ...
    assert facts >= 0.9 and pattern_f1 >= 0.7, res.stdout


def test_dictionaries_are_checked_against_the_vocabulary(monkeypatch, tmp_path):
    from nkwatch.extract import dictionaries as d

    bad = tmp_path / "acts.toml"
    bad.write_text('[[trigger]]\nact = "beheading"\nphrases = ["x"]\n')
    monkeypatch.setattr(d, "_load", lambda name: __import__("tomllib").loads(bad.read_text()) if name == "acts" else {})
    d.dictionaries.cache_clear()
    with pytest.raises(ValueError, match="beheading"):
        d.dictionaries()
    d.dictionaries.cache_clear()


def test_export_line_format_matches_the_spec():
    c = one("In 2024, a man was publicly executed in Hyesan for distributing South Korean dramas.")
    assert json.loads(json.dumps(c))["span"] == c["span"]
    assert c["where"]["place_id"] == "kp-hyesan" and c["where"]["lat"] and c["grounds"] == "foreign_media"


def test_matchers_work_on_their_own():
    """The matchers are used without a precomputed word copy too (tools, tests, other stages)."""
    from nkwatch.extract.dictionaries import dictionaries, normalise
    from nkwatch.extract.gazetteer import gazetteer

    text = "Three men were executed in Hyesan, near the Yalu River."
    acts = [h.payload.act for h in dictionaries().acts.find(normalise(text))]
    assert acts == ["execution"]
    places = [h.payload for h in gazetteer().find(text, normalise(text))]
    assert "kp-hyesan" in places and "border-kp-cn" in places


def test_event_date_is_not_the_start_of_a_since_clause():
    c = one("The first such repatriations since Beijing and Pyongyang closed their borders in January 2020 took "
            "place on July 14 at the border city of Sinuiju.", published="2021-07-19")
    assert c["when"]["start"] == "2021-07-14" and c["kind"] == "event"


def test_sent_back_with_a_long_object_and_a_report_date():
    c = [x for x in code("The Chinese government sent more than 50 North Korean defectors who had been in detention "
                         "in Shenyang, Liaoning Province back to North Korea, Radio Free Asia reported on Friday.",
                         published="2021-07-19") if x["act"] == "forced_repatriation"]
    assert len(c) == 1 and c[0]["victims"]["count_min"] == 50
    assert c[0]["when"] is None  # 'reported on Friday' dates the report, not the repatriation


def test_headline_in_the_present_names_the_act():
    c = one("North Korea publicly ‘executes’ 80")
    assert c["act"] == "execution"


def test_an_aside_about_an_earlier_occurrence_does_not_become_the_context():
    text = ("Around 200 escapees held in a detention center in Jilin were sent back to North Korea on April 26.\n"
            "The last mass repatriation from China was of 600 defectors in October 2023.\n"
            "The missionary group said others were sent back at the same time across the border from Dandong.")
    last = [c for c in code(text, published="2024-05-10") if "others" in c["quote"]]
    assert len(last) == 1 and last[0]["when"]["start"] == "2024-04-26"


def test_a_definite_noun_refers_back_to_the_occurrence_of_its_act():
    text = ("The defectors were sent back across the border on 9 October, after the Asian Games held in Hangzhou "
            "in 2022.\nThe reported mass repatriation of North Koreans is China's first since Pyongyang began "
            "loosening its border rules.\n"
            "Another rights group also put the number of deportees at around 600.")
    cs = [c for c in code(text, published="2023-10-13") if c["act"] == "forced_repatriation"]
    assert [(c["kind"], c["when"]["start"]) for c in cs] == [("event", "2023-10-09")] * 3, [c["rule"] for c in cs]
    assert cs[1]["rule"].startswith("event.told-in-context")


def test_datelines_and_release_dates_are_not_event_dates():
    c = one("Friday, January 19, 2024 – Newly released footage shows North Korea publicly sentencing two teenage "
            "boys to 12 years of hard labour.", published="2024-01-19")
    assert c["act"] == "sentence" and c["when"] is None
    c = one("Rare footage released by the BBC last week appears to show North Korea publicly sentencing two "
            "teenagers to 12 years of hard labor.", published="2024-01-19")
    assert c["act"] == "sentence" and c["when"] is None


def test_shootings_told_in_the_present_or_as_fatal():
    c = one("Kim Jong-un’s soldiers shoot dead South Korean official")
    assert c["act"] == "border_killing"
    c = one("North Korean troops fatally shot a South Korean government official at sea on Tuesday.",
            published="2020-09-24")
    assert c["act"] == "border_killing" and c["when"]["start"] == "2020-09-22"
