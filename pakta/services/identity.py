"""Checking and normalising NIP (PNS), NI PPPK and non-ASN identity numbers.

Most bad numbers arrive from spreadsheets, so a refusal says exactly what went wrong and how
to fix it rather than just "invalid". ``check_identity`` never raises: it is fed raw cells.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel.speaklater import LazyString

from pakta.i18n import _l
from pakta.models import EmploymentType

__all__ = [
    "ASN_NUMBER_LENGTH",
    "NON_ASN_MAX_LENGTH",
    "IdentityCheck",
    "IdentityProblem",
    "check_identity",
    "make_nip",
    "make_pppk_number",
    "mask_identity",
]

ASN_NUMBER_LENGTH = 18
NON_ASN_MAX_LENGTH = 32

# The deployment default (config TIMEZONE); callers that care pass `today` explicitly.
_ZONE = ZoneInfo("Asia/Jakarta")
# Only ASCII whitespace is stripped: NBSP and friends are reported, not silently eaten.
_ASCII_SPACE = " \t\n\r\x0b\x0c"
_DIGITS = "0123456789"
_PRINTED = re.compile(r"[0-9]{8} [0-9]{6} [0-9] [0-9]{3}")
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+")
_DECIMAL = re.compile(r"[0-9]+[.,]0+")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
_SHOWN_LIMIT = 40


@dataclass(frozen=True)
class IdentityProblem:
    part: str
    message: LazyString
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return str(self.message).format(**self.params)


@dataclass(frozen=True)
class IdentityCheck:
    number: str | None
    problem: IdentityProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_identity(
    value: object, employment_type: EmploymentType | str, *, today: date | None = None
) -> IdentityCheck:
    kind = _employment_type(employment_type)
    if kind is None:
        shown = (
            _show(employment_type) if isinstance(employment_type, str) else _kind(employment_type)
        )
        return _refused("type", _l("Unknown employment type {value}."), value=shown)
    text = _as_text(value)
    if isinstance(text, IdentityProblem):
        return IdentityCheck(None, text)
    text = text.strip(_ASCII_SPACE)
    if not text:
        return _refused("format", _l("The number is empty."))
    if kind is EmploymentType.NON_ASN:
        return _check_non_asn(text)
    if today is None:
        today = datetime.now(_ZONE).date()
    elif isinstance(today, datetime):
        today = today.date()
    return _check_asn(text, kind, today)


def make_nip(birth: date, tmt: tuple[int, int], gender: int, sequence: int) -> str:
    year, month = tmt
    return _assembled(f"{_yyyymmdd(birth)}{year:04d}{month:02d}{gender}{sequence:03d}")


def make_pppk_number(
    birth: date, appointment_year: int, agreements: int, gender: int, sequence: int
) -> str:
    return _assembled(
        f"{_yyyymmdd(birth)}{appointment_year:04d}2{agreements}{gender}{sequence:03d}"
    )


def mask_identity(number: str) -> str:
    # Three trailing characters of a short number would give most of it away.
    shown = 3 if len(number) >= 9 else 0
    return "*" * (len(number) - shown) + number[len(number) - shown :]


def _employment_type(value: object) -> EmploymentType | None:
    if isinstance(value, EmploymentType):
        return value
    if isinstance(value, str):
        try:
            return EmploymentType(value.strip(_ASCII_SPACE).upper())
        except ValueError:
            return None
    return None


def _as_text(value: object) -> str | IdentityProblem:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return str(int(value))
        except ValueError:  # beyond Python's int-to-str digit limit
            return IdentityProblem("format", _l("The number is far too long."), {})
    if isinstance(value, float):
        return _spreadsheet_problem(repr(value))
    return IdentityProblem(
        "format", _l("Expected the number as text, got {kind}."), {"kind": _kind(value)}
    )


def _check_non_asn(text: str) -> IdentityCheck:
    if not all(char.isascii() and char.isalnum() for char in text):
        return IdentityCheck(None, _diagnose(text, digits_only=False))
    if len(text) > NON_ASN_MAX_LENGTH:
        return _refused(
            "format",
            _l("The ID number may have at most {limit} characters, found {count}."),
            limit=NON_ASN_MAX_LENGTH,
            count=len(text),
        )
    return IdentityCheck(text.upper())


def _check_asn(text: str, kind: EmploymentType, today: date) -> IdentityCheck:
    if _PRINTED.fullmatch(text):
        text = text.replace(" ", "")
    if not (text.isascii() and text.isdigit()):
        return IdentityCheck(None, _diagnose(text, digits_only=True))
    if len(text) != ASN_NUMBER_LENGTH:
        return IdentityCheck(None, _length_problem(len(text)))
    born, problem = _birth_date(text[:8], today)
    if problem is None:
        check_appointment = _check_tmt if kind is EmploymentType.PNS else _check_pppk_appointment
        problem = (
            check_appointment(text[8:14], born, today)
            or _check_gender(text[14])
            or _check_sequence(text[15:])
        )
    return IdentityCheck(None, problem) if problem else IdentityCheck(text)


def _birth_date(digits: str, today: date) -> tuple[date | None, IdentityProblem | None]:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        message = _l("Digits 1–8 (birth date) {digits} are not a real date.")
        return None, IdentityProblem("birth_date", message, {"digits": digits})
    if born.year < 1900:
        message = _l("Digits 1–8 (birth date) {digits} give a year before 1900.")
        return None, IdentityProblem("birth_date", message, {"digits": digits})
    if born > today:
        message = _l("Digits 1–8 (birth date) {digits} are in the future.")
        return None, IdentityProblem("birth_date", message, {"digits": digits})
    return born, None


def _check_tmt(digits: str, born: date, today: date) -> IdentityProblem | None:
    year, month = int(digits[:4]), int(digits[4:])
    if not 1 <= month <= 12:
        return IdentityProblem(
            "appointment",
            _l("Digits 9–14 (TMT CPNS) {digits} are not a real month: there is no month {month}."),
            {"digits": digits, "month": digits[4:]},
        )
    if (year, month) < (born.year + 18, born.month):
        return IdentityProblem(
            "appointment",
            _l("Digits 9–14 (TMT CPNS) {digits} are less than 18 years after birth {birth}."),
            {"digits": digits, "birth": f"{born.year:04d}-{born.month:02d}"},
        )
    if (year, month) > (today.year, today.month):
        return IdentityProblem(
            "appointment",
            _l("Digits 9–14 (TMT CPNS) {digits} are after the current month."),
            {"digits": digits},
        )
    return None


def _check_pppk_appointment(digits: str, born: date, today: date) -> IdentityProblem | None:
    year = int(digits[:4])
    if year < born.year + 18:
        return IdentityProblem(
            "appointment",
            _l(
                "Digits 9–12 (year of appointment) {year} are less than 18 years after "
                "birth year {birth_year}."
            ),
            {"year": digits[:4], "birth_year": f"{born.year:04d}"},
        )
    if year > today.year:
        return IdentityProblem(
            "appointment",
            _l("Digits 9–12 (year of appointment) {year} are in the future."),
            {"year": digits[:4]},
        )
    if digits[4] != "2":
        return IdentityProblem(
            "pppk_marker",
            _l("Digit 13 of an NI PPPK must be 2, found {digit}."),
            {"digit": digits[4]},
        )
    if digits[5] == "0":
        return IdentityProblem(
            "agreements",
            _l("Digit 14 (number of work agreements) must be 1 to 9, found {digit}."),
            {"digit": digits[5]},
        )
    return None


def _check_gender(digit: str) -> IdentityProblem | None:
    if digit in "12":
        return None
    return IdentityProblem(
        "gender",
        _l("Digit 15 (gender) must be 1 (male) or 2 (female), found {digit}."),
        {"digit": digit},
    )


def _check_sequence(digits: str) -> IdentityProblem | None:
    if digits != "000":
        return None
    return IdentityProblem(
        "sequence",
        _l("Digits 16–18 (sequence) must be 001 or higher, found {digits}."),
        {"digits": digits},
    )


def _diagnose(text: str, *, digits_only: bool) -> IdentityProblem:
    for char in text:
        if char != " " and unicodedata.category(char) in _INVISIBLE_CATEGORIES:
            return IdentityProblem(
                "format",
                _l(
                    "The number contains the invisible character {char}; delete it or type "
                    "the number again."
                ),
                {"char": _describe(char)},
            )
    if _SCIENTIFIC.fullmatch(text) or _DECIMAL.fullmatch(text):
        return _spreadsheet_problem(text)
    for char in text:
        if char.isdigit() and not char.isascii():
            return IdentityProblem(
                "format",
                _l(
                    "The number contains non-ASCII digits such as {char}; type it with the "
                    "digits 0–9."
                ),
                {"char": _describe(char)},
            )
    if digits_only:
        if all(char in _DIGITS or char == " " for char in text):
            digit_count = len(text) - text.count(" ")
            if digit_count != ASN_NUMBER_LENGTH:
                return _length_problem(digit_count)
            return IdentityProblem(
                "format",
                _l(
                    "Spaces are allowed only where the number is printed with them, "
                    "as in {example}."
                ),
                {"example": "19860926 201505 1 001"},
            )
        bad = next(char for char in text if char not in _DIGITS)
        return IdentityProblem(
            "format",
            _l("The number may contain only digits 0–9, found {char}."),
            {"char": _describe(bad)},
        )
    bad = next(char for char in text if not (char.isascii() and char.isalnum()))
    return IdentityProblem(
        "format",
        _l("The ID number may contain only letters A–Z and digits 0–9, found {char}."),
        {"char": _describe(bad)},
    )


def _spreadsheet_problem(shown: str) -> IdentityProblem:
    if "e" in shown.lower():
        message = _l(
            "The spreadsheet turned the number into scientific notation ({value}) and lost "
            "digits. Format the column as text and enter the number again."
        )
    else:
        message = _l(
            "The spreadsheet stored the number as a decimal ({value}). Format the column as "
            "text and enter the number again."
        )
    return IdentityProblem("format", message, {"value": _show(shown)})


def _length_problem(count: int) -> IdentityProblem:
    return IdentityProblem(
        "format",
        _l("The number must have {length} digits, found {count}."),
        {"length": ASN_NUMBER_LENGTH, "count": count},
    )


def _refused(part: str, message: LazyString, **params: object) -> IdentityCheck:
    return IdentityCheck(None, IdentityProblem(part, message, params))


def _describe(char: str) -> str:
    if char.isascii() and char.isprintable() and char != " ":
        return f'"{char}"'
    name = unicodedata.name(char, "")
    shown = f"{char} " if char.isprintable() and not char.isspace() else ""
    return f"{shown}U+{ord(char):04X}" + (f" ({name})" if name else "")


def _show(text: str) -> str:
    # Echoed input must stay printable and short whatever the cell held.
    shown = "".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in text[:_SHOWN_LIMIT])
    return shown + ("…" if len(text) > _SHOWN_LIMIT else "")


def _kind(value: object) -> str:
    return type(value).__name__


def _yyyymmdd(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _assembled(number: str) -> str:
    if len(number) != ASN_NUMBER_LENGTH or not (number.isascii() and number.isdigit()):
        raise ValueError(f"parts do not fit an {ASN_NUMBER_LENGTH}-digit number: {number!r}")
    return number
