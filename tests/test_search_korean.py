"""Korean words are found inside their inflected forms (탈북 in 탈북민, 탈북민들은), on SQLite and PostgreSQL."""

from __future__ import annotations

from nkwatch.store.search import search

from .factory import add_source


def test_a_korean_word_finds_its_inflected_forms(store):
    a = add_source(store, "연합뉴스", "지난해 입국한 탈북민들은 모두 196명으로 집계됐다.", published="2024-01-18")
    b = add_source(store, "Daily NK", "Defectors who arrived last year numbered 196.", published="2024-01-18")
    with store.session() as s:
        assert {h.source_id for h in search(s, "탈북")} == {a}
        assert {h.source_id for h in search(s, "탈북민")} == {a}
        assert {h.source_id for h in search(s, "탈북 OR defectors")} == {a, b}
        assert search(s, "탈북 -집계") == []  # the other word excludes it
        assert {h.source_id for h in search(s, "arrived")} == {b}  # English as before
