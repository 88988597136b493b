"""Helpers shared by the benchmark scripts (not a benchmark itself: run_all runs benchmark_*.py).

The scripts run as ``python benchmarks/benchmark_<topic>.py``, so this folder is on the path and
they import it as ``import _shared``.
"""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np


def cpu_ram() -> tuple[str, str, int | str]:
    """The CPU model name, the RAM (GiB, text) and the number of physical cores (or "?")."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        return cpu, f"{psutil.virtual_memory().total / 2**30:.1f} GiB", psutil.cpu_count(False)
    except ImportError:
        return cpu, "?", "?"


def ellipse_perimeter(a: float, b: float) -> float:
    """Perimeter of an ellipse with semi-axes a, b (Ramanujan's second approximation)."""
    h = ((a - b) / (a + b)) ** 2
    return float(np.pi * (a + b) * (1 + 3 * h / (10 + np.sqrt(4 - 3 * h))))


def elliptic_cylinder_grid(n_target: int, a: float, b: float, length: float):
    """Open elliptic cylinder along z with about ``n_target`` vertices and near-square quads.

    Returns
    -------
    vertices : ndarray of shape (N, 3)
    faces : ndarray of shape (M, 3) int64, counter-clockwise seen from outside
    tt, zz : ndarray of shape (n_along, n_around)
        The parameter angle and the height of every vertex.
    """
    n_around = int(np.sqrt(n_target * ellipse_perimeter(a, b) / length))
    n_along = int(round(n_target / n_around))
    t = np.linspace(0.0, 2.0 * np.pi, n_around, endpoint=False)
    z = np.linspace(0.0, length, n_along)
    tt, zz = np.meshgrid(t, z)
    vertices = np.stack([a * np.cos(tt), b * np.sin(tt), zz], -1).reshape(-1, 3)
    i, j = np.meshgrid(np.arange(n_along - 1), np.arange(n_around), indexing="ij")
    p = i * n_around + j
    q = i * n_around + (j + 1) % n_around
    faces = np.concatenate(
        [np.stack([p, q, q + n_around], -1), np.stack([p, q + n_around, p + n_around], -1)]
    ).reshape(-1, 3)
    return vertices, faces.astype(np.int64), tt, zz


def burn_task(task):
    """Control task: 0.25 s of pure CPU, then the probe row (measures the pool, not the physics).

    It lives in this module, not in a benchmark script: the workers cannot import a script's
    ``__main__`` (run_batch hides it from them), but they can import this module by name.
    """
    import time

    from stockingsim.batch._worker import probe_task

    t0 = time.process_time()
    while time.process_time() - t0 < 0.25:
        pass
    return probe_task(task)
