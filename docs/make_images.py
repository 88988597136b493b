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
    calibrated, report = _synthetic_calibration()
    stocking_c, _ = ss.design_stocking(leg, calibrated, TARGET)
    banded = ss.pressure_uncertainty(
        ss.simulate(leg, stocking_c, method="membrane"), girth_sd_mm=5.0, relaxed_sd_mm=3.0
    )
    timed("profile_band.png", lambda: viz.plot_profile(banded, OUT / "profile_band.png"))
    knit3 = library["flat-knit class III"]
    stocking3, _ = ss.design_stocking(leg, knit3, "RAL-GZ 387:III")
    sheet = {
        "class II, membrane": membrane,
        "class II, laplace": results["laplace"],
        "class III flat-knit, membrane": ss.simulate(leg, stocking3, method="membrane"),
    }
    timed(
        "comparison_sheet.png",
        lambda: viz.compare_sheet(sheet, OUT / "comparison_sheet.png", target=TARGET),
    )
    timed(
        "pressure_vs_girth.png",
        lambda: viz.plot_pressure_vs_girth(leg, stocking, OUT / "pressure_vs_girth.png"),
    )
    timed(
        "hysteresis.png",
        lambda: viz.plot_hysteresis(fabric, membrane, OUT / "hysteresis.png"),
    )
    timed(
        "agreement.png",
        lambda: viz.plot_agreement(
            report.leave_one_out,
            OUT / "agreement.png",
            by="device",
            reference=(-10.1, 5.8, "Partsch et al. 2006 limits"),
            title="Leave-one-out agreement of a calibrated preset (synthetic cylinders)",
        ),
    )
    total = sum(seconds for _, seconds in timings)
    print(
        f"{len(timings)} pictures in {total:.2f} s ({leg.n_vertices} vertices, VTK {_vtk_version()})"
    )


def _synthetic_calibration():
    """Cylinder readings of a known preset + 2 mmHg noise; another preset calibrated to them."""
    import numpy as np
    import pandas as pd

    known = ss.fabric_library()["cotton-rich class I-II"]
    rng = np.random.default_rng(1)
    girth, relaxed = np.meshgrid(np.arange(20, 40, 2.0), np.arange(14, 23, 2.0))
    girth, relaxed = girth.ravel(), relaxed.ravel()
    keep = (girth / relaxed - 1 >= 0.1) & (girth / relaxed - 1 <= 1.0)
    girth, relaxed = girth[keep], relaxed[keep]
    p = known.tension(girth / relaxed - 1) * 2 * np.pi / (girth / 100) / (101325 / 760)
    table = pd.DataFrame(
        {
            "cylinder": [f"cyl {g:g}" for g in girth],
            "point": "B",
            "girth (cm)": girth,
            "relaxed girth (cm)": relaxed,
            "pressure (mmHg)": p + rng.normal(0, 2.0, girth.size),
            "device": np.where(np.arange(girth.size) % 2, "PicoPress", "Kikuhime"),
        }
    )
    return ss.calibrate("flat-knit class III", table)


def _vtk_version() -> str:
    import vtk

    return vtk.vtkVersion.GetVTKVersion()


if __name__ == "__main__":
    main()
