"""Tensile-test splitting, branch selection and assembly (fabric/_tensile.py), exactly.

The zig-zag split on hand-made extension paths (a reversal counts once the extension has
moved back by more than the threshold, 1 % of the range by default), the small cycles (under
25 % of the range) kept out of the outer branches, the cycles picked, a fit recovering the
parameters of a noise-free synthetic curve with its report, the wale derived as
``T_wale(eps) = T_course(r eps)``, the inner-loop fit, the synthetic file's exact format and
every message (class, file, what is wrong and what to do).
"""

import os
import warnings

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.fabric import LinearModel, PolynomialModel, TwoPhaseModel
from stockingsim.fabric._tensile import (
    MINOR_CYCLE_SHARE,
    WALE_STRAIN_RATIO,
    _check_monotone_data,
    _gather,
    _outer_segments,
    _select_cycles,
    fit_inner_loops,
    split_cycles,
    write_synthetic_test,
)

W, G = 50.0, 100.0
HINT = "Give a positive length in mm (e.g. width_mm=50, gauge_mm=100)."


def _write(path, strain, tension, width=W, gauge=G):
    rows = "".join(
        f"{float(e * gauge)!r},{float(t * width / 1000.0)!r}\n" for e, t in zip(strain, tension)
    )
    path.write_text("Extension (mm),Force (N)\n" + rows, encoding="utf-8")
    return path


# ---------------------------------------------------------------- split_cycles
def test_split_a_triangle_path_at_its_turning_points():
    x = [0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2]
    assert split_cycles(x) == [(0, 4, 1), (4, 8, -1), (8, 10, 1)]
    assert split_cycles([5, 4, 3, 4, 5]) == [(0, 2, -1), (2, 4, 1)]  # starting downwards
    assert split_cycles(np.array([0.0, 2.0])) == [(0, 1, 1)]


def test_split_of_nothing_and_of_a_constant():
    assert split_cycles([]) == []
    assert split_cycles([3.0]) == []
    assert split_cycles([3.0, 3.0, 3.0]) == []


def test_a_reversal_counts_beyond_the_threshold_only():
    # range 100: the default threshold is 1
    assert split_cycles([0, 50, 100, 99, 100]) == [(0, 4, 1)]  # back by exactly 1: noise
    assert split_cycles([0, 50, 100, 98.9, 100]) == [(0, 2, 1), (2, 3, -1), (3, 4, 1)]
    assert split_cycles([100, 50, 0, 1, 0]) == [(0, 4, -1)]
    assert split_cycles([100, 50, 0, 1.1, 0]) == [(0, 2, -1), (2, 3, 1), (3, 4, -1)]
    # the first move must also exceed it
    assert split_cycles([0, 1, 0, 100]) == [(0, 3, 1)]
    assert split_cycles([0, -1, 0, -100]) == [(0, 3, -1)]
    # an explicit threshold
    assert split_cycles([0, 50, 100, 99, 100], threshold=0.5) == [(0, 2, 1), (2, 3, -1), (3, 4, 1)]
    assert split_cycles([0, 50, 100, 98.9, 100], threshold=2.0) == [(0, 4, 1)]
    assert split_cycles([0.0, 0.3], threshold=0.3) == []
    assert split_cycles([0.0, -0.31], threshold=0.3) == [(0, 1, -1)]


def test_a_flat_turn_ends_at_its_last_sample():
    assert split_cycles([0, 5, 5, 0]) == [(0, 2, 1), (2, 3, -1)]
    assert split_cycles([5, 0, 0, 5]) == [(0, 2, -1), (2, 3, 1)]


# ---------------------------------------------------------------- small cycles, selection
def test_small_cycles_are_not_outer_branches():
    # 0 -> 1 -> 0.5, then 0.5 -> 0.75 -> 0.5 (a quarter of the range: outer), three
    # segments of 0.2 between 0.5 and 0.7 (a fifth: small), and down to 0
    strain = 2.0 * np.array([0.0, 0.5, 1.0, 0.5, 0.75, 0.5, 0.7, 0.5, 0.7, 0.0])  # range 2
    assert MINOR_CYCLE_SHARE == 0.25
    outer, in_minor, n_minor = _outer_segments(strain)
    assert outer == [(0, 2, 1), (2, 3, -1), (3, 4, 1), (4, 5, -1), (8, 9, -1)]
    assert n_minor == 3
    assert in_minor.tolist() == [False] * 6 + [True, True, True, False]


