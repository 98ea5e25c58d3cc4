"""What an exercise asks for, and drawing one candidate variant of it.

An :class:`ExerciseSpec` holds the knobs: dimension, components, points, the range and "nice" form
of the numbers, the starting covariances, the iterations asked for, the digits students must show,
and what the certificates demand (the margin from a rounding boundary, saturated responsibilities
allowed or not, singular covariances avoided or wanted). :func:`draw` makes one candidate problem
from a random generator; :mod:`gmmexact.exercises.certify` decides whether it is fit to hand out.

>>> import random
>>> p = draw(ExerciseSpec(d=2, k=2, n=6), random.Random(7))
>>> p.n, p.d, p.K, p.labels[:3], p.component_names
(6, 2, 2, ('A', 'B', 'C'), ('1', '2'))
"""
from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from fractions import Fraction

from ..model.errors import InputError
from ..model.problem import Problem

FORMS = ("integer", "one-decimal")
SINGULAR = ("avoid", "require", "any")
ANSWER_KINDS = ("density", "resp", "count", "weight", "mean", "cov")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,29}")
_NAME_TEXT = "names of letters, digits, - and _ (at most 30, starting with a letter)"
NICE_VARIANCES = (1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 80, 100, 200, 250, 400, 500, 1000)


@dataclass(frozen=True)
class ExerciseSpec:
    """The knobs of an exercise (see the module docstring).

    Attributes
    ----------
    d, k, n : int
        Dimension, components, points.
    low, high : int
        The range of the data's coordinates.
    form : str
        ``integer`` or ``one-decimal``: how data and starting means are written.
    spread : float
        Half-width of each cluster, as a fraction of the range (0.02 to 0.5).
    iterations : int
        EM iterations the exercise asks for.
    digits : int
        Significant digits students show.
    margin : float
        Least distance of every answer from a rounding boundary, in units of its last digit (0 to 0.5).
    saturated : bool
        Allow responsibilities that round to 0 or 1 at the digits shown.
    singular : str
        ``avoid`` (every updated covariance invertible), ``require`` (at least one singular, as in the
        seed), ``any``.
    kinds : tuple of str
        The quantities the exercise asks for (the key's answers).
    variables, components : tuple of str
        Names of the variables and the components.
    """

    d: int = 2
    k: int = 2
    n: int = 6
    low: int = 0
    high: int = 100
    form: str = "integer"
    spread: float = 0.15
    iterations: int = 1
    digits: int = 3
    margin: float = 0.02
    saturated: bool = False
    singular: str = "avoid"
    kinds: tuple[str, ...] = ANSWER_KINDS
    variables: tuple[str, ...] | None = None
    components: tuple[str, ...] | None = None

    def __post_init__(self):
        checks = [
            ("d", 1 <= self.d <= 4, "from 1 to 4"), ("k", 1 <= self.k <= 6, "from 1 to 6"),
            ("n", self.k <= self.n <= 52, f"from k = {self.k} to 52"),
            ("low/high", self.low < self.high and abs(self.low) <= 10**6 and abs(self.high) <= 10**6,
             "low < high, both within ±10⁶"),
            ("form", self.form in FORMS, " or ".join(FORMS)),
            ("spread", 0.02 <= self.spread <= 0.5, "from 0.02 to 0.5"),
            ("iterations", 1 <= self.iterations <= 3, "from 1 to 3"),
            ("digits", 1 <= self.digits <= 12, "from 1 to 12"),
            ("margin", 0 <= self.margin < 0.5, "from 0 to 0.5 (units of the last digit)"),
            ("singular", self.singular in SINGULAR, ", ".join(SINGULAR)),
            ("kinds", bool(self.kinds) and all(k in ANSWER_KINDS + ("quad", "exp", "loglik") for k in self.kinds),
             "some of " + ", ".join(ANSWER_KINDS + ("quad", "exp", "loglik"))),
            ("variables", self.variables is None or len(self.variables) == self.d, f"{self.d} names"),
            ("components", self.components is None or len(self.components) == self.k, f"{self.k} names"),
            ("variables", all(_NAME.fullmatch(x) for x in self.variables or ()), _NAME_TEXT),
            ("components", all(_NAME.fullmatch(x) for x in self.components or ()), _NAME_TEXT),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise InputError(None, name, f"is {getattr(self, name.split('/')[0], None)!r}", expected)

    @property
    def unit(self) -> Fraction:
        """The step of the numbers written: 1 or 1/10."""
        return Fraction(1) if self.form == "integer" else Fraction(1, 10)


def _nice(x: float, unit: Fraction) -> Fraction:
    return Fraction(round(Fraction(x) / unit)) * unit


def _labels(n: int) -> tuple[str, ...]:
    letters = string.ascii_uppercase
    return tuple(letters[i] if n <= 26 else f"{letters[i // 26 - 1] if i >= 26 else ''}{letters[i % 26]}"
                 for i in range(n))


def draw(spec: ExerciseSpec, rng: random.Random) -> Problem:
    """One candidate problem: clusters around k centres, starting means near them, nice variances."""
    span = spec.high - spec.low
    half = spec.spread * span
    centres: list[list[float]] = []
    for _ in range(200):
        if len(centres) == spec.k:
            break
        c = [rng.uniform(spec.low + half, spec.high - half) for _ in range(spec.d)]
        if all(sum((a - b) ** 2 for a, b in zip(c, o)) ** 0.5 > 2 * half for o in centres):
            centres.append(c)
    while len(centres) < spec.k:
        centres.append([rng.uniform(spec.low, spec.high) for _ in range(spec.d)])
    points: list[tuple[Fraction, ...]] = []
    for i in range(spec.n):
        c = centres[i % spec.k]
        for _ in range(100):
            p = tuple(min(max(_nice(x + rng.uniform(-half, half), spec.unit), spec.low), spec.high) for x in c)
            if p not in points:
                break
        points.append(p)
    if spec.singular == "require" and spec.d >= 2:  # every point on one line: the updated covariances are singular
        offset = _nice(rng.uniform(-half, half), spec.unit)
        points = [p[:-1] + (p[0] + offset,) for p in points]
    order = list(range(spec.n))
    rng.shuffle(order)
    points = [points[i] for i in order]
    means = [tuple(_nice(x + rng.uniform(-half / 2, half / 2), spec.unit) for x in c) for c in centres]
    if spec.saturated or spec.k == 1:  # about the clusters' own spread
        sq = [min(sum((float(a) - float(b)) ** 2 for a, b in zip(p, m)) for m in means) / spec.d for p in points]
        lo = hi = max(sum(sq) / len(sq), 1.0)
        lo, hi = lo / 3, hi * 3
    else:  # wide enough that every point's quadratic forms differ by at most about 12: no saturation
        gap = min(sum((a - b) ** 2 for a, b in zip(c, o)) for i, c in enumerate(centres) for o in centres[:i])
        lo, hi = gap / 12, gap / 3
    candidates = [v for v in NICE_VARIANCES if lo <= v <= hi] or \
        [min(NICE_VARIANCES, key=lambda v: abs(v - (lo + hi) / 2))]
    variance = Fraction(rng.choice(candidates))
    identity = [[variance if i == j else Fraction(0) for j in range(spec.d)] for i in range(spec.d)]
    weight = Fraction(1, spec.k)
    return Problem.from_arrays(
        [list(p) for p in points], means=[list(m) for m in means], covariances=[identity] * spec.k,
        weights=[weight] * spec.k, labels=list(_labels(spec.n)),
        names=list(spec.components or (str(c + 1) for c in range(spec.k))),
        variables=list(spec.variables or (("x",) if spec.d == 1 else (f"x{i + 1}" for i in range(spec.d)))))
