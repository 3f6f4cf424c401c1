"""Belgian enterprise numbers (KBO/BCE): 10 digits with a mod-97 check.

The last two digits equal 97 minus the first eight digits modulo 97
(Crossroads Bank for Enterprises, structure of the enterprise number).
Numbers are written in many ways (0123.456.749, BE 0123 456 749); they
are stored as the bare ten digits.
"""
from __future__ import annotations

import re


class InvalidEnterpriseNumber(ValueError):
    """Not a valid Belgian enterprise number, with the reason.

    `reason` is one of "characters", "length", "first_digit", "check", so
    that callers can word the message in the user's language.
    """

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def normalise_enterprise_number(value: str) -> str:
    """The ten digits of a KBO/BCE number, or InvalidEnterpriseNumber."""
    digits = re.sub(r"[\s.\-/]", "", value.strip().upper()).removeprefix("BE")
    if not digits.isdigit():
        raise InvalidEnterpriseNumber(f"{value!r} contains characters other than digits", "characters")
    if len(digits) == 9:
        digits = "0" + digits  # older numbers were written without the leading 0
    if len(digits) != 10:
        raise InvalidEnterpriseNumber(f"{value!r} does not have 10 digits", "length")
    if digits[0] not in "01":
        raise InvalidEnterpriseNumber(f"{value!r} must start with 0 or 1", "first_digit")
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        raise InvalidEnterpriseNumber(f"{value!r} fails the mod-97 check", "check")
    return digits


def format_enterprise_number(digits: str) -> str:
    """0123456749 -> 0123.456.749, as the KBO writes it."""
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"
