"""Rendering of a cross-check (the plain-data document of :meth:`CrossCheck.as_dict`): terminal
text with rich, Markdown, and a plot of correct digits per quantity. Formatting only: every number
shown was certified in ``comparison.py``.
"""
from __future__ import annotations

import math

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..model.displayhook import register
from ..rendering.markdown import markdown_code, markdown_text
from ..rendering.text import plain
from .comparison import CrossCheck

KEY_WIDTH = 32  # a key longer than this folds inside its column
RED_FINDINGS = ("peer-error", "loglik-noise", "loglik-undefined", "loglik-wrong", "undefined", "non-finite",
                "singular-but-positive-definite-in-float", "covariance-wrong", "not-the-users-fit", "slip")


def _digits(q: dict) -> str:
    return "all" if q["identical"] else str(q["correct_digits"])


def _style(q: dict, min_digits: int) -> str:
    if q["identical"] or q["meets_min_digits"]:
        return "green"
    return "red" if q["correct_digits"] < 3 else "yellow"


def _head(data: dict) -> str:
    m = data["model"]
    s = data["peer"]["settings"]
    return (f"gmmexact crosscheck · {data['problem']} · {data['peer']['name']} · covariance_type {m['covariance_type']}, "
            f"reg_covar {m['reg_covar']}, counts + {m.get('count_offset_text', m['count_offset'])}, "
            f"{m['iterations']} exact iteration(s)"
            + (f" · {s.get('iterations')} peer iteration(s)" if "iterations" in s else "")
            + (f" · the peer computes in {s['dtype']}, which carries about {_type_digits(s['dtype'])} significant "
               "digits" if s.get("dtype", "float64") != "float64" else ""))


def _type_digits(dtype: str) -> str:
    from .peers import FLOAT_TYPES  # noqa: PLC0415

    return f"{-math.log10(FLOAT_TYPES[dtype][0]):.1f}" if dtype in FLOAT_TYPES else "?"


def render_text(data: dict, console: Console | None = None, max_rows: int = 40) -> None:
    """Print the worst quantities, the summary per kind, the findings and the peer's definitions."""
    console = console or Console()
    console.print(plain(_head(data), style="bold"))
    qs = data["quantities"]
    total = data.get("values", len(qs))
    shown = qs if len(qs) <= max_rows and len(qs) == total else [q for q in qs if q["key"] in set(data["worst"])]
    table = Table(title=("every reported value" if len(shown) == total else f"the {len(shown)} worst of {total} values"),
                  title_justify="left")
    names = console.width >= 150  # the peer's own names need room; JSON and Markdown always have them
    cols = ("quantity",) + (("peer's name",) if names else ()) + ("float", "exact (certified)", "abs error",
                                                                  "rel error", "digits")
    short = max((len(q["key"]) for q in shown), default=0) <= KEY_WIDTH  # longer keys fold in their column
    for col in cols:  # numbers fold rather than lose digits when the terminal is narrow
        table.add_column(col, no_wrap=col == "digits" or (col == "quantity" and short), overflow="fold",
                         justify="right" if col == "digits" else "left")
    for q in shown:
        cells = [plain(q["key"])] + ([plain(q["name"])] if names else [])
        table.add_row(*cells, plain(q["float"]), plain(q["exact"]), plain(q["abs_error"]),
                      plain(q["rel_error"] or "–"),
                      Text(_digits(q), style=_style(q, data["min_digits"])))
    if qs and (console.is_terminal and console.measure(table).maximum <= console.width):
        console.print(table)
    elif qs:  # piped (a CI log) or too narrow for the table: one record per value, nothing folded or cut
        console.print(plain(table.title))
        for line in plain_records(shown, data["min_digits"], console.width):
            console.print(line, soft_wrap=True)
    summary = Table(title="correct significant digits per kind (proven lower bounds)", title_justify="left")
    held = any(s.get("underflow") for s in data["summary"])  # a column only when some value is held
    for col in ("iteration", "kind", "values", "fewest", "median", "worst", f"< {data['min_digits']}") + (
            ("underflow",) if held else ()):
        summary.add_column(col, justify="right" if col in ("iteration", "values", "fewest", "median") else "left")
    for s in data["summary"]:
        summary.add_row(str(s["iteration"]), plain(s["kind"]), str(s["count"]), _num(s["min_digits"]),
                        _num(s["median_digits"]), plain(s["worst"]),
                        Text(str(s["below_min"]), style="red" if s["below_min"] else "green"),
                        *([str(s.get("underflow", 0))] if held else []))
    if data["summary"]:
        console.print(summary)
    for f in data["findings"]:
        style = "red" if f["kind"] in RED_FINDINGS else "yellow"
        console.print(Panel(plain(f["message"]), title=plain(f"{f['kind']}: {f['key']}"), border_style=style,
                            title_align="left"))
    for note in data["peer"]["notes"]:
        console.print(plain(f"peer's definition: {note}", style="dim"))
    settings = ", ".join(f"{k} = {v}" for k, v in data["peer"]["settings"].items())
    if settings:
        console.print(plain(f"peer settings: {settings}", style="dim"))
    verdict, _, cause = _verdict(data).partition("; cause: ")
    console.print(plain(verdict, style="bold green" if data["passed"] else "bold red"))
    if cause:
        console.print(plain("cause: " + cause))


