"""Inner hysteresis loops (Dahl friction element) and their fit from a strip test with small cycles."""

from pathlib import Path

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "tensile_small_cycles.csv"
EPS_C_TRUE = 0.015


def _truth():
    return ss.Fabric.polynomial(
        (260.0, -220.0, 160.0), max_strain=1.0, hysteresis=0.25
    ).with_inner_loop_strain(EPS_C_TRUE)


def _protocol():
    """Strain path of the fixture: a full cycle, an unload to 40 % with five small cycles of
    +3 % about it, back to zero, and a second full cycle (50 mm wide, 100 mm gauge)."""
    up = np.linspace(0.0, 0.8, 161)
    down = np.linspace(0.8, 0.4, 81)[1:]
    small = np.concatenate(
        [np.r_[np.linspace(0.4, 0.43, 7)[1:], np.linspace(0.43, 0.4, 7)[1:]]] * 5
    )
    rest = np.linspace(0.4, 0.0, 81)[1:]
    return np.concatenate([up, down, small, rest, up[1:], up[::-1][1:]])


def make_fixture(path=FIXTURE, seed=0):
    """Write the fixture: tension of the true fabric along the protocol, 0.5 % force noise."""
    eps = _protocol()
    t = _truth().cyclic_tension(eps, start="loading")
    rng = np.random.default_rng(seed)
    force = t * 0.05 + rng.normal(0.0, 0.005 * float(np.max(t * 0.05)), t.shape)
    rows = "\n".join(f"{e * 100:.4f},{f:.5f}" for e, f in zip(eps, force))
    Path(path).write_text("Extension (mm),Force (N)\n" + rows + "\n", encoding="utf-8")
    return Path(path)


def test_fixture_is_reproducible(tmp_path):
    assert make_fixture(tmp_path / "x.csv").read_text(encoding="utf-8") == FIXTURE.read_text(
        encoding="utf-8"
    )


def test_fit_recovers_inner_loop_strain_and_branches():
    fab = ss.Fabric.from_tensile_test(
        FIXTURE, width_mm=50, gauge_mm=100, model="polynomial", degree=4
    )
    true = _truth()
    assert fab.inner_loop_strain[0] == pytest.approx(EPS_C_TRUE, rel=0.15)
    assert fab.info["inner_loop_strain_fitted_course"] == fab.inner_loop_strain[0]
    # (near the reversal at 80 % the measured unloading points still run on the inner loop)
    eps = np.linspace(0.1, 0.7, 13)
    for b in ("loading", "unloading"):
        np.testing.assert_allclose(
            fab.tension(eps, branch=b), true.tension(eps, branch=b), rtol=0.05, atol=1.5
        )
    assert any("inner loops fitted" in n for n in fab.fit_report.notes)
    # the fitted fabric reproduces the measured small cycles
    data = np.loadtxt(FIXTURE, delimiter=",", skiprows=1)
    pred = fab.cyclic_tension(data[:, 0] / 100, start="loading")
    assert np.sqrt(np.mean((pred - data[:, 1] / 0.05) ** 2)) < 0.02 * np.max(data[:, 1] / 0.05)


def test_a_test_without_small_cycles_keeps_the_default():
    fab = ss.Fabric.from_tensile_test(DATA / "tensile_two_phase_en.csv", width_mm=50, gauge_mm=100)
    assert fab.inner_loop_strain == (0.02, 0.02)


def test_branches_are_the_limits_of_the_loops():
    f = ss.Fabric.linear(200.0, hysteresis=0.3, max_strain=2.0)
    eps = np.linspace(0.1, 1.0, 200)
    # monotone stretching from the unloading branch tends to the loading branch
    t = f.cyclic_tension(eps)
    assert t[0] == pytest.approx(float(f.tension(0.1)))
    assert t[-1] == pytest.approx(float(f.tension(1.0, branch="loading")), rel=1e-6)
    # and recovering from the loading branch tends to the unloading branch
    t2 = f.cyclic_tension(eps[::-1], start="loading")
    assert t2[-1] == pytest.approx(float(f.tension(0.1)), rel=1e-3)
    lo = f.tension(eps, branch="unloading") - 1e-9
    hi = f.tension(eps, branch="loading") + 1e-9
    assert np.all((t >= lo) & (t <= hi))


def test_small_cycle_is_steeper_than_either_branch_and_closes():
    # a Dahl element: the initial slope after reversal is U' + (L - U) / eps_c (analytic)
    f = ss.Fabric.linear(200.0, hysteresis=0.3).with_inner_loop_strain(0.01)
    d = 1e-5
    t = f.cyclic_tension([0.4, 0.4 + d])
    slope = (t[1] - t[0]) / d
    assert slope == pytest.approx(140.0 + 0.3 * 200 * 0.4 / 0.01, rel=1e-3)
    assert float(f.dynamic_stiffness(0.4)) == pytest.approx(slope, rel=1e-3)
    # repeated symmetric cycles settle on one closed loop
    cyc = np.tile(np.r_[np.linspace(0.4, 0.42, 11), np.linspace(0.42, 0.4, 11)[1:-1]], 30)
    cyc = np.r_[cyc, 0.4]
    tc = f.cyclic_tension(cyc)
    period = 20
    assert tc[-1] == pytest.approx(tc[-1 - period], abs=1e-6)
    # the amplitude is larger than on either branch alone (200 * 0.02 * 0.7 = 2.8 N/m)
    assert np.ptp(tc[-period:]) > 2 * 2.8


def test_vectorized_and_no_hysteresis_means_no_loops():
    f = ss.Fabric.linear(200.0)
    path = np.linspace(0.2, 0.3, 5)[:, None] * np.ones((1, 4))
    np.testing.assert_allclose(f.cyclic_tension(path), 200.0 * path)
    g = ss.fabric_library()["circular class II"]
    path2 = np.stack([np.full(3, 0.4), np.array([0.41, 0.45, 0.5])])
    one = np.array([g.cyclic_tension([0.4, e])[1] for e in path2[1]])
    np.testing.assert_allclose(g.cyclic_tension(path2)[1], one)


def test_round_trip_and_bad_input():
    g = ss.fabric_library()["flat-knit class III"]
    assert ss.Fabric.from_json(g.to_json()).inner_loop_strain == g.inner_loop_strain
    with pytest.raises(errors.FabricError, match=r"inner_loop_strain.*\(0, 1\].*0\.02, not 2"):
        g.with_inner_loop_strain(2.0)
    for bad in (0.0, -0.01, "two", float("nan")):
        with pytest.raises(errors.FabricError, match="inner_loop_strain"):
            g.with_inner_loop_strain(bad)
    with pytest.raises(errors.FabricError, match="start"):
        g.cyclic_tension([0.3, 0.4], start="sideways")
    with pytest.raises(errors.FabricError):
        g.cyclic_tension([0.3, np.nan])


def test_presets_stiffness_order():
    lib = ss.fabric_library()
    k = {n: float(f.dynamic_stiffness(0.4 if "flat" not in n else 0.3)) for n, f in lib.items()}
    # flat-knit several times stiffer (dynamically) than round-knit of the same class
    assert k["flat-knit class III"] > 2 * k["circular class III"]
    # and every preset's inner loop is much steeper than its unloading branch
    for n, f in lib.items():
        assert k[n] > 3 * float(f.stiffness(0.4 if "flat" not in n else 0.3)), n
