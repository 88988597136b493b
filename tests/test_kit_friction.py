"""Friction between the layers of a kit (``ss.Kit(..., friction=mu)``) in the contact solve.

Each outer layer is its own fabric tube resting on the layers below (the skin's radial map
offset by their thickness) and sliding on it with Coulomb friction at the kit's coefficient;
its normal pressure reaches the skin through the thin layers below, so the pressures add.

Closed forms:

- a cylinder: no layer can slide, so for every coefficient the kit gives the exact two-layer
  thick-cylinder solution ``p R = T(R) + T(R + t)`` (radial equilibrium ``p_in a - p_out b = T``
  of each thin layer);
- a cone of half-angle ``alpha``: membrane equilibrium along the generator,
  ``d(r N_s)/ds - N_theta sin(alpha) + r tau = 0`` with the normal pressure
  ``p = N_theta cos(alpha) / r``, holds a layer of uniform wale tension ``N_s`` if
  ``mu >= mu_crit = tan(alpha) (1 - N_s / N_theta)`` (as in ``tests/test_contact_friction.py``);
  the outer layer lies on a cone of the same half-angle, so the same formula with its own
  tensions gives its critical friction on the layer below.
"""

from __future__ import annotations

import math
import warnings

import _surfaces as S
import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.solvers._layers import LayerTube, solve_layers

PA_PER_MMHG = 101325 / 760
TWO_PI = 2.0 * math.pi

# --- (a) the cylinder ---------------------------------------------------------------------------
R = 0.05
K = 250.0
C0 = TWO_PI * R / 1.4
THICK = 0.001


@pytest.fixture(scope="module")
def cylinder():
    return S.make_leg(*S.cylinder(R), name="cylinder")


def _one():
    return ss.Stocking(ss.Fabric.linear(K), C0, style="AT")


@pytest.mark.parametrize("friction", [0.0, None, 3.0, math.inf])
def test_a_kit_on_a_cylinder_is_the_thick_cylinder_solution_for_any_layer_friction(
    cylinder, friction
):
    kit = ss.Kit([_one(), _one()], thicknesses_m=(THICK, THICK), friction=friction)
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.ConvergenceWarning)
        res = ss.simulate(cylinder, kit, method="contact", n_theta=32, ring_step_m=0.03)
    t_inner = K * (TWO_PI * R / C0 - 1)
    t_outer = K * (TWO_PI * (R + THICK) / C0 - 1)
    exact = (t_inner + t_outer) / R / PA_PER_MMHG
    p = float(np.median(res.sections["pressure_mmhg"]))
    # the contact tolerance of a kit (tests/test_kit.py: 2 %; 32-gon rings, the Winkler sink);
    # measured 0.68-0.82 % low for every coefficient
    assert p == pytest.approx(exact, rel=0.02)
    assert res.info["layer_friction"] == (0.5 if friction is None else friction)
    if math.isfinite(kit.friction):  # one tube per layer
        outer = res.info["layers"][1]
        assert outer["offset_m"] == THICK and outer["friction"] == kit.friction
        if kit.friction > 0:  # nothing slides (frictionless, turning about the axis is free)
            assert outer["max_slip_m"] < 1e-5
    else:  # bonded: the outer layer is a multiple of the inner one's hoop force
        assert "layers" not in res.info


def test_a_kit_on_soft_tissue_sinks_the_skin_under_both_layers(cylinder):
    """Winkler tissue k: the skin sinks by p / k under the whole kit, so the layers sit on the
    radius R' = R - p / k and p R' = T(R') + T(R' + t) (fixed point, written out). Each layer
    is solved again on the skin pushed in by the other's pressure (two passes)."""
    k = 2.0e6  # 2 kPa/mm
    kit = ss.Kit([_one(), _one()], thicknesses_m=(THICK, THICK))
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.ConvergenceWarning)
        res = ss.simulate(
            cylinder, kit, method="contact", n_theta=32, ring_step_m=0.03, tissue=ss.Tissue(2.0)
        )
    p = 5000.0
    for _ in range(200):
        r = R - p / k
        p = (K * (TWO_PI * r / C0 - 1) + K * (TWO_PI * (r + THICK) / C0 - 1)) / r
    # measured 0.54 % low (one pass, each layer on its own sink only: 4.4 % high)
    assert float(np.median(res.sections["pressure_mmhg"])) == pytest.approx(
        p / PA_PER_MMHG, rel=0.02
    )
    assert res.info["max_sink_m"] == pytest.approx(p / k, rel=0.03)  # measured 0.6 %


# --- (b) the cone -------------------------------------------------------------------------------
ALPHA = math.radians(15.0)
TAN = math.tan(ALPHA)
HOOP_STRAIN = 0.4
WALE_OUTER = 50.0  # N/m: the outer layer's critical friction is tan(alpha) / 2


