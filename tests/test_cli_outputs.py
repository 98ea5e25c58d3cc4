"""Every file the command line writes: whole or not at all, its place checked before any work, never over
an input; a closed pipe, a full disk and Ctrl-C end with one line and a stable exit status."""
from __future__ import annotations

import errno
import importlib.util
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gmmexact.cli.commands import main
from gmmexact.model import limits
from gmmexact.rendering.solution import LatexEngineError, compile_pdf

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "examples" / "seed"
needs_tex = pytest.mark.skipif(not shutil.which("pdflatex"), reason="pdflatex not installed")
posix_only = pytest.mark.skipif(os.name != "posix", reason="signals, pipes and /dev/full are POSIX")


@pytest.fixture
def seed(tmp_path):
    """Copies of the seed's problem, claims and homework, which the commands must never change."""
    for name in ("problem.toml", "claims.toml", "homework.md"):
        shutil.copyfile(SEED_DIR / name, tmp_path / name)
    return tmp_path


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_solving(monkeypatch):
    """Any solve fails the test: what is checked here is checked before the work starts."""
    def solve(*args, **kwargs):
        raise AssertionError("solved before the output place was checked")
    monkeypatch.setattr("gmmexact.numerics.run.solve", solve)


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --- never over an input ---------------------------------------------------------------------------

ONTO_INPUTS = [
    ("claims-template", "problem.toml", "-o", "problem.toml"),
    ("latex", "problem.toml", "-o", "problem.toml"),
    ("latex", "problem.toml", "--claims", "claims.toml", "--pdf", "-o", "claims.toml"),
    ("latex", "problem.toml", "--claims", "claims.toml", "-o", "claims.toml"),
    ("plot", "problem.toml", "-o", "problem.toml"),
    ("crosscheck", "problem.toml", "--template", "problem.toml"),
    ("crosscheck", "problem.toml", "--with", "claims.toml", "--template", "claims.toml"),
    ("check", "problem.toml", "homework.md", "--annotate", "homework.md"),
    ("check", "homework.md", "--annotate", "homework.md"),
    ("claims-from", "homework.md", "-o", "homework.md"),
    ("problem-from", "homework.md", "-o", "homework.md"),
]


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
@pytest.mark.parametrize("args", ONTO_INPUTS, ids=lambda a: " ".join(a))
def test_no_command_writes_over_its_input(seed, capsys, monkeypatch, no_solving, args, force):
    monkeypatch.chdir(seed)
    before = {name: (seed / name).read_bytes() for name in _files(seed)}
    code, out, err = run_cli(capsys, *args, *(["--force"] if force else []))
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("gmmexact: error: ") and "input" in err
    assert {name: (seed / name).read_bytes() for name in _files(seed)} == before  # nothing changed, nothing added


def test_pdf_named_after_an_input_is_refused(seed, capsys, monkeypatch, no_solving):
    monkeypatch.chdir(seed)
    (seed / "claims.pdf").write_bytes(b"%PDF kept")  # the claims file, whatever its extension
    code, _, err = run_cli(capsys, "latex", "problem.toml", "--claims", "claims.pdf", "--pdf", "-o", "claims.tex")
    assert code == 2 and "claims.pdf" in err and "input" in err
    assert (seed / "claims.pdf").read_bytes() == b"%PDF kept" and not (seed / "claims.tex").exists()


# --- files people edit need --force -----------------------------------------------------------------

@pytest.mark.parametrize("command, option, name", [
    ("claims-template", "-o", "claims-mine.toml"),
    ("crosscheck", "--template", "results.json"),
])
def test_files_people_edit_are_replaced_only_with_force(seed, capsys, command, option, name):
    target = seed / name
    target.write_text("edited by hand\n", encoding="utf-8")
    code, _, err = run_cli(capsys, command, seed / "problem.toml", option, target)
    assert code == 2 and "already exists" in err and "--force" in err
    assert target.read_text(encoding="utf-8") == "edited by hand\n"
    code, _, err = run_cli(capsys, command, seed / "problem.toml", option, target, "--force")
    assert code == 0 and f"wrote {target}" in err
    assert "det.women" in target.read_text(encoding="utf-8") or "mean.women" in target.read_text(encoding="utf-8")


# --- bad places, before any work ---------------------------------------------------------------------

