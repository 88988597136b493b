"""Closed-form checks of the contact solve's tube steps (stockingsim.solvers._tube).

Each step is called on small analytic surfaces: circular cylinders and cones (a radial map
constant in angle), a map ``R0 (1 + e cos(theta))``, regular polygons of nodes. The rings of
``n`` nodes start on the corners of the map's 256-gon when ``n`` divides 256, so a ring on a
circle of radius ``R`` is the regular ``n``-gon of girth ``2 n R sin(pi / n)``. The fabric is
linear (``T = a eps``), course ``A`` and wale ``A_W`` N/m.
"""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from _gradients import assert_energy_gradient

import stockingsim as ss
from stockingsim import errors
from stockingsim.solvers import _tube
from stockingsim.solvers._setup import theta_grid

TWO_PI = 2.0 * math.pi
A, A_W = 250.0, 100.0
N_MAP = 256


def _fabric():
    return ss.Fabric.linear(A, wale_stiffness_n_per_m=A_W)


def _same_angles(th, n):
    """The angles of ``n`` nodes evenly spaced counter-clockwise from the ray ``-pi``."""
    expect = theta_grid(n)
    assert np.abs(np.angle(np.exp(1j * (th - expect)))).max() < 1e-12
    assert np.diff(th) == pytest.approx(np.full(n - 1, TWO_PI / n), rel=1e-12)


def _polygon(radius, n):
    return 2.0 * n * radius * math.sin(math.pi / n)


def _cone_tube(
    rings=(0.0, 0.01, 0.03, 0.04),
    n=16,
    r_bottom=0.05,
    slope=0.0,
    strain=0.4,
    k=1e8,
    mu=0.0,
    prestrain=0.0,
    slip=5e-4,
    loose=(),
    k_map=None,
):
    """A tube on the cone ``R = r_bottom + slope z`` (a cylinder for slope 0), map rows 5 mm."""
    rings = np.asarray(rings, dtype=float)
    zs = np.linspace(rings[0], rings[-1], int(round((rings[-1] - rings[0]) / 0.005)) + 1)
    rmap = np.tile((r_bottom + slope * zs)[:, None], (1, N_MAP))
    hull = np.array([_polygon(r_bottom + slope * h, n) for h in rings])
    relaxed = hull / (1.0 + strain)
    for i in loose:
        relaxed[i] = 1.25 * hull[i]
    km = np.full(rmap.shape, k) if k_map is None else k_map
    tube = _tube.build_tube(rmap, zs, km, rings, relaxed, _fabric(), prestrain, n, mu, slip)
    return tube, rings, relaxed, hull


# --- step 1: start rings ----------------------------------------------------------------------
def test_start_rings_lie_on_the_sections_hull_interpolated_in_height():
    zs = np.array([0.0, 0.01, 0.02, 0.03])
    rmap = np.tile((0.04 + 0.2 * zs)[:, None], (1, N_MAP))  # radius linear in height
    rings = np.array([0.0, 0.005, 0.0175, 0.03])  # between rows and on the top row
    n = 16
    radius = 0.04 + 0.2 * rings
    relaxed = 0.5 * np.array([_polygon(r, n) for r in radius])
    th, r, hull = _tube.start_rings(rmap, zs, rings, relaxed, n)
    assert th.shape == r.shape == (4, n) and hull.shape == (4,)
    assert r == pytest.approx(np.repeat(radius[:, None], n, axis=1), rel=1e-12)
    for i in range(4):
        _same_angles(th[i], n)
    assert hull == pytest.approx([_polygon(x, n) for x in radius], rel=1e-12)


def test_a_loose_ring_starts_at_its_relaxed_girth_and_a_single_row_map_is_read():
    rmap = np.full((1, N_MAP), 0.05)
    n = 32
    hull = _polygon(0.05, n)
    for relaxed, scale in ((0.9 * hull, 1.0), (1.3 * hull, 1.3)):
        th, r, h = _tube.start_rings(rmap, np.array([0.1]), np.array([0.1]), np.array([relaxed]), n)
        assert h[0] == pytest.approx(hull, rel=1e-12)  # the hull girth, not the relaxed one
        assert r[0] == pytest.approx(np.full(n, 0.05 * scale), rel=1e-12)
        _same_angles(th[0], n)


