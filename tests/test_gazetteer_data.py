"""Consistency checks on the gazetteer data file (nkwatch/data/gazetteer.toml), read with tomllib only."""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[1] / "nkwatch" / "data" / "gazetteer.toml"
PRECISIONS = {"country", "province", "county", "city", "facility", "border", "point"}
KINDS = {"country", "province", "special_city", "city", "county", "district", "town", "region",
         "border_crossing", "river", "kwanliso", "kyohwaso", "detention_centre"}  # fmt: skip
ALLOWED_FIELDS = {"id", "name", "precision", "parent", "lat", "lon", "aliases", "source", "kind", "iso", "note"}

# Plausible bounding boxes (lat_min, lat_max, lon_min, lon_max) per country, found by walking up the parents.
BOUNDS = {
    "kp": (37.0, 44.0, 123.0, 132.0),
    "kr": (33.0, 39.0, 124.0, 132.0),
    "cn": (18.0, 54.0, 73.0, 135.0),
    "ru": (41.0, 82.0, 19.0, 180.0),
    "jp": (24.0, 46.0, 122.0, 154.0),
    "mn": (41.0, 52.5, 87.0, 120.0),
    "la": (13.5, 22.6, 100.0, 107.8),
    "th": (5.5, 20.5, 97.3, 105.7),
    "vn": (8.0, 23.5, 102.0, 110.0),
}

# Aliases that may name two places. Each entry: normalised alias -> the set of place ids allowed to share it,
# with the reason. Keep this empty unless a spelling genuinely names both and the coder can tell them apart
# from context (e.g. by precision). Today none is needed: ambiguous bare words ("Hwasong", "Camp 12",
# "Gangwon") are left out of the data instead, and each place is matched by a longer, unambiguous phrase.
AMBIGUOUS_OK: dict[str, set[str]] = {}

_NORM = str.maketrans({"-": " ", "‐": " ", "‑": " ", "–": " ", "—": " ", "’": "'", "‘": "'"})


def norm(s: str) -> str:
    """Case-insensitive comparison form, close to nkwatch's matcher: dashes read as spaces, curly quotes straight."""
    return " ".join(s.translate(_NORM).lower().split())


