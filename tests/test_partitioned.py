"""Partitioned EM (gmmexact/numerics/partitioned.py): exact merges, the same bits for any partitioning,
the same digits as the single-machine engine, and a real dask.distributed LocalCluster."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gmmexact
from gmmexact.cli.commands import main
from gmmexact.numerics.partitioned import ExactBall, partitioned_iterations, statistics

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed" / "problem.toml"


def two_groups(n: int = 40, seed: int = 0, **model) -> gmmexact.Problem:
    rng = np.random.default_rng(seed)
    raw = np.rint(np.vstack([rng.normal(0, 1, (n // 2, 2)), rng.normal(3, 1, (n - n // 2, 2))]) * 10)
    points = [[Fraction(int(v), 10) for v in row] for row in raw]
    return gmmexact.Problem.from_arrays(points, [[0, 0], [3, 3]],
                                        [[[1, 0], [0, 1]], [[2, Fraction(1, 2)], [Fraction(1, 2), 1]]],
                                        ["1/2", "1/2"], **model)


def shown(v):
    if isinstance(v, (list, tuple)):
        return [shown(x) for x in v]
    return str(v)


balls = st.builds(lambda m, e, r: ExactBall.of(flint.arb(m) * flint.arb(2) ** e + flint.arb(0, abs(r))),
                  st.integers(-2**80, 2**80), st.integers(-200, 200), st.floats(0, 1e-10))


@given(st.lists(balls, min_size=1, max_size=8), st.randoms())
def test_exact_sums_are_the_same_in_any_order_and_grouping(parts, rnd):
    total = ExactBall.zero()
    for p in parts:
        total = total + p
    shuffled = parts[:]
    rnd.shuffle(shuffled)
    cut = rnd.randint(0, len(parts))
    left, right = ExactBall.zero(), ExactBall.zero()
    for p in shuffled[:cut]:
        left = left + p
    for p in shuffled[cut:]:
        right = right + p
    a, b = left + right, total
    assert (a.mid_man << (a.exp - min(a.exp, b.exp))) == (b.mid_man << (b.exp - min(a.exp, b.exp)))
    assert (a.rad_man << (a.exp - min(a.exp, b.exp))) == (b.rad_man << (b.exp - min(a.exp, b.exp)))


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(1, 39), unique=True, max_size=6))
def test_any_partitioning_gives_the_same_statistics_bit_for_bit(cuts):
    problem = two_groups()
    from gmmexact.numerics.partitioned import _start, _q

    params = ([_q(c.weight) for c in problem.components], [[_q(v) for v in c.mean] for c in problem.components],
              [[[_q(v) for v in row] for row in c.covariance] for c in problem.components])
    start = _start(problem, params, 192)
    bounds = [0] + sorted(cuts) + [problem.n]
    parts = [statistics(problem.points[a:b], start) for a, b in zip(bounds, bounds[1:]) if b > a]
    merged = parts[-1]
    for p in reversed(parts[:-1]):  # merged in another order than the points
        merged = p + merged
    assert merged == statistics(problem.points[:], start)


@pytest.mark.parametrize("model", [{}, {"reg_covar": Fraction(1, 10**6), "count_offset": Fraction(10, 2**52)}])
def test_three_iterations_give_the_engines_certified_digits(model):
    problem = two_groups(**model)
    run = gmmexact.solve(problem, 3)
    one, seven = partitioned_iterations(problem, 3, partitions=1), partitioned_iterations(problem, 3, partitions=7)
    assert one.statistics == seven.statistics and one.partitions == 1 and seven.partitions == 7
    assert len(one.keys()) == 27
    for key in one.keys():
        assert one.decimal(key, 12) == seven.decimal(key, 12) == shown(run[key].decimal(12)), key


def test_a_singular_update_stops_with_exit_3(capsys):
    assert main(["solve", str(SEED), "--partitions", "2", "--iterations", "2"]) == 3
    out = capsys.readouterr().out
    assert "stopped after 1 of 2 iteration(s): iteration 2 needs the inverse of the covariance of women" in out


@pytest.mark.parametrize("argv, field", [(["--workers", "2", "--dask", "tcp://x:1"], "--dask"),
                                         (["--partitions", "2", "--forms", "all"], "--partitions"),
                                         (["--partitions", "2", "--format", "markdown"], "--partitions")])
def test_refusals_name_the_option(argv, field, capsys):
    assert main(["solve", str(SEED), *argv]) == 2
    assert capsys.readouterr().err.startswith(f"gmmexact: error: {field}")


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
@pytest.mark.parametrize("fixed, offset", [([], Fraction(1, 4)), (["weight"], 0), (["mean"], Fraction(1, 4)),
                                           (["covariance"], Fraction(1, 4))])
def test_every_model_gives_the_engines_digits(covariance_type, fixed, offset):
    """Every covariance type, fixed parameters and a count offset large enough to matter (o = 1/4)."""
    spherical = covariance_type in ("tied", "spherical")
    covs = [[[1, 0], [0, 1]], [[1, 0], [0, 1]] if spherical else [[2, 0], [0, 1]] if covariance_type == "diag"
            else [[2, Fraction(1, 2)], [Fraction(1, 2), 1]]]
    base = two_groups(n=30)
    problem = gmmexact.Problem.from_arrays([list(p) for p in base.points], [[0, 0], [3, 3]], covs, ["1/2", "1/2"],
                                           covariance_type=covariance_type, fixed=fixed, reg_covar=Fraction(1, 100),
                                           count_offset=offset)
    run = gmmexact.solve(problem, 2)
    got = partitioned_iterations(problem, 2, partitions=4)
    for key in got.keys():
        assert got.decimal(key, 12) == shown(run[key].decimal(12)), key


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def test_a_local_cluster_gives_the_single_machine_bits(cluster):
    from distributed import Client

    problem = two_groups(n=60, seed=3, reg_covar=Fraction(1, 10**6))
    with Client(cluster) as client:
        remote = partitioned_iterations(problem, 2, partitions=5, client=client)
    local = partitioned_iterations(problem, 2, partitions=1)
    assert remote.statistics == local.statistics and remote.workers.startswith("dask tcp://")
    assert [remote.decimal(k, 15) for k in remote.keys()] == [local.decimal(k, 15) for k in local.keys()]


def test_the_command_line_on_a_scheduler_prints_what_one_process_prints(cluster, capsys):
    assert main(["solve", str(SEED), "--dask", cluster.scheduler_address, "--format", "json", "--digits", "12"]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert main(["solve", str(SEED), "--partitions", "1", "--format", "json", "--digits", "12"]) == 0
    local = json.loads(capsys.readouterr().out)
    assert remote["values"] == local["values"] and remote["tier"] == local["tier"] == "float64"
    assert remote["values"]["mean.women"] == ["164.999999830", "59.9999998303"]
    run = gmmexact.solve(gmmexact.load(SEED))
    assert remote["values"]["loglik"] == str(run["loglik"].decimal(12))


def test_an_unreachable_scheduler_is_exit_2(capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setenv("GMMEXACT_DASK_TIMEOUT", "2")
    assert main(["solve", str(SEED), "--dask", "tcp://127.0.0.1:9", "--digits", "4"]) == 2
    assert "cannot be reached" in capsys.readouterr().err


def test_explain_precision_says_how_each_value_was_decided(capsys):
    assert main(["solve", str(SEED), "--explain-precision", "--digits", "12", "--format", "json"]) == 0
    decided = json.loads(capsys.readouterr().out)["precision"]
    assert decided["det.women"] == decided["quad.A.women"] == "exact rational"
    assert decided["density.A.women"].startswith("arb balls at ") and decided["density.A.women"].endswith(" bits")
    assert main(["solve", str(SEED), "--explain-precision"]) == 0
    out = capsys.readouterr().out
    tail = out[out.index("how each value shown was decided:"):].splitlines()
    assert tail[1].startswith("  exact rational: ") and tail[2].startswith("  arb balls at ")


def test_quiet_hides_every_progress_bar(monkeypatch, capsys):
    from gmmexact.model.limits import Estimate
    from gmmexact.numerics import cost

    monkeypatch.setattr(cost, "_terminal", lambda: True)
    with cost.quiet(), cost.progress(Estimate(60.0, 0, "long"), 10, "working") as advance:
        advance(10)
    assert capsys.readouterr().err == ""
    with cost.progress(Estimate(60.0, 0, "long"), 10, "working") as advance:  # a terminal, no --quiet: a bar
        advance(10)
    assert capsys.readouterr().err != ""  # rich drew (and, transient, removed) its bar
    assert main(["solve", str(SEED), "--partitions", "2", "--quiet"]) == 0


# --- tier 1 (float64 over whole arrays) under the same rules ---------------------------------------------

def many_points(n: int = 5000, seed: int = 1, starts=((0, 0, 0), (3, 3, 3))) -> gmmexact.Problem:
    from gmmexact.model.decimalpoints import DecimalPoints

    rng = np.random.default_rng(seed)
    ints = np.rint(np.vstack([rng.normal(0, 1, (n // 2, 3)), rng.normal(3, 1.5, (n - n // 2, 3))]) * 1000)
    eye = [[1 if i == j else 0 for j in range(3)] for i in range(3)]
    return gmmexact.Problem.from_arrays(DecimalPoints(ints.astype(np.int64), -3), [list(m) for m in starts],
                                        [eye, [[2 if i == j else Fraction(1, 4) for j in range(3)] for i in range(3)]],
                                        ["1/2", "1/2"], reg_covar=Fraction(1, 10**6))


def write_problem(folder, ints, names=None) -> None:
    """``folder/p.toml`` starting many_points' model, its points (thousandths) in ``folder/X.csv``."""
    (folder / "X.csv").write_text("a,b,c\n" + "\n".join(",".join(f"{v / 1000:.3f}" for v in row) for row in ints))
    covs = ('[["1", "0", "0"], ["0", "1", "0"], ["0", "0", "1"]]',
            '[["2", "0.25", "0.25"], ["0.25", "2", "0.25"], ["0.25", "0.25", "2"]]')
    tables = [("" if names is None else f'name = "{names[c]}"\n') + f'weight = "1/2"\nmean = ["{m}", "{m}", "{m}"]\n'
              f"covariance = {covs[c]}\n" for c, m in enumerate((0, 3))]
    (folder / "p.toml").write_text('[data]\npoints_file = "X.csv"\n\n' + "".join(f"[[components]]\n{t}\n" for t in tables))


