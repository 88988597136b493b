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
}

__getattr__, __dir__, __all__ = _lazy.attach(__name__, _EXPORTS)
