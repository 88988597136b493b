"""The layers of a kit in the ``contact`` solve: each outer layer slides on the layers below.

A :class:`~stockingsim.Kit` whose layers are not bonded (``friction`` finite) is solved as one
fabric tube per layer, innermost first, each by :func:`~stockingsim.solvers._tube.solve_tube`
(one code path with a single stocking):

- the inner layer rests on the skin with the skin-fabric friction of the solve;
- layer ``j`` rests on the outer surface of the layers below, the skin's radial map offset by
  their thickness ``t_j = sum_{i<j} t_i`` (``R(h, theta) + t_j``, exact on a circular section
  and within ``t_j`` times the squared slope of the skin elsewhere), with the same Winkler
  stiffness (the layers below are thin and transmit the pressure), and slides on it with the
  kit's Coulomb coefficient;
- its normal pressure reaches the skin through the thin layers below: the force per unit
  length is kept, so on the skin it is ``p_j (R + t_j) / R`` and the pressures of the layers
  add (on a cylinder ``p R = sum_j T_j``, the thick-cylinder law of ``stockingsim/_kit.py``).

Neglected: the outer layer's shear on the layer below, and its normal force in that layer's
friction. Both scale with the outer layer's pressure, in the ratio ``tau_j / p_j`` (at most
the kit's coefficient where the layer slides, the layer's own critical friction where it
holds). An inner layer held by skin friction above its critical value and above that ratio
stays held under the added load (the skin carries ``tau_in + tau_j`` with the normal force of
``p_in + p_j``), so it does not move and the pressures are those computed; only where the
skin friction is below those values would the whole kit slide further than computed. On a soft
(Winkler) tissue the skin sinks under the whole kit's pressure: :func:`solve_layers` solves
each layer again on the skin pushed in by the other layers (two passes; on the default rigid
leg one, the sink being 50 um at 5 kPa).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from stockingsim.solvers._setup import Setup, grid_to_points, layer_multiple, nearest_sections
from stockingsim.solvers._tube import solve_tube

__all__ = ["LayerTube", "band_factor", "kit_tubes", "solve_layers"]


@dataclass
class LayerTube:
    """One layer of a kit as a tube: its rings, fabric, what it rests on (internal)."""

    rings: np.ndarray  # (kr,) ring heights, m
    relaxed_m: np.ndarray  # (kr,) relaxed circumference of each ring
    fabric: Any
    axial_prestrain: float
    offset_m: float = 0.0  # thickness of the layers below
    friction: float = 0.0  # Coulomb coefficient on the surface below (skin or layer)
    hoop_layers: np.ndarray | None = None  # (kr,) the layer's own folds / rolled top


def band_factor(stocking: Any, leg: Any, setup: Setup, rings: np.ndarray, offset_m: float):
    """A layer's folds and rolled top as a multiple of its hoop force on each ring, or None.

    At the nearest section of each ring (a band narrower than the ring step still lands on a
    ring), with the layer on the girth of the section's hull plus ``2 pi offset_m``.
    """
    if not getattr(stocking, "bands", ()):
        return None
    near = nearest_sections(setup, rings)
    h = setup.heights_m[near]
    girth = setup.hull_m[near] + 2.0 * math.pi * offset_m
    eps = girth / stocking.relaxed_circumference_at(leg, h) - 1.0
    taut = np.isfinite(eps) & (eps > 0)
    t = np.asarray(stocking.fabric.tension(np.where(taut, eps, 0.0), "course", "unloading"))
    t = np.where(taut, np.maximum(t, 0.0), 0.0)
    factor = layer_multiple(t, stocking.band_tension(leg, h, girth))
    return factor if np.any(factor != 1.0) else None


def kit_tubes(
    leg: Any, setup: Setup, kit: Any, rings: np.ndarray, relaxed_m: np.ndarray, mu_skin: float,
    ring_step_m: float,
) -> list[LayerTube]:  # fmt: skip
    """The tubes of a kit's layers, innermost first (layers that cover no ring are left out)."""
    inner = kit.layers[0]
    tubes = [
        LayerTube(
            rings,
            relaxed_m,
            inner.fabric,
            float(inner.axial_prestrain),
            0.0,
            mu_skin,
            band_factor(inner, leg, setup, rings, 0.0),
        )  # fmt: skip
    ]
    under = kit.thicknesses_under_m
    for layer, t_under in zip(kit.layers[1:], under[1:]):
        lo, hi = (float(x) for x in layer.coverage_m(leg))
        lo, hi = max(lo, float(rings[0])), min(hi, float(rings[-1]))
        if hi - lo < 1e-6:
            continue
        n = max(3, int(round((hi - lo) / ring_step_m)) + 1)
        r_j = np.linspace(lo, hi, n)
        tubes.append(
            LayerTube(
                r_j,
                np.asarray(layer.relaxed_circumference_at(leg, r_j), dtype=float),
                layer.fabric,
                float(layer.axial_prestrain),
                float(t_under),
                float(kit.friction),
                band_factor(layer, leg, setup, r_j, float(t_under)),
            )  # fmt: skip
        )
    return tubes


def solve_layers(
    rmap: np.ndarray, map_heights: np.ndarray, k_map: np.ndarray, tubes: list[LayerTube],
    to_map: Any = None, passes: int = 1, **tube_options: Any,
) -> list[dict[str, Any]]:  # fmt: skip
    """Solve each layer on the surface below it; adds ``skin_pressure_pa`` to each output.

    ``skin_pressure_pa`` is the layer's contact pressure carried to the skin through the
    layers below, ``p (R + t) / R`` with ``R + t`` the surface the node rests on.

    On a soft (Winkler) tissue the skin sinks under the pressure of every layer, not only of
    the one being solved: with ``passes > 1`` and ``to_map(j, out, values)`` (a layer's node
    values on the map grid, zero outside the layer) each layer is solved on the skin pushed in
    by the other layers' pressure ``p_i / k`` (block Gauss-Seidel over the layers; the first
    pass solves each layer on the sink of the layers below it).
    """
    sinks = [np.zeros(rmap.shape) for _ in tubes]
    outs: list[dict[str, Any]] = [{} for _ in tubes]
    for _ in range(max(1, int(passes)) if to_map is not None else 1):
        for j, tube in enumerate(tubes):
            others = sum((sinks[i] for i in range(len(tubes)) if i != j), np.zeros(rmap.shape))
            out = solve_tube(
                rmap + tube.offset_m - others, map_heights, k_map, tube.rings, tube.relaxed_m,
                tube.fabric, tube.axial_prestrain, friction=tube.friction,
                hoop_layers=tube.hoop_layers, **tube_options,
            )  # fmt: skip
            rest = out["r"] + out["sink_m"]  # the surface under the node
            out["skin_pressure_pa"] = (
                out["pressure_pa"] * rest / np.maximum(rest - tube.offset_m, 1e-9)
            )
            out["offset_m"] = tube.offset_m
            out["layer_friction"] = tube.friction
            # how far the skin under the node is pushed in: by this layer and by the others
            pushed = grid_to_points(map_heights, others, out["z"].ravel(), out["theta"].ravel())
            out["skin_sink_m"] = out["sink_m"] + np.reshape(pushed, out["sink_m"].shape)
            outs[j] = out
            if to_map is not None and passes > 1:
                sinks[j] = np.maximum(to_map(j, out, out["skin_pressure_pa"]), 0.0) / k_map
    return outs
