"""Peers in float32 (and float16, bfloat16) judged against their own float type."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from gmmexact import crosscheck
from gmmexact.cli.commands import main
from gmmexact.crosschecking.peers import float_type_name


def _crosscheck_tests():
    name = "crosscheck_tests_module"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("test_crosscheck.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


random_problem = _crosscheck_tests().random_problem


def em_step32(X, weights, means, covariances, *, iterations, covariance_type, reg_covar, slip=None):
    """One textbook EM iteration computed in float32 throughout (as a GPU implementation would);
    ``slip="mean"`` plants an error of one part in 10^3 in the new means."""
    f = np.float32
    X, weights, means, covariances = (np.asarray(a, dtype=f) for a in (X, weights, means, covariances))
    n, d = X.shape
    logs = []
    for w, m, c in zip(weights, means, covariances):
        L = np.linalg.cholesky(c)
        z = np.linalg.solve(L, (X - m).T)
        logs.append(np.log(w) - f(0.5) * (z * z).sum(0) - np.log(np.diag(L)).sum() - f(0.5 * d * np.log(2 * np.pi)))
    logs = np.array(logs, dtype=f).T
    top = logs.max(1, keepdims=True)
    evidence = top[:, 0] + np.log(np.exp(logs - top).sum(1))
    resp = np.exp(logs - evidence[:, None])
    count = resp.sum(0)
    mean = resp.T @ X / count[:, None]
    if slip == "mean":
        mean = mean * f(1.001)
    cov = np.array([(resp[:, k, None] * (X - mean[k])).T @ (X - mean[k]) / count[k] for k in range(len(weights))],
                   dtype=f)
    out = {"resp": resp, "loglik": evidence.sum(dtype=f), "count": count, "weight": count / f(n), "mean": mean,
           "cov": cov}
    assert all(v.dtype == np.float32 for v in out.values())
    return out


def test_the_float_type_is_read_from_arrays_and_tensors():
    assert float_type_name(np.zeros(3, dtype=np.float16)) == "float16"
    assert float_type_name(np.float32(1.0)) == "float32"
    assert float_type_name(3.0) is None


def test_a_float32_implementation_passes_as_float32():
    r = crosscheck(em_step32, start=random_problem())
    assert r.peer.settings["dtype"] == "float32" and r.min_digits == 4
    assert r.passed
    digits = [int(d) for d in r.entries.digits]
    assert 4 <= min(digits) <= 7 and sorted(digits)[len(digits) // 2] <= 8  # what float32 carries
    strict = crosscheck(em_step32, start=random_problem(), min_digits=10)
    assert not strict.passed  # float64's standard: every value fails, for the type, not for a slip


def test_a_float32_implementation_with_a_planted_slip_fails_at_that_step():
    def slipped(*args, **kw):
        return em_step32(*args, slip="mean", **kw)

    r = crosscheck(slipped, start=random_problem())
    assert not r.passed
    bad = sorted({str(r.entries.keys[i].whole) for i in r.failing})
    assert bad[:2] == ["cov.1", "cov.2"] or "mean.1" in bad
    assert {"mean.1", "mean.2"} <= set(bad)  # the step planted wrong is located, by quantity
    assert all(str(k.whole) not in bad for k in r.entries.keys if k.kind in ("resp", "loglik", "count", "weight"))


def test_the_command_line_says_pass_for_float32(tmp_path, capsys):
    module = tmp_path / "gmm32.py"
    module.write_text("import sys\nsys.path.insert(0, %r)\nfrom test_float_types import em_step32\n"
                      % str(Path(__file__).parent), encoding="utf-8")
    problem = tmp_path / "p.toml"
    problem.write_text(Path(__file__).resolve().parents[1].joinpath("examples", "types", "tied_sklearn.toml")
                       .read_text(encoding="utf-8"), encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        capsys.readouterr()
        code = main(["crosscheck", str(problem), "--with", "gmm32:em_step32", "--covariance-type", "full"])
        out = capsys.readouterr().out
    finally:
        sys.path.remove(str(tmp_path))
    assert "the peer computes in float32, which carries about 7.2 significant digits" in " ".join(out.split())
    assert out.splitlines()[-1].startswith(("PASS for float32: every value has at least 4 correct digits",
                                            "FAIL for float32: ")) and code in (0, 1)


def test_torch_tensors_are_read_when_torch_is_installed():
    torch = pytest.importorskip("torch")

    def em_torch(*args, **kw):
        return {k: torch.from_numpy(np.asarray(v)).to(torch.bfloat16) for k, v in em_step32(*args, **kw).items()}

    r = crosscheck(em_torch, start=random_problem())
    assert r.peer.settings["dtype"] == "bfloat16" and r.min_digits == 1


class FakeTensor:
    """What gmmexact uses of a torch tensor: ``dtype``, ``detach``, ``cpu``, ``float``, ``numpy``."""

    def __init__(self, values, dtype="torch.bfloat16"):
        self.values, self.dtype = np.asarray(values, dtype=np.float32), dtype

    def detach(self):
        return self

    def cpu(self):
        return self

    def float(self):
        return FakeTensor(self.values, "torch.float32")

    def numpy(self):
        if self.dtype == "torch.bfloat16":
            raise TypeError("Got unsupported ScalarType BFloat16")  # as torch does
        return self.values


def test_tensors_are_widened_exactly_and_their_type_detected():
    def em_tensors(*args, **kw):
        return {k: FakeTensor(v) for k, v in em_step32(*args, **kw).items()}

    r = crosscheck(em_tensors, start=random_problem())
    assert r.peer.settings["dtype"] == "bfloat16" and r.min_digits == 1
    assert r.passed and len(r.entries) == 30 * 2 + 1 + 2 * (1 + 1 + 3 + 9)


def test_each_quantity_says_what_float32_could_carry():
    r = crosscheck(em_step32, start=random_problem())
    qs = r.as_dict()["quantities"]
    assert all("attainable_digits" in q for q in qs)
    finite = [q for q in qs if q["attainable_digits"] is not None]
    assert finite and all(6 <= q["attainable_digits"] <= 12 for q in finite)  # float32: 7.2 digits (more near 1)
    # the peer never beats what its type can carry by more than the rounding of a 2-digit boundary
    assert all(q["correct_digits"] is None or q["correct_digits"] <= q["attainable_digits"] + 2 for q in finite)
    assert "attainable_digits" not in crosscheck("sklearn", start=random_problem()).as_dict()["quantities"][0]
