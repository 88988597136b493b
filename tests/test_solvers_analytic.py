"""Every pressure method against analytic surfaces (docs/methods.md, validation table).

Tolerances are written in each test. The tubes are 0.6 m long, open, with ~23k vertices; the
stocking is a tube style ("AT") so that it covers them; pressures are checked away from the
ends (the middle 40 % of the length).
"""

from __future__ import annotations

import math
import warnings

import _surfaces as S
import numpy as np
import pytest
from scipy.optimize import brentq

import stockingsim as ss
from stockingsim import errors
from stockingsim.solvers import PA_PER_MMHG
from stockingsim.solvers._bridging import bridging_section

STIFFNESS = 250.0  # N/m, linear fabric
STRAIN = 0.4
T = STIFFNESS * STRAIN  # hoop tension, N/m
# a small contact grid keeps these tests fast; its accuracy is what the tolerances state
CONTACT = {"n_theta": 64, "ring_step_m": 0.03}


def _mid(leg):
    h = leg.heights_m
    return (h > 0.3 * leg.length_m) & (h < 0.7 * leg.length_m)


def _stocking(hull_perimeter, **kw):
    return ss.Stocking(ss.Fabric.linear(STIFFNESS), hull_perimeter / (1 + STRAIN), style="AT", **kw)


@pytest.fixture(scope="module")
def cylinder():
    return S.make_leg(*S.cylinder(0.05), name="cylinder")


@pytest.fixture(scope="module")
def ellipse():
    return S.make_leg(*S.elliptic_cylinder(0.05, 0.035), name="ellipse")


@pytest.fixture(scope="module")
def peanut():
    # the girth of this tube is the same at every height, so landmark detection has nothing to
    # go by; B is pinned at the bottom so that the stocking covers the whole tube
    return S.make_leg(*S.peanut(0.045, 0.35), name="peanut").with_landmarks({"B": 0.011})


def _pa(result, mask):
    return result.pressure_mmhg[mask] * PA_PER_MMHG


# --- cylinder: p = T / r ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "tol"),
    [("laplace", 0.01), ("membrane", 0.01), ("bridging", 0.01), ("contact", 0.03)],
)
def test_cylinder_pressure_is_t_over_r(cylinder, method, tol):
    r = 0.05
    hull = S.polygon_perimeter(cylinder.sections([0.3])[0].hull)
    opts = CONTACT if method == "contact" else {}
    res = ss.simulate(cylinder, _stocking(hull), method=method, **opts)
    t = float(ss.Fabric.linear(STIFFNESS).tension(hull / (hull / (1 + STRAIN)) - 1))
    expected = t / r
    p = _pa(res, _mid(cylinder))
    assert np.all(np.abs(p / expected - 1) < tol)  # every vertex, tolerance `tol`
    mid_rows = res.sections[(res.sections.height_m > 0.2) & (res.sections.height_m < 0.4)]
    assert np.allclose(mid_rows.pressure_mmhg * PA_PER_MMHG, expected, rtol=tol)


# --- elliptic cylinder: p = T kappa ------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "tol"), [("membrane", 0.05), ("bridging", 0.05), ("contact", 0.08)]
)
def test_ellipse_max_and_min_follow_curvature(ellipse, method, tol):
    a, b = 0.05, 0.035
    hull = S.ellipse_perimeter(a, b)
    opts = CONTACT if method == "contact" else {}
    res = ss.simulate(ellipse, _stocking(hull), method=method, **opts)
    p = _pa(res, _mid(ellipse))
    assert p.max() == pytest.approx(T * a / b**2, rel=tol)  # at the ends of the major axis
    assert p.min() == pytest.approx(T * b / a**2, rel=tol)  # at the ends of the minor axis


def test_ellipse_laplace_gives_the_mean(ellipse):
    a, b = 0.05, 0.035
    hull = S.ellipse_perimeter(a, b)
    res = ss.simulate(ellipse, _stocking(hull), method="laplace")
    p = _pa(res, _mid(ellipse))
    # uniform, equal to the arc-length mean of T kappa = 2 pi T / C (1 %)
    assert np.allclose(p, 2 * math.pi * T / hull, rtol=0.01)


