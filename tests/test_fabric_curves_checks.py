"""The Fabric class's own rules (fabric/_curves.py), one check each, with closed forms.

A linear fabric ``T = k eps`` has the inverse ``eps = T / k``; with hysteresis ``h`` the
unloading branch is ``(1 - h) k eps``, so the hysteresis loss is ``h`` and the initial slope of
an inner loop is ``(1 - h) k + h k eps / eps_c``. An unloading model that lies above the
loading one by at most 5 % of the loading tension is clamped: ``min(U, L)``, with the slope of
the branch that is used.
"""

import json
import os
import warnings
from dataclasses import replace

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.fabric import LinearModel, PolynomialModel


def _fabric(course_unloading, course_loading=None, name="f"):
    load = course_loading or LinearModel(100.0, max_strain=1.0)
    wale = LinearModel(50.0, max_strain=1.0)
    return ss.Fabric(name, load, course_unloading, wale, wale)


# ---------------------------------------------------------------- construction checks
def test_name_and_model_checks():
    for bad in (3, "", "   "):
        with pytest.raises(errors.FabricError, match="non-empty name"):
            _fabric(LinearModel(90.0, max_strain=1.0), name=bad)
    with pytest.raises(
        errors.FabricError, match="course_unloading must be a fabric model.*got str"
    ):
        _fabric("stiff")


def test_ranges_that_only_touch_have_no_common_range():
    # the loading model ends at 1.0 where the unloading one starts: one point is no range
    with pytest.raises(errors.FabricError, match="give overlapping min_strain/max_strain"):
        _fabric(LinearModel(90.0, min_strain=1.0, max_strain=2.0))


def test_unloading_above_loading_within_and_beyond_five_percent():
    # loading 100 eps on [0, 1]: 5 % of its largest tension is 5 N/m
    with pytest.raises(errors.FabricError, match="Check that the branches are not swapped"):
        _fabric(LinearModel(105.5, max_strain=1.0))  # 5.5 N/m above at eps = 1
    f = _fabric(LinearModel(104.0, max_strain=1.0))  # 4 N/m above: clamped to the loading
    eps = np.array([0.2, 0.5, 1.0])
    np.testing.assert_allclose(f.tension(eps), 100.0 * eps, rtol=1e-12)
    np.testing.assert_allclose(f.stiffness(eps), 100.0, rtol=1e-12)
    # the inverse of the clamped branch is the loading one's
    assert float(f.strain_at_tension(50.0)) == pytest.approx(0.5, rel=1e-12)


def test_clamp_uses_each_branch_where_it_is_lower():
    # U = 90 eps + 12 eps^2 crosses L = 100 eps at eps = 5/6 and ends 2 N/m above it
    f = _fabric(PolynomialModel((90.0, 12.0), max_strain=1.0))
    assert float(f.tension(0.5)) == pytest.approx(90 * 0.5 + 12 * 0.25, rel=1e-12)
    assert float(f.tension(0.95)) == pytest.approx(95.0, rel=1e-12)
    assert float(f.stiffness(0.5)) == pytest.approx(90 + 24 * 0.5, rel=1e-12)
    assert float(f.stiffness(0.95)) == pytest.approx(100.0, rel=1e-12)
    t = f.tension(np.array([0.5, 0.95]))
    np.testing.assert_allclose(f.strain_at_tension(t), [0.5, 0.95], rtol=1e-12)


def test_clamp_with_a_curved_loading_branch():
    # L = 100 eps + 10 eps^2, U = 90 eps + 22 eps^2: U - L = -10 eps + 12 eps^2 as above,
    # 2 N/m above at eps = 1 (5 % of 110 N/m is 5.5)
    f = _fabric(
        PolynomialModel((90.0, 22.0), max_strain=1.0),
        PolynomialModel((100.0, 10.0), max_strain=1.0),
    )
    assert float(f.tension(0.95)) == pytest.approx(100 * 0.95 + 10 * 0.95**2, rel=1e-12)
    assert float(f.stiffness(0.95)) == pytest.approx(100 + 20 * 0.95, rel=1e-12)
    assert float(f.stiffness(0.5)) == pytest.approx(90 + 44 * 0.5, rel=1e-12)


def test_provenance_keys_become_strings_and_pairs_tuples():
    f = replace(ss.Fabric.linear(100.0), provenance=[[1, "a"], ("b", 2)])
    assert f.provenance == (("1", "a"), ("b", 2))
    assert f.info == {"1": "a", "b": 2}


