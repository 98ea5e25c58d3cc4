"""Command-line interface: ``gmmexact solve PROBLEM.toml [options]``.

Exit status: 0 success; 2 bad input (file, field, what is wrong, what would be right);
3 fewer iterations than requested because a step is undefined (singular covariance); 1 a check found
a wrong claim (or a carried one, with ``--strict``), or an internal error (or pdflatex failed on a
document); 4 ``latex --pdf`` found no LaTeX engine on PATH.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..model.errors import InputError
from ..model.version import __version__

EXIT_OK, EXIT_ERROR, EXIT_INPUT, EXIT_UNDEFINED = 0, 1, 2, 3


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gmmexact", description="Exact, certified EM steps for Gaussian mixtures.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    solve = sub.add_parser("solve", help="every step of one or more EM iterations, exact and certified")
    solve.add_argument("problem", help="problem file (TOML)")
    solve.add_argument("--digits", type=_positive, default=6, help="certified significant digits (default 6)")
    solve.add_argument("--iterations", type=_positive, default=1, help="EM iterations (default 1)")
    solve.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    solve.add_argument("--backend", choices=("arb", "mpmath"), default="arb",
                       help="ball arithmetic: python-flint arb (default) or mpmath interval arithmetic")
    solve.add_argument("--normalize-weights", action="store_true", help="divide the weights by their exact sum")
    solve.add_argument("--points", help="comma-separated point labels to show (default: all)")
    solve.add_argument("--max-points", type=_positive, help="show at most this many points (text default 12)")
    solve.add_argument("--forms", choices=("all", "exact", "none"),
                       help="exact forms to include: all (exact value, definition, substituted; default for json and "
                            "markdown), exact (default for text), none (certified decimals only: fast for many points)")
    check = sub.add_parser("check", help="verdicts on a hand-worked document's numbers (the document itself, "
                                          "Markdown/LaTeX/notebook, or a claims file)")
    check.add_argument("inputs", nargs="+", metavar="[PROBLEM] DOCUMENT",
                       help="the document (Markdown, LaTeX, .ipynb; the problem is then read from it) or a claims "
                            "file, after the problem file (TOML) when it is given")
    check.add_argument("--alias", action="append", metavar="NAME=MEANING",
                       help="a name the document uses: a symbol for a kind (u=mean) or a component/point name (1=women)")
    check.add_argument("--aliases", metavar="FILE", help="a TOML file of aliases ([aliases] name = meaning)")
    check.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    check.add_argument("--strict", action="store_true", help="carried rounding counts as a failure (exit 1)")
    check.add_argument("--lenient-rounding", action="store_true",
                       help="numbers rounded too early pass as carried rounding (default: they fail, exit 1)")
    check.add_argument("--backend", choices=("arb", "mpmath"), default="arb")
    check.add_argument("--normalize-weights", action="store_true", help="divide the weights by their exact sum")
    check.add_argument("--annotate", metavar="FILE",
                       help="write the document back with a mark beside each number checked: .md (Markdown or "
                            "notebook input), .html (any document), .tex or .pdf (LaTeX input)")
    draft = sub.add_parser("claims-from", help="the claims a document writes, as a claims file to review")
    draft.add_argument("document", help="Markdown, LaTeX or notebook")
    draft.add_argument("--problem", help="problem file (default: read from the document)")
    draft.add_argument("-o", "--output", help="write the claims file here (default: standard output)")
    draft.add_argument("--force", action="store_true", help="overwrite an existing output file")
    draft.add_argument("--alias", action="append", metavar="NAME=MEANING")
    draft.add_argument("--aliases", metavar="FILE")
    pfrom = sub.add_parser("problem-from", help="the problem (data, starting parameters) a document states, as TOML")
    pfrom.add_argument("document", help="Markdown, LaTeX or notebook")
    pfrom.add_argument("-o", "--output", help="write the problem file here (default: standard output)")
    pfrom.add_argument("--force", action="store_true", help="overwrite an existing output file")
    tmpl = sub.add_parser("claims-template", help="a claims file with every quantity, values left empty")
    tmpl.add_argument("problem", help="problem file (TOML)")
    tmpl.add_argument("--iterations", type=_positive, default=1)
    tmpl.add_argument("-o", "--output", help="write here instead of standard output")
    plot = sub.add_parser("plot", help="a picture: data, components before and after (needs the plot extra)")
    plot.add_argument("problem", help="problem file (TOML)")
    plot.add_argument("-o", "--output", required=True, help="picture file: .png or .svg")
    plot.add_argument("--iterations", type=_positive, default=1,
                      help="EM iterations (default 1); the picture shows the start and the last one")
    plot.add_argument("--points", help="comma-separated labels to write beside their points "
                                       "(default: all up to 30 points, 12 for d > 2; '' for none)")
    plot.add_argument("--dpi", type=_positive, default=150, help="PNG resolution (default 150)")
    plot.add_argument("--normalize-weights", action="store_true", help="divide the weights by their exact sum")
    latex = sub.add_parser("latex", help="the worked solution as a LaTeX document (or one step's align block)")
    latex.add_argument("problem", help="problem file (TOML)")
    latex.add_argument("-o", "--output", help="write here (.tex; with --pdf a .pdf name is the PDF) instead of "
                                              "standard output")
    latex.add_argument("--claims", help="claims file: mark each written number correct / carried / wrong")
    latex.add_argument("--fragment", action="store_true", help="only the step named by --step, as an align* block")
    latex.add_argument("--step", help="quantity key of the fragment, e.g. density.A.women (implies --fragment)")
    latex.add_argument("--points", help="comma-separated point labels to work through (default: all)")
    latex.add_argument("--components", help="comma-separated component names to work through (default: all)")
    latex.add_argument("--compact", action="store_true",
                       help="one representative point per step in full, the others in tables (for many points)")
    latex.add_argument("--digits", type=_positive, default=6, help="certified significant digits (default 6)")
    latex.add_argument("--iterations", type=_positive, default=1, help="EM iterations (default 1)")
    latex.add_argument("--pdf", action="store_true", help="compile with pdflatex from PATH (exit 4 when there is none)")
    latex.add_argument("--backend", choices=("arb", "mpmath"), default="arb")
    latex.add_argument("--normalize-weights", action="store_true", help="divide the weights by their exact sum")
    cross = sub.add_parser("crosscheck", help="certified correct digits of a float EM implementation "
                                              "(scikit-learn, a Python function, a results file)")
    cross.add_argument("problem", help="problem file (TOML): the data and the start")
    cross.add_argument("--with", dest="peer", help="sklearn | module:function | results file (.json, .npz, .csv)")
    cross.add_argument("--covariance-type", choices=("full", "tied", "diag", "spherical"),
                       help="covariance structure (default: the problem's)")
    cross.add_argument("--reg-covar", help="added to every updated covariance's diagonal, read exactly "
                                           "(default: 1e-6 with sklearn, as scikit-learn; else the problem's)")
    cross.add_argument("--iterations", type=_positive, default=1, help="EM iterations (default 1)")
    cross.add_argument("--min-digits", type=int, default=10,
                       help="correct significant digits every value must have for exit status 0 (default 10)")
    cross.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    cross.add_argument("--template", metavar="FILE", help="write a blank results file (.json, .csv or .npz) and stop")
    cross.add_argument("--plot", metavar="FILE", help="also draw the correct digits per value (PNG/SVG; matplotlib)")
    cross.add_argument("--normalize-weights", action="store_true", help="divide the weights by their exact sum")
    cross.add_argument("--method", choices=("auto", "exact", "fast"), default="auto",
                       help="exact layer and arb balls (every diagnosis), or numpy longdouble with rigorous bounds "
                            "(large n); auto: fast from n·K = 20000 for one iteration")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"solve": _solve, "check": _check, "claims-template": _template, "plot": _plot,
                "latex": _latex, "crosscheck": _crosscheck, "claims-from": _claims_from,
                "problem-from": _problem_from}[args.command](args)
    except InputError as e:
        print(f"gmmexact: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # a bug, not the user's input: say so without a traceback
        if os.environ.get("GMMEXACT_DEBUG"):
            raise
        print(f"gmmexact: internal error: {type(e).__name__}: {e}\n"
              f"This is a bug in gmmexact, not in your input; rerun with GMMEXACT_DEBUG=1 for details.",
              file=sys.stderr)
        return EXIT_ERROR


def _solve(args) -> int:
    from ..model.problem import load  # noqa: PLC0415  (keep `gmmexact --help` fast)
    from ..rendering.report import build_report  # noqa: PLC0415
    from ..numerics.run import solve  # noqa: PLC0415

    problem = load(args.problem, normalize_weights=args.normalize_weights)
    points = None
    if args.points:
        points = [p.strip() for p in args.points.split(",") if p.strip()]
        if not points:
            raise InputError(None, "--points", f"{args.points!r} names no point",
                             "comma-separated point labels, e.g. --points A,B")
        unknown = [p for p in points if p not in problem.labels]
        if unknown:
            raise InputError(None, "--points", f"no point labelled {', '.join(unknown)}",
                             f"labels from {', '.join(problem.labels[:10])}{'…' if problem.n > 10 else ''}")
    max_points = args.max_points
    if max_points is None and args.format == "text" and points is None:
        max_points = 12
    run = solve(problem, iterations=args.iterations, backend=args.backend)
    forms = args.forms or ("exact" if args.format == "text" else "all")
    shown = len(points) if points else min(problem.n, max_points or problem.n)
    if forms != "none" and shown * problem.K * args.iterations > 2000:
        print(f"gmmexact: note: exact forms for {shown} points take SymPy about "
              f"{0.015 * shown * problem.K / 2 * args.iterations:.0f} s; --forms none gives the certified "
              f"decimals alone, --max-points fewer points", file=sys.stderr)
    report = build_report(run, digits=args.digits, points=points, max_points=max_points,
                          latex=args.format == "markdown",
                          forms=forms)
    if args.format == "json":
        json.dump(report.as_dict(), sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        from ..rendering.markdown import render_markdown  # noqa: PLC0415

        sys.stdout.write(render_markdown(report))
    else:
        from ..rendering.text import render_text  # noqa: PLC0415

        render_text(report)
    if run.stopped is not None:
        print(f"gmmexact: {run.stopped.message}", file=sys.stderr)
        return EXIT_UNDEFINED
    return EXIT_OK


def _kind_of(path: str) -> str:
    """What a file on the command line is, by its content (a document, a claims or a problem file)."""
    from ..documents import sniff  # noqa: PLC0415

    try:
        with open(path, "rb") as f:
            head = f.read(1 << 20)
    except FileNotFoundError:
        raise InputError(path, None, "file not found", "a document (Markdown, LaTeX, .ipynb) or a claims file") from None
    except OSError as e:
        raise InputError(path, None, f"cannot read the file: {e.strerror or e}", "a readable file") from None
    return sniff(path, head.decode("utf-8-sig", errors="replace"))


def _check(args) -> int:
    from ..checking.documents import check_document, read_aliases  # noqa: PLC0415
    from ..checking.report import check, render_check_markdown, render_check_text  # noqa: PLC0415
    from ..model.problem import load  # noqa: PLC0415

    if len(args.inputs) > 2:
        raise InputError(None, "check", f"{len(args.inputs)} files given",
                         "gmmexact check DOCUMENT, or gmmexact check PROBLEM DOCUMENT (or PROBLEM CLAIMS)")
    problem_path, target = (None, args.inputs[0]) if len(args.inputs) == 1 else args.inputs
    kind = _kind_of(target)
    if kind == "problem-toml":
        raise InputError(target, None, "is a problem file, not a document or claims file",
                         "gmmexact check PROBLEM DOCUMENT (the problem first, then the student's document)")
    annotation = None
    if args.annotate:
        from ..checking.annotate import annotation_format  # noqa: PLC0415

        if kind in ("claims-toml", "claims-csv"):
            raise InputError(None, "--annotate", f"{target} is a claims file: only a document can be written back "
                             "with marks", "gmmexact check [PROBLEM] DOCUMENT --annotate FILE (Markdown, LaTeX or "
                             ".ipynb)")
        annotation = annotation_format(args.annotate, kind, [p for p in (target, problem_path) if p])
    problem = load(problem_path, normalize_weights=args.normalize_weights) if problem_path else None
    checked = None
    if kind in ("claims-toml", "claims-csv"):
        if problem is None:
            raise InputError(target, None, "is a claims file, which needs the problem it refers to",
                             f"gmmexact check PROBLEM {target}")
        report = check(problem, target, backend=args.backend)
    else:
        aliases = read_aliases(args.alias, args.aliases)
        if annotation:
            from ..checking.documents import check_document_placed  # noqa: PLC0415

            checked = check_document_placed(target, problem, aliases=aliases, backend=args.backend)
            report = checked.report
        else:
            report = check_document(target, problem, aliases=aliases, backend=args.backend)
    if args.format == "json":
        json.dump(report.data, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        sys.stdout.write(render_check_markdown(report.data, report.run))
    else:
        render_check_text(report.data)
    if checked is not None:
        from ..checking.annotate import write_annotation  # noqa: PLC0415
        from ..rendering.solution import LatexEngineError  # noqa: PLC0415

        try:
            write_annotation(checked, args.annotate, annotation)
        except LatexEngineError as e:
            print(f"gmmexact: {e}", file=sys.stderr)
            return 4 if e.missing else EXIT_ERROR
        except OSError as e:
            raise InputError(None, "--annotate", f"{args.annotate} cannot be written: {e.strerror or e}",
                             "a writable place") from None
        print(f"gmmexact: wrote {args.annotate}", file=sys.stderr)
    return EXIT_OK if report.passed(strict=args.strict, lenient_rounding=args.lenient_rounding) else EXIT_ERROR


def _write_user_file(path: str, text: str, force: bool) -> None:
    """A file the user will edit: never overwritten without --force; written whole or not at all."""
    target = Path(path)
    if target.exists() and not force:
        raise InputError(path, None, "already exists (a file you may have edited)",
                         "another name, or --force to overwrite it")
    if target.is_dir():
        raise InputError(path, None, "is a directory", "a file name")
    if not target.parent.exists():
        raise InputError(path, None, f"its folder {target.parent} does not exist", "an existing folder")
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise InputError(path, None, f"cannot be written: {e.strerror or e}", "a writable place") from None


def _claims_from(args) -> int:
    from ..checking.documents import claims_toml, document_claims, read_aliases  # noqa: PLC0415
    from ..documents import read_document  # noqa: PLC0415
    from ..documents.problemread import problem_from_document  # noqa: PLC0415
    from ..model.problem import load  # noqa: PLC0415

    document = read_document(args.document)
    problem = load(args.problem) if args.problem else problem_from_document(document)[0]
    _, placements = document_claims(document, problem, read_aliases(args.alias, args.aliases))
    text = claims_toml(placements, args.document)
    if args.output:
        _write_user_file(args.output, text, args.force)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _problem_from(args) -> int:
    from ..documents import read_document  # noqa: PLC0415
    from ..documents.problemread import problem_from_document, problem_toml  # noqa: PLC0415

    problem, sources = problem_from_document(read_document(args.document))
    text = problem_toml(problem, sources)
    if args.output:
        _write_user_file(args.output, text, args.force)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _template(args) -> int:
    from ..checking.claims import template  # noqa: PLC0415
    from ..model.problem import load  # noqa: PLC0415
    from ..numerics.run import solve  # noqa: PLC0415

    text = template(solve(load(args.problem), iterations=args.iterations))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _plot(args) -> int:
    try:
        from ..rendering import plot  # noqa: PLC0415  (matplotlib: the plot extra)
    except ModuleNotFoundError as e:
        if not (e.name or "").startswith("matplotlib"):
            raise
        raise InputError(None, "plot", "needs matplotlib, which is not installed",
                         "the plot extra: pip install 'gmmexact[plot]'") from None
    from ..model.problem import load  # noqa: PLC0415
    from ..numerics.run import solve  # noqa: PLC0415

    plot.output_format(args.output)  # a bad extension fails before any work
    points = None if args.points is None else [p.strip() for p in args.points.split(",") if p.strip()]
    run = solve(load(args.problem, normalize_weights=args.normalize_weights), iterations=args.iterations)
    plot.save(run, args.output, points=points, dpi=args.dpi)
    print(f"gmmexact: wrote {args.output}", file=sys.stderr)
    if run.stopped is not None:
        print(f"gmmexact: {run.stopped.message}", file=sys.stderr)
        return EXIT_UNDEFINED
    return EXIT_OK


def _names(text: str | None, option: str) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(x.strip() for x in text.split(",") if x.strip())
    if not names:
        raise InputError(None, option, f"{text!r} names nothing", f"comma-separated names, e.g. {option} A,B")
    return names


def _latex(args) -> int:
    from ..checking.verdicts import Checker  # noqa: PLC0415
    from ..checking.claims import claims_from_dict, read_claims_data  # noqa: PLC0415
    from ..model.keys import Key  # noqa: PLC0415
    from ..rendering.solution import LatexEngineError, LatexOptions, compile_pdf, latex_document, latex_fragment  # noqa: PLC0415
    from ..model.problem import load  # noqa: PLC0415
    from ..numerics.run import solve  # noqa: PLC0415

    if args.fragment and not args.step:
        raise InputError(None, "--fragment", "needs the step to show", "--step KEY, e.g. --step density.A.women")
    problem = load(args.problem, normalize_weights=args.normalize_weights)
    options = LatexOptions(digits=args.digits, points=_names(args.points, "--points"),
                           components=_names(args.components, "--components"), compact=args.compact,
                           iterations=args.iterations, source=args.problem, claims_source=args.claims)
    shown = len(options.points) if options.points else problem.n
    if not args.step and not args.compact and shown * problem.K * args.iterations > 200:
        print(f"gmmexact: note: every step of {shown} points in full makes a long document; --compact shows one "
              f"point in full and the others in tables", file=sys.stderr)
    if args.step:  # a fragment of a later iteration: solve that far
        try:
            args.iterations = max(args.iterations, Key.parse(args.step).iteration)
        except ValueError:
            pass  # named in latex_fragment's error
    run = solve(problem, iterations=args.iterations, backend=args.backend)
    # one iteration more, for the log-likelihood after the last one shown
    after = solve(problem, iterations=args.iterations + 1, backend=args.backend) if not run.stopped else None
    checks = None
    if args.claims:
        claims = claims_from_dict(read_claims_data(args.claims), run.plan, args.claims)
        checks = Checker(run).check(claims)
    tex = latex_fragment(run, args.step, options, checks) if args.step else latex_document(run, options, checks, after)
    out = args.output
    if args.pdf:
        pdf = out if out and out.lower().endswith(".pdf") else (
            os.path.splitext(out)[0] + ".pdf" if out else os.path.splitext(os.path.basename(args.problem))[0] + ".pdf")
        if out and not out.lower().endswith(".pdf"):
            with open(out, "w", encoding="utf-8") as f:
                f.write(tex)
        try:
            compile_pdf(tex, pdf)
        except LatexEngineError as e:
            print(f"gmmexact: {e}", file=sys.stderr)
            return 4 if e.missing else EXIT_ERROR
        print(f"gmmexact: wrote {pdf}", file=sys.stderr)
    elif out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(tex)
    else:
        sys.stdout.write(tex)
    if run.iterations < args.iterations:
        print(f"gmmexact: computed {run.iterations} of {args.iterations} iterations: iteration {run.iterations + 1} "
              f"needs the inverse of singular covariances (the data satisfy "
              f"{' and '.join(run.stopped.relations)})", file=sys.stderr)
        return EXIT_UNDEFINED
    return EXIT_OK


def _crosscheck(args) -> int:
    from ..crosschecking import report as render  # noqa: PLC0415
    from ..crosschecking.peers import crosscheck, parse_fraction, template  # noqa: PLC0415
    from ..model.problem import load  # noqa: PLC0415
    from ..numerics.run import solve  # noqa: PLC0415

    problem = load(args.problem, normalize_weights=args.normalize_weights)
    if args.template:
        if args.peer or args.plot:
            raise InputError(None, "--template", f"was given with {'--with' if args.peer else '--plot'}",
                             "--template FILE alone (it writes a blank results file and compares nothing)")
        text = template(solve(problem, iterations=args.iterations), args.template)
        try:
            with open(args.template, "wb" if isinstance(text, bytes) else "w",
                      **({} if isinstance(text, bytes) else {"encoding": "utf-8"})) as f:
                f.write(text)
        except OSError as e:
            raise InputError(args.template, None, f"cannot be written ({e.strerror})", "a file in a writable directory") from None
        print(f"gmmexact: wrote {args.template}", file=sys.stderr)
        return EXIT_OK
    if args.plot:
        render.check_plot_path(args.plot)
    if not args.peer:
        raise InputError(None, "--with", "is missing", "sklearn, module:function or a results file (or --template FILE)")
    if args.min_digits < 0:
        raise InputError(None, "--min-digits", f"is {args.min_digits}", "a number of digits >= 0")
    reg = None if args.reg_covar is None else parse_fraction(args.reg_covar, "--reg-covar")
    if reg is not None and reg < 0:
        raise InputError(None, "--reg-covar", f"is {args.reg_covar}", "a value >= 0")
    import warnings  # noqa: PLC0415

    from ..crosschecking.peers import ExactPathWarning  # noqa: PLC0415

    def note(message, category, *rest, **kw):  # the fallback note, before the long exact path runs
        if issubclass(category, ExactPathWarning):
            print(f"gmmexact: note: {message}", file=sys.stderr, flush=True)
        else:
            default_show(message, category, *rest, **kw)

    default_show = warnings.showwarning
    with warnings.catch_warnings():
        warnings.showwarning = note
        result = crosscheck(args.peer, start=problem, iterations=args.iterations, min_digits=args.min_digits,
                            covariance_type=args.covariance_type, reg_covar=reg, method=args.method)
    data = result.as_dict(limit=None if args.format == "json" else 200)
    if args.format == "json":
        json.dump(data, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        sys.stdout.write(render.render_markdown(data))
    else:
        render.render_text(data)
    if args.plot:
        render.plot_digits(data, result.digits_by_kind(), args.plot, result.digits_by_kind(held=True))
    return EXIT_OK if result.passed else EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