@pytest.mark.parametrize("method", ["membrane", "bridging", "contact"])
def test_ellipse_profile_mean_is_laplace(ellipse, method):
    # the integral of kappa around a convex section is 2 pi: the arc-length mean is T / r_hull
    hull = S.ellipse_perimeter(0.05, 0.035)
    opts = CONTACT if method == "contact" else {}
    res = ss.simulate(ellipse, _stocking(hull), method=method, **opts)
    rows = res.sections[(res.sections.height_m > 0.25) & (res.sections.height_m < 0.35)]
    # membrane and bridging 3 %, contact 5 % (coarse ring of 64 nodes)
    tol = 0.05 if method == "contact" else 0.03
    assert np.allclose(rows.pressure_mmhg * PA_PER_MMHG, 2 * math.pi * T / hull, rtol=tol)


# --- concave (peanut) section: nothing in the hollows ----------------------------------------
@pytest.mark.parametrize("method", ["bridging", "contact"])
def test_peanut_hollows_get_no_pressure(peanut, method):
    hull = S.hull_perimeter_of(S.peanut_radius(0.045, 0.35))
    opts = CONTACT if method == "contact" else {}
    res = ss.simulate(peanut, _stocking(hull), method=method, **opts)
    mid = _mid(peanut)
    # the hollows are around theta = +-pi/2 of the tube's own x axis; the leg frame may turn
    # the angle, so use the vertex positions themselves
    x, y = peanut.vertices[:, 0], peanut.vertices[:, 1]
    ang = np.arctan2(y, x)
    hollow = mid & (np.abs(np.abs(ang) - math.pi / 2) < math.radians(20))
    lobes = mid & ((np.abs(ang) < math.radians(20)) | (np.abs(ang) > math.radians(160)))
    p_hollow = _pa(res, hollow)
    p_lobe = _pa(res, lobes)
    assert p_lobe.min() > 0
    # zero in the hollow: below 1 % of the lobe pressure (contact: 2 %, it interpolates)
    assert p_hollow.max() < (0.02 if method == "contact" else 0.01) * p_lobe.mean()


def test_peanut_membrane_is_zero_where_the_skin_is_concave(peanut):
    hull = S.hull_perimeter_of(S.peanut_radius(0.045, 0.35))
    res = ss.simulate(peanut, _stocking(hull), method="membrane")
    mid = _mid(peanut)
    concave = mid & (peanut.curvature.hoop < 0) & (peanut.curvature.axial <= 1e-9)
    assert concave.sum() > 100
    assert np.all(res.pressure_mmhg[concave] == 0)


def test_peanut_laplace_is_uniform_on_the_hull(peanut):
    hull = S.hull_perimeter_of(S.peanut_radius(0.045, 0.35))
    res = ss.simulate(peanut, _stocking(hull), method="laplace")
    p = _pa(res, _mid(peanut))
    assert np.allclose(p, 2 * math.pi * T / hull, rtol=0.01)


# --- bridging conservation: integral of p ds = 2 pi T -----------------------------------------
@pytest.mark.parametrize("shape", ["ellipse", "peanut", "square"])
def test_bridging_conserves_the_hoop_load(shape):
    t = np.linspace(0, 2 * math.pi, 400, endpoint=False)
    if shape == "ellipse":
        r = S.ellipse_radius(0.05, 0.035)(t)
    elif shape == "peanut":
        r = S.peanut_radius(0.045, 0.35)(t)
    else:  # sharp corners: all the load is line loads spread over the adjacent arc
        r = 0.04 / np.maximum(np.abs(np.cos(t)), np.abs(np.sin(t)))
    poly = np.column_stack([r * np.cos(t), r * np.sin(t)])
    out = bridging_section(poly, 123.0)
    integral = np.sum(out["pressure_pa"]) * out["ds"]
    assert integral == pytest.approx(2 * math.pi * 123.0, rel=1e-9)
    assert np.all(out["pressure_pa"] >= 0)


