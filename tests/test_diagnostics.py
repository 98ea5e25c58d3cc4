"""Findings: exact singularity with the data's relations, certified conditioning, why a run stopped."""
from __future__ import annotations

import gmmexact
from gmmexact.numerics.diagnostics import condition_number
from gmmexact.model.linalg import to_fmpq_mat

SEED_POINTS = [[160, 55], [165, 60], [170, 65], [180, 75], [185, 80], [190, 85]]


def _problem(points, covariance, **kw):
    return gmmexact.Problem.from_arrays(points, means=[[162, 57], [185, 80]], covariances=[covariance] * 2,
                                        weights=["1/2", "1/2"], variables=["height", "weight"],
                                        names=["women", "men"], **kw)


def _kinds(run):
    return {(f.kind, f.key) for f in run.diagnostics}


def test_condition_number_is_certified():
    kappa = condition_number(to_fmpq_mat([[4, 0], [0, 1]]))
    assert kappa.contains(4) and kappa.rad() < 1e-10
    assert condition_number(to_fmpq_mat([[1, 1], [1, 1]])) is None  # singular: no finite κ


def test_well_conditioned_seed_input_has_no_conditioning_warning():
    run = gmmexact.solve(_problem(SEED_POINTS, [[10, 0], [0, 10]]))
    assert not [f for f in run.diagnostics if f.kind in ("ill-conditioned", "float64-singular")]


def test_ill_conditioned_input_covariance_costs_float64_digits():
    run = gmmexact.solve(_problem(SEED_POINTS, [[1, "0.999999"], ["0.999999", 1]]))
    found = [f for f in run.diagnostics if f.kind == "ill-conditioned"]
    assert found and found[0].digits_lost == 6  # κ = (1 + ρ)/(1 − ρ) = 1999999
    assert found[0].condition == "2.00e+6"


def test_covariance_float64_would_call_singular():
    rho = "0.99999999999999999"  # κ ≈ 2e17 > 2^53, yet the exact determinant is positive
    run = gmmexact.solve(_problem(SEED_POINTS, [[1, rho], [rho, 1]]))
    assert any(f.kind == "float64-singular" for f in run.diagnostics)


def test_nearly_collinear_data_make_ill_conditioned_updated_covariances():
    points = [list(p) for p in SEED_POINTS]
    points[2] = ["170.001", 65]  # off the line height − weight = 105 by 1/1000
    run = gmmexact.solve(_problem(points, [[10, 0], [0, 10]]))
    assert run.plan.degeneracy is None
    keys = {f.key for f in run.diagnostics if f.kind in ("ill-conditioned", "float64-singular")}
    assert "cov.women" in keys


def test_singular_finding_and_stop_name_the_relation():
    run = gmmexact.solve(_problem(SEED_POINTS, [[10, 0], [0, 10]]), iterations=2)
    singular = [f for f in run.diagnostics if f.kind == "singular-covariance"]
    assert {f.key for f in singular} == {"cov.women", "cov.men"}
    assert all(f.rank == 1 and f.relations == ("height − weight = 105",) for f in singular)
    assert run.stopped.relations == ("height − weight = 105",) and run.iterations == 1


def test_relations_in_three_dimensions_with_two_constraints():
    points = [[t, 2 * t, 3] for t in range(4)]  # a line in 3-D: y = 2x and z = 3
    p = gmmexact.Problem.from_arrays(points, means=[[0, 0, 3]], covariances=[[[1, 0, 0], [0, 1, 0], [0, 0, 1]]],
                                     weights=[1], variables=["x", "y", "z"])
    (finding,) = [f for f in gmmexact.solve(p).diagnostics if f.kind == "singular-covariance"]
    assert finding.rank == 1 and len(finding.relations) == 2
    assert set(finding.relations) == {"2·x − y = 0", "z = 3"}


def test_every_covariance_has_a_certified_condition_number():
    p = gmmexact.Problem.from_arrays([[0, 0], [1, 2], [0, 1], [2, 0], [3, 3]], means=[[0, 1], [2, 2]],
                                     covariances=[[[2, 1], [1, 2]], [[1, 0], [0, 1]]], weights=["1/4", "3/4"])
    info = {f.key: f.condition for f in gmmexact.solve(p, iterations=2).diagnostics if f.kind == "conditioning"}
    assert info["input covariance 1"] == "3.00e+0" and info["input covariance 2"] == "1.00e+0"
    assert {"cov.1", "cov.2", "iter2.cov.1", "iter2.cov.2"} <= set(info)


def test_singular_message_reads_well():
    run = gmmexact.solve(_problem(SEED_POINTS, [[10, 0], [0, 10]]))
    (finding, _) = [f for f in run.diagnostics if f.kind == "singular-covariance"]
    assert "they lie on a line" in finding.message and "squeezed onto that line" in finding.message
    assert "data's a" not in finding.message


def test_condition_numbers_beyond_any_float_are_reported():
    # iteration 2's second component collapses towards two points: κ₂ ≈ 3e35 (no float can hold 10^400,
    # but 1e35 is fine; the digits must come from the rounded mantissa, never from float division)
    problem = gmmexact.Problem.from_arrays(
        [[1, 2, 0], [2, 1, 1], [4, 0, 2], [7, 3, 1], [8, 5, 0]], means=[[2, 1, 1], [7, 4, 1]],
        covariances=[[[2, 0, 0], [0, 2, 1], [0, 1, 2]], [[3, 1, 0], [1, 3, 0], [0, 0, 1]]], weights=["1/2", "1/2"])
    run = gmmexact.solve(problem, iterations=2)
    found = {f.key: f for f in run.diagnostics if f.key.startswith("iter2.cov")}
    assert found["iter2.cov.2"].kind == "float64-singular" and found["iter2.cov.2"].condition.endswith("e+35")


def test_digits_lost_from_the_rounded_condition_number():
    from flint import arb_mat
    from gmmexact.numerics.diagnostics import conditioning_findings
    (f,) = conditioning_findings("m", arb_mat([[10**9, 0], [0, 1]]))
    assert (f.kind, f.condition, f.digits_lost) == ("ill-conditioned", "1.00e+9", 9)
    (g,) = conditioning_findings("m", arb_mat([[9995, 0], [0, 1]]))
    assert (g.condition, g.digits_lost) == ("1.00e+4", 4)
