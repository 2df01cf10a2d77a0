"""Sentence segmentation with character offsets, paragraph numbers and a heading flag.

Lines are paragraphs (the readers put one paragraph per line); blingfire splits each line into sentences.
A short question answered in the next sentence ("The woman who lent it to him? She got 15 years.") is one
unit, because journalists write one assertion that way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import blingfire

_TERMINAL = re.compile(r"[.!?…:;\"”’')\]]\s*$")
_LIST_MARK = re.compile(r"^\s*(?:[-*•–]\s+|\d+[.)]\s+|\(?[a-z]\)\s+)")
# A sentence of a redacted testimony may begin with a mask ("[name withheld] said ..."), which blingfire does
# not take for a sentence start: without this, a testimony is one long "sentence" (wrong claims, and the coder
# slows down with the cube of its length: 400 such sentences took 32 s).
_MASK_START = re.compile(r"(?<=[.!?])\s+(?=\[(?:name|date|place|contact) withheld\])")


def _offsets(line: str) -> list[tuple[int, int]]:
    """Sentence spans in a line. blingfire's own offset routine maps bytes to characters in Python and is
    three times slower than finding each sentence it returns; it is the fallback if one is not found."""
    spans, pos = [], 0
    for sent in blingfire.text_to_sentences(line).split("\n"):
        i = line.find(sent, pos)
        if i < 0:
            return list(blingfire.text_to_sentences_and_offsets(line)[1])
        start = i
        for m in _MASK_START.finditer(sent):
            spans.append((start, i + m.start()))
            start = i + m.end()
        spans.append((start, i + len(sent)))
        pos = i + len(sent)
    return spans


@dataclass(frozen=True)
class Sentence:
    begin: int
    end: int
    paragraph: int  # index of the line it is in
    heading: bool  # a line with no closing punctuation: a title or a section heading


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of `text` in order; `text[s.begin:s.end]` is the sentence, stripped of surrounding space."""
    out: list[Sentence] = []
    pos = 0
    for para, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            body_start = pos + lead
            mark = _LIST_MARK.match(stripped)
            if mark:  # a list bullet is not part of the sentence
                body_start += mark.end()
                stripped = stripped[mark.end():]
            heading = not _TERMINAL.search(stripped) and len(stripped.split()) <= 14
            offsets = _offsets(stripped)
            units: list[list[int]] = []
            for b, e in offsets:
                # Merge a short question with the sentence that answers it.
                if units and stripped[units[-1][1] - 1] == "?" and units[-1][1] - units[-1][0] <= 60:
                    units[-1][1] = e
                else:
                    units.append([b, e])
            for b, e in units:
                out.append(Sentence(body_start + b, body_start + e, para, heading))
        pos += len(line) + 1
    return out
