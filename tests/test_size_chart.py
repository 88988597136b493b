"""Size ranges and size charts: coverage of one stocking over many legs, N-size charts.

Compliance is cross-checked through an independent path (simulate + classify + check_gradient)
and the Laplace closed forms; nothing is compared to the code's own earlier output."""

import math
from pathlib import Path

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import design, errors, standards

MESHES = Path(__file__).resolve().parent.parent / "meshes"
MMHG = 101325.0 / 760.0
K = 300.0  # linear fabric stiffness, N/m


@pytest.fixture(scope="module")
def population():
    # coarse meshes: size charts need girths at the landmarks, not fine curvature
    return design.sample_population(40, seed=7, n_theta=32, step_m=0.02)


@pytest.fixture(scope="module")
def linear():
    return ss.Fabric.linear(stiffness_n_per_m=K, name="linear 300")


def test_sample_population_matches_its_charts(population):
    charts = design.sample_charts(40, seed=7)
    table = design.leg_table(population)
    for lm in standards.LANDMARK_ORDER:
        np.testing.assert_allclose(table[f"c{lm}_cm"], charts[f"c{lm}"], atol=0.05)
        np.testing.assert_allclose(table[f"h{lm}_cm"], charts[f"l{lm}"], atol=1e-6)
    again = design.sample_charts(40, seed=7)
    assert again.equals(charts)
    assert not design.sample_charts(40, seed=8).equals(charts)
    # the illustrative distribution spans ready-to-wear ankle sizes
    assert charts["cB"].min() > 15 and charts["cB"].max() < 30


def test_size_coverage_laplace_closed_form_and_simulate(population, linear):
    rep = population[0]
    stocking, spec = ss.design_stocking(rep, linear, "RAL-GZ 387:II", profile="landmarks")
    cov = design.size_coverage(stocking, population[:8], "RAL-GZ 387:II")
    c0_b = spec.loc["B", "relaxed_circumference_cm"] / 100
    # linear fabric: p = 2 pi k (1/c0 - 1/C)
    expect = 2 * math.pi * K * (1 / c0_b - 1 / (cov["cB_cm"] / 100)) / MMHG
    np.testing.assert_allclose(cov["B_mmhg"], expect, rtol=1e-6)
    assert cov.loc[0, "compliant"]  # the representative itself
    # the same verdict through the solver, the classifier and the gradient check
    for i, leg in enumerate(population[:8]):
        res = ss.simulate(leg, stocking, method="laplace")
        np.testing.assert_allclose(
            res.profile.loc[["B", "B1", "C", "D"], "pressure_mmhg"],
            cov.loc[i, ["B_mmhg", "B1_mmhg", "C_mmhg", "D_mmhg"]].astype(float),
            atol=0.05,
        )
        ok = res.classify("RAL") == "II" and standards.check_gradient(res).attrs["passed"]
        assert ok == bool(cov.loc[i, "compliant"])
    assert cov.attrs["coverage_percent"] == pytest.approx(100 * cov["compliant"].mean())


def test_size_coverage_other_method(population, linear):
    stocking, _ = ss.design_stocking(population[1], linear, "RAL-GZ 387:II", profile="landmarks")
    cov = design.size_coverage(stocking, population[:3], "RAL-GZ 387:II", method="membrane")
    assert cov["B_mmhg"].notna().all()
    assert cov["E_mmhg"].isna().all()  # above a knee-high


