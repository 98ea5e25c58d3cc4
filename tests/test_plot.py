"""Pictures: what is drawn where (pixels found through the axes' transforms), exact relations on
the picture, formats, and the command line's errors."""
from __future__ import annotations

import math
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.image import imread  # noqa: E402

import gmmexact  # noqa: E402
from gmmexact.model import linalg  # noqa: E402
from gmmexact.rendering import plot  # noqa: E402
from gmmexact.cli.commands import main  # noqa: E402
from gmmexact.model.errors import InputError  # noqa: E402
from gmmexact.model.problem import Problem  # noqa: E402

SEED = str(Path(__file__).resolve().parents[1] / "examples" / "seed" / "problem.toml")
DPI = 100


def artist(fig, gid):
    found = [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]
    assert len(found) == 1, (gid, len(found))
    return found[0]


class Picture:
    """A saved PNG and its figure: colours at display positions (origin bottom left, as matplotlib's)."""

    def __init__(self, fig, path):
        self.fig = fig
        self.pixels = np.round(imread(path)[:, :, :3] * 255).astype(int)
        self.height, self.width = self.pixels.shape[:2]

    def near(self, xy, color, radius=1, tolerance=45) -> bool:
        """Some pixel within ``radius`` of display position ``xy`` has ``color`` (up to ``tolerance``)."""
        col, row = int(math.floor(xy[0])), int(math.floor(self.height - xy[1]))
        patch = self.pixels[max(row - radius, 0):row + radius + 1, max(col - radius, 0):col + radius + 1]
        target = np.round(np.array(to_rgb(color)) * 255)
        return bool((np.abs(patch - target).max(axis=-1) <= tolerance).any())

    def share(self, positions, color, **kw) -> float:
        return sum(self.near(p, color, **kw) for p in positions) / len(positions)


def picture(run, tmp_path, name="p.png", **kw) -> Picture:
    path = tmp_path / name
    fig = plot.save(run, path, dpi=DPI, **kw)
    return Picture(fig, path)


def circle(ax, center, radius_x, radius_y, n=72):
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    points = np.column_stack([center[0] + radius_x * np.cos(angles), center[1] + radius_y * np.sin(angles)])
    return ax.transData.transform(points)


@pytest.fixture(scope="module")
def seed_picture(tmp_path_factory):
    run = gmmexact.solve(gmmexact.load(SEED))
    return run, picture(run, tmp_path_factory.mktemp("seed"), "seed.png")


def test_seed_png_size_and_white_background(seed_picture):
    _, pic = seed_picture
    w, h = pic.fig.get_size_inches() * DPI
    assert (pic.width, pic.height) == (round(w), round(h))
    ax = pic.fig.axes[0]
    corner = ax.transData.transform([(157, 80)])[0]  # upper left: nothing is drawn there
    assert pic.near(corner, "white", radius=3, tolerance=0)


def test_seed_start_ellipses_where_the_inputs_put_them(seed_picture):
    """Σ = 10·I at the start: circles of radius √10 and 2√10 around (162, 57) and (185, 80), dashed."""
    run, pic = seed_picture
    ax = pic.fig.axes[0]
    colors = plot.component_colors(2)
    for c, comp in enumerate(run.problem.components):
        center = [float(v) for v in comp.mean]
        for k in (1, 2):
            r = k * math.sqrt(10)
            assert pic.share(circle(ax, center, r, r), colors[c]) >= 0.45, (comp.name, k)
        r = 1.5 * math.sqrt(10)  # between the two ellipses: hardly any of the component's colour
        assert pic.share(circle(ax, center, r, r), colors[c]) <= 0.15, comp.name
        other = colors[1 - c]
        assert pic.share(circle(ax, center, 2 * math.sqrt(10), 2 * math.sqrt(10)), other) <= 0.1


