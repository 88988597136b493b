"""Design tools: inverse design of a stocking, size ranges, size charts, stiffness, donning.

What a hosiery designer does, in a few lines::

    import stockingsim as ss
    leg = ss.bundled_leg()
    fabric = ss.fabric_library()["<preset>"]
    stocking, spec = ss.design_stocking(leg, fabric, target="RAL-GZ 387:II")
    print(spec)                    # per-landmark spec sheet (flat widths, strain, tension, mmHg)
    spec.courses                   # relaxed circumference every 1 cm for the knitting program
    chart = ss.size_chart(sample_population(200), fabric, n_sizes=3)
    chart.chart, chart.coverage_percent

Implementation modules: ``_targets`` (use cases and :func:`resolve_target`), ``_laplace``
(Laplace's law and its inversion), ``_core`` (:func:`design_stocking`, also the outer layer of a
:class:`~stockingsim.Kit`), ``_spec`` (:class:`DesignSpec`), ``_sizes`` and ``_chart``
(:func:`size_coverage`, :func:`size_chart`, populations), ``_fit`` (:func:`stiffness_index`,
:func:`donning`), ``_life`` (:func:`service_life`, :func:`design_outer_layer`).
"""

from stockingsim.design._chart import SizeChart, size_chart
from stockingsim.design._core import design_stocking
from stockingsim.design._fit import (
    CY_OVER_CB,
    DonningResult,
    compare_stiffness,
    donning,
    enlarged_leg,
    heel_instep_circumference,
    stiffness_index,
)
from stockingsim.design._laplace import (
    TabulatedCircumference,
    invert_laplace,
    laplace_pressure,
    laplace_tension,
)
from stockingsim.design._life import design_outer_layer, service_life
from stockingsim.design._sizes import (
    EXPLICIT_TARGET_TOL_MMHG,
    POPULATION_DISTRIBUTION,
    leg_table,
    sample_charts,
    sample_population,
    size_coverage,
)
from stockingsim.design._spec import DesignSpec
from stockingsim.design._targets import (
    SIGEL_PROFILE_MMHG,
    TARGETS,
    Target,
    UseCase,
    resolve_target,
    use_case,
    use_case_target,
)

__all__ = [
    "design_stocking",
    "DesignSpec",
    "Target",
    "resolve_target",
    "TabulatedCircumference",
    "invert_laplace",
    "laplace_tension",
    "laplace_pressure",
    "TARGETS",
    "UseCase",
    "use_case",
    "use_case_target",
    "SIGEL_PROFILE_MMHG",
    "size_coverage",
    "size_chart",
    "SizeChart",
    "sample_population",
    "sample_charts",
    "leg_table",
    "POPULATION_DISTRIBUTION",
    "EXPLICIT_TARGET_TOL_MMHG",
    "stiffness_index",
    "compare_stiffness",
    "enlarged_leg",
    "donning",
    "DonningResult",
    "heel_instep_circumference",
    "CY_OVER_CB",
    "service_life",
    "design_outer_layer",
]
