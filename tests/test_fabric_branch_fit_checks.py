"""One branch's least-squares fit (``fabric/_branch_fit.py``) and the fit record.

Each model is fitted to exact data from its own family: the parameters come back, the fit is
exact (r2 = 1, rmse = 0) and the model covers the strain range it was fitted on. The quality
figures are checked against their definitions written here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from stockingsim import errors
from stockingsim.fabric._branch_fit import FIT_MODELS, _r2_rmse, fit_branch
from stockingsim.fabric._fit_report import BranchFit, FitReport
from stockingsim.fabric._models import TwoPhaseModel

S = np.linspace(0.0, 0.8, 41)
TOP = 0.9


def test_quality_figures_follow_their_definitions():
    t = np.array([1.0, 2.0, 3.0])
    pred = np.array([1.0, 2.0, 4.0])
    r2, rmse = _r2_rmse(t, pred)
    # ss_res = 1, ss_tot = sum((t - 2)^2) = 2
    assert r2 == pytest.approx(1.0 - 1.0 / 2.0, rel=1e-15)
    assert rmse == pytest.approx(math.sqrt(1.0 / 3.0), rel=1e-15)
    # a small variance (ss_tot = 0.02) still counts
    r2, _ = _r2_rmse(np.array([0.1, 0.2, 0.3]), np.array([0.1, 0.2, 0.4]))
    assert r2 == pytest.approx(1.0 - 0.01 / 0.02, rel=1e-12)
    # a constant tension has no variance to explain: r2 is 0 by convention
    assert _r2_rmse(np.full(4, 5.0), np.full(4, 4.0)) == (0.0, pytest.approx(1.0))


def test_linear_fit_recovers_the_stiffness():
    m, r2, rmse = fit_branch(S, 275.0 * S, "linear", TOP)
    assert m.kind == "linear"
    assert m.stiffness_n_per_m == pytest.approx(275.0, rel=1e-9)
    assert (m.min_strain, m.max_strain) == (0.0, TOP)
    assert r2 == pytest.approx(1.0, abs=1e-12) and rmse < 1e-9


@pytest.mark.parametrize("degree", [1, 2, 3, 4])
def test_polynomial_fit_recovers_its_coefficients(degree):
    coef = [120.0, 80.0, 300.0, 50.0][:degree]
    t = sum(c * S ** (i + 1) for i, c in enumerate(coef))
    m, r2, rmse = fit_branch(S, t, "polynomial", TOP, degree=degree)
    assert m.kind == "polynomial"
    assert len(m.coefficients) == degree
    np.testing.assert_allclose(m.coefficients, coef, rtol=1e-6)
    assert (m.min_strain, m.max_strain) == (0.0, TOP)
    assert r2 == pytest.approx(1.0, abs=1e-10) and rmse < 1e-6


def test_polynomial_fit_is_a_cubic_unless_told():
    t = 120.0 * S + 80.0 * S**2 + 300.0 * S**3
    m, _, _ = fit_branch(S, t, "polynomial", TOP)
    np.testing.assert_allclose(m.coefficients, [120.0, 80.0, 300.0], rtol=1e-6)


def test_polynomial_fit_stays_monotone_where_the_data_turn_down():
    """Data that fall at the end (t = 300 s - 250 s^3 peaks at s = 0.63): the least-squares
    cubic would fall too; the fit keeps dT/ds >= 0 on the whole range, so it is a valid
    fabric curve, and it still follows the rising part."""
    t = 300.0 * S - 250.0 * S**3
    m, r2, _ = fit_branch(S, t, "polynomial", TOP, degree=3)
    grid = np.linspace(0.0, TOP, 400)
    c = np.asarray(m.coefficients)
    slope = sum((i + 1) * c[i] * grid**i for i in range(len(c)))
    assert slope.min() >= -1e-6 * np.abs(slope).max()
    assert np.all(np.diff(m.tension(grid)) >= -1e-9)
    # the data are a cubic, so the unconstrained fit would be exact: the constraint acted
    assert 0.5 < r2 < 0.99


@pytest.mark.parametrize(("a", "b"), [(40.0, 3.0), (400.0, 0.8), (-250.0, -2.5)])
def test_exponential_fit_recovers_convex_and_concave_curves(a, b):
    """t = a (exp(b s) - 1): stiffening (a, b > 0) and saturating (a, b < 0) knits."""
    t = a * np.expm1(b * S)
    m, r2, rmse = fit_branch(S, t, "exponential", TOP)
    assert m.kind == "exponential"
    assert m.a_n_per_m == pytest.approx(a, rel=1e-6)
    assert m.b == pytest.approx(b, rel=1e-6)
    assert (m.min_strain, m.max_strain) == (0.0, TOP)
    assert r2 == pytest.approx(1.0, abs=1e-10) and rmse < 1e-5 * abs(a)


def test_exponential_fit_refuses_a_falling_branch():
    with pytest.raises(errors.TensileDataError, match="does not increase"):
        fit_branch(S, -50.0 * S, "exponential", TOP)


def test_two_phase_fit_reproduces_a_two_phase_knit():
    true = TwoPhaseModel(
        k_elastic_n_per_m=90.0,
        k_jam_n_per_m=900.0,
        jam_strain=0.55,
        jam_width=0.05,
        toe_tension_n_per_m=8.0,
        toe_strain=0.03,
        min_strain=0.0,
        max_strain=TOP,
    )
    t = true.tension(S)
    m, r2, rmse = fit_branch(S, t, "two_phase", TOP)
    assert m.kind == "two_phase"
    assert (m.min_strain, m.max_strain) == (0.0, TOP)
    np.testing.assert_allclose(m.tension(S), t, rtol=0.01, atol=0.5)
    assert r2 > 0.9999 and rmse < 0.5
    assert m.jam_strain == pytest.approx(0.55, abs=0.03)
    assert m.k_jam_n_per_m == pytest.approx(900.0, rel=0.1)
    # the fit is made on tension / its largest value: scaling the data scales the model
    m10, _, _ = fit_branch(S, 10.0 * t, "two_phase", TOP)
    np.testing.assert_allclose(m10.tension(S), 10.0 * m.tension(S), rtol=1e-4, atol=1e-3)


def test_an_unknown_model_names_the_known_ones():
    with pytest.raises(errors.FabricError, match="model must be one of") as info:
        fit_branch(S, 100.0 * S, "spline", TOP)
    assert all(name in str(info.value) for name in FIT_MODELS)
    assert not isinstance(info.value, errors.TensileDataError)


def test_a_fit_that_is_no_fabric_curve_is_a_tensile_data_error():
    """A linear fit of a falling branch gives a negative stiffness, which no fabric has."""
    with pytest.raises(errors.TensileDataError, match="linear fit .* not a valid fabric curve"):
        fit_branch(S, -100.0 * S, "linear", TOP)


def _report(covariance):
    fit = BranchFit(
        direction="course",
        branch="unloading",
        model="polynomial",
        params=(("coefficients", (120.0, 80.0)), ("max_strain", 0.9)),
        r2=0.998,
        rmse_n_per_m=1.25,
        strain_min=0.0,
        strain_max=0.8,
        n_points=41,
        covariance=covariance,
    )
    return FitReport(
        source="strip.csv",
        width_mm=50.0,
        gauge_mm=100.0,
        model="polynomial",
        cycles="3",
        fits=(fit,),
        notes=("wale = 0.5 x course",),
    )


@pytest.mark.parametrize("covariance", [None, ((4.0, 0.5), (0.5, 9.0))])
def test_fit_report_round_trips_through_its_dictionary(covariance):
    import json

    report = _report(covariance)
    data = json.loads(json.dumps(report.to_dict()))  # what a fabric JSON file stores
    assert ("covariance" in data["fits"][0]) is (covariance is not None)
    back = FitReport.from_dict(data)
    assert back == report
    assert isinstance(back.fits[0].params[0][1], tuple)  # JSON lists come back as tuples


def test_fit_report_table_has_one_row_per_curve_with_its_parameters():
    table = _report(None).table()
    assert list(table.index) == [("course", "unloading")]
    assert table.index.names == ["direction", "branch"]
    row = table.loc[("course", "unloading")]
    assert row["model"] == "polynomial" and row["n_points"] == 41
    assert row["r2"] == 0.998 and row["rmse_n_per_m"] == 1.25
    assert (row["strain_min"], row["strain_max"]) == (0.0, 0.8)
    assert row["param_coefficients"] == (120.0, 80.0) and row["param_max_strain"] == 0.9


def test_fit_report_notes_default_to_none():
    data = _report(None).to_dict()
    del data["notes"]
    assert FitReport.from_dict(data).notes == ()
