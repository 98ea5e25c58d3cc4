"""Exercise variants whose keys are certified, and the stress report over a set of them.

``generate(spec, variants, seed, out)`` draws candidates until ``variants`` of them pass every
certificate (:mod:`gmmexact.exercises.certify`), and writes per variant ``problem.toml``, the
student sheet (``sheet.md``, ``sheet.tex``), the worked solution as the key (``solution.tex``) and
the key's numbers as a claims file (``key.toml``); and for the set ``stress.md`` and
``stress.json``: per answer the spread of its values over the variants, the nearest approach to a
rounding boundary, the draws rejected and why, and the time taken. The same ``seed`` gives the
same variants.
"""
from __future__ import annotations

import json
import random
import time
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..documents.problemread import problem_toml
from ..model.atomic import write_atomic
from ..model.errors import InputError
from ..model.exactnum import format_exact
from ..model.keys import CATALOGUE, Key
from ..model.problem import Problem
from .certify import Certificate, certify
from .spec import ExerciseSpec, draw

MAX_DRAWS_PER_VARIANT = 200


@dataclass(frozen=True)
class Variant:
    """One certified variant: its number, problem, certificate and how many draws it took."""

    number: int
    problem: Problem
    certificate: Certificate
    draws: int


def variants(spec: ExerciseSpec, count: int, seed: int, *, on_variant=None) -> tuple[list[Variant], Counter]:
    """``count`` certified variants (deterministic in ``seed``) and the reasons draws were rejected."""
    out, rejected = [], Counter()
    for number in range(1, count + 1):
        for attempt in range(1, MAX_DRAWS_PER_VARIANT + 1):
            problem = draw(spec, random.Random(f"{seed}:{number}:{attempt}"))
            cert = certify(problem, spec)
            if cert.passed:
                out.append(Variant(number, problem, cert, attempt))
                break
            rejected.update({_reason(f) for f in cert.failures})
        else:
            raise InputError(None, "generate", f"no draw of variant {number} passed the certificates in "
                             f"{MAX_DRAWS_PER_VARIANT} tries (most common reasons: "
                             f"{'; '.join(r for r, _ in rejected.most_common(3))})",
                             "a wider value range, fewer digits, a smaller --margin, or --saturated")
        if on_variant:
            on_variant(number)
    return out, rejected


def _reason(failure: str) -> str:
    """A failure's kind, for counting: its key's kind and what failed."""
    head, _, rest = failure.partition(" ")
    kind = head.split(".")[0] if "." in head else ""
    if "rounding boundary" in failure:
        return f"{kind}: near a rounding boundary"
    if "saturated" in failure:
        return "a responsibility saturated"
    if "slip" in failure:
        return f"{kind}: a slip prints the same answer"
    return failure.split(":")[0] if ":" in failure else failure


def _math_vec(v) -> str:
    return r"\begin{pmatrix}" + r" \\ ".join(format_exact(x) for x in v) + r"\end{pmatrix}"


def _math_mat(m) -> str:
    return r"\begin{pmatrix}" + r" \\ ".join(" & ".join(format_exact(x) for x in row) for row in m) + r"\end{pmatrix}"


TASKS = {  # kind: (Markdown with TeX math, LaTeX)
    "quad": ("the quadratic forms $q_{pc}$", r"the quadratic forms $q_{pc}$"),
    "exp": ("the exponentials $e^{-q_{pc}/2}$", r"the exponentials $e^{-q_{pc}/2}$"),
    "density": (r"the densities $\mathcal{N}(x_p \mid \mu_c, \Sigma_c)$",
                r"the densities $\mathcal{N}(x_p \mid \mu_c, \Sigma_c)$"),
    "resp": ("the responsibilities $r_{pc}$", r"the responsibilities $r_{pc}$"),
    "count": (r"the counts $m_c = \sum_p r_{pc}$", r"the counts $m_c = \sum_p r_{pc}$"),
    "weight": ("the new weights", "the new weights"),
    "mean": ("the new means", "the new means"),
    "cov": ("the new covariances", "the new covariances"),
    "loglik": ("the log-likelihood", "the log-likelihood"),
}


