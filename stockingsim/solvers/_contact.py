"""``contact``: 3D membrane equilibrium of the stocking on a Winkler foundation.

The stocking is a tube of rings (hoop, course direction) joined by axial (wale) fibres. Its rest
state is the relaxed stocking: ring ``i`` has the relaxed circumference ``c0(h_i)``; the axial
fibres are pre-stretched by the stocking's axial pre-strain. The leg is its radial map
``R(h, theta)`` about the centreline. Each node has three free variables, radius, angle and
height, so the fabric slides freely (no friction) and the hoop tension evens out. The contact is
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
import warnings
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim.solvers._setup import (
    TWO_PI,
    Setup,
    grid_to_points,
    ring_stats,
    section_main_polygon,
    theta_grid,
    vertex_heights_angles,
)

OPTIONS: dict[str, Any] = {
    "n_theta": 64,  # nodes around each ring
    "ring_step_m": 0.01,  # axial spacing of the rings
    "n_theta_map": 256,  # angular resolution of the leg's radial map R(h, theta)
    "rigid_stiffness_pa_per_m": 1.0e8,  # Winkler k of a rigid leg (DESIGN.md section 7)
    "tissue": None,  # stockingsim.Tissue; None = rigid
    "max_iter": 3000,  # L-BFGS iterations per continuation step
    "tol": 3.0e-2,  # residual (max nodal force / typical nodal force) for convergence
    "start_sink_m": 0.0005,  # sink depth of the first continuation step (sets its k)
}


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
def radial_map(poly: np.ndarray, thetas: np.ndarray) -> np.ndarray:
    """Outermost distance from (0, 0) to the polygon along each ray, shape (n,).

    Parameters
    ----------
    poly : ndarray of shape (k, 2)
        Closed loop (not repeated), metres.
    thetas : ndarray of shape (n,)
        Ray angles, radians.
    """
    a = poly
    e = np.roll(poly, -1, axis=0) - poly
    d = np.column_stack([np.cos(thetas), np.sin(thetas)])
    den = d[None, :, 0] * e[:, None, 1] - d[None, :, 1] * e[:, None, 0]  # cross(d, e) (k, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (a[:, None, 0] * e[:, None, 1] - a[:, None, 1] * e[:, None, 0]) / den
        t = (a[:, None, 0] * d[None, :, 1] - a[:, None, 1] * d[None, :, 0]) / den
    ok = (np.abs(den) > 1e-18) & (t >= -1e-9) & (t <= 1 + 1e-9) & (rho > 0)
    r = np.where(ok, rho, -np.inf).max(axis=0)
    bad = ~np.isfinite(r)
    if bad.any():  # the centre lies outside the loop: fall back to the polar interpolation
        th = np.arctan2(poly[:, 1], poly[:, 0])
        o = np.argsort(th)
        r[bad] = np.interp(thetas[bad], th[o], np.hypot(*poly.T)[o], period=TWO_PI)
    return r


def _hull_ring(radius: np.ndarray, thetas: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Place ``n`` points evenly in arc length on the convex hull of r(theta); (theta, r)."""
    from scipy.spatial import ConvexHull

    pts = np.column_stack([radius * np.cos(thetas), radius * np.sin(thetas)])
    hv = np.sort(ConvexHull(pts).vertices)
    hull = pts[hv]
    # start the arc at the ray theta = -pi, so that the rings are not twisted against each other
    seg = np.roll(hull, -1, axis=0) - hull
    start_r = radial_map(hull, np.array([-math.pi]))[0]
    p0 = np.array([-start_r, 0.0])
    ang = np.arctan2(hull[:, 1], hull[:, 0])
    first = int(np.argmin(ang))  # first corner counter-clockwise from -pi
    hull = np.vstack([p0, np.roll(hull, -first, axis=0)])
    seg = np.roll(hull, -1, axis=0) - hull
    slen = np.linalg.norm(seg, axis=1)
    cum = np.concatenate([[0.0], np.cumsum(slen)])
    s = np.arange(n) * cum[-1] / n
    e = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(slen) - 1)
    t = (s - cum[e]) / np.maximum(slen[e], 1e-15)
    xy = hull[e] + t[:, None] * seg[e]
    th = np.arctan2(xy[:, 1], xy[:, 0])
    return np.unwrap(th), np.hypot(xy[:, 0], xy[:, 1])


