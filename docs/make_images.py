"""Make the pictures in docs/images/ from the code in this repository.

Run from the repository root: ``python docs/make_images.py``. Uses the bundled leg and a
stocking designed for RAL-GZ 387 class II from a preset fabric, prints how long each picture
took (the first 3D picture includes creating the OpenGL context).
"""

from __future__ import annotations

import time
from pathlib import Path

import stockingsim as ss
from stockingsim import viz

OUT = Path(__file__).resolve().parent / "images"
FABRIC = "circular class II"
TARGET = "RAL-GZ 387:II"
CLIM = (0.0, 40.0)  # mmHg; class II at the ankle is 23-32 mmHg


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    leg = ss.bundled_leg()
    fabric = ss.fabric_library()[FABRIC]
    stocking, spec = ss.design_stocking(leg, fabric, TARGET)
    results = {m: ss.simulate(leg, stocking, method=m) for m in ("laplace", "membrane", "bridging")}
    membrane = results["membrane"]
    timings: list[tuple[str, float]] = []

    def timed(name, make):
        start = time.perf_counter()
        path = make()
        timings.append((name, time.perf_counter() - start))
        print(f"{name:<28s} {timings[-1][1]:6.2f} s  -> {path}")

    timed(
        "pressure_map.png (both)",
        lambda: viz.plot_pressure_map(membrane, OUT / "pressure_map.png", view="both", clim=CLIM),
    )
    timed(
        "pressure_map_front.png",
        lambda: viz.plot_pressure_map(membrane, OUT / "pressure_map_front.png", clim=CLIM),
    )
    timed(
        "profile.png",
        lambda: viz.plot_profile(results, OUT / "profile.png", target=spec, labels=list(results)),
    )
    timed("unrolled.png", lambda: viz.plot_unrolled(membrane, OUT / "unrolled.png", clim=CLIM))
    timed(
        "compare_methods.png",
        lambda: viz.compare_maps(results, OUT / "compare_methods.png", clim=CLIM, ncols=3),
    )
    library = ss.fabric_library()
    timed(
        "fabrics.png",
        lambda: viz.plot_fabric(
            [
                library[n]
                for n in ("sheer PA/EL class I", "circular class II", "flat-knit class III")
            ],
            OUT / "fabrics.png",
        ),
    )
    total = sum(seconds for _, seconds in timings)
    print(
        f"{len(timings)} pictures in {total:.2f} s ({leg.n_vertices} vertices, VTK {_vtk_version()})"
    )


def _vtk_version() -> str:
    import vtk

    return vtk.vtkVersion.GetVTKVersion()


if __name__ == "__main__":
    main()
