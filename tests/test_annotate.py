"""``gmmexact check DOCUMENT --annotate FILE``: the student's own document written back with a mark
beside each checked number (Markdown, HTML rendered in a real headless browser, LaTeX compiled to
PDF), and the targets it refuses."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gmmexact.checking.annotate import (NOTES_BEGIN, SUMMARY_END, annotate, annotated_html, claim_note,
                                        document_marks, mark_kind)
from gmmexact.checking.documents import check_document_placed
from gmmexact.cli.commands import main

ROOT = Path(__file__).resolve().parents[1]
SEED_DOC = ROOT / "examples" / "seed" / "homework.md"
SEED = ROOT / "examples" / "seed" / "problem.toml"
LATEX_DOC = ROOT / "tests" / "documents" / "seed_latex.tex"
NOTEBOOK = ROOT / "tests" / "documents" / "onedim.ipynb"
ONEDIM = ROOT / "tests" / "documents" / "onedim.toml"

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
                 if p and Path(p).exists()), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium (Debian: apt-get install chromium; "
                                                              ".ci/run installs it)")
needs_tex = pytest.mark.skipif(not (shutil.which("pdflatex") and shutil.which("pdftotext")),
                               reason="pdflatex/pdftotext not installed (Debian: texlive-latex-base poppler-utils)")

MATH_OPEN = re.compile(r"\{\\color\{[A-Za-z]+\}")
MATH_CLOSE = re.compile(r"\\enspace\\text\{[✓≈↳✗?](?: \[[^\]]+\])?\}\}")
TEXT_MARK = re.compile(r" [✓≈↳✗?](?: \[[^\]]+\])?")


@pytest.fixture(scope="module")
def seed_checked():
    return check_document_placed(SEED_DOC)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# -- Markdown ------------------------------------------------------------------------------------

def test_markdown_has_a_mark_after_each_checked_number_and_is_otherwise_the_original(tmp_path, seed_checked):
    target = tmp_path / "seed-marked.md"
    assert main(["check", str(SEED_DOC), "--annotate", str(target)]) == 1  # the seed has a wrong number
    text = target.read_text(encoding="utf-8")
    original = SEED_DOC.read_text(encoding="utf-8")
    head, rest = text.split(SUMMARY_END + "\n\n", 1)
    body, notes = rest.split("\n\n" + NOTES_BEGIN, 1)
    assert ("54 numbers checked: 48 ✓ correct, 5 ≈ carried rounding, 0 ↳ follow an earlier error, 1 ✗ wrong"
            in head)
    assert "First error: [53] mean.women" in head
    # one mark per checked number: the math marks close a group, the table marks follow a cell's number
    assert len(MATH_CLOSE.findall(body)) + len(TEXT_MARK.findall(body)) == 54
    assert len(MATH_OPEN.findall(body)) == len(MATH_CLOSE.findall(body))
    stripped = TEXT_MARK.sub("", MATH_CLOSE.sub("", MATH_OPEN.sub("", body)))
    assert stripped == original
    # each mark right after its number, on the number's own line
    lines = body.split("\n")
    for record, placement in zip(seed_checked.report.data["claims"], seed_checked.claims()):
        line = lines[placement.span.line - 1]
        assert (placement.span.text + "\\enspace\\text{" in line) or (placement.span.text + " " in line and
                                                                      TEXT_MARK.search(line)), record["key"]
    # the wrong number: red, labelled with its claim, and its note with the exact value and the slip
    assert "{\\color{Red}[162, 57]\\enspace\\text{✗ [53]}}" in body
    assert "{\\color{Orange}1.15 \\times 10^{-29}\\enspace\\text{≈ [11]}}" in body
    note = next(line for line in notes.splitlines() if "[53]" in line)
    assert "starting mean" in note and "165.00, 60.00" in note and "line 422:22" in note


def test_a_notebook_is_annotated_to_markdown_cells_with_its_unread_number(tmp_path):
    target = tmp_path / "onedim.md"
    assert main(["check", str(ONEDIM), str(NOTEBOOK), "--annotate", str(target)]) == 1
    text = target.read_text(encoding="utf-8")
    assert "<!-- cell 3 -->" in text and "import math" not in text  # Markdown cells only
    assert "The responsibilities of the 4 ? [u1] points" in text
    assert "| $x_1$ | 0.931 ✓ | 0.069 ✓ |" in text
    assert "{\\color{Red}0.1083\\enspace\\text{✗ [2]}}" in text
    assert "a number in prose: write it in math to have it checked (cell 3, line 9:29)" in text


# -- HTML ----------------------------------------------------------------------------------------

class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None"):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list = []  # Nodes and strings

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def elements(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.elements()

    def previous_element(self) -> "Node | None":
        siblings = [c for c in self.parent.children if isinstance(c, Node)]
        i = siblings.index(self)
        return siblings[i - 1] if i else None


class TreeBuilder(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def visible_text(node: Node) -> str:
    if node.tag in ("style", "script", "title", "head", "annotation"):
        return ""
    return "".join(c if isinstance(c, str) else visible_text(c) for c in node.children)


def browser_dom(page: Path, tmp_path: Path) -> Node:
    """The DOM of ``page`` after a headless chromium loaded it (offline: no network, no profile)."""
    profile = tmp_path / "chromium-profile"
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
                           "--dump-dom", page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "<body" in done.stdout, done.stderr[-2000:]
    builder = TreeBuilder()
    builder.feed(done.stdout)
    return builder.root


@needs_chromium
def test_html_of_the_seed_renders_math_with_a_mark_beside_each_number(tmp_path, seed_checked):
    page = tmp_path / "seed-marked.html"
    assert main(["check", str(SEED_DOC), "--annotate", str(page)]) == 1
    html_text = page.read_text(encoding="utf-8")
    assert "<script" not in html_text and "http://" not in html_text.replace("http://www.w3.org/1998/Math/MathML", "")
    dom = browser_dom(page, tmp_path)
    text = visible_text(dom)
    for raw in ("\\frac", "\\mathcal", "$$", "\\begin", "\\text"):
        assert raw not in text, raw
    maths = [e for e in dom.elements() if e.tag == "math"]
    assert len(maths) > 100 and any(e.tag == "mfrac" for e in dom.elements())
    marks = [e for e in dom.elements() if "gm-mark" in e.attrs.get("class", "").split() and "data-claim" in e.attrs]
    claims = seed_checked.report.data["claims"]
    assert sorted(int(m.attrs["data-claim"]) for m in marks) == list(range(len(claims)))
    placements = seed_checked.claims()
    for mark in marks:
        index = int(mark.attrs["data-claim"])
        record, placement = claims[index], placements[index]
        # math: the mark fills an <mtext> right after the number's own element; text: after its <span>
        anchor = mark.parent if mark.parent.tag == "mtext" else mark
        before = anchor.previous_element()
        assert before is not None, record["key"]
        assert digits(before.text()) == digits(placement.span.text), (record["key"], before.text())
        assert mark.attrs["data-kind"] == mark_kind(record)
        assert mark.attrs["title"].startswith(f"#{index} {record['key']}")
    wrong = next(m for m in marks if m.attrs["data-kind"] == "wrong")
    assert wrong.attrs["data-claim"] == "53" and wrong.parent.tag == "mtext"
    assert "starting mean" in wrong.attrs["title"] and "165.00, 60.00" in wrong.attrs["title"]
    # the side list shows the notes, linking to the marks
    aside = next(e for e in dom.elements() if e.tag == "aside")
    assert "starting mean" in aside.text() and "carried rounding from #7 norm.men" in aside.text()
    links = {e.attrs.get("href") for e in aside.elements() if e.tag == "a"}
    assert "#gm-mark-53" in links and "#gm-mark-11" in links


@needs_chromium
def test_html_of_a_latex_document_and_a_notebook(tmp_path):
    for problem, document, claims, unread in ((SEED, LATEX_DOC, 10, 0), (ONEDIM, NOTEBOOK, 17, 1)):
        page = tmp_path / (document.stem + ".html")
        assert main(["check", str(problem), str(document), "--annotate", str(page)]) == 1
        dom = browser_dom(page, tmp_path)
        text = visible_text(dom)
        assert "\\mathcal" not in text and "\\begin" not in text and "$" not in text
        marks = [e for e in dom.elements() if "gm-mark" in e.attrs.get("class", "").split() and "data-kind" in e.attrs
                 and e.attrs.get("id")]
        assert sum("data-claim" in m.attrs for m in marks) == claims
        assert sum(m.attrs["data-kind"] == "unread" for m in marks) == unread


def test_html_escapes_the_students_text_and_math(tmp_path):
    doc = tmp_path / "evil.md"
    doc.write_text("# E-step <script>alert(1)</script>\n\n"
                   "$$|\\Sigma_{women}| = 100$$\n\n$$x = \\text{<b>bold</b> & more}$$\n\n"
                   "$$\\href{javascript:alert(2)}{x} \\style{color:red}{y} = 1$$\n\n"
                   "Text <img src=x onerror=alert(3)> and \ue001 0 \ue002\n", encoding="utf-8")
    checked = check_document_placed(doc, SEED)
    page = annotated_html(checked)
    assert "<script" not in page and "<b>" not in page and "<img" not in page
    assert "javascript:" not in page and "style=\"color:red\"" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "&lt;script&gt;" in page
    assert page.count('class="gm-mark gm-correct"') == 1 + 1  # the mark and its legend entry


def test_bracket_math_in_markdown_is_rendered_with_its_marks(tmp_path):
    doc = tmp_path / "brackets.md"
    doc.write_text("# E-step\n\n\\[ |\\Sigma_{women}| = 100 \\]\n\nInline \\( |\\Sigma_{men}| = 90 \\) too.\n",
                   encoding="utf-8")
    checked = check_document_placed(doc, SEED)
    marks = document_marks(checked)
    assert len(marks) >= 2 and all(m.math and m.placed for m in marks)
    page = annotated_html(checked)
    assert page.count('<mtext class="gm-mt"><span class="gm-mark gm-') == len(marks) and "\\[" not in page


# -- LaTeX and PDF -------------------------------------------------------------------------------

@needs_tex
def test_latex_annotated_to_pdf_compiles_and_shows_the_marks(tmp_path):
    pdf = tmp_path / "seed_latex-marked.pdf"
    assert main(["check", str(SEED), str(LATEX_DOC), "--annotate", str(pdf)]) == 1
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Marked by gmmexact" in text and "Notes on the marked numbers" in text
    assert "10 numbers checked" in text
    assert text.count("√") >= 8  # a ✓ beside each correct number (\surd without amssymb)
    assert "× 4" in text.replace("\n", " ") and "#4 density.A.men = 1.2 × 10" in text
    tex = tmp_path / "seed_latex-marked.tex"
    assert main(["check", str(SEED), str(LATEX_DOC), "--annotate", str(tex)]) == 1
    source = tex.read_text(encoding="utf-8")
    assert "\\[ \\det \\Sigma_1 = {100\\gmmark{correct}{\\gmcheck}} \\]" in source
    assert "1 & 0.5\\gmmark{correct}{\\gmcheck} & 3\\gmmark{correct}{\\gmcheck} \\\\" in source
    assert source.index("\\DeclareRobustCommand{\\gmmark}") < source.index("\\begin{document}")


def test_latex_output_is_the_source_with_the_marks_added(tmp_path):
    tex = tmp_path / "marked.tex"
    assert main(["check", str(SEED), str(LATEX_DOC), "--annotate", str(tex)]) == 1
    source = tex.read_text(encoding="utf-8")
    source = re.sub(r"% --- gmmexact: (?:marks|summary|notes).*?% --- end of the gmmexact [a-z]+ ---\n", "", source,
                    flags=re.S)
    mark = r"\\gmmark\{[a-z]+\}\{[^{}]*(?:\{[^{}]*\})?[^{}]*\}"
    source = re.sub(r"\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)" + mark + r"\}", r"\1", source)  # in math: {NUMBER\gmmark}
    source = re.sub(mark, "", source)
    original = LATEX_DOC.read_text(encoding="utf-8")
    assert re.sub(r"\s+", " ", source).strip() == re.sub(r"\s+", " ", original).strip()


# -- refusals and overwriting ----------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    [str(SEED_DOC), "--annotate", str(SEED_DOC)],                                  # the document itself
    [str(SEED), str(LATEX_DOC), "--annotate", str(LATEX_DOC)],
    [str(SEED), str(SEED_DOC), "--annotate", str(SEED)],                            # the problem file
    [str(SEED), str(ROOT / "examples" / "seed" / "claims.toml"), "--annotate", "x.html"],  # a claims file
    [str(SEED_DOC), "--annotate", "marked.pdf"],                                    # Markdown has no PDF
    [str(SEED), str(LATEX_DOC), "--annotate", "marked.md"],
    [str(SEED_DOC), "--annotate", "no/such/folder/marked.html"],
])
def test_targets_that_are_refused(args, capsys):
    before = SEED_DOC.read_bytes(), LATEX_DOC.read_bytes(), SEED.read_bytes()
    assert main(["check", *args]) == 2
    assert "--annotate" in capsys.readouterr().err
    assert (SEED_DOC.read_bytes(), LATEX_DOC.read_bytes(), SEED.read_bytes()) == before


def test_the_same_input_by_another_path_is_refused(tmp_path, capsys):
    link = tmp_path / "link.md"
    link.symlink_to(SEED_DOC)
    assert main(["check", str(SEED_DOC), "--annotate", str(link)]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert link.resolve() == SEED_DOC and SEED_DOC.read_text(encoding="utf-8").startswith("\n")


def test_an_existing_report_is_replaced_whole(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    assert main(["check", str(ONEDIM), str(NOTEBOOK), "--annotate", str(target), "--format", "json"]) == 1
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left


def test_annotate_checks_and_writes_in_one_call(tmp_path):
    target = tmp_path / "onedim.html"
    checked = annotate(ROOT / "tests" / "documents" / "onedim.md", target, ONEDIM)
    assert checked.report.summary["claims"] == 17
    assert target.read_text(encoding="utf-8").count("data-claim=") == 17


def test_a_title_with_math_is_rendered_once(tmp_path):
    doc = tmp_path / "titled.tex"
    doc.write_text("\\documentclass{article}\n\\begin{document}\n\\section{E-step: $|\\Sigma_1| = 100$}\n"
                   "% a comment naming \\end{document}\n\\[ \\det \\Sigma_2 = 100 \\]\n\\end{document}\n",
                   encoding="utf-8")
    checked = check_document_placed(doc, SEED)
    page = annotated_html(checked)
    assert page.count('id="gm-mark-0"') == 1 and page.count('id="gm-mark-1"') == 1
    assert page.count("<h2>E-step: <math") == 1


# -- the verdict vocabulary ------------------------------------------------------------------------

def test_marks_read_the_earlier_and_the_current_verdicts():
    earlier = {"index": 12, "key": "resp.A.women", "written": "0.99", "verdict": "carried", "carried_kind": "error",
               "carried_from": [{"index": 9, "key": "density.A.men", "written": "0.5"}],
               "first_wrong": {"index": 3, "key": "density.A.men", "written": "0.02"}, "notes": [],
               "exact": "1/(1 + exp(-621/10))", "value": "1.0000"}
    current = {**earlier, "verdict": "follows", "carried_kind": None}
    for record in (earlier, current):
        assert mark_kind(record) == "follows"
        assert "follows #3 density.A.men = 0.02" in claim_note(record)
    wrong = {"index": 4, "key": "det.women", "written": "90", "verdict": "wrong", "exact": "100", "value": "100.00",
             "notes": [], "first_wrong": {"index": 4, "key": "det.women", "written": "90"},
             "error_words": "10 % too small"}
    assert claim_note(wrong) == "#4 det.women = 90: wrong, 10 % too small; exact value 100"
    unreadable = {"index": 5, "key": "norm.men", "written": "6.2.8", "verdict": "unreadable",
                  "reason": "two decimal points", "notes": []}
    assert mark_kind(unreadable) == "unread" and "not understood: two decimal points" in claim_note(unreadable)


def test_every_mark_of_the_seed_is_placed_and_numbered_as_the_report(seed_checked):
    marks = document_marks(seed_checked)
    assert len(marks) == 54 and all(m.placed for m in marks)
    assert [m.claim for m in marks] == list(range(54))  # document order is the report's order here
    assert {m.kind for m in marks} == {"correct", "carried", "wrong"}
    json.dumps([m.note for m in marks])  # plain text
