"""The reference documentation (docs/, Sphinx with MyST) builds with warnings as errors, and its key
page is generated from the one catalogue of quantity kinds (gmmexact.model.keys.CATALOGUE)."""
from __future__ import annotations

import html
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gmmexact.engine.forms import GENERAL
from gmmexact.model.keys import CATALOGUE, E_STEP_KINDS, KIND_ORDER, KINDS, M_STEP_KINDS

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("index", "keys", "formats", "guarantees", "crosscheck", "benchmarks", "layout", "api")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    missing = [m for m in ("sphinx", "myst_parser") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} come(s) with the test extra: pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("html")
    got = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs", str(out)],
                         check=False, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert got.returncode == 0, got.stdout[-3000:] + got.stderr
    return out


def _text(page: Path) -> str:
    """The page's text with tags dropped and entities decoded (math keeps its LaTeX between \\( and \\))."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def test_the_docs_build_with_warnings_as_errors(built):
    for page in PAGES:
        assert (built / f"{page}.html").is_file(), page


def test_the_key_page_lists_every_kind_with_its_definition(built):
    page = built / "keys.html"
    text = _text(page)
    for info in CATALOGUE.values():
        assert info.pattern in text, info.kind
        assert rf"\({info.definition}\)" in text, f"{info.kind}: LaTeX general formula"
        assert rf"\({info.symbol}\)" in text, f"{info.kind}: LaTeX symbol"
        assert info.definition_text in text and info.symbol_text in text, f"{info.kind}: plain text"
        assert info.description in text, f"{info.kind}: description"
        if info.entry_pattern:
            assert info.entry_pattern in text, info.kind
    rows = re.findall(r'<tr class="row-(?:odd|even)"><td><p><code', page.read_text(encoding="utf-8"))
    assert len(rows) == len(CATALOGUE)  # one row per kind, generated (a kind added appears at the next build)


def test_the_api_page_documents_the_public_objects(built):
    text = (built / "api.html").read_text(encoding="utf-8")
    for name in ("load", "solve", "check", "crosscheck", "Problem", "Component", "Run", "Quantity", "CheckReport",
                 "CrossCheck", "Key", "InputError", "GmmExactError", "SolveReport"):
        assert f'id="gmmexact.{name}"' in text, name


def test_kinds_and_general_formulas_come_from_the_catalogue():
    assert KINDS == {k: (i.index, i.shape, i.description) for k, i in CATALOGUE.items()}
    assert GENERAL == {k: i.definition for k, i in CATALOGUE.items()}
    assert KIND_ORDER == tuple(CATALOGUE) == E_STEP_KINDS + M_STEP_KINDS
    assert {i.step for i in CATALOGUE.values()} == {"E-step", "log-likelihood", "M-step"}
    assert E_STEP_KINDS[-1] == "loglik" and M_STEP_KINDS[0] == "count"
