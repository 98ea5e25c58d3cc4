"""Hostile problem files and documents: each ends within seconds with exit 0, 1 (a wrong claim) or 2
and a message naming the file, the field and the limit, never an internal error, a traceback or a hang."""
from __future__ import annotations

import json
import signal
import time
import zipfile
from fractions import Fraction
from pathlib import Path

import pytest

from gmmexact.cli.commands import main
from gmmexact.documents import statements
from gmmexact.documents.statements import MAX_MATH_CHARS
from gmmexact.model import limits
from gmmexact.model.errors import InputError
from gmmexact.model.exactnum import format_exact, int_from_text, int_text, parse_exact
from gmmexact.model.keys import Key
from gmmexact.model.linalg import first_nonpositive_minor, format_relation, leading_principal_minors
from gmmexact.model.problem import Problem, load

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed" / "problem.toml"
PROBLEM = SEED.read_text(encoding="utf-8")
CLAIM = "# E-step\n\n$$|\\Sigma_{women}| = 100$$\n\n"
SECONDS = 10  # each case takes well under 3 s; the bound leaves room for a loaded machine


class Hung(BaseException):
    """Raised by the alarm: not an Exception, so the command line cannot turn it into a message."""


@pytest.fixture(autouse=True)
def no_hang():
    def hung(*_):
        raise Hung("took more than 30 s")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def run(capsys, *args) -> tuple[int, str, str]:
    """Run the command line in-process; it must end quickly, without an internal error."""
    start = time.perf_counter()
    code = main([str(a) for a in args])
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    assert "internal error" not in err and "Traceback" not in err, err
    assert elapsed < SECONDS, f"{args}: {elapsed:.1f} s"
    return code, out, err


def problem_with(**changes) -> str:
    """The seed problem with lines replaced: ``{old line start: new line}``."""
    lines = PROBLEM.splitlines()
    for old, new in changes.items():
        k = next(i for i, line in enumerate(lines) if line.startswith(old))
        lines[k] = new
    return "\n".join(lines) + "\n"


def points_line(first: str) -> str:
    return f"points = [[{first}, 55], [165, 60], [170, 65], [180, 75], [185, 80], [190, 85]]"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


# -- 1. bounded exact inputs ---------------------------------------------------------------------

def _components(k: int) -> str:
    return "".join(f'[[components]]\nmean = 0\ncovariance = 1\nweight = "1/{k}"\n' for _ in range(k))


SIZES = {
    "integer of 20,000 digits": (problem_with(points=points_line("1" * 20000)),
                                 ["line 7", "20,000 digits", "GMMEXACT_LIMIT_NUMBER_DIGITS"]),
    "integer of 20,000 digits with underscores": (problem_with(points=points_line("1_0" * 10001)),
                                                  ["20,002 digits", "GMMEXACT_LIMIT_NUMBER_DIGITS"]),
    "string of 20,000 digits": (problem_with(points=points_line('"' + "7" * 20000 + '"')),
                                ["data.points[0][0]", "20,000 digits", "GMMEXACT_LIMIT_NUMBER_DIGITS"]),
    "denominator of 20,000 digits": (problem_with(points=points_line('"1/' + "3" * 20000 + '"')),
                                     ["data.points[0][0]", "in its denominator", "NUMBER_DIGITS"]),
    "exponent 1e999999999 in a string": (problem_with(points=points_line('"1e999999999"')),
                                         ["data.points[0][0]", "exponent", "GMMEXACT_LIMIT_EXPONENT"]),
    "exponent 1e999999999 as a TOML float": (problem_with(weight="weight = 5e-999999999"),
                                             ["components[0] (women).weight", "exponent", "LIMIT_EXPONENT"]),
    "exponent of a million digits": (problem_with(points=points_line('"1e' + "9" * 10**6 + '"')),
                                      ["line 7", "string of 1,000,002 characters"]),
    "label of 1,000 characters": (problem_with(labels='labels = ["' + "A" * 1000 + '", "B", "C", "D", "E", "F"]'),
                                  ["data.labels[0]", "1000 characters", "GMMEXACT_LIMIT_LABEL_CHARS"]),
    "label of 10,000,000 characters": (problem_with(labels='labels = ["' + "A" * 10**7 + '", "B", "C", "D", "E", "F"]'),
                                       ["line 6", "10,000,000 characters", "LABEL_CHARS"]),
    "component name of 300 characters": (problem_with(name='name = "' + "w" * 300 + '"'),
                                         ["components[0].name", "300 characters", "LABEL_CHARS"]),
    "10,000 components": ("[data]\npoints = [1, 2, 3]\n" + _components(10000),
                          ["components: 10000 components", "GMMEXACT_LIMIT_COMPONENTS"]),
    "dimension 1,000": ("[data]\npoints = [[" + ", ".join(["1"] * 1000) + "]]\n[[components]]\nmean = 0\n"
                        "covariance = 1\nweight = 1\n", ["line 2", "one point or matrix row", "LIMIT_DIMENSION"]),
    "dimension 101": ("[data]\npoints = [" + ", ".join(f"[{', '.join(['1'] * 101)}]" for _ in range(2)) + "]\n",
                      ["data.points[0]: 101 coordinates", "GMMEXACT_LIMIT_DIMENSION"]),
    "1,000,000 points": ("[data]\npoints = [" + ", ".join(["[1, 2]"] * 10**6) + "]\n",
                         ["data.points", "999999 points or more", "GMMEXACT_LIMIT_POINTS"]),
    "1,000,000 points of one coordinate": ('[data]\npoints = [' + ", ".join(['"1/3"'] * 10**6) + "]\n",
                                           ["data.points", "points or more", "GMMEXACT_LIMIT_POINTS"]),
}