# --- step 2: the tube at rest -----------------------------------------------------------------
def test_build_tube_rest_state_on_a_cone():
    slope = 0.25
    tube, rings, relaxed, hull = _cone_tube(slope=slope, prestrain=0.1, mu=0.3, slip=7e-4)
    n = 16
    radius = 0.05 + slope * rings
    assert tube.shape == (4, n)
    assert tube.r0 == pytest.approx(np.repeat(radius[:, None], n, axis=1), rel=1e-12)
    assert tube.z0 == pytest.approx(np.repeat(rings[:, None], n, axis=1), abs=0)
    assert tube.hull_len == pytest.approx(hull, rel=1e-12)
    assert tube.l0_hoop == pytest.approx(relaxed / n, rel=1e-14)
    # a ring stands for half the spacing to each neighbour, the end rings for half of one
    assert tube.w_hoop == pytest.approx([0.005, 0.015, 0.015, 0.005], rel=1e-12)
    assert tube.l0_axial == pytest.approx(np.diff(rings) / 1.1, rel=1e-12)
    assert tube.w_axial == pytest.approx(0.5 * (hull[1:] + hull[:-1]) / n, rel=1e-12)
    # the fabric tables: course and wale laws, each on its own range
    assert tube.law_c(np.array([0.4]))[1] == pytest.approx([A * 0.4], rel=1e-12)
    assert tube.law_w(np.array([0.4]))[1] == pytest.approx([A_W * 0.4], rel=1e-12)
    assert tube.law_c.eps[-1] == 2.0 and tube.law_w.eps[-1] == 2.0
    assert tube.t_typ == pytest.approx(np.full(4, A * 0.4), rel=1e-9)
    # the median of T w over the rings (here the mean of 0.005 and 0.015 m)
    assert tube.f_typ == pytest.approx(A * 0.4 * 0.01 * TWO_PI / n, rel=1e-9)
    assert tube.e_scale == pytest.approx(tube.f_typ * 1e-3, rel=1e-14)
    assert tube.k_nodes == pytest.approx(np.full((4, n), 1e8), rel=1e-12)
    assert tube.k_skin is None and tube.hoop_layers is None
    assert (tube.mu, tube.slip_m, tube.kfac, tube.scale) == (0.3, 7e-4, 1.0, 1e-3)
    assert tube.rho == pytest.approx(float(np.mean(radius)), rel=1e-12)
    chord = 2.0 * radius * math.sin(math.pi / n)
    assert tube.area == pytest.approx(chord[:, None] * tube.w_hoop[:, None] * np.ones(n))
    # the map is clamped at its end rows: no height slope on the end rings
    s2 = np.array([1.0, 1.0 + slope**2, 1.0 + slope**2, 1.0])
    assert tube.slope2 == pytest.approx(np.repeat(s2[:, None], n, axis=1), rel=1e-12)
    # before any contact force, friction sees Laplace's T / r on each ring's hull
    p_ring = A * 0.4 * TWO_PI / hull
    assert tube.normal_n == pytest.approx(p_ring[:, None] * tube.area, rel=1e-9)
    assert tube.pos0 == pytest.approx(_tube.positions(tube.r0, tube.th0, tube.z0), abs=0)
    c, s = np.cos(tube.th0), np.sin(tube.th0)
    sec = np.sqrt(s2)[:, None]
    tan = np.array([0.0, slope, slope, 0.0])[:, None]
    expect = np.stack([c / sec, s / sec, -tan / sec * np.ones_like(c)], axis=-1)
    assert tube.normals == pytest.approx(expect, abs=1e-12)


def test_build_tube_loose_rings_large_strains_and_one_ring():
    tube, _, _, hull = _cone_tube(strain=2.0, prestrain=3.0, loose=(0,))
    # tables reach twice the largest hull stretch minus one, and twice the axial one plus 0.5
    assert tube.law_c.eps[-1] == pytest.approx(2.0 * 3.0 - 1.0, rel=1e-12)
    assert tube.law_w.eps[-1] == pytest.approx(2.0 * 3.0 + 0.5, rel=1e-12)
    assert tube.t_typ[0] == 1e-9  # a loose ring has no tension: the floor
    assert tube.t_typ[1:] == pytest.approx(np.full(3, A * 2.0), rel=1e-9)
    assert np.all(tube.normal_n[0] == 0.0) and np.all(tube.normal_n[1:] > 0.0)
    assert tube.r0[0] == pytest.approx(np.full(16, 1.25 * 0.05), rel=1e-12)
    # a single ring stands for a unit width
    rmap = np.full((3, N_MAP), 0.05)
    one = _tube.build_tube(
        rmap, np.array([0.0, 0.01, 0.02]), np.full(rmap.shape, 1e8), np.array([0.01]),
        np.array([_polygon(0.05, 16) / 1.4]), _fabric(), 0.0, 16, 0.0, 5e-4,
    )  # fmt: skip
    assert one.w_hoop == pytest.approx([1.0]) and one.l0_axial.size == 0
    assert one.f_typ == pytest.approx(A * 0.4 * TWO_PI / 16, rel=1e-9)


def test_a_ring_at_exactly_its_relaxed_girth_has_no_normal_force():
    zs = np.linspace(0.0, 0.02, 5)
    rmap = np.full((5, N_MAP), 0.05)
    rings = np.array([0.0, 0.01, 0.02])
    hull = _tube.start_rings(rmap, zs, rings, np.ones(3), 16)[2]
    relaxed = hull / np.array([1.4, 1.0, 1.4])  # the middle ring neither stretched nor loose
    tube = _tube.build_tube(
        rmap, zs, np.full(rmap.shape, 1e8), rings, relaxed, _fabric(), 0.0, 16, 0.5, 5e-4
    )
    assert tube.t_typ[1] == 1e-9 and np.all(tube.normal_n[1] == 0.0)
    assert np.all(tube.normal_n[[0, 2]] > 0.0)


def test_varying_tissue_is_a_field_of_the_skin():
    k_map = np.tile(np.where(np.abs(theta_grid(N_MAP)) < 0.5, 4e7, 1e7), (9, 1))
    tube, _, _, _ = _cone_tube(k_map=k_map)
    assert tube.k_skin is not None
    z, th = tube.z0, tube.th0
    field = tube.k_skin(z, th)[0]
    # the nodes' stiffness is the smoothed field at the nodes; the field moves with them
    assert tube.k_nodes == pytest.approx(field, rel=0.05)
    assert 1e7 <= tube.k_nodes.min() and tube.k_nodes.max() <= 4e7
    assert tube.k_nodes.max() > 2e7 and tube.k_nodes.min() < 1.5e7
    moved = _tube.node_stiffness(tube, th + math.pi, z)
    assert moved == pytest.approx(tube.k_skin(z, th + math.pi)[0], rel=1e-12)
    assert not np.allclose(moved, tube.k_nodes, rtol=0.1)
    # any variation at all makes it the skin's field (here 0.5 Pa/m on 1e6)
    slight = _cone_tube(k_map=1e6 + 0.5 * (k_map > 2e7))[0]
    assert slight.k_skin is not None
    uniform, _, _, _ = _cone_tube()
    assert _tube.node_stiffness(uniform, th + 1.0, z + 0.001) is uniform.k_nodes


