"""The standards' checks in detail: gradient rules on a simulated stocking (Laplace's closed form
on a cylinder), the rules' bounds and slack, the class table, targets and reversal bands.

Sources of the numbers: the class tables and gradient rules of ``stockingsim/data/standards.json``
(RAL-GZ 387/1:2008, ENV 12718:2001) as listed in docs/design.md.
"""

import math

import _surfaces as S
import numpy as np
import pandas as pd
import pytest

import stockingsim as ss
from stockingsim import errors, standards
from stockingsim.standards import check_gradient, gradient_rules, parse_target

PA_PER_MMHG = 101325.0 / 760.0
HEIGHTS = {"B": 0.05, "B1": 0.12, "C": 0.25, "D": 0.38, "E": 0.46, "F": 0.50, "G": 0.55}
RADIUS = 0.05
K_FABRIC = 250.0  # N/m per unit strain, linear fabric


def _cylinder_result(strain_at, standard_style="AD"):
    """Laplace on a cylinder: ``p = T / r`` with ``T = k eps`` at each landmark."""
    leg = S.make_leg(*S.cylinder(RADIUS, n_theta=64, n_z=61)).with_landmarks(HEIGHTS)
    girth = leg.landmarks["B"].circumference_m
    relaxed = {lm: girth / (1.0 + eps) for lm, eps in strain_at.items()}
    stocking = ss.Stocking(ss.Fabric.linear(K_FABRIC), relaxed, style=standard_style)
    res = ss.simulate(leg, stocking, method="laplace")
    # closed form at the landmarks: p = 2 pi k eps / C (C the mesh's polygon girth)
    expected = {
        lm: 2 * math.pi * K_FABRIC * eps / girth / PA_PER_MMHG for lm, eps in strain_at.items()
    }
    return res, expected


GRADED = {"B": 0.5, "B1": 0.425, "C": 0.325, "D": 0.275, "E": 0.225, "F": 0.175, "G": 0.15}


def test_check_gradient_of_a_simulated_knee_high():
    # strains 100, 85, 65, 55 % of B's: Laplace gives the same fractions of the B pressure
    res, expected = _cylinder_result(GRADED)
    df = check_gradient(res)
    # a knee-high (AD) covers B..D: E, F, G are above the stocking and skipped
    assert list(df.index) == ["B", "B1", "C", "D"] and df.index.name == "landmark"
    for lm in df.index:
        assert df.loc[lm, "pressure_mmhg"] == pytest.approx(expected[lm], rel=1e-3)
        assert df.loc[lm, "height_m"] == pytest.approx(HEIGHTS[lm])
        assert df.loc[lm, "percent_of_B"] == pytest.approx(100 * GRADED[lm] / GRADED["B"], rel=1e-3)
    # RAL: B is the reference, B1 70-100 % (unconfirmed), C 50-80 % (unconfirmed) and at most
    # 70 % (confirmed), D at most 70 % (confirmed)
    assert df["min_percent"].tolist()[:3] == pytest.approx([100.0, 70.0, 50.0])
    assert np.isnan(df.loc["D", "min_percent"])
    assert df["max_percent"].tolist() == pytest.approx([100.0, 100.0, 70.0, 70.0])
    assert df["confirmed"].tolist() == [True, False, False, True]
    assert df.attrs["passed"] and df["passed"].all()
    # 2 pi 250 0.5 / 0.314 m = 18.7 mmHg at B: RAL class I (18-21)
    assert expected["B"] == pytest.approx(18.7, abs=0.1)
    assert df.attrs["class_at_B"] == "I" and df.attrs["standard"] == "RAL-GZ 387/1"
    # a result's reversals come from its section table (bands in metres), here none
    rev = df.attrs["reversals"]
    assert rev.empty and "bottom_m" in rev.columns
    # the whole leg covered (tights): G at 30 % of B, inside its 20-40 %
    tights, _ = _cylinder_result(GRADED, "AT")
    assert list(check_gradient(tights).index) == list(HEIGHTS)


