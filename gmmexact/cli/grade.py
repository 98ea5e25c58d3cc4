"""``gmmexact grade``: a class of submissions checked, scored and written as a gradebook and exports."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..model.errors import InputError


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 512:
        raise argparse.ArgumentTypeError(f"{value} is not from 1 to 512")
    return value


def add_parser(sub) -> None:
    grade = sub.add_parser("grade", help="grade a class: every submission checked and scored; a gradebook, "
                                         "marked documents, a class report and learning-platform exports")
    grade.add_argument("submissions", nargs="?", help="a folder with one document per student (or one folder each)")
    grade.add_argument("--problem", help="the problem file (TOML) every submission answers (default: each "
                                         "document's own)")
    grade.add_argument("--manifest", metavar="ROSTER.csv",
                       help="a roster: columns student, document and optionally problem (paths relative to it)")
    grade.add_argument("--policy", metavar="POLICY.toml", help="scoring policy (points per step, follow-through "
                                                               "credit, deductions; default: see docs)")
    grade.add_argument("-o", "--output", required=True, help="folder for the grades (created)")
    grade.add_argument("--workers", type=_workers, help="worker processes (default: every core)")
    grade.add_argument("--timeout", type=float, default=120.0,
                       help="seconds allowed per submission before it is reported as too slow (default 120)")
    grade.add_argument("--no-marked", action="store_true", help="do not write the marked documents")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    from ..grading.classreport import class_html, class_markdown, class_plot_svg, gradebook_csv  # noqa: PLC0415
    from ..grading.classrun import check_output_folder, grade_class  # noqa: PLC0415
    from ..grading.exports import write_exports  # noqa: PLC0415
    from ..grading.policy import load_policy  # noqa: PLC0415
    from ..grading.submissions import folder_submissions, roster_submissions  # noqa: PLC0415
    from ..model.atomic import write_atomic  # noqa: PLC0415

    if (args.submissions is None) == (args.manifest is None):
        raise InputError(None, "grade", "needs either a submissions folder or --manifest, not both"
                         if args.submissions else "needs the submissions",
                         "gmmexact grade FOLDER --problem P.toml -o OUT, or gmmexact grade --manifest ROSTER.csv -o OUT")
    if args.timeout < 0:
        raise InputError(None, "--timeout", f"is {args.timeout}", "seconds ≥ 0 (0: no limit)")
    policy = load_policy(args.policy)
    if args.problem is not None and not Path(args.problem).is_file():
        raise InputError(args.problem, None, "file not found", "the problem file (TOML) the class answers")
    subs = roster_submissions(args.manifest) if args.manifest else folder_submissions(args.submissions)
    inputs = [Path(args.submissions)] if args.submissions else [Path(args.manifest).parent]
    out = check_output_folder(args.output, inputs)
    rows = grade_class(subs, out, problem=args.problem, policy=policy, workers=args.workers,
                       marked=not args.no_marked, seconds=args.timeout, progress=False if args.quiet else None)
    svg = class_plot_svg(rows, policy)
    write_atomic(out / "gradebook.csv", gradebook_csv(rows, policy))
    if svg:
        write_atomic(out / "class-plot.svg", svg)
    write_atomic(out / "class-report.md", class_markdown(rows, policy, "class-plot.svg" if svg else None))
    write_atomic(out / "class-report.html", class_html(rows, policy, svg))
    write_exports(rows, policy, out)
    graded = sum(r.grade is not None for r in rows)
    reused = sum(r.reused for r in rows)
    print(f"gmmexact: graded {graded} of {len(rows)} submissions"
          + (f" ({reused} unchanged since the last run)" if reused else "")
          + (f"; {len(rows) - graded} not graded, with the reason in {out / 'gradebook.csv'}" if graded < len(rows) else "")
          + f"; wrote {out}", file=sys.stderr)
    return 0
