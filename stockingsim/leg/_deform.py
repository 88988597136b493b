"""Deformed legs: girth changes, swelling and joint angles (same faces, same vertex order).

Each function returns a new :class:`~stockingsim.leg.Leg` built from moved vertices and the
original faces, so a per-vertex field (a pressure) can be followed from frame to frame. The
landmarks move with the skin: a landmark's new height is where the vertices that were on its
section lie on the new leg.

- :func:`with_girth_change`: every vertex moves away from (or towards) the centreline,
  perpendicular to the local axis, by the factor ``(C(h) + dC(h)) / C(h)`` of its section
  (``C`` the convex-hull girth). A convex section scaled about a point keeps its shape and its
  hull perimeter scales by the same factor, so the girth changes by exactly ``dC`` (up to the
  variation of the factor across one edge). ``dC(h)`` is a monotone cubic (PCHIP) through the
  given landmarks and zero at the next landmark beyond the outermost given ones (or 5 cm
  beyond them): smooth and without overshoot.
- :func:`swollen`: the same radial scaling with a shape ``w(h)`` (``distal``: 1 from B to B1,
  a cosine taper to 0 at D, and to 0 over 3 cm below B; ``uniform``: 1 from B to D), its
  amplitude solved so that the volume enclosed between B and D grows by the amount asked
  (``dV = int A(h) [(1 + a w)^2 - 1] dh``, a quadratic in ``a``; ``A`` the section areas).
  Evening oedema concentrates at the ankle and lower calf (Partsch et al. 2004, Dermatol Surg
  30:737, doi:10.1111/j.1524-4725.2004.30204.x), hence ``distal`` by default.
- :func:`posed`: the leg bent about the knee (near E) and the ankle (below B) by rotations
  about lateral axes, the angle blended smoothly (smoothstep) across the joint. The knee axis
  sits behind the centreline (at 0.8 of the section radius, near the popliteal skin) and the
  ankle axis in front of it (0.5 of the radius), so the inside of each bend is barely
  compressed along the leg and the outside (patella, heel) stretches: with a blend over 10 cm
  at the knee and 6 cm at the ankle no surface folds through itself up to 90 degrees (tested).
  These joint positions and widths are assumptions (a geometric skinning, not an anatomical
  joint model). The knee's girth grows as it bends, by ``KNEE_GIRTH_GAIN_AT_90`` (3 %, an
  assumption) at E at 90 degrees, a ``sin^2`` bump across the blend. Every section is
  carried as a rigid body (the angle depends only on the standing section height), so the
  posed leg keeps the standing sections, heights and landmarks (:mod:`stockingsim.leg._posed`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim._numbers import LENGTH_UNITS_M, as_number, length_unit

__all__ = ["with_girth_change", "swollen", "posed", "enclosed_volume_m3"]

#: knee blend width and axis offset behind the centreline (x section radius); assumptions
KNEE_BLEND_M, KNEE_AXIS_OFFSET = 0.10, 0.8
#: ankle blend width, joint height (x height of B) and axis offset in front; assumptions
ANKLE_BLEND_M, ANKLE_JOINT_SHARE, ANKLE_AXIS_OFFSET = 0.06, 0.6, 0.5
#: girth gain at E at 90 degrees of knee flexion, a sin^2 bump over the knee blend, scaled with
#: the angle. Assumption: no published measurement of the knee girth against flexion was found;
#: the patella and condyles push the front skin out and the popliteal tissue gathers behind, so
#: a girth measured perpendicular to the bent axis grows by a few percent
KNEE_GIRTH_GAIN_AT_90 = 0.03
#: taper of a girth change beyond the outermost given landmark when no landmark lies beyond
TAPER_M = 0.05


def _landmark_heights(leg: Any) -> dict[str, float]:
    return {n: float(lm.height_m) for n, lm in leg.landmarks.items()}


def _girth_at(leg: Any, h: np.ndarray) -> np.ndarray:
    """Hull girth (m) at the heights ``h``, interpolated on a 2 mm grid."""
    grid = np.arange(0.002, leg.length_m, 0.002)
    circ = leg.girth_profile(heights_m=grid)["circumference_m"].to_numpy(float)
    ok = np.isfinite(circ) & (circ > 0)
    if ok.sum() < 2:
        raise errors.MeshError(f"{leg.name}: cannot cut the leg into sections to deform it.")
    return np.interp(h, grid[ok], circ[ok])


def _radial_scale(leg: Any, factor: np.ndarray) -> np.ndarray:
    """Vertices moved perpendicular to the local axis by ``factor`` (per vertex)."""
    h = leg.section_heights_m
    c = leg.centreline_at(h)
    t = leg.local_axis_at(h)
    d = leg.vertices - c
    d_perp = d - np.einsum("ij,ij->i", d, t)[:, None] * t
    return leg.vertices + (factor - 1.0)[:, None] * d_perp


def _new_leg(leg: Any, vertices: np.ndarray, name: str) -> Any:
    """A fresh Leg on the moved vertices, with the original landmark heights."""
    from stockingsim.leg._hash import _sha256_arrays

    new = type(leg)(
        vertices,
        leg.faces,
        name=name,
        source_hash=_sha256_arrays(vertices, leg.faces),
        units="m",
    )
    if new.faces.shape != leg.faces.shape or not np.array_equal(new.faces, leg.faces):
        raise errors.MeshError(f"{leg.name}: the deformation turned the surface inside out.")
    if float(new.frame.axis @ leg.frame.axis) < 0:
        raise errors.MotionError(
            f"{leg.name}: after the deformation the mesh's wider end is at the foot, so its leg "
            "axis turned round; this happens on tube-like test meshes without a foot whose ends "
            "are equally wide. Use a leg (or a tube that widens towards the thigh)."
        )
    return new.with_landmarks(_landmark_heights(leg))


def _check_number(value: Any, what: str) -> float:
    return as_number(value, what, errors.MotionError)


def girth_change_profile(leg: Any, changes: Mapping[str, float], unit: str = "cm"):
    """The girth change ``dC(h)`` in metres as a function of height (see the module doc)."""
    from scipy.interpolate import PchipInterpolator

    short = length_unit(unit)
    if short is None:
        raise errors.MotionError(f"unit must be one of 'cm', 'mm', 'm', 'in', got {unit!r}.")
    if not isinstance(changes, Mapping) or not changes:
        raise errors.MotionError(
            "give the girth changes as a mapping of landmark to change, e.g. "
            '{"B1": 1.0, "C": 1.05} (cm).'
        )
    marks = _landmark_heights(leg)
    missing = [k for k in changes if k not in marks]
    if missing:
        raise errors.LandmarkError(
            f"leg {leg.name!r} has no landmark {', '.join(map(str, missing))} (it has "
            f"{', '.join(marks)}); give it with leg.with_landmarks({{...}})."
        )
    scale = LENGTH_UNITS_M[short]
    given = {k: _check_number(v, f"girth change at {k}") * scale for k, v in changes.items()}
    for k, v in given.items():
        if abs(v) > 0.5 * leg.landmarks[k].circumference_m:
            raise errors.MotionError(
                f"girth change {v / scale:g} {unit} at {k} is more than half its girth "
                f"({leg.landmarks[k].circumference_m * 100:.1f} cm); check the unit "
                f"(unit={unit!r})."
            )
    order = sorted(marks, key=marks.get)
    hs = sorted((marks[k], v) for k, v in given.items())
    lo_name = min(given, key=marks.get)
    hi_name = max(given, key=marks.get)
    below = [n for n in order if marks[n] < marks[lo_name] - 1e-6]
    above = [n for n in order if marks[n] > marks[hi_name] + 1e-6]
    h_lo = marks[below[-1]] if below else max(0.0, marks[lo_name] - TAPER_M)
    h_hi = marks[above[0]] if above else min(leg.length_m, marks[hi_name] + TAPER_M)
    knots = [(h_lo, 0.0), *hs, (h_hi, 0.0)]
    x = np.array([k[0] for k in knots])
    y = np.array([k[1] for k in knots])
    x, idx = np.unique(x, return_index=True)
    y = y[idx]
    pchip = PchipInterpolator(x, y, extrapolate=False)

    def profile(h: Any) -> np.ndarray:
        out = pchip(np.asarray(h, dtype=float))
        return np.nan_to_num(out, nan=0.0)

    return profile


def with_girth_change(leg: Any, changes: Mapping[str, float], unit: str = "cm") -> Any:
    """A leg whose girth changes smoothly by the given amounts at the given landmarks.

    Parameters
    ----------
    leg : Leg
    changes : mapping of str to float
        Girth change per landmark, e.g. ``{"B1": 1.0, "C": 1.05}``; negative shrinks.
    unit : {"cm", "mm", "m", "in"}

    Returns
    -------
    Leg
        Same faces and vertex order; the convex-hull girth at each given landmark changes by
        the given amount (to well within 2 %), smoothly in between, zero beyond the next
        landmark outside the given ones.
    """
    profile = girth_change_profile(leg, changes, unit)
    h = leg.section_heights_m
    circ = _girth_at(leg, h)
    factor = (circ + profile(h)) / circ
    if np.any(factor <= 0.2):
        raise errors.MotionError("the girth change would collapse the leg; give smaller changes.")
    label = ", ".join(f"{k} {v:+g} {unit}" for k, v in changes.items())
    return _new_leg(leg, _radial_scale(leg, factor), f"{leg.name} ({label})")


def enclosed_volume_m3(leg: Any, bottom: str = "B", top: str = "D", step_m: float = 0.001):
    """Volume enclosed by the skin between two landmarks, m^3 (section areas integrated)."""
    marks = _landmark_heights(leg)
    for k in (bottom, top):
        if k not in marks:
            raise errors.LandmarkError(f"leg {leg.name!r} has no landmark {k}.")
    h = np.arange(marks[bottom], marks[top] + 0.5 * step_m, step_m)
    area = leg.girth_profile(heights_m=h)["area_m2"].to_numpy(float)
    return float(np.trapezoid(np.nan_to_num(area), h))


def _swelling_shape(leg: Any, distribution: str) -> Any:
    marks = _landmark_heights(leg)
    need = ("B", "B1", "D") if distribution == "distal" else ("B", "D")
    missing = [k for k in need if k not in marks]
    if missing:
        raise errors.LandmarkError(
            f"swollen() needs landmarks {', '.join(need)}; leg {leg.name!r} lacks "
            f"{', '.join(missing)}."
        )
    hb, hd = marks["B"], marks["D"]
    h1 = marks.get("B1", hb)
    h0 = max(0.0, hb - 0.03)

    def ramp(x):
        x = np.clip(x, 0.0, 1.0)
        return 0.5 - 0.5 * np.cos(np.pi * x)

    def shape(h):
        h = np.asarray(h, dtype=float)
        up = ramp((h - h0) / max(hb - h0, 1e-6))
        if distribution == "distal":
            down = 1.0 - ramp((h - h1) / (hd - h1))
        else:
            down = np.where(h <= hd, 1.0, 0.0)
        return np.where(h < hb, up, np.where(h <= hd, down, 0.0))

    return shape


def swollen(leg: Any, volume_ml: float, distribution: str = "distal") -> Any:
    """A leg swollen by an oedema volume between B and D.

    Parameters
    ----------
    leg : Leg
    volume_ml : float
        Added volume between B and D, millilitres (evening oedema without compression: about
        60-95 mL over 7 h, Partsch et al. 2004, Dermatol Surg 30:737); negative shrinks.
    distribution : {"distal", "uniform"}
        ``distal`` (default): the radial growth is full from B to B1 and tapers (cosine) to
        zero at D, so most of the volume is at the ankle and lower calf; ``uniform``: the same
        relative growth from B to D. Both taper to zero over 3 cm below B (that foot volume is
        not counted).

    Returns
    -------
    Leg
        Same faces and vertex order; the volume between B and D grows by ``volume_ml`` (to
        within 3 %, tested).
    """
    v = _check_number(volume_ml, "volume_ml") * 1e-6
    if distribution not in ("distal", "uniform"):
        raise errors.MotionError(
            f"distribution must be 'distal' or 'uniform', got {distribution!r}."
        )
    v0 = enclosed_volume_m3(leg)
    if abs(v) > v0:
        raise errors.MotionError(
            f"volume_ml={volume_ml:g} is more than the leg's volume between B and D "
            f"({v0 * 1e6:.0f} mL); give millilitres (100 mL = 1 dL)."
        )
    shape = _swelling_shape(leg, distribution)
    marks = _landmark_heights(leg)
    h = np.arange(marks["B"], marks["D"] + 0.0005, 0.001)
    area = np.nan_to_num(leg.girth_profile(heights_m=h)["area_m2"].to_numpy(float))
    w = shape(h)
    # dV = 2 a int A w + a^2 int A w^2
    b1 = 2.0 * np.trapezoid(area * w, h)
    b2 = np.trapezoid(area * w * w, h)
    disc = b1 * b1 + 4.0 * b2 * v
    if disc < 0:
        raise errors.MotionError(f"the leg cannot shrink by {-volume_ml:g} mL with this shape.")
    a = (-b1 + math.sqrt(disc)) / (2.0 * b2)
    factor = 1.0 + a * shape(leg.section_heights_m)
    name = f"{leg.name} (+{volume_ml:g} mL {distribution})"
    return _new_leg(leg, _radial_scale(leg, factor), name)


def _knee_and_ankle(leg: Any, knee: float, ankle: float) -> list:
    """The :class:`~stockingsim.leg._posed.Joint` hinges of a pose (angles in radians)."""
    from stockingsim.leg._posed import Joint

    marks = _landmark_heights(leg)
    joints = []
    if knee:
        if "E" not in marks:
            raise errors.LandmarkError(
                f"leg {leg.name!r} does not reach the knee (landmark E); no knee flexion."
            )
        hk = marks["E"]
        r = leg.landmarks["E"].circumference_m / (2 * math.pi)
        centre = leg.centreline_at([hk])[0] - KNEE_AXIS_OFFSET * r * leg.frame.anterior
        joints.append(Joint(centre, hk, KNEE_BLEND_M, knee, above=True))
    if ankle:
        if "B" not in marks:
            raise errors.LandmarkError(f"leg {leg.name!r} has no ankle (landmark B).")
        ha = ANKLE_JOINT_SHARE * marks["B"]
        r = leg.landmarks["B"].circumference_m / (2 * math.pi)
        centre = leg.centreline_at([ha])[0] + ANKLE_AXIS_OFFSET * r * leg.frame.anterior
        joints.append(Joint(centre, ha, ANKLE_BLEND_M, ankle, above=False))
    return joints


#: Joint angles a pose accepts, degrees: knee flexion (0 straight, 90 sitting) and ankle
#: dorsiflexion (negative: plantar flexion, a pointed foot)
KNEE_FLEXION_RANGE_DEG = (0.0, 150.0)
ANKLE_DORSIFLEXION_RANGE_DEG = (-50.0, 40.0)


def _checked_angles(knee_flexion_deg: float, ankle_dorsiflexion_deg: float) -> tuple:
    """The two angles in radians, or MotionError: not numbers, or outside their ranges."""
    knee_deg = _check_number(knee_flexion_deg, "knee_flexion_deg")
    ankle_deg = _check_number(ankle_dorsiflexion_deg, "ankle_dorsiflexion_deg")
    lo, hi = KNEE_FLEXION_RANGE_DEG
    if not (lo - 1e-7 <= knee_deg <= hi):
        raise errors.MotionError(
            f"knee_flexion_deg={knee_flexion_deg} must be {lo:g} to {hi:g} degrees (0 = "
            "straight; degrees, not radians)."
        )
    lo, hi = ANKLE_DORSIFLEXION_RANGE_DEG
    if not (lo <= ankle_deg <= hi):
        raise errors.MotionError(
            f"ankle_dorsiflexion_deg={ankle_dorsiflexion_deg} must be {lo:g} (plantar flexion) "
            f"to {hi:g} degrees."
        )
    return math.radians(knee_deg), math.radians(ankle_deg)


def joint_angles(leg: Any, knee_flexion_deg: float = 0.0, ankle_dorsiflexion_deg: float = 0.0):
    """Per-vertex rotation angles (rad), joint centres and the common axis of :func:`posed`."""
    base = getattr(leg, "standing", leg)
    joints = _knee_and_ankle(base, *_checked_angles(knee_flexion_deg, ankle_dorsiflexion_deg))
    h = base.section_heights_m
    return [(j.centre, j.angle_at(h)) for j in joints], -base.frame.lateral


def posed(leg: Any, knee_flexion_deg: float = 0.0, ankle_dorsiflexion_deg: float = 0.0) -> Any:
    """The leg bent at the knee and the ankle (see the module docstring for the rule).

    Parameters
    ----------
    leg : Leg
        The standing leg (a posed leg is posed again from its standing leg: the angles are
        absolute).
    knee_flexion_deg : float
        0 (straight) to 150; 90 is sitting. The thigh turns backwards about a lateral axis
        behind the knee centreline at E; the lower leg stays where it is.
    ankle_dorsiflexion_deg : float
        -50 (plantar flexion, pointed foot) to 40; the foot turns up about a lateral axis in
        front of the centreline at 0.6 x the height of B.

    Returns
    -------
    Leg
        The leg itself for a zero pose; else a posed leg (:mod:`stockingsim.leg._posed`) with
        the same faces and vertex order that keeps the standing sections, heights and
        landmarks (see :mod:`stockingsim.leg._posed`).
    """
    from stockingsim.leg._posed import make_posed_leg, pose_points

    leg = getattr(leg, "standing", leg)
    knee, ankle = _checked_angles(knee_flexion_deg, ankle_dorsiflexion_deg)
    knee_flexion_deg = _check_number(knee_flexion_deg, "knee_flexion_deg")  # "90" -> 90.0
    ankle_dorsiflexion_deg = _check_number(ankle_dorsiflexion_deg, "ankle_dorsiflexion_deg")
    if not knee and not ankle:
        return leg
    joints = _knee_and_ankle(leg, knee, ankle)
    axis = -leg.frame.lateral  # rotates up towards posterior, and anterior towards up
    h = leg.section_heights_m
    v = leg.vertices
    if knee:  # the knee's girth grows as it bends (an assumption, see KNEE_GIRTH_GAIN_AT_90)
        hk = joints[0].height_m
        bump = np.sin(np.pi * np.clip((h - hk) / KNEE_BLEND_M + 0.5, 0.0, 1.0)) ** 2
        v = _radial_scale(leg, 1.0 + KNEE_GIRTH_GAIN_AT_90 * knee / (0.5 * math.pi) * bump)
    v = pose_points(v, h, joints, axis)
    name = f"{leg.name} (knee {knee_flexion_deg:g} deg, ankle {ankle_dorsiflexion_deg:g} deg)"
    return make_posed_leg(leg, v, joints, axis, name, (knee_flexion_deg, ankle_dorsiflexion_deg))
