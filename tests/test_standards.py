"""Compression classes and gradient rules against the published tables (docs/design.md, with the sources listed there)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stockingsim as ss
from stockingsim import errors, standards
from stockingsim.standards import (
    canonical_standard,
    check_gradient,
    class_range,
    classify,
    design_pressure,
    gradient_rules,
    parse_target,
)

# (standard, class) -> published range at B in mmHg (None = open-ended)
PUBLISHED = {
    ("RAL-GZ 387/1", "I"): (18, 21),
    ("RAL-GZ 387/1", "II"): (23, 32),
    ("RAL-GZ 387/1", "III"): (34, 46),
    ("RAL-GZ 387/1", "IV"): (49, None),
    ("ENV 12718", "A"): (10, 14),
    ("ENV 12718", "I"): (15, 21),
    ("ENV 12718", "II"): (23, 32),
    ("ENV 12718", "III"): (34, 46),
    ("ENV 12718", "IV"): (49, None),
    ("AFNOR NF G30-102", "I"): (10, 15),
    ("AFNOR NF G30-102", "II"): (15, 20),
    ("AFNOR NF G30-102", "III"): (20, 36),
    ("AFNOR NF G30-102", "IV"): (36, None),
    ("BS 6612", "I"): (14, 17),
    ("BS 6612", "II"): (18, 24),
    ("BS 6612", "III"): (25, 35),
    ("US", "A"): (8, 15),
    ("US", "I"): (15, 20),
    ("US", "II"): (20, 30),
    ("US", "III"): (30, 40),
    ("US", "IV"): (40, 50),
}


@pytest.mark.parametrize(("key", "rng"), PUBLISHED.items())
def test_class_ranges_match_published_tables(key, rng):
    lo, hi = class_range(*key)
    assert lo == rng[0]
    assert hi == (math.inf if rng[1] is None else rng[1])


def test_every_table_has_a_source():
    for key, table in standards.STANDARDS.items():
        assert len(table["source"]) > 20, key
        assert set(table["classes"]) <= {"A", "I", "II", "III", "IV"}


@pytest.mark.parametrize(
    ("p", "std", "expected"),
    [
        (25.0, "RAL-GZ 387", "II"),
        (22.0, "RAL", None),  # between I and II: no class, no rounding
        (21.0, "RAL", "I"),
        (23.0, "RAL", "II"),
        (32.0, "RAL", "II"),
        (33.0, "RAL", None),
        (47.5, "RAL", None),
        (49.0, "RAL", "IV"),
        (120.0, "RAL", "IV"),  # >= 49 is open-ended
        (17.0, "RAL", None),
        (12.0, "ENV 12718", "A"),
        (14.5, "ENV 12718", None),
        (15.05, "AFNOR", "II"),  # 15.1-20 is contiguous with 10-15
        (15.0, "AFNOR", "I"),
        (36.0, "AFNOR", "III"),
        (36.01, "AFNOR", "IV"),
        (17.5, "UK", None),
        (24.0, "BS 6612", "II"),
        (15.0, "US", "I"),  # shared end points go to the higher class
        (20.0, "US", "II"),
        (50.0, "US", "IV"),
        (50.5, "US", None),
        (float("nan"), "RAL", None),
    ],
)
def test_classify(p, std, expected):
    assert classify(p, std) == expected


def test_classify_is_vectorized():
    out = classify(np.array([[18.5, 22.0], [30.0, 60.0]]), "RAL")
    assert out.shape == (2, 2)
    assert out.tolist() == [["I", None], ["II", "IV"]]


@pytest.mark.parametrize("alias", ["RAL", "RAL-GZ 387", "RAL-GZ 387/1", "ral-gz 387", "  RAL  "])
def test_aliases_ral(alias):
    assert canonical_standard(alias) == "RAL-GZ 387/1"


@pytest.mark.parametrize(
    ("alias", "key"),
    [
        ("ENV 12718", "ENV 12718"),
        ("AFNOR", "AFNOR NF G30-102"),
        ("UK", "BS 6612"),
        ("BS 6612", "BS 6612"),
        ("US", "US"),
    ],
)
def test_other_aliases(alias, key):
    assert canonical_standard(alias) == key


def test_unknown_standard_and_class_raise_with_advice():
    with pytest.raises(errors.StandardError, match="unknown standard 'DIN'.*Use one of"):
        classify(25.0, "DIN")
    with pytest.raises(errors.StandardError, match="classes are"):
        class_range("UK", "IV")  # the UK has no class IV
    with pytest.raises(errors.StandardError):
        parse_target("")
    with pytest.raises(errors.StandardError):
        classify("lots", "RAL")


def test_parse_target_and_design_pressure():
    assert parse_target("RAL-GZ 387:II") == ("RAL-GZ 387/1", "II")
    assert parse_target("UK:class 3") == ("BS 6612", "III")
    assert parse_target("US:15-20") == ("US", "I")
    assert parse_target("CCL2") == ("RAL-GZ 387/1", "II")
    assert design_pressure("RAL", "II") == pytest.approx(27.5)
    assert design_pressure("US", "I") == pytest.approx(17.5)
    for std in standards.STANDARDS:
        for cls in standards.class_names(std):
            assert classify(design_pressure(std, cls), std) == cls


def test_gradient_rules_confirmed_vs_unconfirmed():
    allr = gradient_rules("RAL")
    conf = gradient_rules("RAL", include_unconfirmed=False)
    # confirmed: <= 70 % below the knee, <= 40 % at the thigh
    assert conf.loc["C", "max_fraction"] == pytest.approx(0.70)
    assert conf.loc["D", "max_fraction"] == pytest.approx(0.70)
    assert conf.loc["F", "max_fraction"] == pytest.approx(0.40)
    assert conf.loc["G", "max_fraction"] == pytest.approx(0.40)
    assert np.isnan(conf.loc["B1", "min_fraction"])
    # unconfirmed ranges intersected with the confirmed ones and labelled
    assert allr.loc["B1", ["min_fraction", "max_fraction"]].tolist() == [0.70, 1.00]
    assert allr.loc["C", ["min_fraction", "max_fraction"]].tolist() == [0.50, 0.70]
    assert allr.loc["G", ["min_fraction", "max_fraction"]].tolist() == [0.20, 0.40]
    assert not allr.loc["B1", "confirmed"]
    assert "unconfirmed" in allr.loc["C", "rule"]
    assert conf.loc["C", "confirmed"]


def test_default_design_gradient_is_inside_every_range_and_falls():
    frac = standards.default_fractions()
    rules = gradient_rules("RAL")
    values = [frac[lm] for lm in standards.LANDMARK_ORDER]
    assert all(np.diff(values) < 0)
    for lm, f in frac.items():
        lo, hi = rules.loc[lm, ["min_fraction", "max_fraction"]]
        assert np.isnan(lo) or f >= lo
        assert np.isnan(hi) or f <= hi


def _profile(p):
    lms = list(standards.LANDMARK_ORDER[: len(p)])
    return pd.DataFrame({"height_m": np.linspace(0.1, 0.7, len(p)), "pressure_mmhg": p}, index=lms)


def test_check_gradient_pass_and_fail():
    good = check_gradient(_profile([30, 26, 19, 16, 13, 10, 9]))
    assert good.attrs["passed"] and good.attrs["class_at_B"] == "II"
    assert good.loc["C", "percent_of_B"] == pytest.approx(100 * 19 / 30)
    # C at 75 %: allowed by the unconfirmed 50-80 % range, not by the confirmed 70 % rule
    bad = check_gradient(_profile([30, 26, 22.5, 16]))
    assert not bad.attrs["passed"]
    assert not bad.loc["C", "range_ok"] and bad.loc["D", "range_ok"]
    # a rise from C to D breaks the monotone rule
    rising = check_gradient(_profile([30, 26, 17, 18]))
    assert not rising.loc["D", "monotone_ok"] and rising.loc["D", "range_ok"]
    assert check_gradient(_profile([30, 26, 17, 18]), monotone=False).attrs["passed"]
    # the ranges are parameters
    assert check_gradient(_profile([30, 26, 22.5, 16]), ranges={"C": (0.5, 0.8)}).attrs["passed"]


def test_check_gradient_skips_uncovered_and_needs_b():
    prof = _profile([30, 26, 19, 16, np.nan, np.nan, np.nan])
    out = check_gradient(prof)
    assert list(out.index) == ["B", "B1", "C", "D"]
    with pytest.raises(errors.StandardError, match="pressure at B"):
        check_gradient(prof.drop(index="B"))
    with pytest.raises(errors.StandardError):
        check_gradient(42.0)


@settings(max_examples=300, deadline=None)
@given(p=st.floats(0.0, 90.0, allow_nan=False), std=st.sampled_from(sorted(standards.STANDARDS)))
def test_classify_agrees_with_the_ranges(p, std):
    # a pressure belongs to at most one class, and to a class exactly when inside its range
    inside = []
    for cls, c in standards.STANDARDS[std]["classes"].items():
        lo, hi = class_range(std, cls)
        ok_lo = p > lo if c.get("lo_open") else p >= lo
        ok_hi = p < hi if c.get("hi_open") else p <= hi
        if ok_lo and ok_hi:
            inside.append(cls)
    assert len(inside) <= 1
    assert classify(p, std) == (inside[0] if inside else None)


def test_gradient_reversals_finds_each_rising_run():
    from stockingsim.standards import gradient_reversals

    h = [0.30, 0.10, 0.20, 0.40, 0.50, 0.60]  # unsorted on purpose
    p = [25.0, 30.0, 20.0, 24.0, 18.0, 18.2]
    rev = gradient_reversals(h, p, labels=["C", "B", "B1", "D", "E", "F"])
    # sorted: B 30, B1 20, C 25, D 24, E 18, F 18.2 -> one rise B1->C of 5 mmHg (F's 0.2 is noise)
    assert len(rev) == 1
    row = rev.iloc[0]
    assert (row["from"], row["to"]) == ("B1", "C")
    assert row["rise_mmhg"] == pytest.approx(5.0)
    assert gradient_reversals([0.1, 0.2, 0.3], [30, 25, 20]).empty
    two = gradient_reversals(np.arange(6) * 0.1, [30, 31, 32, 20, 25, 10], tol_mmhg=0.1)
    assert two["rise_mmhg"].tolist() == pytest.approx([2.0, 5.0])
    with pytest.raises(ss.errors.StandardError, match="same length"):
        gradient_reversals([0.1], [1.0, 2.0])


def test_one_reversal_detector_for_sections_and_arrays():
    from stockingsim.standards import find_reversals, gradient_reversals

    # a saw-tooth: each single rise is 3 mmHg, but at 0.5 m the pressure is 4 mmHg above the
    # 25 mmHg at 0.2 m below it: one reversal, measured from the lowest pressure below
    h = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    p = np.array([30.0, 25.0, 28.0, 26.0, 29.0])
    rev = gradient_reversals(h, p, tol_mmhg=0.5)
    assert len(rev) == 1
    row = rev.iloc[0]
    assert (row["from_height_m"], row["to_height_m"]) == (0.2, 0.5)
    assert (row["pressure_low_mmhg"], row["rise_mmhg"]) == (25.0, pytest.approx(4.0))
    # the same profile as a section table (a first row inside the hem's edge zone, rows in any
    # order): the same band, peak and rise
    sections = pd.DataFrame({"height_m": np.r_[0.0, h], "pressure_mmhg": np.r_[5.0, p]})
    for table in (sections, sections.iloc[::-1]):
        bands = find_reversals(table, min_rise_mmhg=0.5)
        assert len(bands) == 1
        band = bands.iloc[0]
        assert (band["bottom_m"], band["top_m"], band["height_m"]) == (0.3, 0.5, 0.5)
        assert band["peak_mmhg"] == row["pressure_high_mmhg"]
        assert band["rise_mmhg"] == pytest.approx(row["rise_mmhg"])
    # a rise of at most the threshold is no reversal in either form
    assert gradient_reversals(h, p, tol_mmhg=4.0).empty
    assert find_reversals(sections, min_rise_mmhg=4.0).empty


def test_check_gradient_reports_where_it_is_reversed():
    prof = pd.DataFrame(
        {"height_m": [0.1, 0.2, 0.35, 0.45], "pressure_mmhg": [30.0, 22.0, 26.0, 15.0]},
        index=["B", "B1", "C", "D"],
    )
    df = ss.check_gradient(prof)
    assert df.attrs["reversed_at"] == ["C"]
    rev = df.attrs["reversals"]
    assert len(rev) == 1 and rev.iloc[0]["to"] == "C"
    assert rev.iloc[0]["rise_mmhg"] == pytest.approx(4.0)


def test_gradient_verdict_reads_the_check_and_names_the_failures():
    # RAL: C at most 70 % of B (confirmed) and 50-80 % (unconfirmed); D below C (monotone)
    good = _profile([30, 26, 19, 16])
    verdict = standards.gradient_verdict(good)
    assert verdict.passed and verdict.failed == () and str(verdict) == "passes"
    # 27 mmHg at C is 90 % of B: out of range and rising after B1
    bad = standards.gradient_verdict(_profile([30, 26, 27, 16]))
    assert not bad and bad.failed == ("C",) and str(bad) == "fails at C"
    # a check table is read, not checked again, and gives the same verdict as its attrs
    table = check_gradient(_profile([30, 26, 27, 16]))
    assert standards.gradient_verdict(table).failed == bad.failed
    assert standards.gradient_verdict(table).passed == table.attrs["passed"]


def test_one_target_parser():
    assert standards.split_target("ENV 12718 : III") == ("ENV 12718", "III")
    assert standards.split_target("II", "AFNOR") == ("AFNOR", "II")
    assert standards.split_target({"B": 30.0})[1] is None
    assert parse_target("RAL:2") == parse_target("RAL-GZ 387:II") == ("RAL-GZ 387/1", "II")


def test_target_written_as_standard_then_class():
    # "RAL-GZ 387 class II", as a fitter writes it, means the same as "RAL-GZ 387:II"
    assert parse_target("RAL-GZ 387 class II") == ("RAL-GZ 387/1", "II")
    assert (
        parse_target("RAL class 2") == parse_target("ral-gz 387/1 ccl 2") == ("RAL-GZ 387/1", "II")
    )
    assert parse_target("UK class 3") == ("BS 6612", "III")
    assert parse_target("US 20-30") == ("US", "II")
    assert parse_target("AFNOR 4") == ("AFNOR NF G30-102", "IV")
    # the class is still checked against the named standard, and the message shows the syntax
    with pytest.raises(errors.StandardError, match=r"'STANDARD:CLASS'.*RAL-GZ 387/1:I"):
        parse_target("RAL class V")
    with pytest.raises(errors.StandardError, match="BS 6612"):
        parse_target("UK class 5")
