"""Command-line interface: ``gmmexact solve PROBLEM.toml [options]`` and the other commands.

Exit status (stable; scripts may rely on it):

* 0: success.
* 1: a check found a wrong claim (or a carried one, with ``--strict``), a cross-check found values
  below ``--min-digits``, pdflatex failed on a document (its log is kept and named), or an internal
  error (a bug in gmmexact: one line, and ``GMMEXACT_DEBUG=1`` shows the traceback).
* 2: bad input, said in one line ``gmmexact: error: FILE: FIELD: what is wrong; expected what would
  be right``: a file or option that cannot be used, an output place that cannot be written (a
  missing folder, a folder, a path under a file, no permission, a read-only or full disk, one of
  the command's own inputs, an existing file a person edits without ``--force``), or a request
  estimated past the limits (:mod:`gmmexact.model.limits`: the estimate, and ``--force``).
* 3: fewer iterations than requested, because a step is undefined (a singular covariance).
* 4: ``latex --pdf`` or ``check --annotate FILE.pdf`` found no LaTeX engine on PATH.
* 130: interrupted (Ctrl-C): one line, ``gmmexact: interrupted``; no output file is left half-written.
* 141: standard output was closed before everything was written (``gmmexact solve p.toml | head``):
  one line on standard error, no traceback; 141 is what a shell reports for a program ended by
  SIGPIPE (128 + 13), so pipelines and ``set -o pipefail`` see the usual status.

``--force`` (solve, check, latex, plot, crosscheck, claims-template) runs a request even when its
estimated time or memory is past the limits; on claims-template, claims-from, problem-from and
``crosscheck --template`` it also replaces an existing output file, which those commands otherwise
never overwrite (a file a person edits). No command writes over one of its own input files, with or
without ``--force``. Every output file is written whole or not at all
(:func:`gmmexact.model.atomic.write_atomic`), its place checked before any work.
"""
from __future__ import annotations

import argparse
import codecs
import contextlib
import errno
import json
import re
import os
import stat
import sys
import tempfile
from pathlib import Path

from ..model import limits
from ..model.atomic import check_writable, write_atomic
from ..model.errors import InputError
from ..model.version import __version__
from . import generate, grade

EXIT_OK, EXIT_ERROR, EXIT_INPUT, EXIT_UNDEFINED, EXIT_NO_ENGINE = 0, 1, 2, 3, 4
EXIT_INTERRUPTED, EXIT_CLOSED_PIPE = 130, 141
FORCED = {"seconds": float("inf"), "memory_bytes": 1 << 62}
"""The cost limits while a command runs with ``--force``."""

_PLACE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


