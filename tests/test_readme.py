"""Every command in README.md runs as written, from the repository root, with the exit status it documents.

The README's ```bash, ```sh and ```console blocks hold shell commands (in a console block, the lines
after a ``$ `` prompt; the lines below a command are an excerpt of its output, each of which must
appear in what the command prints, ``...`` marking an elision). A command exits 0 unless a trailing
comment says otherwise (``# exits 3``). They run in order, in one shell each, in a throwaway copy of
the repository (so files they write, under out/, never reach the working tree). The two set-up
commands are what the test environment already did: they are checked, and ``pip install`` is not
run again. ```python blocks are executed, each in a fresh namespace, from the copy's root.
"""
from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

SETUP_RUN = "pip install -e . && gmmexact solve examples/seed/problem.toml"
SETUP_TEST = 'pip install -e ".[test]" && python -m pytest -q'
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
EXITS = re.compile(r"\s#\s*exits\s+(\d+)\b")
# what the copy leaves out: version control, caches, build products, and what README commands write
NOT_COPIED = shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", ".hypothesis", ".pytest_cache", ".venv",
                                    ".ruff_cache", ".import_linter_cache", "_build", "build", "dist", "out")


@dataclass
class Block:
    language: str
    text: str
    line: int  # 1-based line of the opening fence


@dataclass
class Command:
    text: str
    line: int
    expected_output: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        found = EXITS.search(self.text)
        return int(found.group(1)) if found else 0


def code_blocks(markdown: str) -> list[Block]:
    blocks, lines, i = [], markdown.splitlines(), 0
    while i < len(lines):
        opening = re.match(r"^(`{3,})\s*([\w+-]*)", lines[i])
        if not opening:
            i += 1
            continue
        fence, language, start = opening.group(1), opening.group(2).lower(), i
        body = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        assert i < len(lines), f"README.md:{start + 1}: code block never closed"
        blocks.append(Block(language, "\n".join(body), start + 1))
        i += 1
    return blocks


def shell_commands(block: Block) -> list[Command]:
    """The commands of a shell block: backslash continuations joined; comment-only lines skipped."""
    commands: list[Command] = []
    pending: list[str] = []
    for offset, raw in enumerate(block.text.splitlines(), start=1):
        line = raw.rstrip()
        if block.language == "console" and not pending:
            if not line.startswith("$ "):  # output of the command above
                if commands and line.strip() not in ("", "...", "…"):
                    commands[-1].expected_output.append(line)
                continue
            line = line[2:]
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending.append(line[:-1] if line.endswith("\\") else line)
        if not line.endswith("\\"):
            commands.append(Command("\n".join(pending) if len(pending) == 1 else " ".join(pending),
                                    block.line + offset - len(pending) + 1))
            pending = []
    assert not pending, f"README.md:{block.line}: a command ends with a backslash"
    return commands


BLOCKS = code_blocks(README.read_text(encoding="utf-8"))
COMMANDS = [c for b in BLOCKS if b.language in SHELL_LANGUAGES for c in shell_commands(b)]
PYTHON = [b for b in BLOCKS if b.language in ("python", "py")]


def is_setup(command: Command) -> bool:
    return "pip install" in command.text


def shell_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GMMEXACT_DEBUG", "FORCE_COLOR", "NO_COLOR")}
    # `gmmexact` and `python` of this interpreter's environment first (the one pip install -e put them in)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["COLUMNS"] = "80"  # the terminal width the README's excerpts were copied at
    env.pop("LINES", None)
    env["MPLBACKEND"] = "Agg"
    return env


def test_readme_has_the_two_setup_commands_first():
    first = [b for b in BLOCKS if b.language in SHELL_LANGUAGES][0]
    assert [c.text for c in shell_commands(first)] == [SETUP_RUN, SETUP_TEST]
    setup = [c.text for c in COMMANDS if is_setup(c)]
    assert setup == [SETUP_RUN, SETUP_TEST], "pip install only in the two set-up commands"
    assert "[test]" in SETUP_TEST and "examples/seed/problem.toml" in SETUP_RUN
    assert (ROOT / "examples" / "seed" / "problem.toml").is_file()
    # .ci/run runs the same tests the README's second command runs
    assert "python -m pytest -q" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install --quiet -e ".[test]"' in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_setup_commands_are_what_this_environment_did():
    """pip install -e ".[test]": gmmexact installed from this checkout, with the test extra's requirements."""
    import gmmexact

    assert Path(gmmexact.__file__).resolve().parent == ROOT / "gmmexact", "gmmexact is not installed from here"
    assert importlib.metadata.version("gmmexact") == gmmexact.__version__
    requires = importlib.metadata.requires("gmmexact") or []
    test_extra = [r for r in requires if re.search(r"""extra\s*==\s*["']test["']""", r)]
    assert test_extra, "the installed gmmexact has no test extra"
    missing = []
    for requirement in test_extra:
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0)
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    assert not missing, f"the test extra is not installed: {missing}"
    assert shutil.which("gmmexact", path=str(Path(sys.executable).parent)) or shutil.which("gmmexact")