# --- variables and geometry -------------------------------------------------------------------
def test_pack_and_unpack_are_inverse_in_mm_and_mm_of_arc():
    tube, _, _, _ = _cone_tube(slope=0.1)
    rng = np.random.default_rng(1)
    r = tube.r0 + rng.normal(scale=1e-3, size=tube.shape)
    th = tube.th0 + rng.normal(scale=0.1, size=tube.shape)
    z = tube.z0 + rng.normal(scale=1e-3, size=tube.shape)
    x = _tube.pack(tube, r, th, z)
    nn = r.size
    assert x.shape == (3 * nn,)
    assert x[:nn] == pytest.approx(r.ravel() * 1e3, rel=1e-14)
    assert x[nn : 2 * nn] == pytest.approx(th.ravel() * tube.rho * 1e3, rel=1e-14)
    assert x[2 * nn :] == pytest.approx(z.ravel() * 1e3, rel=1e-14)
    r2, th2, z2 = _tube.unpack(tube, x)
    assert r2 == pytest.approx(r, rel=1e-14) and th2 == pytest.approx(th, rel=1e-14)
    assert z2 == pytest.approx(z, rel=1e-14)


def test_positions_slope_area_and_sink():
    r = np.array([[2.0, 3.0]])
    th = np.array([[0.5, -2.0]])
    z = np.array([[0.1, 0.2]])
    pos = _tube.positions(r, th, z)
    assert pos[0, 0] == pytest.approx([2 * math.cos(0.5), 2 * math.sin(0.5), 0.1], abs=1e-15)
    assert pos[0, 1] == pytest.approx([3 * math.cos(-2.0), 3 * math.sin(-2.0), 0.2], abs=1e-15)
    # an uneven ring on a circle: a node's hoop length is the mean of its two chords
    tube, _, _, _ = _cone_tube(n=4)
    ang = np.array([-math.pi, -1.0, 0.3, 2.0])
    th = np.tile(ang, (4, 1))
    rr = np.full((4, 4), 0.05)
    gaps = np.diff(np.r_[ang, ang[0] + TWO_PI])
    chord = 2 * 0.05 * np.sin(gaps / 2)
    hoop = 0.5 * (chord + np.roll(chord, 1))
    area = _tube.current_area(tube, rr, th, tube.z0)
    assert area == pytest.approx(hoop[None, :] * tube.w_hoop[:, None], rel=1e-12)
    # the sink under the skin, none outside it
    r = tube.r0 + np.array([-0.002, 0.0, 0.001, -0.0005])[:, None]
    sunk = _tube.sink(tube, r, tube.th0, tube.z0)
    assert sunk == pytest.approx(np.tile([[0.002], [0.0], [0.0], [0.0005]], (1, 4)), abs=1e-15)


def test_slope_of_a_cone_and_of_a_map_varying_in_angle():
    tube, _, _, _ = _cone_tube(slope=0.3)
    r = tube.r0 - 0.001  # the map's slope, wherever the node is (inside the map)
    z = tube.z0 + np.array([0.002, 0.002, 0.002, -0.002])[:, None]
    assert _tube.current_slope2(tube, r, tube.th0, z) == pytest.approx(
        np.full(tube.shape, 1.09), rel=1e-12
    )
    e, r0 = 0.2, 0.05
    tg = theta_grid(N_MAP)
    rmap = np.tile(r0 * (1 + e * np.cos(tg)), (3, 1))
    tube = SimpleNamespace(rmap=rmap, map_heights=np.array([0.0, 0.01, 0.02]), shape=(1, 5))
    th = np.array([[-2.5, -1.0, 0.3, 1.2, 2.9]])
    z = np.full((1, 5), 0.01)
    # the map is linear in angle between its columns: R and its slope on the node's cell
    grid = r0 * (1 + e * np.cos(tg))
    j = np.floor((th + math.pi) / (TWO_PI / N_MAP)).astype(int)
    frac = (th - tg[j]) / (TWO_PI / N_MAP)
    dr = (grid[(j + 1) % N_MAP] - grid[j]) * N_MAP / TWO_PI
    rr = grid[j] + frac * (grid[(j + 1) % N_MAP] - grid[j])
    for r in (rr, 0.5 * rr):  # over the node's own radius
        s2 = _tube.current_slope2(tube, r, th, z)
        assert s2 == pytest.approx(1 + (dr / r) ** 2, rel=1e-12)
    assert dr == pytest.approx(-r0 * e * np.sin(th), abs=1.5e-4)  # half a cell of R
    # the outward normal of the curve r(theta): (r, -r') in the (e_r, e_theta) frame
    nrm = _tube.skin_normals(tube, rr, th, z)
    c, s = np.cos(th), np.sin(th)
    ex = np.stack([rr * c + dr * s, rr * s - dr * c, np.zeros_like(c)], axis=-1)
    ex /= np.linalg.norm(ex, axis=-1, keepdims=True)
    assert nrm == pytest.approx(ex, abs=1e-12)
    assert np.linalg.norm(nrm, axis=-1) == pytest.approx(np.ones((1, 5)), rel=1e-14)


