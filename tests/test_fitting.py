"""Fitting a patient to a size chart: fits, between sizes, made to measure, scans, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.cli import main
from stockingsim.design import laplace_pressure
from stockingsim.fitting import SizeChart, fit_patient, fitting_report, leg_from_measurements

FABRIC = "circular class II"


@pytest.fixture(scope="module")
def chart():
    return SizeChart.bundled("knee-high")


@pytest.fixture(scope="module")
def fabric():
    return ss.fabric_library()[FABRIC]


def _closed_form_b(fabric, chart, size, cb_cm, length="normal"):
    """Laplace pressure at B of a size's relaxed ankle on a given ankle girth (closed form)."""
    c0 = chart.relaxed_table().loc[(size, length), "relaxed_B_cm"] / 100
    return float(laplace_pressure(fabric, c0, cb_cm / 100))


def test_bundled_charts_are_labelled_illustrative_and_shaped_as_the_issue_says():
    knee, thigh = SizeChart.bundled("knee-high"), SizeChart.bundled("thigh-high")
    assert "ILLUSTRATIVE" in knee.note and "ILLUSTRATIVE" in thigh.note
    assert len(knee.size_names) == 5 and knee.measured == ("cB", "cC", "cD", "lD")
    assert len(thigh.size_names) == 5 and thigh.lengths == ("normal", "long")
    assert thigh.measured == ("cB", "cC", "cG", "lG") and len(thigh.sizes) == 10


def test_relaxed_sizes_give_the_mid_class_at_their_centre(chart, fabric):
    # each size is designed for its centre girths: Laplace at the centre ankle = 27.5 mmHg
    for _, row in chart.sizes.iterrows():
        cb = 0.5 * (row["cB_min_cm"] + row["cB_max_cm"])
        p = _closed_form_b(fabric, chart, row["size"], cb)
        assert p == pytest.approx(ss.standards.design_pressure("RAL-GZ 387", "II"), abs=1e-6)


@pytest.mark.parametrize("suffix", ["csv", "json"])
def test_chart_round_trips_through_files(tmp_path, chart, suffix):
    path = tmp_path / f"chart.{suffix}"
    (chart.to_csv if suffix == "csv" else chart.to_json)(path)
    back = SizeChart.read(path)
    pd.testing.assert_frame_equal(back.sizes, chart.sizes, check_dtype=False)
    assert (back.style, back.fabric, back.target, back.note) == (
        chart.style,
        chart.fabric,
        chart.target,
        chart.note,
    )


def test_inside_one_size_fits_and_predicts_the_closed_form(chart, fabric):
    m = {"cB": 20.8, "cB1": 24.0, "cC": 32.0, "cD": 30.5, "lD": 40}
    fit = fit_patient(m, chart)
    assert fit.status == "fits" and fit.size == "II" and fit.spec is None
    # the leg honours every measured point: hull girth there is the measurement
    prof = fit.result.profile
    for lm in ("B", "B1", "C", "D"):
        assert 100 * prof.loc[lm, "circumference_m"] == pytest.approx(m["c" + lm], abs=0.02)
    assert fit.pressure_b_mmhg == pytest.approx(_closed_form_b(fabric, chart, "II", 20.8), rel=2e-3)
    assert fit.class_at_b == "II" and fit.class_ok and fit.gradient_ok


def test_on_a_size_edge_is_between_sizes_with_both_predictions(chart, fabric):
    fit = fit_patient({"cB": 22.0, "cC": 36, "cD": 33, "lD": 42}, chart)
    assert fit.status == "between sizes" and fit.sizes == ("II", "III")
    for size in ("II", "III"):
        p = fit.options[size].pressure_b_mmhg
        assert p == pytest.approx(_closed_form_b(fabric, chart, size, 22.0), rel=2e-3)
    # the smaller size is tighter at the same ankle
    assert fit.options["II"].pressure_b_mmhg > fit.options["III"].pressure_b_mmhg
    assert fit.size in fit.sizes and fit.result is fit.options[fit.size].result


