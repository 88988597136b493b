"""The constructors of Fabric (fabric/_constructors.py): closed forms, defaults, labels, checks.

``from_models`` derives the missing curves (wale loading = course loading; unloading =
``(1 - h) x`` loading with the wale's ``h`` defaulting to the course's), the formula
constructors build one model per direction with the documented defaults (ranges from 0, the
linear fabric to 300 %, the polynomial and exponential to 150 %, the two-phase to
``jam_strain + 0.5``), and the hysteresis must be a fraction in [0, 1).
"""

import inspect

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.fabric import ExponentialModel, LinearModel, PolynomialModel, TwoPhaseModel
from stockingsim.fabric._tensile import write_synthetic_test

EPS = np.linspace(0.0, 1.0, 21)
W, G = 50.0, 100.0


# ---------------------------------------------------------------- from_models
def test_from_models_derives_the_missing_curves():
    course = PolynomialModel((100.0, 20.0), 0.0, 1.5)
    f = ss.Fabric.from_models(course)
    for d in ("course", "wale"):
        assert f.model(d, "loading") == course and f.model(d, "unloading") == course
    assert f.name == "fabric" and f.description == "" and f.provenance == ()
    assert f.inner_loop_strain == (0.02, 0.02) and f.fit_report is None


def test_from_models_unloading_is_one_minus_h_times_loading():
    course = PolynomialModel((100.0, 20.0), 0.0, 1.5)
    wale = LinearModel(70.0, 0.0, 1.0)
    f = ss.Fabric.from_models(course, wale_loading=wale, hysteresis=0.25)
    assert f.course_unloading == course.scaled(1 - 0.25)
    assert f.wale_loading == wale
    assert f.wale_unloading == wale.scaled(1 - 0.25)  # the wale takes the course's h
    assert f.hysteresis_loss("course") == pytest.approx(0.25, rel=1e-9)
    assert f.hysteresis_loss("wale") == pytest.approx(0.25, rel=1e-9)
    g = ss.Fabric.from_models(course, wale_loading=wale, hysteresis=0.25, wale_hysteresis=0.4)
    assert g.course_unloading == course.scaled(1 - 0.25)
    assert g.wale_unloading == wale.scaled(1 - 0.4)
    assert g.hysteresis_loss("wale") == pytest.approx(0.4, rel=1e-9)
    # a wale hysteresis of 0 is the wale loading itself, whatever the course's
    h = ss.Fabric.from_models(course, hysteresis=0.3, wale_hysteresis=0.0)
    assert h.wale_unloading == course and h.course_unloading == course.scaled(1 - 0.3)


def test_from_models_keeps_given_curves_and_labels():
    load = LinearModel(100.0, 0.0, 2.0)
    unl = LinearModel(80.0, 0.0, 2.0)
    wl, wu = LinearModel(60.0, 0.0, 1.0), LinearModel(30.0, 0.0, 1.0)
    f = ss.Fabric.from_models(
        load,
        unl,
        wl,
        wu,
        hysteresis=0.5,  # given curves are kept: h only derives missing ones
        name="given",
        description="four curves",
        provenance={"source": "lab", "n": 2},
        inner_loop_strain=(0.01, 0.03),
    )
    assert (f.course_loading, f.course_unloading, f.wale_loading, f.wale_unloading) == (
        load,
        unl,
        wl,
        wu,
    )
    assert f.name == "given" and f.description == "four curves"
    assert f.provenance == (("source", "lab"), ("n", 2))
    assert f.inner_loop_strain == (0.01, 0.03)
    pairs = ss.Fabric.from_models(load, provenance=[("a", 1)], inner_loop_strain=0.05)
    assert pairs.provenance == (("a", 1),) and pairs.inner_loop_strain == (0.05, 0.05)


@pytest.mark.parametrize("name", ["hysteresis", "wale_hysteresis"])
def test_hysteresis_is_a_fraction_in_zero_one(name):
    load = LinearModel(100.0)
    assert ss.Fabric.from_models(load, **{name: 0.0}).hysteresis_loss() == 0.0
    f = ss.Fabric.from_models(load, **{name: 0.999})
    direction = "course" if name == "hysteresis" else "wale"
    assert f.hysteresis_loss(direction) == pytest.approx(0.999, rel=1e-9)
    for bad in (1.0, 1.5, -1e-9, -0.1):
        with pytest.raises(errors.FabricError) as info:
            ss.Fabric.from_models(load, **{name: bad})
        assert str(info.value) == (
            f"{name} must be a fraction in [0, 1) (share of the loading tension lost on "
            f"unloading), got {float(bad)}."
        )
    for bad in ("much", float("nan"), True):
        with pytest.raises(errors.FabricError) as info:
            ss.Fabric.from_models(load, **{name: bad})
        assert str(info.value).startswith(f"{name} must be a")
        assert str(info.value).endswith(". Give a fraction in [0, 1).")
    assert ss.Fabric.from_models(load, **{name: "0.2"}) == ss.Fabric.from_models(
        load, **{name: 0.2}
    )


