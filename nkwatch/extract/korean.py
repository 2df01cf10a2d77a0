"""Korean as data: the coder reads Korean through the same dictionaries (and the same rules) as English.

A Hangul entry of a dictionary (a trigger, a hedge, an institution, a place) is matched on morphemes, not on
the surface: Kiwi (kiwipiepy, Apache-2.0; its model ships in the kiwipiepy-model package) analyses the entry
once into the forms of its morphemes, endings dropped (공개처형 -> 공개 처형; 것으로 알려졌다 -> 것 으로 알려지),
and a text matches where the same forms follow one another, whatever the inflection or the spacing:
처형됐다 (처형 되 었 다), 처형당했다 (처형 당하 었 다), 공개 처형을 and 공개처형 all contain 처형; 붙잡혀 is 붙잡히.
An entry ending in `*` lets its last morpheme continue (탈북* finds 탈북민).

Kiwi reads about 30,000 characters a second, twenty times slower than the rest of the coder; so it reads only
the words where a match may start (a surface scan for each entry's first syllables, as fast as the English
automaton) and the two words after each (the predicate: 체포 되지 않았다), and each distinct word once per
process (cached: news repeats its words). The same morphemes answer the questions the rules ask of a trigger's
predicate: is it past (었, a past modifier 처형된), negated (않, 못, 아니), hearsay?
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, NamedTuple

import ahocorasick

HANGUL = re.compile(r"[\uac00-\ud7a3]")
_WORD = re.compile(r"[^\W_]+")  # words without their punctuation: Kiwi reads 알려졌다 and 알려졌다. differently
# Morphemes of a predicate that mark what the rules care about (Kiwi's tags: EP pre-final ending, ETM modifier
# ending, VX auxiliary verb, VCN negative copula, MAG adverb).
_PAST_EP = {"었", "았", "였", "었었", "았었", "ㅆ"}
_NEGATIVE = {("않", "VX"), ("못", "VX"), ("못", "MAG"), ("아니", "VCN"), ("않", "VV"), ("안", "MAG")}
_VERBAL = ("VV", "VA", "VX", "XSV", "XSA", "VCP")
PREDICATE_WORDS = 3  # the trigger's word and the two after it: where its predicate is
_CHAINING = {"지", "게", "어", "아", "고", "어서", "아서"}  # 처형하지 않았다, 붙잡혀 끌려갔다: the predicate goes on


class Morph(NamedTuple):  # a tuple: made for every word read, so cheap to make
    form: str
    tag: str
    begin: int  # offsets in the text the morpheme was found in
    end: int


@cache
def kiwi() -> Any:
    """The analyser, loaded once per process (about two seconds)."""
    from kiwipiepy import Kiwi

    return Kiwi(num_workers=-1)


@lru_cache(maxsize=200_000)
def analyse(word: str) -> tuple[tuple[str, str, int, int], ...]:
    """(form, tag, begin, end) of each morpheme of one word (or short phrase), offsets into `word`."""
    return tuple((t.form, t.tag, t.start, t.start + t.len) for t in kiwi().tokenize(word))


def is_korean(text: str) -> bool:
    return HANGUL.search(text) is not None


class KoreanText:
    """A text as words, each analysed into morphemes on first use."""

    def __init__(self, text: str):
        self.text = text
        self.words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        self._starts = [b for b, _ in self.words]
        self._morphs: dict[int, list[Morph]] = {}
        self._runs: dict[int, list[Morph]] = {}
        self._predicates: dict[tuple[int, int | None], list[Morph]] = {}

    def word_at(self, pos: int) -> int:
        """Index of the word holding `pos` (or the last one before it)."""
        return bisect_right(self._starts, pos) - 1

    def morphs(self, wi: int) -> list[Morph]:
        got = self._morphs.get(wi)
        if got is None:
            b, e = self.words[wi]
            got = [Morph(f, t, b + s, b + x) for f, t, s, x in analyse(self.text[b:e])]
            self._morphs[wi] = got
        return got

    def run(self, wi: int, n: int = PREDICATE_WORDS) -> list[Morph]:
        """The morphemes of `n` words from word `wi` on."""
        if n == PREDICATE_WORDS and wi in self._runs:
            return self._runs[wi]
        out: list[Morph] = []
        for i in range(max(0, wi), min(len(self.words), wi + n)):
            out.extend(self.morphs(i))
        if n == PREDICATE_WORDS:
            self._runs[wi] = out
        return out

    def predicate(self, end: int, limit: int | None = None) -> list[Morph]:
        """The morphemes from `end` (the end of a trigger) to the end of the first word that ends in a verbal
        ending (처형을 당했다: 을 당하 었 다), within the trigger's word and the two after it (and before `limit`)."""
        got = self._predicates.get((end, limit))
        if got is None:
            got = self._predicates[end, limit] = self._predicate(end, limit)
        return got

    def _predicate(self, end: int, limit: int | None) -> list[Morph]:
        wi = self.word_at(max(0, end - 1))
        out: list[Morph] = []
        for i in range(wi, min(len(self.words), wi + PREDICATE_WORDS)):
            if limit is not None and self.words[i][0] >= limit:
                break
            ms = self.morphs(i)
            out.extend(m for m in ms if m.end > end or (m.end == end and m.tag.startswith("E")))
            # (the trigger itself is left out; an ending fused into its last syllable follows it: 된 = 되 + ᆫ)
            last = ms[-1] if ms else None
            if last and last.end >= end and last.tag.startswith("E") and last.form not in _CHAINING:
                break
        return out


