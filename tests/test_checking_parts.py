"""The parts of a check, each alone on the seed problem: the verdict on one written entry, the
search for carried values, the slip catalogue, the first wrong step and the notes."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp

import gmmexact
from gmmexact.checking import firstwrong, notes, slips
from gmmexact.checking.carried import PI_BY_HAND, CarriedSearch
from gmmexact.checking.claims import claims_from_dict
from gmmexact.checking.context import CheckContext, ClaimCheck
from gmmexact.checking.verdicts import Checker, decide_entry, error_ulps
from gmmexact.model.keys import Key
from gmmexact.model.written import parse_written

SEED = str(Path(__file__).resolve().parents[1] / "examples" / "seed" / "problem.toml")
HARD = {f"resp.{p}.women": "1" for p in "ABC"} | {f"resp.{p}.women": "0" for p in "DEF"}


@pytest.fixture(scope="module")
def ctx() -> CheckContext:
    return CheckContext(gmmexact.solve(gmmexact.load(SEED)))


@pytest.fixture(scope="module")
def search(ctx) -> CarriedSearch:
    return CarriedSearch(ctx)


def claims(ctx, *pairs):
    return claims_from_dict({"claim": [{"key": k, "value": v} for k, v in pairs]}, ctx.plan)


def verdict(claim, verdict="correct", first_wrong=None) -> ClaimCheck:
    """A verdict on an earlier claim, as the carried search and the first-wrong tracing read it."""
    return ClaimCheck(claim, verdict, (), "", first_wrong=first_wrong)


# -- the context -------------------------------------------------------------------------------
def test_context_encloses_exact_values_exactly(ctx):
    assert ctx.enclosure(Key.parse("det.women"), 64) == (Fraction(100), Fraction(100))
    lo, hi = ctx.enclosure(Key.parse("density.A.women"), 64)
    assert Fraction(10668474, 10**9) < lo < hi < Fraction(10668475, 10**9)  # exp(-2/5) / (20π) = 0.010668474…
    assert hi - lo < Fraction(1, 2**50)


# -- deciding a verdict ------------------------------------------------------------------------
def test_verdict_on_a_correct_and_a_wrong_written_number(ctx):
    key = Key.parse("density.A.women")
    right = decide_entry(ctx, key, parse_written("0.0107"))
    assert (right.correct, right.value, right.error_ulps, right.boundary) == (True, "0.010668", "0.32", False)
    wrong = decide_entry(ctx, key, parse_written("0.0108"))
    assert (wrong.correct, wrong.value, wrong.error_ulps) == (False, "0.010668", "1.3")


def test_verdict_on_exact_values_and_fractions(ctx):
    det = decide_entry(ctx, Key.parse("det.women"), parse_written("100"))
    assert (det.correct, det.error_ulps) == (True, "0")
    quad = Key.parse("quad.A.women")  # exactly 4/5
    assert decide_entry(ctx, quad, parse_written("4/5")).correct is True
    assert decide_entry(ctx, quad, parse_written("1/3")).correct is False
    assert error_ulps(ctx, quad, parse_written("4/5")) is None  # a fraction promises equality
    assert error_ulps(ctx, quad, parse_written("0.85")) == "5.0"  # (0.85 − 0.8) / 0.01


def test_verdict_on_the_edge_of_the_written_digits():
    problem = gmmexact.Problem.from_arrays([0, 1], means=[0], covariances=["5/2"], weights=[1])
    edge = decide_entry(CheckContext(gmmexact.solve(problem)), Key.parse("det.1"), parse_written("2"))
    assert edge.correct is True and edge.boundary is True
    assert notes.boundary_notes((edge,)) == [notes.BOUNDARY_NOTE]


# -- the search for carried values -------------------------------------------------------------
def test_explicit_steps_follow_unwritten_inputs_back(search):
    steps = search.steps
    expr, inputs = steps.step(Key.parse("density.A.women"), {Key.parse("exp.A.women"), Key.parse("norm.women")})
    assert expr == sp.Symbol("exp.A.women") / sp.Symbol("norm.women")
    assert set(inputs.values()) == {Key.parse("exp.A.women"), Key.parse("norm.women")}
    _, unwritten = steps.step(Key.parse("density.A.women"))  # through exp and norm to the inverse and |Σ|
    assert {k.whole for k in unwritten.values()} == {Key.parse("inv.women"), Key.parse("det.women")}
    assert steps.definition(Key.parse("inv.women")) == sp.eye(2) * 10 / sp.Symbol("det.women")


def test_carried_from_the_documents_earlier_rounded_numbers(ctx, search):
    # 7.2e-28 / 62.83 = 1.1459e-29, written 1.15e-29; the exact value is 1.1440e-29
    exp, norm, density = claims(ctx, ("exp.A.men", "7.2e-28"), ("norm.men", "62.83"), ("density.A.men", "1.15e-29"))
    assert search.carried(density, [exp, norm], {0: verdict(exp), 1: verdict(norm)}) == ((0, 1), "rounding", None)
    from_a_wrong_one = {0: verdict(exp, "wrong", first_wrong=0), 1: verdict(norm)}
    assert search.carried(density, [exp, norm], from_a_wrong_one) == ((0, 1), "error", None)
    assert search.carried(density, [], {}) is None  # no written input: not carried
    assert search.justified(density, [exp, norm]) == (2, [exp, norm])  # 7.2e-28 determines two digits


def test_carried_with_pi_by_hand(ctx, search):
    (norm,) = claims(ctx, ("norm.women", "62.80"))  # 2 · 3.14 · 10
    assert search.carried(norm, [], {}) == ((), "rounding", Fraction(314, 100))
    assert PI_BY_HAND[0] == Fraction(314, 100)


# -- the slip catalogue ------------------------------------------------------------------------
def test_the_catalogue_has_one_entry_per_named_slip():
    names = [slip.name for slip in slips.SLIPS]
    assert len(names) == len(set(names)) >= 25
    assert all(slip.kinds for slip in slips.SLIPS)


def test_slips_of_a_mean(ctx):
    got = dict(slips.slips_for(ctx.problem, Key.parse("mean.women")))
    stale = "the starting mean of women (from the problem file), not the updated one"
    assert list(got) == [stale, "the weighted sum Σ r x, not yet divided by the count count.women",
                         "the weighted sum Σ r x divided by n = 6 instead of the count count.women"]
    assert got[stale] == sp.Matrix([162, 57])


def test_starting_mean_repeated_as_the_new_mean_is_named(ctx, search):
    (mean,) = claims(ctx, ("mean.women", ["162", "57"]))
    assert slips.matches(search, mean, [], {}) == [
        ("the starting mean of women (from the problem file), not the updated one", ())]


def test_covariance_divided_by_n_is_named_from_the_documents_numbers(ctx, search):
    *resp, cov = claims(ctx, *HARD.items(), ("cov.women", [["8.333", "8.333"], ["8.333", "8.333"]]))
    got = slips.matches(search, cov, resp, {c.index: verdict(c) for c in resp})
    assert got == [(("the covariance divided by n = 6 instead of the count count.women "
                     "(from the document's #0, #1, #2, #3, #4, #5)"), (0, 1, 2, 3, 4, 5))]


def test_a_correct_number_matches_no_slip(ctx, search):
    (exp,) = claims(ctx, ("exp.A.women", "0.6703"))  # exp(-0.4), the right value
    assert slips.matches(search, exp, [], {}) == []


# -- the first wrong step ----------------------------------------------------------------------
def test_first_wrong_step_follows_the_written_inputs(ctx, search):
    det, norm = claims(ctx, ("det.women", "90"), ("norm.women", "59.61"))
    wrong_det = {0: verdict(det, "wrong", first_wrong=0)}
    assert firstwrong.first_wrong(search.steps, norm, [det], wrong_det) == 0
    assert firstwrong.first_wrong(search.steps, norm, [det], {0: verdict(det)}) == 1  # its own mistake
    assert firstwrong.origin((), {}, 5) == 5
    assert Key.parse("det.women") in firstwrong.ancestors(search.steps, Key.parse("density.A.women"))


# -- the notes ---------------------------------------------------------------------------------
def test_notes_on_responsibilities(ctx):
    first, second = claims(ctx, ("resp.A.women", "0.7"), ("resp.A.men", "0.7"))
    assert notes.sum_notes(ctx, second, [first]) == [
        ("the document's responsibilities of A do not sum to 1: 0.7 (#0) + 0.7 (#1) = 1.4, "
         "and no rounding of the digits shown can make them")]
    assert notes.sum_notes(ctx, first, []) == []  # the other component not written yet
    (hard,) = claims(ctx, ("resp.A.women", "1"))  # the responsibility is 1.00: not far
    assert notes.hard_assignment_notes(ctx, hard) == []


def test_notes_on_entries(ctx):
    # x_A − μ_women = (160, 55) − (165, 60) = (−5, −5)
    checker = Checker(ctx.run)

    def entry_notes(value):
        (dev,) = claims(ctx, ("dev.A.women", value))
        return notes.entry_notes(ctx, dev, tuple(checker.check_entry(k, w) for k, w in dev.entries(ctx.d)))

    assert entry_notes(["5", "5"]) == ["the sign of [0], [1] is flipped: the value with the other sign is right"]
    assert entry_notes(["-5", "5"]) == ["entry [1] = 5 is off; the others are right to their digits",
                                        "the sign of [1] is flipped: the value with the other sign is right"]
    assert entry_notes(["-5", "-5"]) == []


# -- the orchestrator --------------------------------------------------------------------------
def test_checker_combines_the_parts(ctx):
    got = Checker(ctx.run).check(claims(ctx, ("det.women", "90"), ("norm.women", "59.61")))
    assert [(g.verdict, g.carried_from, g.carried_kind, g.first_wrong) for g in got] == [
        ("wrong", (), None, 0), ("follows", (0,), "error", 0)]
