"""Per-vertex curvature against analytic surfaces (cylinder, sphere, elliptic cylinder, torus)."""

import numpy as np
import pytest
import trimesh

from stockingsim import errors
from stockingsim.leg import VertexCurvature, vertex_curvature
from stockingsim.leg._curvature import vertex_normals_max  # the private unit under test

Z = np.array([0.0, 0.0, 1.0])


def _grid_faces(n_around, n_along, closed_along=False):
    """Quads of a (n_along x n_around) vertex grid, periodic around, split into CCW triangles."""
    rows = n_along if closed_along else n_along - 1
    i, j = np.meshgrid(np.arange(rows), np.arange(n_around), indexing="ij")
    a = i * n_around + j
    b = i * n_around + (j + 1) % n_around
    c = ((i + 1) % n_along) * n_around + j
    d = ((i + 1) % n_along) * n_around + (j + 1) % n_around
    return np.concatenate(
        [np.stack([a, b, d], -1).reshape(-1, 3), np.stack([a, d, c], -1).reshape(-1, 3)]
    )


def elliptic_cylinder(a, b, n_around, n_along, length):
    """Open elliptic cylinder x = a cos t, y = b sin t; returns mesh, analytic kappa(t), z."""
    t = np.linspace(0.0, 2.0 * np.pi, n_around, endpoint=False)
    z = np.linspace(0.0, length, n_along)
    tt, zz = np.meshgrid(t, z)
    vertices = np.stack([a * np.cos(tt), b * np.sin(tt), zz], -1).reshape(-1, 3)
    kappa = a * b / (a**2 * np.sin(tt) ** 2 + b**2 * np.cos(tt) ** 2) ** 1.5
    return vertices, _grid_faces(n_around, n_along), kappa.ravel(), zz.ravel()


def torus(major, minor, n_tube, n_ring):
    """Closed torus about z; phi = 0 on the outer equator. Returns mesh and phi per vertex."""
    phi = np.linspace(0.0, 2.0 * np.pi, n_tube, endpoint=False)
    psi = np.linspace(0.0, 2.0 * np.pi, n_ring, endpoint=False)
    ps, ph = np.meshgrid(psi, phi)
    rho = major + minor * np.cos(ph)
    vertices = np.stack([rho * np.cos(ps), rho * np.sin(ps), minor * np.sin(ph)], -1)
    return vertices.reshape(-1, 3), _grid_faces(n_ring, n_tube, closed_along=True), ph.ravel()


def _rotation(seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    return q * np.sign(np.linalg.det(q))


def _interior(z, length, margin):
    return (z > margin) & (z < length - margin)


# --- circular cylinder: hoop = 1/r exactly, axial = 0 --------------------------------------------
@pytest.mark.parametrize("radius", [0.04, 0.12])
def test_cylinder_hoop_is_one_over_r_and_axial_zero(radius):
    v, f, _, z = elliptic_cylinder(radius, radius, 48, 20, 0.2)
    c = vertex_curvature(v, f, Z)
    assert isinstance(c, VertexCurvature)
    np.testing.assert_allclose(c.hoop, 1.0 / radius, rtol=1e-9)
    np.testing.assert_allclose(c.axial, 0.0, atol=1e-9 / radius)
    np.testing.assert_allclose(c.k1, 1.0 / radius, rtol=1e-9)
    np.testing.assert_allclose(c.k2, 0.0, atol=1e-9 / radius)


def test_cylinder_rotated_scaled_and_per_vertex_axis_give_the_same_curvature():
    radius = 0.05
    v, f, _, _ = elliptic_cylinder(radius, radius, 40, 12, 0.1)
    rot = _rotation(1)
    v_mm = (v @ rot.T) * 1000.0  # leaning, in millimetres
    axis = np.tile(rot @ Z, (len(v), 1)) * 3.0  # per-vertex, not unit length
    c = vertex_curvature(v_mm, f, axis)
    np.testing.assert_allclose(c.hoop, 1.0 / (radius * 1000.0), rtol=1e-9)
    np.testing.assert_allclose(c.axial, 0.0, atol=1e-9 / radius)


def test_reversed_orientation_flips_the_sign():
    radius = 0.05
    v, f, _, _ = elliptic_cylinder(radius, radius, 40, 12, 0.1)
    c = vertex_curvature(v, f[:, ::-1], Z)  # inward-facing triangles -> inward normals
    np.testing.assert_allclose(c.hoop, -1.0 / radius, rtol=1e-9)


def test_given_analytic_normals_are_used():
    radius = 0.05
    v, f, _, _ = elliptic_cylinder(radius, radius, 40, 12, 0.1)
    normals = v * [1.0, 1.0, 0.0] / radius
    c = vertex_curvature(v, f, Z, vertex_normals=normals)
    np.testing.assert_allclose(c.hoop, 1.0 / radius, rtol=1e-9)
    c_in = vertex_curvature(v, f, Z, vertex_normals=-normals)
    np.testing.assert_allclose(c_in.hoop, -1.0 / radius, rtol=1e-9)


# --- sphere: 1/r in every direction --------------------------------------------------------------
@pytest.mark.parametrize("subdivisions", [2, 4])
def test_sphere_all_curvatures_one_over_r(subdivisions):
    radius = 0.07
    s = trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius)
    v = s.vertices @ _rotation(2).T
    c = vertex_curvature(v, s.faces, Z)
    for k in (c.hoop, c.axial, c.k1, c.k2):
        np.testing.assert_allclose(k, 1.0 / radius, rtol=1e-6)


