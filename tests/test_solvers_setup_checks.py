"""Exact behaviour of the methods' shared machinery (solvers/_setup.py).

Option checking (names, numbers, defaults, the error type and message), the coverage rule,
the main loop of a section, the section grid and its landmarks, strain and tension per
section with their slack rows, layers, the periodic angle grid and its bilinear
interpolation, and the arc-length weighted statistics round rings and sections, on small
stand-ins whose answers are known in closed form.
"""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from stockingsim import errors
from stockingsim.solvers import _setup as su

# --- check_options ------------------------------------------------------------------------

ALLOWED = {"n_theta": 64, "tol": 1e-3, "seed": 0, "smooth": True, "mode": "auto"}


def test_check_options_fills_the_defaults_and_returns_a_copy():
    out = su.check_options("m", {}, ALLOWED)
    assert out == ALLOWED and out is not ALLOWED


def test_check_options_converts_by_the_default_type():
    out = su.check_options(
        "m", {"n_theta": 31.6, "tol": 2, "smooth": 0, "mode": "fast", "seed": -3}, ALLOWED
    )
    assert out["n_theta"] == 32 and type(out["n_theta"]) is int
    assert out["tol"] == 2.0 and type(out["tol"]) is float
    assert out["smooth"] is False
    assert out["mode"] == "fast"
    assert out["seed"] == -3  # the seed may be zero or negative
    assert su.check_options("m", {"tol": 0.25}, ALLOWED)["tol"] == 0.25  # positive, under 1
    assert su.check_options("m", {"smooth": "yes"}, ALLOWED)["smooth"] is True


def test_check_options_rejects_unknown_names_listing_the_valid_ones():
    with pytest.raises(errors.SolverError) as e:
        su.check_options("laplace", {"zz": 1, "aa": 2}, ALLOWED)
    assert str(e.value) == (
        "unknown option(s) aa, zz for method 'laplace'; "
        "valid options: mode, n_theta, seed, smooth, tol."
    )
    with pytest.raises(errors.SolverError) as e:
        su.check_options("membrane", {"x": 1}, {})
    assert str(e.value) == "unknown option(s) x for method 'membrane'; valid options: none."


@pytest.mark.parametrize("value", [0, -1.0, 0.0])
def test_check_options_rejects_a_non_positive_number(value):
    with pytest.raises(errors.SolverError) as e:
        su.check_options("contact", {"tol": value}, ALLOWED)
    assert str(e.value) == (
        f"option tol={value!r} of method 'contact' must be positive (default 0.001)."
    )


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "abc", None])
def test_check_options_rejects_a_non_finite_or_non_numeric_value(value):
    with pytest.raises(errors.SolverError) as e:
        su.check_options("contact", {"n_theta": value}, ALLOWED)
    msg = str(e.value)
    assert "option n_theta of method 'contact'" in msg
    assert "Give a finite number (default 64)." in msg


# --- Setup.covers, section_main_polygon ---------------------------------------------------


def _setup(**kw):
    base = dict(
        bottom_m=0.1, top_m=0.5, heights_m=np.array([0.1, 0.3, 0.5]), is_grid=np.ones(3, bool),
        landmark_index={}, sections=[], hull_m=np.ones(3), skin_m=np.ones(3),
        relaxed_m=np.ones(3), strain=np.zeros(3), tension=np.zeros(3), axial_tension=0.0,
        origins=np.zeros((3, 3)), us=np.tile([1.0, 0, 0], (3, 1)), vs=np.tile([0, 1.0, 0], (3, 1)),
        fabric=None, axial_prestrain=0.0,
    )  # fmt: skip
    base.update(kw)
    return su.Setup(**base)


def test_covers_keeps_a_nanometre_on_either_hem():
    s = _setup()
    h = [0.1 - 2e-9, 0.1 - 0.5e-9, 0.1, 0.3, 0.5, 0.5 + 0.5e-9, 0.5 + 2e-9]
    np.testing.assert_array_equal(s.covers(h), [False, True, True, True, True, True, False])
    assert su.COVER_TOL_M == 1e-9
    edges = [s.bottom_m - su.COVER_TOL_M, s.top_m + su.COVER_TOL_M]
    np.testing.assert_array_equal(s.covers(edges), [True, True])