def test_inner_loop_strain_shapes_and_names():
    f = ss.Fabric.linear(100.0)
    assert replace(f, inner_loop_strain=0.03).inner_loop_strain == (0.03, 0.03)
    with pytest.raises(errors.FabricError, match=r"one number or \(course, wale\)"):
        replace(f, inner_loop_strain=(0.01, 0.02, 0.03))
    with pytest.raises(errors.FabricError, match=r"inner_loop_strain\[wale\] = 2\.0"):
        replace(f, inner_loop_strain=(0.02, 2.0))


# ---------------------------------------------------------------- evaluation
def test_slack_strains_carry_nothing_on_either_branch():
    f = ss.Fabric.linear(250.0, hysteresis=0.2)
    for branch, k in (("unloading", 200.0), ("loading", 250.0)):
        t = f.tension([-0.1, 0.0, 0.4], branch=branch)
        assert t.dtype == np.float64
        np.testing.assert_allclose(t, [0.0, 0.0, 0.4 * k], rtol=1e-12)
        s = f.stiffness([-0.1, 0.4], branch=branch)
        assert s.dtype == np.float64
        np.testing.assert_allclose(s, [0.0, k], rtol=1e-12)


def test_model_defaults_and_dynamic_stiffness_per_direction():
    f = ss.Fabric.linear(200.0, hysteresis=0.3, wale_stiffness_n_per_m=100.0)
    assert f.model() is f.course_unloading
    assert f.model("wale") is f.wale_unloading
    f = f.with_inner_loop_strain(0.01, "course").with_inner_loop_strain(0.04, "wale")
    for d, k, eps_c in (("course", 200.0, 0.01), ("wale", 100.0, 0.04)):
        want = 0.7 * k + 0.3 * k * 0.4 / eps_c
        assert float(f.dynamic_stiffness(0.4, d)) == pytest.approx(want, rel=1e-12), d


def test_non_numbers_are_named():
    f = ss.Fabric.linear(100.0)
    with pytest.raises(errors.FabricError, match="^strain must be a number or an array of numb"):
        f.tension("abc")
    with pytest.raises(errors.FabricError, match="^strain must be a number.*got str"):
        f.stiffness("abc")
    with pytest.raises(errors.FabricError, match="^tension_n_per_m must be a number"):
        f.strain_at_tension("abc")


# ---------------------------------------------------------------- range warning
def _warning(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w for w in caught if issubclass(w.category, errors.ExtrapolationWarning)]


def test_range_warning_edges_count_and_caller():
    f = _fabric(
        LinearModel(90.0, min_strain=0.1, max_strain=1.0),
        LinearModel(100.0, min_strain=0.1, max_strain=1.0),
    )
    assert f.valid_strain_range() == (0.1, 1.0)
    # inside the range up to 1e-12 beyond its ends, and slack strains: no warning
    assert not _warning(lambda: f.tension([0.1 - 1e-12, 1.0 + 1e-12, -0.2]))
    # a taut strain below min_strain warns (0 too), and so does one above max_strain
    for eps in (0.0, 0.05, 1.0 + 1e-9):
        assert len(_warning(lambda e=eps: f.tension(e))) == 1, eps
    (w,) = _warning(lambda: f.tension([0.05, 0.5, 1.2]))
    msg = str(w.message)
    assert "at 2 strain(s) outside its valid course range [0.1, 1]" in msg
    assert "Keep strains within the range" in msg and msg.endswith("measured further.")


