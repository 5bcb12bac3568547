import pytest
from hypothesis import given
from hypothesis import strategies as st

from pakta.services.person_names import FRONT_TITLES, bare_name, same_name


@pytest.mark.parametrize(
    ("typed", "roster"),
    [
        ("Ahmad Tatang Gumelar", "Ahmad Tatang Gumelar, S.K.M."),
        ("ahmad tatang gumelar", "Ahmad Tatang Gumelar, S.K.M., M.Kes."),
        ("Rina Kurniasih", "dr. Rina Kurniasih"),
        ("Rina Kurniasih", "drg. Rina Kurniasih, Sp.Ort."),
        ("Ujang Suryana", "Drs. H. Ujang Suryana, M.Si."),
        ("Euis Komariah", "Dra. Hj. Euis Komariah, M.Pd."),
        ("Dadang Hermawan", "Ir. Dadang Hermawan, M.T."),
        ("Asep Hidayat", "H. Asep Hidayat, S.Pd."),
        ("Siti Aminah", "Hj. Siti Aminah"),
        ("Bambang Sutrisno", "Prof. Dr. Ir. Bambang Sutrisno, M.Sc."),
        ("Bambang Sutrisno", "Prof.Dr.Ir. Bambang Sutrisno"),
        ("Ahmad Dahlan", "K.H. Ahmad Dahlan"),
        ("Siti Nurhasanah", "Ns. Siti Nurhasanah, S.Kep."),
        ("Nia Kurnia", "apt. Nia Kurnia, S.Farm."),
        ("Asep Hidayat S.Pd.", "H. Asep Hidayat, S.Pd."),
        ("H.Asep Hidayat", "Asep Hidayat"),
        ("Gumelar A.Md.Kom.", "Gumelar, A.Md.Kom."),
        ("  AHMAD  TATANG   GUMELAR ", "Ahmad Tatang Gumelar, S.K.M."),
        ("Ａｈｍａｄ Gumelar", "Ahmad Gumelar"),
    ],
)
def test_a_name_typed_without_titles_or_in_another_case_is_the_roster_name(typed, roster):
    assert same_name(typed, roster)


@pytest.mark.parametrize(
    ("typed", "roster"),
    [
        ("Ahmad Tatang", "Ahmad Tatang Gumelar, S.K.M."),
        ("Ahmad Tatang Gumelar Putra", "Ahmad Tatang Gumelar"),
        ("Rina", "dr. Rina Kurniasih"),
        ("Budi S.", "Budi"),  # an initial is part of a name, not a degree
        ("Moh. Rizal", "Rizal"),  # neither is "Moh." a title
        ("dr.", "dr. Rina Kurniasih"),
        ("", "Rina Kurniasih"),
        ("   ", "Rina Kurniasih"),
        (", S.K.M.", "Ahmad Tatang Gumelar, S.K.M."),
    ],
)
def test_another_name_or_only_titles_is_not_the_roster_name(typed, roster):
    assert not same_name(typed, roster)


def test_a_name_that_is_only_one_word_keeps_it_even_when_it_looks_like_a_title():
    assert bare_name("Ir") == "ir"
    assert bare_name("H") == "h"


LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'-"
names = st.lists(
    st.text(alphabet=LETTERS, min_size=2, max_size=12)
    .filter(lambda word: word.casefold().replace("'", "").replace("-", "") not in FRONT_TITLES)
    .filter(lambda word: any(char.isalpha() for char in word)),
    min_size=1,
    max_size=4,
).map(" ".join)
front = st.lists(
    st.sampled_from(["dr.", "Dr.", "drg.", "Drs.", "Dra.", "Ir.", "H.", "Hj.", "Prof.", "Ns."]),
    max_size=3,
).map(" ".join)
degrees = st.lists(
    st.sampled_from(["S.K.M.", "S.Pd.", "M.Si.", "S.H.", "M.H.", "A.Md.", "S.Kom.", "M.Kes."]),
    max_size=3,
).map(", ".join)


@given(name=names, titles_before=front, titles_after=degrees)
def test_any_name_matches_itself_with_any_titles_around_it(name, titles_before, titles_after):
    roster = " ".join(part for part in (titles_before, name) if part)
    if titles_after:
        roster += ", " + titles_after
    assert same_name(name, roster)
    assert same_name(name.upper(), roster)
    assert same_name(roster, name.lower())


@given(name=names, other=names)
def test_two_names_match_only_when_their_words_agree(name, other):
    assert same_name(name, other) == (name.casefold().split() == other.casefold().split())
