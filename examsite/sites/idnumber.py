"""Resident ID numbers (GB 11643-1999): 17 digits and a check character, kept as text."""

from __future__ import annotations

import re
from datetime import date

from examsite.errors import InvalidInput

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def check_character(first17: str) -> str:
    """The check character for 17 digits (ISO 7064 MOD 11-2)."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise_id_number(text: str) -> str:
    """Strip spaces and upper-case a final x, as spreadsheets and people write it."""
    return text.strip().replace(" ", "").upper()


def validate_id_number(text: str) -> str:
    """Return the normalised ID number, or raise InvalidInput saying what is wrong with it."""
    value = normalise_id_number(text)
    if not _PATTERN.match(value):
        raise InvalidInput(
            f"ID number {text!r} is not 18 characters of digits (the last may be X)",
            hint="check the ID number; keep it as text in the spreadsheet so leading digits are not lost",
        )
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidInput(
            f"ID number {value} holds no valid birth date", hint="check the ID number"
        ) from None
    if check_character(value[:17]) != value[17]:
        raise InvalidInput(
            f"ID number {value} fails its check digit (expected {check_character(value[:17])})",
            hint="a digit was mistyped",
        )
    return value
