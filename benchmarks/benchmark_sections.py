"""Benchmark: stockingsim's multi-plane sectioning against trimesh's.

Run as ``python benchmarks/benchmark_sections.py`` (add ``--quick`` to skip the ~1.6M-vertex
meshes). Compared in the same process on the same arrays, 100 planes from the ankle to the thigh:

- ours: ``Leg.sections(heights)``: every (plane, face) crossing computed at once with numpy, the
  cut segments chained into ordered loops by pointer doubling, the main loop picked, its area,
  centroid, convex hull (scipy) and hull perimeter computed. On the bent Anny leg the planes are
  perpendicular to the local centreline (tilted up to ~13 degrees), so ours does more work.
- ``trimesh.intersections.mesh_multiplane``: parallel planes, unordered segments only (no loops,
  no hull); the nearest peer of our vectorized core.
- ``trimesh.base.Trimesh.section_multiplane``: parallel planes, chained into ``Path2D`` loops
  (closest in output to ours; run on 10 of the 100 planes and scaled by 10, it is slow).

Meshes: the shared leg ``meshes/anny_f_avg.ply`` subdivided with ``trimesh.remesh.subdivide``
(midpoint) once and three times (~0.10M and ~1.65M vertices), and an open elliptic cylinder
(a = 6 cm, b = 4 cm) at the same sizes for accuracy: the hull perimeter of its sections against
Ramanujan's ellipse perimeter, and trimesh's segment length against the same.

Reported: wall time (best of 3, after a warm-up call so one-off caches such as our per-vertex
section coordinate are excluded; that one-off cost is reported separately with the Leg build),
ratio trimesh / ours, and the tracemalloc peak of each call (numpy allocations are traced; all
three methods are numpy-based). The table is printed and written to
``benchmarks/results/sections.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from _shared import ellipse_perimeter, elliptic_cylinder_grid

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "sections.md"
N_PLANES = 100


ramanujan = ellipse_perimeter


def elliptic_cylinder(n_target: int, a: float = 0.06, b: float = 0.04, length: float = 0.5):
    """Open elliptic cylinder along z with about ``n_target`` vertices."""
    return elliptic_cylinder_grid(n_target, a, b, length)[:2]


def subdivided_leg(times: int):
    import trimesh

    mesh = trimesh.load(ROOT / "meshes" / "anny_f_avg.ply", process=False)
    v, f = np.asarray(mesh.vertices), np.asarray(mesh.faces)
    for _ in range(times):
        v, f = trimesh.remesh.subdivide(v, f)
    return v, f


def timed(fn, repeats=3):
    """Best wall time of ``repeats`` calls and the tracemalloc peak of one call."""
    fn()  # warm-up
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak, out


def run_case(label, vertices, faces, analytic=None):
    import trimesh

    import stockingsim as ss

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        leg = ss.Leg.from_arrays(vertices, faces)
    heights = np.linspace(0.05, 0.95, N_PLANES) * leg.length_m
    leg.sections(heights[:1])  # builds the per-vertex section coordinate (one-off)
    build = time.perf_counter() - t0

    mesh = trimesh.Trimesh(leg.vertices, leg.faces, process=False)
    axis, origin = leg.frame.axis, leg.frame.origin

    def cut():
        leg.__dict__.pop("_sections_cache", None)  # time the cutting, not the leg's memo
        return leg.sections(heights)

    t_ours, m_ours, secs = timed(cut)
    t_prof, _, _ = timed(lambda: leg.girth_profile(heights_m=heights))
    t_mp, m_mp, mp = timed(
        lambda: trimesh.intersections.mesh_multiplane(mesh, origin, axis, heights)
    )
    some = heights[:: N_PLANES // 10]
    t_sm, m_sm, _ = timed(lambda: mesh.section_multiplane(origin, axis, some), repeats=1)
    t_sm *= N_PLANES / len(some)

    row = {
        "mesh": label,
        "vertices": len(leg.vertices),
        "faces": len(leg.faces),
        "build_s": build,
        "ours_s": t_ours,
        "profile_s": t_prof,
        "mp_s": t_mp,
        "sm_s": t_sm,
        "ours_mb": m_ours / 2**20,
        "mp_mb": m_mp / 2**20,
        "sm_mb": m_sm / 2**20,
        "bend_deg": leg.bend_deg,
    }
    if analytic is not None:
        mid = slice(N_PLANES // 10, -N_PLANES // 10)
        ours = np.array([s.hull_perimeter_m for s in secs])[mid]
        lines = mp[0][mid]
        theirs = np.array([np.linalg.norm(seg[:, 1] - seg[:, 0], axis=1).sum() for seg in lines])
        row["err_ours"] = np.abs(ours / analytic - 1).max()
        row["err_mp"] = np.abs(theirs / analytic - 1).max()
    return row


def markdown(rows, quick):
    cpu = platform.processor() or platform.machine()
    lines = [
        "# Sectioning benchmark",
        "",
        f"`python benchmarks/benchmark_sections.py{' --quick' if quick else ''}`; "
        f"{N_PLANES} planes from 5 % to 95 % of the leg length; {os.cpu_count()} cores "
        f"({cpu}), numpy {np.__version__}.",
        "",
        "Times are the best of 3 warm calls. ours = `Leg.sections` (ordered loops, main loop, "
        "area, centroid, convex hull; on the leg: tilted planes following the centreline); "
        "mesh_multiplane = trimesh, parallel planes, unordered segments only; "
        "section_multiplane = trimesh, parallel planes, Path2D loops (timed on 10 planes, "
        "scaled x10). Peak = tracemalloc peak of one call. Build = `Leg.from_arrays` + the "
        "one-off per-vertex section coordinate.",
        "",
        "| mesh | vertices | build (s) | ours (s) | girth_profile (s) | mesh_multiplane (s) "
        "| ratio mp/ours | section_multiplane (s) | ratio sm/ours | peak ours (MB) "
        "| peak mp (MB) | peak sm (MB) | hull perimeter error ours | segment length error "
        "trimesh |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        err_o = f"{r['err_ours']:.2e}" if "err_ours" in r else "-"
        err_t = f"{r['err_mp']:.2e}" if "err_mp" in r else "-"
        lines.append(
            f"| {r['mesh']} | {r['vertices']:,} | {r['build_s']:.2f} | {r['ours_s']:.3f} | "
            f"{r['profile_s']:.3f} | {r['mp_s']:.3f} | {r['mp_s'] / r['ours_s']:.2f} | "
            f"{r['sm_s']:.2f} | {r['sm_s'] / r['ours_s']:.1f} | {r['ours_mb']:.0f} | "
            f"{r['mp_mb']:.0f} | {r['sm_mb']:.0f} | {err_o} | {err_t} |"
        )
    lines += [
        "",
        "Accuracy: relative error of the section perimeter against Ramanujan's perimeter of "
        "the a = 6 cm, b = 4 cm ellipse (max over the 80 interior planes). Both methods cut "
        "the same facets, so both measure the inscribed polygon; the error is the mesh's "
        "discretization, not the slicer's.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the ~1.6M-vertex meshes")
    args = parser.parse_args(argv)
    sizes = [(1, 100_000)] if args.quick else [(1, 100_000), (3, 1_650_000)]
    rows = []
    for times, n in sizes:
        v, f = elliptic_cylinder(n)
        rows.append(run_case("elliptic cylinder", v, f, analytic=ramanujan(0.06, 0.04)))
        print(rows[-1], flush=True)
        v, f = subdivided_leg(times)
        rows.append(run_case(f"anny_f_avg x{4**times} (bent {{}} deg)", v, f))
        rows[-1]["mesh"] = rows[-1]["mesh"].format(f"{rows[-1]['bend_deg']:.0f}")
        print(rows[-1], flush=True)
    table = markdown(rows, args.quick)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table)


if __name__ == "__main__":
    main()
