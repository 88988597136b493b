"""A model's parameter vector, its tension Jacobian and the fit covariance (fabric/_params.py).

The Jacobians are compared with the derivatives of each model's formula written here
(``T = k eps``, ``sum c_i eps^i``, ``A (exp(B eps) - 1)`` and the two-phase form of
:class:`TwoPhaseModel`); the covariance with the least-squares closed form ``s^2 (J^T J)^-1``,
``s^2 = RSS / (n - k)``, of models linear in their parameters.
"""

import numpy as np
import pytest

from stockingsim import errors
from stockingsim.fabric import ExponentialModel, LinearModel, PolynomialModel, TwoPhaseModel
from stockingsim.fabric._params import (
    _steps,
    fit_covariance,
    parameter_names,
    parameter_vector,
    tension_jacobian,
    with_parameters,
)

LIN = LinearModel(150.0, 0.1, 1.2)
POLY = PolynomialModel((260.0, -180.0, 90.0), 0.0, 1.2)
EXPO = ExponentialModel(40.0, 2.2, 0.0, 1.2)
TWO = TwoPhaseModel(110.0, 500.0, 0.9, 0.1, 80.0, 0.06, 0.0, 1.2)

NAMES = {
    LIN: ("stiffness_n_per_m",),
    POLY: ("coefficients[0]", "coefficients[1]", "coefficients[2]"),
    EXPO: ("a_n_per_m", "b"),
    TWO: (
        "k_elastic_n_per_m",
        "k_jam_n_per_m",
        "jam_strain",
        "jam_width",
        "toe_tension_n_per_m",
        "toe_strain",
    ),
}
VECTORS = {
    LIN: [150.0],
    POLY: [260.0, -180.0, 90.0],
    EXPO: [40.0, 2.2],
    TWO: [110.0, 500.0, 0.9, 0.1, 80.0, 0.06],
}


def _sp(x):
    return np.logaddexp(0.0, x)


def _sig(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _analytic_jacobian(m, eps):
    """dT/d theta of each model's formula, columns in parameter order."""
    if isinstance(m, LinearModel):
        cols = [eps]
    elif isinstance(m, PolynomialModel):
        cols = [eps ** (i + 1) for i in range(len(m.coefficients))]
    elif isinstance(m, ExponentialModel):
        a, b = m.a_n_per_m, m.b
        cols = [np.expm1(b * eps), a * eps * np.exp(b * eps)]
    else:
        kj, ej, w = m.k_jam_n_per_m, m.jam_strain, m.jam_width
        t0, et = m.toe_tension_n_per_m, m.toe_strain
        u, u0 = (eps - ej) / w, -ej / w
        cols = [
            eps,
            w * (_sp(u) - _sp(u0)),
            kj * (_sig(u0) - _sig(u)),
            kj * (_sp(u) - _sp(u0) - u * _sig(u) + u0 * _sig(u0)),
            -np.expm1(-eps / et),
            -t0 * eps / et**2 * np.exp(-eps / et),
        ]
    return np.stack(cols, axis=-1)


MODELS = [LIN, POLY, EXPO, TWO]


# ---------------------------------------------------------------- names, vector, replacement
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.kind)
def test_names_and_vector_leave_out_the_strain_range(model):
    assert parameter_names(model) == NAMES[model]
    vec = parameter_vector(model)
    assert vec.dtype == np.float64
    assert vec.tolist() == VECTORS[model]
    assert len(parameter_names(model)) == vec.size


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.kind)
def test_with_parameters_round_trips_and_keeps_the_range(model):
    assert with_parameters(model, parameter_vector(model)) == model
    new = 1.1 * parameter_vector(model)
    changed = with_parameters(model, new)
    assert type(changed) is type(model)
    assert parameter_vector(changed) == pytest.approx(new, rel=1e-15)
    assert changed.valid_range == model.valid_range
    # any shape of the same size (e.g. a column) is read in order
    assert with_parameters(model, new.reshape(-1, 1)) == changed