@pytest.mark.skipif(
    "MUTANT_UNDER_TEST" in os.environ, reason="mutmut's trampoline adds a stack frame"
)
def test_range_warning_is_attributed_to_the_caller():
    f = ss.Fabric.linear(100.0, max_strain=1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f.tension(1.2)  # called here, not through a helper: the warning names this file
        f.stiffness(1.2)
        f.hysteresis_loss(max_strain=1.2)
    files = [w.filename for w in caught if issubclass(w.category, errors.ExtrapolationWarning)]
    assert files == [__file__] * 3


def test_a_percentage_strain_is_named():
    f = ss.Fabric.linear(100.0)
    (w,) = _warning(lambda: f.tension(40.0))
    assert str(w.message).endswith(
        "A strain of 40 looks like a percentage: strains are fractions (40 % is 0.4)."
    )


# ---------------------------------------------------------------- inverse
def test_linear_inverse_is_the_closed_form_with_tolerant_ends():
    f = ss.Fabric.linear(250.0)
    assert float(f.strain_at_tension(100.0)) == 0.4  # 100 / 250 exactly
    g = ss.Fabric.linear(250.0, hysteresis=0.2)
    assert float(g.strain_at_tension(100.0, branch="loading")) == 0.4
    assert float(g.strain_at_tension(80.0)) == pytest.approx(0.4, rel=1e-15)
    one = ss.Fabric.linear(1.0, max_strain=1.0)  # eps = T
    assert float(one.strain_at_tension(-1e-12)) == 0.0  # within 1e-12: clipped to the end
    assert float(one.strain_at_tension(1.0 + 1e-12)) == 1.0
    assert np.isnan(one.strain_at_tension(1.0 + 1.5e-12))
    assert np.isnan(one.strain_at_tension(-2e-12))
    three = ss.Fabric.linear(1.0, max_strain=3.0)  # tolerance 1e-12 x max_strain
    assert float(three.strain_at_tension(3.0 + 2e-12)) == 3.0


def test_inverse_reaches_rounding_with_its_newton_step():
    # a two-phase fabric (jamming): the interpolation alone leaves ~1e-9, one Newton step
    # brings tension(strain_at_tension(T)) back to T within rounding (1e-13 asserted)
    f = ss.Fabric.from_blend(elastane=0.24, polyamide=0.76, inlay_dtex=310)
    lo, hi = f.valid_strain_range()
    eps = np.linspace(lo + 1e-3, hi - 1e-3, 4001)
    for branch in ("loading", "unloading"):
        t = f.tension(eps, branch=branch)
        back = f.tension(f.strain_at_tension(t, branch=branch), branch=branch)
        np.testing.assert_allclose(back, t, rtol=1e-13, atol=0)


def test_inverse_at_the_ends_of_the_table():
    f = ss.Fabric.polynomial((260.0, -220.0, 160.0), max_strain=1.0)
    lo, hi = f.valid_strain_range()
    top = float(f.tension(hi))
    assert float(f.strain_at_tension(0.0)) == lo
    assert float(f.strain_at_tension(top)) == pytest.approx(hi, abs=1e-15)
    # the last step of the table (4097 points)
    e = hi - 1e-5
    assert float(f.strain_at_tension(f.tension(e))) == pytest.approx(e, abs=1e-13)
    # reachable within 1e-12 of the top tension (the ends included), unreachable beyond
    assert float(f.strain_at_tension(top + 1e-12 * top)) == pytest.approx(hi, abs=1e-15)
    assert float(f.strain_at_tension(top * (1 + 5e-13))) == pytest.approx(hi, abs=1e-15)
    assert float(f.strain_at_tension(-1e-12 * top)) == lo
    assert np.isnan(f.strain_at_tension(top * (1 + 3e-12)))
    assert np.isnan(f.strain_at_tension(-3e-12 * top))
    # the tolerance is relative to the top tension, also below 1 N/m
    soft = ss.Fabric.polynomial((0.5,), max_strain=1.0)
    assert float(soft.strain_at_tension(0.5 + 0.4e-12)) == pytest.approx(1.0, abs=1e-15)
    assert np.isnan(soft.strain_at_tension(0.5 + 0.8e-12))


# ---------------------------------------------------------------- hysteresis loss
def test_hysteresis_loss_of_a_soft_fabric_and_its_messages():
    # a linear fabric's loss is h exactly (the trapezoid rule is exact for it), even when
    # the area under its loading curve is below 1
    f = ss.Fabric.linear(1.0, max_strain=1.0, hysteresis=0.3)
    assert f.hysteresis_loss() == pytest.approx(0.3, rel=1e-12)
    with pytest.raises(errors.FabricError, match=r"^max_strain must be a number.*\(0\.5 is 50 %\)"):
        f.hysteresis_loss(max_strain="abc")
    with pytest.raises(errors.FabricError, match=r"must be above 0, got -1\. Give a strain above"):
        f.hysteresis_loss(max_strain=-1.0)


# ---------------------------------------------------------------- JSON
def test_json_errors_say_where(tmp_path):
    text = (
        ss.Fabric.linear(100.0)
        .to_json()
        .replace('"stiffness_n_per_m": 100.0', '"stiffness_n_per_m": -1.0')
    )
    with pytest.raises(errors.FabricFileError, match="^JSON text: .*stiffness_n_per_m"):
        ss.Fabric.from_json(text)
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(errors.FabricFileError, match=f"^{str(path)}: "):
        ss.Fabric.from_json(path)


def test_json_fabric_errors_say_where():
    data = ss.Fabric.linear(100.0).to_dict()
    bad = {**data, "inner_loop_strain": {"course": 0.02, "wale": 2.0}}
    with pytest.raises(errors.FabricFileError, match=r"^JSON text: inner_loop_strain\[wale\]"):
        ss.Fabric.from_json(json.dumps(bad))
    bad = {**data, "provenance": [[1, 2, 3]]}
    with pytest.raises(errors.FabricFileError, match="^JSON text: malformed provenance or fit_rep"):
        ss.Fabric.from_json(json.dumps(bad))