# ---------------------------------------------------------------- linear
def test_linear_is_t_equals_k_eps_with_its_labels():
    f = ss.Fabric.linear(200.0)
    assert f.course_loading == LinearModel(200.0, 0.0, 3.0)
    for d in ("course", "wale"):
        for b in ("loading", "unloading"):
            assert f.model(d, b) == LinearModel(200.0, 0.0, 3.0)
    np.testing.assert_array_equal(f.tension(EPS, branch="loading"), 200.0 * EPS)
    assert f.name == "linear 200 N/m"
    assert f.description == "Linear T = k eps, k = 200 N/m (valid 0 to 3 strain)."
    assert f.provenance == (("source", "linear"),)
    assert f.inner_loop_strain == (0.02, 0.02)
    g = ss.Fabric.linear(12.5, 0.75, name="soft")
    assert g.name == "soft" and g.valid_strain_range("wale") == (0.0, 0.75)
    assert g.description == "Linear T = k eps, k = 12.5 N/m (valid 0 to 0.75 strain)."
    assert ss.Fabric.linear("150").name == "linear 150 N/m"  # the checked number


def test_linear_wale_stiffness_and_hysteresis():
    f = ss.Fabric.linear(200.0, 2.0, wale_stiffness_n_per_m=80.0, hysteresis=0.3)
    assert f.course_loading == LinearModel(200.0, 0.0, 2.0)
    assert f.wale_loading == LinearModel(80.0, 0.0, 2.0)
    np.testing.assert_allclose(f.tension(EPS, "course"), 0.7 * 200.0 * EPS, rtol=1e-15)
    np.testing.assert_allclose(f.tension(EPS, "wale"), 0.7 * 80.0 * EPS, rtol=1e-15)
    assert f.hysteresis_loss("wale") == pytest.approx(0.3, rel=1e-9)
    assert f.name == "linear 200 N/m"  # named after the course stiffness


# ---------------------------------------------------------------- polynomial
def test_polynomial_closed_form_defaults_and_labels():
    f = ss.Fabric.polynomial([100.0, 50.0])
    assert f.course_loading == PolynomialModel((100.0, 50.0), 0.0, 1.5)
    assert f.wale_loading == f.course_loading == f.wale_unloading
    np.testing.assert_allclose(
        f.tension(EPS, branch="loading"), 100.0 * EPS + 50.0 * EPS**2, rtol=1e-15
    )
    assert f.name == "polynomial"
    assert f.description == "Polynomial tension-strain model."
    assert f.provenance == (("source", "polynomial"),)
    one = ss.Fabric.polynomial(120.0, 2.0)  # a single coefficient: T = c_1 eps
    assert one.course_loading == PolynomialModel((120.0,), 0.0, 2.0)
    assert isinstance(one.course_loading.coefficients[0], float)


def test_polynomial_per_direction():
    f = ss.Fabric.polynomial(
        np.array([100.0, 50.0]),
        1.2,
        wale_coefficients=(60.0, 10.0, 5.0),
        hysteresis=0.2,
        wale_hysteresis=0.35,
        name="poly",
        description="mine",
    )
    assert f.course_loading == PolynomialModel((100.0, 50.0), 0.0, 1.2)
    assert f.wale_loading == PolynomialModel((60.0, 10.0, 5.0), 0.0, 1.2)
    assert f.course_unloading == f.course_loading.scaled(1 - 0.2)
    assert f.wale_unloading == f.wale_loading.scaled(1 - 0.35)
    assert (f.name, f.description) == ("poly", "mine")
    scalar_wale = ss.Fabric.polynomial([100.0], wale_coefficients=40.0)
    assert scalar_wale.wale_loading == PolynomialModel((40.0,), 0.0, 1.5)


# ---------------------------------------------------------------- exponential
def test_exponential_closed_form_defaults_and_labels():
    f = ss.Fabric.exponential(40.0, 2.0)
    assert f.course_loading == ExponentialModel(40.0, 2.0, 0.0, 1.5)
    assert f.wale_loading == f.course_loading == f.course_unloading
    np.testing.assert_allclose(
        f.tension(EPS, branch="loading"), 40.0 * np.expm1(2.0 * EPS), rtol=1e-14
    )
    assert f.name == "exponential"
    assert f.description == "Exponential tension-strain model."
    assert f.provenance == (("source", "exponential"),)


