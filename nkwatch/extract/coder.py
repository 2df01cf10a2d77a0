"""The deterministic coder (English and Korean): sentences in, claims out, each with the rule that produced it.

Korean goes through the same rules and dictionaries: Hangul entries are matched on morphemes, and the few
questions the rules ask of English words (is it past, negated, a description of the victims?) are asked of
Korean morphemes (korean.py); Korean dates and counts join the English grammars (dates_ko.py, numbers_ko.py).

For every sentence it finds act triggers, statistic cues, dates, numbers, places, institutions, victim
groups, grounds, laws and hedges (all from data files), then applies a few ordered rules:

1. skip site furniture, off-topic sentences and non-claims (calls, denials, methodology, future acts);
2. a number with an indicator cue is a statistic (and replaces the act claim it counts);
3. each remaining act is one claim: an event when it is dated or has identified victims and is not framed
   as a practice, otherwise a pattern;
4. fields come from the sentence, or for events from the previous sentences of the same paragraph.
The claim's `rule` names the kind rule and the trigger; `evidence` holds what matched where.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from nkwatch.extract import korean, learned
from nkwatch.extract.dates import DateMention, find_dates
from nkwatch.extract.dates_ko import dates as korean_dates
from nkwatch.extract.dictionaries import ActTrigger, Dictionaries, Hit, dictionaries, normalise, spaced
from nkwatch.extract.gazetteer import Gazetteer, gazetteer
from nkwatch.extract.numbers import Quantity, find_quantities
from nkwatch.extract.numbers_ko import quantities as korean_quantities
from nkwatch.extract.sentences import Sentence, split_sentences
from nkwatch.vocab import vocab

EXTRACTOR_VERSION = "coder-1"

# Acts that are by their nature standing practices; they are events only with identified victims.
PRACTICE_ACTS = {"surveillance", "information_control", "discrimination", "movement_restriction",
                 "food_deprivation", "collective_punishment", "forced_labour"}  # fmt: skip
# Dictionary name -> the Found list its hits go to.
SECONDARY_ATTR = {"pattern_cues": "pattern"} | {n: n for n in (
    "grounds", "hedges", "institutions", "victims", "non_claim", "methodology", "risk", "negation",
    "weak_support", "report_after", "report_before", "periods", "off_topic")}  # fmt: skip
# Acts whose victims a number in the same sentence counts (so it is not a count of defector arrivals).
DONE_TO_PEOPLE = {"forced_repatriation", "arrest", "detention", "execution", "sentence", "torture", "abduction",
                  "border_killing", "enforced_disappearance"}  # fmt: skip
CONTEXT_REACH = 4  # sentences after an event that may still refer back to it
PRECISION_RANK = {"facility": 0, "point": 1, "city": 2, "county": 3, "province": 4, "border": 5, "country": 6}
PERIOD_CUES = re.compile(
    r"\b(?:a year|per year|each year|every year|annually|a month|per month|in total|a total of|so far|"
    r"alone|cumulative|to date|since|over the past|over the last|in the past|between|during the year|cases of|"
    r"in recent years)\b|매년|해마다|연간|한 해|지금까지|현재까지|누적|이후|이래|부터|동안|사이"
)
PER_YEAR = re.compile(r"\b(?:a year|per year|each year|every year|annually|yearly)\b")
AT_LEAST = re.compile(r"\b(?:at least|more than|over|upwards of|no fewer than)\s*$")
PAST = re.compile(r"\b(?:was|were|had|got|did|sent|took|gave|shot|held|fled|caught|beat|hanged|hung|killed|"
                  r"seized|taken|given|handed|received|(?!(?:alleged|estimated|believed|reported|detailed|based|"
                  r"related|called|named|armed|limited|united|concerned|advanced|skilled|suspected|accused|"
                  r"renowned|noted|supposed|so)\b)\w+ed)\b")  # fmt: skip
BACKGROUND_BEFORE = re.compile(r"\b(?:who|that|which) (?:were|was|had been|have been|has been)(?: \w+ly)? $")
PERSON_AFTER = re.compile(r"^ (?:north korean |female |male )?(?:refugees|north koreans|women|defectors|escapees|"
                          r"individuals|people|persons|men|detainees|returnees)\b")
SINCE_BEFORE = re.compile(r"\bsince\b[^.,;]{0,30}$")
# An earlier occurrence mentioned in passing: it does not become the occurrence later sentences refer to.
BACKGROUND_CUE = re.compile(r"\b(?:the (?:last|previous|prior)(?! (?:few |several |two |three |\d+ )?"
                            r"(?:days?|weeks?|months?|years?|decades?)\b)|previously|prior to that)\b")
SINCE_CLAUSE = re.compile(r"\bsince\b[^.,;:]{0,60}$")
PUNISH_YEARS = re.compile(
    r"\b(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty)\s*(?:\s+to\s+\w+\s+)?years?\b(?P<tail>[^.;]{0,40})"
)
KO_YEARS = re.compile(r"(?:징역|교화|교화형|노동교화형|형|단련대|단련형)\s?(\d{1,2})\s?년")  # 노동교화형 5년
NUM_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}  # fmt: skip
LOCAL_PATTERN_CUES = {"face", "faces", "facing", "can be", "could be", "may be", "are sent", "is sent"}
# A date right after the release of what is reported ("footage released by the BBC last week") dates the release.
RELEASED_BEFORE = re.compile(r"\b(?:released|published|aired|broadcast|obtained) (?:by|to) (?:the )?[\w.']+ $")
# A date at the head of a text followed by a dash or an agency's name in brackets: a dateline, not the event.
DATELINE_AFTER = re.compile(r"\s*(?:[-–—]|\()")
# A definite noun phrase ending at the trigger: "the reported mass repatriation", "this execution".
DEFINITE_NP = re.compile(r"\b(?:the|this|that)(?: [a-z]+){0,2} $")
DEFINITE = re.compile(r"\b(?:the|they|them|these|those|he|she|his|her|their)\b|이번|이들은|이들이|해당|당시|그는|그녀")
DETENTION_PLACES = {"kwanliso", "kyohwaso", "detention_centre"}
CLAUSE_BREAK = re.compile(r"[.;:!?]|\bbut\b|\bwhile\b|\bwhereas\b")
# A negation does not reach past a preposition or subordinator: "not informed of the execution".
NEG_BLOCK = re.compile(r"\b(?:of|for|about|after|before|because|since|despite|although|following)\b")
# A trigger that is the object of a refusal did not happen: "denied repatriation", "refused the right to return".
REFUSED_BEFORE = re.compile(r"\b(?:denied|denies|deny|denying|refused|refuses|refusing)(?: (?:the|their|any))?"
                            r"(?: right (?:to|of))? $")
VICTIM_NOUN = re.compile(r"\w+(?:ees|tees)")
# Who acts: "by the Ministry", "by State officials"; a court only where a trial or a sentence is named.
BY_AGENT = re.compile(r"\b(?:by|at the hands of)\s+(?:the\s+|a\s+|an\s+)?(?:\w+\s+)?$")
COURT_WORDS = re.compile(r"\b(?:sentenc\w*|convict\w*|trials?|courts?|tribunals?|judges?|prosecut\w*|verdict)\b"
                         r"|재판|판결|선고|판사")
# Institution aliases that are also place names, and the prepositions that make them places.
PLACE_ALIASES = {"china", "beijing", "russia", "moscow", "pyongyang"}
PLACE_PREP = re.compile(r"\b(from|in|into|to|inside|within|across|near|through|via|toward|towards|bordering|"
                        r"enter|entered|entering|cross|crossed|crossing|reach|reached|reaching|leave|left|leaving)\s+$")
# A count inside "including 13 women and two men" is a subset of the victims, not their number.
SUBSET_BEFORE = re.compile(r"\b(?:including|among them|of them|of whom|of these)\b[^.;:()]*$")
# "the camp": a facility named earlier in the passage.
ANAPHOR = re.compile(r"\b(?:the|this|that) (?:camp|facility|prison)\b")
# Capitals that often stand for their state, and the prepositions that make them places again.
METONYMS = {"pyongyang", "beijing", "moscow", "seoul", "tokyo"}
LOCATIVE = re.compile(r"\b(?:in|at|near|outside|inside|around|from|to|into|of)\s+$")
HOME_COUNTRY = {"prc_authorities": "cn", "russia_authorities": "ru"}
# A trigger used as a noun for the victims: "families of the disappeared", "relatives of the executed".
VICTIMS_OF = re.compile(r"\b(?:families|family members|relatives|children|wives|parents|mothers) of (?:the|those) $")
BORDER_ACTS = {"border_killing", "movement_restriction", "surveillance"}
BORDER = re.compile(r"\bborders?\b|\bcross(?:ing|es)? into\b|\bcross the (?:river|border)\b|국경|도강|월경")
DPRK_INSTITUTIONS = {"dprk_state", "mss", "mosc", "kpa_border_guard", "group_109", "court", "party"}
CUMULATIVE = re.compile(r"\b(?:total|totals|accumulated|cumulative|in all|so far|to date|altogether)\b"
                        r"|누적|총|지금까지")
STAT_FRAME = re.compile(r"\b(?:record|figure|number|total|decline|drop|rise|increase|peak|high|low|came to|"
                        r"reached|fell|rose|compared with)\b")
# Nouns a bare number may count in a statistic (people nouns are recognised by the number grammar).
BARE_OK = {"men", "women", "people", "persons", "cases", "incidents", "individuals"}
DPRK_WORDS = re.compile(r"\b(?:north korea\w*|dprk|pyongyang|kim jong|kim il|kim regime|the regime|kwanliso)\b")


@dataclass
class Context:
    """What earlier sentences of a paragraph said about the occurrence being told."""

    paragraph: int = -1
    when: dict[str, Any] | None = None
    act_when: dict[str, dict[str, Any]] = field(default_factory=dict)  # the last date told for each act
    grounds: str | None = None
    punishment_type: str | None = None
    indicator: str | None = None
    indicator_age: int = 99
    age: int = 0
    victims: dict[str, Any] | None = None  # who the occurrence was done to, with a count
    where: dict[str, Any] | None = None  # a place below country level named for the occurrence
    facility: str | None = None  # the last camp or prison named, for "the camp" further on
    facility_age: int = 99


@dataclass
class Found:
    """Dictionary hits inside one sentence, with offsets relative to the sentence."""

    acts: list[Hit] = field(default_factory=list)
    grounds: list[Hit] = field(default_factory=list)
    hedges: list[Hit] = field(default_factory=list)
    institutions: list[Hit] = field(default_factory=list)
    victims: list[Hit] = field(default_factory=list)
    laws: list[Hit] = field(default_factory=list)
    indicators: list[Hit] = field(default_factory=list)
    non_claim: list[Hit] = field(default_factory=list)
    methodology: list[Hit] = field(default_factory=list)
    risk: list[Hit] = field(default_factory=list)
    negation: list[Hit] = field(default_factory=list)
    pattern: list[Hit] = field(default_factory=list)
    weak_support: list[Hit] = field(default_factory=list)
    report_after: list[Hit] = field(default_factory=list)
    report_before: list[Hit] = field(default_factory=list)
    periods: list[Hit] = field(default_factory=list)
    off_topic: list[Hit] = field(default_factory=list)
    places: list[Hit] = field(default_factory=list)
    ko: korean.KoreanText | None = None  # the document read as Korean (morphemes), for a Korean sentence


def _longest(hits: list[Hit]) -> list[Hit]:
    """Drop hits inside a longer one: "Chinese authorities" is not also "authorities"."""
    out: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.begin, -(h.end - h.begin))):
        if out and h.end <= out[-1].end:
            continue
        out.append(h)
    return out


def _bucket(hits: list[Hit], sentences: list[Sentence], attr: str, found: list[Found]) -> None:
    starts = [s.begin for s in sentences]
    if attr != "acts":  # several acts may share words; every other dictionary names one thing per span
        hits = _longest(hits)
    for h in hits:
        i = bisect_right(starts, h.begin) - 1
        if i >= 0 and h.end <= sentences[i].end:
            b = sentences[i].begin
            getattr(found[i], attr).append(Hit(h.begin - b, h.end - b, h.payload, h.phrase))


def _reference(published_at: str | None) -> date | None:
    if not published_at:
        return None
    parts = [int(p) for p in published_at.split("-")]
    while len(parts) < 3:
        parts.append(12 if len(parts) == 1 else 28)  # a year or month: resolve against its end
    try:
        return date(*parts)
    except ValueError:
        return None


class TooManyClaims(Exception):
    """Raised by extract_claims as soon as the text yields more than `max_claims` claims."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit:,} claims")
        self.limit = limit


