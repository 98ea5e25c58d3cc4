"""The package's layers, checked by the tools CI runs: import-linter's contracts in pyproject.toml
(no upward import, no import circle), and no module taking another module's private names.
Each rule is also shown to bite: a copy of the package with one bad import added must fail."""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([LINT_IMPORTS, "--no-cache", "--config", str(root / "pyproject.toml")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "gmmexact", tmp_path / "gmmexact", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.fixture(scope="module")
def lint_tools():
    if LINT_IMPORTS is None:
        pytest.fail("lint-imports comes with the test extra: pip install -e '.[test]'")


def test_the_layer_contracts_hold(lint_tools):
    got = _lint_imports(ROOT)
    assert got.returncode == 0, got.stdout + got.stderr
    assert "Contracts: 2 kept, 0 broken." in got.stdout


def test_an_upward_import_breaks_the_build(lint_tools, tmp_path):
    root = _copy(tmp_path)
    run = root / "gmmexact" / "numerics" / "run.py"
    run.write_text(run.read_text() + "\n\ndef _upward():\n    from ..rendering import display  # noqa: PLC0415\n"
                   "    return display\n")
    got = _lint_imports(root)
    assert got.returncode == 1
    assert "gmmexact.numerics is not allowed to import gmmexact.rendering" in got.stdout
    assert "gmmexact.numerics.run -> gmmexact.rendering.display" in got.stdout


def test_checking_and_crosschecking_stay_independent(lint_tools, tmp_path):
    root = _copy(tmp_path)
    verdicts = root / "gmmexact" / "checking" / "verdicts.py"
    verdicts.write_text(verdicts.read_text() + "\nfrom ..crosschecking import comparison  # noqa: E402\n")
    got = _lint_imports(root)
    assert got.returncode == 1
    assert "gmmexact.checking.verdicts -> gmmexact.crosschecking.comparison" in got.stdout


def test_an_import_circle_inside_a_layer_breaks_the_build(lint_tools, tmp_path):
    root = _copy(tmp_path)
    lookup = root / "gmmexact" / "engine" / "lookup.py"
    lookup.write_text(lookup.read_text() + "\n\ndef _circle():\n    from . import forms  # noqa: PLC0415\n"
                      "    return forms\n")  # forms imports lookup
    got = _lint_imports(root)
    assert got.returncode == 1
    assert "No cycles are allowed in gmmexact.engine" in got.stdout


def private_imports(package: Path) -> list[str]:
    """Every place a module of ``package`` takes a private name (``_x``) from another of its modules:
    ``from .m import _x`` and ``m._x`` where ``m`` was imported from the package."""
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        modules = set()  # local names bound to the package's modules
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("gmmexact")):
                for alias in node.names:
                    own_submodule = node.module is None and path.name == "__init__.py"  # a package's private module
                    if alias.name.startswith("_") and not alias.name.startswith("__") and not own_submodule:
                        found.append(f"{path.relative_to(package.parent)}:{node.lineno} imports {alias.name}")
                    if node.module is None or alias.name.islower():
                        modules.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                found.append(f"{path.relative_to(package.parent)}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_no_module_imports_another_modules_private_names(tmp_path):
    assert private_imports(ROOT / "gmmexact") == []
    root = _copy(tmp_path)
    display = root / "gmmexact" / "checking" / "display.py"
    display.write_text(display.read_text() + "\nfrom ..rendering.display import _md  # noqa: E402\n"
                       "from ..model import linalg  # noqa: E402\nlinalg._hidden\n")
    assert private_imports(root / "gmmexact") == [
        f"gmmexact/checking/display.py:{len(display.read_text().splitlines()) - 2} imports _md",
        f"gmmexact/checking/display.py:{len(display.read_text().splitlines())} uses linalg._hidden"]


def test_old_flat_import_paths_still_work():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from gmmexact.check_report import CheckReport  # noqa: PLC0415
        from gmmexact.peers import crosscheck  # noqa: PLC0415
        from gmmexact.problem import Problem, load  # noqa: PLC0415
        from gmmexact.run import Run, solve  # noqa: PLC0415
    import gmmexact  # noqa: PLC0415

    from gmmexact.crosschecking import peers  # noqa: PLC0415

    assert (CheckReport, crosscheck, Problem, load, Run, solve) == (
        gmmexact.CheckReport, peers.crosscheck, gmmexact.Problem, gmmexact.load, gmmexact.Run, gmmexact.solve)
    # gmmexact.crosscheck adds whole fits (crosschecking/entry.py) and hands every other peer to peers.crosscheck
    assert any("gmmexact.run moved to gmmexact.numerics.run" in str(w.message) for w in caught)
    import gmmexact.peers as old  # noqa: PLC0415
    import gmmexact.crosschecking.peers as new  # noqa: PLC0415

    assert old is new and old.__name__ == old.__spec__.name == "gmmexact.crosschecking.peers"


def test_displays_come_from_the_registry_not_from_imports():
    import gmmexact  # noqa: PLC0415
    from gmmexact.model import displayhook  # noqa: PLC0415

    run = gmmexact.solve(gmmexact.load(str(ROOT / "examples" / "seed" / "problem.toml")))
    assert "women" in run._repr_html_()
    saved = displayhook._RENDERERS.copy()
    try:
        displayhook._RENDERERS.clear()
        assert run._repr_html_() is None and run["quad.A.women"]._repr_latex_() is None
    finally:
        displayhook._RENDERERS.update(saved)