# --- fibres, friction, energy -----------------------------------------------------------------
def test_fibre_energy_and_force_of_a_regular_ring_in_closed_form():
    n = 16
    tube, rings, relaxed, hull = _cone_tube(n=n, prestrain=0.0)
    pos = _tube.positions(tube.r0, tube.th0, tube.z0)
    e, g = _tube.fibre_terms(tube, pos)
    # hoop: n fibres of strain 0.4 per ring, energy w l0 a eps^2 / 2 each; axial at rest: none
    eps = 0.4
    assert e == pytest.approx(np.sum(tube.w_hoop * n * relaxed / n) * A * eps**2 / 2, rel=1e-9)
    # each node is pulled inwards by 2 T w sin(pi / n): the gradient points outwards
    radial = np.sum(g[..., :2] * pos[..., :2], axis=-1) / np.linalg.norm(pos[..., :2], axis=-1)
    expect = 2 * A * eps * tube.w_hoop * math.sin(math.pi / n)
    assert radial == pytest.approx(np.repeat(expect[:, None], n, axis=1), rel=1e-9)
    assert np.abs(g[..., 2]).max() < 1e-12 * expect.max()
    assert np.linalg.norm(g[..., :2], axis=-1) == pytest.approx(np.abs(radial), rel=1e-9)
    # two layers of fabric on the second ring: its hoop energy and force twice
    tube.hoop_layers = np.array([1.0, 2.0, 1.0, 1.0])
    e2, g2 = _tube.fibre_terms(tube, pos)
    extra = tube.w_hoop[1] * relaxed[1] * A * eps**2 / 2
    assert e2 == pytest.approx(e + extra, rel=1e-9)
    assert g2[1] == pytest.approx(2 * g[1], rel=1e-9) and g2[2] == pytest.approx(g[2], rel=1e-12)


def test_axial_fibres_energy_and_force_in_closed_form():
    n = 16
    tube, rings, relaxed, hull = _cone_tube(n=n, prestrain=0.0)
    pos = _tube.positions(tube.r0, tube.th0, tube.z0)
    e0, _ = _tube.fibre_terms(tube, pos)
    lift = 0.002  # the third ring 2 mm up: the fibres below stretch, those above are slack
    pos[2, :, 2] += lift
    e, g = _tube.fibre_terms(tube, pos)
    eps = lift / 0.02
    w = 0.5 * (hull[1] + hull[2]) / n
    assert e - e0 == pytest.approx(n * w * 0.02 * A_W * eps**2 / 2, rel=1e-9)
    assert g[2, :, 2] == pytest.approx(np.full(n, w * A_W * eps), rel=1e-9)
    assert g[1, :, 2] == pytest.approx(np.full(n, -w * A_W * eps), rel=1e-9)
    assert g[3, :, 2] == pytest.approx(np.zeros(n), abs=1e-12)


def test_tangential_slip_and_the_regularized_coulomb_potential():
    tube, _, _, _ = _cone_tube(mu=0.4, slip=5e-4)
    pos = tube.pos0.copy()
    radial = tube.normals * 0.003  # a sink along the normal is no slip
    assert _tube.tangential_slip(tube, pos + radial) == pytest.approx(
        np.zeros(pos.shape), abs=1e-15
    )
    e, g = _tube.friction_terms(tube, pos + radial)
    assert e == pytest.approx(0.0, abs=1e-15) and np.abs(g).max() < 1e-12
    s = np.array([1e-4, 5e-4, 5e-3, 5e-2])[:, None]  # slip in height, per ring
    moved = pos.copy()
    moved[..., 2] += s
    d = _tube.tangential_slip(tube, moved + radial)
    assert d[..., 2] == pytest.approx(np.broadcast_to(s, (4, 16)), rel=1e-12)
    assert np.abs(d[..., :2]).max() < 1e-15
    e, g = _tube.friction_terms(tube, moved)
    q = np.sqrt(s**2 + 5e-4**2)
    mn = 0.4 * tube.normal_n
    assert e == pytest.approx(float(np.sum(mn * (q - 5e-4))), rel=1e-12)
    assert g[..., 2] == pytest.approx(mn * s / q, rel=1e-12)
    # far beyond the regularization the force is Coulomb's mu N, opposing the slip
    assert g[3, :, 2] == pytest.approx(mn[3], rel=1e-3)
    assert np.abs(g[..., :2]).max() < 1e-15


@pytest.mark.parametrize("mu", [0.0, 0.6])
def test_energy_of_a_sunk_ring_and_its_gradient(mu):
    tube, rings, relaxed, hull = _cone_tube(slope=0.2, mu=mu, k=2e6)
    tube.kfac = 0.3
    delta = 0.001
    r = tube.r0 - delta
    x = _tube.pack(tube, r, tube.th0, tube.z0)
    e, g = _tube.energy(tube, x)
    pos = _tube.positions(r, tube.th0, tube.z0)
    e_fib, _ = _tube.fibre_terms(tube, pos)
    e_fr = _tube.friction_terms(tube, pos)[0] if mu > 0 else 0.0
    e_w = 0.5 * np.sum(2e6 * 0.3 * tube.area / tube.slope2 * delta**2)
    assert e == pytest.approx((e_fib + e_fr + e_w) / tube.e_scale, rel=1e-9)
    # the gradient is the energy's derivative, the end rings' heights fixed
    nn = r.size
    assert np.all(g[2 * nn : 2 * nn + 16] == 0.0) and np.all(g[3 * nn - 16 :] == 0.0)
    assert_energy_gradient(tube, x, np.random.default_rng(5), scale=0.1, rel=1e-5)


def test_energy_gradient_on_tissue_that_varies_along_and_around_the_leg():
    # the Winkler energy 0.5 k(z, theta) delta^2 of a skin whose stiffness changes in both
    # directions, on a continuation step (kfac 0.3): the gradient, with the terms of k's own
    # derivatives, is the energy's derivative (central differences)
    zs = np.linspace(0.0, 0.04, 9)
    k_map = np.outer(np.linspace(1e6, 3e6, 9), 1.0 + 0.5 * np.cos(theta_grid(N_MAP)))
    tube, _, _, _ = _cone_tube(slope=0.1, k_map=k_map)
    assert tube.k_skin is not None and len(zs) == tube.rmap.shape[0]
    tube.kfac = 0.3
    x = _tube.pack(tube, tube.r0 - 0.002, tube.th0, tube.z0)
    assert_energy_gradient(tube, x, np.random.default_rng(11), scale=0.1, rel=1e-5)