def test_outside_every_size_is_made_to_measure_and_the_order_reproduces_the_class(chart, fabric):
    m = {"cB": 31.0, "cC": 45, "cD": 40, "lD": 42}
    fit = fit_patient(m, chart)
    assert fit.status == "made to measure" and fit.size is None
    assert any("cB=31" in n for n in fit.notes)
    order = fit.spec.table
    assert list(order.index) == ["B", "B1", "C", "D"]
    assert np.all(order["flat_width_mm"] % 1 == 0)  # whole millimetres for the machine
    assert np.all(order["relaxed_circumference_mm"] == 2 * order["flat_width_mm"])
    # simulate the rounded order on the patient's leg: class II and the RAL gradient again
    leg = leg_from_measurements(m)
    res = ss.simulate(leg, fit.spec.to_stocking(fabric), method="membrane")
    assert res.classify("RAL-GZ 387") == "II"
    assert ss.check_gradient(res, "RAL-GZ 387").attrs["passed"]
    # rounding the flat width to 1 mm moves the Laplace ankle pressure by < 1 mmHg
    c0_b = order.loc["B", "relaxed_circumference_mm"] / 1000
    assert float(laplace_pressure(fabric, c0_b, 0.31)) == pytest.approx(27.5, abs=1.0)
    assert fit.pressure_b_mmhg == pytest.approx(float(laplace_pressure(fabric, c0_b, 0.31)), 2e-3)


def test_a_scanned_leg_is_measured_and_fitted_on_the_scan(chart):
    leg = ss.bundled_leg("anny_f_avg")
    m = ss.measurements_from_leg(leg)
    assert m["cB"] == pytest.approx(100 * leg.landmarks["B"].circumference_m, abs=0.05)
    fit = fit_patient(leg, chart)
    assert fit.leg is leg
    # its length lD is above the knee-high chart's lengths: made to measure, and the order
    # simulated on the scan meets the class
    assert fit.status == "made to measure" and any("lD" in n for n in fit.notes)
    assert fit.class_at_b == "II"
    # with the length inside the chart it gets a size from the same girths
    shorter = {k: v for k, v in m.items() if k in ("cB", "cC", "cD")} | {"lD": 44}
    assert fit_patient(shorter, chart).status in ("fits", "between sizes")


def test_a_scan_given_as_its_file_is_fitted_as_the_leg_read_from_it(chart):
    path = ss.sample_path("anny_m_athletic")
    by_path, by_leg = fit_patient(str(path), chart), fit_patient(ss.load_leg(path), chart)
    assert (by_path.status, by_path.size) == (by_leg.status, by_leg.size)
    assert by_path.pressure_b_mmhg == by_leg.pressure_b_mmhg
    both = fit_patient({"left": path, "right": ss.load_leg(path)}, chart)
    assert both["left"].pressure_b_mmhg == both["right"].pressure_b_mmhg
    with pytest.raises(errors.MeshFileError, match="does not exist"):
        fit_patient("no_such_scan.ply", chart)


def test_rows_of_a_table_of_patients_fit_as_their_mappings(chart):
    """A fitter's table: one row per patient, an empty cell where a point was not measured."""
    table = pd.DataFrame(
        {"cB": [20.8, 22.0, 31.0], "cB1": [24.0, np.nan, np.nan], "cC": [32.0, 36.0, 45.0],
         "cD": [30.5, 33.0, 40.0], "lD": [40, 42, 42]}
    )  # fmt: skip
    for _, row in table.iterrows():
        given = {k: v for k, v in row.items() if not np.isnan(v)}
        by_row, by_dict = fit_patient(row, chart), fit_patient(given, chart)
        assert (by_row.status, by_row.size) == (by_dict.status, by_dict.size)
        assert by_row.pressure_b_mmhg == by_dict.pressure_b_mmhg
    assert [fit_patient(r, chart).status for _, r in table.iterrows()] == [
        "fits", "between sizes", "made to measure"
    ]  # fmt: skip
    with pytest.raises(errors.MeasurementError, match="missing measurement"):
        fit_patient(table.iloc[0].drop("cD"), chart)
    with pytest.raises(errors.MeasurementError, match="looks like millimetres"):
        fit_patient(table.iloc[0] * 10, chart)


