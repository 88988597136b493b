"""Loading legs from every supported format, units detection, stray parts, package data."""

import hashlib
import pickle

import numpy as np
import pytest
import trimesh

import stockingsim as ss
from stockingsim import errors


@pytest.fixture(scope="module")
def f_avg_mesh(shared_leg_paths):
    return trimesh.load(shared_leg_paths["anny_f_avg"], process=False)


@pytest.mark.parametrize("ext", ["stl", "obj", "ply", "off", "glb", "gltf"])
def test_every_format_gives_the_same_leg(ext, tmp_path, f_avg_mesh, leg_f_avg):
    path = tmp_path / f"leg.{ext}"
    f_avg_mesh.export(path)
    leg = ss.load_leg(path)
    # STL stores every triangle's corners separately: duplicates are merged back
    assert leg.n_vertices == leg_f_avg.n_vertices
    assert len(leg.faces) == len(leg_f_avg.faces)
    assert leg.name == "leg" and leg.units == "m"
    assert leg.source_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    for name, lm in leg_f_avg.landmarks.items():
        assert leg.landmarks[name].height_m == pytest.approx(lm.height_m, abs=1e-4)
        assert leg.landmarks[name].circumference_m == pytest.approx(lm.circumference_m, rel=1e-4)


_QUADS_AND_TRIANGLE_PLY = """ply
format ascii 1.0
element vertex 5
property float x
property float y
property float z
element face 2
property list uchar int vertex_indices
end_header
0 0 0
1 0 0
1 1 0
0 1 0
2 2 0
4 0 1 2 3
3 1 4 2
"""


@pytest.mark.parametrize(
    "kind", ["ply_binary", "ply_ascii", "ply_colours", "stl_binary", "stl_ascii", "off", "quads"]
)
def test_files_read_directly_give_trimesh_arrays(kind, tmp_path, f_avg_mesh):
    # PLY and OFF are read with trimesh's format reader alone, STL with trimesh.load; the arrays
    # must be exactly those of trimesh.load(force="mesh", process=False), whatever the encoding
    from stockingsim.leg._load import read_mesh_file

    ext = kind.split("_")[0] if kind != "quads" else "ply"
    path = tmp_path / f"leg.{ext}"
    if kind == "stl_ascii":
        path.write_text(trimesh.exchange.stl.export_stl_ascii(f_avg_mesh))
    elif kind == "quads":
        path.write_text(_QUADS_AND_TRIANGLE_PLY)
    elif kind == "ply_colours":
        coloured = f_avg_mesh.copy()
        coloured.visual.vertex_colors = np.tile([200, 30, 30, 255], (len(coloured.vertices), 1))
        coloured.export(path)
    else:
        f_avg_mesh.export(path, **({"encoding": kind[4:]} if ext == "ply" else {}))
    vertices, faces, _digest = read_mesh_file(path)
    ref = trimesh.load(path, force="mesh", process=False)
    assert vertices.dtype == np.float64 and faces.shape[1] == 3
    np.testing.assert_array_equal(vertices, np.asarray(ref.vertices, dtype=float))
    np.testing.assert_array_equal(faces, ref.faces)
    if kind == "quads":  # the quad split in two triangles, the triangle kept
        assert len(faces) == 3


@pytest.mark.parametrize(("scale", "units"), [(1.0, "m"), (100.0, "cm"), (1000.0, "mm")])
def test_units_are_detected_from_the_size(scale, units, tmp_path, f_avg_mesh, leg_f_avg):
    mesh = f_avg_mesh.copy()
    mesh.apply_scale(scale)
    path = tmp_path / "leg.ply"
    mesh.export(path)
    leg = ss.load_leg(path)
    assert leg.units == units
    assert leg.length_m == pytest.approx(leg_f_avg.length_m, rel=1e-6)
    # explicit units agree; impossible ones are refused
    assert ss.load_leg(path, units=units).length_m == pytest.approx(leg.length_m)
    wrong = "mm" if units == "m" else "m"
    with pytest.raises(errors.UnitsError, match=f"units='{units}'"):
        ss.load_leg(path, units=wrong)


@pytest.mark.parametrize("name", ["in", "inch", "Inches"])
def test_a_mesh_in_inches_is_read_when_named(name, tmp_path, f_avg_mesh, leg_f_avg):
    mesh = f_avg_mesh.copy()
    mesh.apply_scale(1.0 / 0.0254)  # the leg in inches: 33 units long
    path = tmp_path / "leg_in.ply"
    mesh.export(path)
    leg = ss.load_leg(path, units=name)
    assert leg.units == "in"
    assert leg.length_m == pytest.approx(leg_f_avg.length_m, rel=1e-6)
    for lm in ("B", "C", "D"):  # the girths a tape gives, to the float32 rounding of the file
        got, ref = leg.landmarks[lm], leg_f_avg.landmarks[lm]
        assert got.circumference_m == pytest.approx(ref.circumference_m, rel=1e-5)
        assert got.height_m == pytest.approx(ref.height_m, abs=1e-5)
    arrays = ss.Leg.from_arrays(mesh.vertices, mesh.faces, units="in")
    assert arrays.length_m == pytest.approx(leg_f_avg.length_m, rel=1e-6)