def sheet_markdown(v: Variant, spec: ExerciseSpec) -> str:
    """The student sheet in Markdown (TeX math): the data, the start, what to compute."""
    p = v.problem
    head = "| point | " + " | ".join(p.variables) + " |"
    rows = [head, "|" + "---|" * (p.d + 1)]
    rows += [f"| {label} | " + " | ".join(format_exact(x) for x in point) + " |" for label, point in zip(p.labels, p.points)]
    start = []
    for c in p.components:
        start.append(f"- component {c.name}: $\\mu_{{{c.name}}} = {_math_vec(c.mean)}$, "
                     f"$\\Sigma_{{{c.name}}} = {_math_mat(c.covariance)}$, $\\pi_{{{c.name}}} = {format_exact(c.weight)}$")
    tasks = ", ".join(TASKS[k][0] for k in spec.kinds)
    iterations = "one EM iteration" if spec.iterations == 1 else f"{spec.iterations} EM iterations"
    return "\n".join([f"# Exercise: {iterations} for a Gaussian mixture (variant {v.number})", "",
                      f"The data ({p.n} points, {p.d} variable{'s' if p.d > 1 else ''}):", "", *rows, "",
                      f"The starting mixture ({p.K} components):", "", *start, "",
                      f"Compute {iterations}: {tasks}. Give every number to {spec.digits} significant digits, "
                      "and show the numbers you used.", ""])


def sheet_latex(v: Variant, spec: ExerciseSpec) -> str:
    """The student sheet as a LaTeX article."""
    from ..rendering.textbook import escape_text as tex_text  # noqa: PLC0415

    p = v.problem
    cols = "l" + "r" * p.d
    table = [r"\begin{tabular}{" + cols + "}", "point & " + " & ".join(tex_text(x) for x in p.variables) + r" \\ \hline"]
    table += [tex_text(label) + " & " + " & ".join(f"${format_exact(x)}$" for x in point) + r" \\"
              for label, point in zip(p.labels, p.points)]
    table.append(r"\end{tabular}")
    start = [r"\begin{itemize}"]
    for c in p.components:
        name = tex_text(c.name)
        start.append(rf"\item component {name}: $\mu = {_math_vec(c.mean)}$, $\Sigma = {_math_mat(c.covariance)}$, "
                     rf"$\pi = {format_exact(c.weight)}$")
    start.append(r"\end{itemize}")
    tasks = ", ".join(TASKS[k][1] for k in spec.kinds)
    iterations = "one EM iteration" if spec.iterations == 1 else f"{spec.iterations} EM iterations"
    return "\n".join([r"\documentclass[11pt]{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage{amsmath}",
                      r"\usepackage[margin=2.5cm]{geometry}", r"\begin{document}",
                      rf"\section*{{Exercise: {iterations} for a Gaussian mixture (variant {v.number})}}",
                      f"The data ({p.n} points):", "", r"\begin{center}", *table, r"\end{center}", "",
                      f"The starting mixture ({p.K} components):", *start, "",
                      f"Compute {iterations}: {tasks}. Give every number to {spec.digits} significant digits, "
                      "and show the numbers you used.", r"\end{document}", ""])


