"""What a request will cost, known before it is spent: seconds and peak memory of deriving, evaluating
and certifying EM iterations, so that a request past :mod:`gmmexact.model.limits` is refused with the
estimate (or run with a progress bar when allowed) instead of hanging or exhausting the machine.

The model follows the work actually done (``engine/exact.py``, ``evaluate.py``, ``certify.py``), with
n points, d variables, K components, ``w = d(d+1)/2 + d + 1`` monomial columns and P bits of working
precision (:func:`start_precision`):

* the exact layer: the n × w integer monomial matrix, K exact inverses (d³ rational operations), the
  n × w by w × K integer product of the quadratic forms, a few Python operations per K·d² per
  later iteration;
* one evaluation pass, per iteration: n·K exponentials, divisions and products of balls at P bits, two
  products with the monomial matrix (n·w·K entries), K determinants and inverses (d³);
* certified rounding: about 20 µs an entry, plus an integer division of ``digits`` digits;
* the ``solve`` report's exact forms (SymPy) and rendering: about 3 ms a quantity.

The unit costs of one ball operation at each precision were measured on the reference machine
(python-flint 0.9 and mpmath 1.3, one core); between the measured precisions they are interpolated
on a log–log scale and beyond the last one extrapolated with its slope. The whole model was checked
against measured runs (``tests/test_cost.py`` keeps the check on small ones): the estimate stays
within a factor of about 3 of the time, and above the peak memory.

>>> from gmmexact.model.problem import load
>>> e = estimate_solve(load("examples/types/seed_diag.toml"), 1000)
>>> e.seconds > 60
True
>>> estimate_solve(load("examples/seed/problem.toml"), 1).seconds < 5
True
"""
from __future__ import annotations

import contextlib
import math
import sys
from typing import Callable, Iterator

from ..engine.identities import AUTO_ENTRIES
from ..model.limits import Estimate
from ..model.problem import Problem

PRECISIONS = (64, 256, 1024, 4096, 16384, 65536, 262144)
"""The working precisions (bits) at which the unit costs below were measured."""

UNIT_SECONDS = {
    "arb": {"exp": (4.2e-7, 7e-7, 4.1e-6, 5e-5, 9e-4, 7e-3, 5.6e-2),
            "mul": (9e-8, 1.2e-7, 3e-7, 1.4e-6, 1.2e-5, 9e-5, 1e-3),
            "matmul": (1.5e-8, 3.4e-8, 4.4e-8, 1.3e-7, 4.6e-7, 1.9e-6, 2e-5)},
    "mpmath": {"exp": (1e-5, 1.8e-5, 9e-5, 3e-3, 3.5e-2, 5e-1, 6.0),
               "mul": (3.5e-6, 4e-6, 7e-6, 4e-5, 3.5e-4, 3e-3, 4e-2)},
}
"""Seconds of one ball (arb) or interval (mpmath) operation at each of ``PRECISIONS``: an exponential,
a product, and one multiply–add of a matrix product (arb's run in C; mpmath's are Python products).
mpmath's include the Python work around each interval operation."""

PYTHON_OP = 1.5e-6
"""Seconds of the Python work around one ball operation done element by element."""
ROUND_ENTRY = {"arb": 1.4e-5, "mpmath": 3e-5}
"""Seconds to look up, enclose and round one entry at low precision."""
ROUND_DIGIT2 = 3.3e-11
"""Seconds per digit² of rounding to many digits (an integer division of that size)."""
REPORT_KEY = 2.2e-3
"""Seconds of the exact forms (SymPy) and rendering of one quantity of the ``solve`` report, in two
dimensions (times ``1 + d/10`` in d)."""
REPORT_POINTS = 12
"""Points whose rows a text report shows by default (``solve --max-points``)."""
STARTUP = 1.5
"""Seconds of starting a command that renders a report (importing SymPy, rich and the renderers)."""
ENTRY_BYTES = 500
"""Bytes kept per certified entry (its key, its rounded value, the dictionary slot)."""
REPORT_KEY_BYTES = 6_000
"""Bytes kept per quantity of the report (SymPy forms, cached; the rendered rows)."""
BASE_BYTES = 100 << 20
"""The interpreter with gmmexact, python-flint, mpmath and SymPy loaded."""
PROGRESS_SECONDS = 5.0
"""Requests estimated longer than this show a progress bar (on a terminal)."""


def start_precision(digits: int, iterations: int) -> int:
    """A working precision (bits) that usually suffices for ``digits`` digits in one pass.

    >>> start_precision(6, 1)
    59
    """
    return int(digits * 3.33) + 24 + 16 * iterations


