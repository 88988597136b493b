"""Parametric legs built from a measurement chart (girths at the RAL measuring points).

The leg is a stack of horizontal cross-sections from the floor (h = 0) to a few centimetres above
G. Each section is an ellipse whose aspect ratio changes with height, deformed by smooth angular
bumps and hollows that carry the anatomy: the tibial crest and the flat antero-medial face of the
tibia in front, the two heads of the gastrocnemius (the medial one larger and lower) behind, the
Achilles tendon with the retro-malleolar hollows on either side of it just above the heel (the
skin there is concave, so the convex-hull girth is shorter than the skin perimeter), the malleoli
(medial higher and more anterior than lateral), the heel, the patella and the popliteal fossa.

The girths of the chart are interpolated in height with a monotone cubic (PCHIP), so every chart
point that is a local extremum of the data (B the minimum, C the maximum) stays one, and each
section is scaled so that the perimeter of its convex hull, the girth a tape measure or a
stocking sees, equals the interpolated girth exactly.

Coordinates of the mesh: metres, z up with the sole at z = 0, x anterior (toward the toes),
y lateral; it is a left leg (medial is -y). The section centroids lie on the z axis (the leg is
straight), except in the foot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.spatial import ConvexHull

from stockingsim import errors
from stockingsim._numbers import as_number
from stockingsim.vocabulary import LANDMARKS

__all__ = [
    "parametric_leg",
    "parametric_leg_arrays",
    "complete_chart",
    "LegChart",
    "DEFAULT_HEIGHTS_CM",
    "GIRTH_NAMES",
]

#: Girth names accepted in a chart (cm), bottom to top. cK: largest girth over the malleoli
#: (ankle bones); cY: heel-instep (diagonal) girth, only used to size the foot.
GIRTH_NAMES = ("cK", "cB", "cB1", "cC", "cD", "cE", "cF", "cG")
_LANDMARKS = LANDMARKS

#: Default measuring heights above the floor, cm, for an adult of average height (about 1.70 m).
#: Assumption: typical values from made-to-measure compression hosiery measuring sheets
#: (B just above the malleoli, C the calf maximum, D two finger-widths below the knee joint,
#: G below the gluteal fold); they are not a published table. The heights not listed follow
#: the conventions the landmark detector uses: lB1 = lB + (lC - lB) / 3 (DESIGN.md),
#: lE = lD + 5 cm (tibial tuberosity to mid-patella), lF = (lE + lG) / 2 (mid-thigh), and
#: lK (the malleoli) = 0.6 lB.
DEFAULT_HEIGHTS_CM = {"lB": 10.0, "lC": 32.0, "lD": 42.0, "lG": 74.0}
_HEIGHT_NAMES = ("lK", "lB", "lB1", "lC", "lD", "lE", "lF", "lG")

# Ratios that fill in missing girths (assumption: typical adult proportions, chosen so that the
# illustrative size range in _size_range.py is self-consistent; not from a published table).
_MALLEOLI_OVER_B = 1.12  # cK / cB
_HEEL_OVER_B = 1.25  # hull girth at the floor / cB, leg without a foot
_B1_FRACTION = 0.45  # cB1 = cB + 0.45 (cC - cB)
_KNEE_OVER_D = 1.08  # cE / cD
_MIDTHIGH_OVER_D = 1.45  # cF / cD
_UPPERTHIGH_OVER_D = 1.70  # cG / cD
_HEEL_INSTEP_OVER_B = 1.45  # cY / cB
_TOP_ABOVE_G_M = 0.035  # the mesh ends this far above G (the detector puts G 3 cm
# below the highest closed section, which is one 5 mm step below the open top)


@dataclass(frozen=True)
class LegChart:
    """A completed measurement chart: girths and heights in metres.

    Attributes
    ----------
    girths_m : dict of str to float
        ``"K", "B", "B1", "C", "D", "E", "F", "G"`` -> hull girth, metres.
    heights_m : dict of str to float
        The same keys -> height above the floor, metres.
    heel_instep_m : float
        Heel-instep girth cY (sizes the foot), metres.
    filled : tuple of str
        Names of the chart entries that were filled in by the typical ratios or default heights.
    """

    girths_m: dict
    heights_m: dict
    heel_instep_m: float
    filled: tuple

    @property
    def top_m(self) -> float:
        """Height of the top of the mesh, metres."""
        return self.heights_m["G"] + _TOP_ABOVE_G_M


def complete_chart(chart: Mapping[str, float]) -> LegChart:
    """Check a chart (cm) and fill missing entries with typical ratios and default heights.

    Parameters
    ----------
    chart : mapping of str to float
        Girths ``cB, cB1, cC, cD, cE, cF, cG`` in cm (at least cB, cC and cD), optional heights
        ``lB ... lG`` (and ``lK``) in cm, optional ``cK`` (malleoli) and ``cY`` (heel-instep) in
        cm. Missing girths: cB1 = cB + 0.45 (cC - cB), cE = 1.08 cD, cF = 1.45 cD, cG = 1.70 cD,
        cK = 1.12 cB, cY = 1.45 cB (assumptions: typical adult proportions); missing heights
        from :data:`DEFAULT_HEIGHTS_CM` and the rules given there.

    Returns
    -------
    LegChart

    Raises
    ------
    stockingsim.errors.LandmarkError
        Unknown keys, missing cB/cC/cD, non-finite or non-positive values, heights that do not
        increase from B to G, or a chart where B is not the smallest girth or C not larger
        than B1 and D.
    """
    if not isinstance(chart, Mapping):
        raise errors.LandmarkError(
            "chart must be a mapping such as {'cB': 22, 'cC': 36, 'cD': 34} (girths in cm)."
        )
    known = set(GIRTH_NAMES) | {"cY"} | set(_HEIGHT_NAMES)
    unknown = sorted(str(k) for k in chart if k not in known)
    if unknown:
        raise errors.LandmarkError(
            f"unknown chart entries {unknown}; use girths {list(GIRTH_NAMES)} and 'cY', and "
            f"heights {list(_HEIGHT_NAMES)}, all in cm."
        )
    values: dict[str, float] = {}
    for key, value in chart.items():
        values[key] = as_number(
            value,
            f"chart entry {key}",
            errors.LandmarkError,
            positive=True,
            unit="cm",
            kind="girth_cm" if str(key).startswith("c") else "length_cm",
            hint="Chart girths and heights are in centimetres (e.g. {'cB': 22, 'lB': 10}).",
        )
    missing = [k for k in ("cB", "cC", "cD") if k not in values]
    if missing:
        raise errors.LandmarkError(
            f"the chart needs at least cB, cC and cD (cm); missing {missing}."
        )
    if values["cB"] < 5.0 or values["cC"] > 150.0:
        raise errors.LandmarkError(
            "chart girths must be in centimetres (an ankle of 15-40 cm, a calf of 25-70 cm); "
            f"got cB={values['cB']}, cC={values['cC']}. Convert metres or millimetres to cm."
        )
    filled = []
    cb, cc, cd = values["cB"], values["cC"], values["cD"]
    defaults = {
        "cB1": cb + _B1_FRACTION * (cc - cb),
        "cE": _KNEE_OVER_D * cd,
        "cF": _MIDTHIGH_OVER_D * cd,
        "cG": _UPPERTHIGH_OVER_D * cd,
        "cK": _MALLEOLI_OVER_B * cb,
        "cY": _HEEL_INSTEP_OVER_B * cb,
    }
    for key, value in defaults.items():
        if key not in values:
            values[key] = value
            filled.append(key)
    for key, value in DEFAULT_HEIGHTS_CM.items():
        if key not in values:
            values[key] = value
            filled.append(key)
    derived = {
        "lB1": lambda: values["lB"] + (values["lC"] - values["lB"]) / 3.0,
        "lE": lambda: values["lD"] + 5.0,
        "lF": lambda: 0.5 * (values["lE"] + values["lG"]),
        "lK": lambda: 0.6 * values["lB"],
    }
    for key, rule in derived.items():
        if key not in values:
            values[key] = rule()
            filled.append(key)

    heights = [values["l" + n] for n in ("K", *_LANDMARKS)]
    if np.any(np.diff(heights) <= 0.0):
        raise errors.LandmarkError(
            "chart heights must increase: lK < lB < lB1 < lC < lD < lE < lF < lG (cm); got "
            + ", ".join(f"l{n}={values['l' + n]:g}" for n in ("K", *_LANDMARKS))
            + ". Give all heights or none."
        )
    girth = {n: values["c" + n] for n in ("K", *_LANDMARKS)}
    if not (girth["B"] < girth["K"] and girth["B"] < girth["B1"]):
        raise errors.LandmarkError(
            f"cB={girth['B']:g} cm must be the smallest girth above the ankle bones (below cK="
            f"{girth['K']:g} and cB1={girth['B1']:g}); check the chart."
        )
    if not (girth["C"] > girth["B1"] and girth["C"] > girth["D"]):
        raise errors.LandmarkError(
            f"cC={girth['C']:g} cm must be the calf maximum (above cB1={girth['B1']:g} and "
            f"cD={girth['D']:g}); check the chart."
        )
    return LegChart(
        girths_m={k: v / 100.0 for k, v in girth.items()},
        heights_m={n: values["l" + n] / 100.0 for n in ("K", *_LANDMARKS)},
        heel_instep_m=values["cY"] / 100.0,
        filled=tuple(filled),
    )


# ------------------------------------------------------------------------------------------------
# section shape
def _bump(theta: np.ndarray, centre: float, kappa: float) -> np.ndarray:
    """Smooth periodic bump of height 1 at ``centre`` (von Mises profile, width ~ 1/sqrt(kappa))."""
    return np.exp(kappa * (np.cos(theta - centre) - 1.0))


def _track(h: np.ndarray, knots: list[tuple[float, float]]) -> np.ndarray:
    """Smooth (PCHIP) amplitude through (height, value) knots, constant outside them."""
    xs = np.array([k[0] for k in knots])
    ys = np.array([k[1] for k in knots])
    order = np.argsort(xs)
    xs, ys = xs[order], ys[order]
    keep = np.concatenate([[True], np.diff(xs) > 1e-9])
    return PchipInterpolator(xs[keep], ys[keep], extrapolate=False)(np.clip(h, xs[0], xs[-1]))


# angles from anterior (+x) toward lateral (+y); medial is negative (a left leg)
_TIBIAL_CREST = -0.12
_TIBIA_FACE = -0.95  # the flat antero-medial face
_GASTROC_MEDIAL = -2.45
_GASTROC_LATERAL = 2.55
_MALLEOLUS_MEDIAL = -1.40
_MALLEOLUS_LATERAL = 1.80
_RETRO_MALLEOLAR = 0.65  # the hollows sit at pi -/+ this, either side of the Achilles tendon


def _section_radii(chart: LegChart, h: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Unscaled polar radius r(h, theta) of the leg sections, shape (len(h), len(theta)).

    The amplitudes are fractions of the local radius (assumption: shaped by eye after leg
    cross-section atlases; they set the shape, the chart sets the size).
    """
    H = chart.heights_m
    hk, hb, hb1, hc, hd, he, hf, hg = (H[n] for n in ("K", *_LANDMARKS))
    top = chart.top_m
    hh = h[:, None]
    t = theta[None, :]

    # ellipse aspect (antero-posterior over medio-lateral), then bumps
    aspect = _track(
        h,
        [(0.0, 1.25), (hk, 1.05), (hb, 1.15), (hb1, 1.10), (hc, 1.02), (hd, 0.98),
         (he, 0.92), (hf, 0.98), (top, 1.0)],
    )[:, None]  # fmt: skip
    a, b = np.sqrt(aspect), 1.0 / np.sqrt(aspect)
    base = 1.0 / np.sqrt((np.cos(t) / a) ** 2 + (np.sin(t) / b) ** 2)

    def amp(knots):
        return _track(h, knots)[:, None]

    shape = np.ones_like(base)
    # tibia: a narrow anterior crest and a flat antero-medial face, from the ankle to the knee
    tibia = amp([(hk, 0.0), (hb, 1.0), (hd, 1.0), (0.5 * (hd + he), 0.0)])
    shape += tibia * (0.05 * _bump(t, _TIBIAL_CREST, 25.0) - 0.04 * _bump(t, _TIBIA_FACE, 4.0))
    # gastrocnemius: medial head larger and lower than the lateral one, a groove between them
    medial_head = amp([(hb, 0.0), (hb1, 0.15), (hc - 0.01, 1.0), (hd, 0.25), (he, 0.0)])
    lateral_head = amp([(hb1, 0.0), (hc + 0.01, 1.0), (hd, 0.35), (he, 0.0)])
    groove = amp([(hb1, 0.0), (hc, 1.0), (hd, 1.0), (he, 0.0)])
    shape += 0.22 * medial_head * _bump(t, _GASTROC_MEDIAL, 3.0)
    shape += 0.14 * lateral_head * _bump(t, _GASTROC_LATERAL, 3.5)
    shape -= 0.03 * groove * _bump(t, np.pi, 20.0)
    # Achilles tendon and the retro-malleolar hollows beside it: concave skin above the heel
    achilles = amp([(0.02, 0.0), (0.5 * hk, 0.8), (hk, 1.0), (hb, 1.0), (hb1, 0.3), (hc, 0.0)])
    hollows = _bump(t, np.pi - _RETRO_MALLEOLAR, 14.0) + _bump(t, _RETRO_MALLEOLAR - np.pi, 14.0)
    shape += achilles * (0.12 * _bump(t, np.pi, 40.0) - 0.18 * hollows)
    # malleoli: the medial one higher and more anterior, the lateral one lower and posterior
    sigma = 0.15 * hb
    medial = np.exp(-0.5 * ((hh - 1.1 * hk) / sigma) ** 2)
    lateral = np.exp(-0.5 * ((hh - 0.9 * hk) / sigma) ** 2)
    shape += 0.20 * medial * _bump(t, _MALLEOLUS_MEDIAL, 10.0)
    shape += 0.20 * lateral * _bump(t, _MALLEOLUS_LATERAL, 10.0)
    # heel: the calcaneus pushes the back of the section out near the floor
    shape += 0.22 * amp([(0.0, 1.0), (0.5 * hk, 0.6), (hk, 0.0)]) * _bump(t, np.pi, 2.0)
    # knee: patella in front, a flat popliteal fossa behind, the wider medial condyle
    knee = np.exp(-0.5 * ((hh - he) / 0.025) ** 2)
    shape += knee * (0.07 * _bump(t, 0.0, 6.0) - 0.04 * _bump(t, np.pi, 3.0))
    shape += 0.05 * amp([(hd, 0.0), (he, 1.0), (hf, 0.3), (top, 0.0)]) * _bump(t, -1.4, 2.5)
    return base * shape


