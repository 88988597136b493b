"""3D pressure map on the leg (pyvista)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim.viz._helpers import (
    DEFAULT_CMAP,
    PRESSURE_TITLE,
    clip_colors,
    clip_labels,
    clipped,
    covered_pressure,
    in_jupyter,
    jupyter_backend,
    landmark_heights,
    quiet_vtk,
    require_pyvista,
    resolve_clim,
    result_label,
)

VIEWS = ("front", "side", "back", "both")
#: Width of the colour-bar column relative to one leg panel.
BAR_COLUMN_WEIGHT = 0.35
#: Outward offset of the landmark rings from the skin, metres (assumption: visible, not floating).
RING_OFFSET_M = 0.002


def leg_polydata(leg, pressure_mmhg: np.ndarray | None = None):
    """The leg surface as :class:`pyvista.PolyData`, optionally with ``pressure_mmhg`` point data."""
    pv = require_pyvista("3D pressure maps")
    mesh = pv.PolyData.from_regular_faces(
        np.asarray(leg.vertices, dtype=float), np.asarray(leg.faces, dtype=np.int64)
    )
    if pressure_mmhg is not None:
        mesh.point_data["pressure_mmhg"] = np.asarray(pressure_mmhg, dtype=float)
    return mesh


def landmark_rings(leg, heights: dict[str, float]) -> dict[str, np.ndarray]:
    """Closed polylines ``(K, 3)`` around the leg at each landmark height (world, metres).

    The ring is the convex hull of the cross-section (the line the stocking follows), pushed
    :data:`RING_OFFSET_M` outward so it is drawn on top of the skin. Legs without ``sections``
    fall back to vertices near the height, binned by angle about the axis.
    """
    if not heights:
        return {}
    names = list(heights)
    values = np.array([heights[n] for n in names], dtype=float)
    rings: dict[str, np.ndarray] = {}
    sections = None
    if hasattr(leg, "sections"):
        try:
            sections = leg.sections(values)
        except Exception:  # a height the slicer cannot cut: use the fallback below
            sections = None
    if sections is not None:
        for name, section in zip(names, sections):
            hull = np.asarray(section.hull, dtype=float)
            if hull.ndim != 2 or len(hull) < 3:
                continue
            centre = hull.mean(axis=0)
            radial = hull - centre
            norm = np.linalg.norm(radial, axis=1, keepdims=True)
            uv = hull + RING_OFFSET_M * radial / np.where(norm > 0, norm, 1.0)
            uv = np.vstack([uv, uv[:1]])
            if hasattr(section, "to_world"):
                world = np.asarray(section.to_world(uv), dtype=float)
            else:
                world = (
                    np.asarray(section.origin)[None, :]
                    + uv[:, :1] * np.asarray(section.u)[None, :]
                    + uv[:, 1:] * np.asarray(section.v)[None, :]
                )
            rings[name] = world
        return rings
    return _rings_from_vertices(leg, names, values)


def _rings_from_vertices(leg, names, values, n_bins: int = 72) -> dict[str, np.ndarray]:
    h, theta, r = (np.asarray(a, dtype=float) for a in leg.cylindrical)
    vertices = np.asarray(leg.vertices, dtype=float)
    spacing = (
        np.sqrt(np.median(np.asarray(leg.vertex_areas))) if hasattr(leg, "vertex_areas") else 0.005
    )
    rings = {}
    for name, height in zip(names, values):
        band = np.abs(h - height) < max(2.0 * spacing, 0.003)
        if band.sum() < 8:
            continue
        bins = ((theta[band] + np.pi) / (2 * np.pi) * n_bins).astype(int) % n_bins
        counts = np.bincount(bins, minlength=n_bins)
        keep = counts > 0
        pts = (
            np.stack(
                [np.bincount(bins, weights=vertices[band, k], minlength=n_bins) for k in range(3)],
                axis=1,
            )[keep]
            / counts[keep, None]
        )
        rings[name] = np.vstack([pts, pts[:1]])
    return rings


def _camera_direction(leg, view: str) -> np.ndarray:
    frame = getattr(leg, "frame", None)
    anterior = np.asarray(getattr(frame, "anterior", (0.0, -1.0, 0.0)), dtype=float)
    lateral = np.asarray(getattr(frame, "lateral", (1.0, 0.0, 0.0)), dtype=float)
    return {"front": anterior, "back": -anterior, "side": lateral}[view]


def _leg_axis(leg) -> np.ndarray:
    frame = getattr(leg, "frame", None)
    return np.asarray(getattr(frame, "axis", (0.0, 0.0, 1.0)), dtype=float)


def _scalar_bar_args(clim: tuple[float, float], **overrides) -> dict[str, Any]:
    span = clim[1] - clim[0]
    args = dict(
        title=PRESSURE_TITLE,
        vertical=True,
        position_x=0.8,
        position_y=0.18,
        width=0.1,
        height=0.64,
        n_labels=5,
        fmt="%.0f" if span >= 8 else "%.1f",
        color="black",
        title_font_size=16,
        label_font_size=14,
        bold=False,
    )
    args.update(overrides)
    return args


def add_pressure_scene(
    plotter,
    result,
    *,
    view: str,
    clim: tuple[float, float],
    cmap: str,
    landmarks: bool,
    scalar_bar: bool,
    title: str | None,
    scalar_bar_args: dict | None = None,
    label_font_size: int = 14,
    clip: tuple[bool, bool] | None = None,
) -> None:
    """Add one leg with its pressure, landmark rings and camera to the active renderer."""
    leg = result.leg
    pressure = covered_pressure(result)
    mesh = leg_polydata(leg, pressure)
    clip = clipped(pressure, clim) if clip is None else clip
    bar = (
        _scalar_bar_args(clim, **clip_labels(clip), **(scalar_bar_args or {}))
        if scalar_bar
        else None
    )
    plotter.add_mesh(
        mesh,
        scalars="pressure_mmhg",
        cmap=cmap,
        clim=clim,
        **clip_colors(clip),
        smooth_shading=True,
        show_scalar_bar=scalar_bar,
        scalar_bar_args=bar,
        specular=0.15,
    )
    direction = _camera_direction(leg, view)
    axis = _leg_axis(leg)
    if landmarks:
        heights = landmark_heights(result)
        rings = landmark_rings(leg, heights)
        right = np.cross(-direction, axis)
        anchors, names = [], []
        for name, ring in rings.items():
            plotter.add_lines(
                np.repeat(ring, 2, axis=0)[1:-1], color="black", width=3, connected=False
            )
            # label where the ring leaves the picture on the right, a little outside
            tip = ring[np.argmax(ring @ right)]
            anchors.append(tip + 0.012 * right)
            names.append(name)
        if anchors:
            plotter.add_point_labels(
                np.array(anchors),
                names,
                font_size=label_font_size,
                point_size=1,
                show_points=False,
                shape_opacity=0.0,
                text_color="black",
                always_visible=True,
                bold=True,
            )
    if title:
        plotter.add_text(title, position="upper_left", font_size=9, color="black")
    centre = np.asarray(mesh.center)
    plotter.camera.focal_point = centre
    plotter.camera.position = centre + direction * 3.0 * max(mesh.length, 1e-3)
    plotter.camera.up = axis
    plotter.reset_camera()
    plotter.camera.zoom(1.5)


def map_plotter(
    result,
    clim: Sequence[float] | None = None,
    landmarks: bool = True,
    view: str = "front",
    off_screen: bool | None = None,
    window_size: tuple[int, int] | None = (800, 1000),
    cmap: str = DEFAULT_CMAP,
    title: str | None = None,
):
    """Build the pressure-map scene as an unrendered :class:`pyvista.Plotter`.

    Same arguments as :func:`plot_pressure_map`; use it to add to the scene before showing.
    The scalar bar of the plotter is ``plotter.scalar_bars["Pressure (mmHg)"]``.
    """
    pv = require_pyvista("3D pressure maps")
    if view not in VIEWS:
        raise errors.PlotError(f"Unknown view {view!r}; use one of {', '.join(map(repr, VIEWS))}.")
    pressure = covered_pressure(result)
    clim = resolve_clim(clim, pressure)
    views = ["front", "side"] if view == "both" else [view]
    if window_size is None:
        window_size = (800, 1000)
    if view == "both" and tuple(window_size) == (800, 1000):
        window_size = (1300, 1000)
    # the colour bar gets a column of its own, so it never covers the leg or a label
    plotter = pv.Plotter(
        off_screen=off_screen,
        shape=(1, len(views) + 1),
        col_weights=[1.0] * len(views) + [BAR_COLUMN_WEIGHT],
        window_size=list(window_size),
        border=False,
    )
    plotter.set_background("white")
    label = result_label(result) if title is None else title
    for k, v in enumerate(views):
        plotter.subplot(0, k)
        add_pressure_scene(
            plotter,
            result,
            view=v,
            clim=clim,
            cmap=cmap,
            landmarks=landmarks,
            scalar_bar=False,
            title=(label or None) if k == 0 else None,
        )
        if len(views) > 1:
            plotter.add_text(f"{v} view", position="lower_edge", font_size=10, color="#4d4d4d")
    plotter.subplot(0, len(views))
    add_colour_bar(plotter, clim, cmap, clipped(pressure, clim), vertical=True)
    return plotter


def add_colour_bar(
    plotter, clim: tuple[float, float], cmap: str, clip: tuple[bool, bool], vertical: bool
) -> None:
    """Add the mmHg colour bar to the active renderer (a panel of its own)."""
    pv = require_pyvista("3D pressure maps")
    # an invisible carrier mesh with the same colour map and range feeds the bar's lookup table
    carrier = pv.PolyData(np.zeros((2, 3)))
    carrier.point_data["pressure_mmhg"] = np.asarray(clim, dtype=float)
    actor = plotter.add_mesh(
        carrier,
        scalars="pressure_mmhg",
        cmap=cmap,
        clim=clim,
        **clip_colors(clip),
        show_scalar_bar=False,
        opacity=0.0,
    )
    if vertical:
        place = dict(position_x=0.1, position_y=0.2, width=0.8, height=0.6)
    else:
        place = dict(position_x=0.2, position_y=0.1, width=0.6, height=0.85)
    plotter.add_scalar_bar(
        mapper=actor.mapper,
        **_scalar_bar_args(clim, vertical=vertical, **place, **clip_labels(clip)),
    )
    if vertical:
        plotter.scalar_bars[PRESSURE_TITLE].SetBarRatio(0.3)


def plot_pressure_map(
    result,
    filename: str | Path | None = None,
    clim: Sequence[float] | None = None,
    landmarks: bool = True,
    view: str = "front",
    off_screen: bool | None = None,
    window_size: tuple[int, int] = (800, 1000),
    cmap: str = DEFAULT_CMAP,
    title: str | None = None,
):
    """Show the pressure on the 3D leg with an mmHg colour bar and landmark rings.

    Parameters
    ----------
    result : PressureResult
        A result of :func:`stockingsim.simulate`.
    filename : str or Path, optional
        Write the picture there (PNG; off-screen) and return the path.
    clim : (float, float) or "robust", optional
        Colour range in mmHg; default: the range of the pressure where the stocking covers the
        leg. ``"robust"``: up to the 98th percentile, so spikes over bony ridges do not darken
        the map. Pressures outside the range are drawn magenta (above) or dark grey (below),
        marked on the colour bar. Give the same ``clim`` to pictures that are to be compared.
    landmarks : bool
        Draw a ring around the leg at each landmark height (B, B1, C, ...) with its name.
    view : {"front", "side", "back", "both"}
        Camera looking at the anterior, lateral or posterior side; "both" puts front and side
        next to each other with one colour bar.
    off_screen : bool, optional
        Force off-screen rendering. Default: interactive in Jupyter, off-screen elsewhere when
        there is no display.
    window_size : (int, int)
        Picture size in pixels (width, height); "both" widens the default to 1300 x 1000.
    cmap : str
        Colour map name (matplotlib or colorcet).
    title : str, optional
        Text at the top; default: leg, stocking/fabric and method. ``""`` for none.

    Returns
    -------
    Path or ndarray or None
        The path when ``filename`` is given; in Jupyter, what :meth:`pyvista.Plotter.show`
        returns (an interactive trame view when ``trame`` is installed, else a static image);
        otherwise the off-screen picture as an ``(height, width, 3)`` uint8 array.

    Notes
    -----
    Skin the stocking does not cover is drawn in light grey. Uses pyvista; ``trame`` (the
    ``interactive`` extra) makes the Jupyter view rotatable.
    """
    return render(
        lambda off: map_plotter(
            result,
            clim=clim,
            landmarks=landmarks,
            view=view,
            off_screen=off,
            window_size=window_size,
            cmap=cmap,
            title=title,
        ),
        filename,
        off_screen,
    )


def _display_static(build) -> None:
    """Display an off-screen PNG of the scene in the notebook (kept when it is saved)."""
    import io

    from IPython.display import Image, display

    static = build(True)
    image = static.screenshot(return_img=True)
    static.close()
    from matplotlib.image import imsave

    buffer = io.BytesIO()
    imsave(buffer, image, format="png")
    display(Image(data=buffer.getvalue(), format="png"))


def render(build, filename=None, off_screen: bool | None = None):
    """Build a plotter with ``build(off_screen)`` and save, show or return its picture.

    With a filename: an off-screen PNG, returns its path. In Jupyter without a filename: the
    interactive view (trame when usable, else static). Otherwise the picture as an array, or a
    window when ``off_screen=False``.
    """
    interactive = filename is None and in_jupyter() and off_screen is not True
    if filename is not None or not interactive:
        off_screen = True if off_screen is None else off_screen
    if off_screen:
        with quiet_vtk():
            return _render(build, filename, off_screen, interactive)
    return _render(build, filename, off_screen, interactive)


#: picture formats a pyvista screenshot writes (vector formats need VTK's GL2PS export)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


def _check_image_suffix(filename) -> None:
    suffix = Path(filename).suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise errors.PlotError(
            f"cannot write a 3D picture as {suffix or 'a file without suffix'!r} ({filename}); "
            f"use one of {', '.join(IMAGE_SUFFIXES)} (e.g. 'map.png'). For a PDF, write a PNG "
            "and place it, or use the 2D plots (plot_profile, plot_unrolled), which write PDF."
        )


def _render(build, filename, off_screen, interactive):
    if filename is not None:
        _check_image_suffix(filename)
    plotter = build(off_screen)
    if filename is not None:
        path = Path(filename)
        path.parent.mkdir(parents=True, exist_ok=True)
        plotter.screenshot(str(path))
        plotter.close()
        return path
    if interactive:
        backend = jupyter_backend()
        if backend != "static":
            # an interactive view is a widget that a saved notebook loses: show a static
            # picture of the same scene first, so the notebook keeps an image
            _display_static(build)
        return plotter.show(jupyter_backend=backend)
    if not off_screen:
        plotter.show()
        return None
    image = plotter.screenshot(return_img=True)
    plotter.close()
    return image