def test_inches_are_never_guessed_and_a_leg_read_in_cm_warns(tmp_path, f_avg_mesh, leg_f_avg):
    """33 units long is a 33 cm leg or an 84 cm one in inches: the size alone cannot tell
    (a child's leg, a short scan), so auto reads cm, and the ankle girth says what is wrong."""
    mesh = f_avg_mesh.copy()
    mesh.apply_scale(1.0 / 0.0254)
    path = tmp_path / "leg_in.ply"
    mesh.export(path)
    leg = ss.load_leg(path)
    assert leg.units == "cm"
    true_b = leg_f_avg.landmarks["B"].circumference_m
    with pytest.warns(errors.MeshWarning, match="units='in'") as caught:
        b = leg.landmarks["B"].circumference_m
    assert b == pytest.approx(true_b / 2.54, rel=2e-3)  # B found on a 5 mm grid of the small leg
    text = str(caught[0].message)
    assert f"{b * 100:.1f} cm" in text and f"then {b * 254:.1f} cm" in text
    # a leg in cm read as inches would be 2.1 m long: refused, naming cm
    cm = tmp_path / "leg_cm.ply"
    f_avg_mesh.copy().apply_scale(100.0).export(cm)
    with pytest.raises(errors.UnitsError, match="units='cm'"):
        ss.load_leg(cm, units="in")


def test_an_ankle_no_leg_has_warns_whatever_the_units(leg_f_avg):
    """A leg in mm read as m cannot load (0.8 km long), but a leg of the right length can
    still have girths no leg has: here 0.4 x thinner about its axis."""
    import warnings

    from stockingsim.leg._landmarks import ANKLE_GIRTH_RANGE_M, warn_if_not_an_ankle

    v = leg_f_avg.vertices - leg_f_avg.frame.origin
    axis = leg_f_avg.frame.axis
    along = np.outer(v @ axis, axis)
    thin = ss.Leg.from_arrays(along + 0.4 * (v - along), leg_f_avg.faces, units="m")
    with pytest.warns(errors.MeshWarning, match="smaller than any leg's") as caught:
        b = thin.landmarks["B"].circumference_m
    assert b == pytest.approx(0.4 * leg_f_avg.landmarks["B"].circumference_m, rel=0.02)
    assert "read in m" in str(caught[0].message)
    assert "units='m', 'cm', 'mm' or 'in'" in str(caught[0].message)
    lo, hi = ANKLE_GIRTH_RANGE_M
    with pytest.warns(errors.MeshWarning, match="larger than any leg's"):
        warn_if_not_an_ankle(hi * 1.01, "m", "leg")
    with warnings.catch_warnings():  # the range itself, and the shared legs, are legs
        warnings.simplefilter("error", errors.MeshWarning)
        for girth in (lo, hi, leg_f_avg.landmarks["B"].circumference_m):
            warn_if_not_an_ankle(girth, "m", "leg")


def test_stray_parts_are_dropped_with_a_warning(tmp_path, f_avg_mesh, leg_f_avg):
    box = trimesh.creation.box(extents=[0.1, 0.1, 0.1])
    box.apply_translation([0.5, 0.5, 0.05])
    scene = trimesh.Scene([f_avg_mesh, box])
    path = tmp_path / "scene.glb"
    scene.export(path)
    with pytest.warns(errors.MeshWarning, match="2 separate parts"):
        leg = ss.load_leg(path)
    assert leg.n_vertices == leg_f_avg.n_vertices
    # the same through from_arrays: another (smaller) leg next to it
    v = np.concatenate([leg_f_avg.vertices, leg_f_avg.vertices * 0.5 + [1.0, 0, 0]])
    f = np.concatenate([leg_f_avg.faces, leg_f_avg.faces + leg_f_avg.n_vertices])
    with pytest.warns(errors.MeshWarning, match="kept the largest"):
        leg2 = ss.Leg.from_arrays(v, f)
    assert np.allclose(leg2.vertices, leg_f_avg.vertices)


def test_open_mesh_and_vertex_order_are_kept(leg_f_avg, f_avg_mesh):
    assert not f_avg_mesh.is_watertight  # open at the thigh: normal input
    assert np.array_equal(leg_f_avg.vertices, f_avg_mesh.vertices)
    leg = ss.Leg.from_arrays(f_avg_mesh.vertices, f_avg_mesh.faces, name="mine")
    assert leg.name == "mine"
    assert leg.n_vertices == len(f_avg_mesh.vertices)


