"""Pictures of an EM run (matplotlib, the ``plot`` extra): the data with labels, each component's
mean and 1σ/2σ ellipses before and after, points coloured by their responsibilities.

:func:`plot_data` collects what is drawn: positions through the certified rounding path (12
significant digits, then floats: a picture needs no more), responsibilities rounded to 3 digits,
weights as certified 3-digit strings, and from the exact layer the rank of every covariance and the
linear relations the data satisfy; those relations and the weights are the only numbers written on
the picture. :func:`figure` draws with the Agg canvas (no display, no pyplot state) and
:func:`save` writes PNG, SVG or PDF by the file's extension, whole or not at all (a temporary file renamed
over the target: an interrupted save leaves the old picture as it was). The size is checked before
drawing (:func:`check_size`): matplotlib draws less than 2¹⁶ pixels a side, a picture past 100
megapixels needs ``force``, and the estimated cost must be within the limits
(:mod:`gmmexact.model.limits`). Names and labels longer than 60 characters are drawn shortened, with
an ellipsis.

A singular covariance is drawn as the segment of its line that the data cover, with the relation
(``height − weight = 105``) written along it; components on one line get parallel lanes. Which
covariances are singular, and which directions they keep in each panel, is decided exactly (the
ranks of the exact layer, :func:`support`), never from the rounded entries. d = 1:
weighted densities π_c·N(x | μ_c, σ_c²) and their sum as curves over a rug of points. d > 2: a corner
of pairwise panels with 1-D marginals on the diagonal; each panel's ranks and relations are those of
the data projected onto its variables, exact, from the Gram matrix of the centred data.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Sequence

import numpy as np

try:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LinearSegmentedColormap, to_rgb
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.markers import MarkerStyle
    from matplotlib.patches import Ellipse
    from matplotlib.transforms import Affine2D, offset_copy
except ModuleNotFoundError as e:  # pragma: no cover - exercised through the CLI test with matplotlib hidden
    raise ModuleNotFoundError("gmmexact.rendering.plot needs matplotlib: pip install 'gmmexact[plot]'", name="matplotlib") from e

from ..model import linalg
from ..model.atomic import write_atomic
from ..numerics.certify import Undecided
from ..model.errors import InputError
from ..model.limits import Estimate, require_affordable
from ..model.keys import Key
from ..engine.monomials import gram
from ..numerics.rounding import Rounded, round_fraction
from ..numerics.run import Run

FORMATS = ("png", "svg", "pdf")
TEXT_RC = {"text.parse_math": False}  # names are text: "$cash$" is not mathtext, "\\" not a command
CROWD = 100  # above this many points, markers shrink and go under the components
LABEL_LIMIT = 30  # points labelled by default when there are at most this many
PANEL_LABEL_LIMIT = 12  # the same in the panels of a corner plot (d > 2)
LANE = 5.0  # points between the parallel lanes of components collapsed onto one line
LABEL_ROOM = 0.24  # d = 1: the axes reach this far below 0 (fraction of the highest curve) for rug and labels
POSITION_DIGITS = 12
RESP_DIGITS = 3
WEIGHT_DIGITS = 3
MAX_SIDE = 2**16 - 1  # matplotlib's Agg canvas draws less than 2^16 pixels a side
PIXEL_LIMIT = 100_000_000  # pictures past this many pixels are drawn only with force
SHOWN_CHARS = 60  # names, labels and variables drawn longer than this are shortened


@dataclass(frozen=True)
class Hull:
    """The affine hull of the data projected onto some variables (exact).

    ``relations`` hold ``(a, b)`` with ``a·x = b`` for every point (``a`` integers over the
    projected variables); ``text`` the same written with the variables' names.
    """

    axes: tuple[int, ...]
    dimension: int
    relations: tuple[tuple[tuple[int, ...], Fraction], ...]
    text: tuple[str, ...]


@dataclass(frozen=True)
class State:
    """The mixture's parameters at the start (``t = 0``) or after iteration ``t``, as floats to draw."""

    t: int
    weights: tuple[float, ...]
    weight_text: tuple[str, ...]  # certified, WEIGHT_DIGITS significant digits
    means: tuple[tuple[float, ...], ...]
    covs: tuple[tuple[tuple[float, ...], ...], ...]
    singular: tuple[bool, ...]  # exact, per component


@dataclass(frozen=True)
class PlotData:
    """Everything a picture of a run shows, collected from the certified and exact layers."""

    source: str
    variables: tuple[str, ...]
    labels: tuple[str, ...]
    names: tuple[str, ...]
    points: tuple[tuple[float, ...], ...]
    states: tuple[State, ...]  # start, then after each computed iteration
    resp: tuple[tuple[float, ...], ...]  # n × K, of the last computed iteration's E-step
    hulls: dict  # axes tuple -> Hull, for every panel
    ranks: tuple[int, ...]  # exact rank of each component's updated covariance
    collapsed: dict  # (component, axes) -> Collapse, for the singular components in every panel
    requested: int
    stop: str | None  # why fewer iterations were computed than requested

    @property
    def d(self) -> int:
        return len(self.variables)

    @property
    def last(self) -> int:
        return self.states[-1].t


