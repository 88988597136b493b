"""Fabric core: constitutive models, evaluation, inverse, hysteresis, JSON round trip."""

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stockingsim as ss
from stockingsim import errors
from stockingsim.fabric import ExponentialModel, LinearModel, PolynomialModel, TwoPhaseModel

MODELS = [
    LinearModel(250.0, 0.0, 3.0),
    PolynomialModel((120.0, -40.0, 60.0), 0.0, 1.5),
    ExponentialModel(30.0, 2.0, 0.0, 1.5),
    ExponentialModel(-200.0, -1.5, 0.0, 1.5),  # softening branch
    TwoPhaseModel(100.0, 400.0, 0.9, 0.08, 80.0, 0.06, 0.0, 1.4),
]


# --------------------------------------------------------------------------- linear fabric
def test_linear_is_exact_in_both_directions_and_branches():
    f = ss.Fabric.linear(stiffness_n_per_m=250.0)
    eps = np.linspace(0, 3, 31).reshape(31, 1) * np.ones((1, 4))
    for d in ("course", "wale"):
        for b in ("loading", "unloading"):
            np.testing.assert_array_equal(f.tension(eps, d, b), 250.0 * eps)
            np.testing.assert_array_equal(f.stiffness(eps, d, b), np.full(eps.shape, 250.0))
    assert f.tension(0.4).shape == ()
    assert f.valid_strain_range() == (0.0, 3.0)
    assert f.hysteresis_loss() == 0.0


def test_linear_inverse_is_exact_and_nan_when_unreachable():
    f = ss.Fabric.linear(stiffness_n_per_m=250.0, max_strain=2.0)
    t = np.array([[0.0, 100.0], [500.0, 500.1]])
    eps = f.strain_at_tension(t)
    assert eps.shape == (2, 2)
    assert eps[0, 0] == 0.0 and eps[0, 1] == pytest.approx(0.4, abs=1e-15) and eps[1, 0] == 2.0
    assert np.isnan(eps[1, 1])
    assert np.isnan(f.strain_at_tension(-1.0)) and np.isnan(f.strain_at_tension(np.nan))


def test_linear_with_hysteresis_scales_unloading():
    f = ss.Fabric.linear(stiffness_n_per_m=200.0, hysteresis=0.25)
    assert float(f.tension(0.5)) == pytest.approx(75.0)
    assert float(f.tension(0.5, branch="loading")) == pytest.approx(100.0)
    assert f.hysteresis_loss() == pytest.approx(0.25, abs=1e-12)
    assert float(f.strain_at_tension(75.0)) == pytest.approx(0.5, abs=1e-12)


# --------------------------------------------------------------------------- models
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.kind)
def test_models_zero_at_zero_increasing_and_stiffness_is_derivative(model):
    eps = np.linspace(*model.valid_range, 3001)
    t = model.tension(eps)
    assert t[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(t) > 0)
    k = model.stiffness(eps)
    fd = np.gradient(t, eps)
    np.testing.assert_allclose(k[5:-5], fd[5:-5], rtol=1e-4, atol=1e-6 * np.max(np.abs(k)))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.kind)
def test_model_transforms(model):
    eps = np.linspace(0, model.max_strain / 1.5, 50)
    np.testing.assert_allclose(model.scaled(0.7).tension(eps), 0.7 * model.tension(eps))
    np.testing.assert_allclose(
        model.strain_scaled(1.5).tension(eps), model.tension(1.5 * eps), rtol=1e-12, atol=1e-9
    )
    assert model.strain_scaled(1.5).max_strain == pytest.approx(model.max_strain / 1.5)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.kind)
def test_inverse_round_trip_any_shape(model):
    fabric = ss.Fabric.from_models(model, hysteresis=0.3, name="m")
    lo, hi = fabric.valid_strain_range()
    rng = np.random.default_rng(1)
    eps = rng.uniform(lo, hi, size=(7, 11, 3))
    for branch in ("loading", "unloading"):
        t = fabric.tension(eps, branch=branch)
        back = fabric.strain_at_tension(t, branch=branch)
        assert back.shape == eps.shape
        np.testing.assert_allclose(back, eps, atol=1e-10)
    top = float(fabric.tension(hi))
    assert np.isnan(fabric.strain_at_tension(top * 1.01))
    assert np.isnan(fabric.strain_at_tension(-1.0))