def test_seed_singular_covariances_drawn_as_segments_of_the_data_line(seed_picture):
    run, pic = seed_picture
    ax = pic.fig.axes[0]
    colors = plot.component_colors(2)
    for c, name in enumerate(run.problem.component_names):
        line = artist(pic.fig, f"after-segment-{name}")
        ends = line.get_xydata()
        assert ends.tolist() == [[160, 55], [190, 85]]  # the data's extent along height − weight = 105
        # between C (170, 65) and D (180, 75), away from the points: the lane has the component's colour
        inner = [ends[0] + s * (ends[1] - ends[0]) for s in np.linspace(0.4, 0.6, 15)]
        lane = line.get_transform().transform(inner)
        assert pic.share(lane, colors[c], radius=0) >= 0.9, name
        assert pic.share(lane, colors[1 - c], radius=0) == 0, name
        # the lanes are parallel to the data line, on either side of it
        on_line = ax.transData.transform(inner)
        offsets = np.linalg.norm(lane - on_line, axis=1)
        assert np.allclose(offsets, plot.LANE / 2 * DPI / 72, atol=0.5)


def test_seed_relation_written_from_the_exact_layer(seed_picture):
    run, pic = seed_picture
    (a, b), = run.plan.degeneracy.relations
    text = artist(pic.fig, "relation")
    assert text.get_text() == linalg.format_relation(a, b, run.problem.variables) == "height − weight = 105"
    assert (a, b) == ((1, -1), Fraction(105))
    assert 40 < text.get_rotation() < 50  # along the line, which rises at 45° on screen here


def test_seed_points_coloured_by_responsibility(seed_picture):
    run, pic = seed_picture
    ax = pic.fig.axes[0]
    colors = plot.component_colors(2)
    for label, point in zip(run.problem.labels, run.problem.points):
        women = run[f"resp.{label}.women"].rounded(3).fraction()
        expected = colors[0] if women > Fraction(1, 2) else colors[1]
        assert pic.near(ax.transData.transform([[float(v) for v in point]])[0], expected, radius=0, tolerance=3), label
    labels = {t.get_text() for t in ax.texts}
    assert set(run.problem.labels) <= labels


def test_seed_plot_data_from_certified_and_exact_layers():
    run = gmmexact.solve(gmmexact.load(SEED))
    data = plot.plot_data(run)
    start, after = data.states
    assert start.means == ((162.0, 57.0), (185.0, 80.0)) and start.singular == (False, False)
    assert after.singular == (True, True) and after.weight_text == ("0.500", "0.500")
    assert data.ranks == (1, 1) and data.collapsed[1, (0, 1)] == plot.Collapse(1, (1, 1))
    digits = run["mean.women"].rounded(plot.POSITION_DIGITS)
    assert after.means[0] == tuple(float(r.fraction()) for r in digits)
    assert data.hulls[(0, 1)].relations == run.plan.degeneracy.relations
    assert data.hulls[(0,)].dimension == data.hulls[(1,)].dimension == 1


def test_two_dimensions_several_iterations_solid_ellipses_and_path(tmp_path):
    problem = Problem.from_arrays([[0, 0], [1, 2], [2, 1], [5, 5], [6, 4], [5, 7], [3, 3]],
                                  means=[[1, 1], [5, 5]], covariances=[[[2, 0], [0, 2]], [[3, 1], [1, 2]]],
                                  weights=["1/2", "1/2"], names=["left", "right"])
    run = gmmexact.solve(problem, iterations=3)
    pic = picture(run, tmp_path)
    ax = pic.fig.axes[0]
    data = plot.plot_data(run)
    colors = plot.component_colors(2)
    for c, name in enumerate(run.problem.component_names):
        e = artist(pic.fig, f"after-2sigma-{name}")
        cov = np.array(data.states[-1].covs[c])
        values = np.linalg.eigvalsh(cov)
        assert sorted([e.width, e.height]) == pytest.approx(sorted(4 * np.sqrt(values)))
        assert e.center == pytest.approx(data.states[-1].means[c])
        # the drawn ellipse: points x with (x − μ)ᵀ Σ⁻¹ (x − μ) = 4, mapped through the transform
        angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
        L = np.linalg.cholesky(cov)
        ring = np.array(data.states[-1].means[c]) + 2 * (L @ np.vstack([np.cos(angles), np.sin(angles)])).T
        assert pic.share(ax.transData.transform(ring), colors[c]) >= 0.7, name
        path = artist(pic.fig, f"path-{name}").get_xydata()
        assert len(path) == 4  # start and three iterations
    assert not [a for a in ax.get_children() if str(a.get_gid()).startswith("after-segment")]