def test_exponential_wale_parameters_default_to_the_course_ones():
    a = ss.Fabric.exponential(40.0, 2.0, 1.2, wale_a_n_per_m=20.0)
    assert a.course_loading == ExponentialModel(40.0, 2.0, 0.0, 1.2)
    assert a.wale_loading == ExponentialModel(20.0, 2.0, 0.0, 1.2)
    b = ss.Fabric.exponential(40.0, 2.0, 1.2, wale_b=3.0)
    assert b.wale_loading == ExponentialModel(40.0, 3.0, 0.0, 1.2)
    both = ss.Fabric.exponential(
        40.0,
        2.0,
        wale_a_n_per_m=25.0,
        wale_b=2.5,
        hysteresis=0.1,
        wale_hysteresis=0.2,
        name="e",
        description="d",
    )
    assert both.wale_loading == ExponentialModel(25.0, 2.5, 0.0, 1.5)
    assert both.course_unloading == both.course_loading.scaled(1 - 0.1)
    assert both.wale_unloading == both.wale_loading.scaled(1 - 0.2)
    assert (both.name, both.description) == ("e", "d")


# ---------------------------------------------------------------- two_phase
def test_two_phase_defaults_and_range():
    f = ss.Fabric.two_phase(100.0, 400.0, 0.9)
    assert f.course_loading == TwoPhaseModel(100.0, 400.0, 0.9, 0.05, 0.0, 0.05, 0.0, 1.4)
    assert f.valid_strain_range() == (0.0, pytest.approx(1.4, rel=1e-15))
    assert f.wale_loading == f.course_loading == f.wale_unloading
    assert f.name == "two-phase knit"
    assert f.description == "Two-phase knit model."
    assert f.provenance == (("source", "two_phase"),)
    assert ss.Fabric.two_phase(100.0, 400.0, "0.6").valid_strain_range() == (
        0.0,
        pytest.approx(1.1, rel=1e-15),
    )


def test_two_phase_every_parameter_in_its_place():
    wale = TwoPhaseModel(50.0, 200.0, 0.5, 0.1, 0.0, 0.05, 0.0, 1.0)
    f = ss.Fabric.two_phase(
        100.0,
        400.0,
        0.9,
        0.08,
        toe_tension_n_per_m=30.0,
        toe_strain=0.07,
        max_strain=1.2,
        wale=wale,
        hysteresis=0.2,
        wale_hysteresis=0.3,
        name="tp",
        description="two",
    )
    assert f.course_loading == TwoPhaseModel(100.0, 400.0, 0.9, 0.08, 30.0, 0.07, 0.0, 1.2)
    assert f.wale_loading == wale
    assert f.course_unloading == f.course_loading.scaled(1 - 0.2)
    assert f.wale_unloading == wale.scaled(1 - 0.3)
    assert (f.name, f.description) == ("tp", "two")


# ---------------------------------------------------------------- from_blend
def test_from_blend_defaults_are_the_documented_ones():
    signature = inspect.signature(ss.Fabric.from_blend)
    defaults = {k: p.default for k, p in signature.parameters.items()}
    assert defaults == {
        "elastane": inspect.Parameter.empty,
        "polyamide": 0.0,
        "cotton": 0.0,
        "inlay_dtex": None,
        "courses_per_cm": 20.0,
        "ground_dtex": 78.0,
        "knit": "inlay_jersey",
        "machine": "circular",
        "thickness_mm": 0.6,
        "inlay_prestrain": 0.8,
        "name": None,
        "description": "",
        "provenance": (),
    }
    f = ss.Fabric.from_blend(elastane=0.24, polyamide=0.76)
    g = ss.Fabric.from_blend(
        elastane=0.24,
        polyamide=0.76,
        cotton=0.0,
        inlay_dtex=280.0,
        courses_per_cm=20.0,
        ground_dtex=78.0,
        knit="inlay_jersey",
        machine="circular",
        thickness_mm=0.6,
        inlay_prestrain=0.8,
    )
    for d in ("course", "wale"):
        for b in ("loading", "unloading"):
            assert f.model(d, b) == g.model(d, b)
    assert f.inner_loop_strain == g.inner_loop_strain
    assert f.inner_loop_strain == (0.012, pytest.approx(0.018, rel=1e-12))


