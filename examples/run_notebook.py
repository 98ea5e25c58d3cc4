"""Execute examples/seed.ipynb in a fresh python3 kernel and save it with its outputs.

    python examples/run_notebook.py

The notebook runs from examples/ (its paths are relative to it: seed/problem.toml), as
tests/test_notebook.py runs it, so its saved outputs name no machine-specific path. Needs the test
extra (nbclient, nbformat, ipykernel, matplotlib). Run it after a change that alters what the notebook
shows, and commit the notebook with its outputs.
"""
from __future__ import annotations

import copy
from pathlib import Path

import nbclient
import nbformat

EXAMPLES = Path(__file__).resolve().parent
NOTEBOOK = EXAMPLES / "seed.ipynb"


def execute(path: Path = NOTEBOOK) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    metadata = copy.deepcopy(nb.metadata)  # kept as it is: no kernel-specific versions in the saved file
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbclient.NotebookClient(nb, timeout=180, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.metadata = metadata
    return nb


def main() -> None:
    nb = execute()
    nbformat.validate(nb)
    nbformat.write(nb, NOTEBOOK)
    code = [c for c in nb.cells if c.cell_type == "code"]
    print(f"wrote {NOTEBOOK.relative_to(EXAMPLES.parent)}: {len(code)} code cells executed, "
          f"{sum(len(c.outputs) for c in code)} outputs")


if __name__ == "__main__":
    main()
