"""The stocking tube of the ``contact`` method on a radial map, in named steps (pure arrays).

:func:`solve_tube` runs these steps:

1. :func:`start_rings`: every ring on the convex hull of its section, nodes evenly spaced;
2. :func:`build_tube`: rest geometry, fibre widths, fabric energy tables, variable scaling and
   the Winkler stiffness of the skin (a :class:`Tube`; the stiffness is a smooth field of the
   skin, :func:`skin_stiffness`, that a node feels wherever it slides, :func:`node_stiffness`);
3. :func:`continuation_steps`: the stiffness factors from a soft foundation up to ``k``;
4. :func:`minimize_step` for each factor, with the lagged quantities (contact areas, slopes,
   the normal force that friction sees) updated by :func:`update_lagged` after each;
5. :func:`polish`: the last minimizations at the full stiffness until the lagged normal force
   of friction stops changing;
6. :func:`judge_residual` (error, warning with a stated usability criterion, or silence) and
   :func:`tube_outputs`.

Friction (regularized Coulomb, :func:`friction_terms`) resists the slip of each node from where
the fabric was placed: its start position. It is the dissipation potential
``D = mu N (sqrt(|s|^2 + s0^2) - s0)`` with the slip ``s`` (the node's displacement from its
placement projected on the skin's tangent plane at the placement, so the node's sink into the
tissue, along that normal, is no slip) and the normal force ``N`` lagged from the previous
minimization (the usual fixed-point treatment of friction in incremental contact, e.g.
Wriggers P., Computational Contact Mechanics, 2nd ed., Springer 2006, ch. 5 and 10). For
``|s| >> s0`` its force is ``mu N`` opposing the slip (Coulomb); below ``s0`` the fabric
sticks elastically. The normal is not lagged: on soft tissue a node sinks 3-4 mm, and a
normal refreshed at each pass turned a little of that sink into slip (0.1 mm against ``s0``
= 0.5 mm) and left every pass out of balance with the last (residual 0.16 on the sample legs).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim.solvers._maps import FabricLaw, SkinStiffness, interp_map, skin_stiffness
from stockingsim.solvers._setup import TWO_PI, grid_to_points, theta_grid

#: A residual up to this many times ``tol`` is still usable (see :func:`judge_residual`).
USABLE_FACTOR = 3.0
#: Beyond this many times ``tol`` the solve fails with a ConvergenceError.
FAIL_FACTOR = 10.0
#: The friction fixed point has converged when the lagged normal force of no node moves by more
#: than this fraction of the median nodal normal force between two polishes.
FRICTION_NORMAL_TOL = 0.02
#: A minimization whose best residual is below the tolerance stops when that residual has not
#: improved by STALL_GAIN (a fraction) over STALL_ITERS iterations (see ``_StallWatch``).
STALL_ITERS = 100
STALL_GAIN = 0.02


# --------------------------------------------------------------------------------------------
@dataclass
class Tube:
    """The discretized stocking, its rest state and the lagged quantities of the solve."""

    rmap: np.ndarray  # (K, n_map) leg radius
    map_heights: np.ndarray  # (K,)
    r0: np.ndarray  # (kr, n) start (placement) position
    th0: np.ndarray
    z0: np.ndarray
    hull_len: np.ndarray  # (kr,) hull girth of each ring's section
    l0_hoop: np.ndarray  # (kr,) rest length of a hoop fibre
    w_hoop: np.ndarray  # (kr,) width (height) a hoop fibre stands for
    l0_axial: np.ndarray  # (kr-1,)
    w_axial: np.ndarray  # (kr-1,)
    law_c: FabricLaw
    law_w: FabricLaw
    k_nodes: np.ndarray  # (kr, n) Winkler stiffness at the nodes' start positions
    f_typ: float  # typical nodal force, N
    t_typ: np.ndarray  # (kr,) hoop tension at the hull strain, N/m
    mu: float = 0.0
    slip_m: float = 5e-4
    hoop_layers: np.ndarray | None = None  # (kr,) layers of fabric on each ring (folds)
    rho: float = 0.05  # angle -> arc length scaling of the variables
    scale: float = 1e-3  # variables in mm
    kfac: float = 1.0  # continuation factor on k
    area: np.ndarray = field(default_factory=lambda: np.ones(0))  # lagged contact areas
    slope2: np.ndarray = field(default_factory=lambda: np.ones(0))  # lagged 1 + |grad R|^2
    normal_n: np.ndarray = field(default_factory=lambda: np.zeros(0))  # lagged normal force
    normals: np.ndarray = field(default_factory=lambda: np.zeros(0))  # skin normals at placement
    pos0: np.ndarray = field(default_factory=lambda: np.zeros(0))  # placement (cartesian)
    k_skin: SkinStiffness | None = None  # the smoothed skin stiffness; None when uniform

    @property
    def shape(self) -> tuple[int, int]:
        return self.r0.shape

    @property
    def e_scale(self) -> float:
        return self.f_typ * self.scale


def start_rings(
    rmap: np.ndarray,
    map_heights: np.ndarray,
    ring_heights: np.ndarray,
    relaxed_m: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 1: each ring on its section's hull, evenly spaced; returns (theta, r, hull girth)."""
    from stockingsim.solvers._rings import hull_ring

    kr = len(ring_heights)
    thg = theta_grid(rmap.shape[1])
    th0, r0, hull_len = np.zeros((kr, n)), np.zeros((kr, n)), np.zeros(kr)
    for i, h in enumerate(ring_heights):
        fi = np.interp(h, map_heights, np.arange(len(map_heights), dtype=float))
        i0 = min(int(fi), len(map_heights) - 2) if len(map_heights) > 1 else 0
        t = fi - i0
        row = rmap[i0] if len(map_heights) == 1 else (1 - t) * rmap[i0] + t * rmap[i0 + 1]
        th0[i], r0[i] = hull_ring(row, thg, n)
        xy = np.column_stack([r0[i] * np.cos(th0[i]), r0[i] * np.sin(th0[i])])
        hull_len[i] = np.sum(np.linalg.norm(np.roll(xy, -1, axis=0) - xy, axis=1))
        loose = relaxed_m[i] / hull_len[i]
        if loose > 1:  # the fabric does not reach the skin: start it at its relaxed size
            r0[i] *= loose
    return th0, r0, hull_len


