"""Closed-form checks of the contact solver's fields (solvers/_maps.py).

The fabric law against exact integrals, the bilinear radial map at its nodes and against
finite differences, the skin's smoothing widths (half a node spacing in angle, half a ring
spacing in height) and the bicubic periodic stiffness spline (constant stays constant, nodes
reproduced, periodic and C1 across the seam, clamped in height).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from stockingsim.solvers._maps import FabricLaw, SkinStiffness, interp_map, skin_stiffness
from stockingsim.solvers._setup import theta_grid


class _Linear:
    """A fabric with T = a eps + c (any direction), recording the calls."""

    def __init__(self, a=200.0, c=0.0, warn=False):
        self.a, self.c, self.warn, self.calls = a, c, warn, []

    def tension(self, eps, direction, branch):
        self.calls.append((direction, branch))
        if self.warn:
            warnings.warn("extrapolated", UserWarning, stacklevel=2)
        return self.a * np.asarray(eps) + self.c


# --- FabricLaw ----------------------------------------------------------------------------


def test_fabric_law_of_a_linear_fabric_is_exact_and_its_energy_the_integral():
    fab = _Linear(a=200.0, c=3.0)
    law = FabricLaw(fab, "wale", 0.8)
    assert fab.calls == [("wale", "unloading")]
    assert len(law.eps) == 2001 and law.eps[0] == 0.0 and law.eps[-1] == pytest.approx(0.8)
    eps = np.array([0.0, 1e-4, 0.1234567, 0.4, 0.79999, 0.8])
    phi, t = law(eps)
    np.testing.assert_allclose(t, 200.0 * eps + 3.0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(phi, 100.0 * eps**2 + 3.0 * eps, rtol=1e-12, atol=1e-14)
    # beyond the table: T extrapolated linearly, Phi its integral
    phi, t = law(np.array([1.0, 1.5]))
    np.testing.assert_allclose(t, [203.0, 303.0], rtol=1e-12)
    np.testing.assert_allclose(phi, [103.0, 229.5], rtol=1e-12)


def test_fabric_law_keeps_a_small_tension_at_zero_strain():
    law = FabricLaw(_Linear(a=10.0, c=0.5), "course", 0.5)  # T(0) = 0.5 N/m
    assert law.t[0] == 0.5
    phi, t = law(np.array([0.0, 0.1]))
    np.testing.assert_allclose(t, [0.5, 1.5], rtol=1e-12)
    np.testing.assert_allclose(phi, [0.0, 0.1], rtol=1e-12, atol=1e-15)


def test_fabric_law_is_zero_in_compression_and_at_zero_strain():
    law = FabricLaw(_Linear(a=50.0), "course", 0.5)
    phi, t = law(np.array([-0.3, -1e-9, 0.0]))
    np.testing.assert_array_equal(phi, 0.0)
    np.testing.assert_array_equal(t, 0.0)
    assert law.t[0] == 0.0 and law.phi[0] == 0.0


def test_fabric_law_of_a_curved_fabric_is_piecewise_linear_with_a_consistent_energy():
    class Square:
        def tension(self, eps, direction, branch):
            return 1000.0 * np.asarray(eps) ** 2

    law = FabricLaw(Square(), "course", 1.0)
    # at the nodes: T exact, Phi the trapezoid sum (within the exact integral's O(h^2))
    nodes = law.eps[[0, 7, 1000, 2000]]
    phi, t = law(nodes)
    np.testing.assert_allclose(t, 1000.0 * nodes**2, rtol=1e-12, atol=1e-12)
    idx = [0, 7, 1000, 2000]
    trap = [np.sum(0.5 * (law.t[1 : i + 1] + law.t[:i]) * np.diff(law.eps[: i + 1])) for i in idx]
    np.testing.assert_allclose(phi, trap, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(phi[2:], 1000.0 * nodes[2:] ** 3 / 3, rtol=1e-6)
    # between nodes: T linear between its neighbours, dPhi/deps = T
    e = np.array([0.12345, 0.5, 0.77777])
    h = 1e-7
    phi_p, _ = law(e + h)
    phi_m, _ = law(e - h)
    _, t = law(e)
    np.testing.assert_allclose((phi_p - phi_m) / (2 * h), t, rtol=1e-6)
    j = np.searchsorted(law.eps, e) - 1
    w = (e - law.eps[j]) / (law.eps[j + 1] - law.eps[j])
    np.testing.assert_allclose(t, (1 - w) * law.t[j] + w * law.t[j + 1], rtol=1e-12)


def test_fabric_law_clips_negative_and_nan_tension_and_silences_the_fabric():
    class Bad:
        def tension(self, eps, direction, branch):
            warnings.warn("extrapolated", UserWarning, stacklevel=2)
            t = 100.0 * np.asarray(eps) - 10.0  # negative below eps = 0.1
            t[-5:] = np.nan
            return t

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        law = FabricLaw(Bad(), "course", 1.0)
    assert np.all(law.t >= 0.0) and np.all(np.isfinite(law.t))
    assert law.t[0] == 0.0 and law.t[-1] == 0.0
    _, t = law(np.array([0.05, 0.5]))
    np.testing.assert_allclose(t, [0.0, 40.0], rtol=1e-12, atol=1e-12)


# --- interp_map ---------------------------------------------------------------------------


def _map(k=5, n=12, seed=1):
    rng = np.random.default_rng(seed)
    zs = np.sort(rng.uniform(0.0, 0.4, k))
    return zs, 0.05 + 0.01 * rng.random((k, n))


def test_interp_map_reproduces_the_nodes():
    zs, rmap = _map()
    n = rmap.shape[1]
    th = theta_grid(n)
    z, t = np.meshgrid(zs, th, indexing="ij")
    r, _, _ = interp_map(rmap, zs, z.ravel(), t.ravel())
    np.testing.assert_allclose(r, rmap.ravel(), rtol=1e-12)
    # the same angle a turn on
    r2, _, _ = interp_map(rmap, zs, z.ravel(), t.ravel() + 2 * math.pi)
    np.testing.assert_allclose(r2, rmap.ravel(), rtol=1e-9)


def test_interp_map_is_bilinear_and_its_derivatives_are_the_finite_differences():
    zs, rmap = _map()
    n = rmap.shape[1]
    rng = np.random.default_rng(3)
    z = rng.uniform(zs[0] + 1e-3, zs[-1] - 1e-3, 40)
    th = rng.uniform(-math.pi, math.pi, 40)
    r, dz, dth = interp_map(rmap, zs, z, th)
    # bilinear by hand
    i = np.clip(np.searchsorted(zs, z) - 1, 0, len(zs) - 2)
    t = (z - zs[i]) / (zs[i + 1] - zs[i])
    fj = (th + math.pi) * n / (2 * math.pi)
    j = np.floor(fj).astype(int)
    s = fj - j
    j0, j1 = j % n, (j + 1) % n
    low = (1 - s) * rmap[i, j0] + s * rmap[i, j1]
    high = (1 - s) * rmap[i + 1, j0] + s * rmap[i + 1, j1]
    np.testing.assert_allclose(r, (1 - t) * low + t * high, rtol=1e-12)
    h = 1e-8
    rzp, _, _ = interp_map(rmap, zs, z + h, th)
    rzm, _, _ = interp_map(rmap, zs, z - h, th)
    np.testing.assert_allclose(dz, (rzp - rzm) / (2 * h), rtol=1e-5, atol=1e-8)
    rtp, _, _ = interp_map(rmap, zs, z, th + h)
    rtm, _, _ = interp_map(rmap, zs, z, th - h)
    np.testing.assert_allclose(dth, (rtp - rtm) / (2 * h), rtol=1e-5, atol=1e-8)


def test_interp_map_is_clamped_in_height():
    zs, rmap = _map()
    th = np.array([-1.0, 0.3, 2.0])
    for z_out, z_end in ((zs[0] - 0.1, zs[0]), (zs[-1] + 0.1, zs[-1])):
        r, dz, dth = interp_map(rmap, zs, np.full(3, z_out), th)
        r_end, _, dth_end = interp_map(rmap, zs, np.full(3, z_end), th)
        np.testing.assert_allclose(r, r_end, rtol=1e-12)
        np.testing.assert_array_equal(dz, 0.0)
        np.testing.assert_allclose(dth, dth_end, rtol=1e-12)


def test_interp_map_of_a_field_linear_in_height_and_constant_in_angle():
    zs = np.array([0.0, 0.1, 0.25, 0.3])
    rmap = np.repeat((0.04 + 0.2 * zs)[:, None], 16, axis=1)
    z = np.array([0.01, 0.1, 0.2, 0.29])
    r, dz, dth = interp_map(rmap, zs, z, np.array([-3.0, 0.0, 1.0, 3.1]))
    np.testing.assert_allclose(r, 0.04 + 0.2 * z, rtol=1e-12)
    np.testing.assert_allclose(dz, 0.2, rtol=1e-9)
    np.testing.assert_allclose(dth, 0.0, atol=1e-15)


# --- skin_stiffness -----------------------------------------------------------------------


def _second_moment(profile, axis_len, centre, periodic):
    x = np.arange(axis_len) - centre
    if periodic:
        x = (x + axis_len // 2) % axis_len - axis_len // 2
    w = profile / profile.sum()
    return float(np.sum(w * x**2))


def test_skin_stiffness_keeps_a_constant_map_constant():
    k = skin_stiffness(np.full((30, 64), 5e4), np.linspace(0, 0.3, 30), np.linspace(0, 0.3, 7), 8)
    np.testing.assert_allclose(k, 5e4, rtol=1e-12)


def test_skin_stiffness_smooths_half_a_node_spacing_in_angle_periodically():
    m, n = 400, 20  # 20 map columns per node: sigma = 10 columns
    k_map = np.zeros((3, m))
    k_map[:, 0] = 1.0
    k = skin_stiffness(k_map, np.array([0.0]), np.array([0.0, 0.1]), n)  # one map row: no z
    row = k[1]
    assert row.sum() == pytest.approx(1.0, rel=1e-9)  # periodic: nothing lost
    np.testing.assert_allclose(row[1:50], row[-1:-50:-1], rtol=1e-9)  # wraps round
    assert _second_moment(row, m, 0, periodic=True) == pytest.approx(100.0, rel=0.01)
    np.testing.assert_allclose(k[0], k[2], rtol=1e-12)


def test_skin_stiffness_smooths_half_a_ring_spacing_in_height_clamped():
    rows = 201
    map_h = np.linspace(0.0, 0.2, rows)  # 1 mm rows
    ring_h = np.arange(0.0, 0.2001, 0.02)  # 20 mm rings: sigma = 10 rows
    k_map = np.zeros((rows, 8))
    k_map[100] = 1.0
    k = skin_stiffness(k_map, map_h, ring_h, 8)  # 8 nodes on 8 columns: sigma 0.5 column
    col = k[:, 3]
    assert col.sum() == pytest.approx(1.0, rel=1e-9)
    assert _second_moment(col, rows, 100, periodic=False) == pytest.approx(100.0, rel=0.01)
    # clamped: the field goes on beyond the end row as the end row ("nearest")
    edge = np.zeros((rows, 8))
    edge[0] = 1.0
    k = skin_stiffness(edge, map_h, ring_h, 8)
    w0 = 1.0 / (math.sqrt(2 * math.pi) * 10.0)
    assert k[0, 0] == pytest.approx(0.5 + 0.5 * w0, rel=0.01)


def test_skin_stiffness_does_not_smooth_in_height_with_one_ring_or_one_row():
    rng = np.random.default_rng(5)
    k_map = rng.random((6, 32))
    one_ring = skin_stiffness(k_map, np.linspace(0, 0.1, 6), np.array([0.05]), 32)
    angle_only = skin_stiffness(k_map, np.array([0.0]), np.array([0.0, 0.1]), 32)
    np.testing.assert_allclose(one_ring, angle_only, rtol=1e-12)
    # two rings are enough to smooth in height
    two = skin_stiffness(k_map, np.linspace(0, 0.1, 6), np.array([0.0, 0.1]), 32)
    assert not np.allclose(two, angle_only)
    # two map rows as well
    k2 = rng.random((2, 32))
    two_rows = skin_stiffness(k2, np.array([0.0, 0.001]), np.array([0.0, 0.1]), 32)
    assert not np.allclose(two_rows, skin_stiffness(k2, np.array([0.0]), np.array([0.0]), 32))


# --- SkinStiffness ------------------------------------------------------------------------


def _periodic_field(z, th):
    return 1e4 * (2.0 + np.sin(th) + 0.5 * np.cos(2 * th)) * (1.0 + 3.0 * z)


def test_skin_stiffness_field_of_a_constant_is_constant_with_zero_gradient():
    spl = SkinStiffness(np.full((5, 24), 3e4), np.linspace(0.0, 0.4, 5))
    z = np.array([-0.1, 0.0, 0.13, 0.4, 0.7])
    th = np.array([-4.0, -math.pi, 0.2, math.pi, 7.0])
    k, dz, dth = spl(z, th)
    np.testing.assert_allclose(k, 3e4, rtol=1e-10)
    np.testing.assert_allclose(dz, 0.0, atol=1e-6)
    np.testing.assert_allclose(dth, 0.0, atol=1e-6)


def test_skin_stiffness_field_reproduces_the_nodes_and_is_periodic():
    zs = np.linspace(0.0, 0.3, 7)
    n = 48
    th = theta_grid(n)
    z, t = np.meshgrid(zs, th, indexing="ij")
    spl = SkinStiffness(_periodic_field(z, t), zs)
    k, _, _ = spl(z, t)
    np.testing.assert_allclose(k, _periodic_field(z, t), rtol=1e-10)
    zq = np.array([0.05, 0.111, 0.29])
    tq = np.array([-3.0, 0.4, 2.9])
    k0, dz0, dth0 = spl(zq, tq)
    for turn in (-2 * math.pi, 2 * math.pi, 4 * math.pi):
        k1, dz1, dth1 = spl(zq, tq + turn)
        np.testing.assert_allclose(k1, k0, rtol=1e-9)
        np.testing.assert_allclose(dth1, dth0, rtol=1e-7)
    # a smooth periodic field: the spline and its gradient follow it
    np.testing.assert_allclose(k0, _periodic_field(zq, tq), rtol=1e-4)
    exact_dth = 1e4 * (np.cos(tq) - np.sin(2 * tq)) * (1.0 + 3.0 * zq)
    np.testing.assert_allclose(dth0, exact_dth, rtol=2e-3, atol=20.0)
    np.testing.assert_allclose(dz0, 3e4 * (2.0 + np.sin(tq) + 0.5 * np.cos(2 * tq)), rtol=1e-6)


def test_skin_stiffness_field_is_c1_across_the_seam_and_matches_finite_differences():
    zs = np.linspace(0.0, 0.3, 6)
    rng = np.random.default_rng(11)
    th = theta_grid(32)
    z2, t2 = np.meshgrid(zs, th, indexing="ij")
    spl = SkinStiffness(_periodic_field(z2, t2), zs)
    th0 = th[0]  # the seam at -pi == pi
    z = np.array([0.07, 0.2])
    e = 1e-9
    km, dzm, dthm = spl(z, np.full(2, th0 - e))
    kp, dzp, dthp = spl(z, np.full(2, th0 + e))
    np.testing.assert_allclose(km, kp, rtol=1e-6)
    np.testing.assert_allclose(dthm, dthp, rtol=1e-3, atol=1.0)
    np.testing.assert_allclose(dzm, dzp, rtol=1e-5)
    zq = rng.uniform(0.01, 0.29, 20)
    tq = rng.uniform(-math.pi, math.pi, 20)
    k, dz, dth = spl(zq, tq)
    h = 1e-6
    np.testing.assert_allclose(dz, (spl(zq + h, tq)[0] - spl(zq - h, tq)[0]) / (2 * h), rtol=1e-4)
    np.testing.assert_allclose(dth, (spl(zq, tq + h)[0] - spl(zq, tq - h)[0]) / (2 * h), rtol=1e-4)


def test_skin_stiffness_field_is_clamped_in_height():
    zs = np.linspace(0.1, 0.3, 5)
    th = theta_grid(12)
    z, t = np.meshgrid(zs, th, indexing="ij")
    spl = SkinStiffness(_periodic_field(z, t), zs)
    assert (spl.lo, spl.hi) == (0.1, 0.3)
    tq = np.array([-2.0, 0.0, 1.5])
    for out, end in ((0.0, 0.1), (0.5, 0.3)):
        k, dz, dth = spl(np.full(3, out), tq)
        k_end, _, dth_end = spl(np.full(3, end), tq)
        np.testing.assert_allclose(k, k_end, rtol=1e-12)
        np.testing.assert_array_equal(dz, 0.0)
        np.testing.assert_allclose(dth, dth_end, rtol=1e-12)


def test_skin_stiffness_field_on_two_rows_is_linear_in_height():
    zs = np.array([0.1, 0.3])
    th = theta_grid(20)
    k_skin = np.vstack([np.full(20, 1e4), np.full(20, 3e4)])
    spl = SkinStiffness(k_skin, zs)
    k, dz, _ = spl(np.array([0.15, 0.2, 0.25]), th[:3])
    np.testing.assert_allclose(k, [1.5e4, 2e4, 2.5e4], rtol=1e-10)
    np.testing.assert_allclose(dz, 1e5, rtol=1e-10)
    # three rows: a quadratic in height is reproduced (kx = 2)
    zs3 = np.array([0.0, 0.1, 0.3])
    q = 1e4 * (1 + zs3 + 10 * zs3**2)
    spl3 = SkinStiffness(np.repeat(q[:, None], 20, axis=1), zs3)
    zq = np.array([0.05, 0.2, 0.25])
    k3, dz3, _ = spl3(zq, th[:3])
    np.testing.assert_allclose(k3, 1e4 * (1 + zq + 10 * zq**2), rtol=1e-9)
    np.testing.assert_allclose(dz3, 1e4 * (1 + 20 * zq), rtol=1e-9)
