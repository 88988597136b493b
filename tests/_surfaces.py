"""Analytic tube surfaces (cylinder, elliptic cylinder, peanut) for the solver tests.

Each tube is an open triangulated surface around the z axis, 0.6 m long (leg-like, so that the
Leg validation accepts it), with known curvature and convex-hull girth.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ellipe

LENGTH_M = 0.6


def tube(radius_of_theta, length=LENGTH_M, n_theta=192, n_z=121, twist=0.0):
    """Vertices (N, 3) and faces (M, 3) of an open tube r = radius_of_theta(theta) about z.

    ``twist`` (radians) rotates alternate rings by half a step, so the triangles are not all
    aligned with the axis (a better-conditioned mesh for curvature estimates).
    """
    theta = 2 * math.pi * np.arange(n_theta) / n_theta
    z = np.linspace(0.0, length, n_z)
    tt = theta[None, :] + (np.arange(n_z)[:, None] % 2) * (math.pi / n_theta) * (twist != 0)
    r = radius_of_theta(tt)
    v = np.stack([r * np.cos(tt), r * np.sin(tt), np.repeat(z[:, None], n_theta, axis=1)], -1)
    v = v.reshape(-1, 3)
    i, j = np.meshgrid(np.arange(n_z - 1), np.arange(n_theta), indexing="ij")
    a = i * n_theta + j
    b = i * n_theta + (j + 1) % n_theta
    c = (i + 1) * n_theta + j
    d = (i + 1) * n_theta + (j + 1) % n_theta
    faces = np.concatenate([np.stack([a, b, d], -1), np.stack([a, d, c], -1)]).reshape(-1, 3)
    return v, faces.astype(np.int64)


def cylinder(radius=0.05, **kw):
    return tube(lambda t: np.full_like(t, radius), **kw)


def ellipse_radius(a, b):
    """r(theta) of the ellipse x = r cos, y = r sin with semi-axes a (x) and b (y)."""
    return lambda t: a * b / np.sqrt((b * np.cos(t)) ** 2 + (a * np.sin(t)) ** 2)


def elliptic_cylinder(a=0.05, b=0.035, **kw):
    return tube(ellipse_radius(a, b), **kw)


def ellipse_perimeter(a, b):
    return 4 * a * ellipe(1 - (b / a) ** 2)


def peanut_radius(r0=0.045, eps=0.35):
    """r(theta) = r0 (1 + eps cos 2 theta): concave near theta = +-pi/2 for eps > 0.2."""
    return lambda t: r0 * (1 + eps * np.cos(2 * t))


def peanut(r0=0.045, eps=0.35, **kw):
    return tube(peanut_radius(r0, eps), **kw)


def polygon_perimeter(xy):
    return float(np.sum(np.linalg.norm(np.roll(xy, -1, axis=0) - xy, axis=1)))


def hull_perimeter_of(radius_of_theta, n=20000):
    from scipy.spatial import ConvexHull

    t = 2 * math.pi * np.arange(n) / n
    r = radius_of_theta(t)
    xy = np.column_stack([r * np.cos(t), r * np.sin(t)])
    return polygon_perimeter(xy[ConvexHull(xy).vertices])


def thigh_cylinder(radius=0.05, straight_to=0.46, **kw):
    """A cylinder of ``radius`` up to ``straight_to`` (m) that widens by 30 % over 0.14 m above.

    The wider end is a "thigh", so the leg axis points that way, as on a leg. ``kw`` go to
    :func:`tube` (``length``, ``n_z``, ``n_theta``).
    """
    v, f = tube(lambda t: np.full_like(t, radius), **kw)
    z = v[:, 2]
    v[:, :2] *= (1 + 0.3 * np.clip((z - straight_to) / 0.14, 0, 1) ** 2)[:, None]
    return v, f


def make_leg(vertices, faces, name="tube", units="m"):
    import stockingsim as ss

    return ss.Leg.from_arrays(vertices, faces, units=units, name=name)


# --- surfaces of revolution (doubly curved) ----------------------------------------------------
def revolution(profile, z, n_theta=192):
    """Vertices and faces of the surface of revolution ``r = profile(z)`` about the z axis.

    ``z`` (K,) are the ring heights (metres, increasing). Rings of ``n_theta`` vertices at the
    angles ``2 pi j / n_theta``; open at both ends.
    """
    z = np.asarray(z, dtype=float)
    theta = 2 * math.pi * np.arange(n_theta) / n_theta
    r = np.asarray(profile(z), dtype=float)[:, None]
    v = np.stack(
        [r * np.cos(theta)[None], r * np.sin(theta)[None], np.repeat(z[:, None], n_theta, 1)], -1
    ).reshape(-1, 3)
    n_z = len(z)
    i, j = np.meshgrid(np.arange(n_z - 1), np.arange(n_theta), indexing="ij")
    a = i * n_theta + j
    b = i * n_theta + (j + 1) % n_theta
    c = (i + 1) * n_theta + j
    d = (i + 1) * n_theta + (j + 1) % n_theta
    faces = np.concatenate([np.stack([a, b, d], -1), np.stack([a, d, c], -1)]).reshape(-1, 3)
    return v, faces.astype(np.int64)


def meridian_curvatures(r, dr, d2r):
    """Normal curvatures of ``r(z)``: hoop ``1 / (r sqrt(1 + r'^2))`` and meridian
    ``-r'' / (1 + r'^2)^(3/2)`` (positive where convex: a barrel; negative at a waist).

    Textbook differential geometry of surfaces of revolution (e.g. do Carmo, Differential
    Geometry of Curves and Surfaces, 1976, section 3-3, example 4).
    """
    g = 1.0 + dr**2
    return 1.0 / (r * np.sqrt(g)), -d2r / g**1.5


class DeadLoadWale:
    """A test fabric: linear hoop fibres (``k_hoop`` N/m per unit strain); wale fibres at a
    constant tension, as if hung with a dead load (the cone tests of friction)."""

    def __init__(self, wale_tension_n_per_m: float, k_hoop: float = 250.0) -> None:
        self.t_w = wale_tension_n_per_m
        self.k_hoop = k_hoop

    def tension(self, strain, direction="course", branch="unloading"):
        eps = np.asarray(strain, dtype=float)
        if direction == "wale":
            return np.full(eps.shape, self.t_w)
        return self.k_hoop * eps
