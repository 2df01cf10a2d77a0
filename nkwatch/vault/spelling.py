"""Find an identity value in a text however it is written: case, hyphens, spaces, romanisation, script.

A witness recorded as "Hwang Yeon-ok" may be written "HWANG Yeonok", "Hwang Yon-ok", "Hwang Yŏn-ok" or
황연옥 in a testimony, and a home town recorded as "Kuppori" may be written "Kuppo-ri". Regular expressions
built from the recorded spelling miss most of these, so values and text are compared through a *key*:
Hangul romanised (Revised Romanisation), surnames mapped to one spelling of their group, then letters folded
so that the usual romanisation differences vanish (eo/o, eu/u, k/g, p/b, t/d, r/l, ch/j, doubled letters).
The key is deliberately coarse: a false match masks a word, a missed one can cost a life.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources
from typing import Any

_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_MEDIALS = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi",
            "yu", "eu", "ui", "i"]  # fmt: skip
_FINALS = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "p", "l", "l", "p", "l", "m", "p", "p", "t", "t",
           "ng", "t", "t", "k", "t", "p", "t"]  # fmt: skip
_FOLDS = [("tch", "c"), ("ch", "c"), ("j", "c"), ("sh", "s"), ("kh", "k"), ("ph", "p"), ("th", "t"), ("eo", "o"),
          ("eu", "u"), ("oo", "u"), ("ee", "i"), ("ae", "e"), ("ai", "e"), ("g", "k"), ("b", "p"), ("d", "t"),
          ("r", "l"), ("wo", "o"), ("yi", "i")]  # fmt: skip
WORDS = re.compile(r"[^\W\d_]+")  # a run of letters, Latin or Hangul
_JOINER = re.compile(r"[\s\-‐‑–'’`,.]{1,3}")  # what may stand between the parts of one written name
MAX_PARTS = 5


@cache
def _lists() -> dict[str, Any]:
    with resources.files("nkwatch").joinpath("data/redaction.toml").open("rb") as f:
        return tomllib.load(f)


@cache
def _surname_canon() -> dict[str, str]:
    """Each spelling of a surname (lower case, or Hangul) -> the first spelling of its group."""
    out: dict[str, str] = {}
    for group in _lists()["surname_variants"]:
        for spelling in group:
            out.setdefault(spelling.casefold(), group[0].casefold())
    return out


def is_hangul(s: str) -> bool:
    return bool(s) and all("가" <= ch <= "힣" for ch in s)


def romanise(hangul: str) -> str:
    """Hangul syllables in Revised Romanisation, letter by letter (no sound changes across syllables)."""
    out = []
    for ch in hangul:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            out.append(_INITIALS[code // 588] + _MEDIALS[(code % 588) // 28] + _FINALS[code % 28])
        else:
            out.append(ch)
    return "".join(out)


def fold(latin: str) -> str:
    """The coarse key of a Latin word: no diacritics, lower case, romanisation differences folded."""
    s = unicodedata.normalize("NFKD", latin)
    s = "".join(ch for ch in s if ch.isascii() and ch.isalpha()).lower()
    for a, b in _FOLDS:
        s = s.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", s)


def _hangul_parts(word: str) -> list[str]:
    """A Hangul name split into surname and given name where its start is a known surname."""
    two = _lists()["hangul_two_syllable_surnames"]
    if len(word) >= 3 and word[:2] in two:
        return [word[:2], word[2:]]
    if len(word) >= 2 and word[0] in _lists()["hangul_surnames"]:
        return [word[0], word[1:]]
    return [word]


def _surname_key(word: str) -> str | None:
    canon = _surname_canon().get(word.casefold())
    return None if canon is None else "@" + canon  # a group: never equal to a folded ordinary word


@lru_cache(maxsize=65536)
def word_key(word: str, *, first: bool = False) -> str:
    """The key of one written word. At the start of a name (`first`) a surname keys as its group, whatever its
    spelling, and a Hangul word is split into surname and given name; Hangul is keyed as its romanisation."""
    if first and (group := _surname_key(word)) is not None:
        return group
    if is_hangul(word):
        parts = _hangul_parts(word) if first else [word]
        if len(parts) == 2:
            return (_surname_key(parts[0]) or fold(romanise(parts[0]))) + fold(romanise(parts[1]))
        return fold(romanise(word))
    return fold(word)


def name_key(words: list[str]) -> str:
    return "".join(word_key(w, first=i == 0) for i, w in enumerate(words))


def value_keys(value: str) -> set[str]:
    """Keys under which `value` (a name or a place as recorded) is found in a text, in any spacing, case,
    romanisation or script; a name also in the other order ("Yeon-ok Hwang"). A surname alone has none."""
    words = WORDS.findall(value)
    if not words:
        return set()
    keys = {name_key(words)}
    if len(words) > 1 and _surname_key(words[0]) is not None:
        keys.add(name_key(words[1:]) + fold(words[0]))
    return {k for k in keys if len(k) >= 3 and not (k.startswith("@") and k[1:] in _surname_canon().values())}


def given_name_keys(value: str) -> set[str]:
    """Keys of the parts of a name that identify a person alone: the given name (for Hangul, the syllables
    after a one- or two-syllable surname), each space-separated part that is not a common surname."""
    words = WORDS.findall(value)
    out: set[str] = set()
    if len(words) == 1 and is_hangul(words[0]):
        parts = _hangul_parts(words[0])
        if len(parts) == 2 and len(parts[1]) >= 2:
            out.add(fold(romanise(parts[1])))
        return {k for k in out if len(k) >= 3}
    if len(words) > 1 and _surname_key(words[0]) is not None:
        out.add(name_key(words[1:]))
    for part in re.split(r"[\s,]+", value.strip()):
        pw = WORDS.findall(part)
        if pw and not (len(pw) == 1 and _surname_key(pw[0]) is not None):
            out.add(name_key(pw))
    return {k for k in out if len(k) >= 3 and not k.startswith("@")}


def hangul_forms(value: str) -> set[str]:
    """The Hangul strings of a name that are masked wherever they stand, even inside a longer word
    ("연규가", "동생황보연규"): the whole name, and the given name when it has two syllables or more."""
    v = value.strip()
    if not is_hangul(v) or len(v) < 2:
        return set()
    parts = _hangul_parts(v)
    return {v} | ({parts[1]} if len(parts) == 2 and len(parts[1]) >= 2 else set())


def find(text: str, keys: Iterable[str], hangul: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Spans of `text` whose words, joined across spaces and hyphens, have one of `keys`, or that are one of
    the `hangul` strings. Spans do not overlap; the longest wins."""
    wanted = set(keys)
    spans: list[tuple[int, int]] = []
    for form in sorted(set(hangul), key=len, reverse=True):
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(form), text)]
    if wanted:
        longest = max(len(k) for k in wanted) + 8
        words = [(m.start(), m.end(), m.group()) for m in WORDS.finditer(text)]
        for i in range(len(words)):
            key, best = "", None
            for j in range(i, min(i + MAX_PARTS, len(words))):
                if j > i and not _JOINER.fullmatch(text[words[j - 1][1]:words[j][0]]):
                    break
                key += word_key(words[j][2], first=j == i)
                if key in wanted:
                    best = (words[i][0], words[j][1])
                if len(key) > longest:
                    break
            if best:
                spans.append(best)
    spans.sort(key=lambda ab: (ab[0], -ab[1]))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
