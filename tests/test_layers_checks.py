"""Exact behaviour of a kit's layers in the contact solve (solvers/_layers.py).

- ``band_factor``: a layer's folds and rolled top as ``(T + T_band) / T`` at the nearest
  section of each ring, the layer on the section's hull girth plus ``2 pi offset``, with
  ``T = T_fabric(girth / c0 - 1)`` where taut and the factor 1 where slack; None when it is
  1 everywhere;
- ``kit_tubes``: the inner layer on the solve's rings with the skin friction, every outer
  layer on its own rings (its coverage inside the solve's, a ring every ``ring_step_m``, at
  least three), offset by the thickness of the layers below and sliding with the kit's
  coefficient; layers covering no ring left out;
- ``solve_layers``: each layer solved on the surface ``R + t_j`` minus the other layers' sink
  (block Gauss-Seidel, one pass on a rigid leg), its pressure carried to the skin as
  ``p (R + t) / R`` (the force per unit length kept), the skin's sink under each node the
  layer's own plus the others'. A stand-in for the tube solve returns a membrane resting on
  the surface it is given (``r = surface - p / k``), so every figure is known in closed form;
  the real tube solve on a cylinder gives the thick-cylinder law ``p R = T(R) + T(R + t)``.
"""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import _surfaces as S
import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.solvers import _layers as la
from stockingsim.solvers._setup import prepare, theta_grid

TWO_PI = 2.0 * math.pi
LEG = SimpleNamespace(name="stand-in leg")


class LinearFabric:
    """``T = k eps + c`` in the course direction, recording every call."""

    def __init__(self, k: float = 200.0, c: float = 0.0) -> None:
        self.k, self.c, self.calls = k, c, []

    def tension(self, strain, direction="course", branch="unloading"):
        eps = np.asarray(strain, dtype=float)
        self.calls.append((eps.copy(), direction, branch))
        return self.k * eps + self.c


class Layer:
    """A stand-in stocking: relaxed circumference ``c0(h) = a + b h``, coverage, bands.

    ``extra(h, girth)`` is the bands' tension; the calls to it are recorded.
    """

    def __init__(self, fabric=None, a=0.2, b=0.1, cover=(0.0, 1.0), extra=None, prestrain=0.05):
        self.fabric = fabric if fabric is not None else LinearFabric()
        self.a, self.b, self.cover = a, b, cover
        self.extra = extra
        self.bands = ("band",) if extra is not None else ()
        self.axial_prestrain = prestrain
        self.band_calls = []

    def relaxed_circumference_at(self, leg, heights_m):
        assert leg is LEG
        return self.a + self.b * np.asarray(heights_m, dtype=float)

    def coverage_m(self, leg):
        assert leg is LEG
        return self.cover

    def band_tension(self, leg, heights_m, girth_m):
        assert leg is LEG
        self.band_calls.append((np.array(heights_m, float), np.array(girth_m, float)))
        return self.extra(np.asarray(heights_m, float), np.asarray(girth_m, float))


HS = np.array([0.0, 0.1, 0.2, 0.3])
HULL = np.array([0.26, 0.27, 0.29, 0.30])
SETUP = SimpleNamespace(heights_m=HS, hull_m=HULL)


def _expected_factor(layer, near, offset):
    """The docstring's rule written out: ``(T + T_band) / T`` where taut, 1 where slack."""
    h = HS[near]
    girth = HULL[near] + TWO_PI * offset
    eps = girth / (layer.a + layer.b * h) - 1.0
    taut = np.isfinite(eps) & (eps > 0)
    t = np.where(taut, np.maximum(layer.fabric.k * np.where(taut, eps, 0) + layer.fabric.c, 0), 0)
    extra = layer.extra(h, girth)
    return np.where(t > 0, (t + extra) / np.where(t > 0, t, 1.0), 1.0)


# --- band_factor ---------------------------------------------------------------------------


