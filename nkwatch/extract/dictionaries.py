"""Load the coder's dictionaries (data/dictionaries/*.toml), check them, and compile fast matchers.

Phrases go into one Aho-Corasick automaton per dictionary, run once over the whole normalised text;
regex triggers are tried only in sentences where one of their anchor words occurs.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import ahocorasick

from nkwatch import vocab
from nkwatch.extract.korean import HANGUL, KoreanEntries, KoreanText

# Hyphens and dashes read as spaces, curly quotes as straight: same length, so offsets still hold.
_NORM = {"-": " ", "‐": " ", "‑": " ", "–": " ", "—": " ", "’": "'", "‘": "'", "“": '"', "”": '"'}


def normalise(text: str) -> str:
    """Lower-cased matching copy of `text`, character for character the same length."""
    t = text
    for a, b in _NORM.items():  # str.replace per character: ~80x faster than str.translate on prose
        if a in t:
            t = t.replace(a, b)
    low = t.lower()
    if len(low) == len(t):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in t)


@dataclass(frozen=True)
class Hit:
    begin: int
    end: int
    payload: Any
    phrase: str  # the dictionary entry that matched, for the claim's rule


_NONWORD = re.compile(r"\W")


def spaced(norm: str) -> str:
    """Every character that is not part of a word becomes a space (same length), so word boundaries can be
    part of the automaton's keys instead of checks in Python."""
    return _NONWORD.sub(" ", norm)


class PhraseMatcher:
    """Whole-word phrases, `prefix*` phrases and anchored regexes, each carrying a payload."""

    def __init__(self) -> None:
        self._auto = ahocorasick.Automaton()
        # automaton key -> (length of key, [(payload, prefix, phrase)]); keys are " words " or " prefix"
        self._entries: dict[str, list[tuple[Any, bool, str]]] = {}
        self._regexes: list[tuple[re.Pattern[str], Any, str]] = []
        self._built = False
        self.korean = KoreanEntries()  # Hangul entries: matched on morphemes (korean.py)

    def add(self, phrase: str, payload: Any) -> None:
        if HANGUL.search(phrase):
            self.korean.add(phrase, payload)
            return
        prefix = phrase.endswith("*")
        key = spaced(normalise(phrase.rstrip("*").strip()))
        if not key.strip():
            raise ValueError(f"empty phrase {phrase!r}")
        self._entries.setdefault(" " + key + ("" if prefix else " "), []).append((payload, prefix, phrase))

    def add_regex(self, pattern: str, anchors: list[str], payload: Any, name: str | None = None) -> None:
        """`name` is how the rule is cited on claims (the pattern itself is too long to read)."""
        idx = len(self._regexes)
        self._regexes.append((re.compile(pattern), payload, name or pattern))
        for a in anchors:
            self._entries.setdefault(" " + spaced(normalise(a)) + " ", []).append((("__anchor__", idx), False, a))

    @classmethod
    def combined(cls, parts: dict[str, PhraseMatcher]) -> PhraseMatcher:
        """One matcher for several phrase dictionaries (no regexes); payloads become (name, payload).

        One automaton pass per sentence instead of one per dictionary."""
        out = cls()
        for name, m in parts.items():
            if m._regexes:
                raise ValueError(f"{name}: regex triggers cannot be combined")
            for key, vals in m._entries.items():
                for payload, prefix, phrase in vals:
                    out._entries.setdefault(key, []).append(((name, payload), prefix, phrase))
            for phrase, payload in m.korean.raw:
                out.korean.add(phrase, (name, payload))
        return out

    def _build(self) -> None:
        for key, vals in self._entries.items():
            self._auto.add_word(key, (len(key), vals))
        if self._entries:
            self._auto.make_automaton()
        self._built = True

    def find(self, norm: str, words: str | None = None, ko: KoreanText | None = None, base: int = 0) -> list[Hit]:
        """All hits in a normalised text (see `normalise`), in order of their start.

        `words` is `spaced(norm)` when the caller has it already (it is computed once per document). With `ko`
        (the whole document, read as Korean) the Hangul entries are matched too, in ko.text[base:base + len(norm)]."""
        if not self._built:
            self._build()
        ko_hits = [Hit(*h) for h in self.korean.find(ko, base, base + len(norm))] if ko is not None else []
        if not self._entries:
            return sorted(ko_hits, key=lambda h: (h.begin, -h.end))
        # Padded so that a word at either end has a space beside it; text index i is padded index i + 1.
        padded = " " + (words if words is not None else spaced(norm)) + " "
        hits: list[Hit] = []
        anchors: set[int] = set()
        for last, (klen, vals) in self._auto.iter(padded):
            begin = last - klen + 1  # the key's leading space, i.e. the word's first character in `norm`
            for payload, prefix, phrase in vals:
                if prefix:
                    stop = padded.find(" ", last + 1) - 1
                    hits.append(Hit(begin, stop, payload, phrase))
                elif isinstance(payload, tuple) and payload and payload[0] == "__anchor__":
                    anchors.add(payload[1])
                else:
                    hits.append(Hit(begin, last - 1, payload, phrase))
        for idx in sorted(anchors):
            rx, payload, name = self._regexes[idx]
            hits.extend(Hit(m.start(), m.end(), payload, f"re:{name}") for m in rx.finditer(norm))
        hits.extend(ko_hits)
        hits.sort(key=lambda h: (h.begin, -h.end))
        return hits