@dataclass(frozen=True)
class Collapse:
    """A singular covariance seen in one panel: the rank of its projection and, for rank 1, the
    direction of its line (coprime integers over the panel's variables)."""

    rank: int
    direction: tuple[int, ...] | None


def _float(value) -> float:
    """A certified rounding (or an undecided enclosure's midpoint) as a float, for drawing."""
    if isinstance(value, Rounded):
        return float(value.fraction())
    if isinstance(value, Undecided) and value.lo is not None:
        return float((value.lo + value.hi) / 2)
    return math.nan


def _text(value) -> str:
    return str(value) if isinstance(value, Rounded) else "?"


def hull(run: Run, axes: Sequence[int], gram_matrix: list[list[int]] | None = None) -> Hull:
    """The exact affine hull of the data projected onto ``axes``.

    The Gram matrix of the centred data restricted to ``axes`` is the Gram matrix of the projected
    data, so its rank and null space give the projection's dimension and relations. ``gram_matrix``:
    that of all variables, when already at hand.

    >>> import gmmexact
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> hull(run, (0, 1)).text, hull(run, (1,)).dimension
    (('height − weight = 105',), 1)
    """
    axes = tuple(axes)
    mono = run.plan.monomials
    full = gram(mono) if gram_matrix is None else gram_matrix
    sub = [[full[a][b] for b in axes] for a in axes]
    dim, relations = linalg.gram_relations(sub, [mono.center[a] for a in axes])
    names = [run.problem.variables[a] for a in axes]
    return Hull(axes, dim, tuple(relations), tuple(linalg.format_relation(a, b, names) for a, b in relations))


def support(run: Run, c: int) -> list[tuple[Fraction, ...]]:
    """Exact vectors spanning the column space of component ``c``'s updated covariance.

    A singular updated covariance spans the directions orthogonal to the relations ``a·x = b`` the
    exact layer gives for its rank (``Degeneracy.component_relations``; for the textbook M-step those
    of the data's affine hull): a basis of their null space. Full rank: every direction.

    >>> import gmmexact
    >>> support(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")), 0)
    [(Fraction(1, 1), Fraction(1, 1))]
    """
    deg, d = run.plan.degeneracy, run.problem.d
    if _ranks(run)[c] == d:
        return [tuple(Fraction(int(i == j)) for j in range(d)) for i in range(d)]
    per_component = getattr(deg, "component_relations", ())
    relations = per_component[c] if per_component else deg.relations
    return [tuple(v) for v in linalg.nullspace([[Fraction(x) for x in a] for a, _ in relations], d)]


def _ranks(run: Run) -> tuple[int, ...]:
    deg, d, K = run.plan.degeneracy, run.problem.d, run.problem.K
    if deg is None:
        return (d,) * K
    return tuple(deg.ranks) if deg.ranks else (deg.dimension,) * K


def _collapse(vectors, axes) -> Collapse:
    """The exact rank of ``vectors`` projected onto ``axes``, and the line's direction for rank 1."""
    projected = [[v[a] for a in axes] for v in vectors if any(v[a] for a in axes)]
    rank = linalg.to_fmpq_mat(projected).rank() if projected else 0
    direction = linalg.primitive_integer_vector(projected[0]) if rank == 1 else None
    return Collapse(rank, direction)


def _panels(d: int) -> list[tuple[int, ...]]:
    if d == 1:
        return [(0,)]
    if d == 2:
        return [(0,), (1,), (0, 1)]
    return [(i,) for i in range(d)] + [(j, i) for i in range(d) for j in range(i)] + [tuple(range(d))]


