"""A product's ready-to-wear size chart.

Girth and length ranges per size, read and written as CSV or JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim.fitting._measure import GIRTHS, LENGTHS

#: The girth (and length) a chart sizes by, per style: ankle and calf always; below the knee for
#: knee-highs, the upper thigh for longer styles (DESIGN.md section 16).
STYLE_GIRTHS = {"AD": ("cB", "cC", "cD"), "AF": ("cB", "cC", "cF"), "AG": ("cB", "cC", "cG")}
STYLE_GIRTHS["AT"] = STYLE_GIRTHS["AG"]
STYLE_LENGTH = {"AD": "lD", "AF": "lF", "AG": "lG", "AT": "lG"}
#: Landmarks a style covers, from B up (the points whose relaxed circumference a size needs).
STYLE_POINTS = {
    "AD": ("B", "B1", "C", "D"),
    "AF": ("B", "B1", "C", "D", "E", "F"),
    "AG": ("B", "B1", "C", "D", "E", "F", "G"),
}
STYLE_POINTS["AT"] = STYLE_POINTS["AG"]
_META = ("name", "style", "fabric", "target", "note")
BUNDLED = {
    "knee-high": "knee_high_illustrative.csv",
    "thigh-high": "thigh_high_illustrative.csv",
}


def _range_columns(frame: pd.DataFrame) -> list[str]:
    """Measurement names that have both ``<m>_min_cm`` and ``<m>_max_cm`` columns."""
    names = []
    for m in GIRTHS + LENGTHS:
        if f"{m}_min_cm" in frame and f"{m}_max_cm" in frame:
            names.append(m)
    return names


@dataclass(frozen=True, eq=False)
class SizeChart:
    """A product's ready-to-wear sizes: per size (and length) a range for each measured girth.

    Parameters
    ----------
    sizes : pandas.DataFrame
        One row per size and length: ``size``, ``length`` (e.g. ``normal``/``long``), for every
        measurement the chart sizes by ``<m>_min_cm`` and ``<m>_max_cm`` (girths ``cB, cC``
        and ``cD`` for knee-highs or ``cG`` for thigh-highs; one length, ``lD`` or ``lG``),
        and optionally ``relaxed_<landmark>_cm``: the product's relaxed circumference at each
        landmark (derived with :meth:`relaxed_table` where absent). Rows are in size order.
    style : str
        ``AD``, ``AF``, ``AG`` or ``AT``.
    fabric : str or Fabric, optional
        The knit: a preset name of :func:`stockingsim.fabric_library` (written to files by
        name) or a Fabric; it can also be given at fitting.
    target : str
        The class the product is made for, ``"STANDARD:CLASS"``.
    name, note : str
        Label and provenance (say when a chart is illustrative).

    Examples
    --------
    >>> import stockingsim as ss
    >>> chart = ss.SizeChart.bundled("knee-high")
    >>> chart.style, chart.size_names, chart.measured
    ('AD', ('I', 'II', 'III', 'IV', 'V'), ('cB', 'cC', 'cD', 'lD'))
    """

    sizes: pd.DataFrame
    style: str = "AD"
    fabric: Any = None
    target: str = "RAL-GZ 387:II"
    name: str = ""
    note: str = ""
    _relaxed: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.style not in STYLE_LENGTH:
            raise errors.SizeChartError(
                f"unknown style {self.style!r}; use AD, AF, AG or AT (the stocking length)"
            )
        frame = pd.DataFrame(self.sizes).copy()
        if "size" not in frame:
            raise errors.SizeChartError("a size chart needs a 'size' column (the size names)")
        if frame.empty:
            raise errors.SizeChartError("the size chart has no sizes")
        frame["size"] = frame["size"].astype(str)
        if "length" not in frame:
            frame["length"] = "normal"
        frame["length"] = frame["length"].fillna("normal").astype(str)
        if frame.duplicated(["size", "length"]).any():
            raise errors.SizeChartError("a size chart lists the same size and length twice")
        measured = _range_columns(frame)
        if not any(m.startswith("c") for m in measured):
            raise errors.SizeChartError(
                "a size chart needs girth ranges as '<girth>_min_cm'/'<girth>_max_cm' columns, "
                "e.g. cB_min_cm, cB_max_cm"
            )
        for m in measured:
            lo = pd.to_numeric(frame[f"{m}_min_cm"], errors="coerce").to_numpy(float)
            hi = pd.to_numeric(frame[f"{m}_max_cm"], errors="coerce").to_numpy(float)
            if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(lo < hi)):
                raise errors.SizeChartError(
                    f"the {m} ranges must be numbers with min < max (cm) in every size"
                )
            if m.startswith("c") and (lo.min() < 8 or hi.max() > 120):
                raise errors.SizeChartError(
                    f"the {m} ranges ({lo.min():g}-{hi.max():g}) are not girths in cm; "
                    "convert mm or m to cm"
                )
            frame[f"{m}_min_cm"], frame[f"{m}_max_cm"] = lo, hi
        object.__setattr__(self, "sizes", frame.reset_index(drop=True))

    # ------------------------------------------------------------------ what it sizes by
    @property
    def measured(self) -> tuple[str, ...]:
        """The measurements with a range in the chart, girths first."""
        names = _range_columns(self.sizes)
        return tuple([m for m in names if m.startswith("c")] + [m for m in names if m[0] == "l"])

    @property
    def size_names(self) -> tuple[str, ...]:
        """Size names, smallest first."""
        return tuple(dict.fromkeys(self.sizes["size"]))

    @property
    def lengths(self) -> tuple[str, ...]:
        """Length names (e.g. ``("normal", "long")``)."""
        return tuple(dict.fromkeys(self.sizes["length"]))

    @property
    def standard(self) -> str:
        """The standard of the chart's target class."""
        from stockingsim.standards import parse_target

        return parse_target(self.target)[0]

    def __repr__(self) -> str:
        head = (
            f"SizeChart {self.name!r}: style {self.style}, {len(self.size_names)} sizes x "
            f"{len(self.lengths)} length(s), target {self.target}, fabric {self.fabric}"
        )
        return head + "\n" + self.sizes.to_string(index=False)

    def _repr_html_(self) -> str:
        return f"<p>{repr(self).splitlines()[0]}</p>" + self.sizes.to_html(index=False)

    # ------------------------------------------------------------------ the product
    def relaxed_table(self, fabric: Any = None) -> pd.DataFrame:
        """Relaxed circumference (cm) of every size at every landmark the style covers.

        Taken from the chart's ``relaxed_<landmark>_cm`` columns where present. Otherwise each
        size is taken to be designed for the centre of its ranges: the leg girths at the
        centre (girths the chart does not give filled by the typical ratios of
        :func:`stockingsim.leg.complete_chart`, an assumption) and the target's pressure at each
        landmark inverted through the fabric by Laplace's law (exact, closed form).

        Parameters
        ----------
        fabric : Fabric or str, optional
            Default: the chart's fabric.

        Returns
        -------
        pandas.DataFrame
            Index (size, length); columns ``relaxed_<landmark>_cm``.
        """
        from stockingsim._checks import as_fabric
        from stockingsim.design import invert_laplace, resolve_target
        from stockingsim.leg._parametric import _UPPERTHIGH_OVER_D, complete_chart

        fab = as_fabric(self._fabric_or(fabric), "SizeChart.relaxed_table()")
        key = id(fab)
        if key in self._relaxed:
            return self._relaxed[key].copy()
        points = STYLE_POINTS[self.style]
        tgt = resolve_target(self.target)
        rows = []
        for _, row in self.sizes.iterrows():
            given = {lm: row.get(f"relaxed_{lm}_cm", np.nan) for lm in points}
            out = {f"relaxed_{lm}_cm": float(v) for lm, v in given.items() if np.isfinite(v)}
            if len(out) < len(points):
                centre = {
                    m: 0.5 * (row[f"{m}_min_cm"] + row[f"{m}_max_cm"])
                    for m in self.measured
                    if m.startswith("c")
                }
                if "cD" not in centre and "cG" in centre:
                    centre["cD"] = min(centre["cG"] / _UPPERTHIGH_OVER_D, 0.97 * centre["cC"])
                c = complete_chart(centre)
                lm_h = dict(c.heights_m)
                girth = np.array([c.girths_m[lm] for lm in points])
                p = tgt.at_heights(np.array([lm_h[lm] for lm in points]), lm_h)
                c0, _, _ = invert_laplace(fab, p, girth)
                for lm, v in zip(points, c0):
                    out.setdefault(f"relaxed_{lm}_cm", 100.0 * float(v))
            rows.append({"size": row["size"], "length": row["length"], **out})
        table = pd.DataFrame(rows).set_index(["size", "length"])
        self._relaxed[key] = table
        return table.copy()

    def _fabric_or(self, fabric: Any) -> Any:
        if fabric is not None:
            return fabric
        if self.fabric is None:
            raise errors.SizeChartError(
                f"size chart {self.name!r} names no fabric; pass fabric= (a Fabric or preset)"
            )
        return self.fabric

    def stocking(self, size: str, length: str | None = None, fabric: Any = None) -> Any:
        """The ready-to-wear :class:`~stockingsim.Stocking` of one size (relaxed per landmark).

        Parameters
        ----------
        size : str
        length : str, optional
            Default: the first length of the size.
        fabric : Fabric or str, optional
            Default: the chart's fabric.
        """
        from stockingsim._checks import as_fabric
        from stockingsim.stocking import Stocking

        table = self.relaxed_table(fabric)
        rows = table.xs(str(size), level="size") if str(size) in self.size_names else None
        if rows is None:
            raise errors.SizeChartError(
                f"no size {size!r} in chart {self.name!r}; sizes: {', '.join(self.size_names)}"
            )
        length = rows.index[0] if length is None else str(length)
        if length not in rows.index:
            raise errors.SizeChartError(f"size {size} has no length {length!r}")
        relaxed = {c[len("relaxed_") : -3]: v / 100.0 for c, v in rows.loc[length].items()}
        fab = as_fabric(self._fabric_or(fabric), "SizeChart.stocking()")
        label = f"{self.name or 'chart'} size {size} {length}"
        return Stocking(fab, relaxed, style=self.style, name=label)

    # ------------------------------------------------------------------ files
    @classmethod
    def from_frame(cls, frame: pd.DataFrame, **meta: Any) -> SizeChart:
        """A chart from a table (the columns of :attr:`sizes`) and metadata keywords."""
        unknown = set(meta) - set(_META)
        if unknown:
            raise errors.SizeChartError(f"unknown chart metadata {sorted(unknown)}; use {_META}")
        return cls(frame, **{k: v for k, v in meta.items() if v not in (None, "")})

    @classmethod
    def from_csv(cls, path: str | Path) -> SizeChart:
        """Read a chart from CSV: optional ``# key: value`` metadata lines, then the table.

        Metadata keys: ``name``, ``style``, ``fabric``, ``target``, ``note``.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise errors.SizeChartError(f"cannot read size chart {path}: {exc}") from exc
        meta: dict[str, str] = {}
        body = []
        for line in text.splitlines():
            if line.startswith("#"):
                key, _, value = line[1:].partition(":")
                if key.strip() in _META:
                    meta[key.strip()] = value.strip()
            elif line.strip():
                body.append(line)
        if not body:
            raise errors.SizeChartError(f"size chart {path} has no table")
        from io import StringIO

        try:
            frame = pd.read_csv(StringIO("\n".join(body)))
        except (ValueError, pd.errors.ParserError) as exc:
            raise errors.SizeChartError(f"cannot parse size chart {path}: {exc}") from exc
        return cls.from_frame(frame, **meta)

    @classmethod
    def from_json(cls, path: str | Path) -> SizeChart:
        """Read a chart from JSON: ``{"name", "style", "fabric", "target", "note", "sizes": [rows]}``."""
        path = Path(path)
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise errors.SizeChartError(f"cannot read size chart {path}: {exc}") from exc
        if not isinstance(data, Mapping) or not isinstance(data.get("sizes"), list):
            raise errors.SizeChartError(f"size chart {path} needs a 'sizes' list of rows")
        meta = {k: data[k] for k in _META if k in data}
        return cls.from_frame(pd.DataFrame(data["sizes"]), **meta)

    @classmethod
    def read(cls, path: str | Path) -> SizeChart:
        """Read a chart from a ``.csv`` or ``.json`` file."""
        return cls.from_json(path) if str(path).lower().endswith(".json") else cls.from_csv(path)

    @classmethod
    def bundled(cls, name: str = "knee-high") -> SizeChart:
        """One of the ILLUSTRATIVE charts shipped with the package.

        ``knee-high`` (5 sizes, AD) or ``thigh-high`` (5 sizes x normal/long, AG). Not any
        manufacturer's chart.
        """
        if name not in BUNDLED:
            raise errors.SizeChartError(f"no bundled chart {name!r}; use {', '.join(BUNDLED)}")
        ref = resources.files("stockingsim") / "data" / "size_charts" / BUNDLED[name]
        with resources.as_file(ref) as path:
            return cls.from_csv(path)

    def _meta(self) -> dict[str, Any]:
        meta = {k: getattr(self, k) for k in _META if getattr(self, k) not in (None, "")}
        if "fabric" in meta and not isinstance(meta["fabric"], str):
            meta["fabric"] = str(getattr(meta["fabric"], "name", meta["fabric"]))
        return meta

    def to_csv(self, path: str | Path) -> Path:
        """Write the chart as CSV (metadata as ``# key: value`` lines); returns the path."""
        path = Path(path)
        head = "".join(f"# {k}: {v}\n" for k, v in self._meta().items())
        try:
            path.write_text(head + self.sizes.to_csv(index=False), encoding="utf-8")
        except OSError as exc:
            raise errors.ExportError(f"cannot write size chart {path}: {exc}") from exc
        return path

    def to_json(self, path: str | Path | None = None) -> str | Path:
        """The chart as JSON text, or written to ``path`` (then the path is returned)."""
        data = {**self._meta(), "sizes": json.loads(self.sizes.to_json(orient="records"))}
        text = json.dumps(data, indent=2)
        if path is None:
            return text
        path = Path(path)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise errors.ExportError(f"cannot write size chart {path}: {exc}") from exc
        return path

    @classmethod
    def from_design(cls, design_chart: Any, *, fabric: str | None = None, length_cm=None):
        """The product chart of a chart designed by :func:`stockingsim.size_chart`.

        Each size's girth ranges are the range of the population legs assigned to it
        (``cB``, ``cC``, and ``cG`` for AG/AT); its relaxed circumferences are the designed
        ones. ``length_cm`` optionally gives the (min, max) length range of the style's top.
        """
        chart = design_chart.chart
        rows = []
        girths = STYLE_GIRTHS.get(design_chart.style, STYLE_GIRTHS["AD"])
        for size, r in chart.iterrows():
            row: dict[str, Any] = {"size": str(size), "length": "normal"}
            for g in girths:
                lo, hi = r.get(f"{g}_min_cm", np.nan), r.get(f"{g}_max_cm", np.nan)
                if np.isfinite(lo) and np.isfinite(hi):
                    row[f"{g}_min_cm"], row[f"{g}_max_cm"] = float(lo), float(hi)
            if length_cm is not None:
                row[f"{STYLE_LENGTH[design_chart.style]}_min_cm"] = float(length_cm[0])
                row[f"{STYLE_LENGTH[design_chart.style]}_max_cm"] = float(length_cm[1])
            st = design_chart.stockings[str(size)]
            for lm, c0 in dict(st.relaxed_circumference_m).items():
                row[f"relaxed_{lm}_cm"] = 100.0 * float(c0)
            rows.append(row)
        frame = pd.DataFrame(rows)
        # a size no population leg was assigned to has no range: drop its empty columns' rows
        frame = frame.dropna(subset=[c for c in frame if c.endswith("_min_cm")])
        fab = fabric or next(iter(design_chart.stockings.values())).fabric
        return cls(
            frame,
            style=design_chart.style,
            fabric=fab,
            target=design_chart.target,
            name=f"designed {design_chart.target} {design_chart.style}",
            note=f"from size_chart(): coverage {design_chart.coverage_percent:.1f} %",
        )

    def with_fabric(self, fabric: str) -> SizeChart:
        """The same chart made of another preset fabric."""
        return replace(self, fabric=fabric, _relaxed={})
