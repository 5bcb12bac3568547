from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pakta.models import EmploymentType
from pakta.services.identity import (
    IdentityCheck,
    check_identity,
    make_nip,
    make_pppk_number,
    mask_identity,
)

TODAY = date(2026, 11, 23)
PNS = EmploymentType.PNS
PPPK = EmploymentType.PPPK
NON_ASN = EmploymentType.NON_ASN
EXAMPLE_NIP = "198609262015051001"
EXAMPLE_PPPK = "200012312024211001"

# Born no later than 18 years before TODAY's month, so an appointment can always fit.
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2008, 11, 30))


@st.composite
def valid_nips(draw) -> str:
    birth = draw(births)
    first = (birth.year + 18) * 12 + birth.month - 1
    last = TODAY.year * 12 + TODAY.month - 1
    year, month = divmod(draw(st.integers(first, last)), 12)
    gender = draw(st.sampled_from([1, 2]))
    return make_nip(birth, (year, month + 1), gender, draw(st.integers(1, 999)))


@st.composite
def valid_pppk_numbers(draw) -> str:
    birth = draw(births)
    return make_pppk_number(
        birth,
        draw(st.integers(birth.year + 18, TODAY.year)),
        draw(st.integers(1, 9)),
        draw(st.sampled_from([1, 2])),
        draw(st.integers(1, 999)),
    )


def printed(number: str) -> str:
    return f"{number[:8]} {number[8:14]} {number[14]} {number[15:]}"


def refused(value: object, employment_type=PNS) -> IdentityCheck:
    check = check_identity(value, employment_type, today=TODAY)
    assert not check.ok
    assert check.number is None
    return check


# Properties


@given(valid_nips())
def test_every_generated_nip_is_accepted_unchanged(nip):
    assert check_identity(nip, PNS, today=TODAY) == IdentityCheck(nip, None)


@given(valid_pppk_numbers())
def test_every_generated_pppk_number_is_accepted_unchanged(number):
    assert check_identity(number, PPPK, today=TODAY) == IdentityCheck(number, None)


@given(
    st.one_of(st.text(), st.binary(), st.integers(), st.floats(), st.none()),
    st.sampled_from([*EmploymentType, "pns", "non_asn", "teacher", ""]),
)
def test_check_identity_never_raises_and_every_problem_renders(value, employment_type):
    check = check_identity(value, employment_type, today=TODAY)
    assert check.ok == (check.number is not None)
    if not check.ok:
        assert str(check.problem)


@given(st.text(alphabet="0123456789", min_size=18, max_size=18), st.sampled_from([PNS, PPPK]))
def test_any_eighteen_digits_are_either_accepted_as_is_or_explained(digits, employment_type):
    check = check_identity(digits, employment_type, today=TODAY)
    if check.ok:
        assert check.number == digits
    else:
        assert str(check.problem).strip()


@given(valid_nips(), st.sampled_from("03456789"))
def test_a_nip_whose_gender_digit_is_not_1_or_2_is_refused_naming_the_gender(nip, digit):
    check = refused(nip[:14] + digit + nip[15:])
    assert check.problem.part == "gender"
    assert f"found {digit}" in str(check.problem)


@given(st.text(), st.integers(min_value=0), st.sampled_from(list(EmploymentType)))
def test_any_text_containing_a_zero_width_space_is_refused(text, position, employment_type):
    position %= len(text) + 1
    check = refused(text[:position] + "\u200b" + text[position:], employment_type)
    assert check.problem.part == "format"


@given(valid_nips())
def test_the_printed_8_6_1_3_grouping_of_a_nip_normalises_to_the_same_number(nip):
    assert check_identity(printed(nip), PNS, today=TODAY).number == nip


@given(valid_pppk_numbers())
def test_the_printed_grouping_of_a_pppk_number_normalises_to_the_same_number(number):
    assert check_identity(printed(number), PPPK, today=TODAY).number == number


@given(valid_pppk_numbers())
def test_a_pppk_number_checked_as_a_nip_is_refused_for_its_impossible_tmt_month(number):
    check = refused(number, PNS)
    assert check.problem.part == "appointment"
    assert f"no month {number[12:14]}" in str(check.problem)


# Accepted forms


def test_the_documented_examples_are_accepted():
    assert check_identity(EXAMPLE_NIP, PNS, today=TODAY).number == EXAMPLE_NIP
    assert check_identity(EXAMPLE_PPPK, PPPK, today=TODAY).number == EXAMPLE_PPPK


def test_surrounding_ascii_whitespace_is_stripped():
    assert check_identity(f" \t{EXAMPLE_NIP}\r\n", PNS, today=TODAY).number == EXAMPLE_NIP


def test_a_nip_given_as_a_python_int_is_accepted():
    assert check_identity(int(EXAMPLE_NIP), PNS, today=TODAY).number == EXAMPLE_NIP


def test_the_employment_type_may_be_given_as_a_case_insensitive_string():
    assert check_identity(EXAMPLE_NIP, "pns", today=TODAY).ok
    assert check_identity("x1", "non_asn").ok


