"""The first `make run` says what it is doing (issue 26, item 10): one line a step, nothing
else, so a newcomer watching a minute of installing does not think it hung. Run for real with
a stand-in Python that records what it is asked and installs nothing."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAND_IN = """#!/bin/sh
echo "$0 $*" >> "{log}"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && cp "$0" "$3/bin/pip"
fi
"""


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_the_first_make_run_says_one_line_a_step(tmp_path):
    log = tmp_path / "calls.log"
    python = tmp_path / "python3"
    python.write_text(STAND_IN.format(log=log))
    python.chmod(0o755)
    venv = tmp_path / "venv"
    make = ["make", "--no-print-directory", "-C", str(ROOT), "run", f"PYTHON={python}"]
    result = subprocess.run(
        [*make, f"VENV={venv}"], capture_output=True, text=True, timeout=60, check=True
    )
    lines = result.stdout.splitlines()
    calls = log.read_text().splitlines()
    print(*lines, sep="\n")
    # Each step the stand-in was asked to do came with its own line, and nothing else was said.
    assert [line.split(":")[0] for line in lines[:-1]] == ["make"] * (len(lines) - 1), lines
    assert lines[-1].startswith("Argmap is serving the seeded map at http://127.0.0.1:")
    assert len(calls) == len(lines) == 6, (lines, calls)
    steps = ["-m venv", "--upgrade pip", "-r requirements.txt", "migrate", "seed", "runserver"]
    for step, call in zip(steps, calls, strict=True):
        assert step in call, (step, call)
    # A second run has nothing to install and says so by saying less.
    again = subprocess.run(
        [*make, f"VENV={venv}"], capture_output=True, text=True, timeout=60, check=True
    )
    assert not [line for line in again.stdout.splitlines() if "install" in line]