def test_tier_one_gives_the_same_bits_for_any_partitioning(cluster):
    from distributed import Client

    from gmmexact.numerics.tiers import certified_parameters

    problem = many_points()
    runs = [certified_parameters(problem, 2, partitions=p, tier="float64") for p in (1, 3, 5)]
    with Client(cluster) as client:
        runs.append(certified_parameters(problem, 2, partitions=4, client=client, tier="float64"))
    assert [r.partitions for r in runs] == [1, 3, 5, 4] and all(r.tier == "float64" for r in runs)
    assert all(r.statistics == runs[0].statistics for r in runs)
    assert all([r.decimal(k, 12) for k in r.keys()] == [runs[0].decimal(k, 12) for k in r.keys()] for r in runs)


def test_tier_one_digits_are_the_engines_and_tier_two_takes_over_where_they_stop():
    from gmmexact.numerics.tiers import certified_parameters

    problem = two_groups(n=60, seed=3, reg_covar=Fraction(1, 10**6))
    run = gmmexact.solve(problem, 2)
    fast = certified_parameters(problem, 2, digits=11)
    assert fast.tier == "float64"
    for key in fast.keys():
        assert fast.decimal(key, 11) == shown(run[key].decimal(11)), key
    assert certified_parameters(problem, 2, digits=14).tier == "float64"  # the double-double kernel
    # binary floats take tier 1's float kernel (about 13 digits): the longdouble tier decides the rest
    from gmmexact.model.floatpoints import FloatPoints

    floats = gmmexact.Problem.from_arrays(FloatPoints(np.array([[float(v) for v in p] for p in problem.points]) + 0.05),
                                          [[0, 0], [3, 3]], [[[1, 0], [0, 1]], [[2, Fraction(1, 2)], [Fraction(1, 2), 1]]],
                                          ["1/2", "1/2"], reg_covar=Fraction(1, 10**6))
    exact = gmmexact.solve(floats, 2)
    middle = certified_parameters(floats, 2, digits=14)
    assert middle.tier.startswith("longdouble (tier 2: tier 1 leaves ")
    assert set(middle.decided.values()) == {"tier 1: float64 over whole arrays", "tier 2: longdouble over whole arrays"}
    for key in middle.keys():
        assert middle.decimal(key, 14) == shown(exact[key].decimal(14)), key
    slow = certified_parameters(problem, 2, digits=25)
    assert "longdouble leaves" in slow.tier
    assert slow.tier.startswith("arb (tier 2: tier 1 leaves ") and "undecided to 25 digits" in slow.tier
    assert slow.decimal("iter2.loglik", 25) == str(run["iter2.loglik"].decimal(25))