@pytest.mark.parametrize("shift", [(0.0, 0.0), (3.0, -2.0), (-0.5, 7.0)])
def test_section_main_polygon_turns_any_loop_counter_clockwise(shift):
    tri = np.array([[0.0, 0.0], [0.3, 0.05], [0.1, 0.2]]) + shift
    pent = np.array([[0.0, 0.0], [0.2, -0.05], [0.3, 0.1], [0.15, 0.25], [-0.05, 0.12]]) + shift

    def area2(p):
        return np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1])

    for poly in (tri, pent):
        for given in (poly, poly[::-1]):
            out = su.section_main_polygon(SimpleNamespace(polygons=[given]))
            assert area2(out) > 0
            np.testing.assert_array_equal(out, given if area2(given) > 0 else given[::-1])


def test_section_main_polygon_is_the_first_loop_ccw_without_its_closing_point():
    sq = [[0, 0], [1, 0], [1, 1], [0, 1]]
    ccw = su.section_main_polygon(SimpleNamespace(polygons=[sq, [[5, 5], [6, 5], [6, 6]]]))
    np.testing.assert_array_equal(ccw, sq)
    assert ccw.dtype == float
    cw = su.section_main_polygon(SimpleNamespace(polygons=[sq[::-1] + [sq[-1]]]))
    np.testing.assert_array_equal(cw, np.array(sq[::-1])[::-1])
    closed = su.section_main_polygon(SimpleNamespace(polygons=[sq + [sq[0]]]))
    np.testing.assert_array_equal(closed, sq)
    # a degenerate loop (zero area) is kept as given
    line = [[0, 0], [1, 0], [2, 0]]
    np.testing.assert_array_equal(su.section_main_polygon(SimpleNamespace(polygons=[line])), line)


@pytest.mark.parametrize(
    "section",
    [
        SimpleNamespace(),
        SimpleNamespace(polygons=None),
        SimpleNamespace(polygons=[]),
        SimpleNamespace(polygons=[[[0, 0], [1, 0]]]),
        SimpleNamespace(polygons=[[0, 1, 2, 3]]),
    ],
)
def test_section_main_polygon_of_an_empty_section_is_none(section):
    assert su.section_main_polygon(section) is None


# --- prepare on a stand-in leg and stocking -----------------------------------------------


class _Leg:
    """Circular sections of radius r(h); sections cut nothing outside [0, length]."""

    name = "stand-in"

    def __init__(self, length=0.6, landmarks=None, radius=lambda h: 0.05 + 0.0 * h):
        self.length_m = length
        self.landmarks = landmarks or {}
        self.radius = radius
        self.cut = []

    def sections(self, heights):
        self.cut.append(np.array(heights))
        out = []
        for h in heights:
            r = self.radius(h)
            th = np.linspace(0, 2 * np.pi, 40, endpoint=False)
            inside = 0 <= h <= self.length_m
            perim = 2 * 40 * r * math.sin(math.pi / 40)
            out.append(
                SimpleNamespace(
                    origin=np.array([0.0, 0.0, h]),
                    u=np.array([1.0, 0, 0]),
                    v=np.array([0, 1.0, 0]),
                    polygons=[np.column_stack([r * np.cos(th), r * np.sin(th)])] if inside else [],
                    hull_perimeter_m=perim if inside else 0.0,
                    perimeter_m=1.1 * perim if inside else 0.0,
                )
            )
        return out


class _Fabric:
    def __init__(self, a=100.0, c=0.0):
        self.a, self.c, self.calls = a, c, []

    def tension(self, eps, direction, branch):
        self.calls.append((direction, branch, np.array(eps)))
        return self.a * np.asarray(eps) + self.c


class _Stocking:
    def __init__(self, bottom, top, relaxed=0.25, fabric=None, axial=0.1, bands=(), extra=None):
        self.b, self.t, self.relaxed = bottom, top, relaxed
        self.fabric = fabric or _Fabric()
        self.axial_prestrain = axial
        self.bands = bands
        self.extra = extra

    def coverage_m(self, leg):
        assert isinstance(leg, _Leg)
        return self.b, self.t

    def relaxed_circumference_at(self, leg, heights):
        assert isinstance(leg, _Leg)
        r = self.relaxed
        return np.array([r(h) for h in heights]) if callable(r) else np.full(len(heights), r)

    def band_tension(self, leg, heights, hull):
        assert isinstance(leg, _Leg) and len(hull) == len(heights)
        return self.extra(heights)