def _load(name: str) -> dict[str, Any]:
    with resources.files("nkwatch").joinpath(f"data/dictionaries/{name}.toml").open("rb") as f:
        return tomllib.load(f)


@dataclass(frozen=True)
class ActTrigger:
    act: str
    weak: bool
    overrides: tuple[str, ...]


@dataclass(frozen=True)
class Dictionaries:
    acts: PhraseMatcher
    grounds: PhraseMatcher
    hedges: PhraseMatcher
    institutions: PhraseMatcher
    victims: PhraseMatcher
    laws: PhraseMatcher
    law_info: dict[str, dict[str, Any]]
    indicators: dict[str, dict[str, Any]]
    indicator_cues: PhraseMatcher
    non_claim: PhraseMatcher
    methodology: PhraseMatcher
    risk: PhraseMatcher
    negation: PhraseMatcher
    pattern_cues: PhraseMatcher
    weak_support: PhraseMatcher
    report_after: PhraseMatcher
    report_before: PhraseMatcher
    periods: PhraseMatcher
    section_end: frozenset[str]
    furniture_prefix: tuple[str, ...]
    off_topic: PhraseMatcher
    secondary: PhraseMatcher  # everything but acts, laws and indicators, in one automaton


def _matcher(entries: dict[str, list[str]] | list[str], payload_of=lambda k: k) -> PhraseMatcher:  # noqa: ANN001
    m = PhraseMatcher()
    if isinstance(entries, list):
        for p in entries:
            m.add(p, p)
    else:
        for key, phrases in entries.items():
            for p in phrases:
                m.add(p, payload_of(key))
    return m


def _check(kind: str, value: str, where: str) -> None:
    try:
        vocab.check(kind, value)
    except ValueError as e:
        raise ValueError(f"dictionary {where}: {e}") from e


@cache
def law_names() -> dict[str, str]:
    """The laws the dictionary knows, id -> name (for choosing one in a correction form)."""
    return {law_id: spec["name"] for law_id, spec in _load("laws")["laws"].items()}


@cache
def dictionaries() -> Dictionaries:
    """The compiled dictionaries (loaded once per process); raises ValueError on a bad entry."""
    acts = PhraseMatcher()
    for t in _load("acts")["trigger"]:
        _check("acts", t["act"], "acts.toml")
        for o in t.get("overrides", []):
            _check("acts", o, "acts.toml overrides")
        weak = set(t.get("weak_phrases", []))
        over = tuple(t.get("overrides", []))
        for p in t.get("phrases", []):
            acts.add(p, ActTrigger(t["act"], p in weak, over))
        if "re" in t:
            acts.add_regex(t["re"], t["anchor"], ActTrigger(t["act"], False, over), t["name"])

    grounds = _load("grounds")["grounds"]
    for g in grounds:
        _check("grounds", g, "grounds.toml")
    inst = _load("institutions")["institutions"]
    for i in inst:
        _check("institutions", i, "institutions.toml")
    victims = _load("victims")["groups"]
    vm = PhraseMatcher()
    for g, spec in victims.items():
        _check("victim_groups", g, "victims.toml")
        ones = {normalise(o) for o in spec.get("one", [])}
        for p in spec["aliases"]:
            vm.add(p, (g, False))
        for p in ones:
            vm.add(p, (g, True))
    laws = _load("laws")["laws"]
    lm = PhraseMatcher()
    for law_id, spec in laws.items():
        if spec.get("act"):
            _check("acts", spec["act"], "laws.toml")
        for p in spec["aliases"]:
            lm.add(p, law_id)
    indicators = _load("indicators")["indicators"]
    cues = PhraseMatcher()
    for ind, spec in indicators.items():
        _check("indicators", ind, "indicators.toml")
        for p in spec["cues"]:
            cues.add(p, ind)
    disc = _load("discourse")
    periods = PhraseMatcher()
    for phrase, spec in disc["periods"].items():
        periods.add(phrase, spec)
    parts = dict(
        grounds=_matcher(grounds),
        hedges=_matcher(_load("hedges")["cues"]),
        institutions=_matcher({k: v["aliases"] for k, v in inst.items()}),
        victims=vm,
        non_claim=_matcher(disc["non_claim"]),
        methodology=_matcher(disc["methodology"]),
        risk=_matcher(disc["risk"]),
        negation=_matcher(disc["negation"]),
        pattern_cues=_matcher(disc["pattern"]),
        weak_support=_matcher(disc["weak_support"]),
        report_after=_matcher(disc["report_date_after"]),
        report_before=_matcher(disc["report_date_before"]),
        periods=periods,
        off_topic=_matcher(disc["off_topic"]),
    )
    return Dictionaries(
        acts=acts,
        laws=lm,
        law_info=laws,
        indicators=indicators,
        indicator_cues=cues,
        section_end=frozenset(normalise(s) for s in disc["section_end"]),
        furniture_prefix=tuple(normalise(s) for s in disc["furniture_prefix"]),
        secondary=PhraseMatcher.combined(parts),
        **parts,
    )