def test_gather_gives_a_turning_point_to_the_segment_it_ends():
    s = np.arange(10.0)
    t = 10.0 * s
    gs, gt = _gather(s, t, [(0, 3), (5, 8)])
    assert gs.tolist() == [0, 1, 2, 3, 6, 7, 8]
    assert gt.tolist() == [0, 10, 20, 30, 60, 70, 80]
    assert _gather(s, t, [(3, 5)])[0].tolist() == [4, 5]
    assert _gather(s, t, [(1, 3)])[0].tolist() == [2, 3]


SEGMENTS = [(0, 2, 1), (2, 4, -1), (4, 6, 1), (6, 8, -1), (8, 10, 1)]


def test_cycles_pick_loading_segments_and_the_unloading_after_them():
    loads, unloads = [(0, 2), (4, 6), (8, 10)], [(2, 4), (6, 8)]
    assert _select_cycles(SEGMENTS, "all", "w") == (loads, unloads)
    assert _select_cycles(SEGMENTS, "last", "w") == ([(8, 10)], [])
    assert _select_cycles(SEGMENTS, 1, "w") == ([(0, 2)], [(2, 4)])
    assert _select_cycles(SEGMENTS, np.int64(2), "w") == ([(4, 6)], [(6, 8)])
    assert _select_cycles(SEGMENTS[:4], "last", "w") == ([(4, 6)], [(6, 8)])
    assert _select_cycles(SEGMENTS, 3, "w") == ([(8, 10)], [])


@pytest.mark.parametrize("bad", [True, 2.0, "first", None])
def test_cycles_of_another_type_are_refused(bad):
    with pytest.raises(errors.FabricError) as info:
        _select_cycles(SEGMENTS, bad, "w")
    assert str(info.value) == (
        f"cycles must be 'all', 'last' or a 1-based cycle number, got {bad!r}."
    )


@pytest.mark.parametrize("bad", [0, 4, -1])
def test_cycle_numbers_outside_the_test_are_refused(bad):
    with pytest.raises(errors.FabricError) as info:
        _select_cycles(SEGMENTS, bad, "w")
    assert str(info.value) == (
        f"cycles={bad} but the file has 3 loading cycle(s); pick 1 to 3 or 'all'."
    )


def test_a_test_that_never_loads_is_refused():
    with pytest.raises(errors.TensileDataError) as info:
        _select_cycles([(0, 5, -1)], "all", "'x.csv'")
    assert str(info.value) == (
        "tensile file 'x.csv': no loading branch (the extension never increases)."
    )


# ---------------------------------------------------------------- monotone data check
def _steps_of(drop):
    s = np.linspace(0.0, 1.0, 400, endpoint=False)
    return s, np.where(s < 0.5, 100.0, 100.0 - drop)


def test_a_tension_drop_up_to_a_tenth_of_the_peak_is_accepted():
    s, t = _steps_of(10.0)
    _check_monotone_data(s, t, 1.0, "w", "loading")
    # one bin: nothing to compare
    _check_monotone_data(np.array([0.2, 0.21]), np.array([5.0, 1.0]), 1.0, "w", "loading")


def test_the_bins_span_zero_to_top_inclusive():
    # a strain below 0 is in the first bin, the sample at top in the last: its 85 N/m
    # averages with the twenty samples of 100 N/m there (a drop of 0.7, not 15)
    s = np.concatenate([[-0.1], np.linspace(0.0, 0.999, 400), [1.0]])
    t = np.concatenate([[0.0], np.full(400, 100.0), [85.0]])
    _check_monotone_data(s, t, 1.0, "w", "loading")