def _perim(r):
    return 2 * 40 * r * math.sin(math.pi / 40)


def test_prepare_grid_every_step_with_the_covered_landmarks():
    lms = {
        "B": SimpleNamespace(height_m=0.12),
        "C": SimpleNamespace(height_m=0.3),
        "Z": SimpleNamespace(height_m=0.55),  # above the stocking
        "A": SimpleNamespace(height_m=0.05 - 5e-10),  # on the hem, within 1 nm
        "K": SimpleNamespace(height_m=0.01),  # below the stocking
        "T": SimpleNamespace(height_m=0.35),  # on the top hem
    }
    leg = _Leg(landmarks=lms)
    st = _Stocking(0.05, 0.35)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = su.prepare(leg, st, step_m=0.05)
    grid = np.linspace(0.05, 0.35, 7)
    np.testing.assert_allclose(s.heights_m[s.is_grid], grid, atol=1e-15)
    assert s.landmark_index == {"B": 3, "C": 8, "A": 0, "T": 10}  # after a grid row
    np.testing.assert_allclose(s.heights_m, np.sort(np.r_[grid, 0.12, 0.3, 0.05 - 5e-10, 0.35]))
    assert list(s.is_grid) == [False, True, True, False, True, True, True, True, False, True, False]
    assert s.heights_m[s.landmark_index["B"]] == 0.12
    assert s.heights_m[s.landmark_index["C"]] == 0.3
    assert (s.bottom_m, s.top_m) == (0.05, 0.35)
    k = len(s.heights_m)
    np.testing.assert_allclose(s.hull_m, _perim(0.05))
    np.testing.assert_allclose(s.skin_m, 1.1 * _perim(0.05))
    np.testing.assert_allclose(s.strain, _perim(0.05) / 0.25 - 1)
    np.testing.assert_array_equal(s.relaxed_m, np.full(k, 0.25))
    np.testing.assert_allclose(s.tension, 100.0 * (_perim(0.05) / 0.25 - 1))
    np.testing.assert_array_equal(s.layer_factor, np.ones(k))
    assert s.axial_tension == pytest.approx(10.0) and s.axial_prestrain == 0.1
    assert s.fabric is st.fabric and s.stocking is st
    assert st.fabric.calls[0][:2] == ("course", "unloading")
    assert st.fabric.calls[-1][:2] == ("wale", "unloading")
    np.testing.assert_array_equal(s.origins[:, 2], s.heights_m)
    np.testing.assert_array_equal(s.us, np.tile([1.0, 0, 0], (k, 1)))
    np.testing.assert_array_equal(s.vs, np.tile([0, 1.0, 0], (k, 1)))
    assert len(s.sections) == k


def test_prepare_grid_count_and_its_ends_inside_the_mesh():
    leg = _Leg(length=0.3)
    # 0..0.3 by 0.1: 4 rows, the ends moved a hair inside the mesh (min(1e-4, step / 100))
    s = su.prepare(leg, _Stocking(0.0, 0.3), step_m=0.1)
    np.testing.assert_allclose(s.heights_m, [1e-4, 0.1, 0.2, 0.3 - 1e-4], atol=1e-15)
    s = su.prepare(leg, _Stocking(0.0, 0.3), step_m=0.005)
    assert len(s.heights_m) == 61
    assert s.heights_m[0] == pytest.approx(5e-5) and s.heights_m[-1] == pytest.approx(0.3 - 5e-5)
    # a stocking well inside the mesh: the ends stay on the hems
    s = su.prepare(leg, _Stocking(0.02, 0.22), step_m=0.1)
    np.testing.assert_allclose(s.heights_m, [0.02, 0.12, 0.22])
    s = su.prepare(leg, _Stocking(0.02, 0.2), step_m=0.1)  # 1.8 steps: whole steps only
    np.testing.assert_allclose(s.heights_m, [0.02, 0.2])
    # shorter than a step: still two rows
    s = su.prepare(leg, _Stocking(0.1, 0.104), step_m=0.005)
    np.testing.assert_allclose(s.heights_m, [0.1, 0.104])
    # a range that is a whole number of steps up to rounding keeps its last row
    s = su.prepare(leg, _Stocking(0.1, 0.1 + 3 * 0.035), step_m=0.035)
    assert len(s.heights_m) == 4
    # shorter than a step from the mesh bottom: the first row a hair up, under the second
    s = su.prepare(leg, _Stocking(0.0, 0.004), step_m=0.005)
    np.testing.assert_allclose(s.heights_m, [5e-5, 0.004])
    # the default step is 5 mm
    assert su.DEFAULT_STEP_M == 0.005
    assert len(su.prepare(leg, _Stocking(0.1, 0.2)).heights_m) == 21