def test_a_tight_calf_is_a_reversal_of_the_section_profile():
    # C tighter than B1 and B: the section pressure rises from B1 to C (4.7 mmHg, above the
    # 3 mmHg threshold), a band that peaks at C
    strains = dict(GRADED, C=0.55)
    res, expected = _cylinder_result(strains)
    df = check_gradient(res)
    assert not df.attrs["passed"] and df.attrs["reversed_at"] == ["C"]
    rev = df.attrs["reversals"]
    assert len(rev) == 1
    assert rev.iloc[0]["height_m"] == pytest.approx(HEIGHTS["C"], abs=0.006)
    assert rev.iloc[0]["rise_mmhg"] == pytest.approx(expected["C"] - expected["B1"], rel=0.02)
    # ENV 12718 has the same gradient rules (by default) but its own classes: 18.7 mmHg is I
    env = check_gradient(res, "ENV")
    assert env.attrs["standard"] == "ENV 12718" and env.attrs["class_at_B"] == "I"


def _prof(values, heights=True):
    lms = list(standards.LANDMARK_ORDER[: len(values)])
    data = {"pressure_mmhg": np.asarray(values, float)}
    if heights:
        data = {"height_m": [HEIGHTS[lm] for lm in lms], **data}
    return pd.DataFrame(data, index=lms)


def test_range_bounds_scale_with_the_pressure_at_b_and_take_the_slack():
    # B1 at 60 % of B is below its 70 % floor; C at 72 % above its 70 % ceiling
    assert not check_gradient(_prof([30.0, 18.0])).loc["B1", "range_ok"]
    assert not check_gradient(_prof([30.0, 25.0, 21.6])).loc["C", "range_ok"]
    # 0.5 mmHg outside each bound passes with 1 mmHg of slack, fails with 0.25
    low, high = _prof([30.0, 20.5]), _prof([30.0, 25.0, 21.5])
    assert check_gradient(low, tol_mmhg=1.0).loc["B1", "range_ok"]
    assert check_gradient(high, tol_mmhg=1.0).loc["C", "range_ok"]
    assert not check_gradient(low, tol_mmhg=0.25).loc["B1", "range_ok"]
    assert not check_gradient(high, tol_mmhg=0.25).loc["C", "range_ok"]
    # the monotone rule: equal is not a rise; a rise within the slack passes
    flat = check_gradient(_prof([30.0, 25.0, 20.0, 20.0]))
    assert flat.loc["D", "monotone_ok"]
    assert check_gradient(_prof([30.0, 25.0, 20.0, 20.5]), tol_mmhg=1.0).loc["D", "monotone_ok"]
    # two points: a rise from B to B1 is reversed even when B1's range is lifted
    two = check_gradient(_prof([30.0, 31.0]), ranges={"B1": (None, None)})
    assert two.loc["B1", "range_ok"] and not two.loc["B1", "monotone_ok"]


def test_unconfirmed_ranges_apply_by_default_and_can_be_left_out():
    # C at 45 % of B: below the unconfirmed 50 % floor, inside the confirmed "at most 70 %"
    prof = _prof([30.0, 25.0, 13.5])
    assert not check_gradient(prof).attrs["passed"]
    assert check_gradient(prof, include_unconfirmed=False).attrs["passed"]
    rules = gradient_rules("RAL", include_unconfirmed=False)
    assert "unconfirmed" not in rules.loc["C", "rule"]
    assert rules.loc["C", "source"].startswith("RAL-GZ 387/1")