def test_polynomial_two_phase_closed_forms():
    p = PolynomialModel((100.0, 0.0, 50.0), 0.0, 1.0)
    assert float(p.tension(0.5)) == pytest.approx(100 * 0.5 + 50 * 0.125)
    e = ExponentialModel(20.0, 3.0, 0.0, 1.0)
    assert float(e.tension(0.5)) == pytest.approx(20.0 * (np.exp(1.5) - 1))
    tp = TwoPhaseModel(100.0, 500.0, 0.8, 0.05)
    # below the jam the ground loops carry (almost) nothing; far beyond they add k_j (eps - eps_j)
    assert float(tp.tension(0.4)) == pytest.approx(40.0, rel=1e-3)
    assert float(tp.stiffness(1.3)) == pytest.approx(600.0, rel=1e-3)


def test_hysteresis_is_area_fraction():
    # loading 100 eps, unloading 100 eps^2 over [0, 1]: loss = (1/2 - 1/3) / (1/2) = 1/3
    load = PolynomialModel((100.0,), 0.0, 1.0)
    unl = PolynomialModel((0.0, 100.0), 0.0, 1.0)
    f = ss.Fabric(
        name="q", course_loading=load, course_unloading=unl, wale_loading=load, wale_unloading=unl
    )
    assert f.hysteresis_loss() == pytest.approx(1 / 3, rel=1e-5)
    # up to 0.5: (1/8 - 1/24) / (1/8) = 2/3
    assert f.hysteresis_loss(max_strain=0.5) == pytest.approx(2 / 3, rel=1e-5)
    for bad, match in (
        (0.0, "must be above 0"),
        ("half", "must be a number"),
        (float("nan"), "finite"),
        (50.0, "percent"),  # 50 % given as 50
    ):
        with pytest.raises(errors.FabricError, match=match):
            f.hysteresis_loss(max_strain=bad)


def test_warns_beyond_range_but_returns_model_value():
    f = ss.Fabric.linear(stiffness_n_per_m=100.0, max_strain=1.0)
    with pytest.warns(errors.ExtrapolationWarning, match="outside its valid course range"):
        t = f.tension([0.5, 1.5])
    np.testing.assert_allclose(t, [50.0, 150.0])
    with warnings.catch_warnings():
        # a slack fabric (negative strain) is clipped, not extrapolated: no tension, no stiffness
        warnings.simplefilter("error")
        assert float(f.stiffness(-0.1, direction="wale")) == 0.0
        assert float(f.tension(-0.1)) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f.tension(np.linspace(0, 1, 5))


def test_unloading_never_above_loading_even_if_fit_crosses():
    load = PolynomialModel((100.0,), 0.0, 1.0)
    unl = PolynomialModel((90.0, 12.0), 0.0, 1.0)  # crosses near eps = 0.83 (by < 5 %)
    f = ss.Fabric(
        name="x", course_loading=load, course_unloading=unl, wale_loading=load, wale_unloading=unl
    )
    eps = np.linspace(0, 1, 101)
    assert np.all(f.tension(eps) <= f.tension(eps, branch="loading"))


# --------------------------------------------------------------------------- JSON
def test_json_round_trip_equal(tmp_path):
    f = ss.Fabric.from_models(
        MODELS[4],
        wale_loading=MODELS[2],
        hysteresis=0.2,
        wale_hysteresis=0.3,
        name="tp",
        description="two-phase",
        provenance={"source": "test", "n": 3},
    )
    text = f.to_json(tmp_path / "f.json")
    assert json.loads(text)["schema"] == "stockingsim.fabric/1"
    g = ss.Fabric.from_json(tmp_path / "f.json")
    assert g == f and hash(g) == hash(f)
    assert ss.Fabric.from_json(text) == f
    assert g != ss.Fabric.linear(stiffness_n_per_m=100.0)