@pytest.mark.parametrize("form", ["float64", "view", "float32", "list"])
def test_the_callers_arrays_stay_theirs(form, f_avg_mesh):
    """The leg freezes its own arrays: the caller's stay writable and unchanged, and editing
    them afterwards does not move the leg (float64 arrays, views of a larger array, other
    dtypes and lists)."""
    v0 = np.array(f_avg_mesh.vertices, dtype=np.float64)
    f0 = np.array(f_avg_mesh.faces, dtype=np.int64)
    if form == "view":  # every other row of a larger array: not contiguous, not owned
        big = np.zeros((2 * len(v0), 3))
        big[::2] = v0
        v, f = big[::2], f0.copy()
    elif form == "float32":
        v, f = v0.astype(np.float32), f0.astype(np.int32)
    elif form == "list":
        v, f = v0.tolist(), f0.tolist()
    else:
        v, f = v0.copy(), f0.copy()
    leg = ss.Leg.from_arrays(v, f, units="m")
    before = np.array(leg.vertices)
    if form != "list":
        assert v.flags.writeable and f.flags.writeable
        assert not np.shares_memory(leg.vertices, v)
        assert not np.shares_memory(leg.faces, f)
        v[:] = 0  # the caller reuses the buffers
        f[:] = 0
    assert np.array_equal(leg.vertices, before)
    assert np.allclose(leg.vertices, v0.astype(np.float32) if form == "float32" else v0)
    assert np.array_equal(leg.faces, f0)


def test_bundled_leg_is_the_shared_average_leg(leg_f_avg, shared_leg_paths):
    leg = ss.bundled_leg()
    assert leg.name == "anny_f_avg"
    assert np.allclose(leg.vertices, leg_f_avg.vertices)
    with pytest.raises(errors.MeshFileError, match="Available"):
        ss.bundled_leg("nope")


def test_to_trimesh_and_pickle_round_trip(leg_f_avg):
    mesh = leg_f_avg.to_trimesh()
    assert mesh.vertices.shape == leg_f_avg.vertices.shape
    assert mesh.area == pytest.approx(leg_f_avg.face_areas.sum())
    again = pickle.loads(pickle.dumps(leg_f_avg))
    assert again.landmarks["C"] == leg_f_avg.landmarks["C"]


def test_landmark_overrides_at_load(shared_leg_paths):
    leg = ss.load_leg(shared_leg_paths["anny_m_elder"], landmarks={"C": 0.34})
    assert leg.landmarks["C"].height_m == pytest.approx(0.34)
    assert not leg.landmarks["C"].detected
    assert leg.landmarks["B"].detected


