"""Pictures of stockingsim results: 3D pressure maps, unrolled maps, profiles, fabric curves.

Every name is imported lazily (:func:`stockingsim._lazy.attach`), so ``import stockingsim.viz`` loads neither
pyvista/VTK nor matplotlib; they are imported the first time a plotting function is used. A missing
optional dependency raises :class:`stockingsim.errors.OptionalDependencyError` with the install
hint (``pip install "stockingsim[viz]"``).

Functions
---------
plot_pressure_map
    Pressure on the 3D leg (pyvista): mmHg colour bar, landmark rings, front/side/back views.
map_plotter
    The same scene as an unrendered :class:`pyvista.Plotter`, for customisation.
compare_maps
    Small multiples of pressure maps with one shared colour scale.
plot_unrolled
    Pressure over (angle around the leg, height): the stocking cut open (matplotlib).
plot_profile
    Pressure against height with the class bands of a standard and a design target (matplotlib).
plot_fabric
    Tension-strain loading/unloading loops per direction, measured points against the fit.
plot_agreement
    Bland-Altman and predicted-vs-measured plots of an agreement with measurements.
plot_pressure_vs_girth
    Pressure at B, B1 and C as the leg girth varies over a size range, with the class band.
plot_hysteresis
    A fabric's loading/unloading loop with a stocking's working points on the unloading branch.
compare_sheet
    One page: profiles overlaid, unrolled maps on one colour scale, a table per landmark.
plot_motion, animate_motion
    Pressure over time per landmark through a motion; the 3D map animated to GIF/MP4.
"""

from __future__ import annotations

from stockingsim import _lazy

_EXPORTS: dict[str, str] = {
    "plot_pressure_map": "stockingsim.viz._map",
    "map_plotter": "stockingsim.viz._map",
    "compare_maps": "stockingsim.viz._compare_maps",
    "compare_plotter": "stockingsim.viz._compare_maps",
    "plot_unrolled": "stockingsim.viz._unrolled",
    "plot_profile": "stockingsim.viz._profile",
    "plot_fabric": "stockingsim.viz._fabric",
    "plot_agreement": "stockingsim.viz._lab",
    "plot_pressure_vs_girth": "stockingsim.viz._lab",
    "plot_hysteresis": "stockingsim.viz._lab",
    "compare_sheet": "stockingsim.viz._sheet",
    "plot_motion": "stockingsim.viz._motion",
    "animate_motion": "stockingsim.viz._motion",
}

__getattr__, __dir__, __all__ = _lazy.attach(__name__, _EXPORTS)
