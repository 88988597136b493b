"""The :class:`Leg`: a leg surface with its frame, sections, landmarks and curvature."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim._numbers import as_number
from stockingsim.leg._frame import principal_axes, unit
from stockingsim.leg._frame_fit import FittedFrame, along, face_geometry, fit_frame
from stockingsim.leg._hash import _sha256_arrays
from stockingsim.leg._landmarks import (
    LANDMARK_NAMES,
    Landmark,
    detect_landmarks,
    landmarks_on_sections,
    warn_if_not_an_ankle,
)
from stockingsim.leg._load import clean_arrays, require_area, units_scale
from stockingsim.leg._sections import Section, face_height_index, slice_mesh

__all__ = ["Leg"]

#: how many calls of Leg.sections (with different heights) a leg remembers
SECTIONS_CACHE_SIZE = 4
#: heights closer than this are the same section plane (a mesh's float32 coordinates resolve
#: about 1e-8 m on a leg)
GRID_MATCH_M = 1e-10
PROFILE_COLUMNS = [
    "height_m",
    "circumference_m",
    "skin_circumference_m",
    "area_m2",
    "centroid_x_m",
    "centroid_y_m",
    "centroid_z_m",
]


class Leg:
    """A leg surface in metres with its frame, cross-sections, landmarks and curvature.

    Build one with :func:`load_leg`, :meth:`Leg.from_arrays`, :func:`bundled_leg` or
    :func:`parametric_leg`. A Leg is immutable in spirit: derived data (normals, sections of the
    girth profile, landmarks, curvature) is computed on first use and cached; methods that
    change something (:meth:`with_landmarks`) return a new Leg.

    Attributes
    ----------
    vertices : ndarray of shape (N, 3)
        Vertex coordinates, metres, world frame (as given, scaled to metres, duplicates merged,
        stray parts removed).
    faces : ndarray of shape (M, 3) int64
        Triangles, wound so that the normals point out of the leg.
    name : str
    source_hash : str
        sha256 of the file bytes (or of the input arrays).
    units : str
        Units the input was in ("m", "cm" or "mm").
    frame : LegFrame
        Global axis (up the leg), anterior and lateral directions, origin at the sole level.
    heights_m : ndarray of shape (N,)
        Height of every vertex along the axis, 0 at the lowest point.
    length_m : float
        Height of the highest point.

    Examples
    --------
    >>> import stockingsim as ss
    >>> leg = ss.bundled_leg()
    >>> 0.18 < leg.landmarks["B"].circumference_m < 0.28
    True
    """

    def __init__(
        self,
        vertices: np.ndarray,
        faces: np.ndarray,
        *,
        name: str,
        source_hash: str,
        units: str = "m",
        landmarks: Mapping[str, float] | None = None,
    ):
        # vertices/faces must already be clean (see from_arrays); this builds the frame
        self._init(vertices, faces, name, source_hash, units, landmarks, None)

    def _init(self, vertices, faces, name, source_hash, units, landmarks, geometry) -> None:
        """The constructor's work; ``geometry`` is the face geometry when already known."""
        self.vertices = np.ascontiguousarray(vertices, dtype=np.float64)
        self.faces = np.ascontiguousarray(faces, dtype=np.int64)
        self.name = str(name)
        self.source_hash = source_hash
        self.units = units
        self._set_frame(fit_frame(self.vertices, self.faces, self.name, geometry))
        self._landmark_overrides = self._check_overrides(landmarks or {})
        self.vertices.setflags(write=False)
        self.faces.setflags(write=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_arrays(
        cls,
        vertices,
        faces=None,
        units: str = "m",
        name: str | None = None,
        landmarks: Mapping[str, float] | None = None,
    ) -> Leg:
        """Build a Leg from vertex and face arrays.

        Parameters
        ----------
        vertices : array_like of shape (N, 3), or a mesh object
            Coordinates in ``units``; or, with ``faces`` left out, an object with ``vertices``
            and ``faces`` arrays (a ``trimesh.Trimesh``).
        faces : array_like of shape (M, 3)
            0-based vertex indices of the triangles. Any consistent or inconsistent winding;
            open surfaces (cut at the thigh, no sole) are fine.
        units : {"m", "cm", "mm", "in", "auto"}
            Units of ``vertices``; "auto" guesses m, cm or mm from the length (a leg is
            0.3-1.2 m long). Inches are never guessed: name them.
        name : str, optional
        landmarks : mapping of str to float, optional
            Landmark heights in metres that override detection, e.g. ``{"B": 0.11}``.

        Returns
        -------
        Leg

        Raises
        ------
        stockingsim.errors.MeshError
            Bad shapes, NaN/inf, face indices out of range, degenerate or not leg-like meshes.
        stockingsim.errors.UnitsError
            Unknown units, or a size that is not a leg in those units.
        """
        if faces is None:
            if not (hasattr(vertices, "vertices") and hasattr(vertices, "faces")):
                raise errors.MeshError(
                    "Leg.from_arrays needs faces: pass Leg.from_arrays(vertices, faces), or a "
                    "mesh object with vertices and faces (a trimesh.Trimesh)."
                )
            vertices, faces = vertices.vertices, vertices.faces
        source_hash = _sha256_arrays(vertices, faces)
        return cls._from_clean(vertices, faces, units, name or "leg", source_hash, landmarks)

    @classmethod
    def _from_clean(cls, vertices, faces, units, name, source_hash, landmarks) -> Leg:
        try:
            v, f = clean_arrays(vertices, faces, name)
            # length along the principal axis, in the input's units (rotation invariant)
            moments, area, centres = face_geometry(v, f)
            require_area(area.sum(), name)
            axes = principal_axes(centres, area)
            length = float(np.ptp(along(v, axes[0], axes[2][:, 2])))
            scale, used = units_scale(length, units)
            if scale != 1.0:  # the face geometry of the scaled mesh, computed once
                v = v * scale
                moments[:3] *= scale**3  # cross product (area) x centre (length)
                moments[3] *= scale * scale
                area *= scale * scale
                centres *= scale
                axes = None  # the frame fit computes them on the scaled mesh
            leg = cls.__new__(cls)
            leg._init(v, f, name, source_hash, used, landmarks, (moments, area, centres, axes))
            return leg
        except errors.StockingSimError:
            raise
        except (MemoryError, KeyboardInterrupt):
            raise
        except Exception as exc:  # a safety net: never a bare traceback from numpy
            raise errors.MeshError(
                f"{name}: the mesh could not be processed ({type(exc).__name__}: {exc}). Check "
                "that it is a single leg surface (triangles, metres/cm/mm) and repair it, e.g. "
                "with MeshLab; please report this if the mesh looks fine."
            ) from exc

    def _set_frame(self, fitted: FittedFrame) -> None:
        """Keep what :func:`~stockingsim.leg._frame_fit.fit_frame` found on this surface."""
        self.faces = fitted.faces
        self.face_areas = fitted.face_areas
        self.frame = fitted.frame
        self._centreline = fitted.centreline
        self.heights_m = fitted.heights_m
        self.length_m = fitted.length_m
        self._frame_grid = fitted.grid_m

    def _check_overrides(self, landmarks: Mapping[str, float]) -> dict[str, float]:
        if not isinstance(landmarks, Mapping):
            raise errors.LandmarkError(
                "landmarks must be a mapping {name: height in metres}, e.g. {'B': 0.11}."
            )
        out = {}
        for key, value in landmarks.items():
            if key not in LANDMARK_NAMES:
                raise errors.LandmarkError(
                    f"Unknown landmark {key!r}. Landmarks are {', '.join(LANDMARK_NAMES)}."
                )
            h = as_number(value, f"Landmark {key} height", errors.LandmarkError, unit="metres")
            if not (0.0 < h < self.length_m):
                raise errors.LandmarkError(
                    f"Landmark {key} at {h!r} m is outside this leg, which spans 0 to "
                    f"{self.length_m:.3f} m from the sole. Give heights in metres along the leg."
                )
            out[key] = h
        given = [(k, out[k]) for k in LANDMARK_NAMES if k in out]
        for (k1, h1), (k2, h2) in zip(given, given[1:]):
            if not h1 < h2:
                raise errors.LandmarkError(
                    f"Landmark {k1} ({h1:.3f} m) must be below {k2} ({h2:.3f} m): the order "
                    f"from the ankle up is {', '.join(LANDMARK_NAMES)}."
                )
        return out

    # ------------------------------------------------------------------ basic geometry
    @property
    def n_vertices(self) -> int:
        """Number of vertices."""
        return len(self.vertices)

    @cached_property
    def vertex_normals(self) -> np.ndarray:
        """Unit outward vertex normals with Max's (1999) weights, (N, 3).

        Max's weights give the exact normal on a sphere; the curvature estimator differentiates
        these normals, and area-weighted normals made it 10x less accurate (2.9 % vs 0.25 % on
        an elliptic cylinder with 128 vertices around) and stopped it converging.
        """
        from stockingsim.leg._curvature import vertex_normals_max

        out = vertex_normals_max(self.vertices, self.faces)
        out.setflags(write=False)
        return out

    @cached_property
    def vertex_areas(self) -> np.ndarray:
        """Area attributed to each vertex: one third of its faces' areas, m^2, (N,)."""
        a = np.bincount(self.faces.ravel(), np.repeat(self.face_areas, 3), self.n_vertices) / 3
        a.setflags(write=False)
        return a

    def centreline_at(self, heights_m) -> np.ndarray:
        """Points of the smoothed centreline at the given heights, (K, 3) metres."""
        return self._centreline.points(self._heights_array(heights_m))

    def local_axis_at(self, heights_m) -> np.ndarray:
        """Unit centreline tangent (local leg axis, up the leg) at the given heights, (K, 3).

        Equal to ``frame.axis`` everywhere when the leg bends less than 3 degrees.
        """
        return self._centreline.tangents(self._heights_array(heights_m))

    @property
    def bend_deg(self) -> float:
        """Largest angle between the smoothed centreline and the global axis, degrees."""
        return self._centreline.bend_deg

    @staticmethod
    def _heights_array(heights_m) -> np.ndarray:
        try:
            h = np.atleast_1d(np.asarray(heights_m, dtype=float)).ravel()
        except (TypeError, ValueError) as exc:
            raise errors.LandmarkError(
                f"Heights must be numbers in metres, got {heights_m!r}."
            ) from exc
        if not np.isfinite(h).all():
            raise errors.LandmarkError("Heights must be finite numbers in metres.")
        return h

    # ------------------------------------------------------------------ sections
    def sections(self, heights_m) -> list[Section]:
        """Cross-sections perpendicular to the local leg axis.

        Parameters
        ----------
        heights_m : float or array_like of shape (K,)
            Heights along the leg axis from the sole, metres. A height outside the leg gives an
            empty section (no points, perimeters 0).

        Returns
        -------
        list of Section
            One per height, in the order given. The leg remembers its last
            ``SECTIONS_CACHE_SIZE`` calls (a design and the simulation after it cut the same
            heights), so the sections' arrays are shared and read-only.

        Examples
        --------
        >>> import stockingsim as ss
        >>> leg = ss.bundled_leg()
        >>> calf = leg.sections([leg.landmarks["C"].height_m])[0]
        >>> bool(calf.hull_perimeter_m <= calf.perimeter_m)  # the fabric bridges hollows
        True
        """
        h = self._heights_array(heights_m)
        # the last few calls are remembered: design and simulate cut the same heights
        cache = self.__dict__.setdefault("_sections_cache", {})
        key = h.tobytes()
        if key not in cache:
            if len(cache) >= SECTIONS_CACHE_SIZE:
                del cache[next(iter(cache))]  # the oldest
            sections = self._slice(h)
            for sec in sections:  # shared by the callers from now on: read-only
                for arr in (sec.origin, sec.normal, sec.u, sec.v, sec.points, sec.centroid,
                            sec.hull, sec.main_edges, sec.main_t, *sec.polygons):  # fmt: skip
                    if isinstance(arr, np.ndarray):
                        arr.setflags(write=False)
            cache[key] = sections
        return list(cache[key])

    def _slice(self, h: np.ndarray, summary: bool = False):
        """:func:`slice_mesh` with the planes through the centreline at the heights ``h``."""
        tangents = self._centreline.tangents(h)
        return slice_mesh(
            self.vertices,
            self.faces,
            self._section_index,
            h,
            self._centreline.points(h),
            tangents,
            self._centreline.in_plane_u(tangents),
            summary=summary,
        )

    @cached_property
    def _section_index(self):
        """Faces sorted by the height range of the section planes through their vertices."""
        s, margin = self._section_coordinate
        lo, hi, (order, lo_sorted, span, long_faces) = face_height_index(s, self.faces)
        if margin == 0.0:
            return lo, hi, (order, lo_sorted, span, long_faces)
        return lo - margin, hi + margin, (order, lo_sorted - margin, span + 2 * margin, long_faces)

    @cached_property
    def _section_coordinate(self) -> tuple[np.ndarray, float]:
        if not self._centreline.bent:
            return self.heights_m, 0.0
        s, margin = self._centreline.section_coordinate(self.vertices, self.heights_m)
        s.setflags(write=False)
        return s, margin

    @property
    def section_heights_m(self) -> np.ndarray:
        """Height of the section through each vertex, (N,) metres.

        The section at height ``h`` is the plane through ``centreline_at(h)`` perpendicular to
        ``local_axis_at(h)``; this gives, for every vertex, the ``h`` of the plane that contains
        it (to 1 micrometre). Equal to :attr:`heights_m` when the leg is straight (bend below
        3 degrees); on a bent leg use it to map per-section values to vertices exactly.
        """
        return self._section_coordinate[0]

    def girth_profile(self, step_m: float = 0.005, heights_m=None) -> pd.DataFrame:
        """Girth along the leg.

        Parameters
        ----------
        step_m : float
            Grid spacing, metres; the grid runs from ``step_m`` to below the top of the mesh.
        heights_m : array_like, optional
            Explicit heights instead of the grid.

        Returns
        -------
        pandas.DataFrame
            Columns ``height_m``, ``circumference_m`` (convex hull, what the fabric sees),
            ``skin_circumference_m``, ``area_m2``, ``centroid_x_m``, ``centroid_y_m``,
            ``centroid_z_m``; NaN where a plane misses the leg. Low sections cut through the
            foot (girth of the whole foot outline); sections that run into an open border
            (the top cut) are partial: see ``Section.closed``.

        Examples
        --------
        >>> import stockingsim as ss
        >>> profile = ss.bundled_leg().girth_profile(step_m=0.01)
        >>> calf = profile[(profile.height_m > 0.25) & (profile.height_m < 0.45)]
        >>> # regression pin: the bundled mesh's calf girth as computed when the mesh was added
        >>> # (not a measurement); a change means the mesh or the slicing changed
        >>> round(float(calf.circumference_m.max()), 3)  # metres
        0.359
        """
        if heights_m is None:
            return self._grid_profile(step_m)[0].copy()
        h = self._heights_array(heights_m)
        rows, on_grid = self._grid_rows(h)
        if not on_grid.all():  # the heights off the grids already cut
            rows.iloc[np.flatnonzero(~on_grid)] = self._profile(h[~on_grid])[0].to_numpy()
        return rows

    def _grid_rows(self, h: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        """Profile rows at the heights ``h`` taken from the grid profiles already cut.

        A design's course grid and most landmarks lie on the 5 mm grid the landmarks were
        found on; those planes are the ones already cut (heights equal to 0.1 nm, well below a
        mesh's coordinate precision) and are not cut again. Returns the rows (NaN where no
        grid has the height) and which heights were found.
        """
        rows = np.full((len(h), len(PROFILE_COLUMNS)), np.nan)
        found = np.zeros(len(h), dtype=bool)
        for frame, _closed in self.__dict__.get("_profile_cache", {}).values():
            grid = frame["height_m"].to_numpy()
            if len(grid) < 2 or found.all():
                continue
            at = np.clip(np.searchsorted(grid, h), 1, len(grid) - 1)
            nearest = np.where(np.abs(grid[at - 1] - h) <= np.abs(grid[at] - h), at - 1, at)
            hit = ~found & (np.abs(grid[nearest] - h) <= GRID_MATCH_M)
            rows[hit] = frame.to_numpy()[nearest[hit]]
            found |= hit
        rows[:, 0] = h
        return pd.DataFrame(rows, columns=PROFILE_COLUMNS), found

    def _grid_profile(self, step_m: float) -> tuple[pd.DataFrame, np.ndarray]:
        """Cached profile on the regular grid, and whether each section is a closed loop."""
        try:
            step = float(step_m)
        except (TypeError, ValueError):
            step = float("nan")
        if not (np.isfinite(step) and step > 0):
            raise errors.MeshError(f"step_m must be a positive length in metres, got {step_m!r}.")
        step = max(step, self.length_m / 20000)  # at most 20000 sections
        cache = self.__dict__.setdefault("_profile_cache", {})
        key = round(step, 12)
        if key not in cache:
            heights = np.arange(1, int(np.floor(self.length_m / step - 1e-9)) + 1) * step
            heights = heights[heights < self.length_m]
            cache[key] = self._profile(heights)
        return cache[key]

    def _profile(self, h: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        """Girth profile at the heights ``h`` and whether each section is a closed loop."""
        summary = self._slice(h, summary=True)
        rows = np.full((len(h), len(PROFILE_COLUMNS)), np.nan)
        rows[:, 0] = h
        hit = summary["has_points"]
        rows[hit, 1] = summary["hull_perimeter_m"][hit]
        rows[hit, 2] = summary["perimeter_m"][hit]
        rows[hit, 3] = summary["area_m2"][hit]
        rows[hit, 4:7] = summary["centroid"][hit]
        return pd.DataFrame(rows, columns=PROFILE_COLUMNS), summary["closed"]

    # ------------------------------------------------------------------ landmarks
    @cached_property
    def landmarks(self) -> dict[str, Landmark]:
        """Landmarks B, B1, C, D, E, F, G that the mesh reaches, in that order.

        Detected from the convex-hull girth profile (see
        :func:`stockingsim.leg._landmarks.detect_landmarks` for the rules), except those given
        by the user (``landmarks=`` or :meth:`with_landmarks`), which have ``detected=False``.
        """
        profile, closed = self._grid_profile(0.005)
        heights = detect_landmarks(
            profile["height_m"].to_numpy(),
            profile["circumference_m"].to_numpy(),
            closed,
            has_foot=self.frame.has_foot,
            length_m=self.length_m,
            overrides=self._landmark_overrides,
        )
        found = landmarks_on_sections(self, heights, lambda n: n not in self._landmark_overrides)
        if "B" in found:
            warn_if_not_an_ankle(found["B"].circumference_m, self.units, self.name)
        return found

    def with_landmarks(self, heights_m: Mapping[str, float]) -> Leg:
        """A new Leg with landmark heights set by the user (the others are re-detected).

        Parameters
        ----------
        heights_m : mapping of str to float
            E.g. ``{"B": 0.105, "C": 0.33}``, metres from the sole.
        """
        merged = {**self._landmark_overrides, **self._check_overrides(heights_m)}
        new = object.__new__(Leg)
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k not in ("landmarks",)})
        new._landmark_overrides = merged
        return new

    # ------------------------------------------------------------------ deformed legs
    def with_girth_change(self, changes: Mapping[str, float], unit: str = "cm") -> Leg:
        """A new Leg whose girth changes smoothly by ``changes`` at landmarks.

        See :func:`stockingsim.leg._deform.with_girth_change`, e.g.
        ``leg.with_girth_change({"B1": 1.0, "C": 1.05}, unit="cm")``. Same faces and vertex
        order; zero change beyond the next landmark outside the given ones.
        """
        from stockingsim.leg._deform import with_girth_change

        return with_girth_change(self, changes, unit)

    def swollen(self, volume_ml: float, distribution: str = "distal") -> Leg:
        """A new Leg whose volume between B and D grows by ``volume_ml`` (mostly distally).

        See :func:`stockingsim.leg._deform.swollen`.
        """
        from stockingsim.leg._deform import swollen

        return swollen(self, volume_ml, distribution)

    def posed(self, knee_flexion_deg: float = 0.0, ankle_dorsiflexion_deg: float = 0.0) -> Leg:
        """A new Leg bent at the knee (about E) and the ankle, landmarks carried with the skin.

        See :func:`stockingsim.leg._deform.posed`.
        """
        from stockingsim.leg._deform import posed

        return posed(self, knee_flexion_deg, ankle_dorsiflexion_deg)

    # ------------------------------------------------------------------ per-vertex fields
    @cached_property
    def _vertex_local_frame(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        h = self.heights_m
        t = self._centreline.tangents(h)
        u = self._centreline.in_plane_u(t)
        w = np.cross(t, u)
        c = self._centreline.points(h)
        return c, t, u, w

    @cached_property
    def cylindrical(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-vertex cylindrical coordinates about the local centreline.

        Returns
        -------
        h : ndarray of shape (N,)
            ``heights_m``.
        theta : ndarray of shape (N,)
            Angle in [-pi, pi) from anterior (u) toward lateral (v), radians.
        r : ndarray of shape (N,)
            Distance from the centreline, perpendicular to the local axis, metres.
        """
        c, t, u, w = self._vertex_local_frame
        d = self.vertices - c
        du = np.einsum("ij,ij->i", d, u)
        dw = np.einsum("ij,ij->i", d, w)
        theta = np.arctan2(dw, du)
        theta[theta >= np.pi] -= 2 * np.pi
        r = np.hypot(du, dw)
        return self.heights_m, theta, r

    @cached_property
    def hoop_directions(self) -> np.ndarray:
        """Unit hoop (course) tangent per vertex: normalize(local_axis x normal), (N, 3)."""
        c, t, u, w = self._vertex_local_frame
        hoop = np.cross(t, self.vertex_normals)
        bad = np.linalg.norm(hoop, axis=1) < 1e-9
        hoop[bad] = w[bad]  # normal along the axis (sole, caps): any in-plane direction
        return unit(hoop)

    @cached_property
    def axial_directions(self) -> np.ndarray:
        """Unit axial (wale) tangent per vertex: normalize(normal x hoop), up the leg, (N, 3)."""
        return unit(np.cross(self.vertex_normals, self.hoop_directions))

    @cached_property
    def curvature(self):
        """Per-vertex curvature about the local axis (VertexCurvature), cached."""
        from stockingsim.leg._curvature import vertex_curvature

        return vertex_curvature(
            self.vertices, self.faces, self._curvature_axis, self.vertex_normals
        )

    def curvature_at(self, wanted: np.ndarray):
        """:attr:`curvature` at the vertices where ``wanted`` (a vertex mask) is True.

        The same values as :attr:`curvature` there (to the bit), from the faces around them
        only: a knee-high's pressure needs the lower leg's curvature, not the thigh's. The
        other vertices get 0, or the whole leg's values when those are already computed (they
        are then returned as they are). The last mask's curvature is kept.
        """
        if "curvature" in self.__dict__:
            return self.curvature
        from stockingsim.leg._curvature import vertex_curvature

        wanted = np.asarray(wanted, dtype=bool)
        key = np.packbits(wanted).tobytes()
        cached = self.__dict__.get("_curvature_at")
        if cached is not None and cached[0] == key:
            return cached[1]
        # the whole leg's normals when known; else only those the wanted vertices need are
        # computed (the same bits)
        normals = self.__dict__.get("vertex_normals")
        curv = vertex_curvature(self.vertices, self.faces, self._curvature_axis, normals, at=wanted)
        self.__dict__["_curvature_at"] = (key, curv)
        return curv

    @property
    def _curvature_axis(self) -> np.ndarray:
        """The local axis for the curvature: the frame's, or the centreline's tangents.

        On a bent leg the tangents are (N, 3) in Fortran order, so their transpose (the
        estimator's (3, N) layout) is a view.
        """
        cl = self._centreline
        return np.asfortranarray(cl.tangents(self.heights_m)) if cl.bent else self.frame.axis

    def to_trimesh(self):
        """The surface as a ``trimesh.Trimesh`` (no processing, same vertex order)."""
        import trimesh

        return trimesh.Trimesh(np.array(self.vertices), np.array(self.faces), process=False)

    #: per-vertex/per-face caches that are cheap to rebuild and large to pickle
    _HEAVY_CACHES = (
        "_section_index",
        "_section_coordinate",
        "_vertex_local_frame",
        "vertex_normals",
        "hoop_directions",
        "axial_directions",
        "cylindrical",
        "curvature",
        "_curvature_at",
        "_sections_cache",
    )

    def __getstate__(self) -> dict:
        # process pools pickle legs: send the geometry, frame and landmarks, not the caches
        return {k: v for k, v in self.__dict__.items() if k not in self._HEAVY_CACHES}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for name in ("vertices", "faces", "heights_m", "face_areas"):
            arr = self.__dict__.get(name)
            if isinstance(arr, np.ndarray):
                arr.setflags(write=False)

    def __repr__(self) -> str:
        return (
            f"Leg(name={self.name!r}, n_vertices={self.n_vertices}, "
            f"length_m={self.length_m:.3f}, has_foot={self.frame.has_foot})"
        )