def extract_claims(
    text: str, *, published_at: str | None, source_id: str, language: str | None = "en",
    max_claims: int | None = None,
) -> list[dict[str, Any]]:
    """Claims asserted by `text` (spec/claims.md fields plus id, span, quote, rule, evidence).

    With `max_claims`, raises TooManyClaims as soon as there are more: a file made of claim after claim
    would otherwise hold every one of them in memory before anyone could refuse it."""
    from nkwatch.extract import claim_id

    if language not in (None, "en", "ko"):
        return []  # the dictionaries are English and Korean; other languages are stored and searchable
    d, g = dictionaries(), gazetteer()
    norm = normalise(text)
    words = spaced(norm)
    ko = korean.KoreanText(text) if language != "en" and korean.is_korean(text) else None
    sentences = _content_sentences(split_sentences(text), text, norm, d)
    found = [Found() for _ in sentences]
    # Triggers first, over the whole text; everything else only in sentences that may yield a claim (a
    # trigger, or right after a statistic), which is most of the coder's speed on long reports.
    for attr, matcher in (("acts", d.acts), ("laws", d.laws), ("indicators", d.indicator_cues)):
        _bucket(matcher.find(norm, words, ko), sentences, attr, found)
    active = {i for i, f in enumerate(found) if f.acts or f.laws or f.indicators}
    active |= {i + 1 for i in active if found[i].indicators}
    model = learned.current()
    scores = model.scores([text[s.begin:s.end] for s in sentences]) if model and sentences else None
    if scores is not None:  # sentences the model would add a claim to are read like the ones with a trigger
        active |= {int(i) for i in np.flatnonzero(scores.max(axis=1) >= model.add)}
    for i in sorted(active):
        if i >= len(sentences):
            continue
        s = sentences[i]
        sub_norm = norm[s.begin:s.end]
        by_attr: dict[str, list[Hit]] = {}
        for h in d.secondary.find(sub_norm, words[s.begin:s.end], ko, s.begin):
            name, payload = h.payload
            by_attr.setdefault(SECONDARY_ATTR[name], []).append(Hit(h.begin, h.end, payload, h.phrase))
        for attr, hits in by_attr.items():
            setattr(found[i], attr, _longest(hits))
        found[i].places = g.find(text[s.begin:s.end], sub_norm, words[s.begin:s.end], ko, s.begin)
        found[i].ko = ko
        said = korean.hearsay(ko, s.end) if ko is not None else None
        if said:  # 있었다고 한다: a hedge in the Korean endings
            found[i].hedges.append(Hit(said[0] - s.begin, said[1] - s.begin, "hearsay", "~다고 한다"))

    ref = _reference(published_at)
    ctx = Context()
    claims: list[dict[str, Any]] = []
    for n, (s, f) in enumerate(zip(sentences, found, strict=True)):
        if ctx.age > CONTEXT_REACH:  # an old occurrence no longer frames what follows
            ctx = Context(paragraph=s.paragraph, facility=ctx.facility, facility_age=ctx.facility_age)
        ctx.indicator_age += 1
        ctx.facility_age += 1
        opinion = scores[n] if scores is not None else None
        sure = opinion is not None and float(opinion.max()) >= model.add  # type: ignore[union-attr]
        if not (f.acts or f.indicators or f.laws or (ctx.indicator and ctx.indicator_age <= 1) or sure):
            ctx.age += 1
            continue
        coder = SentenceCoder(text[s.begin:s.end], norm[s.begin:s.end], s, f, ref, d, g, ctx)
        sentence_claims = coder.claims()
        if opinion is not None and coder.may_claim():
            sentence_claims = learned.revise(sentence_claims, opinion, model, coder)  # type: ignore[arg-type]
        named = [h.payload for h in f.places if g.places[h.payload].precision == "facility"]
        if named:
            ctx.facility, ctx.facility_age = named[-1], 0
        for c in sentence_claims:
            label = c.get("act") or c.get("indicator")
            if c["kind"] == "statistic":  # several numbers of one indicator may share a sentence
                label = f"{label}@{c['evidence']['quantity_span'][0]}"
            elif c["evidence"].get("occurrence"):  # several dated occurrences listed in one sentence
                label = f"{label}@{c['evidence']['occurrence'][0]}"
            c["id"] = claim_id(source_id, s.begin, s.end, c["kind"], label)
            c["source_id"] = source_id
            c["span"] = {"start": s.begin, "end": s.end}
            c["quote"] = text[s.begin:s.end]
            c["extractor_version"] = EXTRACTOR_VERSION
            claims.append(c)
        if max_claims is not None and len(claims) > max_claims:
            raise TooManyClaims(max_claims)
        ctx.age += 1
    return claims


