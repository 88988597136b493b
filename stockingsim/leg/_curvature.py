"""Per-vertex normal curvature of a triangle mesh, in the hoop and axial directions of a leg.

The algorithm is the per-face second fundamental form of Rusinkiewicz (2004): on every face the
2x2 tensor ``II`` is fitted by least squares so that, for each of the three edges ``e``, the change
of the vertex normal along the edge is ``dn = II e``. The three face tensors around a vertex are
re-expressed in the vertex's own tangent frame (hoop, axial) and averaged with Voronoi corner
weights (Meyer et al. 2003). Everything is vectorized over faces with numpy; the only Python
loop is over the three corners of a triangle.

Sign: with outward vertex normals, convex regions have positive curvature (a cylinder of radius
``r`` gives ``hoop = 1/r``), concave regions negative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stockingsim import errors
from stockingsim.leg._blocks import row_blocks

__all__ = ["VertexCurvature", "vertex_curvature", "vertex_normals_max"]

# a tangent direction shorter than this (axis almost parallel to the normal, e.g. the sole or a
# sphere's pole) is replaced by an arbitrary perpendicular unit vector (assumption: numerical)
_DEGENERATE_SIN = 1e-9


@dataclass(frozen=True)
class VertexCurvature:
    """Normal curvatures of a surface at its vertices (1/m, positive where convex).

    Attributes
    ----------
    hoop : ndarray of shape (N,)
        Normal curvature in the hoop direction ``normalize(axis x n)`` (around the leg).
    axial : ndarray of shape (N,)
        Normal curvature in the axial direction ``n x hoop`` (up the leg).
    k1, k2 : ndarray of shape (N,)
        Principal curvatures, ``k1 >= k2``.
    """

    hoop: np.ndarray
    axial: np.ndarray
    k1: np.ndarray
    k2: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """Mean curvature ``(k1 + k2) / 2`` (1/m), shape (N,)."""
        return 0.5 * (self.k1 + self.k2)

    @property
    def gaussian(self) -> np.ndarray:
        """Gaussian curvature ``k1 * k2`` (1/m^2), shape (N,)."""
        return self.k1 * self.k2


def _normalize(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors along the rows of ``v`` (N, 3) and the row lengths (zero rows stay zero)."""
    length = np.sqrt(np.einsum("ij,ij->i", v, v))
    safe = np.where(length > 0.0, length, 1.0)
    return v / safe[:, None], length


# The per-face arithmetic below works on component-major arrays of shape (3, M): every
# operation then streams over contiguous 1-D rows, which is several times faster than numpy's
# generic (M, 3) routines (np.cross, row-wise einsum) on millions of faces.
def _d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dot products of the columns of two (3, M) arrays."""
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _x(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross products of the columns of two (3, M) arrays."""
    out = np.empty((3, *np.broadcast_shapes(a.shape[1:], b.shape[1:])))
    for k in range(3):  # written into one array: no three temporaries stacked afterwards
        i, j = (k + 1) % 3, (k + 2) % 3
        np.multiply(a[i], b[j], out=out[k])
        out[k] -= a[j] * b[i]
    return out