def test_left_and_right_in_one_call_and_a_report(tmp_path, chart):
    fits = fit_patient(
        {
            "left": {"cB": 20.8, "cC": 32, "cD": 30.5, "lD": 40},
            "right": {"cB": 31, "cC": 45, "cD": 40, "lD": 42},
        },
        chart,
    )
    assert fits["left"].status == "fits" and fits["right"].status == "made to measure"
    text = fitting_report(fits)
    assert "left leg" in text and "right leg" in text and "order form" in text
    assert "data:image/png;base64," in text and f"{fits['left'].pressure_b_mmhg:.1f}" in text
    assert (
        fitting_report(fits, tmp_path / "r.html")
        .read_text(encoding="utf-8")
        .startswith("<!DOCTYPE html>")
    )


def test_pdf_report_or_a_clear_error(tmp_path, chart):
    from stockingsim.fitting._report import pdf_engine

    fit = fit_patient({"cB": 20.8, "cC": 32, "cD": 30.5, "lD": 40}, chart)
    if pdf_engine() is None:
        with pytest.raises(errors.OptionalDependencyError, match="no PDF engine"):
            fitting_report(fit, tmp_path / "r.pdf")
    else:
        out = fitting_report(fit, tmp_path / "r.pdf")
        assert out.read_bytes()[:5] == b"%PDF-"


def test_another_standard_for_the_verdict(chart):
    m = {"cB": 21, "cC": 34, "cD": 32, "lD": 40}  # the centre of size II: 27.5 mmHg at B
    fit = fit_patient(m, chart, standard="BS 6612")
    assert fit.pressure_b_mmhg == pytest.approx(27.5, abs=0.01)
    # 27.5 mmHg is class III of BS 6612 (25-35) and still the product's RAL class II
    assert fit.standard == "BS 6612" and fit.class_at_b == "III" and fit.class_ok
    assert fit.gradient.attrs["standard"] == "BS 6612"


def test_thigh_high_chart_sizes_by_length_too():
    thigh = SizeChart.bundled("thigh-high")
    base = {"cB": 20.8, "cC": 32, "cG": 50}
    short, long_ = (fit_patient({**base, "lG": lg}, thigh) for lg in (70, 78))
    assert (short.status, short.size, short.length) == ("fits", "II", "normal")
    assert (long_.status, long_.size, long_.length) == ("fits", "II", "long")
    assert set(short.profile.index) == {"B", "B1", "C", "D", "E", "F", "G"}


def test_a_designed_size_chart_exports_as_a_product_chart(tmp_path):
    fabric = ss.fabric_library()[FABRIC]
    designed = ss.size_chart(12, fabric, n_sizes=2)
    chart = designed.to_size_chart(length_cm=(30, 50))
    assert chart.size_names == tuple(designed.chart.index)
    st = designed.stockings[chart.size_names[0]]
    rt = chart.relaxed_table(fabric)
    assert rt.iloc[0]["relaxed_B_cm"] == pytest.approx(100 * st.relaxed_circumference_m["B"])
    back = SizeChart.from_csv(chart.to_csv(tmp_path / "designed.csv"))
    row = chart.sizes.iloc[0]
    m = {
        "cB": 0.5 * (row["cB_min_cm"] + row["cB_max_cm"]),
        "cC": 0.5 * (row["cC_min_cm"] + row["cC_max_cm"]),
        "cD": 30.0,
        "lD": 40,
    }
    assert fit_patient(m, back, fabric=fabric).status in ("fits", "between sizes")


