"""Tension models in detail: strain rescaling, the limits of every parameter, dictionaries.

The laws are the closed forms of ``stockingsim/fabric/_models.py``; a rescaled model must be
the same law in the new strain variable, ``T_new(eps) = T(ratio eps)``.
"""

import numpy as np
import pytest

from stockingsim import errors
from stockingsim.fabric._models import (
    ExponentialModel,
    LinearModel,
    PolynomialModel,
    TwoPhaseModel,
    model_from_dict,
)

MODELS = [
    LinearModel(200.0, 0.1, 1.2),
    PolynomialModel((150.0, 40.0, 5.0), 0.1, 1.2),
    ExponentialModel(30.0, 2.0, 0.1, 1.2),
    TwoPhaseModel(80.0, 400.0, 0.6, 0.05, 10.0, 0.05, 0.1, 1.2),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.kind)
@pytest.mark.parametrize("ratio", [0.8, 1.25])
def test_a_strain_rescaled_model_is_the_same_law(model, ratio):
    scaled = model.strain_scaled(ratio)
    lo, hi = model.valid_range
    assert scaled.valid_range == pytest.approx((lo / ratio, hi / ratio))
    eps = np.linspace(lo / ratio, hi / ratio, 7)
    assert scaled.tension(eps) == pytest.approx(model.tension(ratio * eps), rel=1e-9)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.kind)
def test_a_model_survives_its_dictionary(model):
    data = model.to_dict()
    again = model_from_dict(data)
    assert again == model
    eps = np.linspace(*model.valid_range, 5)
    assert again.tension(eps) == pytest.approx(model.tension(eps), rel=0, abs=0)
    with pytest.raises(errors.FabricError, match="unknown keys"):
        model_from_dict({**data, "colour": "beige"})
    with pytest.raises(errors.FabricError, match="check the parameter names"):
        model_from_dict({"model": model.kind})


def test_polynomial_coefficients_from_a_dictionary_must_be_a_list():
    assert model_from_dict({"model": "polynomial", "coefficients": [1.0, 1.0]}).coefficients == (
        1.0,
        1.0,
    )
    with pytest.raises(errors.FabricError, match="list of numbers"):
        model_from_dict({"model": "polynomial", "coefficients": 250.0})


def test_strain_range_limits():
    LinearModel(100.0, 0.0, 1.0)  # a range from zero strain
    with pytest.raises(errors.FabricError, match="max_strain"):
        LinearModel(100.0, 0.5, 0.5)  # an empty range
    with pytest.raises(errors.FabricError, match="min_strain"):
        LinearModel(100.0, -0.1, 1.0)  # a compressed knit carries no tension
    with pytest.raises(errors.FabricError, match="max_strain"):
        LinearModel(100.0, 0.0, 0.0)
    with pytest.raises(errors.FabricError, match="stiffness_n_per_m"):
        LinearModel(0.0)


def test_polynomial_limits():
    assert PolynomialModel(250.0).tension(0.4) == pytest.approx(100.0)  # one number is c_1
    assert PolynomialModel((1.0, 1.0)).tension(2.0) == pytest.approx(6.0)
    with pytest.raises(errors.FabricError, match="all polynomial coefficients are zero"):
        PolynomialModel((0.0, 0.0))
    with pytest.raises(errors.FabricError, match=r"coefficients\[1\]"):
        PolynomialModel((1.0, float("nan")))
    # T = 100 e - 10 e^3 rises up to e = sqrt(10/3) = 1.83: valid up to 1.5, not up to 2
    PolynomialModel((100.0, 0.0, -10.0), 0.0, 1.5)
    with pytest.raises(errors.FabricError, match="near strain 1.8"):
        PolynomialModel((100.0, 0.0, -10.0), 0.0, 2.0)


