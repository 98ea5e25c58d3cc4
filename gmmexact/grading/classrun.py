"""Grading a class: every submission checked (on all cores, with a progress bar), scored and written.

``grade_class`` checks each submission against its problem, keeps the verdicts in
``OUT/checks/<student>.json`` together with a fingerprint of the inputs, and scores them under the
policy. Running it again re-checks only the submissions whose document or problem changed (a new
policy re-scores everything without checking again). One broken submission is a row with its
reason; it never stops the class.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from ..model.atomic import write_atomic
from ..model.errors import GmmExactError, InputError
from ..model.version import __version__
from .policy import Policy
from .scoring import Grade, score
from .submissions import Submission

CLAIMS_SUFFIXES = (".toml", ".csv")


@dataclass(frozen=True)
class Graded:
    """One row of the gradebook: the submission, its check (``None`` when unreadable) and its grade."""

    submission: Submission
    check: dict | None
    grade: Grade | None
    reason: str | None = None
    reused: bool = False

    @property
    def status(self) -> str:
        return "graded" if self.grade is not None else "unreadable"


CHECKS_FORMAT = 2
"""The form of a kept check: 2 since each claim carries the catalogue names of its ``slips`` (a check
kept in an earlier form is checked again, not read without them)."""


def fingerprint(sub: Submission, problem: Path | None) -> str:
    """A hash of what a check depends on: the document's and the problem's bytes, the version and
    the form of a kept check (``CHECKS_FORMAT``)."""
    h = hashlib.sha256(f"{__version__}\0checks-format {CHECKS_FORMAT}".encode())
    for path in (sub.document, problem):
        h.update(b"\0")
        if path is not None and path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


_RUNS: dict[str, object] = {}  # per worker process: the solved run of each problem, by its bytes


def _run_for(problem: Path):
    from ..model.problem import load  # noqa: PLC0415
    from ..numerics.run import solve  # noqa: PLC0415

    key = hashlib.sha256(problem.read_bytes()).hexdigest()
    if key not in _RUNS:
        _RUNS[key] = solve(load(problem))
    return _RUNS[key]


class _TimeUp(Exception):
    pass


def _alarm(signum, frame):
    raise _TimeUp


def check_submission(sub: Submission, problem: Path | None, marked: Path | None, seconds: float) -> dict:
    """Check one submission (in a worker process): ``{"check": data}`` or ``{"reason": why not}``."""
    from ..checking.documents import check_document_placed  # noqa: PLC0415
    from ..checking.report import check  # noqa: PLC0415

    if sub.problem_note:
        return {"reason": sub.problem_note}
    use_alarm = seconds > 0 and hasattr(signal, "setitimer")
    if use_alarm:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        if sub.document.suffix.lower() in CLAIMS_SUFFIXES and _is_claims(sub.document):
            if problem is None:
                return {"reason": "a claims file needs the problem it answers (--problem or a roster's problem column)"}
            return {"check": check(_run_for(problem), str(sub.document)).data}
        checked = check_document_placed(str(sub.document), _run_for(problem) if problem else None)
        if marked is not None:
            from ..checking.annotate import annotated_html  # noqa: PLC0415

            write_atomic(marked / f"{safe_name(sub.student)}.html", annotated_html(checked))
        return {"check": checked.report.data}
    except _TimeUp:
        return {"reason": f"checking took longer than {seconds:g} s (--timeout)"}
    except GmmExactError as e:
        return {"reason": str(e)}
    except RecursionError:
        return {"reason": "the document is nested too deeply to read"}
    except MemoryError:
        return {"reason": "the document needs more memory than this machine has"}
    except Exception as e:  # noqa: BLE001  (one broken submission never stops the class)
        return {"reason": f"internal error while checking ({type(e).__name__}: {e}); a bug in gmmexact, "
                          f"not necessarily in the submission"}
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def _is_claims(path: Path) -> bool:
    from ..documents import sniff  # noqa: PLC0415

    try:
        head = path.read_bytes()[: 1 << 20].decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    return sniff(str(path), head) in ("claims-toml", "claims-csv")


def safe_name(student: str) -> str:
    """A file name for a student (letters, digits, ``-``, ``_``, ``.``; others become ``_``)."""
    out = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in student).strip(".") or "_"
    return out[:120]


def _cached(path: Path, key: str) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("fingerprint") == key else None


def grade_class(submissions: list[Submission], out: str | Path, *, problem: str | Path | None = None,
                policy: Policy | None = None, workers: int | None = None, marked: bool = True,
                seconds: float = 120.0, progress: bool | None = None) -> list[Graded]:
    """Check and score every submission; verdicts and marked documents are written under ``out``.

    Parameters
    ----------
    submissions : list of Submission
        From :func:`~gmmexact.grading.submissions.folder_submissions` or ``roster_submissions``.
    out : str or Path
        The output folder (created); ``checks/`` keeps each check, ``marked/`` the marked documents.
    problem : str or Path, optional
        The class's problem file, for submissions without their own (else read from each document).
    policy : Policy, optional
        The scoring policy (default :class:`Policy`).
    workers : int, optional
        Worker processes (default: every core).
    seconds : float
        Time allowed per submission before it is reported as taking too long (0: no limit).
    """
    policy = policy or Policy()
    out = Path(out)
    (out / "checks").mkdir(parents=True, exist_ok=True)
    marked_dir = out / "marked" if marked else None
    if marked_dir is not None:
        marked_dir.mkdir(exist_ok=True)
    class_problem = Path(problem) if problem is not None else None
    results: dict[str, Graded] = {}
    todo: list[tuple[Submission, Path | None, str]] = []
    for sub in submissions:
        prob = sub.problem or class_problem
        key = fingerprint(sub, prob)
        saved = _cached(out / "checks" / f"{safe_name(sub.student)}.json", key)
        marked_ok = marked_dir is None or (marked_dir / f"{safe_name(sub.student)}.html").exists() or \
            sub.document.suffix.lower() in CLAIMS_SUFFIXES or saved is None or saved.get("check") is None
        if saved is not None and marked_ok:
            results[sub.student] = _graded(sub, saved, policy, reused=True)
        else:
            todo.append((sub, prob, key))
    workers = max(1, workers or os.cpu_count() or 1)
    show = sys.stderr.isatty() if progress is None else progress
    for sub, found in _run_all(todo, marked_dir, seconds, workers, show):
        key = next(k for s, _, k in todo if s is sub)
        saved = {"fingerprint": key, "student": sub.student, "document": str(sub.document), **found}
        write_atomic(out / "checks" / f"{safe_name(sub.student)}.json", json.dumps(saved, indent=1, ensure_ascii=False))
        results[sub.student] = _graded(sub, saved, policy)
    return [results[s.student] for s in submissions]


def _graded(sub: Submission, saved: dict, policy: Policy, reused: bool = False) -> Graded:
    data = saved.get("check")
    if data is None:
        return Graded(sub, None, None, saved.get("reason") or "not checked", reused)
    return Graded(sub, data, score(data, policy), None, reused)


def _run_all(todo, marked_dir, seconds, workers, show):
    if not todo:
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn  # noqa: PLC0415

    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  disable=not show, transient=True) as bar:
        task = bar.add_task("grading", total=len(todo))
        if workers == 1 or len(todo) == 1:
            for sub, prob, _ in todo:
                yield sub, check_submission(sub, prob, marked_dir, seconds)
                bar.advance(task)
            return
        with ProcessPoolExecutor(max_workers=min(workers, len(todo))) as pool:
            futures = {pool.submit(check_submission, sub, prob, marked_dir, seconds): sub for sub, prob, _ in todo}
            for future in as_completed(futures):
                sub = futures[future]
                try:
                    found = future.result()
                except Exception as e:  # noqa: BLE001  (a worker that died: the row says so)
                    found = {"reason": f"the worker checking it stopped ({type(e).__name__}: {e})"}
                yield sub, found
                bar.advance(task)


def check_output_folder(out: str | Path, inputs: list[Path]) -> Path:
    """The output folder: not a file, not one of the submissions' folders' files."""
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise InputError(str(out), None, "is a file", "a folder for the grades (created if missing)")
    if not target.parent.exists():
        raise InputError(str(out), None, f"its folder {target.parent} does not exist", "an existing parent folder")
    for p in inputs:
        if target.resolve() == p.resolve():
            raise InputError(str(out), None, "is the submissions folder", "a separate folder for the grades")
    return target
