"""A surface without a leg's shape has no landmarks (issue 11): landmarks never come from noise.

A prism (any constant section along its length: circle, ellipse, peanut, rounded square) has a
constant girth profile, so every minimum or maximum of it is rounding noise or scan jitter. The
tubes below carry a relative girth jitter of up to 1e-6 per ring; none may get a landmark, and a
stocking then covers the whole tube.
"""

from __future__ import annotations

import _surfaces as S
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stockingsim as ss
from stockingsim.leg._landmarks import detect_landmarks


def _rounded_square(a, n=4.0):
    """r(theta) of the superellipse |x|^n + |y|^n = a^n (a square with rounded corners)."""
    return lambda t: a / (np.abs(np.cos(t)) ** n + np.abs(np.sin(t)) ** n) ** (1 / n)


SECTIONS = {
    "circle": lambda size, shape: lambda t: np.full_like(t, size),
    "ellipse": lambda size, shape: S.ellipse_radius(size, size * (0.5 + 0.5 * shape)),
    "peanut": lambda size, shape: S.peanut_radius(size, 0.2 + 0.2 * shape),
    "rounded square": lambda size, shape: _rounded_square(size, 3.0 + 5.0 * shape),
}


def _jittered_prism(kind, size, shape, jitter, seed, n_theta=48, n_z=41):
    """Tube of constant section whose rings are scaled by 1 + U(-jitter, jitter)."""
    v, f = S.tube(SECTIONS[kind](size, shape), n_theta=n_theta, n_z=n_z)
    scale = 1 + np.random.default_rng(seed).uniform(-jitter, jitter, n_z)
    v = v.copy()
    v[:, :2] *= np.repeat(scale, n_theta)[:, None]
    return S.make_leg(v, f, name=f"{kind} prism")


@given(
    kind=st.sampled_from(sorted(SECTIONS)),
    size=st.floats(0.03, 0.08),
    shape=st.floats(0.0, 1.0),
    jitter=st.sampled_from([0.0, 1e-9, 1e-7, 1e-6]),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=16, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_jittered_prism_has_no_landmarks(kind, size, shape, jitter, seed):
    leg = _jittered_prism(kind, size, shape, jitter, seed)
    assert leg.landmarks == {}
    # without landmarks a stocking of any style covers the whole tube
    stocking = ss.Stocking(ss.Fabric.linear(250.0), 0.1, style="AT")
    assert stocking.coverage_m(leg) == (0.0, pytest.approx(leg.length_m))


@given(
    girth=st.floats(0.05, 0.8),
    jitter=st.floats(0.0, 1e-6),
    seed=st.integers(0, 2**32 - 1),
    has_foot=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_a_flat_girth_profile_gives_no_extremum(girth, jitter, seed, has_foot):
    # the rules on the profile itself: a constant girth with relative jitter <= 1e-6
    h = np.arange(0.005, 0.8, 0.005)
    g = girth * (1 + np.random.default_rng(seed).uniform(-jitter, jitter, len(h)))
    out = detect_landmarks(
        h, g, np.ones(len(h), bool), has_foot=has_foot, length_m=0.8, overrides={}
    )
    assert out == {}


def test_a_leg_shaped_profile_still_gets_its_landmarks():
    # the prominence rule must not hide real features: ankle 22 cm, calf 36 cm, knee dip 33 cm
    h = np.arange(0.005, 0.8, 0.005)
    g = (
        0.22
        + 0.14 * np.exp(-(((h - 0.33) / 0.09) ** 2))
        - 0.01 * np.exp(-(((h - 0.47) / 0.03) ** 2))
        + 0.2 * np.clip(h - 0.5, 0, None)
        + 0.05 * np.clip(0.08 - h, 0, None) / 0.08
    )
    out = detect_landmarks(h, g, np.ones(len(h), bool), has_foot=False, length_m=0.8, overrides={})
    assert {"B", "C", "D"} <= set(out)
    assert out["C"] == pytest.approx(0.33, abs=0.02)