COST_HELP = "run even if the estimated time or memory is past the limits (see gmmexact.model.limits)"


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
    solve.add_argument("--explain-precision", action="store_true",
                       help="say how each value shown was decided: an exact rational, ball arithmetic at which "
                            "precision, the exact decision procedure, or undecided")
    solve.add_argument("--workers", type=_positive, metavar="N",
                       help="partition the points over N local worker processes (dask.distributed): the model's "
                            "parameters and log-likelihood only, identical bit for bit for any partitioning")
    solve.add_argument("--dask", metavar="ADDRESS", help="the same on a running dask.distributed scheduler "
                                                         "(tcp://host:8786)")
    solve.add_argument("--partitions", type=_positive, metavar="P",
                       help="partitions of the points with --workers or --dask (default 4 per worker)")
    solve.add_argument("--stream", action=argparse.BooleanOptionalAction, default=None,
                       help="read the problem's points_file in pieces into a binary store on disk (memory "
                       "independent of the number of points); default: for files over 256 MB")
    solve.add_argument("--scratch", metavar="DIR", help="keep that store in DIR (reused by the next run on the same "
                       "file; on a cluster, a directory every worker mounts at the same path); default: a "
                       "temporary directory removed at exit")
    solve.add_argument("--quiet", action="store_true", help="no progress bars")
    solve.add_argument("--force", action="store_true", help=COST_HELP)
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
    check.add_argument("--quiet", action="store_true", help="no progress bars")
    check.add_argument("--force", action="store_true", help=COST_HELP)
    draft = sub.add_parser("claims-from", help="the claims a document writes, as a claims file to review")
    draft.add_argument("document", help="Markdown, LaTeX or notebook")
    draft.add_argument("--problem", help="problem file (default: read from the document)")
    draft.add_argument("-o", "--output", help="write the claims file here (default: standard output)")
    draft.add_argument("--force", action="store_true", help="overwrite an existing output file; and " + COST_HELP)
    draft.add_argument("--alias", action="append", metavar="NAME=MEANING")
    draft.add_argument("--aliases", metavar="FILE")
    pfrom = sub.add_parser("problem-from", help="the problem (data, starting parameters) a document states, as TOML")
    pfrom.add_argument("document", help="Markdown, LaTeX or notebook")
    pfrom.add_argument("-o", "--output", help="write the problem file here (default: standard output)")
    pfrom.add_argument("--force", action="store_true", help="overwrite an existing output file; and " + COST_HELP)
    tmpl = sub.add_parser("claims-template", help="a claims file with every quantity, values left empty")
    tmpl.add_argument("problem", help="problem file (TOML)")
    tmpl.add_argument("--iterations", type=_positive, default=1)
    tmpl.add_argument("-o", "--output", help="write here instead of standard output (an existing file only with --force)")
    tmpl.add_argument("--force", action="store_true", help="overwrite an existing output file; and " + COST_HELP)
    plot = sub.add_parser("plot", help="a picture: data, components before and after (needs the plot extra)")
    plot.add_argument("problem", help="problem file (TOML)")
    plot.add_argument("-o", "--output", required=True, help="picture file: .png or .svg")
    plot.add_argument("--iterations", type=_positive, default=1,
                      help="EM iterations (default 1); the picture shows the start and the last one")
    plot.add_argument("--points", help="comma-separated labels to write beside their points "
                                       "(default: all up to 30 points, 12 for d > 2; '' for none)")
    plot.add_argument("--dpi", type=_positive, default=150, help="PNG resolution (default 150)")
    plot.add_argument("--normalize-weights", action="store_true", help="divide the weights by their exact sum")
    plot.add_argument("--quiet", action="store_true", help="no progress bars")
    plot.add_argument("--force", action="store_true", help="draw even past 100 megapixels (up to matplotlib's 65535 "
                                                           "pixels a side); and " + COST_HELP)
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
    latex.add_argument("--title", help="the document's title (default: Worked EM solution: PROBLEM)")
    latex.add_argument("--author", help="the author line under the title")
    latex.add_argument("--figures", action="store_true",
                       help="include the data-and-ellipses and responsibilities pictures (PDF files OUT-data.pdf, "
                            "OUT-resp.pdf beside the output; needs matplotlib)")
    latex.add_argument("--carry-digits", type=_positive, metavar="K",
                       help="write the solution as a calculator chain carrying K significant digits")
    latex.add_argument("--layout", choices=("handout", "steps"), default="handout",
                       help="handout: each general formula once, one line per point and component; steps: every "
                            "step in full")
    latex.add_argument("--quiet", action="store_true", help="no progress bars")
    latex.add_argument("--force", action="store_true", help=COST_HELP)
    cross = sub.add_parser("crosscheck", help="certified correct digits of a float EM implementation "
                                              "(scikit-learn, a Python function, a results file)")
    cross.add_argument("problem", help="problem file (TOML): the data and the start")
    cross.add_argument("--with", dest="peer", help="sklearn | module:function | results file (.json, .npz, .csv)")
    cross.add_argument("--data", metavar="FILE", help="the points from a data file (CSV, .npy, Parquet) instead of "
                                                      "the problem's: decimal text exactly, binary floats as the "
                                                      "exact binary fractions they are")
    cross.add_argument("--covariance-type", choices=("full", "tied", "diag", "spherical"),
                       help="covariance structure (default: the problem's)")
    cross.add_argument("--reg-covar", help="added to every updated covariance's diagonal, read exactly "
                                           "(default: 1e-6 with sklearn, as scikit-learn; else the problem's)")
    cross.add_argument("--iterations", type=_positive, default=1, help="EM iterations (default 1)")
    cross.add_argument("--min-digits", type=int,
                       help="correct significant digits every value must have for exit status 0 (default by the "
                            "peer's float type: float64 10, float32 4, float16 and bfloat16 1)")
    cross.add_argument("--peer-dtype", choices=("float64", "float32", "float16", "bfloat16"),
                       help="the float type the peer computes in (default: detected from the arrays a function "
                            "returns; float64 for files and scikit-learn)")
    cross.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    cross.add_argument("--template", metavar="FILE", help="write a blank results file (.json, .csv or .npz) and stop "
                                                          "(an existing file only with --force)")
    cross.add_argument("--plot", metavar="FILE", help="also draw the correct digits per value (PNG/SVG; matplotlib)")
    cross.add_argument("--normalize-weights", action="store_true", help="divide the weights by their exact sum")
    cross.add_argument("--method", choices=("auto", "exact", "fast", "float64", "longdouble"), default="auto",
                       help="exact layer and arb balls (every diagnosis), or rigorous bounds over whole arrays "
                            "(large n: float64 where they decide, else longdouble; float64/longdouble force one); "
                            "auto: fast from n·K = 20000")
    cross.add_argument("--baseline", metavar="OLD.json", help="compare every quantity's proven digits with an earlier "
                                                              "report (crosscheck --format json)")
    cross.add_argument("--fail-on-regression", action="store_true",
                       help="with --baseline: exit status 1 when any quantity has fewer proven digits than before")
    cross.add_argument("--quiet", action="store_true", help="no progress bars")
    cross.add_argument("--force", action="store_true", help=COST_HELP + "; with --template, overwrite an existing file")
    grade.add_parser(sub)
    generate.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module docstring)."""
    try:
        try:
            return _run(argv)
        except BrokenPipeError:
            _abandon_stdout()
            _say("gmmexact: standard output was closed before everything was written (e.g. by | head)")
            return EXIT_CLOSED_PIPE
    except KeyboardInterrupt:
        _say("gmmexact: interrupted")
        return EXIT_INTERRUPTED


COMMANDS = {}


def _run(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    silent = contextlib.nullcontext()
    if getattr(args, "quiet", False):
        from ..numerics.cost import quiet  # noqa: PLC0415

        silent = quiet()
    try:
        with limits.override(**FORCED) if getattr(args, "force", False) else contextlib.nullcontext(), silent:
            code = COMMANDS[args.command](args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        raise
    except InputError as e:
        _say(f"gmmexact: error: {e}")
        return EXIT_INPUT
    except OSError as e:
        if e.errno not in _PLACE_ERRNOS or os.environ.get("GMMEXACT_DEBUG"):
            return _internal(e)
        where = e.filename if e.filename is not None else "standard output"
        if e.filename is None:
            _abandon_stdout()
        _say(f"gmmexact: error: {InputError(str(where), None, _reason(e), _remedy(e))}")
        return EXIT_INPUT
    except UnicodeEncodeError as e:
        if not _is_stdout_encoding(e.encoding):
            return _internal(e)
        _abandon_stdout()
        _say(f"gmmexact: error: standard output: its encoding, {sys.stdout.encoding}, cannot write "
             f"{e.object[e.start:e.end]!r}; expected UTF-8 output (e.g. PYTHONIOENCODING=utf-8)")
        return EXIT_INPUT
    except MemoryError:
        if os.environ.get("GMMEXACT_DEBUG"):
            raise
        _say(f"gmmexact: error: {args.command}: ran out of memory; expected a smaller request (fewer points, "
             "components, iterations or digits), or more memory")
        return EXIT_INPUT
    except Exception as e:  # a bug, not the user's input: say so without a traceback
        return _internal(e)


def _internal(e: Exception) -> int:
    if os.environ.get("GMMEXACT_DEBUG"):
        raise e
    _say(f"gmmexact: internal error: {type(e).__name__}: {e}\n"
         f"This is a bug in gmmexact, not in your input; rerun with GMMEXACT_DEBUG=1 for details.")
    return EXIT_ERROR


def _is_stdout_encoding(name: str) -> bool:
    try:
        return codecs.lookup(name).name == codecs.lookup(sys.stdout.encoding).name
    except (LookupError, TypeError, AttributeError):
        return False


def _say(line: str) -> None:
    """One line on standard error, even when standard error itself is gone."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _abandon_stdout() -> None:
    """Point standard output at the null device, so that the interpreter's last flush of a closed or
    full standard output says nothing (only for the process's own standard output)."""
    if sys.stdout is not sys.__stdout__ or sys.stdout is None:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _console():
    """A rich console whose closed pipe is a :class:`BrokenPipeError` for :func:`main`, not rich's own exit."""
    from rich.console import Console  # noqa: PLC0415  (keep `gmmexact --help` fast)

    class PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError(errno.EPIPE, "standard output closed")

    return PipeConsole()


