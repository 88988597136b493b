"""Folds, rolled tops and grip bands (DESIGN.md section 15): extra layers over a band."""

from __future__ import annotations

import math

import _surfaces as S
import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors

R = 0.05
K = 250.0
STRAIN = 0.4


@pytest.fixture(scope="module")
def cylinder():
    return S.make_leg(*S.cylinder(R), name="cylinder")


def _tube():
    return ss.Stocking(ss.Fabric.linear(K), 2 * math.pi * R / (1 + STRAIN), style="AT")


def _band(sections, lo, hi):
    h = sections["height_m"]
    return sections.loc[(h > lo) & (h < hi), "pressure_mmhg"].to_numpy()


@pytest.mark.parametrize("layers", [2, 3])
@pytest.mark.parametrize("method", ["laplace", "membrane", "bridging", "contact"])
def test_a_fold_of_n_layers_on_a_cylinder_gives_n_times_the_pressure(cylinder, method, layers):
    opts = {"n_theta": 32, "ring_step_m": 0.01} if method == "contact" else {}
    plain = ss.simulate(cylinder, _tube(), method=method, **opts)
    folded = ss.simulate(
        cylinder, _tube().with_fold(0.3, layers=layers, width_m=0.03), method, **opts
    )
    p0 = float(np.median(plain.sections["pressure_mmhg"]))
    assert p0 == pytest.approx(K * STRAIN / R / ss.solvers.PA_PER_MMHG, rel=0.03)
    # n times inside the band away from its edges (1 %; contact 2 %), unchanged elsewhere
    inside = _band(folded.sections, 0.306, 0.324)
    assert inside == pytest.approx(
        np.full(len(inside), layers * p0), rel=0.02 if method == "contact" else 0.01
    )
    outside = np.concatenate([_band(folded.sections, 0.1, 0.28), _band(folded.sections, 0.35, 0.5)])
    assert outside == pytest.approx(np.full(len(outside), p0), rel=0.03)


def test_a_fold_covers_its_end_heights_whatever_their_last_bit(cylinder):
    # a section at the fold's bottom or top lies on the fold even when the leg's frame rounds
    # its height a few ulp either way (0.3 m comes out 0.29999999999999993 m with some BLAS
    # kernels); a micrometre outside it does not
    st = _tube().with_fold(0.3, layers=2, width_m=0.03)
    one = K * STRAIN  # the tube's own tension at its girth
    girth = 2 * math.pi * R
    top = st.bands[0].top_m
    ends = np.array([0.3, np.nextafter(0.3, 0), np.nextafter(0.3, 1), top, np.nextafter(top, 1)])
    extra = st.band_tension(cylinder, ends, np.full(len(ends), girth))
    assert extra == pytest.approx(np.full(len(ends), one), rel=1e-9)  # one more layer
    out = st.band_tension(cylinder, np.array([0.3 - 1e-6, top + 1e-6]), np.full(2, girth))
    np.testing.assert_array_equal(out, 0.0)
    # the fabric above the fold comes from higher up (a tapered tube shows it): not at the
    # fold's top, whatever its last bit, but a micrometre above it
    taper = ss.Stocking(ss.Fabric.linear(K), lambda h: 0.2 + 0.1 * h, style="AT")
    folded = taper.with_fold(0.3, layers=2, width_m=0.03)
    h = np.array([np.nextafter(top, 1), top + 1e-6])
    pull = folded.bands[0].pull_down_m
    assert pull > 0.01
    np.testing.assert_allclose(
        folded.relaxed_circumference_at(cylinder, h), 0.2 + 0.1 * (h + [0.0, pull]), rtol=1e-12
    )


def test_check_gradient_flags_the_fold_with_its_height_and_size():
    leg = ss.bundled_leg()
    st, _ = ss.design_stocking(leg, ss.fabric_library()["circular class II"], "RAL-GZ 387:II")
    clean = ss.check_gradient(ss.simulate(leg, st, method="laplace"))
    assert clean.attrs["reversals"].empty and clean.attrs["passed"]
    h_fold = float(leg.landmarks["C"].height_m) + 0.03
    res = ss.simulate(leg, st.with_fold(h_fold, layers=2, width_m=0.02), method="laplace")
    check = ss.check_gradient(res)
    rev = check.attrs["reversals"]
    assert not check.attrs["passed"] and len(rev) == 1
    assert h_fold <= rev["height_m"].iloc[0] <= h_fold + 0.02
    # its size: the second layer (from 2 cm higher) adds about its own Laplace pressure
    sec = res.sections
    below = sec.loc[sec["height_m"] < h_fold, "pressure_mmhg"].iloc[-1]
    assert rev["peak_mmhg"].iloc[0] == pytest.approx(2 * below, rel=0.1)


def test_a_rolled_top_shortens_the_stocking_and_puts_2n_layers_on_the_welt():
    leg = ss.bundled_leg()
    st, _ = ss.design_stocking(leg, ss.fabric_library()["circular class II"], "RAL-GZ 387:II")
    rolled = st.rolled_top(turns=2, width_m=0.01, leg=leg)
    _, top0 = st.coverage_m(leg)
    _, top1 = rolled.coverage_m(leg)
    assert top0 - top1 == pytest.approx(2 * math.pi * 0.01)
    res = ss.simulate(leg, rolled, method="laplace")
    sec = res.sections
    welt = sec[(sec["height_m"] > top1 - 0.009) & (sec["height_m"] < top1 - 0.001)]
    assert len(welt) >= 1
    # 1 + 4 layers: at least 4 x the single-layer tension there (the rolled fabric came from
    # higher up, where the stocking is wider, so each layer is somewhat less stretched)
    single = ss.simulate(leg, st, method="laplace").sections
    single_at = np.interp(welt["height_m"], single["height_m"], single["tension_n_per_m"])
    assert np.all(welt["tension_n_per_m"].to_numpy() > 3.0 * single_at)
    assert not ss.check_gradient(res).attrs["reversals"].empty


def test_grip_band_adds_its_own_fabric_at_the_top(cylinder):
    grip = ss.Fabric.linear(100.0, name="silicone grip")
    st = _tube().with_grip_band(
        grip, width_m=0.03, relaxed_circumference_m=2 * math.pi * R / 1.2, leg=cylinder
    )
    res = ss.simulate(cylinder, st, method="laplace")
    _, top = st.coverage_m(cylinder)
    band = _band(res.sections, top - 0.025, top - 0.005)
    p_expected = (K * STRAIN + 100.0 * 0.2) / R / ss.solvers.PA_PER_MMHG
    assert band == pytest.approx(np.full(len(band), p_expected), rel=0.01)


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.with_fold(0.3, layers=1),
        lambda s: s.with_fold(0.3, width_m=2.0),
        lambda s: s.rolled_top(turns=2),
        lambda s: s.with_grip_band("silicone"),
    ],
)
def test_bad_fold_arguments(call):
    with pytest.raises(errors.StockingError):
        call(_tube())


def test_report_shows_the_reversal(tmp_path):
    leg = ss.bundled_leg()
    st, _ = ss.design_stocking(leg, ss.fabric_library()["circular class II"], "RAL-GZ 387:II")
    h = float(leg.landmarks["C"].height_m) + 0.03
    res = ss.simulate(leg, st.with_fold(h, layers=2, width_m=0.02), method="laplace")
    ss.report(res, tmp_path / "r.html")
    assert "Pressure reversal" in (tmp_path / "r.html").read_text(encoding="utf-8")