def test_residual_of_a_ring_off_the_skin_is_sin_x_over_x():
    # no skin force (k = 0), axial fibres at rest: a node's force is 2 T w sin(pi / n) against
    # the typical 2 pi T w / n of the rings between the ends
    for n in (8, 16, 32):
        tube, _, _, _ = _cone_tube(n=n, k=0.0, rings=(0.0, 0.01, 0.02, 0.03, 0.04))
        x = _tube.pack(tube, tube.r0, tube.th0, tube.z0)
        x_pi = math.pi / n
        assert _tube.residual_of(tube, x) == pytest.approx(math.sin(x_pi) / x_pi, rel=1e-9)
        assert _tube.continuation_steps(tube, 5e-4) == [1.0]  # k = 0: nothing to continue


# --- steps 3-5 --------------------------------------------------------------------------------
def test_continuation_steps_from_the_sink_of_laplaces_pressure():
    tube, _, _, hull = _cone_tube(k=1e6)
    p = A * 0.4 * TWO_PI / hull[0]  # Laplace's T / r on the hull
    sink = 0.4  # a foundation soft enough to let the fabric sink 0.4 m: f = p / (0.4 k)

    def expect(f):
        out = []
        while f < 1.0:
            out.append(f)
            f *= 10.0
        return out + [1.0]

    assert len(expect(p / sink / 1e6)) == 4  # 0.005, 0.05, 0.5, 1
    steps = _tube.continuation_steps(tube, sink)
    assert steps == pytest.approx(expect(p / sink / 1e6), rel=1e-9) and steps[-1] == 1.0
    # the softest node sets the start
    tube.k_nodes = tube.k_nodes.copy()
    tube.k_nodes[1, 3] = 5e5
    assert _tube.continuation_steps(tube, sink) == pytest.approx(expect(p / sink / 5e5), rel=1e-9)
    tube.k_nodes[1, 3] = 1e6
    # a foundation that already lets the fabric sink no more than start_sink_m: one step
    assert _tube.continuation_steps(tube, 0.5 * p / 1e6) == [1.0]
    assert _tube.continuation_steps(tube, p / 1e6 / 0.999) == pytest.approx([0.999, 1.0])


def test_stall_watch_fun_records_the_largest_gradient():
    tube, _, _, _ = _cone_tube(k=1e6)
    x = _tube.pack(tube, tube.r0 - 0.001, tube.th0, tube.z0)
    watch = _tube._StallWatch(tube, 0.05)
    assert watch.tol == 0.05 and watch.tube is tube and watch.last_gmax == np.inf
    assert watch.best == np.inf and watch.best_x is None and watch.since == 0
    e, g = watch.fun(x)
    e_ref, g_ref = _tube.energy(tube, x)
    assert e == e_ref and np.array_equal(g, g_ref)
    assert watch.last_gmax == float(np.max(np.abs(g_ref)))


def test_stall_watch_counts_at_the_exact_gain_and_tolerance():
    watch = _tube._StallWatch(tube=None, tol=0.03)
    watch.last_gmax = 0.03  # the best at exactly the tolerance
    watch.callback(SimpleNamespace(x=np.array([1.0])))
    assert watch.best == 0.03 and watch.since == 0
    for i in range(_tube.STALL_ITERS - 1):
        watch.last_gmax = (1.0 - _tube.STALL_GAIN) * 0.03  # exactly a 2 % gain is no gain
        watch.callback(SimpleNamespace(x=np.array([2.0])))
        assert watch.since == i + 1
    watch.last_gmax = 0.0299
    with pytest.raises(StopIteration):
        watch.callback(SimpleNamespace(x=np.array([3.0])))
    assert watch.best == 0.03 and watch.best_x[0] == 1.0


def _stub_minimize(monkeypatch, calls, stall=False):
    import scipy.optimize

    def fake(fun, x, jac, method, callback, options):
        calls.append(dict(jac=jac, method=method, callback=callback, options=options))
        if stall and callback is not None:
            fun(x)
            callback.__self__.last_gmax = 0.01  # the best iterate, below tol, then a stall
            callback(SimpleNamespace(x=x + 1.0))
            with pytest.raises(StopIteration):
                for _ in range(_tube.STALL_ITERS):
                    callback(SimpleNamespace(x=x + 2.0))
        return SimpleNamespace(x=x + 3.0, nit=7)

    monkeypatch.setattr(scipy.optimize, "minimize", fake)


@pytest.mark.parametrize(
    ("mu", "tol", "watched"), [(0.0, 0.03, False), (0.5, 0.0, False), (0.5, 0.03, True)]
)
def test_minimize_step_options_and_the_best_iterate_on_a_stall(monkeypatch, mu, tol, watched):
    tube, _, _, _ = _cone_tube(mu=mu, k=1e6)
    x = _tube.pack(tube, tube.r0, tube.th0, tube.z0)
    calls = []
    _stub_minimize(monkeypatch, calls, stall=True)
    res = _tube.minimize_step(tube, x, 0.004, 55.0, tol)
    (call,) = calls
    assert call["jac"] is True and call["method"] == "L-BFGS-B"
    assert (call["callback"] is not None) == watched
    opts = call["options"]
    assert opts["maxiter"] == 55 and isinstance(opts["maxiter"], int) and opts["gtol"] == 0.004
    assert opts["maxcor"] == 20 and opts["ftol"] == 1e-15
    assert np.array_equal(res.x, x + (1.0 if watched else 3.0))


def test_minimize_step_without_a_stall_returns_the_last_iterate(monkeypatch):
    tube, _, _, _ = _cone_tube(mu=0.5, k=1e6)
    x = _tube.pack(tube, tube.r0, tube.th0, tube.z0)
    calls = []
    _stub_minimize(monkeypatch, calls, stall=False)
    assert np.array_equal(_tube.minimize_step(tube, x, 0.004, 50, 0.03).x, x + 3.0)