def node_stiffness(tube: Tube, th, z) -> np.ndarray:
    """The skin's stiffness under the nodes where they are now, (kr, n).

    The stiffness belongs to the skin, not to the fabric: a node that slides off a bony strip
    leaves its stiffness behind. Uniform tissue: the nodes' (constant) stiffness.
    """
    return tube.k_nodes if tube.k_skin is None else tube.k_skin(z, th)[0]


def build_tube(
    rmap, map_heights, k_map, ring_heights, relaxed_m, fabric, axial_prestrain, n, mu, slip_m
) -> Tube:
    """Step 2: rest geometry and fibre widths (Laplace-consistent: force = T * width)."""
    kr = len(ring_heights)
    th0, r0, hull_len = start_rings(rmap, map_heights, ring_heights, relaxed_m, n)
    z0 = np.repeat(ring_heights[:, None], n, axis=1)
    l0_hoop = relaxed_m / n
    dz = np.diff(ring_heights)
    w_hoop = np.empty(kr)
    if kr > 1:
        w_hoop[1:-1] = 0.5 * (dz[1:] + dz[:-1])
        w_hoop[0], w_hoop[-1] = 0.5 * dz[0], 0.5 * dz[-1]
    else:
        w_hoop[:] = 1.0
    eps_max = max(2.0, 2.0 * float(np.max(hull_len / relaxed_m)) - 1.0)
    law_c = FabricLaw(fabric, "course", eps_max)
    # typical nodal force, for scaling the energy and judging the residual
    t_typ = np.maximum(law_c(np.maximum(hull_len / relaxed_m - 1.0, 0.0))[1], 1e-9)
    tube = Tube(
        rmap=rmap,
        map_heights=map_heights,
        r0=r0,
        th0=th0,
        z0=z0,
        hull_len=hull_len,
        l0_hoop=l0_hoop,
        w_hoop=w_hoop,
        l0_axial=dz / (1.0 + axial_prestrain),
        w_axial=0.5 * (hull_len[1:] + hull_len[:-1]) / n,
        law_c=law_c,
        law_w=FabricLaw(fabric, "wale", max(2.0, 2 * axial_prestrain + 0.5)),
        k_nodes=grid_to_points(map_heights, k_map, z0.ravel(), th0.ravel()).reshape(kr, n),
        f_typ=float(np.median(t_typ * w_hoop) * TWO_PI / n),
        t_typ=t_typ,
        mu=float(mu),
        slip_m=float(slip_m),
        rho=float(np.mean(r0)),
    )
    if np.ptp(k_map) > 0:  # tissue of varying stiffness: a field of the skin
        smooth = skin_stiffness(k_map, map_heights, ring_heights, n)
        tube.k_skin = SkinStiffness(smooth, map_heights)
        tube.k_nodes = grid_to_points(map_heights, smooth, z0.ravel(), th0.ravel()).reshape(kr, n)
    tube.area = current_area(tube, r0, th0, z0)
    tube.slope2 = current_slope2(tube, r0, th0, z0)
    # the normal force friction sees before any contact force exists: Laplace's T / r per ring
    p_ring = t_typ * TWO_PI / hull_len
    tube.normal_n = p_ring[:, None] * tube.area * (relaxed_m < hull_len)[:, None]
    tube.pos0 = positions(r0, th0, z0)
    tube.normals = skin_normals(tube, r0, th0, z0)
    return tube