def _interp_map(rmap: np.ndarray, zs: np.ndarray, z: np.ndarray, th: np.ndarray):
    """Bilinear R(z, theta) and its partial derivatives on the (K, n) map; clamped in z."""
    k, n = rmap.shape
    fi = np.interp(z, zs, np.arange(k, dtype=float))
    i0 = np.clip(np.floor(fi).astype(np.int64), 0, k - 2)
    t = np.clip(fi - i0, 0.0, 1.0)
    dz = zs[i0 + 1] - zs[i0]
    inside = (z > zs[0]) & (z < zs[-1])
    fj = (th + math.pi) * (n / TWO_PI)
    j0f = np.floor(fj)
    s = fj - j0f
    j0 = j0f.astype(np.int64) % n
    j1 = (j0 + 1) % n
    flat = rmap.ravel()
    a, b = flat[i0 * n + j0], flat[i0 * n + j1]
    c, d = flat[(i0 + 1) * n + j0], flat[(i0 + 1) * n + j1]
    low = a + s * (b - a)
    high = c + s * (d - c)
    r = low + t * (high - low)
    dr_dth = ((1 - t) * (b - a) + t * (d - c)) * (n / TWO_PI)
    dr_dz = np.where(inside, (high - low) / dz, 0.0)
    return r, dr_dz, dr_dth


