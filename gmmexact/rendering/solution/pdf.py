"""Compiling a finished document to PDF with the LaTeX engine on PATH."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["DEBIAN_PACKAGES", "LatexEngineError", "compile_pdf"]

DEBIAN_PACKAGES = ("texlive-latex-base", "texlive-latex-recommended")
"""Debian/Ubuntu packages that provide pdflatex and every package a document uses."""


class LatexEngineError(Exception):
    """pdflatex is missing (``missing``) or failed on a document (``log`` holds its output)."""

    def __init__(self, message: str, missing: bool = False, log: str = ""):
        super().__init__(message)
        self.missing = missing
        self.log = log


def compile_pdf(tex: str, pdf_path: str | Path, engine: str = "pdflatex", timeout: float = 300,
                runs: int = 2) -> Path:
    """Compile ``tex`` with the LaTeX engine on PATH (in a temporary directory; ``runs`` times, as
    longtable settles its column widths on the second run) and copy the PDF to ``pdf_path``.

    Raises :class:`LatexEngineError` when the engine is missing (``missing=True``) or fails.
    """
    exe = shutil.which(engine)
    if exe is None:
        raise LatexEngineError(
            f"{engine} was not found on PATH. Install a LaTeX engine, e.g. on Debian/Ubuntu: "
            f"apt-get install --no-install-recommends {' '.join(DEBIAN_PACKAGES)} "
            f"(TeX Live with the amsmath, amssymb, xcolor, booktabs and tools packages); or write the .tex "
            f"file and compile it elsewhere.", missing=True)
    pdf_path = Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="gmmexact-latex-") as tmp:
        src = Path(tmp) / "solution.tex"
        src.write_text(tex, encoding="utf-8")
        for _ in range(runs):
            try:
                proc = subprocess.run([exe, "-halt-on-error", "-interaction=nonstopmode", "solution.tex"],
                                      cwd=tmp, capture_output=True, timeout=timeout,
                                      env={**os.environ, "openout_any": "p"})
            except subprocess.TimeoutExpired:
                raise LatexEngineError(f"{engine} did not finish within {timeout:.0f} s") from None
            if proc.returncode != 0:
                log = proc.stdout.decode("utf-8", "replace")
                errors = [line for line in log.splitlines() if line.startswith("!")]
                raise LatexEngineError(f"{engine} failed: {errors[0] if errors else 'see its log'}", log=log)
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "solution.pdf", pdf_path)
    return pdf_path
