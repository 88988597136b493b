"""Closed forms and checks of the inner-loop rule (fabric/_cyclic.py), one by one.

A linear fabric with hysteresis ``h`` has the branches ``L = k eps`` and ``U = (1 - h) k eps``,
so the rule ``T = (L + U)/2 + s (L - U)/2`` is ``T = k eps (1 - h/2 + s h/2)``; the state
leaving ``s0`` over a monotone strain change ``d`` is ``s = g - (g - s0) exp(-|d| / eps_c)``
with ``g = sign(d)`` (the Dahl element integrated exactly, so two steps in one direction are
one step of their sum).
"""

import math

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.fabric._cyclic import fit_inner_loop_strain, follow_strain_path

K, H = 200.0, 0.3


def _linear(eps_c=0.02):
    return ss.Fabric.linear(K, max_strain=2.0, hysteresis=H).with_inner_loop_strain(eps_c)


def _rule(eps, s):
    """``T = k eps (1 - h/2 + s h/2)`` of the linear fabric with hysteresis."""
    return K * np.asarray(eps) * (1.0 - H / 2 + np.asarray(s) * H / 2)


def _step(s0, d, eps_c):
    g = math.copysign(1.0, d)
    return g - (g - s0) * math.exp(-abs(d) / eps_c)


def test_states_of_unequal_steps_and_a_reversal():
    eps_c = 0.02
    path = [0.30, 0.31, 0.35, 0.33]
    s1 = _step(-1.0, 0.01, eps_c)
    s2 = _step(-1.0, 0.05, eps_c)  # 0.01 then 0.04 up: one step of 0.05
    s3 = _step(s2, -0.02, eps_c)
    tension, s = follow_strain_path(_linear(eps_c), path, "course", "unloading", return_state=True)
    np.testing.assert_allclose(s, [-1.0, s1, s2, s3], rtol=0, atol=1e-12)
    np.testing.assert_allclose(tension, _rule(path, [-1.0, s1, s2, s3]), rtol=1e-12)
    np.testing.assert_allclose(_linear(eps_c).cyclic_tension(path), tension, rtol=1e-12)
    # without return_state only the tension comes back
    only = follow_strain_path(_linear(eps_c), path, "course", "unloading")
    assert isinstance(only, np.ndarray)
    np.testing.assert_allclose(only, tension, rtol=1e-12)


def test_each_direction_uses_its_own_inner_loop_strain():
    f = _linear().with_inner_loop_strain(0.01, "course").with_inner_loop_strain(0.05, "wale")
    assert f.inner_loop_strain == (0.01, 0.05)
    path = [0.3, 0.32]
    for d, eps_c in (("course", 0.01), ("wale", 0.05)):
        _, s = follow_strain_path(f, path, d, "unloading", return_state=True)
        assert s[1] == pytest.approx(_step(-1.0, 0.02, eps_c), abs=1e-12), d
        assert f.cyclic_tension(path, d)[1] == pytest.approx(
            _rule(0.32, _step(-1.0, 0.02, eps_c)), rel=1e-12
        )


def test_integer_strains_and_the_largest_inner_loop_strain():
    # eps_c = 1 is the upper bound, accepted; integer strains are strains (s is not rounded)
    f = _linear(1.0)
    s1 = 1.0 - 2.0 * math.exp(-1.0)
    assert f.cyclic_tension([0, 1])[1] == pytest.approx(_rule(1.0, s1), rel=1e-12)
    _, s = follow_strain_path(f, [0, 1], "course", "unloading", return_state=True)
    assert s[1] == pytest.approx(s1, abs=1e-12)


def test_inner_loop_strain_bounds_and_hint():
    f = _linear()
    assert f.with_inner_loop_strain(1.0).inner_loop_strain == (1.0, 1.0)
    with pytest.raises(errors.FabricError, match=r"\(0, 1\]"):
        f.with_inner_loop_strain(1.0 + 1e-9)
    # the hint on the typical range also comes with a zero or negative value
    for bad in (0.0, -0.01):
        with pytest.raises(errors.FabricError, match="typically 0.005 to 0.05"):
            f.with_inner_loop_strain(bad)