@pytest.mark.parametrize("case", SIZES, ids=list(SIZES))
def test_inputs_past_a_limit_are_refused_before_the_work(case, tmp_path, capsys):
    text, fragments = SIZES[case]
    code, _, err = run(capsys, "solve", write(tmp_path, "p.toml", text))
    assert code == 2
    assert err.startswith(f"gmmexact: error: {tmp_path / 'p.toml'}: ")
    for fragment in fragments:
        assert fragment in err
    assert len(err) < 1000  # a huge value is shown by its ends, never in full


def test_file_size_is_checked_before_reading(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, "p.toml", PROBLEM)
    monkeypatch.setenv("GMMEXACT_LIMIT_FILE_BYTES", "100")
    code, _, err = run(capsys, "solve", path)
    assert code == 2 and f"{path.stat().st_size} bytes, more than the limit of 100" in err
    assert "GMMEXACT_LIMIT_FILE_BYTES" in err


def test_numbers_within_the_limits_are_read_exactly(tmp_path):
    ones = "1" * 5000  # past Python's 4,300-digit int/str limit, within number_digits
    text = problem_with(points=points_line(ones), mean=f'mean = ["{ones}/{ones}2", 57]')
    problem = load(write(tmp_path, "p.toml", text))
    assert problem.points[0][0] == (10**5000 - 1) // 9
    assert problem.components[0].mean[0] == Fraction((10**5000 - 1) // 9, (10**5001 - 1) // 9 + 1)
    assert parse_exact("-" + "9" * 9000 + "/" + "7" * 9000, file=None, field=None) == Fraction(
        -(10**9000 - 1), 7 * (10**9000 - 1) // 9)
    with limits.override(number_digits=20), pytest.raises(InputError, match=r"has 21 digits in the integer"):
        parse_exact(10**20, file="f", field="g")


# -- 2. printing huge exact numbers --------------------------------------------------------------

def test_huge_exact_numbers_print_exactly():
    n = 3**20000  # 9,543 digits
    assert int_from_text(int_text(n)) == n and int_text(-n).startswith("-") and len(int_text(n)) == 9543
    q = Fraction(10**20000 + 1, 3)
    assert format_exact(q) == "1" + "0" * 19999 + "1/3"
    assert format_exact(-q).startswith("-1000")
    assert parse_exact(format_exact(Fraction(n, n + 2)), file=None, field=None) == Fraction(n, n + 2)
    assert format_relation((1, -1), Fraction(10**5000), ["h", "w"]) == "h − w = 1" + "0" * 5000


def test_messages_show_huge_values_by_their_ends(tmp_path, capsys):
    text = problem_with(weight='weight = "' + "1" * 8999 + "2/" + "3" * 9000 + '"')
    code, _, err = run(capsys, "solve", write(tmp_path, "p.toml", text))
    assert code == 2 and "components[*].weight: weights sum to" in err
    assert "more characters)" in err and len(err) < 1000


# -- 3. labels, names and variables ----------------------------------------------------------------

NAMES = {
    "label with a space at its start": ('labels = [" A", "B", "C", "D", "E", "F"]',
                                        "data.labels[0]: label ' A' has a space at its start"),
    "label with a space at its end": ('labels = ["A", "B ", "C", "D", "E", "F"]',
                                      "data.labels[1]: label 'B ' has a space at its end"),
    "label with a tab": ('labels = ["\\tA", "B", "C", "D", "E", "F"]', "data.labels[0]: label '\\tA' has a tab at"),
    "label with a no-break space": ('labels = ["A\\u00a0", "B", "C", "D", "E", "F"]', "has a no-break space at its end"),
    "label with a line break": ('labels = ["A\\nB", "B", "C", "D", "E", "F"]',
                                "data.labels[0]: label 'A\\nB' contains the control character U+000A"),
    "label with a bell": ('labels = ["A\\u0007", "B", "C", "D", "E", "F"]', "control character U+0007"),
    "label with a right-to-left override": ('labels = ["A\\u202e", "B", "C", "D", "E", "F"]',
                                            "control character U+202E"),
    "empty label": ('labels = ["", "B", "C", "D", "E", "F"]', "data.labels[0]: is empty or whitespace-only"),
    "component name with a space at its end": ('name = "women "',
                                               "components[0].name: component name 'women ' has a space at its end"),
    "variable with a tab at its start": ('variables = ["\\theight", "weight"]',
                                         "data.variables[0]: variable '\\theight' has a tab at its start"),
}


@pytest.mark.parametrize("case", NAMES, ids=list(NAMES))
def test_names_with_whitespace_at_an_end_or_control_characters_are_refused(case, tmp_path, capsys):
    line, fragment = NAMES[case]
    key = line.split(" =")[0]
    code, _, err = run(capsys, "solve", write(tmp_path, "p.toml", problem_with(**{key: line})))
    assert code == 2 and fragment in err, err
    assert "expected" in err


SPECIAL = ["\\input{/etc/passwd}", "\\s", "\\1", "\\g<0>", "$x$", "50%", "#3", "{br"]


def test_names_with_regex_and_latex_specials_are_accepted(tmp_path):
    labels = "labels = [" + ", ".join(json.dumps(s) for s in SPECIAL[:6]) + "]"
    text = problem_with(labels=labels, name='name = "' + SPECIAL[6] + SPECIAL[7] + '"')
    problem = load(write(tmp_path, "p.toml", text.replace('"height", "weight"', '"\\\\write18", "%"')))
    assert problem.labels == tuple(SPECIAL[:6])
    assert problem.component_names == ("#3{br", "men") and problem.variables == ("\\write18", "%")


# -- 4. deep nesting -------------------------------------------------------------------------------

def test_deeply_nested_inputs_are_refused_or_read(tmp_path, capsys):
    deep = problem_with(points="points = " + "[" * 500 + "1" + "]" * 500)
    code, _, err = run(capsys, "solve", write(tmp_path, "p.toml", deep))
    assert code == 2 and "line 7: arrays or tables nested 500 deep here" in err and "GMMEXACT_LIMIT_NESTING" in err

    nested: list = [1]
    for _ in range(100_000):
        nested = [nested]
    with pytest.raises(InputError, match="lists nested more than 32 deep"):
        Problem.from_arrays(nested, means=[0], covariances=[1], weights=[1])

    tex = write(tmp_path, "deep.tex", "\\documentclass{article}\\begin{document}\n\\section{E-step}\n"
                + "{" * 500 + "$|\\Sigma_{women}| = 100$" + "}" * 500 + "\n\\end{document}\n")
    code, _, err = run(capsys, "check", SEED, tex)
    assert code == 2 and "deep.tex: line 3: braces or environments nested 502 deep" in err

    math = "\\frac{1}{" * 500 + "2" + "}" * 500
    markdown = write(tmp_path, "deep.md", CLAIM + f"$$|\\Sigma_{{men}}| = {math}$$\n\n"
                     + "".join("  " * i + "- item\n" for i in range(500)) + ">" * 500 + " quoted\n")
    code, out, _ = run(capsys, "check", SEED, markdown)
    assert code == 0 and "1 claims: 1 correct" in out.replace("1 claim:", "1 claims:")
    problem, = [s.problem for s in statements(f"x = {math}")]
    assert "nested 500 deep, more than the limit of 32 (GMMEXACT_LIMIT_NESTING)" in problem

    notebook = write(tmp_path, "deep.ipynb", '{"cells": [], "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}")
    code, _, err = run(capsys, "check", SEED, notebook)
    assert code == 2 and "deep.ipynb: is JSON nested too deeply to read" in err


# -- 5. wrong types at every level -----------------------------------------------------------------

WRONG_TYPES = {
    "points a string": ({"points": 'points = "abc"'}, "data.points: is the string 'abc'"),
    "a point a table": ({"points": "points = [{a = 1}, [1, 2]]"}, "data.points[0]: is a table"),
    "a coordinate a table": ({"points": "points = [[1, {a = 1}]]"}, "data.points[0][1]: is a table"),
    "a coordinate a boolean": ({"points": points_line("true")}, "data.points[0][0]: is the boolean true"),
    "a coordinate a date": ({"points": points_line("1979-05-27")}, "data.points[0][0]: is of type date"),
    "labels a table": ({"labels": "labels = {a = 1}"}, "data.labels: is a table"),
    "a label a number": ({"labels": 'labels = [1, "B", "C", "D", "E", "F"]'}, "data.labels[0]: is the number 1"),
    "a label a huge number": ({"labels": f'labels = [{"9" * 5000}, "B", "C", "D", "E", "F"]'},
                              "data.labels[0]: is the number 99999"),
    "variables a string": ({"variables": 'variables = "height"'}, "data.variables: is the string 'height'"),
    "name a number": ({"name": "name = 3"}, "components[0].name: is the number 3"),
    "mean a table": ({"mean": "mean = {a = 1}"}, "components[0] (women).mean: is a table"),
    "covariance a number": ({"covariance": "covariance = 3"}, "components[0] (women).covariance: is the number 3"),
    "a covariance row a table": ({"covariance": "covariance = [{a = 1}, [0, 10]]"}, "is not a list of rows"),
    "weight a list": ({"weight": "weight = [0.5]"}, "components[0] (women).weight: is a list"),
    "weight a boolean": ({"weight": "weight = true"}, "components[0] (women).weight: is the boolean true"),
}

TOP_LEVEL = {
    "components not tables": ("components = [1, 2]\n[data]\npoints = [1, 2]\n",
                              "components: is a list of 2 entries, not an array of tables"),
    "fixed a string": ('fixed = "mean"\n' + PROBLEM, "fixed: is the string 'mean'"),
    "fixed holding a list": ('fixed = [["mean"]]\n' + PROBLEM, "fixed[0]: is a list of 1 entry"),
    "fixed holding a huge number": (f"fixed = [{'9' * 5000}]\n" + PROBLEM, "fixed[0]: is the number 999"),
    "covariance_type a number": ("covariance_type = 3\n" + PROBLEM, "covariance_type: is the number 3"),
    "covariance_type a table": ("covariance_type = {a = 1}\n" + PROBLEM, "covariance_type: is a table"),
    "reg_covar a list": ("reg_covar = [1]\n" + PROBLEM, "reg_covar: is a list"),
    "count_offset a string": ('count_offset = "lots"\n' + PROBLEM, "count_offset: is the string 'lots'"),
    "data a list": ("data = [1]\n", "data: is a list of 1 entry"),
    "unknown key of a million characters": ("x" * 10**6 + " = 1\n" + PROBLEM, "unknown key 'xxxxx"),
}


@pytest.mark.parametrize("case", [*WRONG_TYPES, *TOP_LEVEL])
def test_wrong_types_name_the_field(case, tmp_path, capsys):
    if case in TOP_LEVEL:
        text, fragment = TOP_LEVEL[case]
    else:
        changes, fragment = WRONG_TYPES[case]
        text = problem_with(**changes)
    code, _, err = run(capsys, "solve", write(tmp_path, "p.toml", text))
    assert code == 2 and fragment in err, err
    assert "expected" in err and len(err) < 1000


# -- 6. encodings ----------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def _zip() -> bytes:
    path = Path(__file__).parent / "hostile.zip"
    try:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hw.md", CLAIM)
        return path.read_bytes()
    finally:
        path.unlink()


ENCODINGS = {
    "problem, UTF-16": ("p.toml", PROBLEM.encode("utf-16"), "p.toml: is UTF-16 text"),
    "problem, Latin-1": ("p.toml", PROBLEM.replace('"A"', '"Ä"').encode("latin-1"),
                         "p.toml: line 6: is not UTF-8 text: byte 0xc4"),
    "problem, invalid UTF-8": ("p.toml", PROBLEM.encode() + b"\xff\xfe\xfa", "is not UTF-8 text: byte 0xff"),
    "problem, NUL byte": ("p.toml", PROBLEM.encode() + b"\x00", "p.toml: line 20: holds a NUL byte"),
    "problem, empty": ("p.toml", b"", "p.toml: data: is missing"),
    "problem, PNG": ("p.toml", PNG, "p.toml: line 3: holds a NUL byte"),
    "document, UTF-16": ("hw.md", CLAIM.encode("utf-16"), "hw.md: is UTF-16 text"),
    "document, UTF-16 without a byte-order mark": ("hw.md", CLAIM.encode("utf-16-le"),
                                                   "looks like UTF-16 text without a byte-order mark"),
    "document, Latin-1": ("hw.md", ("Größe\n\n" + CLAIM).encode("latin-1"), "hw.md: is not UTF-8 text: byte 0xf6"),
    "document, NUL byte late": ("hw.md", CLAIM.encode() + b"x" * 10000 + b"\x00", "holds NUL bytes, the first on line 5"),
    "document, PNG": ("hw.md", PNG, "hw.md: is a PNG image, not text"),
    "document, ZIP": ("hw.ipynb", None, "hw.ipynb: is a ZIP archive"),
    "document, empty": ("hw.md", b"", "has no number this reader could key"),
}


@pytest.mark.parametrize("case", ENCODINGS, ids=list(ENCODINGS))
def test_encodings_other_than_utf8_are_named(case, tmp_path, capsys):
    name, data, fragment = ENCODINGS[case]
    path = write(tmp_path, name, _zip() if data is None else data)
    args = ("solve", path) if name.endswith(".toml") else ("check", SEED, path)
    code, _, err = run(capsys, *args)
    assert code == 2 and fragment in err, err


def test_utf8_with_a_byte_order_mark_is_read(tmp_path, capsys):
    code, out, _ = run(capsys, "solve", write(tmp_path, "p.toml", b"\xef\xbb\xbf" + PROBLEM.encode()))
    assert code == 0 and "density.A.women" in out
    code, out, _ = run(capsys, "check", SEED, write(tmp_path, "hw.md", b"\xef\xbb\xbf" + CLAIM.encode()))
    assert code == 0 and "1 correct" in out


# -- 7. documents ----------------------------------------------------------------------------------

def test_documents_too_long_to_read_are_refused_with_the_estimate(tmp_path, capsys):
    for name, text in (("line.md", CLAIM + "x" * 10**7 + "\n"), ("label.md", CLAIM + "$$\\pi_{" + "w" * 10**7 + "} = 1$$"),
                       ("line.tex", "\\begin{document}\\[ x = " + "1" * 10**7 + " \\]\\end{document}\n")):
        code, _, err = run(capsys, "check", SEED, write(tmp_path, name, text))
        assert code == 2 and f"reading {tmp_path / name} (10,0" in err and "--force" in err, err


def test_a_math_block_past_the_reading_limit_is_reported_unread():
    found, = statements("x = " + "1 + " * (MAX_MATH_CHARS // 4) + "1")
    assert found.problem.startswith(f"math of {MAX_MATH_CHARS + 5:,} characters, more than the 100,000")


def test_latex_commands_in_a_document_are_read_as_text(tmp_path, capsys):
    touched = tmp_path / "touched"
    tex = write(tmp_path, "hw.tex", "\\documentclass{article}\\def\\a{\\a}\\newcommand{\\b}{\\b\\b}\\begin{document}\n"
                f"\\a\\b\\input{{/etc/passwd}}\\include{{/etc/shadow}}\\immediate\\write18{{touch {touched}}}^^5cinput{{x}}\n"
                "\\section{E-step}\n\\[ |\\Sigma_{women}| = 100 \\]\n\\end{document}\n")
    code, out, _ = run(capsys, "check", SEED, tex)
    assert code == 0 and "1 correct" in out and not touched.exists()
    unbalanced = write(tmp_path, "u.tex", "\\begin{document}\\section{E-step}\n\\[ |\\Sigma_{women}| = 100 \\]\n"
                       "\\[ x = {{{ 1 \\]\n}}} \\begin{align} x \\end{document}\n")
    code, out, _ = run(capsys, "check", SEED, unbalanced)
    assert code == 0 and "1 correct" in out
    markdown = write(tmp_path, "u.md", CLAIM + "$$x = {{{0.0107 $$\n\n$x = }}} 2$\n\n$$ \\frac{1}{ $$\n")
    code, out, _ = run(capsys, "check", SEED, markdown)
    assert code == 0 and "1 correct" in out


def test_notebooks_with_cells_of_wrong_types(tmp_path, capsys):
    good = [{"cell_type": "markdown", "source": ["# E-step\n", "$$|\\Sigma_{women}| = 100$$"]}]
    bad = [1, "x", None, [], {"cell_type": 3, "source": 4}, {"cell_type": ["markdown"]},
           {"cell_type": "markdown", "source": [1, 2]}, {"cell_type": "markdown", "source": {"a": 1}}]
    cells = write(tmp_path, "cells.ipynb", json.dumps({"cells": good + bad, "metadata": [], "nbformat": "x"}))
    code, out, _ = run(capsys, "check", SEED, cells)
    assert code == 0 and "1 correct" in out
    for skipped in ("cell 1 is a number, not a cell", "cell 2 is a string, not a cell", "cell 3 is null, not a cell",
                    "cell 4 is a list, not a cell", "cell 7: source is a list, not text",
                    "cell 8: source is an object, not text"):
        assert f"{skipped}: skipped" in out
    big = write(tmp_path, "big.ipynb", json.dumps({"cells": good})[:-1] + ', "x": ' + "9" * 20000 + "}")
    code, out, _ = run(capsys, "check", SEED, big)
    assert code == 0 and "1 correct" in out
    for sheets, fragment in (([1], "worksheets[0]: is a number, not a worksheet"),
                             ([{"cells": "abc"}], "worksheets[0]: is an object whose cells are a string")):
        path = write(tmp_path, "old.ipynb", json.dumps({"worksheets": sheets, "nbformat": 3}))
        code, _, err = run(capsys, "check", SEED, path)
        assert code == 2 and fragment in err, err


def test_problems_read_from_documents_are_bounded(tmp_path, capsys, monkeypatch):
    seed = (Path(__file__).resolve().parents[1] / "examples" / "seed" / "homework.md").read_text(encoding="utf-8")
    for cell, fragment in (("1e999999999", "row 1, column 'Height': 1e999999999: its exponent 999999999"),
                           ("1" * 20000, "row 1, column 'Height': 1111"),
                           ):
        path = write(tmp_path, "hw.md", seed.replace("\nA\t160\t55", f"\nA\t{cell}\t55"))
        code, _, err = run(capsys, "problem-from", path)
        assert code == 2 and f"hw.md: the table at line 12, {fragment}" in err, err
    path = write(tmp_path, "hw.md", seed.replace("\nA\t160", "\n A \t160").replace("\nB\t", "\n50%\t").replace("\nC\t", "\n#3\t"))
    code, out, _ = run(capsys, "problem-from", path)
    assert code == 0 and 'labels = ["A", "50%", "#3", "D", "E", "F"]' in out  # a table cell's spaces do not count
    monkeypatch.setenv("GMMEXACT_LIMIT_POINTS", "5")
    code, _, err = run(capsys, "problem-from", write(tmp_path, "hw.md", seed))
    assert code == 2 and "hw.md: the table at line 12: 6 rows, more than the limit of 5" in err


# -- small exact pieces behind the above -----------------------------------------------------------

def test_positive_definiteness_is_decided_in_one_decomposition():
    d = 60
    hilbert_like = [[Fraction(d + 1) if i == j else Fraction(1, i + j + 1) for j in range(d)] for i in range(d)]
    start = time.perf_counter()
    assert first_nonpositive_minor(hilbert_like) is None
    assert first_nonpositive_minor([[0, 1], [1, 0]]) == (1, Fraction(0))
    assert first_nonpositive_minor([[1, 2, 0], [2, 1, 0], [0, 0, 1]]) == (2, Fraction(-3))
    assert leading_principal_minors([[0, 1, 0], [1, 0, 0], [0, 0, 1]]) == [0, -1, -1]
    assert time.perf_counter() - start < 3


def test_keys_with_huge_numbers_are_refused_with_a_reason():
    with pytest.raises(ValueError, match=r"\(5000 digits\) is not an iteration or entry number"):
        Key.parse("iter" + "9" * 5000 + ".loglik")
    with pytest.raises(ValueError, match=r"is not a quantity key") as info:
        Key.parse("x" * 10**7)
    assert len(str(info.value)) < 100
