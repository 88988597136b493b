"""The leg in motion: frames, the fabric followed on its branch, SSI/DSI, plots and animation."""

import math

import numpy as np
import pytest
from _surfaces import make_leg, thigh_cylinder

import stockingsim as ss
from stockingsim import errors

MMHG = 101325 / 760
MARKS = {"B": 0.10, "B1": 0.18, "C": 0.30, "D": 0.42}
R = 0.05


@pytest.fixture(scope="module")
def cyl():
    v, f = thigh_cylinder(R, n_z=121, n_theta=96)
    return make_leg(v, f, name="cylinder").with_landmarks(MARKS)


@pytest.fixture(scope="module")
def walk_class2(leg_f_avg):
    fabric = ss.fabric_library()["circular class II"]
    st, _ = ss.design_stocking(leg_f_avg, fabric, "RAL-GZ 387:II", method="laplace", style="AD")
    return st, ss.simulate_motion(leg_f_avg, st, ss.Motion.walking())


def test_cylinder_laplace_motion_is_the_closed_form(cyl):
    # a linear knit with 30 % hysteresis round a cylinder: p = T(eps path) 2 pi / C exactly
    fabric = ss.Fabric.linear(300.0, hysteresis=0.3).with_inner_loop_strain(0.01)
    c0 = 2 * math.pi * R / 1.4
    st = ss.Stocking(fabric, relaxed_circumference_m=c0, style="AD")
    motion = ss.Motion.from_girth_changes(
        [0, 1, 2, 3, 4], {"B1": [0, 0.5, 1.0, 0.5, 0], "C": [0, 0.5, 1.0, 0.5, 0]}
    )
    r = ss.simulate_motion(cyl, st, motion, method="laplace")
    g = r.profile.xs("C", level="landmark")
    circ = g["circumference_cm"].to_numpy() / 100
    np.testing.assert_allclose(circ - circ[0], [0, 0.005, 0.01, 0.005, 0], atol=2e-4)
    t = fabric.cyclic_tension(circ / c0 - 1)
    np.testing.assert_allclose(g["pressure_mmhg"], t * 2 * math.pi / circ / MMHG, rtol=1e-9)
    # the first frame is the static (unloading) solution, the others climb the inner loop
    assert g["pressure_mmhg"].iloc[0] == pytest.approx(g["static_pressure_mmhg"].iloc[0])
    assert g["pressure_mmhg"].iloc[2] > g["static_pressure_mmhg"].iloc[2] + 1.0
    assert g["branch_state"].iloc[0] == -1 and g["branch_state"].iloc[2] > 0
    # per vertex: the same factor on the static per-vertex pressure
    ratio = g["pressure_mmhg"].to_numpy() / g["static_pressure_mmhg"].to_numpy()
    near = np.abs(cyl.heights_m - MARKS["C"]) < 1e-3
    np.testing.assert_allclose(
        r.pressure_mmhg[:, near].mean(1) / r.static_pressure_mmhg[:, near].mean(1), ratio, rtol=2e-2
    )
    assert r.pressure_mmhg.shape == (5, cyl.n_vertices)
    # stiffness_index (1 cm, laplace) is the first rise of this path
    si = ss.stiffness_index(cyl, st, landmark="C", delta_cm=1.0)
    rise = (g["pressure_mmhg"].iloc[2] - g["pressure_mmhg"].iloc[0]) / (100 * (circ[2] - circ[0]))
    assert si.loc["C", "stiffness_mmhg_per_cm"] == pytest.approx(rise, rel=0.03)


def test_without_hysteresis_motion_equals_static(cyl):
    st = ss.Stocking(ss.Fabric.linear(300.0), relaxed_circumference_m=0.22, style="AD")
    r = ss.simulate_motion(cyl, st, ss.Motion.calf_contraction(), method="laplace")
    np.testing.assert_allclose(r.pressure_mmhg, r.static_pressure_mmhg, rtol=1e-12)