def test_minimize_step_reaches_equilibrium_on_a_cylinder():
    tube, _, _, _ = _cone_tube(k=1e6)
    x = _tube.pack(tube, tube.r0, tube.th0, tube.z0)
    res = _tube.minimize_step(tube, x, 1e-4, 3000)
    assert np.max(np.abs(_tube.energy(tube, res.x)[1])) <= 1e-4
    r, th, z = _tube.unpack(tube, res.x)
    # each node's pull 2 T w sin(pi / n) against k delta over its lagged (rest) area, the
    # chord 2 R sin(pi / n) times w: k delta = T / R with T = a (1.4 (R - delta) / R - 1)
    delta = 0.4 * A / (0.05 * 1e6) / (1 + 1.4 * A / (0.05**2 * 1e6))
    inner = 0.05 - r[1:-1]
    assert inner == pytest.approx(np.full(inner.shape, delta), rel=1e-3)
    assert z == pytest.approx(tube.z0, abs=1e-9) and th == pytest.approx(tube.th0, abs=1e-9)


def test_update_lagged_without_and_with_friction():
    for mu in (0.0, 0.4):
        tube, _, _, _ = _cone_tube(slope=0.2, mu=mu, k=2e6)
        tube.kfac = 0.5
        old_n, old_area, old_s2 = tube.normal_n.copy(), tube.area.copy(), tube.slope2.copy()
        delta = np.array([0.001, 0.002, 0.0, 0.0005])[:, None]
        r = tube.r0 - delta
        th = tube.th0 + 0.01
        x = _tube.pack(tube, r, th, tube.z0)
        change = _tube.update_lagged(tube, x)
        assert tube.area == pytest.approx(_tube.current_area(tube, r, th, tube.z0), rel=1e-12)
        assert tube.slope2 == pytest.approx(_tube.current_slope2(tube, r, th, tube.z0))
        assert not np.allclose(tube.area, old_area, rtol=1e-3)
        if mu == 0:
            assert change == 0.0 and np.array_equal(tube.normal_n, old_n)
            continue
        # the normal force of the Winkler skin with the areas and slopes lagged so far
        normal = 2e6 * 0.5 * old_area / old_s2 * delta * np.sqrt(old_s2)
        assert tube.normal_n == pytest.approx(normal, rel=1e-6)
        ref = np.median(normal[normal > 0])
        assert change == pytest.approx(np.max(np.abs(normal - old_n)) / ref, rel=1e-6)
    # no node in contact: the change is measured against 1 N
    tube, _, _, _ = _cone_tube(mu=0.4, k=2e6)
    old_n = tube.normal_n.copy()
    change = _tube.update_lagged(tube, _tube.pack(tube, tube.r0 + 0.001, tube.th0, tube.z0))
    assert change == pytest.approx(np.max(old_n), rel=1e-12) and np.all(tube.normal_n == 0)


def test_run_continuation_warm_starts_the_sink_as_one_over_k(monkeypatch):
    tube, _, _, _ = _cone_tube(k=1e6)
    seen = []

    def fake(tube_, x, gtol, max_iter, tol):
        seen.append((tube_.kfac, gtol, max_iter, tol, _tube.unpack(tube_, x)))
        return SimpleNamespace(x=x, nit=4)

    monkeypatch.setattr(_tube, "minimize_step", fake)
    x = _tube.pack(tube, tube.r0 - 0.002, tube.th0 + 0.01, tube.z0 + 0.001)
    out, iterations = _tube.run_continuation(tube, x, [0.01, 0.1, 1.0], 0.03, 77)
    assert iterations == 12 and tube.kfac == 1.0
    assert [s[0] for s in seen] == [0.01, 0.1, 1.0]
    assert [s[1] for s in seen] == pytest.approx([0.06, 0.06, 0.015])
    assert all(s[2] == 77 and s[3] == 0.03 for s in seen)
    sinks = [0.002, 0.0002, 0.00002]  # each step's start sink: the last one times prev / step
    for (_, _, _, _, (r, th, z)), s in zip(seen, sinks):
        assert tube.r0 - r == pytest.approx(np.full(tube.shape, s), rel=1e-9)
        assert th == pytest.approx(tube.th0 + 0.01, rel=1e-14)
        assert z == pytest.approx(tube.z0 + 0.001, rel=1e-14)
    assert np.array_equal(x[:64], (tube.r0 - 0.002).ravel() * 1e3)  # x not written into
    assert _tube.unpack(tube, out)[0] == pytest.approx(tube.r0 - 2e-5, rel=1e-12)
    # the lagged areas follow the last state
    r, th, z = _tube.unpack(tube, out)
    assert tube.area == pytest.approx(_tube.current_area(tube, r, th, z), rel=1e-12)


