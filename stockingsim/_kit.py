"""Kits: two or more stockings worn over each other (a liner and an over-stocking).

Each layer is a membrane on the outer surface of the layers below it, so layer ``j`` is stretched
to the girth ``C + 2 pi sum_{i<j} t_i`` (``C`` the leg's hull girth, ``t_i`` the thickness of
layer ``i``) from its own relaxed circumference. Radial equilibrium of the stack (a thick
cylinder made of thin layers: ``p_in a - p_out b = T`` for each layer, the inner pressure of
one layer the outer pressure of the next) gives the pressure on the skin

    p = sum_j T_j / r,   r = C / 2 pi,

the multi-layer Laplace law with each layer's tension taken at its own, larger radius: the
thick-cylinder correction of Al Khaburi J., Nelson E.A., Hutchinson J., Dehghani-Sanij A.A.
(2011), Impact of multilayered compression bandages on sub-bandage interface pressure: a model,
Phlebology 26:75-83, doi:10.1258/phleb.2010.010001, for strain-controlled stockings (a bandage
is applied at a set tension; a stocking at a set relaxed size, so its outer layers are stretched
more). Friction between the layers does not enter this static pressure (every layer has its
own girth; nothing slides in the hoop direction), so ``laplace``, ``membrane`` and ``bridging``
do not use :attr:`Kit.friction`. It matters where a layer could slide along the leg: in the
``contact`` solve each outer layer is its own fabric tube that slides on the layers below with
Coulomb friction at the kit's coefficient (``solvers/_layers.py``, ``docs/life.md``);
``friction=math.inf`` bonds the layers (the outer ones move with the inner one).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim._numbers import HEIGHT_TOL_M, friction_coefficient

__all__ = ["Kit", "DEFAULT_THICKNESS_M", "DEFAULT_LAYER_FRICTION", "check_layer_friction"]

#: Thickness of a medical compression knit when the fabric does not say: 0.6 mm. Illustrative
#: (flat- and round-knit class II fabrics are roughly 0.5-1 mm thick).
DEFAULT_THICKNESS_M = 6.0e-4

#: Coulomb coefficient between two layers of compression knit when the kit does not say: 0.5.
#: Assumption. Fabric-on-fabric friction of medical compression textiles has been measured
#: (bandage on bandage with a Kawabata KES-FB4 and a stretched-fabric contactor, little
#: variation with pressure and stretch: Chassagne F., Benoist E., Badel P., Convert R.,
#: Schacher L., Molimard J., 2020, Characterization of fabric-to-fabric friction: application
#: to medical compression bandages, AUTEX Research Journal, doi:10.2478/aut-2019-0050), but the
#: value here is not taken from a knit-on-knit measurement: it is the dry skin-fabric default
#: of the contact solve. Give the kit a measured coefficient where one is known.
DEFAULT_LAYER_FRICTION = 0.5
#: Largest finite coefficient accepted; ``math.inf`` bonds the layers.
MAX_LAYER_FRICTION = 3.0


def check_layer_friction(value: Any) -> float:
    """The kit's friction between layers: None -> default, ``math.inf`` bonded, else [0, 3]."""
    return friction_coefficient(
        value,
        DEFAULT_LAYER_FRICTION,
        errors.StockingError,
        "Kit friction",
        "between the fabric layers, e.g. 0.5; 0 for layers that slide freely, math.inf for "
        "bonded layers; a percentage such as 50 means 0.5",
        high=MAX_LAYER_FRICTION,
        allow_inf=True,
    )


def _thickness_of(stocking: Any) -> float:
    info = getattr(stocking.fabric, "info", {}) or {}
    for key, scale in (("thickness_m", 1.0), ("thickness_mm", 1e-3)):
        if key in info:
            try:
                return float(info[key]) * scale
            except (TypeError, ValueError):
                pass
    return DEFAULT_THICKNESS_M


