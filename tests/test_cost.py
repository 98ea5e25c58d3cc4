"""Cost known before it is spent, bounded memory in the numerics, and an honest "undecided".

Each hostile request ends within seconds (refused with its estimate, or answered in bounded memory);
memory bounds are checked in a subprocess under RLIMIT_AS.
"""
from __future__ import annotations

import json
import os
import pty
import random
import resource
import subprocess
import sys
import textwrap
import time
from fractions import Fraction
from pathlib import Path

import flint
import mpmath
import pytest

import gmmexact
from gmmexact.cli.commands import main
from gmmexact.engine.exact import derive_exact, response_groups
from gmmexact.engine.lookup import exact_entry
from gmmexact.model import limits
from gmmexact.model.keys import Key
from gmmexact.model.problem import Problem
from gmmexact.numerics.certify import Undecided, rounding_boundary
from gmmexact.numerics.cost import estimate_solve
from gmmexact.numerics.rounding import Rounded, ball_bounds, bound_exponent, round_arb, round_mpmath_interval

ROOT = Path(__file__).resolve().parents[1]
SEED_DIAG = str(ROOT / "examples" / "types" / "seed_diag.toml")
MEMORY_LIMIT = 1536 << 20


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_limited(script: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a Python script in a subprocess whose address space is capped at ``MEMORY_LIMIT``."""
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=cap, cwd=ROOT)


# -- requests refused with their estimate, quickly -----------------------------------------------------


def test_a_thousand_iterations_are_refused_with_the_estimate(capsys):
    start = time.perf_counter()
    code, out, err = run_cli(capsys, "solve", SEED_DIAG, "--iterations", "1000")
    assert code == 2 and out == ""
    assert "1000 iterations of 6 points × 2 components × 2 variables" in err and "--force" in err
    assert time.perf_counter() - start < 10


def test_a_million_digits_are_refused(capsys):
    start = time.perf_counter()
    code, _, err = run_cli(capsys, "solve", SEED_DIAG, "--digits", "1000000")
    assert code == 2 and "1000000 digits" in err and "more than the limits" in err
    run = gmmexact.solve(gmmexact.load(SEED_DIAG))
    with pytest.raises(limits.TooExpensive, match="to 1000000 digits"):
        run.round(run.keys(), 10**6)
    assert time.perf_counter() - start < 10


def test_a_far_iteration_is_refused_before_any_work(capsys, tmp_path):
    start = time.perf_counter()
    with pytest.raises(limits.TooExpensive, match="1000000 iterations"):
        gmmexact.solve(gmmexact.load(SEED_DIAG), 10**6)
    claims = tmp_path / "far.toml"
    claims.write_text('[values]\n"iter1000000.loglik" = "-40"\n')
    code, out, err = run_cli(capsys, "check", SEED_DIAG, str(claims), "--format", "json")
    record = json.loads(out)["claims"][0]  # the far key is that claim's verdict, not the check's end
    assert code == 1 and record["verdict"] == "unreadable" and "too far" in record["reason"]
    assert time.perf_counter() - start < 10


def test_force_lifts_the_limits():
    problem = gmmexact.load(SEED_DIAG)
    with limits.override(seconds=1e-9):
        with pytest.raises(limits.TooExpensive):
            gmmexact.solve(problem, 2)
        run = gmmexact.solve(problem, 2, force=True)
        assert run.force and run["iter2.loglik"].decimal(6) == _seed_diag_iter2_loglik()


def _seed_diag_iter2_loglik() -> str:
    with limits.override(seconds=float("inf")):
        return gmmexact.solve(gmmexact.load(SEED_DIAG), 2)["iter2.loglik"].decimal(6)


def _problem(n: int, d: int, K: int, seed: int = 1, **kw) -> Problem:
    rng = random.Random(seed)
    points = [[rng.randint(-20, 20) for _ in range(d)] for _ in range(n)]
    means = [points[rng.randrange(n)] for _ in range(K)]
    off = 0 if kw.get("covariance_type") in ("diag", "spherical") else 1
    covs = [[[rng.randint(20, 40) if i == j else (off if abs(i - j) == 1 else 0) for j in range(d)] for i in range(d)]
            for _ in range(K)]
    return Problem.from_arrays(points, means=means, covariances=covs, weights=[Fraction(1, K)] * K, **kw)


@pytest.mark.parametrize("n, d, K, iterations, backend, kw", [
    (400, 2, 2, 3, "arb", {}),
    (30, 6, 2, 2, "arb", {}),
    (60, 2, 2, 5, "mpmath", {"covariance_type": "diag", "reg_covar": "1/10"}),
])
def test_estimate_is_within_a_small_factor_of_the_time_taken(n, d, K, iterations, backend, kw):
    problem = _problem(n, d, K, **kw)
    estimate = estimate_solve(problem, iterations, 6, backend, forms=False)
    start = time.process_time()  # CPU time: what the estimate models, whatever else the machine runs
    run = gmmexact.solve(problem, iterations, backend=backend)
    got = run.round(run.keys(), 6)
    taken = time.process_time() - start
    assert not any(isinstance(v, Undecided) for v in got.values())
    assert 1 / 5 < estimate.seconds / taken < 5, (estimate.seconds, taken)


def test_estimate_bounds_the_memory_taken():
    script = """
        import json, resource, random
        from fractions import Fraction
        import gmmexact
        from gmmexact.model.problem import Problem
        from gmmexact.numerics.cost import estimate_solve
        rng = random.Random(3)
        points = [[rng.randint(-50, 50), rng.randint(-50, 50)] for _ in range(3000)]
        p = Problem.from_arrays(points, means=[[0, 0], [9, 9]], covariances=[[[30, 1], [1, 30]]] * 2,
                                weights=["1/2", "1/2"])
        run = gmmexact.solve(p, 2)
        run.round(run.keys(), 6)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # the whole process, imports too
        print(json.dumps([peak, estimate_solve(p, 2, forms=False).memory_bytes]))
    """
    done = run_limited(script)
    assert done.returncode == 0, done.stderr
    peak, estimated = json.loads(done.stdout)
    assert peak / 2 < estimated < 4 * peak  # within a factor of about 2 of the process's whole peak


def test_estimates_are_cheap_and_refuse_the_exact_layer_of_large_dimensions():
    with limits.override(dimension=1000):
        problem = Problem.from_arrays([[0] * 300, [1] * 300], means=[[0] * 300], weights=[1],
                                      covariances=[[[int(i == j) for j in range(300)] for i in range(300)]])
    start = time.perf_counter()
    estimate = estimate_solve(problem, 1)
    assert time.perf_counter() - start < 0.05
    assert not estimate.affordable()


def test_many_components_are_grouped_in_linear_time():
    problem = _problem(300, 2, 100)
    start = time.perf_counter()
    plan = derive_exact(problem)
    assert time.perf_counter() - start < 5
    assert plan.iterations[0].quad.nrows() == 300


@pytest.mark.parametrize("seed", range(5))
def test_response_groups_match_a_direct_grouping(seed):
    rng = random.Random(seed)
    K = rng.randint(2, 5)
    rows = [[Fraction(rng.randint(-3, 3), rng.randint(1, 3)) for _ in range(K)] for _ in range(8)]
    rows += [[v + shift for v in rows[rng.randrange(8)]] for shift in (0, 1, Fraction(1, 2))]  # equal up to a constant
    rows.append([Fraction(7)] * K)  # equal forms in every component
    quad = flint.fmpq_mat(len(rows), K, [flint.fmpq(v.numerator, v.denominator) for r in rows for v in r])
    groups, equal = response_groups(quad)
    expected: dict[tuple, list[int]] = {}
    for p, r in enumerate(rows):
        expected.setdefault(tuple(v - r[0] for v in r), []).append(p)
    assert sorted(map(sorted, groups)) == sorted(expected.values())
    assert equal == expected[(0,) * K]


# -- bounded memory: end points such as 2^(−10¹⁰) are never written out ---------------------------------


def test_tiny_end_points_are_widened_not_expanded():
    x = (-flint.arb(10) ** 10).exp()  # about 2^(−1.4·10¹⁰)
    lo, hi = ball_bounds(x)
    assert lo == 0 and hi == Fraction(2, 2 ** bound_exponent())
    assert str(round_arb(x, 6)) == "9.27858e-4342944820"
    tiny = mpmath.mpf((1, -10**10))
    assert round_mpmath_interval(mpmath.iv.mpf([0, tiny]), 6) is None  # sign unknown: no digits, no expansion
    lo, hi = ball_bounds(mpmath.iv.mpf([-tiny, tiny]))
    assert lo == -hi == -Fraction(1, 2 ** bound_exponent())
    with mpmath.workprec(128):
        narrow = mpmath.iv.mpf([tiny, tiny * (1 + mpmath.mpf(2) ** -60)])
    assert str(round_mpmath_interval(narrow, 6)) == mpmath.nstr(tiny, 6) == "2.29186e-3010299957"


def test_an_enclosure_keeps_its_exact_end_points_when_they_are_small():
    x = flint.arb(1) / 3
    (mm, me), (rm, re_) = ((int(v) for v in y.man_exp()) for y in (x.mid(), x.rad()))
    mid, rad = Fraction(mm) * Fraction(2) ** me, Fraction(rm) * Fraction(2) ** re_
    assert ball_bounds(x) == (mid - rad, mid + rad)
    assert mid - rad < Fraction(1, 3) < mid + rad
    assert ball_bounds(mpmath.iv.mpf(["0.25", "0.5"])) == (Fraction(1, 4), Fraction(1, 2))


SEPARATED = """
    import json, time
    import mpmath
    import gmmexact
    from gmmexact.model.problem import Problem
    from gmmexact.numerics.certify import Undecided
    out = []
    for gap in (1000, 100000):
        pts = [[0, 0], [1, 3], [4, 1], [gap, 0], [gap + 3, 1], [gap + 1, 4]]
        p = Problem.from_arrays(pts, means=[[1, 1], [gap + 1, 1]], covariances=[[[1, 0], [0, 1]]] * 2,
                                weights=["1/2", "1/2"])
        for backend in ("arb", "mpmath"):
            run = gmmexact.solve(p, 2, backend=backend)
            for digits in (6, 30):
                start = time.perf_counter()
                got = run.round(run.keys(), digits)
                out.append(dict(gap=gap, backend=backend, digits=digits, seconds=time.perf_counter() - start,
                                undecided=sum(isinstance(v, Undecided) for v in got.values()),
                                resp=str(got[gmmexact.Key.parse("resp.x1.2")])))
    print(json.dumps(out))
"""


def _reference_resp(gap: int, digits: int) -> str:
    """resp.x1.2 = 1/(1 + e^D), D = ((gap+1)² − 1)/2 (identity covariances, equal weights), with mpmath alone."""
    with mpmath.workdps(digits + 30):
        D = mpmath.mpf((gap + 1) ** 2 - 1) / 2
        log10 = -(D + mpmath.log1p(mpmath.exp(-D))) / mpmath.log(10)
        e = int(mpmath.floor(log10))
        m = int(mpmath.nint(mpmath.power(10, log10 - e + digits - 1)))
        s = str(m)
        return f"{s[0]}.{s[1:]}e{e}"


def test_well_separated_clusters_in_bounded_memory():
    done = run_limited(SEPARATED)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    assert len(results) == 8
    for r in results:
        assert r["undecided"] == 0 and r["seconds"] < 10, r
        assert r["resp"] == _reference_resp(r["gap"], r["digits"]), r


UNDECIDED_SEPARATED = """
    import json
    import gmmexact
    from gmmexact.model.problem import Problem
    from gmmexact.numerics.backends import get_backend
    from gmmexact.numerics.certify import Certifier, Undecided
    from gmmexact.engine.lookup import entry_keys
    square = [[0, 0], [1, 0], [0, 1], [1, 1]]
    p = Problem.from_arrays(square + [[x + 100000, y] for x, y in square], means=[[0, 0], [100000, 1]],
                            covariances=[[[1, 0], [0, 1]]] * 2, weights=["1/2", "1/2"], names=["left", "right"])
    run = gmmexact.solve(p, 2)
    keys = [e for k in run.keys() for e in entry_keys(k, 2)]
    out = {}
    for backend in ("arb", "mpmath"):
        capped = Certifier(run.plan, get_backend(backend), max_prec=1024)
        for digits in (6, 30):
            got = capped.round(keys, digits)
            for k, v in got.items():
                if isinstance(v, Undecided):
                    out.setdefault(f"{backend} {digits}", []).append(
                        [str(k), v.cause, v.prec, max(v.lo.denominator.bit_length(), v.hi.denominator.bit_length())])
    full = run.round([gmmexact.Key.parse("mean.right[0]")], 6)[gmmexact.Key.parse("mean.right[0]")]
    out["full"] = [str(full), full.cause, full.prec, str(full.near)]
    print(json.dumps(out))
"""


def test_undecided_end_points_of_separated_clusters_stay_small():
    # the right cluster's mean is 100000.5 − (about e^(−5·10⁹)): on the 6-digit boundary to any precision
    done = run_limited(UNDECIDED_SEPARATED)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    for setting in ("arb 6", "arb 30", "mpmath 6", "mpmath 30"):
        assert out[setting], setting
        for key, cause, prec, bits in out[setting]:
            assert cause == "boundary" and prec == 1024 and bits <= 4 * bound_exponent(), (setting, key)
    assert {k for k, *_ in out["arb 30"]} == {k for k, *_ in out["mpmath 30"]}
    text, cause, prec, near = out["full"]
    assert (cause, prec, near) == ("boundary", 65536, "200001/2")
    assert text.startswith("100000.5 ± ") and "proven irrational" in text and "collaps" not in text


# -- undecided: bounds at the precision reached, and the real reason --------------------------------------


def test_a_collapsing_component_is_named_with_bounds_at_the_precision_reached():
    problem = Problem.from_arrays([[0], [0], [-3]], means=[[0], [3]], covariances=[[[5]], [[1]]],
                                  weights=["1/2", "1/2"], names=["a", "b"])
    run = gmmexact.solve(problem, 3)
    got = run["iter2.cov.b"].rounded(6)[0][0]
    assert isinstance(got, Undecided) and got.cause == "collapse" and got.prec == 65536
    assert got.hi - got.lo < Fraction(1, 10**19000)  # at 53 bits it would be far wider
    assert "component b updated by iteration 2 is nearly singular" in got.reason
    later = run["iter3.loglik"].rounded(6)
    assert isinstance(later, Undecided) and later.cause == "collapse" and "iteration 3 could not be enclosed" in str(later)


def test_a_tie_by_symmetry_after_iteration_one_is_named_as_such():
    problem = Problem.from_arrays([-2, -1, 0, 1, 2], means=[-1, 1], covariances=[1, 1], weights=["1/2", "1/2"],
                                  names=["a", "b"])
    run = gmmexact.solve(problem, 2)
    assert run["count.a"].value == Fraction(5, 2)  # iteration 1: decided exactly
    got = run["iter2.count.a"].rounded(1)
    assert isinstance(got, Undecided) and got.cause == "boundary" and got.near == Fraction(5, 2)
    assert got.prec == 65536 and got.lo < Fraction(5, 2) < got.hi and got.hi - got.lo < Fraction(1, 10**19000)
    assert str(got).startswith("2.5 ± ") and "identity or a tie" in got.reason and "collaps" not in got.reason
    assert run["iter2.count.a"].decimal(6) == "2.50000"


def test_a_raise_past_the_limits_stops_with_an_honest_undecided():
    square = [[0, 3 * k + j] for k in range(30) for j in (0, 1)] + [[1, 3 * k + j] for k in range(30) for j in (0, 1)]
    problem = Problem.from_arrays(square + [[x + 1000, y] for x, y in square], means=[[0, 0], [1000, 1]],
                                  covariances=[[[1, 0], [0, 1]]] * 2, weights=["1/2", "1/2"], names=["l", "r"])
    run = gmmexact.solve(problem)
    key = Key.parse("cov.l[0][1]")
    start = time.perf_counter()
    with limits.override(seconds=0.5):
        got = run.round([key], 6)[key]
    assert time.perf_counter() - start < 10
    assert isinstance(got, Undecided) and got.cause == "cost" and got.prec < 65536
    assert f"raising the precision to {2 * got.prec} bits: about" in got.reason and "past the limits" in got.reason
    assert got.lo <= 0 <= got.hi and got.hi - got.lo < Fraction(1, 2 ** (got.prec // 2))


def test_rounding_boundary():
    assert rounding_boundary(Fraction(24, 10), Fraction(26, 10), 1) == Fraction(5, 2)
    assert rounding_boundary(Fraction(-26, 10), Fraction(-24, 10), 1) == Fraction(-5, 2)
    assert rounding_boundary(Fraction(-1, 10**9), Fraction(1, 10**9), 6) == 0
    assert rounding_boundary(Fraction(9994, 1000), Fraction(9996, 1000), 3) == Fraction(9995, 1000)
    assert rounding_boundary(Fraction(5, 2), Fraction(26, 10), 1) == Fraction(5, 2)  # an end point on it
    assert rounding_boundary(Fraction(1), Fraction(2), 3) is None


# -- exact zeros in every iteration ---------------------------------------------------------------------


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag"])
def test_a_constant_coordinate_gives_exact_zeros_in_later_iterations(covariance_type):
    points = [[0, "1/3"], [1, "1/3"], [3, "1/3"], [4, "1/3"], [7, "1/3"]]
    cov = [[[2, 0], [0, 1]], [[3, 0], [0, 1]]] if covariance_type != "tied" else [[[2, 0], [0, 1]]] * 2
    problem = Problem.from_arrays(points, means=[[0, 0], [4, 1]], covariances=cov, weights=["1/2", "1/2"],
                                  reg_covar="1/10", covariance_type=covariance_type, names=["a", "b"])
    run = gmmexact.solve(problem, 3)
    assert run.iterations == 3
    for t in (2, 3):
        it = f"iter{t}."
        assert exact_entry(run.plan, Key.parse(f"{it}mean.a[1]")) == Fraction(1, 3)
        assert exact_entry(run.plan, Key.parse(f"{it}dev.x2.b[1]")) == 0
        assert exact_entry(run.plan, Key.parse(f"{it}outer.x2.b[0][1]")) == 0
        assert exact_entry(run.plan, Key.parse(f"{it}outer.x2.b[1][1]")) == 0
        assert exact_entry(run.plan, Key.parse(f"{it}cov.a[1][1]")) == Fraction(1, 10)
        assert exact_entry(run.plan, Key.parse(f"{it}cov.b[0][1]")) == 0
        assert exact_entry(run.plan, Key.parse(f"{it}mean.a[0]")) is None  # the other coordinate varies
    got = run.round([Key.parse("iter2.outer.x2.b[0][1]"), Key.parse("iter3.dev.x5.a[1]")], 6)
    assert all(r == Rounded(0, 0, 6, exact=True, tie=False) for r in got.values())


# -- progress bar: on a terminal only ---------------------------------------------------------------------

PROGRESS = f"""
import gmmexact.numerics.cost as cost
cost.PROGRESS_SECONDS = 0  # show it for this short request
import gmmexact
run = gmmexact.solve(gmmexact.load({SEED_DIAG!r}), 3)
run.round(run.keys(), 6)
print("done")
"""


def test_progress_bar_on_a_terminal_and_never_on_a_pipe():
    piped = subprocess.run([sys.executable, "-c", PROGRESS], capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and piped.stdout == "done\n" and piped.stderr == ""
    master, slave = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-c", PROGRESS], stdout=subprocess.PIPE, stderr=slave,
                              stdin=subprocess.DEVNULL, timeout=60, env={**os.environ, "TERM": "xterm"})
        os.close(slave)
        slave = None
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)
    assert done.returncode == 0 and done.stdout == b"done\n"
    assert b"certifying to 6 digits" in shown

