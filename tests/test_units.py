"""Numbers people type are checked in the units they are asked in (issue 11, units).

CLI girths in cm, API girths in m, strains as fractions, pressures in mmHg: a value that is
implausible in the asked unit raises (or, where it could be meant, warns) with the likely unit
mistake named (mm, cm, m, %, Pa, kPa).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim._numbers import as_number
from stockingsim.cli import main

LEG = str(Path(__file__).resolve().parents[1] / "meshes" / "anny_f_avg.ply")


# --- the shared helper -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "kind", "mistake"),
    [
        (220.0, "girth_m", "millimetres"),
        (22.0, "girth_m", "centimetres"),
        (0.22, "girth_cm", "metres"),
        (220.0, "girth_cm", "millimetres"),
        (40.0, "strain", "percent"),
        (3300.0, "pressure_mmhg", "pascals"),
    ],
)
def test_as_number_names_the_likely_unit_mistake(value, kind, mistake):
    with pytest.raises(errors.StockingError, match=mistake):
        as_number(value, "x", errors.StockingError, kind=kind)


@pytest.mark.parametrize(
    ("value", "kind"),
    [(0.22, "girth_m"), (22.0, "girth_cm"), (0.4, "strain"), (25, "pressure_mmhg")],
)
def test_as_number_accepts_plausible_values(value, kind):
    assert as_number(value, "x", errors.StockingError, kind=kind) == pytest.approx(float(value))


@pytest.mark.parametrize("bad", ["abc", None, True, float("nan"), float("inf"), [1.0]])
def test_as_number_rejects_what_is_not_a_finite_number(bad):
    with pytest.raises(errors.FabricError, match="x"):
        as_number(bad, "x", errors.FabricError)


# --- CLI girths in cm ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("relaxed", "mistake"),
    [("0.17", "metres"), ("B=0.16,C=0.25", "metres"), ("170", "millimetres")],
)
def test_cli_relaxed_in_the_wrong_unit_exits_2_naming_it(capsys, relaxed, mistake):
    # before: --relaxed 0.17 (metres where cm are asked) gave 10,406 mmHg, "class IV", exit 0
    code = main(["simulate", LEG, "--fabric", "circular class II", "--relaxed", relaxed])
    _, err = capsys.readouterr()
    assert code == 2
    assert mistake in err and "cm" in err


# --- API girths in m -------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "mistake"), [(220.0, "millimetres"), (22.0, "centimetres")])
def test_stocking_girth_in_mm_or_cm_is_named(value, mistake):
    with pytest.raises(errors.StockingError, match=mistake):
        ss.Stocking(ss.Fabric.linear(250.0), value)
    with pytest.raises(errors.StockingError, match=mistake):
        ss.Stocking(ss.Fabric.linear(250.0), {"B": 0.2, "C": value})


def test_chart_girths_in_mm_get_a_message_about_mm():
    # before: "chart girths must be in centimetres" for a chart in millimetres
    with pytest.raises(errors.LandmarkError, match="millimetres"):
        ss.parametric_leg({"cB": 220, "cC": 360, "cD": 340})
    with pytest.raises(errors.LandmarkError, match="metres"):
        ss.parametric_leg({"cB": 0.22, "cC": 0.36, "cD": 0.34})


# --- strains as fractions --------------------------------------------------------------------
def test_fabric_with_strains_in_percent_is_refused():
    # before: designed a stocking with strain 52 and a relaxed girth of 0.42 cm, no warning
    with pytest.raises(errors.FabricError, match="percent"):
        ss.Fabric.polynomial([2, 0.01], max_strain=150)


def test_negative_strain_gives_no_tension():
    for fabric in (ss.Fabric.linear(250.0), ss.fabric_library()["circular class II"]):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a slack fabric is not an extrapolation
            t = fabric.tension(np.array([-0.5, -0.1, -1e-9]))
            k = fabric.tension(-0.1, direction="wale", branch="loading")
        assert np.all(t == 0.0) and float(k) == 0.0
    # and nothing changes for positive strain: T = k eps
    assert float(ss.Fabric.linear(250.0).tension(0.4)) == pytest.approx(100.0)


def test_tension_at_a_percentage_says_so():
    with pytest.warns(errors.ExtrapolationWarning, match="percentage"):
        ss.Fabric.linear(250.0).tension(40)


# --- pressures in mmHg -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def leg():
    return ss.load_leg(LEG)


def test_target_like_kpa_warns(leg):
    fabric = ss.fabric_library()["circular class II"]
    with pytest.warns(errors.TargetWarning, match="kPa"):
        ss.design_stocking(leg, fabric, target={"B": 3.3})


def test_target_rising_up_the_leg_warns(leg):
    fabric = ss.fabric_library()["circular class II"]
    with pytest.warns(errors.TargetWarning, match="rises"):
        ss.design_stocking(leg, fabric, target={"B": 20, "C": 30})


def test_graduated_target_does_not_warn(leg):
    fabric = ss.fabric_library()["circular class II"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.TargetWarning)
        ss.design_stocking(leg, fabric, target={"B": 30, "C": 21})


def test_target_in_pascals_is_refused(leg):
    with pytest.raises(errors.DesignError, match="pascals"):
        ss.design_stocking(leg, ss.fabric_library()["circular class II"], target={"B": 3300})


def test_cli_classify_in_pascals_exits_2(capsys):
    assert main(["classify", "3300"]) == 2
    assert "pascals" in capsys.readouterr().err