def test_user_ranges_replace_the_rules():
    rules = gradient_rules("RAL", ranges={"C": (0.5, None), "D": (0.6, 0.6)})
    assert rules.loc["C", "min_fraction"] == 0.5 and np.isnan(rules.loc["C", "max_fraction"])
    assert rules.loc["D", ["min_fraction", "max_fraction"]].tolist() == [0.6, 0.6]
    assert not rules.loc["C", "confirmed"] and rules.loc["C", "source"] == "given by the user"
    assert np.isnan(gradient_rules("RAL", ranges={"C": (None, 0.7)}).loc["C", "min_fraction"])
    with pytest.raises(errors.StandardError, match="min 0.8 > max 0.6"):
        gradient_rules("RAL", ranges={"C": (0.8, 0.6)})
    with pytest.raises(errors.StandardError, match="unknown landmark 'Q'.*B, B1, C"):
        gradient_rules("RAL", ranges={"Q": (0.1, 0.2)})


def test_no_pressure_at_b_passes_nothing():
    zero = check_gradient(_prof([0.0, 0.0, 0.0]))
    assert not zero.attrs["passed"] and not zero["passed"].any()
    assert zero["percent_of_B"].isna().all()
    # a small but positive pressure at B is a reference like any other
    small = check_gradient(_prof([0.8, 0.6, 0.5]))
    assert small.attrs["passed"] and small.loc["B1", "percent_of_B"] == pytest.approx(75.0)


def test_a_profile_without_heights_is_checked_in_landmark_order():
    prof = _prof([30.0, 22.0, 26.0, 15.0], heights=False)
    df = check_gradient(prof)
    assert df["height_m"].isna().all()
    rev = df.attrs["reversals"]
    assert (rev.iloc[0]["from"], rev.iloc[0]["to"]) == ("B1", "C")
    assert (rev.iloc[0]["from_height_m"], rev.iloc[0]["to_height_m"]) == (1.0, 2.0)
    # with heights the reversal is placed at them
    rev_h = check_gradient(_prof([30.0, 22.0, 26.0, 15.0])).attrs["reversals"]
    assert rev_h.iloc[0]["to_height_m"] == HEIGHTS["C"]


def test_a_result_and_its_profile_are_classified_by_their_pressure_at_b():
    res, expected = _cylinder_result(GRADED)
    assert ss.classify(res) == ss.classify(res.profile) == ss.classify(expected["B"]) == "I"
    assert ss.classify(res, "US") == "I"  # 18.7 mmHg: US 15-20
    with pytest.raises(errors.StandardError, match="landmark B"):
        ss.classify(res.profile.drop(index="B"))


def test_standards_table_prints_the_published_ranges():
    table = standards.standards_table()
    assert table.index.name == "standard"
    ral = table.loc["RAL-GZ 387/1"]
    assert ral[["A", "I", "II", "III", "IV"]].tolist() == ["-", "18-21", "23-32", "34-46", ">= 49"]
    env = table.loc["ENV 12718"]
    assert env[["A", "I", "IV"]].tolist() == ["10-14", "15-21", ">= 49"]
    # AFNOR's open lower bounds are printed as in the standard
    afnor = table.loc["AFNOR NF G30-102"]
    assert afnor[["I", "II", "III", "IV"]].tolist() == ["10-15", "15.1-20", "20.1-36", "> 36"]
    assert table.loc["BS 6612", "IV"] == "-"
    assert all(table["source"].str.len() > 10)


def test_a_standard_name_with_a_colon_in_a_target():
    # "RAL-GZ 387/1:2008" is an alias: the class is after the last colon
    assert parse_target("RAL-GZ 387/1:2008:II") == ("RAL-GZ 387/1", "II")
    assert parse_target("III", default_standard="ENV 12718") == ("ENV 12718", "III")
    with pytest.raises(errors.StandardError, match="STANDARD:CLASS"):
        parse_target(3)


