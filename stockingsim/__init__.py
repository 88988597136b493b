"""stockingsim: simulate medical compression stockings.

Load a leg mesh, give the knit its mechanical properties, solve the interface pressure and look at
the pressure gradient. The public API is listed in ``__all__``; every name is imported lazily, so
``import stockingsim`` stays light (no VTK, pyvista, matplotlib.pyplot or Dask).
"""

from __future__ import annotations

from stockingsim import _lazy, errors  # noqa: F401 (errors is public)

__version__ = "0.1.0"

# public name -> module that defines it (imported on first use)
_EXPORTS: dict[str, str] = {
    # legs
    "Leg": "stockingsim.leg",
    "Landmark": "stockingsim.leg",
    "Section": "stockingsim.leg",
    "LegFrame": "stockingsim.leg",
    "load_leg": "stockingsim.leg",
    "parametric_leg": "stockingsim.leg",
    "bundled_leg": "stockingsim.leg",
    "sample_leg": "stockingsim._samples",
    "sample_path": "stockingsim._samples",
    "sample_leg_names": "stockingsim._samples",
    # fabrics
    "Fabric": "stockingsim.fabric",
    "fabric_library": "stockingsim.fabric",
    "compare_fabrics": "stockingsim.fabric",
    # stockings and pressure
    "Stocking": "stockingsim.stocking",
    "Kit": "stockingsim._kit",
    "Tissue": "stockingsim.tissue",
    "simulate": "stockingsim.solvers",
    "PressureResult": "stockingsim.solvers",
    # standards and design
    "classify": "stockingsim.standards",
    "check_gradient": "stockingsim.standards",
    "gradient_verdict": "stockingsim.standards",
    "design_stocking": "stockingsim.design",
    "size_coverage": "stockingsim.design",
    "size_chart": "stockingsim.design",
    "stiffness_index": "stockingsim.design",
    "donning": "stockingsim.design",
    "sample_population": "stockingsim.design",
    "service_life": "stockingsim.design",
    "design_outer_layer": "stockingsim.design",
    # measured pressures
    "read_measurements": "stockingsim.calibration",
    "agreement": "stockingsim.calibration",
    "calibrate": "stockingsim.calibration",
    "pressure_uncertainty": "stockingsim.calibration",
    # the leg in motion
    "Motion": "stockingsim.motion",
    "MotionResult": "stockingsim.motion",
    "simulate_motion": "stockingsim.motion",
    "static_stiffness_index": "stockingsim.motion",
    "swelling_response": "stockingsim.motion",
    "compare_swelling": "stockingsim.motion",
    # fitting a patient; interactive design
    "SizeChart": "stockingsim.fitting",
    "FitResult": "stockingsim.fitting",
    "fit_patient": "stockingsim.fitting",
    "fitting_report": "stockingsim.fitting",
    "measurements_from_leg": "stockingsim.fitting",
    "explore": "stockingsim.app",
    # output and scale
    "report": "stockingsim._report",
    "run_batch": "stockingsim.batch",
    "BatchDesign": "stockingsim.batch",
    "Design": "stockingsim.batch",  # deprecated alias of BatchDesign (warns)
}

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    _EXPORTS,
    also=["errors", "__version__"],
    # sub-packages reachable as attributes without an import (``ss.viz``, ``ss.batch``)
    submodules=[
        "batch",
        "design",
        "exports",
        "fabric",
        "leg",
        "solvers",
        "standards",
        "stocking",
        "viz",
    ],
)
