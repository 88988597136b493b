"""Design targets: named use cases, ``"STANDARD:CLASS"``, ``{landmark: mmHg}`` or a function.

Public names are re-exported by :mod:`stockingsim.design`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stockingsim import errors, standards
from stockingsim._numbers import KPA_LOOKALIKE_MMHG, as_number
from stockingsim.vocabulary import LANDMARKS as LANDMARK_ORDER
from stockingsim.vocabulary import PA_PER_MMHG as MMHG_PA

# --------------------------------------------------------------------------------------------
# use cases
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UseCase:
    """A named design situation: a target, the usual stocking style and where it comes from.

    Attributes
    ----------
    name : str
    target : str or mapping
        Anything :func:`design_stocking` accepts as ``target``.
    style : str
        Usual stocking length (AD knee-high, AG thigh-high, ...).
    description : str
        Who it is for and the knit usually used.
    source : str
        Where the numbers come from.
    """

    name: str
    target: Any
    style: str
    description: str
    source: str


#: Sigel's optimal anti-embolism profile (mmHg at ankle, calf, knee, lower thigh, upper thigh),
#: mapped onto the RAL measuring points: ankle -> B, calf -> C, knee -> E, lower thigh -> F
#: (mid-thigh, the measuring point nearest to Sigel's lower thigh: a mapping choice),
#: upper thigh -> G. B1 and D are interpolated in height.
SIGEL_PROFILE_MMHG: Mapping[str, float] = {"B": 18.0, "C": 14.0, "E": 8.0, "F": 10.0, "G": 8.0}

TARGETS: Mapping[str, UseCase] = {
    uc.name: uc
    for uc in (
        UseCase(
            "travel",
            "US:I",
            "AD",
            "Occupational / travel (long standing or sitting, flights): class I, 15-20 mmHg at "
            "the ankle (US market class), knee-high, circular knit.",
            "US market classes (no standard), see stockingsim.standards.STANDARDS['US']",
        ),
        UseCase(
            "varicose",
            "RAL-GZ 387:II",
            "AD",
            "Varicose veins, chronic venous disease C2-C4: class II (23-32 mmHg at B), "
            "knee-high or thigh-high, circular knit.",
            "RAL-GZ 387/1:2008; Rabe E. et al. (2018) Int Angiol 37(3):181-254 (indications)",
        ),
        UseCase(
            "anti-embolism",
            dict(SIGEL_PROFILE_MMHG),
            "AG",
            "Post-surgery thrombosis prophylaxis in bed-bound patients: Sigel's profile "
            "18/14/8/10/8 mmHg at ankle/calf/knee/lower thigh/upper thigh, thigh-high. Mapped "
            "to B/C/E/F/G (lower thigh -> F is a mapping choice). Not a RAL medical stocking: "
            "the profile is not monotone (knee 8 < lower thigh 10), so the RAL gradient check "
            "fails by design.",
            "Sigel B., Edelstein A.L., Savitch L., Hasty J.H., Felix W.R. (1975) Type of "
            "compression for reducing venous stasis. Arch Surg 110(2):171-175, "
            "doi:10.1001/archsurg.1975.01360080037005",
        ),
        UseCase(
            "lymphoedema",
            "RAL-GZ 387:III",
            "AG",
            "Lymphoedema: class III-IV (34-46 or >= 49 mmHg at B), flat knit (stiffer, with a "
            "seam, made to measure): use a flat-knit / stiff fabric; target 'RAL-GZ 387:IV' for "
            "class IV.",
            "RAL-GZ 387/1:2008; International Lymphoedema Framework (2006) Best practice for "
            "the management of lymphoedema",
        ),
    )
}
# aliases
_USE_CASE_ALIASES = {
    "occupational": "travel",
    "varicose veins": "varicose",
    "anti embolism": "anti-embolism",
    "antiembolism": "anti-embolism",
    "sigel": "anti-embolism",
    "lymphedema": "lymphoedema",
}


def use_case(name: str) -> UseCase:
    """The :class:`UseCase` called ``name``.

    ``travel``, ``varicose``, ``anti-embolism``, ``lymphoedema``; also ``occupational``,
    ``lymphedema``, ``sigel``.

    Examples
    --------
    >>> use_case("anti-embolism").target["B"]
    18.0
    """
    key = str(name).strip().lower().replace("_", "-")
    key = _USE_CASE_ALIASES.get(key, _USE_CASE_ALIASES.get(key.replace("-", " "), key))
    if key not in TARGETS:
        raise errors.DesignError(
            f"unknown use case {name!r}; use one of {', '.join(TARGETS)} "
            "(or give a target 'STANDARD:CLASS' or {landmark: mmHg})"
        )
    return TARGETS[key]


def use_case_target(name: str) -> Any:
    """The design target of a named use case (a ``"STANDARD:CLASS"`` string or a mapping).

    Examples
    --------
    >>> use_case_target("varicose")
    'RAL-GZ 387:II'
    """
    target = use_case(name).target
    return dict(target) if isinstance(target, Mapping) else target


# --------------------------------------------------------------------------------------------
# targets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A resolved design target.

    Exactly one of ``pressures_mmhg`` (landmark -> mmHg) and ``function`` (height in m ->
    mmHg) is set. ``standard``/``cls`` are set for class targets (used for compliance checks).
    """

    label: str
    pressures_mmhg: Mapping[str, float] | None = None
    function: Callable[[np.ndarray], np.ndarray] | None = field(default=None, compare=False)
    standard: str | None = None
    cls: str | None = None
    style: str | None = None

    def at_heights(
        self, heights_m: np.ndarray, landmark_heights: Mapping[str, float]
    ) -> np.ndarray:
        """Target pressure (mmHg) at the given heights of a leg whose landmarks are given."""
        h = np.asarray(heights_m, dtype=float)
        if self.function is not None:
            try:
                p = np.asarray(self.function(h), dtype=float)
            except Exception as exc:
                raise errors.DesignError(
                    f"the target function failed on heights {h[:3]}... m: {exc}. It must map "
                    "an array of heights in metres to pressures in mmHg"
                ) from exc
            if p.shape == ():
                p = np.full(h.shape, float(p))
            if p.shape != h.shape:
                raise errors.DesignError(
                    f"the target function returned shape {p.shape} for {h.shape} heights; "
                    "it must be vectorized (one mmHg value per height)"
                )
            return p
        pts = [
            (landmark_heights[lm], self.pressures_mmhg[lm])
            for lm in LANDMARK_ORDER
            if lm in self.pressures_mmhg and lm in landmark_heights
        ]
        if not pts:
            raise errors.DesignError(
                f"none of the target landmarks {list(self.pressures_mmhg)} is on this leg "
                f"(it has {list(landmark_heights)}); give targets at landmarks the leg reaches"
            )
        hs, ps = np.array(pts).T
        order = np.argsort(hs)
        return np.interp(h, hs[order], ps[order])


