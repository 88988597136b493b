"""Reading mesh files and cleaning vertex/face arrays (validation, units, components)."""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from stockingsim import errors
from stockingsim._numbers import LENGTH_UNITS_M, length_unit
from stockingsim.leg._frame_fit import face_geometry
from stockingsim.leg._loops import unique_inverse

__all__ = ["read_mesh_file", "clean_arrays", "require_area", "units_scale", "SUPPORTED_SUFFIXES"]

SUPPORTED_SUFFIXES = (".stl", ".obj", ".ply", ".off", ".glb", ".gltf")
#: the units "auto" chooses between: a factor 10 apart, so the leg's size tells them apart.
#: Inches are never guessed: 2.54 x is within the spread of legs (a child's, a short scan),
#: so a mesh in inches is named with units="in" (a leg read as centimetres instead has an
#: ankle girth below any leg's, and the landmarks warn)
_AUTO_UNITS = ("m", "cm", "mm")
#: plausible length of a leg mesh along its axis, metres (assumption: from a foot-only or
#: knee-high scan of a child, 0.15 m, to a whole adult leg with hip, 2.0 m)
LEG_LENGTH_RANGE_M = (0.15, 2.0)
#: length a leg is most likely to have when the units are guessed (DESIGN.md: 0.3-1.2 m)
TYPICAL_LEG_LENGTH_M = 0.75


