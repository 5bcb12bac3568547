"""Cleaning one roster row: identity number, name, type, unit, contacts, verification code."""

import math
import re

from pakta import keys
from pakta.i18n import _l
from pakta.models import EmploymentType
from pakta.services.identity import check_identity
from pakta.services.roster.changes import CleanRow, RowProblem
from pakta.services.roster.files import (
    _HEADER_SEPARATORS,
    Cell,
    RosterRecord,
    _shown,
)

MAX_TEXT_LENGTH = 255  # names, positions, unit names, emails
MAX_UNIT_CODE_LENGTH = 64

_UNIT_CODE = re.compile(r"[A-Za-z0-9._-]+")
_VERIFICATION_CODE = re.compile(r"[A-Za-z0-9]{4,32}")
_PHONE_PUNCTUATION = re.compile(r"[\s\-.()]+")
_PHONE = re.compile(r"\+?[0-9]{8,15}")

_EMPLOYMENT_TYPES = {
    "PNS": EmploymentType.PNS,
    "CPNS": EmploymentType.PNS,
    "PPPK": EmploymentType.PPPK,
    "P3K": EmploymentType.PPPK,
    "NON ASN": EmploymentType.NON_ASN,
    "NONASN": EmploymentType.NON_ASN,
    "HONORER": EmploymentType.NON_ASN,
    "THL": EmploymentType.NON_ASN,
    "TKK": EmploymentType.NON_ASN,
    "PTT": EmploymentType.NON_ASN,
}


def clean_row(record: RosterRecord, columns: list[str]) -> tuple[CleanRow, list[RowProblem]]:
    values = record.values
    row = CleanRow(record.row)
    problems: list[RowProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(RowProblem(record.row, column, message))

    kind_text = _text(values.get("jenis"))
    if kind_text is None:
        row.kind = EmploymentType.PNS  # the roster's default: see the module docstring
    else:
        row.kind = _EMPLOYMENT_TYPES.get(_HEADER_SEPARATORS.sub(" ", kind_text.upper()).strip())
        if row.kind is None:
            problem(
                "jenis",
                str(_l("Unknown employee type {value}; use PNS, PPPK or NON ASN.")).format(
                    value=_shown(kind_text)
                ),
            )

    raw_number = values.get("nip")
    row.presence_key = presence_key(raw_number)
    if row.kind is not None:  # the rules for the number depend on the type
        check = check_identity(raw_number, row.kind)
        if check.ok:
            row.number = check.number
        else:
            problem("nip", str(check.problem))

    name = _text(values.get("nama"))
    if name is None:
        problem("nama", str(_l("The name is missing.")))
    else:
        row.name = " ".join(name.split())
        if len(row.name) > MAX_TEXT_LENGTH:
            problem(
                "nama",
                str(_l("The name is longer than {limit} characters ({length}).")).format(
                    limit=MAX_TEXT_LENGTH, length=len(row.name)
                ),
            )

    position = _text(values.get("jabatan"))
    if position is not None:
        row.position = " ".join(position.split())
        if len(row.position) > MAX_TEXT_LENGTH:
            problem(
                "jabatan",
                str(_l("The position is longer than {limit} characters ({length}).")).format(
                    limit=MAX_TEXT_LENGTH, length=len(row.position)
                ),
            )

    unit_code = _text(values.get("unit_kode"))
    if unit_code is None:
        problem("unit_kode", str(_l("The unit code is missing.")))
    else:
        message = _unit_code_problem(unit_code)
        if message:
            problem("unit_kode", message)
        row.unit_code = unit_code

    unit_name = _text(values.get("unit_nama"))
    if unit_name is not None:
        row.unit_name = " ".join(unit_name.split())
        if len(row.unit_name) > MAX_TEXT_LENGTH:
            problem(
                "unit_nama",
                str(_l("The unit name is longer than {limit} characters ({length}).")).format(
                    limit=MAX_TEXT_LENGTH, length=len(row.unit_name)
                ),
            )

    parent_code = _text(values.get("unit_induk"))
    if parent_code is not None:
        message = _unit_code_problem(parent_code)
        if message:
            problem("unit_induk", message)
        row.parent_code = parent_code

    email = _text(values.get("email"))
    if email is not None:
        if _looks_like_email(email):
            row.email = email.lower()
        else:
            problem(
                "email",
                str(_l("{value} is not an email address.")).format(value=_shown(email)),
            )

    phone = _text(values.get("telepon"))
    if phone is not None:
        compact = _PHONE_PUNCTUATION.sub("", phone)
        if _PHONE.fullmatch(compact):
            row.phone = compact
        else:
            problem(
                "telepon",
                str(
                    _l("The phone number {value} must have 8 to 15 digits, optionally after a +.")
                ).format(value=_shown(phone)),
            )

    code = _text(values.get("kode_verifikasi"))
    if code is not None:
        if _VERIFICATION_CODE.fullmatch(code):
            row.code_digest = keys.verification_code_digest(code)
        else:
            # The code itself is a secret: never echo it.
            problem(
                "kode_verifikasi",
                str(_l("The verification code must be 4 to 32 letters (A-Z) or digits.")),
            )
    return row, problems


def _text(value: Cell) -> str | None:
    """A cell as stripped text; None when blank."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return str(value)
    text = str(value).strip()
    return text or None


def presence_key(value: Cell) -> str | None:
    """A rough key that marks an employee as present in the file even when the row is bad."""
    text = _text(value) if not isinstance(value, float) else None
    return text.upper() if text else None


def _unit_code_problem(code: str) -> str | None:
    if len(code) > MAX_UNIT_CODE_LENGTH:
        return str(_l("The unit code {code} is longer than {limit} characters.")).format(
            code=_shown(code), limit=MAX_UNIT_CODE_LENGTH
        )
    if not _UNIT_CODE.fullmatch(code):
        return str(
            _l(
                "The unit code {code} may contain only letters, digits, hyphens, underscores "
                "and dots."
            )
        ).format(code=_shown(code))
    return None


def _looks_like_email(text: str) -> bool:
    if len(text) > MAX_TEXT_LENGTH or text.count("@") != 1 or any(c.isspace() for c in text):
        return False
    local, domain = text.split("@")
    return bool(local) and "." in domain.strip(".") and ".." not in domain
