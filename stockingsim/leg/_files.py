"""Legs from files: :func:`load_leg` (a mesh file) and :func:`bundled_leg` (a shipped sample)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources

from stockingsim import errors
from stockingsim.leg._load import read_mesh_file
from stockingsim.leg._surface import Leg

__all__ = ["load_leg", "bundled_leg", "bundled_path", "BUNDLED_PREFIX"]

#: ``"bundled:NAME"`` names a bundled leg wherever a mesh path is taken (the CLI's LEG too)
BUNDLED_PREFIX = "bundled:"
#: the bundled leg of ``bundled_leg()`` and of a bare ``"bundled:"``
DEFAULT_BUNDLED = "anny_f_avg"


def load_leg(
    path,
    units: str = "auto",
    name: str | None = None,
    landmarks: Mapping[str, float] | None = None,
) -> Leg:
    """Load a leg mesh file.

    Parameters
    ----------
    path : str or os.PathLike
        STL, OBJ, PLY, OFF, GLB or GLTF. Scenes are concatenated; when the mesh has several
        separate parts the largest is kept (with a MeshWarning). Open meshes are fine.
        ``"bundled:NAME"`` is a leg shipped with the package (:func:`bundled_leg`), as the
        CLI's LEG takes it.
    units : {"auto", "m", "cm", "mm", "in"}
        "auto" guesses m, cm or mm from the length along the leg axis (a leg is 0.3-1.2 m
        long). Inches are never guessed: a mesh in inches needs ``units="in"``.
    name : str, optional
        Defaults to the file name without extension.
    landmarks : mapping of str to float, optional
        Landmark heights (metres from the sole) overriding detection.

    Returns
    -------
    Leg

    Raises
    ------
    stockingsim.errors.MeshFileError
        Missing, empty, unreadable or unparseable file.
    stockingsim.errors.MeshError, stockingsim.errors.UnitsError
        See :meth:`Leg.from_arrays`.
    """
    from pathlib import Path

    if isinstance(path, str) and path.startswith(BUNDLED_PREFIX):  # "bundled:anny_f_avg"
        file = bundled_path(path[len(BUNDLED_PREFIX) :])
        units = "m" if units == "auto" else units  # the bundled legs are in metres
        return load_leg(file, units, name or file.stem, landmarks)
    vertices, faces, digest = read_mesh_file(path)
    return Leg._from_clean(vertices, faces, units, name or Path(path).stem, digest, landmarks)


def bundled_path(name: str = DEFAULT_BUNDLED):
    """The file of a bundled leg (``stockingsim/data/<name>.ply``, metres).

    An empty name is the default leg. MeshFileError naming the bundled legs when there is
    none of that name.
    """
    from pathlib import Path

    name = name or DEFAULT_BUNDLED
    data = resources.files("stockingsim") / "data"
    available = sorted(p.name[:-4] for p in data.iterdir() if p.name.endswith(".ply"))
    if name not in available:
        raise errors.MeshFileError(
            f"No bundled leg named {name!r}. Available: {', '.join(available)}."
        )
    return Path(str(data / f"{name}.ply"))


def bundled_leg(name: str = DEFAULT_BUNDLED) -> Leg:
    """A sample leg shipped with the package (``stockingsim/data/<name>.ply``, metres).

    The same as ``load_leg("bundled:" + name)``.

    Parameters
    ----------
    name : str
        File name without extension; "anny_f_avg" (Anny model, average woman, CC0 assets).
    """
    return load_leg(bundled_path(name), units="m", name=name)