def _reason(e: OSError) -> str:
    reasons = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
               errno.EACCES: "permission denied", errno.EPERM: "permission denied",
               errno.EROFS: "the file system is read-only", errno.EFBIG: "the file is too large for its disk",
               errno.ENAMETOOLONG: "the name is too long"}
    return reasons.get(e.errno, e.strerror or str(e))


def _remedy(e: OSError) -> str:
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "free space on that disk, or another place"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "a place you have permission to use"
    if e.errno == errno.ENAMETOOLONG:
        return "a shorter file name"
    return "a writable place"


# --- output places -------------------------------------------------------------------------------

def _place(path: str, option: str, inputs=(), *, user_file: bool = False, force: bool = False) -> Path:
    """Check an output place before any work: never one of ``inputs``; a folder that exists and can
    be written, with free space; a regular file or none (a device or a pipe would be replaced by the
    whole-file write); a ``user_file`` that exists only with ``force``."""
    for part in (Path(path), Path(path).parent):
        try:
            os.stat(part)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise InputError(path, option, "is a loop of symbolic links", "a file name that leads to a file") from None
        except ValueError:  # a NUL character
            raise InputError(path, option, "holds a NUL character", "a file name") from None
    try:
        target = check_writable(path, inputs=[i for i in inputs if i], user_file=user_file, force=force,
                                option=option)
        mode = os.stat(target).st_mode if target.exists() else None
    except OSError as e:  # a name too long
        raise InputError(path, option, f"cannot be written: {_reason(e)}", _remedy(e)) from None
    if mode is not None and not stat.S_ISREG(mode):
        raise InputError(path, option, "is not a regular file (a device, a pipe or a socket), which writing the "
                         "output whole would replace", "a file name (without the option, the output goes to "
                         "standard output where there is one)")
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=folder)
    except OSError as e:
        raise InputError(path, option, f"cannot be written: {_reason(e)}", _remedy(e)) from None
    os.close(fd)
    os.unlink(probe)
    try:
        space = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs (Windows): the write itself reports a full disk
        return target
    free = space.f_bfree if hasattr(os, "geteuid") and os.geteuid() == 0 else space.f_bavail
    if space.f_blocks and free == 0:
        raise InputError(path, option, "cannot be written: the disk is full", "free space on that disk, or another place")
    return target