def test_one_dimension_three_components(tmp_path):
    problem = Problem.from_arrays([1, 2, 3, 7, 8, 9, 14, 15, "16.5"], means=[2, 8, 15], covariances=[1, 1, 2],
                                  weights=["1/3", "1/3", "1/3"], names=["a", "b", "c"])
    run = gmmexact.solve(problem, iterations=2)
    pic = picture(run, tmp_path)
    ax = pic.fig.axes[0]
    colors = plot.component_colors(3)
    data = plot.plot_data(run)
    for c, name in enumerate(run.problem.component_names):
        curve = artist(pic.fig, f"after-density-{name}").get_xydata()
        peak = curve[np.argmax(curve[:, 1])]
        mean, var, weight = data.states[-1].means[c][0], data.states[-1].covs[c][0][0], data.states[-1].weights[c]
        assert peak[0] == pytest.approx(mean, abs=0.05)
        assert peak[1] == pytest.approx(weight / math.sqrt(2 * math.pi * var), rel=1e-3)
        assert pic.near(ax.transData.transform([peak])[0], colors[c], radius=2), name
    rug = artist(pic.fig, "rug")
    assert len(rug.get_offsets()) == 9
    rug_colors = rug.get_facecolors()[:, :3]
    for p in range(9):  # each point has the colour of the component it belongs to (responsibility ≈ 1)
        assert np.allclose(rug_colors[p], colors[p // 3], atol=0.02)
    assert {t.get_text() for t in ax.texts} >= {f"x{i}" for i in range(1, 10)}


def test_three_dimensions_pairwise_panels(tmp_path):
    problem = Problem.from_arrays([[0, 0, 0], [1, 2, 1], [2, 1, 0], [5, 5, 3], [6, 4, 4], [5, 7, 5], [3, 3, 1]],
                                  means=[[1, 1, 0], [5, 5, 4]], weights=["1/2", "1/2"], variables=["u", "v", "w"],
                                  covariances=[[[2, 0, 0], [0, 2, 0], [0, 0, 1]], [[3, 1, 0], [1, 2, 0], [0, 0, 2]]])
    run = gmmexact.solve(problem)
    pic = picture(run, tmp_path)
    panels = [ax for ax in pic.fig.axes if ax.get_gid() != "colorbar"]
    assert len(panels) == 6  # three marginals, three pairs
    assert [ax.get_xlabel() for ax in panels if ax.get_xlabel()] == ["u", "v", "w"]
    colors = plot.component_colors(2)
    data = plot.plot_data(run)
    ellipses = [a for ax in panels for a in ax.patches if a.get_gid() == "after-2sigma-2"]
    assert len(ellipses) == 3
    for e in ellipses:
        ax = e.axes
        # the sizes of some pair's projected covariance (each panel shows one pair)
        cov = np.array(data.states[-1].covs[1])
        pairs = [(0, 1), (0, 2), (1, 2)]
        sizes = [sorted(4 * np.sqrt(np.linalg.eigvalsh(cov[np.ix_(p, p)]))) for p in pairs]
        assert any(np.allclose(sorted([e.width, e.height]), s) for s in sizes)
        ring = e.get_patch_transform().transform(np.column_stack([np.cos(np.linspace(0, 6.2, 60)) / 2,
                                                                  np.sin(np.linspace(0, 6.2, 60)) / 2]))
        assert pic.share(ax.transData.transform(ring), colors[1]) >= 0.7


def test_three_dimensions_on_a_line_every_panel_names_its_relation(tmp_path):
    """Points (t, 2t, t + 1): each pair panel shows a segment with the pair's own exact relation."""
    points = [[t, 2 * t, t + 1] for t in (0, 1, 2, 5, 6, 7)]
    problem = Problem.from_arrays(points, means=[[1, 2, 2], [6, 12, 7]], weights=["1/2", "1/2"],
                                  covariances=[[[1, 0, 0], [0, 1, 0], [0, 0, 1]]] * 2, variables=["a", "b", "c"])
    run = gmmexact.solve(problem)
    assert plot.hull(run, (0, 1)).relations == (((2, -1), Fraction(0)),)
    fig = plot.figure(run, dpi=DPI)
    written = sorted(t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == "relation")
    assert written == ["2·a − b = 0", "a − c = −1", "b − 2·c = −2"]
    assert len([a for ax in fig.axes for a in ax.lines if a.get_gid() == "after-segment-1"]) == 3
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "rank 1 of 3" in legend and "2·a − b = 0" in legend


def test_covariance_types_decide_what_collapses(tmp_path):
    """diag on the seed keeps both variances (rank 2: ellipses); a point that every datum shares in one
    coordinate makes a diag variance 0 there: a horizontal segment."""
    from dataclasses import replace
    seed = gmmexact.load(SEED)
    run = gmmexact.solve(replace(seed, covariance_type="diag"))
    assert plot.plot_data(run).states[-1].singular == (False, False)
    fig = plot.figure(run, dpi=DPI)
    assert artist(fig, "after-2sigma-women").width > 0
    flat = Problem.from_arrays([[0, 3], [1, 3], [4, 3], [5, 3]], means=[[0, 2], [5, 4]], weights=["1/2", "1/2"],
                               covariances=[[[1, 0], [0, 1]]] * 2, variables=["x", "y"], names=["a", "b"])
    flat = replace(flat, covariance_type="diag")
    run = gmmexact.solve(flat)
    data = plot.plot_data(run)
    assert data.ranks == (1, 1) and data.collapsed[0, (0, 1)] == plot.Collapse(1, (1, 0))
    assert plot.support(run, 0) == [(Fraction(1), Fraction(0))]
    fig = plot.figure(run, dpi=DPI)
    segment = artist(fig, "after-segment-a").get_xydata()
    assert segment.tolist() == [[0, 3], [5, 3]]
    assert artist(fig, "relation").get_text() == "y = 3"


def test_svg_keeps_text_and_ids(tmp_path):
    run = gmmexact.solve(gmmexact.load(SEED))
    path = tmp_path / "seed.svg"
    plot.save(run, path)
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag.endswith("svg")
    assert "height − weight = 105" in text
    ids = {el.get("id") for el in root.iter()}
    assert {"before-2sigma-women", "after-segment-men", "relation"} <= ids


def test_labels_chosen_and_unknown_labels(tmp_path):
    run = gmmexact.solve(gmmexact.load(SEED))
    fig = plot.figure(run, points=["A", "F"])
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"A", "F"} <= texts and not {"B", "C", "D", "E"} & texts
    fig = plot.figure(run, points=[])
    assert {t.get_text() for t in fig.axes[0].texts} == {"height − weight = 105"}
    with pytest.raises(InputError, match="no point labelled Z"):
        plot.figure(run, points=["A", "Z"])


def test_formats_by_extension():
    assert plot.output_format("a.PNG") == "png" and plot.output_format("a.Pdf") == "pdf"
    for bad in ("a.jpg", "a", "a.png.txt"):
        with pytest.raises(InputError, match=r"ending in .png, .svg or .pdf"):
            plot.output_format(bad)


def test_pdf_pictures(tmp_path):
    # the data picture and the responsibilities picture as PDF (vector graphics for LaTeX), the same bytes
    # every time (no creation date), each with its text as text
    run = gmmexact.solve(gmmexact.load(SEED))
    first, again, resp = tmp_path / "a.pdf", tmp_path / "b.pdf", tmp_path / "r.pdf"
    plot.save(run, first, dpi=DPI)
    plot.save(run, again, dpi=DPI)
    fig = plot.save_responsibilities(run, resp, dpi=DPI)
    for path in (first, resp):
        assert path.read_bytes().startswith(b"%PDF")
    assert first.read_bytes() == again.read_bytes()
    assert b"CreationDate" not in first.read_bytes()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list("ABCDEF")
    bars = {c: [p.get_width() for p in ax.patches if p.get_gid() == f"resp-{c}"] for c in (0, 1)}
    assert [round(w, 3) for w in bars[0]] == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]  # A, B, C belong to women
    assert all(abs(a + b - 1) < 1e-3 for a, b in zip(bars[0], bars[1]))  # (3 certified digits each)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(resp), "-"], capture_output=True, text=True, check=True).stdout
        assert "Responsibilities" in text and "women" in text and "men" in text
    with pytest.raises(InputError, match="ending in .png, .svg or .pdf"):
        plot.save_responsibilities(run, tmp_path / "r.jpg")


