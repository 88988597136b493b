"""Closed-form checks of the contact solve's own steps (``solvers/_contact.py``).

The tube itself (``solvers/_tube.py``) and the layers (``solvers/_layers.py``) have their own
checks; these are the steps around them: the friction argument, the node fields put on the
(height x angle) grid, the radial map of every section, the bonded layers' factor, the layers'
pressures summed on the grid, the solve's info, and whole solves on a cylinder whose pressure,
sink and ring count are known in closed form (Laplace ``p = T / r``, Winkler ``delta = p / k``).
"""

from __future__ import annotations

import math
import types
import warnings

import _surfaces as S
import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.solvers import _contact as C
from stockingsim.solvers._rings import radial_map
from stockingsim.solvers._setup import section_main_polygon, theta_grid

PA_PER_MMHG = 101325 / 760  # written out: the test does not use the library's constant
TWO_PI = 2.0 * math.pi
R = 0.05
K = 250.0  # N/m, linear fabric
STRAIN = 0.3
#: a coarse contact grid: every solve below takes well under a second
FAST = {"n_theta": 16, "ring_step_m": 0.05, "n_theta_map": 64}
C_EXAMPLE = (
    "0.5 for dry skin, 0 for frictionless; published dry skin against textiles about 0.3-0.5, "
    "moist skin about 1"
)


# --- the friction argument ------------------------------------------------------------------
def test_friction_none_is_the_dry_skin_default_and_numbers_pass_through():
    assert C.check_friction(None) == C.DEFAULT_FRICTION == 0.5
    assert C.check_friction(0) == 0.0
    assert C.check_friction("1.5") == 1.5
    assert C.check_friction(3.0) == 3.0  # the upper end of the plausible range


@pytest.mark.parametrize("bad", [-0.1, 3.01, math.inf, math.nan, "dry", [0.5]])
def test_friction_out_of_range_is_a_solver_error_with_the_typical_values(bad):
    with pytest.raises(errors.SolverError) as info:
        C.check_friction(bad)
    text = str(info.value)
    assert text.startswith(f"friction={bad!r} ")
    # the typical values, whole, close the message
    assert text.endswith(f"{C_EXAMPLE})."), text


# --- node fields on the grid ----------------------------------------------------------------
def _nodes(n_rings=5, n_theta=24, z0=0.1, dz=0.02, jitter=0.0, seed=0):
    """Node heights and angles of rings of a tube; angles in [-pi, pi) after wrapping."""
    rng = np.random.default_rng(seed)
    th = TWO_PI * np.arange(n_theta) / n_theta + 0.1
    th = np.tile(th, (n_rings, 1)) + jitter * rng.uniform(-1, 1, (n_rings, n_theta))
    z = z0 + dz * np.arange(n_rings)[:, None] + jitter * 0.01 * rng.uniform(-1, 1, th.shape)
    return z, th


def test_a_field_linear_in_height_is_interpolated_exactly_on_the_grid():
    # linear interpolation on the triangulated nodes reproduces a linear field exactly, also
    # across the seam at +-pi (the nodes are copied one turn to each side there)
    z, th = _nodes(jitter=0.02)
    values = 3.0 + 40.0 * z
    heights = np.linspace(z[0].max(), z[-1].min(), 7)
    n = 32
    grid = C.nodes_to_grid(z, th, values, heights, n)
    assert grid.shape == (7, n)
    np.testing.assert_allclose(grid, (3.0 + 40.0 * heights)[:, None] * np.ones(n), rtol=1e-12)


def test_a_field_linear_in_angle_is_exact_away_from_the_seam():
    # theta itself (continuous except at the seam): exact where no triangle spans the seam
    z, th = _nodes(n_theta=36)
    wrapped = np.mod(th + math.pi, TWO_PI) - math.pi
    heights = np.array([0.13, 0.15])
    n = 40
    grid = C.nodes_to_grid(z, th, wrapped, heights, n)
    thg = theta_grid(n)
    away = np.abs(thg) < math.pi - 2 * TWO_PI / 36
    np.testing.assert_allclose(grid[:, away], np.tile(thg[away], (2, 1)), atol=1e-12)