def resolve_target(target: Any) -> Target:
    """Turn what users pass as ``target`` into a :class:`Target`.

    Parameters
    ----------
    target : str, mapping or callable
        ``"STANDARD:CLASS"`` (e.g. ``"RAL-GZ 387:II"``: the mid-class pressure at B and the
        standard's default gradient, :func:`stockingsim.standards.default_fractions`), a use-case
        name (``"varicose"``, see :data:`TARGETS`), ``{landmark: mmHg}``, or a function of height
        (m, array) returning mmHg.
    """
    if isinstance(target, Target):
        return target
    if isinstance(target, str):
        name = target.strip().lower()
        if name in TARGETS or name in _USE_CASE_ALIASES:
            uc = use_case(name)
            with warnings.catch_warnings():
                # a published profile may rise (Sigel's thigh point): no warning for it
                warnings.simplefilter("ignore", errors.TargetWarning)
                inner = resolve_target(uc.target)
            return Target(
                label=f"{uc.name} ({inner.label})",
                pressures_mmhg=inner.pressures_mmhg,
                function=inner.function,
                standard=inner.standard,
                cls=inner.cls,
                style=uc.style,
            )
        std, cls = standards.parse_target(target)
        p_b = standards.design_pressure(std, cls)
        fractions = standards.default_fractions(std)
        return Target(
            label=f"{std}:{cls}",
            pressures_mmhg={lm: p_b * f for lm, f in fractions.items()},
            standard=std,
            cls=cls,
        )
    if isinstance(target, Mapping):
        out = {}
        for lm, p in target.items():
            if lm not in LANDMARK_ORDER:
                raise errors.DesignError(
                    f"unknown landmark {lm!r} in the target; use {', '.join(LANDMARK_ORDER)}"
                )
            out[lm] = as_number(
                p,
                f"target pressure at {lm}",
                errors.DesignError,
                positive=True,
                unit="mmHg",
                kind="pressure_mmhg",
                hint="Give {landmark: mmHg}, e.g. {'B': 28, 'C': 20}.",
            )
        if not out:
            raise errors.DesignError("the target mapping is empty; give {landmark: mmHg}")
        _warn_implausible_target(out)
        label = "/".join(f"{lm}={out[lm]:g}" for lm in LANDMARK_ORDER if lm in out) + " mmHg"
        return Target(label=label, pressures_mmhg=out)
    if callable(target):
        return Target(label=getattr(target, "__name__", "function of height"), function=target)
    raise errors.DesignError(
        f"target must be 'STANDARD:CLASS', a use-case name, {{landmark: mmHg}} or a function of "
        f"height, got {type(target).__name__}"
    )


def _warn_implausible_target(pressures_mmhg: Mapping[str, float]) -> None:
    """Warn about a {landmark: mmHg} target that looks like kPa or rises up the leg."""
    ordered = [(lm, pressures_mmhg[lm]) for lm in LANDMARK_ORDER if lm in pressures_mmhg]
    small = [f"{lm}={p:g}" for lm, p in ordered if p < KPA_LOOKALIKE_MMHG]
    if small:
        warnings.warn(
            f"target pressures {', '.join(small)} mmHg are below every compression class; did "
            f"you give kPa? 1 kPa = 7.5 mmHg (3.3 kPa is {3.3 * 1000 / MMHG_PA:.1f} mmHg).",
            errors.TargetWarning,
            stacklevel=4,
        )
    rises = [
        f"{a} {pa:g} -> {b} {pb:g}" for (a, pa), (b, pb) in zip(ordered, ordered[1:]) if pb > pa
    ]
    if rises:
        warnings.warn(
            f"the target pressure rises up the leg ({'; '.join(rises)} mmHg); a medical "
            "compression stocking is graduated, its pressure falls from the ankle (B) upwards. "
            "Check the order of the landmarks.",
            errors.TargetWarning,
            stacklevel=4,
        )