OUTPUTS = [
    ("claims-template", "problem.toml", "-o", "{}"),
    ("latex", "problem.toml", "-o", "{}"),
    ("latex", "problem.toml", "--pdf", "-o", "{}"),
    ("plot", "problem.toml", "-o", "{}"),
    ("crosscheck", "problem.toml", "--template", "{}"),
    ("crosscheck", "problem.toml", "--with", "sklearn", "--plot", "{}"),
    ("check", "homework.md", "--annotate", "{}"),
    ("claims-from", "homework.md", "-o", "{}"),
    ("problem-from", "homework.md", "-o", "{}"),
]
EXTENSION = {"plot": ".png", "crosscheck --plot": ".png", "crosscheck --template": ".json", "check": ".html",
             "latex --pdf": ".pdf"}


def _output_args(args: tuple, place: str) -> list[str]:
    kind = args[0] + (" --pdf" if "--pdf" in args else " --plot" if "--plot" in args else
                      " --template" if "--template" in args else "")
    suffix = EXTENSION.get(kind, EXTENSION.get(args[0], ".toml" if args[0] != "latex" else ".tex"))
    return [a.replace("{}", place + suffix) if a == "{}" else a for a in args]


@pytest.mark.parametrize("place, message", [
    ("missing/out", "does not exist"),
    ("problem.toml/out", "is not a folder"),
    ("n" * 300, "the name is too long"),
    ("loop/out", "is a loop of symbolic links"),
])
@pytest.mark.parametrize("args", OUTPUTS, ids=lambda a: " ".join(a))
def test_bad_output_places_exit_2_before_any_work(seed, capsys, monkeypatch, no_solving, args, place, message):
    monkeypatch.chdir(seed)
    if hasattr(os, "symlink"):
        os.symlink("loop", seed / "loop")
    code, out, err = run_cli(capsys, *_output_args(args, place))
    assert code == 2, err
    assert err.startswith("gmmexact: error: ") and message in err and out == ""


@pytest.mark.parametrize("args", OUTPUTS, ids=lambda a: " ".join(a))
def test_a_folder_is_no_output(seed, capsys, monkeypatch, no_solving, args):
    monkeypatch.chdir(seed)
    argv = _output_args(args, "x")
    folder = next(a for a in argv if a.startswith("x."))
    (seed / folder).mkdir()
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and ("is a folder" in err or "is a directory" in err), err


@pytest.mark.parametrize("failure, words", [
    (errno.EROFS, "the file system is read-only"),
    (errno.EACCES, "permission denied"),
    (errno.ENOSPC, "the disk is full"),
])
def test_unwritable_places_are_found_before_any_work(seed, capsys, monkeypatch, no_solving, failure, words):
    def refuse(*args, **kwargs):
        raise OSError(failure, os.strerror(failure))
    monkeypatch.setattr("tempfile.mkstemp", refuse)
    for args in (("claims-template", "-o", "t.toml"), ("latex", "-o", "s.tex"), ("plot", "-o", "s.png"),
                 ("crosscheck", "--template", "r.json")):
        code, _, err = run_cli(capsys, args[0], seed / "problem.toml", args[1], seed / args[2])
        assert code == 2 and words in err, err


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="permissions do not bind root")
def test_read_only_folder(seed, capsys, no_solving):
    locked = seed / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, _, err = run_cli(capsys, "claims-template", seed / "problem.toml", "-o", locked / "t.toml")
    finally:
        locked.chmod(0o755)
    assert code == 2 and "permission denied" in err


def test_a_full_disk_is_found_before_any_work(seed, capsys, monkeypatch, no_solving):
    full = os.statvfs_result((4096, 4096, 1000, 0, 0, 100, 0, 0, 0, 255))
    monkeypatch.setattr(os, "statvfs", lambda path: full)
    code, _, err = run_cli(capsys, "latex", seed / "problem.toml", "-o", seed / "s.tex")
    assert code == 2 and "the disk is full" in err and not (seed / "s.tex").exists()


def test_a_disk_that_fills_while_writing_leaves_the_old_file(seed, capsys, monkeypatch):
    target = seed / "s.tex"
    target.write_text("the old document\n")
    before = _files(seed)

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "fsync", full)
    code, _, err = run_cli(capsys, "latex", seed / "problem.toml", "-o", target)
    assert code == 2 and err.count("\n") == 1 and "the disk is full" in err and str(target) in err
    assert target.read_text() == "the old document\n" and _files(seed) == before


