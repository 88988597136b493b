"""The leg in motion: walking, standing up, calf contraction, sitting and swelling.

A :class:`Motion` is a sequence of frames (time, deformation of the leg). :func:`simulate_motion`
deforms the leg frame by frame (same faces and vertex order), solves the pressure with any
method and follows the fabric through the motion on the right branch: the stocking keeps its
relaxed circumference, so where the leg grows the knit is stretched further and where it shrinks
it recovers, and small cycles about the working point run on the steep inner loops of
:meth:`Fabric.cyclic_tension <stockingsim.Fabric.cyclic_tension>` (a stocking donned and settled
starts on its unloading branch). The static solve of each frame gives the pressure per vertex on
the unloading branch; the hoop tension along each vertex's strain history replaces it: ``p =
p_static T_cyclic(eps path) / T_unloading(eps)`` (exact for ``laplace``, where ``p = T / r``; for
the other methods this scales the whole pressure, hoop and axial, by the hoop tension ratio).

Indices (Partsch 2005; Partsch et al. 2008; Phlebology 2026, doi:10.1177/02683555261424072):
SSI, the pressure at B1 standing minus supine (:func:`static_stiffness_index`); DSI, the
pressure rise per cm of girth rise; WPA, the walking pressure amplitude
(:attr:`MotionResult.amplitude_mmhg`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim._numbers import as_number
from stockingsim.leg._deform import ANKLE_DORSIFLEXION_RANGE_DEG, KNEE_FLEXION_RANGE_DEG

__all__ = [
    "swelling_response",
    "compare_swelling",
    "Frame",
    "Motion",
    "MotionResult",
    "simulate_motion",
    "static_stiffness_index",
    "as_motion",
    "MOTION_NAMES",
    "WALKING_GIRTH_CHANGE_CM",
]

#: Calf girth rise per landmark during movement, cm. D 0.50 and C 1.05 are the published mean
#: extremes of the lower-leg girth rise in movement (10 legs, Phlebology 2026,
#: doi:10.1177/02683555261424072); B 0.6 and B1 0.8 are assumptions between them.
WALKING_GIRTH_CHANGE_CM: dict[str, float] = {"B": 0.6, "B1": 0.8, "C": 1.05, "D": 0.5}
_WALK_SOURCE = (
    "girth rise D +0.50 cm to C +1.05 cm in movement (Phlebology 2026, "
    "doi:10.1177/02683555261424072); B, B1 interpolated (assumption); gait cycle 1.0 s "
    "(assumption, a cadence of 120 steps/min)"
)


@dataclass(frozen=True)
class Frame:
    """One frame of a motion: a time and a deformation of the resting leg.

    Parameters
    ----------
    time_s
        Time, seconds.
    girth_change_cm
        Girth change per landmark, cm (``{"C": 1.05}``; see :meth:`Leg.with_girth_change`).
    swelling_ml
        Oedema volume between B and D, mL (:meth:`Leg.swollen`, distal).
    knee_flexion_deg, ankle_dorsiflexion_deg
        Joint angles (:meth:`Leg.posed`).
    """

    time_s: float
    girth_change_cm: Mapping[str, float] = field(default_factory=dict)
    swelling_ml: float = 0.0
    knee_flexion_deg: float = 0.0
    ankle_dorsiflexion_deg: float = 0.0

    def __post_init__(self) -> None:
        # a bad number fails here, when the motion is built, not at the frame that uses it
        def number(value: Any, name: str, **kw: Any) -> float:
            return as_number(value, name, errors.MotionError, **kw)

        changes = self.girth_change_cm
        if not isinstance(changes, Mapping):
            raise errors.MotionError(
                "girth_change_cm must be a mapping of landmark to girth change in cm, e.g. "
                f'{{"C": 1.05}}; got {type(changes).__name__}.'
            )
        knee_lo, knee_hi = KNEE_FLEXION_RANGE_DEG
        ankle_lo, ankle_hi = ANKLE_DORSIFLEXION_RANGE_DEG
        checked = {
            "time_s": number(self.time_s, "time_s", unit="s"),
            "girth_change_cm": {
                str(k): number(v, f"girth change at {k}", unit="cm") for k, v in changes.items()
            },
            "swelling_ml": number(self.swelling_ml, "swelling_ml", unit="mL"),
            "knee_flexion_deg": number(
                self.knee_flexion_deg, "knee_flexion_deg", low=knee_lo, high=knee_hi,
                unit="degrees", hint="0 is straight and 90 sitting; give degrees, not radians.",
            ),
            "ankle_dorsiflexion_deg": number(
                self.ankle_dorsiflexion_deg, "ankle_dorsiflexion_deg", low=ankle_lo,
                high=ankle_hi, unit="degrees", hint="negative is plantar flexion (pointed foot).",
            ),
        }  # fmt: skip
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def key(self) -> tuple:
        """What the deformation depends on (frames with equal keys share one leg)."""
        g = tuple(sorted((k, round(float(v), 9)) for k, v in self.girth_change_cm.items()))
        return (g, round(self.swelling_ml, 9), self.knee_flexion_deg, self.ankle_dorsiflexion_deg)

    def apply(self, leg: Any) -> Any:
        """The leg deformed by this frame (the leg itself for an empty frame)."""
        out = leg
        if self.swelling_ml:
            out = out.swollen(self.swelling_ml)
        g = {k: v for k, v in self.girth_change_cm.items() if v}
        if g:
            out = out.with_girth_change(g, unit="cm")
        if self.knee_flexion_deg or self.ankle_dorsiflexion_deg:
            out = out.posed(self.knee_flexion_deg, self.ankle_dorsiflexion_deg)
        return out


def _numbers(values: Any, what: str) -> np.ndarray:
    """``values`` as a 1-D float array, or MotionError naming ``what``."""
    try:
        return np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise errors.MotionError(f"{what} must be numbers, got {values!r}.") from None


def _count(value: Any, name: str, least: int) -> int:
    """A whole number of at least ``least`` (frames, cycles), or MotionError."""
    x = as_number(value, name, errors.MotionError, low=least)
    if x != int(x):
        raise errors.MotionError(f"{name} must be a whole number (>= {least}), got {x:g}.")
    return int(x)


def _check_times(times: Any) -> np.ndarray:
    t = _numbers(times, "the frame times (s)")
    if t.size < 2 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise errors.MotionError(
            "a motion needs at least two frames at strictly increasing, finite times (s)."
        )
    return t


@dataclass(frozen=True)
class Motion:
    """A sequence of frames (time, deformation), with where its numbers come from.

    Build one with :meth:`walking`, :meth:`supine_to_standing`, :meth:`calf_contraction`,
    :meth:`sitting`, :meth:`from_girth_changes`, :meth:`from_poses`, :meth:`swelling` or from
    :class:`Frame` objects.

    Parameters
    ----------
    name
        Label.
    frames
        The frames, times strictly increasing.
    source
        Source of the numbers (cited where published, else "assumption").
    settle_s
        The amplitude is taken over the frames at or after this time (walking: the last cycle,
        after the inner loops have settled).
    """

    name: str
    frames: tuple[Frame, ...]
    source: str = ""
    settle_s: float = 0.0

    def __post_init__(self) -> None:
        frames = tuple(self.frames)
        if not frames or not all(isinstance(f, Frame) for f in frames):
            raise errors.MotionError("a Motion needs a sequence of Frame objects.")
        _check_times([f.time_s for f in frames])
        object.__setattr__(self, "frames", frames)

    @property
    def times_s(self) -> np.ndarray:
        """Frame times, seconds."""
        return np.array([f.time_s for f in self.frames])

    def __len__(self) -> int:
        return len(self.frames)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_girth_changes(
        cls,
        times_s: Sequence[float],
        changes_cm: Mapping[str, Sequence[float]],
        *,
        name: str = "girth changes",
        source: str = "user",
        settle_s: float = 0.0,
    ) -> Motion:
        """Frames from girth changes per landmark over time (cm; one value per time)."""
        t = _check_times(times_s)
        if not isinstance(changes_cm, Mapping):
            raise errors.MotionError(
                "changes_cm must be a mapping of landmark to girth changes in cm, one per time, "
                f'e.g. {{"C": [0.0, 1.05, 0.0]}}; got {type(changes_cm).__name__}.'
            )
        cols = {}
        for k, v in changes_cm.items():
            arr = _numbers(v, f"girth changes at {k} (cm)")
            if arr.shape != t.shape or not np.all(np.isfinite(arr)):
                raise errors.MotionError(
                    f"girth changes at {k} must be {t.size} finite numbers (cm), one per time."
                )
            cols[k] = arr
        frames = tuple(
            Frame(float(ti), {k: float(c[i]) for k, c in cols.items()}) for i, ti in enumerate(t)
        )
        return cls(name, frames, source, settle_s)

    @classmethod
    def from_poses(
        cls,
        times_s: Sequence[float],
        knee_flexion_deg: Sequence[float] | float = 0.0,
        ankle_dorsiflexion_deg: Sequence[float] | float = 0.0,
        *,
        name: str = "poses",
        source: str = "user",
    ) -> Motion:
        """Frames from joint angles over time (degrees)."""
        t = _check_times(times_s)
        angles = []
        for what, value in (("knee_flexion_deg", knee_flexion_deg),
                            ("ankle_dorsiflexion_deg", ankle_dorsiflexion_deg)):  # fmt: skip
            a = _numbers(value, f"{what} (degrees)")
            if a.size not in (1, t.size):
                raise errors.MotionError(
                    f"{what} must be one angle or one per time ({t.size}), got {a.size}."
                )
            angles.append(np.broadcast_to(a, t.shape))
        knee, ankle = angles
        frames = tuple(
            Frame(float(ti), knee_flexion_deg=float(k), ankle_dorsiflexion_deg=float(a))
            for ti, k, a in zip(t, knee, ankle)
        )
        return cls(name, frames, source)

    @classmethod
    def walking(cls, cycles: int = 2, frames_per_cycle: int = 8, cycle_s: float = 1.0) -> Motion:
        """Gait cycles: the calf swells (muscle contraction) and relaxes at every step.

        Girth change ``dC(t) = dC_max sin^2(pi t / cycle_s)`` with ``dC_max`` =
        :data:`WALKING_GIRTH_CHANGE_CM` (C +1.05 cm, D +0.5 cm: Phlebology 2026,
        doi:10.1177/02683555261424072). The amplitude is read over the last cycle.
        """
        cycles = _count(cycles, "cycles", 1)
        frames_per_cycle = _count(frames_per_cycle, "frames_per_cycle", 4)
        cycle_s = as_number(cycle_s, "cycle_s", errors.MotionError, positive=True, unit="s")
        n = cycles * frames_per_cycle + 1
        t = np.linspace(0.0, cycles * cycle_s, n)
        w = np.sin(np.pi * t / cycle_s) ** 2
        changes = {k: v * w for k, v in WALKING_GIRTH_CHANGE_CM.items()}
        return cls.from_girth_changes(
            t, changes, name="walking", source=_WALK_SOURCE, settle_s=(cycles - 1) * cycle_s
        )

    @classmethod
    def supine_to_standing(cls, n_frames: int = 5, duration_s: float = 3.0) -> Motion:
        """Lying to standing: the lower leg fills and the calf tenses, the girth rises once.

        The standing girth rise is taken as the walking peak (:data:`WALKING_GIRTH_CHANGE_CM`):
        standing is "a snapshot of the walking cycle" (Partsch 2005, Dermatol Surg 31:625,
        doi:10.1111/j.1524-4725.2005.31604); the same size is an assumption.
        """
        n_frames = _count(n_frames, "n_frames", 2)
        duration_s = as_number(
            duration_s, "duration_s", errors.MotionError, positive=True, unit="s"
        )
        t = np.linspace(0.0, duration_s, n_frames)
        w = 0.5 - 0.5 * np.cos(np.pi * t / duration_s)
        changes = {k: v * w for k, v in WALKING_GIRTH_CHANGE_CM.items()}
        src = "Partsch 2005 (SSI: B1 standing minus supine); girth rise as in walking (assumption)"
        return cls.from_girth_changes(t, changes, name="supine to standing", source=src)

    @classmethod
    def calf_contraction(cls, hold_s: float = 1.0, ramp_s: float = 0.5) -> Motion:
        """One tiptoe: the calf contracts (girth rise as in walking), holds, relaxes."""
        r = as_number(ramp_s, "ramp_s", errors.MotionError, positive=True, unit="s")
        h = as_number(hold_s, "hold_s", errors.MotionError, positive=True, unit="s")
        t = np.array([0.0, 0.5 * r, r, r + h, 1.5 * r + h, 2.0 * r + h])
        w = np.array([0.0, 0.5, 1.0, 1.0, 0.5, 0.0])
        changes = {k: v * w for k, v in WALKING_GIRTH_CHANGE_CM.items()}
        src = "girth rise as in walking (Phlebology 2026, doi:10.1177/02683555261424072)"
        return cls.from_girth_changes(t, changes, name="calf contraction", source=src)

    @classmethod
    def sitting(cls, knee_flexion_deg: float = 90.0, n_frames: int = 4) -> Motion:
        """Standing to sitting: the knee flexes to 90 degrees (a chair), the ankle stays."""
        t = np.linspace(0.0, 2.0, _count(n_frames, "n_frames", 2))
        knee_flexion_deg = as_number(knee_flexion_deg, "knee_flexion_deg", errors.MotionError)
        knee = knee_flexion_deg * (0.5 - 0.5 * np.cos(np.pi * t / 2.0))
        return cls.from_poses(t, knee, 0.0, name="sitting", source="knee 90 deg (a chair)")

    @classmethod
    def swelling(cls, volume_ml: Sequence[float], times_s: Sequence[float]) -> Motion:
        """Oedema building up: a distal swelling per frame (mL between B and D).

        Evening oedema without compression: about 60-95 mL over 7 h (Partsch et al. 2004,
        Dermatol Surg 30:737, doi:10.1111/j.1524-4725.2004.30204.x).
        """
        t = _check_times(times_s)
        vol = _numbers(volume_ml, "volume_ml")
        if vol.shape != t.shape or not np.all(np.isfinite(vol)):
            raise errors.MotionError("give one finite swelling volume (mL) per time.")
        frames = tuple(Frame(float(a), swelling_ml=float(v)) for a, v in zip(t, vol))
        return cls("swelling", frames, "Partsch et al. 2004 (oedema volumes)")


#: the default motions by name, as the CLI's ``--motion`` takes them
MOTION_NAMES = ("walking", "supine-to-standing", "calf-contraction", "sitting")


def as_motion(motion: Any, where: str, error: type = errors.MotionError) -> Motion:
    """A :class:`Motion`, or a default motion by name ("walking", "supine_to_standing", ...).

    The name is read ignoring case, with ``-``, ``_`` or a space between its words; a default
    motion's constructor passed uncalled (``ss.Motion.walking``) is its default motion.
    """
    if isinstance(motion, Motion):
        return motion
    if isinstance(motion, str):
        key = "-".join(motion.strip().lower().replace("_", " ").replace("-", " ").split())
        if key in MOTION_NAMES:
            return getattr(Motion, key.replace("-", "_"))()
        raise error(
            f"{where}: unknown motion {motion!r}; name one of {', '.join(MOTION_NAMES)}, or "
            "build one (ss.Motion.walking(cycles=1), ss.Motion.from_girth_changes(...))."
        )
    name = getattr(motion, "__name__", "")
    if getattr(motion, "__self__", None) is Motion:  # a constructor, not called
        if name.replace("_", "-") in MOTION_NAMES:
            return motion()  # ss.Motion.walking: its default motion
        raise error(f"{where}: ss.Motion.{name} builds a motion: call it with its arguments.")
    raise error(
        f"{where}: motion must be a stockingsim.Motion or the name of one (e.g. "
        f"ss.Motion.walking() or 'walking'), got {type(motion).__name__}."
    )


@dataclass(frozen=True)
class MotionResult:
    """Pressure of a stocking through a motion.

    Attributes
    ----------
    motion : Motion
    method : str
    legs : tuple of Leg
        The deformed leg of every frame (same faces and vertex order).
    times_s : ndarray of shape (F,)
    pressure_mmhg : ndarray of shape (F, N)
        Per-frame per-vertex pressure, mmHg, with the fabric followed on its branch.
    static_pressure_mmhg : ndarray of shape (F, N)
        The same frames solved on the unloading branch only (no memory of the path); on a
        posed frame with the fabric over the bent joint (wale tension over the bend, the fold
        bridged: :func:`stockingsim.leg._posed.fold_pressure`).
    profile : pandas.DataFrame
        Index (frame, landmark); columns ``time_s``, ``circumference_cm``, ``strain``,
        ``tension_n_per_m``, ``pressure_mmhg``, ``static_pressure_mmhg``, ``branch_state``
        (-1 unloading branch ... +1 loading branch).
    amplitude_mmhg : pandas.Series
        Per landmark, max - min of the pressure over the frames from ``motion.settle_s``
        (NaN where the stocking does not cover the landmark).
    """

    motion: Motion
    method: str
    legs: tuple
    times_s: np.ndarray
    pressure_mmhg: np.ndarray
    static_pressure_mmhg: np.ndarray
    profile: pd.DataFrame
    amplitude_mmhg: pd.Series

    def pressure_over_time(self, landmark: str | None = None) -> pd.DataFrame | pd.Series:
        """Pressure (mmHg) per frame time, one column per landmark (or one landmark)."""
        table = self.profile["pressure_mmhg"].unstack("landmark")
        table.index = pd.Index(self.times_s, name="time_s")
        return table if landmark is None else table[landmark]

    def girth_change_cm(self) -> pd.Series:
        """Per landmark, max - min of the girth (cm) over the frames from ``motion.settle_s``."""
        late = self.times_s >= self.motion.settle_s - 1e-12
        c = self.profile["circumference_cm"].unstack("landmark").to_numpy()[late]
        dc = pd.Series(np.ptp(c, axis=0), index=self.profile.index.levels[1])
        return dc.reindex(self.amplitude_mmhg.index)

    def dynamic_stiffness_mmhg_per_cm(self) -> pd.Series:
        """Pressure amplitude divided by girth amplitude per landmark (a DSI), mmHg/cm."""
        dc = self.girth_change_cm()
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.amplitude_mmhg / dc.where(dc > 1e-6)

    def plot(self, filename: str | None = None, **kw: Any) -> Any:
        """Pressure over time per landmark (matplotlib), see ``viz.plot_motion``."""
        from stockingsim.viz._motion import plot_motion

        return plot_motion(self, filename, **kw)

    def animate(self, filename: str, **kw: Any) -> Any:
        """The 3D pressure map through the frames, written to GIF or MP4 (imageio)."""
        from stockingsim.viz._motion import animate_motion

        return animate_motion(self, filename, **kw)


def _follow(stocking: Any, strain: np.ndarray) -> tuple:
    """Hysteretic tension along ``strain`` (F, ...).

    Also its ratio to the unloading tension at the same strain, and the branch state (-1
    unloading ... +1 loading).
    """
    fabric = stocking.fabric
    eps = np.nan_to_num(strain, nan=0.0)
    taut = eps > 0
    eps = np.where(taut, eps, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ExtrapolationWarning)
        t_cyc, state = fabric_path(fabric, eps)
        t_unl = np.asarray(fabric.tension(eps), dtype=float)
    t_cyc = np.where(taut, t_cyc, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(taut & (t_unl > 0), t_cyc / np.where(t_unl > 0, t_unl, 1.0), 1.0)
    return t_cyc, ratio, state


def fabric_path(fabric: Any, eps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from stockingsim.fabric._cyclic import follow_strain_path

    return follow_strain_path(fabric, eps, "course", "unloading", return_state=True)


def simulate_motion(
    leg: Any,
    stocking: Any,
    motion: Motion | str,
    method: str = "laplace",
    *,
    deformed_legs: dict | None = None,
    **options: Any,
) -> MotionResult:
    """Pressure of ``stocking`` on ``leg`` through ``motion``, frame by frame.

    Parameters
    ----------
    leg : Leg
        The resting leg (supine / standing still); the motion's deformations apply to it.
    stocking : Stocking
    motion : Motion or str
        A :class:`Motion`, or a default motion by name: "walking", "supine-to-standing",
        "calf-contraction" or "sitting" (as the CLI's ``--motion``).
    method : {"laplace", "membrane", "bridging", "contact"}
        Pressure method of every frame (:func:`stockingsim.simulate`).
    deformed_legs : dict, optional
        A cache of deformed legs keyed by :meth:`Frame.key`, shared between calls on the same
        leg (comparing stockings through one motion deforms the leg once).
    **options
        Passed to :func:`stockingsim.simulate`.

    Returns
    -------
    MotionResult

    Examples
    --------
    >>> import stockingsim as ss
    >>> leg = ss.bundled_leg()
    >>> st, _ = ss.design_stocking(leg, "circular class II", "RAL-GZ 387:II")
    >>> motion = ss.Motion.walking(cycles=1)
    >>> r = ss.simulate_motion(leg, st, motion, method="laplace")
    >>> r.pressure_mmhg.shape == (len(motion), leg.n_vertices)
    True
    >>> bool(r.amplitude_mmhg["C"] > 1.0)  # the calf muscle pump swings the pressure at C
    True
    """
    from stockingsim._checks import require_leg, require_stocking
    from stockingsim.solvers import simulate

    require_leg(leg, "simulate_motion()", errors.MotionError)
    require_stocking(stocking, "simulate_motion()", errors.MotionError)
    motion = as_motion(motion, "simulate_motion()")
    legs, results, memo = [], [], {}
    cache = {} if deformed_legs is None else deformed_legs
    for frame in motion.frames:
        key = frame.key()
        if key not in memo:
            if key not in cache:
                cache[key] = frame.apply(leg)
            deformed = cache[key]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", errors.NoContactWarning)
                memo[key] = (deformed, simulate(deformed, stocking, method=method, **options))
        legs.append(memo[key][0])
        results.append(memo[key][1])
    static = np.stack([r.pressure_mmhg for r in results])  # with the fold of posed legs
    strain = np.stack([r.strain for r in results])
    _, ratio, _ = _follow(stocking, strain)
    pressure = static * ratio
    profile = _profile(motion, results, stocking)
    late = motion.times_s >= motion.settle_s - 1e-12
    p = profile["pressure_mmhg"].unstack("landmark")
    covered = np.isfinite(profile["strain"].unstack("landmark").to_numpy()).any(axis=0)
    amp = np.where(covered, np.ptp(p.to_numpy()[late], axis=0), np.nan)
    amp = pd.Series(amp, index=p.columns, name="amplitude_mmhg")
    order = [lm for lm in results[0].profile.index if lm in amp.index]
    return MotionResult(
        motion=motion,
        method=method,
        legs=tuple(legs),
        times_s=motion.times_s,
        pressure_mmhg=pressure,
        static_pressure_mmhg=static,
        profile=profile,
        amplitude_mmhg=amp.reindex(order),
    )


def _profile(motion: Motion, results: list, stocking: Any) -> pd.DataFrame:
    """The landmark table of every frame, with the fabric followed along each landmark."""
    names = [lm for lm in results[0].profile.index if all(lm in r.profile.index for r in results)]
    col = {
        c: np.stack([r.profile.loc[names, c].to_numpy(float) for r in results])
        for c in ("circumference_m", "strain", "tension_n_per_m", "pressure_mmhg")
    }
    t_cyc, ratio, state = _follow(stocking, col["strain"])
    n_f, n_l = col["strain"].shape
    index = pd.MultiIndex.from_product([range(n_f), names], names=["frame", "landmark"])
    return pd.DataFrame(
        {
            "time_s": np.repeat(motion.times_s, n_l),
            "circumference_cm": 100 * col["circumference_m"].ravel(),
            "strain": col["strain"].ravel(),
            "tension_n_per_m": t_cyc.ravel(),
            "pressure_mmhg": (col["pressure_mmhg"] * ratio).ravel(),
            "static_pressure_mmhg": col["pressure_mmhg"].ravel(),
            "branch_state": np.where(col["strain"] > 0, state, np.nan).ravel(),
        },
        index=index,
    )


def static_stiffness_index(
    leg: Any, stocking: Any, method: str = "laplace", landmark: str = "B1", **options: Any
) -> float:
    """Static stiffness index: pressure at B1 standing minus supine, mmHg (Partsch 2005).

    The leg is taken as supine; :meth:`Motion.supine_to_standing` raises the girth (the
    standing girth rise is an assumption, see there) and the fabric climbs its inner loop from
    the unloading branch. Elastic material: SSI < 10 mmHg (Partsch et al. 2008, Dermatol Surg
    34:600).

    Parameters
    ----------
    leg : Leg
    stocking : Stocking
    method : str
    landmark : str
    **options
        Passed to :func:`simulate_motion` (``deformed_legs=`` shares the deformed legs between
        calls on one leg) and :func:`stockingsim.simulate`.

    Returns
    -------
    float
        ``p_standing - p_supine`` at ``landmark`` (default B1), mmHg.

    References
    ----------
    Partsch H. (2005) The static stiffness index: a simple method to assess the elastic property
    of compression material in vivo. Dermatol Surg 31(6):625-630,
    doi:10.1111/j.1524-4725.2005.31604.
    """
    from stockingsim._checks import require_leg

    require_leg(leg, "static_stiffness_index()", errors.MotionError)
    if landmark not in leg.landmarks:
        raise errors.LandmarkError(
            f"leg {leg.name!r} has no landmark {landmark!r} for the SSI (it has "
            f"{', '.join(leg.landmarks)}); give it with leg.with_landmarks({{...}})."
        )
    r = simulate_motion(leg, stocking, Motion.supine_to_standing(), method=method, **options)
    p = r.pressure_over_time(landmark)
    return float(p.iloc[-1] - p.iloc[0])


#: Oedema volumes of :func:`swelling_response`, mL between B and D (evening oedema without
#: compression is about 60-95 mL over 7 h: Partsch et al. 2004, Dermatol Surg 30:737).
SWELLING_VOLUMES_ML = (0.0, 20.0, 40.0, 60.0, 80.0)


def swelling_response(
    leg: Any,
    stocking: Any,
    volumes_ml: Sequence[float] = SWELLING_VOLUMES_ML,
    method: str = "laplace",
    *,
    landmarks: Sequence[str] = ("B1", "C"),
    deformed_legs: dict | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Pressure against oedema volume: how much a stocking resists swelling.

    The leg swells distally (:meth:`Leg.swollen`) through ``volumes_ml`` in order, slowly, so
    the fabric is stretched from its unloading branch along its inner loop towards the
    loading branch.

    Returns
    -------
    pandas.DataFrame
        Index ``volume_ml``; ``pressure_<landmark>_mmhg`` per landmark. ``df.attrs
        ["mmhg_per_10ml"]`` holds the least-squares slope per landmark, mmHg per 10 mL.
    """
    from stockingsim._checks import require_leg

    require_leg(leg, "swelling_response()", errors.MotionError)
    vols = _numbers(volumes_ml, "volumes_ml")
    if vols.size < 2 or not np.all(np.isfinite(vols)):
        raise errors.MotionError("give at least two finite oedema volumes (mL).")
    motion = Motion.swelling(vols, np.arange(vols.size, dtype=float))
    res = simulate_motion(leg, stocking, motion, method, deformed_legs=deformed_legs, **options)
    table = res.pressure_over_time()
    missing = [lm for lm in landmarks if lm not in table.columns]
    if missing:
        raise errors.LandmarkError(f"no landmark {', '.join(missing)} on this leg.")
    out = pd.DataFrame(
        {f"pressure_{lm}_mmhg": table[lm].to_numpy() for lm in landmarks},
        index=pd.Index(vols, name="volume_ml"),
    )
    out.attrs["mmhg_per_10ml"] = {
        lm: float(10.0 * np.polyfit(vols, table[lm].to_numpy(), 1)[0]) for lm in landmarks
    }
    return out


def compare_swelling(
    leg: Any,
    fabrics: Mapping[str, Any] | Sequence[Any],
    target: Any = "RAL-GZ 387:II",
    style: str = "AD",
    volumes_ml: Sequence[float] = SWELLING_VOLUMES_ML,
    method: str = "laplace",
    *,
    landmarks: Sequence[str] = ("B1", "C"),
) -> pd.DataFrame:
    """Fabrics compared on swelling: each designed for ``target``, then the leg swells.

    Returns
    -------
    pandas.DataFrame
        One row per fabric: ``pressure_<lm>_mmhg`` (no oedema), ``mmhg_per_10ml_<lm>``, and
        ``note`` (why a fabric could not be designed), sorted by the first landmark's slope.
    """
    from stockingsim._checks import require_leg
    from stockingsim.design._fit import compare_designs

    require_leg(leg, "compare_swelling()", errors.MotionError)
    cache: dict = {}

    def measure(stocking: Any) -> dict[str, float]:
        t = swelling_response(
            leg, stocking, volumes_ml, method, landmarks=landmarks, deformed_legs=cache
        )
        row = {}
        for lm in landmarks:
            row[f"pressure_{lm}_mmhg"] = float(t[f"pressure_{lm}_mmhg"].iloc[0])
            row[f"mmhg_per_10ml_{lm}"] = t.attrs["mmhg_per_10ml"][lm]
        return row

    design = {"target": target, "method": method, "style": style}
    return compare_designs(leg, fabrics, measure, f"mmhg_per_10ml_{landmarks[0]}", design)
