"""Names and places compared however they are written: case, hyphens, spaces, romanisation, script.

"Kim Yong Jin", "Kim Yong-jin", "KIM Yongjin" and 김용진 are one name; "Hwang Yeon-ok", "Hwang Yon-ok" and
"Hwang Yŏn-ok" too. Words are compared through a *key*: Hangul romanised (Revised Romanisation), surnames
mapped to one spelling of their group, then letters folded so that the usual romanisation differences vanish
(eo/o, eu/u, k/g, p/b, t/d, r/l, ch/j, doubled letters). The key is deliberately coarse.

Language-neutral, so that both the witness vault (nkwatch.vault.spelling: finding a recorded identity in a
text) and linking (nkwatch.link: the same person named by two reports) use it without importing each other.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
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
