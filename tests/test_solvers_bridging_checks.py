"""``bridging`` on pure polygons: the samples on the hull, the perimeters, the bridged spans.

Closed forms: a square with a V-notch in its top edge (hull perimeter ``8 a``, skin perimeter
``8 a - w + 2 sqrt((w / 2)^2 + h^2)``, the top edge bridged, a quarter of the hull), a regular
polygon (every corner turns by ``2 pi / k``: a uniform ``p = 2 pi T / L``), and the
conservation ``integral p ds = 2 pi T`` of a closed loop.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from stockingsim.solvers._bridging import OPTIONS, bridging_section


def _notched_square(a=0.04, w=0.02, h=0.01, n_edge=40):
    """CCW square of half-side ``a`` (corners on the polygon) with a V-notch in the top edge."""
    t = np.linspace(-a, a, n_edge, endpoint=False)
    right = np.column_stack([np.full(n_edge, a), t])  # (a, -a) up to the top right corner
    top = [[a - a * 2 * i / n_edge, a] for i in range(n_edge)]
    top = np.array([p for p in top if abs(p[0]) >= w / 2 - 1e-12])
    top_r, top_l = top[top[:, 0] > 0], top[top[:, 0] < 0]
    notch = np.array([[w / 2, a], [0.0, a - h], [-w / 2, a]])
    left = np.column_stack([np.full(n_edge, -a), -t])
    bottom = np.column_stack([t, np.full(n_edge, -a)])
    poly = np.vstack([right, top_r, notch, top_l, left, bottom])
    _, keep = np.unique(np.round(poly, 12), axis=0, return_index=True)
    return poly[np.sort(keep)]


def test_notched_square_samples_perimeters_and_bridged_span():
    a, w, h, tension = 0.04, 0.02, 0.01, 150.0
    poly = _notched_square(a, w, h)
    out = bridging_section(poly, tension, n_samples=800)
    length = 8 * a
    assert out["hull_perimeter_m"] == pytest.approx(length, rel=1e-12)
    skin = length - w + 2 * math.hypot(w / 2, h)
    assert out["skin_perimeter_m"] == pytest.approx(skin, rel=1e-12)
    ds = length / 800
    assert out["ds"] == pytest.approx(ds, rel=1e-12)
    np.testing.assert_allclose(out["s"], (np.arange(800) + 0.5) * ds, rtol=1e-12)
    xy = out["xy"]
    # every sample lies on the square (the hull), none outside it
    np.testing.assert_allclose(np.max(np.abs(xy), axis=1), a, rtol=1e-12)
    # the top edge bridges the notch (a quarter of the hull); the rest touches
    top = np.abs(xy[:, 1] - a) < 1e-12
    np.testing.assert_array_equal(out["touching"], ~top | (np.abs(xy[:, 0]) > a - 1e-12))
    assert out["touching"].mean() == pytest.approx(0.75, abs=2 / 800)
    assert np.all(out["pressure_pa"][~out["touching"]] == 0.0)
    assert out["min_pa"] == 0.0 and out["max_pa"] == pytest.approx(out["pressure_pa"].max())
    # conservation on the hull, and the mean over the skin's (longer) perimeter
    total = np.sum(out["pressure_pa"]) * ds
    assert total == pytest.approx(2 * math.pi * tension, rel=1e-9)
    assert out["mean_pa"] == pytest.approx(2 * math.pi * tension / skin, rel=1e-9)
    np.testing.assert_allclose(out["theta"], np.arctan2(xy[:, 1], xy[:, 0]), atol=1e-15)


def test_the_defaults_are_the_solver_options():
    poly = _notched_square()
    given = bridging_section(
        poly,
        100.0,
        spread_m=OPTIONS["spread_m"],
        touch_tol_m=OPTIONS["touch_tol_m"],
        n_samples=OPTIONS["n_samples"],
    )
    default = bridging_section(poly, 100.0)
    for key in ("pressure_pa", "touching", "s"):
        np.testing.assert_array_equal(default[key], given[key])


@pytest.mark.parametrize("k", [12, 24])
def test_regular_polygon_presses_uniformly(k):
    # every corner turns by 2 pi / k and the window spans whole corners (2 edges each side):
    # the hat loads add up to a uniform 2 pi T / L
    rc, tension = 0.05, 120.0
    a = 2 * math.pi * np.arange(k) / k
    poly = np.column_stack([rc * np.cos(a), rc * np.sin(a)])
    out = bridging_section(poly, tension, n_samples=k * 60)
    length = 2 * k * rc * math.sin(math.pi / k)
    assert out["touching"].all()
    np.testing.assert_allclose(out["pressure_pa"], 2 * math.pi * tension / length, rtol=1e-9)
    assert out["min_pa"] == pytest.approx(2 * math.pi * tension / length, rel=1e-9)


def test_a_star_touching_only_at_its_tips_has_minimum_0():
    # a small five-pointed star: every hull edge bridges a hollow, each tip touches at a point
    # and spreads its load on its window (the windows overlap: no sample is without pressure),
    # yet the fabric touches nowhere along an edge: the section's minimum is 0
    r_out, r_in = 0.01, 0.004
    a = math.pi / 2 + math.pi / 5 * np.arange(10)
    r = np.where(np.arange(10) % 2 == 0, r_out, r_in)
    poly = np.column_stack([r * np.cos(a), r * np.sin(a)])
    out = bridging_section(poly, 80.0)
    assert not out["touching"].any()
    assert np.all(out["pressure_pa"] > 0)
    assert out["min_pa"] == 0.0
    assert np.sum(out["pressure_pa"]) * out["ds"] == pytest.approx(2 * math.pi * 80.0, rel=1e-9)


@pytest.mark.parametrize("stiffness", [250.0, 1.0])
def test_cone_with_a_slack_bottom(stiffness):
    # r = 4 cm at the bottom to 7 cm at the top, a stocking of 5 cm relaxed radius: slack (no
    # tension, no pressure) below r = 5 cm; above, each section is a regular 192-gon of hull
    # perimeter L and presses with the mean 2 pi T / L, T = k (L / c0 - 1) (k = 1 N/m: under
    # 1 N/m everywhere, a tension still)
    import warnings

    import _surfaces as S

    import stockingsim as ss
    from stockingsim.solvers import PA_PER_MMHG

    n = 192
    leg = S.make_leg(*S.revolution(lambda z: 0.04 + 0.05 * z, np.linspace(0, 0.6, 121), n), "cone")
    c0 = 2 * math.pi * 0.05
    st = ss.Stocking(ss.Fabric.linear(stiffness), c0, style="AT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", RuntimeWarning)  # a slack section divides 0 by 0
        res = ss.simulate(leg, st, method="bridging")
    sec = res.sections
    r = 0.04 + 0.05 * sec["height_m"].to_numpy()
    length = 2 * n * r * math.sin(math.pi / n)
    np.testing.assert_allclose(sec["circumference_m"], length, rtol=1e-6)
    t = stiffness * np.maximum(length / c0 - 1, 0.0)
    want = 2 * math.pi * t / length / PA_PER_MMHG
    slack, tight = r < 0.0499, r > 0.0501
    assert slack.sum() > 10 and tight.sum() > 10
    assert np.all(sec["pressure_mmhg"][slack] == 0.0)
    np.testing.assert_allclose(sec["pressure_mmhg"][tight], want[tight], rtol=1e-6)
    # the peak within 5 % (720 samples on 192 corners: the hat loads alias by a few %)
    np.testing.assert_allclose(sec["pressure_max_mmhg"][tight], want[tight], rtol=0.05)
    assert res.info["conservation_max_error"] < 1e-9
    assert res.info["n_theta"] == OPTIONS["n_theta"]


def test_a_slack_stocking_presses_nowhere():
    # a stocking wider than the cone everywhere: no tension, no pressure, no conservation to
    # report (nan), and no warning for the empty reductions
    import warnings

    import _surfaces as S

    import stockingsim as ss

    leg = S.make_leg(*S.revolution(lambda z: 0.04 + 0.05 * z, np.linspace(0, 0.6, 61), 96), "cone")
    st = ss.Stocking(ss.Fabric.linear(250.0), 2 * math.pi * 0.08, style="AT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", RuntimeWarning)
        res = ss.simulate(leg, st, method="bridging")
    assert np.all(res.pressure_mmhg == 0.0) and np.all(res.sections["pressure_mmhg"] == 0.0)
    assert math.isnan(res.info["conservation_max_error"])


def test_a_corner_between_two_bridged_edges_spreads_its_load_on_its_window():
    # a disc (r = 5 cm, 200 points) with a thin spike to r = 7 cm: the hull runs straight from
    # the tip to the disc 0.775 rad either side (acos(5 / 7)) and bridges the skin below, so
    # the tip touches only at a point (its 5 mm window holds no touching arc); its load
    # T phi goes on that window, the rest of the disc touches
    r, tip = 0.05, 0.07
    a = np.linspace(0.03, 2 * math.pi - 0.03, 200)
    poly = np.vstack([[tip, 0.0], np.column_stack([r * np.cos(a), r * np.sin(a)])])
    out = bridging_section(poly, 100.0)
    p, xy = out["pressure_pa"], out["xy"]
    assert np.all(np.isfinite(p))
    assert np.sum(p) * out["ds"] == pytest.approx(2 * math.pi * 100.0, rel=1e-9)
    near_tip = np.hypot(xy[:, 0] - tip, xy[:, 1]) < 0.004
    assert near_tip.any() and not out["touching"][near_tip].any() and np.all(p[near_tip] > 0)
    phi_tip = 2 * math.acos(r / tip)  # the hull turns at the tip by pi - (pi - 2 acos(r / tip))
    window = np.hypot(xy[:, 0] - tip, xy[:, 1]) < 0.5 * OPTIONS["spread_m"] + out["ds"]
    assert np.sum(p[window]) * out["ds"] == pytest.approx(100.0 * phi_tip, rel=0.02)


def test_a_d_shaped_section_is_symmetric_and_its_flat_side_unloaded_beyond_the_window():
    # a half disc (r = 5 cm, 200 arc points) closed by its diameter, mirror-symmetric in y:
    # the two corners (exterior angle pi / 2) carry the same load; the flat side touches but
    # does not turn, so it has no pressure farther than the window (5 mm) from both corners
    r = 0.05
    a = np.linspace(-math.pi / 2, math.pi / 2, 200)
    poly = np.column_stack([r * np.cos(a), r * np.sin(a)])
    out = bridging_section(poly, 100.0)
    p, xy, ds = out["pressure_pa"], out["xy"], out["ds"]
    assert out["touching"].all()
    top = np.hypot(xy[:, 0], xy[:, 1] - r) < 0.02
    bottom = np.hypot(xy[:, 0], xy[:, 1] + r) < 0.02
    assert np.sum(p[top]) * ds == pytest.approx(np.sum(p[bottom]) * ds, rel=1e-3)
    flat = (np.abs(xy[:, 0]) < 1e-12) & (np.abs(xy[:, 1]) < r - 0.5 * OPTIONS["spread_m"] - ds)
    assert flat.sum() > 100 and np.all(p[flat] == 0.0)


def test_resample_theta_is_periodic_linear():
    from stockingsim.solvers._bridging import resample_theta

    theta = np.array([3.0, -3.0, 0.0])  # any order
    values = np.array([4.0, 1.0, 2.0])
    out = resample_theta(theta, values, 4)  # -pi, -pi/2, 0, pi/2
    gap = 2 * math.pi - 6.0  # from 3 to 2 pi - 3
    f = (math.pi - 3.0) / gap
    want = [
        4.0 + f * (1.0 - 4.0),
        1.0 + (3.0 - math.pi / 2) / 3.0,
        2.0,
        2.0 + (math.pi / 2) / 3.0 * 2.0,
    ]
    np.testing.assert_allclose(out, want, rtol=1e-12)