def _unit(a: np.ndarray, in_place: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Unit columns of a (3, M) array and their lengths (zero columns stay zero).

    ``in_place`` scales ``a`` itself (for a temporary the caller no longer needs).
    """
    length = np.sqrt(_d(a, a))
    inv = np.divide(1.0, length, out=np.zeros_like(length), where=length > 0.0)
    if in_place:
        a *= inv
        return a, length
    return a * inv, length


def _check_mesh(vertices, faces) -> tuple[np.ndarray, np.ndarray]:
    try:
        v = np.asarray(vertices, dtype=np.float64)
        f = np.asarray(faces)
    except (TypeError, ValueError) as exc:
        raise errors.MeshError(
            "vertices and faces must be numeric arrays of shape (N, 3) and (M, 3); "
            "convert them with numpy before calling vertex_curvature."
        ) from exc
    if v.ndim != 2 or v.shape[1] != 3 or v.shape[0] < 3:
        raise errors.MeshError(
            f"vertices must have shape (N, 3) with N >= 3, got {v.shape}; pass the mesh's "
            "vertex coordinates."
        )
    if f.ndim != 2 or f.shape[1] != 3 or f.shape[0] < 1:
        raise errors.MeshError(
            f"faces must have shape (M, 3) with M >= 1 (triangles), got {f.shape}; "
            "triangulate the mesh first (e.g. trimesh does this on load)."
        )
    if not np.issubdtype(f.dtype, np.integer):
        if not np.issubdtype(f.dtype, np.number) or not np.all(np.isfinite(f)):
            raise errors.MeshError("faces must hold integer vertex indices; fix the face array.")
        if np.any(f != np.round(f)):
            raise errors.MeshError("faces must hold integer vertex indices; fix the face array.")
    f = f.astype(np.int64, copy=False)
    if not np.all(np.isfinite(v)):
        raise errors.MeshError(
            "vertices contain NaN or inf coordinates; remove or repair those vertices."
        )
    if f.min() < 0 or f.max() >= v.shape[0]:
        raise errors.MeshError(
            f"faces refer to vertex indices outside 0..{v.shape[0] - 1}; the face array does "
            "not belong to these vertices."
        )
    return v, f


#: faces per block: temporaries of 128 kB stay in the CPU cache (assumption: tuning). Not
#: leg._blocks.BLOCK: a vertex's sums come block by block, so this size is part of its bits
_BLOCK = 16384


def _blocks(n_faces: int, face_ids: np.ndarray | None = None):
    """Slices of consecutive faces, ``_BLOCK`` at a time.

    ``face_ids`` (increasing): the faces are these faces of a larger mesh, and the blocks are
    those of the larger mesh's faces. The sums onto a vertex then come in the same order
    (block by block, and within a block corner by corner), so they give the same bits.
    """
    if face_ids is None:
        yield from row_blocks(n_faces, _BLOCK)
        return
    last = int(face_ids[-1]) if len(face_ids) else 0
    cuts = np.searchsorted(face_ids, np.arange(0, last + _BLOCK, _BLOCK)).tolist()
    for start, stop in zip(cuts[:-1], cuts[1:]):
        if stop > start:
            yield slice(start, stop)


def _corners(f: np.ndarray, sl: slice) -> list[np.ndarray]:
    """The three corner index columns of a block of faces (views: no face-sized copy)."""
    return [f[sl, j] for j in range(3)]


def _block_corners(f: np.ndarray, sl: slice, used: np.ndarray | None) -> list[np.ndarray]:
    """The corner index columns of a block of faces, only the ``used`` ones when given.

    ``np.add.at`` adds in index order, so a vertex whose faces are all used gets its sums
    added in the same order as without ``used``: the same bits.
    """
    if used is None:
        return _corners(f, sl)
    rows = f[sl][used[sl]]
    return [rows[:, j] for j in range(3)]


def _faces_around(f: np.ndarray, vertex_mask: np.ndarray) -> np.ndarray:
    """Mask of the faces with at least one corner in ``vertex_mask``."""
    return vertex_mask[f[:, 0]] | vertex_mask[f[:, 1]] | vertex_mask[f[:, 2]]


def _max_normals(vt: np.ndarray, f: np.ndarray, face_ids: np.ndarray | None = None) -> np.ndarray:
    """Max-weighted unit vertex normals, (3, N), accumulated block by block (:func:`_blocks`)."""
    normals = np.zeros_like(vt)
    for sl in _blocks(f.shape[0], face_ids):
        idx = _corners(f, sl)
        p0, p1, p2 = (np.take(vt, i, axis=1) for i in idx)
        e0, e1, e2 = p2 - p1, p0 - p2, p1 - p0
        l0, l1, l2 = _d(e0, e0), _d(e1, e1), _d(e2, e2)
        cross = _x(e1, e2)  # twice the area vector (outward for counter-clockwise faces)
        # corner j lies between the two edges not opposite it
        for j, denom in enumerate((l1 * l2, l2 * l0, l0 * l1)):
            w = np.divide(1.0, denom, out=np.zeros_like(denom), where=denom > 0.0)
            for k in range(3):
                np.add.at(normals[k], idx[j], cross[k] * w)
    return _unit(normals, in_place=True)[0]


def vertex_normals_max(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Unit vertex normals with Max's (1999) weights, oriented by the face winding.

    Each face adds ``(a x b) / (|a|^2 |b|^2)`` to each of its corners, ``a`` and ``b`` being the
    two edges leaving the corner. These weights give the exact normal on a sphere, which is why
    curvature estimators that differentiate normals use them.

    Parameters
    ----------
    vertices : ndarray of shape (N, 3)
    faces : ndarray of shape (M, 3), counter-clockwise seen from outside

    Returns
    -------
    ndarray of shape (N, 3)
        Unit normals (zero for vertices without faces).

    References
    ----------
    Max N. (1999), Weights for computing vertex normals from facet normals, J. Graphics Tools
    4(2):1-6, doi:10.1080/10867651.1999.10487501.
    """
    v, f = _check_mesh(vertices, faces)
    return _max_normals(np.ascontiguousarray(v.T), f).T.copy()


def _corner_areas(area: np.ndarray, len2: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """Voronoi ("mixed") area of each corner of each face: three (M,) arrays.

    Corner ``j`` is opposite the edge of squared length ``len2[j]``. Acute triangles are split
    by the circumcentre; an obtuse triangle gives half its area to the obtuse corner and a
    quarter to each other corner (Meyer et al. 2003).
    """
    l0, l1, l2 = len2
    ew = [l0 * (l1 + l2 - l0), l1 * (l2 + l0 - l1), l2 * (l0 + l1 - l2)]
    total = ew[0] + ew[1] + ew[2]
    scale = np.divide(0.5 * area, total, out=np.zeros_like(area), where=total > 0.0)
    out = [scale * (ew[1] + ew[2]), scale * (ew[2] + ew[0]), scale * (ew[0] + ew[1])]
    obtuse = [w <= 0.0 for w in ew]
    any_obtuse = obtuse[0] | obtuse[1] | obtuse[2]
    for j in range(3):
        out[j] = np.where(any_obtuse, np.where(obtuse[j], 0.5 * area, 0.25 * area), out[j])
    return out


def _tangent_frame(normals: np.ndarray, axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hoop ``normalize(axis x n)`` and axial ``n x hoop`` unit tangents, (3, N) each."""
    hoop, length = _unit(_x(axis, normals), in_place=True)
    bad = length < _DEGENERATE_SIN
    if np.any(bad):
        # axis parallel to the normal: any tangent will do (the hoop direction is undefined there)
        nb = normals[:, bad]
        trial = np.zeros_like(nb)
        use_x = np.abs(nb[0]) < 0.9
        trial[0, use_x] = 1.0
        trial[1, ~use_x] = 1.0
        hoop[:, bad] = _unit(_x(nb, trial))[0]
    return hoop, _x(normals, hoop)


def _accumulate_tensor(vt, f, normals, hoop, axial, used=None, face_ids=None) -> np.ndarray:
    """Per vertex, the Voronoi-weighted sums of the tensor's (hh, ha, aa) and of the weights.

    Faces in cache-sized blocks: the second fundamental form fitted on each face, evaluated in
    each corner vertex's (hoop, axial) frame rotated into the face plane; (4, N). ``used``, a
    mask of the faces, skips the others; the blocks stay those of all the faces, so a vertex
    whose faces are all used gets its sums added in the same order: the same bits.
    ``face_ids``: see :func:`_blocks`.
    """
    acc = np.zeros((4, vt.shape[1]))
    for sl in _blocks(f.shape[0], face_ids):
        idx = _block_corners(f, sl, used)
        p0, p1, p2 = (np.take(vt, i, axis=1) for i in idx)
        nv = [np.take(normals, i, axis=1) for i in idx]
        # edge j is opposite corner j
        e0, e1, e2 = p2 - p1, p0 - p2, p1 - p0
        len2 = (_d(e0, e0), _d(e1, e1), _d(e2, e2))
        # face frame (u, w); face normal oriented like the vertex normals
        nf, twice_area = _unit(_x(e0, e1), in_place=True)
        nf *= np.where(_d(nf, nv[0] + nv[1] + nv[2]) < 0.0, -1.0, 1.0)
        u = _unit(e0)[0]
        w = _x(nf, u)

        # least squares for II = [[L, M], [M, N]] from dn = II e over the three edges: rows
        # [a, b, 0] x = c and [0, a, b] x = d with a = e.u, b = e.w, c = dn.u, d = dn.w
        saa = sab = sbb = r1 = r2 = r3 = 0.0
        for e, dn in ((e0, nv[2] - nv[1]), (e1, nv[0] - nv[2]), (e2, nv[1] - nv[0])):
            a, b = _d(e, u), _d(e, w)
            c, d = _d(dn, u), _d(dn, w)
            saa = saa + a * a
            sab = sab + a * b
            sbb = sbb + b * b
            r1 = r1 + a * c
            r2 = r2 + b * c + a * d
            r3 = r3 + b * d
        # [[saa, sab, 0], [sab, saa + sbb, sab], [0, sab, sbb]] x = r by Cramer's rule
        m22 = saa + sbb
        c11 = m22 * sbb - sab * sab
        det = saa * c11 - sab * sab * sbb
        inv_det = np.divide(1.0, det, out=np.zeros_like(det), where=det != 0.0)
        t1 = r2 * sbb - sab * r3
        fl = (r1 * c11 - sab * t1) * inv_det
        fm = (saa * t1 - r1 * sab * sbb) * inv_det
        fn = (saa * (m22 * r3 - r2 * sab) - sab * sab * (r3 - r1)) * inv_det

        corner = _corner_areas(0.5 * twice_area, len2)
        for j in range(3):
            n_j = nv[j]
            h_j = np.take(hoop, idx[j], axis=1)
            a_j = np.take(axial, idx[j], axis=1)
            # rotate the vertex frame into the face plane (Rusinkiewicz's rotate_coord_sys):
            # t -> t - (n_v + n_f) (n_f . t) / (1 + n_v . n_f) for t perpendicular to n_v
            ndot = _d(n_j, nf)
            inv = np.divide(1.0, 1.0 + ndot, out=np.zeros_like(ndot), where=ndot > -0.999999)
            nu, nw = _d(n_j, u), _d(n_j, w)  # (n_v + n_f).u = n_v.u since n_f.u = 0
            hf = _d(h_j, nf) * inv
            af = _d(a_j, nf) * inv
            hu, hw = _d(h_j, u) - nu * hf, _d(h_j, w) - nw * hf
            au, aw = _d(a_j, u) - nu * af, _d(a_j, w) - nw * af
            wt = corner[j]
            np.add.at(acc[0], idx[j], wt * (fl * hu * hu + 2.0 * fm * hu * hw + fn * hw * hw))
            np.add.at(acc[1], idx[j], wt * (fl * hu * au + fm * (hu * aw + hw * au) + fn * hw * aw))
            np.add.at(acc[2], idx[j], wt * (fl * au * au + 2.0 * fm * au * aw + fn * aw * aw))
            np.add.at(acc[3], idx[j], wt)

    return acc


def _curvature_sums(v, f, ax, given, used, face_ids=None) -> np.ndarray:
    """Normals, tangent frames and the tensor sums of :func:`vertex_curvature`, (4, N).

    ``face_ids``: the faces are these of a larger mesh, and are summed in its blocks.
    """
    vt = np.ascontiguousarray(v.T)
    # computed normals are made unit once more, as given ones are (a unit vector divided by its
    # rounded length): a leg's curvature is then the same to the bit from its own normals
    raw = _max_normals(vt, f, face_ids) if given is None else np.array(given.T, order="C")
    normals = _unit(raw, in_place=True)[0]
    del raw
    # one axis for the whole mesh stays a (3, 1) column (broadcast, no (3, N) copy)
    ax_cm = ax.reshape(3, 1) if ax.shape == (3,) else np.ascontiguousarray(ax.T)
    hoop, axial = _tangent_frame(normals, ax_cm)
    del ax_cm  # the (3, N) copy of a per-vertex axis is not needed any more
    return _accumulate_tensor(vt, f, normals, hoop, axial, used, face_ids)


def _curvature_sums_at(v, f, ax, given, wanted) -> np.ndarray:
    """:func:`_curvature_sums` for the wanted vertices only, on the part of the mesh they need.

    The tensor is summed over the faces around the wanted vertices, and reads the normals of
    those faces' corners; computing those normals needs the faces around the corners too.
    Only that part of the mesh is visited (its faces in their order and in the whole mesh's
    blocks, renumbered vertices), so every per-vertex array is as long as the part, and each
    wanted vertex gets its sums from the same faces in the same order: the same bits as on
    the whole mesh.
    """
    used = _faces_around(f, wanted)
    near = np.zeros(len(v), dtype=bool)
    near[f[used].reshape(-1)] = True  # the corners whose normals the tensor reads
    part = used if given is not None else _faces_around(f, near)
    keep = np.zeros(len(v), dtype=bool)
    keep[f[part].reshape(-1)] = True
    index = np.flatnonzero(keep)
    renumber = np.cumsum(keep) - 1
    face_ids = np.flatnonzero(part)
    sums = _curvature_sums(
        v[index],
        renumber[f[face_ids]],
        ax if ax.shape == (3,) else ax[index],
        None if given is None else given[index],
        used[face_ids],
        face_ids,
    )
    acc = np.zeros((4, len(v)))
    acc[:, index] = sums
    return acc


def vertex_curvature(
    vertices: np.ndarray,
    faces: np.ndarray,
    axis: np.ndarray,
    vertex_normals: np.ndarray | None = None,
    *,
    at: np.ndarray | None = None,
) -> VertexCurvature:
    """Normal curvature at every vertex in the hoop and axial directions, and principal curvatures.

    On each face the second fundamental form ``II`` (a symmetric 2x2 tensor in the face plane)
    is fitted by least squares so that ``dn = II e`` for the three edges ``e`` and the changes
    ``dn`` of the vertex normals along them (Rusinkiewicz 2004; the 3x3 normal equations are
    solved in closed form for all faces at once). Each corner vertex's (hoop, axial) frame is
    rotated into the face plane by the smallest rotation taking the vertex normal onto the face
    normal, the tensor is evaluated in that frame, and the results are averaged over the faces
    around the vertex with Voronoi corner weights (Meyer et al. 2003). Principal curvatures are
    the eigenvalues of the averaged 2x2 tensor. Faces are processed in cache-sized blocks (a
    loop over blocks of thousands of faces, vectorized inside) and summed onto the vertices with
    ``np.add.at``: no face-sized temporaries are allocated, so memory stays at a few arrays of
    the vertex count and the arithmetic runs in the CPU cache.

    Parameters
    ----------
    vertices : ndarray of shape (N, 3)
        Vertex coordinates (any length unit; curvatures come out in its inverse, 1/m for metres).
    faces : ndarray of shape (M, 3)
        Triangles, counter-clockwise seen from outside (used when ``vertex_normals`` is None).
    axis : ndarray of shape (3,) or (N, 3)
        Leg axis (up the leg), one for the whole mesh or one per vertex (local centreline
        tangent). Need not be unit length.
    vertex_normals : ndarray of shape (N, 3), optional
        Outward normals. Default: Max-weighted face normals (:func:`vertex_normals_max`), which
        are exact on spheres and make this estimator second-order accurate; other normals
        (e.g. area-weighted) work but are less accurate.
    at : ndarray of shape (N,) bool, optional
        Only these vertices are wanted (a stocking's covered part): only the faces around
        them are visited, and the other vertices get 0. The wanted ones get the same values,
        to the bit, as without ``at``.

    Returns
    -------
    VertexCurvature
        ``hoop``, ``axial``, ``k1 >= k2``, each of shape (N,), positive where convex. Where the
        axis is parallel to the normal (sole, poles) the hoop direction is undefined and an
        arbitrary tangent is used. Vertices without faces get 0.

    Raises
    ------
    stockingsim.errors.MeshError
        Bad shapes, NaN/inf coordinates or face indices out of range.

    References
    ----------
    Rusinkiewicz S. (2004), Estimating curvatures and their derivatives on triangle meshes,
    Proc. 3DPVT, doi:10.1109/TDPVT.2004.1335277.
    Meyer M., Desbrun M., Schroeder P., Barr A. H. (2003), Discrete differential-geometry
    operators for triangulated 2-manifolds, Visualization and Mathematics III,
    doi:10.1007/978-3-662-05105-4_2.
    Max N. (1999), Weights for computing vertex normals from facet normals, J. Graphics Tools
    4(2):1-6, doi:10.1080/10867651.1999.10487501.

    Examples
    --------
    >>> import trimesh
    >>> s = trimesh.creation.icosphere(subdivisions=3, radius=0.05)
    >>> c = vertex_curvature(s.vertices, s.faces, axis=[0.0, 0.0, 1.0])
    >>> bool(np.allclose(c.hoop, 20.0) and np.allclose(c.k2, 20.0))
    True
    """
    v, f = _check_mesh(vertices, faces)
    n_vertices = v.shape[0]
    ax = np.asarray(axis, dtype=np.float64)
    if ax.shape not in ((3,), v.shape) or not np.all(np.isfinite(ax)):
        raise errors.MeshError(
            f"axis must be a finite (3,) vector or an (N, 3) array with N = {n_vertices}, "
            f"got shape {np.shape(axis)}; pass the leg axis (e.g. leg.frame.axis)."
        )
    given = None
    if vertex_normals is not None:
        given = np.asarray(vertex_normals, dtype=np.float64)
        if given.shape != v.shape or not np.all(np.isfinite(given)):
            raise errors.MeshError(
                f"vertex_normals must be a finite array of shape {v.shape}, got {given.shape}; "
                "omit it to compute normals from the faces."
            )
    if at is None:
        wanted = None
        acc = _curvature_sums(v, f, ax, given, None)
    else:
        wanted = np.asarray(at, dtype=bool)
        if wanted.shape != (n_vertices,):
            raise errors.MeshError(
                f"at must be a boolean mask of the {n_vertices} vertices, got shape "
                f"{wanted.shape}; omit it for every vertex."
            )
        acc = _curvature_sums_at(v, f, ax, given, wanted)
    s_hh, s_ha, s_aa, weight = acc
    inv_w = np.divide(1.0, weight, out=np.zeros_like(weight), where=weight > 0.0)
    s_hh *= inv_w
    s_ha *= inv_w
    s_aa *= inv_w
    if wanted is not None:  # the vertices not wanted have only some of their faces' sums
        for s in (s_hh, s_ha, s_aa):
            s[~wanted] = 0.0
    half_sum = 0.5 * (s_hh + s_aa)
    radius = np.sqrt((0.5 * (s_hh - s_aa)) ** 2 + s_ha * s_ha)
    return VertexCurvature(hoop=s_hh, axial=s_aa, k1=half_sum + radius, k2=half_sum - radius)