@pytest.mark.parametrize(
    "m, match",
    [
        ({"cB": 220, "cC": 360, "cD": 330, "lD": 42}, "millimetres: give 22"),
        ({"cB": 0.22, "cC": 0.36, "cD": 0.33, "lD": 42}, "metres: give 22"),
        ({"cB": 22, "cC": 36, "cD": 33, "lD": 420}, "millimetres"),
        ({"cB": 36, "cC": 22, "cD": 20, "lD": 42}, "swapped"),
        ({"cB": 22, "cC": 36, "lD": 42}, r"missing measurement\(s\) cD"),
        ({"cB": 22, "cC": 36, "cD": 33}, "lD"),
        ({"cb": 22, "cC": 36, "cD": 33, "lD": 42}, "Did you mean 'cB'"),
        ({"cB": "x", "cC": 36, "cD": 33, "lD": 42}, "cB must be a number in cm, got 'x'"),
        ({"cB": 22, "cC": 36, "cD": 33, "lC": 45, "lD": 42}, "lengths must increase"),
        ([22, 36], "must be a mapping"),
    ],
)
def test_bad_measurements_raise_clear_errors(chart, m, match):
    with pytest.raises(errors.MeasurementError, match=match):
        fit_patient(m, chart)


def test_bad_charts_raise_clear_errors(tmp_path):
    with pytest.raises(errors.SizeChartError, match="min < max"):
        SizeChart(pd.DataFrame({"size": ["A"], "cB_min_cm": [22], "cB_max_cm": [20]}))
    with pytest.raises(errors.SizeChartError, match="not girths in cm"):
        SizeChart(pd.DataFrame({"size": ["A"], "cB_min_cm": [200], "cB_max_cm": [220]}))
    with pytest.raises(errors.SizeChartError, match="cannot read"):
        SizeChart.from_csv(tmp_path / "missing.csv")
    with pytest.raises(errors.SizeChartError, match="no bundled chart"):
        SizeChart.bundled("tights")
    with pytest.raises(errors.SizeChartError, match="bundled charts are 'knee-high' and"):
        fit_patient({"cB": 22, "cC": 36, "cD": 33, "lD": 42}, "kneehigh")


def test_cli_fit(tmp_path, capsys):
    argv = ["fit", "--cB", "22", "--cC", "36", "--cD", "33", "--lD", "42", "--chart", "knee-high"]
    assert main([*argv, "--report", str(tmp_path / "r.html")]) == 0
    out = capsys.readouterr().out
    assert "between sizes" in out and (tmp_path / "r.html").exists()
    csv = tmp_path / "chart.csv"
    SizeChart.bundled("knee-high").to_csv(csv)
    argv = ["fit", "--cB", "31", "--cC", "45", "--cD", "40", "--lD", "42", "--chart", str(csv)]
    assert main([*argv, "--order", str(tmp_path / "o.csv")]) == 0
    order = pd.read_csv(tmp_path / "o.csv", index_col=0)
    assert "flat_width_mm" in order and list(order.index) == ["B", "B1", "C", "D"]
    # usage errors: exit 2 with one line
    assert (
        main(
            ["fit", "--cB", "220", "--cC", "36", "--cD", "33", "--lD", "42", "--chart", "knee-high"]
        )
        == 2
    )
    assert "millimetres" in capsys.readouterr().err
    assert main(["fit", "--chart", "knee-high"]) == 2
    assert main(["fit", "--cB", "22", "--leg", "bundled:anny_f_avg", "--chart", "knee-high"]) == 2
    assert main(["fit", "--cB", "22", "--chart", str(tmp_path / "none.csv")]) == 2


def test_cli_fit_a_scan_and_two_legs_with_a_json_chart(tmp_path, capsys):
    js = SizeChart.bundled("knee-high").to_json(tmp_path / "chart.json")
    assert main(["fit", "--leg", "bundled:anny_f_avg", "--chart", str(js)]) == 0
    out = capsys.readouterr().out
    assert "made to measure" in out and "lD=47.5 cm is outside every size" in out
    argv = [
        "fit",
        "--cB",
        "20.8",
        "--cC",
        "32",
        "--cD",
        "30.5",
        "--lD",
        "40",
        "--right",
        "cB=22,cC=36,cD=33,lD=42",
        "--chart",
        str(js),
    ]
    assert main([*argv, "--report", str(tmp_path / "both.html")]) == 0
    out = capsys.readouterr().out
    assert "FitResult left: fits size II" in out and "FitResult right: between sizes" in out
    assert "right leg" in (tmp_path / "both.html").read_text(encoding="utf-8")
    assert main([*argv[:-4], "--right", "cB22", "--chart", str(js)]) == 2
