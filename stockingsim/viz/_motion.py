"""Pictures of a stocking in motion: pressure over time per landmark, and the 3D map animated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim.viz._helpers import (
    new_figure,
    require_pyvista,
    resolve_clim,
    save_figure,
)

__all__ = ["plot_motion", "animate_motion"]


def _check_result(result: Any, what: str) -> None:
    if not hasattr(result, "pressure_over_time") or not hasattr(result, "legs"):
        raise errors.PlotError(
            f"{what} needs a MotionResult (from ss.simulate_motion), got {type(result).__name__}."
        )


def plot_motion(
    result: Any,
    filename: str | None = None,
    *,
    landmarks: Any = None,
    static: bool = True,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """Pressure against time at each landmark the stocking covers (matplotlib).

    Parameters
    ----------
    result : MotionResult
    filename : str, optional
        Write the figure (format from the suffix).
    landmarks : sequence of str, optional
        Default: every covered landmark.
    static : bool
        Also draw, dashed, the pressure the same frames give on the unloading branch only
        (what a model without inner loops would predict).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_result(result, "plot_motion()")
    table = result.pressure_over_time()
    stat = result.profile["static_pressure_mmhg"].unstack("landmark")
    names = [n for n in table.columns if np.isfinite(result.amplitude_mmhg.get(n, np.nan))]
    if landmarks is not None:
        unknown = [n for n in landmarks if n not in table.columns]
        if unknown:
            raise errors.PlotError(f"no landmark {', '.join(unknown)} in this motion result.")
        names = list(landmarks)
    fig, ax = new_figure((7.0, 4.0), ax)
    t = table.index.to_numpy()
    for name in names:
        (line,) = ax.plot(t, table[name].to_numpy(), marker="o", ms=3, label=name)
        if static:
            ax.plot(t, stat[name].to_numpy(), ls="--", lw=0.8, color=line.get_color())
        ax.annotate(
            f"{result.amplitude_mmhg[name]:.1f}",
            (t[-1], table[name].iloc[-1]),
            xytext=(4, 0),
            textcoords="offset points",
            fontsize=7,
            va="center",
        )
    ax.set_xlabel("time (s)")
    ax.set_ylabel("pressure (mmHg)")
    ax.set_title(title or f"{result.motion.name}: pressure per landmark (amplitude at the right)")
    if static:
        ax.plot([], [], ls="--", color="0.4", lw=0.8, label="unloading branch only")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    if filename is not None:
        save_figure(fig, filename)
    return fig


def animate_motion(
    result: Any,
    filename: str | Path,
    *,
    clim: Any = None,
    view: str = "side",
    fps: float | None = None,
    window_size: tuple[int, int] = (432, 560),
) -> Path:
    """The 3D pressure map through the motion's frames, written with imageio (GIF or MP4).

    Rendered off-screen with pyvista, one image per frame, one colour scale for all frames.

    Parameters
    ----------
    result : MotionResult
    filename : str or Path
        ``.gif`` or ``.mp4`` (imageio, and imageio-ffmpeg's bundled ffmpeg for MP4; both in
        the ``viz`` extra). MP4 frames are padded to sides in multiples of 16 (the codec's).
    clim : (float, float), optional
        Colour range, mmHg (default: 0 to the largest pressure of all frames).
    view : {"side", "front", "back"}
    fps : float, optional
        Frames per second (default: the motion's own timing, at least 2).
    window_size : (int, int)

    Returns
    -------
    Path
    """
    _check_result(result, "animate_motion()")
    try:
        import imageio.v3 as iio
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise errors.missing_dependency("motion animations", "imageio", "viz") from exc
    path = Path(filename)
    if path.suffix.lower() not in (".gif", ".mp4"):
        raise errors.PlotError(f"write the animation as .gif or .mp4, not {path.suffix!r}.")
    if view not in ("side", "front", "back"):
        raise errors.PlotError(f"view must be 'side', 'front' or 'back', got {view!r}.")
    pv = require_pyvista("motion animations")
    from stockingsim.viz._map import _camera_direction, leg_polydata

    lim = resolve_clim(clim, [result.pressure_mmhg.ravel()])
    legs = result.legs
    bounds = np.concatenate([leg.vertices for leg in legs])
    centre = 0.5 * (bounds.min(0) + bounds.max(0))
    size = float(np.max(np.ptp(bounds, axis=0)))
    direction = _camera_direction(legs[0], view)
    images = []
    for k, leg in enumerate(legs):
        plotter = pv.Plotter(off_screen=True, window_size=list(window_size))
        plotter.add_mesh(
            leg_polydata(leg, result.pressure_mmhg[k]),
            scalars="pressure_mmhg",
            clim=lim,
            cmap="viridis",
            smooth_shading=True,
            scalar_bar_args={"title": "pressure (mmHg)", "vertical": True},
        )
        plotter.add_text(f"{result.motion.name}  t = {result.times_s[k]:.2f} s", font_size=9)
        plotter.camera.focal_point = centre
        plotter.camera.position = centre + 2.6 * size * direction
        plotter.camera.up = legs[0].frame.axis
        images.append(plotter.screenshot(return_img=True))
        plotter.close()
    dt = np.diff(result.times_s)
    rate = fps or max(2.0, 1.0 / float(np.median(dt)))
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".gif":
        iio.imwrite(path, np.stack(images), duration=1000.0 / rate, loop=0)
    else:
        try:
            import imageio_ffmpeg  # noqa: F401  (imageio's MP4 writer)
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise errors.missing_dependency("MP4 animations", "imageio-ffmpeg", "viz") from exc
        # the codec wants sides in multiples of 16: pad with the last row and column rather
        # than let the writer resize (and warn)
        frames = np.stack(images)
        pad = [(0, 0), (0, -frames.shape[1] % 16), (0, -frames.shape[2] % 16), (0, 0)]
        iio.imwrite(path, np.pad(frames, pad, mode="edge"), fps=rate)
    return path
