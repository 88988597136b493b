"""PressureResult: what every pressure method returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim import vocabulary as vocab
from stockingsim.solvers._setup import Setup, vertex_heights
from stockingsim.vocabulary import PA_PER_MMHG

__all__ = ["PressureResult", "PROFILE_COLUMNS"]

PROFILE_COLUMNS = [
    "height_m",
    "circumference_m",
    "relaxed_circumference_m",
    "strain",
    "tension_n_per_m",
    "pressure_mmhg",
    "pressure_min_mmhg",
    "pressure_max_mmhg",
]


@dataclass(frozen=True, eq=False)
class PressureResult:
    """Interface pressure of a stocking on a leg, per vertex and as profiles.

    Attributes
    ----------
    leg : Leg
    stocking : Stocking
    method : str
        "laplace", "membrane", "bridging" or "contact".
    pressure_mmhg : ndarray of shape (N,)
        Interface pressure per vertex, mmHg; 0 where the fabric does not touch the skin or the
        stocking does not cover the vertex.
    strain : ndarray of shape (N,)
        Hoop strain of the fabric at the vertex height (nan outside the stocking).
    tension_n_per_m : ndarray of shape (N,)
        Hoop tension at the vertex height, N/m (0 outside the stocking).
    covered : ndarray of shape (N,), bool
        Vertices the stocking covers.
    profile : pandas.DataFrame
        One row per landmark of the leg (index = landmark name), columns height_m,
        circumference_m (hull girth), relaxed_circumference_m, strain, tension_n_per_m,
        pressure_mmhg (arc-length weighted mean around the section), pressure_min_mmhg,
        pressure_max_mmhg. Landmarks outside the stocking have pressure 0 and strain nan.
    sections : pandas.DataFrame
        The same columns on a regular height grid (every 5 mm by default), index 0..K-1.
    elapsed_s : float
        Wall time of the simulation, seconds.
    info : dict
        Method details (grid sizes, iterations, residual, ...).
    covered_range_m : tuple of float or None
        ``(bottom, top)`` heights in metres of the part of the leg the stocking covers; the
        gradient check (:func:`stockingsim.check_gradient`) skips landmarks outside it; when the leg does not reach
        the style's top landmark the top is the top of the mesh (a
        :class:`~stockingsim.errors.StyleWarning` says so) and ``info["style_complete"]`` is
        False.
    """

    leg: Any
    stocking: Any
    method: str
    pressure_mmhg: np.ndarray
    strain: np.ndarray
    tension_n_per_m: np.ndarray
    covered: np.ndarray
    profile: pd.DataFrame
    sections: pd.DataFrame
    elapsed_s: float = 0.0
    info: dict = field(default_factory=dict)
    covered_range_m: tuple[float, float] | None = None

    def pressure_at(self, landmark: str) -> float:
        """Mean pressure (mmHg) around the section at a landmark, e.g. ``"B"``."""
        if landmark not in self.profile.index:
            raise errors.LandmarkError(
                f"landmark {landmark!r} is not on leg {getattr(self.leg, 'name', '')!r} "
                f"(landmarks: {', '.join(self.profile.index) or 'none'}); give it with "
                "leg.with_landmarks({...}) before simulating."
            )
        return float(self.profile.loc[landmark, "pressure_mmhg"])

    def classify(self, standard: str = vocab.DEFAULT_STANDARD) -> str | None:
        """Compression class of the pressure at B under ``standard`` (None between classes)."""
        from stockingsim.standards import classify

        return classify(self.pressure_at("B"), standard=standard)

    # --- thin delegates to stockingsim.viz / stockingsim.exports (imported lazily) ------------
    def plot(self, filename: str | None = None, **kw: Any) -> Any:
        """3D pressure map (see :func:`stockingsim.viz.plot_pressure_map`)."""
        from stockingsim import viz

        return viz.plot_pressure_map(self, filename, **kw)

    def plot_profile(self, filename: str | None = None, **kw: Any) -> Any:
        """Pressure vs height (see :func:`stockingsim.viz.plot_profile`)."""
        from stockingsim import viz

        return viz.plot_profile(self, filename, **kw)

    def plot_unrolled(self, filename: str | None = None, **kw: Any) -> Any:
        """Unrolled angle x height map (see :func:`stockingsim.viz.plot_unrolled`)."""
        from stockingsim import viz

        return viz.plot_unrolled(self, filename, **kw)

    def to_vtk(self, path: Any) -> Any:
        """Write the pressure map as VTK (see :func:`stockingsim.exports.to_vtk`)."""
        from stockingsim import exports as io

        return io.to_vtk(self, path)

    def to_ply(self, path: Any) -> Any:
        """Write a coloured PLY (see :func:`stockingsim.exports.to_ply`)."""
        from stockingsim import exports as io

        return io.to_ply(self, path)

    def to_csv(self, path: Any) -> Any:
        """Write the profile tables as CSV (see :func:`stockingsim.exports.to_csv`)."""
        from stockingsim import exports as io

        return io.to_csv(self, path)

    def to_json(self, path: Any) -> Any:
        """Write a JSON summary (see :func:`stockingsim.exports.to_json`)."""
        from stockingsim import exports as io

        return io.to_json(self, path)

    def __repr__(self) -> str:
        lm = ", ".join(
            f"{k}={v:.1f}" for k, v in self.profile["pressure_mmhg"].items() if np.isfinite(v)
        )
        return (
            f"PressureResult(method={self.method!r}, leg={getattr(self.leg, 'name', '')!r}, "
            f"n_vertices={len(self.pressure_mmhg)}, mmHg: {lm or '-'}, "
            f"elapsed_s={self.elapsed_s:.3f})"
        )


def build_result(
    leg: Any,
    stocking: Any,
    method: str,
    setup: Setup,
    pressure_pa: np.ndarray,
    stats_pa: np.ndarray,
    elapsed_s: float,
    info: dict,
) -> PressureResult:
    """Assemble a PressureResult from per-vertex pressure and per-section (mean, min, max)."""
    h = vertex_heights(leg)
    covered = setup.covers(h)
    p = np.where(covered, np.nan_to_num(np.maximum(pressure_pa, 0.0)), 0.0) / PA_PER_MMHG
    hs = setup.heights_m
    strain_v = np.where(covered, np.interp(h, hs, _fill(setup.strain)), np.nan)
    tension_v = np.where(covered, np.interp(h, hs, setup.tension), 0.0)
    stats = np.nan_to_num(np.maximum(stats_pa, 0.0)) / PA_PER_MMHG
    # the section table's columns, in PROFILE_COLUMNS order
    columns = np.column_stack(
        [hs, setup.hull_m, setup.relaxed_m, setup.strain, setup.tension, *stats[:, :3].T]
    )
    sections = pd.DataFrame(columns[setup.is_grid], columns=PROFILE_COLUMNS)
    landmarks = getattr(leg, "landmarks", {}) or {}
    names = list(landmarks)
    rows = np.zeros((len(names), len(PROFILE_COLUMNS)))
    for i, (name, lm) in enumerate(landmarks.items()):
        if name in setup.landmark_index:
            rows[i] = columns[setup.landmark_index[name]]
        else:  # outside the stocking: no fabric, no pressure
            rows[i, :5] = float(lm.height_m), float(lm.circumference_m), np.nan, np.nan, 0.0
    profile = pd.DataFrame(rows, index=pd.Index(names, name="landmark"), columns=PROFILE_COLUMNS)
    for arr in (p, strain_v, tension_v, covered):
        arr.setflags(write=False)
    return PressureResult(
        leg=leg,
        stocking=stocking,
        method=method,
        pressure_mmhg=p,
        strain=strain_v,
        tension_n_per_m=tension_v,
        covered=covered,
        profile=profile,
        sections=sections,
        elapsed_s=float(elapsed_s),
        info=info,
        covered_range_m=(float(setup.bottom_m), float(setup.top_m)),
    )


def _fill(a: np.ndarray) -> np.ndarray:
    """Replace nan by the nearest finite value (for interpolation to vertices)."""
    a = np.asarray(a, dtype=float)
    ok = np.isfinite(a)
    if ok.all() or not ok.any():
        return np.nan_to_num(a)
    idx = np.arange(len(a))
    return np.interp(idx, idx[ok], a[ok])
