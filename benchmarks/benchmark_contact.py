"""Speed of the ``contact`` method with skin friction (issue 13 item 5).

Run: ``python benchmarks/benchmark_contact.py`` (writes benchmarks/results/contact.md; ``--quick``
only the default resolution).

1. The four shared legs, knee-high (AD) stocking at 40 % strain, linear fabric 250 N/m, rigid
   leg, the default friction (0.5): iterations, residual, wall and CPU time at the default
   resolution (64 nodes per ring, 1 cm ring step) and at twice it (128 nodes, 5 mm). The peer in
   the same run is the ``laplace`` solve of the same leg and stocking (its sections are those the
   contact solve starts from), so the ratio is robust to the load of a shared machine.
2. Time and iterations as the grid grows on anny_f_avg, with the fitted growth exponent.

Goal: below 5 s per leg at the default resolution.
"""

from __future__ import annotations

import gc
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import stockingsim as ss  # noqa: E402
from stockingsim import errors  # noqa: E402

MESHES = ROOT / "meshes"
RESULTS = ROOT / "benchmarks" / "results"
LEGS = ["anny_f_avg", "anny_f_heavy", "anny_m_athletic", "anny_m_elder"]
FABRIC = ss.Fabric.linear(250.0)
DEFAULT = {"n_theta": 64, "ring_step_m": 0.01}
TWICE = {"n_theta": 128, "ring_step_m": 0.005}


def shared_legs():
    """(name, leg, knee-high stocking at 40 % strain at every landmark) of the shared legs."""
    for name in LEGS:
        leg = ss.load_leg(MESHES / f"{name}.ply")
        relaxed = {k: v.circumference_m / 1.4 for k, v in leg.landmarks.items()}
        yield name, leg, ss.Stocking(FABRIC, relaxed, style="AD")


def timed_solve(leg, stocking, method, **options):
    """(wall s, CPU s, result) of one ``simulate``, the leg's memo of recent sections cleared
    (frame, landmarks and the face index stay cached)."""
    leg.__dict__.pop("_sections_cache", None)
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    res = ss.simulate(leg, stocking, method=method, **options)
    return time.perf_counter() - t0, time.process_time() - c0, res


def leg_rows(resolutions) -> list[str]:
    """Table rows: each leg at each resolution, contact with the default friction."""
    rows = []
    for name, leg, st in shared_legs():
        ss.simulate(leg, st, method="laplace")  # the leg's derived data cached
        for label, opts in resolutions:
            t_lap, _, _ = timed_solve(leg, st, "laplace")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", errors.ConvergenceWarning)
                wall, cpu, res = timed_solve(leg, st, "contact", **opts)
            info = res.info
            verdict = "converged" if not caught else str(caught[-1].message).split(": ")[1]
            rows.append(
                f"| {name} | {label} | {info['n_nodes']:,} | {info['friction']:g} |"
                f" {info['iterations']} | {info['residual']:.3f} | {verdict.split(',')[0]} |"
                f" {wall:.2f} | {cpu:.2f} | {t_lap:.3f} | {wall / t_lap:.0f} |"
            )
    return rows


def growth_rows() -> tuple[list[str], float, float, float]:
    """Time and iterations over four grids on anny_f_avg; fitted exponents."""
    name, leg, st = next(shared_legs())
    ss.simulate(leg, st, method="laplace")
    grid = [(32, 0.02), (64, 0.01), (96, 0.00667), (128, 0.005)]
    rows, nodes, cpus, iters = [], [], [], []
    for n_theta, step in grid:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", errors.ConvergenceWarning)
            wall, cpu, res = timed_solve(leg, st, "contact", n_theta=n_theta, ring_step_m=step)
        nodes.append(res.info["n_nodes"])
        cpus.append(cpu)
        iters.append(res.info["iterations"])
        rows.append(
            f"| {n_theta} | {step * 1000:.1f} | {nodes[-1]:,} | {iters[-1]} |"
            f" {res.info['residual']:.3f} | {wall:.2f} | {cpu:.2f} |"
            f" {1000 * cpu / max(iters[-1], 1):.2f} |"
        )
    ln = np.log(nodes)
    bt = np.polyfit(ln, np.log(cpus), 1)[0]
    bn = np.polyfit(ln, np.log(iters), 1)[0]
    bi = np.polyfit(ln, np.log(np.array(cpus) / np.maximum(iters, 1)), 1)[0]
    return rows, bt, bn, bi


def main(quick: bool = False) -> str:
    resolutions = [("default (64 x 10 mm)", DEFAULT)]
    if not quick:
        resolutions.append(("twice (128 x 5 mm)", TWICE))
    lines = [
        "# contact with skin friction on the four shared legs",
        "",
        "Knee-high (AD) stocking, 40 % strain at every landmark, linear fabric 250 N/m, rigid"
        " leg, default friction. Time of `simulate(method='contact')` on a loaded leg (frame and"
        " landmarks cached; the sections are cut again). The peer is `simulate(method='laplace')`"
        " on the same leg in the same run, just before.",
        "",
        "| leg | resolution | nodes | friction | iterations | residual | verdict | wall (s) |"
        " CPU (s) | laplace wall (s) | contact / laplace |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
        *leg_rows(resolutions),
        "",
        "Goal (issue 13): below 5 s per leg at the default resolution. The residual is the"
        " largest nodal force over the typical nodal force; converged below the tolerance"
        " 0.03 (stockingsim/solvers/_tube.py, `judge_residual`).",
        "",
    ]
    if not quick:
        rows, bt, bn, bi = growth_rows()
        lines += [
            "## contact: time as the grid grows (anny_f_avg, AD, friction 0.5)",
            "",
            "| nodes per ring | ring step (mm) | nodes | iterations | residual | wall (s) |"
            " CPU (s) | CPU ms / iteration |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            f"Fitted growth (least squares on log-log): CPU time ~ nodes^{bt:.2f} = iterations"
            f" (~ nodes^{bn:.2f}) x cost per iteration (~ nodes^{bi:.2f}).",
            "",
        ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "contact.md").write_text("\n".join(lines) + "\n")
    return "\n".join(lines)


if __name__ == "__main__":
    print(main(quick="--quick" in sys.argv))