def test_a_constant_or_one_step_path_is_the_start_branch():
    f = _linear()
    t = f.cyclic_tension(0.3)  # a scalar is a path of one step
    assert t.shape == (1,)
    assert t[0] == pytest.approx(K * (1 - H) * 0.3, rel=1e-12)
    assert f.cyclic_tension([0.3])[0] == pytest.approx(K * (1 - H) * 0.3, rel=1e-12)
    assert f.cyclic_tension([0.3], start="loading")[0] == pytest.approx(K * 0.3, rel=1e-12)
    np.testing.assert_allclose(f.cyclic_tension([0.3, 0.3, 0.3]), K * (1 - H) * 0.3, rtol=1e-12)
    with pytest.raises(errors.FabricError, match="at least one step"):
        f.cyclic_tension([])
    with pytest.raises(errors.FabricError, match="finite strains"):
        f.cyclic_tension([0.3, np.inf])


def test_start_as_an_array_of_states():
    f = _linear()
    start = np.array([-1.0, 0.0, 1.0])
    path = np.array([[0.3, 0.3, 0.3], [0.32, 0.32, 0.32]])
    t, s = follow_strain_path(f, path, "course", start, return_state=True)
    np.testing.assert_allclose(s[0], start)
    np.testing.assert_allclose(t[0], _rule(0.3, start), rtol=1e-12)
    np.testing.assert_allclose(s[1], [_step(s0, 0.02, 0.02) for s0 in start], atol=1e-12)
    np.testing.assert_allclose(f.cyclic_tension(path, start=start), t, rtol=1e-12)
    # a scalar state is broadcast; 1 and -1 are the branches
    np.testing.assert_allclose(f.cyclic_tension(path, start=0.0)[0], _rule(0.3, 0.0), rtol=1e-12)
    assert f.cyclic_tension([0.3], start=1.0)[0] == pytest.approx(K * 0.3, rel=1e-12)
    assert f.cyclic_tension([0.3], start=-1)[0] == pytest.approx(K * (1 - H) * 0.3, rel=1e-12)
    # rounding above 1 (up to 1e-12) is accepted, a state outside [-1, 1] is not
    for ok in (1.0 + 1e-12, -1.0 - 1e-12):
        assert np.isfinite(f.cyclic_tension([0.3], start=ok)[0])
    for bad in (1.5, -1.01, np.nan, [0.0, 2.0, 0.0], None):  # None reads as NaN
        with pytest.raises(errors.FabricError, match=r"finite and within \[-1, 1\]"):
            f.cyclic_tension(path, start=bad)


def _fit_path():
    """Up from 40 % on the loading branch, back to 44 % and small cycles of 2 % about it."""
    cycle = np.r_[np.linspace(0.44, 0.46, 5)[1:], np.linspace(0.46, 0.44, 5)[1:]]
    return np.r_[np.linspace(0.4, 0.5, 21), np.linspace(0.5, 0.44, 13)[1:], np.tile(cycle, 4)]


def test_fit_recovers_the_inner_loop_strain_despite_an_offset():
    eps_c = 0.015
    path = _fit_path()
    f = _linear(eps_c)
    data = f.cyclic_tension(path, start="loading") + 3.0  # the offset is removed, not fitted
    got, rmse = fit_inner_loop_strain(f, path, data, "course")
    assert got == pytest.approx(eps_c, rel=1e-3)
    assert rmse < 1e-6 * K
    # only the samples in the mask count: a wrong outer part does not move the fit
    mask = np.zeros(path.size, dtype=bool)
    mask[32:] = True
    bad = np.where(mask, data, data + 50.0 * path)
    got, rmse = fit_inner_loop_strain(f, path, bad, "course", mask)
    assert got == pytest.approx(eps_c, rel=1e-3)
    assert rmse < 1e-6 * K
    # the search stops at its upper bound eps_c = 0.5
    far = _linear(1.0)
    got, _ = fit_inner_loop_strain(far, path, far.cyclic_tension(path, start="loading"), "course")
    assert got == pytest.approx(0.5, rel=1e-3)