@pytest.fixture(scope="module")
def data() -> dict:
    with PATH.open("rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def places(data: dict) -> dict[str, dict]:
    return {p["id"]: p for p in data["place"]}


def country_of(pid: str, places: dict[str, dict]) -> str:
    seen: list[str] = []
    cur = places[pid]
    while cur.get("parent") and cur["id"] not in seen:
        seen.append(cur["id"])
        cur = places[cur["parent"]]
    return cur["id"]


def test_ids_unique(data: dict) -> None:
    ids = [p["id"] for p in data["place"]]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, f"duplicate ids: {dupes}"


def test_ids_are_slugs(data: dict) -> None:
    bad = [p["id"] for p in data["place"] if not re.fullmatch(r"[a-z]{2}|[a-z0-9]+(?:-[a-z0-9]+)+", p["id"])]
    assert not bad, f"ids that are not slugs: {bad}"


def test_required_and_known_fields(data: dict) -> None:
    for p in data["place"]:
        for f in ("id", "name", "precision", "source"):
            assert p.get(f), f"{p.get('id')}: missing {f}"
        extra = set(p) - ALLOWED_FIELDS
        assert not extra, f"{p['id']}: unknown fields {extra}"
        assert isinstance(p.get("aliases", []), list), p["id"]


def test_precision_allowed(data: dict) -> None:
    bad = [(p["id"], p["precision"]) for p in data["place"] if p["precision"] not in PRECISIONS]
    assert not bad, f"bad precision: {bad}"


def test_kind_allowed(data: dict) -> None:
    bad = [(p["id"], p["kind"]) for p in data["place"] if "kind" in p and p["kind"] not in KINDS]
    assert not bad, f"bad kind: {bad}"


def test_parents_exist_and_no_cycles(places: dict[str, dict]) -> None:
    for pid, p in places.items():
        if p["precision"] == "country":
            assert "parent" not in p, f"{pid}: a country has no parent"
            continue
        assert p.get("parent") in places, f"{pid}: parent {p.get('parent')!r} does not exist"
        chain = [pid]
        cur = p
        while cur.get("parent"):
            cur = places[cur["parent"]]
            assert cur["id"] not in chain, f"parent cycle: {chain + [cur['id']]}"
            chain.append(cur["id"])
        assert places[chain[-1]]["precision"] == "country", f"{pid}: chain {chain} does not end at a country"


def test_coordinates_both_or_neither_and_in_range(places: dict[str, dict]) -> None:
    for pid, p in places.items():
        has_lat, has_lon = "lat" in p, "lon" in p
        assert has_lat == has_lon, f"{pid}: lat and lon must be both present or both absent"
        if not has_lat:
            continue
        lat, lon = p["lat"], p["lon"]
        assert isinstance(lat, float | int) and isinstance(lon, float | int), pid
        c = country_of(pid, places)
        lo_lat, hi_lat, lo_lon, hi_lon = BOUNDS.get(c, (-90.0, 90.0, -180.0, 180.0))
        assert lo_lat <= lat <= hi_lat and lo_lon <= lon <= hi_lon, f"{pid} ({c}): {lat}, {lon} out of range"


def test_coordinates_have_a_real_source(places: dict[str, dict]) -> None:
    bad = [pid for pid, p in places.items() if "lat" in p and "UNVERIFIED" in p["source"]]
    assert not bad, f"coordinates without a source: {bad}"


def test_source_keys_defined(data: dict) -> None:
    sources = data["sources"]
    assert all(isinstance(v, str) and v.strip() for v in sources.values())
    for p in data["place"]:
        keys = [k.strip() for k in p["source"].split(",")]
        if keys == ["UNVERIFIED"]:
            continue
        missing = [k for k in keys if k not in sources]
        assert not missing, f"{p['id']}: source keys not in [sources]: {missing}"


def test_no_unused_sources(data: dict) -> None:
    used = {k.strip() for p in data["place"] for k in p["source"].split(",")}
    unused = sorted(set(data["sources"]) - used)
    assert not unused, f"sources defined but never used: {unused}"


def test_alias_maps_to_one_place(data: dict) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for p in data["place"]:
        for a in {p["name"], *p.get("aliases", [])}:
            owners[norm(a)].add(p["id"])
    clashes = {a: ids for a, ids in owners.items() if len(ids) > 1 and ids != AMBIGUOUS_OK.get(a)}
    assert not clashes, f"aliases naming more than one place: {clashes}"


def test_aliases_unique_within_place_and_nonempty(data: dict) -> None:
    for p in data["place"]:
        al = [norm(a) for a in p.get("aliases", [])]
        assert all(al), f"{p['id']}: empty alias"
        dupes = sorted({a for a in al if al.count(a) > 1})
        assert not dupes, f"{p['id']}: repeated aliases {dupes}"


def test_facility_ids(data: dict) -> None:
    for p in data["place"]:
        if p["id"].startswith("camp-") or p.get("kind") == "kwanliso":
            assert re.fullmatch(r"camp-\d+", p["id"]), p["id"]
            assert p.get("kind") == "kwanliso" and p["precision"] == "facility", p["id"]
        if p.get("kind") == "kyohwaso":
            assert re.fullmatch(r"kyohwaso-\d+", p["id"]) and p["precision"] == "facility", p["id"]


def test_spec_places_present(places: dict[str, dict]) -> None:
    """The ids spec/claims.md names, and the ones the coder looks up by id."""
    for pid in ("kp", "cn", "jp", "kr", "ru", "border-kp-cn", "border-kp-kr", "border-kp-ru",
                "kp-hyesan", "cn-dandong", "camp-14", "camp-15", "camp-16", "camp-25"):  # fmt: skip
        assert pid in places, pid


def test_nine_provinces_with_iso(places: dict[str, dict]) -> None:
    provs = [p for p in places.values() if p.get("parent") == "kp" and p["precision"] == "province"]
    assert len(provs) == 9, [p["id"] for p in provs]
    assert all(re.fullmatch(r"KP-\d\d", p.get("iso", "")) for p in provs)


def test_kp_places_lead_to_kp(places: dict[str, dict]) -> None:
    for pid in places:
        if pid.startswith(("kp-", "camp-", "kyohwaso-", "border-kp-")):
            assert country_of(pid, places) == "kp", pid
        elif pid.startswith(("cn-", "ru-")):
            assert country_of(pid, places) == pid[:2], pid


@pytest.mark.parametrize("text,place_id", [
    ("양강도 혜산시에서", "kp-hyesan"), ("혜산에서", "kp-hyesan"), ("회령출신 탈북자", "kp-hoeryong"),
    ("양강도에서", "kp-ryanggang"), ("함경북도 소식통", "kp-north-hamgyong"), ("신의주시에서", "kp-sinuiju"),
    ("평양에서는", "kp-pyongyang"), ("단둥으로", "cn-dandong"), ("투먼에서", "cn-tumen"),
    ("두만강을 건너", "border-kp-cn"), ("요덕수용소에", "camp-15"),
])  # fmt: skip
def test_korean_names_match_with_their_particles(text: str, place_id: str) -> None:
    """Hangul aliases are matched on morphemes (extract/korean.py): 혜산시에서 is 혜산시 + 에서."""
    from nkwatch.extract.dictionaries import normalise, spaced
    from nkwatch.extract.gazetteer import gazetteer
    from nkwatch.extract.korean import KoreanText

    norm = normalise(text)
    hits = gazetteer().find(text, norm, spaced(norm), KoreanText(text))
    assert place_id in [h.payload for h in hits], hits