def test_with_parameters_puts_each_value_in_its_place():
    poly = with_parameters(POLY, [10.0, 2.0, 3.0])
    assert poly.coefficients == (10.0, 2.0, 3.0)
    two = with_parameters(TWO, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert (two.k_elastic_n_per_m, two.k_jam_n_per_m, two.jam_strain) == (1.0, 2.0, 3.0)
    assert (two.jam_width, two.toe_tension_n_per_m, two.toe_strain) == (4.0, 5.0, 6.0)
    assert two.valid_range == (0.0, 1.2)


@pytest.mark.parametrize(
    "model, values, n",
    [(LIN, [1.0, 2.0], 1), (POLY, [1.0, 2.0], 3), (EXPO, [1.0, 2.0, 3.0], 2), (TWO, [1.0], 6)],
    ids=["linear", "polynomial", "exponential", "two_phase"],
)
def test_with_parameters_rejects_a_vector_of_the_wrong_size(model, values, n):
    msg = f"{model.kind} model has {n} parameters, got a vector of {len(values)}."
    with pytest.raises(errors.FabricError) as info:
        with_parameters(model, values)
    assert str(info.value) == msg


def test_with_parameters_validates_through_the_model():
    with pytest.raises(errors.FabricError, match="stiffness_n_per_m must be positive"):
        with_parameters(LIN, [-1.0])
    with pytest.raises(errors.FabricError, match="tension decreases"):
        with_parameters(POLY, [-10.0, 0.0, 0.0])


# ---------------------------------------------------------------- difference steps
def test_steps_are_relative_with_a_floor_of_1e_9_of_the_largest():
    theta = np.array([500.0, 0.1, 0.0, -2.0])
    np.testing.assert_allclose(_steps(theta), [5e-4, 5e-7, 5e-7, 2e-6], rtol=1e-15)
    # all zero: the floor of the floor
    assert _steps(np.zeros(2)).tolist() == pytest.approx([1e-21, 1e-21], rel=1e-15)


# ---------------------------------------------------------------- Jacobian
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.kind)
def test_jacobian_is_the_derivative_of_the_formula(model):
    eps = np.linspace(0.0, 1.2, 25)
    jac = tension_jacobian(model, eps)
    assert jac.shape == (25, len(NAMES[model]))
    np.testing.assert_allclose(jac, _analytic_jacobian(model, eps), rtol=1e-7, atol=1e-6)


def test_jacobian_keeps_the_strain_shape_and_accepts_a_scalar():
    eps = np.array([[0.2, 0.4, 0.6], [0.8, 1.0, 1.2]])
    jac = tension_jacobian(EXPO, eps)
    assert jac.shape == (2, 3, 2)
    np.testing.assert_allclose(jac, _analytic_jacobian(EXPO, eps), rtol=1e-7)
    scalar = tension_jacobian(EXPO, 0.5)
    assert scalar.shape == (2,)
    np.testing.assert_allclose(scalar, _analytic_jacobian(EXPO, np.float64(0.5)), rtol=1e-7)
    ints = tension_jacobian(LIN, [1, 2])  # integer strains are strains
    np.testing.assert_allclose(ints[:, 0], [1.0, 2.0], rtol=1e-9)


def test_jacobian_of_the_free_parameters_only():
    eps = np.linspace(0.1, 1.2, 7)
    full = tension_jacobian(TWO, eps)
    free = [True, False, True, False, False, True]
    part = tension_jacobian(TWO, eps, free=free)
    np.testing.assert_array_equal(part[:, [0, 2, 5]], full[:, [0, 2, 5]])
    assert not np.any(part[:, [1, 3, 4]])
    assert not np.any(tension_jacobian(TWO, eps, free=np.zeros(6, int)))


def test_jacobian_at_a_lower_bound_is_a_forward_difference():
    # t0 = 0 and k_j = 0 are bounds (>= 0): the step below them is not a model
    two = TwoPhaseModel(100.0, 0.0, 0.8, 0.1, 0.0, 0.05, 0.0, 1.5)
    eps = np.linspace(0.0, 1.5, 31)
    jac = tension_jacobian(two, eps)
    # T is linear in t0 and k_j: the one-sided differences are exact but for rounding
    np.testing.assert_allclose(jac, _analytic_jacobian(two, eps), rtol=1e-6, atol=1e-6)
    assert np.all(jac[1:, [1, 4]] > 0)
    assert not np.any(jac[:, [2, 3, 5]])  # no jam and no toe: their shapes do not act
    # a tension that would fall at the end of the range for a smaller c_1 or c_2
    # (slope 1 - 2 x 0.5 = 0 at eps = 1)
    poly = PolynomialModel((1.0, -0.5), 0.0, 1.0)
    eps = np.linspace(0.0, 1.0, 11)
    jac = tension_jacobian(poly, eps)
    np.testing.assert_allclose(jac, _analytic_jacobian(poly, eps), rtol=1e-6, atol=1e-12)


def test_jacobian_at_an_upper_bound_is_a_backward_difference():
    # |B| <= 50: the step above B = 50 is not a model
    expo = ExponentialModel(1.0, 50.0, 0.0, 0.1)
    eps = np.linspace(0.0, 0.1, 11)
    jac = tension_jacobian(expo, eps)
    np.testing.assert_allclose(jac, _analytic_jacobian(expo, eps), rtol=1e-5, atol=1e-12)


# ---------------------------------------------------------------- covariance
def _data(n=40, seed=1):
    rng = np.random.default_rng(seed)
    eps = np.linspace(0.05, 1.2, n)
    return eps, rng


