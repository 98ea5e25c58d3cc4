"""The shipped notebook runs top to bottom in a fresh python3 kernel and shows what it promises.

It is committed executed, with its outputs (``python examples/run_notebook.py`` re-executes and saves it);
the tests below check the committed file has them, and re-execute it from scratch.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.read(EXAMPLES / "seed.ipynb", as_version=4)
    for cell in nb.cells:  # run from scratch: the committed outputs must not stand in for fresh ones
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()
    return nb


def outputs(nb, source_fragment: str) -> list[dict]:
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == source_fragment] or \
        [c for c in nb.cells if c.cell_type == "code" and source_fragment in c.source]
    assert len(cells) == 1, source_fragment
    return cells[0].outputs


def data(nb, source_fragment: str, mime: str) -> str:
    found = [o["data"][mime] for o in outputs(nb, source_fragment) if mime in o.get("data", {})]
    assert found, (source_fragment, mime)
    return found[0]


def test_every_cell_ran_without_error(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]


def test_quantities_display_exact_forms_and_certified_digits(executed):
    latex = data(executed, 'run["density.A.women"]', "text/latex")
    assert r"\frac{e^{-2/5}}{20 \pi}" in latex and r"\approx 0.0106685" in latex
    assert "(exp(-2/5)/(20*pi), '0.0106684748780', None)" == data(executed, "q.exact, q.decimal(12)", "text/plain")
    assert "&= 0.8\n" in data(executed, 'run["quad.A.women"]', "text/latex")


def test_run_iteration_and_check_display_as_html(executed):
    assert "iterations computed: 1 of 1" in data(executed, "run = gmmexact.solve", "text/html")
    iteration = data(executed, "run.iteration(1)", "text/html")
    assert "<code>−41.7017</code>" in iteration and "height − weight = 105" in iteration
    check = data(executed, 'report = gmmexact.check(run, "seed/claims.toml")', "text/html")
    assert "✗ wrong" in check and "≈ carried" in check and "[162, 57]" in check
    correct, carried, wrong, first = eval(data(executed, "summary = report.summary", "text/plain"))  # a tuple
    assert f"{correct} correct</span>" in check and f"{carried} carried</span>" in check
    assert wrong >= 1 and first == "mean.women"  # the stale mean [162, 57] is the first error


def test_the_picture_is_drawn(executed):
    png = data(executed, "from gmmexact.rendering.plot import figure", "image/png")
    assert len(png) > 10_000  # base64 PNG of the seed's figure


def test_committed_notebook_has_outputs_for_every_code_cell():
    """Saved executed (python examples/run_notebook.py): every code cell ran, in order, and shows something."""
    nb = nbformat.read(EXAMPLES / "seed.ipynb", as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    without = [i for i, c in enumerate(code) if not c.outputs]
    assert not without, f"code cells {without} have no outputs: run python examples/run_notebook.py"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "not executed top to bottom"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]


def test_committed_outputs_name_no_machine_specific_path():
    """The notebook runs from examples/ with relative paths, so its saved outputs hold no absolute path."""
    nb = nbformat.read(EXAMPLES / "seed.ipynb", as_version=4)
    texts = [{k: v for k, v in o.get("data", {}).items() if not k.startswith("image/")} | {"text": o.get("text", "")}
             for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    outputs = json.dumps(texts, ensure_ascii=False)
    assert str(ROOT) not in outputs and str(EXAMPLES) not in outputs
    found = re.findall(r"(?:/(?:home|Users|root|tmp|work|private|var)/|[A-Za-z]:\\\\)[^\s\"'<>]*", outputs)
    assert not found, found
