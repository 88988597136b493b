"""Posed legs keep the standing sections: a bent cylinder against its exact geometry."""

import math
import pickle
import warnings

import numpy as np
import pytest
from _surfaces import make_leg, thigh_cylinder

import stockingsim as ss
from stockingsim import errors
from stockingsim.leg._deform import KNEE_AXIS_OFFSET, KNEE_BLEND_M
from stockingsim.leg._posed import fold_pressure

R = 0.05
MARKS = {"B": 0.10, "B1": 0.18, "C": 0.30, "D": 0.38, "E": 0.45, "F": 0.60, "G": 0.70}


@pytest.fixture(scope="module")
def cyl():
    v, f = thigh_cylinder(R, straight_to=0.76, length=0.9, n_z=301)
    return make_leg(v, f, name="cylinder").with_landmarks(MARKS)


@pytest.fixture(scope="module")
def bent(cyl):
    return cyl.posed(knee_flexion_deg=90.0)


def _rot(p, centre, axis, angle):
    d = p - centre
    c, s = math.cos(angle), math.sin(angle)
    return centre + d * c + np.cross(axis, d) * s + axis * (d @ axis) * (1 - c)


def test_bent_cylinder_keeps_sections_heights_and_landmarks(cyl, bent):
    np.testing.assert_array_equal(bent.heights_m, cyl.section_heights_m)
    assert {k: v.height_m for k, v in bent.landmarks.items()} == MARKS
    hk = MARKS["E"]
    away = np.r_[np.linspace(0.05, hk - 0.06, 9), np.linspace(hk + 0.06, 0.74, 9)]
    g0 = cyl.girth_profile(heights_m=away)["circumference_m"].to_numpy()
    g1 = bent.girth_profile(heights_m=away)["circumference_m"].to_numpy()
    # away from the bend every section is the standing one, carried rigidly
    np.testing.assert_allclose(g1, g0, rtol=1e-9)
    # the thigh sections sit where the exact rotation about the knee axis puts them
    axis = -cyl.frame.lateral
    r_knee = cyl.landmarks["E"].circumference_m / (2 * math.pi)  # the polygon's, not R
    centre = cyl.centreline_at([hk])[0] - KNEE_AXIS_OFFSET * r_knee * cyl.frame.anterior
    for h in (0.55, 0.65, 0.72):
        sec = bent.sections([h])[0]
        want = _rot(cyl.centreline_at([h])[0], centre, axis, math.pi / 2)
        np.testing.assert_allclose(sec.origin, want, atol=1e-9)
        assert float(sec.normal @ cyl.frame.axis) == pytest.approx(0.0, abs=1e-9)
    # arc length along the straight thigh equals the difference of the heights
    c = bent.centreline_at([0.55, 0.72])
    assert np.linalg.norm(c[1] - c[0]) == pytest.approx(0.17, abs=1e-9)


def test_bent_cylinder_girth_across_the_knee(cyl, bent):
    from stockingsim.leg._deform import KNEE_GIRTH_GAIN_AT_90

    hk = MARKS["E"]
    h = np.linspace(hk - 0.5 * KNEE_BLEND_M, hk + 0.5 * KNEE_BLEND_M, 21)
    g0 = cyl.girth_profile(heights_m=h)["circumference_m"].to_numpy()
    g1 = bent.girth_profile(heights_m=h)["circumference_m"].to_numpy()
    bump = np.sin(np.pi * (h - hk + 0.5 * KNEE_BLEND_M) / KNEE_BLEND_M) ** 2
    # the planes of the bend cut only their own skin: the girth is the standing one times
    # the knee's assumed growth (exact for a circle scaled about its centre)
    np.testing.assert_allclose(g1 / g0, 1 + KNEE_GIRTH_GAIN_AT_90 * bump, rtol=2e-3)
    assert bent.landmarks["E"].circumference_m == pytest.approx(
        (1 + KNEE_GIRTH_GAIN_AT_90) * cyl.landmarks["E"].circumference_m, rel=2e-3
    )


def test_meridians_turn_by_the_knee_angle(cyl, bent):
    # along every meridian the skin's axis turns by the flexion: +90 degrees over the front
    # (convex) and -90 degrees over the back (concave), whatever the skinning
    _, theta, r = cyl.cylindrical
    dk = bent.curvature.axial - cyl.curvature.axial
    band = np.abs(bent.heights_m - MARKS["E"]) < 0.5 * KNEE_BLEND_M + 0.01
    width = 0.3  # radians round the leg
    for centre, sign in ((0.0, 1.0), (math.pi, -1.0)):
        sel = band & (np.abs(np.angle(np.exp(1j * (theta - centre)))) < 0.5 * width)
        area = bent.vertex_areas[sel]
        turn = np.sum(dk[sel] * area) / (R * width)
        assert turn == pytest.approx(sign * math.pi / 2, rel=0.08)


