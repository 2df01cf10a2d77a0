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
from collections.abc import Iterable

# The language-neutral part (romanisation, folding, word keys) lives in nkwatch.text.spelling, which linking uses
# too; re-exported here so that the vault's callers and tests see the same names as before.
from nkwatch.text.spelling import (  # noqa: F401
    _FINALS,
    _FOLDS,
    _INITIALS,
    _JOINER,
    _MEDIALS,
    MAX_PARTS,
    WORDS,
    _hangul_parts,
    _lists,
    _surname_canon,
    _surname_key,
    fold,
    is_hangul,
    name_key,
    romanise,
    word_key,
)


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
