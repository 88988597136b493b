"""Agreement of predicted with measured pressures, as the clinical papers report it.

Bland and Altman (Lancet 1986, doi:10.1016/S0140-6736(86)90837-8): the differences
``predicted - measured`` have a mean (the bias) and a standard deviation; 95 % of the
differences are expected within ``bias +/- 1.96 SD`` (the limits of agreement). Partsch et al.
(J Vasc Surg 2006) report calculated versus MST-measured stocking pressure at B1 this way, with
limits of about -10 to +6 mmHg.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim.calibration._measurements import as_measurements

__all__ = ["Agreement", "agreement", "agreement_stats", "predict_measurements"]

_STAT_COLUMNS = [
    "n",
    "bias_mmhg",
    "sd_mmhg",
    "loa_low_mmhg",
    "loa_high_mmhg",
    "mae_mmhg",
    "rmse_mmhg",
    "r",
]


def agreement_stats(predicted: Any, measured: Any) -> dict[str, float]:
    """Bias, SD, 95 % limits of agreement, MAE, RMSE and Pearson r of ``predicted - measured``."""
    pred = np.asarray(predicted, dtype=float)
    meas = np.asarray(measured, dtype=float)
    d = pred - meas
    n = int(d.size)
    bias = float(np.mean(d)) if n else np.nan
    sd = float(np.std(d, ddof=1)) if n > 1 else np.nan
    r = np.nan
    if n > 2 and np.ptp(pred) > 0 and np.ptp(meas) > 0:
        r = float(np.corrcoef(pred, meas)[0, 1])
    return {
        "n": n,
        "bias_mmhg": bias,
        "sd_mmhg": sd,
        "loa_low_mmhg": bias - 1.96 * sd,
        "loa_high_mmhg": bias + 1.96 * sd,
        "mae_mmhg": float(np.mean(np.abs(d))) if n else np.nan,
        "rmse_mmhg": float(np.sqrt(np.mean(d**2))) if n else np.nan,
        "r": r,
    }


@dataclass(frozen=True, eq=False)
class Agreement:
    """Agreement statistics of predictions with measurements.

    Attributes
    ----------
    pairs : pandas.DataFrame
        The measurement rows with ``predicted_mmhg``, ``difference_mmhg`` (predicted minus
        measured) and ``mean_mmhg`` (their average, the Bland-Altman abscissa).
    table : pandas.DataFrame
        One row per group (``overall``, ``point=B1``, ``device=MST``, ...), columns ``n``,
        ``bias_mmhg``, ``sd_mmhg``, ``loa_low_mmhg``, ``loa_high_mmhg`` (bias -/+ 1.96 SD),
        ``mae_mmhg``, ``rmse_mmhg``, ``r`` (Pearson).
    """

    pairs: pd.DataFrame
    table: pd.DataFrame

    def _get(self, key: str) -> float:
        return float(self.table.loc["overall", key])

    @property
    def n(self) -> int:
        return int(self.table.loc["overall", "n"])

    @property
    def bias_mmhg(self) -> float:
        return self._get("bias_mmhg")

    @property
    def sd_mmhg(self) -> float:
        return self._get("sd_mmhg")

    @property
    def limits_mmhg(self) -> tuple[float, float]:
        """95 % limits of agreement ``(bias - 1.96 SD, bias + 1.96 SD)``, mmHg."""
        return self._get("loa_low_mmhg"), self._get("loa_high_mmhg")

    @property
    def mae_mmhg(self) -> float:
        return self._get("mae_mmhg")

    @property
    def r(self) -> float:
        return self._get("r")

    def plot(self, filename: str | None = None, **kw: Any) -> Any:
        """Bland-Altman and predicted-vs-measured (see :func:`stockingsim.viz.plot_agreement`)."""
        from stockingsim import viz

        return viz.plot_agreement(self, filename, **kw)

    def __repr__(self) -> str:
        lo, hi = self.limits_mmhg
        return (
            f"Agreement(n={self.n}, bias={self.bias_mmhg:+.2f} mmHg, limits {lo:+.1f} to "
            f"{hi:+.1f} mmHg, MAE={self.mae_mmhg:.2f} mmHg, r={self.r:.3f})"
        )


def _table(pairs: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    rows = {"overall": agreement_stats(pairs["predicted_mmhg"], pairs["pressure_mmhg"])}
    for col in by:
        if col not in pairs.columns:
            raise errors.CalibrationError(f"agreement: cannot group by unknown column {col!r}.")
        values = pairs[col].astype(str)
        if values.nunique() < 2 and col != "point":
            continue
        for value, grp in pairs.groupby(values, sort=True):
            if value == "":
                continue
            rows[f"{col}={value}"] = agreement_stats(grp["predicted_mmhg"], grp["pressure_mmhg"])
    table = pd.DataFrame.from_dict(rows, orient="index", columns=_STAT_COLUMNS)
    table.index.name = "group"
    table["n"] = table["n"].astype(int)
    return table


def agreement(
    predictions: Any, measurements: Any, *, by: tuple[str, ...] = ("point", "device")
) -> Agreement:
    """Compare predicted with measured pressures (Bland-Altman statistics).

    Parameters
    ----------
    predictions
        What the model predicts for the measured rows: a :class:`PressureResult` (for a table
        of one leg, or matched by leg name), a list of results or a dict ``{leg_id: result}``
        (or ``{(leg_id, stocking): result}``), a :func:`run_batch` table (matched on
        ``leg_name`` and, when it has several, ``stocking_name``; one method at a time), or an
        array of predicted mmHg in the order of the measurement rows.
    measurements
        A table from :func:`read_measurements`, a path to one, or a DataFrame with recognizable
        columns.
    by
        Columns to group by besides the overall statistics.

    Returns
    -------
    Agreement
        ``.table`` (overall and per group: n, bias, SD, 95 % limits, MAE, RMSE, r) and
        ``.pairs`` (each row with predicted, difference and mean).

    Raises
    ------
    CalibrationError
        A measurement row has no matching prediction (the message names it), or a batch table
        mixes methods.
    """
    meas = as_measurements(measurements)
    predicted = predict_measurements(predictions, meas)
    pairs = meas.copy()
    pairs["predicted_mmhg"] = predicted
    pairs["difference_mmhg"] = pairs["predicted_mmhg"] - pairs["pressure_mmhg"]
    pairs["mean_mmhg"] = 0.5 * (pairs["predicted_mmhg"] + pairs["pressure_mmhg"])
    return Agreement(pairs=pairs, table=_table(pairs, tuple(by)))


# ------------------------------------------------------------------------------------ matching
def _result_value(result: Any, row: pd.Series) -> float:
    if row["point"]:
        if row["point"] not in result.profile.index:
            raise errors.CalibrationError(
                f"agreement: leg {getattr(result.leg, 'name', '')!r} has no landmark "
                f"{row['point']!r} for the measurement of {row['leg_id']!r}; give the leg that "
                "landmark or measure at a height instead."
            )
        return float(result.profile.loc[row["point"], "pressure_mmhg"])
    sec = result.sections
    h = float(row["height_cm"]) / 100.0
    lo, hi = float(sec["height_m"].min()), float(sec["height_m"].max())
    if not lo - 1e-9 <= h <= hi + 1e-9:
        return 0.0  # outside the stocking: no pressure
    return float(np.interp(h, sec["height_m"], sec["pressure_mmhg"]))


def _is_result(obj: Any) -> bool:
    return all(hasattr(obj, a) for a in ("profile", "sections", "pressure_mmhg", "leg"))


def _stocking_name(result: Any) -> str:
    return str(getattr(getattr(result, "stocking", None), "name", "") or "")


def _from_results(results: dict[Any, Any], meas: pd.DataFrame) -> np.ndarray:
    out = np.full(len(meas), np.nan)
    single = next(iter(results.values())) if len(results) == 1 else None
    for i, row in meas.iterrows():
        res = results.get((row["leg_id"], row["stocking"])) or results.get(row["leg_id"])
        if res is None and single is not None and meas["leg_id"].nunique() == 1:
            res = single
        if res is None:
            raise errors.CalibrationError(
                f"agreement: no prediction for leg {row['leg_id']!r} (stocking "
                f"{row['stocking']!r}, row {i + 1}); predictions are for "
                f"{sorted(map(str, results))}. Key the results by the measurement's leg id."
            )
        out[i] = _result_value(res, row)
    return out


def _from_batch(table: pd.DataFrame, meas: pd.DataFrame) -> np.ndarray:
    ok = table
    if "error" in ok.columns:
        ok = ok[ok["error"].astype(object).fillna("").astype(str) == ""]
    if "method" in ok.columns and ok["method"].nunique() > 1:
        raise errors.CalibrationError(
            f"agreement: the batch table holds several methods ({sorted(ok['method'].unique())});"
            " compare one at a time, e.g. table[table.method == 'membrane']."
        )
    by_stocking = "stocking_name" in ok.columns and (meas["stocking"] != "").any()
    out = np.full(len(meas), np.nan)
    for i, row in meas.iterrows():
        if not row["point"]:
            raise errors.CalibrationError(
                f"agreement: row {i + 1} is measured at a height; a batch table has pressures at"
                " landmarks only. Give the point (B, B1, C, ...) or compare PressureResults."
            )
        hit = ok[ok["leg_name"].astype(str) == row["leg_id"]]
        if by_stocking and hit["stocking_name"].nunique() > 1:
            hit = hit[hit["stocking_name"].astype(str) == row["stocking"]]
        if len(hit) != 1:
            raise errors.CalibrationError(
                f"agreement: {len(hit)} batch rows match leg {row['leg_id']!r} stocking "
                f"{row['stocking']!r} (row {i + 1}); the leg_name (and stocking_name) of the "
                "batch must match the measurement's leg id (and stocking) once."
            )
        out[i] = float(hit.iloc[0][f"pressure_{row['point']}_mmhg"])
    return out


def predict_measurements(predictions: Any, meas: pd.DataFrame) -> np.ndarray:
    """Predicted mmHg for each measurement row (see :func:`agreement` for the forms)."""
    if _is_result(predictions):
        return _from_results({getattr(predictions.leg, "name", ""): predictions}, meas)
    if isinstance(predictions, dict):
        bad = [k for k, v in predictions.items() if not _is_result(v)]
        if bad:
            raise errors.CalibrationError(
                f"agreement: predictions[{bad[0]!r}] is not a PressureResult."
            )
        return _from_results(dict(predictions), meas)
    if isinstance(predictions, pd.DataFrame):
        if "leg_name" in predictions.columns and any(
            c.startswith("pressure_") for c in predictions.columns
        ):
            return _from_batch(predictions, meas)
        if "predicted_mmhg" in predictions.columns:
            return _aligned(predictions["predicted_mmhg"].to_numpy(float), meas)
    if isinstance(predictions, list | tuple) and predictions and all(map(_is_result, predictions)):
        keyed: dict[Any, Any] = {}
        for res in predictions:
            name = str(getattr(res.leg, "name", ""))
            keyed[(name, _stocking_name(res))] = res
            keyed.setdefault(name, res)
        return _from_results(keyed, meas)
    try:
        values = np.asarray(predictions, dtype=float)
    except (TypeError, ValueError):
        values = None
    if values is None or values.ndim != 1:
        raise errors.CalibrationError(
            "agreement: predictions must be a PressureResult, a list or dict of them, a "
            f"run_batch table or an array of mmHg; got {type(predictions).__name__}."
        )
    return _aligned(values, meas)


def _aligned(values: np.ndarray, meas: pd.DataFrame) -> np.ndarray:
    if values.shape != (len(meas),):
        raise errors.CalibrationError(
            f"agreement: {values.size} predicted values for {len(meas)} measurement rows; give "
            "one per row, in order."
        )
    if not np.isfinite(values).all():
        raise errors.CalibrationError("agreement: predicted values must be finite numbers.")
    return values