def test_irregular_sphere_within_two_percent():
    # vertices moved randomly along the surface: irregular, non-symmetric triangles
    radius = 0.07
    s = trimesh.creation.icosphere(subdivisions=3, radius=radius)
    rng = np.random.default_rng(3)
    v = s.vertices + rng.normal(scale=0.15 * radius * 0.1, size=s.vertices.shape)
    v = radius * v / np.linalg.norm(v, axis=1, keepdims=True)
    c = vertex_curvature(v, s.faces, Z)
    for k in (c.hoop, c.axial, c.k1, c.k2):
        assert np.max(np.abs(k * radius - 1.0)) < 0.02


# --- elliptic cylinder: hoop = kappa(t) ---------------------------------------------------------
def _ellipse_errors(n_around):
    a, b, length = 0.05, 0.035, 0.1
    v, f, kappa, z = elliptic_cylinder(a, b, n_around, n_around // 2, length)
    c = vertex_curvature(v, f, Z)
    inner = _interior(z, length, 0.001)
    hoop_err = np.max(np.abs(c.hoop - kappa)[inner] / kappa[inner])
    k1_err = np.max(np.abs(c.k1 - kappa)[inner] / kappa[inner])
    axial_err = np.max(np.abs(c.axial[inner])) / kappa.min()
    return hoop_err, k1_err, axial_err


def test_elliptic_cylinder_under_two_percent_and_converging():
    coarse = _ellipse_errors(64)
    fine = _ellipse_errors(128)
    assert coarse[0] < 0.02 and coarse[1] < 0.02
    assert coarse[2] < 1e-9
    # second-order estimator: halving the edge length divides the error by about 4
    assert fine[0] < coarse[0] / 3.0
    assert fine[1] < coarse[1] / 3.0


def test_elliptic_cylinder_extremes_are_a_over_b2_and_b_over_a2():
    a, b = 0.05, 0.035
    v, f, _, z = elliptic_cylinder(a, b, 256, 8, 0.05)
    c = vertex_curvature(v, f, Z)
    inner = _interior(z, 0.05, 0.001)
    assert abs(c.hoop[inner].max() / (a / b**2) - 1.0) < 0.002
    assert abs(c.hoop[inner].min() / (b / a**2) - 1.0) < 0.002


# --- torus: k_tube = 1/r, k_ring = cos(phi) / (R + r cos(phi)) ----------------------------------
def _torus_errors(n_tube):
    major, minor = 0.1, 0.04
    v, f, phi = torus(major, minor, n_tube, 2 * n_tube)
    c = vertex_curvature(v, f, Z)
    k_tube = np.full_like(phi, 1.0 / minor)
    k_ring = np.cos(phi) / (major + minor * np.cos(phi))
    err_k1 = np.max(np.abs(c.k1 - k_tube) / k_tube)
    # relative to the largest curvature, since k_ring crosses zero at the top and bottom
    err_k2 = np.max(np.abs(c.k2 - k_ring)) * minor
    # hoop (around z) is the ring direction, axial the tube direction, except near the top and
    # bottom where the normal is parallel to the axis and the hoop direction is undefined
    side = np.abs(np.cos(phi)) > 0.3
    err_hoop = np.max(np.abs(c.hoop - k_ring)[side] / np.abs(k_ring[side]))
    err_axial = np.max(np.abs(c.axial - k_tube)[side] / k_tube[side])
    concave_inside = bool(np.all(c.k2[np.cos(phi) < -0.5] < 0.0))
    return np.array([err_k1, err_k2, err_hoop, err_axial]), concave_inside


def test_torus_principal_and_directional_curvatures_converge():
    coarse, concave_coarse = _torus_errors(48)
    fine, concave_fine = _torus_errors(96)
    assert np.all(coarse < 0.02), coarse
    assert np.all(fine < coarse / 3.0), (coarse, fine)
    # the inner equator is a saddle: negative ring curvature
    assert concave_coarse and concave_fine


def test_principal_curvatures_are_ordered_and_bound_the_normal_curvatures():
    v, f, _ = torus(0.1, 0.04, 24, 48)
    c = vertex_curvature(v, f, Z)
    assert np.all(c.k1 >= c.k2)
    # Euler: every normal curvature lies between k2 and k1; hoop + axial = k1 + k2
    tol = 1e-9 * np.abs(c.k1).max()
    assert np.all(c.hoop <= c.k1 + tol) and np.all(c.hoop >= c.k2 - tol)
    np.testing.assert_allclose(c.hoop + c.axial, c.k1 + c.k2, atol=tol)
    np.testing.assert_allclose(c.mean, 0.5 * (c.k1 + c.k2))


# --- normals and bad input ----------------------------------------------------------------------
def test_max_normals_are_exact_on_a_sphere():
    s = trimesh.creation.icosphere(subdivisions=2, radius=0.05)
    n = vertex_normals_max(s.vertices, s.faces)
    np.testing.assert_allclose(n, s.vertices / 0.05, atol=1e-12)


def test_unused_vertex_gets_zero_curvature():
    radius = 0.05
    v, f, _, _ = elliptic_cylinder(radius, radius, 24, 6, 0.05)
    v = np.vstack([v, [1.0, 1.0, 1.0]])
    c = vertex_curvature(v, f, Z)
    assert c.hoop[-1] == 0.0 and c.k1[-1] == 0.0
    np.testing.assert_allclose(c.hoop[:-1], 1.0 / radius, rtol=1e-9)


@pytest.mark.parametrize(
    "case",
    [
        "nan_vertex",
        "face_out_of_range",
        "negative_face",
        "bad_axis",
        "bad_normals",
        "quads",
        "flat",
    ],
)
def test_bad_input_raises_mesh_error(case):
    v, f, _, _ = elliptic_cylinder(0.05, 0.05, 12, 4, 0.05)
    axis, normals = Z, None
    if case == "nan_vertex":
        v = v.copy()
        v[3, 1] = np.nan
    elif case == "face_out_of_range":
        f = f.copy()
        f[0, 0] = len(v)
    elif case == "negative_face":
        f = f.copy()
        f[0, 0] = -1
    elif case == "bad_axis":
        axis = np.ones((5, 3))
    elif case == "bad_normals":
        normals = np.ones((len(v), 2))
    elif case == "quads":
        f = np.zeros((3, 4), dtype=int)
    elif case == "flat":
        v = v[:, :2]
    with pytest.raises(errors.MeshError, match=r"\w+"):
        vertex_curvature(v, f, axis, vertex_normals=normals)


def test_curvature_at_some_vertices_is_the_same_to_the_bit(shared_leg_paths):
    # a band of the leg (several cache blocks of faces): the wanted vertices get exactly the
    # whole mesh's values, the others 0; a leg keeps the whole one once it has it
    import stockingsim as ss

    leg = ss.load_leg(shared_leg_paths["anny_m_athletic"])
    assert len(leg.faces) > 2 * 16384  # more than two blocks
    h = leg.heights_m
    wanted = (h > 0.12) & (h < 0.45)
    full = vertex_curvature(leg.vertices, leg.faces, leg.frame.axis, leg.vertex_normals)
    part = vertex_curvature(leg.vertices, leg.faces, leg.frame.axis, leg.vertex_normals, at=wanted)
    for name in ("hoop", "axial", "k1", "k2"):
        got, want = getattr(part, name), getattr(full, name)
        np.testing.assert_array_equal(got[wanted], want[wanted])
        assert np.all(got[~wanted] == 0.0)
    on_leg = leg.curvature_at(wanted)
    np.testing.assert_array_equal(on_leg.hoop[wanted], leg.curvature.hoop[wanted])
    assert leg.curvature_at(wanted) is leg.curvature  # the whole leg's, now that it is known
    with pytest.raises(errors.MeshError, match="boolean mask of the"):
        vertex_curvature(leg.vertices, leg.faces, leg.frame.axis, at=wanted[:-1])


def test_curvature_at_computes_only_the_normals_it_needs(shared_leg_paths):
    # without given normals the wanted vertices' curvature comes from the part of the mesh
    # around them (its faces in the whole mesh's blocks): the same bits as the whole mesh,
    # with a per-vertex (centreline) axis too, and a fresh leg does not compute all its normals
    import stockingsim as ss

    path = shared_leg_paths["anny_f_heavy"]
    leg = ss.load_leg(path)
    h = leg.heights_m
    for wanted in ((h > 0.12) & (h < 0.45), h > 0.6, np.arange(len(h)) % 7 == 0):
        for axis in (leg.frame.axis, leg._centreline.tangents(h)):
            full = vertex_curvature(leg.vertices, leg.faces, axis)
            part = vertex_curvature(leg.vertices, leg.faces, axis, at=wanted)
            for name in ("hoop", "axial", "k1", "k2"):
                got, want = getattr(part, name), getattr(full, name)
                np.testing.assert_array_equal(got[wanted], want[wanted])
                assert np.all(got[~wanted] == 0.0)
    fresh = ss.load_leg(path)
    wanted = (h > 0.12) & (h < 0.45)
    on_fresh = fresh.curvature_at(wanted)
    assert "vertex_normals" not in fresh.__dict__
    np.testing.assert_array_equal(on_fresh.hoop[wanted], leg.curvature.hoop[wanted])
    np.testing.assert_array_equal(on_fresh.k2[wanted], leg.curvature.k2[wanted])
