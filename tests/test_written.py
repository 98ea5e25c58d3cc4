"""Written numbers: every accepted spelling, the interval each promises, and the rejections."""
import tomllib
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from gmmexact.model.errors import InputError
from gmmexact.model.keys import KINDS, Key
from gmmexact.model.written import Written, parse_written

F = Fraction
E = lambda k: F(10) ** k  # noqa: E731

# text -> (value, ulp, digits)
SPELLINGS = [
    ("0.0107", F(107, 10**4), E(-4), 3),
    ("-5", F(-5), F(1), 1),
    ("−5", F(-5), F(1), 1),
    ("16.67", F(1667, 100), F(1, 100), 4),
    ("0.50", F(1, 2), F(1, 100), 2),
    ("0.5", F(1, 2), F(1, 10), 1),
    ("3", F(3), F(1), 1),
    ("165", F(165), F(1), 3),
    ("100", F(100), F(1), 3),
    ("0", F(0), F(1), 1),
    ("0.00", F(0), F(1, 100), 1),
    (".5", F(1, 2), F(1, 10), 1),
    ("+2.0", F(2), F(1, 10), 2),
    ("  0.6703 ", F(6703, 10**4), E(-4), 4),
    ("1.15e-29", F(115, 10**31), E(-31), 3),
    ("1.15E-29", F(115, 10**31), E(-31), 3),
    ("1.15e−29", F(115, 10**31), E(-31), 3),
    ("7.2e+3", F(7200), F(100), 2),
    ("7.2e3", F(7200), F(100), 2),
    ("-2.50e-1", F(-1, 4), E(-3), 3),
    ("1.15 × 10^-29", F(115, 10**31), E(-31), 3),
    ("1.15 x 10^-29", F(115, 10**31), E(-31), 3),
    ("1.15 X 10^-29", F(115, 10**31), E(-31), 3),
    ("1.15*10^-29", F(115, 10**31), E(-31), 3),
    ("1.15 × 10^−29", F(115, 10**31), E(-31), 3),
    ("1.15 × 10^{-29}", F(115, 10**31), E(-31), 3),
    ("7.2*10^{-28}", F(72, 10**29), E(-29), 2),
    ("7.2·10^(-28)", F(72, 10**29), E(-29), 2),
    ("7.2 ⋅ 10^(-28)", F(72, 10**29), E(-29), 2),
    ("7.2 \\times 10^{-28}", F(72, 10**29), E(-29), 2),
    ("7.2 \\cdot 10^{-28}", F(72, 10**29), E(-29), 2),
    ("7.2 × 10⁻²⁸", F(72, 10**29), E(-29), 2),
    ("7.2×10⁻²⁸", F(72, 10**29), E(-29), 2),
    ("−7.2 × 10⁻²⁸", F(-72, 10**29), E(-29), 2),
    ("3 × 10^2", F(300), F(100), 1),
    ("7.2 × 10^+3", F(7200), F(100), 2),
    ("7.2 × 10⁺³", F(7200), F(100), 2),
    ("10^-3", E(-3), E(-3), 1),
    ("10^{-3}", E(-3), E(-3), 1),
    ("10⁻³", E(-3), E(-3), 1),
    ("-10^-3", -E(-3), E(-3), 1),
    ("10^2", F(100), F(100), 1),
]


@pytest.mark.parametrize("text, value, ulp, digits", SPELLINGS)
def test_spellings(text, value, ulp, digits):
    w = parse_written(text)
    assert type(w.value) is Fraction and type(w.ulp) is Fraction
    assert (w.value, w.ulp, w.digits) == (value, ulp, digits)
    assert w.text == text.strip()
    assert w.lo == value - ulp / 2 and w.hi == value + ulp / 2
    assert not w.exact


@pytest.mark.parametrize("text, value", [
    ("1/3", F(1, 3)), ("-2/7", F(-2, 7)), ("−2/7", F(-2, 7)), (" 3 / 6 ", F(1, 2)), ("1/2", F(1, 2)),
])
def test_rationals_promise_equality(text, value):
    w = parse_written(text)
    assert (w.value, w.ulp, w.digits) == (value, None, None)
    assert w.lo == w.hi == value and w.exact
    assert value in w and value + F(1, 10**40) not in w


def test_examples_from_the_brief():
    w = parse_written("1.15 × 10^-29")
    assert w == Written("1.15 × 10^-29", F(115, 10**31), F(1, 10**31), 3)
    assert (w.lo, w.hi) == (F(1145, 10**32), F(1155, 10**32))
    assert (parse_written("0.50").lo, parse_written("0.50").hi) == (F(99, 200), F(101, 200))
    assert (parse_written("100").lo, parse_written("100").hi) == (F(199, 2), F(201, 2))
    assert (parse_written("16.67").lo, parse_written("16.67").hi) == (F(16665, 1000), F(16675, 1000))


def test_interval_is_closed():
    w = parse_written("16.67")
    assert F(50, 3) in w and w.lo in w and w.hi in w
    assert w.lo - F(1, 10**30) not in w and w.hi + F(1, 10**30) not in w
    assert 16 not in parse_written("16.67") and 16 in parse_written("16")