def test_bridging_reports_conservation_on_a_leg(peanut):
    hull = S.hull_perimeter_of(S.peanut_radius(0.045, 0.35))
    res = ss.simulate(peanut, _stocking(hull), method="bridging")
    assert res.info["conservation_max_error"] < 1e-9


# --- Winkler cylinder: the radius shrinks by p / k --------------------------------------------
def test_winkler_cylinder_sinks_by_p_over_k(cylinder):
    k_kpa_mm = 0.5
    k = k_kpa_mm * 1e6  # Pa/m
    hull = S.polygon_perimeter(cylinder.sections([0.3])[0].hull)
    c0 = hull / (1 + STRAIN)
    r_hull = hull / (2 * math.pi)  # the faceted cylinder's equivalent radius

    # scalar equilibrium: k (R - r) = T(2 pi r / c0 - 1) / r
    def balance(r):
        return k * (r_hull - r) - STIFFNESS * (2 * math.pi * r / c0 - 1) / r

    r_eq = brentq(balance, 0.5 * r_hull, r_hull)
    p_eq = k * (r_hull - r_eq)
    assert r_hull - r_eq > 0.003  # a real sink (mm), not a rigid-leg rounding
    res = ss.simulate(
        cylinder, _stocking(hull), method="contact", tissue=ss.Tissue(k_kpa_mm), **CONTACT
    )
    p = _pa(res, _mid(cylinder))
    assert np.all(np.abs(p / p_eq - 1) < 0.03)  # 3 %
    assert res.info["max_sink_m"] == pytest.approx(r_hull - r_eq, rel=0.03)


# --- invariance to frame and units -------------------------------------------------------------
def _rotation(seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    return q * np.sign(np.linalg.det(q))


@pytest.mark.parametrize("method", ["laplace", "membrane", "bridging"])
def test_invariant_to_rotation_translation_and_units(method):
    v, f = S.elliptic_cylinder(0.05, 0.035)
    hull = S.ellipse_perimeter(0.05, 0.035)
    st = _stocking(hull)
    base = ss.simulate(S.make_leg(v, f), st, method=method)
    moved = (v @ _rotation(3).T + np.array([0.3, -1.2, 0.7])) * 1000.0  # leaning, in mm
    other = ss.simulate(S.make_leg(moved, f, units="mm"), st, method=method)
    mid = _mid(base.leg) & _mid(other.leg)
    # same vertex order: the same pressure per vertex, within 0.5 % of the mean pressure
    # (bridging 2 %: its per-section map is resampled on an angle grid that starts at the
    # leg's anterior direction, which the rotation moves)
    tol = 0.02 if method == "bridging" else 0.005
    scale = base.pressure_mmhg[mid].mean()
    assert np.max(np.abs(base.pressure_mmhg[mid] - other.pressure_mmhg[mid])) < tol * scale


# --- bad input -----------------------------------------------------------------------------
def test_loose_stocking_warns_and_gives_zero(cylinder):
    st = ss.Stocking(ss.Fabric.linear(STIFFNESS), 0.5, style="AT")  # 50 cm on a 31 cm tube
    for method in ("laplace", "membrane", "bridging"):
        with pytest.warns(errors.NoContactWarning, match="does not touch"):
            res = ss.simulate(cylinder, st, method=method)
        assert np.all(res.pressure_mmhg == 0)


def test_strain_beyond_fabric_range_warns(cylinder):
    fabric = ss.Fabric.linear(STIFFNESS, max_strain=0.3)
    hull = S.polygon_perimeter(cylinder.sections([0.3])[0].hull)
    st = ss.Stocking(fabric, hull / 1.5, style="AT")  # 50 % strain
    with pytest.warns(errors.ExtrapolationWarning):
        ss.simulate(cylinder, st, method="laplace")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "x", -1.0])
def test_bad_option_values_raise_solver_error(cylinder, bad):
    st = _stocking(0.31)
    with pytest.raises(errors.SolverError, match="spread_m"):
        ss.simulate(cylinder, st, method="bridging", spread_m=bad)