def read_mesh_file(path) -> tuple[np.ndarray, np.ndarray, str]:
    """Read a mesh file with trimesh.

    Parameters
    ----------
    path : str or os.PathLike
        STL, OBJ, PLY, OFF, GLB or GLTF file. Scenes are flattened (all geometry concatenated,
        node transforms applied).

    Returns
    -------
    vertices : ndarray of shape (N, 3) float64, in the file's units
    faces : ndarray of shape (M, 3) int64
    sha256 : str
        Hex digest of the file bytes.
    """
    try:
        path = Path(os.fspath(path))
    except TypeError as exc:
        raise errors.MeshFileError(
            f"load_leg needs a file path, got {type(path).__name__}. Pass the path of an STL, "
            "OBJ, PLY, OFF, GLB or GLTF file, or use Leg.from_arrays(vertices, faces)."
        ) from exc
    if not path.exists():
        raise errors.MeshFileError(
            f"Mesh file '{path}' does not exist. Check the path (relative paths are taken from "
            f"the current directory, {Path.cwd()})."
        )
    if path.is_dir():
        raise errors.MeshFileError(f"'{path}' is a directory; pass the path of a mesh file.")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise errors.MeshFileError(
            f"'{path.name}' has the unsupported extension '{suffix}'. Supported: "
            f"{', '.join(SUPPORTED_SUFFIXES)}; convert the file (e.g. with MeshLab or Blender)."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise errors.MeshFileError(
            f"Mesh file '{path}' cannot be read ({exc}). Check its permissions."
        ) from exc
    if len(data) == 0:
        raise errors.MeshFileError(f"Mesh file '{path}' is empty (0 bytes). Export the mesh again.")
    digest = hashlib.sha256(data).hexdigest()

    import trimesh

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plain = _plain_triangles(data, suffix)
            if plain is None:
                loaded = trimesh.load(str(path), force="mesh", process=False)
                plain = (getattr(loaded, "vertices", None), getattr(loaded, "faces", None))
        vertices = np.asarray(plain[0] if plain[0] is not None else np.zeros((0, 3)), dtype=float)
        faces = np.asarray(plain[1] if plain[1] is not None else np.zeros((0, 3)))
    except errors.StockingSimError:
        raise
    except Exception as exc:  # trimesh raises many types on garbage input
        raise errors.MeshFileError(
            f"Mesh file '{path.name}' could not be parsed as {suffix[1:].upper()} "
            f"({type(exc).__name__}: {exc}). Check that it is a valid mesh file (open it in a "
            "mesh viewer) or export it again."
        ) from exc
    if vertices.size == 0 or faces.size == 0:
        raise errors.MeshFileError(
            f"Mesh file '{path.name}' contains no triangles ({len(vertices)} vertices, "
            f"{len(faces)} faces). A leg needs a surface mesh; a point cloud must be meshed "
            "first (e.g. Poisson reconstruction in MeshLab)."
        )
    return vertices, faces, digest


def _plain_triangles(data: bytes, suffix: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Vertices and triangles of a PLY or OFF file straight from trimesh's format reader.

    The same arrays as ``trimesh.load(path, force="mesh", process=False)``, without building a
    ``Trimesh`` (its hashing and copies cost more than the parsing on a leg of 26k vertices).
    STL is left to ``trimesh.load``: some trimesh releases (4.6) merge an STL's repeated corners
    there even with ``process=False``, and the arrays must not depend on the release.
    Colours and normals in the file are ignored, as they are by the leg. None when the file
    needs trimesh's own handling (polygons other than triangles, a scene, other formats): the
    caller then loads it with ``trimesh.load``.
    """
    from trimesh.exchange import off, ply

    reader = {".ply": ply.load_ply, ".off": off.load_off}.get(suffix)
    if reader is None:
        return None
    kwargs = reader(io.BytesIO(data))
    if not isinstance(kwargs, dict) or {"geometry", "graph"} & set(kwargs):
        return None  # a scene of several geometries: trimesh's own path
    vertices, faces = kwargs.get("vertices"), kwargs.get("faces")
    if not (isinstance(vertices, np.ndarray) and isinstance(faces, np.ndarray)):
        return None
    if vertices.ndim != 2 or vertices.shape[1] != 3 or faces.ndim != 2 or faces.shape[1] != 3:
        return None
    if faces.dtype.kind not in "iu":
        return None
    return vertices, faces


def units_scale(length: float, units: str) -> tuple[float, str]:
    """Scale factor to metres for a mesh whose axis length is ``length`` in its own units.

    Parameters
    ----------
    length : float
        Length of the mesh along its axis, in the mesh's units.
    units : {"auto", "m", "cm", "mm", "in"}
        "auto" chooses between m, cm and mm; inches ("in", "inch", "inches") are only used
        when named. Any spelling of :data:`stockingsim._numbers.LENGTH_UNITS_M`.

    Returns
    -------
    scale : float
        Multiply coordinates by this to get metres.
    units : str
        The units used ("m", "cm", "mm" or "in").
    """
    lo, hi = LEG_LENGTH_RANGE_M
    auto = isinstance(units, str) and units.strip().lower() == "auto"
    name = "auto" if auto else length_unit(units)
    if name is None:
        raise errors.UnitsError(
            f"Unknown units {units!r}. Use 'm', 'cm', 'mm', 'in' or 'auto' (guess m, cm or mm "
            "from the size)."
        )
    units = name
    fits = {u: LENGTH_UNITS_M[u] for u in _AUTO_UNITS if lo <= length * LENGTH_UNITS_M[u] <= hi}
    if units == "auto":
        if not fits:
            raise errors.UnitsError(
                f"The mesh is {length:.4g} units long along its axis, which is not a leg in "
                f"metres, centimetres or millimetres (a leg mesh is {lo}-{hi} m long). "
                "Scale the mesh, or pass units='m', 'cm', 'mm' or 'in' if it really is that "
                "size."
            )
        best = min(fits, key=lambda u: abs(np.log(length * fits[u] / TYPICAL_LEG_LENGTH_M)))
        return fits[best], best
    scale = LENGTH_UNITS_M[units]
    if not lo <= length * scale <= hi:
        hint = f" With units='{next(iter(fits))}' it would be." if fits else ""
        raise errors.UnitsError(
            f"With units='{units}' the leg would be {length * scale:.4g} m long, but a leg "
            f"mesh is {lo}-{hi} m long.{hint} Pass the units the mesh was saved in, or 'auto'."
        )
    return scale, units


def _as_vertices(vertices) -> np.ndarray:
    try:
        v = np.asarray(vertices, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise errors.MeshError(
            f"vertices must be a numeric array of shape (N, 3) ({exc}). Pass x, y, z "
            "coordinates as floats."
        ) from exc
    if v.ndim != 2 or v.shape[1] != 3:
        transposed = " (the transpose, vertices.T, has it)" if v.ndim == 2 and len(v) == 3 else ""
        raise errors.MeshError(
            f"vertices must have shape (N, 3), got {v.shape}{transposed}. Pass one x, y, z row "
            "per vertex."
        )
    if len(v) < 4:
        raise errors.MeshError(
            f"The mesh has only {len(v)} vertices; a leg surface needs thousands. Check that the "
            "whole mesh was passed."
        )
    finite = np.isfinite(v)
    if not finite.all():  # (the per-row test only then: it is slow on (N, 3) rows)
        bad = ~finite.all(axis=1)
        raise errors.MeshError(
            f"{int(bad.sum())} of {len(v)} vertices have NaN or infinite coordinates (first: "
            f"vertex {int(np.flatnonzero(bad)[0])}). Repair or re-export the mesh."
        )
    return v


def _as_faces(faces, n_vertices: int) -> np.ndarray:
    try:
        f = np.asarray(faces)
        if f.dtype.kind == "f":
            if not np.isfinite(f).all() or np.any(f != np.round(f)):
                raise ValueError("non-integer face indices")
            f = f.astype(np.int64)
        elif f.dtype.kind in "iub":
            f = f.astype(np.int64)
        else:
            raise ValueError(f"dtype {f.dtype}")
    except (TypeError, ValueError, OverflowError) as exc:
        raise errors.MeshError(
            f"faces must be an integer array of shape (M, 3) of vertex indices ({exc})."
        ) from exc
    if f.ndim == 2 and f.shape[0] == 3 and f.shape[1] > 3:
        raise errors.MeshError(
            f"faces must have shape (M, 3) (triangles), got {f.shape}: one column per face. "
            "Pass the transpose (faces.T), one row of three vertex indices per face."
        )
    if f.ndim != 2 or f.shape[1] != 3:
        raise errors.MeshError(
            f"faces must have shape (M, 3) (triangles), got {f.shape}. Triangulate quads or "
            "polygons first (e.g. trimesh or MeshLab)."
        )
    if len(f) < 4:
        raise errors.MeshError(
            f"The mesh has only {len(f)} faces; a leg surface needs thousands. Check that the "
            "whole mesh was passed."
        )
    if f.min() < 0 or f.max() >= n_vertices:
        raise errors.MeshError(
            f"Face indices must lie in [0, {n_vertices - 1}] (there are {n_vertices} vertices), "
            f"got [{f.min()}, {f.max()}]. Indices are 0-based; subtract 1 if they come from a "
            "1-based format."
        )
    return f


def column_bounds(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest coordinate of (N, 3) points, column by column.

    The same as ``v.min(axis=0)``, ``v.max(axis=0)``, about 4 x faster on millions of rows
    (numpy reduces an (N, 3) array over its first axis three numbers at a time).
    """
    lo = np.array([v[:, k].min() for k in range(v.shape[1])])
    hi = np.array([v[:, k].max() for k in range(v.shape[1])])
    return lo, hi


#: Fibonacci hashing multiplier (2**64 / golden ratio, odd): spreads the grid keys over 32 bits
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def _any_repeated(key: np.ndarray) -> bool:
    """Whether any two of the int64 ``key`` are equal, exactly.

    Most meshes have no duplicates, and sorting tells; a 32-bit hash of the keys sorts in
    about half the time of the keys themselves (half the memory traffic). Equal keys have
    equal hashes, so no repeated hash means no repeated key; the few hash collisions
    (about n**2 / 2**33 pairs: ~300 at 1.6M vertices) are then checked on the keys.
    """
    hashed = key.view(np.uint64) * _HASH_MULTIPLIER  # wraps modulo 2**64, as hashing wants
    hashed >>= np.uint64(32)
    hashed = hashed.astype(np.uint32)
    sorted_hash = np.sort(hashed)
    collided = sorted_hash[1:] == sorted_hash[:-1]
    if not collided.any():
        return False
    # the keys whose hash collided, found through a 1 MB table of the colliding hashes' low
    # 20 bits (a lookup that stays in cache, unlike a search of every hash); the few keys
    # that share those bits by chance only join the exact check
    low_bits = np.uint32(2**20 - 1)
    table = np.zeros(2**20, dtype=bool)
    table[sorted_hash[1:][collided] & low_bits] = True
    del sorted_hash, collided
    candidates = np.sort(key[table[hashed & low_bits]])
    return bool(np.any(candidates[1:] == candidates[:-1]))


def merge_vertices(
    v: np.ndarray, f: np.ndarray, lo: np.ndarray, extent: float
) -> tuple[np.ndarray, np.ndarray]:
    """Merge vertices that coincide on a grid of 1e-6 of the mesh extent; drop collapsed faces.

    ``lo`` is the lowest corner of the mesh's bounding box and ``extent`` its largest side.
    The order of the kept vertices is preserved (first occurrence), so a mesh without
    duplicates keeps its vertex indices.
    """
    bits = 20
    # the key (x << 42) | (y << 21) | z of the rounded grid coordinates, one column at a time
    # (two column-sized work arrays instead of five (N, 3) temporaries)
    key = np.zeros(len(v), dtype=np.int64)
    for k in range(3):
        c = v[:, k] - lo[k]
        c /= extent
        c *= 2**bits - 1
        np.rint(c, out=c)
        key <<= bits + 1
        key |= c.astype(np.int64)
    del c
    repeated = _any_repeated(key)
    first, inverse = unique_inverse(key) if repeated else (None, None)
    if repeated and len(first) < len(v):
        order = np.argsort(first, kind="stable")
        new_of_group = np.empty(len(first), dtype=np.int64)
        new_of_group[order] = np.arange(len(first))
        v = v[first[order]]
        f = new_of_group[inverse.reshape(-1)][f]
    ok = (f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 2] != f[:, 0])
    return v, f[ok] if not ok.all() else f


def require_area(total: float, name: str) -> None:
    """MeshError unless the faces' total area is positive and finite."""
    if not total > 0 or not np.isfinite(total):
        raise errors.MeshError(
            f"{name}: the faces have zero total area (all vertices on a line or a point). "
            "Check the mesh."
        )


def largest_component(
    v: np.ndarray, f: np.ndarray, name: str, label: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the connected component with the largest area; warn when others are dropped.

    ``label`` is the component of every vertex (:func:`_edge_graph`). The face areas are
    computed only when there are several components, to choose between them.
    """
    n_comp = int(label.max()) + 1
    if n_comp == 1:  # a vertex in no face would be a component of its own: all are used
        return v, f
    face_label = label[f[:, 0]]
    comp_area = np.bincount(face_label, face_geometry(v, f)[1], minlength=n_comp)
    require_area(comp_area.sum(), name)
    keep = int(np.argmax(comp_area))
    n_faced = int((np.bincount(face_label, minlength=n_comp) > 0).sum())
    if n_faced > 1:
        share = comp_area[keep] / comp_area.sum()
        warnings.warn(
            f"{name}: the mesh has {n_faced} separate parts; kept the largest "
            f"({100 * share:.1f} % of the area) as the leg and dropped the others "
            "(e.g. the other leg, a scanning base or loose fragments). Remove them before "
            "loading to silence this warning.",
            errors.MeshWarning,
            stacklevel=4,
        )
    f = f[face_label == keep]
    used = np.zeros(len(v), dtype=bool)
    used[f.ravel()] = True
    if not used.all():
        remap = np.cumsum(used) - 1
        v = v[used]
        f = remap[f]
    return v, f


def _edge_graph(f: np.ndarray, n: int) -> tuple[np.ndarray, bool]:
    """Connected-component label of every vertex, and whether every directed edge is unique.

    One sparse graph of the three directed edges of every face, (f0, f1), (f1, f2), (f2, f0),
    with 32-bit indices and one-byte weights (the graph routines need only its structure);
    building it merges repeated entries, so it has fewer entries than the faces have edges
    exactly when a directed edge repeats. Components are numbered in order of their lowest
    vertex. When no directed edge is repeated the winding is consistent
    and no edge has more than two faces (three faces on an edge give two of them one
    direction), so :func:`fix_winding` has nothing to do; that also holds for any subset of
    the faces.
    """
    index = np.int32 if n < 2**31 else np.int64
    rows = f.astype(index).reshape(-1)  # f0, f1, f2 of every face
    cols = np.empty_like(rows)  # f1, f2, f0: the rows shifted by one, each face's f0 last
    cols[:-1] = rows[1:]
    cols[2::3] = rows[0::3]
    ones = np.ones(len(rows), dtype=bool)
    graph = coo_matrix((ones, (rows, cols)), shape=(n, n)).tocsr()
    unique = graph.nnz == len(rows)
    del rows, cols, ones
    # every face is a directed cycle f0 -> f1 -> f2 -> f0, so its corners reach each other and
    # the strong components are the mesh's components, whatever the winding and the borders:
    # no transposed copy of the graph, as the undirected search makes (scipy numbers them by
    # their lowest vertex too; tests/test_leg_load.py checks both against the undirected ones)
    return connected_components(graph, directed=True, connection="strong")[1], unique


def fix_winding(v: np.ndarray, f: np.ndarray, name: str = "mesh") -> np.ndarray:
    """Make the face winding consistent (trimesh's traversal) when it is not.

    Warns (MeshWarning) when edges are shared by more than two faces (non-manifold): the
    sections near them may pick up spurious loops.
    """
    a = f.ravel()  # edges (f0, f1), (f1, f2), (f2, f0) of every face
    b = f[:, [1, 2, 0]].ravel()
    # one sort serves both checks: key = undirected edge * 2 + direction
    key = np.minimum(a, b)  # built in place: one edge-sized array instead of five
    key *= len(v)
    key += np.maximum(a, b)
    key *= 2
    key += a > b
    del b
    key.sort()
    undirected = key >> 1
    same = undirected[2:] == undirected[:-2]  # three faces on one edge
    if same.any():
        n_bad = len(np.unique(undirected[2:][same]))
        warnings.warn(
            f"{name}: {n_bad} edges are shared by more than two faces (non-manifold). Sections "
            "through them may be wrong; repair the mesh (e.g. MeshLab: Filters > Cleaning and "
            "Repairing > Repair non Manifold Edges).",
            errors.MeshWarning,
            stacklevel=4,
        )
    if not np.any(key[1:] == key[:-1]):
        return f  # every directed edge once: consistent
    import trimesh

    mesh = trimesh.Trimesh(v, f, process=False)
    trimesh.repair.fix_winding(mesh)
    return np.asarray(mesh.faces, dtype=np.int64)


def clean_arrays(vertices, faces, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate and clean arrays: shapes, finiteness, index range, duplicates, components.

    Returns
    -------
    vertices : ndarray of shape (N, 3) float64
    faces : ndarray of shape (M, 3) int64
        Consistently wound (orientation not yet checked). Neither shares memory with the
        arrays passed in: the leg freezes its arrays, and the caller's stay as they were.

    Notes
    -----
    A mesh in several parts has its face areas computed here, to keep the largest part, and
    a zero total area is reported then. A mesh in one part has its area checked by the
    caller with :func:`require_area`, on the face geometry it computes anyway
    (``Leg.from_arrays``), so cleaning does not compute the areas a second time.
    """
    v = _as_vertices(vertices)
    f = _as_faces(faces, len(v))
    lo, hi = column_bounds(v)
    extent = float((hi - lo).max())
    if not extent > 0:
        raise errors.MeshError(
            f"{name}: all vertices are at the same point. Check the export of the mesh."
        )
    v, f = merge_vertices(v, f, lo, extent)
    if len(f) < 4:
        raise errors.MeshError(
            f"{name}: after merging duplicate vertices only {len(f)} non-degenerate faces are "
            "left. The mesh is degenerate; re-export it."
        )
    label, unique_edges = _edge_graph(f, len(v))
    v, f = largest_component(v, f, name, label)
    if len(f) < 4:
        raise errors.MeshError(f"{name}: the largest part of the mesh has only {len(f)} faces.")
    if not unique_edges:  # a repeated directed edge: wound inconsistently or non-manifold
        f = fix_winding(v, f, name)
    if v is vertices or not v.flags.owndata:  # still the caller's memory: the leg's own copy
        v = v.copy()
    return v, f