def test_without_today_the_current_date_is_used():
    assert check_identity(EXAMPLE_NIP, PNS).ok


def test_a_tmt_exactly_18_years_after_the_birth_month_is_accepted():
    assert check_identity("198609262004091001", PNS, today=TODAY).ok


def test_a_tmt_in_the_current_month_is_accepted():
    assert check_identity("198609262026111001", PNS, today=TODAY).ok


# Spreadsheet damage and stray characters


@pytest.mark.parametrize("value", ["1.98609E+17", "1,98609E+17", "1.98609e+17", "1.98609E17"])
def test_a_nip_in_excel_scientific_notation_is_refused_with_advice_to_format_as_text(value):
    message = str(refused(value).problem)
    assert "scientific notation" in message
    assert value in message
    assert "column as text" in message


def test_a_float_value_in_scientific_form_is_refused_as_scientific_notation():
    assert "scientific notation" in str(refused(1.986092620150510e17).problem)


@pytest.mark.parametrize("value", ["198609262015051001.0", "198609262015051001,00", 12345.0])
def test_a_nip_stored_as_a_decimal_number_is_refused_with_advice_to_format_as_text(value):
    message = str(refused(value).problem)
    assert "decimal" in message
    assert "column as text" in message


def test_a_scientific_notation_id_is_refused_for_non_asn_too():
    assert "scientific notation" in str(refused("1.5E+17", NON_ASN).problem)


@pytest.mark.parametrize(
    ("value", "codepoint"),
    [
        ("１９８６０９２６２０１５０５１００１", "U+FF11"),  # full-width
        ("١٩٨٦٠٩٢٦٢٠١٥٠٥١٠٠١", "U+0661"),  # Arabic-Indic
        ("۱۹۸۶۰۹۲۶۲۰۱۵۰۵۱۰۰۱", "U+06F1"),  # Extended Arabic-Indic
        ("१९८६०९२६२०१५०५१००१", "U+0967"),  # Devanagari
        ("19860926201505100¹", "U+00B9"),  # superscript one
    ],
)
def test_a_nip_with_non_ascii_digits_is_refused_saying_so(value, codepoint):
    message = str(refused(value).problem)
    assert "non-ASCII digits" in message
    assert codepoint in message


@pytest.mark.parametrize(
    ("char", "codepoint"),
    [
        ("\u200b", "U+200B"),
        ("\u200c", "U+200C"),
        ("\u200d", "U+200D"),
        ("\u2060", "U+2060"),
        ("\ufeff", "U+FEFF"),
        ("\u00ad", "U+00AD"),
        ("\u00a0", "U+00A0"),
    ],
)
def test_a_nip_with_an_invisible_character_is_refused_naming_the_character(char, codepoint):
    problem = refused(EXAMPLE_NIP[:8] + char + EXAMPLE_NIP[8:]).problem
    assert problem.part == "format"
    assert codepoint in str(problem)


def test_a_leading_non_breaking_space_is_reported_rather_than_stripped():
    assert "U+00A0" in str(refused("\u00a0" + EXAMPLE_NIP).problem)


@pytest.mark.parametrize(("value", "count"), [(EXAMPLE_NIP[:17], 17), (EXAMPLE_NIP + "1", 19)])
def test_a_nip_of_the_wrong_length_is_refused_giving_the_count_found(value, count):
    assert f"must have 18 digits, found {count}" in str(refused(value).problem)


def test_a_grouped_nip_missing_a_digit_is_refused_giving_the_count_found():
    assert "found 17" in str(refused("19860926 201505 1 01").problem)


def test_a_nip_with_spaces_in_the_wrong_places_is_refused_showing_the_printed_grouping():
    message = str(refused("1986 0926 2015 0510 01").problem)
    assert "19860926 201505 1 001" in message


@pytest.mark.parametrize(
    ("value", "shown"),
    [("19860926.201505.1.001", '"."'), ("19860926-201505-1-001", '"-"'), ("NIP1986", '"N"')],
)
def test_a_nip_with_other_characters_is_refused_as_digits_only(value, shown):
    message = str(refused(value).problem)
    assert "only digits" in message
    assert shown in message


def test_an_empty_or_missing_nip_is_refused_as_empty():
    for value in ["", "   ", None]:
        assert "empty" in str(refused(value).problem)


@pytest.mark.parametrize("value", [b"198609262015051001", True, [1, 2], object()])
def test_a_value_that_is_not_text_or_an_int_is_refused_as_a_format_problem(value):
    problem = refused(value).problem
    assert problem.part == "format"
    assert type(value).__name__ in str(problem)


def test_an_unknown_employment_type_is_refused_as_a_type_problem():
    for employment_type in ["teacher", "", None, 3]:
        assert refused(EXAMPLE_NIP, employment_type).problem.part == "type"


# Parts of a NIP