def test_fold_bridges_the_back_of_the_knee_and_loads_its_edges(cyl, bent):
    p = np.full(bent.n_vertices, 2000.0)  # a uniform hoop pressure, Pa
    # a wale tension for which the back of the bend (dk down to about -22 /m here) is more
    # concave than the fabric can follow, but not the ends of the blend in front (-10 /m,
    # where the sections start to fan about the knee axis): 2000 Pa / 150 N/m = 13 /m
    tw = 150.0
    out, bridged = fold_pressure(bent, p, tw)
    assert bridged.any()
    _, theta, _ = cyl.cylindrical
    assert np.all(np.cos(theta[bridged]) < -0.3)  # behind the knee only
    assert np.all(out[bridged] == 0.0)
    hk = MARKS["E"]
    moved = np.abs(bent.heights_m - hk) <= 0.5 * KNEE_BLEND_M
    np.testing.assert_array_equal(out[~moved & ~bridged] >= p[~moved & ~bridged], True)
    far = np.abs(bent.heights_m - hk) > 0.5 * KNEE_BLEND_M + 0.01
    np.testing.assert_array_equal(out[far], p[far])  # nothing changes off the bend
    # the front of the bend is pressed harder (convex), the fold's sides take the ring's load
    front = moved & (np.cos(theta) > 0.95)
    assert out[front].mean() > 1.2 * 2000.0
    side = moved & ~bridged & (np.cos(theta) < -0.3)
    assert out[side].max() > 2000.0
    # the ring's total moved from the bridged arc to its edges: nothing created or lost
    a = cyl.vertex_areas
    out_no_lift, _ = fold_pressure(bent, p, tw * 1e-9)  # same leg, no lift-off
    hoop_lost = np.sum(p[bridged] * a[bridged])
    edge_gain = np.sum((out - np.maximum(p + tw * (bent.curvature.axial - cyl.curvature.axial)
                                         , 0.0))[~bridged & moved] * a[~bridged & moved])  # fmt: skip
    assert edge_gain == pytest.approx(hoop_lost, rel=1e-9)
    np.testing.assert_allclose(out_no_lift, p, rtol=1e-6)


def test_posed_leg_round_trips_and_deforms_through_the_standing_leg(cyl, bent):
    back = pickle.loads(pickle.dumps(bent))
    np.testing.assert_array_equal(back.vertices, bent.vertices)
    assert back.landmarks["G"].height_m == MARKS["G"] and back.bend_deg > 85
    moved = bent.with_landmarks({"C": 0.31})
    assert moved.landmarks["C"].height_m == 0.31 and moved.standing is cyl
    a = bent.with_girth_change({"C": 1.0})
    b = cyl.with_girth_change({"C": 1.0}).posed(90.0)
    np.testing.assert_allclose(a.vertices, b.vertices, atol=1e-12)
    assert bent.posed(0.0) is cyl
    with pytest.raises(errors.MotionError, match="radians"):
        bent.posed(knee_flexion_deg=300)