def _verdict(data: dict) -> str:
    dtype = data["peer"]["settings"].get("dtype", "float64")
    kind = "" if dtype == "float64" else f" for {dtype}"
    if not data["passed"]:
        return f"FAIL{kind}: {_failures(data)}"
    held = sum(s.get("underflow", 0) for s in data["summary"])
    return (f"PASS{kind}: every value has at least {data['min_digits']} correct digits" + (
        f", except {held} below float64's range that the float holds as closely as float64 can (underflow)"
        if held else ""))


def plain_records(shown: list, min_digits: int, width: int = 80) -> list:
    """The plain layout: per value, the key with its correct digits and errors on one line (so that
    ``grep`` finds both), then the float and the exact value, each whole; lines fit ``width`` unless a
    single number is wider.

    >>> q = {"key": "mean.women[0]", "name": "means_[0, 0]", "float": "165.0", "exact": "165.000",
    ...      "abs_error": "0", "rel_error": "0", "correct_digits": 10000, "identical": True,
    ...      "meets_min_digits": True}
    >>> [str(t) for t in plain_records([q], 10)]
    ['mean.women[0]                    all digits  rel 0          abs 0', '    float 165.0  exact 165.000  (means_[0, 0])']
    """
    out = []
    for q in shown:
        key = q["key"]
        if len(key) > 30:  # a long key on a line of its own, the digits below it in their column
            out.append(Text(key))
            key = ""
        head = f"{key:<30} {_digits(q):>5} digits  rel {q['rel_error'] or '–':<10} abs {q['abs_error']}"
        out.append(Text(head, style=_style(q, min_digits) if not q["meets_min_digits"] else ""))
        body = f"    float {q['float']}  exact {q['exact']}  ({q['name']})"
        if len(body) <= width:
            out.append(Text(body))
        else:
            out += [Text(f"    float {q['float']}  ({q['name']})"), Text(f"    exact {q['exact']}")]
    return out


def _num(v) -> str:
    return "all" if v is None else str(v)


def _failures(data: dict) -> str:
    below = sum(s["below_min"] for s in data["summary"])
    parts = []
    if below:
        parts.append(f"{below} value(s) below {data['min_digits']} correct digits")
    if data["peer"]["failure"]:
        parts.append(f"the peer raised {data['peer']['failure']['error']}")
    if data["peer"]["unmatched"]:
        parts.append(f"{len(data['peer']['unmatched'])} value(s) without an exact counterpart")
    if not data["quantities"] and not parts:
        parts.append("nothing was compared")
    text = "; ".join(parts)
    return text + "; " + _cause(data) if below else text


CAUSE_KINDS = ("non-finite", "covariance-wrong", "slip", "loglik-wrong", "cancellation",
               "singular-but-positive-definite-in-float", "regularisation-dominates", "conditioning",
               "ill-conditioned", "float64-singular", "loglik-noise", "underflow")
"""Findings that explain lost digits, most specific first."""