def test_walking_is_finite_continuous_and_in_published_range(walk_class2, leg_f_avg):
    st, r = walk_class2
    assert np.all(np.isfinite(r.pressure_mmhg))
    p = r.pressure_over_time()
    for lm in ("B", "B1", "C", "D"):
        step = np.abs(np.diff(p[lm].to_numpy()))
        assert step.max() < 0.6 * r.amplitude_mmhg[lm] + 1e-9  # no jumps between frames
    # frame 0 is the resting leg: the plain static simulation
    static = ss.simulate(leg_f_avg, st, method="laplace")
    np.testing.assert_allclose(r.pressure_mmhg[0], static.pressure_mmhg, rtol=1e-9)
    # walking pressure amplitude of elastic class II stockings: B1 6.0-6.8, C 3.7-4.3 mmHg
    # (Phlebology 2026, doi:10.1177/02683555261424072); the model is within 25 %
    assert 0.75 * 6.03 < r.amplitude_mmhg["B1"] < 1.25 * 6.75
    assert 0.75 * 3.73 < r.amplitude_mmhg["C"] < 1.25 * 4.33
    # without the inner loops the same motion barely moves the pressure (the old model)
    s = r.profile["static_pressure_mmhg"].unstack("landmark")
    assert np.ptp(s["C"]) < 0.3 * r.amplitude_mmhg["C"]
    # the second cycle repeats the first once the loops have settled
    assert p["C"].iloc[-1] == pytest.approx(p["C"].iloc[8], abs=0.2)
    assert np.isnan(r.amplitude_mmhg["G"])  # not covered by a knee-high
    dsi = r.dynamic_stiffness_mmhg_per_cm()
    assert dsi["C"] == pytest.approx(r.amplitude_mmhg["C"] / 1.05, rel=0.03)
    # the girth swings by the motion's published rise at C and D (1.05 and 0.50 cm), and the
    # DSI is the amplitude over that swing
    dc = r.girth_change_cm()
    assert dc["C"] == pytest.approx(1.05, rel=0.03) and dc["D"] == pytest.approx(0.5, rel=0.03)
    np.testing.assert_allclose(dsi[["B", "C"]], r.amplitude_mmhg[["B", "C"]] / dc[["B", "C"]])


def test_static_stiffness_index_elastic_and_flat(leg_f_avg):
    lib = ss.fabric_library()
    ssi = {}
    for name in ("circular class II", "circular class III", "flat-knit class III"):
        target = "RAL-GZ 387:II" if "II" in name and "III" not in name else "RAL-GZ 387:III"
        st, _ = ss.design_stocking(leg_f_avg, lib[name], target, method="laplace", style="AD")
        ssi[name] = ss.static_stiffness_index(leg_f_avg, st)
    # elastic material: SSI < 10 mmHg (Partsch et al. 2008); flat-knit several times stiffer
    assert 2.0 < ssi["circular class II"] < 10.0
    assert ssi["circular class III"] < 10.0
    assert ssi["flat-knit class III"] > 2 * ssi["circular class III"]


def test_motion_constructors_and_errors(cyl):
    w = ss.Motion.walking(cycles=3, frames_per_cycle=6)
    assert len(w) == 19 and w.settle_s == pytest.approx(2.0)
    assert "10.1177/02683555261424072" in w.source
    assert w.frames[3].girth_change_cm["C"] == pytest.approx(1.05)
    s = ss.Motion.sitting()
    assert s.frames[-1].knee_flexion_deg == pytest.approx(90.0)
    sw = ss.Motion.swelling([0, 40, 80], [0, 3600, 7200])
    assert [f.swelling_ml for f in sw.frames] == [0, 40, 80]
    with pytest.raises(errors.MotionError, match="increasing"):
        ss.Motion.from_girth_changes([0, 0], {"C": [0, 1]})
    with pytest.raises(errors.MotionError, match="one per time"):
        ss.Motion.from_girth_changes([0, 1], {"C": [0, 1, 2]})
    with pytest.raises(errors.MotionError, match="unknown motion 'jogging'"):  # "walking" is one
        ss.simulate_motion(cyl, ss.Stocking(ss.Fabric.linear(300.0), 0.22), "jogging")
    with pytest.raises(errors.MotionError, match="Stocking"):
        ss.simulate_motion(cyl, None, w)


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: ss.Motion.from_girth_changes([0, 1], {"C": ["a", "b"]}), "girth changes at C"),
        (lambda: ss.Motion.from_girth_changes([0, 1], [0.0, 1.0]), "mapping of landmark"),
        (lambda: ss.Motion.from_girth_changes(["a", "b"], {"C": [0, 1]}), "frame times"),
        (lambda: ss.Motion.from_poses([0, 1], "ninety"), "knee_flexion_deg"),
        (lambda: ss.Motion.from_poses([0, 1, 2], [0, 90]), "one per time"),
        (lambda: ss.Motion.from_poses([0, 1], [0, 200]), "not radians"),
        (lambda: ss.Motion.from_poses([0, 1], 0, [0, 60]), r"\[-50, 40\]"),
        (lambda: ss.Motion.walking(cycles="two"), "cycles must be a number"),
        (lambda: ss.Motion.walking(cycles=2.5), "whole number"),
        (lambda: ss.Motion.walking(cycle_s=0), "cycle_s must be positive"),
        (lambda: ss.Motion.supine_to_standing(n_frames=1), "n_frames"),
        (lambda: ss.Motion.calf_contraction(hold_s=-1), "hold_s must be positive"),
        (lambda: ss.Motion.sitting(knee_flexion_deg=None), "knee_flexion_deg"),
        (lambda: ss.Motion.swelling(["x", "y"], [0, 1]), "volume_ml"),
        (lambda: ss.motion.Frame(0.0, {"C": True}), "girth change at C"),
        (lambda: ss.motion.Frame(0.0, 1.05), "mapping of landmark"),
        (lambda: ss.motion.Frame(float("nan")), "time_s"),
    ],
)
def test_bad_motion_inputs_fail_when_built_with_what_to_give(build, match):
    """A wrong number fails when the motion is built, as a MotionError saying what to give."""
    with pytest.raises(errors.MotionError, match=match):
        build()