@dataclass(frozen=True)
class Kit:
    """Stockings worn over each other, innermost first; accepted wherever a Stocking is.

    The innermost layer sets the coverage, the style and the fabric reported for the kit; the
    outer layers add their tension where they cover the leg (see the module docstring).

    Parameters
    ----------
    layers : sequence of Stocking
        Innermost first, at least two.
    thicknesses_m : sequence of float, optional
        Thickness of each layer, metres (default: the fabric's ``thickness_mm`` provenance or
        :data:`DEFAULT_THICKNESS_M`).
    name : str, optional
    friction : float, optional
        Coulomb coefficient between the fabric layers (default
        :data:`DEFAULT_LAYER_FRICTION`); ``math.inf`` bonds them. Only the ``contact`` method
        uses it: the static pressure of the other methods does not depend on it.

    Raises
    ------
    stockingsim.errors.StockingError
        Fewer than two stockings, thicknesses not in metres, a friction outside [0, 3] that is
        not ``math.inf``.

    Examples
    --------
    >>> import stockingsim as ss
    >>> s = ss.Stocking(ss.Fabric.linear(250.0), 0.18)
    >>> ss.Kit([s, s]).n_layers
    2
    """

    layers: tuple[Any, ...]
    thicknesses_m: tuple[float, ...] | None = None
    name: str | None = None
    friction: float | None = None

    def __post_init__(self) -> None:
        from stockingsim.stocking import Stocking

        layers = tuple(self.layers) if isinstance(self.layers, Sequence) else ()
        if len(layers) < 2 or not all(isinstance(s, Stocking) for s in layers):
            raise errors.StockingError(
                "a Kit needs a list of at least two Stockings, innermost first, e.g. "
                "ss.Kit([liner, over_stocking])."
            )
        object.__setattr__(self, "layers", layers)
        if self.thicknesses_m is None:
            t = tuple(_thickness_of(s) for s in layers)
        else:
            try:
                if isinstance(self.thicknesses_m, str | bytes):
                    raise TypeError  # "0.6mm" is not a thickness per layer
                t = tuple(float(x) for x in self.thicknesses_m)
            except (TypeError, ValueError):
                t = ()
            if len(t) != len(layers) or not all(math.isfinite(x) and 0 <= x < 0.01 for x in t):
                raise errors.StockingError(
                    f"thicknesses_m {self.thicknesses_m!r}: one thickness per layer, in metres "
                    "(0 to 0.01; e.g. 0.0006 for 0.6 mm)."
                )
        object.__setattr__(self, "thicknesses_m", t)
        object.__setattr__(self, "friction", check_layer_friction(self.friction))

    @property
    def bonded(self) -> bool:
        """Whether the layers are bonded (``friction=math.inf``): they move as one tube."""
        return self.friction == math.inf

    # the inner layer stands for the kit -------------------------------------------------
    @property
    def thicknesses_under_m(self) -> tuple[float, ...]:
        """Thickness of the layers under each layer, metres (0 under the innermost)."""
        return tuple(float(x) for x in np.cumsum((0.0, *self.thicknesses_m[:-1])))

    @property
    def n_layers(self) -> int:
        return len(self.layers)

    @property
    def inner(self) -> Any:
        return self.layers[0]

    @property
    def fabric(self) -> Any:
        return self.inner.fabric

    @property
    def style(self) -> str:
        return self.inner.style

    @property
    def axial_prestrain(self) -> float:
        return self.inner.axial_prestrain

    @property
    def relaxed_circumference_m(self) -> Any:
        return self.inner.relaxed_circumference_m

    @property
    def bands(self) -> tuple:
        """The inner layer's folds, rolled top and grip band."""
        return self.inner.bands

    #: The solvers add :meth:`band_tension` for every kit.
    has_layers = True

    def relaxed_circumference_at(self, leg: Any, heights_m: Any) -> np.ndarray:
        return self.inner.relaxed_circumference_at(leg, heights_m)

    def flat_width_at(self, leg: Any, heights_m: Any) -> np.ndarray:
        return self.inner.flat_width_at(leg, heights_m)

    def coverage_m(self, leg: Any) -> tuple[float, float]:
        return self.inner.coverage_m(leg)

    def style_is_complete(self, leg: Any) -> bool:
        """Whether ``leg`` reaches the landmark at which the inner layer's style ends."""
        return self.inner.style_is_complete(leg)

    def band_tension(self, leg: Any, heights_m: Any, girth_m: Any) -> np.ndarray:
        """Tension (N/m) of the outer layers (and the inner layer's folds) at each height."""
        h = np.atleast_1d(np.asarray(heights_m, dtype=float))
        c = np.asarray(girth_m, dtype=float)
        extra = self.inner.band_tension(leg, h, c) if self.inner.bands else np.zeros(h.shape)
        below = self.thicknesses_under_m
        for layer, t_under in zip(self.layers[1:], below[1:]):
            lo, hi = layer.coverage_m(leg)
            inside = (h >= lo - HEIGHT_TOL_M) & (h <= hi + HEIGHT_TOL_M) & np.isfinite(c)
            if not inside.any():
                continue
            girth = c[inside] + 2.0 * math.pi * t_under
            eps = np.maximum(girth / layer.relaxed_circumference_at(leg, h[inside]) - 1.0, 0.0)
            t = np.asarray(layer.fabric.tension(eps, "course", "unloading"), dtype=float)
            extra[inside] += np.maximum(t, 0.0)
            if layer.bands:
                extra[inside] += layer.band_tension(leg, h[inside], girth)
        return extra