def key_claims(v: Variant) -> str:
    """The key's numbers as a claims file (``[values]``), ready for ``gmmexact check`` or grading."""
    lines = ["# The certified answers of this variant, as printed in its key", "[values]"]
    d = v.problem.d
    grouped: dict[str, object] = {}
    for entry, text in v.certificate.answers.items():
        key = Key.parse(entry)
        whole = str(key.whole)
        if not key.entry:
            grouped[whole] = text
        elif len(key.entry) == 1:
            grouped.setdefault(whole, [""] * d)[key.entry[0]] = text
        else:
            grouped.setdefault(whole, [[""] * d for _ in range(d)])[key.entry[0]][key.entry[1]] = text
    for whole, value in grouped.items():
        lines.append(f"{json.dumps(whole, ensure_ascii=False)} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def stress(vs: list[Variant], rejected: Counter, spec: ExerciseSpec, seconds: float) -> dict:
    """The stress report over a set of variants (plain data: ``stress.json``)."""
    by_kind: dict[str, list[Fraction]] = {}
    for v in vs:
        for entry, text in v.certificate.answers.items():
            by_kind.setdefault(Key.parse(entry).kind, []).append(Fraction(text.replace("e", "E")) if "e" not in text
                                                                  else Fraction(_sci(text)))
    answers = {kind: {"values": len(xs), "min": _short(min(xs)), "max": _short(max(xs)),
                      "distinct": len(set(xs))} for kind, xs in by_kind.items()}
    margins = [v.certificate.margin for v in vs if v.certificate.margin is not None]
    draws = sum(v.draws for v in vs)
    return {"variants": len(vs), "draws": draws, "rejected": dict(rejected.most_common()),
            "spec": {k: (list(x) if isinstance(x, tuple) else x) for k, x in spec.__dict__.items()},
            "answers": answers,
            "nearest_boundary": float(min(margins)) if margins else None,
            "seconds": round(seconds, 2),
            "seconds_per_variant": [round(v.certificate.seconds, 3) for v in vs]}


def _sci(text: str) -> Fraction:
    mantissa, _, exponent = text.partition("e")
    return Fraction(mantissa) * Fraction(10) ** int(exponent)


def _short(q: Fraction) -> str:
    return f"{float(q):.4g}"


def stress_markdown(report: dict) -> str:
    """The stress report in Markdown."""
    lines = ["# Stress report", "",
             f"{report['variants']} variants passed every certificate, out of {report['draws']} draws "
             f"({report['seconds']} s in all).", "",
             f"Nearest approach of any printed answer to a rounding boundary: {report['nearest_boundary']:.3f} of a "
             "unit in its last digit." if report["nearest_boundary"] is not None else "", "",
             "| answer | values | smallest | largest | distinct |", "|---|---|---|---|---|"]
    for kind, a in report["answers"].items():
        lines.append(f"| {kind} ({CATALOGUE[kind].symbol_text}) | {a['values']} | {a['min']} | {a['max']} | {a['distinct']} |")
    if report["rejected"]:
        lines += ["", "Draws rejected, by reason:", ""]
        lines += [f"- {reason}: {n}" for reason, n in report["rejected"].items()]
    return "\n".join(lines) + "\n"


def generate(spec: ExerciseSpec, count: int, seed: int, out: str | Path, *, on_variant=None) -> dict:
    """Write ``count`` certified variants and the stress report under ``out``; return the report."""
    from ..rendering.solution import LatexOptions, latex_document  # noqa: PLC0415

    if not 1 <= count <= 1000:
        raise InputError(None, "--variants", f"is {count}", "from 1 to 1000")
    out = Path(out)
    started = time.perf_counter()
    vs, rejected = variants(spec, count, seed, on_variant=on_variant)
    out.mkdir(parents=True, exist_ok=True)
    width = len(str(count))
    for v in vs:
        folder = out / f"variant-{v.number:0{width}d}"
        folder.mkdir(exist_ok=True)
        write_atomic(folder / "problem.toml", problem_toml(v.problem).replace(
            "# The problem as read from the document: check it, correct it if needed, then\n"
            "# gmmexact check THIS_FILE DOCUMENT",
            f"# Exercise variant {v.number} (seed {seed}); check a student's work with\n"
            "# gmmexact check problem.toml DOCUMENT"))
        write_atomic(folder / "sheet.md", sheet_markdown(v, spec))
        write_atomic(folder / "sheet.tex", sheet_latex(v, spec))
        write_atomic(folder / "key.toml", key_claims(v))
        options = LatexOptions(digits=spec.digits, iterations=spec.iterations, compact=v.problem.n > 8,
                               source=str(folder / "problem.toml"))
        write_atomic(folder / "solution.tex", latex_document(v.certificate.run, options))
    report = stress(vs, rejected, spec, time.perf_counter() - started)
    write_atomic(out / "stress.json", json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    write_atomic(out / "stress.md", stress_markdown(report))
    return report
