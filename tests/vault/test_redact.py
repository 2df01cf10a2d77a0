"""Redaction of testimony text: identity values in every form, private names by pattern, public figures kept.

The first cases are regressions from bench/fuzz_ingest.py's redaction target (a made-up identity written
into a testimony in the variants people use; any value left in the masked text is a leak).
"""

from __future__ import annotations

import pytest

from nkwatch.vault.redact import redact

WITNESS = {"name": "Tervalo Qinmarsh", "name_hangul": "테르발로", "date_of_birth": "1983-07-19",
           "home_town": "Ostrelby", "contact": "+82 10 5550 7731",
           "family_in_dprk": [{"relation": "mother", "name": "Pak Yong-hui", "name_hangul": "박용희"}]}  # fmt: skip


def _masked(text: str) -> str:
    return redact(text, [WITNESS])[0]


def test_fuzz_regression_the_given_name_alone_is_masked():
    # Found by the fuzzer: "I am Tortor." kept the first part of a Western-order name.
    assert "Tervalo" not in _masked("I am Tervalo. Everyone called me TERVALO.")


def test_name_written_surname_last_with_a_comma_and_in_capitals():
    out = _masked("Qinmarsh, Tervalo signed. QINMARSH TERVALO again. tervalo-qinmarsh in lower case.")
    assert "tervalo" not in out.lower() and "qinmarsh" not in out.lower()


def test_dates_of_birth_in_numeric_forms_without_leading_zeros():
    for form in ("7/19/1983", "19.07.1983", "1983/7/19", "19 Jul 1983", "July 19, 1983", "1983년 7월 19일"):
        assert "[date withheld]" in _masked(f"Born {form}."), form


def test_relatives_names_from_the_identity_are_masked_in_both_scripts():
    out = _masked("My mother Pak Yong Hui (박용희) still lives there; Yong-hui sends word.")
    assert "Yong" not in out and "박용희" not in out and "용희" not in out


def test_a_short_name_part_does_not_mask_inside_other_words():
    out = redact("During the trial Ri spoke.", [{"name": "Ri Kal"}])[0]
    assert out.startswith("During the trial") and "Kal" not in out


def test_hangul_name_with_a_particle_and_home_town_possessive():
    out = _masked("테르발로는 Ostrelby's market에서 일했다.")
    assert "테르발로" not in out and "Ostrelby" not in out


def test_common_surname_alone_is_not_masked_but_public_figures_stay():
    out = redact("Kim Jong Un visited. Kim Chol-su was taken.", [{"name": "Kim Chol-su"}])[0]
    assert out.startswith("Kim Jong Un visited.") and "Chol-su" not in out


def test_titles_and_korean_kinship_words_before_a_name():
    out, _ = redact("내 동생 김철수는 잡혀갔다. Comrade Ri Yong-nam and Officer Pak came. My friend In April left.")
    assert "김철수" not in out and "Yong-nam" not in out and "Officer Pak" not in out
    assert "In April" in out  # a sentence going on after a relation word is not a name


def test_long_runs_are_redacted_in_linear_time():
    # Found by a stress run of the upload path: the e-mail pattern retried at every position of a long word
    # (50,000 Hangul syllables without a space took 7 s; a megabyte-sized upload would hang the server).
    import time

    for text_ in ("김" * 200_000, "1" * 200_000 + "a", "ab." * 70_000):
        t = time.perf_counter()
        redact(text_, [WITNESS])
        assert time.perf_counter() - t < 2.0
    assert redact("write to drusk.v+x@example.org now")[0] == "write to [contact withheld] now"


def test_a_name_found_by_pattern_is_masked_wherever_else_the_text_names_it():
    out, _ = redact("My friend Zeltrana Vossbeck came. Later Vossbeck was beaten; Officer Pak and Pak Chol left.")
    assert "Vossbeck" not in out and "Zeltrana" not in out


@pytest.mark.parametrize("written", ["March 14th, 1987", "14th March 1987", "14th of March, 1987", "14.03.87",
                                     "3/14/87", "14/3/1987", "Mar. 14, 87", "1987년 3월 14일", "87년 3월 14일",
                                     "870314", "1987-03-14"])  # fmt: skip
def test_a_date_of_birth_is_masked_in_every_common_written_form(written):
    out, _ = redact(f"I was born on {written} in the north.", [{"date_of_birth": "1987-03-14"}])
    assert out == "I was born on [date withheld] in the north.", out


def test_two_digit_years_are_read_both_ways_round():
    out, _ = redact("Born 02/11/93, or 11/02/93 as some write it.", [{"date_of_birth": "1993-02-11"}])
    assert "93" not in out


@pytest.mark.parametrize("text_", ["I grew up in Kuppo-ri.", "I grew up in KUPPO RI.", "I grew up in Kuppori."])
def test_a_home_town_is_masked_whatever_its_spacing(text_):
    out, _ = redact(text_, [{"home_town": "Kuppori"}])
    assert "upp" not in out.lower() and "[place withheld]" in out


def test_a_korean_name_with_a_two_syllable_surname_loses_its_given_name_too():
    said = "황보연규가 말했다. 연규는 혜산에서 왔다. Hwangbo Yeon-gyu and Yeongyu."
    out, _ = redact(said, [{"name_hangul": "황보연규"}])
    assert "연규" not in out and "Yeon-gyu" not in out and "Yeongyu" not in out and "혜산" in out


def test_romanisation_variants_and_the_other_script_are_one_name():
    who = {"name": "Hwang Yeon-ok", "family_in_dprk": [{"relation": "sister", "name": "Ri Chol-su"}]}
    out, _ = redact("HWANG Yon-ok, 황연옥 and Yŏnok met Lee Cholsu; Kim Jong Un was on television.", [who])
    for leaked in ("Yon-ok", "황연옥", "Yŏnok", "Cholsu"):
        assert leaked not in out, out
    assert "Kim Jong Un" in out


def test_relatives_written_as_free_text_are_refused():
    from nkwatch.vault.errors import VaultError
    from nkwatch.vault.records import clean_identity

    with pytest.raises(VaultError, match="cannot be masked"):
        clean_identity({"name": "Pak Mi-ran", "family_in_dprk": "my sister Yeon-ok in Hyesan"})
    assert clean_identity({"family_in_dprk": [{"relation": "sister", "name": "Pak Yeon-ok"}]})