def test_unknown_method_and_option(cylinder):
    st = _stocking(0.31)
    with pytest.raises(errors.SolverError, match="laplace"):
        ss.simulate(cylinder, st, method="fem")
    with pytest.raises(errors.SolverError, match="unknown option"):
        ss.simulate(cylinder, st, method="laplace", tissue=ss.Tissue())


def test_contact_non_convergence_raises_with_residual(ellipse):
    hull = S.ellipse_perimeter(0.05, 0.035)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ConvergenceWarning)
        with pytest.raises(errors.ConvergenceError, match="residual"):
            ss.simulate(ellipse, _stocking(hull), method="contact", max_iter=2, tol=1e-9, **CONTACT)


def test_result_surface(cylinder):
    hull = S.polygon_perimeter(cylinder.sections([0.3])[0].hull)
    res = ss.simulate(cylinder, _stocking(hull), method="laplace")
    n = cylinder.n_vertices
    assert res.pressure_mmhg.shape == res.strain.shape == res.tension_n_per_m.shape == (n,)
    assert res.covered.dtype == bool and res.covered.all()
    assert list(res.sections.columns)[:6] == [
        "height_m",
        "circumference_m",
        "relaxed_circumference_m",
        "strain",
        "tension_n_per_m",
        "pressure_mmhg",
    ]
    steps = np.diff(res.sections.height_m)
    assert np.allclose(steps[1:-1], 0.005, atol=1e-6)  # every 5 mm
    assert res.strain[res.covered] == pytest.approx(STRAIN, rel=1e-3)
    assert "laplace" in repr(res)


def test_result_delegates_write_files(cylinder, tmp_path):
    hull = S.polygon_perimeter(cylinder.sections([0.3])[0].hull)
    res = ss.simulate(cylinder, _stocking(hull), method="laplace")
    for name in ("to_csv", "to_json", "to_ply"):
        path = tmp_path / f"out.{name[3:]}"
        getattr(res, name)(path)
        assert path.exists() and path.stat().st_size > 0


def test_stiff_strip_on_soft_tissue_carries_more_pressure():
    # per-vertex tissue through simulate: a soft cylinder (0.5 kPa/mm, sinks p / k ~ 3 mm)
    # with a strip of bone-like tissue (20 kPa/mm, Tissue.stiffened) 30 degrees wide. The strip
    # does not sink and stands out of the sunk soft surface, so the fabric presses on it harder
    # and lifts off beside it (measured: +53 % on the strip, -35 % beside it at 64 nodes).
    leg = S.make_leg(*S.cylinder(0.05, n_theta=128, n_z=31)).with_landmarks({"B": 0.011})
    hull = S.polygon_perimeter(leg.sections([0.3])[0].hull)
    h, theta, _ = leg.cylindrical
    strip = np.abs(theta) < math.radians(15.0)
    soft = ss.Tissue(0.5)
    stiff = soft.stiffened(strip, 20.0, leg.n_vertices)
    mid = (h > 0.2) & (h < 0.4)
    beside = mid & (np.abs(np.abs(theta) - math.radians(25.0)) < math.radians(5.0))
    back = mid & (np.abs(theta) > 2.5)
    opts = {"n_theta": 64, "ring_step_m": 0.05}
    p_soft = ss.simulate(leg, _stocking(hull), "contact", tissue=soft, **opts).pressure_mmhg
    p_stiff = ss.simulate(leg, _stocking(hull), "contact", tissue=stiff, **opts).pressure_mmhg
    # uniform soft tissue: uniform T / r (the sink shrinks r by 3 mm and the strain with it)
    assert np.ptp(p_soft[mid]) < 0.02 * p_soft[mid].mean()
    assert p_stiff[mid & strip].mean() > 1.3 * p_soft[mid & strip].mean()
    assert p_stiff[beside].mean() < 0.85 * p_soft[beside].mean()
    assert p_stiff[back].mean() == pytest.approx(p_soft[back].mean(), rel=0.1)