def test_covariance_of_a_linear_fit_is_the_closed_form():
    eps, rng = _data()
    t = 150.0 * eps + rng.normal(0.0, 2.0, eps.size)
    model = LinearModel(148.0, 0.0, 1.2)  # not the optimum: the formula holds at any model
    rss = float(np.sum((t - 148.0 * eps) ** 2))
    cov = fit_covariance(model, eps, t)
    assert cov.shape == (1, 1)
    assert float(cov[0, 0]) == pytest.approx(rss / (eps.size - 1) / np.sum(eps**2), rel=1e-9)


def test_covariance_of_a_polynomial_fit_is_the_closed_form():
    eps, rng = _data(n=30, seed=2)
    t = POLY.tension(eps) + rng.normal(0.0, 3.0, eps.size)
    x = np.stack([eps, eps**2, eps**3], axis=1)
    s2 = float(np.sum((t - POLY.tension(eps)) ** 2)) / (eps.size - 3)
    expected = s2 * np.linalg.inv(x.T @ x)
    # strains and tensions of any shape are read as flat data
    cov = fit_covariance(POLY, eps.reshape(5, 6), t.reshape(6, 5).tolist())
    np.testing.assert_allclose(cov, expected, rtol=1e-6)
    np.testing.assert_allclose(cov, cov.T, rtol=1e-12)


def test_covariance_is_zero_for_directions_the_data_do_not_reach():
    # jamming at 1.0 over a width of 0.001 adds exactly nothing below 0.3: k_j, eps_j and w do
    # not act on the data; t0 = 0 removes eps_t. Free: k_e and t0, so n - 2 degrees of freedom
    two = TwoPhaseModel(100.0, 500.0, 1.0, 0.001, 0.0, 0.05, 0.0, 2.0)
    eps, rng = _data(n=20, seed=3)
    eps = eps / 4.0
    t = two.tension(eps) + rng.normal(0.0, 1.0, eps.size)
    x = np.stack([eps, -np.expm1(-eps / 0.05)], axis=1)
    s2 = float(np.sum((t - two.tension(eps)) ** 2)) / (eps.size - 2)
    cov = fit_covariance(two, eps, t)
    assert cov.shape == (6, 6)
    free = [0, 4]
    np.testing.assert_allclose(cov[np.ix_(free, free)], s2 * np.linalg.inv(x.T @ x), rtol=1e-6)
    others = [1, 2, 3, 5]
    tiny = 1e-12 * float(np.max(np.abs(cov)))
    assert np.max(np.abs(cov[others, :])) <= tiny and np.max(np.abs(cov[:, others])) <= tiny


def test_covariance_with_no_spare_points_divides_by_one():
    eps = np.array([0.3, 0.9])
    t = np.array([40.0, 150.0])
    model = LinearModel(160.0, 0.0, 1.2)
    rss = float(np.sum((t - 160.0 * eps) ** 2))
    # one point, one parameter: n - k = 0, the divisor stays 1
    cov1 = fit_covariance(model, eps[:1], t[:1])
    assert float(cov1[0, 0]) == pytest.approx((40.0 - 48.0) ** 2 / 0.09, rel=1e-9)
    cov2 = fit_covariance(model, eps, t)
    assert float(cov2[0, 0]) == pytest.approx(rss / 1 / np.sum(eps**2), rel=1e-9)
    # two points and three parameters: still divided by 1 (not by -1)
    poly = PolynomialModel((100.0, 30.0, 10.0), 0.0, 1.2)
    cov3 = fit_covariance(poly, eps, t)
    x = np.stack([eps, eps**2, eps**3], axis=1)
    rss3 = float(np.sum((t - poly.tension(eps)) ** 2))
    # X (X^T X)^+ X^T is the projection on the range of X, here all of R^2
    np.testing.assert_allclose(x @ cov3 @ x.T, rss3 * np.eye(2), rtol=1e-6, atol=1e-6 * rss3)


def test_covariance_of_an_exact_fit_is_zero():
    eps, _ = _data(n=15)
    assert not np.any(fit_covariance(EXPO, eps, EXPO.tension(eps)))


def test_covariance_treats_a_direction_reached_below_1e_6_as_not_reached():
    # between strains 1e-6 and 2e-6 the c_2 eps^2 term is 1e-6 of c_1 eps: J's smaller
    # singular value is below 1e-6 of the larger (J^T J's eigenvalues 1e-13 apart), so the
    # covariance is that of the larger direction alone, not a variance of ~1e23
    poly = PolynomialModel((100.0, 100.0), 0.0, 1.0)
    eps = np.linspace(1e-6, 2e-6, 20)
    t = poly.tension(eps) * (1.0 + 1e-3 * np.sin(np.arange(20.0)))
    x = np.stack([eps, eps**2], axis=1)
    lam, vec = np.linalg.eigh(x.T @ x)
    assert lam[0] < 1e-12 * lam[1]
    s2 = float(np.sum((t - poly.tension(eps)) ** 2)) / (eps.size - 2)
    cov = fit_covariance(poly, eps, t)
    np.testing.assert_allclose(cov, s2 * np.outer(vec[:, 1], vec[:, 1]) / lam[1], rtol=1e-3)