def test_a_special_file_is_never_replaced(seed, capsys, no_solving):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    fifo = seed / "pipe.tex"
    os.mkfifo(fifo)
    code, _, err = run_cli(capsys, "latex", seed / "problem.toml", "-o", fifo)
    assert code == 2 and "not a regular file" in err
    assert not fifo.is_file() and fifo.exists()  # still the pipe


# --- plot: whole pictures, bounded sizes ------------------------------------------------------------------

@pytest.mark.parametrize("failure, code, words", [
    (KeyboardInterrupt(), 130, "gmmexact: interrupted\n"),
    (OSError(errno.ENOSPC, "No space left on device"), 2, "the disk is full"),
])
def test_an_interrupted_picture_leaves_the_old_one(seed, capsys, monkeypatch, failure, code, words):
    from matplotlib.figure import Figure

    picture = seed / "seed.png"
    assert main(["plot", str(seed / "problem.toml"), "-o", str(picture), "--dpi", "40"]) == 0
    old = picture.read_bytes()
    before = _files(seed)

    def half_then_fail(self, fname, **kwargs):
        Path(fname).write_bytes(old[:100])  # part of a picture, then the failure
        raise failure
    monkeypatch.setattr(Figure, "savefig", half_then_fail)
    capsys.readouterr()
    got, _, err = run_cli(capsys, "plot", seed / "problem.toml", "-o", picture, "--dpi", "60")
    assert got == code and words in err and "Traceback" not in err
    assert picture.read_bytes() == old and _files(seed) == before


def test_dpi_past_what_matplotlib_draws_is_refused_even_with_force(seed, capsys, no_solving):
    for extra in ([], ["--force"]):
        code, _, err = run_cli(capsys, "plot", seed / "problem.toml", "-o", seed / "x.svg", "--dpi", "100000", *extra)
        assert code == 2
        assert err == ("gmmexact: error: --dpi: 100000 makes a picture of 1050000 × 700000 pixels, more than "
                       "matplotlib draws (65535 a side); expected --dpi at most 6241\n")
    code, _, err = run_cli(capsys, "plot", seed / "problem.toml", "-o", seed / "x.png", "--dpi", "1200")
    assert code == 2 and "106 megapixels, more than 100" in err and "--dpi at most 1166, or --force" in err


