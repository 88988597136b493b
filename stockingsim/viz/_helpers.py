"""Shared helpers of the plotting modules: optional imports, labels, colour limits, landmarks."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from stockingsim import errors

#: Colour of skin the stocking does not cover (drawn instead of a pressure colour).
UNCOVERED_COLOR = "#d8d4ce"
#: Colour of pressures above/below the colour range (when ``clim`` cuts the data).
ABOVE_COLOR = "#e7298a"
BELOW_COLOR = "#3a3a3a"
#: Upper percentile of ``clim="robust"`` (assumption: ignores the highest 2 % of the vertices,
#: i.e. the spikes over bony ridges that would darken the rest of the map).
ROBUST_PERCENTILE = 98.0
#: Default colour map of pressure: perceptually uniform and readable by colour-blind viewers.
DEFAULT_CMAP = "viridis"
PRESSURE_TITLE = "Pressure (mmHg)"


def require_pyvista(feature: str):
    """Import pyvista, switching to off-screen rendering when there is no display.

    Without an X display (no ``DISPLAY`` on Linux), any attempt to open a window would fail, so
    ``pyvista.OFF_SCREEN`` is set before a plotter exists.
    """
    try:
        import pyvista as pv
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise errors.missing_dependency(feature, "pyvista", "viz") from exc
    if not has_display():
        pv.OFF_SCREEN = True
    return pv


@contextlib.contextmanager
def quiet_vtk():
    """Silence VTK's log and warning output while rendering (restored afterwards).

    Off-screen on a machine without an X display, VTK's X render window first tries the display
    and logs "bad X server connection" before falling back to off-screen (EGL/OSMesa) rendering:
    noise on every render, not an error. Errors still raise through pyvista.
    """
    from vtkmodules.vtkCommonCore import vtkLogger, vtkObject

    verbosity = vtkLogger.GetCurrentVerbosityCutoff()
    warn = vtkObject.GetGlobalWarningDisplay()
    vtkLogger.SetStderrVerbosity(vtkLogger.VERBOSITY_ERROR)
    vtkObject.GlobalWarningDisplayOff()
    try:
        yield
    finally:
        vtkLogger.SetStderrVerbosity(verbosity)
        vtkObject.SetGlobalWarningDisplay(warn)


def require_matplotlib(feature: str):
    """Import ``matplotlib.figure`` (never pyplot: no global figure state in library code)."""
    try:
        import matplotlib.figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise errors.missing_dependency(feature, "matplotlib", "viz") from exc
    if in_jupyter():
        show_figures_inline()
    return matplotlib.figure


def show_figures_inline() -> None:
    """Make Jupyter display a returned ``matplotlib.figure.Figure`` as a PNG.

    IPython shows figures only after ``%matplotlib inline`` (which registers the formatter
    for pyplot's figures); the figures here are made without pyplot, so the PNG formatter is
    registered for them directly. Idempotent; does nothing outside IPython.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure

    formatter = shell.display_formatter.formatters["image/png"]
    if Figure in formatter.type_printers:  # already (also by %matplotlib inline)
        return
    formatter.for_type(Figure, lambda fig: print_figure(fig, "png", bbox_inches="tight"))


def has_display() -> bool:
    """True when a window could open (always on Windows/macOS; on Linux only with a display)."""
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def in_jupyter() -> bool:
    """True inside a Jupyter kernel (where a map can be shown interactively)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # pragma: no cover - defensive
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def jupyter_backend() -> str:
    """``"trame"`` when pyvista's interactive Jupyter backend is usable, else ``"static"``.

    Asks pyvista itself, so a partial install (trame without its Jupyter pieces) falls back
    to a static picture instead of a warning.
    """
    try:
        from pyvista.jupyter import _validate_jupyter_backend

        return _validate_jupyter_backend("trame")
    except Exception:  # ImportError without the trame extras; private API may move
        return "static"


def covered_pressure(result) -> np.ndarray:
    """Per-vertex pressure in mmHg with NaN where the stocking does not cover the leg."""
    pressure = np.asarray(result.pressure_mmhg, dtype=float)
    covered = getattr(result, "covered", None)
    if covered is None:
        return pressure.copy()
    return np.where(np.asarray(covered, dtype=bool), pressure, np.nan)


def data_clim(values: np.ndarray | Sequence[np.ndarray]) -> tuple[float, float]:
    """Colour limits (min, max) over the finite values; widened a little when they are equal."""
    if isinstance(values, np.ndarray):
        values = [values]
    finite = [np.asarray(v, dtype=float)[np.isfinite(v)] for v in values]
    finite = [f for f in finite if f.size]
    if not finite:
        return (0.0, 1.0)
    lo = float(min(f.min() for f in finite))
    hi = float(max(f.max() for f in finite))
    if hi - lo < 1e-9:
        pad = max(abs(hi) * 0.05, 0.5)
        lo, hi = lo - pad, hi + pad
    return (lo, hi)


def resolve_clim(clim, values) -> tuple[float, float]:
    """Colour range in mmHg: the data range (None), a robust range ("robust") or a given pair.

    ``"robust"`` runs from the lowest value to the :data:`ROBUST_PERCENTILE` percentile, so a
    few spikes do not darken the whole map; values above it get :data:`ABOVE_COLOR`.
    """
    if isinstance(values, np.ndarray):
        values = [values]
    if isinstance(clim, str):
        if clim != "robust":
            raise errors.PlotError(
                f"clim must be None, 'robust' or (low, high) in mmHg, got {clim!r}."
            )
        finite = np.concatenate([np.asarray(v, float)[np.isfinite(v)] for v in values])
        if finite.size == 0:
            return (0.0, 1.0)
        lo, hi = float(finite.min()), float(np.percentile(finite, ROBUST_PERCENTILE))
        return (lo, hi) if hi > lo else data_clim(values)
    return check_clim(clim) or data_clim(values)


def clipped(values, clim: tuple[float, float]) -> tuple[bool, bool]:
    """Whether some finite values lie below / above the colour range."""
    if isinstance(values, np.ndarray):
        values = [values]
    finite = [np.asarray(v, float)[np.isfinite(v)] for v in values]
    below = any((f < clim[0] - 1e-9 * max(1.0, abs(clim[0]))).any() for f in finite)
    above = any((f > clim[1] + 1e-9 * max(1.0, abs(clim[1]))).any() for f in finite)
    return below, above


def clip_colors(clip: tuple[bool, bool]) -> dict[str, Any]:
    """The colour convention as pyvista ``add_mesh`` arguments.

    Values below / above the colour range (``clip``, from :func:`clipped`) get
    :data:`BELOW_COLOR` / :data:`ABOVE_COLOR`, NaN (the uncovered skin) :data:`UNCOVERED_COLOR`.
    """
    below, above = clip
    return {
        "above_color": ABOVE_COLOR if above else None,
        "below_color": BELOW_COLOR if below else None,
        "nan_color": UNCOVERED_COLOR,
    }


def clip_labels(clip: tuple[bool, bool]) -> dict[str, str]:
    """Scalar-bar labels of the clipped ends (pyvista ``above_label`` / ``below_label``)."""
    below, above = clip
    return {
        **({"above_label": "above"} if above else {}),
        **({"below_label": "below"} if below else {}),
    }


def pressure_colormap(cmap: str):
    """The matplotlib colour map with the clipped ends in the colours of :func:`clip_colors`."""
    require_matplotlib("Pressure pictures")
    import matplotlib

    return matplotlib.colormaps[cmap].with_extremes(over=ABOVE_COLOR, under=BELOW_COLOR)


def check_clim(clim) -> tuple[float, float] | None:
    """Validate a user colour range ``(lo, hi)``."""
    if clim is None:
        return None
    try:
        lo, hi = (float(c) for c in clim)
    except (TypeError, ValueError) as exc:
        raise errors.PlotError(
            f"clim must be a pair (low, high) in mmHg, got {clim!r}; e.g. clim=(0, 40)."
        ) from exc
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise errors.PlotError(
            f"clim must be finite with high > low, got {clim!r}; e.g. clim=(0, 40)."
        )
    return (lo, hi)


def landmark_heights(result) -> dict[str, float]:
    """Landmark name -> height along the leg axis in metres (from the profile, else the leg)."""
    profile = getattr(result, "profile", None)
    if profile is not None and "height_m" in getattr(profile, "columns", ()):
        return {str(name): float(h) for name, h in profile["height_m"].items() if np.isfinite(h)}
    landmarks = getattr(result.leg, "landmarks", {}) or {}
    return {str(name): float(lm.height_m) for name, lm in landmarks.items()}


def _name_of(obj: Any, default: str = "") -> str:
    name = getattr(obj, "name", None)
    return str(name) if name else default


def result_label(result) -> str:
    """Short label of a result: leg, stocking (and its fabric) and method."""
    leg_name = _name_of(result.leg, "leg")
    parts = [leg_name]
    stocking = getattr(result, "stocking", None)
    fabric_name = _name_of(getattr(stocking, "fabric", None))
    stocking_name = _name_of(stocking).replace(f" on {leg_name}", "")
    if stocking_name and fabric_name and fabric_name not in stocking_name:
        parts.append(f"{stocking_name} ({fabric_name})")
    elif stocking_name or fabric_name:
        parts.append(stocking_name or fabric_name)
    method = getattr(result, "method", None)
    if method:
        parts.append(str(method))
    return " · ".join(parts)


def as_labelled(results, labels=None) -> list[tuple[str, Any]]:
    """Normalise one result, a sequence or a ``{label: result}`` mapping to ``[(label, result)]``."""
    if isinstance(results, Mapping):
        items = [(str(k), v) for k, v in results.items()]
    elif hasattr(results, "pressure_mmhg"):
        items = [(None, results)]
    elif isinstance(results, list | tuple):
        items = [(None, r) for r in results]
    else:
        items = []
    if not items:
        raise errors.PlotError(
            f"No results given (got {type(results).__name__}); pass a PressureResult, a list or "
            "a {label: result} dict."
        )
    for k, (label, r) in enumerate(items):
        if not hasattr(r, "pressure_mmhg"):
            raise errors.PlotError(
                f"item {label if label is not None else k!r} is a {type(r).__name__}, not a "
                "PressureResult; pass the results of ss.simulate(...)."
            )
    items = [(result_label(r) if label is None else label, r) for label, r in items]
    if labels is not None:
        labels = list(labels)
        if len(labels) != len(items):
            raise errors.PlotError(
                f"Got {len(labels)} labels for {len(items)} results; give one per result."
            )
        items = [(str(lab), r) for lab, (_, r) in zip(labels, items)]
    # identical automatic labels (same leg, fabric, method) get a number so legends stay readable
    seen: dict[str, int] = {}
    out = []
    for label, r in items:
        seen[label] = seen.get(label, 0) + 1
        out.append((label if seen[label] == 1 else f"{label} ({seen[label]})", r))
    return out


def save_figure(fig, filename, dpi: int = 150) -> Path:
    """Save a matplotlib figure (format from the suffix), creating the folder; return the path."""
    path = Path(filename)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def new_figure(figsize=(6.0, 7.0), ax=None):
    """A fresh :class:`matplotlib.figure.Figure` and axes (or the figure of the given axes)."""
    if ax is not None:
        return ax.figure, ax
    figure = require_matplotlib("Plots")
    fig = figure.Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


_LEGEND_CORNERS = (
    "upper right",
    "lower right",
    "center right",
    "upper left",
    "lower left",
    "center left",
    "upper center",
    "lower center",
)


def place_legend(ax, **kw):
    """Put the legend in the first corner where it covers no text of the axes.

    Texts are the annotations (landmark labels) and ``ax.texts``; each corner is drawn and its
    bounding box tested against theirs (display coordinates). Falls back to the corner with the
    least overlap.
    """
    fig = ax.figure
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure (no pyplot): give it Agg
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.draw_without_rendering()  # run the layout so the boxes are where they will be drawn
    renderer = fig.canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_visible()]  # annotations are texts too
    boxes = [t.get_window_extent(renderer) for t in texts]
    best = None
    for loc in _LEGEND_CORNERS:
        legend = ax.legend(loc=loc, **kw)
        box = legend.get_window_extent(renderer)
        overlap = sum(
            max(0.0, min(box.x1, b.x1) - max(box.x0, b.x0))
            * max(0.0, min(box.y1, b.y1) - max(box.y0, b.y0))
            for b in boxes
        )
        if overlap == 0.0:
            return legend
        if best is None or overlap < best[0]:
            best = (overlap, loc)
    return ax.legend(loc=best[1], **kw)