def unit(backend: str, op: str, prec: int) -> float:
    """Seconds of one operation ``op`` at ``prec`` bits (log–log interpolation of ``UNIT_SECONDS``).

    >>> math.isclose(unit("arb", "exp", 4096), UNIT_SECONDS["arb"]["exp"][3])
    True
    >>> unit("arb", "exp", 1 << 20) > 4 * unit("arb", "exp", 1 << 18)
    True
    """
    table = UNIT_SECONDS["mpmath" if backend == "mpmath" else "arb"]
    values = table.get(op) or table["mul"]
    x = math.log2(max(prec, PRECISIONS[0]))
    xs = [math.log2(p) for p in PRECISIONS]
    i = min(max(1, next((k for k, v in enumerate(xs) if v >= x), len(xs) - 1)), len(xs) - 1)
    slope = (math.log(values[i]) - math.log(values[i - 1])) / (xs[i] - xs[i - 1])
    if x > xs[-1]:
        slope = max(slope, 1.5)  # no ball arithmetic gets cheaper per bit
    return math.exp(math.log(values[i - 1]) + slope * (x - xs[i - 1]))


def _width(d: int) -> int:
    return d * (d + 1) // 2 + d + 1


def _ball_bytes(prec: int) -> int:
    return 80 + prec // 8


def exact_cost(problem: Problem, iterations: int) -> tuple[float, int]:
    """Seconds and bytes of the exact layer (:func:`gmmexact.engine.exact.derive_exact`)."""
    n, d, K = problem.n, problem.d, problem.K
    w = _width(d)
    bits = max(1, _input_bits(problem))
    seconds = (n * w * 2.5e-7  # the monomial matrix
               + K * (2 * d ** 3 * 1.5e-7 * max(1, bits / 8) + d * d * 4e-5 + w * 3e-6 + 3e-4)  # |Σ|, Σ⁻¹, columns
               + n * w * K * 5e-9 * (1 + bits / 32)  # the integer product
               + n * K * 1.5e-6  # the rational forms, the response groups
               + max(0, iterations - 1) * (4e-5 + K * d * d * 2e-6))
    memory = n * w * (48 + 8) + n * K * (100 + 4 * bits) + K * d * d * 200
    return seconds, memory


def _input_bits(problem: Problem) -> int:
    """Bits of a typical input entry (numerator plus denominator), from a bounded sample of the points
    and covariances (so that estimating stays cheap whatever the size)."""
    values = [v for p in problem.points[:16] for v in p[:16]]
    values += [v for c in problem.components[:4] for row in c.covariance[:16] for v in row[:16]]
    return max((v.numerator.bit_length() + v.denominator.bit_length() for v in values), default=1)


def evaluation_cost(problem: Problem, iterations: int, prec: int, backend: str = "arb") -> tuple[float, int]:
    """Seconds and bytes of one evaluation pass at ``prec`` bits (:func:`gmmexact.numerics.evaluate.evaluate`)."""
    n, d, K = problem.n, problem.d, problem.K
    w = _width(d)
    exp, mul = unit(backend, "exp", prec), unit(backend, "mul", prec)
    matmul = unit(backend, "matmul", prec) if backend != "mpmath" else 2 * mul
    per_iteration = (n * K * (exp + 3 * mul + 2 * PYTHON_OP) + (K + 1) * exp  # exp, log, divisions, products
                     + 2 * n * w * K * matmul  # the quadratic forms and the M-step sums
                     + K * d ** 3 * (4 * mul + (PYTHON_OP if backend == "mpmath" else 0))  # |Σ|, Σ⁻¹
                     + K * d * d * 6 * (mul + PYTHON_OP) + n * (mul + PYTHON_OP))
    seconds = iterations * per_iteration + n * w * (1e-7 if backend != "mpmath" else 4e-6)
    memory = iterations * n * K * 5 * _ball_bytes(prec) + n * w * _ball_bytes(64 if backend != "mpmath" else prec)
    return seconds, memory


def rounding_cost(entries: int, digits: int, prec: int, backend: str = "arb") -> tuple[float, int]:
    """Seconds and bytes of rounding ``entries`` scalar entries to ``digits`` digits from ``prec``-bit balls."""
    per_entry = ROUND_ENTRY["mpmath" if backend == "mpmath" else "arb"] + ROUND_DIGIT2 * digits * digits + 2 * unit(backend, "mul", prec)
    return entries * per_entry, entries * (ENTRY_BYTES + digits)