def test_band_factor_of_a_layer_without_bands_is_none():
    layer = Layer()
    assert la.band_factor(layer, LEG, SETUP, np.array([0.0, 0.3]), 0.001) is None
    assert layer.fabric.calls == []  # nothing evaluated


@pytest.mark.parametrize("offset", [0.0, 0.002])
def test_band_factor_at_the_nearest_section_with_the_girth_offset(offset):
    layer = Layer(extra=lambda h, c: 10.0 + 100.0 * h + 50.0 * c)
    rings = np.array([0.0, 0.04, 0.06, 0.149, 0.26, 0.3])
    near = np.array([0, 0, 1, 1, 3, 3])
    factor = la.band_factor(layer, LEG, SETUP, rings, offset)
    assert factor == pytest.approx(_expected_factor(layer, near, offset), rel=1e-12)
    assert np.all(factor > 1.0)
    # the bands are asked at the section's height and the layer's girth there
    ((h, girth),) = layer.band_calls
    assert h == pytest.approx(HS[near], abs=0) and girth == pytest.approx(
        HULL[near] + TWO_PI * offset, rel=1e-15
    )
    eps, direction, branch = layer.fabric.calls[0]
    assert (direction, branch) == ("course", "unloading")
    assert eps == pytest.approx(
        (HULL[near] + TWO_PI * offset) / (0.2 + 0.1 * HS[near]) - 1.0, rel=1e-12
    )


