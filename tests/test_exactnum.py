import tomllib
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from gmmexact.model.errors import InputError
from gmmexact.model.exactnum import format_exact, parse_exact


def parse(value):
    return parse_exact(value, file="p.toml", field="components[0].weight")


@pytest.mark.parametrize("value, expected", [
    (3, Fraction(3)),
    (-7, Fraction(-7)),
    (Fraction(2, 6), Fraction(1, 3)),
    (Decimal("0.1"), Fraction(1, 10)),
    (Decimal("1e-3"), Fraction(1, 1000)),
    (Decimal("-2.5E2"), Fraction(-250)),
    ("42", Fraction(42)),
    ("+5", Fraction(5)),
    ("0.1", Fraction(1, 10)),
    ("-2.5e-3", Fraction(-1, 400)),
    ("1E5", Fraction(100000)),
    (".5", Fraction(1, 2)),
    ("1/3", Fraction(1, 3)),
    ("-2/7", Fraction(-2, 7)),
    (" 3 / 4 ", Fraction(3, 4)),
    ("  0.25  ", Fraction(1, 4)),
])
def test_accepted_forms_are_exact(value, expected):
    result = parse(value)
    assert type(result) is Fraction and result == expected


def test_toml_decimals_are_exact():
    doc = tomllib.loads("a = 0.1\nb = 1e-3\nc = 1_000.5", parse_float=Decimal)
    assert [parse(v) for v in doc.values()] == [Fraction(1, 10), Fraction(1, 1000), Fraction(2001, 2)]


def test_numpy_integers_are_accepted():
    np = pytest.importorskip("numpy")
    assert parse(np.int64(4)) == 4


@pytest.mark.parametrize("value, fragments", [
    (True, ["boolean true"]),
    (False, ["boolean false"]),
    (0.1, ["binary float 0.1", "3602879701896397/36028797018963968", "TOML decimals", "strings"]),
    (float("nan"), ["binary float nan"]),
    (Decimal("NaN"), ["not a finite number"]),
    (Decimal("-Infinity"), ["not a finite number"]),
    ("nan", ["'nan'", "not a finite number"]),
    ("inf", ["not a finite number"]),
    ("-Infinity", ["not a finite number"]),
    ("1/0", ["division by zero", "non-zero denominator"]),
    ("", ["empty string"]),
    ("   ", ["empty string"]),
    ("abc", ["'abc'", "not a number", '"1/3"']),
    ("1/2/3", ["'1/2/3'", "not a number"]),
    ("1.2.3", ["'1.2.3'", "not a number"]),
    ("1/-3", ["not a number"]),
    ("0x10", ["not a number"]),
    ([1, 2], ["is a list", "a single number"]),
    ({"a": 1}, ["is a table", "a single number"]),
    (None, ["NoneType"]),
    (Decimal("1e999999999"), ["exponent is too large"]),
    ("1e999999999", ["exponent is too large"]),
])
def test_rejections_name_file_field_and_hint(value, fragments):
    with pytest.raises(InputError) as info:
        parse(value)
    message = str(info.value)
    assert message.startswith("p.toml: components[0].weight: ")
    assert "expected" in message
    for fragment in fragments:
        assert fragment in message


def test_format_exact():
    assert format_exact(Fraction(3)) == "3"
    assert format_exact(Fraction(-2, 7)) == "-2/7"
    assert format_exact(5) == "5"


@given(st.fractions())
def test_round_trip_through_format(q):
    assert parse(format_exact(q)) == q


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**6, max_value=10**6, places=6))
def test_decimal_strings_match_decimals(d):
    assert parse(str(d)) == parse(d) == Fraction(d)