def _write_by_extension(path: str, option: str, writer) -> None:
    """Replace ``path`` whole with what ``writer(staged_path)`` writes, for a writer that picks its
    format by the file's extension (a staged file of the same name in a temporary folder beside it)."""
    target = Path(path)
    with tempfile.TemporaryDirectory(prefix=".gmmexact-", dir=target.parent if str(target.parent) else ".") as tmp:
        staged = Path(tmp) / target.name
        try:
            writer(str(staged))
            data = staged.read_bytes()
        except OSError as e:
            raise InputError(path, option, f"cannot be written: {_reason(e)}", _remedy(e)) from None
        write_atomic(path, data, option=option)


def _afford(problem, iterations: int, digits: int, backend: str = "arb", *, points: int | None = None,
            forms: bool = True) -> None:
    """Refuse, before solving, a request estimated past the limits (lifted by ``--force``): ``points``
    shown with exact ``forms`` (SymPy) in the report, every value certified to ``digits``."""
    from ..numerics.cost import estimate_solve  # noqa: PLC0415

    limits.require_affordable(estimate_solve(problem, iterations, digits, backend, points=points, forms=forms))


# --- the commands --------------------------------------------------------------------------------

LARGE_N = 2000  # from this many points, a report refused as too expensive becomes the parameters path