# --------------------------------------------------------------------------------------------
# fabric energy tables: T piecewise linear in strain, Phi its exact integral
class _Law:
    def __init__(self, fabric: Any, direction: str, eps_max: float) -> None:
        self.eps = np.linspace(0.0, eps_max, 2001)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = np.asarray(fabric.tension(self.eps, direction, "unloading"), dtype=float)
        t = np.maximum(np.nan_to_num(t), 0.0)
        t[0] = 0.0 if t[0] < 0 else t[0]
        self.t = t
        self.slope = np.diff(t) / np.diff(self.eps)
        self.phi = np.concatenate([[0.0], np.cumsum(0.5 * (t[1:] + t[:-1]) * np.diff(self.eps))])

    def __call__(self, eps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Phi(eps), T(eps)); zero for eps <= 0, linear extrapolation of T beyond the table."""
        e = np.maximum(eps, 0.0)
        j = np.clip(np.searchsorted(self.eps, e, side="right") - 1, 0, len(self.slope) - 1)
        de = e - self.eps[j]
        tension = self.t[j] + self.slope[j] * de
        phi = self.phi[j] + self.t[j] * de + 0.5 * self.slope[j] * de**2
        return phi, tension


# --------------------------------------------------------------------------------------------
def solve_tube(
    rmap: np.ndarray,
    map_heights: np.ndarray,
    k_map: np.ndarray,
    ring_heights: np.ndarray,
    relaxed_m: np.ndarray,
    fabric: Any,
    axial_prestrain: float,
    n_theta: int = 64,
    max_iter: int = 3000,
    tol: float = 3e-2,
    start_sink_m: float = 0.0005,
) -> dict[str, Any]:
    """Equilibrium of a stocking tube on the radial map ``R(h, theta)`` (pure arrays).

    Parameters
    ----------
    rmap : ndarray of shape (K, n)
        Leg radius (m) at heights ``map_heights`` (K,) and angles ``theta_grid(n)``.
    k_map : ndarray of shape (K, n)
        Winkler stiffness (Pa/m) on the same grid.
    ring_heights : ndarray of shape (Kr,)
        Rest heights of the stocking rings (m), increasing; the end rings keep their height.
    relaxed_m : ndarray of shape (Kr,)
        Relaxed circumference of each ring (m).
    fabric : Fabric
    axial_prestrain : float
    n_theta, max_iter, tol, start_sink_m
        Nodes per ring; L-BFGS iterations per continuation step; convergence threshold on the
        residual (largest nodal force over the typical nodal force ``T w 2pi/n``); sink depth that
        sets the first (soft) continuation stiffness.

    Returns
    -------
    dict
        ``r``, ``theta``, ``z`` (Kr, n) node positions; ``pressure_pa`` (Kr, n) contact pressure
        at the nodes; ``hoop_tension`` (Kr, n) N/m per hoop fibre; ``residual``; ``iterations``;
        ``steps`` (continuation stiffness factors).
    """
    from scipy.optimize import minimize

    kr, n = len(ring_heights), int(n_theta)
    thg = theta_grid(rmap.shape[1])
    # --- start: every ring on the hull of its section, evenly spaced
    th0 = np.zeros((kr, n))
    r0 = np.zeros((kr, n))
    hull_len = np.zeros(kr)
    for i, h in enumerate(ring_heights):
        fi = np.interp(h, map_heights, np.arange(len(map_heights), dtype=float))
        i0 = min(int(fi), len(map_heights) - 2) if len(map_heights) > 1 else 0
        t = fi - i0
        row = rmap[i0] if len(map_heights) == 1 else (1 - t) * rmap[i0] + t * rmap[i0 + 1]
        th0[i], r0[i] = _hull_ring(row, thg, n)
        xy = np.column_stack([r0[i] * np.cos(th0[i]), r0[i] * np.sin(th0[i])])
        hull_len[i] = np.sum(np.linalg.norm(np.roll(xy, -1, axis=0) - xy, axis=1))
        loose = relaxed_m[i] / hull_len[i]
        if loose > 1:  # the fabric does not reach the skin: start it at its relaxed size
            r0[i] *= loose
    z0 = np.repeat(ring_heights[:, None], n, axis=1)
    # --- rest geometry and fibre widths (Laplace-consistent: force = T * width)
    l0_hoop = relaxed_m / n  # (kr,)
    dz = np.diff(ring_heights)
    w_hoop = np.empty(kr)
    if kr > 1:
        w_hoop[1:-1] = 0.5 * (dz[1:] + dz[:-1])
        w_hoop[0], w_hoop[-1] = 0.5 * dz[0], 0.5 * dz[-1]
    else:
        w_hoop[:] = 1.0
    l0_axial = dz / (1.0 + axial_prestrain)  # (kr-1,)
    w_axial = 0.5 * (hull_len[1:] + hull_len[:-1]) / n  # (kr-1,)
    eps_max = max(2.0, 2.0 * float(np.max(hull_len / relaxed_m)) - 1.0)
    law_c = _Law(fabric, "course", eps_max)
    law_w = _Law(fabric, "wale", max(2.0, 2 * axial_prestrain + 0.5))

    rho = float(np.mean(r0))  # angle -> arc length scaling of the variables
    scale = 1e-3  # variables in mm
    fixed_z = np.zeros((kr, n), bool)
    fixed_z[0] = fixed_z[-1] = True
    nn = kr * n

    # typical nodal force, for scaling the energy and judging the residual
    t_typ = np.maximum(law_c(np.maximum(hull_len / relaxed_m - 1.0, 0.0))[1], 1e-9)
    f_typ = float(np.median(t_typ * w_hoop) * TWO_PI / n)
    e_scale = f_typ * scale

    def unpack(x: np.ndarray):
        r = x[:nn].reshape(kr, n) * scale
        th = x[nn : 2 * nn].reshape(kr, n) * scale / rho
        z = x[2 * nn :].reshape(kr, n) * scale
        return r, th, z

    def positions(r, th, z):
        return np.stack([r * np.cos(th), r * np.sin(th), z], axis=-1)

    area = np.ones((kr, n))
    slope2 = np.ones((kr, n))  # 1 + |grad R|^2: radial sink -> normal sink (lagged)
    kfac = [1.0]

    def energy(x: np.ndarray):
        r, th, z = unpack(x)
        pos = positions(r, th, z)
        grad = np.zeros_like(pos)
        # hoop fibres (j -> j+1)
        eh = np.roll(pos, -1, axis=1) - pos
        lh = np.linalg.norm(eh, axis=-1)
        phi, ten = law_c(lh / l0_hoop[:, None] - 1.0)
        e_tot = np.sum(w_hoop[:, None] * l0_hoop[:, None] * phi)
        g = (w_hoop[:, None] * ten / np.maximum(lh, 1e-15))[..., None] * eh
        grad -= g
        grad += np.roll(g, 1, axis=1)
        # axial fibres (i -> i+1)
        if kr > 1:
            ea = pos[1:] - pos[:-1]
            la = np.linalg.norm(ea, axis=-1)
            phi, ten = law_w(la / l0_axial[:, None] - 1.0)
            e_tot += np.sum(w_axial[:, None] * l0_axial[:, None] * phi)
            g = (w_axial[:, None] * ten / np.maximum(la, 1e-15))[..., None] * ea
            grad[:-1] -= g
            grad[1:] += g
        # Winkler contact
        rr, drz, drt = _interp_map(rmap, map_heights, z.ravel(), th.ravel())
        rr, drz, drt = rr.reshape(kr, n), drz.reshape(kr, n), drt.reshape(kr, n)
        delta = np.maximum(rr - r, 0.0)
        kk = k_map_nodes * kfac[0] * area / slope2
        e_tot += 0.5 * np.sum(kk * delta**2)
        f = kk * delta
        c, s = np.cos(th), np.sin(th)
        g_r = grad[..., 0] * c + grad[..., 1] * s - f
        g_t = r * (-grad[..., 0] * s + grad[..., 1] * c) + f * drt
        g_z = grad[..., 2] + f * drz
        g_z = np.where(fixed_z, 0.0, g_z)
        gx = np.concatenate([g_r.ravel(), g_t.ravel() / rho, g_z.ravel()]) * scale
        return e_tot / e_scale, gx / e_scale

    def current_slope2(r, th, z):
        _, drz, drt = _interp_map(rmap, map_heights, z.ravel(), th.ravel())
        return (1.0 + (drt / np.maximum(r.ravel(), 1e-9)) ** 2 + drz**2).reshape(kr, n)

    def current_area(r, th, z):
        pos = positions(r, th, z)
        lh = np.linalg.norm(np.roll(pos, -1, axis=1) - pos, axis=-1)
        hoop = 0.5 * (lh + np.roll(lh, 1, axis=1))
        return hoop * w_hoop[:, None]

    # stiffness at the nodes (lagged: at the start position)
    k_map_nodes = grid_to_points(map_heights, k_map, z0.ravel(), th0.ravel()).reshape(kr, n)
    p_est = float(np.median(t_typ) * TWO_PI / np.median(hull_len))
    k_min = float(np.min(k_map_nodes))
    f0 = min(1.0, p_est / start_sink_m / k_min) if k_min > 0 else 1.0
    steps = []
    f = f0
    while f < 1.0:
        steps.append(f)
        f *= 10.0
    steps.append(1.0)

    x = np.concatenate([r0.ravel(), (th0 * rho).ravel(), z0.ravel()]) / scale
    # no bounds: the end rings keep their height because their z gradient is zeroed (and an
    # L-BFGS step never moves a variable whose gradient was always 0); scipy's L-BFGS-B with
    # bounds was 40x slower per iteration here.
    area[:] = current_area(r0, th0, z0)
    slope2[:] = current_slope2(r0, th0, z0)
    iterations = 0
    prev = None
    res = None
    for step in steps:
        if prev is not None:  # warm start: the pressure barely changes, the sink scales 1/k
            r, th, z = unpack(x)
            rr = _interp_map(rmap, map_heights, z.ravel(), th.ravel())[0].reshape(kr, n)
            delta = np.maximum(rr - r, 0.0)
            r = r + delta * (1.0 - prev / step)
            x[:nn] = r.ravel() / scale
        kfac[0] = step
        res = minimize(
            energy,
            x,
            jac=True,
            method="L-BFGS-B",
            # the scaled gradient is the residual itself (nodal force / typical nodal force):
            # intermediate steps need not converge fully, the polish below finishes
            options={
                "maxiter": int(max_iter),
                "maxcor": 20,
                "ftol": 1e-15,
                "gtol": 2.0 * tol if step < 1.0 else 0.5 * tol,
            },
        )
        x = res.x
        iterations += int(res.nit)
        r, th, z = unpack(x)
        area[:] = current_area(r, th, z)
        slope2[:] = current_slope2(r, th, z)
        prev = step
    # a last polish with the areas of the final shape
    res = minimize(
        energy,
        x,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": int(max_iter), "maxcor": 20, "ftol": 1e-15, "gtol": 0.2 * tol},
    )
    x = res.x
    iterations += int(res.nit)
    r, th, z = unpack(x)
    _, g = energy(x)
    g = g * e_scale / scale  # N per node (theta part: N per unit arc)
    residual = float(np.max(np.abs(g)) / f_typ) if f_typ > 0 else 0.0
    if not np.isfinite(residual) or residual > 10 * tol:
        raise errors.ConvergenceError(
            f"the contact solve did not converge: residual {residual:.3g} (largest nodal force "
            f"over the typical nodal force; tolerance {tol:g}) after {iterations} iterations. "
            "Try a coarser grid (n_theta, ring_step_m), a softer tissue, or max_iter larger."
        )
    if residual > tol:
        warnings.warn(
            f"the contact solve stopped at residual {residual:.3g} (tolerance {tol:g}); the "
            "pressures are usable but not fully converged.",
            errors.ConvergenceWarning,
            stacklevel=3,
        )
    rr = _interp_map(rmap, map_heights, z.ravel(), th.ravel())[0].reshape(kr, n)
    delta = np.maximum(rr - r, 0.0)
    a_now = current_area(r, th, z)
    # normal contact force per skin area: |F| = k delta sqrt(1 + |grad R|^2) / slope2
    pressure = (
        k_map_nodes * delta * np.sqrt(current_slope2(r, th, z)) / slope2 * area
    ) / np.maximum(a_now, 1e-15)
    pos = positions(r, th, z)
    lh = np.linalg.norm(np.roll(pos, -1, axis=1) - pos, axis=-1)
    hoop_t = law_c(lh / l0_hoop[:, None] - 1.0)[1]
    return {
        "r": r,
        "theta": th,
        "z": z,
        "pressure_pa": pressure,
        "hoop_tension": hoop_t,
        "residual": residual,
        "iterations": iterations,
        "steps": steps,
        "sink_m": delta,
    }


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
    pts = np.concatenate([np.column_stack([zz, (tt + sh) * arc]) for sh in (-TWO_PI, 0.0, TWO_PI)])
    interp = LinearNDInterpolator(pts, np.tile(vv, 3))
    thg = theta_grid(n)
    hq = np.clip(heights, z[0].max(), z[-1].min()) if z.shape[0] > 1 else heights
    hh, tq = np.meshgrid(hq, thg, indexing="ij")
    out = interp(np.column_stack([hh.ravel(), tq.ravel() * arc])).reshape(len(heights), n)
    if np.isnan(out).any():
        from scipy.interpolate import NearestNDInterpolator

        near = NearestNDInterpolator(pts, np.tile(vv, 3))
        bad = np.isnan(out)
        out[bad] = near(np.column_stack([hh[bad], tq[bad] * arc]))
    return out


def solve(leg: Any, setup: Setup, **options: Any) -> tuple[np.ndarray, np.ndarray, dict]:
    """Per-vertex pressure (Pa), per-section (mean, min, max) (Pa) and info."""
    from stockingsim.tissue import Tissue

    opts = dict(OPTIONS)
    opts.update(options)
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
    with single_thread_blas():
        out = solve_tube(
            rmap,
            hs,
            k_map,
            rings,
            relaxed,
            setup.fabric,
            setup.axial_prestrain,
            n_theta=int(opts["n_theta"]),
            max_iter=int(opts["max_iter"]),
            tol=float(opts["tol"]),
            start_sink_m=float(opts["start_sink_m"]),
        )
    p_grid = nodes_to_grid(out["z"], out["theta"], out["pressure_pa"], setup.heights_m, n_map)
    p_grid = np.where(np.isfinite(setup.hull_m)[:, None], np.maximum(p_grid, 0.0), 0.0)
    r_all = np.array(
        [
            rmap[min(int(np.searchsorted(hs, h)), len(hs) - 1)]
            if not np.isfinite(setup.hull_m[i])
            else radial_map(section_main_polygon(setup.sections[i]), thg)
            for i, h in enumerate(setup.heights_m)
        ]
    )
    mean, pmin, pmax = ring_stats(p_grid, r_all, thg)
    h, theta = vertex_heights_angles(leg, setup)
    p_v = grid_to_points(setup.heights_m, p_grid, h, theta)
    info = {
        "n_rings": n_rings,
        "n_theta": int(opts["n_theta"]),
        "n_nodes": int(n_rings * int(opts["n_theta"])),
        "iterations": out["iterations"],
        "residual": out["residual"],
        "continuation": out["steps"],
        "tissue": "rigid" if tissue.rigid else "winkler",
        "max_sink_m": float(out["sink_m"].max()),
        "hoop_tension_min_max_n_per_m": (
            float(out["hoop_tension"].min()),
            float(out["hoop_tension"].max()),
        ),
    }
    return p_v, np.column_stack([mean, pmin, pmax]), info
