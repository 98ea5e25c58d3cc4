"""Other notations for the same quantities: a textbook's γ(z_nk), p(x | k), N_k, bold means,
``k = 1`` setting the component, ``\\det(\\Sigma_1)``, pmatrix, and the log-likelihood."""
from __future__ import annotations

from pathlib import Path

from gmmexact.checking.documents import check_document
from gmmexact.documents import read_document
from gmmexact.documents.keying import place_numbers
from gmmexact.model.problem import load

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed" / "problem.toml"
DOC = ROOT / "tests" / "documents" / "bishop_notation.md"


def test_every_number_of_a_textbook_notation_is_placed():
    placed = [(p.status, p.span.line, p.key, p.value) for p in place_numbers(read_document(DOC), load(SEED))
              if p.status != "working"]
    assert placed == [
        ("given", 3, None, "160"), ("given", 3, None, "55"),  # the data restated in prose math
        ("given", 5, None, "1"),  # "Step 1 (E)"
        ("given", 7, None, "1"),  # k = 1
        ("claim", 7, "det.women", "100"), ("claim", 7, "inv.women", (("0.1", "0"), ("0", "0.1"))),
        ("claim", 9, "density.A.women", "1.067 × 10^-2"),
        ("claim", 11, "resp.A.women", "1.000"),
        ("claim", 13, "resp.B.women", "1.000"), ("claim", 13, "resp.D.women", "0.000"),
        ("given", 15, None, "2"),  # "Step 2 (M)"
        ("claim", 17, "count.women", "3.000"),
        ("claim", 19, "mean.women", ("165.0", "60.0")),
        ("claim", 21, "weight.women", "0.5"),
        ("claim", 23, "loglik", "-41.70"),
    ]


def test_the_textbook_notation_checks():
    report = check_document(DOC, SEED)
    assert [(c["key"], c["verdict"]) for c in report.data["claims"]] == [
        ("det.women", "correct"), ("inv.women", "correct"), ("density.A.women", "correct"),
        ("resp.A.women", "correct"), ("resp.B.women", "correct"), ("resp.D.women", "correct"),
        ("count.women", "correct"), ("mean.women", "correct"), ("weight.women", "correct"),
        ("loglik", "correct")]
