"""Bad input raises stockingsim.errors exceptions that say what to do (docs/cli.md and the stockingsim.errors docstrings);
random arrays and bytes never produce anything else."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stockingsim as ss
from stockingsim import errors


def tube(n_t=32, n_z=30, r=0.05, length=0.5):
    t = np.linspace(0, 2 * np.pi, n_t, endpoint=False)
    z = np.linspace(0, length, n_z)
    v = np.column_stack(
        [np.tile(r * np.cos(t), n_z), np.tile(r * np.sin(t), n_z), np.repeat(z, n_t)]
    )
    i, j = np.meshgrid(np.arange(n_z - 1), np.arange(n_t), indexing="ij")
    a, b = i * n_t + j, i * n_t + (j + 1) % n_t
    f = np.concatenate([np.stack([a, b, b + n_t], -1), np.stack([a, b + n_t, a + n_t], -1)])
    return v, f.reshape(-1, 3)


def test_a_tube_is_accepted():
    leg = ss.Leg.from_arrays(*tube())
    assert leg.length_m == pytest.approx(0.5)
    # a mesh object with vertices and faces (a trimesh.Trimesh) is its arrays
    import trimesh

    same = ss.Leg.from_arrays(trimesh.Trimesh(*tube(), process=False))
    np.testing.assert_array_equal(same.vertices, leg.vertices)
    np.testing.assert_array_equal(same.faces, leg.faces)
    assert isinstance(leg.landmarks, dict)  # a plain tube may have no landmarks


@pytest.mark.parametrize(
    ("content", "suffix", "match"),
    [
        (None, ".ply", "does not exist"),
        (b"", ".stl", "empty"),
        (b"hello, this is not a mesh\n" * 20, ".ply", "could not be parsed|no triangles"),
        (b"hello, this is not a mesh\n" * 20, ".obj", "could not be parsed|no triangles"),
        (b"solid x\nendsolid x\n", ".stl", "could not be parsed|no triangles"),
        (bytes(range(256)) * 10, ".glb", "could not be parsed|no triangles"),
        (b"v 0 0 0\n", ".xyz", "unsupported extension"),
    ],
)
def test_bad_files(tmp_path, content, suffix, match):
    path = tmp_path / f"leg{suffix}"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(errors.MeshFileError, match=match):
        ss.load_leg(path)


def test_directory_and_non_path(tmp_path):
    with pytest.raises(errors.MeshFileError, match="directory"):
        ss.load_leg(tmp_path)
    with pytest.raises(errors.MeshFileError, match="file path"):
        ss.load_leg(12.5)


def test_point_cloud_file_is_refused(tmp_path):
    path = tmp_path / "cloud.ply"
    v = np.random.default_rng(0).random((100, 3))
    header = f"ply\nformat ascii 1.0\nelement vertex {len(v)}\nproperty float x\nproperty float y\nproperty float z\nend_header\n"
    path.write_text(header + "\n".join(" ".join(map(str, p)) for p in v) + "\n")
    with pytest.raises(errors.MeshFileError, match="no triangles|point cloud"):
        ss.load_leg(path)


def test_nan_and_inf_coordinates():
    v, f = tube()
    for bad in (np.nan, np.inf):
        v2 = v.copy()
        v2[7, 1] = bad
        with pytest.raises(errors.MeshError, match="NaN or infinite.*vertex 7"):
            ss.Leg.from_arrays(v2, f)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda v, f: (v, f + 1), "0-based"),
        (lambda v, f: (v, f - 1), r"must lie in \[0"),
        (lambda v, f: (v, f[:, :2]), "shape"),
        (lambda v, f: (v[:, :2], f), "shape"),
        (lambda v, f: (v, f + 0.5), "integer"),
        (lambda v, f: (v[:3], f[:1] % 3), "only 3 vertices"),
        (lambda v, f: (v, f[:2]), "only 2 faces"),
        (lambda v, f: (np.zeros_like(v), f), "same point"),
        (lambda v, f: (v * [1, 0, 1], f), "flat|zero total area|not elongated"),
        (lambda v, f: ("vertices", f), "numeric"),
        (lambda v, f: (v, "faces"), "integer"),
        (lambda v, f: (v.T, f), r"the transpose, vertices\.T"),
        (lambda v, f: (v, f.T), r"Pass the transpose \(faces\.T\)"),
        (lambda v, f: (v, None), "needs faces"),
    ],
)
@pytest.mark.filterwarnings("ignore::stockingsim.errors.MeshWarning")
def test_bad_arrays(change, match):
    v, f = change(*tube())
    with pytest.raises(errors.MeshError, match=match):
        ss.Leg.from_arrays(v, f)


@pytest.mark.parametrize("parts", [1, 2])
def test_degenerate_line_mesh(parts):
    """Faces along a line have no area, in one part (checked on the leg's face geometry) or
    in two (checked where cleaning weighs the parts)."""
    v = np.column_stack([np.linspace(0, 0.5, 20), np.zeros(20), np.zeros(20)])
    f = np.column_stack([np.arange(18), np.arange(1, 19), np.arange(2, 20)])
    if parts == 2:  # a second line beside the first
        v, f = np.vstack([v, v + [0, 0.1, 0]]), np.vstack([f, f + 20])
    with pytest.raises(errors.MeshError, match="zero total area"):
        ss.Leg.from_arrays(v, f)


def test_not_leg_like_ball():
    import trimesh

    ball = trimesh.creation.icosphere(subdivisions=3, radius=0.2)
    with pytest.raises(errors.NotLegLikeError, match="not elongated"):
        ss.Leg.from_arrays(ball.vertices, ball.faces)


def test_impossible_units():
    v, f = tube()
    with pytest.raises(errors.UnitsError, match="not a leg"):
        # 5 units long: 5 m, 5 cm or 5 mm, none of them a leg
        ss.Leg.from_arrays(v * 10, f, units="auto")
    with pytest.raises(errors.UnitsError, match="would be"):
        ss.Leg.from_arrays(v * 80, f, units="m")
    with pytest.raises(errors.UnitsError, match="Unknown units"):
        ss.Leg.from_arrays(v, f, units="furlong")


def test_sections_refuse_non_numeric_heights(leg_f_avg):
    with pytest.raises(errors.StockingSimError):
        leg_f_avg.sections(["low"])
    with pytest.raises(errors.StockingSimError):
        leg_f_avg.girth_profile(step_m=-1)


# -------------------------------------------------------------------- property-based tests
def _only_our_errors(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            leg = fn()
        except errors.StockingSimError:
            return None
    # whatever loads must also give landmarks and a profile without crashing (a point soup's
    # ankle is no leg's, and says so with a MeshWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.MeshWarning)
        leg.landmarks  # noqa: B018
    leg.girth_profile(0.02)
    return leg


floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    v=hnp.arrays(np.float64, st.tuples(st.integers(0, 40), st.integers(1, 4)), elements=floats),
    f=hnp.arrays(
        np.int64, st.tuples(st.integers(0, 60), st.integers(1, 4)), elements=st.integers(-3, 45)
    ),
    units=st.sampled_from(["m", "cm", "mm", "in", "auto"]),
)
def test_random_arrays_raise_only_stockingsim_errors(v, f, units):
    _only_our_errors(lambda: ss.Leg.from_arrays(v, f, units=units))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(4, 200),
    m=st.integers(4, 400),
    scale=st.sampled_from([1e-3, 1.0, 0.5, 100.0, 1e6]),
)
def test_random_point_soups_raise_only_stockingsim_errors(seed, n, m, scale):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, 3)) * [0.05, 0.05, 0.3] * scale
    f = rng.integers(0, n, size=(m, 3))
    _only_our_errors(lambda: ss.Leg.from_arrays(v, f, units="auto"))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    data=st.binary(max_size=2000),
    suffix=st.sampled_from([".stl", ".obj", ".ply", ".off", ".glb", ".gltf"]),
    prefix=st.sampled_from([b"", b"ply\n", b"solid a\n", b"v 1 2 3\nf 1 2 3\n", b"OFF\n", b"glTF"]),
)
def test_random_bytes_raise_only_stockingsim_errors(tmp_path, data, suffix, prefix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(prefix + data)
    _only_our_errors(lambda: ss.load_leg(path))


def test_non_manifold_edges_warn():
    v, f = tube()
    # a fin: an extra vertex and a face on an existing edge -> that edge has three faces
    v2 = np.vstack([v, [0.2, 0.0, 0.25]])
    f2 = np.vstack([f, [f[100, 0], f[100, 1], len(v)]])
    with pytest.warns(errors.MeshWarning, match="non-manifold"):
        ss.Leg.from_arrays(v2, f2)