def test_find_reversals_leaves_out_uncovered_rows_and_the_hem_edge():
    h = np.arange(8) * 0.01
    # uncovered rows (0 mmHg, NaN) below and inside the profile, a 1 cm hem ramp, a rise of 4
    p = np.array([0.0, 10.0, 20.0, 18.0, np.nan, 16.0, 20.0, 19.0])
    rev = standards.find_reversals(pd.DataFrame({"height_m": h, "pressure_mmhg": p}))
    # the hem ramp 10 -> 20 is left out (h < 0.01 + 0.01); 16 -> 20 at 0.06 m is a reversal
    assert len(rev) == 1 and rev.iloc[0]["height_m"] == pytest.approx(0.06)
    assert rev.iloc[0]["rise_mmhg"] == pytest.approx(4.0)
    # three covered rows above the edge are enough, two are not
    three = pd.DataFrame({"height_m": [0.0, 0.02, 0.03, 0.04], "pressure_mmhg": [9, 10, 6, 10]})
    assert len(standards.find_reversals(three)) == 1
    assert standards.find_reversals(three.iloc[:3]).empty
    assert list(standards.find_reversals(three.iloc[:3]).columns) == [
        "height_m", "bottom_m", "top_m", "peak_mmhg", "rise_mmhg"
    ]  # fmt: skip


def test_gradient_reversals_default_slack_and_missing_points():
    # a 1 mmHg rise counts with the default 0.5 mmHg slack; NaN heights or pressures are skipped
    rev = standards.gradient_reversals([0.1, 0.2, 0.3, np.nan], [30.0, 20.0, 21.0, 40.0])
    assert len(rev) == 1 and rev.iloc[0]["rise_mmhg"] == pytest.approx(1.0)
    assert standards.gradient_reversals([0.1, 0.2, np.nan], [30.0, 20.0, 40.0]).empty
    assert (
        standards.gradient_reversals([0.1, 0.2, 0.3], [30.0, np.nan, 31.0]).iloc[0]["to"]
        == "0.300 m"
    )


def test_a_verdict_reads_a_check_table_with_its_own_options():
    # C at 75 % of B: outside RAL's confirmed 70 %, inside a user range of 50-80 %
    prof = _prof([30.0, 25.0, 22.5])
    table = check_gradient(prof, ranges={"C": (0.5, 0.8)})
    verdict = standards.gradient_verdict(table)
    assert verdict.passed and verdict.table is table  # read, not checked again by default
    assert standards.gradient_verdict(prof, ranges={"C": (0.5, 0.8)}).passed
    assert standards.gradient_verdict(prof).failed == ("C",)
    assert standards.gradient_verdict(prof).table.loc["C", "max_percent"] == pytest.approx(70.0)


def test_a_class_target_written_as_a_range():
    assert parse_target("US:15-20 mmHg") == parse_target("US:15-20") == ("US", "I")
    with pytest.raises(errors.StandardError):
        parse_target("US:15-30")  # no US class is 15-30 mmHg (I is 15-20, II 20-30)


def test_the_class_at_b_is_the_one_of_the_standard_checked():
    # 16 mmHg at B: ENV 12718 class I (15-21), below RAL's class I (18-21)
    prof = _prof([16.0, 14.0])
    assert check_gradient(prof, "ENV").attrs["class_at_B"] == "I"
    assert check_gradient(prof).attrs["class_at_B"] is None
    verdict = standards.gradient_verdict(prof, "ENV")
    assert verdict.table.attrs["standard"] == "ENV 12718"


def test_the_longest_standard_name_in_front_wins():
    # "RAL", "UK", "US", "ENV" and "AFNOR" are also the start of a longer name of a standard
    assert standards.parse_target("RAL GZ 387 class II") == ("RAL-GZ 387/1", "II")
    assert standards.parse_target("UK Drug Tariff class 2") == ("BS 6612", "II")
    assert standards.parse_target("US market 20-30") == ("US", "II")
    assert standards.parse_target("ENV 12718 class III") == ("ENV 12718", "III")
    assert standards.parse_target("AFNOR NF G30-102 class 2") == ("AFNOR NF G30-102", "II")