def _cause(data: dict) -> str:
    """The cause of the worst values, from the findings, or a plain statement that none was found."""
    found = [f for f in data["findings"] if f["kind"] in CAUSE_KINDS]
    if not found:
        return ("cause: none found in the catalogue (slips, cancellation, a near-singular covariance, "
                "regularisation, underflow)")
    f = min(found, key=lambda f: CAUSE_KINDS.index(f["kind"]))
    where = f.get("key") or f.get("where")
    more = len(found) - 1
    return f"cause: {f['kind']}" + (f" ({where})" if where else "") + (f", and {more} more finding(s) above" if more
                                                                         else ", above")


def render_markdown(data: dict) -> str:
    """The same content as Markdown tables and lists."""
    lines = [f"# Cross-check: {_md(data['peer']['name'])}", "", _md(_head(data)), ""]
    qs = data["quantities"]
    if len(qs) < data.get("values", len(qs)):
        lines += [f"The {len(qs)} values with the fewest correct digits, of {data['values']} (JSON output has all).", ""]
    if qs:
        lines += ["| quantity | peer's name | float | exact (certified) | abs error | rel error | correct digits |",
                  "|---|---|---|---|---|---|---:|"]
        for q in qs:
            lines.append(f"| {markdown_code(q['key'])} | {_md(q['name'])} | {_md(q['float'])} | {_md(q['exact'])} | "
                         f"{_md(q['abs_error'])} | "
                         f"{_md(q['rel_error'] or '–')} | {_digits(q)} |")
        lines.append("")
    if data["summary"]:
        held = any(s.get("underflow") for s in data["summary"])
        lines += ["## Correct digits per kind", "", f"| iteration | kind | values | fewest | median | worst | "
                  f"< {data['min_digits']} |" + (" underflow |" if held else ""),
                  "|---:|---|---:|---:|---:|---|---:|" + ("---:|" if held else "")]
        for s in data["summary"]:
            lines.append(f"| {s['iteration']} | {_md(s['kind'])} | {s['count']} | {_num(s['min_digits'])} | "
                         f"{_num(s['median_digits'])} | {markdown_code(s['worst'])} | {s['below_min']} |"
                         + (f" {s.get('underflow', 0)} |" if held else ""))
        lines.append("")
    if data["findings"]:
        lines += ["## Findings", ""]
        lines += [f"- **{_md(f['kind'])}** ({markdown_code(f['key'])}): {_md(f['message'])}" for f in data["findings"]]
        lines.append("")
    if data["peer"]["notes"]:
        lines += ["## Where the peer's definitions differ from the textbook", ""]
        lines += [f"- {_md(n)}" for n in data["peer"]["notes"]]
        lines.append("")
    head, _, rest = _verdict(data).partition(": ")
    lines.append(f"**{head}**: {_md(rest)}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Text for Markdown, shown as written (see :func:`~gmmexact.rendering.markdown.markdown_text`)."""
    return markdown_text(text)


def _matplotlib():
    try:
        import matplotlib  # noqa: PLC0415

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        from ..model.errors import InputError  # noqa: PLC0415

        raise InputError(None, "--plot", "matplotlib is not installed", 'pip install matplotlib (or "gmmexact[plot]")') from None
    return plt


def check_plot_path(path: str) -> None:
    """Refuse, before any work, a plot file that cannot be written: a missing or unwritable directory,
    or a format matplotlib does not draw (``InputError``, field ``--plot``).

    >>> check_plot_path("/nonexistent/dir/x.png")
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: --plot: directory '/nonexistent/dir' does not exist; expected an existing, writable directory
    """
    import os  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from ..model.errors import InputError  # noqa: PLC0415

    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(None, "--plot", f"directory {str(folder)!r} does not exist", "an existing, writable directory")
    if not os.access(folder, os.W_OK) or p.is_dir():
        raise InputError(None, "--plot", f"{path!r} cannot be written", "a file name in a writable directory")
    plt = _matplotlib()
    kinds = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    suffix = p.suffix.lower().lstrip(".")
    if suffix not in kinds:
        raise InputError(None, "--plot", f"{path!r} has the extension {p.suffix or '(none)'!r}",
                         f"one of {', '.join('.' + k for k in sorted(kinds))}")


def _plain_text(text: str) -> str:
    r"""Text matplotlib shows as written: a ``$`` escaped, so that a name never starts mathtext.

    >>> _plain_text("cost $5 to $6")
    'cost \\$5 to \\$6'
    """
    return text.replace("$", r"\$")


def plot_digits(data: dict, digits_by_kind: dict, path: str, held_by_kind: dict | None = None) -> None:
    """Correct digits per reported value (a dot each, grouped by kind), the --min-digits line dashed.

    ``digits_by_kind`` is :meth:`CrossCheck.digits_by_kind` (``None`` for a value equal to the exact one);
    ``held_by_kind`` (``digits_by_kind(held=True)``) marks values below float64's range held as closely
    as float64 can: grey, not red.
    """
    plt = _matplotlib()
    known = [d for ds in digits_by_kind.values() for d in ds if d is not None]
    top = max(known + [17])
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(digits_by_kind) + 2), 4.2))
    for x, (name, ds) in enumerate(digits_by_kind.items()):
        ys = [top + 1 if d is None else d for d in ds]
        held = (held_by_kind or {}).get(name) or [False] * len(ys)
        if len(ys) > 2000:  # many values: a violin of the distribution instead of dots, held values apart
            rest = [y for y, h in zip(ys, held) if not h]
            if rest:
                ax.violinplot([rest], positions=[x], widths=0.7, showextrema=True)
            if len(rest) < len(ys):
                ax.scatter([x], [0], s=30, c="tab:grey", marker="s")
                ax.annotate(f"{len(ys) - len(rest)} underflow", (x, 0), textcoords="offset points", xytext=(6, 4),
                            fontsize=7, color="grey")
            continue
        jitter = [x + 0.3 * ((i % 7) / 6 - 0.5) if len(ys) > 1 else x for i in range(len(ys))]
        colours = ["tab:green" if y >= data["min_digits"] else "tab:grey" if h else "tab:red" if y < 3 else "tab:orange"
                   for y, h in zip(ys, held)]
        ax.scatter(jitter, ys, s=14, c=colours, alpha=0.8, linewidths=0)
    ax.axhline(data["min_digits"], color="grey", linestyle="--", linewidth=1)
    ax.text(len(digits_by_kind) - 0.5, data["min_digits"] + 0.2, f"--min-digits {data['min_digits']}", ha="right",
            va="bottom", fontsize=8, color="grey")
    ax.set_xticks(range(len(digits_by_kind)), list(digits_by_kind), rotation=30, ha="right")
    ax.set_ylabel("correct significant digits (certified)")
    ax.set_ylim(-0.5, top + 2)
    ax.set_title(_plain_text(f"{data['peer']['name']}\nagainst the exact EM iteration ({data['problem']})"), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_fit(series: dict, global_digits: list, min_digits: int, title: str, path: str) -> None:
    """Correct digits per iteration of a whole fit: the fewest of each kind locally (one line per kind,
    from ``series``: kind → digits per iteration, ``None`` for identical) and the global comparison's
    fewest (dashed, where it holds), the ``min_digits`` line dotted."""
    plt = _matplotlib()
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    n = max((len(v) for v in series.values()), default=0)
    known = [d for ds in series.values() for d in ds if d is not None] + [d for d in global_digits if d is not None]
    top = max(known + [17])
    xs = list(range(1, n + 1))
    for kind, ds in series.items():
        ax.plot(xs[:len(ds)], [top + 1 if d is None else d for d in ds], marker="o", markersize=3, linewidth=1,
                label=f"{kind} (local)")
    if any(d is not None for d in global_digits):
        ax.plot([x for x, d in zip(xs, global_digits) if d is not None], [d for d in global_digits if d is not None],
                color="black", linestyle="--", linewidth=1, label="fewest (global)")
    ax.axhline(min_digits, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("iteration")
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("correct significant digits (certified, fewest)")
    ax.set_ylim(-0.5, top + 2)
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title(_plain_text(title), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


register(CrossCheck, "markdown")(lambda result: render_markdown(result.as_dict(limit=40)))