def test_toml_integers_and_decimals():
    assert parse_written(3) == parse_written("3")
    assert parse_written(-5).value == -5 and parse_written(-5).ulp == 1
    doc = tomllib.loads('a = 0.50\nb = 1.15e-29\nc = 100', parse_float=Decimal)
    assert (parse_written(doc["a"]).value, parse_written(doc["a"]).ulp) == (F(1, 2), F(1, 100))
    assert parse_written(doc["b"]).value == F(115, 10**31) and parse_written(doc["b"]).digits == 3
    assert parse_written(doc["c"]).ulp == 1
    assert parse_written(F(2, 6)) == Written("1/3", F(1, 3), None, None)


@pytest.mark.parametrize("value", [0.5, 1.15e-29, 3.0, float("nan")])
def test_floats_rejected_with_advice(value):
    with pytest.raises(InputError) as err:
        parse_written(value, file="claims.toml", field="claim[2].value")
    e = err.value
    assert (e.file, e.field) == ("claims.toml", "claim[2].value")
    assert "float" in e.problem and "string" in e.expected and "digits" in e.expected


@pytest.mark.parametrize("value", [True, False])
def test_booleans_rejected(value):
    with pytest.raises(InputError, match="boolean.*string"):
        parse_written(value)


@pytest.mark.parametrize("text", [
    "", "   ", "abc", "1e5e3", "1.2.3", "x10^3", "× 10^-3", "2 × 11^3", "1.15 × 10^", "10^-3.5",
    "1/0", "1.5/2", "1/-3", "1 2", "1 .5", "16. 67", "e5", "--5", "0x10", "1,5", "10^{-3", "7.2 × 10⁻", "⁵", "inf", "nan",
    "1.15 ×× 10^-29", "1.15e-29 m",
])
def test_garbage_rejected(text):
    with pytest.raises(InputError) as err:
        parse_written(text, file="c.toml", field="claim[0].value")
    message = str(err.value)
    assert message.startswith("c.toml: claim[0].value: ")
    assert "1.15 × 10^-29" in err.value.expected and "1/3" in err.value.expected


@pytest.mark.parametrize("value", [None, [1, 2], {"a": 1}, Decimal("NaN"), Decimal("Infinity")])
def test_non_numbers_rejected(value):
    with pytest.raises(InputError):
        parse_written(value)


# --- the seed claims file -------------------------------------------------------------------

CLAIMS = Path(__file__).resolve().parents[1] / "examples" / "seed" / "claims.toml"
PROBLEM = CLAIMS.with_name("problem.toml")


def _shape(value):
    if isinstance(value, list):
        return (len(value),) + (_shape(value[0]) if value else ())
    return ()


def _leaves(value):
    if isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def test_seed_claims_file_is_well_formed():
    claims = tomllib.loads(CLAIMS.read_text(encoding="utf-8"))["claim"]
    problem = tomllib.loads(PROBLEM.read_text(encoding="utf-8"))
    labels = set(problem["data"]["labels"])
    components = {c["name"] for c in problem["components"]}
    d = len(problem["data"]["points"][0])
    assert len(claims) >= 30
    for i, claim in enumerate(claims):
        assert set(claim) == {"key", "value", "where"}, claim
        assert isinstance(claim["where"], str) and claim["where"].strip()
        key = Key.parse(claim["key"])
        assert key.iteration == 1
        assert key.point is None or key.point in labels, claim
        assert key.component is None or key.component in components, claim
        shape = "scalar" if key.entry else KINDS[key.kind][1]
        assert _shape(claim["value"]) == {"scalar": (), "vector": (d,), "matrix": (d, d)}[shape], claim
        for leaf in _leaves(claim["value"]):
            assert isinstance(leaf, str), claim
            parse_written(leaf, file=str(CLAIMS), field=f"claim[{i}].value")


def test_seed_claims_say_what_the_seed_writes():
    claims = tomllib.loads(CLAIMS.read_text(encoding="utf-8"))["claim"]
    by_key = {}
    for c in claims:
        by_key.setdefault(c["key"], []).append(c["value"])
    assert by_key["det.women"] == ["100"]
    assert by_key["norm.women"] == by_key["norm.men"] == ["62.83"]
    assert by_key["exp.A.women"] == ["0.6703"] and by_key["density.A.women"] == ["0.0107"]
    assert [parse_written(v).value for v in by_key["density.A.men"]] == [F(115, 10**31), 0]
    assert parse_written(by_key["exp.A.men"][0]).value == F(72, 10**29)
    assert by_key["mean.women"] == [["165", "60"], ["165", "60"], ["162", "57"]]
    assert by_key["cov.men"][-1] == [["16.67", "16.67"], ["16.67", "16.67"]]
    resp = {k: v for k, v in by_key.items() if k.startswith("resp.")}
    assert len(resp) == 12 and all(len(v) == 1 for v in resp.values())


def test_trailing_point_is_an_integer_as_written():
    w = parse_written("5.")
    assert (w.value, w.ulp, w.digits) == (5, 1, 1)
