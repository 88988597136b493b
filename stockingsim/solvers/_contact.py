"""``contact``: 3D membrane equilibrium of the stocking on a Winkler foundation.

The stocking is a tube of rings (hoop, course direction) joined by axial (wale) fibres. Its rest
state is the relaxed stocking: ring ``i`` has the relaxed circumference ``c0(h_i)``; the axial
fibres are pre-stretched by the stocking's axial pre-strain. The leg is its radial map
``R(h, theta)`` about the centreline. Each node has three free variables, radius, angle and
height, so the fabric can slide and the hoop tension evens out; regularized Coulomb friction
against the skin (``friction``, default 0.5 for dry skin) resists slip from where the fabric was
placed, as on a worn stocking (see ``solvers/_tube.py``). The layers of a kit are one tube each,
sliding on the layers below with the kit's friction (``solvers/_layers.py``). The contact is
a Winkler foundation: a node that sinks below the skin by ``delta = R - r`` is pushed out by
``p = k delta``; ``k`` large is a rigid leg, a finite ``k`` (kPa/mm, per vertex) soft tissue, and
the contact pressure is that term itself (Dubuis et al. 2012 use a full FE soft-tissue model
instead, doi:10.1007/s10237-011-0340-7).

Equilibrium minimizes elastic + contact energy with scipy L-BFGS-B; energy and gradient are
vectorized over all nodes and fibres. The fabric carries no compression (a compressed knit
buckles): the energy of a fibre is ``w L0 Phi(eps)`` with ``Phi' = T(eps)`` for ``eps > 0`` and 0
otherwise, so its force is ``T(eps)`` times its width ``w``, as in Laplace's law. The start is the
bridging solution (each ring on the section's convex hull, nodes evenly spaced in arc length) and
``k`` rises by continuation from a soft value, which turns the 4000 iterations of a cold start
(DESIGN.md section 7) into a few hundred.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim._numbers import friction_coefficient
from stockingsim.solvers._layers import kit_tubes, solve_layers
from stockingsim.solvers._rings import hull_ring, radial_map
from stockingsim.solvers._setup import (
    TWO_PI,
    Setup,
    grid_to_points,
    nearest_sections,
    ring_stats,
    section_main_polygon,
    theta_grid,
    vertex_heights_angles,
)
from stockingsim.solvers._tube import solve_tube

__all__ = ["OPTIONS", "radial_map", "hull_ring", "nodes_to_grid", "solve", "solve_tube"]

OPTIONS: dict[str, Any] = {
    "n_theta": 64,  # nodes around each ring
    "ring_step_m": 0.01,  # axial spacing of the rings
    "n_theta_map": 256,  # angular resolution of the leg's radial map R(h, theta)
    "rigid_stiffness_pa_per_m": 1.0e8,  # Winkler k of a rigid leg (DESIGN.md section 7)
    "tissue": None,  # stockingsim.Tissue; None = rigid
    "max_iter": 3000,  # L-BFGS iterations per continuation step
    "tol": 3.0e-2,  # residual (max nodal force / typical nodal force) for convergence
    "start_sink_m": 0.0005,  # sink depth of the first continuation step (sets its k)
    "friction": None,  # Coulomb coefficient fabric-skin; None = DEFAULT_FRICTION
    "friction_slip_m": 5.0e-4,  # slip below which the fabric sticks (regularization)
}

#: Default Coulomb friction between a knit and dry skin. Published skin-textile coefficients:
#: dry skin against textiles about 0.3-0.5, rising to about 1 and more on moist skin (Gerhardt
#: L.-C., Strassle V., Lenz A., Spencer N.D., Derler S., 2008, J R Soc Interface 5:1317-1328,
#: doi:10.1098/rsif.2008.0034; review: Derler S., Gerhardt L.-C., 2012, Tribol Lett 45:1-27,
#: doi:10.1007/s11249-011-9854-y). 0.5 is the dry value of DESIGN.md section 15.
DEFAULT_FRICTION = 0.5
#: Regularization slip: below it the fabric sticks elastically. Assumption (the skin's own
#: tangential give before gross slip is of the order of a millimetre).
FRICTION_SLIP_M = 5.0e-4


def check_friction(value: Any) -> float:
    """The friction coefficient: None -> :data:`DEFAULT_FRICTION`; else a number in [0, 3]."""
    return friction_coefficient(
        value,
        DEFAULT_FRICTION,
        errors.SolverError,
        "friction",
        "0.5 for dry skin, 0 for frictionless; published dry skin against textiles about "
        "0.3-0.5, moist skin about 1",
    )


# --------------------------------------------------------------------------------------------
@contextlib.contextmanager
def single_thread_blas():
    """Run the block with OpenBLAS on one thread (restored afterwards).

    L-BFGS-B does many BLAS level-1 calls on vectors of ~10^4 entries; a threaded OpenBLAS
    spends more time waking its threads than computing, and on a busy 2-core machine one
    iteration took 7 ms instead of 0.4 ms. Best effort: without a findable OpenBLAS (other
    platforms, other BLAS) nothing changes.
    """
    handles = []
    try:
        with open("/proc/self/maps") as fh:
            paths = {line.split()[-1] for line in fh if "openblas" in line.lower()}
    except OSError:
        paths = set()
    names = [
        ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
        ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
        ("openblas_get_num_threads", "openblas_set_num_threads"),
    ]
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get_name, set_name in names:
            getter, setter = getattr(lib, get_name, None), getattr(lib, set_name, None)
            if getter is not None and setter is not None:
                try:
                    handles.append((setter, int(getter())))
                    setter(1)
                except Exception:  # pragma: no cover - exotic builds
                    pass
                break
    try:
        yield
    finally:
        for setter, n in handles:
            setter(n)


# --------------------------------------------------------------------------------------------
# the leg as a radial map
def nodes_to_grid(
    z: np.ndarray, th: np.ndarray, values: np.ndarray, heights: np.ndarray, n: int
) -> np.ndarray:
    """Linear interpolation of a node field (scattered in height x angle) on a regular grid.

    The angle is periodic: nodes are copied one turn to each side before the triangulation.
    Points outside the nodes' height range take the nearest ring's value.
    """
    from scipy.interpolate import LinearNDInterpolator

    zz, tt, vv = z.ravel(), np.mod(th.ravel() + math.pi, TWO_PI) - math.pi, values.ravel()
    # theta in radians and height in metres: scale the angle to an arc length (~5 cm radius)
    arc = 0.05
    # the copies one turn to each side only within a margin of 8 node spacings of the seam:
    # the Delaunay triangles over [-pi, pi) are the same as with whole copies, at a third of
    # the points
    margin = min(math.pi, 8 * TWO_PI / max(z.shape[-1] if z.ndim > 1 else 1, 1))
    lo, hi = tt > math.pi - margin, tt < -math.pi + margin
    pts = np.concatenate(
        [
            np.column_stack([zz[lo], (tt[lo] - TWO_PI) * arc]),
            np.column_stack([zz, tt * arc]),
            np.column_stack([zz[hi], (tt[hi] + TWO_PI) * arc]),
        ]
    )
    vals = np.concatenate([vv[lo], vv, vv[hi]])
    interp = LinearNDInterpolator(pts, vals)
    thg = theta_grid(n)
    hq = np.clip(heights, z[0].max(), z[-1].min()) if z.shape[0] > 1 else heights
    hh, tq = np.meshgrid(hq, thg, indexing="ij")
    out = interp(np.column_stack([hh.ravel(), tq.ravel() * arc])).reshape(len(heights), n)
    if np.isnan(out).any():
        from scipy.interpolate import NearestNDInterpolator

        near = NearestNDInterpolator(pts, vals)
        bad = np.isnan(out)
        out[bad] = near(np.column_stack([hh[bad], tq[bad] * arc]))
    return out


def section_radii(setup: Setup, ok: np.ndarray, hs: np.ndarray, rmap: np.ndarray, thg):
    """The radial map of every section, (K, n).

    The map's own rows where it has them, the nearest map row for an empty section, a new ray
    cast only for the few others.
    """
    rows = np.cumsum(ok) - 1
    out = np.empty((len(setup.heights_m), rmap.shape[1]))
    for i, h in enumerate(setup.heights_m):
        if ok[i]:
            out[i] = rmap[rows[i]]
        elif not np.isfinite(setup.hull_m[i]):
            out[i] = rmap[min(int(np.searchsorted(hs, h)), len(hs) - 1)]
        else:
            out[i] = radial_map(section_main_polygon(setup.sections[i]), thg)
    return out


def _bonded_layers(setup: Setup, rings: np.ndarray) -> np.ndarray | None:
    """Folds, rolled tops and a bonded kit's outer layers: a multiple of each ring's hoop force.

    At the nearest section (a band narrower than the ring step still lands on a ring), taken at
    the start strain: the outer layers move with the inner one.
    """
    factor = setup.layer_factor
    if factor is None or not np.any(factor != 1.0):
        return None
    return factor[nearest_sections(setup, rings)]


def layer_on_grid(j: int, out: dict, values: np.ndarray, heights: np.ndarray, n: int):
    """A node field of layer ``j`` on the (heights x n angles) grid.

    The inner layer (``j == 0``) covers the whole solve; an outer layer only the heights
    between its end rings (zero elsewhere).
    """
    grid = nodes_to_grid(out["z"], out["theta"], values, heights, n)
    if j == 0:
        return grid
    lo, hi = float(out["z"][0].mean()), float(out["z"][-1].mean())
    inside = (heights >= lo - 1e-9) & (heights <= hi + 1e-9)
    return np.where(inside[:, None], np.maximum(grid, 0.0), 0.0)


def layers_on_grid(outs: list[dict], heights: np.ndarray, n: int) -> np.ndarray:
    """The skin pressure of every layer on the (heights x n angles) grid, summed."""
    return sum(
        layer_on_grid(j, out, out["skin_pressure_pa"], heights, n) for j, out in enumerate(outs)
    )


def _info(outs: list[dict], n_rings: int, n_theta: int, mu: float, tissue: Any) -> dict:
    """The solve's info: the inner layer's figures, the iterations of all layers, per layer."""
    out = outs[0]
    info = {
        "n_rings": n_rings,
        "n_theta": n_theta,
        "n_nodes": int(sum(o["z"].size for o in outs)),
        "iterations": int(sum(o["iterations"] for o in outs)),
        "residual": float(max(o["residual"] for o in outs)),
        "continuation": out["steps"],
        "friction": mu,
        "friction_normal_change": float(max(o["friction_normal_change"] for o in outs)),
        "max_slip_m": float(out["slip_m"].max()),
        "tissue": "rigid" if tissue.rigid else "winkler",
        "max_sink_m": float(out.get("skin_sink_m", out["sink_m"]).max()),
        "hoop_tension_min_max_n_per_m": (
            float(out["hoop_tension"].min()),
            float(out["hoop_tension"].max()),
        ),
    }
    if len(outs) > 1:
        info["layers"] = [
            {
                "offset_m": float(o["offset_m"]),
                "friction": float(o["layer_friction"]),
                "max_slip_m": float(o["slip_m"].max()),
                "iterations": int(o["iterations"]),
                "residual": float(o["residual"]),
            }
            for o in outs
        ]
    return info


def _solve_tubes(leg, setup, kit, leg_map, rings, relaxed, mu, tissue, opts) -> list[dict]:
    """The tube(s) of the solve: one for a stocking or a bonded kit, one per layer otherwise.

    ``leg_map`` is (radial map, its heights, Winkler stiffness). Every output has
    ``skin_pressure_pa``, the pressure its layer puts on the skin.
    """
    rmap, hs, k_map = leg_map
    tube_opts = {
        "n_theta": int(opts["n_theta"]),
        "max_iter": int(opts["max_iter"]),
        "tol": float(opts["tol"]),
        "start_sink_m": float(opts["start_sink_m"]),
        "friction_slip_m": float(opts["friction_slip_m"]),
    }
    if kit is not None and not kit.bonded:
        # each layer its own tube, sliding on the layers below (solvers/_layers.py)
        n_map = rmap.shape[1]
        tubes = kit_tubes(leg, setup, kit, rings, relaxed, mu, float(opts["ring_step_m"]))
        return solve_layers(
            rmap, hs, k_map, tubes, passes=1 if tissue.rigid else 2,
            to_map=lambda j, out, values: layer_on_grid(j, out, values, hs, n_map),
            **tube_opts,
        )  # fmt: skip
    out = solve_tube(
        rmap, hs, k_map, rings, relaxed, setup.fabric, setup.axial_prestrain, friction=mu,
        hoop_layers=_bonded_layers(setup, rings), **tube_opts,
    )  # fmt: skip
    out["skin_pressure_pa"] = out["pressure_pa"]
    return [out]


def solve(leg: Any, setup: Setup, **options: Any) -> tuple[np.ndarray, np.ndarray, dict]:
    """Per-vertex pressure (Pa), per-section (mean, min, max) (Pa) and info."""
    from stockingsim.tissue import Tissue

    opts = dict(OPTIONS)
    opts.update(options)
    mu = check_friction(opts["friction"])
    tissue = opts["tissue"] if opts["tissue"] is not None else Tissue()
    if not isinstance(tissue, Tissue):
        raise errors.SolverError(
            f"tissue must be a stockingsim.Tissue, got {type(tissue).__name__}; e.g. "
            "tissue=ss.Tissue(0.5) for 0.5 kPa/mm soft tissue."
        )
    # nodes finer than the map would see its facets as kinks: at least 4 map angles per node
    n_map = max(int(opts["n_theta_map"]), 4 * int(opts["n_theta"]))
    thg = theta_grid(n_map)
    ok = np.isfinite(setup.hull_m)
    if ok.sum() < 2:
        raise errors.SolverError(
            "the contact method needs at least two non-empty sections in the covered part of "
            "the leg; check the mesh and the stocking style."
        )
    # the radial map needs strictly increasing heights (a landmark may sit on a grid height)
    ok &= np.concatenate([[True], np.diff(setup.heights_m) > 1e-6])
    hs = setup.heights_m[ok]
    secs = [s for s, good in zip(setup.sections, ok) if good]
    rmap = np.array([radial_map(section_main_polygon(s), thg) for s in secs])
    # tissue stiffness on the map: nearest vertex of each map point
    kv = tissue.stiffness_pa_per_m(int(leg.n_vertices), float(opts["rigid_stiffness_pa_per_m"]))
    if np.ptp(kv) == 0:
        k_map = np.full(rmap.shape, float(kv[0]))
    else:
        from scipy.spatial import cKDTree

        o = setup.origins[ok][:, None, :]
        u = setup.us[ok][:, None, :]
        v = setup.vs[ok][:, None, :]
        pts = o + rmap[..., None] * (
            np.cos(thg)[None, :, None] * u + np.sin(thg)[None, :, None] * v
        )
        _, idx = cKDTree(np.asarray(leg.vertices, float)).query(pts.reshape(-1, 3))
        k_map = kv[idx].reshape(rmap.shape)
    # rings
    bottom, top = hs[0], hs[-1]
    n_rings = max(3, int(round((top - bottom) / float(opts["ring_step_m"]))) + 1)
    rings = np.linspace(bottom, top, n_rings)
    relaxed = np.interp(rings, setup.heights_m, setup.relaxed_m)
    kit = setup.stocking if getattr(setup.stocking, "has_layers", False) else None
    with single_thread_blas():
        outs = _solve_tubes(leg, setup, kit, (rmap, hs, k_map), rings, relaxed, mu, tissue, opts)
    p_grid = layers_on_grid(outs, setup.heights_m, n_map)
    p_grid = np.where(np.isfinite(setup.hull_m)[:, None], np.maximum(p_grid, 0.0), 0.0)
    r_all = section_radii(setup, ok, hs, rmap, thg)
    mean, pmin, pmax = ring_stats(p_grid, r_all, thg)
    h, theta = vertex_heights_angles(leg, setup)
    p_v = grid_to_points(setup.heights_m, p_grid, h, theta)
    info = _info(outs, n_rings, int(opts["n_theta"]), mu, tissue)
    if kit is not None:
        info["layer_friction"] = float(kit.friction)
    return p_v, np.column_stack([mean, pmin, pmax]), info