def _cone_kit(layer_friction):
    """Two layers on a cone (radius 4 cm at the bottom, 3 rings 2 cm apart, the middle free).

    The inner layer has no wale tension (critical friction tan(alpha)) and skin friction
    1.25 tan(alpha); the outer one, 1 mm further out, has the wale tension WALE_OUTER.
    """
    zs = np.linspace(0.0, 0.04, 9)
    rmap = np.tile((0.04 + zs * TAN)[:, None], (1, 256))
    rings = np.linspace(0.0, 0.04, 3)
    inner = LayerTube(
        rings, TWO_PI * (0.04 + rings * TAN) / (1 + HOOP_STRAIN), S.DeadLoadWale(0.0), 3.0,
        0.0, 1.25 * TAN,
    )  # fmt: skip
    outer = LayerTube(
        rings, TWO_PI * (0.04 + THICK + rings * TAN) / (1 + HOOP_STRAIN),
        S.DeadLoadWale(WALE_OUTER), 3.0, THICK, layer_friction,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.ConvergenceWarning)
        outs = solve_layers(rmap, zs, np.full(rmap.shape, 1e8), [inner, outer], n_theta=32)
    slide_mm = [-1e3 * float(np.mean(o["z"][1] - rings[1])) for o in outs]
    return outs, slide_mm


def test_an_outer_layer_on_a_cone_slides_below_its_critical_friction_and_holds_above():
    t_hoop = K * HOOP_STRAIN
    mu_crit = TAN * (1.0 - WALE_OUTER / t_hoop)
    (in_lo, out_lo), (slide_in_lo, slide_lo) = _cone_kit(0.8 * mu_crit)
    (in_hi, out_hi), (slide_in_hi, slide_hi) = _cone_kit(1.25 * mu_crit)
    # the inner layer is held by the skin in both (slip within 1.5 x the 0.5 mm regularization)
    assert slide_in_lo < 0.75 and slide_in_hi < 0.75
    # too slippery: the outer layer slides towards the narrow end, far beyond the
    # regularization slip (measured 6.2 mm); enough friction: it holds (measured 0.56 mm)
    assert slide_lo > 3.0
    assert slide_hi < 0.75
    # the held layer mobilizes its closed-form critical friction (measured 3.0 % low; 32-gon)
    t_held = out_hi["hoop_tension"][1].mean()
    assert t_held == pytest.approx(t_hoop, rel=0.03)
    assert out_hi["mobilized_friction"][1].mean() == pytest.approx(
        TAN * (1 - WALE_OUTER / t_held), rel=0.04
    )
    # the sliding layer loses hoop tension on the narrower cone until its critical friction
    # falls to the kit's coefficient, and its pressure there drops with it (measured 9 %)
    t_slid = out_lo["hoop_tension"][1].mean()
    assert t_slid < 0.95 * t_hoop
    assert 0.8 * mu_crit == pytest.approx(TAN * (1 - WALE_OUTER / t_slid), rel=0.08)
    assert out_lo["skin_pressure_pa"][1].mean() < 0.95 * out_hi["skin_pressure_pa"][1].mean()
    # the held layer's pressure reaches the skin as N_theta cos(alpha) / R (force per length
    # kept through the thin layer below: p (R + t) / R)
    r_skin = 0.04 + float(np.mean(out_hi["z"][1])) * TAN
    assert out_hi["skin_pressure_pa"][1].mean() == pytest.approx(
        t_held * math.cos(ALPHA) / r_skin, rel=0.03
    )
    # the inner layer does not feel the outer one (its shear is neglected): the same solve
    assert in_lo["pressure_pa"] == pytest.approx(in_hi["pressure_pa"], rel=1e-9)


# --- (c) a real leg -----------------------------------------------------------------------------
def test_a_two_layer_class_i_kit_on_a_real_leg_keeps_its_ankle_pressure_with_layer_friction():
    """As issue 15 asks of single stockings: contact with the default frictions gives B within
    10 % of laplace and the gradient passes."""
    leg = ss.bundled_leg()
    stocking, _ = ss.design_stocking(leg, "circular class I", "RAL-GZ 387:I")
    kit = ss.Kit([stocking, stocking])
    assert kit.friction == 0.5
    lap = ss.simulate(leg, kit, method="laplace").profile["pressure_mmhg"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.ConvergenceWarning)
        res = ss.simulate(leg, kit, method="contact")
    assert len(res.info["layers"]) == 2
    assert res.profile.loc["B", "pressure_mmhg"] == pytest.approx(lap["B"], rel=0.10)
    assert bool(ss.check_gradient(res)["passed"].all())


# --- validation ---------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [-0.1, 5.0, 50, "dry", float("nan"), -math.inf])
def test_layer_friction_must_be_a_plausible_coefficient(bad):
    with pytest.raises(errors.StockingError, match="friction"):
        ss.Kit([_one(), _one()], friction=bad)


def test_static_methods_do_not_depend_on_layer_friction(cylinder):
    """Every layer has its own girth: the static pressure of laplace, membrane and bridging is
    the same for a slippery and a bonded kit (exactly)."""
    for method in ("laplace", "membrane", "bridging"):
        p = [
            ss.simulate(cylinder, ss.Kit([_one(), _one()], friction=f), method=method)
            .sections["pressure_mmhg"]
            .to_numpy()
            for f in (0.0, math.inf)
        ]
        assert p[0] == pytest.approx(p[1], rel=1e-12), method