def plot_data(run: Run) -> PlotData:
    """Collect what a picture of ``run`` shows (see the module header for where each part comes from).

    >>> import gmmexact
    >>> data = plot_data(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")))
    >>> [s.t for s in data.states], data.states[1].singular, data.states[1].weight_text
    ([0, 1], (True, True), ('0.500', '0.500'))
    >>> data.collapsed[0, (0, 1)]
    Collapse(rank=1, direction=(1, 1))
    >>> data.hulls[(0, 1)].text, [round(r, 2) for r in data.resp[0]]
    (('height − weight = 105',), [1.0, 0.0])
    """
    problem, d = run.problem, run.problem.d
    start = State(
        0, tuple(float(c.weight) for c in problem.components),
        tuple(str(round_fraction(c.weight, WEIGHT_DIGITS)) for c in problem.components),
        tuple(tuple(float(v) for v in c.mean) for c in problem.components),
        tuple(tuple(tuple(float(v) for v in row) for row in c.covariance) for c in problem.components),
        (False,) * problem.K)
    states = [start]
    ranks = _ranks(run)
    singular = tuple(r < d for r in ranks)
    for t in range(1, run.iterations + 1):
        keys = {(kind, c): Key(t, kind, None, c) for kind in ("weight", "mean", "cov") for c in problem.component_names}
        got = run.round(list(keys.values()), POSITION_DIGITS)
        weights = run.round([keys["weight", c] for c in problem.component_names], WEIGHT_DIGITS)
        value = lambda kind, c, *entry: _float(got[Key(t, kind, None, c, entry)])  # noqa: E731
        states.append(State(
            t, tuple(value("weight", c) for c in problem.component_names),
            tuple(_text(weights[keys["weight", c]]) for c in problem.component_names),
            tuple(tuple(value("mean", c, i) for i in range(d)) for c in problem.component_names),
            tuple(tuple(tuple(value("cov", c, i, j) for j in range(d)) for i in range(d))
                  for c in problem.component_names),
            singular))
    resp_keys = run.keys(iteration=run.iterations, kinds=("resp",))
    rounded = run.round(resp_keys, RESP_DIGITS)
    index = {(k.point, k.component): _float(v) for k, v in rounded.items()}
    resp = tuple(tuple(index[p, c] for c in problem.component_names) for p in problem.labels)
    stop = run.stopped
    full = gram(run.plan.monomials)
    panels = _panels(d)
    collapsed = {}
    for c in range(problem.K):
        if singular[c]:
            vectors = support(run, c)
            collapsed.update({(c, axes): _collapse(vectors, axes) for axes in panels})
    return PlotData(
        source=problem.source, variables=problem.variables, labels=problem.labels, names=problem.component_names,
        points=tuple(tuple(float(v) for v in x) for x in problem.points), states=tuple(states), resp=resp,
        hulls={axes: hull(run, axes, full) for axes in panels}, ranks=ranks, collapsed=collapsed,
        requested=run.plan.requested,
        stop=None if stop is None else stop.message)


# --- drawing -------------------------------------------------------------------------------------

def component_colors(K: int) -> list[tuple[float, float, float]]:
    """One colour per component: tab10 up to ten components, then evenly spaced hues."""
    if K <= 10:
        return [to_rgb(c) for c in matplotlib.colormaps["tab10"].colors[:K]]
    return [to_rgb(matplotlib.colormaps["hsv"](k / K)) for k in range(K)]


def point_colors(resp, colors) -> np.ndarray:
    """Each point's colour: the component colours mixed in proportion to its responsibilities."""
    r = np.nan_to_num(np.asarray(resp, dtype=float))
    totals = r.sum(axis=1, keepdims=True)
    r = np.divide(r, totals, out=np.full_like(r, 1 / r.shape[1]), where=totals > 0)
    return np.clip(r @ np.asarray(colors), 0, 1)


def shown(text: str, limit: int = SHOWN_CHARS, tail: bool = False) -> str:
    """``text`` as drawn: at most ``limit`` characters, an ellipsis for the rest (its start kept, or
    with ``tail`` its end: a file's name).

    >>> shown("x" * 70)[-3:], len(shown("x" * 70)), shown("/a/b/problem.toml", 13, tail=True)
    ('xx…', 60, '…problem.toml')
    """
    if len(text) <= limit:
        return text
    return "…" + text[-(limit - 1):] if tail else text[:limit - 1] + "…"


def figure_inches(d: int) -> tuple[float, float]:
    """Width and height of the picture of ``d`` variables, in inches."""
    return {1: (10.0, 5.5), 2: (10.5, 7.0)}.get(d, (2.3 * d + 4.2, 2.3 * d + 0.9))


def picture_estimate(d: int, n: int, dpi: float) -> Estimate:
    """The time and memory of drawing ``n`` points of ``d`` variables at ``dpi`` (Agg keeps 4 bytes a
    pixel; a panel takes about 0.04 s, a million pixels 0.04 s)."""
    width, height = figure_inches(d)
    pixels = width * dpi * height * dpi
    panels = len(_panels(d))
    return Estimate(seconds=0.5 + 0.04 * panels + 0.04 * pixels / 1e6 + 2e-5 * n * panels,
                    memory_bytes=int(150e6 + 5 * pixels + 200 * n * panels),
                    what=f"a picture of {n} points, {d} variables at {dpi:g} dpi")


def check_size(d: int, dpi: float, n: int = 0, *, force: bool = False, option: str = "dpi") -> None:
    """Refuse, before any drawing, a picture matplotlib cannot draw (2¹⁶ pixels a side or more), one
    past :data:`PIXEL_LIMIT` pixels unless ``force``, or one estimated past the cost limits unless
    ``force`` (:func:`~gmmexact.model.limits.require_affordable`).

    >>> check_size(2, 100000, option="--dpi")
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: --dpi: 100000 makes a picture of 1050000 × 700000 pixels, more than matplotlib draws (65535 a side); expected --dpi at most 6241
    """
    if not (dpi > 0 and math.isfinite(dpi)):
        raise InputError(None, option, f"is {dpi}", "a positive number of dots per inch")
    width, height = figure_inches(d)
    across, down = round(width * dpi), round(height * dpi)
    if max(across, down) > MAX_SIDE:
        raise InputError(None, option, f"{dpi:g} makes a picture of {across} × {down} pixels, more than matplotlib "
                         f"draws ({MAX_SIDE} a side)", f"{option} at most {math.floor(MAX_SIDE / max(width, height))}")
    if across * down > PIXEL_LIMIT and not force:
        most = math.floor(math.sqrt(PIXEL_LIMIT / (width * height)))
        raise InputError(None, option, f"{dpi:g} makes a picture of {across} × {down} pixels "
                         f"({across * down / 1e6:.0f} megapixels, more than {PIXEL_LIMIT / 1e6:.0f})",
                         f"{option} at most {most}, or --force to draw it anyway")
    require_affordable(picture_estimate(d, n, dpi), force)


