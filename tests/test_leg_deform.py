"""Deformed legs: girth change, swelling and pose, against analytic cylinders and the shared legs."""

import math

import numpy as np
import pytest
from _surfaces import make_leg, thigh_cylinder
from scipy.spatial import cKDTree

from stockingsim import errors
from stockingsim.leg._deform import enclosed_volume_m3

R = 0.05
MARKS = {"B": 0.10, "B1": 0.18, "C": 0.30, "D": 0.42}


@pytest.fixture(scope="module")
def cyl():
    # an exact cylinder of radius R up to 0.46 m that widens smoothly above (a "thigh", so the
    # leg axis points the way of the wider end, as on a leg)
    v, f = thigh_cylinder(R, n_z=241)
    return make_leg(v, f, name="cylinder").with_landmarks(MARKS)


def _girth(leg, h):
    return float(leg.girth_profile(heights_m=[h])["circumference_m"].iloc[0])


def test_cylinder_girth_change_is_exact_at_landmarks_and_zero_outside(cyl):
    new = cyl.with_girth_change({"B1": 1.0, "C": 1.05}, unit="cm")
    assert np.array_equal(new.faces, cyl.faces)
    assert new.vertices.shape == cyl.vertices.shape
    for name, d in (("B1", 0.010), ("C", 0.0105)):
        h = MARKS[name]
        assert _girth(new, h) - _girth(cyl, h) == pytest.approx(d, rel=0.02)
    # zero beyond the next landmarks (B below, D above), and the axis does not move
    for h in (0.05, MARKS["B"], MARKS["D"], 0.5):
        assert _girth(new, h) == pytest.approx(_girth(cyl, h), abs=1e-6)
    np.testing.assert_allclose(new.vertices[:, 2], cyl.vertices[:, 2], atol=1e-12)
    # smooth (PCHIP) in between: monotone from B to B1 and from C to D, no overshoot
    h = np.linspace(MARKS["B"], MARKS["D"], 60)
    dg = (
        new.girth_profile(heights_m=h)["circumference_m"]
        - cyl.girth_profile(heights_m=h)["circumference_m"]
    )
    assert dg.max() <= 0.0105 * 1.01 and dg.min() >= -1e-6
    assert {k: v.height_m for k, v in new.landmarks.items() if k in MARKS} == MARKS


def test_mm_and_m_units_agree(cyl):
    a = cyl.with_girth_change({"C": 10.0}, unit="mm")
    b = cyl.with_girth_change({"C": 0.01}, unit="m")
    np.testing.assert_allclose(a.vertices, b.vertices, atol=1e-12)
    cm = cyl.with_girth_change({"C": 2.54}, unit="cm")
    for spelling in ("in", "inch", "Inches"):  # 25.4 mm exactly, as everywhere a length is
        inch = cyl.with_girth_change({"C": 1.0}, unit=spelling)
        np.testing.assert_allclose(inch.vertices, cm.vertices, atol=1e-12)


@pytest.mark.parametrize("distribution", ["distal", "uniform"])
def test_swollen_cylinder_volume_is_exact(cyl, distribution):
    v0 = enclosed_volume_m3(cyl)
    polygon = 192 / (2 * math.pi) * math.sin(2 * math.pi / 192)  # area of the 192-gon / circle
    assert v0 == pytest.approx(math.pi * R**2 * (MARKS["D"] - MARKS["B"]) * polygon, rel=1e-4)
    new = cyl.swollen(volume_ml=80.0, distribution=distribution)
    assert (enclosed_volume_m3(new) - v0) * 1e6 == pytest.approx(80.0, rel=0.03)
    if distribution == "uniform":  # the same relative growth: r' = r sqrt(1 + dV / V0)
        expected = _girth(cyl, MARKS["C"]) * math.sqrt(1 + 80e-6 / v0)
        assert _girth(new, MARKS["C"]) == pytest.approx(expected, rel=1e-3)
    else:  # mostly distal: the ankle and lower calf grow more than the upper calf
        g = {k: _girth(new, h) - _girth(cyl, h) for k, h in MARKS.items()}
        assert g["B1"] > g["C"] > g["D"] >= -1e-9
        assert g["D"] == pytest.approx(0.0, abs=1e-6)


def test_shared_legs_girth_change_and_swelling(any_shared_leg):
    leg = any_shared_leg
    new = leg.with_girth_change({"B1": 1.0, "C": 1.05}, unit="cm")
    for name, d in (("B1", 1.0), ("C", 1.05)):
        got = 100 * (new.landmarks[name].circumference_m - leg.landmarks[name].circumference_m)
        assert got == pytest.approx(d, rel=0.02), name
    sw = leg.swollen(volume_ml=60.0)
    assert (enclosed_volume_m3(sw) - enclosed_volume_m3(leg)) * 1e6 == pytest.approx(60, rel=0.03)