def test_from_blend_labels_pass_through():
    f = ss.Fabric.from_blend(
        elastane=0.24,
        polyamide=0.76,
        name="my knit",
        description="for a test",
        provenance={"batch": "B7"},
    )
    assert f.name == "my knit" and f.description == "for a test"
    assert f.info["batch"] == "B7"
    assert f.provenance[-1] == ("batch", "B7")
    flat = ss.Fabric.from_blend(elastane=0.24, polyamide=0.76, machine="flat")
    assert flat.inner_loop_strain == (pytest.approx(0.0048), pytest.approx(0.0072))
    # unloading = (1 - h) x loading, the wale's h 0.05 above the course's
    h_c = 1.0 - float(f.tension(0.5) / f.tension(0.5, branch="loading"))
    h_w = 1.0 - float(f.tension(0.5, "wale") / f.tension(0.5, "wale", "loading"))
    assert h_w == pytest.approx(h_c + 0.05, rel=1e-9)
    assert f.hysteresis_loss("course") == pytest.approx(h_c, rel=1e-9)


# ---------------------------------------------------------------- from_tensile_test
def _test_file(tmp_path, scale_unloading=0.8, name="t.csv", **kw):
    load = PolynomialModel((260.0, -180.0, 90.0), 0.0, 1.2)
    return write_synthetic_test(
        tmp_path / name, load, load.scaled(scale_unloading), n_per_branch=120, noise=0.0, **kw
    )


def test_from_tensile_test_defaults_are_the_documented_ones(tmp_path):
    signature = inspect.signature(ss.Fabric.from_tensile_test)
    defaults = {k: p.default for k, p in signature.parameters.items()}
    assert defaults["model"] == "polynomial" and defaults["degree"] == 3
    assert defaults["cycles"] == "all" and defaults["direction"] == "course"
    assert defaults["wale_strain_ratio"] == 1.5
    for key in ("extension_column", "force_column", "other_path", "name"):
        assert defaults[key] is None
    path = _test_file(tmp_path)
    f = ss.Fabric.from_tensile_test(path, W, G)
    g = ss.Fabric.from_tensile_test(
        path,
        W,
        G,
        "polynomial",
        extension_column="Extension (mm)",
        force_column="Force (N)",
        cycles="all",
        direction="course",
        wale_strain_ratio=1.5,
        degree=3,
    )
    assert f == g
    assert f.name == "tensile t (polynomial)"
    assert len(f.course_loading.coefficients) == 3
    np.testing.assert_allclose(
        f.tension(EPS, branch="loading"),
        260.0 * EPS - 180.0 * EPS**2 + 90.0 * EPS**3,
        rtol=1e-5,
        atol=1e-3,
    )
    # the wale derived as T_wale(eps) = T_course(1.5 eps)
    assert f.wale_loading == f.course_loading.strain_scaled(1.5)


def test_from_tensile_test_options_reach_the_fit(tmp_path):
    path = _test_file(tmp_path)
    lin = ss.Fabric.from_tensile_test(path, W, G, "linear", name="lab")
    assert isinstance(lin.course_loading, LinearModel) and lin.name == "lab"
    quad = ss.Fabric.from_tensile_test(path, W, G, degree=2)
    assert len(quad.course_loading.coefficients) == 2
    wale = ss.Fabric.from_tensile_test(path, W, G, direction="wale", wale_strain_ratio=2.0)
    assert wale.course_loading == wale.wale_loading.strain_scaled(0.5)
    other = _test_file(tmp_path, name="w.csv", max_strain=0.8)
    both = ss.Fabric.from_tensile_test(path, W, G, other_path=other)
    assert both.valid_strain_range("wale") == (0.0, pytest.approx(0.8, rel=1e-6))
    assert both.fit_report.source == f"{path} + {other}"
    two = _test_file(tmp_path, name="c.csv", cycles=2)
    first = ss.Fabric.from_tensile_test(two, W, G, cycles=1)
    assert first.fit_report.cycles == "1"
    assert first.fit_report.fits[0].n_points == 120


def test_from_tensile_test_keeps_the_fit_report_and_provenance(tmp_path):
    path = _test_file(tmp_path)
    f = ss.Fabric.from_tensile_test(path, W, G)
    assert f.fit_report.source == str(path)
    assert (f.fit_report.width_mm, f.fit_report.gauge_mm) == (W, G)
    assert f.provenance[:2] == (("source", "tensile test"), ("file", str(path)))
    assert f.description.startswith(f"Fitted to tensile test {path} (width 50 mm, gauge 100 mm")
    assert ss.Fabric.from_json(f.to_json()) == f


def test_curves_that_are_not_a_fabric_are_tensile_data_errors(tmp_path):
    path = _test_file(tmp_path, scale_unloading=1.5)  # unloading far above loading
    with pytest.raises(errors.TensileDataError) as info:
        ss.Fabric.from_tensile_test(path, W, G)
    msg = str(info.value)
    assert msg.startswith(
        f"tensile file {str(path)!r}: the fitted curves are not a valid fabric (the course "
        "unloading curve lies above the loading curve"
    )
    assert msg.endswith("Check that the branches are not swapped.)")
    assert info.value.__cause__ is None and info.value.__suppress_context__
