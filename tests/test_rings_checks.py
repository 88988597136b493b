"""The contact solve's rings on pure arrays: the radial map of a polygon and its hull ring.

Closed forms: a regular polygon's radial map ``R cos(pi / k) / cos(theta - theta_edge)``, the
outermost hit of a ray on a circle off the centre ``d cos(theta) + sqrt(R^2 - d^2 sin^2)``,
a square's hull ring (corners and edge midpoints for 8 points).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from stockingsim.solvers._rings import hull_ring, radial_map
from stockingsim.solvers._setup import theta_grid


def _regular_polygon_map(circumradius, k, rot, thetas):
    """Distance from the centre to a regular k-gon (a vertex at angle ``rot``) along rays."""
    apothem = circumradius * math.cos(math.pi / k)
    # angle from the ray to the nearest edge normal (edge normals at rot + pi/k + 2 pi j / k)
    u = np.mod(thetas - rot, 2 * math.pi / k) - math.pi / k
    return apothem / np.cos(u)


@pytest.mark.parametrize("k, rot", [(5, 0.3), (4, 0.0), (3, -1.0)])
def test_radial_map_of_a_coarse_regular_polygon_is_exact(k, rot):
    # a few corners: a ray hits an edge inside it, not a vertex, so only the ray-edge
    # intersection gives the distance (the polar interpolation of the corners does not)
    rc = 0.05
    a = rot + 2 * math.pi * np.arange(k) / k
    poly = np.column_stack([rc * np.cos(a), rc * np.sin(a)])
    # the grid holds rays through corners and, for the square, rays parallel to its edges
    th = np.concatenate([theta_grid(72), a[:2], a[:1] + 1e-3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # parallel rays divide by 0: no warning for the user
        r = radial_map(poly, th)
    np.testing.assert_allclose(r, _regular_polygon_map(rc, k, rot, th), rtol=1e-9)
    assert r[72] == pytest.approx(rc, rel=1e-12) and r[73] == pytest.approx(rc, rel=1e-12)


def test_radial_map_with_an_edge_along_a_ray():
    # the edge (0.01, 0) -> (0.02, 0) lies on the ray theta = 0 (0 / 0 for it); the outermost
    # point on that ray is the corner (0.02, 0)
    poly = np.array([[0.01, 0.0], [0.02, 0.0], [0.0, 0.02], [-0.02, 0.0], [0.0, -0.02]])
    th = np.array([0.0, 0.5 * math.pi, math.pi, -0.5 * math.pi, 0.25 * math.pi])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = radial_map(poly, th)
    np.testing.assert_allclose(r, [0.02, 0.02, 0.02, 0.02, 0.01 * math.sqrt(2)], rtol=1e-12)


def test_radial_map_of_a_loop_off_the_centre():
    # a circle of radius R centred at (d, 0), d > R: rays within asin(R / d) hit it at
    # d cos(theta) + sqrt(R^2 - d^2 sin^2(theta)) (the far side, the outermost point)
    big_r, d = 0.02, 0.05
    t = np.linspace(0, 2 * math.pi, 4000, endpoint=False)
    poly = np.column_stack([d + big_r * np.cos(t), big_r * np.sin(t)])
    th = np.linspace(-0.4, 0.4, 41)  # asin(0.4) = 0.41
    want = d * np.cos(th) + np.sqrt(big_r**2 - (d * np.sin(th)) ** 2)
    np.testing.assert_allclose(radial_map(poly, th), want, rtol=1e-6)


def test_radial_map_of_a_missed_ray_interpolates_the_corners_in_angle():
    # a triangle off the centre, corners at angles -0.3, 0 and 0.3 with radii 0.04, 0.06,
    # 0.05: a ray that misses it takes the periodic linear interpolation of the corners'
    # radii in angle, across the gap from 0.3 to 2 pi - 0.3
    ang = np.array([-0.3, 0.0, 0.3])
    rad = np.array([0.04, 0.06, 0.05])
    poly = np.column_stack([rad * np.cos(ang), rad * np.sin(ang)])
    th = np.array([math.pi, 0.3 + 0.25 * (2 * math.pi - 0.6), -1.0, 0.0])
    r = radial_map(poly, th)
    gap = 2 * math.pi - 0.6
    f = (th[:3] - 0.3) % (2 * math.pi) / gap  # fraction of the gap from the corner at 0.3
    np.testing.assert_allclose(r[:3], 0.05 + f * (0.04 - 0.05), rtol=1e-12)
    assert r[1] == pytest.approx(0.0475) and r[0] == pytest.approx(0.045)
    assert r[3] == pytest.approx(0.06, rel=1e-12)  # a hit is exact


def _square_map(a, n_grid, dent=False):
    th = theta_grid(n_grid)
    r = a / np.maximum(np.abs(np.cos(th)), np.abs(np.sin(th)))
    if dent:  # a hollow in the top edge: the hull bridges it
        r = np.where(np.abs(th - 0.5 * math.pi) < 0.3, 0.7 * r, r)
    return r, th


@pytest.mark.parametrize("dent", [False, True])
def test_hull_ring_of_a_square_puts_8_points_on_corners_and_midpoints(dent):
    a = 0.04
    r, th = _square_map(a, 72, dent)  # the grid has rays through the corners
    th_out, r_out = hull_ring(r, th, 8)
    want_th = math.pi + 0.25 * math.pi * np.arange(8)  # from the ray -pi, counter-clockwise
    want_r = np.where(np.arange(8) % 2 == 1, a * math.sqrt(2), a)
    np.testing.assert_allclose(th_out, want_th, atol=1e-12)
    np.testing.assert_allclose(r_out, want_r, rtol=1e-12)


@pytest.mark.parametrize("dent", [False, True])
def test_hull_ring_of_a_square_is_even_along_its_perimeter(dent):
    # 16 points a / 2 apart along the path (-a, 0) -> (-a, -a) -> (a, -a) -> (a, a) -> (-a, a)
    # -> back, the last one on the closing edge (-a, a) -> (-a, 0)
    a = 0.04
    r, th = _square_map(a, 72, dent)
    th_out, r_out = hull_ring(r, th, 16)
    path = np.array([[-a, 0.0], [-a, -a], [a, -a], [a, a], [-a, a], [-a, 0.0]])
    s_path = np.array([0.0, a, 3 * a, 5 * a, 7 * a, 8 * a])
    s = 0.5 * a * np.arange(16)
    want = np.column_stack([np.interp(s, s_path, path[:, 0]), np.interp(s, s_path, path[:, 1])])
    got = np.column_stack([r_out * np.cos(th_out), r_out * np.sin(th_out)])
    np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.parametrize("roll", [18, 36])
def test_hull_ring_does_not_depend_on_where_the_angle_grid_starts(roll):
    # the same square given on rays from -pi / 2 or from 0 (the grid rolled by a quarter or
    # half a turn) gives the same ring, still started on the ray -pi
    a = 0.04
    r, th = _square_map(a, 72, dent=True)
    th_ref, r_ref = hull_ring(r, th, 12)
    th_rolled = np.roll(th, -roll)
    th_rolled[th_rolled < th_rolled[0]] += 2 * math.pi
    th_out, r_out = hull_ring(np.roll(r, -roll), th_rolled, 12)
    np.testing.assert_allclose(r_out, r_ref, rtol=1e-12)
    np.testing.assert_allclose(np.cos(th_out), np.cos(th_ref), atol=1e-12)
    np.testing.assert_allclose(np.sin(th_out), np.sin(th_ref), atol=1e-12)
    assert np.all(np.diff(th_out) > 0) and th_out[-1] - th_out[0] < 2 * math.pi


@pytest.mark.parametrize("n", [7, 30])
def test_hull_ring_is_even_in_arc_length_and_starts_at_minus_pi(n):
    # an ellipse turned by 0.4 rad: the first point is on the ray -pi, the others follow
    # counter-clockwise, 1 / n of the hull's perimeter apart (the chords of an arc slightly less)
    from scipy.special import ellipe

    a, b, rot = 0.05, 0.03, 0.4
    th = theta_grid(720)
    u = th - rot
    r = a * b / np.sqrt((b * np.cos(u)) ** 2 + (a * np.sin(u)) ** 2)
    th_out, r_out = hull_ring(r, th, n)
    assert th_out[0] == pytest.approx(math.pi, abs=1e-12)  # the ray -pi, unwrapped from +pi
    u0 = -math.pi - rot
    assert r_out[0] == pytest.approx(
        a * b / math.hypot(b * math.cos(u0), a * math.sin(u0)), rel=1e-5
    )
    assert np.all(np.diff(th_out) > 0) and th_out[-1] < 3 * math.pi  # unwrapped, one turn
    xy = np.column_stack([r_out * np.cos(th_out), r_out * np.sin(th_out)])
    chord = np.linalg.norm(np.roll(xy, -1, axis=0) - xy, axis=1)
    per = 4 * a * ellipe(1 - (b / a) ** 2)
    assert chord.sum() <= per * (1 + 1e-6)
    if n == 30:  # short arcs: a chord is the arc per / n less its sag, (s kappa)^2 / 24 < 1 %
        kappa_max = a / b**2
        assert np.all(chord <= per / n * (1 + 1e-4))
        assert np.all(chord >= per / n * (1 - (per / n * kappa_max) ** 2 / 24 - 1e-3))
    # every point lies on the ellipse (its hull), to the 720-gon's chord sag
    uo = th_out - rot
    want = a * b / np.sqrt((b * np.cos(uo)) ** 2 + (a * np.sin(uo)) ** 2)
    np.testing.assert_allclose(r_out, want, rtol=1e-4)