def test_a_periodic_field_is_interpolated_across_the_seam():
    # nodes half a step off the seam and a finer grid: its first and last angles lie beyond
    # the nodes, between the last node and the first one a turn later, so they need the nodes
    # copied across the seam; sin(theta), steep there, is interpolated to linear accuracy
    # (h^2 / 8 for a node spacing h) everywhere
    n_nodes = 24
    th = -math.pi + TWO_PI * (np.arange(n_nodes) + 0.5) / n_nodes
    th = np.tile(th, (4, 1))
    z = 0.1 + 0.01 * np.arange(4)[:, None] * np.ones(n_nodes)
    grid = C.nodes_to_grid(z, th, np.sin(th), np.array([0.105, 0.125]), 64)
    thg = theta_grid(64)
    assert thg[0] < th.min() and thg[-1] > th.max()
    bound = (TWO_PI / n_nodes) ** 2 / 8
    assert np.abs(grid - np.sin(thg)).max() < bound


def test_heights_outside_the_nodes_take_the_end_rings_value():
    # rings whose nodes are not all at one height: below the lowest ring's highest node and
    # above the highest ring's lowest node the field is the clipped one
    z, th = _nodes(jitter=0.02)
    values = 1.0 + 10.0 * z
    lo, hi = z[0].max(), z[-1].min()
    grid = C.nodes_to_grid(z, th, values, np.array([0.0, lo, hi, 1.0]), 20)
    np.testing.assert_allclose(grid[0], 1.0 + 10.0 * lo, rtol=1e-12)
    np.testing.assert_allclose(grid[1], grid[0], rtol=1e-12)
    np.testing.assert_allclose(grid[3], 1.0 + 10.0 * hi, rtol=1e-12)
    np.testing.assert_allclose(grid[2], grid[3], rtol=1e-12)


def test_one_ring_of_nodes_is_the_field_around_that_ring():
    # a single ring (z of shape (1, n)): no height clip; the heights at the ring's own height
    th = TWO_PI * np.arange(30)[None, :] / 30
    z = np.full(th.shape, 0.2)
    z2 = np.vstack([z, z + 0.01])
    values = np.vstack([np.full(30, 7.0), np.full(30, 9.0)])
    grid = C.nodes_to_grid(z2, np.vstack([th, th]), values, np.array([0.2, 0.205, 0.21]), 12)
    np.testing.assert_allclose(grid, [[7.0] * 12, [8.0] * 12, [9.0] * 12], rtol=1e-12)


# --- the radial map of every section ----------------------------------------------------------
def _square(a):
    return np.array([[a, a], [-a, a], [-a, -a], [a, -a]], dtype=float)


def test_section_radii_take_map_rows_nearest_rows_and_new_rays():
    thg = theta_grid(16)
    circle = np.array(
        [[0.05 * math.cos(t), 0.05 * math.sin(t)] for t in TWO_PI * np.arange(64) / 64]
    )
    sections = [
        types.SimpleNamespace(polygons=[circle]),  # a map row
        types.SimpleNamespace(polygons=[]),  # empty: the nearest map row by height
        types.SimpleNamespace(polygons=[_square(0.04)]),  # a row left out of the map: a new ray
        types.SimpleNamespace(polygons=[circle * 0.8]),  # a map row
        types.SimpleNamespace(polygons=[]),  # empty, above the map: its last row
    ]
    setup = types.SimpleNamespace(
        heights_m=np.array([0.10, 0.12, 0.13, 0.14, 0.30]),
        hull_m=np.array([0.3, np.nan, 0.32, 0.25, np.nan]),
        sections=sections,
    )
    ok = np.array([True, False, False, True, False])
    hs = setup.heights_m[ok]
    rmap = np.array([radial_map(section_main_polygon(sections[i]), thg) for i in (0, 3)])
    out = C.section_radii(setup, ok, hs, rmap, thg)
    assert out.shape == (5, 16)
    np.testing.assert_array_equal(out[0], rmap[0])
    np.testing.assert_array_equal(out[3], rmap[1])
    np.testing.assert_array_equal(out[1], rmap[1])  # 0.12: searchsorted -> the row at 0.14
    np.testing.assert_array_equal(out[4], rmap[1])  # beyond the last map height: the last row
    # the square's radial map: a / cos(theta - the nearest edge normal)
    phi = np.mod(thg + math.pi / 4, math.pi / 2) - math.pi / 4
    np.testing.assert_allclose(out[2], 0.04 / np.cos(phi), rtol=1e-9)