def test_sitting_keeps_the_ankle_and_the_thigh(leg_f_avg):
    leg = leg_f_avg
    fabric = ss.fabric_library()["circular class II"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for style, marks in (("AD", ("B", "B1", "C", "D")), ("AG", ("B", "C", "F", "G"))):
            st, _ = ss.design_stocking(leg, fabric, "RAL-GZ 387:II", method="laplace", style=style)
            r = ss.simulate_motion(leg, st, ss.Motion.sitting(), method="laplace")
            p = r.pressure_over_time()
            for lm in marks:  # the ankle does not change when the knee bends
                assert p[lm].iloc[-1] == pytest.approx(p[lm].iloc[0], rel=0.02), (style, lm)
            assert set(r.legs[-1].landmarks) == set(leg.landmarks)
            assert np.all(np.isfinite(r.pressure_mmhg))


def test_wale_stretch_of_a_bent_cylinder_is_exact(cyl, bent):
    from stockingsim.leg._posed import wale_stretch

    # the fabric slides over the blend: each meridian strip takes the mean stretch there,
    # 1 + angle * lever / width, the lever being the distance behind which the knee axis lies
    lam = wale_stretch(bent)
    _, theta, _ = cyl.cylindrical
    r_knee = cyl.landmarks["E"].circumference_m / (2 * math.pi)
    band = np.abs(bent.heights_m - MARKS["E"]) <= 0.5 * KNEE_BLEND_M
    for centre in (0.0, math.pi / 2, math.pi):
        sel = band & (np.abs(np.angle(np.exp(1j * (theta - centre)))) < 0.02)
        lever = R * math.cos(centre) + KNEE_AXIS_OFFSET * r_knee
        want = 1 + (math.pi / 2) * lever / KNEE_BLEND_M
        assert lam[sel].mean() == pytest.approx(want, rel=0.02), centre
    np.testing.assert_array_equal(lam[~band], 1.0)
    assert np.all(wale_stretch(cyl) == 1.0)


def test_sitting_presses_the_front_of_the_knee_by_the_wale_tension(cyl):
    from stockingsim.leg._posed import wale_stretch

    fabric = ss.Fabric.linear(300.0)
    st = ss.Stocking(fabric, relaxed_circumference_m=0.26, style="AG", axial_prestrain=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ss.simulate_motion(cyl, st, ss.Motion.sitting(), method="laplace")
        bent = r.legs[-1]
        on_bent = ss.simulate(bent, st, method="laplace")
    # the hoop law alone on the bent leg's sections: the Laplace solver before the fold
    from stockingsim.solvers import _laplace
    from stockingsim.solvers._setup import prepare

    setup = prepare(bent, st, step_m=0.005)  # the default of simulate
    hoop_pa, _, _ = _laplace.solve(bent, setup)
    solver = np.where(setup.covers(bent.heights_m), hoop_pa, 0.0) / (101325 / 760)
    dk = bent.curvature.axial - cyl.curvature.axial
    stretch = wale_stretch(bent)
    eps = 1.05 * stretch - 1.0
    tw = np.where(eps > 0, fabric.tension(np.maximum(eps, 0.0), "wale", "unloading"), 0.0)
    # the hoop law times the courses per length of skin (1 / stretch), plus the wale term
    want = np.maximum(solver / stretch + tw * dk / (101325 / 760), 0.0)
    _, theta, _ = cyl.cylindrical
    band = np.abs(bent.heights_m - MARKS["E"]) <= 0.5 * KNEE_BLEND_M
    front = band & (np.cos(theta) > 0.9) & (np.abs(bent.heights_m - MARKS["E"]) < 0.03)
    # the membrane's wale term over the convex front of the bend, on top of the hoop law
    np.testing.assert_allclose(r.static_pressure_mmhg[-1][front], want[front], rtol=1e-9)
    # simulate() on the posed leg gives the same fold as simulate_motion, on every vertex
    np.testing.assert_allclose(on_bent.pressure_mmhg, r.static_pressure_mmhg[-1], rtol=1e-12)
    assert on_bent.info["fold_bridged_vertices"] == 0  # convex cylinder: nothing to bridge
    assert r.static_pressure_mmhg[-1][front].min() > 1.5 * solver[front].max()
    # off the bend nothing changes; standing (frame 0) is the solver's pressure
    np.testing.assert_allclose(r.static_pressure_mmhg[-1][~band], solver[~band], rtol=1e-12)
    standing = ss.simulate(cyl, st, method="laplace").pressure_mmhg
    np.testing.assert_allclose(r.static_pressure_mmhg[0], standing, rtol=1e-12)


@pytest.mark.parametrize("method", ["laplace", "membrane", "bridging"])
def test_simulate_on_a_posed_leg_bridges_the_fold_in_every_method(cyl, bent, method):
    # a stiff wale pre-stretched along the leg stays taut inside the bend (wale strain
    # 1.3 x 0.83 - 1 > 0 behind the knee): it cannot follow the concave fold and bridges it
    fabric = ss.Fabric.linear(300.0, wale_stiffness_n_per_m=3000.0)
    st = ss.Stocking(fabric, relaxed_circumference_m=0.26, style="AG", axial_prestrain=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        standing = ss.simulate(cyl, st, method=method)
        sitting = ss.simulate(bent, st, method=method)
    n = sitting.info["fold_bridged_vertices"]
    assert n > 0 and "fold_bridged_vertices" not in standing.info
    _, theta, _ = cyl.cylindrical
    hk = MARKS["E"]
    behind = (np.abs(bent.heights_m - hk) < 0.01) & (np.cos(theta) < -0.99)
    assert np.all(standing.pressure_mmhg[behind] > 1.0)  # pressed standing ...
    assert np.all(sitting.pressure_mmhg[behind] == 0.0)  # ... bridged sitting
    far = np.abs(bent.heights_m - hk) > 0.5 * KNEE_BLEND_M + 0.01
    if method != "bridging":
        np.testing.assert_allclose(
            sitting.pressure_mmhg[far], standing.pressure_mmhg[far], atol=1e-6
        )
        return
    # bridging puts a line load on every hull corner and spreads it over 10 mm of skin: the
    # rotated thigh's sections are cut through other points of the same cylinder, and which of
    # the nearly collinear cut points qhull keeps as corners follows the rounding (0.4 % per
    # vertex between two BLAS kernels); each section's load, 2 pi T over its perimeter, stays
    np.testing.assert_allclose(sitting.pressure_mmhg[far], standing.pressure_mmhg[far], rtol=0.01)
    on, off = sitting.sections, standing.sections
    np.testing.assert_allclose(on.height_m, off.height_m, rtol=1e-12)
    far_sec = np.abs(on.height_m - hk) > 0.5 * KNEE_BLEND_M + 0.01
    assert far_sec.sum() > 50
    np.testing.assert_allclose(on.pressure_mmhg[far_sec], off.pressure_mmhg[far_sec], rtol=1e-6)


def test_the_landmark_table_of_a_posed_leg_has_the_fold(cyl):
    # the profile (and check_gradient, and the motion's table) read the section values; on a
    # posed leg those are the section's pressure with the fabric over the bend: on a cylinder
    # Laplace's pressure is uniform round each section, so the section's mean over the bend is
    # the area-weighted mean of the hoop law plus the wale term over the vertices of that
    # section, and its min and max are theirs
    from stockingsim.leg._posed import wale_stretch
    from stockingsim.solvers import _laplace
    from stockingsim.solvers._setup import prepare

    fabric = ss.Fabric.linear(300.0)
    st = ss.Stocking(fabric, relaxed_circumference_m=0.26, style="AG", axial_prestrain=0.05)
    bent = cyl.posed(90.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        standing = ss.simulate(cyl, st, method="laplace")
        sitting = ss.simulate(bent, st, method="laplace")
    setup = prepare(bent, st, step_m=0.005)
    hoop_pa, _, _ = _laplace.solve(bent, setup)
    dk = bent.curvature.axial - cyl.curvature.axial
    stretch = wale_stretch(bent)
    eps = 1.05 * stretch - 1.0
    tw = np.where(eps > 0, fabric.tension(np.maximum(eps, 0.0), "wale", "unloading"), 0.0)
    want = np.maximum(hoop_pa / stretch + tw * dk, 0.0) / (101325 / 760)
    hs = np.unique(setup.heights_m)  # E is on a grid height here: two sections there
    h = bent.section_heights_m
    i = np.abs(hs - setup.heights_m[setup.landmark_index["E"]]).argmin()
    nearest = np.abs(h[:, None] - hs[None, :]).argmin(axis=1)
    band = (nearest == i) & setup.covers(h)
    assert band.sum() > 100
    area = cyl.vertex_areas
    row = sitting.profile.loc["E"]
    assert row["pressure_mmhg"] == pytest.approx(
        np.sum(area[band] * want[band]) / np.sum(area[band]), rel=1e-9
    )
    assert row["pressure_max_mmhg"] == pytest.approx(want[band].max(), rel=1e-9)
    assert row["pressure_min_mmhg"] == pytest.approx(want[band].min(), rel=1e-9)
    # the wale tension is higher over the outside of the bend, so the section presses more
    assert row["pressure_mmhg"] > 1.05 * standing.profile.loc["E", "pressure_mmhg"]
    for lm in ("B", "C", "G"):  # off the bend the table is the standing one
        np.testing.assert_allclose(
            sitting.profile.loc[lm].to_numpy(float),
            standing.profile.loc[lm].to_numpy(float),
            rtol=1e-12,
            err_msg=lm,
        )


def test_check_gradient_reports_the_knee_of_a_seated_thigh_high(leg_f_avg):
    # a thigh-high designed to class II has a graduated profile standing; seated (knee 90
    # degrees) the fabric over the bent knee presses the front of the knee by its wale
    # tension and lifts behind it, and the landmark table and check_gradient show it at E
    fabric = ss.fabric_library()["circular class II"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        st, _ = ss.design_stocking(leg_f_avg, fabric, "RAL-GZ 387:II", style="AG")
        standing = ss.simulate(leg_f_avg, st, method="laplace")
        seated = ss.simulate(leg_f_avg.posed(knee_flexion_deg=90.0), st, method="laplace")
        motion = ss.simulate_motion(leg_f_avg, st, ss.Motion.sitting(), method="laplace")
    assert bool(ss.check_gradient(standing)["passed"].all())
    check = ss.check_gradient(seated)
    assert not bool(check.loc["E", "passed"])
    assert seated.pressure_at("E") > seated.pressure_at("D")  # reversed across the knee
    assert (
        seated.profile.loc["E", "pressure_max_mmhg"]
        > standing.profile.loc["E", "pressure_max_mmhg"]
    )
    # the motion's table is the same per frame. E first dips a little (22 degrees: the
    # fabric stretched over the front of the knee has fewer courses per length of skin while
    # its wale tension is still low), then rises with the wale tension to above standing
    static = motion.profile["static_pressure_mmhg"].unstack("landmark")["E"].to_numpy()
    assert static[1] < static[0] < static[-1]
    assert np.all(np.diff(static[1:]) > 0)
    assert static[-1] == pytest.approx(seated.pressure_at("E"), rel=1e-9)
    assert np.all(np.diff(motion.pressure_over_time("E").to_numpy()) > 0)  # on its branch
