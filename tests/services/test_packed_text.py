import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pakta.services.certificates import packed_text


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(alphabet=packed_text.ALPHABETS[1], max_size=255),
        st.text(alphabet=packed_text.ALPHABETS[2], max_size=255),
        st.text(alphabet=packed_text.ALPHABETS[3], max_size=255),
        st.text(max_size=80).filter(lambda text: len(text.encode()) <= 255),
    )
)
def test_text_unpacks_to_exactly_what_was_packed(text):
    alphabet, length, data = packed_text.pack(text)
    assert len(data) == packed_text.field_size(alphabet, length)
    assert packed_text.unpack(alphabet, length, data) == text


@pytest.mark.parametrize(
    ("text", "alphabet", "size"),
    [
        ("PI24-7K3M-Q9XD", 1, 10),  # 14 characters in 10 bytes
        ("pilkada-2024", 2, 8),
        ("Budi Santoso, S.Kep.", 3, 16),
        ("Nur'aini é", packed_text.UTF8, 11),
    ],
)
def test_each_field_takes_the_smallest_alphabet_that_holds_it(text, alphabet, size):
    chosen, _length, data = packed_text.pack(text)
    assert (chosen, len(data)) == (alphabet, size)


def test_a_number_beyond_the_lengths_range_is_not_a_packed_field():
    # Two characters of 39 letters are numbers below 1521; 1521 itself spells nothing.
    with pytest.raises(packed_text.PackingError):
        packed_text.unpack(1, 2, (39 * 39).to_bytes(2, "big"))
    assert packed_text.unpack(1, 2, (39 * 39 - 1).to_bytes(2, "big")) == "__"


def test_bad_utf8_is_not_a_field():
    with pytest.raises(packed_text.PackingError):
        packed_text.unpack(packed_text.UTF8, 1, b"\xff")
