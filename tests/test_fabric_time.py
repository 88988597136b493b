"""Time-dependent fabric: relaxation (Prony series), ageing, service life (DESIGN.md section 15)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.fabric._time import TimeModel, retention, time_model


def _write_relaxation(path, t_h, tension):
    path.write_text(
        "time_h,tension_n_per_m\n"
        + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(t_h, tension))
    )
    return path


def test_single_maxwell_element_is_recovered_and_relaxes_as_its_exponential(tmp_path):
    # a spring in parallel with one Maxwell element: T(t) = T0 (g_inf + g1 exp(-t / tau))
    t0, g1, tau, strain = 120.0, 0.2, 1.5, 0.4
    t = np.geomspace(0.01, 24.0, 60)
    path = _write_relaxation(tmp_path / "relax.csv", t, t0 * (1 - g1 + g1 * np.exp(-t / tau)))
    fab = ss.Fabric.from_relaxation_test(path, strain=strain, n_terms=1)
    model = time_model(fab)
    assert model.weights[0] == pytest.approx(g1, rel=1e-4)
    assert model.times_h[0] == pytest.approx(tau, rel=1e-4)
    assert float(fab.tension(strain)) == pytest.approx(t0, rel=1e-4)
    # after one relaxation time the element has lost 1 - 1/e of its share
    after = fab.relaxed(hours=tau)
    assert float(after.tension(strain)) == pytest.approx(t0 * (1 - g1 + g1 / math.e), rel=1e-4)
    assert float(fab.relaxed(hours=0).tension(strain)) == pytest.approx(t0, rel=1e-4)


def test_relaxation_force_file_needs_the_width(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("time_s,force_n\n0,5\n60,4.9\n600,4.8\n3600,4.7\n")
    with pytest.raises(errors.TensileDataError, match="width_mm"):
        ss.Fabric.from_relaxation_test(p, strain=0.4)
    fab = ss.Fabric.from_relaxation_test(p, strain=0.4, width_mm=50.0)
    assert float(fab.tension(0.4)) == pytest.approx(100.0, rel=0.02)  # 5 N over 5 cm


def test_relaxation_of_a_given_fabric_keeps_its_curve_shape(tmp_path):
    base = ss.fabric_library()["circular class II"]
    t = np.geomspace(0.01, 10, 30)
    path = _write_relaxation(tmp_path / "r.csv", t, 100 * (0.9 + 0.1 * np.exp(-t / 2.0)))
    fab = ss.Fabric.from_relaxation_test(path, strain=0.4, fabric=base, n_terms=1)
    eps = np.linspace(0.1, 0.8, 8)
    ratio = fab.relaxed(hours=2.0).tension(eps) / base.tension(eps)
    assert ratio == pytest.approx(np.full(8, 0.9 + 0.1 / math.e), rel=1e-3)


def test_aged_presets_reproduce_the_durability_figures_they_were_fitted_to():
    # Veraart et al. 1997, Vasa 26:164: class II 29.3 -> 27.6 -> 26.5 mmHg, class III
    # 47.5 -> 44.2 -> 41.3 mmHg at 0, 1, 3 months of daily wear and washing
    cases = {
        "circular class II": (27.6 / 29.3, 26.5 / 29.3),
        "flat-knit class III": (44.2 / 47.5, 41.3 / 47.5),
    }
    for name, (one, three) in cases.items():
        fab = ss.fabric_library()[name]
        t_new = float(fab.tension(0.4))
        assert float(fab.aged(days=30).tension(0.4)) / t_new == pytest.approx(one, abs=1e-3)
        assert float(fab.aged(days=90).tension(0.4)) / t_new == pytest.approx(three, abs=1e-3)


def test_washing_recovers_the_set_that_an_unwashed_stocking_carries():
    model = TimeModel()
    daily = retention(model, 10, washes=10)
    never = retention(model, 10, washes=0)
    day_loss = 1 - float(model.g(8.0))
    assert never == pytest.approx(daily * (1 - day_loss * (1 - model.rest_recovery)) ** 10)
    assert never < daily


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda f: f.relaxed(hours=-1), "hours"),
        (lambda f: f.relaxed(hours=1000), "week"),
        (lambda f: f.aged(days=10, washes=20), "washes"),
        (lambda f: f.aged(days="x"), "days"),
    ],
)
def test_bad_time_arguments(call, match):
    with pytest.raises(errors.FabricError, match=match):
        call(ss.Fabric.linear(250.0))


@pytest.fixture(scope="module")
def class_ii():
    leg = ss.bundled_leg()
    st, _ = ss.design_stocking(leg, ss.fabric_library()["circular class II"], "RAL-GZ 387:II")
    return leg, st


def test_service_life_follows_the_aged_fabric_and_finds_the_day_the_class_is_lost(class_ii):
    leg, st = class_ii
    table = ss.service_life(leg, st, hours_per_day=8, wash_every_days=1, days=200)
    # any day equals a simulation of that day's fabric (one simulation scaled is exact)
    day = 90
    fab = st.fabric.aged(days=day).relaxed(hours=8)
    direct = ss.simulate(leg, ss.Stocking(fab, st.relaxed_circumference_m, st.style), "laplace")
    for name in ("B", "C"):
        assert table.loc[day, f"{name}_mmhg"] == pytest.approx(
            direct.profile.loc[name, "pressure_mmhg"], rel=1e-6
        )
    lost = table.attrs["class_lost_day"]
    assert table.attrs["class_new"] == "II"
    assert lost is not None and table.loc[lost, "B_mmhg"] < 23.0 <= table.loc[lost - 1, "B_mmhg"]
    assert np.all(np.diff(table["B_mmhg"].to_numpy()) <= 1e-12)  # washed daily: only fatigue
    # washing every 3 days loses the class sooner
    rare = ss.service_life(leg, st, wash_every_days=3, days=200)
    assert rare.attrs["class_lost_day"] < lost


def test_service_life_rejects_soft_tissue_and_bad_numbers(class_ii):
    leg, st = class_ii
    with pytest.raises(errors.DesignError, match="rigid"):
        ss.service_life(leg, st, method="contact", tissue=ss.Tissue(0.5))
    with pytest.raises(errors.DesignError, match="hours_per_day"):
        ss.service_life(leg, st, hours_per_day=30)


def test_service_life_of_a_kit_scales_the_kit_and_refuses_mixed_ageing():
    leg = ss.bundled_leg()
    liner, _ = ss.design_stocking(leg, "circular class II", "RAL-GZ 387:I")
    kit = ss.Kit([liner, liner])
    table = ss.service_life(leg, kit, days=30)
    new = ss.simulate(leg, kit, method="laplace").profile.loc["B", "pressure_mmhg"]
    assert table.loc[30, "B_mmhg"] == pytest.approx(new * table.loc[30, "retained_fraction"])
    other, _ = ss.design_stocking(leg, "circular class I", "RAL-GZ 387:I")
    with pytest.raises(errors.DesignError, match="age differently"):
        ss.service_life(leg, ss.Kit([liner, other]), days=30)
