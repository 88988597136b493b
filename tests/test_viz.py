"""Pictures that are looked at: rendered off-screen and checked pixel by pixel."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pv = pytest.importorskip("pyvista")
matplotlib = pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")

import _designs  # noqa: E402
from _kernel import run_cell  # noqa: E402

import stockingsim as ss  # noqa: E402
from stockingsim import viz  # noqa: E402
from stockingsim.viz._helpers import covered_pressure  # noqa: E402

pv.OFF_SCREEN = True
TITLE = "Pressure (mmHg)"


# --- results: a class II and a class I stocking designed for the bundled leg ----------------
@pytest.fixture(scope="module")
def designs():
    return _designs.bundled_leg(), _designs.design("II")[0], _designs.design("I")[0]


result = _designs.result_fixture("II", "membrane")
weaker = _designs.result_fixture("I", "membrane")
laplace = _designs.result_fixture("II", "laplace")
laplace_weaker = _designs.result_fixture("I", "laplace")


# --- helpers ------------------------------------------------------------------------------
def _png(path):
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def _cmap_rgb(value, cmap="viridis"):
    return np.array(matplotlib.colormaps[cmap](value)[:3]) * 255


def _near(image, rgb, tol=18.0):
    return np.linalg.norm(image - rgb, axis=-1) < tol


def _same_hue(image, rgb, tol=0.03):
    """Pixels whose colour direction matches ``rgb`` (lighting scales RGB, not its direction)."""
    norm = np.linalg.norm(image, axis=-1, keepdims=True)
    unit = image / np.where(norm > 0, norm, 1)
    target = np.asarray(rgb) / np.linalg.norm(rgb)
    return (norm[..., 0] > 60) & (np.linalg.norm(unit - target, axis=-1) < tol)


def _foreground(image):
    """Pixels that are neither the white background nor text/line black."""
    return (image.min(axis=-1) < 245) & (image.max(axis=-1) > 40)


@pytest.fixture(scope="module")
def front(result, tmp_path_factory):
    path = viz.plot_pressure_map(result, tmp_path_factory.mktemp("map") / "front.png")
    return _png(path)


# --- import cost --------------------------------------------------------------------------
def test_import_viz_is_light():
    code = (
        "import sys, stockingsim.viz, stockingsim.exports, stockingsim._report; "
        "print(' '.join(m for m in ('vtk', 'pyvista', 'matplotlib', 'matplotlib.pyplot') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# --- 3D map -------------------------------------------------------------------------------
def test_map_png_is_not_blank(front):
    assert front.shape == (1000, 800, 3)
    leg = _foreground(front)
    assert leg.mean() > 0.05
    colours = np.unique(front[leg].reshape(-1, 3) // 4, axis=0)
    assert len(colours) > 200  # a smooth pressure field, shaded: many distinct colours


def test_scalar_bar_range_is_the_data_range(result):
    p = covered_pressure(result)
    plotter = viz.map_plotter(result, off_screen=True)
    lo, hi = plotter.scalar_bars[TITLE].GetLookupTable().GetRange()
    plotter.close()
    assert lo == pytest.approx(np.nanmin(p)) and hi == pytest.approx(np.nanmax(p))
    plotter = viz.map_plotter(result, clim=(0, 50), off_screen=True)
    assert plotter.scalar_bars[TITLE].GetLookupTable().GetRange() == pytest.approx((0, 50))
    plotter.close()


def test_scalar_bar_ends_have_the_end_colours(front):
    height, width, _ = front.shape
    # the bar sits at x 80-90 %, y 18-82 % (from the bottom) of the window
    bar = front[int(0.16 * height) : int(0.84 * height), int(0.78 * width) : int(0.92 * width)]
    top_rows = np.nonzero(_near(bar, _cmap_rgb(1.0)).any(axis=1))[0]
    bottom_rows = np.nonzero(_near(bar, _cmap_rgb(0.0)).any(axis=1))[0]
    assert top_rows.size and bottom_rows.size
    assert top_rows.max() < bottom_rows.min()  # high pressure colour on top
    assert bottom_rows.max() - top_rows.min() > 0.5 * bar.shape[0]


def test_colours_follow_the_colour_limits(result, tmp_path):
    # with a range far above the data, no vertex reaches the top colour of the map
    p = covered_pressure(result)
    image = _png(
        viz.plot_pressure_map(
            result, tmp_path / "wide.png", clim=(0, 4 * np.nanmax(p)), landmarks=False
        )
    )
    width = image.shape[1]
    leg = image[:, : int(0.75 * width)]
    assert not _same_hue(leg, _cmap_rgb(1.0)).any()
    assert _near(image[:, int(0.75 * width) :], _cmap_rgb(1.0)).any()  # but the bar does


def test_image_changes_when_the_pressure_changes(result, weaker, front, tmp_path):
    clim = (0.0, 40.0)  # class II at B is 23-32 mmHg
    a = _png(viz.plot_pressure_map(result, tmp_path / "a.png", clim=clim))
    a2 = _png(viz.plot_pressure_map(result, tmp_path / "a2.png", clim=clim))
    b = _png(viz.plot_pressure_map(weaker, tmp_path / "b.png", clim=clim))
    assert np.array_equal(a, a2)  # rendering is deterministic, so a difference means something
    stocking = np.ptp(a, axis=-1) > 25  # coloured pixels: the covered part (skin is grey)
    changed = np.abs(a - b).sum(axis=-1) > 20
    assert stocking.mean() > 0.02
    assert changed[stocking].mean() > 0.2
    # the weaker stocking is darker (lower on viridis) on the leg
    leg = _foreground(a) & _foreground(b)
    assert b[leg].sum(axis=-1).mean() < a[leg].sum(axis=-1).mean()


def test_views_and_landmark_rings(result, front, tmp_path):
    side = _png(viz.plot_pressure_map(result, tmp_path / "side.png", view="side"))
    assert np.abs(side - front).sum(axis=-1).mean() > 1.0
    both = _png(viz.plot_pressure_map(result, tmp_path / "both.png", view="both"))
    assert both.shape == (1000, 1300, 3)
    bare = _png(viz.plot_pressure_map(result, tmp_path / "bare.png", landmarks=False))
    dark = lambda im: (im.max(axis=-1) < 50).sum()  # noqa: E731
    assert dark(front) > dark(bare) + 200  # black rings and labels


def test_off_screen_without_filename_returns_the_picture(result):
    image = viz.plot_pressure_map(result, window_size=(300, 400))
    assert isinstance(image, np.ndarray) and image.shape == (400, 300, 3)


def test_bad_arguments_say_what_to_do(result):
    with pytest.raises(ValueError, match="view"):
        viz.plot_pressure_map(result, view="top")
    with pytest.raises(ValueError, match="clim"):
        viz.plot_pressure_map(result, clim=(5, 1))


# --- comparisons --------------------------------------------------------------------------
def test_compare_maps_share_one_colour_scale(laplace, laplace_weaker, tmp_path):
    result, weaker = laplace, laplace_weaker
    plotter = viz.compare_plotter([result, weaker], off_screen=True)
    assert len(plotter.scalar_bars) == 1
    lo, hi = plotter.scalar_bars[TITLE].GetLookupTable().GetRange()
    plotter.close()
    both = np.concatenate([covered_pressure(result), covered_pressure(weaker)])
    assert (lo, hi) == pytest.approx((np.nanmin(both), np.nanmax(both)))
    image = _png(viz.compare_maps([result, weaker], tmp_path / "cmp.png", ncols=2, landmarks=False))
    assert image.shape[1] == 2 * 420
    panels = image[: int(0.85 * image.shape[0])]
    left, right = panels[:, :420], panels[:, 420:]
    # one scale: only the stronger stocking reaches the top colour
    assert _same_hue(left, _cmap_rgb(1.0)).any() and not _same_hue(right, _cmap_rgb(1.0)).any()


# --- unrolled -----------------------------------------------------------------------------
def test_unrolled_grid_of_a_uniform_ring_pressure(laplace):
    from stockingsim.viz._unrolled import unrolled_grid

    theta, rows, values = unrolled_grid(laplace)
    assert theta.min() > -180 and theta.max() < 180
    h = np.asarray(laplace.leg.section_heights_m)[laplace.covered]
    inside = (rows > h.min() + 0.01) & (rows < h.max() - 0.01)
    ring = values[inside]
    assert np.isfinite(ring).all()
    expected = np.interp(
        rows[inside], laplace.sections["height_m"], laplace.sections["pressure_mmhg"]
    )
    # uniform around every section: every row equals the section pressure
    np.testing.assert_allclose(ring, expected[:, None] * np.ones_like(ring), rtol=0.02)


def test_plot_unrolled_marks_landmarks(result, tmp_path):
    fig = viz.plot_unrolled(result, tmp_path / "u.png")
    ax = fig.axes[0]
    texts = {t.get_text().strip() for t in ax.texts}
    assert {"B", "B1", "C", "D"} <= texts
    assert (tmp_path / "u.png").stat().st_size > 10_000
    mesh = ax.collections[0]
    assert mesh.get_clim() == pytest.approx(
        (np.nanmin(covered_pressure(result)), np.nanmax(covered_pressure(result)))
    )


# --- profile ------------------------------------------------------------------------------
def test_profile_draws_the_sections_and_class_bands(result, weaker, tmp_path):
    fig = viz.plot_profile([result, weaker], tmp_path / "p.png", target="RAL-GZ 387:II")
    ax = fig.axes[0]
    lines = ax.get_lines()
    np.testing.assert_allclose(lines[0].get_xdata(), result.sections["pressure_mmhg"])
    np.testing.assert_allclose(lines[0].get_ydata(), result.sections["height_m"] * 100)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len([lab for lab in labels if "anny_f_avg" in lab]) == 2
    # class II band of RAL-GZ 387 spans 23-32 mmHg
    spans = [p.get_paths()[0].vertices[:, 0] for p in ax.collections if len(p.get_paths())]
    assert any(np.isclose(s.min(), 23) and np.isclose(s.max(), 32) for s in spans)
    target = [line for line in lines if line.get_label() == "target: class II at B"][0]
    assert sorted(target.get_xdata()) == [23, 32]


def test_profile_target_from_a_mapping(result):
    fig = viz.plot_profile(result, standard=None, target={"B": 28.0, "C": 20.0})
    marks = [line for line in fig.axes[0].get_lines() if line.get_label() == "target"][0]
    assert list(marks.get_xdata()) == [28.0, 20.0]
    heights = result.profile["height_m"] * 100
    assert list(marks.get_ydata()) == pytest.approx([heights["B"], heights["C"]])


def test_profile_target_from_a_design_spec(designs, result):
    leg, _, _ = designs
    _, spec = ss.design_stocking(leg, ss.fabric_library()["circular class II"], "RAL-GZ 387:II")
    fig = viz.plot_profile(result, target=spec)
    marks = [line for line in fig.axes[0].get_lines() if line.get_label() == "target"][0]
    np.testing.assert_allclose(marks.get_xdata(), spec["target_mmhg"])
    # the designed stocking meets its target at B within the laplace/membrane difference
    assert result.pressure_at("B") == pytest.approx(spec.loc["B", "target_mmhg"], rel=0.05)


# --- fabric -------------------------------------------------------------------------------
def test_fabric_curves_are_the_model_curves():
    from stockingsim.fabric import Fabric

    fabric = Fabric.polynomial([200.0, 100.0, 50.0], max_strain=1.5, hysteresis=0.15, name="poly")
    measured = pd.DataFrame({"strain": [0.2, 0.6, 1.0], "tension_n_per_m": [45.0, 150.0, 360.0]})
    fig = viz.plot_fabric([fabric, Fabric.linear(250.0)], measured=measured)
    course, wale = fig.axes
    assert course.get_title().startswith("course") and wale.get_title().startswith("wale")
    loading, unloading = course.get_lines()[:2]
    strain = loading.get_xdata() / 100
    np.testing.assert_allclose(loading.get_ydata(), fabric.tension(strain, "course", "loading"))
    np.testing.assert_allclose(unloading.get_ydata(), fabric.tension(strain, "course", "unloading"))
    assert np.all(unloading.get_ydata() <= loading.get_ydata() + 1e-9)
    points = [line for line in course.get_lines() if "measured" in line.get_label()][0]
    assert list(points.get_ydata()) == [45.0, 150.0, 360.0]


# --- geometry of the landmark rings and the comparison grid ---------------------------------
def test_landmark_rings_lie_at_the_landmarks(result):
    from stockingsim.viz._map import RING_OFFSET_M, landmark_rings

    leg = result.leg
    heights = {name: lm.height_m for name, lm in leg.landmarks.items()}
    rings = landmark_rings(leg, heights)
    assert set(rings) == set(heights)
    for name, ring in rings.items():
        assert np.allclose(ring[0], ring[-1])  # closed
        # the ring is the hull of the section pushed out by the offset: perimeter C + 2 pi d
        perimeter = np.linalg.norm(np.diff(ring, axis=0), axis=1).sum()
        expected = leg.landmarks[name].circumference_m + 2 * np.pi * RING_OFFSET_M
        assert perimeter == pytest.approx(expected, rel=0.01)
        # and it lies at the landmark's height along the local axis
        centre = leg.centreline_at([heights[name]])[0]
        axis = leg.local_axis_at([heights[name]])[0]
        assert np.abs((ring - centre) @ axis).max() < 1e-6


def test_compare_grid_layout(result, weaker):
    from stockingsim.viz._compare_maps import _grid

    rows, ncols = _grid([[result, weaker], [weaker]], None, None)
    assert ncols == 2 and rows[1][1] is None and rows[0][0][1] is result
    rows, ncols = _grid([result] * 5, 3, None)
    assert ncols == 3 and len(rows) == 2 and rows[1][2] is None
    rows, _ = _grid({"a": result, "b": weaker}, None, None)
    assert [item[0] for item in rows[0]] == ["a", "b"]


# --- Jupyter: a static picture when trame is not installed -----------------------------------
def test_map_in_a_jupyter_kernel(tmp_path):
    from stockingsim.viz._helpers import jupyter_backend

    code = (
        "import stockingsim as ss\n"
        "leg = ss.bundled_leg()\n"
        "st, _ = ss.design_stocking(leg, ss.fabric_library()['circular class II'], 'RAL-GZ 387:II')\n"
        "result = ss.simulate(leg, st, method='laplace')\n"
        "result.plot(window_size=(300, 400))"
    )
    outputs = run_cell(code, tmp_path, timeout=120)
    kinds = {key for out in outputs for key in out.get("data", {})}
    # a saved notebook keeps a static picture of every 3D view, interactive or not
    assert "image/png" in kinds
    if jupyter_backend() == "trame":
        assert "text/html" in kinds or "application/vnd.jupyter.widget-view+json" in kinds


def test_fabric_plot_reads_the_tensile_test_of_a_fitted_fabric(tmp_path):
    from stockingsim.fabric import Fabric, write_synthetic_test

    reference = ss.fabric_library()["circular class II"]
    path = write_synthetic_test(
        tmp_path / "test.csv", reference.course_loading, reference.course_unloading, noise=0.02
    )
    fitted = Fabric.from_tensile_test(path, width_mm=50, gauge_mm=100, model="polynomial")
    course = viz.plot_fabric(fitted).axes[0]
    points = {
        line.get_label(): line for line in course.get_lines() if "measured" in line.get_label()
    }
    assert len(points) == 2  # loading and unloading
    for branch in ("loading", "unloading"):
        line = next(v for k, v in points.items() if k.endswith(branch))
        strain, tension = line.get_xdata() / 100, line.get_ydata()
        residual = tension - fitted.tension(strain, "course", branch)
        # the points drawn are the points fitted: their scatter is the fit's RMSE
        fit = next(
            f for f in fitted.fit_report.fits if f.branch == branch and f.direction == "course"
        )
        assert np.sqrt(np.mean(residual**2)) == pytest.approx(fit.rmse_n_per_m, rel=0.05)
