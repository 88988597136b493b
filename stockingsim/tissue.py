"""Soft tissue under the stocking, as a Winkler foundation for the ``contact`` method.

The skin sinks by ``delta = p / k`` under a pressure ``p``; ``k`` (kPa/mm) is the foundation
stiffness. ``1 kPa/mm = 1e6 Pa/m``. A rigid leg (the default) is a very large ``k``.

Magnitudes (assumption, order of magnitude only): indentation tests of the calf give effective
Young's moduli of a few to a few tens of kPa for relaxed muscle and fat over 2-5 cm of tissue,
i.e. ``k = E / thickness`` of about 0.1-1 kPa/mm; over the tibial crest and the malleoli the bone
is under a few mm of skin, ``k`` of about 5-50 kPa/mm. Dubuis et al. (2012) identified
patient-specific soft tissue moduli of this order, doi:10.1007/s10237-011-0340-7.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from stockingsim import errors

__all__ = ["Tissue", "KPA_PER_MM_TO_PA_PER_M"]

#: 1 kPa/mm = 1000 Pa / 0.001 m.
KPA_PER_MM_TO_PA_PER_M = 1.0e6

#: Default soft and bony stiffness for :meth:`Tissue.bony_prominences` (assumption, see module).
SOFT_KPA_PER_MM = 0.5
BONY_KPA_PER_MM = 20.0


@dataclass(frozen=True, eq=False)
class Tissue:
    """Winkler stiffness of the soft tissue, uniform or per vertex.

    Parameters
    ----------
    stiffness_kpa_per_mm : None, float or ndarray of shape (N,)
        Foundation stiffness in kPa/mm. None (default) is a rigid leg.

    Examples
    --------
    >>> from stockingsim.tissue import Tissue
    >>> Tissue().rigid
    True
    >>> Tissue(0.5).stiffness_pa_per_m(n_vertices=3)
    array([500000., 500000., 500000.])
    """

    stiffness_kpa_per_mm: None | float | np.ndarray = None

    def __post_init__(self) -> None:
        k = self.stiffness_kpa_per_mm
        if k is None:
            return
        arr = np.asarray(k, dtype=float)
        if arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
            raise errors.SolverError(
                "Tissue stiffness must be a positive finite number or a 1-D array of them "
                f"(kPa/mm), got {k!r}. Use None for a rigid leg."
            )
        if arr.ndim == 0:
            object.__setattr__(self, "stiffness_kpa_per_mm", float(arr))
        else:
            arr = arr.copy()
            arr.setflags(write=False)
            object.__setattr__(self, "stiffness_kpa_per_mm", arr)

    @property
    def rigid(self) -> bool:
        """True when no stiffness was given (a rigid leg)."""
        return self.stiffness_kpa_per_mm is None

    def stiffness_pa_per_m(self, n_vertices: int, rigid_pa_per_m: float = 1.0e8) -> np.ndarray:
        """Per-vertex Winkler stiffness in Pa/m, shape (N,); rigid -> ``rigid_pa_per_m``."""
        k = self.stiffness_kpa_per_mm
        if k is None:
            return np.full(n_vertices, float(rigid_pa_per_m))
        arr = np.asarray(k, dtype=float) * KPA_PER_MM_TO_PA_PER_M
        if arr.ndim == 0:
            return np.full(n_vertices, float(arr))
        if arr.shape[0] != n_vertices:
            raise errors.SolverError(
                f"Tissue has {arr.shape[0]} per-vertex stiffnesses but the leg has "
                f"{n_vertices} vertices; build it for this leg (Tissue.bony_prominences(leg))."
            )
        return arr

    def stiffened(self, mask: Any, stiffness_kpa_per_mm: float, n_vertices: int) -> Tissue:
        """A new Tissue with ``stiffness_kpa_per_mm`` where ``mask`` (N,) bool is True."""
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (n_vertices,):
            raise errors.SolverError(f"mask must have shape ({n_vertices},), got {mask.shape}.")
        if not math.isfinite(float(stiffness_kpa_per_mm)) or stiffness_kpa_per_mm <= 0:
            raise errors.SolverError("stiffness_kpa_per_mm must be positive and finite.")
        base = (
            np.full(n_vertices, 1e6)  # rigid elsewhere, in kPa/mm (= 1e12 Pa/m)
            if self.rigid
            else np.broadcast_to(np.asarray(self.stiffness_kpa_per_mm, float), (n_vertices,))
        )
        return Tissue(np.where(mask, float(stiffness_kpa_per_mm), base))

    @classmethod
    def bony_prominences(
        cls,
        leg: Any,
        soft_kpa_per_mm: float = SOFT_KPA_PER_MM,
        bony_kpa_per_mm: float = BONY_KPA_PER_MM,
        crest_half_angle_deg: float = 15.0,
        malleolus_band_m: float = 0.03,
    ) -> Tissue:
        """Soft tissue with stiffer bony regions: the tibial crest and the ankle (malleoli).

        The tibial crest is the anterior strip (``|theta| < crest_half_angle_deg`` from the
        leg's anterior direction) between B and D; the malleoli are the band of
        ``malleolus_band_m`` below B (or the lowest 3 cm of a leg without landmarks). Both are
        rough anatomical proxies (assumption), good enough to show the effect of bone close
        under the skin.

        Parameters
        ----------
        leg : Leg
        soft_kpa_per_mm, bony_kpa_per_mm : float
            Stiffness of soft and bony regions, kPa/mm.
        crest_half_angle_deg, malleolus_band_m : float
            Size of the bony regions.

        Returns
        -------
        Tissue
            With a per-vertex stiffness array of shape (N,).
        """
        h, theta, _ = leg.cylindrical
        lm = getattr(leg, "landmarks", {}) or {}
        h_b = lm["B"].height_m if "B" in lm else float(np.min(h)) + malleolus_band_m
        h_d = lm["D"].height_m if "D" in lm else float(np.max(h))
        crest = (np.abs(theta) < math.radians(crest_half_angle_deg)) & (h >= h_b) & (h <= h_d)
        ankle = (h >= h_b - malleolus_band_m) & (h <= h_b + 0.005)
        k = np.where(crest | ankle, float(bony_kpa_per_mm), float(soft_kpa_per_mm))
        return cls(k)
