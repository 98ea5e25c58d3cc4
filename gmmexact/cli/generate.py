"""``gmmexact generate``: exercise variants whose keys are certified, with a stress report."""
from __future__ import annotations

import argparse
import sys


def _names(text: str) -> tuple[str, ...]:
    names = tuple(x.strip() for x in text.split(",") if x.strip())
    if not names:
        raise argparse.ArgumentTypeError(f"{text!r} names nothing")
    return names


def _kinds(text: str) -> tuple[str, ...]:
    return _names(text)


def add_parser(sub) -> None:
    gen = sub.add_parser("generate", help="exercise variants with certified keys: problem, student sheet, worked "
                                          "solution and key claims per variant, and a stress report")
    gen.add_argument("-o", "--output", required=True, help="folder for the variants (created)")
    gen.add_argument("--variants", type=int, default=10, help="how many variants (default 10)")
    gen.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same variants")
    gen.add_argument("--d", type=int, default=2, help="variables per point (1 to 4; default 2)")
    gen.add_argument("--k", type=int, default=2, help="components (1 to 6; default 2)")
    gen.add_argument("--n", type=int, default=6, help="points (k to 52; default 6)")
    gen.add_argument("--range", dest="value_range", default="0,100", metavar="LOW,HIGH",
                     help="range of the data's coordinates (default 0,100)")
    gen.add_argument("--form", choices=("integer", "one-decimal"), default="integer",
                     help="how data and starting means are written (default integer)")
    gen.add_argument("--spread", type=float, default=0.15, help="cluster half-width as a fraction of the range")
    gen.add_argument("--iterations", type=int, default=1, help="EM iterations asked for (1 to 3; default 1)")
    gen.add_argument("--digits", type=int, default=3, help="significant digits students show (default 3)")
    gen.add_argument("--margin", type=float, default=0.02,
                     help="least distance of every answer from a rounding boundary, in units of its last digit "
                          "(default 0.02)")
    gen.add_argument("--saturated", action="store_true", help="allow responsibilities that round to 0 or 1")
    gen.add_argument("--singular", choices=("avoid", "require", "any"), default="avoid",
                     help="updated covariances: all invertible (default), one singular (as in the seed), either")
    gen.add_argument("--answers", type=_kinds, metavar="KINDS",
                     help="the quantities asked for (default density,resp,count,weight,mean,cov)")
    gen.add_argument("--variables", type=_names, help="comma-separated variable names")
    gen.add_argument("--components", type=_names, help="comma-separated component names")
    gen.add_argument("--force", action="store_true", help="write into a folder that already holds variants")


def run(args) -> int:
    from pathlib import Path  # noqa: PLC0415

    from ..exercises.generate import generate  # noqa: PLC0415
    from ..exercises.spec import ANSWER_KINDS, ExerciseSpec  # noqa: PLC0415
    from ..model.errors import InputError  # noqa: PLC0415

    try:
        low, high = (int(x) for x in args.value_range.split(","))
    except ValueError:
        raise InputError(None, "--range", f"is {args.value_range!r}", "LOW,HIGH as two whole numbers, e.g. 0,100") from None
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise InputError(args.output, None, "is a file", "a folder for the variants")
    if out.is_dir() and any(out.glob("variant-*")) and not args.force:
        raise InputError(args.output, None, "already holds variants", "another folder, or --force to replace them")
    spec = ExerciseSpec(d=args.d, k=args.k, n=args.n, low=low, high=high, form=args.form, spread=args.spread,
                        iterations=args.iterations, digits=args.digits, margin=args.margin, saturated=args.saturated,
                        singular=args.singular, kinds=args.answers or ANSWER_KINDS, variables=args.variables,
                        components=args.components)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: PLC0415

    with Progress(TextColumn("certifying variants"), BarColumn(), MofNCompleteColumn(),
                  disable=not sys.stderr.isatty(), transient=True) as bar:
        task = bar.add_task("variants", total=args.variants)
        report = generate(spec, args.variants, args.seed, out, on_variant=lambda _: bar.advance(task))
    print(f"gmmexact: {report['variants']} variants certified from {report['draws']} draws (nearest approach to a "
          f"rounding boundary: {report['nearest_boundary']:.3f} of a last-digit unit)", file=sys.stderr)
    print(f"gmmexact: wrote {out} in {report['seconds']} s (stress report: {out / 'stress.md'})", file=sys.stderr)
    return 0
