"""Posed legs that keep the standing leg's sections, landmarks and heights.

:func:`~stockingsim.leg._deform.posed` turns each vertex about a joint axis by an angle that
depends only on the height ``s`` of its standing section (a smoothstep across the joint). Each
standing section is therefore carried as a rigid body: the plane through ``c(s)`` with normal
``t(s)`` (the standing centreline point and local axis) becomes the plane through
``c'(s) = R(s) (c(s) - p) + p`` with normal ``R(s) t(s)``. A posed leg cuts its
sections with exactly those planes, so

- every vertex keeps its height: the posed leg's ``heights_m`` is the standing section height
  of each vertex (a height along the bent leg, not along one global axis);
- a section keeps its skin: its girth is the standing girth (to the flattening of the faces that
  straddle the plane in the bend), and a plane below the knee never picks up the thigh, because
  only faces whose vertices' standing heights bracket ``s`` are cut;
- the landmarks stay where they were measured standing (B, B1 ... G, none lost at 90 degrees),
  and the global frame (origin, axis, anterior, lateral) is the standing one (the lower leg does
  not move when the knee bends).

Re-fitting one axis to the bent mesh, as a fresh :class:`~stockingsim.leg.Leg` does, tilts the
sections of the lower leg (a knee-high read about 15 % high at B at 90 degrees) and loses F and G
of a thigh past a right-angled knee; the posed leg avoids both.

The in-plane anterior direction of a posed section is ``lateral x local axis`` (perpendicular to
both, equal to the rotated anterior because every joint turns about the lateral axis); on the
parts that do not move it differs from the standing leg's ``u`` by the product of the
centreline's two small tilts (a few tenths of a degree on the shared legs), which moves only the
origin of the angle round the leg.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from stockingsim.leg._frame import BEND_THRESHOLD_DEG, unit
from stockingsim.leg._frame_fit import face_geometry
from stockingsim.leg._hash import _sha256_arrays
from stockingsim.leg._landmarks import Landmark, landmarks_on_sections

__all__ = ["Joint", "PosedCentreline", "PosedLegMixin", "make_posed_leg", "pose_points"]


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


@dataclass(frozen=True, eq=False)
class Joint:
    """A hinge: the part above (knee) or below (ankle) turns about ``centre``.

    The angle at standing section height ``s`` is ``angle_rad`` times a smoothstep that rises
    over ``width_m`` centred on ``height_m`` (the part above turns) or falls over it (below).
    """

    centre: np.ndarray
    height_m: float
    width_m: float
    angle_rad: float
    above: bool

    def angle_at(self, s: np.ndarray) -> np.ndarray:
        """Rotation angle (rad) of the section at standing height ``s``."""
        x = _smoothstep((np.asarray(s, float) - self.height_m + 0.5 * self.width_m) / self.width_m)
        return self.angle_rad * (x if self.above else 1.0 - x)


def _rotate(p: np.ndarray, axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rodrigues rotation of the vectors ``p`` about the unit ``axis``, one angle each."""
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    k = axis[None, :]
    return p * c + np.cross(k, p) * s + k * (p @ axis)[:, None] * (1.0 - c)


def pose_points(points, s, joints, axis, vectors: bool = False) -> np.ndarray:
    """Points (or direction vectors) at standing section heights ``s`` turned by the joints."""
    out = np.array(points, dtype=float)
    s = np.asarray(s, dtype=float)
    for joint in joints:
        angle = joint.angle_at(s)
        moving = angle != 0
        if not moving.any():
            continue
        centre = np.zeros(3) if vectors else joint.centre
        out[moving] = centre + _rotate(out[moving] - centre, axis, angle[moving])
    return out


@dataclass(frozen=True, eq=False)
class PosedCentreline:
    """The standing centreline carried through the pose, parametrised by standing height.

    Same interface as :class:`~stockingsim.leg._frame.Centreline` for cutting sections:
    ``points`` are the carried centreline points, ``tangents`` the carried section normals
    (the local axis; in the blend across a joint they differ from the curve's own tangent,
    because the sections there fan about the joint axis).
    """

    base: Any
    joints: tuple
    axis: np.ndarray
    bend_deg: float

    @property
    def frame(self):
        return self.base.frame

    @property
    def grid(self) -> np.ndarray:
        return self.base.grid

    @property
    def bent(self) -> bool:
        return self.bend_deg > BEND_THRESHOLD_DEG

    def points(self, heights_m: np.ndarray) -> np.ndarray:
        """Carried centreline points at standing heights, (K, 3) world metres."""
        h = np.atleast_1d(np.asarray(heights_m, dtype=float))
        return pose_points(self.base.points(h), h, self.joints, self.axis)

    def derivative(self, heights_m: np.ndarray) -> np.ndarray:
        """The standing derivative d point / d height carried through the pose, (K, 3)."""
        h = np.atleast_1d(np.asarray(heights_m, dtype=float))
        return pose_points(self.base.derivative(h), h, self.joints, self.axis, vectors=True)

    def tangents(self, heights_m: np.ndarray) -> np.ndarray:
        """Unit section normals (local axis) at standing heights, (K, 3)."""
        h = np.atleast_1d(np.asarray(heights_m, dtype=float))
        return unit(pose_points(self.base.tangents(h), h, self.joints, self.axis, vectors=True))

    def in_plane_u(self, tangents: np.ndarray) -> np.ndarray:
        """``lateral x tangent``: the anterior direction of each posed section, (K, 3) unit."""
        return unit(np.cross(self.frame.lateral[None, :], np.asarray(tangents, dtype=float)))


