"""A number written with its unit ("22 cm", "3.2 kPa") is that number in the unit asked.

A fitter types what the tape or the gauge says. ``as_number`` reads a length in m, cm or mm
(or inches) and a pressure in mmHg, kPa, hPa or Pa, converted to the unit the argument is asked in; a unit
of another kind is refused, saying so. Then the same through the entry points.
"""

from __future__ import annotations

import pytest
from _cli_run import run

import stockingsim as ss
from stockingsim import errors
from stockingsim._numbers import as_number

MMHG_PA = 101325.0 / 760.0


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("22 cm", "cm", 22.0),
        ("220mm", "cm", 22.0),
        ("0.22 m", "cm", 22.0),
        ("22 CM", "m", 0.22),
        ("1e1 cm", "cm", 10.0),
        ("24 mmHg", "mmHg", 24.0),
        ("3.2 kPa", "mmHg", 3200.0 / MMHG_PA),
        ("32 hPa", "mmHg", 3200.0 / MMHG_PA),
        ("3200 Pa", "mmHg", 3200.0 / MMHG_PA),
        ("10 in", "cm", 25.4),  # the inch is 25.4 mm exactly
        ("1 inch", "mm", 25.4),
        ("2 inches", "m", 0.0508),
    ],
)
def test_a_number_with_its_unit_is_converted_to_the_unit_asked(text, unit, value):
    assert as_number(text, "x", errors.StockingError, unit=unit) == pytest.approx(value, 1e-12)


@pytest.mark.parametrize(
    ("text", "unit", "match"),
    [
        ("22 cm", "mmHg", r"got '22 cm' \(cm is not a unit of mmHg\)"),
        ("3 kPa", "cm", r"\(kPa is not a unit of cm\)"),
        ("22 px", "cm", r"must be a number in cm, got '22 px'\.$"),
        ("22 in", "mmHg", r"\(in is not a unit of mmHg\)"),
        ("22 cm 3", "cm", "must be a number in cm"),
    ],
)
def test_a_unit_of_another_kind_or_unknown_is_refused(text, unit, match):
    with pytest.raises(errors.StockingError, match=match):
        as_number(text, "x", errors.StockingError, unit=unit)


def test_the_checks_after_the_conversion_still_hold():
    # the plausibility check sees the converted value: "220 cm" for a girth in m is 2.2 m
    with pytest.raises(errors.StockingError, match="2.2 m is not plausible"):
        as_number("220 cm", "girth", errors.StockingError, unit="m", kind="girth_m")
    with pytest.raises(errors.StockingError, match="must be positive"):
        as_number("-3 cm", "girth", errors.StockingError, unit="cm", positive=True)


def test_entry_points_take_numbers_with_units(capsys):
    fabric = ss.Fabric.linear(250.0)
    leg = ss.parametric_leg({"cB": "22 cm", "cC": "36cm", "cD": "330 mm"}, n_theta=32)
    same = ss.parametric_leg({"cB": 22, "cC": 36, "cD": 33}, n_theta=32)
    assert leg.landmarks["C"].circumference_m == pytest.approx(same.landmarks["C"].circumference_m)
    by_text = ss.Stocking(fabric, {"B": "17 cm", "C": "0.28 m"}, style="AD")
    by_number = ss.Stocking(fabric, {"B": 0.17, "C": 0.28}, style="AD")
    h = [same.landmarks[k].height_m for k in ("B", "C")]
    assert list(by_text.relaxed_circumference_at(same, h)) == pytest.approx(
        list(by_number.relaxed_circumference_at(same, h))
    )
    a, _ = ss.design_stocking(same, fabric, {"B": "27 mmHg", "C": "2.4 kPa"}, method="laplace")
    b, _ = ss.design_stocking(same, fabric, {"B": 27, "C": 2400 / MMHG_PA}, method="laplace")
    pa = ss.simulate(same, a, method="laplace").pressure_at("C")
    assert pa == pytest.approx(ss.simulate(same, b, method="laplace").pressure_at("C"), 1e-9)
    code, out, err = run(capsys, "classify", "3.2 kPa")
    assert code == 0 and out.startswith("24.0 mmHg, RAL-GZ 387: class II"), err


def test_a_patients_measurements_with_units_fit_as_the_numbers(capsys):
    chart = ss.SizeChart.bundled("knee-high")
    plain = {"cB": 22, "cC": 36, "cD": 33, "lD": 42}
    typed = {"cB": "22 cm", "cC": "360 mm", "cD": 33, "lD": "0.42 m"}
    assert ss.fit_patient(typed, chart).measurements == ss.fit_patient(plain, chart).measurements
    inches = {k: f"{v / 2.54} in" for k, v in plain.items()}
    assert ss.fit_patient(inches, chart).measurements == pytest.approx(plain, abs=1e-12)
    # the message keeps what was wrong with the text, and says what is accepted
    with pytest.raises(
        errors.MeasurementError,
        match=r"cB must be a number in cm, got '22 kPa' \(kPa is not a unit of cm\)\. Give girths",
    ):
        ss.fit_patient({**plain, "cB": "22 kPa"}, chart)
    argv = ["fit", "--cC", "36", "--cD", "33", "--lD", "42", "--chart", "knee-high"]
    code, by_number, err = run(capsys, *argv, "--cB", "22")
    assert code == 0, err
    code, by_text, err = run(capsys, *argv, "--cB", "22cm")
    assert code == 0 and by_text == by_number, err
    code, _, err = run(capsys, *argv, "--cB", "abc")
    assert code == 2 and "cB must be a number in cm, got 'abc'. Give girths" in err