# --- folds, rolled tops, bonded kits ----------------------------------------------------------
def test_bonded_layers_factor_is_the_nearest_sections_or_none():
    heights = np.array([0.1, 0.2, 0.3])
    rings = np.array([0.09, 0.14, 0.16, 0.31])
    none = types.SimpleNamespace(heights_m=heights, layer_factor=None)
    ones = types.SimpleNamespace(heights_m=heights, layer_factor=np.ones(3))
    assert C._bonded_layers(none, rings) is None
    assert C._bonded_layers(ones, rings) is None
    band = types.SimpleNamespace(heights_m=heights, layer_factor=np.array([1.0, 2.0, 1.0]))
    np.testing.assert_array_equal(C._bonded_layers(band, rings), [1.0, 1.0, 2.0, 1.0])


# --- the layers on the grid -------------------------------------------------------------------
def _layer_out(z0, z1, value, n_theta=24, n_rings=4):
    z, th = _nodes(n_rings=n_rings, n_theta=n_theta, z0=z0, dz=(z1 - z0) / (n_rings - 1))
    return {"z": z, "theta": th, "skin_pressure_pa": np.full(z.shape, value)}


def test_an_outer_layer_presses_only_between_its_end_rings_and_never_pulls():
    heights = np.array([0.05, 0.10, 0.10 + 5e-10, 0.15, 0.20 - 5e-10, 0.20, 0.25])
    inner = _layer_out(0.0, 0.3, 100.0)
    outer = _layer_out(0.10, 0.20, 40.0)
    g_inner = C.layer_on_grid(0, inner, inner["skin_pressure_pa"], heights, 8)
    np.testing.assert_allclose(g_inner, 100.0, rtol=1e-12)  # the inner layer: everywhere
    g_outer = C.layer_on_grid(1, outer, outer["skin_pressure_pa"], heights, 8)
    inside = np.array([False, True, True, True, True, True, False])
    np.testing.assert_allclose(g_outer[inside], 40.0, rtol=1e-12)
    assert np.all(g_outer[~inside] == 0.0)
    # just beyond the end rings, by more than 1 nm: nothing
    beyond = C.layer_on_grid(
        1, outer, outer["skin_pressure_pa"], np.array([0.1 - 2e-9, 0.2 + 2e-9]), 8
    )
    assert np.all(beyond == 0.0)
    # a negative field (a layer lifting off) gives no pressure on an outer layer
    pull = C.layer_on_grid(1, outer, -outer["skin_pressure_pa"], heights, 8)
    assert np.all(pull == 0.0)
    total = C.layers_on_grid([inner, outer], heights, 8)
    np.testing.assert_allclose(total, g_inner + g_outer, rtol=1e-12)
    # beyond the inner layer's end rings its field is its end rings' (it covers the solve)
    np.testing.assert_allclose(C.layers_on_grid([inner, outer], np.array([0.35]), 8), 100.0)


# --- the info of a solve ----------------------------------------------------------------------
def _tube_out(iterations, residual, slip, offset=0.0, mu=0.5, with_skin=True):
    z = np.zeros((3, 4))
    out = {
        "z": z,
        "iterations": iterations,
        "residual": residual,
        "steps": 5,
        "friction_normal_change": 0.01 * iterations,
        "slip_m": np.array([0.0, slip]),
        "sink_m": np.array([1e-4, 3e-4]),
        "hoop_tension": np.array([70.0, 80.0, 75.0]),
        "offset_m": offset,
        "layer_friction": mu,
    }
    if with_skin:
        out["skin_sink_m"] = np.array([2e-4, 6e-4])
    return out