class _Painter:
    """Draws one :class:`PlotData` onto a figure; each panel method draws one set of variables."""

    def __init__(self, data: PlotData, points: Sequence[str] | None, dpi: float):
        self.data = data
        self.colors = component_colors(len(data.names))
        self.pcolors = point_colors(data.resp, self.colors)
        d = data.d
        default = len(data.labels) <= (LABEL_LIMIT if d <= 2 else PANEL_LABEL_LIMIT)
        wanted = set(data.labels if points is None and default else points or ())
        self.labelled = [p for p, label in enumerate(data.labels) if label in wanted]
        self.data = data = replace(data, labels=tuple(map(shown, data.labels)), names=tuple(map(shown, data.names)),
                                   variables=tuple(map(shown, data.variables)),
                                   source=data.source and shown(data.source, 2 * SHOWN_CHARS, tail=True))
        self.first, self.final = data.states[0], data.states[-1]
        self.fig = Figure(figsize=figure_inches(d), dpi=dpi)
        FigureCanvasAgg(self.fig)

    # geometry ------------------------------------------------------------------------------
    @staticmethod
    def _sub(cov, axes):
        return np.array([[cov[a][b] for b in axes] for a in axes], dtype=float)

    def _rank(self, state: State, c: int, axes) -> int:
        """The exact rank of component ``c``'s covariance of ``state`` seen in the panel ``axes``."""
        return self.data.collapsed[c, tuple(axes)].rank if state.singular[c] else len(axes)

    def _extent(self, axes) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper corners of everything drawn in a 2-D panel (points, 2σ boxes)."""
        pts = np.array([[x[a] for a in axes] for x in self.data.points])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        for state in (self.first, self.final):
            for c, (mean, cov) in enumerate(zip(state.means, state.covs)):
                if self._rank(state, c, axes) < len(axes):
                    continue
                m = np.array([mean[a] for a in axes])
                s = 2 * np.sqrt(np.clip(np.diag(self._sub(cov, axes)), 0, None))
                if np.all(np.isfinite(m)) and np.all(np.isfinite(s)):
                    lo, hi = np.minimum(lo, m - s), np.maximum(hi, m + s)
        span = np.where(hi - lo > 0, hi - lo, np.maximum(1.0, np.abs(hi)))
        return lo - 0.08 * span, hi + 0.08 * span

    # 2-D panels ----------------------------------------------------------------------------
    def pair(self, ax, axes: tuple[int, int], labels: bool, names: bool = True) -> None:
        data = self.data
        lo, hi = self._extent(axes)
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        if names:
            ax.set_xlabel(data.variables[axes[0]])
            ax.set_ylabel(data.variables[axes[1]])
        for state, style in ((self.first, "before"), (self.final, "after")):
            for c, name in enumerate(data.names):
                mean = np.array([state.means[c][a] for a in axes])
                if self._rank(state, c, axes) == 2:
                    self._ellipses(ax, mean, self._sub(state.covs[c], axes), c, name, style)
                    ax.plot(*mean, marker="o", ms=8, mec=self.colors[c], mew=2,
                            mfc="white" if style == "before" else self.colors[c], zorder=4, gid=f"{style}-mean-{name}")
        if any(self._rank(self.final, c, axes) < 2 for c in range(len(data.names))):
            self._collapsed(ax, axes)
        if len(data.states) > 2:  # the means' path, iteration by iteration
            for c, name in enumerate(data.names):
                path = np.array([[s.means[c][a] for a in axes] for s in data.states])
                ax.plot(path[:, 0], path[:, 1], ls=":", lw=1.2, color=self.colors[c], marker=".", ms=5, zorder=3,
                        gid=f"path-{name}")
        pts = np.array([[x[a] for a in axes] for x in data.points])
        many = len(pts) > CROWD  # many points: smaller markers, under the components
        ax.scatter(pts[:, 0], pts[:, 1], s=max(4.0, 42 * math.sqrt(CROWD / len(pts))) if many else 42, c=self.pcolors,
                   edgecolors="black", linewidths=0 if many else 0.6, zorder=1.8 if many else 5,
                   gid="points")
        if labels:
            for p in self.labelled:
                ax.annotate(data.labels[p], pts[p], xytext=(-5, 5), textcoords="offset points", ha="right",
                            va="bottom", fontsize=9, zorder=6)

    def _ellipses(self, ax, mean, cov, c, name, style) -> None:
        values, vectors = np.linalg.eigh(cov)
        values = np.clip(values, 0, None)
        angle = math.degrees(math.atan2(vectors[1, 1], vectors[0, 1]))
        for k, lw in ((1, 2.0), (2, 1.5)):
            ax.add_patch(Ellipse(
                tuple(mean), 2 * k * math.sqrt(values[1]), 2 * k * math.sqrt(values[0]), angle=angle, fill=False,
                edgecolor=self.colors[c], lw=lw, ls=(0, (5, 3)) if style == "before" else "-", zorder=2,
                gid=f"{style}-{k}sigma-{name}"))

    def _collapsed(self, ax, axes) -> None:
        """The final covariances singular in this panel: segments where the data lie, or points."""
        data, hull, final = self.data, self.data.hulls[tuple(axes)], self.final
        pts = np.array([[x[a] for a in axes] for x in data.points])
        relation = " and ".join(hull.text)
        lines = [c for c in range(len(data.names)) if self._rank(final, c, axes) == 1]
        for c in range(len(data.names)):
            if self._rank(final, c, axes) == 0:  # collapsed onto its mean
                mean = [final.means[c][a] for a in axes]
                ax.plot(*mean, marker="s", ms=11, mfc=self.colors[c], mec="black", zorder=4,
                        gid=f"after-point-{data.names[c]}")
        if hull.dimension == 0 and len(lines) < len(data.names):
            ax.annotate(relation, pts[0], xytext=(0, -14), textcoords="offset points", ha="center", va="top",
                        fontsize=10, gid="relation")
        if not lines:
            return
        hull_direction = None
        if hull.dimension == 1:
            (a, _), = hull.relations
            hull_direction = (-a[1], a[0])
        written = False
        for lane_index, c in enumerate(lines):
            name = data.names[c]
            u = np.array(data.collapsed[c, tuple(axes)].direction, dtype=float)
            u /= np.linalg.norm(u)
            mean = np.array([final.means[c][a] for a in axes])
            along = pts @ u
            on_data_line = hull_direction is not None and _parallel(hull_direction, data.collapsed[c, tuple(axes)].direction)
            if on_data_line:  # the data's own extreme points
                ends = pts[[int(np.argmin(along)), int(np.argmax(along))]]
            else:  # the data's extent along the line through the mean
                ends = np.array([mean + (t - mean @ u) * u for t in (along.min(), along.max())])
            screen = ax.transData.transform(ends)
            step = screen[1] - screen[0]
            if not np.hypot(*step):
                step = ax.transData.transform([mean + u]) [0] - ax.transData.transform([mean])[0]
            screen_angle = math.degrees(math.atan2(step[1], step[0]))
            normal = np.array([-step[1], step[0]]) / np.hypot(*step)  # display space, unit
            shift = (lane_index - (len(lines) - 1) / 2) * LANE
            lane = offset_copy(ax.transData, fig=self.fig, x=normal[0] * shift, y=normal[1] * shift, units="points")
            ax.plot(ends[:, 0], ends[:, 1], color=self.colors[c], lw=3, solid_capstyle="butt", transform=lane,
                    zorder=2, gid=f"after-segment-{name}")
            sigma = math.sqrt(max(0.0, float(u @ self._sub(final.covs[c], axes) @ u)))
            lo, hi = sorted(ends @ u)  # ticks only where the segment is
            marks = np.array([mean + k * sigma * u for k in (-2, -1, 1, 2)
                              if lo <= mean @ u + k * sigma <= hi]).reshape(-1, 2)
            tick = MarkerStyle("|", transform=Affine2D().rotate_deg(screen_angle))
            ax.plot(marks[:, 0], marks[:, 1], ls="none", marker=tick, ms=9, mew=1.5, color=self.colors[c],
                    transform=lane, zorder=3, gid=f"after-sigma-{name}")
            ax.plot(*mean, marker="o", ms=8, mec="black", mew=1, mfc=self.colors[c], transform=lane, zorder=4,
                    gid=f"after-mean-{name}")
            if on_data_line and not written:  # the data's relation, once, beside the lanes
                written = True
                away = -((len(lines) - 1) / 2 * LANE + 9)
                place = offset_copy(ax.transData, fig=self.fig, x=normal[0] * away, y=normal[1] * away, units="points")
                ax.text(*ends.mean(axis=0), relation, transform=place, rotation=math.degrees(math.atan2(u[1], u[0])),
                        transform_rotates_text=True, rotation_mode="anchor", ha="center", va="top", fontsize=11,
                        color="0.15", zorder=6, gid="relation")

    # 1-D panels ----------------------------------------------------------------------------
    def line(self, ax, i: int, labels: bool, names: bool = True) -> None:
        data = self.data
        x = np.array([p[i] for p in data.points])
        hull = data.hulls[(i,)]
        lo, hi = x.min(), x.max()
        for state in (self.first, self.final):
            for c, (mean, cov) in enumerate(zip(state.means, state.covs)):
                if self._rank(state, c, (i,)) == 1:
                    s = math.sqrt(max(cov[i][i], 0.0))
                    lo, hi = min(lo, mean[i] - 3 * s), max(hi, mean[i] + 3 * s)
        span = hi - lo if hi > lo else max(1.0, abs(hi))
        grid = np.linspace(lo - 0.05 * span, hi + 0.05 * span, 600)
        top = 0.0
        for state, style in ((self.first, "before"), (self.final, "after")):
            ls = (0, (5, 3)) if style == "before" else "-"
            total, spikes = np.zeros_like(grid), False
            for c, name in enumerate(data.names):
                if self._rank(state, c, (i,)) == 0:  # a variance of 0: all its mass at its mean
                    ax.axvline(state.means[c][i], color=self.colors[c], lw=3, ls=ls, gid=f"{style}-spike-{name}")
                    spikes = True
                    continue
                var = state.covs[c][i][i]
                y = state.weights[c] * np.exp(-(grid - state.means[c][i]) ** 2 / (2 * var)) / math.sqrt(2 * math.pi * var)
                total += y
                ax.plot(grid, y, color=self.colors[c], lw=2, ls=ls, zorder=2, gid=f"{style}-density-{name}")
            if not spikes:  # with a point mass the mixture has no density to draw
                ax.plot(grid, total, color="0.35" if style == "before" else "black", lw=1, ls=ls, zorder=1.5,
                        gid=f"{style}-mixture")
            top = max(top, float(total.max()))
        top = top or 1.0
        ax.set_xlim(grid[0], grid[-1])
        # room under the zero line for the rug and, below it, the labels (never on the curves)
        ax.set_ylim(-(LABEL_ROOM if labels and self.labelled else 0.12) * top, 1.08 * top)
        ax.set_yticks([v for v in ax.get_yticks() if 0 <= v <= 1.08 * top])  # a density has no negative ticks
        ax.axhline(0, color="0.6", lw=0.8, zorder=1)
        ax.scatter(x, np.full_like(x, -0.06 * top), marker="|", s=260, c=self.pcolors, linewidths=2, zorder=5,
                   gid="rug")
        if hull.dimension == 0 and any(self._rank(self.final, c, (i,)) == 0 for c in range(len(data.names))):
            ax.annotate(hull.text[0], (x[0], 0.5 * top), xytext=(6, 0), textcoords="offset points", fontsize=10,
                        gid="relation")
        if labels:  # below the rug, labels of close points stacked on up to three levels
            screen = ax.transData.transform(np.column_stack([x, np.zeros_like(x)]))[:, 0]
            last, level = {}, 0
            for p in sorted(self.labelled, key=lambda q: x[q]):
                level = next((k for k in range(3) if screen[p] - last.get(k, -np.inf) > 22), (level + 1) % 3)
                last[level] = screen[p]
                ax.annotate(data.labels[p], (x[p], -0.06 * top), xytext=(0, -11 - 10 * level), textcoords="offset points",
                            ha="center", va="top", fontsize=8, zorder=6, gid=f"label-{p}")
        if names:
            ax.set_xlabel(data.variables[i])
            ax.set_ylabel("weighted density π·N")

    # layout --------------------------------------------------------------------------------
    def draw(self) -> Figure:
        data, fig = self.data, self.fig
        d = data.d
        if d <= 2:
            ax = fig.add_axes((0.08, 0.1, 0.6, 0.8) if d == 2 else (0.08, 0.12, 0.6, 0.76))
            if d == 1:
                self.line(ax, 0, labels=True)
            else:
                self.pair(ax, (0, 1), labels=True)
            legend_at = (0.7, 0.9)
        else:
            self._corner()
            legend_at = (1 - 4.0 / fig.get_figwidth(), 0.96)
        span = ("iteration 1" if data.last == 1 else f"iterations 1–{data.last}") if data.last else "no iteration"
        title = f"EM {span} · {data.source}"
        if data.stop:
            title += f"\nstopped after iteration {data.last} of {data.requested}: the next E-step needs singular covariances"
        fig.suptitle(title, x=0.08 if d <= 2 else 0.02, ha="left", fontsize=12)
        self._legend(legend_at)
        return fig

    def _corner(self) -> None:
        d, fig = self.data.d, self.fig
        W, H = fig.get_figwidth(), fig.get_figheight()
        size, gap, left, bottom = 2.1, 0.12, 0.75, 0.65
        labels = bool(self.labelled)
        axes = {}
        for r in range(d):
            for c in range(r + 1):
                x0 = left + c * (size + gap)
                y0 = bottom + (d - 1 - r) * (size + gap)
                ax = fig.add_axes((x0 / W, y0 / H, size / W, size / H))
                axes[r, c] = ax
                if r == c:
                    self.line(ax, r, labels=False, names=False)
                    ax.set_yticks([])
                else:
                    self.pair(ax, (c, r), labels=labels, names=False)
                if r == d - 1:
                    ax.set_xlabel(self.data.variables[c])
                else:
                    ax.tick_params(labelbottom=False)
                if c == 0 and r > 0:
                    ax.set_ylabel(self.data.variables[r])
                elif c > 0:
                    ax.tick_params(labelleft=False)
                ax.tick_params(labelsize=8)

    def _legend(self, at) -> None:
        data, first, final = self.data, self.first, self.final
        handles = [Line2D([], [], color=self.colors[c], lw=2.5,
                          label=f"{name}: π {first.weight_text[c]} → {final.weight_text[c]}")
                   for c, name in enumerate(data.names)]
        after = f"after iteration {data.last}" if data.last else "start"
        if data.d == 1:
            handles += [Line2D([], [], color="0.35", ls=(0, (5, 3)), label="start: π_c·N(x | μ_c, σ_c²)"),
                        Line2D([], [], color="black", label=f"{after}; thin: their sum")]
        else:
            handles += [Line2D([], [], color="0.35", ls=(0, (5, 3)), marker="o", mfc="white", mec="0.35",
                               label="start: mean, 1σ and 2σ ellipses"),
                        Line2D([], [], color="0.35", marker="o", mfc="0.35", mec="black",
                               label=f"{after}: mean, 1σ and 2σ")]
        if data.d > 2:  # the diagonal panels' curves
            handles += [Line2D([], [], color="0.5", lw=2, label="diagonal: each component's π_c·N(x_i),\n"
                                                                 "coloured as above, dashed at the start"),
                        Line2D([], [], color="black", lw=1, label=f"diagonal: their sum, {after}"),
                        Line2D([], [], color="0.35", lw=1, ls=(0, (5, 3)), label="diagonal: their sum at the start")]
        if any(final.singular):
            hull = data.hulls[tuple(range(data.d))]
            ranks = {data.ranks[c] for c in range(len(data.names)) if final.singular[c]}
            if len(ranks) == 1:
                label = f"{after}: singular (rank {ranks.pop()} of {data.d}):\n"
            else:
                label = f"{after}: singular (" + ", ".join(
                    f"{name} rank {r}" for name, r, flag in zip(data.names, data.ranks, final.singular) if flag) + \
                    f" of {data.d}):\n"
            if data.d > 2 and hull.text:
                label += "the data satisfy " + " and ".join(hull.text) + ";\nsegments: where the data lie, "
            else:
                label += "where the data lie; "
            if data.d == 1:
                handles.append(Line2D([], [], color="0.35", lw=3, label=f"{after}: variance 0,\nall the mass at the mean"))
            else:
                handles.append(Line2D([], [], color="0.35", lw=3, marker=MarkerStyle("|"), ms=9,
                                      label=label + "ticks at ±1σ, ±2σ"))
        if len(data.states) > 2 and data.d > 1:
            handles.append(Line2D([], [], color="0.35", ls=":", marker=".", label="means, iteration by iteration"))
        handles.append(Line2D([], [], ls="none", marker="|" if data.d == 1 else "o", color="0.5", mec="black",
                              label=f"points, coloured by responsibility\n(E-step of iteration {data.last})"))
        legend = self.fig.legend(handles=handles, loc="upper left", bbox_to_anchor=at, frameon=False, fontsize=9)
        legend.set_gid("legend")
        if len(data.names) == 2:  # the colour scale of the points, below the legend
            box = legend.get_window_extent(self.fig.canvas.get_renderer()).transformed(self.fig.transFigure.inverted())
            W, H = self.fig.get_figwidth(), self.fig.get_figheight()
            cax = self.fig.add_axes((at[0] + 0.2 / W, box.y0 - 0.5 / H, 2.4 / W, 0.14 / H))
            cmap = LinearSegmentedColormap.from_list("resp", self.colors)
            cax.imshow(np.linspace(0, 1, 256)[None, :], aspect="auto", cmap=cmap, extent=(0, 1, 0, 1))
            cax.set_yticks([])
            cax.set_xticks([0, 0.5, 1])
            cax.tick_params(labelsize=8)
            cax.set_xlabel(f"responsibility of {data.names[1]}", fontsize=9)
            cax.set_gid("colorbar")


def figure(run: Run, *, points: Sequence[str] | None = None, dpi: float = 100) -> Figure:
    """Draw ``run``: the start and the last computed iteration (see the module header).

    ``points``: labels to write beside their points (default: every label when there are at most 30
    points, 12 for d > 2; ``[]`` for none).

    >>> import gmmexact
    >>> fig = figure(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")))
    >>> ax = fig.axes[0]
    >>> ax.get_xlabel(), ax.get_ylabel(), [t.get_text() for t in ax.texts if t.get_gid() == "relation"]
    ('height', 'weight', ['height − weight = 105'])
    """
    if points is not None:
        _check_points(run, points)
    with matplotlib.rc_context(TEXT_RC):  # every text created while drawing keeps its $ and \ as written
        return _Painter(plot_data(run), points, dpi).draw()


def _parallel(u, v) -> bool:
    return u[0] * v[1] == u[1] * v[0]


def _check_points(run: Run, points: Sequence[str]) -> None:
    unknown = [p for p in points if p not in run.problem.point_index]
    if unknown:
        labels = run.problem.labels
        raise InputError(None, "points", f"no point labelled {', '.join(unknown)}",
                         f"labels from {', '.join(labels[:10])}{'…' if len(labels) > 10 else ''}")


def output_format(path: str | Path) -> str:
    """``"png"``, ``"svg"`` or ``"pdf"`` from the file's extension; anything else is an input error.

    >>> output_format("seed.SVG"), output_format("seed.pdf")
    ('svg', 'pdf')
    >>> output_format("seed.jpg")
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: seed.jpg: extension '.jpg' is not a picture format gmmexact writes; expected a file name ending in .png, .svg or .pdf
    """
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in FORMATS:
        problem = f"extension '.{ext}' is not a picture format gmmexact writes" if ext else "has no extension"
        raise InputError(str(path), None, problem, "a file name ending in .png, .svg or .pdf")
    return ext


_METADATA = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "Producer": None}}
"""What each format records beyond the picture: nothing that changes from run to run (no date)."""


def _write(fig: Figure, path: str | Path, fmt: str, dpi: float) -> None:
    """Write ``fig`` to ``path`` whole or not at all, as ``fmt`` (the same bytes every run)."""
    def draw(tmp: str) -> None:
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "gmmexact", "pdf.fonttype": 42}):
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_METADATA[fmt])

    write_atomic(path, draw)


def save(run: Run, path: str | Path, *, points: Sequence[str] | None = None, dpi: float = 150,
         force: bool = False) -> Figure:
    """Draw ``run`` and write it to ``path`` as PNG, SVG or PDF (by the extension); returns the figure.

    SVG keeps its text as text (searchable, editable) and each drawn part's ``gid`` as its ``id``;
    PDF (matplotlib's pdf backend, TrueType fonts embedded) is vector graphics to include in LaTeX with
    ``\\includegraphics``. The size is checked first (:func:`check_size`, ``force`` as there); the file is
    replaced whole or not at all (:func:`~gmmexact.model.atomic.write_atomic`).
    """
    fmt = output_format(path)
    check_size(run.problem.d, dpi, run.problem.n, force=force)
    fig = figure(run, points=points, dpi=dpi)
    _write(fig, path, fmt, dpi)
    return fig


RESP_LABEL_LIMIT = 60  # points drawn as labelled bars up to this many; more as one band of colour per component
RESP_INCHES = (6.5, 4.0)  # the responsibilities picture's size: as wide as a page's text


def responsibilities_figure(run: Run, *, dpi: float = 100) -> Figure:
    """The responsibilities of the last computed E-step: one horizontal bar per point, split among the
    components in their colours (the same as the data picture's), the values certified to 3 digits
    (:func:`plot_data`). Past :data:`RESP_LABEL_LIMIT` points the bars are drawn without labels.

    >>> import gmmexact
    >>> fig = responsibilities_figure(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()], [float(x) for x in fig.axes[0].get_xlim()]
    (['A', 'B', 'C', 'D', 'E', 'F'], [0.0, 1.0])
    """
    data = plot_data(run)
    names = tuple(map(shown, data.names))
    labels = tuple(map(shown, data.labels))
    colors = component_colors(len(names))
    n = len(labels)
    with matplotlib.rc_context(TEXT_RC):
        height = min(max(RESP_INCHES[1], 1.4 + 0.28 * min(n, RESP_LABEL_LIMIT)), 9.0)
        fig = Figure(figsize=(RESP_INCHES[0], height), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.14, 0.1 + 0.5 / height, 0.6, 0.82 - 0.7 / height))
        resp = np.nan_to_num(np.asarray(data.resp, dtype=float).reshape(n, len(names)))
        rows = np.arange(n)[::-1]  # the first point on top
        left = np.zeros(n)
        for c, name in enumerate(names):
            bars = ax.barh(rows, resp[:, c], left=left, height=0.8 if n <= RESP_LABEL_LIMIT else 1.0,
                           color=colors[c], label=name, edgecolor="none")
            for patch in bars:
                patch.set_gid(f"resp-{c}")
            left += resp[:, c]
        ax.set_xlim(0.0, 1.0)
        ax.set_ylim(-0.6, n - 0.4)
        if n <= RESP_LABEL_LIMIT:
            ax.set_yticks(rows)
            ax.set_yticklabels(labels, fontsize=9)
        else:
            ax.set_yticks([])
            ax.set_ylabel(f"{n} points, the first on top")
        ax.set_xlabel("responsibility r_pc (certified to 3 digits)")
        t = data.last or 1
        ax.set_title(f"Responsibilities, E-step of iteration {t}", loc="left", fontsize=11)
        legend = fig.legend(loc="upper left", bbox_to_anchor=(0.76, 0.1 + 0.5 / height + 0.82 - 0.7 / height),
                            frameon=False, fontsize=9)
        legend.set_gid("legend")
    return fig


def save_responsibilities(run: Run, path: str | Path, *, dpi: float = 150) -> Figure:
    """Draw :func:`responsibilities_figure` and write it to ``path`` (PNG, SVG or PDF by the extension),
    whole or not at all; returns the figure."""
    fmt = output_format(path)
    require_affordable(picture_estimate(1, run.problem.n, dpi), False)
    fig = responsibilities_figure(run, dpi=dpi)
    _write(fig, path, fmt, dpi)
    return fig