def test_json_validation(tmp_path):
    good = json.loads(ss.Fabric.linear(stiffness_n_per_m=100.0).to_json())
    cases = {
        "schema": {**good, "schema": "other/9"},
        "missing": {k: v for k, v in good.items() if k != "curves"},
        "model": {**good, "curves": {**good["curves"], "wale": {"loading": {"model": "magic"}}}},
        "param": json.loads(
            json.dumps(good).replace('"stiffness_n_per_m": 100.0', '"stiffness_n_per_m": -5')
        ),
    }
    for name, data in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(data))
        with pytest.raises(errors.FabricFileError):
            ss.Fabric.from_json(path)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(errors.FabricFileError, match="not valid JSON"):
        ss.Fabric.from_json(tmp_path / "bad.json")
    with pytest.raises(errors.FabricFileError, match="cannot read"):
        ss.Fabric.from_json(tmp_path / "nope.json")


# --------------------------------------------------------------------------- bad parameters
@pytest.mark.parametrize(
    "build",
    [
        lambda: ss.Fabric.linear(stiffness_n_per_m=0.0),
        lambda: ss.Fabric.linear(stiffness_n_per_m=float("nan")),
        lambda: ss.Fabric.linear(stiffness_n_per_m=100.0, max_strain=-1),
        lambda: ss.Fabric.polynomial([100.0, -200.0]),  # decreasing beyond eps = 0.25
        lambda: ss.Fabric.exponential(10.0, -2.0),
        lambda: ss.Fabric.two_phase(-1.0, 100.0, 0.5),
        lambda: ss.Fabric.linear(stiffness_n_per_m=100.0, hysteresis=1.2),
    ],
)
def test_bad_parameters_raise_fabric_error(build):
    with pytest.raises(errors.FabricError):
        build()


def test_bad_direction_branch():
    f = ss.Fabric.linear(stiffness_n_per_m=100.0)
    with pytest.raises(errors.FabricError, match="direction"):
        f.tension(0.1, direction="hoop")
    with pytest.raises(errors.FabricError, match="branch"):
        f.tension(0.1, branch="up")
    with pytest.raises(errors.FabricError, match="unloading curve lies above"):
        ss.Fabric(
            name="s",
            course_loading=LinearModel(100.0),
            course_unloading=LinearModel(150.0),
            wale_loading=LinearModel(100.0),
            wale_unloading=LinearModel(100.0),
        )


def test_fabrics_pickle_for_process_pools():
    import pickle

    f = ss.fabric_library()["circular class II"]
    f.strain_at_tension(100.0)  # fills the private cache
    g = pickle.loads(pickle.dumps(f))
    assert g == f and float(g.strain_at_tension(100.0)) == float(f.strain_at_tension(100.0))


@settings(max_examples=60, deadline=None)
@given(
    ke=st.floats(1.0, 500.0),
    kj=st.floats(0.0, 2000.0),
    ej=st.floats(0.1, 1.5),
    w=st.floats(0.02, 0.3),
    t0=st.floats(0.0, 200.0),
    et=st.floats(0.01, 0.2),
    h=st.floats(0.0, 0.6),
    u=st.floats(0.0, 1.0),
)
def test_inverse_property_two_phase(ke, kj, ej, w, t0, et, h, u):
    model = TwoPhaseModel(ke, kj, ej, w, t0, et, 0.0, ej + 0.5)
    f = ss.Fabric.from_models(model, hysteresis=h, name="h")
    lo, hi = f.valid_strain_range()
    eps = lo + u * (hi - lo)
    for branch in ("loading", "unloading"):
        t = f.tension(eps, branch=branch)
        assert float(f.strain_at_tension(t, branch=branch)) == pytest.approx(eps, abs=1e-9)
        assert f.tension(eps, branch="unloading") <= f.tension(eps, branch="loading")
