"""Short text in fewer bytes, for the v2 certificate token (services.certificates.tokens).

A field whose characters all belong to one of the small alphabets below is written as one
number in that base, so a character costs log2(len(alphabet)) bits instead of 8: 5.3 for a
certificate number, a campaign slug or a unit code, 6.1 for most printed names. Anything
else is UTF-8. pakta/static/js/verify-offline.js reads the same format.
"""

UTF8 = 0
# The order is the format: an alphabet's index and its characters never change.
ALPHABETS = (
    None,
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-._",  # certificate numbers, unit codes
    "0123456789abcdefghijklmnopqrstuvwxyz-._",  # campaign slugs
    " ',-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",  # names
)
MAX_LENGTH = 255  # characters when packed, bytes in UTF-8: the length is one byte


class PackingError(ValueError):
    """The bytes are not a field written by ``pack``."""


def packed_size(alphabet: int, count: int) -> int:
    """Bytes that hold ``count`` characters of ``alphabet``: those of its largest number."""
    return ((len(ALPHABETS[alphabet]) ** count - 1).bit_length() + 7) // 8


def pack(text: str) -> tuple[int, int, bytes]:
    """(alphabet, length, data): the shortest form of ``text``.

    UTF-8 longer than ``MAX_LENGTH`` bytes is cut on a character boundary, as the v1
    token cut it; the whole text stays on the PDF and in the record.
    """
    best = None
    if len(text) <= MAX_LENGTH:
        for alphabet in range(1, len(ALPHABETS)):
            letters = ALPHABETS[alphabet]
            if all(character in letters for character in text) and (
                best is None or packed_size(alphabet, len(text)) < packed_size(best, len(text))
            ):
                best = alphabet
    if best is None:
        data = text.encode("utf-8")
        if len(data) > MAX_LENGTH:
            data = data[:MAX_LENGTH].decode("utf-8", "ignore").encode("utf-8")
        return UTF8, len(data), data
    letters = ALPHABETS[best]
    number = 0
    for character in text:
        number = number * len(letters) + letters.index(character)
    return best, len(text), number.to_bytes(packed_size(best, len(text)), "big")


def unpack(alphabet: int, length: int, data: bytes) -> str:
    """The text of a field, ``data`` being exactly its bytes."""
    if alphabet == UTF8:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PackingError("bad UTF-8") from error
    letters = ALPHABETS[alphabet]
    number = int.from_bytes(data, "big")
    if number >= len(letters) ** length:
        raise PackingError("number out of range")
    characters = []
    for _ in range(length):
        number, digit = divmod(number, len(letters))
        characters.append(letters[digit])
    return "".join(reversed(characters))


def field_size(alphabet: int, length: int) -> int:
    return length if alphabet == UTF8 else packed_size(alphabet, length)
