"""Landmark detection from the convex-hull girth profile."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from stockingsim import errors
from stockingsim._numbers import LENGTH_UNITS_M
from stockingsim.vocabulary import LANDMARKS

__all__ = ["Landmark", "LANDMARK_NAMES", "detect_landmarks"]

LANDMARK_NAMES = LANDMARKS


@dataclass(frozen=True)
class Landmark:
    """A measuring point of the leg (RAL-GZ 387 / European naming).

    Attributes
    ----------
    name : str
        "B", "B1", "C", "D", "E", "F" or "G".
    height_m : float
        Height along the leg axis from the lowest point (the sole), metres.
    circumference_m : float
        Convex-hull girth of the section there, metres (what the fabric sees).
    skin_circumference_m : float
        Skin perimeter of the section, metres.
    detected : bool
        False when the height was given by the user.
    """

    name: str
    height_m: float
    circumference_m: float
    skin_circumference_m: float
    detected: bool = True


#: smallest rise/fall of the hull girth, metres, that counts as a calf peak / below-knee dip
#: (assumption: a few mm of girth, well above the faceting noise of a 5 mm profile)
CALF_PROMINENCE_M = 0.005
KNEE_DIP_PROMINENCE_M = 0.001
#: smallest rise of the hull girth on each side of the ankle minimum (B), metres (assumption:
#: a leg's ankle is centimetres narrower than its calf and its foot; 1 mm is far above noise)
ANKLE_PROMINENCE_M = 0.001
#: every extremum must also stand out by this fraction of the girth there (assumption: far
#: above the rounding noise of a hull perimeter, ~1e-16, and the jitter of a scanned prism,
#: ~1e-6, far below any anatomical feature, >= 1e-2). A surface whose girth varies less than
#: this along its length (a prism: circle, ellipse, peanut, rounded square) has no landmarks.
RELATIVE_PROMINENCE = 1e-3
#: C above B on a columnar leg without a calf maximum, metres (assumption: lC - lB = 32 - 10 cm,
#: the default heights of stockingsim.parametric_leg, typical of measuring sheets)
C_ABOVE_B_M = 0.22
#: without a foot, B must lie this far above the lowest usable section, metres (else the mesh
#: starts above the ankle and B is not reported)
B_ABOVE_BOTTOM_M = 0.01
#: knee (E) above the below-knee narrowing (D), metres (assumption: tibial tuberosity to the
#: middle of the patella in adults, about 5 cm)
D_TO_E_M = 0.05
#: G lies this far below the top of the usable (closed-section) mesh, metres (assumption:
#: thigh scans are cut at the gluteal fold or just above it)
G_BELOW_TOP_M = 0.03
#: F, mid-thigh, when G is not reached: this far above E, metres (assumption)
E_TO_F_M = 0.15


def _local_extrema(g: np.ndarray, prominence: float, maxima: bool) -> np.ndarray:
    """Indices of local maxima (or minima) standing out by at least ``prominence``.

    Prominence as in topography (and ``scipy.signal.find_peaks``): the height of the peak
    above the higher of the two lowest points separating it from higher terrain (or the ends).
    Plateaus count once, at their middle. The peak must also stand out by
    :data:`RELATIVE_PROMINENCE` times its girth, so rounding noise is never an extremum.
    """
    sig = np.asarray(g if maxima else -g, dtype=float)
    sig = np.where(np.isfinite(sig), sig, -np.inf)
    n = len(sig)
    out = []
    i = 1
    while i < n - 1:
        if sig[i] > sig[i - 1]:
            j = i
            while j + 1 < n and sig[j + 1] == sig[i]:
                j += 1
            if j + 1 < n and sig[j + 1] < sig[i]:
                peak = (i + j) // 2
                left = i - 1
                while left > 0 and sig[left - 1] <= sig[i]:
                    left -= 1
                right = j + 1
                while right < n - 1 and sig[right + 1] <= sig[i]:
                    right += 1
                base = max(sig[left:i].min(), sig[j + 1 : right + 1].min())
                if sig[i] - base >= max(prominence, RELATIVE_PROMINENCE * abs(sig[i])):
                    out.append(peak)
            i = j + 1
        else:
            i += 1
    return np.array(out, dtype=int)


#: window of the local-quadratic smoothing of the girth profile before extrema are searched,
#: metres (assumption: shorter than any anatomical feature of the girth profile, longer than
#: the scan noise's correlation length)
SMOOTH_WINDOW_M = 0.025


def _smooth(h: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Local quadratic least-squares smoothing (Savitzky-Golay) over runs of finite values."""
    out = g.copy()
    if len(h) < 5:
        return out
    step = float(np.median(np.diff(h)))
    half = max(1, int(round(SMOOTH_WINDOW_M / step / 2)))
    finite = np.isfinite(g)
    edges = np.flatnonzero(np.diff(np.r_[0, finite.astype(np.int8), 0]))
    for a, b in zip(edges[::2], edges[1::2]):  # loop over runs (a few), not over samples
        n = b - a
        w = 2 * half + 1
        if n < w:
            continue
        idx = np.clip(np.arange(n) - half, 0, n - w)[:, None] + np.arange(w)[None, :]
        dx = h[a:b][idx] - h[a:b][:, None]
        design = np.stack([np.ones_like(dx), dx, dx**2], axis=-1)
        coef = np.linalg.pinv(design) @ g[a:b][idx][..., None]
        out[a:b] = coef[:, 0, 0]
    return out


