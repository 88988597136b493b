"""One-file reports of pressure results: HTML with embedded images, or Markdown with PNGs."""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io as _io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim import vocabulary as vocab

__all__ = ["report"]


@dataclass(frozen=True)
class _Block:
    kind: str  # "h1" | "h2" | "h3" | "p" | "table" | "image"
    text: str = ""
    table: pd.DataFrame | None = None
    png: bytes | None = None
    name: str = ""


def _figure_png(fig, dpi: int = 110) -> bytes:
    buffer = _io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _fmt_table(frame: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
    return out


def _md_table(frame: pd.DataFrame) -> str:
    frame = _fmt_table(frame)
    index_name = frame.index.name or ""
    header = [str(index_name), *map(str, frame.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for idx, row in frame.iterrows():
        cells = [str(idx), *("" if pd.isna(v) else str(v) for v in row.tolist())]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in text.lower())
    return "-".join(filter(None, keep.split("-")))[:40] or "result"


def _fabric_table(fabrics: list) -> pd.DataFrame:
    rows = []
    for fabric in fabrics:
        row: dict[str, Any] = {"fabric": getattr(fabric, "name", str(fabric))}
        for direction in ("course", "wale"):
            try:
                lo, hi = fabric.valid_strain_range(direction)
                row[f"{direction} valid strain (%)"] = f"{lo * 100:.0f}-{hi * 100:.0f}"
                row[f"{direction} tension at 50 % (N/m)"] = float(
                    np.asarray(fabric.tension(0.5, direction, "unloading"))
                )
                row[f"{direction} hysteresis loss (%)"] = 100 * float(
                    fabric.hysteresis_loss(direction)
                )
            except Exception:  # a stand-in or partial fabric: leave the cell empty
                continue
        row["description"] = getattr(fabric, "description", "") or ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("fabric")


def _leg_table(result) -> pd.DataFrame:
    leg = result.leg
    rows = []
    for name, landmark in (getattr(leg, "landmarks", {}) or {}).items():
        rows.append(
            {
                "landmark": name,
                "height_cm": 100 * float(landmark.height_m),
                "circumference_cm": 100 * float(landmark.circumference_m),
                "skin_circumference_cm": 100
                * float(getattr(landmark, "skin_circumference_m", np.nan)),
                "detected": getattr(landmark, "detected", ""),
            }
        )
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame(rows).set_index("landmark")


def _overview(items, standard: str) -> pd.DataFrame:
    from stockingsim.exports import classification, gradient_check
    from stockingsim.standards import gradient_verdict

    rows = []
    for label, result in items:
        profile = result.profile
        p_b = float(profile["pressure_mmhg"].get("B", np.nan)) if "B" in profile.index else np.nan
        cls, _ = classification(result, standard)
        gradient, _ = gradient_check(result, standard)
        rows.append(
            {
                "result": label,
                "leg": getattr(result.leg, "name", ""),
                "fabric": getattr(getattr(result.stocking, "fabric", None), "name", ""),
                "method": getattr(result, "method", ""),
                "pressure at B (mmHg)": p_b,
                f"class ({standard})": cls if cls is not None else "none",
                "gradient check": (
                    "n/a"
                    if gradient is None
                    else ("passed" if gradient_verdict(gradient).passed else "failed")
                ),
                "solve time (s)": float(getattr(result, "elapsed_s", np.nan) or np.nan),
            }
        )
    return pd.DataFrame(rows).set_index("result")


def _blocks(items, standard: str, target, spec, title: str) -> list[_Block]:
    """The report, block by block: the head, one section per result, the fabrics."""
    from stockingsim.viz._helpers import covered_pressure, resolve_clim

    blocks = _head_blocks(items, standard, target, title)
    # one robust colour range for every map of the report, so they can be compared
    clim = resolve_clim("robust", [covered_pressure(r) for _, r in items])
    sheet_spec = spec if len(items) == 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        for k, (label, result) in enumerate(items):
            blocks.append(_Block("h2", label))
            blocks.append(_class_block(result, standard))
            blocks += _map_blocks(result, k, clim, Path(tmp))
            blocks += _sheet_blocks(result, sheet_spec)
            blocks += _gradient_blocks(result, standard)
            blocks += _leg_blocks(result)
    return blocks + _fabric_blocks(_distinct_fabrics(items))


def _head_blocks(items, standard: str, target, title: str) -> list[_Block]:
    """Title, provenance, the overview table and the profile of every result."""
    from stockingsim.viz import plot_profile

    return [
        _Block("h1", title),
        _Block(
            "p",
            f"Made by stockingsim on {_dt.datetime.now(_dt.UTC):%Y-%m-%d %H:%M} UTC. "
            f"Pressures in mmHg (1 mmHg = 133.322 Pa); classes and gradient rules of {standard}, "
            "judged at the ankle (B).",
        ),
        _Block("h2", "Overview"),
        _Block("table", table=_overview(items, standard)),
        _Block("h2", "Pressure profile"),
        _Block(
            "image",
            "Pressure against height; line = mean around the leg, shade = min to max, "
            f"boxes = {standard} classes at B.",
            png=_figure_png(plot_profile(dict(items), standard=standard, target=target)),
            name="profile",
        ),
    ]


def _distinct_fabrics(items) -> list:
    """The fabrics of the results' stockings, each once (by identity), in order."""
    fabrics = []
    for _, result in items:
        fabric = getattr(getattr(result, "stocking", None), "fabric", None)
        if (
            fabric is not None
            and hasattr(fabric, "tension")
            and all(f is not fabric for f in fabrics)
        ):
            fabrics.append(fabric)
    return fabrics


def _class_block(result, standard: str) -> _Block:
    """The class of one result at B, or why it has none."""
    from stockingsim.exports import classification

    cls, cls_note = classification(result, standard)
    text = f"Class under {standard}: **{cls}**." if cls else f"No {standard} class at B"
    if not cls:
        text += (
            f" ({cls_note})."
            if cls_note
            else " (the pressure lies between or outside the classes)."
        )
    return _Block("p", text)


def _map_blocks(result, k: int, clim, tmp: Path) -> list[_Block]:
    """The 3-D pressure map (front and side) and the unrolled map of one result."""
    from stockingsim.viz import plot_pressure_map, plot_unrolled

    map_path = plot_pressure_map(
        result, tmp / f"map{k}.png", view="both", window_size=(1100, 850), title="", clim=clim
    )
    return [
        _Block(
            "image",
            "Pressure map, front and side; grey = not covered; rings = landmarks; "
            "magenta = above the colour range (the 98th percentile of all results).",
            png=map_path.read_bytes(),
            name=f"map-{k + 1}",
        ),
        _Block(
            "image",
            "Unrolled map: the stocking cut open down the back (0 degrees = front).",
            png=_figure_png(plot_unrolled(result, clim=clim)),
            name=f"unrolled-{k + 1}",
        ),
    ]


def _sheet_blocks(result, spec) -> list[_Block]:
    """The spec sheet: the given spec (a report of one result), else the result's own."""
    from stockingsim.exports import as_table, spec_sheet

    sheet = as_table(spec) if spec is not None else None
    sheet = spec_sheet(result) if sheet is None else sheet
    return [_Block("h3", "Spec sheet"), _Block("table", table=sheet)]


def _gradient_blocks(result, standard: str) -> list[_Block]:
    """The gradient verdict, its table and the reversals (a fold, a rolled top) if any."""
    from stockingsim.exports import gradient_check
    from stockingsim.standards import gradient_verdict

    blocks = [_Block("h3", "Gradient check")]
    gradient, note = gradient_check(result, standard)
    if gradient is None:
        return [*blocks, _Block("p", f"Not available: {note}")]
    verdict = "passed" if gradient_verdict(gradient).passed else "failed"
    blocks.append(_Block("p", f"Gradient rules of {standard}: **{verdict}**."))
    blocks.append(_Block("table", table=gradient))
    rev = gradient.attrs.get("reversals")
    if rev is not None and not rev.empty:
        blocks.append(
            _Block(
                "p",
                f"**Pressure reversal** (a tourniquet: a fold or a rolled top): "
                f"{len(rev)} band(s) where the pressure rises going up the leg.",
            )
        )
        blocks.append(_Block("table", table=rev))
    return blocks


def _leg_blocks(result) -> list[_Block]:
    """The leg: its size and its landmark table."""
    leg = result.leg
    length_cm = 100 * float(getattr(leg, "length_m", np.nan))
    blocks = [
        _Block("h3", "Leg"),
        _Block(
            "p",
            f"{getattr(leg, 'name', 'leg')}: {len(leg.vertices)} vertices, "
            f"{len(leg.faces)} faces, length {length_cm:.1f} cm.",
        ),
    ]
    legs = _leg_table(result)
    if not legs.empty:
        blocks.append(_Block("table", table=legs))
    return blocks


def _fabric_blocks(fabrics: list) -> list[_Block]:
    """The fabrics' tension curves and their table (nothing without a fabric)."""
    from stockingsim.viz import plot_fabric

    if not fabrics:
        return []
    return [
        _Block("h2", "Fabrics"),
        _Block(
            "image",
            "Tension against strain: loading solid, unloading dashed.",
            png=_figure_png(plot_fabric(fabrics)),
            name="fabrics",
        ),
        _Block("table", table=_fabric_table(fabrics)),
    ]


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #ccc}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f2f2f2}
figure{margin:1em 0}img{max-width:100%;height:auto}figcaption{color:#555;font-size:.9em}
"""


def _inline(text: str) -> str:
    """Escape text for HTML, turning ``**bold**`` into <strong>."""
    parts = html.escape(text).split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))


def _to_html(blocks: list[_Block], title: str) -> str:
    body = []
    for block in blocks:
        if block.kind in ("h1", "h2", "h3"):
            body.append(f"<{block.kind}>{html.escape(block.text)}</{block.kind}>")
        elif block.kind == "p":
            body.append(f"<p>{_inline(block.text)}</p>")
        elif block.kind == "table":
            body.append(_fmt_table(block.table).to_html(border=0, na_rep=""))
        elif block.kind == "image":
            data = base64.b64encode(block.png).decode("ascii")
            body.append(
                f'<figure><img alt="{html.escape(block.name)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(block.text)}</figcaption></figure>"
            )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _to_markdown(blocks: list[_Block], path: Path) -> str:
    lines = []
    stem = path.stem
    for block in blocks:
        if block.kind in ("h1", "h2", "h3"):
            lines.append("#" * int(block.kind[1]) + " " + block.text)
        elif block.kind == "p":
            lines.append(block.text)
        elif block.kind == "table":
            lines.append(_md_table(block.table))
        elif block.kind == "image":
            image = path.with_name(f"{stem}-{block.name}.png")
            image.write_bytes(block.png)
            lines.append(f"![{block.name}]({image.name})\n\n*{block.text}*")
        lines.append("")
    return "\n".join(lines)


def report(
    result_or_results,
    path,
    standard: str = vocab.DEFAULT_STANDARD,
    target=None,
    spec: pd.DataFrame | None = None,
    title: str | None = None,
) -> Path:
    """Write a report of one or several pressure results.

    The report holds an overview table (pressure at B, class, gradient verdict), the pressure
    profile (all results overlaid, with the standard's class bands and the design target),
    and for every result the 3D pressure map (front and side), the unrolled map, the spec sheet,
    the classification and gradient check, and the leg's landmarks; then the fabric curves and a
    fabric summary.

    Parameters
    ----------
    result_or_results : PressureResult, sequence of them, or {label: PressureResult}
    path : str or Path
        ``.html``/``.htm``: one self-contained file (images embedded as base64 PNG).
        ``.md``: Markdown, with the PNG files written beside it (``<stem>-<image>.png``).
    standard : str
        Standard for the class bands, classification and gradient check.
    target : optional
        Design target drawn on the profile (see :func:`stockingsim.viz.plot_profile`).
    spec : DesignSpec or pandas.DataFrame, optional
        Spec sheet of :func:`stockingsim.design_stocking`, shown instead of the spec sheet
        derived from the result (only with a single result).
    title : str, optional

    Returns
    -------
    Path
    """
    from stockingsim.viz._helpers import as_labelled

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".md"):
        raise errors.ExportError(
            f"Cannot tell the report format from {str(path)!r}; end the name in .html or .md."
        )
    items = as_labelled(result_or_results)
    title = title or (
        f"Compression stocking report: {items[0][0]}"
        if len(items) == 1
        else "Compression stocking report"
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise errors.ExportError(f"Cannot create the folder of {str(path)!r}: {exc}.") from exc
    blocks = _blocks(items, standard, target, spec, title)
    text = _to_html(blocks, title) if suffix in (".html", ".htm") else _to_markdown(blocks, path)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise errors.ExportError(f"Cannot write the report {str(path)!r}: {exc}.") from exc
    return path
