"""Every pressure method on the four shared real legs (issue 4 item 5).

Physics checked: finite, non-negative, zero outside the stocking; the methods agree with the
Laplace reference at B (an almost convex section); mesh refinement (26k -> ~100k vertices) moves
the pressure at B by less than 2 %; the same leg rotated, leaning and in mm gives the same
landmark pressures.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors

MESHES = Path(__file__).resolve().parents[1] / "meshes"
LEGS = ["anny_f_avg", "anny_f_heavy", "anny_m_athletic", "anny_m_elder"]
STRAIN_AT_LANDMARKS = 0.4
CONTACT = {"n_theta": 48, "ring_step_m": 0.02}  # coarse: these tests check sanity, not accuracy


@pytest.fixture(scope="module")
def legs():
    return {name: ss.load_leg(MESHES / f"{name}.ply") for name in LEGS}


def _stocking(leg, style="AD"):
    lm = leg.landmarks
    relaxed = {k: v.circumference_m / (1 + STRAIN_AT_LANDMARKS) for k, v in lm.items()}
    return ss.Stocking(ss.Fabric.linear(250.0), relaxed, style=style)


@pytest.mark.parametrize("name", LEGS)
@pytest.mark.parametrize("method", ["laplace", "membrane", "bridging", "contact"])
def test_every_method_is_sane_on_real_legs(legs, name, method):
    leg = legs[name]
    opts = CONTACT if method == "contact" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ConvergenceWarning)
        res = ss.simulate(leg, _stocking(leg), method=method, **opts)
    p = res.pressure_mmhg
    assert p.shape == (leg.n_vertices,)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    assert np.all(p[~res.covered] == 0)  # nothing outside the stocking
    h = leg.heights_m
    # AD ends 1 cm above D (the welt), so the section through D is fully covered
    assert np.all(h[res.covered] <= leg.landmarks["D"].height_m + 0.01 + 1e-9)
    assert res.profile.loc["D", "pressure_min_mmhg"] >= 0
    assert 0.5 * res.covered.sum() < (p > 0).sum()  # the fabric touches most of the leg
    prof = res.profile
    assert list(prof.index) == list(leg.landmarks)
    # 40 % strain of a 250 N/m fabric on 20-40 cm girths: 100 N/m / r = 12-28 mmHg (mean)
    for lm in ("B", "B1", "C"):
        assert 8 < prof.loc[lm, "pressure_mmhg"] < 35
        assert prof.loc[lm, "pressure_min_mmhg"] <= prof.loc[lm, "pressure_mmhg"]
        assert prof.loc[lm, "pressure_mmhg"] <= prof.loc[lm, "pressure_max_mmhg"]
    assert prof.loc["G", "pressure_mmhg"] == 0  # above a knee-high
    # graduated: a uniform-strain stocking gives p ~ 1/C, so B > C
    assert prof.loc["B", "pressure_mmhg"] > prof.loc["C", "pressure_mmhg"]


@pytest.mark.parametrize("method", ["membrane", "bridging", "contact"])
def test_methods_agree_with_laplace_at_b(legs, method):
    # the ankle section is nearly convex: the arc-length mean of any method is close to
    # Laplace's T / r_hull (10 %; membrane and contact see the skin, not the hull)
    leg = legs["anny_f_avg"]
    st = _stocking(leg)
    ref = ss.simulate(leg, st, method="laplace").pressure_at("B")
    opts = CONTACT if method == "contact" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ConvergenceWarning)
        p = ss.simulate(leg, st, method=method, **opts).pressure_at("B")
    assert p == pytest.approx(ref, rel=0.10)


@pytest.fixture(scope="module")
def refined(legs):
    import trimesh

    leg = legs["anny_f_avg"]
    v, f = trimesh.remesh.subdivide(leg.vertices, leg.faces)
    fine = ss.Leg.from_arrays(v, f, units="m", name="anny_f_avg x4")
    return leg, fine


@pytest.mark.parametrize("method", ["laplace", "membrane", "bridging"])
def test_mesh_refinement_changes_b_by_less_than_2_percent(refined, method):
    coarse, fine = refined
    assert fine.n_vertices > 90_000
    # the same stocking, given at the coarse leg's landmark heights
    heights = {k: v.height_m for k, v in coarse.landmarks.items()}
    fine = fine.with_landmarks(heights)
    st = _stocking(coarse)
    p0 = ss.simulate(coarse, st, method=method).pressure_at("B")
    p1 = ss.simulate(fine, st, method=method).pressure_at("B")
    assert p1 == pytest.approx(p0, rel=0.02)


@pytest.mark.parametrize("method", ["laplace", "membrane"])
def test_real_leg_invariant_to_frame_and_units(legs, method):
    leg = legs["anny_m_athletic"]
    q, _ = np.linalg.qr(np.random.default_rng(7).normal(size=(3, 3)))
    q *= np.sign(np.linalg.det(q))
    moved = ss.Leg.from_arrays(
        (leg.vertices @ q.T + [0.2, 0.5, -0.1]) * 1000, leg.faces, units="mm"
    )
    for name in ("B", "C", "D"):  # the same landmarks
        assert moved.landmarks[name].height_m == pytest.approx(
            leg.landmarks[name].height_m, abs=0.005
        )
    st = _stocking(leg)
    a = ss.simulate(leg, st, method=method)
    b = ss.simulate(moved, st, method=method)
    for name in ("B", "B1", "C"):
        assert b.pressure_at(name) == pytest.approx(a.pressure_at(name), rel=0.02)


def _cut_below(leg, height_m, name):
    keep = leg.heights_m < height_m
    faces = leg.faces[np.all(keep[leg.faces], axis=1)]
    return ss.Leg.from_arrays(leg.vertices, faces, units="m", name=name)


def test_style_beyond_the_leg_covers_the_mesh_and_says_where_it_ends(legs):
    leg = legs["anny_f_avg"]
    cut = _cut_below(leg, leg.landmarks["E"].height_m + 0.02, "cut above the knee")
    assert "G" not in cut.landmarks
    st = ss.Stocking(ss.Fabric.linear(250.0), 0.2, style="AG")
    with pytest.warns(errors.StyleWarning, match=r"landmark G.*now ends at the top of the mesh"):
        res = ss.simulate(cut, st, method="laplace")
    bottom, top = res.covered_range_m
    assert res.info["style_complete"] is False
    # covered up to the highest closed section (5 mm grid) below the ragged cut
    assert cut.landmarks["D"].height_m < top < cut.length_m
    below, above = cut.sections([top, top + 0.005])
    assert below.closed and not above.closed
    assert np.all(res.covered == ((cut.heights_m >= bottom) & (cut.heights_m <= top)))
    assert np.all(res.pressure_mmhg[cut.heights_m > top + 1e-9] == 0)


@pytest.mark.parametrize("method", ["laplace", "membrane"])
def test_knee_high_on_a_scan_ending_below_the_knee(legs, method):
    # the most common scan: it stops a few cm below the knee, so D is not reached
    leg = legs["anny_f_avg"]
    cut = _cut_below(leg, leg.landmarks["D"].height_m - 0.03, "below the knee")
    assert set(cut.landmarks) == {"B", "B1", "C"}
    fabric = ss.fabric_library()["circular class II"]
    with pytest.warns(errors.StyleWarning, match="landmark D"):
        stocking, spec = ss.design_stocking(cut, fabric, target="RAL-GZ 387:II")
        res = ss.simulate(cut, stocking, method=method)
    assert res.covered_range_m[1] > cut.landmarks["C"].height_m
    assert res.classify("RAL-GZ 387") == "II"
    check = ss.check_gradient(res, "RAL-GZ 387")
    assert list(check.index) == ["B", "B1", "C"]  # only the covered points are judged
    full = ss.simulate(
        leg, ss.design_stocking(leg, fabric, target="RAL-GZ 387:II")[0], method=method
    )
    # the pressure at B is set by B's section alone (laplace) or nearly (membrane, 2 %)
    assert res.pressure_at("B") == pytest.approx(full.pressure_at("B"), rel=0.02)


def test_tapered_tube_with_only_a_calf_maximum_is_covered_to_its_top():
    import _surfaces as S

    v, f = S.tube(lambda t: np.ones_like(t), length=0.45, n_theta=64, n_z=91)
    z = v[:, 2]
    v = v.copy()
    v[:, :2] *= (0.04 + 0.015 * np.exp(-(((z - 0.25) / 0.12) ** 2)))[:, None]
    tube = ss.Leg.from_arrays(v, f, units="m", name="tapered")
    assert set(tube.landmarks) == {"C"}
    assert tube.landmarks["C"].height_m == pytest.approx(0.25, abs=0.01)
    with pytest.warns(errors.StyleWarning, match="landmark D"):
        res = ss.simulate(tube, ss.Stocking(ss.Fabric.linear(250.0), 0.25), method="laplace")
    assert res.covered_range_m == (0.0, pytest.approx(0.445, abs=0.006))
    assert res.profile.loc["C", "pressure_mmhg"] > 0
    with pytest.raises(errors.LandmarkError, match="B"):  # no ankle: no class
        res.classify()


def test_pressure_at_unknown_landmark(legs):
    leg = legs["anny_f_avg"]
    res = ss.simulate(leg, _stocking(leg), method="laplace")
    with pytest.raises(errors.LandmarkError, match="Z"):
        res.pressure_at("Z")


def test_classify_delegates_to_standards(legs):
    leg = legs["anny_f_avg"]
    res = ss.simulate(leg, _stocking(leg), method="laplace")
    assert res.classify("RAL-GZ 387") == ss.classify(res.pressure_at("B"), standard="RAL-GZ 387")


def test_soft_tissue_lowers_peaks_and_pressure(legs):
    # a soft leg gives under the fabric: it sinks (p / k, ~9 mm at 0.2 kPa/mm), the girth and
    # so the fabric strain fall, and the bony peaks spread out
    leg = legs["anny_f_avg"]
    st = _stocking(leg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ConvergenceWarning)
        rigid = ss.simulate(leg, st, method="contact", **CONTACT)
        soft = ss.simulate(leg, st, method="contact", tissue=ss.Tissue(0.2), **CONTACT)
    assert soft.profile.loc["B", "pressure_max_mmhg"] < rigid.profile.loc["B", "pressure_max_mmhg"]
    assert soft.pressure_at("C") < rigid.pressure_at("C")
    assert soft.info["max_sink_m"] > 100 * rigid.info["max_sink_m"]


@pytest.mark.parametrize("name", ["anny_f_avg", "anny_m_elder"])
def test_tights_cover_the_whole_leg_up_to_g(legs, name):
    # a uniform 40 % strain gives Laplace p = 2 pi T / C at every landmark, G included, and the
    # open top cut of the mesh stays outside the simulated part
    leg = legs[name]
    res = ss.simulate(leg, _stocking(leg, style="AT"), method="laplace")
    tension = 250.0 * STRAIN_AT_LANDMARKS
    for lm, mark in leg.landmarks.items():
        expected = 2 * np.pi * tension / mark.circumference_m / 133.322
        assert res.profile.loc[lm, "pressure_mmhg"] == pytest.approx(expected, rel=0.01), lm
    assert res.covered.any() and not res.covered[leg.heights_m > leg.length_m - 0.01].any()
