"""What a batch puts on the legs: stockings and designs, their keys and their checks (private).

:class:`BatchDesign` is a stocking to be designed per leg. :func:`collect_specs` turns the second
argument of :func:`stockingsim.run_batch` into a list of stockings and designs, and
:func:`validate_batch` checks every per-batch choice (methods, standard, classes, styles, design
methods) before the first task, so that a misspelt name is one :class:`~stockingsim.errors.BatchError`
naming the valid choices instead of an error row per task. :func:`spec_key` gives the content key
of a stocking or design (part of the resume key).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim import vocabulary as vocab
from stockingsim._checks import as_fabric

__all__ = ["BatchDesign", "collect_specs", "validate_batch", "spec_key", "canonical"]

_DEFAULT_STANDARD = vocab.DEFAULT_STANDARD
#: landmark names a design target may name, bottom to top
_LANDMARKS: tuple[str, ...] = vocab.LANDMARKS


@dataclasses.dataclass(frozen=True)
class BatchDesign:
    """A stocking to be designed for each leg of a batch: fabric + target (+ style and method).

    For every leg, the batch calls :func:`stockingsim.design_stocking` with these arguments and
    simulates the stocking it returns, so one ``BatchDesign`` gives a made-to-measure stocking
    per leg. The target, style and method are checked when it is made: a misspelt class or
    style raises at once, before any leg is loaded.

    Parameters
    ----------
    fabric : Fabric, str or Kit
        The knit, or the name of a preset in :func:`stockingsim.fabric_library`; or a
        :class:`~stockingsim.Kit` whose outermost layer is designed over the others on every
        leg (as :func:`stockingsim.design_stocking` does with a kit; its inner layers are
        worn as given, so give them a profile that fits any leg: a number or a landmark
        mapping).
    target : str or mapping
        ``"RAL-GZ 387:II"`` (standard:class) or explicit pressures ``{"B": 28.0, ...}`` in mmHg.
        For a kit: the pressure of the kit.
    style : str, optional
        ``"AD"`` (knee-high), ``"AF"``, ``"AG"`` or ``"AT"``; for a kit, the designed outer
        layer's. Default None: a kit's outer layer keeps its own style; a fabric is designed
        knee-high (``"AD"``).
    method : str
        Pressure law used to invert the design (passed to ``design_stocking``).
    name : str, optional
        Label in the ``stocking_name`` column.

    Raises
    ------
    stockingsim.errors.BatchError
        Unknown preset, standard, class, style or method; a target that is neither a
        ``"STANDARD:CLASS"`` string nor a mapping of landmark -> mmHg.

    Examples
    --------
    >>> from stockingsim.batch import BatchDesign
    >>> d = BatchDesign(fabric="x", target="RAL-GZ 387:II", _resolve=False)
    >>> d.standard
    'RAL-GZ 387'
    """

    fabric: Any
    target: Any = "RAL-GZ 387:II"
    style: str | None = None
    method: str = "laplace"
    name: str | None = None
    _resolve: dataclasses.InitVar[bool] = True

    def __post_init__(self, _resolve: bool) -> None:
        if isinstance(self.fabric, str) and _resolve:
            object.__setattr__(self, "fabric", _library_fabric(self.fabric))
        if isinstance(self.target, Mapping):
            object.__setattr__(self, "target", _pressure_target(self.target))
        elif isinstance(self.target, str):
            _check_class_target(self.target)
        else:
            raise errors.BatchArgumentError(
                f"BatchDesign target must be 'STANDARD:CLASS' (e.g. 'RAL-GZ 387:II') or a mapping "
                f"landmark -> mmHg, not {type(self.target).__name__}."
            )
        if self.style is not None:
            _check_style(self.style, "BatchDesign style")
        _check_methods([self.method], "BatchDesign method")

    @property
    def standard(self) -> str:
        """The standard named in the target, or RAL-GZ 387 for explicit pressures."""
        if isinstance(self.target, str):
            from stockingsim.standards import split_target

            return split_target(self.target, _DEFAULT_STANDARD)[0]
        return _DEFAULT_STANDARD

    @property
    def effective_style(self) -> str:
        """The style designed: ``style``, else a kit's outer layer's, else ``"AD"``."""
        if self.style is not None:
            return self.style
        layers = (
            getattr(self.fabric, "layers", None)
            if getattr(self.fabric, "has_layers", False)
            else None
        )
        return layers[-1].style if layers else "AD"

    def build(self, leg):
        """Design the stocking for one leg (:func:`stockingsim.design_stocking`)."""
        from stockingsim.design import design_stocking

        stocking, _spec = design_stocking(
            leg, self.fabric, self.target, method=self.method, style=self.effective_style
        )
        return stocking

    def __hash__(self) -> int:  # target may be a dict
        return hash((id(self.fabric), _target_key(self.target), self.style, self.method))


# ----------------------------------------------------------------------------------------------
# checks of names (each raises BatchError naming the valid choices)
def _library_fabric(name: str):
    try:
        return as_fabric(name, "BatchDesign")
    except errors.FabricError as exc:
        raise errors.BatchArgumentError(str(exc)) from None


def _check_class_target(target: str) -> None:
    from stockingsim.standards import parse_target

    try:
        parse_target(target, default_standard=_DEFAULT_STANDARD)
    except errors.StandardError as exc:
        raise errors.BatchArgumentError(f"design target {target!r}: {exc}.") from None


def _pressure_target(target: Mapping) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in target.items():
        if key not in _LANDMARKS:
            raise errors.BatchArgumentError(
                f"design target names the landmark {key!r}; use {', '.join(_LANDMARKS)}."
            )
        try:
            mmhg = float(value)
        except (TypeError, ValueError):
            mmhg = math.nan
        if not (math.isfinite(mmhg) and mmhg > 0):
            raise errors.BatchArgumentError(
                f"design target pressure at {key} must be a positive number in mmHg, got {value!r}."
            )
        out[str(key)] = mmhg
    if not out:
        raise errors.BatchArgumentError("design target mapping is empty; give e.g. {'B': 28.0}.")
    return out


def _check_style(style: Any, what: str) -> None:
    from stockingsim.stocking import STYLES

    if style not in STYLES:
        raise errors.BatchArgumentError(
            f"{what} {style!r} is unknown; use one of {', '.join(STYLES)} "
            "(AD knee-high, AF mid-thigh, AG thigh-high, AT tights)."
        )


def _check_methods(methods: Sequence[str], what: str) -> None:
    from stockingsim.solvers import METHODS

    for method in methods:
        if method not in METHODS:
            raise errors.BatchArgumentError(
                f"{what} {method!r} is unknown; use one of {', '.join(METHODS)}."
            )


def _check_standard(standard: Any, what: str) -> None:
    from stockingsim.standards import canonical_standard

    try:
        canonical_standard(standard)
    except errors.StandardError as exc:
        raise errors.BatchArgumentError(f"{what}: {exc}.") from None


def validate_batch(specs: Sequence[Any], methods: Sequence[str], standard: str | None) -> None:
    """Check every per-batch choice before any task runs; raise BatchError naming valid ones.

    Parameters
    ----------
    specs : sequence
        Stockings and :class:`BatchDesign` objects (from :func:`collect_specs`).
    methods : sequence of str
        Pressure methods of the batch.
    standard : str or None
        The batch's standard, if one is given.
    """
    if not methods:
        raise errors.BatchArgumentError("methods is empty; give at least one, e.g. ['membrane'].")
    _check_methods(methods, "pressure method")
    if standard is not None:
        _check_standard(standard, "standard")
    for spec in specs:
        # a BatchDesign without a style designs in the kit's or the default one
        style = spec.style if isinstance(spec, BatchDesign) else getattr(spec, "style", "AD")
        if style is not None:
            _check_style(style, "stocking style")
        if isinstance(spec, BatchDesign):
            _check_methods([spec.method], "design method")
            _check_standard(spec.standard, f"design target {spec.target!r}")


# ----------------------------------------------------------------------------------------------
# the second argument of run_batch
def collect_specs(stockings_or_designs: Any) -> list:
    """Stockings and designs from one item or a list (pairs become :class:`BatchDesign`)."""
    items = stockings_or_designs
    if _is_spec(items) or _is_design_pair(items):
        items = [items]
    specs = []
    for item in items:
        if isinstance(item, BatchDesign):
            specs.append(item)
        elif _is_design_pair(item):
            specs.append(BatchDesign(item[0], item[1]))
        elif _is_spec(item):
            specs.append(item)
        else:
            raise errors.BatchArgumentError(
                f"cannot use {type(item).__name__} as a stocking: give Stocking objects, "
                "BatchDesign(fabric, target) or (fabric, target) pairs such as "
                "(fabric_library()['<name>'], 'RAL-GZ 387:II')."
            )
    if not specs:
        raise errors.BatchArgumentError("no stocking or design given; nothing to run.")
    return specs


def _is_spec(obj: Any) -> bool:
    return isinstance(obj, BatchDesign) or (
        hasattr(obj, "fabric") and hasattr(obj, "relaxed_circumference_m")
    )


def _is_design_pair(obj: Any) -> bool:
    return (
        isinstance(obj, tuple)
        and len(obj) == 2
        and (isinstance(obj[0], str) or hasattr(obj[0], "tension"))
        and isinstance(obj[1], str | Mapping)
    )


# ----------------------------------------------------------------------------------------------
# content keys
def sha256(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def _target_key(target: Any) -> str:
    if isinstance(target, Mapping):
        return json.dumps({str(k): float(v) for k, v in target.items()}, sort_keys=True)
    return str(target)


_SAMPLE_HEIGHTS_M = np.linspace(0.0, 1.2, 121)


def canonical(obj: Any, depth: int = 0) -> Any:
    """A JSON-able description of a stocking's parameters, stable across processes."""
    if depth > 6:
        return repr(type(obj))
    if obj is None or isinstance(obj, str | bool):
        return obj
    if isinstance(obj, int | float | np.integer | np.floating):
        value = float(obj)
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(obj, np.ndarray):
        return sha256(np.ascontiguousarray(obj).tobytes()) + str(obj.shape)
    if hasattr(obj, "to_json") and callable(obj.to_json):  # Fabric
        try:
            return {"to_json": sha256(str(obj.to_json()).encode())}
        except Exception:  # noqa: BLE001 - fall back to the fields
            pass
    if isinstance(obj, Mapping):
        return {str(k): canonical(v, depth + 1) for k, v in sorted(obj.items(), key=str)}
    if isinstance(obj, list | tuple):
        return [canonical(v, depth + 1) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _canonical_fields(obj, [f.name for f in dataclasses.fields(obj)], depth)
    if callable(obj) and not isinstance(obj, type):
        # a relaxed circumference given as f(h): its values on a height grid identify it
        try:
            values = np.asarray(obj(_SAMPLE_HEIGHTS_M), dtype=float)
            return {"samples": sha256(values.tobytes())}
        except Exception:  # noqa: BLE001
            return {"callable": getattr(obj, "__qualname__", repr(obj))}
    fields = getattr(obj, "__dict__", None)
    if fields:
        return _canonical_fields(obj, sorted(fields), depth)
    return repr(obj)


def _canonical_fields(obj: Any, names: list[str], depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type(obj).__qualname__}
    for name in names:
        if not name.startswith("_"):
            out[name] = canonical(getattr(obj, name), depth + 1)
    return out


def spec_key(spec: Any) -> str:
    """Content key of a stocking or design (24 hex digits)."""
    text = json.dumps(canonical(spec), sort_keys=True)
    return sha256(text.encode())[:24]
