"""How a stocking behaves on the leg: stiffness index proxy and donning over the heel.

Public names are re-exported by :mod:`stockingsim.design`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim import vocabulary as vocab
from stockingsim._checks import as_fabric, require_leg, require_stocking
from stockingsim.design._core import design_stocking
from stockingsim.design._laplace import laplace_pressure

#: Heel-instep (cY) to ankle (cB) girth ratio used when the mesh has no foot. Assumption:
#: illustrative value from typical made-to-measure order forms (cB 21 cm, cY about 30 cm), not a
#: survey statistic; pass ``cy_ratio=`` to use your own.
CY_OVER_CB = 1.43


# --------------------------------------------------------------------------------------------
# stiffness
# --------------------------------------------------------------------------------------------


def enlarged_leg(leg: Any, delta_m: float = 0.01) -> Any:
    """A copy of the leg whose hull girth is ``delta_m`` larger at every height.

    Every vertex is moved away from the smoothed centreline, perpendicular to the local axis, by
    the factor ``(C(h) + delta) / C(h)`` of its section: a scaled convex section keeps its shape,
    so its hull perimeter grows by exactly ``delta``. Landmark heights are kept.
    """
    h = np.asarray(leg.section_heights_m, dtype=float)
    grid = np.linspace(0.0, float(leg.length_m), 200)[1:-1]
    girth = leg.girth_profile(heights_m=grid)
    circ = girth["circumference_m"].to_numpy(float)
    ok = np.isfinite(circ) & (circ > 0)
    if ok.sum() < 2:
        raise errors.MeshError("cannot cut the leg into sections to enlarge it")
    factor = (np.interp(h, grid[ok], circ[ok]) + delta_m) / np.interp(h, grid[ok], circ[ok])
    c = leg.centreline_at(h)
    t = leg.local_axis_at(h)
    d = leg.vertices - c
    d_perp = d - np.einsum("ij,ij->i", d, t)[:, None] * t
    vertices = leg.vertices + (factor - 1.0)[:, None] * d_perp
    marks = {name: float(lm.height_m) for name, lm in leg.landmarks.items()}
    from stockingsim.leg import Leg

    return Leg.from_arrays(
        vertices, leg.faces, units="m", name=f"{leg.name} +{100 * delta_m:g} cm", landmarks=marks
    )


def _inner_loop_ratio(fabric: Any, eps0: np.ndarray, eps1: np.ndarray) -> np.ndarray:
    """Ratio of the inner-loop tension at ``eps1`` to the unloading tension there.

    The inner loop starts on the unloading branch at ``eps0`` (:meth:`Fabric.cyclic_tension`).
    """
    e0 = np.nan_to_num(np.asarray(eps0, dtype=float), nan=0.0)
    e1 = np.nan_to_num(np.asarray(eps1, dtype=float), nan=0.0)
    taut = e1 > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ExtrapolationWarning)
        path = np.stack([np.maximum(e0, 0.0), np.maximum(e1, 0.0)])
        t1 = fabric.cyclic_tension(path)[1]
        tu = np.asarray(fabric.tension(np.maximum(e1, 0.0)), dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(taut & (tu > 0), t1 / np.where(tu > 0, tu, 1.0), 1.0)


def _layers_at(leg: Any, stocking: Any, hs: np.ndarray):
    """Each layer of a kit (the stocking for one): (layer, covered, c0, 2 pi t_under)."""
    layers = getattr(stocking, "layers", (stocking,))
    under = getattr(stocking, "thicknesses_under_m", (0.0,))
    for layer, t_under in zip(layers, under):
        lo, hi = layer.coverage_m(leg)
        on = (hs >= lo - 1e-6) & (hs <= hi + 1e-6)
        yield layer, on, layer.relaxed_circumference_at(leg, hs), 2.0 * np.pi * t_under


def _laplace_rise(leg, stocking, hs, circ, delta) -> tuple[np.ndarray, np.ndarray]:
    """Laplace pressure (mmHg) before and after a girth rise ``delta``, every layer on its loop.

    Each layer of a kit (one for a stocking) sits on the girth of the layers below it and
    follows its own inner loop; ``p = sum_j T_j 2 pi / C`` (the kit's multi-layer Laplace law).
    """
    p0 = np.zeros(len(hs))
    p1 = np.zeros(len(hs))
    for layer, on, c0, extra in _layers_at(leg, stocking, hs):
        girth = circ + extra
        rise = _inner_loop_ratio(layer.fabric, girth / c0 - 1.0, (girth + delta) / c0 - 1.0)
        # laplace_pressure is T 2 pi / girth: scaled to the skin's girth C
        p0 += on * laplace_pressure(layer.fabric, c0, girth) * girth / circ
        p1 += (
            on
            * laplace_pressure(layer.fabric, c0, girth + delta)
            * (girth + delta)
            / (circ + delta)
            * rise
        )
    return p0, p1


def _simulated_loop_ratio(leg, stocking, hs, circ0, circ1, e0, e1) -> np.ndarray:
    """Inner-loop ratio of a simulated rise: one stocking's, or a kit's mean over its layers.

    A kit's layers carry the pressure in the ratio of their tensions (the multi-layer Laplace
    law, ``p = sum_j T_j 2 pi / C``); each layer ``j`` sits on the girth ``C + 2 pi t_j`` of
    the layers below and leaves its own unloading branch on its own inner loop, so the kit's
    ratio is the mean of the layers' ratios weighted by their tensions on the enlarged leg.
    The weights are Laplace's: the methods that resolve the section's shape change how the
    pressure is spread around it, far less how the layers share it.
    """
    if not getattr(stocking, "layers", None):
        return _inner_loop_ratio(stocking.fabric, e0, e1)
    num = np.zeros(len(hs))
    den = np.zeros(len(hs))
    for layer, on, c0, extra in _layers_at(leg, stocking, hs):
        a0 = (circ0 + extra) / c0 - 1.0
        a1 = (circ1 + extra) / c0 - 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", errors.ExtrapolationWarning)
            t1 = np.asarray(layer.fabric.tension(np.maximum(a1, 0.0)), dtype=float)
        w = np.where(on & (a1 > 0), np.maximum(t1, 0.0), 0.0)
        num += w * _inner_loop_ratio(layer.fabric, a0, a1)
        den += w
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0)


def stiffness_index(
    leg: Any,
    stocking: Any,
    landmark: str | Sequence[str] = ("B1", "C"),
    method: str = "laplace",
    *,
    delta_cm: float = 1.0,
    **simulate_options: Any,
) -> pd.DataFrame:
    """Pressure rise per cm of leg circumference increase (a static stiffness index proxy).

    In vivo, the static stiffness index (SSI) is the rise of the pressure at B1 from lying to
    standing, when the calf muscle swells the leg (Partsch 2005). Here the leg is enlarged by
    ``delta_cm`` of girth at every height and the pressure re-evaluated: an elastic knit gives a
    small rise, a stiff (short-stretch, flat) knit a large one. The stretched fabric leaves its
    unloading branch on an inner loop (:meth:`Fabric.cyclic_tension`, the same behaviour as
    :func:`stockingsim.simulate_motion`), so the rise is the knit's dynamic stiffness, not the
    slope of its unloading branch. For ``laplace`` this is the closed form ``p(C + delta) -
    p(C)`` with the stocking's relaxed circumference at that height; for the other methods the
    enlarged mesh (:func:`enlarged_leg`) is simulated and its pressure scaled by the inner-loop
    tension ratio.

    Parameters
    ----------
    leg : Leg
    stocking : Stocking or Kit
        For a kit every layer follows its own inner loop on the girth of the layers below it:
        exactly with ``laplace``; with the other methods the simulated kit's enlarged pressure
        is scaled by the layers' ratios weighted by their tensions.
    landmark : str or sequence of str
        Where to report (default B1 and C).
    method : str
    delta_cm : float
        Girth increase (cm).
    **simulate_options
        Passed to :func:`stockingsim.simulate`.

    Returns
    -------
    pandas.DataFrame
        Index = landmark; ``circumference_cm``, ``pressure_mmhg``, ``pressure_enlarged_mmhg``,
        ``stiffness_mmhg_per_cm`` (the rise divided by the girth increase) and ``strain``.

    References
    ----------
    Partsch H. (2005) The static stiffness index: a simple method to assess the elastic property
    of compression material in vivo. Dermatol Surg 31(6):625-630,
    doi:10.1111/j.1524-4725.2005.31604.
    """
    require_leg(leg, "stiffness_index()", errors.DesignError)
    require_stocking(stocking, "stiffness_index()", errors.DesignError)
    names = [landmark] if isinstance(landmark, str) else list(landmark)
    if not delta_cm > 0:
        raise errors.DesignError(f"delta_cm must be > 0, got {delta_cm}")
    missing = [lm for lm in names if lm not in leg.landmarks]
    if missing:
        raise errors.LandmarkError(
            f"leg '{leg.name}' has no landmark {', '.join(missing)}; give it with "
            "leg.with_landmarks({...}) or choose other landmarks"
        )
    bottom, top = stocking.coverage_m(leg)
    outside = [lm for lm in names if not bottom - 1e-6 <= leg.landmarks[lm].height_m <= top + 1e-6]
    if outside:
        raise errors.DesignError(
            f"landmark(s) {', '.join(outside)} are outside the stocking ({stocking.style}); "
            "choose covered landmarks or a longer style"
        )
    delta = delta_cm / 100.0
    hs = np.array([leg.landmarks[lm].height_m for lm in names])
    if method == "laplace":
        circ = leg.girth_profile(heights_m=hs)["circumference_m"].to_numpy(float)
        c0 = stocking.relaxed_circumference_at(leg, hs)
        p0, p1 = _laplace_rise(leg, stocking, hs, circ, delta)
        d_circ = np.full(len(names), delta)
    else:
        from stockingsim.solvers import simulate

        big = enlarged_leg(leg, delta)
        r0 = simulate(leg, stocking, method=method, **simulate_options)
        r1 = simulate(big, stocking, method=method, **simulate_options)
        p0 = r0.profile.loc[names, "pressure_mmhg"].to_numpy(float)
        p1 = r1.profile.loc[names, "pressure_mmhg"].to_numpy(float)
        circ = r0.profile.loc[names, "circumference_m"].to_numpy(float)
        d_circ = r1.profile.loc[names, "circumference_m"].to_numpy(float) - circ
        c0 = stocking.relaxed_circumference_at(leg, hs)
        e0 = r0.profile.loc[names, "strain"].to_numpy(float)
        e1 = r1.profile.loc[names, "strain"].to_numpy(float)
        c1 = circ + d_circ
        p1 = p1 * _simulated_loop_ratio(leg, stocking, hs, circ, c1, e0, e1)
    out = pd.DataFrame(
        {
            "circumference_cm": 100 * circ,
            "strain": circ / c0 - 1.0,
            "pressure_mmhg": p0,
            "pressure_enlarged_mmhg": p1,
            "stiffness_mmhg_per_cm": (p1 - p0) / (100 * d_circ),
        },
        index=pd.Index(names, name="landmark"),
    )
    out.attrs.update(method=method, delta_cm=delta_cm)
    return out


def compare_stiffness(
    leg: Any,
    fabrics: Mapping[str, Any] | Sequence[Any],
    target: Any = vocab.DEFAULT_TARGET,
    method: str = "laplace",
    style: str = vocab.DEFAULT_STYLE,
    *,
    landmark: str | Sequence[str] = ("B1", "C"),
    **design_options: Any,
) -> pd.DataFrame:
    """Stiffness index proxy of several fabrics, each designed for the same target on one leg.

    Returns
    -------
    pandas.DataFrame
        One row per fabric: ``stiffness_<lm>_mmhg_per_cm``, ``strain_<lm>``, ``pressure_<lm>_mmhg``
        for each landmark, sorted from the most elastic (lowest stiffness at the first landmark).
        Fabrics that cannot reach the target get NaN and the reason in ``note``.
    """
    require_leg(leg, "compare_stiffness()", errors.DesignError)
    names = [landmark] if isinstance(landmark, str) else list(landmark)

    def measure(stocking: Any) -> dict[str, Any]:
        si = stiffness_index(leg, stocking, names, method=method)
        row: dict[str, Any] = {}
        for lm in names:
            row[f"stiffness_{lm}_mmhg_per_cm"] = si.loc[lm, "stiffness_mmhg_per_cm"]
            row[f"strain_{lm}"] = si.loc[lm, "strain"]
            row[f"pressure_{lm}_mmhg"] = si.loc[lm, "pressure_mmhg"]
        return row

    design = dict(design_options, target=target, method=method, style=style)
    return compare_designs(leg, fabrics, measure, f"stiffness_{names[0]}_mmhg_per_cm", design)


def compare_designs(
    leg: Any,
    fabrics: Mapping[str, Any] | Sequence[Any],
    measure: Callable[[Any], Mapping[str, Any]],
    sort_by: str,
    design: Mapping[str, Any],
) -> pd.DataFrame:
    """One row per fabric: each designed on ``leg``, then measured.

    ``design_stocking(leg, fabric, **design)`` gives the stocking, ``measure(stocking)`` the
    row's columns. A fabric that cannot be designed gets NaN and the reason in ``note``; rows are sorted by
    ``sort_by``. Shared by :func:`compare_stiffness` and
    :func:`stockingsim.motion.compare_swelling`.
    """
    items = _labelled_fabrics(fabrics)
    rows = []
    for label, fab in items:
        row: dict[str, Any] = {"fabric": label, "note": ""}
        try:
            stocking, _ = design_stocking(leg, fab, **design)
            row.update(measure(stocking))
        except errors.StockingSimError as exc:
            row["note"] = f"{type(exc).__name__}: {exc}"
        rows.append(row)
    df = pd.DataFrame(rows).set_index("fabric")
    return df.sort_values(sort_by) if sort_by in df else df


def _labelled_fabrics(fabrics: Any) -> list[tuple[str, Any]]:
    """(label, fabric) pairs of a mapping, a sequence, or one fabric; preset names as labels."""
    if isinstance(fabrics, Mapping):
        items = [(str(k), v) for k, v in fabrics.items()]
    elif isinstance(fabrics, str) or hasattr(fabrics, "tension"):  # one preset name or Fabric
        items = [(getattr(fabrics, "name", fabrics), fabrics)]
    else:
        try:
            items = [(f if isinstance(f, str) else getattr(f, "name", repr(f)), f) for f in fabrics]
        except TypeError:
            items = []
    if not items:
        raise errors.DesignError(
            f"no fabrics to compare in {fabrics!r}: give preset names, Fabric objects or a "
            "mapping of label to fabric, e.g. ss.fabric_library()."
        )
    # a misspelt preset is a wrong call, not a fabric that cannot reach the target
    return [(label, as_fabric(f, "the fabrics to compare")) for label, f in items]


# --------------------------------------------------------------------------------------------
# donning
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DonningResult:
    """What putting the stocking on over the heel asks of the fabric.

    Attributes
    ----------
    heel_instep_m : float
        Heel-instep girth cY (m): the diagonal loop around the back of the heel and the instep,
        the widest loop the stocking's narrowest part must pass.
    source : str
        ``"mesh"`` (measured on the foot of the mesh) or ``"estimated"`` (``cy_ratio`` x cB,
        an assumption).
    relaxed_m : float
        Smallest relaxed circumference of the stocking (m) over its length (usually at B).
    relaxed_height_m : float
        Height of that smallest relaxed circumference.
    strain : float
        Hoop strain needed to pass the heel, ``cY / c0 - 1``.
    tension_n_per_m : float
        Tension at that strain on the loading branch (being stretched).
    max_strain : float
        End of the fabric's valid strain range.
    ok : bool
        ``strain <= max_strain``.
    note : str
    """

    heel_instep_m: float
    source: str
    relaxed_m: float
    relaxed_height_m: float
    strain: float
    tension_n_per_m: float
    max_strain: float
    ok: bool
    note: str = ""

    def to_series(self) -> pd.Series:
        return pd.Series(self.__dict__)


def heel_instep_circumference(leg: Any, n_angles: int = 19) -> float | None:
    """Heel-instep girth cY (m) measured on the foot of the mesh, or None without a foot.

    The tape goes round the back-bottom corner of the heel and over the instep. Planes through
    the heel corner (the vertex furthest back-and-down, below B) containing the lateral
    direction are tilted from 30 to 75 degrees; cY is the smallest convex-hull perimeter of the
    loop they cut through the corner (the tightest diagonal loop around the heel).
    """
    frame = leg.frame
    if not getattr(frame, "has_foot", False) or "B" not in leg.landmarks:
        return None
    h = np.asarray(leg.heights_m, float)
    h_b = float(leg.landmarks["B"].height_m)
    v = np.asarray(leg.vertices, float)
    ant = np.asarray(frame.anterior, float)
    axis = np.asarray(frame.axis, float)
    lat = np.cross(axis, ant)
    low = h < h_b
    if low.sum() < 10:
        return None
    x_a = (v - frame.origin) @ ant
    score = np.where(low, -x_a - h, -np.inf)
    corner = v[int(np.argmax(score))]
    inward = (ant + axis) / np.sqrt(2.0)
    origin = corner + 0.003 * inward
    mesh = leg.to_trimesh()
    best = None
    for a in np.radians(np.linspace(30.0, 75.0, n_angles)):
        normal = np.cos(a) * axis - np.sin(a) * ant
        try:
            path = mesh.section(plane_origin=origin, plane_normal=normal)
        except Exception:
            continue
        if path is None:
            continue
        loops = [np.asarray(d) for d in path.discrete if len(d) >= 3]
        if not loops:
            continue
        near = [lp for lp in loops if np.min(np.linalg.norm(lp - origin, axis=1)) < 0.02]
        if not near:
            continue
        pts = np.vstack(near)
        e2 = np.cross(normal, lat)
        uv = np.column_stack([(pts - origin) @ lat, (pts - origin) @ e2])
        try:
            from scipy.spatial import ConvexHull

            hull = ConvexHull(uv)
        except Exception:
            continue
        per = float(hull.area)  # in 2D, ConvexHull.area is the perimeter
        if best is None or per < best:
            best = per
    return best


def donning(
    leg: Any, stocking: Any, *, cy_ratio: float = CY_OVER_CB, measure: bool = True
) -> DonningResult:
    """Strain and tension the stocking needs to pass over the heel when put on.

    The stocking's narrowest part (smallest relaxed circumference, usually at B) has to pass the
    heel-instep girth cY. cY is measured on the mesh when it has a foot
    (:func:`heel_instep_circumference`), otherwise estimated as ``cy_ratio x cB`` (assumption,
    default 1.43, labelled in the result). The tension is read on the loading branch.

    Parameters
    ----------
    leg : Leg
    stocking : Stocking
    cy_ratio : float
        cY / cB used when the mesh has no foot (assumption).
    measure : bool
        Try to measure cY on the mesh (default True).

    Returns
    -------
    DonningResult

    Warns
    -----
    stockingsim.errors.DonningWarning
        The strain needed is beyond the fabric's valid range.
    """
    require_leg(leg, "donning()", errors.DesignError)
    require_stocking(stocking, "donning()", errors.DesignError)
    if "B" not in leg.landmarks:
        raise errors.LandmarkError(
            f"leg '{leg.name}' has no landmark B; donning needs the ankle girth"
        )
    c_b = float(leg.landmarks["B"].circumference_m)
    c_y = heel_instep_circumference(leg) if measure else None
    note = ""
    if c_y is not None and not (1.05 * c_b < c_y < 2.5 * c_b):
        note = f"measured cY {100 * c_y:.1f} cm implausible for cB {100 * c_b:.1f} cm; estimated instead. "
        c_y = None
    if c_y is not None:
        source = "mesh"
        note += "cY measured on the mesh (diagonal heel-instep loop)"
    else:
        source = "estimated"
        c_y = cy_ratio * c_b
        note += f"cY estimated as {cy_ratio:g} x cB (assumption: no foot on the mesh)"
    bottom, top = stocking.coverage_m(leg)
    hs = np.linspace(bottom, top, 200)
    c0 = np.asarray(stocking.relaxed_circumference_at(leg, hs), float)
    i = int(np.argmin(c0))
    strain = c_y / c0[i] - 1.0
    fabric = stocking.fabric
    lo, hi = fabric.valid_strain_range("course")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ExtrapolationWarning)
        tension = float(np.asarray(fabric.tension(np.array([strain]), "course", "loading"))[0])
    ok = strain <= hi
    if not ok:
        warnings.warn(
            f"putting the stocking on needs a hoop strain of {strain:.2f} ({100 * strain:.0f} %) "
            f"to pass the heel (cY {100 * c_y:.1f} cm, {source}) over a relaxed circumference of "
            f"{100 * c0[i]:.1f} cm, beyond the fabric's valid range ({hi:.2f}); the tension "
            f"({tension:.0f} N/m) is extrapolated. Use a more extensible knit, a zip or an "
            "open-heel design, or a donning aid",
            errors.DonningWarning,
            stacklevel=2,
        )
    return DonningResult(
        heel_instep_m=float(c_y),
        source=source,
        relaxed_m=float(c0[i]),
        relaxed_height_m=float(hs[i]),
        strain=float(strain),
        tension_n_per_m=tension,
        max_strain=float(hi),
        ok=bool(ok),
        note=note,
    )