def _solve_partitioned(args, problem) -> int:
    """``solve --workers N`` / ``--dask ADDRESS``: the parameters from merged partition statistics."""
    from ..numerics.partitioned import check_model  # noqa: PLC0415
    from ..numerics.tiers import certified_parameters  # noqa: PLC0415

    if args.workers and args.dask:
        raise InputError(None, "--dask", "was given with --workers", "one of them: a local cluster or a scheduler")
    if args.points or args.max_points or (args.forms not in (None, "none")) or args.format == "markdown" \
            or args.backend != "arb":
        raise InputError(None, "--workers" if args.workers else "--dask" if args.dask else "--partitions",
                         "gives the parameters and log-likelihood only (certified decimals, arb)",
                         "no --points, --max-points, --forms, --backend mpmath or --format markdown with it")
    from ..model.limits import require_affordable  # noqa: PLC0415
    from ..numerics.partitioned import estimate  # noqa: PLC0415

    check_model(problem)
    from ..numerics.tiers import tier1_data  # noqa: PLC0415

    if isinstance(tier1_data(problem.points)[0], str):  # tier 2 from the start: its cost is known now
        require_affordable(estimate(problem, args.iterations, args.workers or 1), force=args.force)
    if not (args.workers or args.dask):
        run = certified_parameters(problem, args.iterations, partitions=args.partitions or 1, digits=args.digits,
                                   progress=not args.quiet, force=args.force)
    else:
        try:
            from distributed import Client, LocalCluster  # noqa: PLC0415
        except ImportError:
            raise InputError(None, "--workers" if args.workers else "--dask", "needs dask.distributed, which is "
                             "not installed", 'pip install "gmmexact[dask]"') from None
        import contextlib  # noqa: PLC0415
        import logging  # noqa: PLC0415

        logging.getLogger("distributed").setLevel(logging.ERROR)
        with contextlib.ExitStack() as stack:
            if args.workers:
                cluster = stack.enter_context(LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                                           processes=True, dashboard_address=None))
                client = stack.enter_context(Client(cluster))
            else:
                try:
                    client = stack.enter_context(Client(args.dask, timeout=float(os.environ.get(
                        "GMMEXACT_DASK_TIMEOUT", "30"))))  # seconds to reach the scheduler
                except (OSError, TimeoutError, ValueError) as e:
                    raise InputError(None, "--dask", f"{args.dask!r} cannot be reached ({e})",
                                     "the address of a running scheduler, e.g. tcp://host:8786") from None
            workers = len(client.scheduler_info().get("workers", {})) or 1
            run = certified_parameters(problem, args.iterations, partitions=args.partitions or 4 * workers,
                                       client=client, digits=args.digits, progress=not args.quiet, force=args.force,
                                       workers=workers)
    values = {k: run.decimal(k, args.digits) for k in run.keys()}
    if args.format == "json":
        json.dump({"problem": str(args.problem), "iterations": len(run.iterations), "digits": args.digits,
                   "partitions": run.partitions, "where": run.workers, "precision_bits": run.prec, "tier": run.tier,
                   "stopped": run.stopped, "values": values}
               | ({"precision": dict(run.decided or {})} if args.explain_precision else {}),
                  sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        out = [f"gmmexact {args.problem} · {len(run.iterations)} iteration(s) · {run.partitions} partition(s) on "
               f"{run.workers} · {args.digits} certified digits ("
               + ((f"tier 1: {'double-double' if run.kernel == 'pair' else 'float64'} over whole arrays with "
                   "rigorous bounds") if run.tier == "float64"
                  else f"{run.tier}, {run.prec} bits per point") + "; identical for any partitioning)"]
        width = max(len(k) for k in values)
        for k, v in values.items():
            out.append(f"{k:<{width}}  {_flat_text(v)}")
        if run.stopped:
            out.append(f"stopped after {len(run.iterations)} of {args.iterations} iteration(s): {run.stopped}")
        sys.stdout.write("\n".join(out) + "\n")
        if args.explain_precision:
            sys.stdout.write(_precision_text(dict(run.decided or {})))
    return EXIT_UNDEFINED if run.stopped else EXIT_OK


def _flat_text(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_flat_text(x) for x in v) + "]"
    return "undecided" if v is None else v


def _solve(args) -> int:
    from ..model.problem import load  # noqa: PLC0415 (keep `gmmexact --help` fast)
    from ..rendering.report import build_report  # noqa: PLC0415
    from ..numerics.run import solve  # noqa: PLC0415

    problem = load(args.problem, normalize_weights=args.normalize_weights, stream=args.stream, scratch=args.scratch)
    if args.workers or args.dask or args.partitions:
        return _solve_partitioned(args, problem)
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
    forms = args.forms or ("exact" if args.format == "text" else "all")
    shown = len(points) if points else min(problem.n, max_points or problem.n)
    parameters_only = (problem.n > LARGE_N and not (args.points or args.max_points or args.forms not in (None, "none"))
                       and args.format != "markdown" and args.backend == "arb" and not args.force)
    try:
        _afford(problem, args.iterations, args.digits, args.backend, points=shown, forms=forms != "none")
    except InputError as e:
        if not parameters_only:
            raise
        # the whole report would be refused as too expensive: the parameters path answers instead
        _say(f"gmmexact: note: {problem.n} points: the whole report would take too long ({e.problem}); here are "
             "the model's parameters and log-likelihood from the fast tiers (--points LABELS or --max-points N "
             "for per-point values, --force for the whole report)")
        return _solve_partitioned(args, problem)
    run = solve(problem, iterations=args.iterations, backend=args.backend)
    if forms != "none" and shown * problem.K * args.iterations > 2000:
        _say(f"gmmexact: note: exact forms for {shown} points take SymPy about "
             f"{0.015 * shown * problem.K / 2 * args.iterations:.0f} s; --forms none gives the certified "
             f"decimals alone, --max-points fewer points")
    report = build_report(run, digits=args.digits, points=points, max_points=max_points,
                          latex=args.format == "markdown",
                          forms=forms)
    decided = {str(k): how for k, how in run.certifier.decided.items()} if args.explain_precision else None
    if args.format == "json":
        doc = report.as_dict()
        if decided is not None:
            doc["precision"] = decided
        json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        from ..rendering.markdown import render_markdown  # noqa: PLC0415

        sys.stdout.write(render_markdown(report))
    else:
        from ..rendering.text import render_text  # noqa: PLC0415

        render_text(report, console=_console())
    if decided is not None and args.format != "json":
        sys.stdout.write(_precision_text(decided))
    if run.stopped is not None:
        sys.stdout.flush()
        _say(f"gmmexact: {run.stopped.message}")
        return EXIT_UNDEFINED
    return EXIT_OK


def _precision_text(decided: dict) -> str:
    """``--explain-precision``: how many values each method decided, with examples."""
    groups: dict[str, list] = {}
    for key, how in decided.items():
        groups.setdefault(how, []).append(key)

    def order(how: str):
        bits = re.search(r"(\d+) bits", how)
        return (how.startswith("undecided"), how != "exact rational", int(bits[1]) if bits else 0, how)

    lines = ["how each value shown was decided:"]
    for how in sorted(groups, key=order):
        keys = groups[how]
        lines.append(f"  {how}: {len(keys)} value(s), e.g. {', '.join(keys[:4])}{' …' if len(keys) > 4 else ''}")
    return "\n".join(lines) + "\n"


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
        _place(args.annotate, "--annotate")  # the place; then the inputs and the format
        annotation = annotation_format(args.annotate, kind, [p for p in (target, problem_path, args.aliases) if p])
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
        render_check_text(report.data, console=_console())
    if checked is not None:
        from ..checking.annotate import write_annotation  # noqa: PLC0415
        from ..rendering.solution import LatexEngineError  # noqa: PLC0415

        try:
            write_annotation(checked, args.annotate, annotation)
        except LatexEngineError as e:
            sys.stdout.flush()
            _say(f"gmmexact: {e}")
            return EXIT_NO_ENGINE if e.missing else EXIT_ERROR
        sys.stdout.flush()
        _say(f"gmmexact: wrote {args.annotate}")
    return EXIT_OK if report.passed(strict=args.strict, lenient_rounding=args.lenient_rounding) else EXIT_ERROR


def _claims_from(args) -> int:
    from ..checking.documents import claims_toml, document_claims, read_aliases  # noqa: PLC0415
    from ..documents import read_document  # noqa: PLC0415
    from ..documents.problemread import problem_from_document  # noqa: PLC0415
    from ..model.problem import load  # noqa: PLC0415

    if args.output:
        _place(args.output, "-o", [args.document, args.problem, args.aliases], user_file=True, force=args.force)
    document = read_document(args.document)
    problem = load(args.problem) if args.problem else problem_from_document(document)[0]
    _, placements = document_claims(document, problem, read_aliases(args.alias, args.aliases))
    text = claims_toml(placements, args.document)
    if args.output:
        write_atomic(args.output, text, option="-o")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _problem_from(args) -> int:
    from ..documents import read_document  # noqa: PLC0415
    from ..documents.problemread import problem_from_document, problem_toml  # noqa: PLC0415

    if args.output:
        _place(args.output, "-o", [args.document], user_file=True, force=args.force)
    problem, sources = problem_from_document(read_document(args.document))
    text = problem_toml(problem, sources)
    if args.output:
        write_atomic(args.output, text, option="-o")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _template(args) -> int:
    from ..checking.claims import template  # noqa: PLC0415
    from ..model.problem import load  # noqa: PLC0415
    from ..numerics.run import solve  # noqa: PLC0415

    if args.output:
        _place(args.output, "-o", [args.problem], user_file=True, force=args.force)
    problem = load(args.problem)
    _afford(problem, args.iterations, 6, points=0, forms=False)
    text = template(solve(problem, iterations=args.iterations))
    if args.output:
        write_atomic(args.output, text, option="-o")
        _say(f"gmmexact: wrote {args.output}")
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

    _place(args.output, "-o", [args.problem])
    plot.output_format(args.output)  # a bad extension fails before any work
    points = None if args.points is None else [p.strip() for p in args.points.split(",") if p.strip()]
    problem = load(args.problem, normalize_weights=args.normalize_weights)
    plot.check_size(problem.d, args.dpi, problem.n, force=args.force, option="--dpi")
    _afford(problem, args.iterations, plot.POSITION_DIGITS, points=0, forms=False)
    run = solve(problem, iterations=args.iterations)
    plot.save(run, args.output, points=points, dpi=args.dpi, force=args.force)
    _say(f"gmmexact: wrote {args.output}")
    if run.stopped is not None:
        _say(f"gmmexact: {run.stopped.message}")
        return EXIT_UNDEFINED
    return EXIT_OK


def _names(text: str | None, option: str) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(x.strip() for x in text.split(",") if x.strip())
    if not names:
        raise InputError(None, option, f"{text!r} names nothing", f"comma-separated names, e.g. {option} A,B")
    return names


def _latex_outputs(args) -> tuple[str | None, str | None]:
    """The .tex file (``None``: standard output, or none with a PDF named by ``-o``) and the PDF
    (``None`` without ``--pdf``), their places checked."""
    inputs = [args.problem, args.claims]
    out = args.output
    if not args.pdf:
        if out:
            _place(out, "-o", inputs)
        return out, None
    if args.step:
        raise InputError(None, "--pdf", "a fragment (--step) is an align* block, not a document to compile",
                         "--pdf without --step, or --step without --pdf")
    if out and out.lower().endswith(".pdf"):
        tex, pdf = None, out
    elif out:
        tex, pdf = out, os.path.splitext(out)[0] + ".pdf"
    else:
        tex, pdf = None, os.path.splitext(os.path.basename(args.problem))[0] + ".pdf"
    if tex:
        _place(tex, "-o", inputs)
    _place(pdf, "-o" if out else "--pdf", inputs + [tex])
    return tex, pdf


def _latex(args) -> int:
    from ..checking.verdicts import Checker  # noqa: PLC0415
    from ..checking.claims import claims_from_dict, read_claims_data  # noqa: PLC0415
    from ..model.keys import Key  # noqa: PLC0415
    from ..rendering.solution import LatexEngineError, LatexOptions, compile_pdf, latex_document, latex_fragment  # noqa: PLC0415
    from ..model.problem import load  # noqa: PLC0415
    from ..numerics.run import solve  # noqa: PLC0415

    if args.fragment and not args.step:
        raise InputError(None, "--fragment", "needs the step to show", "--step KEY, e.g. --step density.A.women")
    tex_out, pdf = _latex_outputs(args)
    problem = load(args.problem, normalize_weights=args.normalize_weights)
    stem = os.path.splitext(tex_out or pdf or os.path.basename(args.problem))[0]
    if args.figures and not args.step:
        for suffix in ("-data.pdf", "-resp.pdf"):
            _place(stem + suffix, "--figures", [p for p in (args.problem, args.claims, tex_out, pdf) if p])
    options = LatexOptions(digits=args.digits, points=_names(args.points, "--points"),
                           components=_names(args.components, "--components"), compact=args.compact,
                           iterations=args.iterations, source=args.problem, claims_source=args.claims,
                           title=args.title, author=args.author, figures=args.figures and not args.step,
                           figure_stem=stem, carry_digits=args.carry_digits, layout=args.layout)
    shown = len(options.points) if options.points else problem.n
    if not args.step and not args.compact and shown * problem.K * args.iterations > 200:
        _say(f"gmmexact: note: every step of {shown} points in full makes a long document; --compact shows one "
             f"point in full and the others in tables")
    if args.step:  # a fragment of a later iteration: solve that far
        try:
            args.iterations = max(args.iterations, Key.parse(args.step).iteration)
        except ValueError:
            pass  # named in latex_fragment's error
    _afford(problem, args.iterations + 1, args.digits, args.backend,
            points=1 if args.compact or args.step else shown)
    run = solve(problem, iterations=args.iterations, backend=args.backend)
    # one iteration more, for the log-likelihood after the last one shown
    after = solve(problem, iterations=args.iterations + 1, backend=args.backend) if not run.stopped else None
    checks = None
    if args.claims:
        claims = claims_from_dict(read_claims_data(args.claims), run.plan, args.claims)
        checks = Checker(run).check(claims)
    tex = latex_fragment(run, args.step, options, checks) if args.step else latex_document(run, options, checks, after)
    if pdf:
        if tex_out:
            write_atomic(tex_out, tex, option="-o")
        try:
            compile_pdf(tex, pdf, inputs=[args.problem, args.claims, tex_out],
                        search=[os.path.dirname(os.path.abspath(stem))] if options.figures else ())
        except LatexEngineError as e:
            _say(f"gmmexact: {e}")
            return EXIT_NO_ENGINE if e.missing else EXIT_ERROR
        _say(f"gmmexact: wrote {pdf}")
    elif tex_out:
        write_atomic(tex_out, tex, option="-o")
    else:
        sys.stdout.write(tex)
    if run.iterations < args.iterations:
        sys.stdout.flush()
        _say(f"gmmexact: computed {run.iterations} of {args.iterations} iterations: iteration {run.iterations + 1} "
             f"needs the inverse of singular covariances (the data satisfy "
             f"{' and '.join(run.stopped.relations)})")
        return EXIT_UNDEFINED
    return EXIT_OK


def _crosscheck(args) -> int:
    from ..crosschecking import report as render  # noqa: PLC0415
    from ..crosschecking.peers import crosscheck, parse_fraction, template  # noqa: PLC0415
    from ..model.problem import load  # noqa: PLC0415
    from ..numerics.run import solve  # noqa: PLC0415

    from ..crosschecking.baseline import compare, read_baseline  # noqa: PLC0415

    peer_file = args.peer if args.peer and os.path.exists(args.peer) else None
    inputs = [args.problem, peer_file, args.data, args.baseline]
    if args.fail_on_regression and not args.baseline:
        raise InputError(None, "--fail-on-regression", "was given without --baseline",
                         "--baseline OLD.json (a report written by crosscheck --format json)")
    baseline = read_baseline(args.baseline) if args.baseline else None
    if args.template:
        _place(args.template, "--template", inputs)  # never over the problem or the results file
        if args.peer or args.plot:
            raise InputError(None, "--template", f"was given with {'--with' if args.peer else '--plot'}",
                             "--template FILE alone (it writes a blank results file and compares nothing)")
        _place(args.template, "--template", inputs, user_file=True, force=args.force)
        problem = load(args.problem, normalize_weights=args.normalize_weights, points_file=args.data)
        _afford(problem, args.iterations, 6, points=0, forms=False)
        write_atomic(args.template, template(solve(problem, iterations=args.iterations), args.template),
                     option="--template")
        _say(f"gmmexact: wrote {args.template}")
        return EXIT_OK
    if args.plot:
        _place(args.plot, "--plot", inputs)
        render.check_plot_path(args.plot)
    if not args.peer:
        raise InputError(None, "--with", "is missing", "sklearn, module:function or a results file (or --template FILE)")
    if args.min_digits is not None and args.min_digits < 0:
        raise InputError(None, "--min-digits", f"is {args.min_digits}", "a number of digits >= 0")
    reg = None if args.reg_covar is None else parse_fraction(args.reg_covar, "--reg-covar")
    if reg is not None and reg < 0:
        raise InputError(None, "--reg-covar", f"is {args.reg_covar}", "a value >= 0")
    problem = load(args.problem, normalize_weights=args.normalize_weights,  # the exact path checks its own cost
                   points_file=args.data)
    import warnings  # noqa: PLC0415

    from ..crosschecking.peers import ExactPathWarning  # noqa: PLC0415

    def note(message, category, *rest, **kw):  # the fallback note, before the long exact path runs
        if issubclass(category, ExactPathWarning):
            _say(f"gmmexact: note: {message}")
        else:
            default_show(message, category, *rest, **kw)

    default_show = warnings.showwarning
    with warnings.catch_warnings():
        warnings.showwarning = note
        result = crosscheck(args.peer, start=problem, iterations=args.iterations, min_digits=args.min_digits,
                            covariance_type=args.covariance_type, reg_covar=reg, method=args.method,
                            peer_dtype=args.peer_dtype)
    data = result.as_dict(limit=None if args.format == "json" else 200)
    comparison = None
    if baseline is not None:
        comparison = compare(baseline, data if args.format == "json" else result.as_dict(), args.baseline)
        data["baseline"] = comparison.as_dict()
    if args.format == "json":
        json.dump(data, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        sys.stdout.write(render.render_markdown(data))
    else:
        render.render_text(data, console=_console())
    if comparison is not None and args.format != "json":
        sys.stdout.write("\n".join(comparison.lines()) + "\n")
    if args.plot:
        _write_by_extension(args.plot, "--plot", lambda staged: render.plot_digits(
            data, result.digits_by_kind(), staged, result.digits_by_kind(held=True)))
    if comparison is not None and args.fail_on_regression and comparison.regressions:
        _say(f"gmmexact: {len(comparison.regressions)} quantity(ies) have fewer proven digits than in {args.baseline}")
        return EXIT_ERROR
    return EXIT_OK if result.passed else EXIT_ERROR


COMMANDS.update({"solve": _solve, "check": _check, "claims-template": _template, "plot": _plot, "latex": _latex,
                 "crosscheck": _crosscheck, "claims-from": _claims_from, "problem-from": _problem_from,
                 "grade": grade.run, "generate": generate.run})


if __name__ == "__main__":
    sys.exit(main())
