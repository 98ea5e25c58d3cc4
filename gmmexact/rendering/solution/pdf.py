"""Compiling a finished document to PDF with the LaTeX engine on PATH, so that it can run or read nothing.

The engine runs in a temporary folder with ``-no-shell-escape`` (``\\write18`` runs no command),
``openin_any=p`` and ``openout_any=p`` (no absolute path, no ``..`` and no dot file is read or
written: ``\\input{/etc/passwd}`` stops with an error), ``-halt-on-error -interaction=nonstopmode``
and no standard input (an error ends the run instead of waiting for a reply), within a time limit
per run. The PDF replaces its target whole (:func:`~gmmexact.model.atomic.write_atomic`). When the
engine fails, its log is kept beside the PDF (``OUT.log``, or in a kept temporary folder when that
place cannot take it) and the error names it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable

from ...model.atomic import check_writable, write_atomic
from ...model.errors import InputError

__all__ = ["DEBIAN_PACKAGES", "ENGINE_FLAGS", "LatexEngineError", "compile_pdf", "engine_environment"]

DEBIAN_PACKAGES = ("texlive-latex-base", "texlive-latex-recommended")
"""Debian/Ubuntu packages that provide pdflatex and every package a document uses."""

ENGINE_FLAGS = ("-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode")
"""Command-line flags of every engine run: no shell commands, stop at the first error, never ask."""

_WIDENING = ("TEXMFOUTPUT", "shell_escape", "shell_escape_commands", "openin_any", "openout_any")
"""kpathsea variables that, set in the environment, would let a document read, write or run more."""


class LatexEngineError(Exception):
    """pdflatex is missing (``missing``) or failed on a document (``log`` holds its log, kept at
    ``log_path``)."""

    def __init__(self, message: str, missing: bool = False, log: str = "", log_path: Path | None = None):
        super().__init__(message)
        self.missing = missing
        self.log = log
        self.log_path = log_path


def engine_environment(search: Iterable[str | Path] = ()) -> dict[str, str]:
    """The engine's environment: this one, paranoid about files (``openin_any=p``,
    ``openout_any=p``), with ``search`` folders (absolute) added to where ``\\input`` looks.

    >>> env = engine_environment()
    >>> env["openin_any"], env["openout_any"], "TEXMFOUTPUT" in env
    ('p', 'p', False)
    """
    env = {k: v for k, v in os.environ.items() if k not in _WIDENING}
    env.update(openin_any="p", openout_any="p")
    folders = [str(Path(f).resolve()) for f in search]
    if folders:
        env["TEXINPUTS"] = os.pathsep.join([".", *folders, ""])  # the trailing empty entry: TeX's own paths
    return env


def _missing(engine: str, instead: str) -> LatexEngineError:
    return LatexEngineError(
        f"{engine} was not found on PATH. Install a LaTeX engine, e.g. on Debian/Ubuntu: "
        f"apt-get install --no-install-recommends {' '.join(DEBIAN_PACKAGES)} "
        f"(TeX Live with the amsmath, amssymb, xcolor, booktabs and tools packages); or {instead}.", missing=True)


def _keep_log(data: bytes, log_path: Path, inputs: Iterable[str | Path]) -> Path | None:
    """Write the engine's log to ``log_path``; when that place cannot take it, or it is one of the
    ``inputs``, to a kept temporary folder (``None`` when no place can take it)."""
    try:
        check_writable(log_path, inputs=inputs)
        write_atomic(log_path, data)
        return log_path
    except InputError:
        pass
    try:
        kept = Path(tempfile.mkdtemp(prefix="gmmexact-latex-log-")) / log_path.name
        kept.write_bytes(data)
        return kept
    except OSError:
        return None


def compile_pdf(tex: str, pdf_path: str | Path, engine: str = "pdflatex", timeout: float | None = None,
                runs: int = 2, *, search: Iterable[str | Path] = (), log_path: str | Path | None = None,
                inputs: Iterable[str | Path | None] = (), instead: str = "write the .tex file and compile it elsewhere",
                what: str = "") -> Path:
    """Compile ``tex`` with the LaTeX engine on PATH and write the PDF to ``pdf_path``.

    The engine runs ``runs`` times (longtable settles its column widths on the second run) in a
    temporary folder, each run within ``timeout`` seconds (default: 30 s plus 1 s per 10,000
    characters of ``tex``), with the flags and environment of the module header; ``search``: folders
    ``\\input`` may also read from (a student's document's own). On failure the log goes to
    ``log_path`` (default: beside the PDF, ``OUT.log``; never over one of the ``inputs``).

    Raises :class:`LatexEngineError` when the engine is missing (``missing=True``, with ``instead``:
    what to do without one), fails or takes too long (``what`` names the document in the message).
    """
    exe = shutil.which(engine)
    if exe is None:
        raise _missing(engine, instead)
    pdf_path = Path(pdf_path)
    log_path = Path(log_path) if log_path is not None else pdf_path.with_suffix(".log")
    limit = timeout if timeout is not None else 30 + len(tex) / 10_000
    env = engine_environment(search)
    on = f" on {what}" if what else ""
    inputs = [i for i in inputs if i is not None]
    with tempfile.TemporaryDirectory(prefix="gmmexact-latex-") as tmp:
        src = Path(tmp) / "document.tex"
        src.write_text(tex, encoding="utf-8")

        def failed(reason: str, output: bytes) -> LatexEngineError:
            log_file = Path(tmp) / "document.log"
            data = log_file.read_bytes() if log_file.exists() else output
            kept = _keep_log(data, log_path, inputs)
            where = f"its log: {kept}" if kept else "its log could not be kept: no writable place"
            return LatexEngineError(f"{engine} {reason} ({where})", log=data.decode("utf-8", "replace"), log_path=kept)

        for _ in range(runs):
            try:
                proc = subprocess.run([exe, *ENGINE_FLAGS, src.name], cwd=tmp, capture_output=True, timeout=limit,
                                      env=env, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired as e:
                raise failed(f"did not finish{on} within {limit:.0f} s", e.stdout or b"") from None
            if proc.returncode != 0:
                errors = [line for line in proc.stdout.decode("utf-8", "replace").splitlines() if line.startswith("!")]
                raise failed(f"failed{on}: {errors[0] if errors else 'see its log'}", proc.stdout)
        made = Path(tmp) / "document.pdf"
        if not made.exists():
            raise failed(f"wrote no PDF{on} (a document with no pages)", proc.stdout)
        write_atomic(pdf_path, made.read_bytes())
    return pdf_path
