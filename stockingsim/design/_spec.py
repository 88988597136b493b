"""The spec sheet of a designed stocking: per-landmark table and the 1 cm knitting table.

Public names are re-exported by :mod:`stockingsim.design`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors

# --------------------------------------------------------------------------------------------
# spec sheet
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class DesignSpec:
    """Spec sheet of a designed stocking.

    Behaves like its per-landmark table (``spec["flat_width_cm"]``, ``spec.loc["B"]``,
    ``print(spec)``) and also carries the knitting table.

    Attributes
    ----------
    landmarks : pandas.DataFrame
        Index = covered landmarks from B up; columns ``height_cm``, ``leg_circumference_cm``
        (convex-hull girth), ``relaxed_circumference_cm``, ``flat_width_cm`` (half the relaxed
        circumference), ``strain``, ``tension_n_per_m``, ``target_mmhg``, ``predicted_mmhg``
        (simulated with ``method``), ``error_mmhg`` (predicted - target), ``percent_of_B``.
    courses : pandas.DataFrame
        The knitting program: one row per 1 cm of leg height from the bottom to the top of the
        stocking: ``height_cm`` (on the leg), ``relaxed_length_cm`` (position along the relaxed
        stocking from its bottom edge = leg distance / (1 + axial pre-strain)),
        ``leg_circumference_cm``, ``relaxed_circumference_cm``, ``flat_width_cm``, ``strain``,
        ``tension_n_per_m``, ``target_mmhg``, ``predicted_mmhg`` and ``landmark`` (name of the
        landmark in that row, else "").
    target, method, fabric, style, leg : str
        What was designed, with which method, fabric, style, on which leg.
    tol_mmhg : float
        Stated tolerance of the iteration on the landmark pressures.
    iterations : int
        Number of simulations used.
    max_error_mmhg : float
        Largest |predicted - target| over the covered landmarks.
    n_layers : int
        1 for a stocking; for the outer layer of a kit, the kit's number of layers. The tables
        then describe the outer layer (its girth on the layers below, its strain and tension,
        and ``under_tension_n_per_m``, the layers below), with the kit's target and predicted
        pressures.
    """

    landmarks: pd.DataFrame
    courses: pd.DataFrame
    target: str
    method: str
    fabric: str
    style: str
    leg: str
    tol_mmhg: float
    iterations: int
    max_error_mmhg: float
    n_layers: int = 1

    # --- behave like the landmark table -------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or "landmarks" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["landmarks"], name)

    def __getitem__(self, key: Any) -> Any:
        return self.landmarks[key]

    def __len__(self) -> int:
        return len(self.landmarks)

    def __iter__(self):
        return iter(self.landmarks)

    def __repr__(self) -> str:
        head = (
            f"DesignSpec: {self.target} on leg '{self.leg}', fabric '{self.fabric}', style "
            f"{self.style}, method {self.method} (max error {self.max_error_mmhg:.2f} mmHg, "
            f"tolerance {self.tol_mmhg:g} mmHg, {self.iterations} simulation(s); "
            f"{len(self.courses)} course rows in .courses)\n"
        )
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            return head + self.landmarks.round(2).to_string()

    def _repr_html_(self) -> str:
        return f"<p>{repr(self).splitlines()[0]}</p>" + self.landmarks.round(2).to_html()

    def to_frame(self) -> pd.DataFrame:
        """The per-landmark table (a copy)."""
        return self.landmarks.copy()

    def to_csv(self, path: str | Path, courses_path: str | Path | None = None) -> list[Path]:
        """Write the landmark table to ``path`` and the knitting table beside it.

        Parameters
        ----------
        path : str or Path
            CSV file for the landmark table.
        courses_path : str or Path, optional
            CSV file for the course table; default ``<path stem>_courses.csv``.

        Returns
        -------
        list of Path
            The files written.
        """
        path = Path(path)
        courses_path = (
            path.with_name(path.stem + "_courses.csv")
            if courses_path is None
            else Path(courses_path)
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.landmarks.to_csv(path)
            self.courses.to_csv(courses_path, index=False)
        except OSError as exc:
            raise errors.ExportError(
                f"cannot write the spec sheet to {path}: {exc}; choose a writable folder"
            ) from exc
        return [path, courses_path]


# --------------------------------------------------------------------------------------------
# building the sheet from a design
# --------------------------------------------------------------------------------------------


def profile_pressures(result: Any, names: list[str]) -> np.ndarray:
    """Simulated pressure (mmHg) at the named landmarks (NaN where the profile has none)."""
    prof = result.profile
    return np.array(
        [float(prof.loc[lm, "pressure_mmhg"]) if lm in prof.index else np.nan for lm in names]
    )


def build_spec(leg, tgt, grid, layer, best, *, method: str, tol: float) -> DesignSpec:
    """The spec sheet of the best iterate of a design (see ``design._core``)."""
    fabric = layer.fabric
    n_layers = len(layer.below) + 1
    return DesignSpec(
        landmarks=_landmark_table(leg, grid, layer, best),
        courses=_course_table(leg, tgt, grid, layer, best),
        target=tgt.label,
        method=method,
        fabric=str(getattr(fabric, "name", fabric)),
        style=layer.template.style,
        leg=str(getattr(leg, "name", "leg")),
        tol_mmhg=tol,
        iterations=best.iterations,
        max_error_mmhg=best.max_error_mmhg,
        n_layers=n_layers,
    )


def _layer_state(leg, layer, designed, heights_m, girth_m) -> dict[str, np.ndarray]:
    """Relaxed circumference, strain and tension of the designed layer at the given heights."""
    relaxed = np.asarray(designed.relaxed_circumference_at(leg, heights_m), float)
    strain = (girth_m + 2.0 * np.pi * layer.under_thickness_m) / relaxed - 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ExtrapolationWarning)
        tension = np.where(
            strain > 0,
            np.asarray(layer.fabric.tension(np.maximum(strain, 0), direction="course"), float),
            0.0,
        )
    state = {
        "relaxed_circumference_cm": 100 * relaxed,
        "flat_width_cm": 50 * relaxed,
        "strain": strain,
        "tension_n_per_m": tension,
    }
    if layer.below:
        state["under_tension_n_per_m"] = layer.under_tension(leg, heights_m, girth_m)
    return state


def _landmark_table(leg, grid, layer, best) -> pd.DataFrame:
    heights = grid.covered_heights_m
    girth = grid.covered_girth_m
    predicted = profile_pressures(best.result, grid.covered)
    target = grid.target_landmarks_mmhg
    p_b = predicted[0] if grid.covered and grid.covered[0] == "B" else np.nan
    return pd.DataFrame(
        {
            "height_cm": 100 * heights,
            "leg_circumference_cm": 100 * girth,
            **_layer_state(leg, layer, best.layer, heights, girth),
            "target_mmhg": target,
            "predicted_mmhg": predicted,
            "error_mmhg": predicted - target,
            "percent_of_B": 100 * predicted / p_b,
        },
        index=pd.Index(grid.covered, name="landmark"),
    )


def _course_table(leg, tgt, grid, layer, best) -> pd.DataFrame:
    course_h = grid.course_heights_m
    prestrain = float(getattr(best.layer, "axial_prestrain", 0.0) or 0.0)
    lm_row = np.full(len(course_h), "", dtype=object)
    for lm in grid.covered:
        i = int(np.argmin(np.abs(course_h - grid.landmark_heights[lm])))
        lm_row[i] = (lm_row[i] + "," + lm).strip(",")
    return pd.DataFrame(
        {
            "height_cm": 100 * course_h,
            "relaxed_length_cm": 100 * (course_h - grid.bottom_m) / (1.0 + prestrain),
            "leg_circumference_cm": 100 * grid.course_girth_m,
            **_layer_state(leg, layer, best.layer, course_h, grid.course_girth_m),
            "target_mmhg": tgt.at_heights(course_h, grid.landmark_heights),
            "predicted_mmhg": _section_pressures(best.result, course_h),
            "landmark": lm_row,
        }
    )


def _section_pressures(result, heights_m) -> np.ndarray:
    sec = getattr(result, "sections", None)
    if sec is None or len(sec) == 0 or "height_m" not in sec or "pressure_mmhg" not in sec:
        return np.full(len(heights_m), np.nan)
    s = sec.sort_values("height_m")
    return np.interp(
        heights_m,
        s["height_m"].to_numpy(float),
        s["pressure_mmhg"].to_numpy(float),
        left=np.nan,
        right=np.nan,
    )