def test_info_of_one_tube_and_of_a_kit():
    rigid, soft = ss.Tissue(), ss.Tissue(0.5)
    one = C._info([_tube_out(12, 0.01, 2e-5, with_skin=False)], 3, 4, 0.5, rigid)
    assert one == {
        "n_rings": 3,
        "n_theta": 4,
        "n_nodes": 12,
        "iterations": 12,
        "residual": 0.01,
        "continuation": 5,
        "friction": 0.5,
        "friction_normal_change": 0.12,
        "max_slip_m": 2e-5,
        "tissue": "rigid",
        "max_sink_m": 3e-4,  # the tube's own sink when no skin sink is given
        "hoop_tension_min_max_n_per_m": (70.0, 80.0),
    }
    outs = [_tube_out(12, 0.01, 2e-5), _tube_out(30, 0.02, 5e-5, offset=0.001, mu=0.3)]
    kit = C._info(outs, 3, 4, 0.5, soft)
    assert kit["n_nodes"] == 24 and kit["iterations"] == 42 and kit["residual"] == 0.02
    assert kit["friction_normal_change"] == 0.3  # the largest of the layers
    assert kit["max_slip_m"] == 2e-5 and kit["max_sink_m"] == 6e-4  # the inner layer's
    assert kit["tissue"] == "winkler"
    assert kit["layers"] == [
        {"offset_m": 0.0, "friction": 0.5, "max_slip_m": 2e-5, "iterations": 12, "residual": 0.01},
        {
            "offset_m": 0.001,
            "friction": 0.3,
            "max_slip_m": 5e-5,
            "iterations": 30,
            "residual": 0.02,
        },
    ]
    assert "layers" not in one


# --- whole solves on a cylinder -----------------------------------------------------------------
@pytest.fixture(scope="module")
def cylinder():
    return S.make_leg(*S.cylinder(R, n_theta=96, n_z=61), name="cylinder")


def _hull(leg, h=0.3):
    return S.polygon_perimeter(leg.sections([h])[0].hull)


def _stocking(hull, style="AT", strain=STRAIN):
    return ss.Stocking(ss.Fabric.linear(K), hull / (1 + strain), style=style)


def _contact(leg, stocking, **opts):
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.ConvergenceWarning)
        return ss.simulate(leg, stocking, method="contact", **{**FAST, **opts})


def test_rigid_cylinder_is_laplace_and_the_grid_is_as_asked(cylinder):
    hull = _hull(cylinder)
    res = _contact(cylinder, _stocking(hull), friction=0, n_theta=32)
    r = hull / TWO_PI
    exact = K * STRAIN / r / PA_PER_MMHG
    mid = res.sections[(res.sections.height_m > 0.1) & (res.sections.height_m < 0.5)]
    # 32-node rings on a 96-gon leg: within 2 %
    np.testing.assert_allclose(mid.pressure_mmhg, exact, rtol=0.02)
    np.testing.assert_allclose(mid.pressure_min_mmhg, exact, rtol=0.03)
    np.testing.assert_allclose(mid.pressure_max_mmhg, exact, rtol=0.03)
    covered = res.covered
    np.testing.assert_allclose(res.pressure_mmhg[covered & (cylinder.heights_m > 0.1)
                                                 & (cylinder.heights_m < 0.5)], exact, rtol=0.03)  # fmt: skip
    info = res.info
    lo, hi = res.covered_range_m
    assert info["n_theta"] == 32
    assert info["n_rings"] == max(3, round((hi - lo) / 0.05) + 1)
    assert info["n_nodes"] == info["n_rings"] * 32
    assert info["tissue"] == "rigid" and info["friction"] == 0.0
    assert info["residual"] < 3e-2
    # the rigid leg's Winkler k (1e8 Pa/m): the fabric sinks p / k
    assert info["max_sink_m"] == pytest.approx(exact * PA_PER_MMHG / 1e8, rel=0.05)
    t_min, t_max = info["hoop_tension_min_max_n_per_m"]
    assert t_min == pytest.approx(K * STRAIN, rel=0.03) and t_max == pytest.approx(
        K * STRAIN, rel=0.03
    )