def _ankle_is_prominent(
    g: np.ndarray, band: np.ndarray, h: np.ndarray, i: int, has_foot: bool
) -> bool:
    """Whether the girth minimum at index ``i`` is an ankle, not noise on a prism.

    The (smoothed) girth must rise above it by :data:`ANKLE_PROMINENCE_M` and by
    :data:`RELATIVE_PROMINENCE` of its girth, upwards (towards the calf) and, on a leg with a
    foot, downwards (towards the foot).
    """
    need = max(ANKLE_PROMINENCE_M, RELATIVE_PROMINENCE * abs(g[i]))
    above = g[band & (h > h[i])]
    if not len(above) or np.nanmax(above) - g[i] < need:
        return False
    if has_foot:
        below = g[band & (h < h[i])]
        return bool(len(below)) and np.nanmax(below) - g[i] >= need
    return True


def _refine(g: np.ndarray, ok: np.ndarray, i: int, maxima: bool) -> int:
    """Move index ``i`` to the raw extremum among its usable neighbours."""
    cand = [j for j in (i - 1, i, i + 1) if 0 <= j < len(g) and ok[j]]
    if not cand:
        return i
    vals = g[cand]
    return cand[int(np.argmax(vals) if maxima else np.argmin(vals))]


def detect_landmarks(
    heights: np.ndarray,
    girth: np.ndarray,
    closed: np.ndarray,
    *,
    has_foot: bool,
    length_m: float,
    overrides: dict[str, float],
) -> dict[str, float]:
    """Landmark heights from a convex-hull girth profile.

    The rules, applied from the foot upwards; a landmark given in ``overrides`` replaces the
    detected one and the later rules start from it:

    - **B** (smallest girth above the ankle bones): the minimum girth between the top of the
      foot (the girth maximum in the lowest 35 % of the mesh, when there is a foot) and 0.45 m
      above it. Assumes the foot, if present, is at the low end (the frame guarantees this).
      Without a foot, a minimum at the bottom of the mesh means the mesh starts above the
      ankle: B (and B1) are then not reported, the search for C starts at the bottom.
    - **C** (largest calf girth): the first girth maximum at least 5 cm above B standing out
      by at least 5 mm; without one (a columnar, e.g. oedematous, leg) 22 cm above B when the
      mesh reaches 8 cm beyond that, else it is not reported.
    - **B1**: one third of the way from B to C (DESIGN.md), unless given.
    - **D** (just below the knee): the first girth minimum above C (the narrowing between the
      calf and the knee); without one, where the girth rises least 3-20 cm above C if the
      mesh reaches the thigh (girth rising again), else D is not reported.
    - **E** (knee): 5 cm above D (assumption: tibial tuberosity to mid-patella).
    - **G** (upper thigh, below the gluteal fold): 3 cm below the top of the usable mesh (the
      highest section that is still a closed loop), when that is at least 15 cm above E.
    - **F** (mid-thigh): halfway between E and G; without G, 15 cm above E when the mesh
      reaches it.

    Every extremum (B, C, D) must stand out from the girth around it by an absolute amount
    and by :data:`RELATIVE_PROMINENCE` of the girth, so a surface without a leg's shape (a
    prism of any section, with girth jitter up to 1e-6 of the girth) gets no landmarks and a
    stocking covers it whole.

    Only landmarks inside the usable part of the mesh (closed sections) are reported.
    Extrema are searched on the profile smoothed by a 2.5 cm local quadratic fit and then moved
    to the raw extremum within one grid step, so scan noise does not create false extrema.

    Assumptions and limits: an adult leg measured standing (the absolute windows above are in
    metres); the girth profile has the usual shape (a calf maximum, a narrowing below the knee).
    The knee itself (E) has no girth signature that is reliable across legs, so it follows D by
    the fixed 5 cm convention (the same one :func:`stockingsim.parametric_leg` uses for its
    default heights). On the shared Anny legs the narrowing (D) lies at the knee joint for the
    two female legs, so there D and E are probably 3-5 cm higher than a fitter would mark them:
    give ``landmarks={"D": ..., "E": ...}`` when the heights matter.

    Parameters
    ----------
    heights : ndarray of shape (K,)
        Increasing section heights, metres.
    girth : ndarray of shape (K,)
        Convex-hull girth at each height, metres (NaN where the plane misses the leg).
    closed : ndarray of shape (K,) bool
        Whether each section is a closed loop (False past an open mesh border).
    has_foot : bool
    length_m : float
    overrides : dict of str to float
        User heights, metres.

    Returns
    -------
    dict of str to float
        Heights in the order B, B1, C, D, E, F, G, only those found.
    """
    h = np.asarray(heights, dtype=float)
    g_raw = np.asarray(girth, dtype=float)
    ok = np.asarray(closed, dtype=bool) & np.isfinite(g_raw) & (g_raw > 0)
    # extrema are searched on a lightly smoothed profile (scan noise roughens the hull girth),
    # then moved to the raw extremum within one grid step
    g = _smooth(h, np.where(ok, g_raw, np.nan))
    found: dict[str, float] = {}
    if ok.sum() < 3:
        return {k: v for k, v in overrides.items()}
    usable = np.flatnonzero(ok)
    # usable band: from the lowest to the highest closed section without a gap above the foot
    h_lo, h_hi = h[usable[0]], h[usable[-1]]
    gap = np.flatnonzero(~ok & (h > h_lo))
    if len(gap):
        h_hi = min(h_hi, h[gap[0]] - 1e-9) if h[gap[0]] > h_lo + 0.1 else h_hi
    band = ok & (h >= h_lo) & (h <= h_hi)

    def window(a, b):
        return band & (h >= a) & (h <= b)

    def argmin_in(mask):
        idx = np.flatnonzero(mask)
        return None if len(idx) == 0 else _refine(g_raw, ok, idx[np.argmin(g[idx])], False)

    # B
    hb = overrides.get("B")
    if hb is None:
        start = h_lo
        if has_foot:
            low = window(h_lo, h_lo + 0.35 * length_m)
            if low.any():
                idx = np.flatnonzero(low)
                start = h[idx[np.argmax(g[idx])]]
        i = argmin_in(window(start, start + 0.45))
        # without a foot, a minimum at the lowest usable section means the mesh starts above
        # the ankle: B is not reached
        if i is not None and (has_foot or h[i] > h_lo + B_ABOVE_BOTTOM_M):
            if _ankle_is_prominent(g, band, h, i, has_foot):
                hb = h[i]
    if hb is not None:
        found["B"] = hb

    # C: the calf maximum
    base = hb if hb is not None else h_lo
    idx_above = np.flatnonzero(window(base, h_hi))
    c_height = overrides.get("C")
    if c_height is None and len(idx_above) >= 3:
        peaks = _local_extrema(g[idx_above], CALF_PROMINENCE_M, maxima=True)
        if hb is not None and len(peaks):
            peaks = peaks[h[idx_above[peaks]] > hb + 0.05]
        if len(peaks):
            c_height = h[_refine(g_raw, ok, idx_above[peaks[0]], True)]
        elif hb is not None and h_hi >= hb + C_ABOVE_B_M + 0.08:
            c_height = hb + C_ABOVE_B_M  # columnar leg without a calf maximum: convention
    if c_height is not None:
        if hb is not None:
            found["B1"] = overrides.get("B1", hb + (c_height - hb) / 3.0)
        found["C"] = c_height
    if "B1" in overrides:
        found["B1"] = overrides["B1"]

    # D: the narrowing below the knee
    d_height = overrides.get("D")
    if d_height is None and c_height is not None:
        idx_c = np.flatnonzero(window(c_height, h_hi))
        if len(idx_c) >= 3:
            dips = _local_extrema(g[idx_c], KNEE_DIP_PROMINENCE_M, maxima=False)
            if len(dips):
                d_height = h[_refine(g_raw, ok, idx_c[dips[0]], False)]
            elif h[idx_c[-1]] >= c_height + 0.15 and g[idx_c[-1]] > g[idx_c[0]]:
                # no dip but the thigh is reached (a columnar leg): where the girth rises least
                slope = np.gradient(g[idx_c], h[idx_c])
                sel = (h[idx_c] > c_height + 0.03) & (h[idx_c] < c_height + 0.2)
                if sel.any():
                    d_height = h[idx_c][sel][np.argmin(slope[sel])]
            # else the girth still falls at the top of the mesh: D is not reached
    if d_height is not None:
        found["D"] = d_height

    # E, F, G
    if "E" in overrides:
        found["E"] = overrides["E"]
    elif "D" in found and found["D"] + D_TO_E_M <= h_hi:
        found["E"] = found["D"] + D_TO_E_M
    if "G" in overrides:
        found["G"] = overrides["G"]
    elif "E" in found and h_hi - G_BELOW_TOP_M >= found["E"] + 0.15:
        found["G"] = h_hi - G_BELOW_TOP_M
    if "F" in overrides:
        found["F"] = overrides["F"]
    elif "E" in found:
        if "G" in found:
            found["F"] = 0.5 * (found["E"] + found["G"])
        elif found["E"] + E_TO_F_M <= h_hi:
            found["F"] = found["E"] + E_TO_F_M
    for k, v in overrides.items():
        found[k] = v
    # a detected landmark that ends up out of order with the user's ones is dropped
    ordered = {k: float(found[k]) for k in LANDMARK_NAMES if k in found}
    names = list(ordered)
    for i, k in enumerate(names):
        if k in overrides:
            continue
        below = [ordered[j] for j in names[:i] if j in overrides]
        above = [ordered[j] for j in names[i + 1 :] if j in overrides]
        if (below and ordered[k] <= max(below)) or (above and ordered[k] >= min(above)):
            del ordered[k]
    return ordered


