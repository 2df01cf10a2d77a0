"""The gazetteer of North Korea and its border areas (data/gazetteer.toml): lookup, matching, hierarchy."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from nkwatch import vocab
from nkwatch.extract.dictionaries import Hit, PhraseMatcher
from nkwatch.extract.korean import KoreanText


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    precision: str
    parent: str | None
    lat: float | None
    lon: float | None
    kind: str | None
    source: str | None

    def as_where(self, text: str) -> dict[str, Any]:
        """The claim's `where` field for a mention of this place."""
        out: dict[str, Any] = {"place_id": self.id, "name": self.name, "precision": self.precision}
        if self.lat is not None:
            out["lat"], out["lon"] = self.lat, self.lon
        out["text"] = text
        return out


@dataclass(frozen=True)
class Gazetteer:
    places: dict[str, Place]
    sources: dict[str, str]
    matcher: PhraseMatcher

    def get(self, place_id: str) -> Place | None:
        return self.places.get(place_id)

    def ancestors(self, place_id: str) -> list[str]:
        """The place and every place that encloses it, innermost first."""
        out: list[str] = []
        cur = self.places.get(place_id)
        while cur is not None and cur.id not in out:
            out.append(cur.id)
            cur = self.places.get(cur.parent) if cur.parent else None
        return out

    def find(self, text: str, norm: str, words: str | None = None, ko: KoreanText | None = None,
             base: int = 0) -> list[Hit]:  # fmt: skip
        """Place mentions, longest first: "Tumen River" is the border, not the city of Tumen inside it.

        An alias written with a capital in the gazetteer (a proper noun) must be capitalised in the text too.
        Hangul aliases are matched on morphemes when `ko` (the document as Korean, `text` at `base` in it) is given.
        """
        out: list[Hit] = []
        for h in sorted(self.matcher.find(norm, words, ko, base), key=lambda h: (h.begin, -(h.end - h.begin))):
            place_id, proper = h.payload
            if proper and not text[h.begin].isupper():
                continue
            if out and h.begin < out[-1].end:
                continue  # inside a longer mention already taken
            out.append(Hit(h.begin, h.end, place_id, h.phrase))
        return out


@cache
def gazetteer() -> Gazetteer:
    with resources.files("nkwatch").joinpath("data/gazetteer.toml").open("rb") as f:
        data = tomllib.load(f)
    allowed = set(vocab.terms("where_precisions"))
    places: dict[str, Place] = {}
    matcher = PhraseMatcher()
    for p in data["place"]:
        if p["precision"] not in allowed:
            raise ValueError(f"gazetteer: {p['id']} has precision {p['precision']!r}")
        place = Place(p["id"], p["name"], p["precision"], p.get("parent"), p.get("lat"), p.get("lon"),
                      p.get("kind"), p.get("source"))  # fmt: skip
        places[place.id] = place
        for alias in {p["name"], *p.get("aliases", [])}:
            matcher.add(alias, (place.id, alias[:1].isascii() and alias[:1].isupper()))
    return Gazetteer(places, data.get("sources", {}), matcher)
