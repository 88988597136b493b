"""A default motion by name ("walking", as the CLI's ``--motion`` takes it) is that Motion."""

from __future__ import annotations

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.motion import MOTION_NAMES, as_motion

LEG = ss.parametric_leg({"cB": 22, "cB1": 26, "cC": 36, "cD": 33}, n_theta=48, step_m=0.01)
STOCKING = ss.Stocking(ss.fabric_library()["circular class II"], {"B": 0.17, "C": 0.28})


@pytest.mark.parametrize("name", MOTION_NAMES)
def test_each_default_motion_by_name_is_its_constructors(name):
    built = getattr(ss.Motion, name.replace("-", "_"))()
    for spelling in (name, name.replace("-", "_").upper(), " " + name.replace("-", " ") + " "):
        got = as_motion(spelling, "here")
        assert got.name == built.name and got.frames == built.frames
    by_name = ss.simulate_motion(LEG, STOCKING, name, method="laplace")
    direct = ss.simulate_motion(LEG, STOCKING, built, method="laplace")
    np.testing.assert_array_equal(by_name.pressure_mmhg, direct.pressure_mmhg)
    assert by_name.motion.name == built.name


def test_an_uncalled_default_constructor_is_its_default_motion_and_others_say_call_it():
    got = ss.simulate_motion(LEG, STOCKING, ss.Motion.walking, method="laplace")
    want = ss.simulate_motion(LEG, STOCKING, ss.Motion.walking(), method="laplace")
    np.testing.assert_array_equal(got.pressure_mmhg, want.pressure_mmhg)
    with pytest.raises(errors.MotionError, match=r"ss.Motion.swelling builds a motion: call it"):
        ss.simulate_motion(LEG, STOCKING, ss.Motion.swelling)


@pytest.mark.parametrize(
    ("motion", "match"),
    [
        ("running", "unknown motion 'running'; name one of walking, supine-to-standing"),
        ("", "unknown motion ''"),
        (3, "must be a stockingsim.Motion or the name of one .* got int"),
        (None, "got NoneType"),
    ],
)
def test_what_is_not_a_motion_is_refused_with_the_names(motion, match):
    with pytest.raises(errors.MotionError, match=match):
        ss.simulate_motion(LEG, STOCKING, motion)