# --------------------------------------------------------------------------------------------
def unpack(tube: Tube, x: np.ndarray):
    """Variables (mm, mm of arc, mm) -> (r, theta, z) arrays of shape (kr, n)."""
    nn = tube.r0.size
    r = x[:nn].reshape(tube.shape) * tube.scale
    th = x[nn : 2 * nn].reshape(tube.shape) * tube.scale / tube.rho
    z = x[2 * nn :].reshape(tube.shape) * tube.scale
    return r, th, z


def pack(tube: Tube, r, th, z) -> np.ndarray:
    return np.concatenate([r.ravel(), (th * tube.rho).ravel(), z.ravel()]) / tube.scale


def positions(r, th, z):
    return np.stack([r * np.cos(th), r * np.sin(th), z], axis=-1)


def current_slope2(tube: Tube, r, th, z):
    _, drz, drt = interp_map(tube.rmap, tube.map_heights, z.ravel(), th.ravel())
    return (1.0 + (drt / np.maximum(r.ravel(), 1e-9)) ** 2 + drz**2).reshape(tube.shape)


def current_area(tube: Tube, r, th, z):
    pos = positions(r, th, z)
    lh = np.linalg.norm(np.roll(pos, -1, axis=1) - pos, axis=-1)
    hoop = 0.5 * (lh + np.roll(lh, 1, axis=1))
    return hoop * tube.w_hoop[:, None]


def sink(tube: Tube, r, th, z) -> np.ndarray:
    """How deep each node sits below the skin, ``max(0, R - r)``, metres."""
    rr = interp_map(tube.rmap, tube.map_heights, z.ravel(), th.ravel())[0].reshape(tube.shape)
    return np.maximum(rr - r, 0.0)


