"""Coulomb friction between the fabric and the skin in the contact solve (DESIGN.md section 15).

The analytic case is a ring of fabric on a cone of half-angle ``alpha``. Membrane equilibrium of
an axisymmetric shell along its generator ``s`` (e.g. Timoshenko S., Woinowsky-Krieger S., Theory
of Plates and Shells, 2nd ed. 1959, ch. 16) reads ``d(r N_s)/ds - N_theta sin(alpha) + r tau = 0``
with ``N_theta`` the hoop tension, ``N_s`` the wale tension and ``tau`` the friction per skin area;
the normal pressure is ``p = N_theta cos(alpha) / r`` (a generator is straight). With a uniform
wale tension the fabric holds if ``mu >= tau / p``, i.e. the critical friction is

    mu_crit = tan(alpha) * (1 - N_s / N_theta),

``tan(alpha)`` for a fabric without axial tension. Below it the frictionless (or too slippery)
fabric slides towards the narrow end.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from _gradients import assert_energy_gradient
from _surfaces import DeadLoadWale

import stockingsim as ss
from stockingsim import errors
from stockingsim.solvers._tube import solve_tube

ALPHA = math.radians(15.0)
TAN = math.tan(ALPHA)
HOOP_STRAIN = 0.4
K_HOOP = 250.0  # N/m, hoop tension 100 N/m
TWO_PI = 2.0 * math.pi


def _cone(fabric, mu, prestrain=3.0):
    """Three rings 2 cm apart on a cone (radius 4 cm at the bottom); the middle one is free."""
    zs = np.linspace(0.0, 0.04, 9)
    rmap = np.tile((0.04 + zs * TAN)[:, None], (1, 256))
    rings = np.linspace(0.0, 0.04, 3)
    relaxed = TWO_PI * (0.04 + rings * TAN) / (1 + HOOP_STRAIN)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = solve_tube(
            rmap, zs, np.full(rmap.shape, 1e8), rings, relaxed, fabric, prestrain,
            n_theta=32, friction=mu,
        )  # fmt: skip
    slide_mm = -1e3 * float(np.mean(out["z"][1] - rings[1]))
    return out, slide_mm, [str(w.message) for w in caught]


@pytest.mark.parametrize("wale_tension", [0.0, 50.0])
def test_cone_holds_above_the_closed_form_critical_friction_and_slides_below(wale_tension):
    fabric = DeadLoadWale(wale_tension)
    t_hoop = K_HOOP * HOOP_STRAIN
    mu_crit = TAN * (1.0 - wale_tension / t_hoop)
    _, slide_free, _ = _cone(fabric, 0.0)
    slid, slide_low, _ = _cone(fabric, 0.8 * mu_crit)
    held, slide_high, _ = _cone(fabric, 1.25 * mu_crit)
    # frictionless: the ring slides down towards the bottom ring 2 cm below (the axial
    # pre-strain of 3 keeps the wale fibres taut for the first 15 mm)
    assert slide_free > 10.0
    # too slippery: it slides far beyond the regularization slip (0.5 mm)
    assert slide_low > 3.0
    # enough friction: it sticks (slip within the regularization scale, x 1.5)
    assert slide_high < 0.75
    # the held ring mobilizes the closed-form critical friction (3 %, 32-gon rings)
    t_held = held["hoop_tension"][1].mean()
    assert t_held == pytest.approx(t_hoop, rel=0.03)
    assert held["mobilized_friction"][1].mean() == pytest.approx(
        TAN * (1 - wale_tension / t_held), rel=0.03
    )
    if wale_tension > 0:
        # a sliding ring loses hoop tension on the narrower cone until its critical friction,
        # tan(alpha) (1 - N_s / N_theta), falls to mu: that is where it stops (8 %: the ring
        # has slid 6 mm between neighbours 2 cm away, whose wale widths stay those at rest)
        t_slid = slid["hoop_tension"][1].mean()
        assert t_slid < 0.95 * t_hoop
        assert 0.8 * mu_crit == pytest.approx(TAN * (1 - wale_tension / t_slid), rel=0.08)


def test_a_held_ring_on_the_cone_has_the_cone_pressure():
    held, _, msgs = _cone(DeadLoadWale(0.0), 1.25 * TAN)
    assert not msgs
    r = 0.04 + float(np.mean(held["z"][1])) * TAN
    p = held["pressure_pa"][1].mean()
    t = held["hoop_tension"][1].mean()
    assert p == pytest.approx(t * math.cos(ALPHA) / r, rel=0.03)


@pytest.mark.parametrize("bad", [-0.1, 5.0, "dry", float("nan")])
def test_friction_must_be_a_plausible_coefficient(bad):
    leg = ss.parametric_leg({"cB": 22, "cC": 36, "cD": 34})
    st = ss.Stocking(ss.Fabric.linear(250.0), 0.15)
    with pytest.raises(errors.SolverError, match="friction"):
        ss.simulate(leg, st, method="contact", friction=bad)


def test_class_ii_designed_by_laplace_holds_its_ankle_pressure_under_contact_with_friction():
    """Issue 15: frictionless, the fabric slid up from the ankle and B dropped 10-19 %."""
    leg = ss.bundled_leg()
    fabric = ss.fabric_library()["circular class II"]
    stocking, _ = ss.design_stocking(leg, fabric, target="RAL-GZ 387:II")
    lap = ss.simulate(leg, stocking, method="laplace").profile["pressure_mmhg"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.ConvergenceWarning)
        res = ss.simulate(leg, stocking, method="contact")
    assert res.info["friction"] == 0.5
    assert res.profile.loc["B", "pressure_mmhg"] == pytest.approx(lap["B"], rel=0.10)
    assert bool(ss.check_gradient(res)["passed"].all())
    assert res.classify("RAL-GZ 387") == "II"


@pytest.mark.parametrize("mu", [0.0, 0.5, 1.5])
def test_friction_changes_nothing_on_a_cylinder(mu):
    """A stocking of uniform strain on a circular cylinder is in equilibrium where it is put:
    friction has nothing to resist, and every coefficient gives Laplace's p = T / r."""
    radius, zs = 0.05, np.linspace(0.0, 0.1, 11)
    rmap = np.full((len(zs), 256), radius)
    rings = np.linspace(0.0, 0.1, 6)
    n, k = 48, 1e8
    polygon = 2 * n * radius * math.sin(math.pi / n)  # the ring of n nodes on the circle
    relaxed = np.full(len(rings), polygon / (1 + HOOP_STRAIN))
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.ConvergenceWarning)
        out = solve_tube(
            rmap, zs, np.full(rmap.shape, k), rings, relaxed, ss.Fabric.linear(K_HOOP), 0.1,
            n_theta=n, friction=mu,
        )  # fmt: skip
    # a regular n-gon of nodes: the node force 2 T sin(pi/n) per unit width over its chord
    # 2 r sin(pi/n) is p = T / r, on the ring sunk by p / k into the Winkler skin, whose strain
    # is shortened by as much (fixed point, written out)
    exact = K_HOOP * HOOP_STRAIN / radius
    for _ in range(20):
        r_eq = radius - exact / k
        exact = K_HOOP * ((1 + HOOP_STRAIN) * r_eq / radius - 1) / r_eq
    # the hoop tension to 1e-4 (measured 99.8604-99.8606 N/m for every mu); the pressure, read
    # from the Winkler sink of 20 um, to 0.5 % (measured 0.14 % at mu 0 and 0.5, 0.3 % at 1.5)
    t_exact = K_HOOP * ((1 + HOOP_STRAIN) * (radius - exact / k) / radius - 1)
    assert out["hoop_tension"].mean() == pytest.approx(t_exact, rel=1e-4)
    inner = out["pressure_pa"][1:-1]
    assert inner.mean() == pytest.approx(exact, rel=5e-3)
    assert np.ptp(inner) < 2e-3 * exact  # uniform around and along
    assert out["slip_m"].max() < 1e-5  # 0.01 mm: nothing slides
    # the friction it mobilizes is a small part of what it could (measured 6e-4 mu)
    assert out["mobilized_friction"].max() <= 0.01 * mu