def test_readme_commands_and_python_run_as_written(tmp_path, monkeypatch):
    assert len(COMMANDS) >= 20 and PYTHON
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=NOT_COPIED, symlinks=True)
    env = shell_environment()
    failures, timings = [], []
    started = time.perf_counter()
    for command in COMMANDS:
        if is_setup(command):  # installing is done; the rest of the line is not
            text = command.text.split("&&", 1)[1].strip()
            if "pytest" in text:
                continue  # these tests themselves
        else:
            text = command.text
        t0 = time.perf_counter()
        done = subprocess.run(["bash", "-c", text], cwd=repo, env=env, capture_output=True, text=True,
                              timeout=300)
        timings.append((time.perf_counter() - t0, command.line))
        where = f"README.md:{command.line}: {command.text}"
        if done.returncode != command.exit_status:
            failures.append(f"{where}\n  exit status {done.returncode}, README says {command.exit_status}\n"
                            f"  stdout: {done.stdout[-1500:]}\n  stderr: {done.stderr[-1500:]}")
            continue
        printed = {line.rstrip() for line in (done.stdout + "\n" + done.stderr).splitlines()}
        absent = [line for line in command.expected_output if line.rstrip() not in printed]
        if absent:
            failures.append(f"{where}\n  the output shown in the README is not what it prints:\n"
                            + "\n".join(f"    {line}" for line in absent)
                            + f"\n  stdout: {done.stdout[-3000:]}\n  stderr: {done.stderr[-1500:]}")
    monkeypatch.chdir(repo)
    monkeypatch.syspath_prepend(str(repo))
    for block in PYTHON:
        t0 = time.perf_counter()
        namespace = {"__name__": "__readme__"}
        try:
            exec(compile(block.text, f"README.md:{block.line}", "exec"), namespace)
        except Exception as e:  # noqa: BLE001  (reported with the block's line)
            failures.append(f"README.md:{block.line}: python block raised {type(e).__name__}: {e}")
        timings.append((time.perf_counter() - t0, block.line))
    total = time.perf_counter() - started
    assert not failures, "\n\n".join(failures)
    slowest = sorted(timings, reverse=True)[:3]
    print(f"README: {len(COMMANDS)} commands, {len(PYTHON)} python blocks in {total:.1f} s; slowest "
          + ", ".join(f"line {line} {seconds:.1f} s" for seconds, line in slowest))


def test_readme_writes_only_under_out():
    """Commands name files the repository ships, or write them under out/ (ignored by git)."""
    gitignore = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "out/" in gitignore
    written = set()
    for command in COMMANDS:
        for target in re.findall(r"(?:>|-o|--output|--template|--plot)\s+(\S+)", command.text):
            assert target.startswith("out/") or target == "/dev/null", (command.line, target)
            written.add(target)
        for make in re.findall(r"examples/make_big\.py\s+(\S+)", command.text):
            assert make.startswith("out/"), (command.line, make)
            written.add(make)
        for name in re.findall(r"(?<![\w/.-])((?:examples|tests|out)/[\w./*-]+)", command.text):
            if name.startswith("out/"):
                continue
            assert list(ROOT.glob(name)), f"README.md:{command.line}: {name} is not in the repository"
    assert written, "README commands should write their outputs under out/"


@pytest.mark.parametrize("block", PYTHON, ids=lambda b: f"line{b.line}")
def test_python_blocks_compile(block):
    code = compile(block.text, f"README.md:{block.line}", "exec")  # a SyntaxError fails the test
    assert "gmmexact" in code.co_names, f"README.md:{block.line}: a Python block that does not use gmmexact"
