"""Documented library options, each exercised once with an assertion on its effect (issue 18).

Cheap surfaces (analytic tubes, a coarse parametric leg) and closed forms where there is one.
Unit conversions use 101325 / 760 written here.
"""

from __future__ import annotations

import math
import os
import warnings

import _surfaces as S
import numpy as np
import pandas as pd
import pytest

import stockingsim as ss
from stockingsim import errors

PA_PER_MMHG = 101325.0 / 760.0
K = 250.0
STRAIN = 0.4


def _tube_stocking(hull, **kw):
    return ss.Stocking(ss.Fabric.linear(K), hull / (1 + STRAIN), style="AT", **kw)


def _tube(vertices_faces, name):
    # a tube of uniform girth gives landmark detection nothing to go by: pin B at the bottom so
    # that the stocking covers the whole tube
    return S.make_leg(*vertices_faces, name=name).with_landmarks({"B": 0.011})


def _mid(leg):
    h = leg.heights_m
    return (h > 0.3 * leg.length_m) & (h < 0.7 * leg.length_m)


@pytest.fixture(scope="module")
def square():
    # a square with slightly bulging sides: sharp corners that carry line loads, and sides
    # whose every vertex is on the hull (so the hull edges are short)
    r = lambda t: 0.04 / np.maximum(np.abs(np.cos(t)), np.abs(np.sin(t))) ** 0.9  # noqa: E731
    return _tube(S.tube(r, n_theta=192, n_z=61), "square"), S.hull_perimeter_of(r)


@pytest.fixture(scope="module")
def ellipse():
    return _tube(S.elliptic_cylinder(0.05, 0.035, n_z=61), "ellipse")


# --- bridging ---------------------------------------------------------------------------------
def test_bridging_spread_m_sets_the_corner_peak(square):
    leg, hull = square
    st = _tube_stocking(hull)
    peaks = {}
    for spread in (0.01, 0.02):
        res = ss.simulate(leg, st, "bridging", spread_m=spread)
        assert res.info["conservation_max_error"] < 1e-9  # the load is kept, only spread
        peaks[spread] = res.pressure_mmhg[_mid(leg)].max()
    # a corner's line load T phi spreads over a hat of half-width spread / 2: the corner peak
    # falls about as 1 / spread (the sides' own T kappa adds a constant part)
    assert 1.4 < peaks[0.01] / peaks[0.02] < 2.05


def test_bridging_resolution_options(ellipse):
    hull = S.ellipse_perimeter(0.05, 0.035)
    st = _tube_stocking(hull)
    mid = _mid(ellipse)
    fine = ss.simulate(ellipse, st, "bridging", n_theta=360, n_samples=720)
    t = K * STRAIN
    assert fine.pressure_mmhg[mid].max() * PA_PER_MMHG == pytest.approx(
        t * 0.05 / 0.035**2, rel=0.05
    )
    mean = fine.pressure_mmhg[mid].mean()
    for coarse in (dict(n_theta=6), dict(n_samples=24)):
        res = ss.simulate(ellipse, st, "bridging", **coarse)
        # a coarse angle grid (vertices) or few arc samples (section) blur the T kappa field...
        assert np.max(np.abs(res.pressure_mmhg[mid] - fine.pressure_mmhg[mid])) > 0.05 * mean
        # ...but the section load stays 2 pi T (the section means agree)
        rows = (res.sections.height_m > 0.25) & (res.sections.height_m < 0.35)
        np.testing.assert_allclose(
            res.sections.pressure_mmhg[rows], fine.sections.pressure_mmhg[rows], rtol=0.02
        )


def test_bridging_touch_tol_lets_near_skin_touch():
    peanut = _tube(S.peanut(0.045, 0.35, n_z=61), "peanut")
    st = _tube_stocking(S.hull_perimeter_of(S.peanut_radius(0.045, 0.35)))
    mid = _mid(peanut)
    tight = ss.simulate(peanut, st, "bridging", touch_tol_m=0.0002)
    loose = ss.simulate(peanut, st, "bridging", touch_tol_m=0.004)
    # skin within 4 mm of the hull now counts as touching: more of the section is loaded
    assert (loose.pressure_mmhg[mid] > 0).sum() > 1.05 * (tight.pressure_mmhg[mid] > 0).sum()


# --- contact -------------------------------------------------------------------------------
def test_contact_tuning_options_change_what_they_say():
    leg = _tube(S.cylinder(0.05, n_theta=96, n_z=31), "cylinder")
    hull = S.polygon_perimeter(leg.sections([0.3])[0].hull)
    st = _tube_stocking(hull)
    p_exact = K * STRAIN / (hull / (2 * math.pi))
    base = dict(n_theta=32, ring_step_m=0.05)
    a = ss.simulate(leg, st, "contact", **base)
    b = ss.simulate(leg, st, "contact", **base, rigid_stiffness_pa_per_m=1e7,
                    start_sink_m=0.002, n_theta_map=512, tol=0.02)  # fmt: skip
    c = ss.simulate(leg, st, "contact", n_theta=24, ring_step_m=0.1)
    for res in (a, b, c):
        assert res.pressure_mmhg[_mid(leg)].mean() * PA_PER_MMHG == pytest.approx(p_exact, rel=0.03)
    # a 10 x softer "rigid" leg sinks 10 x deeper (p / k)
    assert b.info["max_sink_m"] / a.info["max_sink_m"] == pytest.approx(10.0, rel=0.05)
    assert a.info["max_sink_m"] == pytest.approx(p_exact / 1e8, rel=0.05)
    # a deeper first sink starts the continuation at a stiffer step
    assert b.info["continuation"][0] > a.info["continuation"][0] / 10
    assert b.info["residual"] <= 0.02  # tol
    assert (c.info["n_theta"], c.info["n_rings"]) == (24, 7)  # 0.6 m / 0.1 m + 1
    assert c.info["n_nodes"] == 24 * 7


