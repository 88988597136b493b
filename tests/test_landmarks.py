"""Landmarks detected on the four shared legs are anatomically plausible; overrides work."""

import numpy as np
import pytest

from stockingsim import errors
from stockingsim.leg import LANDMARK_NAMES


def test_all_landmarks_found_and_ordered(any_shared_leg):
    lm = any_shared_leg.landmarks
    assert tuple(lm) == LANDMARK_NAMES  # the shared legs reach from the sole to the thigh
    heights = [lm[k].height_m for k in LANDMARK_NAMES]
    assert np.all(np.diff(heights) > 0)


def test_landmark_girths_are_plausible(any_shared_leg):
    lm = any_shared_leg.landmarks
    # adult ankle girth above the malleoli: 18-28 cm (RAL size tables)
    assert 0.18 <= lm["B"].circumference_m <= 0.28
    assert lm["C"].circumference_m > lm["B"].circumference_m
    assert lm["C"].circumference_m > lm["B1"].circumference_m > lm["B"].circumference_m
    assert lm["G"].circumference_m > lm["C"].circumference_m
    # B is the minimum of the hull girth above the foot and below the knee
    prof = any_shared_leg.girth_profile(0.005)
    sel = (prof.height_m > lm["B"].height_m - 0.05) & (prof.height_m < lm["D"].height_m)
    assert lm["B"].circumference_m <= prof.circumference_m[sel].min() + 1e-6
    # C is the calf maximum between B and D
    sel = (prof.height_m > lm["B"].height_m) & (prof.height_m < lm["D"].height_m)
    assert lm["C"].circumference_m >= prof.circumference_m[sel].max() - 1e-6
    # heights where adult ankles, calves and knees are (from the sole, metres)
    assert 0.07 < lm["B"].height_m < 0.18
    assert 0.25 < lm["C"].height_m < 0.45
    assert 0.35 < lm["E"].height_m < 0.60


def test_hull_girth_never_exceeds_skin_girth(any_shared_leg):
    for lm in any_shared_leg.landmarks.values():
        assert lm.circumference_m <= lm.skin_circumference_m * (1 + 1e-9)
        assert lm.detected


def test_override_by_height(leg_f_avg):
    lm = leg_f_avg.landmarks
    moved = leg_f_avg.with_landmarks({"B": lm["B"].height_m + 0.02})
    assert moved.landmarks["B"].detected is False
    assert moved.landmarks["B"].height_m == pytest.approx(lm["B"].height_m + 0.02)
    # the section there is thicker than at the detected minimum
    assert moved.landmarks["B"].circumference_m > lm["B"].circumference_m
    # B1 follows the moved B (one third of the way to C)
    b, c = moved.landmarks["B"].height_m, moved.landmarks["C"].height_m
    assert moved.landmarks["B1"].height_m == pytest.approx(b + (c - b) / 3)
    # the original leg is unchanged
    assert leg_f_avg.landmarks["B"].detected


def test_overrides_keep_the_order(leg_f_avg):
    # a C below the detected B: B is no longer reported rather than put above C
    leg = leg_f_avg.with_landmarks({"C": 0.12})
    heights = [lm.height_m for lm in leg.landmarks.values()]
    assert np.all(np.diff(heights) > 0)
    assert "B" not in leg.landmarks and leg.landmarks["C"].height_m == 0.12


@pytest.mark.parametrize(
    "bad", [{"Q": 0.1}, {"B": -0.1}, {"B": 5.0}, {"B": "low"}, {"B": 0.3, "C": 0.2}, 0.1]
)
def test_bad_overrides_raise(leg_f_avg, bad):
    with pytest.raises(errors.LandmarkError):
        leg_f_avg.with_landmarks(bad)


def _cut(leg, lo, hi):
    import stockingsim as ss

    keep = np.all((leg.heights_m[leg.faces] > lo) & (leg.heights_m[leg.faces] < hi), axis=1)
    sub = leg.to_trimesh().submesh([np.flatnonzero(keep)], append=True)
    return ss.Leg.from_arrays(sub.vertices, sub.faces)


def test_only_landmarks_the_mesh_reaches(leg_f_avg):
    ref = leg_f_avg.landmarks
    # a knee-high scan with the foot: no thigh landmarks
    knee_high = _cut(leg_f_avg, -1.0, 0.45)
    assert set(knee_high.landmarks) == {"B", "B1", "C"}
    assert knee_high.landmarks["C"].circumference_m == pytest.approx(
        ref["C"].circumference_m, rel=0.01
    )
    # a scan starting at mid-calf (no foot, no ankle): no B, B1
    upper = _cut(leg_f_avg, 0.2, 1.0)
    assert "B" not in upper.landmarks and "B1" not in upper.landmarks
    for name in ("C", "D", "E", "F", "G"):
        assert upper.landmarks[name].circumference_m == pytest.approx(
            ref[name].circumference_m, rel=0.01
        )
        # heights are measured from the new lowest point, 20 cm higher
        assert upper.landmarks[name].height_m == pytest.approx(ref[name].height_m - 0.2, abs=0.01)
