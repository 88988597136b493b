"""Service life: the pressure of a stocking day by day over months of wear and washing."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim._checks import as_fabric, require_leg, require_stocking
from stockingsim._numbers import as_number

__all__ = ["service_life", "design_outer_layer"]

#: Methods whose pressure is proportional to a common factor on every fabric curve (on a rigid
#: leg), so one simulation of the new stocking serves every day.
_SCALING_METHODS = ("laplace", "membrane", "bridging", "contact")


def service_life(
    leg: Any,
    stocking: Any,
    standard: str = "RAL-GZ 387",
    hours_per_day: float = 8.0,
    wash_every_days: float = 1.0,
    days: int = 180,
    method: str = "laplace",
    **options: Any,
) -> Any:
    """Pressure at every landmark at the end of each day of wear, over ``days`` days.

    The fabric follows :meth:`Fabric.aged` (fatigue and the set carried since the last wash)
    and :meth:`Fabric.relaxed` (the day's relaxation over ``hours_per_day``); see
    ``docs/life.md``. The time model multiplies every fabric curve by one factor, and every
    method's pressure on a rigid leg is proportional to it, so the new stocking is simulated
    once and each day's pressures are that result times the day's retained fraction.

    Parameters
    ----------
    leg : Leg
    stocking : Stocking
    standard : str
        Standard whose class at B is reported.
    hours_per_day : float
        Hours worn each day (0-24).
    wash_every_days : float
        A wash every this many days (>= 1).
    days : int
        Number of days followed (1-1000).
    method : str
        Pressure method for the new stocking (default ``laplace``).
    **options
        Passed to :func:`~stockingsim.simulate`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``day`` (0 = the first day of a new stocking), columns
        ``retained_fraction``, ``<landmark>_mmhg`` for each covered landmark (end of day) and
        ``class_at_B``. ``attrs["class_lost_day"]`` is the first day whose end-of-day class
        at B is not the new stocking's class (None if it is kept), ``attrs["standard"]``, ``attrs["class_new"]``.
    """
    import pandas as pd

    from stockingsim.fabric import _time
    from stockingsim.solvers import simulate
    from stockingsim.standards import classify

    require_leg(leg, "service_life()", errors.DesignError)
    require_stocking(stocking, "service_life()", errors.DesignError)
    hours = as_number(hours_per_day, "hours_per_day", errors.DesignError, low=0.0, high=24.0)
    every = as_number(wash_every_days, "wash_every_days", errors.DesignError, low=1.0, high=365.0)
    n_days = int(as_number(days, "days", errors.DesignError, low=1, high=1000))
    if method not in _SCALING_METHODS:
        raise errors.DesignError(f"method {method!r}: use one of {', '.join(_SCALING_METHODS)}.")
    tissue = options.get("tissue")
    if tissue is not None and not getattr(tissue, "rigid", True):
        raise errors.DesignError(
            "service_life scales one simulation by the fabric's retained fraction, which is "
            "exact on a rigid leg only; drop tissue= (or simulate aged fabrics one by one)."
        )
    model = _time.time_model(stocking.fabric)
    layers = getattr(stocking, "layers", ())
    if any(_time.time_model(layer.fabric) != model for layer in layers):
        raise errors.DesignError(
            "the layers of this kit age differently (different time models); service_life "
            "scales the kit's pressure by one retained fraction. Give the layers fabrics with "
            "the same time parameters."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ExtrapolationWarning)
        base = simulate(leg, stocking, method=method, **options)
    prof = base.profile["pressure_mmhg"]
    covered = [name for name in prof.index if prof[name] > 0]
    day = np.arange(n_days + 1)
    # washes on days every, 2 every, ...: the stocking worn on day d was last washed
    # d mod every days before (never, for d < every)
    kept = np.array(
        [
            _time.retention(model, d, d // every, hours, hours, d if d < every else d % every)
            for d in day
        ]
    )
    table = pd.DataFrame({"day": day, "retained_fraction": kept}).set_index("day")
    for name in covered:
        table[f"{name}_mmhg"] = prof[name] * kept
    if "B_mmhg" in table:
        table["class_at_B"] = [classify(p, standard=standard) for p in table["B_mmhg"]]
        new = classify(float(prof["B"]), standard=standard)
        lost = table.index[table["class_at_B"] != new]
        table.attrs["class_new"] = new
        table.attrs["class_lost_day"] = int(lost[0]) if len(lost) else None
    else:
        table.attrs["class_new"] = None
        table.attrs["class_lost_day"] = None
    table.attrs["standard"] = standard
    table.attrs["method"] = method
    return table


def design_outer_layer(
    leg: Any, inner: Any, fabric: Any, target: Any = "RAL-GZ 387:II", **options: Any
) -> tuple[Any, Any]:
    """Design the outer stocking of a two-layer kit so that the kit meets ``target``.

    The kit ``[inner, outer]`` (each layer the inner's thickness) is handed to
    :func:`design_stocking`, which designs its outer layer over the inner one: the outer layer
    adds ``T_out = p r - T_in`` at each height (``p`` the target, ``r`` the leg's hull radius,
    ``T_in`` the inner stocking's tension: the multi-layer Laplace law of
    :class:`~stockingsim.Kit`) on the inner layer's outer surface.

    Parameters
    ----------
    leg : Leg
    inner : Stocking
        The liner (worn next to the skin).
    fabric : Fabric or str
        The outer layer's knit.
    target : str or mapping
        As for :func:`design_stocking`, for the kit.
    **options
        Passed to :func:`design_stocking` (``style`` defaults to the inner's).

    Returns
    -------
    (Kit, DesignSpec)
        The kit ``[inner, outer]`` and the outer layer's spec sheet (with the kit's target and
        predicted pressures).

    Raises
    ------
    UnreachableTargetError
        The inner layer alone reaches the target somewhere.
    """
    from stockingsim._kit import Kit
    from stockingsim.design._core import design_stocking
    from stockingsim.stocking import Stocking

    require_leg(leg, "design_outer_layer()", errors.DesignError)
    require_stocking(inner, "design_outer_layer()", errors.DesignError)
    if getattr(inner, "has_layers", False):
        raise errors.DesignError(
            "design_outer_layer() takes one inner Stocking; for a kit of several inner layers "
            "give design_stocking() the kit with the outer layer's fabric outermost."
        )
    outer = Stocking(as_fabric(fabric, "design_outer_layer()"), inner.relaxed_circumference_m)
    thickness = Kit([inner, inner]).thicknesses_m[0]
    options.setdefault("style", inner.style)
    kit = Kit([inner, outer], thicknesses_m=(thickness, thickness))
    return design_stocking(leg, kit, target, **options)
