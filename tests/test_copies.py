"""Copy and syndication detection (nkwatch.link.copies) on both store backends, and on the real dev set."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from nkwatch.link.copies import (
    COPY_CONTAINMENT,
    NOT_STORED,
    CopyLink,
    attribution,
    canonical_publisher,
    detect_copies,
    fingerprint,
    independence_groups,
    overlap,
    shingles,
    similarity,
)
from nkwatch.store.models import Source

DEV = Path(__file__).resolve().parents[1] / "dev" / "linkage"
T0 = datetime(2024, 1, 1, tzinfo=UTC)

# Synthetic texts (not real reports): one story, told sentence by sentence.
STORY = [
    "Chinese authorities forcibly returned about sixty North Korean refugees across the border on Friday night, "
    "according to two activists who spoke with relatives of those detained.",
    "The refugees had been held for months in a detention centre in Tumen, a Chinese city on the Tumen River.",
    "Most of them were women who had fled the North during the pandemic and lived in hiding with Chinese families.",
    "Witnesses said five buses carrying the detainees crossed the bridge to Namyang shortly after nine o'clock.",
    "Border guards closed the road to traffic for two hours while the transfer took place, a local trader said.",
    "Returnees are typically interrogated by the Ministry of State Security and many are sent to labour camps.",
    "Rights groups have urged Beijing to recognise escapees as refugees rather than illegal economic migrants.",
    "China maintains that North Koreans who cross the border illegally are not refugees under international law.",
    "The foreign ministry in Beijing did not respond to a request for comment on the reported repatriation.",
    "South Korea's unification ministry said it was checking the reports and had raised the issue with China.",
    "Activists estimate that hundreds more North Koreans remain in Chinese detention awaiting the same fate.",
    "The return was the largest since the border reopened after three years of pandemic closure.",
]
ARTICLE = "\n\n".join(STORY)

# The same event in another outlet's own words: same facts, different wording.
OTHER = (
    "About 60 North Korean escapees were sent back to their country by China late on Friday, two human rights "
    "activists said, citing families of the detainees. They had spent months locked up in Tumen, near the river "
    "that marks the frontier. Women made up most of the group, having escaped during the COVID-19 years. "
    "A trader in the area told reporters that the road to the Namyang crossing was shut for about two hours as "
    "five buses went over. Seoul's unification ministry said it was looking into the account. Beijing regards "
    "North Koreans who enter illegally as economic migrants and returns them under a 1986 agreement with "
    "Pyongyang. Campaigners fear those sent back will face questioning by state security and years of forced "
    "labour. China's foreign ministry made no comment. Hundreds of others are believed to be held still."
)

UNRELATED = (
    "A United Nations panel said food shortages in rural provinces worsened last winter, with rations cut in "
    "several counties and markets closed for weeks at a time. Aid agencies have had no staff in the country since "
    "2021 and rely on satellite images and interviews with recent escapees."
)

YONHAP = (
    "SEOUL, Oct. 13 (Yonhap) -- The unification ministry said Friday it believes many North Koreans held in "
    "China have been repatriated, after a news report said about 600 were forcibly sent back this week. "
    "\"It appears to be true that many North Korean residents in three northeastern Chinese provinces have been "
    "repatriated,\" a ministry spokesperson told a regular press briefing. The ministry said it could not confirm "
    "how many defectors were among them. A local newspaper had reported that the detainees were sent back via "
    "Dandong and Hunchun on Monday night, right after the end of the Asian Games in Hangzhou. Seoul has asked "
    "Beijing to respect the wishes of the defectors and to treat them in line with international norms."
)
# A site's rewrite of the Yonhap story: the quote and a sentence are kept, the rest in its own words.
YONHAP_REWRITE = (
    "Many North Koreans in China were likely repatriated, Seoul says\n\n"
    "South Korea's government now thinks that a large number of North Koreans detained in China were returned home "
    "against their will. \"It appears to be true that many North Korean residents in three northeastern Chinese "
    "provinces have been repatriated,\" a ministry spokesperson told a regular press briefing. Officials gave "
    "no figure. Earlier in the week a paper had put the number at around six hundred, returned through two border "
    "towns once the sporting event in China ended.\n\n"
    "Source: Yonhap News Agency"
)


def _id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def add(store, name: str, text: str, published: str | None = "2023-10-13", publisher: str | None = None,
        captured: datetime = T0, **extra) -> str:  # fmt: skip
    sid = _id(name)
    with store.session() as s:
        s.add(Source(id=sid, kind="news", text=text, format="txt", size_bytes=len(text.encode()), reliability="C",
                     captured_at=captured, published_at=published, publisher=publisher, **extra))  # fmt: skip
    return sid


def state(store) -> dict[str, tuple[str | None, str | None]]:
    with store.session() as s:
        rows = s.query(Source.id, Source.derived_from, Source.derivation)
        return {r.id: (r.derived_from, r.derivation) for r in rows}


# --- copies -----------------------------------------------------------------------------------------------


def test_identical_text_on_two_sites_with_different_boilerplate(store):
    a = add(store, "a", "Home | World | Asia\nSite A News\n\n" + ARTICLE + "\n\nShare this story. © 2023 Site A. "
            "All rights reserved. Subscribe to our newsletter for daily updates.", published="2023-10-13")  # fmt: skip
    b = add(store, "b", "Menu Search Login\n" + ARTICLE + "\n\nRelated stories: Markets fall; Weather warning issued "
            "for the coast; Football results. Advertisement.", published="2023-10-14")  # fmt: skip
    links = detect_copies(store)
    st_ = state(store)
    assert st_[b][0] == a and st_[b][1].startswith("near-duplicate")
    assert st_[a] == (None, None)
    assert links == [CopyLink(b, a, st_[b][1], links[0].score)] and links[0].score > 0.7


def test_rewrite_with_reordered_sentences_and_changed_words_is_a_copy(store):
    changes = [("about sixty", "some 60"), ("Friday night", "Friday evening"), ("months", "several months"),
               ("labour camps", "prison camps"), ("Rights groups", "Campaigners")]  # fmt: skip
    rewritten = list(STORY)
    for old, new in changes:
        rewritten = [s.replace(old, new) for s in rewritten]
    order = [0, 2, 1, 3, 5, 4, 6, 8, 7, 9, 11, 10]
    orig = add(store, "orig", ARTICLE, published="2023-10-13")
    copy = add(store, "copy", " ".join(rewritten[i] for i in order), published="2023-10-15")
    detect_copies(store)
    assert state(store)[copy][0] == orig
    assert state(store)[orig] == (None, None)


def test_excerpt_of_a_longer_article_is_a_copy_by_containment(store):
    long_ = add(store, "long", ARTICLE, published="2023-10-13")
    excerpt = add(store, "excerpt", "From our partners:\n" + "\n\n".join(STORY[:6]), published="2023-10-14")
    shared, jac, cont = overlap(shingles(ARTICLE), shingles("\n\n".join(STORY[:6])))
    assert cont > 0.9 and jac < 0.6
    detect_copies(store)
    assert state(store)[excerpt][0] == long_


def test_two_outlets_telling_the_same_event_in_their_own_words_are_not_copies(store):
    add(store, "one", ARTICLE, published="2023-10-13")
    add(store, "two", OTHER, published="2023-10-13")
    assert overlap(shingles(ARTICLE), shingles(OTHER))[2] < COPY_CONTAINMENT
    assert detect_copies(store) == []
    assert all(v == (None, None) for v in state(store).values())


def test_source_yonhap_line_links_to_the_stored_yonhap_story(store):
    assert attribution(YONHAP_REWRITE) == "Yonhap"
    # Too little shared for a copy by similarity alone: the credit line is what links them.
    assert overlap(shingles(YONHAP), shingles(YONHAP_REWRITE))[2] < COPY_CONTAINMENT
    y = add(store, "yonhap", YONHAP, published="2023-10-13", publisher="Yonhap News Agency")
    # Dated a day earlier (time zones): still the copy, because it credits Yonhap.
    site = add(store, "site", YONHAP_REWRITE, published="2023-10-12", publisher="Korea News Gazette")
    links = detect_copies(store)
    assert state(store)[site] == (y, "attribution: Yonhap")
    assert state(store)[y] == (None, None)
    assert [(link.source_id, link.derived_from) for link in links] == [(site, y)]


def test_wire_attribution_without_stored_original_shares_an_independence_group(store):
    one = add(store, "herald", ARTICLE + "\n\nSEOUL (Yonhap)", publisher="The Korea Herald")
    two = add(store, "times", OTHER + " (Yonhap)", publisher="The Korea Times")
    three = add(store, "ngo", UNRELATED, publisher="Some NGO")
    detect_copies(store)
    st_ = state(store)
    assert st_[one] == (None, f"attribution: Yonhap {NOT_STORED}")
    assert st_[two] == (None, f"attribution: Yonhap {NOT_STORED}")
    groups = independence_groups([(k, *v) for k, v in st_.items()])
    assert groups[one] == groups[two] != groups[three]
    assert len(set(groups.values())) == 2


def test_original_arriving_after_its_copy_takes_over_the_attribution(store):
    site = add(store, "site", YONHAP_REWRITE, publisher="Korea News Gazette")
    detect_copies(store, [site])
    assert state(store)[site] == (None, f"attribution: Yonhap {NOT_STORED}")
    y = add(store, "yonhap", YONHAP, publisher="Yonhap News Agency")
    detect_copies(store, [y])
    assert state(store)[site] == (y, "attribution: Yonhap")


def test_chains_collapse_to_the_earliest_original(store):
    first, second, third = STORY[:4], STORY[4:8], STORY[8:]
    c = add(store, "c", " ".join(first + second), published="2023-10-10")
    b = add(store, "b", " ".join(second + third), published="2023-10-11")  # shares `second` with c
    a = add(store, "a", " ".join(third) + " " + OTHER, published="2023-10-12")  # shares `third` with b only
    assert overlap(shingles(" ".join(first + second)), shingles(" ".join(third) + " " + OTHER))[0] == 0
    detect_copies(store)
    st_ = state(store)
    assert st_[b][0] == c and st_[a][0] == c and st_[c] == (None, None)
    assert st_[a][1].endswith(f"(via {b[:12]})")
    groups = independence_groups([(k, *v) for k, v in st_.items()])
    assert groups[a] == groups[b] == groups[c]


def test_running_twice_changes_nothing(store):
    add(store, "a", ARTICLE, published="2023-10-13")
    add(store, "b", "Republished: " + ARTICLE, published="2023-10-14")
    add(store, "c", OTHER + " (Yonhap)", publisher="The Korea Times")
    add(store, "d", YONHAP, publisher="Yonhap News Agency")
    add(store, "e", YONHAP_REWRITE, publisher="Korea News Gazette")
    first = detect_copies(store)
    with store.session() as s:
        before = {r.id: (r.derived_from, r.derivation, bytes(r.fingerprint)) for r in s.query(Source)}
    second = detect_copies(store)
    with store.session() as s:
        after = {r.id: (r.derived_from, r.derivation, bytes(r.fingerprint)) for r in s.query(Source)}
    assert first == second and before == after and len(first) == 3


def test_incremental_run_links_only_pairs_with_the_new_sources(store):
    p = add(store, "p", ARTICLE, published="2023-10-13")
    q = add(store, "q", "Reposted: " + ARTICLE, published="2023-10-14")
    r = add(store, "r", OTHER, published="2023-10-13")
    assert detect_copies(store, []) == []  # nothing new: fingerprints only
    with store.session() as s:
        assert all(len(x.fingerprint) == len(fingerprint("x")) for x in s.query(Source))
    assert all(v == (None, None) for v in state(store).values())  # p and q are copies, but old

    n = add(store, "n", "Via a partner site. " + OTHER, published="2023-10-15")
    links = detect_copies(store, [n])
    st_ = state(store)
    assert st_[n][0] == r and st_[q] == (None, None)
    assert [(link.source_id, link.derived_from) for link in links] == [(n, r)]

    detect_copies(store)  # a full run finds the old pair too
    assert state(store)[q][0] == p and state(store)[n][0] == r


def test_a_new_earlier_original_re_points_the_older_copies(store):
    b = add(store, "b", "Republished: " + ARTICLE, published="2023-10-14")
    c = add(store, "c", "Copied again: " + ARTICLE, published="2023-10-15")
    detect_copies(store)
    assert state(store)[c][0] == b
    a = add(store, "a", ARTICLE, published="2023-10-13")
    detect_copies(store, [a])
    st_ = state(store)
    assert st_[b][0] == a and st_[c][0] == a and st_[a] == (None, None)


def test_a_persons_link_is_kept(store):
    a = add(store, "a", ARTICLE)
    b = add(store, "b", OTHER, derived_from=a, derivation="reviewer: same press release")
    detect_copies(store)
    assert state(store)[b] == (a, "reviewer: same press release")


# --- pieces -----------------------------------------------------------------------------------------------


def test_attribution_lines():
    body = "North Korea returned 50 people, officials said.\n\n"
    cases = {
        "Source: Yonhap": "Yonhap", "Source: Yonhap News Agency": "Yonhap", "출처: x\n\nSource: 연합뉴스": "Yonhap",
        "SEOUL, Oct. 13 (Yonhap) -- ": "Yonhap", "(AP) — ": "AP", "SEOUL (AFP) - ": "AFP",
        "— Yonhap": "Yonhap", "Yonhap News Agency": "Yonhap",
        "This article was originally published by NK News.": "NK News", "Reporting by Reuters": "Reuters",
        "(Reporting by Hyonhee Shin; Editing by Ed Davies)": "Reuters", "Read more via RFA": "RFA",
        "©RFA": "RFA", "Copyright © 1998-2022, Radio Free Asia. All rights reserved.": "RFA",
        "Used with the permission of Radio Free Asia.": "RFA", "By Human Rights Watch\n": "HRW",
        "Originally appeared on Daily NK": "Daily NK",
    }  # fmt: skip
    for line, canon in cases.items():
        text = line + body if line.endswith(("-- ", "— ", "- ", "\n")) else body + line
        assert attribution(text) == canon, line
    for text in [
        body + "Radio Free Asia (RFA) reported the returns.",  # an acronym defined, not a credit
        body + "the Korean Central News Agency (KCNA).",
        body + "Sources: OHCHR, Human Rights Watch, BBC News",  # a compiled list, not one source's copy
        body + "The Yonhap news agency reports that the ministry agreed.",  # a citation in the body
        body + "The ap of the tap.",  # "AP" only in capitals
        "", "   ",
    ]:  # fmt: skip
        assert attribution(text) is None, text
    # Footnotes in the middle of a long report are not credit lines.
    long_report = "x " * 1000 + "Source: Yonhap News Agency\n" + "y " * 1000
    assert attribution(long_report) is None


def test_canonical_publisher():
    assert canonical_publisher("Yonhap News Agency") == "Yonhap"
    assert canonical_publisher("The Associated Press") == "AP"
    assert canonical_publisher("Associated Press (via Power Politics)") == "AP"
    assert canonical_publisher("Korea News Gazette (Yonhap News Agency copy)") is None
    assert canonical_publisher("radio free asia") == "RFA"
    assert canonical_publisher(None) is None and canonical_publisher("") is None


def test_independence_groups():
    groups = independence_groups([
        ("a", None, None), ("b", "a", "near-duplicate 0.95"), ("c", "a", "containment 0.50 (via b)"),
        ("d", None, "attribution: AP (original not stored)"), ("e", "x", "attribution: AP"),
        ("f", None, None), ("g", "zz", "containment 0.40"), ("h", "zz", "near-duplicate 0.90"),
    ])  # fmt: skip
    assert groups["a"] == groups["b"] == groups["c"]
    assert groups["d"] == groups["e"] == "wire:AP"
    assert groups["g"] == groups["h"]  # same original, not itself in the list
    assert len({groups[k] for k in "abcdefgh"}) == 4


def test_fingerprint_format_and_similarity():
    fp = fingerprint(ARTICLE)
    assert isinstance(fp, bytes) and len(fp) == 1024 and fp == fingerprint(ARTICLE)
    assert similarity(fp, fingerprint("Republished: " + ARTICLE)) > 0.9
    assert similarity(fp, fingerprint(OTHER)) < 0.1
    true_j = overlap(shingles(ARTICLE), shingles(" ".join(STORY[:8])))[1]
    assert abs(similarity(fp, fingerprint(" ".join(STORY[:8]))) - true_j) < 0.15


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text())
def test_fingerprint_and_similarity_never_raise(x, y):
    fx, fy = fingerprint(x), fingerprint(y)
    assert similarity(fx, fx) == 1.0
    assert 0.0 <= similarity(fx, fy) == similarity(fy, fx) <= 1.0
    attribution(x)


# --- the real development set -----------------------------------------------------------------------------

# Measured with dev/linkage/eval_copies.py: all 9 real copy pairs found, no false pair among 1596.
DEV_RECALL = 1.0


def test_dev_linkage_copies(store):
    names = sorted(p.name for p in (DEV / "texts").glob("*.txt"))
    ids = {}
    with store.session() as s:
        for name in names:
            raw = (DEV / "texts" / name).read_bytes()
            meta = json.loads((DEV / "texts" / f"{name}.meta.json").read_text(encoding="utf-8"))
            ids[name] = hashlib.sha256(raw).hexdigest()
            s.add(Source(id=ids[name], kind=meta["kind"], text=raw.decode(), format="txt", size_bytes=len(raw),
                         reliability=meta["reliability"], captured_at=T0, published_at=meta["published_at"],
                         publisher=meta["publisher"], title=meta["title"] or None, url=meta["url"]))  # fmt: skip
    detect_copies(store)
    name_of = {v: k for k, v in ids.items()}
    root = {}
    for sid, (df, _) in state(store).items():
        root[name_of[sid]] = name_of.get(df, df) if df else name_of[sid]
    predicted = {frozenset(p) for p in itertools.combinations(names, 2) if root[p[0]] == root[p[1]]}

    gold = {frozenset((j["source"], j["copy_of"])) for j in map(json.loads, (DEV / "copies.jsonl").open())}
    assert len(predicted & gold) / len(gold) >= DEV_RECALL
    # No false copy among different outlets reporting the same incident (nor anywhere else).
    incidents: dict[str, set[str]] = {}
    for line in (DEV / "gold.jsonl").open():
        g = json.loads(line)
        incidents.setdefault(g["incident"], set()).add(g["source"])
    same_incident = {frozenset(p) for srcs in incidents.values() for p in itertools.combinations(sorted(srcs), 2)}
    assert len(same_incident - gold) > 100
    assert not (predicted - gold) & same_incident
    assert predicted <= gold
