"""Run every benchmark and collect their results into one Markdown report.

Run as ``python benchmarks/run_all.py`` (``--quick`` is passed on to every benchmark that accepts
it; ``--only batch,sections`` runs a subset; ``--collect`` only rebuilds the report from the
existing ``benchmarks/results/*.md``). Each ``benchmarks/benchmark_<topic>.py`` runs in its own
process, one after the other (they measure time and memory, so never in parallel), and writes
``benchmarks/results/<topic>.md`` (or ``<topic>_<part>.md``). This script then writes ``benchmarks/results/README.md``: the
machine, the commit, how long each benchmark took and whether it worked, followed by every
result table, the whole-path headline (``results/solvers_whole_path.md``: from a file or the
arrays to the pressure profile, landmarks detected, against ``igl.principal_curvature`` in the
same run) first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from _shared import cpu_ram

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
REPORT = RESULTS / "README.md"


def machine_info() -> list[str]:
    """Markdown bullet lines describing the machine and the software."""
    cpu, ram, physical = cpu_ram()
    from importlib import metadata

    versions = []
    for dist in ("numpy", "scipy", "pandas", "trimesh", "libigl", "distributed", "pyvista"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            continue
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = "?"
    return [
        f"- CPU: {cpu}; {os.cpu_count()} logical / {physical} physical cores; RAM {ram}",
        f"- OS: {platform.system()} {platform.release()}; Python {platform.python_version()}",
        f"- Libraries: {', '.join(versions)}",
        f"- Commit: {commit or '?'}; date (UTC): {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}",
        f"- Load average (1, 5, 15 min) when the report was written: {load} "
        "(other jobs on the machine slow every timing down)",
    ]


def run_one(script: Path, quick: bool, timeout_s: float) -> tuple[str, float]:
    """Run one benchmark script; returns (status, wall seconds)."""
    cmd = [sys.executable, str(script)]
    if quick and "--quick" in script.read_text(encoding="utf-8"):
        cmd.append("--quick")
    print(f"== {script.name} {' '.join(cmd[2:])}", flush=True)
    t0 = time.perf_counter()
    env = {**os.environ, "MPLBACKEND": "Agg", "PYVISTA_OFF_SCREEN": "true"}
    try:
        done = subprocess.run(cmd, cwd=ROOT, timeout=timeout_s, env=env)
        status = "ok" if done.returncode == 0 else f"failed (exit {done.returncode})"
    except subprocess.TimeoutExpired:
        status = f"timed out after {timeout_s:.0f} s"
    wall = time.perf_counter() - t0
    print(f"== {script.name}: {status} in {wall:.0f} s", flush=True)
    return status, wall


def collect(runs: dict[str, tuple[str, float]]) -> str:
    """The report text: machine, run summary, then each results/<topic>.md with its headings
    pushed one level down."""
    lines = ["# stockingsim benchmarks", "", *machine_info(), ""]
    scripts = sorted(BENCH.glob("benchmark_*.py"))
    lines += [
        "| benchmark | status | run time s | results |",
        "| --- | --- | ---: | --- |",
    ]
    files = sorted(p for p in RESULTS.glob("*.md") if p.name != REPORT.name)
    # the headline first: the whole path the user pays for (file or arrays -> pressure profile)
    files.sort(key=lambda p: not p.stem.endswith("whole_path"))
    for script in scripts:
        topic = script.stem.removeprefix("benchmark_")
        status, wall = runs.get(topic, ("not run now (earlier result)", float("nan")))
        mine = [p for p in files if p.stem == topic or p.stem.startswith(topic + "_")]
        links = ", ".join(f"[{p.name}]({p.name})" for p in mine) or "missing"
        wall_text = "-" if wall != wall else f"{wall:.0f}"
        lines.append(f"| {topic} | {status} | {wall_text} | {links} |")
    lines.append("")
    for result in files:
        text = result.read_text(encoding="utf-8").strip()
        shifted = [("#" + line) if line.startswith("#") else line for line in text.splitlines()]
        lines += [*shifted, ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run every benchmarks/benchmark_*.py.")
    parser.add_argument("--quick", action="store_true", help="pass --quick to the benchmarks")
    parser.add_argument("--only", help="comma-separated topics, e.g. batch,sections")
    parser.add_argument("--collect", action="store_true", help="only rebuild the report")
    parser.add_argument("--timeout", type=float, default=3600.0, help="per benchmark, s")
    args = parser.parse_args(argv)

    runs: dict[str, tuple[str, float]] = {}
    if not args.collect:
        wanted = set(args.only.split(",")) if args.only else None
        for script in sorted(BENCH.glob("benchmark_*.py")):
            topic = script.stem.removeprefix("benchmark_")
            if wanted is None or topic in wanted:
                runs[topic] = run_one(script, args.quick, args.timeout)
    RESULTS.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(collect(runs), encoding="utf-8")
    print(f"report: {REPORT.relative_to(ROOT)}")
    return 0 if all(status == "ok" for status, _ in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