def lookup_cost(problem: Problem, points: int | None = None) -> float:
    """Seconds of asking the iteration-1 decision (:func:`gmmexact.engine.identities.known_rational`)
    about every M-step entry of iteration 1 for ``points`` points: two modular images of O(d) each."""
    n, d, K = problem.n, problem.d, problem.K
    if n * K > AUTO_ENTRIES:
        return 0.0
    shown = n if points is None else min(points, n)
    auto = shown * K * (d + d * d) + K * (2 + d + d * d)
    return auto * 2 * (1e-5 + 5e-6 * d) + n * K * 2e-5


def iteration_entries(problem: Problem, points: int | None = None) -> tuple[int, int]:
    """Scalar entries and whole quantities of one iteration, for ``points`` points (default: all).

    >>> from gmmexact.model.problem import load
    >>> iteration_entries(load("examples/seed/problem.toml"))
    (167, 105)
    """
    n = problem.n if points is None else min(points, problem.n)
    d, K = problem.d, problem.K
    entries = n * K * (5 + d + d * d) + n + K * (4 + d + 2 * d * d) + 1
    whole = n * K * 7 + n + K * 7 + 1
    return entries, whole


def _describe(problem: Problem, iterations: int, digits: int, backend: str) -> str:
    return (f"{iterations} iteration{'s' if iterations != 1 else ''} of {problem.n} points × {problem.K} "
            f"components × {problem.d} variables to {digits} digits ({backend})")


def estimate_solve(problem: Problem, iterations: int, digits: int = 6, backend: str = "arb", *,
                   points: int | None = None, forms: bool = True) -> Estimate:
    """The estimated seconds and peak bytes of solving ``iterations`` iterations and certifying them.

    Parameters
    ----------
    problem : Problem
    iterations : int
        Iterations to derive.
    digits : int, optional
        Significant digits of every certified value.
    backend : str, optional
        ``"arb"`` or ``"mpmath"``.
    points : int, optional
        Points whose quantities are certified (default: every point); 0 for the per-component values alone.
    forms : bool, optional
        Include the exact forms and rendering of a report's quantities (the ``solve`` command's): those
        of ``points`` points, by default of the ``REPORT_POINTS`` a text report shows; ``False`` for the
        digits alone.

    Returns
    -------
    Estimate
        Seconds and peak bytes, and the request in words (for the message that refuses it).
    """
    prec = start_precision(digits, iterations)
    seconds, memory = exact_cost(problem, iterations)
    ev_seconds, ev_memory = evaluation_cost(problem, iterations, prec, backend)
    entries, _ = iteration_entries(problem, points)
    _, whole = iteration_entries(problem, REPORT_POINTS if points is None else points)
    r_seconds, r_memory = rounding_cost(entries * iterations, digits, prec, backend)
    seconds += ev_seconds + r_seconds + (lookup_cost(problem, points) if iterations else 0.0)
    memory += 2 * ev_memory + r_memory  # two evaluations are kept (the certifier's cache)
    if forms:
        seconds += STARTUP + whole * iterations * REPORT_KEY * (1 + problem.d / 10)
        memory += whole * iterations * (REPORT_KEY_BYTES + 8 * digits)
    return Estimate(seconds, BASE_BYTES + memory, _describe(problem, iterations, digits, backend))


def estimate_evaluation(problem: Problem, iterations: int, prec: int, backend: str = "arb",
                        entries: int = 0, digits: int = 6) -> Estimate:
    """One evaluation pass at ``prec`` bits and the rounding of ``entries`` entries to ``digits`` digits."""
    seconds, memory = evaluation_cost(problem, iterations, prec, backend)
    r_seconds, r_memory = rounding_cost(entries, digits, prec, backend)
    return Estimate(seconds + r_seconds, BASE_BYTES + 2 * memory + r_memory,
                    f"{entries} value{'s' if entries != 1 else ''} of {_describe(problem, iterations, digits, backend)}"
                    f", at {prec} bits")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No progress bars while the block runs (the command line's ``--quiet``)."""
    global _QUIET
    saved, _QUIET = _QUIET, True
    try:
        yield
    finally:
        _QUIET = saved


_QUIET = False


@contextlib.contextmanager
def progress(estimate: Estimate, total: int, what: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on standard error for a request estimated past ``PROGRESS_SECONDS``, only when
    standard error is a terminal (never on a pipe or in a file) and not inside :func:`quiet`. Yields
    ``advance(k)``."""
    if _QUIET or estimate.seconds < PROGRESS_SECONDS or total <= 0 or not _terminal():
        yield lambda k=1: None
        return
    from rich.console import Console  # noqa: PLC0415 (only for long requests on a terminal)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn  # noqa: PLC0415

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"{what} (about {estimate.seconds:.0f} s)", total=total)
        yield lambda k=1: bar.advance(task, k)


def _terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False

