"""Where a pressure profile rises going up the leg (a reversed gradient: a tourniquet).

One detector serves both the section tables of a result (:func:`find_reversals`) and landmark
or other profiles given as arrays (:func:`gradient_reversals`): going up the leg, the pressure
should never be above the lowest pressure below it. A *reversal* is a band of consecutive points
whose pressure is more than a tolerance above that floor (a fold, a rolled top, a tight band);
it is reported with its floor (where the pressure was lowest below it) and its peak.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from stockingsim import errors

#: A rise of the section pressure with height larger than this is a reversal (mmHg). Assumption:
#: above the scatter of a smooth profile (membrane on scanned legs) and well below the rise under
#: a fold (tens of mmHg).
REVERSAL_RISE_MMHG = 3.0
#: The bottom hem's edge zone, metres: the sections there are only partly covered (membrane, contact),
#: so their pressure ramps up from zero; a rise inside it is the edge, not a tourniquet. Assumption:
#: two 5 mm grid rows.
HEM_EDGE_M = 0.01


class _Bands(NamedTuple):
    """Reversal bands of a profile sorted upward, as indices into it (one entry per band)."""

    bottom: np.ndarray  # first point of the band
    top: np.ndarray  # last point of the band
    peak: np.ndarray  # highest pressure in the band
    floor: np.ndarray  # the lowest point below the band (the last one, on a tie)
    rise_mmhg: np.ndarray  # pressure at the peak minus the floor's


def _reversal_bands(p: np.ndarray, min_rise_mmhg: float) -> _Bands:
    """The one reversal detector: bands where ``p`` (sorted upward, finite) exceeds its floor.

    The floor of a point is the lowest pressure at or below it (a running minimum); a point is
    reversed when its pressure is more than ``min_rise_mmhg`` above its floor. Inside a band the
    floor is constant (a new minimum is never above itself), so each band has one floor point.
    """
    idx = np.arange(p.size)
    floor = np.minimum.accumulate(p) if p.size else p
    floor_at = np.maximum.accumulate(np.where(p <= floor, idx, 0)) if p.size else idx
    above = (p - floor > min_rise_mmhg).astype(np.int8)
    edges = np.diff(np.concatenate([[0], above, [0]]))
    bottom, end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    # the peak of each band: the first index of its maximum
    peak = np.array(
        [a + int(np.argmax(p[a:b])) for a, b in zip(bottom, end)], dtype=np.intp
    )  # loop over bands (a few), not points
    floor_idx = floor_at[bottom]
    return _Bands(bottom, end - 1, peak, floor_idx, p[peak] - p[floor_idx])


def find_reversals(
    sections: pd.DataFrame, min_rise_mmhg: float = REVERSAL_RISE_MMHG
) -> pd.DataFrame:
    """Bands where the pressure rises going up the leg: a fold or a rolled top (a tourniquet).

    Sections without pressure (outside the stocking) and the bottom hem's edge zone
    (:data:`HEM_EDGE_M`, where the pressure ramps up from zero) are left out; fewer than three
    covered sections give no reversal.

    Parameters
    ----------
    sections : pandas.DataFrame
        A section table (``PressureResult.sections``: ``height_m``, ``pressure_mmhg``).
    min_rise_mmhg : float
        Smallest rise above the lowest pressure below (from the bottom of the table) that
        counts.

    Returns
    -------
    pandas.DataFrame
        One row per reversal: ``height_m`` (of its peak), ``bottom_m``, ``top_m`` (where the
        pressure is above the level below it), ``peak_mmhg``, ``rise_mmhg``.

    See Also
    --------
    gradient_reversals : the same detector on a profile given as arrays.
    """
    h = sections["height_m"].to_numpy(float)
    p = np.nan_to_num(sections["pressure_mmhg"].to_numpy(float))
    covered = p > 0
    if covered.any():  # the hem's own ramp (sections the edge cuts) is not a reversal
        covered &= h >= h[covered].min() + HEM_EDGE_M
    cols = ["height_m", "bottom_m", "top_m", "peak_mmhg", "rise_mmhg"]
    if covered.sum() < 3:
        return pd.DataFrame([], columns=cols)
    order = np.argsort(h[covered], kind="stable")
    h, p = h[covered][order], p[covered][order]
    bands = _reversal_bands(p, min_rise_mmhg)
    values = [h[bands.peak], h[bands.bottom], h[bands.top], p[bands.peak], bands.rise_mmhg]
    return pd.DataFrame(dict(zip(cols, values)), columns=cols)


def gradient_reversals(
    heights_m: Any, pressure_mmhg: Any, *, tol_mmhg: float = 0.5, labels: Any = None
) -> pd.DataFrame:
    """Where a pressure profile rises going up the leg (a reversed gradient).

    A reversal is a band of points whose pressure is more than ``tol_mmhg`` above the lowest
    pressure below them: a tourniquet above a fold, a tight band, a rolled top. Heights are
    sorted first; NaN pressures (outside the stocking) are skipped. The detector is the one of
    :func:`find_reversals`, without its hem edge zone.

    Parameters
    ----------
    heights_m, pressure_mmhg : array_like of shape (K,)
        A profile (landmarks or a section grid).
    tol_mmhg : float
        Smallest rise reported, mmHg (default 0.5).
    labels : array_like of shape (K,), optional
        Names of the points (e.g. landmarks), used in the ``from``/``to`` columns.

    Returns
    -------
    pandas.DataFrame
        One row per reversal: ``from_height_m`` and ``from`` (the lowest point below it),
        ``to_height_m`` and ``to`` (its peak) with labels or heights as text,
        ``pressure_low_mmhg``, ``pressure_high_mmhg``, ``rise_mmhg``. Empty when the pressure
        never rises by more than ``tol_mmhg`` above a pressure below it.
    """
    h = np.asarray(heights_m, dtype=float).ravel()
    p = np.asarray(pressure_mmhg, dtype=float).ravel()
    if h.shape != p.shape:
        raise errors.StandardError(
            f"heights ({h.size}) and pressures ({p.size}) must have the same length."
        )
    names = np.asarray(labels if labels is not None else [f"{x:.3f} m" for x in h], dtype=object)
    keep = np.isfinite(h) & np.isfinite(p)
    order = np.argsort(h[keep], kind="stable")
    h, p, names = h[keep][order], p[keep][order], names[keep][order]
    bands = _reversal_bands(p, tol_mmhg)
    lo, hi = bands.floor, bands.peak
    cols = ["from_height_m", "to_height_m", "from", "to", "pressure_low_mmhg"]
    cols += ["pressure_high_mmhg", "rise_mmhg"]
    values = [h[lo], h[hi], names[lo], names[hi], p[lo], p[hi], bands.rise_mmhg]
    return pd.DataFrame(dict(zip(cols, values)), columns=cols)
