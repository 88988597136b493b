"""Kits of stockings worn over each other: the thick-cylinder (multi-layer Laplace) law."""

from __future__ import annotations

import math

import _surfaces as S
import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.solvers import PA_PER_MMHG

R = 0.05
K = 250.0
C0 = 2 * math.pi * R / 1.4


@pytest.fixture(scope="module")
def cylinder():
    return S.make_leg(*S.cylinder(R), name="cylinder")


def _one():
    return ss.Stocking(ss.Fabric.linear(K), C0, style="AT")


def _exact_two_layers(t):
    """Radial equilibrium p_in a - p_out b = T per layer: p r = T(r) + T(r + t)."""
    t1 = K * (2 * math.pi * R / C0 - 1)
    t2 = K * (2 * math.pi * (R + t) / C0 - 1)
    return (t1 + t2) / R / PA_PER_MMHG


@pytest.mark.parametrize(
    ("method", "tol"),
    [("laplace", 0.002), ("membrane", 0.01), ("bridging", 0.002), ("contact", 0.02)],
)
def test_two_identical_stockings_on_a_cylinder_match_the_thick_cylinder_solution(
    cylinder, method, tol
):
    opts = {"n_theta": 32, "ring_step_m": 0.03} if method == "contact" else {}
    t = 0.001
    kit = ss.Kit([_one(), _one()], thicknesses_m=(t, t))
    res = ss.simulate(cylinder, kit, method=method, **opts)
    p = float(np.median(res.sections["pressure_mmhg"]))
    assert p == pytest.approx(_exact_two_layers(t), rel=tol)
    # and more than twice one stocking: the outer layer sits on a larger radius
    single = float(
        np.median(ss.simulate(cylinder, _one(), method=method, **opts).sections["pressure_mmhg"])
    )
    assert p > 2 * single * (1 + 0.5 * 2 * math.pi * t / (C0 * 0.4))


def test_a_kit_of_thin_layers_is_the_sum_of_its_layers(cylinder):
    kit = ss.Kit([_one(), _one(), _one()], thicknesses_m=(0, 0, 0))
    p3 = ss.simulate(cylinder, kit, method="laplace").sections["pressure_mmhg"]
    p1 = ss.simulate(cylinder, _one(), method="laplace").sections["pressure_mmhg"]
    assert p3.to_numpy() == pytest.approx(3 * p1.to_numpy(), rel=1e-12)


def test_design_outer_layer_makes_the_kit_meet_the_target():
    leg = ss.bundled_leg()
    liner, _ = ss.design_stocking(leg, ss.fabric_library()["circular class I"], "RAL-GZ 387:I")
    kit, _ = ss.design_outer_layer(leg, liner, "circular class I", "RAL-GZ 387:II")
    _, single = ss.design_stocking(leg, "circular class I", "RAL-GZ 387:II")
    got = ss.simulate(leg, kit, method="laplace").profile["pressure_mmhg"]
    for name, target in single.landmarks["target_mmhg"].dropna().items():
        assert got[name] == pytest.approx(target, abs=0.05), name
    assert ss.simulate(leg, kit, method="laplace").classify("RAL-GZ 387") == "II"
    with pytest.raises(errors.UnreachableTargetError, match="liner"):
        ss.design_outer_layer(leg, liner, "circular class I", "RAL-GZ 387:I")


def test_kit_in_a_batch_and_a_report(tmp_path):
    leg = ss.bundled_leg()
    st, _ = ss.design_stocking(leg, "circular class I", "RAL-GZ 387:I")
    kit = ss.Kit([st, st], name="two class I")
    table = ss.run_batch(
        [leg], [kit], methods=["laplace"], engine="serial", out=tmp_path / "kit.parquet"
    )
    direct = ss.simulate(leg, kit, method="laplace").profile.loc["B", "pressure_mmhg"]
    assert float(table["pressure_B_mmhg"].iloc[0]) == pytest.approx(direct, rel=1e-9)
    assert table["stocking_name"].iloc[0] == "two class I"
    ss.report(ss.simulate(leg, kit, method="laplace"), tmp_path / "kit.html")
    assert (tmp_path / "kit.html").stat().st_size > 0


@pytest.mark.parametrize(
    "args", [([],), ([ss.Stocking(ss.Fabric.linear(250.0), 0.18)],), (["a", "b"],)]
)
def test_kit_needs_two_stockings(args):
    with pytest.raises(errors.StockingError, match="Kit"):
        ss.Kit(*args)


def test_kit_thickness_in_metres():
    s = ss.Stocking(ss.Fabric.linear(250.0), 0.18)
    with pytest.raises(errors.StockingError, match="metres"):
        ss.Kit([s, s], thicknesses_m=(0.6, 0.6))