@pytest.mark.parametrize(
    ("mu", "varying", "residuals", "changes", "passes"),
    [
        (0.0, False, [0.01], [], 1),  # converged, nothing lagged changes: one pass
        (0.0, False, [0.05, 0.05, 0.01, 0.01], [0.0, 0.0], 2),
        (0.0, True, [0.01, 0.01], [0.0], 1),  # varying tissue: update, then stop
        (0.5, False, [0.01, 0.01, 0.03, 0.02], [0.5, 0.0199], 2),
        (0.5, False, [0.01] * 8, [0.5, 0.02, 0.3, 0.1], 4),  # at most four passes
    ],
)
def test_polish_passes(monkeypatch, mu, varying, residuals, changes, passes):
    tube, _, _, _ = _cone_tube(mu=mu, k=1e6)
    if varying:
        tube.k_skin = lambda z, th: (np.full(z.shape, 1e6),) * 3
    calls, res_it, ch_it = [], iter(residuals), iter(changes)
    monkeypatch.setattr(
        _tube,
        "minimize_step",
        lambda t, x, gtol, mi, tol: (
            calls.append((gtol, mi, tol)) or SimpleNamespace(x=x + 1, nit=5)
        ),
    )
    monkeypatch.setattr(_tube, "residual_of", lambda t, x: next(res_it))
    monkeypatch.setattr(_tube, "update_lagged", lambda t, x: next(ch_it))
    x = np.zeros(3)
    out, iterations, change = _tube.polish(tube, x, 0.03, 99)
    assert len(calls) == passes and iterations == 5 * passes
    assert all(c == (pytest.approx(0.006), 99, 0.03) for c in calls)
    assert np.array_equal(out, x + passes)
    assert change == (changes[passes - 1] if changes else 0.0)


# --- step 6 and the outputs -------------------------------------------------------------------
def _judge(monkeypatch, residual, mu=0.0, change=0.0, tol=0.03):
    tube, _, _, _ = _cone_tube(mu=mu, k=1e6)
    monkeypatch.setattr(_tube, "residual_of", lambda t, x: residual)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _tube.judge_residual(tube, None, tol, 42, change)
    return out, [w for w in caught]


def test_judge_residual_silent_usable_not_usable_and_error(monkeypatch):
    res, caught = _judge(monkeypatch, 0.03)
    assert res == 0.03 and not caught
    res, caught = _judge(monkeypatch, 0.09)  # exactly 3 x tol: usable
    (w,) = caught
    assert w.category is errors.ConvergenceWarning and res == 0.09
    assert str(w.message) == (
        "the contact solve stopped at residual 0.09 (tolerance 0.03, largest nodal force over "
        "the typical nodal force): usable: below 3 x tolerance, landmark pressures within "
        "about 9 %."
    )
    _, (w,) = _judge(monkeypatch, 0.0901)
    assert str(w.message) == (
        "the contact solve stopped at residual 0.0901 (tolerance 0.03, largest nodal force "
        "over the typical nodal force): NOT usable for classification: residual above 3 x "
        "tolerance; raise max_iter or coarsen the grid."
    )
    res, (w,) = _judge(monkeypatch, 0.3)  # exactly 10 x tol: still a result
    assert res == 0.3 and "NOT usable" in str(w.message)
    for bad in (0.3001, float("nan"), float("inf")):
        with pytest.raises(errors.ConvergenceError) as exc:
            _judge(monkeypatch, bad)
        assert str(exc.value) == (
            f"the contact solve did not converge: residual {bad:.3g} (largest nodal force over "
            "the typical nodal force; tolerance 0.03) after 42 iterations. Try a coarser grid "
            "(n_theta, ring_step_m), a softer tissue, or max_iter larger."
        )


def test_judge_residual_with_friction_still_moving(monkeypatch):
    res, caught = _judge(monkeypatch, 0.01, mu=0.5, change=0.0199)
    assert res == 0.01 and not caught
    for r in (0.01, 0.05):
        _, (w,) = _judge(monkeypatch, r, mu=0.5, change=0.02)
        assert w.category is errors.ConvergenceWarning
        assert str(w.message) == (
            f"the contact solve stopped at residual {r:g} (tolerance 0.03, largest nodal force "
            "over the typical nodal force): NOT usable for classification: the normal force "
            "under friction still moved by 2 % (criterion 2 %); raise max_iter or coarsen "
            "the grid."
        )
    _, caught = _judge(monkeypatch, 0.01, mu=0.0, change=0.5)  # frictionless: no such criterion
    assert not caught


def test_tube_outputs_of_a_sunk_ring():
    tube, _, relaxed, _ = _cone_tube(slope=0.2, mu=0.4, k=2e6, slip=5e-4)
    delta = np.array([0.001, 0.002, 0.0, 0.0005])[:, None]
    s = np.array([0.0, 1e-4, 5e-4, 5e-3])[:, None]  # slip along the generator
    gen = np.array([0.2, 1.0]) / math.sqrt(1.04)  # (radial, height) of the generator
    r = tube.r0 - delta * tube.normals[..., 0] / np.cos(tube.th0) + s * gen[0]
    z = tube.z0 + s * gen[1]
    x = _tube.pack(tube, r, tube.th0, z)
    out = _tube.tube_outputs(tube, x)
    assert set(out) == {
        "r", "theta", "z", "pressure_pa", "hoop_tension", "sink_m", "slip_m",
        "mobilized_friction",
    }  # fmt: skip
    assert out["r"] == pytest.approx(r) and out["z"] == pytest.approx(z)
    assert out["theta"] == pytest.approx(tube.th0)
    sink = _tube.sink(tube, r, tube.th0, z)
    assert out["sink_m"] == pytest.approx(sink, rel=1e-12)
    # the Winkler force k delta area_lag / slope2 * sqrt(slope2) over the current area
    a_now = _tube.current_area(tube, r, tube.th0, z)
    s2 = np.array([1.0, 1.04, 1.04, 1.0])[:, None]  # no height slope on the end rows
    force = 2e6 * sink * tube.area / np.sqrt(s2)
    assert out["pressure_pa"] * a_now == pytest.approx(force, rel=1e-9)
    pos = _tube.positions(r, tube.th0, z)
    lh = np.linalg.norm(np.roll(pos, -1, axis=1) - pos, axis=-1)
    assert out["hoop_tension"] == pytest.approx(A * (lh / (relaxed / 16)[:, None] - 1), rel=1e-9)
    slip = np.linalg.norm(_tube.tangential_slip(tube, pos), axis=-1)
    assert out["slip_m"] == pytest.approx(slip, rel=1e-12, abs=1e-12)
    assert out["mobilized_friction"] == pytest.approx(
        0.4 * slip / np.sqrt(slip**2 + 5e-4**2), rel=1e-12, abs=1e-9
    )
    assert out["slip_m"][3] == pytest.approx(np.full(16, 5e-3), rel=0.02)
    # node 0 of ring 1 moved 0.1 rad on: its fibre to node 1 shortens, the one from node 15
    # lengthens; a node reports the tension of the fibre that starts at it
    th = tube.th0.copy()
    th[1, 0] += 0.1
    hoop = _tube.tube_outputs(tube, _tube.pack(tube, tube.r0, th, tube.z0))["hoop_tension"][1]
    rr, step, l0 = tube.r0[1, 0], TWO_PI / 16, relaxed[1] / 16
    for j, gap in ((0, step - 0.1), (15, step + 0.1), (1, step), (14, step)):
        assert hoop[j] == pytest.approx(A * (2 * rr * math.sin(gap / 2) / l0 - 1), rel=1e-9), j


