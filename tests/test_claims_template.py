"""The claims template: every key of the run, each with a comment giving its symbol and general formula
from the catalogue (gmmexact.model.keys.CATALOGUE), as valid TOML whose blanks a check ignores."""
from __future__ import annotations

import tomllib
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import gmmexact
from gmmexact.checking.claims import template
from gmmexact.cli import main
from gmmexact.model.keys import CATALOGUE, Key

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT / "examples" / "seed" / "problem.toml")
DIAG = str(ROOT / "examples" / "types" / "seed_diag.toml")


def _records(text: str) -> list[tuple[str, list[str]]]:
    """(comment line, the record's lines) per [[claim]], in order."""
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        if line == "[[claim]]":
            out.append((lines[i - 1], lines[i + 1:i + 4]))
    return out


def test_every_claim_has_its_symbol_and_definition(seed_run):
    text = template(seed_run)
    data = tomllib.loads(text)  # comments and all, still valid TOML
    keys = seed_run.keys()
    assert [c["key"] for c in data["claim"]] == [str(k) for k in keys]
    assert all(c["value"] in ("", [""] * 2, [[""] * 2] * 2) and c["where"] == "" for c in data["claim"])
    records = _records(text)
    assert len(records) == len(keys)
    for key, (comment, lines) in zip(keys, records):
        info = CATALOGUE[key.kind]
        assert comment == f"# {key}: {info.text(key.point, key.component)}"
        assert lines[0] == f'key = "{key}"' and lines[1].startswith("value = ") and lines[2] == 'where = ""'
    assert ("# density.A.women: N(x_A | μ_women, Σ_women) = e^{−q_{A,women}/2} / ((2π)^{d/2} |Σ_women|^{1/2})"
            in text.splitlines())
    assert "# count.men: m_men = Σ_p r_{p,men}" in text.splitlines()  # the summed index stays p
    assert "# evidence.B: p(x_B) = Σ_j π_j N(x_B | μ_j, Σ_j)" in text.splitlines()
    assert "# loglik: ℓ(θ) = Σ_p log Σ_j π_j N(x_p | μ_j, Σ_j)" in text.splitlines()


def test_later_iterations_and_the_models_note():
    run = gmmexact.solve(gmmexact.load(DIAG), iterations=2)
    text = template(run)
    assert "# iter2.cov.men: Σ_men^new = Σ_p r_{p,men} (x_p − μ_men^new)(x_p − μ_men^new)ᵀ / m_men" in text
    assert "# This problem's model: covariance_type diag" in text
    assert len(tomllib.loads(text)["claim"]) == len(run.keys())
    seed = gmmexact.load(SEED)
    assert "This problem's model" not in template(gmmexact.solve(seed))
    sk = replace(seed, count_offset=Fraction(10, 2**52), reg_covar=Fraction(1, 10**6))
    assert "# This problem's model: count_offset 5/2251799813685248, reg_covar 1/1000000;" in template(gmmexact.solve(sk))


def test_names_that_are_not_words_are_braced():
    p = gmmexact.Problem.from_arrays([[0], [2]], means=[[0], [2]], covariances=[[[1]], [[1]]], weights=["1/2", "1/2"],
                                     labels=["point one", "p2"], names=["big-cluster", "b"])
    text = template(gmmexact.solve(p))
    assert "# quad.point one.big-cluster: q_{point one,big-cluster} = (x_{point one} − μ_{big-cluster})ᵀ" in text
    assert 'value = ""' in text  # d = 1: every value a plain blank
    assert tomllib.loads(text)["claim"][0]["key"] == "det.big-cluster"


def test_cli_template_is_filled_in_and_checked(tmp_path, capsys):
    out = tmp_path / "t.toml"
    assert main(["claims-template", SEED, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "# det.women: |Σ_women| = det(Σ_women)\n[[claim]]\nkey = \"det.women\"\nvalue = \"\"" in text
    out.write_text(text.replace('key = "det.women"\nvalue = ""', 'key = "det.women"\nvalue = "100"'), encoding="utf-8")
    assert main(["check", SEED, str(out)]) == 0
    assert Key.parse("det.women") in {Key.parse(c["key"]) for c in tomllib.loads(text)["claim"]}