def past(kt: KoreanText, end: int, limit: int | None = None) -> bool:
    """Whether the predicate after a trigger is past (처형됐다, 체포했다, a past modifier 처형된 주민), or the
    sentence's own (its last two words, before `limit`: 동영상이 공개됐다)."""
    pred = kt.predicate(end, limit)
    if limit is not None:
        last = kt.word_at(limit - 1)
        pred = pred + [m for m in kt.run(last - 1, 2) if m.begin >= end]
    for i, m in enumerate(pred):
        if m.tag == "EP" and m.form in _PAST_EP:
            return True
        if m.tag == "ETM" and m.form in ("ᆫ", "은") and i and pred[i - 1].tag in _VERBAL:
            return True
    return False


def negated(kt: KoreanText, end: int, limit: int | None = None) -> bool:
    """Whether the predicate after a trigger is negated: 처형하지 않았다, 체포되지 못했다, 처형이 아니다."""
    return any((m.form, m.tag) in _NEGATIVE for m in kt.predicate(end, limit))


# Nouns after a modifier that keep the trigger asserted: 처형된 것으로 (the main clause), 북송된 적이 있다, 체포된 뒤.
_HEADS_ASSERTED = {"것", "적", "뒤", "후", "이후", "사실", "사건", "바", "데", "일", "경우", "뒤로"}


def modifier(kt: KoreanText, end: int, limit: int | None = None) -> bool:
    """Whether a trigger only describes the noun after it (체포된 남성이, 북송된 여성들): who the victims are,
    not the occurrence the sentence asserts."""
    pred = kt.predicate(end, limit)
    if not pred or pred[-1].tag != "ETM" or any(m.tag.startswith("J") for m in pred):
        return False
    wi = kt.word_at(pred[-1].end - 1)
    if wi + 1 >= len(kt.words) or (limit is not None and kt.words[wi + 1][0] >= limit):
        return False
    head = kt.morphs(wi + 1)
    return bool(head) and head[0].tag in ("NNG", "NNP") and head[0].form not in _HEADS_ASSERTED


def hearsay(kt: KoreanText, end: int) -> tuple[int, int] | None:
    """The span of a hearsay ending closing the sentence at `end` (있었다고 한다, 당한다고 합니다): the speaker
    passes on what others say, which marks the claim unconfirmed; 했다고 말했다 (a past "said") does not."""
    wi = kt.word_at(end - 1)
    if wi < 1:
        return None
    ms = kt.run(wi - 1, 2)
    for i in range(len(ms) - 1):
        a, b = ms[i], ms[i + 1]
        if (a.tag == "EC" and a.form in ("다고", "라고", "ᆫ다고", "는다고") and b.form == "하" and b.tag == "VV"
                and not any(m.tag == "EP" for m in ms[i + 2:])):
            return a.begin, ms[-1].end
    return None


@dataclass(frozen=True)
class Entry:
    forms: tuple[str, ...]
    prefix: bool  # the last form may continue in the text
    payload: Any
    phrase: str


