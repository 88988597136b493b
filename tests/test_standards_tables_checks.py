"""The class tables' interval bounds and the forms of pressure ``classify`` takes.

The bounds are those of ``stockingsim/data/standards.json``: ``lo``/``hi`` in mmHg, ``hi`` None
when open-ended, ``lo_open``/``hi_open`` when the bound itself is excluded (the standards print
contiguous classes such as AFNOR's "10-15" and "15.1-20", read as 15 < p <= 20).
"""

from __future__ import annotations

import numpy as np
import pytest

from stockingsim import errors
from stockingsim.standards import STANDARDS, canonical_standard, classify
from stockingsim.standards._tables import _in_class

CLASSES = [
    (std, name, c) for std, table in STANDARDS.items() for name, c in table["classes"].items()
]


@pytest.mark.parametrize(("std", "name", "c"), CLASSES, ids=[f"{s}-{n}" for s, n, _ in CLASSES])
def test_each_bound_is_in_its_class_unless_the_table_excludes_it(std, name, c):
    lo, hi = float(c["lo"]), c["hi"]
    assert _in_class(lo, c) is (not c.get("lo_open", False))
    assert _in_class(np.nextafter(lo, np.inf), c)
    assert not _in_class(np.nextafter(lo, -np.inf), c)
    if hi is None:
        assert _in_class(1e6, c)  # open-ended top class
        return
    hi = float(hi)
    assert _in_class(hi, c) is (not c.get("hi_open", False))
    assert _in_class(np.nextafter(hi, -np.inf), c)
    assert not _in_class(np.nextafter(hi, np.inf), c)


def test_a_class_with_both_bounds_excluded_keeps_only_its_inside():
    c = {"lo": 15, "hi": 20, "lo_open": True, "hi_open": True}
    assert [_in_class(p, c) for p in (15.0, 15.001, 19.999, 20.0)] == [False, True, True, False]


def test_pressures_written_as_text_are_classified_as_numbers():
    """A column read from a CSV as text (numbers in strings) classifies as the numbers do."""
    got = classify(["25", "45.5", "12"], "RAL")
    assert list(got) == list(classify([25.0, 45.5, 12.0], "RAL")) == ["II", "III", None]


@pytest.mark.parametrize("value", ["abc", ["25", "abc"]])
def test_a_pressure_that_is_not_a_number_is_a_standard_error_naming_the_unit(value):
    with pytest.raises(errors.StandardError, match="mmHg"):
        classify(value)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("RAL_GZ_387", "RAL-GZ 387/1"),  # underscores read as spaces
        ("ral  gz   387", "RAL-GZ 387/1"),  # runs of spaces collapsed, case ignored
        ("  RAL-GZ 387 ", "RAL-GZ 387/1"),
        ("uk_drug_tariff", "BS 6612"),
        ("nf  g30-102", "AFNOR NF G30-102"),
    ],
)
def test_standard_names_are_read_as_people_type_them(written, expected):
    assert canonical_standard(written) == expected


def test_a_standard_that_is_not_a_string_names_its_type():
    with pytest.raises(errors.StandardError, match="must be a string .* got int"):
        canonical_standard(387)


def test_an_unknown_standard_lists_the_known_names():
    with pytest.raises(errors.StandardError) as info:
        canonical_standard("ISO 9999")
    known = sorted({a for t in STANDARDS.values() for a in t["aliases"][:2]})
    assert ", ".join(known) in str(info.value)
    assert {"RAL", "RAL-GZ 387", "UK", "BS 6612", "AFNOR", "US"} <= set(known)