class PosedLegMixin:
    """What makes a :class:`~stockingsim.leg.Leg` bent at the knee or ankle keep its sections.

    :meth:`Leg.posed` returns an instance of a subclass of the standing leg's class with this
    mixin first (see :func:`posed_leg_class`; the class is made from ``type(leg)`` so that the
    leg module and this one do not import each other); see the module docstring. Deforming a posed leg again
    (:meth:`with_girth_change`, :meth:`swollen`, :meth:`posed`) deforms the standing leg and
    poses the result with this leg's joint angles (``posed`` sets new angles), so the sections
    stay those of the standing leg.
    """

    @property
    def _section_coordinate(self) -> tuple[np.ndarray, float]:
        # every vertex lies on the carried plane of its standing section: exact, no margin
        return self.heights_m, 0.0

    @cached_property
    def landmarks(self) -> dict[str, Landmark]:
        """The standing leg's landmarks (heights kept), girths read on the posed sections."""
        marks = {**self._carried_landmarks, **self._landmark_overrides}
        ordered = {n: marks[n] for n in sorted(marks, key=marks.get)}
        return landmarks_on_sections(
            self,
            ordered,
            lambda n: n in self._detected_landmarks and n not in self._landmark_overrides,
        )

    @property
    def standing(self) -> Any:
        """The leg before the pose (same faces and vertex order)."""
        return self._standing

    @property
    def pose_deg(self) -> tuple[float, float]:
        """(knee flexion, ankle dorsiflexion), degrees."""
        return self._pose_deg

    def with_landmarks(self, heights_m) -> Any:
        new = super().with_landmarks(heights_m)
        new.__class__ = type(self)
        return new

    def with_girth_change(self, changes, unit: str = "cm") -> Any:
        return self._standing.with_girth_change(changes, unit).posed(*self._pose_deg)

    def swollen(self, volume_ml: float, distribution: str = "distal") -> Any:
        return self._standing.swollen(volume_ml, distribution).posed(*self._pose_deg)

    def posed(self, knee_flexion_deg: float = 0.0, ankle_dorsiflexion_deg: float = 0.0) -> Any:
        return self._standing.posed(knee_flexion_deg, ankle_dorsiflexion_deg)

    def __reduce__(self):
        # process pools pickle legs: send the standing leg and the pose, pose again there
        return _repose, (self._standing, self._pose_deg, dict(self._landmark_overrides))


def _repose(standing: Any, pose_deg: tuple, overrides: dict) -> Any:
    new = standing.posed(*pose_deg)
    return new.with_landmarks(overrides) if overrides else new


_CLASSES: dict[type, type] = {}


def posed_leg_class(base: type) -> type:
    """The posed subclass of a leg class (``PosedLeg`` for :class:`~stockingsim.leg.Leg`)."""
    if base not in _CLASSES:
        _CLASSES[base] = type("Posed" + base.__name__, (PosedLegMixin, base), {})
    return _CLASSES[base]


def _bend_deg(centreline: PosedCentreline, length_m: float) -> float:
    t = centreline.tangents(np.linspace(0.0, length_m, 241))
    cos = np.clip(t @ centreline.frame.axis, -1.0, 1.0)
    return float(np.degrees(np.arccos(cos)).max())


