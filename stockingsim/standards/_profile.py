"""The landmark profile a standard judges: a result's or a table's, restricted to what is covered."""

from __future__ import annotations

from typing import Any

import pandas as pd

from stockingsim import errors
from stockingsim.vocabulary import LANDMARKS


def profile_frame(result: Any) -> pd.DataFrame:
    """Landmark profile of a PressureResult or a DataFrame, restricted to covered landmarks."""
    if isinstance(result, pd.DataFrame):
        profile = result
        covered = None
    elif hasattr(result, "profile"):
        profile = result.profile
        covered = None
        covered_range = getattr(result, "covered_range_m", None)
        if covered_range is not None and "height_m" in profile.columns:
            bottom, top = covered_range
            h = profile["height_m"].to_numpy(float)
            covered = (h >= bottom - 1e-6) & (h <= top + 1e-6)
    else:
        raise errors.StandardError(
            "expected a PressureResult or a profile DataFrame (index = landmark, column "
            f"'pressure_mmhg'), got {type(result).__name__}"
        )
    if "pressure_mmhg" not in profile.columns:
        raise errors.StandardError(
            "the profile has no 'pressure_mmhg' column; pass PressureResult.profile or a "
            "DataFrame indexed by landmark with a 'pressure_mmhg' column"
        )
    keep = profile["pressure_mmhg"].notna().to_numpy()
    if covered is not None:
        keep = keep & covered
    out = profile.loc[keep]
    order = [lm for lm in LANDMARKS if lm in out.index]
    return out.loc[order]


def pressure_at_b(obj: Any) -> Any:
    """The pressure at B of a result or a profile table; anything else is returned as given."""
    profile = (
        profile_frame(obj) if hasattr(obj, "profile") or isinstance(obj, pd.DataFrame) else None
    )
    if profile is None:
        return obj
    if "B" not in profile.index:
        raise errors.StandardError(
            "classification needs the pressure at landmark B (the ankle), which this profile "
            "does not have; give the leg a B landmark (Leg.with_landmarks) or pass the pressure"
        )
    return float(profile.loc["B", "pressure_mmhg"])
