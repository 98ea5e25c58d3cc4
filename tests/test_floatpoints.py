"""Float64 data kept as the array (``FloatPoints``): the same exact problem, without a Fraction per value."""
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import gmmexact
from gmmexact.crosschecking import fast
from gmmexact.model.floatpoints import FloatPoints


def as_fractions(a: np.ndarray):
    return tuple(tuple(Fraction(*v.as_integer_ratio()) for v in row) for row in a.tolist())


def test_rows_are_the_exact_binary_values():
    a = np.array([[0.1, -2.5], [3.0, 1e-300]])
    pts = FloatPoints(a)
    assert len(pts) == 2 and pts[1] == (Fraction(3), Fraction(1e-300)) and pts[-1] == pts[1]
    assert pts[0][0] == Fraction(3602879701896397, 2**55)
    assert pts[:1] == (as_fractions(a)[0],) and list(pts) == list(as_fractions(a))
    assert pts == as_fractions(a) and as_fractions(a) == pts and hash(pts) == hash(as_fractions(a))
    assert pts == FloatPoints(a.copy()) and pts != FloatPoints(a * 2) and pts != as_fractions(a * 2)


def test_the_array_is_a_read_only_copy():
    a = np.array([[1.0, 2.0]])
    pts = FloatPoints(a)
    a[0, 0] = 5.0
    assert pts[0] == (Fraction(1), Fraction(2))
    with pytest.raises(ValueError):
        pts.array[0, 0] = 7.0


def test_rows_are_built_only_when_asked_for():
    pts = FloatPoints(np.arange(6.0).reshape(3, 2))
    assert pts[2] == (Fraction(4), Fraction(5)) and pts[1:] == ((Fraction(2), Fraction(3)), (Fraction(4), Fraction(5)))
    assert pts._rows is None  # single rows and slices do not build every row
    assert tuple(pts) == pts.rows() and pts._rows is not None


@pytest.mark.parametrize("bad, words", [(np.array([1.0, 2.0]), "n × d"), (np.array([[np.nan]]), "finite"),
                                        (np.array([[np.inf, 1.0]]), "finite"),
                                        (np.array([[2**53 + 1]], dtype=np.int64), "not int64"),
                                        (np.array([[0.1]], dtype=np.longdouble), r"not float\d+"),
                                        (np.array([[Fraction(1, 3)]], dtype=object), "not object")])
def test_bad_arrays_are_refused(bad, words):
    with pytest.raises(ValueError, match=words):
        FloatPoints(bad)


def test_a_problem_on_float_points_is_the_same_exact_problem():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(12, 2))
    args = ([[0, 0], [1, 1]], [[[1, 0], [0, 1]]] * 2, ["1/2", "1/2"])
    slow = gmmexact.Problem.from_arrays(as_fractions(X), *args)
    quick = replace(slow, points=FloatPoints(X))
    assert quick == slow and quick.n == 12
    a, b = gmmexact.solve(slow, 1), gmmexact.solve(quick, 1)
    for key in ("mean.1[0]", "cov.2[0][1]", "loglik", "resp.x3.1"):
        assert a[key].exact == b[key].exact


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9)


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 3)),
              elements=st.one_of(finite, st.integers(-2**20, 2**20).map(lambda v: v / 1024))))
def test_the_fast_form_of_an_array_is_that_of_its_fractions(a):
    """Grid data: the same integers and scale as from the Fractions; other float64 data: an exact split."""
    from_array = fast.FastData.of(FloatPoints(a))
    from_fractions = fast.FastData.of(as_fractions(a))
    if not isinstance(from_fractions, str) and from_fractions.lo is None:
        assert not isinstance(from_array, str) and from_array.lo is None
        assert from_array.scale == from_fractions.scale and np.array_equal(from_array.X, from_fractions.X)
    if isinstance(from_array, str):
        assert np.abs(a).max() >= 2.0**28 or "2^-972" in from_array
        return
    lo = np.zeros(a.shape) if from_array.lo is None else from_array.lo
    rebuilt = [[(Fraction(int(x)) + Fraction(float(r))) / from_array.scale for x, r in zip(xr, lr)]
               for xr, lr in zip(from_array.X, lo)]
    assert tuple(map(tuple, rebuilt)) == as_fractions(a)


def test_build_floats_matches_build_on_grid_data():
    a = np.array([[0.5, -3.0], [0.25, 2.0**17], [1.0 / 1024, 7.0]])
    got, ref = fast.FastData.build_floats(a), fast.FastData.build(as_fractions(a))
    assert got.scale == ref.scale == 1024 and np.array_equal(got.X, ref.X) and got.pairs == ref.pairs
    assert "2^29" in fast.FastData.build_floats(np.array([[2.0**29]]))
    assert "64-bit" in fast.FastData.build_floats(np.array([[1 / 3]]))