# --- command line ------------------------------------------------------------------------------

def test_cli_plot_writes_png(tmp_path, capsys):
    out = tmp_path / "seed.png"
    assert main(["plot", SEED, "-o", str(out), "--dpi", "50"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 10_000
    assert "wrote" in capsys.readouterr().err


def test_cli_plot_stopped_run_still_drawn_exit_3(tmp_path, capsys):
    out = tmp_path / "seed.svg"
    assert main(["plot", SEED, "-o", str(out), "--iterations", "2"]) == 3
    assert out.exists() and "stopped before iteration 2" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["-o", "seed.jpg"], "expected a file name ending in .png, .svg or .pdf"),
    (["-o", "no/such/dir/seed.png"], "does not exist"),
    (["-o", "x.png", "--points", "A,Q"], "no point labelled Q"),
])
def test_cli_plot_input_errors_exit_2(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["plot", SEED, *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gmmexact: error:") and message in err and "Traceback" not in err


def test_cli_plot_without_matplotlib_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.delitem(sys.modules, "gmmexact.rendering.plot")
    monkeypatch.delattr(gmmexact.rendering, "plot", raising=False)
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    assert main(["plot", SEED, "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "matplotlib" in err and "pip install 'gmmexact[plot]'" in err
    assert not (tmp_path / "x.png").exists()


def test_one_dimension_all_points_equal_is_a_spike():
    run = gmmexact.solve(Problem.from_arrays([2, 2, 2], means=[1, 3], covariances=[1, 1], weights=["1/2", "1/2"]))
    fig = plot.figure(run, dpi=DPI)
    for name in run.problem.component_names:
        spike = artist(fig, f"after-spike-{name}")
        assert spike.get_xdata()[0] == pytest.approx(2)
    assert artist(fig, "relation").get_text() == "x = 2"
    assert not [a for a in fig.axes[0].lines if a.get_gid() == "after-mixture"]
    assert "variance 0" in " ".join(t.get_text() for t in fig.legends[0].get_texts())


def test_many_points_small_markers_under_the_components():
    points = [[i % 13, (7 * i) % 11] for i in range(150)]
    run = gmmexact.solve(Problem.from_arrays(points, means=[[3, 3], [9, 7]], weights=["1/2", "1/2"],
                                             covariances=[[[4, 0], [0, 4]]] * 2))
    fig = plot.figure(run, dpi=DPI)
    dots = artist(fig, "points")
    assert dots.get_zorder() < artist(fig, "after-1sigma-1").get_zorder()
    assert dots.get_sizes()[0] < 42
    assert not [t for t in fig.axes[0].texts if t.get_text() == "x1"]  # 150 points: no labels by default


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-4, 4), min_size=3, max_size=6), st.integers(-3, 3), st.integers(-5, 5),
       st.sampled_from(["free", "line", "vertical"]))
def test_panel_hulls_and_supports_are_exact(xs, slope, intercept, shape):
    """Every point satisfies each panel's relations exactly; the supports have the exact ranks."""
    if shape == "free":
        points = [[x, (x * x + 3 * i) % 7] for i, x in enumerate(xs)]
    elif shape == "line":
        points = [[x, slope * x + intercept] for x in xs]
    else:
        points = [[intercept, x] for x in xs]
    if len({tuple(p) for p in points}) < 2:
        points.append([points[0][0] + 1, points[0][1] + (slope if shape == "line" else 0)])
    problem = Problem.from_arrays(points, means=[[0, 0], [1, 1]], weights=["1/2", "1/2"],
                                  covariances=[[[1, 0], [0, 1]]] * 2)
    run = gmmexact.solve(problem)
    for axes in ((0,), (1,), (0, 1)):
        h = plot.hull(run, axes)
        for a, b in h.relations:
            assert all(sum(ai * Fraction(p[k]) for ai, k in zip(a, axes)) == b for p in points)
        assert h.dimension + len(h.relations) == len(axes)
    ranks = plot.plot_data(run).ranks
    for c in range(2):
        vectors = plot.support(run, c)
        assert (linalg.to_fmpq_mat(vectors).rank() if vectors else 0) == ranks[c]


def test_names_with_dollars_and_backslashes_are_text_not_mathtext(tmp_path):
    """"$cash$" in a name is not mathtext (it used to be set in italics without its dollars)."""
    problem = Problem.from_arrays([[0, 0], [1, "1/2"], [3, 3], [4, "5/2"]], means=[["1/2", "1/2"], ["7/2", 3]],
                                  covariances=[[[1, 0], [0, 1]], [[1, 0], [0, 1]]], weights=["1/2", "1/2"],
                                  labels=["p_1", "$x$", "a", "b"], names=["grp_α & β", "100% $cash$ #1 \\ {ok}"],
                                  variables=["x_1 & co", "$y$"])
    pic = picture(gmmexact.solve(problem), tmp_path)
    texts = [t for t in pic.fig.findobj(lambda a: hasattr(a, "get_parse_math")) if "$" in t.get_text()]
    shown = {t.get_text() for t in texts}
    assert "$x$" in shown and "$y$" in shown and "responsibility of 100% $cash$ #1 \\ {ok}" in shown
    assert any(text.startswith("100% $cash$ #1 \\ {ok}: π 0.500 → ") for text in shown)  # the legend
    assert texts and not [t.get_text() for t in texts if t.get_parse_math()]
    for t in texts:  # what is drawn is the text as written, dollars included
        assert t._preprocess_math(t.get_text()) == (t.get_text(), False)


def test_one_dimension_labels_below_the_rug_never_on_the_curves(tmp_path):
    problem = Problem.from_arrays(["-1.5", 0, "1/3", 2, "2.5", 4, "9/2"], means=[-1, 2, 4], covariances=[1, "1/2", 1],
                                  weights=["1/3", "1/3", "1/3"], labels=list("abcdefg"), names=["low", "mid", "high"])
    fig = plot.figure(gmmexact.solve(problem), dpi=DPI)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    zero = ax.transData.transform([(0, 0)])[0][1]
    rug = artist(fig, "rug").get_offsets()[:, 1]
    labels = [t for t in ax.texts if t.get_text() in "abcdefg"]
    assert len(labels) == 7
    for t in labels:  # under the zero line (every curve is at or above it) and under the rug's centre
        box = t.get_window_extent(renderer)
        assert box.y1 < zero and box.y1 < ax.transData.transform([(0, rug[0])])[0][1], t.get_text()
        assert box.y0 > ax.get_window_extent(renderer).y0  # inside the axes
    assert min(ax.get_yticks()) >= 0  # no negative density on the axis


def test_three_dimensions_legend_explains_the_diagonal_curves(tmp_path):
    problem = Problem.from_arrays([[0, 0, 0], [1, 2, 1], [2, 1, 0], [5, 5, 3], [6, 4, 4], [5, 7, 5], [3, 3, 1]],
                                  means=[[1, 1, 0], [5, 5, 4]], weights=["1/2", "1/2"], variables=["u", "v", "w"],
                                  covariances=[[[2, 0, 0], [0, 2, 0], [0, 0, 1]], [[3, 1, 0], [1, 2, 0], [0, 0, 2]]])
    fig = plot.figure(gmmexact.solve(problem), dpi=DPI)
    legend = fig.legends[0]
    entries = {t.get_text(): h for t, h in zip(legend.get_texts(), legend.legend_handles)}
    after = entries["diagonal: their sum, after iteration 1"]
    start = entries["diagonal: their sum at the start"]
    # the legend's lines look like the curves they explain
    panel_after = [a for ax in fig.axes for a in ax.lines if a.get_gid() == "after-mixture"]
    panel_start = [a for ax in fig.axes for a in ax.lines if a.get_gid() == "before-mixture"]
    assert len(panel_after) == len(panel_start) == 3
    assert to_rgb(after.get_color()) == to_rgb(panel_after[0].get_color()) == (0, 0, 0)
    assert to_rgb(start.get_color()) == to_rgb(panel_start[0].get_color())
    assert start.get_linestyle() == panel_start[0].get_linestyle() == "--"
    assert any(text.startswith("diagonal: each component's π_c·N(x_i)") for text in entries)
    two = plot.figure(gmmexact.solve(gmmexact.load(SEED)), dpi=DPI)  # d = 2 has no diagonal panels
    assert not [t for t in two.legends[0].get_texts() if t.get_text().startswith("diagonal")]