def make_posed_leg(standing: Any, vertices: np.ndarray, joints, axis, name: str, pose_deg):
    """A posed leg (:class:`PosedLegMixin`) from the standing leg and the posed vertices."""
    lazy = {
        k
        for cls in type(standing).__mro__
        for k, v in vars(cls).items()
        if isinstance(v, cached_property)
    }
    lazy |= {"_profile_cache", "_sections_cache", "_curvature_at"}
    cls = posed_leg_class(type(standing))
    new = cls.__new__(cls)
    new.__dict__.update({k: v for k, v in standing.__dict__.items() if k not in lazy})
    v = np.ascontiguousarray(vertices, dtype=np.float64)
    _, area, _ = face_geometry(v, standing.faces)
    s = np.array(standing.section_heights_m, dtype=float)
    for arr in (v, area, s):
        arr.setflags(write=False)
    new.vertices, new.face_areas, new.heights_m = v, area, s
    new.name = name
    new.source_hash = _sha256_arrays(v, standing.faces)
    base = PosedCentreline(standing._centreline, tuple(joints), np.asarray(axis, float), 0.0)
    new._centreline = PosedCentreline(
        base.base, base.joints, base.axis, _bend_deg(base, standing.length_m)
    )
    marks = standing.landmarks
    new._carried_landmarks = {n: float(lm.height_m) for n, lm in marks.items()}
    new._detected_landmarks = frozenset(n for n, lm in marks.items() if lm.detected)
    new._landmark_overrides = {}
    new._standing = standing
    new._pose_deg = tuple(float(a) for a in pose_deg)
    return new


#: width of the skin beyond each side of a bridged arc that takes the ring's turn, metres
#: (assumption: about the width of the hamstring tendons that border the popliteal fossa)
FOLD_EDGE_BAND_M = 0.01
#: height bins of the ring balance across a bent joint, metres (a resolution)
FOLD_RING_STEP_M = 0.005
#: meridian strips round the leg that slide as one over a bend (a resolution)
FOLD_STRIPS = 72


def fold_pressure(
    leg: Any,
    pressure_pa: np.ndarray,
    wale_tension_n_per_m: float,
    hoop_pa=None,
    course_density=1.0,
):
    """Per-vertex pressure with the fabric bridging the concave side of a bent joint.

    A membrane with hoop tension ``T_h`` and wale tension ``T_w`` presses on the skin with
    ``p = T_h k_hoop + T_w k_axial`` (curvatures positive where convex). The solvers give the
    hoop term (and the standing leg's own axial curvature, where they use it); bending the
    joint changes the axial curvature by ``dk = k_axial(posed) - k_axial(standing)``, zero
    where the leg only moved rigidly. So ``p' = n p + T_w dk``: higher over the outside of the
    bend (patella, heel), lower inside it, ``n`` the courses of fabric per length of skin
    against standing (``course_density``: above 1 where the fabric is gathered behind the knee,
    the extra layers of the bunching; below 1 where it is stretched over the front of the
    knee; see :func:`wale_stretch`). Where ``p' < 0`` the skin is more concave than the
    fabric can follow: the fabric lifts off and bridges the fold (pressure 0). The hoop ring
    over the bridged arc no longer rests on it, and a ring under uniform tension presses with
    a fixed total ``sum p ds = 2 pi T_h`` whatever its shape: the hoop load ``p A`` of the
    bridged arc moves to the skin on either side of it (within :data:`FOLD_EDGE_BAND_M` round
    the leg, half each side, per :data:`FOLD_RING_STEP_M` of height): the edges of the fold.

    Parameters
    ----------
    leg : Leg
        A posed leg (others are returned unchanged).
    pressure_pa : ndarray of shape (N,)
        Pressure per vertex from a solver, Pa (0 where not covered).
    wale_tension_n_per_m : float or ndarray of shape (N,)
        Wale (axial) tension of the fabric, N/m (per vertex: see :func:`wale_stretch`).
    hoop_pa : ndarray of shape (N,), optional
        For a solver whose pressure already has an axial term (the membrane's ``T_w k_axial``
        with the posed leg's curvature): its pressure without that term (``T_c k_hoop``).
        Over the bend the pressure is then ``n hoop_pa + T_w' k_axial`` with the posed leg's
        whole axial curvature; by default ``n pressure_pa + T_w' dk``.
    course_density : float or ndarray of shape (N,), optional
        ``n``: the fabric's courses per length of skin along the leg over standing, default 1.

    Returns
    -------
    pressure_pa : ndarray of shape (N,)
    bridged : ndarray of bool, shape (N,)
        Vertices where the fabric bridges the fold (pressure 0).
    """
    p = np.asarray(pressure_pa, dtype=float)
    standing = getattr(leg, "standing", None)
    tw = np.broadcast_to(np.asarray(wale_tension_n_per_m, dtype=float), p.shape)
    n = np.broadcast_to(np.asarray(course_density, dtype=float), p.shape)
    bridged = np.zeros(p.shape, dtype=bool)
    if standing is None or not (np.any(tw != 0) or np.any(n != 1)):
        return p, bridged
    s = leg.heights_m
    moved, inside = _inside_of_bends(leg, standing, s)
    if hoop_pa is None:
        base, dk = p, leg.curvature.axial - standing.curvature.axial
    else:
        base, dk = np.asarray(hoop_pa, dtype=float), leg.curvature.axial
    covered = base > 0
    base = n * base
    out = np.where(moved & covered, base + tw * dk, p)
    bridged = inside & covered & (out < 0)
    out = np.maximum(out, 0.0)
    if bridged.any():
        out += _ring_edges(standing, s, base, bridged, covered)
    return out, bridged