def test_long_names_are_drawn_shortened(tmp_path):
    import gmmexact
    from gmmexact.rendering import plot

    name = "n" * 150
    p = gmmexact.Problem.from_arrays([[0, 1], [2, 0], [1, 3]], means=[[0, 0], [2, 2]],
                                     covariances=[[[1, 0], [0, 1]]] * 2, weights=["1/2", "1/2"],
                                     labels=["A", name, "C"], names=[name, "b"], variables=["x" * 100, "y"])
    fig = plot.figure(gmmexact.solve(p), dpi=40)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts] + [fig.axes[0].get_xlabel()]
    texts += [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "n" * 59 + "…" in texts and "x" * 59 + "…" in texts
    assert all(len(t) < 120 for t in texts) and not any(name in t for t in texts)


# --- the cost estimate and --force ----------------------------------------------------------------------

@pytest.fixture
def costly(monkeypatch):
    """A cost model that finds every solve far too expensive, and records the limits in force."""
    import types

    seen = []

    def estimate_solve(problem, iterations, digits=6, backend="arb", **options):
        seen.append(limits.current().seconds)
        return limits.Estimate(seconds=1e6, memory_bytes=1 << 40, what=f"{iterations} iterations, {digits} digits")
    monkeypatch.setitem(sys.modules, "gmmexact.numerics.cost", types.SimpleNamespace(estimate_solve=estimate_solve))
    return seen


@pytest.mark.parametrize("args", [
    ("solve", "{p}", "--digits", "30"),
    ("latex", "{p}", "-o", "{d}/s.tex"),
    ("plot", "{p}", "-o", "{d}/s.svg", "--dpi", "40"),
    ("claims-template", "{p}", "-o", "{d}/t.toml"),
    ("crosscheck", "{p}", "--template", "{d}/r.json"),
], ids=lambda a: a[0])
def test_too_expensive_needs_force(seed, capsys, costly, args):
    argv = [a.format(p=seed / "problem.toml", d=seed) for a in args]
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert "about 277.8 h and 1099.5 GB, more than the limits" in err and "or --force to run it anyway" in err
    code, _, err = run_cli(capsys, *argv, "--force")
    assert code == 0, err
    assert costly == [limits.current().seconds, float("inf")]  # --force lifts the limits while the command runs


# --- pdflatex: nothing run, nothing read, the log kept -----------------------------------------------------

@needs_tex
def test_a_failed_pdf_keeps_its_log_and_names_it(seed, capsys, monkeypatch):
    import gmmexact.rendering.solution as solution

    monkeypatch.setattr(solution, "latex_document", lambda *a, **kw: "\\documentclass{article}\\begin{document}"
                        "\\nosuchcommand\\end{document}\n")
    code, _, err = run_cli(capsys, "latex", seed / "problem.toml", "--pdf", "-o", seed / "s.tex")
    log = seed / "s.log"
    assert code == 1 and f"(its log: {log})" in err and "Undefined control sequence" in err
    assert "Undefined control sequence" in log.read_text(encoding="latin-1")
    assert not (seed / "s.pdf").exists() and (seed / "s.tex").exists()


@needs_tex
def test_a_log_never_goes_over_an_input(tmp_path):
    doc = "\\documentclass{article}\\begin{document}\\nosuchcommand\\end{document}\n"
    keep = tmp_path / "x.log"
    keep.write_text("an input\n")
    with pytest.raises(LatexEngineError) as e:
        compile_pdf(doc, tmp_path / "x.pdf", inputs=[keep])
    assert keep.read_text() == "an input\n"
    assert e.value.log_path.parent != tmp_path and "Undefined control sequence" in e.value.log_path.read_text("latin-1")
    shutil.rmtree(e.value.log_path.parent)


@needs_tex
@pytest.mark.parametrize("body", [
    r"\input{/etc/passwd}",
    r"\input /etc/passwd ",
    r"^^5cinput{/etc/passwd}",
    r"\input{../../../../../../../../etc/passwd}",
    r"\newread\r \openin\r=/etc/passwd \read\r to\x \x",
])
def test_compiling_reads_no_file_outside(tmp_path, body):
    secret = Path("/etc/passwd")
    if not secret.exists():
        pytest.skip("no /etc/passwd to protect")
    doc = "\\documentclass{article}\\begin{document}x " + body + "\\end{document}\n"
    try:
        compile_pdf(doc, tmp_path / "x.pdf", runs=1, timeout=60)
        text = subprocess.run(["pdftotext", str(tmp_path / "x.pdf"), "-"], capture_output=True, text=True).stdout \
            if shutil.which("pdftotext") else (tmp_path / "x.pdf").read_bytes().decode("latin-1")
    except LatexEngineError as e:
        text = e.log
        assert "(/etc/passwd" not in text  # TeX names each file it opens
    assert not re.search(r"\w+:x?:\d+:\d+:", text)  # no passwd entry, user:x:uid:gid:


@needs_tex
def test_compiling_runs_no_command(tmp_path):
    witness = tmp_path / "ran"
    for body in (rf"\immediate\write18{{touch {witness}}}", rf"^^5cimmediate^^5cwrite18{{touch {witness}}}"):
        doc = "\\documentclass{article}\\begin{document}x" + body + "\\end{document}\n"
        try:
            compile_pdf(doc, tmp_path / "x.pdf", runs=1, timeout=60)
        except LatexEngineError:
            pass
        assert not witness.exists()


@needs_tex
@pytest.mark.parametrize("name", [r"\input{/etc/passwd}", r"\immediate\write18{touch WITNESS}", "^^5cinput{/etc/passwd}"])
def test_a_hostile_component_name_compiles_to_a_harmless_pdf(tmp_path, capsys, name):
    witness = tmp_path / "ran"
    name = name.replace("WITNESS", str(witness))
    problem = tmp_path / "h.toml"
    problem.write_text('[data]\npoints = [1, 2, 4]\n[[components]]\nname = "%s"\nmean = 1\ncovariance = 1\n'
                       'weight = 0.5\n[[components]]\nname = "b"\nmean = 3\ncovariance = 1\nweight = 0.5\n'
                       % name.replace("\\", "\\\\"), encoding="utf-8")
    code, _, err = run_cli(capsys, "latex", problem, "--pdf", "-o", tmp_path / "h.pdf")
    assert code in (0, 1) and "internal error" not in err
    assert not witness.exists()
    if code == 0 and shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "h.pdf"), "-"], capture_output=True, text=True).stdout
        assert "root:" not in text


