"""The time model of the fabric against its closed forms, limits and published figures.

Relaxation: a generalized Maxwell (Prony) series ``g(t) = g_inf + sum g_i exp(-t / tau_i)``
(Fung Y.C. 1993, Biomechanics, 2nd ed., Springer, ch. 7). Fatigue of the washed stocking:
``f(d) = 1 - b ln(1 + d / d0)``, fitted per preset to Veraart J.C.J.M., Daamen E., de Vet
H.C.W., Neumann H.A.M. 1997, Vasa 26:164-168 (class II 29.3 -> 27.6 -> 26.5 mmHg at 0, 1, 3
months; class III 47.5 -> 44.2 -> 41.3 mmHg). The closed forms are written out here, not taken
from the library.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.fabric._time import TimeModel, fit_prony, retention, time_model

# a month is 30 days of daily wear (Veraart et al. 1997 measured at 1 and 3 months)
VERAART_II = {30: 27.6 / 29.3, 90: 26.5 / 29.3}
VERAART_III = {30: 44.2 / 47.5, 90: 41.3 / 47.5}


def _prony(t, weights, taus):
    t = np.asarray(t, dtype=float)
    return 1 - sum(weights) + sum(w * np.exp(-t / tau) for w, tau in zip(weights, taus))


def _write(path, header, rows):
    path.write_text(
        header + "\n" + "".join(",".join(repr(float(v)) for v in r) + "\n" for r in rows)
    )
    return path


# ---------------------------------------------------------------- relaxation function g(t)
def test_single_maxwell_term_closed_form_and_limits():
    m = TimeModel(weights=(0.2,), times_h=(1.5,))
    t = np.array([0.0, 0.1, 1.5, 3.0, 10.0])
    assert m.g(t) == pytest.approx(0.8 + 0.2 * np.exp(-t / 1.5), rel=1e-12)
    assert float(m.g(0.0)) == 1.0
    assert float(m.g(1.5)) == pytest.approx(0.8 + 0.2 / math.e, rel=1e-12)
    assert float(m.g(1e6)) == pytest.approx(0.8, abs=1e-12)  # t -> inf: the spring alone


def test_two_term_prony_closed_form_monotone_and_shape():
    w, tau = (0.1, 0.25), (0.3, 6.0)
    m = TimeModel(weights=w, times_h=tau)
    t = np.geomspace(1e-3, 200.0, 50)
    g = m.g(t)
    assert g == pytest.approx(_prony(t, w, tau), rel=1e-12)
    assert np.all(np.diff(g) < 0)  # relaxation only loses tension
    assert float(m.g(1e7)) == pytest.approx(0.65, abs=1e-12)
    # at t = tau_2 the slow term has lost 1 - 1/e, the fast one almost all
    assert float(m.g(6.0)) == pytest.approx(0.65 + 0.1 * math.exp(-20) + 0.25 / math.e)
    grid = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    assert m.g(grid).shape == (2, 3)
    assert m.g(grid) == pytest.approx(_prony(grid, w, tau), rel=1e-12)
    assert np.ndim(m.g(2.0)) == 0


def test_no_prony_term_is_a_purely_elastic_fabric():
    m = TimeModel(weights=(), times_h=())
    assert m.g(np.array([0.0, 5.0, 1e4])) == pytest.approx([1.0, 1.0, 1.0])
    scalar = TimeModel(weights=0.1, times_h=2.0)  # one term given as numbers
    assert scalar.weights == (0.1,) and scalar.times_h == (2.0,)
    assert type(scalar.weights[0]) is float and type(scalar.times_h[0]) is float


def test_default_model_is_the_presets_relaxation_and_veraart_class_ii_fatigue():
    default = TimeModel()
    preset = time_model(ss.fabric_library()["circular class II"])
    t = np.array([0.0, 0.25, 0.5, 2.0, 5.0, 8.0, 24.0])
    assert default.g(t) == pytest.approx(preset.g(t), rel=1e-12)
    assert default.rest_recovery == preset.rest_recovery
    assert default.floor == preset.floor
    assert "illustrative" in default.source
    for days, frac in VERAART_II.items():
        assert float(default.fatigue(days)) == pytest.approx(frac, abs=1e-3)
    assert float(default.fatigue(1e12)) == default.floor


# ---------------------------------------------------------------- fatigue f(d)
def test_fatigue_closed_form_floor_and_negative_days():
    m = TimeModel(fatigue_b=0.1, fatigue_d0_days=5.0, floor=0.6)
    d = np.array([0.0, 1.0, 5.0, 20.0, 50.0])
    assert m.fatigue(d) == pytest.approx(1 - 0.1 * np.log(1 + d / 5.0), rel=1e-12)
    assert float(m.fatigue(-3.0)) == 1.0  # days before wear: a new stocking
    # f reaches the floor where 1 - b ln(1 + d/d0) = 0.6, at d = d0 (e^4 - 1)
    d_floor = 5.0 * (math.e**4 - 1)
    assert float(m.fatigue(2 * d_floor)) == 0.6
    assert float(m.fatigue(0.5 * d_floor)) > 0.6
    grid = np.linspace(0, 2 * d_floor, 40)
    assert np.all(np.diff(m.fatigue(grid)) <= 0)
    assert float(TimeModel(fatigue_b=0.0).fatigue(1e4)) == 1.0


@pytest.mark.parametrize(("name", "figures"), [
    ("circular class II", VERAART_II), ("microfibre class II", VERAART_II),
    ("circular class III", VERAART_III), ("flat-knit class III", VERAART_III),
])  # fmt: skip
def test_every_preset_fatigue_reproduces_veraart_1997(name, figures):
    m = time_model(ss.fabric_library()[name])
    assert "veraart1997" in m.source
    for days, frac in figures.items():
        assert float(m.fatigue(days)) == pytest.approx(frac, abs=1e-3)
    # relaxation: about 6 % over an 8 h day at constant strain (illustrative, data file)
    assert 1 - float(m.g(8.0)) == pytest.approx(0.06, abs=0.01)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(("kwargs", "match"), [
    ({"weights": (-0.1,), "times_h": (1.0,)}, "Prony weights"),
    ({"weights": (math.nan,), "times_h": (1.0,)}, "Prony weights"),
    ({"weights": (math.inf,), "times_h": (1.0,)}, "Prony weights"),
    ({"weights": (0.1, 0.1), "times_h": (1.0,)}, "one per relaxation time"),
    ({"weights": (0.5, 0.5), "times_h": (1.0, 2.0)}, "sum below 1"),
    ({"weights": (0.1,), "times_h": (0.0,)}, "positive hours"),
    ({"weights": (0.1,), "times_h": (-1.0,)}, "positive hours"),
    ({"weights": (0.1,), "times_h": (math.inf,)}, "positive hours"),
    ({"weights": (0.1,), "times_h": (math.nan,)}, "positive hours"),
    ({"fatigue_b": -0.01}, "fatigue_b"),
    ({"fatigue_b": 1.0}, "fatigue_b"),
    ({"fatigue_d0_days": 0.0}, "fatigue_d0_days"),
    ({"rest_recovery": -0.01}, "rest_recovery"),
    ({"rest_recovery": 1.01}, "rest_recovery"),
    ({"floor": 0.0}, "floor"),
    ({"floor": 1.01}, "floor"),
])  # fmt: skip
def test_bad_time_parameters_are_refused(kwargs, match):
    with pytest.raises(errors.FabricError, match=match):
        TimeModel(**kwargs)


def test_parameter_bounds_that_are_allowed():
    TimeModel(weights=(0.0, 0.999), times_h=(1e-3, 1e3))
    TimeModel(fatigue_b=0.0, fatigue_d0_days=1e-6, rest_recovery=0.0, floor=1.0)
    TimeModel(fatigue_b=0.999, rest_recovery=1.0, floor=1e-6)


# ---------------------------------------------------------------- JSON and lookup
def test_time_model_json_round_trip_and_lookup_from_a_fabric():
    m = TimeModel(weights=(0.1, 0.2), times_h=(0.3, 7.0), fatigue_b=0.05, fatigue_d0_days=12.0,
                  rest_recovery=0.3, floor=0.7, source="test")  # fmt: skip
    data = json.loads(m.to_json())
    assert data["weights"] == [0.1, 0.2] and data["floor"] == 0.7 and data["source"] == "test"
    assert TimeModel.from_json(m.to_json()) == m
    fab = ss.Fabric.linear(250.0)
    assert time_model(fab) == TimeModel()
    attached = ss.Fabric.linear(250.0).relaxed(hours=0.0)  # carries the model it used
    assert TimeModel.from_json(attached.info["time_model"]) == TimeModel()
    assert time_model(object()) == TimeModel()  # no info, no name


def test_preset_lookup_reads_the_data_file():
    m = time_model(ss.fabric_library()["circular class III"])
    assert m.fatigue_b == 0.078661 and m.fatigue_d0_days == 21.147
    assert m != TimeModel()


# ---------------------------------------------------------------- relaxed and aged fabrics
def test_relaxed_scales_every_curve_and_records_the_retained_fraction():
    base = ss.fabric_library()["circular class II"]
    m = time_model(base)
    eps = np.linspace(0.15, 0.6, 5)
    out = base.relaxed(hours=3.0)
    factor = float(m.g(3.0))
    assert factor == pytest.approx(_prony(3.0, m.weights, m.times_h), rel=1e-12)
    for direction in ("course", "wale"):
        for branch in ("loading", "unloading"):
            ratio = out.tension(eps, direction, branch) / base.tension(eps, direction, branch)
            assert ratio == pytest.approx(np.full(5, factor), rel=1e-9)
    assert out.name == "circular class II (relaxed 3 h)"
    assert out.info["retained_fraction"] == pytest.approx(factor, rel=1e-12)
    twice = out.aged(days=30)
    assert twice.info["retained_fraction"] == pytest.approx(factor * VERAART_II[30], abs=1e-3)
    week = base.relaxed(hours=24 * 7)  # a week is the longest hold
    assert float(week.tension(0.4)) < float(out.tension(0.4))


def test_aged_follows_the_retention_closed_form():
    base = ss.Fabric.linear(250.0)
    m = TimeModel()
    g8 = float(_prony(8.0, m.weights, m.times_h))
    carry = 1 - (1 - g8) * (1 - m.rest_recovery)
    f10 = 1 - m.fatigue_b * math.log1p(10 / m.fatigue_d0_days)
    cases = [  # (days, washes, days since the last wash)
        (10, None, 0), (10, 10, 0), (10, 0, 10), (10, 5, 1), (3, 2, 1), (9, 3, 2), (0, None, 0),
    ]  # fmt: skip
    for days, washes, since in cases:
        f = 1 - m.fatigue_b * math.log1p(days / m.fatigue_d0_days)
        expected = f * carry**since
        assert retention(m, days, washes) == pytest.approx(expected, rel=1e-12)
        out = base.aged(days=days, washes=washes)
        assert float(out.tension(0.4)) == pytest.approx(100.0 * expected, rel=1e-12)
    assert base.aged(days=10, washes=5).name == f"{base.name} (aged 10 d, 5 washes)"
    assert base.aged(days=10).name == f"{base.name} (aged 10 d)"
    # a longer day of wear carries more set into the next
    g16 = float(_prony(16.0, m.weights, m.times_h))
    carry16 = 1 - (1 - g16) * (1 - m.rest_recovery)
    long_day = base.aged(days=10, washes=0, hours_per_day=16.0)
    assert float(long_day.tension(0.4)) == pytest.approx(100.0 * f10 * carry16**10, rel=1e-12)


def test_retention_within_a_day_and_days_since_wash():
    m = TimeModel(rest_recovery=0.25)
    g = lambda h: float(_prony(h, m.weights, m.times_h))  # noqa: E731
    f = 1 - m.fatigue_b * math.log1p(20 / m.fatigue_d0_days)
    carry = 1 - (1 - g(8.0)) * 0.75
    assert retention(m, 20, at_hours=4.0) == pytest.approx(f * g(4.0), rel=1e-12)
    assert retention(m, 20, 4, days_since_wash=2) == pytest.approx(f * carry**2, rel=1e-12)
    assert retention(m, 20, 4, days_since_wash=50) == pytest.approx(f * carry**20, rel=1e-12)
    assert retention(m, 20, 20 + 1e-12) == pytest.approx(f, rel=1e-12)  # rounding of washes
    # full overnight recovery: an unwashed stocking carries nothing
    full = TimeModel(rest_recovery=1.0)
    assert retention(full, 20, 0) == pytest.approx(retention(full, 20, 20), rel=1e-12)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"days": -1}, "days must be a finite number >= 0"),
    ({"days": math.nan}, "days must be a finite number >= 0"),
    ({"days": math.inf}, "days must be a finite number >= 0"),
    ({"days": "x"}, "days must be a number"),
    ({"days": None}, "days must be a number"),
    ({"days": 5, "washes": -1}, "washes must be a finite"),
    ({"days": 5, "washes": 5.01}, "more than the days of wear"),
    ({"days": 5, "hours_per_day": -1}, "hours_per_day must be"),
    ({"days": 5, "at_hours": -1}, "at_hours must be"),
    ({"days": 5, "days_since_wash": -1}, "days_since_wash must be"),
])  # fmt: skip
def test_bad_retention_arguments(kwargs, match):
    with pytest.raises(errors.FabricError, match=match):
        retention(TimeModel(), **kwargs)


def test_relaxed_refuses_more_than_a_week_and_bad_hours():
    fab = ss.Fabric.linear(250.0)
    with pytest.raises(errors.FabricError, match="more than a week"):
        fab.relaxed(hours=24 * 7 + 0.5)
    with pytest.raises(errors.FabricError, match="hours must be a finite number >= 0"):
        fab.relaxed(hours=-0.1)
    with pytest.raises(errors.FabricError, match="hours must be a number") as info:
        fab.relaxed(hours="two")
    assert isinstance(info.value.__cause__, ValueError)


# ---------------------------------------------------------------- relaxation tests (files)
def test_two_term_prony_fit_recovers_its_parameters_from_time_in_seconds(tmp_path):
    t0, w, tau, strain = 150.0, (0.1, 0.15), (0.2, 5.0), 0.5
    t = np.concatenate([[0.0], np.geomspace(0.01, 48.0, 80)])
    y = t0 * _prony(t, w, tau)
    path = _write(tmp_path / "two.csv", " Time_S ,Tension_N_per_m", zip(t * 3600.0, y))
    fab = ss.Fabric.from_relaxation_test(str(path), strain=strain)
    m = time_model(fab)
    order = np.argsort(m.times_h)
    assert np.array(m.weights)[order] == pytest.approx(w, rel=1e-6)
    assert np.array(m.times_h)[order] == pytest.approx(tau, rel=1e-6)
    assert fab.info["relaxation_t0_n_per_m"] == pytest.approx(t0, rel=1e-5)
    assert fab.info["relaxation_rmse_n_per_m"] < 1e-3
    assert fab.info["relaxation_strain"] == strain
    assert fab.name == "relaxation fit"
    assert float(fab.tension(strain)) == pytest.approx(t0, rel=1e-5)  # linear through T0
    assert float(fab.tension(strain / 2)) == pytest.approx(t0 / 2, rel=1e-5)
    assert m.source == "fitted to two.csv"
    for h in (0.2, 1.0, 5.0, 24.0):
        assert float(fab.relaxed(hours=h).tension(strain)) == pytest.approx(
            t0 * float(_prony(h, w, tau)), rel=1e-4
        )


def test_fit_prony_directly_on_a_single_term():
    t = np.geomspace(0.05, 20.0, 40)
    y = 80.0 * (0.7 + 0.3 * np.exp(-t / 2.0))
    t0, m, rmse = fit_prony(t, y, 1)
    assert t0 == pytest.approx(80.0, rel=1e-6)
    assert m.weights[0] == pytest.approx(0.3, rel=1e-5)
    assert m.times_h[0] == pytest.approx(2.0, rel=1e-5)
    assert rmse < 1e-6


def test_fit_keeps_the_fatigue_of_the_fabric_it_is_attached_to(tmp_path):
    base = ss.fabric_library()["flat-knit class III"]
    t = np.geomspace(0.01, 10, 30)
    path = _write(
        tmp_path / "r.csv", "time_h,tension_n_per_m", zip(t, 90 * (0.9 + 0.1 * np.exp(-t)))
    )
    fab = ss.Fabric.from_relaxation_test(path, strain=0.4, fabric=base, n_terms=1)
    m, prior = time_model(fab), time_model(base)
    assert (m.fatigue_b, m.fatigue_d0_days) == (prior.fatigue_b, prior.fatigue_d0_days)
    assert m.rest_recovery == prior.rest_recovery
    assert fab.name == base.name
    for days, frac in VERAART_III.items():
        assert float(m.fatigue(days)) == pytest.approx(frac, abs=1e-3)


def test_force_file_is_divided_by_the_strip_width(tmp_path):
    t = np.geomspace(0.01, 10, 20)
    force = 4.0 * (0.9 + 0.1 * np.exp(-t / 1.0))  # N on a 40 mm strip: 100 N/m at t = 0
    path = _write(tmp_path / "f.csv", "time_h,FORCE_N", zip(t, force))
    fab = ss.Fabric.from_relaxation_test(path, strain=0.4, width_mm=40.0, n_terms=1)
    assert fab.info["relaxation_t0_n_per_m"] == pytest.approx(100.0, rel=1e-4)
    with pytest.raises(errors.TensileDataError, match="pass width_mm"):
        ss.Fabric.from_relaxation_test(path, strain=0.4, width_mm=0.0)


def test_rows_with_missing_values_are_dropped(tmp_path):
    t = np.geomspace(0.01, 10, 20)
    y = 100 * (0.9 + 0.1 * np.exp(-t / 1.0))
    rows = [*zip(t, y), (11.0, math.nan)]
    path = _write(tmp_path / "nan.csv", "time_h,tension_n_per_m", rows)
    fab = ss.Fabric.from_relaxation_test(path, strain=0.4, n_terms=1)
    assert time_model(fab).times_h[0] == pytest.approx(1.0, rel=1e-4)
    four = _write(tmp_path / "four.csv", "time_h,tension_n_per_m", list(zip(t, y))[:4])
    ss.Fabric.from_relaxation_test(four, strain=0.4, n_terms=1)  # four rows are enough


@pytest.mark.parametrize(("header", "rows", "error", "match"), [
    ("time_h,tension_n_per_m", [(0, 5), (1, 4), (2, 3)], errors.TensileDataError, "at least 4"),
    ("time_h,tension_n_per_m", [(0, 5), (1, 4), (1, 3), (2, 2)], errors.TensileDataError,
     "increasing time"),
    ("time_h,tension_n_per_m", [(0, 5), (1, 4), (2, 0), (3, 2)], errors.TensileDataError,
     "positive"),
    ("minutes,tension_n_per_m", [(0, 5), (1, 4), (2, 3), (3, 2)], errors.TensileDataError,
     "time column"),
    ("time_h,stress", [(0, 5), (1, 4), (2, 3), (3, 2)], errors.TensileDataError,
     "tension_n_per_m"),
])  # fmt: skip
def test_bad_relaxation_files(tmp_path, header, rows, error, match):
    path = _write(tmp_path / "bad.csv", header, rows)
    with pytest.raises(error, match=match):
        ss.Fabric.from_relaxation_test(path, strain=0.4, n_terms=1)


def test_missing_or_unreadable_file(tmp_path):
    with pytest.raises(errors.FabricFileError, match="not found"):
        ss.Fabric.from_relaxation_test(tmp_path / "none.csv", strain=0.4)
    with pytest.raises(errors.FabricFileError, match="none.csv"):  # the message names it
        ss.Fabric.from_relaxation_test(tmp_path / "none.csv", strain=0.4)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(errors.FabricFileError, match="cannot read.*empty.csv"):
        ss.Fabric.from_relaxation_test(empty, strain=0.4)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"strain": 0.0}, "engineering strain"),
    ({"strain": 3.0}, "engineering strain"),
    ({"strain": -0.4}, "strain must be a finite"),
    ({"strain": 0.4, "n_terms": 0}, "1 to 6 Prony terms"),
    ({"strain": 0.4, "n_terms": 7}, "1 to 6 Prony terms"),
])  # fmt: skip
def test_bad_fit_arguments(tmp_path, kwargs, match):
    t = np.geomspace(0.01, 10, 20)
    path = _write(
        tmp_path / "r.csv", "time_h,tension_n_per_m", zip(t, 100 * (0.9 + 0.1 * np.exp(-t)))
    )
    with pytest.raises(errors.FabricError, match=match):
        ss.Fabric.from_relaxation_test(path, **kwargs)


def test_fit_bounds_of_strain_and_terms(tmp_path):
    t = np.geomspace(0.01, 10, 30)
    y = 100 * (0.8 + 0.1 * np.exp(-t / 0.1) + 0.1 * np.exp(-t / 3.0))
    path = _write(tmp_path / "r.csv", "time_h,tension_n_per_m", zip(t, y))
    six = ss.Fabric.from_relaxation_test(path, strain=2.99, n_terms=6)
    assert len(time_model(six).weights) == 6
    for h in (0.05, 0.5, 5.0):
        assert float(time_model(six).g(h)) == pytest.approx(
            float(_prony(h, (0.1, 0.1), (0.1, 3.0))), rel=1e-3
        )


def test_fit_rmse_is_the_root_mean_square_of_its_residual():
    # a logarithmic decline is no single Maxwell term: the fit leaves a residual
    t = np.geomspace(0.05, 20.0, 40)
    y = 100.0 * (1 - 0.03 * np.log1p(t / 0.1))
    t0, m, rmse = fit_prony(t, y, 1)
    residual = t0 * _prony(t, m.weights, m.times_h) - y
    assert rmse == pytest.approx(math.sqrt(np.mean(residual**2)), rel=1e-9)
    assert rmse > 0.01


def test_fit_takes_the_rest_recovery_and_fatigue_of_a_fitted_prior(tmp_path):
    from dataclasses import replace

    prior = TimeModel(fatigue_b=0.1, fatigue_d0_days=3.0, rest_recovery=0.2)
    base = replace(ss.Fabric.linear(250.0), provenance=(("time_model", prior.to_json()),))
    assert time_model(base) == prior
    t = np.geomspace(0.01, 10, 30)
    path = _write(
        tmp_path / "p.csv", "time_h,tension_n_per_m", zip(t, 90 * (0.9 + 0.1 * np.exp(-t)))
    )
    m = time_model(ss.Fabric.from_relaxation_test(path, strain=0.4, fabric=base, n_terms=1))
    assert (m.fatigue_b, m.fatigue_d0_days, m.rest_recovery) == (0.1, 3.0, 0.2)
    assert m.times_h[0] == pytest.approx(1.0, rel=1e-5)


def test_thin_strip_with_tensions_below_one_newton_per_metre(tmp_path):
    # a 0.5 mm strip pulled with milli-newtons: 0.6 N/m relaxing to 0.42 N/m
    t = np.geomspace(0.01, 10, 30)
    force = 0.5e-3 * 0.6 * (0.7 + 0.3 * np.exp(-t / 1.0))
    path = _write(tmp_path / "thin.csv", "time_h,force_n", zip(t, force))
    fab = ss.Fabric.from_relaxation_test(path, strain=0.4, width_mm=0.5, n_terms=1)
    m = time_model(fab)
    assert fab.info["relaxation_t0_n_per_m"] == pytest.approx(0.6, rel=1e-5)
    assert m.weights[0] == pytest.approx(0.3, rel=1e-5)
    assert m.times_h[0] == pytest.approx(1.0, rel=1e-5)


def test_fast_relaxation_term_of_seconds_is_fitted(tmp_path):
    # a 10.8 s Maxwell term sampled from 0.36 s on
    t = np.geomspace(1e-4, 2.0, 60)
    y = 100.0 * (0.85 + 0.15 * np.exp(-t / 3e-3))
    path = _write(tmp_path / "fast.csv", "time_h,tension_n_per_m", zip(t, y))
    m = time_model(ss.Fabric.from_relaxation_test(path, strain=0.4, n_terms=1))
    assert m.times_h[0] == pytest.approx(3e-3, rel=1e-5)
    assert m.weights[0] == pytest.approx(0.15, rel=1e-5)


def test_washes_within_the_rounding_tolerance_are_accepted():
    m = TimeModel()
    assert retention(m, 20.0, 20.0 + 1e-9) == pytest.approx(float(m.fatigue(20.0)), rel=1e-12)


@pytest.mark.parametrize("header", ["time_h,tension_n_per_m", "time_s,force_n"])
@pytest.mark.parametrize("bad_row", ["1,abc", "1 h,4"])
def test_text_in_a_data_column_is_a_data_error(tmp_path, header, bad_row):
    path = tmp_path / "text.csv"
    path.write_text(f"{header}\n0,5\n{bad_row}\n2,3\n3,2\n")
    with pytest.raises(errors.TensileDataError, match="text.csv: column .* not numbers"):
        ss.Fabric.from_relaxation_test(path, strain=0.4, width_mm=50.0)
