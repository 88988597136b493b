"""The membrane's hoop balance: around a closed section the hoop tension presses with 2 pi T.

Around a closed loop of fabric under hoop tension ``T`` the pressure adds up to ``T`` times the
loop's turning, ``2 pi T``, so its mean over the hull girth ``C`` is ``2 pi T / C``, Laplace's
value. The membrane law ``max(0, T k_hoop)`` keeps it on smooth convex skin, exceeds it by what
it clips on concave skin, and exceeds it by much more on a noisy scan, where it follows every
bump: the result says so (``info["hoop_balance"]``) and warns when the curvature is rough.
"""

from __future__ import annotations

import math
import warnings

import _surfaces as S
import numpy as np
import pytest
import trimesh

import stockingsim as ss
from stockingsim import errors
from stockingsim.solvers._membrane import HOOP_BALANCE_TOL, curvature_roughness

STRAIN = 0.4


def _stocking(hull):
    return ss.Stocking(ss.Fabric.linear(250.0), hull / (1 + STRAIN), style="AT")


def _run(leg, method="membrane"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = ss.simulate(leg, _stocking(leg.landmarks["C"].circumference_m), method=method)
    return res, [w for w in caught if issubclass(w.category, errors.MeshWarning)]


def _ellipse(noise_m=0.0, subdivide=False):
    v, f = S.elliptic_cylinder(0.05, 0.035)
    if subdivide:
        v, f = trimesh.remesh.subdivide(v, f)
    v = v + np.random.default_rng(7).normal(0.0, noise_m, v.shape) if noise_m else v
    leg = S.make_leg(v, f, name=f"ellipse noise {noise_m * 1e3:g} mm")
    return leg.with_landmarks({"B": 0.2, "C": 0.3, "D": 0.4})


def test_smooth_convex_section_balances_to_laplace():
    res, warned = _run(_ellipse())
    for lm in ("B", "C", "D"):
        assert res.info["hoop_balance"][lm] == pytest.approx(1.0, abs=0.005)
    assert not warned


def test_concave_section_exceeds_the_balance_by_what_the_membrane_clips():
    """Peanut section: the clipped curvature's integral over 2 pi, times C_hull / L_skin."""
    radius = S.peanut_radius(0.045, 0.35)
    t = np.linspace(0.0, 2 * math.pi, 200001)[:-1]
    r, h = radius(t), 1e-5
    dr = (radius(t + h) - radius(t - h)) / (2 * h)
    d2r = (radius(t + h) - 2 * r + radius(t - h)) / h**2
    speed = np.hypot(r, dr)
    k = (r**2 + 2 * dr**2 - r * d2r) / speed**3
    dt = t[1] - t[0]
    skin = np.sum(speed) * dt
    expected = np.sum(np.maximum(k, 0) * speed) * dt / (2 * math.pi)
    expected *= S.hull_perimeter_of(radius) / skin
    assert expected > 1.1  # the hollows are deep
    leg = S.make_leg(*S.peanut(0.045, 0.35), name="peanut")
    leg = leg.with_landmarks({"B": 0.2, "C": 0.3, "D": 0.4})
    res, warned = _run(leg)
    assert res.info["hoop_balance"]["C"] == pytest.approx(expected, rel=0.03)
    assert not warned  # smooth: a limit of the method (bridging's case), not a noisy scan


def test_noisy_scan_warns_and_the_other_methods_keep_the_balance():
    smooth, noisy = _ellipse(), _ellipse(noise_m=1e-4)
    mid = (noisy.heights_m > 0.15) & (noisy.heights_m < 0.45)
    assert curvature_roughness(smooth.faces, np.asarray(smooth.curvature.hoop), mid) < 0.05
    assert curvature_roughness(noisy.faces, np.asarray(noisy.curvature.hoop), mid) > 0.1
    res, warned = _run(noisy)
    worst = max(res.info["hoop_balance"].values())
    assert worst > 1 + HOOP_BALANCE_TOL
    assert len(warned) == 1 and "noisy" in str(warned[0].message)
    assert "method='bridging'" in str(warned[0].message)
    assert warned[0].filename == __file__  # it points at the caller's simulate()
    # the mean pressure around the section is what the balance says, and bridging and
    # Laplace stay within 2 % of 2 pi T / C on the same noisy mesh, without a warning
    laplace = _run(noisy, "laplace")[0]
    for method in ("bridging", "laplace"):
        other, other_warned = _run(noisy, method)
        assert not other_warned
        for lm in ("B", "C", "D"):
            assert other.pressure_at(lm) == pytest.approx(laplace.pressure_at(lm), rel=0.02)


def test_a_subdivided_smooth_mesh_does_not_warn():
    """Midpoint subdivision leaves flat faces: a rough curvature field, but balanced."""
    res, warned = _run(_ellipse(subdivide=True))
    assert max(abs(b - 1) for b in res.info["hoop_balance"].values()) < HOOP_BALANCE_TOL
    assert not warned