@pytest.mark.parametrize("mu", [0.0, 0.5])
def test_tube_energy_gradient_matches_finite_differences_over_varying_tissue(mu):
    # the solver minimizes energy() with its own gradient: fibres, Winkler contact whose
    # stiffness is a field of the skin (a bony strip in soft tissue) and the friction of the
    # slip on the skin. A gradient that is not the energy's derivative would stall L-BFGS or
    # converge to a state out of balance; central differences along random directions check it
    from stockingsim.solvers import _tube

    th = np.linspace(-np.pi, np.pi, 256, endpoint=False)
    heights = np.linspace(0.0, 0.2, 21)
    rmap = np.array([(0.05 + 0.1 * h * (0.2 - h)) * (1 + 0.1 * np.cos(th)) for h in heights])
    k_map = np.where(np.abs(th) < np.radians(15.0), 2e7, 5e5)[None, :].repeat(21, axis=0)
    rings = np.linspace(0.0, 0.2, 11)
    relaxed = 2 * np.pi * 0.05 / 1.4 * np.ones(11)
    tube = _tube.build_tube(
        rmap, heights, k_map, rings, relaxed, ss.Fabric.linear(250.0), 0.05, 48, mu, 5e-4
    )
    assert tube.k_skin is not None  # the stiffness varies: it is the skin's field
    x = _tube.pack(tube, tube.r0 - 0.003, tube.th0 + 0.02, tube.z0)  # sunk 3 mm, slid
    assert_energy_gradient(tube, x, np.random.default_rng(3), scale=0.2, rel=1e-4)  # 0.2 mm