def test_face_areas_are_half_the_cross_product_in_every_orientation():
    """Triangle areas against |e1 x e2| / 2 written out here: a right triangle in each
    coordinate plane (legs 3 and 4: area 6), an equilateral triangle of side 2 (sqrt 3) in a
    tilted plane, and a degenerate one (0): the face geometry the leg and cleaning use."""
    from stockingsim.leg._frame_fit import face_geometry

    def _face_areas(v, f):
        return face_geometry(v, f)[1]

    rng = np.random.default_rng(7)
    rot = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    eq = np.array([[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [1.0, np.sqrt(3.0), 0.0]]) @ rot.T
    tris = [
        [[0, 0, 0], [3, 0, 0], [0, 4, 0]],
        [[0, 0, 0], [0, 3, 0], [0, 0, 4]],
        [[0, 0, 0], [0, 0, 3], [4, 0, 0]],
        eq,
        [[0, 0, 0], [1, 1, 1], [2, 2, 2]],
    ]
    v = np.concatenate([np.asarray(t, dtype=float) for t in tris])
    f = np.arange(len(v)).reshape(-1, 3)
    expected = [6.0, 6.0, 6.0, np.sqrt(3.0), 0.0]
    np.testing.assert_allclose(_face_areas(v, f), expected, rtol=1e-12, atol=1e-14)
    # the corner order and the winding do not matter
    np.testing.assert_allclose(_face_areas(v, f[:, [2, 0, 1]]), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(_face_areas(v, f[:, ::-1]), expected, rtol=1e-12, atol=1e-14)


def test_edge_graph_components_and_repeated_directed_edges():
    """The one edge graph of cleaning: components numbered by their lowest vertex, as scipy's
    undirected components of any graph that joins each face's corners; a repeated directed
    edge (a flipped face, three faces on an edge) is reported, a consistent mesh is not."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from stockingsim.leg._load import _edge_graph

    box = trimesh.creation.box()  # closed, consistently wound, 8 vertices
    ball = trimesh.creation.icosphere(subdivisions=1)
    # the ball first in the vertex order, the box's faces first in the face order
    v = np.vstack([ball.vertices, box.vertices])
    f = np.vstack([box.faces + len(ball.vertices), ball.faces])
    label, unique = _edge_graph(f, len(v))
    assert unique
    assert np.array_equal(label[: len(ball.vertices)], np.zeros(len(ball.vertices)))
    assert np.array_equal(label[len(ball.vertices) :], np.ones(8))
    pairs = np.concatenate([f[:, [0, 1]], f[:, [1, 2]]])
    graph = coo_matrix((np.ones(len(pairs)), pairs.T), shape=(len(v), len(v)))
    assert np.array_equal(label, connected_components(graph, directed=False)[1])

    flipped = f.copy()
    flipped[3] = flipped[3, ::-1]
    assert not _edge_graph(flipped, len(v))[1]
    fin = np.vstack([f, [f[0, 0], f[0, 1], len(v)]])  # a third face on the edge f0 -> f1
    assert not _edge_graph(fin, len(v) + 1)[1]
    # cleaning keeps the larger part (the ball, area 4 pi against the box's 6) as it was wound
    from stockingsim.leg._load import clean_arrays

    with pytest.warns(errors.MeshWarning, match="2 separate parts"):
        vc, fc = clean_arrays(v, f, "two parts")
    assert np.array_equal(vc, ball.vertices)
    assert np.array_equal(fc, ball.faces)


def test_edge_graph_components_whatever_the_winding_and_borders():
    """Open parts, flipped faces and a vertex in no face: the components are still those of
    the undirected graph of the faces' corners, numbered by their lowest vertex."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from stockingsim.leg._load import _edge_graph

    rng = np.random.default_rng(7)
    open_box = trimesh.creation.box().faces[2:]  # two faces gone: a border
    ball = trimesh.creation.icosphere(subdivisions=1).faces
    strip = np.array([[0, 1, 2], [2, 1, 3], [2, 3, 4]])  # an open strip, wound both ways
    parts, offset = [], 0
    for faces in (ball, open_box, strip):
        parts.append(faces + offset)
        offset += int(faces.max()) + 1
    n = offset + 1  # the last vertex is in no face
    perm = rng.permutation(n)  # the parts' vertices interleaved
    f = perm[np.vstack(parts)]
    flip = rng.random(len(f)) < 0.3
    f[flip] = f[flip][:, ::-1]
    label, unique = _edge_graph(f, n)
    assert not unique  # flipped faces repeat a directed edge
    pairs = np.concatenate([f[:, [0, 1]], f[:, [1, 2]]])
    graph = coo_matrix((np.ones(len(pairs)), pairs.T), shape=(n, n))
    n_comp, expected = connected_components(graph, directed=False)
    assert n_comp == 4 and np.array_equal(label, expected)


def test_vertices_in_no_face_are_dropped_quietly():
    """A vertex that no face uses (a stray point of a scan) is its own component: cleaning
    drops it without the several-parts warning, and renumbers the faces."""
    import warnings

    from stockingsim.leg._load import clean_arrays

    ball = trimesh.creation.icosphere(subdivisions=2)
    v = np.vstack([[5.0, 5.0, 5.0], ball.vertices])  # the stray point first: every index moves
    f = ball.faces + 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vc, fc = clean_arrays(v, f, "stray point")
    np.testing.assert_array_equal(vc, ball.vertices)
    np.testing.assert_array_equal(fc, ball.faces)


def test_repeated_keys_are_found_exactly_through_hash_collisions():
    """The duplicate-vertex test sorts a 32-bit hash of the grid keys; a collision of two
    different keys in that hash (or in the table of its low bits) must not read as a repeat,
    and a real repeat must be found whatever else collides."""
    from stockingsim.leg._load import _HASH_MULTIPLIER, _any_repeated

    inverse = pow(int(_HASH_MULTIPLIER), -1, 2**64)

    def key_with_product(product):  # the key whose hash product is the given 64-bit number
        return np.array([product * inverse % 2**64], dtype=np.uint64).view(np.int64)[0]

    rng = np.random.default_rng(7)
    keys = rng.integers(0, 2**62, 50_000)
    assert len(np.unique(keys)) == len(keys) and not _any_repeated(keys)
    # two different keys with the same upper 32 bits of the product: the same hash
    same_hash = [key_with_product((0x1234ABCD << 32) | low) for low in (1, 2)]
    assert same_hash[0] != same_hash[1]
    collided = np.concatenate([keys, same_hash])
    assert not _any_repeated(collided)
    assert _any_repeated(np.concatenate([collided, keys[[17]]]))  # a real repeat among them
    assert _any_repeated(np.concatenate([collided, same_hash[:1]]))  # the colliding one again
    # small and degenerate arrays
    assert not _any_repeated(np.array([5], dtype=np.int64))
    assert _any_repeated(np.array([5, 5], dtype=np.int64))