def test_band_factor_is_one_where_the_layer_is_slack_or_the_section_empty():
    """A slack ring (girth under c0), an empty section (nan hull), a fabric whose tension is
    negative at a small strain: no hoop force of the layer's own, the factor 1 there; the fabric
    is given zero strain where the layer is slack."""
    # c0 = 0.2 + 0.1 h: strains 0.25, nan, 0.02 (tension 200 eps - 5 < 0), -0.001 / 0.23
    hull = np.array([0.25, np.nan, 0.22 * 1.02, 0.23 - 0.001])
    setup = SimpleNamespace(heights_m=HS, hull_m=hull)
    layer = Layer(fabric=LinearFabric(200.0, -5.0), extra=lambda h, c: 0 * h + 7.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        factor = la.band_factor(layer, LEG, setup, HS, 0.0)
    t0 = 200.0 * (0.25 / 0.2 - 1.0) - 5.0
    assert factor == pytest.approx([(t0 + 7.0) / t0, 1.0, 1.0, 1.0], rel=1e-12)
    eps = layer.fabric.calls[0][0]
    assert eps[1] == 0.0 and eps[3] == 0.0 and eps[2] > 0


def test_band_factor_at_exactly_the_relaxed_girth_is_slack():
    """Zero strain is slack (as in the set-up of the solve), even for a fabric with a
    tension at zero strain: the factor is 1 there, the fabric given zero strain."""
    setup = SimpleNamespace(heights_m=HS, hull_m=np.array([0.2, 0.25, 0.2, 0.25]))
    layer = Layer(fabric=LinearFabric(200.0, 3.0), b=0.0, extra=lambda h, c: 0 * h + 7.0)
    factor = la.band_factor(layer, LEG, setup, HS, 0.0)
    t = 200.0 * (0.25 / 0.2 - 1.0) + 3.0
    assert factor == pytest.approx([1.0, (t + 7.0) / t, 1.0, (t + 7.0) / t], rel=1e-12)


def test_band_factor_is_none_when_the_bands_add_nothing_and_an_array_when_one_ring_changes():
    layer = Layer(extra=lambda h, c: np.zeros(h.shape))
    assert la.band_factor(layer, LEG, SETUP, HS, 0.001) is None
    one = Layer(extra=lambda h, c: np.where(h == 0.2, 3.0, 0.0))
    factor = la.band_factor(one, LEG, SETUP, HS, 0.001)
    assert factor is not None
    assert factor == pytest.approx(_expected_factor(one, np.arange(4), 0.001), rel=1e-12)
    assert factor[[0, 1, 3]].tolist() == [1.0, 1.0, 1.0] and factor[2] > 1.0


# --- kit_tubes -----------------------------------------------------------------------------


def _kit(layers, thick, friction=0.3):
    under = tuple(float(x) for x in np.cumsum((0.0, *thick[:-1])))
    return SimpleNamespace(layers=layers, thicknesses_under_m=under, friction=friction)


def test_kit_tubes_inner_layer_on_the_solve_rings_with_the_skin_friction():
    inner, outer = Layer(prestrain=0.07), Layer(cover=(0.0, 0.3))
    rings = np.linspace(0.0, 0.3, 4)
    relaxed = np.array([0.21, 0.22, 0.23, 0.24])
    tubes = la.kit_tubes(
        LEG, SETUP, _kit([inner, outer], (0.001, 0.001)), rings, relaxed, 0.45, 0.1
    )
    t0 = tubes[0]
    assert t0.rings is rings and t0.relaxed_m is relaxed and t0.fabric is inner.fabric
    assert t0.axial_prestrain == 0.07 and t0.offset_m == 0.0 and t0.friction == 0.45
    assert t0.hoop_layers is None
    t1 = tubes[1]
    assert t1.fabric is outer.fabric and t1.axial_prestrain == 0.05
    assert t1.offset_m == 0.001 and t1.friction == 0.3 and t1.hoop_layers is None
    assert t1.rings == pytest.approx(rings, abs=1e-15)
    assert t1.relaxed_m == pytest.approx(0.2 + 0.1 * rings, rel=1e-15)


def test_kit_tubes_outer_layers_on_their_own_coverage_offset_by_the_layers_below():
    """Three layers of thickness 1, 2 and 1 mm: the outer ones rest 1 and 3 mm out; the
    second covers 5-35 cm of a solve from 0 to 40 cm (ring step 1 cm: 31 rings), the third
    from 38 cm beyond the top (3 rings, the least); a layer between them (0 mm) and one
    outside covering nothing."""
    rings = np.linspace(0.0, 0.4, 41)
    relaxed = np.full(41, 0.2)
    second = Layer(cover=(0.05, 0.35), a=0.19, b=0.02, prestrain=0.1)
    third = Layer(cover=(0.38, 0.9), a=0.18, b=0.0)
    nothing = Layer(cover=(0.5, 0.9))
    kit = _kit(
        [Layer(), second, nothing, third, nothing], (0.001, 0.002, 0.0, 0.001, 0.001), friction=0.2
    )
    tubes = la.kit_tubes(LEG, SETUP, kit, rings, relaxed, 0.5, 0.01)
    assert len(tubes) == 3
    t1, t2 = tubes[1], tubes[2]
    assert t1.rings == pytest.approx(np.linspace(0.05, 0.35, 31), abs=1e-15)
    assert t1.relaxed_m == pytest.approx(0.19 + 0.02 * t1.rings, rel=1e-15)
    assert t1.offset_m == pytest.approx(0.001, abs=1e-18) and t1.friction == 0.2
    assert t1.axial_prestrain == 0.1 and t1.fabric is second.fabric
    assert t2.rings == pytest.approx([0.38, 0.39, 0.40], abs=1e-15)
    assert t2.relaxed_m == pytest.approx([0.18] * 3, rel=1e-15)
    assert t2.offset_m == pytest.approx(0.003, abs=1e-18) and t2.friction == 0.2
    assert t2.fabric is third.fabric


@pytest.mark.parametrize(
    ("cover", "n"),
    [((0.1, 0.126), 4), ((0.1, 0.124), 3), ((0.1, 0.11), 3), ((0.1, 0.1 + 2e-6), 3)],
)
def test_kit_tubes_ring_count_is_the_rounded_span_over_the_step_plus_one_at_least_three(cover, n):
    rings = np.linspace(0.0, 0.4, 41)
    kit = _kit([Layer(), Layer(cover=cover)], (0.001, 0.001))
    tubes = la.kit_tubes(LEG, SETUP, kit, rings, np.full(41, 0.2), 0.5, 0.01)
    assert tubes[1].rings == pytest.approx(np.linspace(*cover, n), abs=1e-15)


@pytest.mark.parametrize("cover", [(0.4, 0.9), (0.1, 0.1 + 5e-7), (-0.5, 0.0), (0.5, 0.9)])
def test_kit_tubes_leave_out_a_layer_covering_no_ring(cover):
    rings = np.linspace(0.0, 0.4, 41)
    kit = _kit([Layer(), Layer(cover=cover)], (0.001, 0.001))
    assert len(la.kit_tubes(LEG, SETUP, kit, rings, np.full(41, 0.2), 0.5, 0.01)) == 1


def test_kit_tubes_each_layer_carries_its_own_bands_at_its_own_offset():
    rings = np.array([0.0, 0.1, 0.2, 0.3])
    inner = Layer(extra=lambda h, c: 4.0 + 0 * h)
    outer = Layer(cover=(0.0, 0.3), extra=lambda h, c: 20.0 * c)
    kit = _kit([inner, outer], (0.002, 0.001))
    tubes = la.kit_tubes(LEG, SETUP, kit, rings, np.full(4, 0.2), 0.5, 0.1)
    assert tubes[0].hoop_layers == pytest.approx(
        _expected_factor(inner, np.arange(4), 0.0), rel=1e-12
    )
    assert tubes[1].hoop_layers == pytest.approx(
        _expected_factor(outer, np.arange(4), 0.002), rel=1e-12
    )


def test_kit_tubes_of_a_real_kit_on_a_cylinder():
    """ss.Kit of three stockings, the outer one with a grip band of its own fabric: offsets
    from the thicknesses, the kit's friction, the grip band as ``1 + T_g / T`` at the girth
    ``C_hull + 2 pi t`` on its band only."""
    r, k, c0 = 0.05, 250.0, TWO_PI * 0.05 / 1.4
    cyl = S.make_leg(*S.cylinder(r), name="cylinder")
    plain = ss.Stocking(ss.Fabric.linear(k), c0)
    grip = ss.Fabric.linear(400.0, name="grip")
    outer = ss.Stocking(ss.Fabric.linear(k), c0).with_grip_band(
        grip, width_m=0.05, relaxed_circumference_m=0.3, leg=cyl
    )
    kit = ss.Kit([plain, plain, outer], thicknesses_m=(0.001, 0.0015, 0.001), friction=0.25)
    setup = prepare(cyl, kit, step_m=0.01)
    rings = np.linspace(setup.heights_m[0], setup.heights_m[-1], 21)
    tubes = la.kit_tubes(cyl, setup, kit, rings, np.full(21, c0), 0.5, 0.03)
    assert [t.offset_m for t in tubes] == pytest.approx([0.0, 0.001, 0.0025], abs=1e-18)
    assert [t.friction for t in tubes] == [0.5, 0.25, 0.25]
    assert tubes[0].hoop_layers is None and tubes[1].hoop_layers is None
    t2 = tubes[2]
    lo, hi = outer.coverage_m(cyl)
    assert t2.rings[0] == pytest.approx(max(lo, rings[0])) and t2.rings[-1] == pytest.approx(
        min(hi, rings[-1])
    )
    near = np.abs(t2.rings[:, None] - setup.heights_m[None, :]).argmin(axis=1)
    girth = setup.hull_m[near] + TWO_PI * 0.0025
    t_own = k * (girth / c0 - 1.0)
    t_grip = 400.0 * (girth / 0.3 - 1.0)
    in_band = (setup.heights_m[near] >= hi - 0.05) & (setup.heights_m[near] <= hi)
    assert in_band.any() and not in_band.all()
    assert t2.hoop_layers == pytest.approx(np.where(in_band, 1.0 + t_grip / t_own, 1.0), rel=1e-9)


# --- solve_layers with a stand-in tube solve -----------------------------------------------

R = 0.05
N_MAP = 8
MAP_H = np.array([0.0, 0.1, 0.2])


class FakeTube:
    """A membrane resting on the surface it is given, with the pressure ``p_of(j, z, theta)``:
    nodes at the map's angles, ``sink = p / k``, ``r = surface - sink``. Records each call."""

    def __init__(self, p_of):
        self.p_of, self.calls = p_of, []

    def __call__(self, rmap, map_heights, k_map, rings, relaxed, fabric, prestrain, **kw):
        self.calls.append(
            {
                "rmap": np.array(rmap),
                "map_heights": map_heights,
                "k_map": k_map,
                "rings": rings,
                "relaxed": relaxed,
                "fabric": fabric,
                "prestrain": prestrain,
                **kw,
            }
        )
        j = fabric  # the stand-in tubes carry their index as the fabric
        theta = np.tile(theta_grid(N_MAP), (len(rings), 1))
        z = np.tile(np.asarray(rings, float)[:, None], (1, N_MAP))
        i = np.clip(np.searchsorted(map_heights, rings), 0, len(map_heights) - 1)
        surface = np.asarray(rmap)[i]  # rings on map rows
        p = self.p_of(j, z, theta)
        sink = p / np.asarray(k_map)[i]
        return {"r": surface - sink, "theta": theta, "z": z, "pressure_pa": p, "sink_m": sink}


def _tubes(offsets, frictions=None):
    frictions = frictions or [0.5] + [0.2] * (len(offsets) - 1)
    return [
        la.LayerTube(MAP_H, np.full(3, 0.2), j, 0.05 * (j + 1), t, mu, np.full(3, 1.0 + j))
        for j, (t, mu) in enumerate(zip(offsets, frictions))
    ]


def _const_to_map(calls):
    def to_map(j, out, values):
        calls.append(j)
        return np.full((len(MAP_H), N_MAP), float(np.mean(values)))

    return to_map


def test_solve_layers_on_a_rigid_cylinder_carries_each_pressure_to_the_skin(monkeypatch):
    """One pass; layer j on R + t_j; skin pressure p_j (R + t_j) / R; the options, friction
    and folds handed to the tube solve; the skin's sink the layer's own."""
    fake = FakeTube(lambda j, z, th: (3000.0 - 1000.0 * j) * (1.0 + 0.1 * np.cos(th)))
    monkeypatch.setattr(la, "solve_tube", fake)
    rmap = np.full((3, N_MAP), R)
    k_map = np.full((3, N_MAP), 1e8)
    tubes = _tubes([0.0, 0.001, 0.003])
    outs = la.solve_layers(rmap, MAP_H, k_map, tubes, n_theta=N_MAP, tol=0.01)
    assert len(fake.calls) == 3
    for j, (call, out, tube) in enumerate(zip(fake.calls, outs, tubes)):
        assert call["rmap"] == pytest.approx(np.full((3, N_MAP), R + tube.offset_m), abs=0)
        assert call["map_heights"] is MAP_H and call["k_map"] is k_map
        assert call["rings"] is tube.rings and call["relaxed"] is tube.relaxed_m
        assert call["fabric"] == j and call["prestrain"] == tube.axial_prestrain
        assert call["friction"] == tube.friction and call["hoop_layers"] is tube.hoop_layers
        assert call["n_theta"] == N_MAP and call["tol"] == 0.01
        assert out["skin_pressure_pa"] == pytest.approx(
            out["pressure_pa"] * (R + tube.offset_m) / R, rel=1e-12
        )
        assert out["offset_m"] == tube.offset_m and out["layer_friction"] == tube.friction
        assert out["skin_sink_m"] == pytest.approx(out["pressure_pa"] / 1e8, rel=1e-12)
    # with a map of the pressures but one pass (rigid leg): no layer sees another's sink
    seen = []
    fake.calls.clear()
    la.solve_layers(rmap, MAP_H, k_map, tubes, to_map=_const_to_map(seen), passes=1)
    assert len(fake.calls) == 3 and seen == []
    for call, tube in zip(fake.calls, tubes):
        assert call["rmap"] == pytest.approx(np.full((3, N_MAP), R + tube.offset_m), abs=0)


def test_solve_layers_on_soft_tissue_is_block_gauss_seidel_over_the_layers(monkeypatch):
    """Two passes on a Winkler skin k: layer j is solved on R + t_j minus the sink
    ``sum_{i != j} P_i / k`` of the others' latest skin pressure P_i (the first pass: of the
    layers below only); its skin sinks by its own p / k plus that."""
    p = [4000.0, 2000.0, 1000.0]
    fake = FakeTube(lambda j, z, th: np.full(z.shape, p[j]))
    monkeypatch.setattr(la, "solve_tube", fake)
    k = 2e6
    rmap = np.full((3, N_MAP), R)
    k_map = np.full((3, N_MAP), k)
    offsets = [0.0, 0.001, 0.002]
    seen = []
    outs = la.solve_layers(
        rmap, MAP_H, k_map, _tubes(offsets), to_map=_const_to_map(seen), passes=2, n_theta=N_MAP
    )
    assert len(fake.calls) == 6 and seen == [0, 1, 2, 0, 1, 2]

    def skin(j, others):  # P_j = p_j (R + t_j - s) / (R - s) on the skin pushed in by s
        return p[j] * (R + offsets[j] - others) / (R - others)

    sinks = [0.0, 0.0, 0.0]
    expected_rmap, last = [], [0.0, 0.0, 0.0]
    for _ in range(2):
        for j in range(3):
            last[j] = sum(s for i, s in enumerate(sinks) if i != j)
            expected_rmap.append(R + offsets[j] - last[j])
            sinks[j] = skin(j, last[j]) / k
    assert last[0] > 0 and last[2] > last[1] > 0
    for call, want in zip(fake.calls, expected_rmap):
        assert call["rmap"] == pytest.approx(np.full((3, N_MAP), want), rel=1e-12)
    for j, out in enumerate(outs):
        assert out["skin_pressure_pa"] == pytest.approx(
            np.full((3, N_MAP), skin(j, last[j])), rel=1e-12
        )
        assert out["skin_sink_m"] == pytest.approx(
            np.full((3, N_MAP), p[j] / k + last[j]), rel=1e-12
        )


def test_solve_layers_clips_a_negative_map_and_interpolates_the_others_sink(monkeypatch):
    """The other layers' sink is ``max(P, 0) / k`` on the map; at a node between map rows it
    is interpolated (a field linear in height is reproduced)."""
    fake = FakeTube(lambda j, z, th: np.full(z.shape, 1000.0))
    monkeypatch.setattr(la, "solve_tube", fake)
    k = 1e6
    rmap = np.full((3, N_MAP), R)
    k_map = np.full((3, N_MAP), k)

    def to_map(j, out, values):  # layer 0: a + b h, negative on the bottom row
        field = -200.0 + 4000.0 * MAP_H if j == 0 else np.zeros(3)
        return np.tile(field[:, None], (1, N_MAP))

    tubes = _tubes([0.0, 0.001])
    tubes[1].rings = np.array([0.05, 0.1, 0.15])
    outs = la.solve_layers(rmap, MAP_H, k_map, tubes, to_map=to_map, passes=2)
    sink0 = np.maximum(-200.0 + 4000.0 * MAP_H, 0.0) / k  # per map row
    call = fake.calls[1]  # layer 1, pass 1
    assert call["rmap"] == pytest.approx(
        np.tile((R + 0.001 - sink0)[:, None], (1, N_MAP)), rel=1e-12
    )
    pushed = np.interp([0.05, 0.1, 0.15], MAP_H, sink0)
    assert outs[1]["skin_sink_m"] == pytest.approx(
        np.tile((1000.0 / k + pushed)[:, None], (1, N_MAP)), rel=1e-12
    )


@pytest.mark.parametrize("passes", [0, 1])
def test_solve_layers_solves_each_layer_once_with_fewer_than_two_passes(monkeypatch, passes):
    fake = FakeTube(lambda j, z, th: np.full(z.shape, 1000.0))
    monkeypatch.setattr(la, "solve_tube", fake)
    seen = []
    outs = la.solve_layers(
        np.full((3, N_MAP), R), MAP_H, np.full((3, N_MAP), 1e6), _tubes([0.0, 0.001]),
        to_map=_const_to_map(seen), passes=passes,
    )  # fmt: skip
    assert len(fake.calls) == 2 and seen == [] and all("skin_pressure_pa" in o for o in outs)
    fake.calls.clear()
    la.solve_layers(
        np.full((3, N_MAP), R), MAP_H, np.full((3, N_MAP), 1e6), _tubes([0.0, 0.001]),
        passes=3,
    )  # fmt: skip
    assert len(fake.calls) == 2  # no map of the pressures: one pass whatever ``passes``


def test_solve_layers_makes_one_pass_by_default_and_solves_a_single_layer(monkeypatch):
    """``passes`` is 1 unless given; a kit whose outer layers cover no ring is one tube,
    solved on the skin (its sink its own)."""
    fake = FakeTube(lambda j, z, th: np.full(z.shape, 1000.0))
    monkeypatch.setattr(la, "solve_tube", fake)
    rmap, k_map = np.full((3, N_MAP), R), np.full((3, N_MAP), 1e6)
    seen = []
    la.solve_layers(rmap, MAP_H, k_map, _tubes([0.0, 0.001]), to_map=_const_to_map(seen))
    assert len(fake.calls) == 2 and seen == []
    (out,) = la.solve_layers(
        rmap, MAP_H, k_map, _tubes([0.0]), to_map=_const_to_map(seen), passes=2
    )
    assert out["skin_pressure_pa"] == pytest.approx(np.full((3, N_MAP), 1000.0), rel=1e-12)
    assert out["skin_sink_m"] == pytest.approx(np.full((3, N_MAP), 1e-3), rel=1e-12)


# --- solve_layers with the tube solve ------------------------------------------------------


def test_solve_layers_on_a_cylinder_is_the_thick_cylinder_law():
    """Two linear layers 1 mm apart on a rigid cylinder: the outer layer's skin pressure is
    its own ``(R + t) / R`` times, exactly (it rests on ``R + t``), and the skin pressures
    add to ``p R = T(R) + T(R + t)`` (each layer's ``p_j (R + t_j) = T_j``, the Winkler sink
    of 1e8 Pa/m and the 32-gon within 2 %)."""
    k, c0, t = 250.0, TWO_PI * R / 1.4, 0.001
    zs = np.linspace(0.0, 0.06, 7)
    rmap = np.full((7, 256), R)
    rings = np.linspace(0.0, 0.06, 3)
    tubes = [
        la.LayerTube(rings, np.full(3, c0), ss.Fabric.linear(k), 0.0, 0.0, 0.5),
        la.LayerTube(rings, np.full(3, c0), ss.Fabric.linear(k), 0.0, t, 0.2),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.ConvergenceWarning)
        outs = la.solve_layers(rmap, zs, np.full(rmap.shape, 1e8), tubes, n_theta=32)
    inner, outer = outs
    assert inner["skin_pressure_pa"] == pytest.approx(inner["pressure_pa"], rel=1e-12)
    assert outer["skin_pressure_pa"] == pytest.approx(outer["pressure_pa"] * (R + t) / R, rel=1e-9)
    t_in, t_out = k * (TWO_PI * R / c0 - 1), k * (TWO_PI * (R + t) / c0 - 1)
    mid = [float(np.mean(o["skin_pressure_pa"][1])) for o in outs]
    assert mid[1] * R == pytest.approx(t_out * R / (R + t), rel=0.02)
    assert (mid[0] + mid[1]) * R == pytest.approx(t_in + t_out, rel=0.02)
    assert outer["offset_m"] == t and outer["layer_friction"] == 0.2
    assert outer["skin_sink_m"] == pytest.approx(outer["sink_m"], abs=0)