def test_prepare_slack_rows_carry_no_tension_and_warn():
    leg = _Leg(radius=lambda h: 0.045 - 0.1 * h)
    # relaxed = 0.2 m: the girth 2 pi r exceeds it only below r = 0.0318 m (h = 0.13 m)
    st = _Stocking(0.0, 0.2, relaxed=0.2, fabric=_Fabric(a=100.0, c=-1.0))
    with pytest.warns(errors.NoContactWarning) as rec:
        s = su.prepare(leg, st, step_m=0.01)
    msg = str(rec[0].message)
    loose = s.strain <= 0
    assert f"at {int(loose.sum())} of {len(s.heights_m)} heights" in msg
    assert "'stand-in'" in msg
    assert msg.endswith(
        "cm): its relaxed circumference is at least the leg's girth there, so the pressure is "
        "zero. Make the stocking smaller there if pressure is wanted."
    )
    assert f"({s.heights_m[loose].min() * 100:.1f}-{s.heights_m[loose].max() * 100:.1f} cm)" in msg
    np.testing.assert_array_equal(s.tension[loose], 0.0)
    taut = s.strain > 0
    expect = np.maximum(100.0 * s.strain[taut] - 1.0, 0.0)
    np.testing.assert_allclose(s.tension[taut], expect)
    # the fabric is asked at zero strain where slack
    eps = st.fabric.calls[0][2]
    np.testing.assert_array_equal(eps[loose], 0.0)
    np.testing.assert_allclose(eps[taut], s.strain[taut])