def test_a_larger_drop_is_a_slip_with_its_bin():
    s, t = _steps_of(12.0)
    with pytest.raises(errors.TensileDataError) as info:
        _check_monotone_data(s, t, 1.0, "'a.csv'", "unloading")
    assert str(info.value) == (
        "tensile file 'a.csv': on the unloading branch the tension falls with strain (by 12 N/m, "
        "12% of the peak, near bin 11/20); the specimen slipped or broke, or the columns are "
        "mixed up. Trim the file to the intact cycles."
    )
    # the bins are of the range up to top: the same drop at half the strain is in bin 11 of
    # 20 when top is halved
    with pytest.raises(errors.TensileDataError, match=r"near bin 11/20"):
        _check_monotone_data(s / 2.0, t, 0.5, "w", "loading")
    # one sample per bin is a bin
    with pytest.raises(errors.TensileDataError, match=r"by 50 N/m, 50% of the peak"):
        _check_monotone_data(np.array([0.0, 0.99]), np.array([100.0, 50.0]), 1.0, "w", "loading")
    # empty bins are left out: samples only in bins 1 and 20
    s2 = np.array([0.0, 0.01, 0.99, 0.999])
    with pytest.raises(errors.TensileDataError, match=r"near bin 2/2\)"):
        _check_monotone_data(s2, np.array([100.0, 100.0, 50.0, 50.0]), 1.0, "w", "loading")


# ---------------------------------------------------------------- a fit of known curves
def test_a_noise_free_linear_test_is_fitted_exactly_with_its_report(tmp_path):
    s = np.concatenate([np.linspace(0.0, 1.0, 51), np.linspace(1.0, 0.0, 51)[1:]])
    t = np.where(np.arange(s.size) <= 50, 150.0 * s, 120.0 * s)
    path = _write(tmp_path / "lin.csv", s, t, width=25.0, gauge=250.0)
    f = ss.Fabric.from_tensile_test(path, 25.0, 250.0, model="linear")
    assert f.course_loading.stiffness_n_per_m == pytest.approx(150.0, rel=1e-9)
    assert f.course_unloading.stiffness_n_per_m == pytest.approx(120.0, rel=1e-9)
    assert f.valid_strain_range() == (0.0, pytest.approx(1.0, rel=1e-12))
    assert f.wale_loading == f.course_loading.strain_scaled(WALE_STRAIN_RATIO)
    assert f.wale_unloading == f.course_unloading.strain_scaled(1.5)
    rep = f.fit_report
    assert (rep.source, rep.width_mm, rep.gauge_mm, rep.model, rep.cycles) == (
        str(path),
        25.0,
        250.0,
        "linear",
        "all",
    )
    load, unl = rep.fits
    assert (load.direction, load.branch, load.model) == ("course", "loading", "linear")
    assert (unl.direction, unl.branch, unl.model) == ("course", "unloading", "linear")
    assert load.params == (("stiffness_n_per_m", pytest.approx(150.0, rel=1e-9)),)
    assert load.r2 == pytest.approx(1.0, abs=1e-12)
    assert load.rmse_n_per_m == pytest.approx(0.0, abs=1e-9)
    assert (load.strain_min, load.strain_max, load.n_points) == (0.0, 1.0, 51)
    # the unloading segment starts after its turning point
    assert (unl.strain_min, unl.strain_max, unl.n_points) == (0.0, pytest.approx(0.98), 50)
    assert isinstance(load.covariance, tuple) and len(load.covariance) == 1
    assert isinstance(load.covariance[0], tuple) and isinstance(load.covariance[0][0], float)
    assert load.covariance[0][0] == pytest.approx(0.0, abs=1e-12)
    note = (
        "wale not measured: T_wale(eps) = T_course(1.5 eps) (assumption: wale_strain_ratio = "
        "1.5, the wale stretches 1.5 x less)"
    )
    assert rep.notes == (note,)
    assert f.description == (
        f"Fitted to tensile test {path} (width 25 mm, gauge 250 mm, linear model, cycles "
        f"all). {note}"
    )
    assert f.name == "tensile lin (linear)"
    assert f.provenance == (("source", "tensile test"), ("file", str(path)))