def test_size_chart_three_sizes(population, linear):
    one = design.size_chart(population, linear, n_sizes=1, target="RAL-GZ 387:II")
    three = design.size_chart(population, linear, n_sizes=3, target="RAL-GZ 387:II")
    assert list(three.chart.index) == ["S1", "S2", "S3"]
    # a stiff knit cannot hold class II over the whole ankle range with one size
    assert one.coverage_percent < 100
    assert three.coverage_percent > one.coverage_percent
    # sizes go up in relaxed ankle circumference
    assert three.chart["relaxed_B_cm"].is_monotonic_increasing
    np.testing.assert_allclose(three.chart["flat_width_B_cm"], three.chart["relaxed_B_cm"] / 2)
    # every assigned leg really gets class II and a RAL gradient from its size (independent path)
    a = three.assignment
    for i, leg in enumerate(population):
        size = a.loc[i, "size"]
        if not isinstance(size, str):  # no compliant size (None/NaN)
            continue
        res = ss.simulate(leg, three.stockings[size], method="laplace")
        assert res.classify("RAL") == "II"
        assert standards.check_gradient(res).attrs["passed"]
        row = three.chart.loc[size]
        assert row["cB_min_cm"] <= a.loc[i, "cB_cm"] <= row["cB_max_cm"]
    assert three.coverage_percent == pytest.approx(100 * a["size"].notna().mean())
    assert three.chart["n_legs"].sum() == a["size"].notna().sum()


def test_class_interval_closed_form(population, linear):
    chart = design.size_chart(population, linear, n_sizes=2).chart
    lo, hi = standards.class_range("RAL", "II")
    for _, row in chart.iterrows():
        c0 = row["relaxed_B_cm"] / 100
        # p = 2 pi k (1/c0 - 1/C) = p*  <=>  C = 1 / (1/c0 - p* / (2 pi k))
        c_lo = 1 / (1 / c0 - lo * MMHG / (2 * math.pi * K))
        c_hi = 1 / (1 / c0 - hi * MMHG / (2 * math.pi * K))
        assert row["cB_class_min_cm"] == pytest.approx(100 * c_lo, abs=0.05)
        assert row["cB_class_max_cm"] == pytest.approx(100 * c_hi, abs=0.05)


def test_size_chart_thigh_high_explicit_target_with_meshes(population, linear):
    legs = population[:15] + [ss.load_leg(MESHES / "anny_m_athletic.ply")]
    sc = design.size_chart(legs, linear, n_sizes=2, target="anti-embolism", style="AG")
    assert {"cG_min_cm", "cG_max_cm", "relaxed_G_cm"} <= set(sc.chart.columns)
    assert 0 < sc.coverage_percent <= 100
    # explicit targets: compliant = every covered landmark within the tolerance
    for i, leg in enumerate(legs):
        size = sc.assignment.loc[i, "size"]
        if not isinstance(size, str):  # no compliant size (None/NaN)
            continue
        res = ss.simulate(leg, sc.stockings[size], method="laplace")
        for lm, p in design.SIGEL_PROFILE_MMHG.items():
            assert abs(res.pressure_at(lm) - p) <= design.EXPLICIT_TARGET_TOL_MMHG + 0.05


def test_size_chart_bad_input(population, linear):
    with pytest.raises(errors.DesignError):
        design.size_chart(population, linear, n_sizes=0)
    with pytest.raises(errors.StyleError):
        design.size_chart(population, linear, style="XX")
    weak = ss.Fabric.linear(stiffness_n_per_m=20.0, max_strain=0.5)
    with pytest.raises(errors.UnreachableTargetError):
        design.size_chart(population[:5], weak, n_sizes=1, target="RAL-GZ 387:III")


def test_strain_window_separates_sizes_of_an_elastic_knit(population):
    # a plateau (very elastic) knit: pressure barely depends on girth, one size fits nearly all
    fab = ss.fabric_library()["circular class II"]
    window = (0.35, 0.6)
    free = design.size_chart(population, fab, n_sizes=1)
    one = design.size_chart(population, fab, n_sizes=1, strain_window=window)
    three = design.size_chart(population, fab, n_sizes=3, strain_window=window)
    assert one.coverage_percent <= free.coverage_percent
    assert three.coverage_percent > one.coverage_percent
    for i, leg in enumerate(population):
        size = three.assignment.loc[i, "size"]
        if not isinstance(size, str):
            continue
        res = ss.simulate(leg, three.stockings[size], method="laplace")
        strain = res.profile.loc[["B", "C"], "strain"].to_numpy(float)
        assert np.all((strain >= window[0] - 1e-9) & (strain <= window[1] + 1e-9))
        assert res.classify("RAL") == "II"
