"""Benchmark: stockingsim's per-vertex curvature against libigl's principal_curvature.

Run as ``python benchmarks/benchmark_curvature.py`` (add ``--quick`` to skip the ~1M meshes).
Meshes: an open elliptic cylinder (a = 5 cm, b = 3.5 cm; analytic hoop curvature known) and the
shared leg ``meshes/anny_f_avg.ply`` subdivided with ``trimesh.remesh.subdivide_loop`` (Loop
subdivision: a smooth surface; plain midpoint subdivision leaves the original facets flat, so the
two estimators, which use neighbourhoods of different sizes, would measure different things), at
about 100k and 1M vertices (2 and 3 subdivisions: 0.41M and 1.65M). Both methods run in the same process on the same arrays. Reported: wall time
(best of the repeats), the ratio igl / ours, the error of the largest principal curvature k1
against the analytic hoop curvature on the elliptic cylinder (interior vertices, 2 cm away from
the open ends, where igl's neighbourhood fit is one-sided), the agreement between the two on the
leg, and peak memory, each measured in a fresh spawned process holding only the mesh:
tracemalloc peak for ours (numpy allocations are traced) and, for both, the peak RSS increase
sampled every 5 ms by a thread (igl allocates in C++, invisible to tracemalloc). The table is printed and written to ``benchmarks/results/curvature.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
from _shared import elliptic_cylinder_grid

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "curvature.md"


def elliptic_cylinder(n_target: int, a: float = 0.05, b: float = 0.035, length: float = 0.4):
    """Open elliptic cylinder with about ``n_target`` vertices and near-square quads."""
    vertices, faces, tt, zz = elliptic_cylinder_grid(n_target, a, b, length)
    kappa = a * b / (a**2 * np.sin(tt) ** 2 + b**2 * np.cos(tt) ** 2) ** 1.5
    interior = (zz > 0.02) & (zz < length - 0.02)
    return vertices, faces.astype(np.int64), kappa.ravel(), interior.ravel()


def subdivided_leg(times: int):
    import trimesh

    mesh = trimesh.load(ROOT / "meshes" / "anny_f_avg.ply", process=False)
    v, f = trimesh.remesh.subdivide_loop(mesh.vertices, mesh.faces, iterations=times)
    return np.ascontiguousarray(v, dtype=np.float64), np.ascontiguousarray(f, dtype=np.int64)


class PeakRSS:
    """Peak resident-set increase during a block, sampled by a background thread."""

    def __init__(self, interval_s: float = 0.005):
        import psutil

        self.process = psutil.Process(os.getpid())
        self.interval_s = interval_s

    def __enter__(self):
        self.start = self.process.memory_info().rss
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.interval_s)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)
        self.delta_mb = (self.peak - self.start) / 1e6


def run_ours(v, f, axis=(0.0, 0.0, 1.0)):
    from stockingsim.leg._curvature import vertex_curvature

    c = vertex_curvature(v, f, np.asarray(axis))
    return c.k1, c.k2, c.hoop


def run_igl(v, f):
    import igl

    _, _, pv1, pv2, _ = igl.principal_curvature(v, f)
    # igl's PV1 is the maximal curvature; with outward faces convex is positive, as ours
    return np.maximum(pv1, pv2), np.minimum(pv1, pv2)


def _memory_child(method, path, axis, queue):
    """In a fresh process: load the mesh, then measure one call's peak memory."""
    data = np.load(path)
    v, f = data["v"], data["f"]
    if method == "ours":
        import stockingsim.leg._curvature  # noqa: F401  (imports outside the measurement)

        tracemalloc.start()
        run_ours(v, f, axis)
        traced = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        with PeakRSS() as rss:
            run_ours(v, f, axis)
    else:
        import igl  # noqa: F401

        traced = float("nan")
        with PeakRSS() as rss:
            run_igl(v, f)
    queue.put((traced, rss.delta_mb))


def peak_memory(method, v, f, axis):
    import multiprocessing as mp
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mesh.npz"
        np.savez(path, v=v, f=f)
        ctx = mp.get_context("spawn")
        queue = ctx.Queue()
        proc = ctx.Process(target=_memory_child, args=(method, str(path), axis, queue))
        proc.start()
        out = queue.get()
        proc.join()
    return out