def test_prepare_empty_sections_are_nan_and_slack_without_a_warning():
    leg = _Leg(length=0.2)
    # above the mesh top sections cut nothing; the fabric's T(0) = 2 N/m is not applied there
    st = _Stocking(0.1, 0.3, relaxed=0.2, fabric=_Fabric(a=100.0, c=2.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = su.prepare(leg, st, step_m=0.05)
    empty = s.heights_m > 0.2
    assert empty.any() and (~empty).any()
    assert np.isnan(s.hull_m[empty]).all() and np.isnan(s.skin_m[empty]).all()
    assert np.isnan(s.strain[empty]).all()
    np.testing.assert_array_equal(s.tension[empty], 0.0)
    assert np.all(s.tension[~empty] > 0)


def test_prepare_extra_layers_add_their_tension_and_negative_axial_tension_is_zero():
    leg = _Leg()
    extra = lambda h: np.where(np.asarray(h) > 0.2, 5.0, 0.0)  # noqa: E731
    st = _Stocking(0.1, 0.3, relaxed=0.25, bands=("fold",), extra=extra, axial=-0.5)
    s = su.prepare(leg, st, step_m=0.05)
    own = 100.0 * (_perim(0.05) / 0.25 - 1)
    np.testing.assert_allclose(s.tension, own + extra(s.heights_m))
    np.testing.assert_allclose(s.layer_factor, (own + extra(s.heights_m)) / own)
    assert s.axial_tension == 0.0
    # a kit (has_layers) without bands also adds its outer layers
    st = _Stocking(0.1, 0.3, relaxed=0.25, extra=extra)
    st.has_layers = True
    s = su.prepare(leg, st, step_m=0.05)
    np.testing.assert_allclose(s.tension, own + extra(s.heights_m))


class _BareLeg:
    """A leg with sections only: no name, no landmarks."""

    def __init__(self):
        self._leg = _Leg()
        self.length_m = self._leg.length_m

    def sections(self, heights):
        return self._leg.sections(heights)


class _BareStocking:
    """A stocking without bands or layers."""

    fabric = _Fabric()
    axial_prestrain = 0.0

    def coverage_m(self, leg):
        return 0.1, 0.2

    def relaxed_circumference_at(self, leg, heights):
        return np.full(len(heights), 0.4)  # slack everywhere


def test_prepare_on_a_leg_without_name_or_landmarks():
    with pytest.warns(errors.NoContactWarning, match="does not touch the leg '' at 3 of 3 heights"):
        s = su.prepare(_BareLeg(), _BareStocking(), step_m=0.05)
    assert s.landmark_index == {}
    np.testing.assert_array_equal(s.tension, 0.0)
    np.testing.assert_array_equal(s.layer_factor, 1.0)


def test_layer_multiple_is_one_where_slack():
    f = su.layer_multiple(np.array([2.0, 0.0, -1.0, 1e-13]), np.array([3.0, 4.0, 1.0, 1.0]))
    np.testing.assert_allclose(f, [2.5, 1.0, 1.0, (1e-13 + 1.0) / 1e-12])


# --- nearest sections, vertex heights and angles ------------------------------------------


def test_nearest_sections():
    s = _setup(heights_m=np.array([0.0, 0.1, 0.25]))
    np.testing.assert_array_equal(
        su.nearest_sections(s, [-1.0, 0.04, 0.06, 0.17, 0.18, 9.0]), [0, 0, 1, 1, 2, 2]
    )


def test_vertex_heights_prefers_the_section_heights():
    leg = SimpleNamespace(heights_m=[0.1, 0.2], section_heights_m=[0.11, 0.19])
    np.testing.assert_array_equal(su.vertex_heights(leg), [0.11, 0.19])
    leg = SimpleNamespace(heights_m=[0.1, 0.2], section_heights_m=None)
    out = su.vertex_heights(leg)
    np.testing.assert_array_equal(out, [0.1, 0.2])
    assert out.dtype == float
    np.testing.assert_array_equal(su.vertex_heights(SimpleNamespace(heights_m=[1, 2])), [1, 2])


def test_vertex_heights_angles_in_interpolated_section_frames():
    # frames turn by 90 degrees between two sections and the centre moves along x
    s = _setup(
        heights_m=np.array([0.0, 1.0]),
        origins=np.array([[0.0, 0, 0], [2.0, 0, 1.0]]),
        us=np.array([[1.0, 0, 0], [0, 1.0, 0]]),
        vs=np.array([[0, 1.0, 0], [-1.0, 0, 0]]),
    )
    ang = np.array([0.3, 2.0, -2.5, -1.0])
    hv = np.array([0.0, 0.0, 1.0, 1.0])
    o = np.array([[0.0, 0, 0], [0.0, 0, 0], [2.0, 0, 1.0], [2.0, 0, 1.0]])
    u = np.array([[1.0, 0, 0], [1.0, 0, 0], [0, 1.0, 0], [0, 1.0, 0]])
    v = np.array([[0, 1.0, 0], [0, 1.0, 0], [-1.0, 0, 0], [-1.0, 0, 0]])
    x = o + 0.07 * (np.cos(ang)[:, None] * u + np.sin(ang)[:, None] * v)
    x[:, 2] = hv  # the frames are horizontal
    leg = SimpleNamespace(vertices=x, heights_m=hv)
    h, th = su.vertex_heights_angles(leg, s)
    np.testing.assert_array_equal(h, hv)
    np.testing.assert_allclose(th, ang, atol=1e-12)
    # half-way up: the frame and the centre are the average
    mid = np.array([[1.0 + 0.05, 0.0, 0.5]])
    h, th = su.vertex_heights_angles(SimpleNamespace(vertices=mid, heights_m=[0.5]), s)
    u_mid, v_mid = np.array([0.5, 0.5, 0]), np.array([-0.5, 0.5, 0])
    assert th[0] == pytest.approx(math.atan2(0.05 * v_mid[0], 0.05 * u_mid[0]))


# --- angle grid, cells, bilinear interpolation --------------------------------------------


def test_theta_grid_starts_at_minus_pi():
    np.testing.assert_allclose(su.theta_grid(4), [-math.pi, -math.pi / 2, 0.0, math.pi / 2])
    assert su.TWO_PI == 2 * math.pi


def test_grid_cell_rows_columns_and_fractions():
    gh = np.array([0.0, 0.1, 0.3])
    n = 8
    h = np.array([-0.2, 0.0, 0.05, 0.1, 0.2, 0.3, 0.9])
    th = np.array([-math.pi, -math.pi + 0.25 * math.pi / 4, 0.0, math.pi - 1e-12, 3.0, 0.1, 7.0])
    i0, i1, t, j0, j1, s = su.grid_cell(gh, n, h, th)
    np.testing.assert_array_equal(i0, [0, 0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(i1, [1, 1, 1, 2, 2, 2, 2])
    np.testing.assert_allclose(t, [0, 0, 0.5, 0, 0.5, 1, 1], atol=1e-12)
    fj = (th + math.pi) * n / (2 * math.pi)
    np.testing.assert_array_equal(j0, np.floor(fj).astype(int) % n)
    np.testing.assert_array_equal(j1, (np.floor(fj).astype(int) + 1) % n)
    np.testing.assert_allclose(s, fj - np.floor(fj))
    assert j0[3] == 7 and j1[3] == 0  # just below pi: the last cell wraps to column 0
    assert j0[0] == 0 and s[0] == 0.0 and s[1] == pytest.approx(0.25)
    # one row: everything on it
    i0, i1, t, *_ = su.grid_cell(np.array([0.2]), n, np.array([0.0, 0.2, 1.0]), np.zeros(3))
    np.testing.assert_array_equal(i0, 0)
    np.testing.assert_array_equal(i1, 0)
    np.testing.assert_array_equal(t, 0.0)
    # two rows
    i0, i1, t, *_ = su.grid_cell(np.array([0.0, 1.0]), n, np.array([0.25, 1.0, 2.0]), np.zeros(3))
    np.testing.assert_array_equal(i0, 0)
    np.testing.assert_array_equal(i1, 1)
    np.testing.assert_allclose(t, [0.25, 1.0, 1.0])


def test_grid_to_points_reproduces_nodes_and_bilinear_fields():
    gh = np.array([0.0, 0.1, 0.3])
    n = 6
    thg = su.theta_grid(n)
    rng = np.random.default_rng(2)
    vals = rng.random((3, n))
    hh, tt = np.meshgrid(gh, thg, indexing="ij")
    np.testing.assert_allclose(su.grid_to_points(gh, vals, hh.ravel(), tt.ravel()), vals.ravel())
    # a field a + b h is reproduced anywhere; angle a half cell on is the columns' mean
    lin = np.repeat((1.0 + 2.0 * gh)[:, None], n, axis=1)
    h = np.array([0.03, 0.2, 0.29, -1.0, 2.0])
    np.testing.assert_allclose(
        su.grid_to_points(gh, lin, h, np.linspace(-3, 3, 5)), 1.0 + 2.0 * np.clip(h, 0, 0.3)
    )
    half = thg + math.pi / n
    got = su.grid_to_points(gh, vals, np.full(n, 0.1), half)
    np.testing.assert_allclose(got, 0.5 * (vals[1] + np.roll(vals[1], -1)))
    # between rows and columns: the bilinear mean of the four corners
    got = su.grid_to_points(gh, vals, np.array([0.05]), np.array([thg[2] + math.pi / n]))
    assert got[0] == pytest.approx(vals[:2, 2:4].mean())
    # integer values are read as floats
    assert su.grid_to_points(gh, np.ones((3, n), int), np.array([0.05]), np.zeros(1))[0] == 1.0


# --- ring and section statistics ----------------------------------------------------------


def test_ring_stats_on_circles_and_an_ellipse():
    n = 400
    th = su.theta_grid(n)
    vals = np.vstack([np.cos(th) + 2.0, 0.5 + 0 * th])
    radius = np.vstack([np.full(n, 0.05), np.full(n, 0.08)])
    mean, lo, hi = su.ring_stats(vals, radius, np.tile(th, (2, 1)))
    np.testing.assert_allclose(mean, [2.0, 0.5], atol=1e-12)
    np.testing.assert_allclose(lo, [1.0, 0.5])
    np.testing.assert_allclose(hi, [3.0, 0.5])
    # a ring r = 1 + 0.5 cos(theta): the mean of cos(theta) weighted by the arc length
    r = 1.0 + 0.5 * np.cos(th)
    ds = np.sqrt(r**2 + (0.5 * np.sin(th)) ** 2)
    mean, _, _ = su.ring_stats(np.cos(th)[None], r[None], th[None])
    assert mean[0] == pytest.approx(np.sum(np.cos(th) * ds) / np.sum(ds), rel=1e-5)


class _Sec:
    def __init__(self, pts, field, closed=True):
        self.polygons = [np.asarray(pts, float)] if pts is not None else []
        self._field = np.asarray(field, float)
        self.closed = closed

    def interpolate(self, values):
        return self._field * np.asarray(values).mean()


def test_slice_sample_arc_length_weighted():
    sq = [[0, 0], [1, 0], [1, 1], [0, 1]]
    # closed square with values 0, 1, 2, 3 at the corners: segment means 0.5 1.5 2.5 1.5
    rect = [[0, 0], [2, 0], [2, 1], [0, 1]]  # sides 2, 1, 2, 1
    sq = [[0, 0], [0.1, 0], [0.1, 0.1], [0, 0.1]]  # 10 cm sides: lengths under 1 m
    secs = [
        _Sec(sq, [0, 1, 2, 3]),
        _Sec(rect, [0, 1, 2, 3]),
        _Sec([[0, 0], [3, 0], [3, 1]], [1.0, 2.0, 4.0], closed=False),  # open: 2 segments
        _Sec(None, []),  # cuts nothing
        _Sec(sq, [5.0]),  # a single point
        _Sec([[0, 0], [0, 0], [0, 0]], [1.0, 2.0, 3.0]),  # no length
        _Sec(sq, [1, 1, 1, 1]),  # hull nan: skipped
    ]
    s = _setup(sections=secs, hull_m=np.array([1, 1, 1, 1, 1, 1, np.nan]))
    out = su.slice_sample(None, s, np.ones(3))
    np.testing.assert_allclose(out[0], [1.5, 0, 3])
    np.testing.assert_allclose(out[1], [(2 * 0.5 + 1.5 + 2 * 2.5 + 1.5) / 6, 0, 3])
    np.testing.assert_allclose(out[2], [(3 * 1.5 + 1 * 3.0) / 4, 1, 4])
    assert np.isnan(out[3:]).all()
    # a section without length does not stop the ones above it
    for first, hull in ((secs[5], 1.0), (secs[4], 1.0), (secs[3], 1.0), (secs[0], np.nan)):
        s = _setup(sections=[first, secs[0]], hull_m=np.array([hull, 1.0]))
        out = su.slice_sample(None, s, np.full(3, 2.0))  # the field scaled by 2
        assert np.isnan(out[0]).all()
        np.testing.assert_allclose(out[1], [3.0, 0, 6])
    # an irregular quadrilateral: each side weights the mean of its two ends
    quad = np.array([[0.0, 0], [0.3, 0], [0.3, 0.1], [0, 0.2]])
    q = np.array([0.0, 1.0, 2.0, 5.0])
    sides = np.hypot(*(np.roll(quad, -1, axis=0) - quad).T)
    expect = np.sum(sides * 0.5 * (q + np.roll(q, -1))) / sides.sum()
    two = _Sec([[0, 0], [0.2, 0]], [1.0, 3.0], closed=False)  # two points: one segment
    s = _setup(sections=[_Sec(quad, q), two], hull_m=np.ones(2))
    out = su.slice_sample(None, s, np.ones(3))
    np.testing.assert_allclose(out[0], [expect, 0, 5])
    np.testing.assert_allclose(out[1], [2.0, 1, 3])


def test_prepare_counts_a_section_whose_loop_is_a_triangle():
    class TriangleLeg(_Leg):
        def sections(self, heights):
            out = super().sections(heights)
            for sec in out:
                sec.polygons = [np.array([[0.05, 0.0], [-0.03, 0.04], [-0.03, -0.04]])]
            return out

    s = su.prepare(TriangleLeg(), _Stocking(0.1, 0.2, relaxed=0.2), step_m=0.05)
    np.testing.assert_allclose(s.hull_m, _perim(0.05))
    assert np.all(s.tension > 0)