def test_ring_count_follows_the_ring_step(cylinder):
    hull = _hull(cylinder)
    res = _contact(cylinder, _stocking(hull), friction=0, ring_step_m=0.1)
    lo, hi = res.covered_range_m
    assert res.info["n_rings"] == max(3, round((hi - lo) / 0.1) + 1)
    short = _contact(cylinder, _stocking(hull), friction=0, ring_step_m=1.0)
    assert short.info["n_rings"] == 3  # never fewer than three rings
    # a stocking starting 19 cm up (its style from an ankle landmark at 20 cm)
    raised = cylinder.with_landmarks({"B": 0.20})
    res = _contact(raised, _stocking(hull), friction=0, ring_step_m=0.05)
    lo, hi = res.covered_range_m
    assert lo > 0.1
    assert res.info["n_rings"] == max(3, round((hi - lo) / 0.05) + 1)


def test_hollows_get_no_pressure_not_a_floor():
    # a peanut section (concave sides): the fabric bridges the hollows, whose pressure is 0
    leg = S.make_leg(*S.peanut(n_theta=96, n_z=31), name="peanut")
    hull = _hull(leg)
    res = _contact(leg, _stocking(hull), friction=0, n_theta=32)
    mid = res.sections[(res.sections.height_m > 0.1) & (res.sections.height_m < 0.5)]
    assert np.all(mid.pressure_min_mmhg == 0.0)
    assert np.all(mid.pressure_max_mmhg > 1.0)


def test_soft_tissue_sinks_by_p_over_k_uniform_and_per_vertex(cylinder):
    hull = _hull(cylinder)
    st = _stocking(hull)
    k_soft = 0.5e6  # 0.5 kPa/mm in Pa/m
    uni = _contact(cylinder, st, friction=0, tissue=ss.Tissue(0.5))
    assert uni.info["tissue"] == "winkler"
    # equilibrium k (R - r) = T(2 pi r / c0 - 1) / r, solved by fixed point
    r_hull, c0 = hull / TWO_PI, hull / (1 + STRAIN)
    r = r_hull
    for _ in range(200):
        r = r_hull - K * (TWO_PI * r / c0 - 1) / r / k_soft
    assert uni.info["max_sink_m"] == pytest.approx(r_hull - r, rel=0.05)
    # per vertex: soft tissue with a stiff strip 40-80 degrees round (a bony crest off the
    # symmetry axes): the pressure changes around the strip (it peaks at the strip's edges)
    # and stays uniform on the far side, where the tissue is uniform; the deepest sink is the
    # soft tissue's
    theta = np.degrees(np.arctan2(cylinder.vertices[:, 1], cylinder.vertices[:, 0]))
    strip = (theta > 40) & (theta < 80)
    crest = _contact(cylinder, st, friction=0, tissue=ss.Tissue(np.where(strip, 100.0, 0.5)))
    band = crest.covered & (cylinder.heights_m > 0.15) & (cylinder.heights_m < 0.45)
    p = crest.pressure_mmhg

    def bins(lo, hi):  # mean pressure in 20-degree bins
        return np.array(
            [p[band & (theta >= a) & (theta < a + 20)].mean() for a in range(lo, hi, 20)]
        )

    near, far = bins(0, 120), bins(-180, -90)
    assert np.ptp(near) > 0.1 * near.mean()  # measured 20 %
    assert np.ptp(far) < 0.01 * far.mean()  # measured 0.2 %
    assert crest.info["max_sink_m"] == pytest.approx(r_hull - r, rel=0.25)


def test_tissue_must_be_a_tissue(cylinder):
    st = _stocking(_hull(cylinder))
    with pytest.raises(errors.SolverError) as info:
        ss.simulate(cylinder, st, method="contact", tissue=0.5, **FAST)
    assert str(info.value) == (
        "tissue must be a stockingsim.Tissue, got float; e.g. tissue=ss.Tissue(0.5) for 0.5 "
        "kPa/mm soft tissue."
    )