# --- whole solves on analytic surfaces --------------------------------------------------------
def _winkler_cylinder(layers, k, radius=0.05, strain=0.4, n=32):
    """Laplace on the n-gon of nodes sunk p / k into the skin: p = L T(r) sin(x) / (r x)."""
    x = math.pi / n
    p = layers * A * strain / radius
    for _ in range(50):
        r_eq = radius - p / k
        t = A * ((1 + strain) * r_eq / radius - 1)
        p = layers * t * math.sin(x) / (r_eq * x)
    return p, t


@pytest.mark.parametrize("layers", [1.0, 2.0])
def test_solve_on_a_cylinder_gives_laplace_times_the_layers(layers):
    n, k, radius = 32, 2e6, 0.05
    rings = np.linspace(0.0, 0.04, 5)
    zs = np.linspace(0.0, 0.04, 9)
    rmap = np.full((9, N_MAP), radius)
    relaxed = np.full(5, _polygon(radius, n) / 1.4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = _tube.solve_tube(
            rmap, zs, np.full(rmap.shape, k), rings, relaxed, _fabric(), 0.0, n_theta=n, tol=1e-3,
            hoop_layers=np.full(5, layers) if layers != 1 else None,
        )  # fmt: skip
    p, t = _winkler_cylinder(layers, k, radius, n=n)
    assert out["pressure_pa"] == pytest.approx(np.full((5, n), p), rel=5e-3)
    assert out["hoop_tension"] == pytest.approx(np.full((5, n), t), rel=5e-3)
    assert out["sink_m"] == pytest.approx(np.full((5, n), p / k), rel=5e-3)
    assert out["z"] == pytest.approx(np.repeat(rings[:, None], n, axis=1), abs=1e-6)
    assert out["residual"] <= 1e-3 and out["iterations"] > 0
    tube = _tube.build_tube(
        rmap, zs, np.full(rmap.shape, k), rings, relaxed, _fabric(), 0.0, n, 0.0, 5e-4
    )
    assert out["steps"] == _tube.continuation_steps(tube, 5e-4) and out["steps"][-1] == 1.0
    assert out["friction_normal_change"] == 0.0
    assert np.all(out["slip_m"] < 1e-7) and np.all(out["mobilized_friction"] == 0.0)


def test_solve_on_an_ellipse_is_symmetric_and_carries_the_hoop_load():
    """A frictionless ring of uniform tension T on a convex section: the node forces sum to
    T w sum(2 sin(phi_j / 2)) ~ 2 pi T w, and the ellipse's two mirror symmetries hold."""
    a, b, n, k = 0.05, 0.035, 64, 1e8
    tg = theta_grid(N_MAP)
    rr = a * b / np.sqrt((b * np.cos(tg)) ** 2 + (a * np.sin(tg)) ** 2)
    rmap = np.tile(rr, (5, 1))
    zs = np.linspace(0.0, 0.04, 5)
    rings = np.linspace(0.0, 0.04, 3)
    hull = _tube.start_rings(rmap, zs, rings, np.ones(3), n)[2]
    # the defaults: 64 nodes per ring, frictionless
    out = _tube.solve_tube(rmap, zs, np.full(rmap.shape, k), rings, hull / 1.4, _fabric(), 0.0)
    assert out["pressure_pa"].shape == (3, n)
    assert np.all(out["mobilized_friction"] == 0.0) and out["friction_normal_change"] == 0.0
    t = out["hoop_tension"][1]
    assert np.ptp(t) < 0.01 * t.mean()  # frictionless: the tension evens out
    pos = _tube.positions(out["r"][1], out["theta"][1], out["z"][1])
    seg = np.roll(pos, -1, axis=0) - pos
    lh = np.linalg.norm(seg, axis=-1)
    area = 0.5 * (lh + np.roll(lh, 1)) * 0.02
    load = np.sum(out["pressure_pa"][1] * area)
    assert load == pytest.approx(TWO_PI * t.mean() * 0.02, rel=0.01)
    p = out["pressure_pa"][1]
    assert p == pytest.approx(p[(n - np.arange(n)) % n], rel=0.01)  # theta -> -theta
    assert p == pytest.approx(np.roll(p, n // 2), rel=0.01)  # theta -> theta + pi
    assert p.max() == pytest.approx(t.mean() * a / b**2, rel=0.02)


def test_solve_tube_defaults_are_the_contact_methods_options():
    import inspect

    from stockingsim.solvers._contact import OPTIONS

    params = inspect.signature(_tube.solve_tube).parameters
    for name in ("n_theta", "max_iter", "tol", "start_sink_m", "friction_slip_m"):
        assert params[name].default == OPTIONS[name], name
    assert params["friction"].default == 0.0  # frictionless unless asked
    assert params["hoop_layers"].default is None