def test_posed_knee_90_has_no_fold_or_self_contact(leg_f_avg):
    leg = leg_f_avg
    new = leg.posed(knee_flexion_deg=90.0)
    assert np.array_equal(new.faces, leg.faces) and new.vertices.shape == leg.vertices.shape
    h = leg.section_heights_m
    e = leg.landmarks["E"].height_m
    # the lower leg does not move; the thigh moves as a rigid body
    low = h < e - 0.06
    np.testing.assert_allclose(new.vertices[low], leg.vertices[low], atol=1e-12)
    high = np.nonzero(h > e + 0.06)[0][:: max(1, (h > e + 0.06).sum() // 300)]
    d_old = np.linalg.norm(leg.vertices[high][:, None] - leg.vertices[high][None], axis=-1)
    d_new = np.linalg.norm(new.vertices[high][:, None] - new.vertices[high][None], axis=-1)
    np.testing.assert_allclose(d_new, d_old, atol=1e-9)
    # the thigh axis turned by 90 degrees
    up = leg.frame.axis
    top = h > e + 0.1
    t_dir = new.vertices[top].mean(0) - new.vertices[(h > e + 0.06) & (h < e + 0.08)].mean(0)
    assert math.degrees(math.acos(np.dot(t_dir / np.linalg.norm(t_dir), up))) > 75

    # no triangle folds over: every face keeps its orientation relative to its neighbours
    def normals(v):
        f = leg.faces
        n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
        return n / np.linalg.norm(n, axis=1)[:, None]

    n_old, n_new = normals(leg.vertices), normals(new.vertices)
    from stockingsim.leg._deform import joint_angles

    joints, axis = joint_angles(leg, 90.0)
    angle = joints[0][1]
    a = angle[leg.faces].mean(axis=1)
    k = axis[None]
    rot = n_old * np.cos(a)[:, None] + np.cross(k, n_old) * np.sin(a)[:, None]
    rot += k * (n_old @ axis)[:, None] * (1 - np.cos(a))[:, None]
    assert np.einsum("ij,ij->i", rot, n_new).min() > 0.5
    # no self-contact: skin points far apart along the leg stay more than 5 mm apart
    pairs = np.array(sorted(cKDTree(new.vertices).query_pairs(0.005)))
    if len(pairs):
        assert np.abs(h[pairs[:, 0]] - h[pairs[:, 1]]).max() < 0.03
    # landmarks below the knee stay on the same skin
    for name in ("B", "B1", "C", "D"):
        assert new.landmarks[name].height_m == pytest.approx(leg.landmarks[name].height_m, abs=2e-3)


def test_posed_ankle_and_small_knee_angle_keep_every_landmark(leg_f_avg):
    new = leg_f_avg.posed(knee_flexion_deg=30.0, ankle_dorsiflexion_deg=15.0)
    assert set(new.landmarks) == set(leg_f_avg.landmarks)
    assert new.landmarks["C"].circumference_m == pytest.approx(
        leg_f_avg.landmarks["C"].circumference_m, rel=0.01
    )
    same = leg_f_avg.posed(0.0, 0.0)
    np.testing.assert_array_equal(same.vertices, leg_f_avg.vertices)


def test_bad_deformations(cyl, leg_f_avg):
    with pytest.raises(errors.LandmarkError, match="no landmark X"):
        cyl.with_girth_change({"X": 1.0})
    with pytest.raises(errors.MotionError, match="unit must be one of"):
        cyl.with_girth_change({"C": 1.0}, unit="ft")  # feet: no unit of the project
    with pytest.raises(errors.MotionError, match="check the unit"):
        cyl.with_girth_change({"C": 30.0}, unit="cm")
    with pytest.raises(errors.MotionError, match="mapping"):
        cyl.with_girth_change([1.0])
    with pytest.raises(errors.MotionError, match="millilitres"):
        cyl.swollen(volume_ml=1e7)
    with pytest.raises(errors.MotionError, match="distribution"):
        cyl.swollen(volume_ml=10, distribution="proximal")
    with pytest.raises(errors.MotionError, match="radians"):
        leg_f_avg.posed(knee_flexion_deg=200)
    with pytest.raises(errors.MotionError, match="finite"):
        leg_f_avg.posed(knee_flexion_deg=float("nan"))