def timed(fn, repeats):
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench_case(label, v, f, kappa=None, interior=None, axis=(0.0, 0.0, 1.0), repeats=3):
    import gc

    gc.collect()
    t_ours, (k1, k2, hoop) = timed(lambda: run_ours(v, f, axis), repeats)
    gc.collect()
    t_igl, (i1, i2) = timed(lambda: run_igl(v, f), 1 if len(v) > 500_000 else repeats)
    traced_peak, rss_ours = peak_memory("ours", v, f, np.asarray(axis, dtype=float))
    _, rss_igl = peak_memory("igl", v, f, None)
    row = {
        "mesh": label,
        "vertices": len(v),
        "t_ours": t_ours,
        "t_igl": t_igl,
        "ratio": t_igl / t_ours,
        "mem_ours_traced": traced_peak,
        "mem_ours_rss": rss_ours,
        "mem_igl_rss": rss_igl,
    }
    if kappa is not None:
        sel = interior
        for name, k in (("ours", k1), ("igl", i1)):
            rel = np.abs(k[sel] - kappa[sel]) / kappa[sel]
            row[f"err_{name}"] = (float(rel.mean()), float(rel.max()))
    else:
        # no analytic value: agreement of the two estimates, relative to the median |k1|
        scale = np.median(np.abs(i1))
        row["agreement"] = float(np.median(np.abs(k1 - i1)) / scale)
    return row


def fmt_err(e):
    return f"{100 * e[0]:.4f} / {100 * e[1]:.4f}" if e else ""


def table(rows):
    head = (
        "| mesh | vertices | ours (s) | libigl (s) | libigl / ours | k1 error ours, mean / max (%) "
        "| k1 error libigl, mean / max (%) | peak mem ours: tracemalloc / RSS (MB) "
        "| peak mem libigl: RSS (MB) |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "agreement" in r:
            err_o = f"(no analytic value) median abs(ours - igl) = {100 * r['agreement']:.1f} % of median k1"
            err_i = ""
        else:
            err_o, err_i = fmt_err(r["err_ours"]), fmt_err(r["err_igl"])
        lines.append(
            f"| {r['mesh']} | {r['vertices']:,} | {r['t_ours']:.2f} | {r['t_igl']:.2f} "
            f"| **{r['ratio']:.1f}x** | {err_o} | {err_i} "
            f"| {r['mem_ours_traced']:.0f} / {r['mem_ours_rss']:.0f} | {r['mem_igl_rss']:.0f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the ~100k meshes")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    import igl

    rows = []
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    for n in sizes:
        v, f, kappa, interior = elliptic_cylinder(n)
        rows.append(bench_case("elliptic cylinder 5 x 3.5 cm", v, f, kappa, interior))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    for times in [2] if args.quick else [2, 3]:
        v, f = subdivided_leg(times)
        # the shared leg leans (A-pose): its axis by PCA of the vertices
        centred = v - v.mean(axis=0)
        axis = np.linalg.svd(centred[:: max(1, len(v) // 50_000)], full_matrices=False)[2][0]
        rows.append(bench_case(f"anny_f_avg, Loop-subdivided x{times}", v, f, axis=axis))
        print(table(rows[-1:]).splitlines()[-1], flush=True)

    text = table(rows)
    ver = getattr(igl, "__version__", "2.6.3 (pip libigl)")
    note = (
        f"\n\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}, libigl {ver}. "
        "Ours: `stockingsim.leg._curvature.vertex_curvature` (per-face second fundamental form, "
        "Rusinkiewicz 2004, Voronoi-weighted to vertices, numpy, single thread). libigl: "
        "`igl.principal_curvature(V, F)` with its defaults (radius 5, k-ring quadric fit). "
        "Times are the best of 3 runs (1 run for libigl above 500k vertices), measured in the "
        "same process; k1 errors are against the analytic hoop curvature "
        "ab / (a^2 sin^2 t + b^2 cos^2 t)^(3/2) on vertices 2 cm or more from the open ends. "
        "Peak memory is the increase over the memory held before the call (inputs excluded), "
        "each measured in a fresh spawned process that holds only the mesh."
    )
    print()
    print(text + note)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(
            "# Curvature: stockingsim vs libigl\n\n"
            "Generated by `python benchmarks/benchmark_curvature.py`.\n\n" + text + note + "\n"
        )
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