def test_two_sections_are_enough_and_one_is_not(cylinder):
    # the coarsest set-up: the two end sections of the stocking (a step longer than the leg);
    # a landmark on one of them is cut once (the radial map needs increasing heights)
    import dataclasses

    from stockingsim.solvers._setup import prepare

    hull = _hull(cylinder)
    st = _stocking(hull)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ConvergenceWarning)
        setup = prepare(cylinder, st, step_m=1.0)
        assert len(setup.heights_m) == 2 and np.isfinite(setup.hull_m).all()
        p_v, stats, info = C.solve(cylinder, setup, friction=0, **FAST)
        exact = K * (2 * math.pi * (hull / TWO_PI) / (hull / (1 + STRAIN)) - 1) / (hull / TWO_PI)
        np.testing.assert_allclose(stats[:, 0], exact, rtol=0.05)
        marked = cylinder.with_landmarks({"C": float(setup.heights_m[-1])})
        twice = prepare(marked, st, step_m=1.0)
        assert len(twice.heights_m) == 3  # the landmark repeats the top height
        p_v2, stats2, _ = C.solve(marked, twice, friction=0, **FAST)
        np.testing.assert_allclose(stats2[[0, 2], 0], stats[:, 0], rtol=1e-9)
        np.testing.assert_allclose(p_v2, p_v, rtol=1e-9, atol=1e-9)
    one = dataclasses.replace(setup, hull_m=np.array([np.nan, setup.hull_m[1]]))
    with pytest.raises(errors.SolverError) as info:
        C.solve(cylinder, one, **FAST)
    assert str(info.value) == (
        "the contact method needs at least two non-empty sections in the covered part of the "
        "leg; check the mesh and the stocking style."
    )


def test_the_leg_map_has_at_least_four_angles_per_node():
    # 8 map angles asked for 32 nodes per ring: the map gets 128 (4 per node), so the nodes
    # do not see the facets of a coarse map; the same solve as asking for 128 angles
    ellipse = S.make_leg(*S.elliptic_cylinder(0.05, 0.035, n_theta=96, n_z=31), name="ellipse")
    st = _stocking(_hull(ellipse))
    coarse = _contact(ellipse, st, friction=0, n_theta=32, n_theta_map=8)
    fine = _contact(ellipse, st, friction=0, n_theta=32, n_theta_map=128)
    np.testing.assert_array_equal(coarse.pressure_mmhg, fine.pressure_mmhg)


def test_the_rigid_legs_stiffness_is_an_option(cylinder):
    hull = _hull(cylinder)
    p = K * STRAIN / (hull / TWO_PI)
    res = _contact(cylinder, _stocking(hull), friction=0, rigid_stiffness_pa_per_m=2.0e7)
    assert res.info["max_sink_m"] == pytest.approx(p / 2.0e7, rel=0.05)


def test_a_kit_of_two_sliding_layers_and_a_bonded_kit(cylinder):
    hull = _hull(cylinder)
    c0 = hull / (1 + STRAIN)
    one = ss.Stocking(ss.Fabric.linear(K), c0, style="AT")
    thick = 0.001
    r = hull / TWO_PI
    # a ring of n nodes on the circle is an n-gon: its length is 2 pi r sinc, 0.64 % short
    # at 16 nodes, which at 30 % strain is 2.8 % less tension than the smooth fabric's
    n = FAST["n_theta"]
    sinc = math.sin(math.pi / n) / (math.pi / n)
    t_in, t_out = K * (TWO_PI * r / c0 - 1), K * (TWO_PI * (r + thick) / c0 - 1)
    t_in_n, t_out_n = K * (TWO_PI * r * sinc / c0 - 1), K * (TWO_PI * (r + thick) * sinc / c0 - 1)
    # sliding: each layer its own ring; bonded: the inner ring carries the outer layers as a
    # multiple of its own tension, taken at the hull's girth, (t_in + t_out) / t_in
    exact = {0.4: (t_in_n + t_out_n) / r, math.inf: (t_in + t_out) / t_in * t_in_n / r}
    for mu in (0.4, math.inf):
        kit = ss.Kit([one, one], thicknesses_m=(thick, thick), friction=mu)
        res = _contact(cylinder, kit)
        mid = res.sections[(res.sections.height_m > 0.1) & (res.sections.height_m < 0.5)]
        # the solve stops at a residual of 3 % of a nodal force: within 1 %
        np.testing.assert_allclose(mid.pressure_mmhg, exact[mu] / PA_PER_MMHG, rtol=0.01)
        assert res.info["layer_friction"] == mu
        if math.isfinite(mu):
            layers = res.info["layers"]
            assert [lay["offset_m"] for lay in layers] == [0.0, thick]
            assert [lay["friction"] for lay in layers] == [0.5, mu]  # the skin's, the kit's
            assert res.info["n_nodes"] == 2 * res.info["n_rings"] * 16
        else:
            assert "layers" not in res.info
            assert res.info["n_nodes"] == res.info["n_rings"] * 16


