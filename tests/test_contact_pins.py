"""Regression pins of the frictionless contact solve (not physics: the physics is asserted in
test_contact.py and test_solvers_analytic.py).

These numbers were recorded from the contact solver before ``solve_tube`` was split into named
steps, so that the split (and later changes of the frictionless path) can be seen to keep the
results. A change of the numerics that moves them on purpose must re-record them and say why in
the commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import stockingsim as ss

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_contact import _ring  # noqa: E402

# PIN: recorded values (frictionless solve). The solve stops once its residual is below a
# fraction of the tolerance, so where it stops depends on the L-BFGS path, which moves with the
# releases of numpy and scipy (the ring's peak by -4.3e-4 and its minimum by -1.6e-3 between
# the releases the pins were recorded with and numpy 2.4.6 / scipy 1.17.1): the ring's pins
# hold to 5e-3 and the leg's to 1e-3, both far tighter than any physics test.
PIN_RING_PMAX_PA = 4086.4115957819417
PIN_RING_PMIN_PA = 1390.4965021313901
PIN_LEG_MMHG = {
    "B": 19.814608147669002,
    "B1": 16.119500020605308,
    "C": 13.661695231517626,
    "D": 14.145886125909499,
}


def test_pin_ellipse_ring_frictionless():
    out, _, _ = _ring()
    p = out["pressure_pa"][1]
    assert p.max() == pytest.approx(PIN_RING_PMAX_PA, rel=5e-3)
    assert p.min() == pytest.approx(PIN_RING_PMIN_PA, rel=5e-3)


def test_pin_bundled_leg_frictionless():
    leg = ss.bundled_leg()
    relaxed = {k: v.circumference_m / 1.4 for k, v in leg.landmarks.items()}
    st = ss.Stocking(ss.Fabric.linear(250.0), relaxed, style="AD")
    res = ss.simulate(leg, st, method="contact", n_theta=48, ring_step_m=0.02, friction=0)
    got = res.profile["pressure_mmhg"]
    for name, value in PIN_LEG_MMHG.items():
        assert got[name] == pytest.approx(value, rel=1e-3), name  # 2e-4 between scipy 1.15 and 1.17