def test_a_polynomial_fit_recovers_the_coefficients(tmp_path):
    true = PolynomialModel((260.0, -180.0, 90.0), 0.0, 1.2)
    path = write_synthetic_test(tmp_path / "p.csv", true, true.scaled(0.8), noise=0.0)
    f = ss.Fabric.from_tensile_test(path, W, G, cycles=1)
    np.testing.assert_allclose(f.course_loading.coefficients, true.coefficients, rtol=1e-4)
    fit = f.fit_report.fits[0]
    assert fit.params[0][0] == "coefficients" and isinstance(fit.params[0][1], tuple)
    np.testing.assert_allclose(fit.params[0][1], true.coefficients, rtol=1e-4)
    assert len(fit.covariance) == 3 and all(len(row) == 3 for row in fit.covariance)
    assert f.fit_report.cycles == "1"
    assert "cycles 1)" in f.description


def test_a_wale_test_derives_the_course_with_the_inverse_ratio(tmp_path):
    true = PolynomialModel((260.0, -180.0, 90.0), 0.0, 1.2)
    path = write_synthetic_test(tmp_path / "w.csv", true, true.scaled(0.8), noise=0.0)
    f = ss.Fabric.from_tensile_test(path, W, G, direction="wale", wale_strain_ratio=2.0)
    assert f.course_loading == f.wale_loading.strain_scaled(0.5)
    assert f.course_unloading == f.wale_unloading.strain_scaled(0.5)
    assert [(b.direction, b.branch) for b in f.fit_report.fits] == [
        ("wale", "loading"),
        ("wale", "unloading"),
    ]
    assert f.fit_report.notes[-1] == (
        "course not measured: T_course(eps) = T_wale(0.5 eps) (assumption: wale_strain_ratio "
        "= 2, the wale stretches 2 x less)"
    )