def wale_stretch(leg: Any) -> np.ndarray:
    """How much longer each vertex's meridian is across the bent joints, (N,) ratio.

    The skin's stretch along the leg at a vertex is ``1 + (d angle / ds) ((k x (x - c)) .
    t)`` (see :func:`_inside_of_bends`): above 1 over the outside of a bend, below 1 inside.
    A stocking slides over the skin of the bend (it is held by friction on the straight
    parts either side), so each meridian strip of fabric takes the mean stretch of its
    strip across the blend: ``(1 + eps_0) stretch - 1`` is its wale strain. 1 off the bends
    and on a standing leg.
    """
    standing = getattr(leg, "standing", None)
    out = np.ones(leg.n_vertices)
    if standing is None:
        return out
    s = leg.heights_m
    _, theta, _ = standing.cylindrical
    strip = np.minimum(((theta + np.pi) / (2 * np.pi) * FOLD_STRIPS).astype(int), FOLD_STRIPS - 1)
    area = standing.vertex_areas
    for near, stretch in _bend_stretch(leg, standing, s):
        num = np.bincount(strip[near], stretch * area[near], FOLD_STRIPS)
        den = np.bincount(strip[near], area[near], FOLD_STRIPS)
        mean = np.divide(num, den, out=np.ones(FOLD_STRIPS), where=den > 0)
        out[near] *= mean[strip[near]]
    return out


def _bend_stretch(leg: Any, standing: Any, s: np.ndarray):
    """Per joint: the vertices of its blend and the skin's stretch along the leg there."""
    cl = leg._centreline
    x = standing.vertices
    t = standing.local_axis_at(s)
    for joint in cl.joints:
        near = np.abs(s - joint.height_m) <= 0.5 * joint.width_m
        if not near.any():
            continue
        d = 1e-4
        rate = (joint.angle_at(s[near] + d) - joint.angle_at(s[near] - d)) / (2 * d)
        lever = np.einsum("ij,ij->i", np.cross(cl.axis, x[near] - joint.centre), t[near])
        yield near, 1.0 + rate * lever


def _inside_of_bends(leg: Any, standing: Any, s: np.ndarray) -> tuple:
    """Vertices in a joint's blend, and those on the inside of the bend (skin shortened).

    The skin's stretch along the leg is ``1 + (d angle / ds) ((k x (x - c)) . t)`` for a
    turn about the axis ``k`` through ``c`` (``t`` the standing local axis; exact for the
    rigid sections of the pose): below 1 behind the knee, in front of a dorsiflexed ankle.
    """
    moved = np.zeros(s.shape, dtype=bool)
    inside = np.zeros(s.shape, dtype=bool)
    for near, stretch in _bend_stretch(leg, standing, s):
        moved |= near
        inside[np.flatnonzero(near)[stretch < 1.0]] = True
    return moved, inside


def _ring_edges(standing: Any, s, p, bridged, covered) -> np.ndarray:
    """The hoop load of each ring's bridged arc, moved to the skin on either side of it."""
    _, theta, r = standing.cylindrical
    area = standing.vertex_areas  # the posed surface keeps the areas where it moved rigidly
    ring = np.floor(s / FOLD_RING_STEP_M).astype(np.int64)
    ring -= ring[bridged].min()
    n = int(ring[bridged].max()) + 1
    inside = (ring >= 0) & (ring < n)
    ring = np.where(inside, ring, 0)
    # the circular mean angle of each ring's bridged arc, and every vertex's angle from it
    c = np.bincount(ring[bridged], np.cos(theta[bridged]), n)
    sn = np.bincount(ring[bridged], np.sin(theta[bridged]), n)
    phi = np.angle(np.exp(1j * (theta - np.arctan2(sn, c)[ring])))
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    np.minimum.at(lo, ring[bridged], phi[bridged])
    np.maximum.at(hi, ring[bridged], phi[bridged])
    lost = np.bincount(ring[bridged], p[bridged] * area[bridged], n)  # N per ring
    band = FOLD_EDGE_BAND_M / np.maximum(r, 1e-6)  # the band as an angle
    free = inside & covered & ~bridged
    extra = np.zeros(p.shape)
    for edge in (
        free & (phi < lo[ring]) & (phi >= lo[ring] - band),
        free & (phi > hi[ring]) & (phi <= hi[ring] + band),
    ):
        a_edge = np.bincount(ring[edge], area[edge], n)
        load = np.divide(0.5 * lost, a_edge, out=np.zeros(n), where=a_edge > 0)
        extra[edge] += load[ring[edge]]
    return extra
