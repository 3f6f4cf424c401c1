"""The KBO/BCE check: ten digits whose last two are 97 minus the first eight modulo 97."""
from __future__ import annotations

import pytest

from praktijktest.targets.kbo import InvalidEnterpriseNumber, format_enterprise_number, normalise_enterprise_number
from tests.targets.conftest import valid_number

# Worked by hand: 02022399 mod 97 = 46, 97 - 46 = 51 -> 0202.239.951.
assert 2022399 % 97 == 46
# Numbers in the published form; their check digits are recomputed here, not taken from the code.
PUBLISHED = ["0202.239.951", "0403.227.515", "0203.201.340", "0417.497.106", "0458.402.105"]
# Computed from first principles for prefixes whose remainder is 0 (check digits 97) and others.
COMPUTED = [valid_number(p) for p in ("00000097", "01234567", "09999999", "10000000", "00970000")]


@pytest.mark.parametrize("number", PUBLISHED)
def test_published_numbers_check_out(number):
    digits = number.replace(".", "")
    assert 97 - int(digits[:8]) % 97 == int(digits[8:])  # the rule, independently of the code
    assert normalise_enterprise_number(number) == digits


@pytest.mark.parametrize("digits", COMPUTED)
def test_numbers_computed_by_the_rule_are_valid(digits):
    assert normalise_enterprise_number(digits) == digits


def test_a_prefix_divisible_by_97_has_check_digits_97():
    assert valid_number("00000097") == "0000009797"
    assert normalise_enterprise_number("0000.009.797") == "0000009797"


@pytest.mark.parametrize(
    "written",
    ["0202.239.951", "0202 239 951", "BE0202239951", "BE 0202.239.951", "be 0202-239-951", " 0202239951 ", "202239951"],
)
def test_the_ways_numbers_are_written(written):
    assert normalise_enterprise_number(written) == "0202239951"


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("0202.239.952", "check"),  # last digit off by one
        ("0202.239.915", "check"),  # check digits swapped
        ("0202.293.951", "check"),  # two digits swapped in the body
        ("02022399510", "length"),
        ("02022399", "length"),
        ("2202.239.951", "first_digit"),
        ("0202.239.95A", "characters"),
        ("NL0202239951", "characters"),
        ("", "characters"),
    ],
)
def test_invalid_numbers_are_refused_with_the_reason(written, reason):
    with pytest.raises(InvalidEnterpriseNumber) as error:
        normalise_enterprise_number(written)
    assert error.value.reason == reason


def test_format():
    assert format_enterprise_number("0202239951") == "0202.239.951"
