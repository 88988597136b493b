"""Legs from files: :func:`load_leg` (a mesh file) and :func:`bundled_leg` (a shipped sample)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources

from stockingsim import errors
from stockingsim.leg._load import read_mesh_file
from stockingsim.leg._surface import Leg

__all__ = ["load_leg", "bundled_leg"]


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
    units : {"auto", "m", "cm", "mm"}
        "auto" guesses from the length along the leg axis (a leg is 0.3-1.2 m long).
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

    vertices, faces, digest = read_mesh_file(path)
    return Leg._from_clean(vertices, faces, units, name or Path(path).stem, digest, landmarks)


def bundled_leg(name: str = "anny_f_avg") -> Leg:
    """A sample leg shipped with the package (``stockingsim/data/<name>.ply``, metres).

    Parameters
    ----------
    name : str
        File name without extension; "anny_f_avg" (Anny model, average woman, CC0 assets).
    """
    data = resources.files("stockingsim") / "data"
    available = sorted(p.name[:-4] for p in data.iterdir() if p.name.endswith(".ply"))
    if name not in available:
        raise errors.MeshFileError(
            f"No bundled leg named {name!r}. Available: {', '.join(available)}."
        )
    with resources.as_file(data / f"{name}.ply") as path:
        return load_leg(path, units="m", name=name)