def fibre_terms(tube: Tube, pos: np.ndarray) -> tuple[float, np.ndarray]:
    """Elastic energy of the hoop and axial fibres and its gradient on the node positions."""
    w_hoop, l0_hoop = tube.w_hoop, tube.l0_hoop
    if tube.hoop_layers is not None:
        w_hoop = w_hoop * tube.hoop_layers
    grad = np.zeros_like(pos)
    eh = np.roll(pos, -1, axis=1) - pos  # hoop fibres (j -> j+1)
    lh = np.linalg.norm(eh, axis=-1)
    phi, ten = tube.law_c(lh / l0_hoop[:, None] - 1.0)
    e_tot = np.sum(w_hoop[:, None] * l0_hoop[:, None] * phi)
    g = (w_hoop[:, None] * ten / np.maximum(lh, 1e-15))[..., None] * eh
    grad -= g
    grad += np.roll(g, 1, axis=1)
    if pos.shape[0] > 1:  # axial fibres (i -> i+1)
        ea = pos[1:] - pos[:-1]
        la = np.linalg.norm(ea, axis=-1)
        phi, ten = tube.law_w(la / tube.l0_axial[:, None] - 1.0)
        e_tot += np.sum(tube.w_axial[:, None] * tube.l0_axial[:, None] * phi)
        g = (tube.w_axial[:, None] * ten / np.maximum(la, 1e-15))[..., None] * ea
        grad[:-1] -= g
        grad[1:] += g
    return e_tot, grad


def skin_normals(tube: Tube, r, th, z) -> np.ndarray:
    """Unit outward skin normal (cartesian) under each node, shape (kr, n, 3)."""
    rr, drz, drt = interp_map(tube.rmap, tube.map_heights, z.ravel(), th.ravel())
    rr, drz, drt = rr.reshape(tube.shape), drz.reshape(tube.shape), drt.reshape(tube.shape)
    c, s = np.cos(th), np.sin(th)
    a = drt / np.maximum(rr, 1e-9)  # e_r - (R_theta / R) e_theta - R_z e_z
    nrm = np.stack([c + a * s, s - a * c, -drz], axis=-1)
    return nrm / np.linalg.norm(nrm, axis=-1, keepdims=True)


def tangential_slip(tube: Tube, pos: np.ndarray) -> np.ndarray:
    """Slip of each node from its placement, projected on the skin tangent plane there."""
    d = pos - tube.pos0
    return d - np.sum(d * tube.normals, axis=-1, keepdims=True) * tube.normals


def friction_terms(tube: Tube, pos: np.ndarray) -> tuple[float, np.ndarray]:
    """Regularized Coulomb potential and its gradient on the node positions (N)."""
    d_t = tangential_slip(tube, pos)
    q = np.sqrt(np.sum(d_t**2, axis=-1) + tube.slip_m**2)
    mn = tube.mu * tube.normal_n
    return float(np.sum(mn * (q - tube.slip_m))), (mn / q)[..., None] * d_t


