"""``gmmexact --version`` prints the package version, from main() and from the installed console script."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gmmexact import __version__
from gmmexact.cli.commands import main


def test_version_is_one_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)  # e.g. 0.1.0, from gmmexact/model/version.py


def test_main_prints_version_and_exits_0(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    out, err = capsys.readouterr()
    assert out == f"gmmexact {__version__}\n" and err == ""


def test_console_script_prints_version():
    # the script installed beside this interpreter (pip install -e .), else the one on PATH
    script = shutil.which("gmmexact", path=str(Path(sys.executable).parent)) or shutil.which("gmmexact")
    assert script, "the gmmexact console script is not installed (pip install -e .)"
    done = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"gmmexact {__version__}\n" and done.stderr == ""