def _content_sentences(sentences: list[Sentence], text: str, norm: str, d: Dictionaries) -> list[Sentence]:
    """Drop site furniture: teaser lines, and everything after a 'Related Articles' style heading."""
    out = []
    for s in sentences:
        line = norm[s.begin:s.end].strip(" .:!?\"'*#")
        if s.heading and line in d.section_end:
            break
        if line.startswith(d.furniture_prefix):
            continue
        out.append(s)
    return out


class SentenceCoder:
    """Applies the coding rules to one sentence."""

    def __init__(self, text: str, norm: str, sentence: Sentence, found: Found, ref: date | None,
                 d: Dictionaries, g: Gazetteer, ctx: Context):  # fmt: skip
        self.text, self.norm, self.s, self.f, self.ref, self.d, self.g, self.ctx = (
            text, norm, sentence, found, ref, d, g, ctx)  # fmt: skip
        self.dates = self._event_dates()
        self.quantities = find_quantities(text)
        if found.ko is not None:  # Korean counts too; in "3월 1일 2명" the 3 and the 1 are a date's
            self.quantities = [q for q in korean_quantities(text)
                               if not any(m.begin <= q.begin < m.stop for m in self.dates)]  # fmt: skip

    # -- filters ---------------------------------------------------------------------------------------
    def _off_topic(self) -> bool:
        if not self.f.off_topic:
            return False
        on_topic = DPRK_WORDS.search(self.norm) or any(
            "kp" in self.g.ancestors(h.payload) for h in self.f.places
        )
        return not on_topic

    def _non_claim(self) -> Hit | None:
        """A cue that the sentence asserts no abuse; cues inside an act trigger ('denied food') don't count."""
        for h in self.f.non_claim:
            if not any(a.begin <= h.begin < a.end for a in self.f.acts):
                return h
        return None

    # -- dates -----------------------------------------------------------------------------------------
    def _event_dates(self) -> list[DateMention]:
        out = []
        for m in (korean_dates if self.f.ko is not None else find_dates)(self.text, self.ref):
            after = [h for h in self.f.report_after
                     if 0 <= h.begin - m.stop <= 16 and not re.search(r"[,;.:]", self.norm[m.stop:h.begin])]
            # 'reported on' may overlap the date 'on Friday'
            before = [h for h in self.f.report_before if h.begin < m.begin and m.begin - h.end <= 2]
            if after or before or RELEASED_BEFORE.search(self.norm[max(0, m.begin - 40):m.begin]):
                continue
            if m.begin <= 12 and DATELINE_AFTER.match(self.text[m.stop:m.stop + 6]):
                continue  # "Friday, January 19, 2024 – Newly released footage shows ...": the dateline
            out.append(m)
        return out

    def _when(self, anchor: int) -> tuple[dict[str, Any] | None, str]:
        """The date nearest the trigger; named periods ('the COVID-19 pandemic') when there is none."""
        if self.dates:
            # A date inside a "since ..." clause bounds a period; another date in the sentence is the event's
            # ("the first repatriations since the border closed in January 2020 took place on July 14").
            dates = [m for m in self.dates if not SINCE_CLAUSE.search(self.norm[: m.begin])] or self.dates
            m = min(dates, key=lambda m: abs(m.begin - anchor))
            relation = m.relation
            if relation == "at" and SINCE_BEFORE.search(self.norm[: m.begin]):
                relation = "since"
            end = None if relation == "since" else m.end
            return {"start": m.start, "end": end, "precision": m.precision, "text": m.text}, "sentence"
        if self.f.periods:
            h = self.f.periods[0]
            p = h.payload
            return ({"start": p["start"], "end": p.get("end"), "precision": p["precision"],
                     "text": self.text[h.begin:h.end]}, "named_period")  # fmt: skip
        return None, ""

    # -- claims ----------------------------------------------------------------------------------------
    def claims(self) -> list[dict[str, Any]]:
        if self._off_topic() or self._non_claim():
            return []
        out: list[dict[str, Any]] = []
        counted_acts: set[str] = set()
        if not self.f.methodology:
            for stat in self._statistics():
                out.append(stat)
                act = self.d.indicators[stat["indicator"]].get("act")
                if act:
                    counted_acts.add(act)
        for act, hit in self._acts().items():
            if act in counted_acts:
                continue
            out.extend(self._act_claims(act, hit))
        if not out and not self.s.heading:
            law = self._law()
            act = self.d.law_info[law].get("act") if law else None
            if law and act:
                h = self.f.laws[0]
                out.append(self._act_claim(act, Hit(h.begin, h.end, ActTrigger(act, False, ()), f"law:{law}")))
        for c in out:
            self._remember(c)
        return out

    def may_claim(self) -> bool:
        """Whether the sentence may assert anything at all (not off topic, no call, denial or condition)."""
        return not (self._off_topic() or self._non_claim())

    def claim_for(self, kind: str, name: str) -> dict[str, Any] | None:
        """A claim of `kind` for act or indicator `name` that no rule made (the learned stage asked for it),
        with the fields the rules read from the sentence; None for a statistic without a number to give, and
        for a sentence that negates or only risks an act ("never sentenced", "where they risk torture")."""
        if self.f.negation or self.f.risk:
            return None
        if kind == "statistic":
            qs = [q for q in self.quantities if q.unit not in ("years", "months", "days") and
                  (q.value is not None or q.min is not None)]  # fmt: skip
            if not qs or self.f.methodology or name not in self.d.indicators:
                return None
            q = qs[0]
            when, _ = self._when(q.begin)
            period = None if when is None else (when["start"] if when["end"] == when["start"]
                                                else f"{when['start']}/{when['end'] or '..'}")  # fmt: skip
            unit = "percent" if q.unit == "percent" else self.d.indicators[name]["unit"]
            return {"kind": "statistic", "act": None, "indicator": name, "value": q.value, "value_min": q.min,
                    "value_max": q.max, "unit": unit, "period": period, "when": when, "where": self._stat_where(q),
                    "perpetrator": None, "victims": None, "punishment": None, "grounds": None, "law": self._law(),
                    "hedged": bool(self.f.hedges), "rule": "", "evidence": {"quantity": q.text,
                    "quantity_span": [q.begin, q.stop]}}  # fmt: skip
        claim = self._act_claim(name, Hit(0, 0, ActTrigger(name, False, ()), "model"))
        claim["kind"] = kind
        if kind == "pattern" and claim["when"] and claim["when"].get("end") is not None:
            claim["when"] = None  # a practice gets a date only when the text bounds it ("since 2015")
        self._remember(claim)
        return claim

    def _acts(self) -> dict[str, Hit]:
        """The acts this sentence asserts, each with the trigger that shows it."""
        asserted = [h for h in self.f.acts + self._facility_hits() if not self._out_of_scope(h)]
        foreground = [h for h in asserted if not self._background(h)]
        if any(not h.payload.weak for h in foreground):
            asserted = foreground  # "repatriated refugees faced severe punishment": the punishment is asserted
        strong = [h for h in asserted if not h.payload.weak]
        usable = strong if (strong or self.s.heading or not self._weak_supported()) else asserted
        if strong and not self.s.heading and self._weak_supported():
            # the camps themselves stay asserted beside what is done in them ("camps ... included forced labour")
            usable = strong + [h for h in asserted if h.payload.weak and h.payload.act == "detention"]
        acts: dict[str, Hit] = {}
        for h in usable:
            acts.setdefault(h.payload.act, h)
        for h in list(acts.values()):
            for over in h.payload.overrides:
                if over in acts and over != h.payload.act:
                    del acts[over]
        return acts

    def _facility_hits(self) -> list[Hit]:
        """A named camp or detention centre is itself a (weak) sign that detention is asserted."""
        out = []
        for h in self.f.places:
            if self.g.places[h.payload].kind in DETENTION_PLACES:
                out.append(Hit(h.begin, h.end, ActTrigger("detention", True, ()), f"place:{h.payload}"))
        return out

    def _background(self, h: Hit) -> bool:
        """A trigger describing who the victims are ("repatriated refugees", "women who were detained")."""
        before = self.norm[max(0, h.begin - 30):h.begin]
        if self.f.ko is not None and korean.modifier(self.f.ko, self.s.begin + h.end, self.s.end):
            return True  # 체포된 남성이 처형됐다: the arrest says who was executed
        return bool(BACKGROUND_BEFORE.search(before) or VICTIMS_OF.search(before)
                    or PERSON_AFTER.match(self.norm[h.end:h.end + 30]))

    def _out_of_scope(self, h: Hit) -> bool:
        """A trigger under a negation ("never sentenced") or a risk ("where they risk torture") asserts nothing."""
        for cue, reach in ((self.f.negation, 40), (self.f.risk, 140)):
            for c in cue:
                gap = self.norm[c.end:h.begin]
                if (c.end <= h.begin and h.begin - c.end <= reach and not CLAUSE_BREAK.search(gap)
                        and not (reach == 40 and NEG_BLOCK.search(gap))):
                    return True
        if self.f.ko is not None and korean.negated(self.f.ko, self.s.begin + h.end, self.s.end):
            return True  # 처형하지 않았다: Korean negates after the verb
        return bool(REFUSED_BEFORE.search(self.norm[max(0, h.begin - 40):h.begin]))

    def _weak_supported(self) -> bool:
        """A bare noun ("surveillance", "the camps") asserts an act only beside a perpetrator, a specific
        victim group, or a verb that puts the practice in place."""
        return bool(self.f.institutions or self.f.weak_support
                    or any(h.payload[0] != "general_population" for h in self.f.victims))

    def _statistics(self) -> list[dict[str, Any]]:
        """One statistic per number that an indicator cue (in this or the previous sentence) explains."""
        out: list[dict[str, Any]] = []
        for q in self.quantities:
            if q.unit in ("years", "months", "days") or (q.noun and q.unit is None and q.noun not in BARE_OK):
                continue
            ind, cue_from = self._indicator_for(q)
            if not ind:
                continue
            spec = self.d.indicators[ind]
            when, _ = self._when(q.begin)
            if spec.get("needs_period"):
                dated_occurrence = when is not None and when["precision"] in ("day", "month")
                framed = bool(PERIOD_CUES.search(self.norm)) or (
                    when is not None and when["precision"] in ("year", "decade") and q.min is not None)
                if dated_occurrence or not framed:
                    continue  # a count of one occurrence: an event, coded below
            if ind == "defector_arrivals" and any(not h.payload.weak and h.payload.act in DONE_TO_PEOPLE
                                                  for h in self.f.acts):  # fmt: skip
                continue  # "China sent more than 50 North Korean defectors back": victims of an act, not arrivals
            if ind == "political_prisoners" and self._strong_acts_besides("detention", "sentence"):
                continue  # "15 prisoners were executed": the number counts victims of an act
            unit = spec["unit"]
            if q.unit == "percent":
                unit = "percent"
            elif ind == "defector_arrivals" and CUMULATIVE.search(self.norm[max(0, q.begin - 60):q.stop + 20]):
                unit = "people"  # a cumulative total, not a yearly flow
            period = None
            if when:
                start, end = when["start"], when["end"]
                period = start if end == start else f"{start}/{end or '..'}"
            out.append({
                "kind": "statistic", "act": None, "indicator": ind,
                "value": q.value, "value_min": q.min, "value_max": q.max, "unit": unit, "period": period,
                "when": when, "where": self._stat_where(q), "perpetrator": None, "victims": None, "punishment": None,
                "grounds": None, "law": self._law(), "hedged": bool(self.f.hedges),
                "rule": f"statistic.{cue_from}:{ind}<{q.text}>",
                "evidence": {"quantity": q.text, "quantity_span": [q.begin, q.stop], "cue": self._cue_text(ind),
                             "cue_from": cue_from},
            })  # fmt: skip
        return out

    def _stat_where(self, q: Quantity) -> dict[str, Any] | None:
        """A statistic's place only when it counts one facility: the camp named nearest the number, or
        "the camp" named earlier."""
        named = [h for h in self.f.places if self.g.places[h.payload].precision == "facility"]
        if named:
            h = min(named, key=lambda h: min(abs(h.begin - q.stop), abs(q.begin - h.end)))
            return self.g.places[h.payload].as_where(self.text[h.begin:h.end])
        m = ANAPHOR.search(self.norm)
        if m and self.ctx.facility and self.ctx.facility_age <= 8:
            return self.g.places[self.ctx.facility].as_where(self.text[m.start():m.end()])
        return None

    def _strong_acts_besides(self, *acts: str) -> bool:
        return any(not h.payload.weak and h.payload.act not in acts for h in self.f.acts)

    def _indicator_for(self, q: Quantity) -> tuple[str | None, str]:
        """The indicator whose cue is nearest the number; the previous sentence's indicator for a bare
        number told as its continuation ("It marked a decline from a record high of 2,914 in 2009")."""
        best: tuple[int, str] | None = None
        unit = q.unit or ""
        for h in self.f.indicators:
            spec = self.d.indicators[h.payload]
            if unit not in spec["units"]:
                continue
            dist = min(abs(h.begin - q.stop), abs(q.begin - h.end))
            if not unit and dist > 60:
                continue  # a bare number needs its cue close by
            if best is None or dist < best[0]:
                best = (dist, h.payload)
        if best:
            return best[1], "cue"
        if (self.ctx.indicator and self.ctx.indicator_age <= 1 and unit in ("", "people")
                and STAT_FRAME.search(self.norm)):
            return self.ctx.indicator, "context"
        return None, ""

    def _cue_text(self, ind: str) -> str | None:
        return next((self.text[h.begin:h.end] for h in self.f.indicators if h.payload == ind), None)

    def _act_claims(self, act: str, hit: Hit) -> list[dict[str, Any]]:
        """One claim for the act; one per occurrence when a sentence lists several dated counts
        ("on 29 August 2023, 80 ... were repatriated, and on 18 September 2023, 40 others")."""
        claim = self._act_claim(act, hit)
        dated = [m for m in self.dates if m.relation == "at" and m.precision in ("day", "month")]
        if claim["kind"] != "event" or len(dated) < 2:
            return [claim]
        people = [q for q in self.quantities if q.unit == "people" or (q.unit is None and q.value is not None)]
        out = []
        for m in dated:
            near = [q for q in people if abs(q.begin - m.stop) <= 40 or abs(m.begin - q.stop) <= 40]
            if not near:
                continue
            q = min(near, key=lambda q: min(abs(q.begin - m.stop), abs(m.begin - q.stop)))
            c = dict(claim)
            c["when"] = {"start": m.start, "end": m.end, "precision": m.precision, "text": m.text}
            c["victims"] = dict(claim["victims"] or {"group": "general_population"}, **_count_fields(q))
            c["rule"] = claim["rule"].replace(f"event.{claim['evidence']['kind_rule']}", "event.listed-occurrence", 1)
            c["evidence"] = dict(claim["evidence"], kind_rule="listed-occurrence", occurrence=[m.begin, m.stop])
            out.append(c)
        return out or [claim]

    def _act_claim(self, act: str, hit: Hit) -> dict[str, Any]:
        when, when_from = self._when(hit.begin)
        victims = self._victims(act, hit)
        kind, kind_rule = self._kind(act, hit, when, victims)
        inherited = []
        if kind == "event" and when is None and self.ctx.when and self.ctx.age <= 3:
            when, when_from = self.ctx.act_when.get(act, self.ctx.when), "context"
            inherited.append("when")
        grounds = self._grounds()
        if grounds is None and kind == "event" and self.ctx.grounds and self.ctx.age <= 3:
            grounds = self.ctx.grounds
            inherited.append("grounds")
        punishment = self._punishment(act)
        if punishment and punishment["type"] is None:
            punishment["type"] = self.ctx.punishment_type or "other"
            if self.ctx.punishment_type:
                inherited.append("punishment.type")
        trigger = self.text[hit.begin:hit.end]
        perpetrator = self._perpetrator(act, hit)
        where = self._where(act, perpetrator["id"])
        same_occurrence = ("when" in inherited or self.ctx.when is None
                           or (when or {}).get("start") == self.ctx.when.get("start"))
        counted = victims and any(victims.get(k) for k in ("count", "count_min", "count_max"))
        if (kind == "event" and not counted and self.ctx.victims and self.ctx.age <= 3 and same_occurrence
                and DEFINITE.search(self.norm)):
            victims = dict(self.ctx.victims)  # "the people were executed": the victims told before
            inherited.append("victims")
        if (kind == "event" and self.ctx.where and self.ctx.age <= 3 and same_occurrence and (where is None or (
                where["precision"] == "country" and not where.get("text")))):
            where = self.ctx.where  # the place told for this occurrence a sentence or two before
            inherited.append("where")
        return {
            "kind": kind, "act": act, "grounds": grounds, "when": when, "where": where,
            "perpetrator": perpetrator, "victims": victims, "punishment": punishment,
            "law": self._law(), "hedged": bool(self.f.hedges), "indicator": None, "value": None,
            "value_min": None, "value_max": None, "unit": None, "period": None,
            "rule": f"{kind}.{kind_rule}:{act}<{hit.phrase}>",
            "evidence": {"trigger": trigger, "trigger_span": [hit.begin, hit.end], "kind_rule": kind_rule,
                         "when_from": when_from or None, "inherited": inherited or None,
                         "hedge": self.text[self.f.hedges[0].begin:self.f.hedges[0].end] if self.f.hedges else None},
        }  # fmt: skip

    def _kind(self, act: str, hit: Hit, when: dict[str, Any] | None,
              victims: dict[str, Any] | None) -> tuple[str, str]:  # fmt: skip
        """Event or pattern, and the name of the rule that decided it."""
        identified = bool(victims and (victims.get("count") or victims.get("count_min") or victims.get("count_max")))
        trigger = self.norm[hit.begin:hit.end]
        past = bool(PAST.search(self.norm)) or (
            self.f.ko is not None and korean.past(self.f.ko, self.s.begin + hit.end, self.s.end))
        if act in PRACTICE_ACTS and not (identified and when):
            return "pattern", "practice-act"
        if VICTIM_NOUN.fullmatch(self.norm[hit.begin:hit.end]) and not re.search(
                r"\b(?:the|these|those|number of)\s+$", self.norm[max(0, hit.begin - 10):hit.begin]):
            return "pattern", "victim-noun"  # "the abductees", "returnees": who the victims are, not an occurrence
        cue = self._pattern_cue(hit)
        if cue:
            return "pattern", f"practice-cue({cue})"
        if when and when.get("end") is None:
            return "pattern", "since-period"
        if past and when:
            return "event", "dated-past"
        if past and identified:
            return "event", "identified-victims-past"
        if identified and when and when.get("precision") in ("day", "month"):
            # A count on a given day or month is one occurrence, whatever the tense ("These incidents
            # include the return of 500 North Koreans on 9 October 2023").
            return "event", "dated-count"
        if past and self.ctx.when and self.ctx.age <= 3 and DEFINITE.search(self.norm):
            return "event", "told-in-context"
        if (self.ctx.when and self.ctx.age <= 3 and act in self.ctx.act_when and not trigger.endswith("ed")
                and DEFINITE_NP.search(self.norm[max(0, hit.begin - 30):hit.begin])):
            # "The reported mass repatriation is China's first since ...": a definite noun for the occurrence
            # just told, whatever the tense of the sentence.
            return "event", "told-in-context"
        if past and self.f.ko is not None and (self.ctx.when and self.ctx.age <= 3 or self._named_place()):
            # Korean news tells an occurrence in the past tense, its date and place given once for the story
            return "event", "told-past"
        return "pattern", "undated"

    def _named_place(self) -> bool:
        return any(self.g.places[h.payload].precision not in ("country", "border") for h in self.f.places)

    def _pattern_cue(self, hit: Hit) -> str | None:
        """A cue framing the act as a standing practice; 'face'-like cues only bind the act right after them."""
        for c in self.f.pattern:
            gap = self.norm[c.end:hit.begin]
            binds = c.end <= hit.begin and len(gap) <= 40 and not CLAUSE_BREAK.search(gap)
            if c.payload in LOCAL_PATTERN_CUES and not binds:
                continue
            return c.payload
        return None

    def _where(self, act: str, perpetrator: str | None) -> dict[str, Any] | None:
        """The most specific place named; the China border for border practices; else North Korea when
        the state acts and no place is named (a country-wide practice)."""
        best = None
        places = [h for h in self.f.places if self._scene(h, act, perpetrator)]
        if places:
            h = min(places, key=lambda h: (PRECISION_RANK.get(self.g.places[h.payload].precision, 9), h.begin))
            best = (self.g.places[h.payload], self.text[h.begin:h.end])
        if (best is None or best[0].id in ("kp", "cn")) and act in BORDER_ACTS and BORDER.search(self.norm):
            border = self.g.get("border-kp-cn")
            if border:
                return border.as_where(BORDER.search(self.norm).group(0))
        if best is None and ANAPHOR.search(self.norm) and self.ctx.facility and self.ctx.facility_age <= 8:
            m = ANAPHOR.search(self.norm)
            return self.g.places[self.ctx.facility].as_where(self.text[m.start():m.end()])
        if best:
            return best[0].as_where(best[1])
        home = "kp" if perpetrator in DPRK_INSTITUTIONS else HOME_COUNTRY.get(perpetrator or "")
        place = self.g.get(home) if home else None
        if place:
            return {"place_id": place.id, "name": place.name, "precision": place.precision, "text": None}
        return None

    def _scene(self, h: Hit, act: str, perpetrator: str | None) -> bool:
        """Whether a place mention says where the act happened: a capital standing for its state
        ("Pyongyang is guilty of") does not, nor a country people came from or went to when the state acts
        at home ("women returned from China were forced to ..."), nor North Korea as the destination of a
        repatriation."""
        before = self.norm[max(0, h.begin - 14):h.begin]
        if h.phrase.lower() in METONYMS and not LOCATIVE.search(before):
            return False
        place = self.g.places[h.payload]
        if place.precision != "country":
            return True
        if act == "forced_repatriation":
            return place.id != "kp"
        if perpetrator in DPRK_INSTITUTIONS and place.id != "kp":
            m = PLACE_PREP.search(before)
            return not (m and m.group(1) not in ("in", "inside", "within", "near"))
        return True

    def _agents(self, act: str) -> list[Hit]:
        """Institution mentions that may name who acted: a country after a preposition ("returned from China")
        is a place, and bare "guards" are border guards only at the border."""
        out = []
        for h in self.f.institutions:
            prep = PLACE_PREP.search(self.norm[max(0, h.begin - 14):h.begin]) if h.phrase in PLACE_ALIASES else None
            if prep and not (act in ("arrest", "detention") and prep.group(1) in ("in", "inside", "within")):
                continue  # "returned from China": a place; but an arrest "in China" is China's
            if h.phrase in ("guards", "guard*") and act not in BORDER_ACTS | {"forced_repatriation"} and not (
                    BORDER.search(self.norm)):
                continue
            out.append(h)
        return out

    def _perpetrator(self, act: str, hit: Hit) -> dict[str, Any] | None:
        agents = self._agents(act)
        if act == "forced_repatriation":  # the returning state acts; North Korea receives
            agents = [h for h in agents if h.payload not in DPRK_INSTITUTIONS]
        by_agent = [h for h in agents if BY_AGENT.search(self.norm[max(0, h.begin - 12):h.begin])]
        if by_agent:
            pid = by_agent[0].payload
        elif act == "sentence" and COURT_WORDS.search(self.norm):
            pid = "court"
        else:
            before = [h for h in agents if h.end <= hit.begin and h.payload != "court"]
            after = [h for h in agents if h.begin >= hit.end and h.payload != "court"]
            if before:
                pid = before[-1].payload
            elif act == "border_killing":
                pid = "kpa_border_guard"
            elif act == "forced_repatriation":
                pid = "prc_authorities" if not after else after[0].payload
            elif after:
                pid = after[0].payload
            elif act == "other":
                pid = "other"  # trafficking: brokers and buyers, not the state
            else:
                pid = self._host_state(act) or "dprk_state"
        return {"id": pid, "name": vocab()["institutions"].get(pid, pid)}

    def _host_state(self, act: str) -> str | None:
        """An arrest or detention in China or Russia is that state's ("held in a detention centre in Jilin")."""
        if act not in ("arrest", "detention"):
            return None
        for h in self.f.places:
            if re.search(r"\bfrom\s+$", self.norm[max(0, h.begin - 6):h.begin]):
                continue
            chain = self.g.ancestors(h.payload)
            if "kp" in chain:
                continue
            if "cn" in chain:
                return "prc_authorities"
            if "ru" in chain:
                return "russia_authorities"
        return None

    def _victims(self, act: str, hit: Hit) -> dict[str, Any] | None:
        group = None
        count: dict[str, Any] = {}
        people = [q for q in self.quantities if q.unit == "people" or (
            q.unit is None and q.value is not None and any(0 <= v.begin - q.stop <= 16 for v in self.f.victims))]
        if people:
            whole = [q for q in people if not SUBSET_BEFORE.search(self.norm[max(0, q.begin - 30):q.begin])]
            q = min(whole or people, key=lambda q: abs(q.begin - hit.begin))
            count = _count_fields(q)
        if self.f.victims:
            h = min(self.f.victims, key=lambda h: (abs(h.begin - hit.begin), -(h.end - h.begin), not h.payload[1]))
            group, singular = h.payload
            if singular and not count:
                count = {"count": 1, "text": self.text[h.begin:h.end]}
        if group in (None, "general_population") and act in ("forced_repatriation", "border_killing"):
            group = "escapees"
        if group is None and not count:
            return None
        return {"count": count.get("count"), "count_min": count.get("count_min"),
                "count_max": count.get("count_max"), "group": group or "general_population",
                "text": count.get("text")}  # fmt: skip

    def _punishment(self, act: str) -> dict[str, Any] | None:
        if act != "sentence":
            return None
        if re.search(r"\b(?:sentenced to death|death sentence|death penalty|to be executed|executed)\b|사형|총살|처형",
                     self.norm):
            return {"type": "death", "years": None}
        m = PUNISH_YEARS.search(self.norm)
        years = None
        tail = ""
        ko = KO_YEARS.search(self.norm)
        if ko and not m:
            years = int(ko.group(1))
        if m:
            n = m.group("n")
            years = int(n) if n.isdigit() else NUM_WORDS.get(n)
            tail = m.group("tail")
        kind = None
        scope = tail + " " + self.norm
        if re.search(r"political prison camp|kwanliso|total control|관리소|정치범 ?수용소", scope):
            kind = "political_prison_camp"
        elif re.search(r"labou?r|labor|단련", scope):
            kind = "labour_camp"
        elif re.search(r"re ?education|kyohwaso|reform|교화", scope):
            kind = "reeducation"
        elif re.search(r"prison|imprison|jail|징역|감옥|실형", scope):
            kind = "prison"
        if years is None and kind is None:
            return None
        return {"type": kind, "years": years}

    def _grounds(self) -> str | None:
        specific = [h for h in self.f.grounds if h.payload != "other"]  # spec: the first specific ground
        return (specific or self.f.grounds)[0].payload if self.f.grounds else None

    def _law(self) -> str | None:
        return self.f.laws[0].payload if self.f.laws else None

    def _remember(self, claim: dict[str, Any]) -> None:
        if claim["kind"] == "statistic":
            self.ctx.indicator, self.ctx.indicator_age = claim["indicator"], 0
            return
        if claim["kind"] != "event":
            return
        if self.ctx.when and BACKGROUND_CUE.search(self.norm) and claim["when"] != self.ctx.when:
            return  # "The last mass repatriation was in October 2023": an aside; the story goes on as before
        if claim["when"]:
            self.ctx.when = claim["when"]
            self.ctx.act_when[claim["act"]] = claim["when"]
        v = claim["victims"]
        if v and any(v.get(k) for k in ("count", "count_min", "count_max")):
            self.ctx.victims = v
        if claim["where"] and claim["where"]["precision"] != "country":
            self.ctx.where = claim["where"]
        if claim["grounds"]:
            self.ctx.grounds = claim["grounds"]
        if claim["punishment"] and claim["punishment"]["type"]:
            self.ctx.punishment_type = claim["punishment"]["type"]
        self.ctx.age = 0


def _count_fields(q: Quantity) -> dict[str, Any]:
    """Victim count fields from a number: exact, or bounds ("more than 500", "50 to 60")."""
    exact = q.value is not None and q.min is None and q.max is None
    return {"count": int(q.value) if exact else None,
            "count_min": int(q.min) if q.min is not None else None,
            "count_max": int(q.max) if q.max is not None else None, "text": q.text}  # fmt: skip
