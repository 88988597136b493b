"""Errors and warnings raised by stockingsim.

Every public entry point checks its input and raises one of these classes with a message that
says what is wrong and what to do. They all derive from :class:`StockingSimError` (errors) or
:class:`StockingSimWarning` (warnings), so ``except stockingsim.errors.StockingSimError`` catches
everything the package raises on purpose. Most error classes also derive from the matching
built-in (``ValueError``, ``FileNotFoundError``, ...), so generic handlers keep working.
"""

from __future__ import annotations

__all__ = [
    "StockingSimError",
    "MeshError",
    "MeshFileError",
    "NotLegLikeError",
    "UnitsError",
    "LandmarkError",
    "FabricError",
    "BlendError",
    "TensileDataError",
    "FabricFileError",
    "StockingError",
    "StyleError",
    "SolverError",
    "ConvergenceError",
    "StandardError",
    "DesignError",
    "UnreachableTargetError",
    "MeasurementError",
    "SizeChartError",
    "BatchError",
    "CalibrationError",
    "BatchArgumentError",
    "ExportError",
    "OptionalDependencyError",
    "SampleNotFoundError",
    "StockingSimWarning",
    "MeshWarning",
    "ExtrapolationWarning",
    "NoContactWarning",
    "DonningWarning",
    "ConvergenceWarning",
    "StyleWarning",
    "TargetWarning",
    "CalibrationWarning",
]


class StockingSimError(Exception):
    """Base class of every error stockingsim raises on purpose."""


# --- legs and meshes -------------------------------------------------------------------------
class MeshError(StockingSimError, ValueError):
    """The mesh cannot be used: empty, NaN/inf coordinates, bad faces, degenerate, too small."""


class MeshFileError(MeshError, OSError):
    """A mesh file is missing, unreadable, empty or not in a supported format."""


class NotLegLikeError(MeshError):
    """The surface is valid but does not look like a leg (size, shape or extent)."""


class UnitsError(StockingSimError, ValueError):
    """Units are unknown or impossible for a leg (e.g. a 40 m leg)."""


class LandmarkError(StockingSimError, ValueError):
    """A landmark is unknown, missing on this leg, or given at an impossible height."""


# --- fabrics ---------------------------------------------------------------------------------
class FabricError(StockingSimError, ValueError):
    """Invalid fabric model parameters or an invalid request to a fabric."""


class BlendError(FabricError):
    """Blend fractions or yarn/knit parameters are invalid (negative, NaN, not summing to 1)."""


class TensileDataError(FabricError):
    """A tensile-test file is empty, unparseable, has missing/non-numeric columns or never stretches."""


class FabricFileError(FabricError):
    """A fabric JSON file is unreadable or does not match the schema."""


# --- stockings and solvers -------------------------------------------------------------------
class StockingError(StockingSimError, ValueError):
    """Invalid stocking definition (relaxed circumference, pre-strain, ...)."""


class StyleError(StockingError):
    """The stocking style needs a landmark the leg does not reach."""


class SolverError(StockingSimError, RuntimeError):
    """A pressure method cannot run with these inputs or options."""


class ConvergenceError(SolverError):
    """An iterative solve did not converge; the message gives the residual."""


# --- standards and design --------------------------------------------------------------------
class StandardError(StockingSimError, ValueError):
    """Unknown standard or class name."""


class DesignError(StockingSimError, ValueError):
    """The design request is invalid."""


class UnreachableTargetError(DesignError):
    """A design target needs a strain beyond the fabric's range; names the landmark and strain."""


# --- measured pressures and calibration --------------------------------------------------------
class CalibrationError(StockingSimError, ValueError):
    """Measurements cannot identify the calibration parameters, or cannot be matched."""


# --- batch, export, optional dependencies -----------------------------------------------------
class MotionError(StockingSimError, ValueError):
    """Bad deformation of a leg (girth change, swelling, pose) or a bad motion."""


class BatchError(StockingSimError, RuntimeError):
    """A batch cannot be set up (bad arguments, unwritable output, unknown engine)."""


class BatchArgumentError(BatchError, ValueError):
    """A batch's arguments are wrong (unknown method, class, style, path...), found before any task.

    The command line reports it as a usage error (exit code 2).
    """


class ExportError(StockingSimError, OSError):
    """A result cannot be written to the requested file."""


class PlotError(StockingSimError, ValueError):
    """A picture or table cannot be made from these arguments (view, colour limits, inputs)."""


class SampleNotFoundError(StockingSimError, FileNotFoundError):
    """No sample file (leg or tensile test) of that name ships with the package."""


class OptionalDependencyError(StockingSimError, ImportError):
    """A feature needs an optional dependency that is not installed; says what to install."""


def missing_dependency(feature: str, package: str, extra: str) -> OptionalDependencyError:
    """Build the error for a missing optional dependency, with the install hint."""
    return OptionalDependencyError(
        f"{feature} needs the optional package '{package}', which is not installed. "
        f'Install it with: pip install "stockingsim[{extra}]"'
    )


class MeasurementError(StockingSimError, ValueError):
    """Measurements are unusable: a patient's or a pressure table's.

    A patient's: unknown points, wrong units, impossible values. A pressure table's: unreadable,
    a missing column, impossible values.
    """


class SizeChartError(StockingSimError, ValueError):
    """A product size chart is unreadable or inconsistent (ranges, sizes, style)."""


# --- warnings --------------------------------------------------------------------------------
class StockingSimWarning(UserWarning):
    """Base class of every warning stockingsim emits."""


class MeshWarning(StockingSimWarning):
    """Something in the mesh was repaired or dropped (extra components, duplicate vertices)."""


class ExtrapolationWarning(StockingSimWarning):
    """A fabric model was evaluated outside its valid strain range."""


class NoContactWarning(StockingSimWarning):
    """The stocking does not touch the leg somewhere it covers (relaxed larger than the leg)."""


class DonningWarning(StockingSimWarning):
    """Putting the stocking on over the heel needs a strain beyond the fabric's range."""


class ConvergenceWarning(StockingSimWarning):
    """An iterative solve stopped at its tolerance limit but the result is still usable."""


class StyleWarning(StockingSimWarning):
    """The leg does not reach the style's top landmark; the stocking covers the mesh to its top."""


class TargetWarning(StockingSimWarning):
    """A design target looks mistaken: values like kPa, or a pressure rising up the leg."""


class CalibrationWarning(StockingSimWarning):
    """A calibration ran but its readings hardly fix a parameter (its 95 % interval holds 0)."""