def _foot_radii(chart: LegChart, h: np.ndarray, theta: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """Polar radius (about the leg axis) of a simple foot footprint at each height, or 0.

    The foot is a super-ellipse footprint from the back of the heel to the toes whose front end
    recedes as the dorsum rises from the toes (2.5 cm) to the front of the ankle. Its length is
    0.8 cY (assumption: foot length about 0.8 of the heel-instep girth) and its width 0.38 of
    its length (assumption).
    """
    length = 0.8 * chart.heel_instep_m
    width = 0.38 * length
    heel_back = -0.25 * length
    toe_tip = heel_back + length
    ankle_front = 0.08 * length
    dorsum_top = 0.9 * chart.heights_m["K"] + 0.02
    # front end of the footprint at each height: toes below 2.5 cm, ankle front at the dorsum top
    frac = np.clip((h - 0.025) / (dorsum_top - 0.025), 0.0, 1.0)
    front = toe_tip + (ankle_front - toe_tip) * frac**0.8
    present = h < dorsum_top
    centre = 0.5 * (front + heel_back)
    half_len = 0.5 * (front - heel_back)
    half_wid = 0.5 * width * (1.0 - 0.45 * frac) * np.where(h < 0.004, 0.85 + 37.5 * h, 1.0)
    # super-ellipse |x/a|^p + |y/b|^p = 1 about (centre, 0), sampled along rays from (x0, 0):
    # solve for the ray length by bisection-free Newton-like steps on the homogeneous form
    c, s = np.cos(theta)[None, :], np.sin(theta)[None, :]
    dx = (x0 - centre)[:, None]
    p = 2.5
    lo = np.zeros((len(h), len(theta)))
    hi = np.full_like(lo, 2.0 * length)
    for _ in range(50):  # bisection over all rays at once (loop over iterations only)
        mid = 0.5 * (lo + hi)
        inside = (np.abs((dx + mid * c) / half_len[:, None]) ** p
                  + np.abs(mid * s / half_wid[:, None]) ** p) <= 1.0  # fmt: skip
        lo = np.where(inside, mid, lo)
        hi = np.where(inside, hi, mid)
    return np.where(present[:, None], lo, 0.0)


def _hull_perimeter(points: np.ndarray) -> float:
    """Perimeter of the convex hull of 2-D points (for a 2-D hull, qhull's 'area' is it)."""
    return float(ConvexHull(points).area)


def _polygon_perimeter(points: np.ndarray) -> float:
    return float(np.sum(np.linalg.norm(points - np.roll(points, -1, axis=0), axis=1)))


def _girth_interpolant(chart: LegChart, foot: bool) -> PchipInterpolator:
    G, H = chart.girths_m, chart.heights_m
    knots_h = [H[n] for n in ("K", *_LANDMARKS)]
    knots_c = [G[n] for n in ("K", *_LANDMARKS)]
    # below the malleoli the leg widens to the heel; above G the thigh keeps widening gently
    top_c = G["G"] + 0.5 * (G["G"] - G["F"]) * _TOP_ABOVE_G_M / (H["G"] - H["F"])
    return PchipInterpolator([0.0, *knots_h, chart.top_m], [_HEEL_OVER_B * G["B"], *knots_c, top_c])


def parametric_leg_arrays(
    chart: Mapping[str, float] | LegChart,
    *,
    n_theta: int = 96,
    step_m: float = 0.005,
    foot: bool = False,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Vertices and faces of a parametric leg (see :func:`parametric_leg`), without the Leg.

    Returns
    -------
    vertices : ndarray of shape (N, 3)
        Metres; sole at z = 0, x anterior, y lateral (a left leg).
    faces : ndarray of shape (M, 3)
        Triangles, counter-clockwise seen from outside; closed at the sole, open at the top.
    info : dict
        ``ring_heights_m`` (R,), ``target_girth_m`` (R,) (the PCHIP girth; the hull perimeter of
        each ring above the foot equals it), ``hull_perimeter_m`` (R,), ``skin_perimeter_m`` (R,),
        ``n_theta``, ``chart`` (the completed :class:`LegChart`).
    """
    lc = chart if isinstance(chart, LegChart) else complete_chart(chart)
    n_theta = int(n_theta)
    if n_theta < 16:
        raise errors.MeshError(
            f"n_theta={n_theta} is too coarse for a leg; use 16 or more (96 default)."
        )
    step_m = float(step_m)
    if not np.isfinite(step_m) or not 0.0005 <= step_m <= 0.05:
        raise errors.MeshError(
            f"step_m={step_m} must be between 0.0005 and 0.05 m (0.005 default)."
        )

    top = lc.top_m
    grid = np.linspace(0.0, top, int(np.ceil(top / step_m)) + 1)
    marks = np.array([lc.heights_m[n] for n in ("K", *_LANDMARKS)])
    # put a ring exactly at every landmark (drop grid rings closer than a quarter step to one)
    near = np.min(np.abs(grid[:, None] - marks[None, :]), axis=1) < 0.25 * step_m
    heights = np.unique(np.concatenate([grid[~near], marks, [0.0, top]]))

    theta = np.linspace(-np.pi, np.pi, n_theta, endpoint=False)
    radii = _section_radii(lc, heights, theta)
    girth = _girth_interpolant(lc, foot)(heights)
    cos_t, sin_t = np.cos(theta), np.sin(theta)

    rings = np.empty((len(heights), n_theta, 2))
    hull_p = np.empty(len(heights))
    skin_p = np.empty(len(heights))
    for k in range(len(heights)):  # a loop over sections: hull and scaling per ring
        pts = radii[k][:, None] * np.stack([cos_t, sin_t], axis=1)
        scale = girth[k] / _hull_perimeter(pts)
        pts = pts * scale
        # put the area centroid on the axis so the leg is straight
        x, y = pts[:, 0], pts[:, 1]
        cross = x * np.roll(y, -1) - np.roll(x, -1) * y
        area = 0.5 * cross.sum()
        cx = np.sum((x + np.roll(x, -1)) * cross) / (6.0 * area)
        cy = np.sum((y + np.roll(y, -1)) * cross) / (6.0 * area)
        rings[k] = pts - [cx, cy]
    if foot:
        # the foot is added to the leg sections by a smooth maximum of the two radii (rays from
        # the leg axis): a single tube, star-shaped about the axis
        leg_r = np.linalg.norm(rings, axis=2)
        leg_t = np.arctan2(rings[..., 1], rings[..., 0])
        fr = np.stack(
            [
                _foot_radii(lc, heights[k : k + 1], leg_t[k], np.zeros(1))[0]
                for k in range(len(heights))
            ]
        )
        r = (leg_r**8 + fr**8) ** 0.125
        rings = r[..., None] * np.stack([np.cos(leg_t), np.sin(leg_t)], axis=-1)
    for k in range(len(heights)):
        hull_p[k] = _hull_perimeter(rings[k])
        skin_p[k] = _polygon_perimeter(rings[k])

    n_rings = len(heights)
    vertices = np.concatenate(
        [
            np.column_stack([rings.reshape(-1, 2), np.repeat(heights, n_theta)]),
            [[*rings[0].mean(axis=0), 0.0]],  # centre of the sole
        ]
    )
    i, j = np.meshgrid(np.arange(n_rings - 1), np.arange(n_theta), indexing="ij")
    a = i * n_theta + j
    b = i * n_theta + (j + 1) % n_theta
    c = a + n_theta
    d = b + n_theta
    sole_centre = n_rings * n_theta
    ring0 = np.arange(n_theta)
    faces = np.concatenate(
        [
            np.stack([a, b, d], axis=-1).reshape(-1, 3),
            np.stack([a, d, c], axis=-1).reshape(-1, 3),
            np.stack([np.full(n_theta, sole_centre), np.roll(ring0, -1), ring0], axis=1),
        ]
    ).astype(np.int64)
    info = {
        "ring_heights_m": heights,
        "target_girth_m": girth,
        "hull_perimeter_m": hull_p,
        "skin_perimeter_m": skin_p,
        "n_theta": n_theta,
        "chart": lc,
    }
    return vertices, faces, info


def parametric_leg(
    chart: Mapping[str, float],
    *,
    n_theta: int = 96,
    step_m: float = 0.005,
    foot: bool = False,
    name: str | None = None,
):
    """An anatomically plausible leg whose girths at the measuring points match a chart.

    Horizontal sections from the floor to 3.5 cm above G, every ``step_m`` (plus one exactly at
    each landmark height), each an asymmetric shape (tibial crest in front, calf bulge
    posterior-medial, Achilles tendon with concave hollows beside it above the heel, malleoli,
    heel, patella) scaled so that its convex-hull perimeter equals the chart girth interpolated
    in height by a monotone cubic (PCHIP). B is therefore a true local minimum and C a local
    maximum of the hull girth. Below B the ankle widens over the malleoli (cK) toward the heel.

    Parameters
    ----------
    chart : mapping of str to float
        Girths in cm: ``cB, cB1, cC, cD, cE, cF, cG`` (at least cB, cC, cD; the others are filled
        with typical ratios, see :func:`complete_chart`), optional heights ``lB ... lG`` in cm
        (defaults: :data:`DEFAULT_HEIGHTS_CM`, an assumption for an adult of average height),
        optional ``cK`` (malleoli girth), ``lK`` (its height) and ``cY`` (heel-instep girth,
        sizes the foot).
    n_theta : int
        Vertices around each section.
    step_m : float
        Spacing of the sections, metres.
    foot : bool
        Add a simple foot (a footprint that recedes toward the ankle as the dorsum rises).
    name : str, optional
        Name of the Leg (default ``"parametric cB=..cm cC=..cm"``).

    Returns
    -------
    Leg
        In metres, sole at z = 0, z up, x anterior, y lateral (a left leg); closed at the sole,
        open at the top; triangles oriented outward.

    Raises
    ------
    stockingsim.errors.LandmarkError
        An invalid chart (see :func:`complete_chart`).
    stockingsim.errors.MeshError
        ``n_theta`` or ``step_m`` out of range.

    Examples
    --------
    >>> from stockingsim.leg._parametric import parametric_leg_arrays
    >>> v, f, info = parametric_leg_arrays({"cB": 22, "cC": 36, "cD": 34})
    >>> k = int(np.argmin(np.abs(info["ring_heights_m"] - 0.10)))  # B at the default 10 cm
    >>> round(float(info["hull_perimeter_m"][k]) * 100, 6)
    22.0
    """
    vertices, faces, info = parametric_leg_arrays(chart, n_theta=n_theta, step_m=step_m, foot=foot)
    from stockingsim.leg._surface import Leg  # lazy: the leg package imports this module

    lc = info["chart"]
    g = lc.girths_m
    label = name or f"parametric cB={g['B'] * 100:g}cm cC={g['C'] * 100:g}cm"
    # a B1 the chart gives (its height or its girth) is where the chart measured it, not the
    # one-third convention of the detector: the leg reports it there
    given_b1 = not ({"lB1", "cB1"} <= set(lc.filled))
    landmarks = {"B1": lc.heights_m["B1"]} if given_b1 else None
    return Leg.from_arrays(vertices, faces, units="m", name=label, landmarks=landmarks)
