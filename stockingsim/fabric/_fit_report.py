"""The record of a tensile-test fit: one :class:`BranchFit` per curve, kept in a :class:`FitReport`.

The bottom layer above the models: the tensile reader produces it and the fabric keeps it, so it
imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["BranchFit", "FitReport"]


@dataclass(frozen=True)
class BranchFit:
    """Quality of the fit of one branch of one direction to tensile data.

    Attributes
    ----------
    direction, branch
        Which curve (``"course"``/``"wale"``, ``"loading"``/``"unloading"``).
    model
        Model kind (``"polynomial"``, ...).
    params
        ``((name, value), ...)`` fitted parameters (units as in the model class).
    r2
        Coefficient of determination of tension.
    rmse_n_per_m
        Root-mean-square residual of tension, N/m.
    strain_min, strain_max
        Strain range of the fitted points.
    n_points
        Number of points fitted.
    covariance
        Asymptotic covariance of the model's parameter vector (order of
        ``stockingsim.fabric._params.parameter_names``), ``((c00, c01, ...), ...)``, or None when
        not estimated. It is what :func:`stockingsim.pressure_uncertainty` propagates.
    """

    direction: str
    branch: str
    model: str
    params: tuple[tuple[str, Any], ...]
    r2: float
    rmse_n_per_m: float
    strain_min: float
    strain_max: float
    n_points: int
    covariance: tuple[tuple[float, ...], ...] | None = None


@dataclass(frozen=True)
class FitReport:
    """Record of a tensile-test fit, kept on the fabric as ``fabric.fit_report``.

    Attributes
    ----------
    source
        File name(s) of the test data.
    width_mm, gauge_mm
        Specimen width and gauge length, mm.
    model
        Model kind fitted.
    cycles
        Which cycles were used (``"all"`` or a 1-based cycle number as text).
    fits
        One :class:`BranchFit` per fitted (direction, branch).
    notes
        Assumptions applied (e.g. the wale direction derived from a ratio).
    """

    source: str
    width_mm: float
    gauge_mm: float
    model: str
    cycles: str
    fits: tuple[BranchFit, ...]
    notes: tuple[str, ...] = ()

    def table(self):
        """The fits as a pandas DataFrame, one row per (direction, branch)."""
        import pandas as pd

        rows = [
            {
                "direction": f.direction,
                "branch": f.branch,
                "model": f.model,
                "r2": f.r2,
                "rmse_n_per_m": f.rmse_n_per_m,
                "strain_min": f.strain_min,
                "strain_max": f.strain_max,
                "n_points": f.n_points,
                **{f"param_{k}": v for k, v in f.params},
            }
            for f in self.fits
        ]
        return pd.DataFrame(rows).set_index(["direction", "branch"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "width_mm": self.width_mm,
            "gauge_mm": self.gauge_mm,
            "model": self.model,
            "cycles": self.cycles,
            "fits": [
                {
                    "direction": f.direction,
                    "branch": f.branch,
                    "model": f.model,
                    "params": [[k, v] for k, v in f.params],
                    "r2": f.r2,
                    "rmse_n_per_m": f.rmse_n_per_m,
                    "strain_min": f.strain_min,
                    "strain_max": f.strain_max,
                    "n_points": f.n_points,
                    **(
                        {}
                        if f.covariance is None
                        else {"covariance": [list(row) for row in f.covariance]}
                    ),
                }
                for f in self.fits
            ],
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FitReport:
        fits = tuple(
            BranchFit(
                direction=f["direction"],
                branch=f["branch"],
                model=f["model"],
                params=tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in f["params"]),
                r2=float(f["r2"]),
                rmse_n_per_m=float(f["rmse_n_per_m"]),
                strain_min=float(f["strain_min"]),
                strain_max=float(f["strain_max"]),
                n_points=int(f["n_points"]),
                covariance=(
                    None
                    if f.get("covariance") is None
                    else tuple(tuple(float(v) for v in row) for row in f["covariance"])
                ),
            )
            for f in data["fits"]
        )
        return cls(
            source=str(data["source"]),
            width_mm=float(data["width_mm"]),
            gauge_mm=float(data["gauge_mm"]),
            model=str(data["model"]),
            cycles=str(data["cycles"]),
            fits=fits,
            notes=tuple(str(n) for n in data.get("notes", ())),
        )