def test_exponential_limits():
    # A B > 0: stiffening (A, B > 0) or softening (A, B < 0); a product below 1 is fine
    assert ExponentialModel(0.5, 1.0).tension(1.0) == pytest.approx(0.5 * (np.e - 1))
    assert ExponentialModel(-40.0, -2.0).tension(0.5) == pytest.approx(-40.0 * (np.exp(-1.0) - 1))
    for a, b in [(10.0, 0.0), (0.0, 1.0), (10.0, -1.0)]:
        with pytest.raises(errors.FabricError, match="same sign"):
            ExponentialModel(a, b)
    ExponentialModel(1e-20, 50.0, 0.0, 0.1)  # |B| = 50 is allowed...
    with pytest.raises(errors.FabricError, match="beyond"):
        ExponentialModel(1e-20, 50.5, 0.0, 0.1)  # ...beyond is not
    with pytest.raises(errors.FabricError, match="a_n_per_m"):
        ExponentialModel(float("inf"), 1.0)
    with pytest.raises(errors.FabricError, match="'b'|b "):
        ExponentialModel(1.0, float("nan"))


def test_two_phase_limits():
    # any one of the three load paths alone carries load
    for ke, kj, t0 in [(0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (1.0, 0.0, 0.0), (0.0, 0.0, 5.0)]:
        assert TwoPhaseModel(ke, kj, 0.5, toe_tension_n_per_m=t0).tension(1.0) > 0
    with pytest.raises(errors.FabricError, match="carries no load"):
        TwoPhaseModel(0.0, 0.0, 0.5)
    bad = {
        "k_elastic_n_per_m": {"k_elastic_n_per_m": -1.0},
        "k_jam_n_per_m": {"k_jam_n_per_m": -1.0},
        "jam_strain": {"jam_strain": -0.1},
        "jam_width": {"jam_width": 0.0},
        "toe_tension_n_per_m": {"toe_tension_n_per_m": -1.0},
        "toe_strain": {"toe_strain": 0.0},
    }
    base = {"k_elastic_n_per_m": 80.0, "k_jam_n_per_m": 400.0, "jam_strain": 0.6}
    for name, change in bad.items():
        with pytest.raises(errors.FabricError, match=name):
            TwoPhaseModel(**{**base, **change})


def test_numpy_parameters_are_stored_as_floats_and_export_to_json():
    # parameters from a fit arrive as numpy scalars; the model keeps Python floats so that its
    # dictionary is JSON (numpy float32 and int64 are not)
    import json

    f32, i64 = np.float32, np.int64
    models = [
        LinearModel(f32(200.0), i64(0), f32(1.25)),
        PolynomialModel((f32(150.0), f32(40.0)), i64(0), f32(1.25)),
        ExponentialModel(f32(30.0), f32(2.0), i64(0), f32(1.25)),
        TwoPhaseModel(
            f32(80.0), i64(400), f32(0.625), f32(0.0625), i64(10), f32(0.0625), i64(0), f32(1.25)
        ),
    ]
    for model in models:
        data = model.to_dict()
        assert all(type(v) is float for k, v in data.items() if k not in ("model", "coefficients"))
        assert model_from_dict(json.loads(json.dumps(data))) == model


def test_a_narrow_dip_of_the_tension_is_found():
    # dT/de = 3 c3 (e - 0.7555)^2 - d is negative only within +-0.005 of 0.7555 (a 1 % window,
    # between two points of a coarse 50-point grid, 0.03 apart): a knit whose tension falls
    # anywhere in its range is rejected
    e0, half = 0.7555, 0.005
    c3 = 100.0
    d = 3 * c3 * half**2
    # T = (3 c3 e0^2 - d) e - 3 c3 e0 e^2 + c3 e^3
    coeffs = (3 * c3 * e0**2 - d, -3 * c3 * e0, c3)
    with pytest.raises(errors.FabricError, match="near strain 0.75"):
        PolynomialModel(coeffs, 0.0, 1.5)
    PolynomialModel((3 * c3 * e0**2 + d, -3 * c3 * e0, c3), 0.0, 1.5)  # no dip: accepted
