"""Shared machinery of the pressure methods: sections, strains, tensions, grids, sampling.

Every method follows the same path: the part of the leg the stocking covers is cut into
sections perpendicular to the local axis every ``step_m`` (plus one at each landmark); each
section's convex-hull girth ``C`` and the stocking's relaxed circumference ``c0`` give the hoop
strain ``eps = C / c0 - 1`` and the hoop tension ``T(eps)`` (fabric course direction, unloading
branch); the method turns that into a pressure field on the skin.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim._numbers import HEIGHT_TOL_M, as_number

#: Default height step of the section grid (DESIGN.md section 7: every 5 mm).
DEFAULT_STEP_M = 0.005
TWO_PI = 2.0 * math.pi


def check_options(method: str, options: dict[str, Any], allowed: dict[str, Any]) -> dict:
    """Validate keyword options: known names, finite numbers; fill defaults.

    Raises
    ------
    SolverError
        Unknown option, or a NaN/inf/non-numeric value for a numeric option.
    """
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise errors.SolverError(
            f"unknown option(s) {', '.join(unknown)} for method {method!r}; "
            f"valid options: {', '.join(sorted(allowed)) or 'none'}."
        )
    out = dict(allowed)
    for key, value in options.items():
        default = allowed[key]
        if isinstance(default, bool):
            out[key] = bool(value)
        elif isinstance(default, (int, float)) and not isinstance(default, bool):
            x = as_number(
                value,
                f"option {key} of method {method!r}",
                errors.SolverError,
                hint=f"Give a finite number (default {default}).",
            )
            if x <= 0 and key not in {"seed"}:
                raise errors.SolverError(
                    f"option {key}={value!r} of method {method!r} must be positive "
                    f"(default {default})."
                )
            out[key] = int(round(x)) if isinstance(default, int) else x
        else:
            out[key] = value
    return out


COVER_TOL_M = HEIGHT_TOL_M  # 1 nm: far below any mesh spacing, far above rounding


@dataclass
class Setup:
    """Everything a method needs about the covered part of the leg (internal)."""

    bottom_m: float
    top_m: float
    heights_m: np.ndarray  # (K,) all section heights, sorted (grid + landmarks)
    is_grid: np.ndarray  # (K,) bool: part of the regular grid (for the sections table)
    landmark_index: dict[str, int]  # landmark name -> row in the arrays (covered ones)
    sections: list  # (K,) Section
    hull_m: np.ndarray  # (K,) convex-hull girth (nan where the section is empty)
    skin_m: np.ndarray  # (K,) skin perimeter
    relaxed_m: np.ndarray  # (K,)
    strain: np.ndarray  # (K,) hoop strain C / c0 - 1 (nan where empty)
    tension: np.ndarray  # (K,) hoop tension, N/m (0 where no contact)
    axial_tension: float  # N/m, from the axial pre-strain (wale)
    origins: np.ndarray  # (K, 3)
    us: np.ndarray  # (K, 3)
    vs: np.ndarray  # (K, 3)
    fabric: Any  # the stocking's Fabric (the contact solve integrates its curves)
    axial_prestrain: float  # the stocking's wale strain along the leg
    layer_factor: np.ndarray | None = None  # (K,) all layers' tension / the stocking's own
    stocking: Any = None  # the Stocking or Kit (the contact solve of a kit's layers)

    def covers(self, heights_m: np.ndarray) -> np.ndarray:
        """Which heights the stocking covers: one rule for every method and the result.

        A vertex row placed exactly on the hem sits there up to rounding (1e-17 m); the
        tolerance keeps the whole row on the same side, whatever the frame's rounding.
        """
        h = np.asarray(heights_m, dtype=float)
        return (h >= self.bottom_m - COVER_TOL_M) & (h <= self.top_m + COVER_TOL_M)


def section_main_polygon(section: Any) -> np.ndarray | None:
    """The largest skin loop of a section, (k, 2) CCW in (u, v), or None if empty."""
    polys = getattr(section, "polygons", None) or []
    if not polys:
        return None
    poly = np.asarray(polys[0], dtype=float)
    if poly.ndim != 2 or len(poly) < 3:
        return None
    if np.allclose(poly[0], poly[-1]):
        poly = poly[:-1]
    area2 = np.sum(poly[:, 0] * np.roll(poly[:, 1], -1) - np.roll(poly[:, 0], -1) * poly[:, 1])
    return poly if area2 >= 0 else poly[::-1]


def prepare(leg: Any, stocking: Any, step_m: float = DEFAULT_STEP_M) -> Setup:
    """Cut the covered part of the leg and evaluate strain and tension per section."""
    bottom, top = stocking.coverage_m(leg)
    n = max(2, int(math.floor((top - bottom) / step_m + 1e-9)) + 1)
    # stay a hair inside the mesh ends, where a section may be empty
    eps_h = min(1e-4, 0.01 * step_m)
    grid = np.linspace(bottom, top, n)
    grid[0] = min(grid[0] + eps_h, grid[1]) if bottom <= 0 else grid[0]
    if top >= float(leg.length_m):
        grid[-1] = top - eps_h
    landmarks = getattr(leg, "landmarks", {}) or {}
    lm_h = {
        name: float(lm.height_m)
        for name, lm in landmarks.items()
        if bottom - 1e-9 <= lm.height_m <= top + 1e-9
    }
    heights = np.concatenate([grid, np.array(list(lm_h.values()), dtype=float)])
    is_grid = np.concatenate([np.ones(len(grid), bool), np.zeros(len(lm_h), bool)])
    order = np.argsort(heights, kind="stable")
    heights, is_grid = heights[order], is_grid[order]
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    landmark_index = {name: int(inv[len(grid) + i]) for i, name in enumerate(lm_h)}

    sections = list(leg.sections(heights))
    k = len(sections)
    hull = np.full(k, np.nan)
    skin = np.full(k, np.nan)
    origins = np.zeros((k, 3))
    us = np.zeros((k, 3))
    vs = np.zeros((k, 3))
    for i, sec in enumerate(sections):
        origins[i], us[i], vs[i] = sec.origin, sec.u, sec.v
        polys = sec.polygons
        if polys and len(polys[0]) >= 3 and sec.hull_perimeter_m > 0:
            hull[i] = float(sec.hull_perimeter_m)
            skin[i] = float(sec.perimeter_m)
    relaxed = stocking.relaxed_circumference_at(leg, heights)
    strain = hull / relaxed - 1.0
    slack = ~(strain > 0)  # includes nan (empty sections)
    loose = np.isfinite(strain) & (strain <= 0)
    if np.any(loose):
        hs = heights[loose]
        warnings.warn(
            f"the stocking does not touch the leg {getattr(leg, 'name', '')!r} at "
            f"{int(loose.sum())} of {k} heights ({hs.min() * 100:.1f}-{hs.max() * 100:.1f} cm): "
            "its relaxed circumference is at least the leg's girth there, so the pressure is "
            "zero. Make the stocking smaller there if pressure is wanted.",
            errors.NoContactWarning,
            stacklevel=4,
        )
    eps_safe = np.where(slack, 0.0, strain)
    tension = np.asarray(stocking.fabric.tension(eps_safe, "course", "unloading"), dtype=float)
    tension = np.where(slack, 0.0, np.maximum(tension, 0.0))
    layer_factor = np.ones(k)
    # folds, rolled top, grip band, the outer layers of a kit: extra layers add their tension
    if getattr(stocking, "bands", ()) or getattr(stocking, "has_layers", False):
        extra = stocking.band_tension(leg, heights, hull)
        layer_factor = layer_multiple(tension, extra)
        tension = tension + extra
    axial = float(
        np.asarray(
            stocking.fabric.tension(np.array([stocking.axial_prestrain]), "wale", "unloading")
        )[0]
    )
    return Setup(
        bottom_m=bottom,
        top_m=top,
        heights_m=heights,
        is_grid=is_grid,
        landmark_index=landmark_index,
        sections=sections,
        hull_m=hull,
        skin_m=skin,
        relaxed_m=relaxed,
        strain=strain,
        tension=tension,
        axial_tension=max(axial, 0.0),
        origins=origins,
        us=us,
        vs=vs,
        fabric=stocking.fabric,
        axial_prestrain=float(stocking.axial_prestrain),
        layer_factor=layer_factor,
        stocking=stocking,
    )


def layer_multiple(tension: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """How many times a layer's own hoop tension its folds, bands and outer layers add up to.

    ``(T + T_extra) / T`` where the layer is taut, 1 where it is slack.
    """
    return np.where(tension > 0, (tension + extra) / np.maximum(tension, 1e-12), 1.0)


def nearest_sections(setup: Setup, heights_m: np.ndarray) -> np.ndarray:
    """Index of the section nearest each height (a band narrower than a step still lands)."""
    return np.abs(np.asarray(heights_m)[:, None] - setup.heights_m[None, :]).argmin(axis=1)


def vertex_heights(leg: Any) -> np.ndarray:
    """The height of the section through each vertex, (N,) metres.

    Per-section values (tension, strain, coverage) reach the vertices at these heights: the
    section at height ``h`` is cut perpendicular to the local axis at ``h``, so on a leg whose
    centreline bends a vertex's height along the global axis (``leg.heights_m``) is not the
    height of the section it lies on (about 1 cm apart around the knee of a real leg).
    """
    h = getattr(leg, "section_heights_m", None)
    return np.asarray(leg.heights_m if h is None else h, dtype=float)


def vertex_heights_angles(leg: Any, setup: Setup) -> tuple[np.ndarray, np.ndarray]:
    """Height and angle of every vertex about the section frames (interpolated by height).

    The height is :func:`vertex_heights`; the angle is measured in each section's (u, v) plane
    about its centreline point, from u (anterior) toward v, in [-pi, pi): the same convention
    as the section-level fields.
    """
    h = vertex_heights(leg)
    hs = setup.heights_m
    x = np.asarray(leg.vertices, dtype=float)

    def lerp(a: np.ndarray) -> np.ndarray:
        return np.column_stack([np.interp(h, hs, a[:, c]) for c in range(3)])

    d = x - lerp(setup.origins)
    theta = np.arctan2(
        np.einsum("ij,ij->i", d, lerp(setup.vs)), np.einsum("ij,ij->i", d, lerp(setup.us))
    )
    return h, theta


def grid_cell(grid_h: np.ndarray, n: int, h: np.ndarray, theta: np.ndarray):
    """The cell of each point on heights x the periodic angle grid of ``n`` angles.

    Returns ``(i0, i1, t, j0, j1, s)``: the rows below and above with the fraction ``t``
    between them (heights outside the grid clamped) and the columns with the fraction ``s``.
    """
    k = len(grid_h)
    if k == 1:
        fi = np.zeros_like(h)
    else:
        fi = np.interp(h, grid_h, np.arange(k, dtype=float))
    i0 = np.clip(np.floor(fi).astype(np.int64), 0, max(k - 2, 0))
    i1 = np.minimum(i0 + 1, k - 1)
    t = np.clip(fi - i0, 0.0, 1.0)
    fj = (theta + math.pi) * (n / TWO_PI)
    j0f = np.floor(fj)
    s = fj - j0f
    j0 = j0f.astype(np.int64) % n
    j1 = (j0 + 1) % n
    return i0, i1, t, j0, j1, s


def grid_to_points(
    grid_h: np.ndarray, values: np.ndarray, h: np.ndarray, theta: np.ndarray
) -> np.ndarray:
    """Bilinear interpolation of a (K, n) field on heights x a regular periodic angle grid.

    The angle grid is ``theta_j = -pi + 2 pi j / n``; heights outside the grid are clamped.
    """
    values = np.asarray(values, dtype=float)
    n = values.shape[1]
    i0, i1, t, j0, j1, s = grid_cell(grid_h, n, h, theta)
    flat = values.ravel()
    v00 = flat[i0 * n + j0]
    v01 = flat[i0 * n + j1]
    v10 = flat[i1 * n + j0]
    v11 = flat[i1 * n + j1]
    return (1 - t) * ((1 - s) * v00 + s * v01) + t * ((1 - s) * v10 + s * v11)


def theta_grid(n: int) -> np.ndarray:
    """The regular periodic angle grid used by :func:`grid_to_points`, (n,)."""
    return -math.pi + TWO_PI * np.arange(n) / n


def ring_stats(
    values: np.ndarray, radius: np.ndarray, thetas: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arc-length weighted mean, min and max of (K, n) fields on rings r(theta) (K, n)."""
    n = values.shape[1]
    dth = TWO_PI / n
    dr = (np.roll(radius, -1, axis=1) - np.roll(radius, 1, axis=1)) / (2 * dth)
    ds = np.sqrt(radius**2 + dr**2) * dth
    mean = np.sum(values * ds, axis=1) / np.sum(ds, axis=1)
    return mean, values.min(axis=1), values.max(axis=1)