def compile_entry(phrase: str, payload: Any) -> tuple[str, Entry]:
    """The surface key that every match begins with, and the entry as morpheme forms."""
    prefix = phrase.endswith("*")
    p = phrase.rstrip("*").strip()
    # word by word, as the text is analysed: the same surface always gives the same morphemes
    toks = [(f, t, w.start() + b, w.start() + e) for w in _WORD.finditer(p) for f, t, b, e in analyse(w.group(0))]
    while len(toks) > 1 and (toks[-1][1].startswith("E") or toks[-1][1] in ("SF", "SP", "SS", "SO", "SW")):
        toks.pop()  # an entry names a stem: 알려졌다 -> 알려지 (so 알려진, 알려졌습니다 match too)
    if not toks:
        raise ValueError(f"empty Korean phrase {phrase!r}")
    form, tag, b, e = toks[0]
    key = p[b:e]
    if tag in _VERBAL and len(key) > 1:
        key = key[:-1]  # a verb stem's last syllable may fuse with its ending (알려지 -> 알려졌다)
    return key, Entry(tuple(t[0] for t in toks), prefix, payload, phrase)


class KoreanEntries:
    """The Hangul entries of one dictionary, matched on morphemes (see the module)."""

    def __init__(self) -> None:
        self.raw: list[tuple[str, Any]] = []
        self._auto: Any = None
        self._first: dict[str, list[Entry]] = {}
        self._prefixes = False  # whether any entry is a one-morpheme prefix (탈북*)
        self._by_form: dict[str, list[Entry]] = {}  # _candidates, remembered

    def add(self, phrase: str, payload: Any) -> None:
        self.raw.append((phrase, payload))
        self._auto = None

    def _build(self) -> None:
        auto = ahocorasick.Automaton()
        self._first, self._by_form = {}, {}
        for phrase, payload in self.raw:
            key, entry = compile_entry(phrase, payload)
            self._prefixes |= entry.prefix and len(entry.forms) == 1
            auto.add_word(key, len(key))
            self._first.setdefault(entry.forms[0], []).append(entry)
        auto.make_automaton()
        self._auto = auto

    def find(self, kt: KoreanText, begin: int = 0, end: int | None = None) -> list[tuple[int, int, Any, str]]:
        """(begin, end, payload, phrase) of every match inside text[begin:end], offsets relative to `begin`."""
        if not self.raw:
            return []
        if self._auto is None:
            self._build()
        end = len(kt.text) if end is None else end
        out = []
        done: set[int] = set()
        for last, klen in self._auto.iter(kt.text, begin, end):
            wi = kt.word_at(last - klen + 1)
            if wi in done or wi < 0:
                continue
            done.add(wi)
            at, to = kt.words[wi]
            rel = analyse(kt.text[at:to])  # (form, tag, begin, end) in the word: no objects made for a miss
            for i, m in enumerate(rel):
                for entry in self._candidates(m[0]):
                    if len(entry.forms) <= len(rel) - i:
                        stop = _match(entry, rel, i)
                        stop = None if stop is None else stop + at
                    else:  # an entry that runs on into the next words
                        stop = _match(entry, kt.run(wi), i)
                    if stop is not None and at + m[2] >= begin and stop <= end:
                        out.append((at + m[2] - begin, stop - begin, entry.payload, entry.phrase))
        return out

    def _candidates(self, form: str) -> list[Entry]:
        got = self._by_form.get(form)
        if got is None:
            got = list(self._first.get(form, ()))
            for k in range(1, len(form) if self._prefixes else 0):  # a prefix entry (탈북*) in a longer form (탈북민)
                got.extend(e for e in self._first.get(form[:k], ()) if e.prefix and len(e.forms) == 1)
            if len(self._by_form) < 100_000:
                self._by_form[form] = got
        return got


def _match(entry: Entry, morphs: Sequence[tuple[str, str, int, int]], i: int) -> int | None:
    """The end offset of `entry` matched at morphs[i] (Morphs or analyse() tuples: form, tag, begin, end)."""
    n = len(entry.forms)
    if i + n > len(morphs):
        return None
    for j, form in enumerate(entry.forms):
        m = morphs[i + j]
        if not (m[0] == form or (j == n - 1 and entry.prefix and m[0].startswith(form))):
            return None
        if j and m[2] > morphs[i + j - 1][3] + 1:
            return None  # not next to each other
    return morphs[i + n - 1][3]