def test_a_fold_doubles_the_ring_force_where_it_lies(cylinder):
    # a two-layer fold over the ring at 0.30 m (rings 5 cm apart): that ring carries twice the
    # hoop force, so Laplace gives twice the pressure there; far from it, the plain pressure
    hull = _hull(cylinder)
    exact = K * STRAIN / (hull / TWO_PI) / PA_PER_MMHG
    res = _contact(cylinder, _stocking(hull).with_fold(0.30, layers=2, width_m=0.02), friction=0)
    sec = res.sections
    at = sec.iloc[(sec.height_m - 0.30).abs().argmin()]
    assert at.pressure_mmhg == pytest.approx(2 * exact, rel=0.05)
    far = sec[((sec.height_m - 0.30).abs() > 0.08) & (sec.height_m > 0.1) & (sec.height_m < 0.5)]
    np.testing.assert_allclose(far.pressure_mmhg, exact, rtol=0.03)


def test_a_sliding_kit_on_soft_tissue_and_a_fold_in_its_outer_layer(cylinder):
    # two layers sliding (friction 0.5 between them) on Winkler tissue k: the skin sinks by
    # p / k under both, p R' = T(R') + T(R' + t) with R' = R - p / k (fixed point written out);
    # each layer is solved again on the skin pushed in by the other's pressure (two passes)
    hull = _hull(cylinder)
    c0 = hull / (1 + STRAIN)
    one = ss.Stocking(ss.Fabric.linear(K), c0, style="AT")
    thick, k = 0.001, 2.0e6  # 2 kPa/mm
    r_hull = hull / TWO_PI
    p = 5000.0
    for _ in range(200):
        r = r_hull - p / k
        p = (K * (TWO_PI * r / c0 - 1) + K * (TWO_PI * (r + thick) / c0 - 1)) / r
    kit = ss.Kit([one, one], thicknesses_m=(thick, thick))
    res = _contact(cylinder, kit, tissue=ss.Tissue(2.0), n_theta=32)
    mid = res.sections[(res.sections.height_m > 0.1) & (res.sections.height_m < 0.5)]
    # 32-node rings; one pass (each layer on its own sink and the layers' below) is 2-4 % high
    np.testing.assert_allclose(mid.pressure_mmhg, p / PA_PER_MMHG, rtol=0.015)
    assert res.info["tissue"] == "winkler" and len(res.info["layers"]) == 2
    # a fold of the outer layer over the ring at 0.30 m doubles that layer's ring force there
    folded = ss.Kit(
        [one, one.with_fold(0.30, layers=2, width_m=0.02)], thicknesses_m=(thick, thick)
    )
    rigid = _contact(cylinder, folded)
    r = r_hull
    t_in, t_out = K * (TWO_PI * r / c0 - 1), K * (TWO_PI * (r + thick) / c0 - 1)
    sec = rigid.sections
    at = sec.iloc[(sec.height_m - 0.30).abs().argmin()]
    assert at.pressure_mmhg == pytest.approx((t_in + 2 * t_out) / r / PA_PER_MMHG, rel=0.05)
    far = sec[((sec.height_m - 0.30).abs() > 0.08) & (sec.height_m > 0.1) & (sec.height_m < 0.5)]
    np.testing.assert_allclose(far.pressure_mmhg, (t_in + t_out) / r / PA_PER_MMHG, rtol=0.03)