# --- standard output: closed pipes and full disks, in real processes ------------------------------------

def _gmmexact(*args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gmmexact", *map(str, args)], cwd=ROOT, **kwargs)


def _many_points(path: Path, n: int = 200) -> Path:
    rng = random.Random(1)
    points = ", ".join(f"[{rng.randint(0, 99)}, {rng.randint(0, 99)}]" for _ in range(n))
    path.write_text(f"[data]\npoints = [{points}]\n[[components]]\nname = \"a\"\nmean = [30, 30]\n"
                    f"covariance = [[100, 10], [10, 80]]\nweight = 0.5\n[[components]]\nname = \"b\"\n"
                    f"mean = [70, 60]\ncovariance = [[90, -5], [-5, 120]]\nweight = 0.5\n")
    return path


@posix_only
def test_a_closed_pipe_is_one_line_and_exit_141(tmp_path):
    seed, claims = SEED_DIR / "problem.toml", SEED_DIR / "claims.toml"
    closed = {  # the reader is gone before anything is written
        "solve": ("solve", seed), "check": ("check", seed, claims), "latex": ("latex", seed),
        "claims-template": ("claims-template", seed),
    }
    if importlib.util.find_spec("sklearn"):
        closed["crosscheck"] = ("crosscheck", seed, "--with", "sklearn")
    procs = {}
    for name, args in closed.items():
        procs[name] = _gmmexact(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        procs[name].stdout.close()
    # `| head -1` on a long output: one line read, then the pipe closed
    head = _gmmexact("solve", _many_points(tmp_path / "many.toml"), "--format", "json", "--forms", "none",
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert head.stdout.readline() == b"{\n"
    head.stdout.close()
    procs["| head -1"] = head
    for name, proc in procs.items():
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 141, (name, err)
        assert err == "gmmexact: standard output was closed before everything was written (e.g. by | head)\n", name


@posix_only
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_standard_output_on_a_full_disk(tmp_path):
    with open("/dev/full", "w") as full:
        proc = _gmmexact("solve", SEED_DIR / "problem.toml", stdout=full, stderr=subprocess.PIPE)
        err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 2
    assert err == ("gmmexact: error: standard output: the disk is full; expected free space on that disk, "
                   "or another place\n")


def test_standard_output_that_cannot_encode_the_report():
    proc = subprocess.run([sys.executable, "-m", "gmmexact", "solve", str(SEED_DIR / "problem.toml")], cwd=ROOT,
                          capture_output=True, timeout=60, env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 2
    assert proc.stderr.decode() == ("gmmexact: error: standard output: its encoding, ascii, cannot write '\\xb7'; "
                                    "expected UTF-8 output (e.g. PYTHONIOENCODING=utf-8)\n")


# --- Ctrl-C ---------------------------------------------------------------------------------------------

@posix_only
def test_ctrl_c_is_exit_130_and_one_line(tmp_path):
    many = _many_points(tmp_path / "many.toml")
    out = tmp_path / "many.tex"
    out.write_text("the old document\n")
    sigint = dict(stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                  preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    jobs = [_gmmexact("latex", many, "-o", out, **sigint),  # each takes 10 s or more
            _gmmexact("solve", many, "--iterations", "3", "--forms", "all", "--format", "json", **sigint)]
    # the latex job's first note says the command has started (imports done, problem read)
    assert select.select([jobs[0].stderr], [], [], 60)[0], "no note from latex within 60 s"
    note = jobs[0].stderr.readline().decode()
    assert note.startswith("gmmexact: note: every step of 200 points")
    time.sleep(1.0)  # inside SymPy's work
    sent = time.monotonic()
    for job in jobs:
        job.send_signal(signal.SIGINT)
    for job in jobs:
        err = job.communicate(timeout=60)[1].decode()
        assert job.returncode == 130 and err.endswith("gmmexact: interrupted\n") and "Traceback" not in err, err
    assert time.monotonic() - sent < 10
    assert out.read_text() == "the old document\n" and _files(tmp_path) == {"many.toml", "many.tex"}