# --- design ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def param_leg():
    chart = {"cB": 22.0, "cB1": 26.5, "cC": 36.0, "cD": 33.0, "cE": 35.0, "cF": 48.0, "cG": 55.0}
    return ss.parametric_leg(chart, n_theta=64, step_m=0.01)


def test_design_tol_mmhg_and_max_iter(param_leg):
    fab = ss.Fabric.linear(400.0)
    with pytest.warns(errors.ConvergenceWarning):
        _, rough = ss.design_stocking(param_leg, fab, method="membrane", max_iter=1,
                                      tol_mmhg=0.01)  # fmt: skip
    _, fine = ss.design_stocking(param_leg, fab, method="membrane", max_iter=10, tol_mmhg=0.05)
    assert rough.max_error_mmhg > 0.01
    assert fine.max_error_mmhg <= 0.05 < rough.max_error_mmhg


def test_stiffness_index_landmark_and_delta(param_leg):
    k = 350.0
    fab = ss.Fabric.linear(k)
    stocking, spec = ss.design_stocking(param_leg, fab)
    si = ss.stiffness_index(param_leg, stocking, landmark="C", delta_cm=2.0)
    assert list(si.index) == ["C"]
    c = si.loc["C", "circumference_cm"] / 100
    # Laplace, linear fabric: p = 2 pi k (1/c0 - 1/C), so 2 cm more girth gives
    # 2 pi k (1/C - 1/(C + 2 cm)), per cm of girth
    dp = 2 * math.pi * k * (1 / c - 1 / (c + 0.02)) / PA_PER_MMHG / 2.0
    assert si.loc["C", "stiffness_mmhg_per_cm"] == pytest.approx(dp, rel=1e-6)


def test_check_gradient_tol_mmhg():
    from stockingsim.standards import check_gradient

    # rising by 0.5 mmHg from B to B1: not "falling continuously upward" unless 1 mmHg of slack
    prof = pd.DataFrame({"pressure_mmhg": [30.0, 30.5, 21.0]}, index=["B", "B1", "C"])
    prof["height_m"] = [0.1, 0.15, 0.3]
    strict = check_gradient(prof, "RAL-GZ 387")
    slack = check_gradient(prof, "RAL-GZ 387", tol_mmhg=1.0)
    assert not strict.loc["B1", "monotone_ok"]
    assert slack.loc["B1", "monotone_ok"]


# --- batch ---------------------------------------------------------------------------------
def test_run_batch_standard_options_units_and_tasks_per_child(tmp_path):
    leg = ss.bundled_leg()
    mm = tmp_path / "leg_mm.ply"
    leg.to_trimesh().apply_scale(1000.0).export(mm)
    # (a Stocking whose relaxed circumference is a landmark mapping cannot be pickled yet)
    stockings = [ss.Stocking(ss.Fabric.linear(K), c) for c in (0.17, 0.172, 0.174)]
    table = ss.run_batch([mm], stockings, methods=["bridging"], out=None, engine="processes",
                         workers=1, progress=False, standard="UK", options={"spread_m": 0.03},
                         leg_units="mm", max_tasks_per_child=1)  # fmt: skip
    assert len(table) == 3 and table["error"].isna().all(), table["error"].tolist()
    # leg_units="mm": the same leg as in metres; standard="UK": classes from the UK ranges
    refs = [ss.simulate(leg, st, "bridging", spread_m=0.03) for st in stockings]
    p_b = [r.pressure_at("B") for r in refs]
    np.testing.assert_allclose(table["pressure_B_mmhg"], p_b, rtol=1e-6)
    uk = [ss.classify(p, "UK") or "" for p in p_b]
    assert table["ankle_class"].fillna("").tolist() == uk
    # options reach simulate: the peak is the spread_m=0.03 one, not the default's
    default = ss.simulate(leg, stockings[0], "bridging")
    np.testing.assert_allclose(
        table["pressure_max_mmhg"], [r.pressure_mmhg.max() for r in refs], rtol=1e-6
    )
    assert abs(refs[0].pressure_mmhg.max() - default.pressure_mmhg.max()) > 0.5
    # max_tasks_per_child=1: one worker, yet every task in a fresh process
    pids = [int(w.rsplit(":", 1)[1]) for w in table["worker"]]
    assert len(set(pids)) == 3 and os.getpid() not in pids


# --- plots -----------------------------------------------------------------------------------
def test_result_plot_profile_and_unrolled(tmp_path):
    pytest.importorskip("matplotlib")
    leg = ss.bundled_leg()
    relaxed = {k: lm.circumference_m / 1.4 for k, lm in leg.landmarks.items()}
    res = ss.simulate(leg, ss.Stocking(ss.Fabric.linear(K), relaxed), "laplace")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = res.plot_profile(tmp_path / "p.png")
        fig2 = res.plot_unrolled(tmp_path / "u.png")
    for name in ("p.png", "u.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the profile curve is the result's pressure against height (cm or m)
    line = fig.axes[0].lines[0]
    x = np.asarray(line.get_xdata(), float)
    assert np.nanmax(x) == pytest.approx(np.nanmax(res.sections["pressure_mmhg"]), rel=1e-6)
    # the unrolled map's colour field spans the result's pressures
    fields = [c.get_array() for a in fig2.axes for c in [*a.images, *a.collections]]
    fields = [np.asarray(f, float) for f in fields if f is not None and np.size(f) > 100]
    assert fields
    assert np.nanmax(fields[0]) == pytest.approx(res.pressure_mmhg.max(), rel=0.05)
