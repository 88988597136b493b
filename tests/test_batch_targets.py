"""Class targets as users write them, through a batch: the class is read once, one way.

``"RAL:2"``, ``"II"`` and ``"UK class 2"`` name the same kind of target as ``"RAL-GZ 387:II"``:
the batch designs for the named standard's class and checks the simulated stocking against that
class (``class_ok``). Before, ``"RAL:2"`` compared the class text ``"2"`` with the classifier's
``"II"`` (``class_ok`` False for a class II stocking), and ``"UK class 2"`` designed for the
default standard's class.
"""

import warnings

import pytest

import stockingsim as ss
from stockingsim.batch import BatchDesign, run_batch
from stockingsim.standards import class_range

TARGETS = {  # as written -> (standard the pressure is classified in, canonical class)
    "RAL-GZ 387:II": ("RAL", "II"),
    "RAL:2": ("RAL", "II"),
    "II": ("RAL", "II"),
    "RAL-GZ 387 class III": ("RAL", "III"),
    "UK class 2": ("UK", "II"),
}


@pytest.mark.parametrize("engine", ["serial", "processes"])
def test_class_targets_as_written_are_designed_and_checked_in_their_standard(engine):
    leg = ss.sample_path("anny_f_avg.ply")
    designs = [BatchDesign("circular class II", t, name=t) for t in TARGETS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = run_batch(
            [leg], designs, "laplace", engine=engine, workers=2, out=None, progress=False
        )
    assert len(table) == len(TARGETS) and table["error"].isna().all()
    for _, row in table.iterrows():
        standard, cls = TARGETS[row["target"]]
        lo, hi = class_range(standard, cls)
        # Laplace design: mid-class at B exactly, so the class is met
        assert row["pressure_B_mmhg"] == pytest.approx((lo + (hi or lo + 10)) / 2, abs=0.05)
        assert row["target_class"] == cls and row["ankle_class"] == cls
        assert row["class_ok"]