#: ankle girths (B) outside this range, m, are no leg's. Assumptions, not from a published
#: measurement: a young child's ankle is taken to be at least 12 cm, and 60 cm leaves room for
#: a severe lymphoedema. A mesh in inches read as centimetres has girths 2.54 x too small: an
#: adult's 20-25 cm ankle reads 8-10 cm
ANKLE_GIRTH_RANGE_M = (0.12, 0.6)
_INCH_PER_CM = LENGTH_UNITS_M["in"] / LENGTH_UNITS_M["cm"]  # 2.54


def warn_if_not_an_ankle(girth_m: float, units: str, name: str) -> None:
    """MeshWarning when the ankle girth is no leg's, most likely a mesh in other units."""
    lo, hi = ANKLE_GIRTH_RANGE_M
    if not np.isfinite(girth_m) or lo <= girth_m <= hi:
        return
    hint = " Check the units the mesh was saved in and pass them (units='m', 'cm', 'mm' or 'in')."
    as_inches = girth_m * _INCH_PER_CM  # the girth, m, if the mesh read in cm is in inches
    if girth_m < lo and units == "cm" and lo <= as_inches <= hi:
        hint = (
            " The mesh is probably in inches, which are never guessed: load it with "
            f"units='in' (the ankle is then {as_inches * 100:.1f} cm)."
        )
    side = "smaller" if girth_m < lo else "larger"
    warnings.warn(
        f"{name}: the ankle girth (B) is {girth_m * 100:.1f} cm, {side} than any leg's "
        f"({lo * 100:.0f}-{hi * 100:.0f} cm) with the mesh read in {units}, so the pressures "
        f"would be wrong.{hint}",
        errors.MeshWarning,
        stacklevel=4,
    )


def landmarks_on_sections(leg, heights: dict[str, float], detected) -> dict[str, Landmark]:
    """Landmarks at the given heights with the girths of the leg's sections there.

    ``detected(name)`` says whether a landmark was found by detection (not given by the user).
    """
    names = list(heights)
    secs = leg.sections([heights[n] for n in names])
    return {
        n: Landmark(
            name=n,
            height_m=float(heights[n]),
            circumference_m=float(s.hull_perimeter_m),
            skin_circumference_m=float(s.perimeter_m),
            detected=bool(detected(n)),
        )
        for n, s in zip(names, secs, strict=True)
    }