def test_numbers_given_as_text_are_read_as_numbers(cyl):
    """The forms a CSV or a form field gives: "90" is 90 degrees, "2" is two cycles."""
    assert ss.Motion.from_poses(["0", "1"], ["0", "90"]).frames[1].knee_flexion_deg == 90.0
    assert ss.Motion.walking(cycles="2") == ss.Motion.walking(cycles=2)
    leg = ss.parametric_leg({"cB": 22, "cC": 36, "cD": 33, "cE": 37, "lB": 12, "lC": 33,
                             "lD": 40, "lE": 48})  # fmt: skip
    bent = leg.posed(knee_flexion_deg="60")
    np.testing.assert_array_equal(bent.vertices, leg.posed(knee_flexion_deg=60.0).vertices)
    assert "knee 60 deg" in bent.name
    with pytest.raises(errors.MotionError, match="must be a number"):
        leg.posed(knee_flexion_deg=True)


def test_plot_and_gif(cyl, tmp_path):
    iio = pytest.importorskip("imageio.v3")
    pytest.importorskip("pyvista")
    fabric = ss.Fabric.linear(300.0, hysteresis=0.3)
    st = ss.Stocking(fabric, relaxed_circumference_m=0.22, style="AD")
    r = ss.simulate_motion(cyl, st, ss.Motion.calf_contraction(), method="laplace")
    fig = r.plot(tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 1000
    assert {t.get_text() for t in fig.axes[0].get_legend().get_texts()} >= {"B", "C"}
    out = r.animate(tmp_path / "m.gif", window_size=(160, 200))
    frames = iio.imread(out, index=None)
    assert frames.shape[0] == len(r.motion) and frames.shape[1:3] == (200, 160)
    assert not np.array_equal(frames[0], frames[2])  # the colours change with the pressure
    with pytest.raises(errors.PlotError, match="gif"):
        r.animate(tmp_path / "m.avi")
    # MP4: the same frames, the sides padded to multiples of 16 for the codec
    video = iio.imread(r.animate(tmp_path / "m.mp4", window_size=(160, 200)), index=None)
    assert video.shape == (len(r.motion), 208, 160, 3)
    lossy = np.abs(video[:, :200].astype(float) - frames[..., :3].astype(float)).mean()
    assert lossy < 12  # mean of 0-255 per channel: a lossy codec, the same pictures


def test_swelling_response_and_fabric_table(leg_f_avg):
    lib = ss.fabric_library()
    fabrics = {k: lib[k] for k in ("circular class II", "flat-knit class III")}
    table = ss.compare_swelling(leg_f_avg, fabrics, volumes_ml=[0, 40, 80])
    assert list(table.index) == [
        "circular class II",
        "flat-knit class III",
    ]  # sorted, elastic first
    for lm in ("B1", "C"):
        assert np.all(table[f"mmhg_per_10ml_{lm}"] > 0)
    assert (
        table.loc["flat-knit class III", "mmhg_per_10ml_C"]
        > 2 * table.loc["circular class II", "mmhg_per_10ml_C"]
    )
    st, _ = ss.design_stocking(
        leg_f_avg, lib["circular class II"], "RAL-GZ 387:II", method="laplace"
    )
    resp = ss.swelling_response(leg_f_avg, st, [0, 40, 80])
    static = ss.simulate(leg_f_avg, st, method="laplace").profile.loc["B1", "pressure_mmhg"]
    assert resp["pressure_B1_mmhg"].iloc[0] == pytest.approx(static)
    assert np.all(np.diff(resp["pressure_B1_mmhg"]) > 0)
    slope = resp.attrs["mmhg_per_10ml"]["B1"]
    assert slope == pytest.approx(10 * np.polyfit([0, 40, 80], resp["pressure_B1_mmhg"], 1)[0])
    with pytest.raises(errors.MotionError, match="two"):
        ss.swelling_response(leg_f_avg, st, [10])
