"""An illustrative size range of parametric legs, and the script that writes meshes/param_*.ply.

``SIZE_RANGE`` holds seven charts (girths in cm at the RAL measuring points): six sizes I to VI
from a small to a large leg, in the spirit of the ready-to-wear size groups of compression
hosiery (ankle girth cB from 19 to 30 cm), and one oedematous leg (large and columnar: a small
calf-to-ankle ratio cC / cB and a puffy ankle). **They are illustrative, not a published size
table**: the girths were chosen by us to be typical of adult legs of each size (assumption), and
all sizes use the default measuring heights of :data:`DEFAULT_HEIGHTS_CM`.

Regenerate the meshes with::

    python -m stockingsim.leg._size_range meshes
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from stockingsim.leg._parametric import complete_chart, parametric_leg_arrays

__all__ = ["SIZE_RANGE", "SIZE_RANGE_RESOLUTION", "make_size_range"]

#: Illustrative charts (cm), not a published size table (assumption, see the module docstring).
SIZE_RANGE: dict[str, dict[str, float]] = {
    "I": {"cB": 19.0, "cB1": 23.5, "cC": 30.0, "cD": 29.0, "cE": 32.0, "cF": 43.0, "cG": 50.0},
    "II": {"cB": 21.0, "cB1": 26.0, "cC": 33.0, "cD": 31.0, "cE": 34.0, "cF": 47.0, "cG": 54.0},
    "III": {"cB": 23.0, "cB1": 28.5, "cC": 36.0, "cD": 33.0, "cE": 37.0, "cF": 51.0, "cG": 58.0},
    "IV": {"cB": 25.0, "cB1": 31.0, "cC": 39.0, "cD": 35.5, "cE": 39.5, "cF": 55.0, "cG": 62.5},
    "V": {"cB": 27.0, "cB1": 33.5, "cC": 42.0, "cD": 38.0, "cE": 42.0, "cF": 59.0, "cG": 67.0},
    "VI": {"cB": 30.0, "cB1": 37.0, "cC": 46.0, "cD": 41.0, "cE": 45.5, "cF": 64.0, "cG": 72.0},
    # lymphoedema / chronic oedema: columnar, C/B = 1.29 instead of about 1.55, puffy ankle
    "oedema": {
        "cK": 36.0,
        "cB": 34.0,
        "cB1": 38.5,
        "cC": 44.0,
        "cD": 42.0,
        "cE": 45.0,
        "cF": 62.0,
        "cG": 70.0,
    },
}

#: Resolution of the written meshes: about 15k vertices, each PLY under 1 MB.
SIZE_RANGE_RESOLUTION = {"n_theta": 96, "step_m": 0.005}


def make_size_range(out_dir, *, foot: bool = False) -> dict[str, Path]:
    """Write every chart of :data:`SIZE_RANGE` as a binary PLY ``param_<size>.ply`` (metres).

    Parameters
    ----------
    out_dir : str or path-like
        Folder to write into (created if missing).
    foot : bool
        Add the simple foot (default: legs end at the floor with a flat sole).

    Returns
    -------
    dict of str to Path
        Size name -> written file.
    """
    import trimesh

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for size, chart in SIZE_RANGE.items():
        vertices, faces, _ = parametric_leg_arrays(chart, foot=foot, **SIZE_RANGE_RESOLUTION)
        mesh = trimesh.Trimesh(vertices.astype(np.float32), faces, process=False)
        path = out / f"param_{size}.ply"
        path.write_bytes(trimesh.exchange.ply.export_ply(mesh, encoding="binary"))
        written[size] = path
    return written


def _table() -> str:
    """Markdown table of the completed charts (cm) for meshes/README.md."""
    names = ("K", "B", "B1", "C", "D", "E", "F", "G")
    lines = [
        "| size | " + " | ".join(f"c{n}" for n in names) + " | C/B |",
        "|---|" + "---:|" * (len(names) + 1),
    ]
    for size, chart in SIZE_RANGE.items():
        g = complete_chart(chart).girths_m
        cells = " | ".join(f"{g[n] * 100:.1f}" for n in names)
        lines.append(f"| {size} | {cells} | {g['C'] / g['B']:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    target = sys.argv[1] if len(sys.argv) > 1 else "meshes"
    for size, path in make_size_range(target).items():
        print(f"{size}: {path} ({path.stat().st_size / 1e6:.2f} MB)")
    print(_table())