def test_two_files_measure_both_directions(tmp_path):
    course = PolynomialModel((260.0, -180.0, 90.0), 0.0, 1.2)
    wale = LinearModel(150.0, 0.0, 0.8)
    pc = write_synthetic_test(tmp_path / "c.csv", course, course.scaled(0.8), noise=0.0)
    pw = write_synthetic_test(tmp_path / "w.csv", wale, wale.scaled(0.7), noise=0.0)
    f = ss.Fabric.from_tensile_test(pc, W, G, other_path=pw)
    eps = np.linspace(0.0, 0.8, 9)
    np.testing.assert_allclose(f.tension(eps, "wale", "loading"), 150.0 * eps, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(f.tension(eps, "wale"), 105.0 * eps, rtol=1e-4, atol=1e-3)
    assert f.fit_report.source == f"{pc} + {pw}"
    assert f.fit_report.notes == ()
    assert [(b.direction, b.branch) for b in f.fit_report.fits] == [
        ("course", "loading"),
        ("course", "unloading"),
        ("wale", "loading"),
        ("wale", "unloading"),
    ]
    g = ss.Fabric.from_tensile_test(pw, W, G, direction="wale", other_path=pc)
    np.testing.assert_allclose(g.tension(eps, "course"), f.tension(eps, "course"), rtol=1e-9)


# ---------------------------------------------------------------- file checks
def test_a_single_pull_gives_unloading_equal_to_loading_with_a_warning(tmp_path):
    s = np.linspace(0.0, 1.0, 60)
    path = _write(tmp_path / "pull.csv", s, 150.0 * s)
    with pytest.warns(errors.StockingSimWarning) as record:
        f = ss.Fabric.from_tensile_test(path, W, G, model="linear")
    assert str(record[0].message) == (
        f"tensile file {str(path)!r} has no unloading branch; the unloading curve is set equal "
        "to the loading curve (no hysteresis), which overestimates worn pressure."
    )
    assert f.course_unloading == f.course_loading
    notes = f.fit_report.notes
    assert notes[0] == "course: no unloading data; unloading = loading"
    assert notes[1].startswith("wale not measured")
    assert f.description.endswith("cycles all). " + notes[0] + " " + notes[1])
    assert len(f.fit_report.fits) == 1
    # two single pulls: a note per file
    with pytest.warns(errors.StockingSimWarning):
        both = ss.Fabric.from_tensile_test(path, W, G, model="linear", other_path=path)
    assert both.fit_report.notes == (
        "course: no unloading data; unloading = loading",
        "wale: no unloading data; unloading = loading",
    )


@pytest.mark.skipif(
    bool(os.environ.get("MUTANT_UNDER_TEST")), reason="the mutation trampoline adds a frame"
)
def test_the_single_pull_warning_is_attributed_to_the_caller(tmp_path):
    s = np.linspace(0.0, 1.0, 60)
    path = _write(tmp_path / "pull.csv", s, 150.0 * s)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ss.Fabric.from_tensile_test(path, W, G, model="linear")
    assert [os.path.basename(w.filename) for w in record] == ["test_fabric_tensile_checks.py"]


def test_strain_and_tension_from_extension_and_force(tmp_path):
    # strain = extension / gauge, tension = force / width (N/m)
    s = np.concatenate([np.linspace(0.0, 0.5, 26), np.linspace(0.5, 0.0, 26)[1:]])
    t = np.where(np.arange(s.size) <= 25, 200.0 * s, 160.0 * s)
    path = _write(tmp_path / "g.csv", s, t, width=20.0, gauge=40.0)
    f = ss.Fabric.from_tensile_test(path, 20.0, 40.0, model="linear")
    assert f.course_loading.stiffness_n_per_m == pytest.approx(200.0, rel=1e-9)
    assert f.valid_strain_range() == (0.0, pytest.approx(0.5, rel=1e-12))
    # a strain column in per cent is a strain already: the gauge does not enter
    pct = tmp_path / "pct.csv"
    pct.write_text(
        "Strain (%),Force (N)\n"
        + "".join(f"{float(100 * a)!r},{float(b * 20.0 / 1000.0)!r}\n" for a, b in zip(s, t)),
        encoding="utf-8",
    )
    g = ss.Fabric.from_tensile_test(pct, 20.0, 999.0, model="linear")
    assert g.course_loading.stiffness_n_per_m == pytest.approx(200.0, rel=1e-9)


def test_a_specimen_that_never_stretches_is_refused(tmp_path):
    path = _write(tmp_path / "s.csv", np.full(10, 0.5), np.linspace(1.0, 2.0, 10))
    with pytest.raises(errors.TensileDataError) as info:
        ss.Fabric.from_tensile_test(path, W, G)
    assert str(info.value) == (
        f"tensile file {str(path)!r}: the specimen never stretches (extension range 0 mm over "
        "a 100 mm gauge); check the extension column and its units."
    )
    # a range of 0.09 % strain, or strains that stay at or below 0.1 %
    for strain in (np.linspace(0.5, 0.5009, 10), np.linspace(-1.0, 0.001, 10)):
        path = _write(tmp_path / "t.csv", strain, np.linspace(1.0, 2.0, 10))
        with pytest.raises(errors.TensileDataError, match="never stretches"):
            ss.Fabric.from_tensile_test(path, W, G)


def test_a_force_that_is_never_positive_is_refused(tmp_path):
    path = _write(tmp_path / "f.csv", np.linspace(0.0, 1.0, 10), np.zeros(10))
    with pytest.raises(errors.TensileDataError) as info:
        ss.Fabric.from_tensile_test(path, W, G)
    assert str(info.value) == (
        f"tensile file {str(path)!r}: the force is never positive; check the force column and "
        "its sign."
    )


def test_a_loading_branch_below_zero_strain_is_refused(tmp_path):
    # first loading cycle from -50 % to 0 strain, the second to +100 %
    s = np.concatenate(
        [
            np.linspace(0.0, -0.5, 11),
            np.linspace(-0.5, 0.0, 11)[1:],
            np.linspace(0.0, -0.5, 11)[1:],
            np.linspace(-0.5, 1.0, 31)[1:],
            np.linspace(1.0, 0.0, 21)[1:],
        ]
    )
    path = _write(tmp_path / "n.csv", s, 100.0 + 50.0 * s)
    with pytest.raises(errors.TensileDataError) as info:
        ss.Fabric.from_tensile_test(path, W, G, model="linear", cycles=1)
    assert str(info.value) == (
        f"tensile file {str(path)!r}: the loading branch never reaches a positive strain."
    )


def test_a_slipping_unloading_branch_is_refused(tmp_path):
    s = np.concatenate([np.linspace(0.0, 1.0, 101), np.linspace(1.0, 0.0, 101)[1:]])
    t = 150.0 * s
    t[101:] = np.where(s[101:] > 0.5, 20.0, 100.0 * s[101:])  # unloading tension rises
    path = _write(tmp_path / "u.csv", s, t)
    with pytest.raises(errors.TensileDataError) as info:
        ss.Fabric.from_tensile_test(path, W, G, model="linear")
    assert str(info.value).startswith(
        f"tensile file {str(path)!r}: on the unloading branch the tension falls with strain (by "
    )


def test_a_slipping_loading_branch_is_refused(tmp_path):
    s = np.concatenate([np.linspace(0.0, 1.0, 101), np.linspace(1.0, 0.0, 101)[1:]])
    t = np.where(np.arange(s.size) <= 100, np.where(s < 0.6, 150.0 * s, 45.0), 40.0 * s)
    path = _write(tmp_path / "l.csv", s, t)
    with pytest.raises(errors.TensileDataError) as info:
        ss.Fabric.from_tensile_test(path, W, G, model="linear")
    assert str(info.value).startswith(
        f"tensile file {str(path)!r}: on the loading branch the tension falls with strain (by "
    )


def test_a_test_that_only_unloads_is_refused(tmp_path):
    s = np.linspace(1.0, 0.0, 30)
    path = _write(tmp_path / "d.csv", s, 100.0 * s)
    with pytest.raises(errors.TensileDataError) as info:
        ss.Fabric.from_tensile_test(path, W, G, model="linear")
    assert str(info.value) == (
        f"tensile file {str(path)!r}: no loading branch (the extension never increases)."
    )


def test_the_smallest_stretch_and_force_that_are_accepted(tmp_path):
    # a strain range of exactly 0.1 % (0.001 to 0.002, gauge 10 mm) is a stretch
    s = np.concatenate([np.linspace(0.001, 0.002, 11), np.linspace(0.002, 0.001, 11)[1:]])
    t = np.where(np.arange(s.size) <= 10, 100.0 * s, 80.0 * s)
    path = _write(tmp_path / "small.csv", s, t, gauge=10.0)
    f = ss.Fabric.from_tensile_test(path, W, 10.0, model="linear")
    assert f.course_loading.stiffness_n_per_m == pytest.approx(100.0, rel=1e-6)
    # a peak tension of 0.5 N/m is a force
    s = np.concatenate([np.linspace(0.0, 1.0, 11), np.linspace(1.0, 0.0, 11)[1:]])
    t = np.where(np.arange(s.size) <= 10, 0.5 * s, 0.4 * s)
    f = ss.Fabric.from_tensile_test(_write(tmp_path / "soft.csv", s, t), W, G, model="linear")
    assert f.course_loading.stiffness_n_per_m == pytest.approx(0.5, rel=1e-9)


# ---------------------------------------------------------------- options
@pytest.mark.parametrize(
    "kw, msg",
    [
        (dict(width_mm=0.0), f"width_mm must be positive (> 0), got 0. {HINT}"),
        (dict(gauge_mm=-5.0), f"gauge_mm must be positive (> 0), got -5. {HINT}"),
        (dict(gauge_mm="long"), f"gauge_mm must be a number, got 'long'. {HINT}"),
    ],
)
def test_width_and_gauge_must_be_positive_lengths(tmp_path, kw, msg):
    path = write_synthetic_test(tmp_path / "t.csv", LinearModel(100.0), LinearModel(80.0))
    with pytest.raises(errors.TensileDataError) as info:
        ss.Fabric.from_tensile_test(path, **{"width_mm": W, "gauge_mm": G, **kw})
    assert str(info.value) == msg


@pytest.mark.parametrize(
    "kw, msg",
    [
        (
            dict(model="spline"),
            "model must be one of ('polynomial', 'exponential', 'two_phase', 'linear'), got "
            "'spline'.",
        ),
        (dict(direction="hoop"), "direction must be 'course' or 'wale', got 'hoop'."),
        (dict(degree=0), "degree must be an integer 1 to 8, got 0."),
        (dict(degree=9), "degree must be an integer 1 to 8, got 9."),
        (dict(degree=2.0), "degree must be an integer 1 to 8, got 2.0."),
        (
            dict(wale_strain_ratio=-1.0),
            "wale_strain_ratio must be positive (> 0), got -1. It is how many times less the "
            "wale stretches than the course (default 1.5).",
        ),
    ],
)
def test_fit_options_are_checked(tmp_path, kw, msg):
    path = write_synthetic_test(tmp_path / "t.csv", LinearModel(100.0), LinearModel(80.0))
    with pytest.raises(errors.FabricError) as info:
        ss.Fabric.from_tensile_test(path, W, G, **kw)
    assert str(info.value) == msg


def test_degrees_one_and_eight_are_accepted(tmp_path):
    true = PolynomialModel((260.0, -180.0, 90.0), 0.0, 1.2)
    path = write_synthetic_test(tmp_path / "t.csv", true, true.scaled(0.8), noise=0.0)
    one = ss.Fabric.from_tensile_test(path, W, G, degree=1)
    assert len(one.course_loading.coefficients) == 1
    eight = ss.Fabric.from_tensile_test(path, W, G, degree=8)
    assert len(eight.course_loading.coefficients) == 8


# ---------------------------------------------------------------- inner loops
def _loops_path(fabric, n_small, finish_up):
    """A full cycle, an unload to 40 %, ``n_small`` small segments of 3 % (up first), then
    up to 80 % and down to 0 (``finish_up``) or straight down to 0."""
    up = np.linspace(0.0, 0.8, 81)
    down = np.linspace(0.8, 0.4, 41)[1:]
    legs = [np.linspace(0.4, 0.43, 7)[1:], np.linspace(0.43, 0.4, 7)[1:]]
    small = np.concatenate([legs[i % 2] for i in range(n_small)])
    last = float(small[-1])
    if finish_up:
        rest = np.concatenate([np.linspace(last, 0.8, 41)[1:], np.linspace(0.8, 0.0, 81)[1:]])
    else:
        rest = np.linspace(last, 0.0, 41)[1:]
    eps = np.concatenate([up, down, small, rest])
    return eps, fabric.cyclic_tension(eps, start="loading")


TRUTH = ss.Fabric.polynomial(
    (260.0, -220.0, 160.0), max_strain=0.8, hysteresis=0.25
).with_inner_loop_strain(0.015)


def _fitted(tmp_path, n_small, finish_up=True):
    eps, t = _loops_path(TRUTH, n_small, finish_up)
    assert _outer_segments(eps)[2] == (n_small if finish_up else 1)
    path = _write(tmp_path / f"loops{n_small}{finish_up}.csv", eps, t)
    return ss.Fabric.from_tensile_test(path, W, G, model="polynomial", degree=3), path


def test_inner_loops_are_fitted_from_two_small_segments_on(tmp_path):
    one, _ = _fitted(tmp_path, 1, finish_up=False)
    assert one.inner_loop_strain == (0.02, 0.02)  # one small segment: the default is kept
    assert not any("inner loops" in n for n in one.fit_report.notes)
    f, _ = _fitted(tmp_path, 2)
    eps_c = f.inner_loop_strain[0]
    assert eps_c == pytest.approx(0.015, rel=0.1)
    assert f.inner_loop_strain == (eps_c, eps_c)  # the unmeasured wale gets the same
    assert f.info["inner_loop_strain_fitted_course"] == eps_c
    assert "inner_loop_strain_fitted_wale" not in f.info
    note = f.fit_report.notes[-1]
    assert note.startswith(
        f"course: inner loops fitted to 2 small-cycle segments, inner_loop_strain {eps_c:.4g} "
        "(RMSE on the small cycles "
    )
    assert note.endswith(" N/m)")
    assert f.description.endswith(" " + note)
    assert f.fit_report.notes[:-1] == one.fit_report.notes


def test_inner_loops_per_measured_direction(tmp_path):
    f, path = _fitted(tmp_path, 4)
    fabric = ss.Fabric.from_tensile_test(path, W, G, other_path=path)
    c, w = fabric.inner_loop_strain
    assert c == pytest.approx(f.inner_loop_strain[0], rel=1e-6)
    assert w == pytest.approx(c, rel=1e-6)
    assert fabric.info["inner_loop_strain_fitted_wale"] == w
    loops = [n for n in fabric.fit_report.notes if "inner loops fitted" in n]
    assert [n[:5] for n in loops] == ["cours", "wale:"]
    assert fabric.description.endswith(" " + loops[0] + " " + loops[1])
    # paths without small cycles leave the fabric as it is
    assert fit_inner_loops(f, {"course": (None, None, None, 1)}) is f
    assert fit_inner_loops(f, {}) is f
    # only the wale fitted: the course takes its value, not its own 0.05
    eps, t = _loops_path(TRUTH, 4, True)
    _, mask, n = _outer_segments(eps)
    base = f.with_inner_loop_strain(0.05, "course")
    wale = fit_inner_loops(base, {"course": (eps, t, mask, 1), "wale": (eps, t, mask, n)})
    c, w = wale.inner_loop_strain
    assert c == w and w != 0.05 and w != f.inner_loop_strain[1]
    assert wale.provenance[-1] == ("inner_loop_strain_fitted_wale", w)
    assert wale.fit_report.notes[-1].startswith("wale: inner loops fitted to 4 small-cycle")


# ---------------------------------------------------------------- synthetic files
def test_synthetic_file_format_is_exact(tmp_path):
    load = LinearModel(100.0, 0.0, 1.0)
    unl = LinearModel(80.0, 0.0, 1.0)
    path = write_synthetic_test(tmp_path / "s.csv", load, unl, n_per_branch=3, noise=0.0)
    assert path == tmp_path / "s.csv"
    assert path.read_text(encoding="utf-8") == (
        "Extension (mm),Force (N)\n"
        "0.000000,0.000000\n"
        "50.000000,2.500000\n"
        "100.000000,5.000000\n"
        "50.000000,2.000000\n"
        "0.000000,0.000000\n"
    )
    p2 = write_synthetic_test(
        tmp_path / "d.csv",
        load,
        unl,
        width_mm=20.0,
        gauge_mm=40.0,
        max_strain=0.5,
        cycles=2,
        n_per_branch=2,
        noise=0.0,
        sep=";",
        decimal=",",
        headers=("Weg (mm)", "Kraft (N)"),
    )
    assert p2.read_text(encoding="utf-8") == (
        "Weg (mm);Kraft (N)\n"
        "0,000000;0,000000\n"
        "20,000000;1,000000\n"
        "0,000000;0,000000\n"
        "0,000000;0,000000\n"  # each cycle starts from 0 again
        "20,000000;1,000000\n"
        "0,000000;0,000000\n"
    )


def test_synthetic_noise_is_seeded_and_scaled_to_the_peak(tmp_path):
    load = TwoPhaseModel(110.0, 500.0, 0.9, 0.1, 80.0, 0.06, 0.0, 1.2)
    a = write_synthetic_test(tmp_path / "a.csv", load, load.scaled(0.8), noise=0.02, seed=5)
    b = write_synthetic_test(tmp_path / "b.csv", load, load.scaled(0.8), noise=0.02, seed=5)
    c = write_synthetic_test(tmp_path / "c.csv", load, load.scaled(0.8), noise=0.02)
    assert (
        a.read_text(encoding="utf-8")
        == b.read_text(encoding="utf-8")
        != c.read_text(encoding="utf-8")
    )
    zero = write_synthetic_test(tmp_path / "z.csv", load, load.scaled(0.8), noise=0.02, seed=0)
    assert c.read_text(encoding="utf-8") == zero.read_text(
        encoding="utf-8"
    )  # the default seed is 0
    clean = write_synthetic_test(tmp_path / "n.csv", load, load.scaled(0.8), noise=0.0)
    f_noisy = np.loadtxt(a, delimiter=",", skiprows=1)[:, 1]
    f_clean = np.loadtxt(clean, delimiter=",", skiprows=1)
    assert f_clean.shape == (799, 2)  # one cycle of 400 up and 399 down
    assert f_clean[:, 0].max() == pytest.approx(120.0)  # the loading model's range x gauge
    peak = float(load.tension(1.2)) * 50.0 / 1000.0
    sd = float(np.std(f_noisy - f_clean[:, 1]))
    assert sd == pytest.approx(0.02 * peak, rel=0.1)
    rng = np.random.default_rng(5)
    expected = f_clean[:, 1] + rng.normal(0.0, 0.02 * peak, 799)
    np.testing.assert_allclose(f_noisy, expected, atol=2e-6)