def slice_sample(leg: Any, setup: Setup, values: np.ndarray, rows: Any = None) -> np.ndarray:
    """Arc-length weighted mean, min and max of a per-vertex field around each section.

    The field is interpolated linearly along the mesh edges to the points of each section's
    main skin loop (:meth:`~stockingsim.leg.Section.interpolate`), and each segment of the loop
    weights the mean of its two ends by its length. Other loops of the plane (the foot grazed
    by a tilted plane) do not count.

    ``rows`` (indices into the sections) samples only those; the others stay nan.

    Returns
    -------
    ndarray of shape (K, 3)
        mean, min, max per section (nan where the plane cuts nothing).
    """
    out = np.full((len(setup.sections), 3), np.nan)
    for i in range(len(setup.sections)) if rows is None else rows:
        sec = setup.sections[i]
        if not np.isfinite(setup.hull_m[i]) or not sec.polygons:
            continue
        field = sec.interpolate(values)
        pts = np.asarray(sec.polygons[0], dtype=float)
        if len(field) < 2:
            continue
        if sec.closed:
            step, q, q_next = np.roll(pts, -1, axis=0) - pts, field, np.roll(field, -1)
        else:
            step, q, q_next = np.diff(pts, axis=0), field[:-1], field[1:]
        w = np.hypot(step[:, 0], step[:, 1])
        if w.sum() <= 0:
            continue
        out[i] = (np.sum(w * 0.5 * (q + q_next)) / w.sum(), field.min(), field.max())
    return out