def test_a_large_problem_gives_its_parameters_from_the_command_line(tmp_path, capsys, monkeypatch):
    """From 2000 points, a whole report refused as too expensive becomes the parameters path, and says so."""
    monkeypatch.setenv("GMMEXACT_LIMIT_SECONDS", "1")
    problem = many_points(n=3000)
    ints = problem.points.integers
    write_problem(tmp_path, ints, names=("one", "two"))
    assert main(["solve", str(tmp_path / "p.toml"), "--digits", "10", "--format", "json", "--quiet",
                 "--explain-precision"]) == 0
    captured = capsys.readouterr()
    got = json.loads(captured.out)
    assert got["tier"] == "float64" and "3000 points: the whole report would take too long" in captured.err
    assert set(got["precision"]) == set(got["values"]) and set(got["precision"].values()) == {
        "tier 1: double-double over whole arrays (integer data)"}
    # the same points as binary floats (an .npy file): tier 1's float kernel, then the longdouble tier
    np.save(tmp_path / "X.npy", ints / 1000)
    (tmp_path / "p.toml").write_text((tmp_path / "p.toml").read_text().replace("X.csv", "X.npy"))
    assert main(["solve", str(tmp_path / "p.toml"), "--digits", "13", "--explain-precision", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "how each value shown was decided:" in text and "tier 2: longdouble over whole arrays" in text
    assert "tier 1: float64 over whole arrays" in text
    from gmmexact.numerics.tiers import certified_parameters

    first = problem.component_names[0]
    assert got["values"]["count.one"] == certified_parameters(problem, 1, digits=10).decimal(f"count.{first}", 10)


def test_recentred_sums_are_tighter_and_agree():
    """A start a cluster's width from the new means: sums about the new means (a second pass) give the
    same values in narrower enclosures (the float kernel: the double-double one sums exactly)."""
    from gmmexact.numerics.floattier import float_iterations
    from gmmexact.numerics.rounding import ball_bounds

    problem = many_points(n=4000, starts=((1, 1, 1), (2, 2, 2)))
    plain = float_iterations(problem, 1, kernel="float")[0].iteration
    moved = float_iterations(problem, 1, recentre=True, kernel="float")[0].iteration
    widths = []
    for a_cov, b_cov in zip(plain.covariances, moved.covariances):
        for a_row, b_row in zip(a_cov, b_cov):
            for a, b in zip(a_row, b_row):
                assert a.overlaps(b)
                (alo, ahi), (blo, bhi) = ball_bounds(a), ball_bounds(b)
                widths.append((bhi - blo) / (ahi - alo))
    assert max(widths) < 1 and sorted(widths)[len(widths) // 2] < 0.8


def test_an_affordable_large_problem_keeps_the_whole_report(tmp_path, capsys):
    """The parameters path answers only for reports refused as too expensive: 2500 points in text (a dozen
    shown) still give the usual report."""
    from gmmexact.cli.commands import LARGE_N

    problem = many_points(n=2500)
    assert problem.n > LARGE_N
    ints = problem.points.integers
    write_problem(tmp_path, ints)
    assert main(["solve", str(tmp_path / "p.toml"), "--digits", "6", "--quiet", "--forms", "none"]) == 0
    captured = capsys.readouterr()
    assert "whole report would take too long" not in captured.err and "resp" in captured.out