def energy(tube: Tube, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Scaled total energy (fibres + Winkler contact + friction) and its gradient."""
    r, th, z = unpack(tube, x)
    pos = positions(r, th, z)
    e_tot, grad = fibre_terms(tube, pos)
    if tube.mu > 0:
        e_f, g_f = friction_terms(tube, pos)
        e_tot += e_f
        grad += g_f
    rr, drz, drt = interp_map(tube.rmap, tube.map_heights, z.ravel(), th.ravel())
    rr, drz, drt = rr.reshape(tube.shape), drz.reshape(tube.shape), drt.reshape(tube.shape)
    delta = np.maximum(rr - r, 0.0)
    if tube.k_skin is None:
        k = tube.k_nodes
    else:
        k, dk_dz, dk_dth = tube.k_skin(z, th)
    kk = k * tube.kfac * tube.area / tube.slope2
    e_tot += 0.5 * np.sum(kk * delta**2)
    f = kk * delta
    c, s = np.cos(th), np.sin(th)
    g_r = grad[..., 0] * c + grad[..., 1] * s - f
    g_t = r * (-grad[..., 0] * s + grad[..., 1] * c) + f * drt
    g_z = grad[..., 2] + f * drz
    if tube.k_skin is not None:
        # the Winkler energy 0.5 k(z, theta) delta^2 changes as the node moves over tissue of
        # another stiffness
        half = 0.5 * tube.kfac * tube.area / tube.slope2 * delta**2
        g_t += half * dk_dth
        g_z += half * dk_dz
    g_z[0] = 0.0  # the end rings keep their height
    g_z[-1] = 0.0
    gx = np.concatenate([g_r.ravel(), g_t.ravel() / tube.rho, g_z.ravel()]) * tube.scale
    return e_tot / tube.e_scale, gx / tube.e_scale


# --------------------------------------------------------------------------------------------
def continuation_steps(tube: Tube, start_sink_m: float) -> list[float]:
    """Step 3: stiffness factors from a foundation that lets the fabric sink ``start_sink_m``."""
    p_est = float(np.median(tube.t_typ) * TWO_PI / np.median(tube.hull_len))
    k_min = float(np.min(tube.k_nodes))
    f = min(1.0, p_est / start_sink_m / k_min) if k_min > 0 else 1.0
    steps = []
    while f < 1.0:
        steps.append(f)
        f *= 10.0
    steps.append(1.0)
    return steps


class _StallWatch:
    """The residual (largest scaled gradient) of each L-BFGS iterate and the best iterate.

    With friction, :func:`minimize_step` stops when the best residual is already below the
    tolerance and has not improved by :data:`STALL_GAIN` for :data:`STALL_ITERS` iterations: a
    node resting on a crease of the bilinear radial map (a section height, where the skin's
    slope jumps) keeps an out-of-balance force that no step removes, and L-BFGS would otherwise
    circle it for hundreds of iterations without changing the result. Friction holds every
    node with a stick stiffness ``mu N / s0``, so no soft mode is left whose slow progress the
    watch could cut short. Frictionless, the fabric's sliding is such a soft mode (its
    residual is small long before it has slid its way): there the watch is off.
    """

    def __init__(self, tube: Tube, tol: float) -> None:
        self.tube, self.tol = tube, tol
        self.last_gmax = np.inf
        self.best, self.best_x, self.since = np.inf, None, 0

    def fun(self, y: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = energy(self.tube, y)
        self.last_gmax = float(np.max(np.abs(g)))
        return e, g

    def callback(self, intermediate_result) -> None:
        if self.last_gmax < (1.0 - STALL_GAIN) * self.best:
            self.best, self.best_x, self.since = self.last_gmax, intermediate_result.x.copy(), 0
        else:
            self.since += 1
        if self.best <= self.tol and self.since >= STALL_ITERS:
            raise StopIteration


def minimize_step(tube: Tube, x: np.ndarray, gtol: float, max_iter: int, tol: float = 0.0):
    """One L-BFGS minimization; the scaled gradient is the residual itself.

    No bounds: the end rings keep their height because their z gradient is zeroed (and an
    L-BFGS step never moves a variable whose gradient was always 0); scipy's L-BFGS-B with
    bounds was 40x slower per iteration here. With friction and ``tol > 0`` it stops on a
    stall below ``tol`` (:class:`_StallWatch`) and returns the best iterate.
    """
    from scipy.optimize import minimize

    watch = _StallWatch(tube, tol)
    res = minimize(
        watch.fun,
        x,
        jac=True,
        method="L-BFGS-B",
        callback=watch.callback if tol > 0 and tube.mu > 0 else None,
        options={"maxiter": int(max_iter), "maxcor": 20, "ftol": 1e-15, "gtol": gtol},
    )
    if (
        tube.mu > 0
        and watch.best_x is not None
        and watch.since >= STALL_ITERS
        and watch.best <= tol
    ):
        res.x = watch.best_x
    return res


def update_lagged(tube: Tube, x: np.ndarray) -> float:
    """Areas, slopes and the friction normal force at ``x``; returns the normal force change.

    The change is the largest move of a node's normal force over the median nodal normal force
    of the nodes in contact (0 without friction).
    """
    r, th, z = unpack(tube, x)
    change = 0.0
    if tube.mu > 0:
        kk = node_stiffness(tube, th, z) * tube.kfac * tube.area / tube.slope2
        normal = kk * sink(tube, r, th, z) * np.sqrt(tube.slope2)
        ref = np.median(normal[normal > 0]) if np.any(normal > 0) else 1.0
        change = float(np.max(np.abs(normal - tube.normal_n)) / ref)
        tube.normal_n = normal
    tube.area = current_area(tube, r, th, z)
    tube.slope2 = current_slope2(tube, r, th, z)
    return change


def run_continuation(tube: Tube, x, steps, tol, max_iter) -> tuple[np.ndarray, int]:
    """Step 4: minimize at each stiffness factor, warm-starting the sink (it scales as 1/k)."""
    iterations = 0
    prev = None
    for step in steps:
        if prev is not None:
            r, th, z = unpack(tube, x)
            r = r + sink(tube, r, th, z) * (1.0 - prev / step)
            x = x.copy()
            x[: r.size] = r.ravel() / tube.scale
        tube.kfac = step
        # intermediate steps need not converge fully, the polish finishes
        res = minimize_step(tube, x, 2.0 * tol if step < 1.0 else 0.5 * tol, max_iter, tol)
        x = res.x
        iterations += int(res.nit)
        update_lagged(tube, x)
        prev = step
    return x, iterations


def polish(tube: Tube, x, tol, max_iter, passes: int = 4) -> tuple[np.ndarray, int, float]:
    """Step 5: minimize with the lagged quantities of the final shape.

    Repeat (at most ``passes`` times) until the residual is below ``tol`` and, with friction,
    the lagged normal force moves by less than :data:`FRICTION_NORMAL_TOL`. Between passes the
    lagged quantities are updated (:func:`update_lagged`): the areas, slopes and the normal
    force of friction lagged from one pass can leave a node out of balance in the next, and
    L-BFGS can stop on its energy criterion just above the tolerance (a residual of 0.031
    against 0.03 on a sample leg with numpy 2.0 / scipy 1.15), where a new pass from that
    state finishes. On uniform tissue without friction a converged first pass is the end (no
    update), so those results are the single pass's. Returns the last normal force change.
    """
    iterations, change = 0, 0.0
    for _ in range(passes):
        res = minimize_step(tube, x, 0.2 * tol, max_iter, tol)
        x = res.x
        iterations += int(res.nit)
        if tube.mu <= 0 and tube.k_skin is None and residual_of(tube, x) <= tol:
            break
        change = update_lagged(tube, x)
        if change < FRICTION_NORMAL_TOL and residual_of(tube, x) <= tol:
            break
    return x, iterations, change


def residual_of(tube: Tube, x) -> float:
    """The largest nodal force over the typical nodal force ``T w 2 pi / n`` at ``x``."""
    _, g = energy(tube, x)
    g = g * tube.e_scale / tube.scale  # N per node (theta part: N per unit arc)
    return float(np.max(np.abs(g)) / tube.f_typ) if tube.f_typ > 0 else 0.0


def judge_residual(tube: Tube, x, tol: float, iterations: int, friction_change: float) -> float:
    """Step 6: the residual (largest nodal force / typical nodal force); error or warning.

    Criterion: a residual up to ``tol`` is converged; up to ``USABLE_FACTOR * tol`` the result
    is usable (the largest out-of-balance force is below that fraction of a typical nodal force,
    so no landmark pressure is off by more than about that fraction); up to
    ``FAIL_FACTOR * tol`` it is not usable for classification; beyond, a ConvergenceError. With
    friction the lagged normal force must also have settled (``FRICTION_NORMAL_TOL``).
    """
    residual = residual_of(tube, x)
    if not np.isfinite(residual) or residual > FAIL_FACTOR * tol:
        raise errors.ConvergenceError(
            f"the contact solve did not converge: residual {residual:.3g} (largest nodal force "
            f"over the typical nodal force; tolerance {tol:g}) after {iterations} iterations. "
            "Try a coarser grid (n_theta, ring_step_m), a softer tissue, or max_iter larger."
        )
    friction_open = tube.mu > 0 and friction_change >= FRICTION_NORMAL_TOL
    if residual <= tol and not friction_open:
        return residual
    usable = residual <= USABLE_FACTOR * tol and not friction_open
    verdict = (
        f"usable: below {USABLE_FACTOR:g} x tolerance, landmark pressures within about "
        f"{100 * residual:.0f} %"
        if usable
        else "NOT usable for classification: "
        + (
            f"the normal force under friction still moved by {100 * friction_change:.0f} % "
            f"(criterion {100 * FRICTION_NORMAL_TOL:.0f} %)"
            if friction_open
            else f"residual above {USABLE_FACTOR:g} x tolerance"
        )
        + "; raise max_iter or coarsen the grid"
    )
    warnings.warn(
        f"the contact solve stopped at residual {residual:.3g} (tolerance {tol:g}, largest "
        f"nodal force over the typical nodal force): {verdict}.",
        errors.ConvergenceWarning,
        stacklevel=4,
    )
    return residual


def tube_outputs(tube: Tube, x) -> dict[str, Any]:
    """Node positions, contact pressure, hoop tension and sink at ``x``."""
    r, th, z = unpack(tube, x)
    delta = sink(tube, r, th, z)
    a_now = current_area(tube, r, th, z)
    # normal contact force per skin area: |F| = k delta sqrt(1 + |grad R|^2) / slope2
    k = node_stiffness(tube, th, z)
    pressure = (
        k * delta * np.sqrt(current_slope2(tube, r, th, z)) / tube.slope2 * tube.area
    ) / np.maximum(a_now, 1e-15)
    pos = positions(r, th, z)
    lh = np.linalg.norm(np.roll(pos, -1, axis=1) - pos, axis=-1)
    hoop_t = tube.law_c(lh / tube.l0_hoop[:, None] - 1.0)[1]
    slip = np.linalg.norm(tangential_slip(tube, pos), axis=-1)
    # friction force over the normal force: the coefficient the equilibrium mobilizes
    mobilized = tube.mu * slip / np.sqrt(slip**2 + tube.slip_m**2)
    return {
        "r": r,
        "theta": th,
        "z": z,
        "pressure_pa": pressure,
        "hoop_tension": hoop_t,
        "sink_m": delta,
        "slip_m": slip,
        "mobilized_friction": mobilized,
    }


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
    friction: float = 0.0,
    friction_slip_m: float = 5e-4,
    hoop_layers: np.ndarray | None = None,
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
        Nodes per ring; L-BFGS iterations per minimization; convergence threshold on the
        residual (largest nodal force over the typical nodal force ``T w 2pi/n``); sink depth that
        sets the first (soft) continuation stiffness.
    friction, friction_slip_m
        Coulomb coefficient between fabric and skin (0: frictionless) and the slip below which
        the fabric sticks elastically (the regularization).
    hoop_layers : ndarray of shape (Kr,), optional
        Layers of fabric on each ring (a fold, a rolled top): the hoop fibres' force is
        multiplied by it.

    Returns
    -------
    dict
        ``r``, ``theta``, ``z`` (Kr, n) node positions; ``pressure_pa`` (Kr, n) contact pressure
        at the nodes; ``hoop_tension`` (Kr, n) N/m per hoop fibre; ``slip_m`` (Kr, n) slip from
        the placement; ``mobilized_friction`` (Kr, n) friction force over normal force; ``residual``; ``iterations``; ``steps`` (continuation stiffness factors);
        ``friction_normal_change``.
    """
    tube = build_tube(
        rmap, map_heights, k_map, ring_heights, relaxed_m, fabric, axial_prestrain,
        int(n_theta), friction, friction_slip_m,
    )  # fmt: skip
    if hoop_layers is not None:
        tube.hoop_layers = np.asarray(hoop_layers, dtype=float)
    steps = continuation_steps(tube, start_sink_m)
    x = pack(tube, tube.r0, tube.th0, tube.z0)
    x, it_cont = run_continuation(tube, x, steps, tol, max_iter)
    x, it_pol, change = polish(tube, x, tol, max_iter)
    iterations = it_cont + it_pol
    residual = judge_residual(tube, x, tol, iterations, change)
    out = tube_outputs(tube, x)
    out.update(residual=residual, iterations=iterations, steps=steps, friction_normal_change=change)
    return out