@pytest.mark.parametrize(
    ("digits", "reason"),
    [
        ("19860230", "not a real date"),
        ("19861326", "not a real date"),
        ("18991231", "before 1900"),
        ("20261124", "in the future"),
    ],
)
def test_a_nip_with_a_bad_birth_date_is_refused_naming_the_birth_date(digits, reason):
    problem = refused(digits + "2015051001").problem
    assert problem.part == "birth_date"
    assert f"Digits 1–8 (birth date) {digits}" in str(problem)
    assert reason in str(problem)


def test_a_nip_with_a_february_30_birth_date_is_refused_naming_the_birth_date():
    problem = refused("198602302015051001").problem
    assert str(problem) == "Digits 1–8 (birth date) 19860230 are not a real date."


def test_a_tmt_with_month_13_is_refused_naming_the_month():
    problem = refused("198609262004131001").problem
    assert problem.part == "appointment"
    assert "(TMT CPNS) 200413" in str(problem)
    assert "month 13" in str(problem)


@pytest.mark.parametrize("tmt", ["200001", "200408"])
def test_a_tmt_under_18_years_after_birth_is_refused_naming_both(tmt):
    problem = refused(f"19860926{tmt}1001").problem
    assert problem.part == "appointment"
    assert f"{tmt} are less than 18 years after birth 1986-09" in str(problem)


def test_a_tmt_after_the_current_month_is_refused():
    problem = refused("198609262026121001").problem
    assert problem.part == "appointment"
    assert "after the current month" in str(problem)


def test_a_gender_digit_of_3_is_refused_naming_the_gender():
    problem = refused("198609262015053001").problem
    assert str(problem) == "Digit 15 (gender) must be 1 (male) or 2 (female), found 3."


def test_a_sequence_of_000_is_refused_naming_the_sequence():
    problem = refused("198609262015051000").problem
    assert problem.part == "sequence"
    assert "Digits 16–18 (sequence) must be 001 or higher" in str(problem)


# Parts of an NI PPPK


def test_a_pppk_number_whose_digit_13_is_not_2_is_refused_naming_the_marker():
    problem = refused("200012312024111001", PPPK).problem
    assert problem.part == "pppk_marker"
    assert "Digit 13 of an NI PPPK must be 2, found 1" in str(problem)


def test_a_pppk_number_with_zero_work_agreements_is_refused_naming_the_agreements():
    problem = refused("200012312024201001", PPPK).problem
    assert problem.part == "agreements"
    assert "found 0" in str(problem)


def test_a_pppk_appointment_under_18_years_after_birth_is_refused():
    problem = refused("200012312017211001", PPPK).problem
    assert problem.part == "appointment"
    assert "2017 are less than 18 years after birth year 2000" in str(problem)


def test_a_pppk_appointment_year_in_the_future_is_refused():
    problem = refused("200012312027211001", PPPK).problem
    assert problem.part == "appointment"
    assert "in the future" in str(problem)


def test_a_pppk_number_with_a_bad_birth_date_is_refused_naming_the_birth_date():
    assert refused("200002302024211001", PPPK).problem.part == "birth_date"


# Non-ASN ID numbers


def test_a_non_asn_id_is_stripped_and_upper_cased():
    assert check_identity("  ab12Cd \n", NON_ASN).number == "AB12CD"


def test_a_non_asn_id_of_32_characters_is_accepted():
    assert check_identity("A" * 32, NON_ASN).ok


def test_a_non_asn_id_longer_than_32_characters_is_refused_giving_the_count():
    assert "at most 32 characters, found 33" in str(refused("A" * 33, NON_ASN).problem)


@pytest.mark.parametrize(("value", "shown"), [("AB-12", '"-"'), ("AB 12", "U+0020"), ("É1", "É")])
def test_a_non_asn_id_with_punctuation_or_non_ascii_letters_is_refused(value, shown):
    message = str(refused(value, NON_ASN).problem)
    assert "only letters A–Z and digits 0–9" in message
    assert shown in message


def test_an_empty_non_asn_id_is_refused():
    assert "empty" in str(refused(" ", NON_ASN).problem)


# Generators and masking


def test_make_nip_builds_the_documented_example():
    assert make_nip(date(1986, 9, 26), (2015, 5), 1, 1) == EXAMPLE_NIP


def test_make_pppk_number_builds_the_documented_example():
    assert make_pppk_number(date(2000, 12, 31), 2024, 1, 1, 1) == EXAMPLE_PPPK


@pytest.mark.parametrize(
    "parts",
    [((2015, 5), 1, 1000), ((2015, 5), 12, 1), ((2015, 123), 1, 1), ((2015, 5), -1, 1)],
)
def test_make_nip_refuses_parts_that_do_not_fit_their_digits(parts):
    with pytest.raises(ValueError, match="18-digit"):
        make_nip(date(1986, 9, 26), *parts)


def test_masking_shows_only_the_last_three_characters():
    assert mask_identity(EXAMPLE_NIP) == "***************001"
    assert mask_identity("ABCDEFGHI") == "******GHI"


@pytest.mark.parametrize("value", ["", "A", "ABC", "ABCDEFGH"])
def test_masking_a_short_number_reveals_nothing(value):
    assert mask_identity(value) == "*" * len(value)
