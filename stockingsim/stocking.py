"""The stocking: a fabric, a relaxed circumference along the leg, and a style that sets its ends.

A medical compression stocking is specified by its relaxed (unworn) circumference at the
measuring points B, B1, C, D, E, F, G and by its length (style). Designers usually quote the
**flat width**, half of the relaxed circumference; :meth:`Stocking.flat_width_at` gives it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim import vocabulary as vocab
from stockingsim._numbers import HEIGHT_TOL_M, as_number, unit_mistake

__all__ = ["Stocking", "Band", "STYLES", "LANDMARK_ORDER"]

#: Measuring points of RAL-GZ 387 / ENV 12718, from the ankle upwards.
LANDMARK_ORDER: tuple[str, ...] = vocab.LANDMARKS

#: Style -> its highest measuring point (:data:`stockingsim.vocabulary.STYLES`):
#: AD knee-high (D), AF mid-thigh (F), AG thigh-high (G), AT tights (G; the leg of a pair of
#: tights is specified at the same points as a thigh-high and the fabric goes on above G).
STYLES = vocab.STYLES

#: The simulated part starts this far below B (the ankle): below it the sections cut the heel
#: and the foot, where a perpendicular section is not what the stocking sees. Assumption.
BELOW_B_M = 0.01
#: How far the fabric reaches above the style's top measuring point (D, F or G), metres
#: (assumption: the welt ends about 1 cm above the point, so the section through the point is
#: fully covered and its pressure is the stocking's, not an average across the edge).
ABOVE_TOP_M = 0.01
#: Tights go on above G to the waist; leg meshes are cut below the hip and the sections near the
#: cut are open, so the leg part is simulated up to this far above G (G sits about 3 cm below the
#: highest closed section of the shared meshes). The panty part is not modelled. Assumption.
TIGHTS_ABOVE_G_M = 0.02


def _check_positive_finite(value: Any, what: str) -> float:
    return as_number(
        value,
        what,
        errors.StockingError,
        positive=True,
        unit="m",
        kind="girth_m",
        hint="Give the relaxed circumference in metres (e.g. 0.18 for 18 cm).",
    )


def _usable_top_m(leg: Any, above_m: float) -> float:
    """Top of the mesh a stocking can cover (the length when unknown).

    The highest closed section of the 5 mm girth grid in the unbroken run of closed sections
    above ``above_m``.
    """
    try:
        profile, closed = leg._grid_profile(0.005)
    except AttributeError:
        return float(leg.length_m)
    h = profile["height_m"].to_numpy(float)
    ok = np.asarray(closed, bool) & np.isfinite(profile["circumference_m"].to_numpy(float))
    start = np.searchsorted(h, above_m)
    broken = np.flatnonzero(~ok[start:])
    run = ok[start:] if not len(broken) else ok[start : start + broken[0]]
    if not run.any():
        return float(above_m)
    return float(h[start + len(run) - 1])


@dataclass(frozen=True)
class Band:
    """Extra layers of fabric over a band of heights: a fold, a rolled top, a grip band.

    Made by :meth:`Stocking.with_fold`, :meth:`Stocking.rolled_top` and
    :meth:`Stocking.with_grip_band`. Each extra layer is stretched to the leg's girth in the
    band from its own relaxed circumference: the stocking's at ``height + offset`` (the height the
    fabric came from) or ``relaxed_m``; its tension adds to the stocking's (Laplace's law with n
    layers, as for bandages: Thomas S. 2003, World Wide Wounds). See ``docs/life.md``.

    Parameters
    ----------
    kind : str
        ``"fold"``, ``"rolled top"`` or ``"grip band"``.
    bottom_m, top_m : float
        Heights of the band above the sole.
    offsets_m : tuple of float
        One per extra layer: where its fabric came from, metres above the band height.
    pull_down_m : float
        How far the fabric above the band is pulled down (the length gathered into it).
    trim_top_m : float
        How much shorter the stocking becomes (a rolled top).
    fabric : Fabric or None
        The layers' fabric (None: the stocking's).
    relaxed_m : float or None
        Relaxed circumference of the layers (None: the stocking's at the source height).
    """

    kind: str
    bottom_m: float
    top_m: float
    offsets_m: tuple[float, ...]
    pull_down_m: float = 0.0
    trim_top_m: float = 0.0
    fabric: Any = None
    relaxed_m: float | None = None


@dataclass(frozen=True)
class Stocking:
    """A compression stocking: fabric, relaxed circumference profile, style and axial pre-strain.

    Parameters
    ----------
    fabric : Fabric or str
        The knit (or a preset name of :func:`stockingsim.fabric_library`); its course (hoop)
        curve gives the tension around the leg, its wale curve the axial tension.
    relaxed_circumference_m : float or mapping or callable
        Relaxed (unworn) circumference in metres: one number for a tube, a mapping
        ``{landmark: metres}`` (e.g. ``{"B": 0.17, "C": 0.26, "D": 0.25}``) interpolated
        monotonically (PCHIP) between the landmark heights of the leg and held constant beyond
        the first and last, or a function ``f(heights_m: ndarray) -> ndarray`` of the height
        above the sole.
    style : {"AD", "AF", "AG", "AT"}
        Where the stocking ends: AD at D (knee-high), AF at F (mid-thigh), AG at G (thigh-high),
        AT (tights) 2 cm above G, the highest leg measuring point (the panty part is not
        modelled). The bottom is just below B (the ankle); on a surface without
        landmarks (a test tube) the stocking covers the whole length.
    axial_prestrain : float
        Engineering strain along the leg (wale direction) of the worn stocking, 0 <= x < 1.
        Default 0.05 (assumption: a stocking pulled up smoothly without bunching).
    name : str, optional
        A label for tables and plots.

    Examples
    --------
    >>> import stockingsim as ss
    >>> s = ss.Stocking(ss.Fabric.linear(250.0), relaxed_circumference_m=0.18)
    >>> s.style, s.axial_prestrain
    ('AD', 0.05)
    """

    fabric: Any
    relaxed_circumference_m: float | Mapping[str, float] | Callable[[np.ndarray], np.ndarray]
    style: str = vocab.DEFAULT_STYLE
    axial_prestrain: float = 0.05
    name: str | None = field(default=None)
    bands: tuple[Band, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.fabric, str):  # a preset's name, as design_stocking and batch take
            from stockingsim._checks import as_fabric

            object.__setattr__(self, "fabric", as_fabric(self.fabric, "Stocking()"))
        if not all(hasattr(self.fabric, n) for n in ("tension", "strain_at_tension")):
            raise errors.StockingError(
                f"a Stocking needs a Fabric, got {type(self.fabric).__name__}; e.g. "
                "ss.Stocking(ss.fabric_library()['circular class II'], relaxed_circumference_m=0.16)."
            )
        if self.style not in STYLES:
            raise errors.StyleError(
                f"unknown stocking style {self.style!r}; use one of {', '.join(STYLES)} "
                "(AD knee-high, AF mid-thigh, AG thigh-high, AT tights)."
            )
        pre = as_number(
            self.axial_prestrain,
            "axial_prestrain",
            errors.StockingError,
            hint="It is a strain (0.05 means 5 % axial stretch).",
        )
        if not 0.0 <= pre < 1.0:
            raise errors.StockingError(
                f"axial_prestrain must be a finite strain in [0, 1), got {self.axial_prestrain!r} "
                "(0.05 means 5 % axial stretch)."
            )
        object.__setattr__(self, "axial_prestrain", pre)
        rc = self.relaxed_circumference_m
        if isinstance(rc, Mapping):
            if not rc:
                raise errors.StockingError(
                    "relaxed_circumference_m mapping is empty; give at least one landmark, "
                    'e.g. {"B": 0.17}.'
                )
            clean = {}
            for key, value in rc.items():
                if key not in LANDMARK_ORDER:
                    raise errors.StockingError(
                        f"unknown landmark {key!r} in relaxed_circumference_m; "
                        f"use {', '.join(LANDMARK_ORDER)}."
                    )
                clean[key] = _check_positive_finite(value, f"relaxed circumference at {key}")
            ordered = {k: clean[k] for k in LANDMARK_ORDER if k in clean}
            object.__setattr__(self, "relaxed_circumference_m", MappingProxyType(ordered))
        elif callable(rc):
            pass
        else:
            object.__setattr__(
                self,
                "relaxed_circumference_m",
                _check_positive_finite(rc, "relaxed_circumference_m"),
            )

    def __reduce__(self):
        """Pickle and ``copy.deepcopy`` support: a landmark mapping travels as a plain dict.

        The mapping is stored read-only (a ``MappingProxyType``, which cannot be pickled); it is
        rebuilt, and checked again, by the constructor on the other side.
        """
        rc = self.relaxed_circumference_m
        if isinstance(rc, MappingProxyType):
            rc = dict(rc)
        return (type(self), (self.fabric, rc, self.style, self.axial_prestrain, self.name))

    # ------------------------------------------------------------------------------------
    def relaxed_circumference_at(self, leg: Any, heights_m: Any) -> np.ndarray:
        """Relaxed circumference (m) at the given heights above the sole of ``leg``.

        Parameters
        ----------
        leg : Leg
            Supplies the landmark heights when the profile is given per landmark.
        heights_m : array_like of shape (K,)
            Heights above the sole, metres.

        Returns
        -------
        ndarray of shape (K,)
            Relaxed circumference, metres.
        """
        h = np.atleast_1d(np.asarray(heights_m, dtype=float))
        for band in self.bands:  # fabric above a fold comes from higher up
            h = np.where(h > band.top_m + HEIGHT_TOL_M, h + band.pull_down_m, h)
        return self._base_relaxed_at(leg, h)

    def _base_relaxed_at(self, leg: Any, h: np.ndarray) -> np.ndarray:
        rc = self.relaxed_circumference_m
        if isinstance(rc, Mapping):
            landmarks = getattr(leg, "landmarks", {}) or {}
            known = [(landmarks[k].height_m, v) for k, v in rc.items() if k in landmarks]
            if not known:
                raise errors.LandmarkError(
                    f"the relaxed circumference is given at {', '.join(rc)}, but the leg "
                    f"{getattr(leg, 'name', '')!r} has none of these landmarks "
                    f"(it has: {', '.join(landmarks) or 'none'}). Give them with "
                    "leg.with_landmarks({...}) or use a number / a function of height."
                )
            known.sort()
            hk = np.array([k[0] for k in known])
            ck = np.array([k[1] for k in known])
            if len(hk) == 1:
                return np.full(h.shape, ck[0])
            keep = np.concatenate([[True], np.diff(hk) > 1e-9])
            hk, ck = hk[keep], ck[keep]
            if len(hk) == 1:
                return np.full(h.shape, ck[0])
            from scipy.interpolate import PchipInterpolator

            out = PchipInterpolator(hk, ck, extrapolate=False)(np.clip(h, hk[0], hk[-1]))
            return np.asarray(out, dtype=float)
        if callable(rc):
            try:
                out = np.asarray(rc(h), dtype=float)
            except Exception as exc:  # user code: report what failed
                raise errors.StockingError(
                    f"the relaxed circumference function failed at heights {h[:3]}...: {exc}. "
                    "It must take an array of heights (m) and return circumferences (m)."
                ) from exc
            out = np.broadcast_to(out, h.shape).astype(float)
            if not np.all(np.isfinite(out)) or np.any(out <= 0):
                raise errors.StockingError(
                    "the relaxed circumference function returned non-positive or non-finite "
                    "values; it must return circumferences in metres (> 0)."
                )
            for value in (float(out.max()), float(out.min())):
                mistake = unit_mistake(value, "girth_m")
                if mistake is not None:
                    raise errors.StockingError(
                        f"the relaxed circumference function returned {value:g} m, which is "
                        f"not plausible; did you give {mistake}? It must return metres "
                        "(e.g. 0.18 for 18 cm)."
                    )
            return out
        return np.full(h.shape, float(rc))

    def flat_width_at(self, leg: Any, heights_m: Any) -> np.ndarray:
        """Flat width (m): half the relaxed circumference, what designers quote per landmark."""
        return 0.5 * self.relaxed_circumference_at(leg, heights_m)

    def coverage_m(self, leg: Any) -> tuple[float, float]:
        """Heights (bottom, top) in metres of the part of ``leg`` the stocking covers.

        The top is 1 cm above the style's landmark (D, F, G), 2 cm above G for tights (AT; the
        top of the mesh when it does not reach G); the
        bottom is 1 cm below B (the ankle) or the bottom of the mesh. A leg without any landmark (a test
        tube) is covered over its whole length.

        When the mesh does not reach the style's landmark (an AD on a scan that stops below the
        knee, a tube showing only a calf maximum), the stocking covers the mesh up to its top
        and a :class:`~stockingsim.errors.StyleWarning` says where it now ends; results record
        the covered range (``PressureResult.covered_range_m``) and the classification and the
        gradient check judge only the covered landmarks.

        Raises
        ------
        StyleError
            The covered range is empty (the top is not above the bottom).
        """
        bottom, top, note = self._coverage(leg)
        if note:
            warnings.warn(note, errors.StyleWarning, stacklevel=2)
        return bottom, top

    def style_is_complete(self, leg: Any) -> bool:
        """Whether ``leg`` reaches the landmark at which the style ends (always for AT)."""
        return not self._coverage(leg)[2]

    def _coverage(self, leg: Any) -> tuple[float, float, str]:
        """(bottom, top, note): the covered heights and why the top is not the style's."""
        length = float(leg.length_m)
        landmarks = getattr(leg, "landmarks", {}) or {}
        if not landmarks:
            return 0.0, length - sum(b.trim_top_m for b in self.bands), ""
        top_name = STYLES[self.style]
        note = ""
        if self.style in vocab.OPEN_TOP_STYLES:
            # tights continue above their top measuring point (see TIGHTS_ABOVE_G_M)
            top = length
            if top_name in landmarks:
                top = min(length, float(landmarks[top_name].height_m) + TIGHTS_ABOVE_G_M)
        elif top_name in landmarks:
            top = min(length, float(landmarks[top_name].height_m) + ABOVE_TOP_M)
        else:
            top = _usable_top_m(leg, max(float(lm.height_m) for lm in landmarks.values()))
            note = (
                f"style {self.style!r} ends at landmark {top_name}, which leg "
                f"{getattr(leg, 'name', '')!r} does not reach (its landmarks: "
                f"{', '.join(landmarks)}); the stocking now ends at the top of the mesh, "
                f"{top:.3f} m above the sole ({top * 100:.1f} cm). Only the covered landmarks "
                f"are classified and checked. To end it at {top_name}, give its height with "
                f"leg.with_landmarks({{'{top_name}': height_m}})."
            )
        top -= sum(b.trim_top_m for b in self.bands)
        bottom = 0.0
        if "B" in landmarks:
            bottom = max(0.0, float(landmarks["B"].height_m) - BELOW_B_M)
        if top <= bottom:
            raise errors.StyleError(
                f"style {self.style!r}: the top ({top:.3f} m) is not above the bottom "
                f"({bottom:.3f} m) on leg {getattr(leg, 'name', '')!r}; check the landmarks."
            )
        return bottom, top, note

    # ------------------------------------------------------------------ folds, rolled tops, grip
    def with_fold(self, height_m: float, layers: int = 2, width_m: float = 0.02) -> Stocking:
        """A new stocking with a horizontal fold: ``layers`` layers over ``width_m`` at a height.

        The fold gathers ``layers x width_m`` of fabric into the band: layer ``k`` comes from
        ``k x width_m`` higher up and is stretched to the leg's girth from its own relaxed
        circumference; the fabric above is pulled down by ``(layers - 1) x width_m``.

        Parameters
        ----------
        height_m : float
            Bottom of the fold above the sole, metres.
        layers : int
            Layers in the fold (2 or more; a Z-fold is 3).
        width_m : float
            Height of the fold band, metres (0.002-0.1).
        """
        h = _band_number(height_m, "height_m", 0.0, 3.0)
        n = int(_band_number(layers, "layers", 2, 10))
        w = _band_number(width_m, "width_m", 0.002, 0.1)
        band = Band("fold", h, h + w, tuple(k * w for k in range(1, n)), pull_down_m=(n - 1) * w)
        return replace(self, bands=(*self.bands, band))

    def rolled_top(self, turns: int = 1, width_m: float = 0.012, leg: Any = None) -> Stocking:
        """A new stocking whose top is rolled down ``turns`` times into a welt ``width_m`` high.

        Each turn wraps ``pi x width_m`` of the top into the roll and puts two layers (its inner
        and outer side) on the band; the stocking ends ``turns x pi x width_m`` lower. The
        rolled layers keep the relaxed circumference of the heights they came from. Needs
        ``leg`` for the top's height when the stocking ends at a landmark.
        """
        n = int(_band_number(turns, "turns", 1, 10))
        w = _band_number(width_m, "width_m", 0.003, 0.05)
        rolled = n * math.pi * w
        if leg is None:
            raise errors.StockingError(
                "rolled_top needs the leg (its top height): stocking.rolled_top(turns, leg=leg)."
            )
        _, top = self.coverage_m(leg)
        new_top = top - rolled
        offsets = tuple(float(x) for x in np.linspace(0.0, rolled, 2 * n + 1)[1:] + w)
        band = Band("rolled top", new_top - w, new_top, offsets, trim_top_m=rolled)
        return replace(self, bands=(*self.bands, band))

    def with_grip_band(
        self,
        fabric: Any,
        width_m: float = 0.03,
        relaxed_circumference_m: float | None = None,
        leg: Any = None,
    ) -> Stocking:
        """A new stocking with a silicone grip band (its own fabric) at the top, ``width_m`` high.

        The band is one extra layer of ``fabric`` on the top ``width_m`` of the stocking, with
        its own relaxed circumference (default: the stocking's there). Needs ``leg`` for the
        top's height.
        """
        if not all(hasattr(fabric, n) for n in ("tension", "strain_at_tension")):
            raise errors.StockingError(
                f"a grip band needs a Fabric, got {type(fabric).__name__}; e.g. "
                "ss.Fabric.linear(400.0, name='silicone grip')."
            )
        w = _band_number(width_m, "width_m", 0.005, 0.1)
        if leg is None:
            raise errors.StockingError(
                "with_grip_band needs the leg (its top height): with_grip_band(fabric, leg=leg)."
            )
        rc = None
        if relaxed_circumference_m is not None:
            rc = _check_positive_finite(relaxed_circumference_m, "relaxed_circumference_m")
        _, top = self.coverage_m(leg)
        band = Band("grip band", top - w, top, (0.0,), fabric=fabric, relaxed_m=rc)
        return replace(self, bands=(*self.bands, band))

    def band_tension(self, leg: Any, heights_m: Any, girth_m: Any) -> np.ndarray:
        """Tension (N/m) the bands' extra layers add at each height, from the girth there."""
        h = np.atleast_1d(np.asarray(heights_m, dtype=float))
        c = np.asarray(girth_m, dtype=float)
        extra = np.zeros(h.shape)
        for band in self.bands:
            inside = (h >= band.bottom_m - HEIGHT_TOL_M) & (h <= band.top_m + HEIGHT_TOL_M)
            inside &= np.isfinite(c)
            if not inside.any():
                continue
            fabric = band.fabric if band.fabric is not None else self.fabric
            for off in band.offsets_m:
                if band.relaxed_m is not None:
                    c0 = np.full(int(inside.sum()), band.relaxed_m)
                else:
                    c0 = self._base_relaxed_at(leg, h[inside] + off)
                eps = np.maximum(c[inside] / c0 - 1.0, 0.0)
                extra[inside] += np.maximum(
                    np.asarray(fabric.tension(eps, "course", "unloading"), dtype=float), 0.0
                )
        return extra


def _band_number(value: Any, what: str, lo: float, hi: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise errors.StockingError(f"{what} must be a number, got {value!r}.") from exc
    if not math.isfinite(x) or not lo <= x <= hi:
        raise errors.StockingError(
            f"{what}={value!r} must be between {lo:g} and {hi:g} (metres for lengths)."
        )
    return x
