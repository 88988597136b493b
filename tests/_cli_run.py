"""Running the stockingsim command inside the test process, for the CLI tests."""

from __future__ import annotations

import re
from pathlib import Path

from stockingsim.cli import main

MESHES = Path(__file__).resolve().parents[1] / "meshes"
LEG = str(MESHES / "anny_f_avg.ply")


def run(capsys, *argv):
    """(exit code, stdout, stderr) of ``stockingsim ARGV`` through ``main``."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def pressure_at_b(text: str) -> float:
    """The mmHg of the ``pressure at B: ... mmHg`` line of a command's output."""
    return float(re.search(r"pressure at B: ([0-9.]+) mmHg", text).group(1))
