"""The printable fitting report: measurements, chosen size, predicted profile against the class."""

from __future__ import annotations

import base64
import html
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from stockingsim import errors

_CSS = """
body{font-family:system-ui,sans-serif;max-width:60em;margin:1.5em auto;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.4em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .6em;
text-align:right}th{background:#f0f0f0}.status{font-size:1.3em;font-weight:bold}
.ok{color:#1a7f37}.bad{color:#b42318}.note{color:#555;font-size:.9em}
@media print{body{margin:0}h2{page-break-after:avoid}img{max-width:100%}}
"""
#: Executables that can print HTML to PDF (headless Chromium's --print-to-pdf).
PDF_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


def _table(frame: pd.DataFrame, index: bool = True) -> str:
    return frame.to_html(index=index, float_format=lambda x: f"{x:.1f}", border=0, na_rep="")


def _profile_png(fit) -> str:
    import matplotlib.pyplot as plt

    from stockingsim.viz import plot_profile

    fig = plot_profile(
        fit.result,
        standard=fit.standard,
        target=fit.target,
        title=f"Predicted profile{' (' + fit.side + ')' if fit.side else ''}",
    )
    # the gradient rules as bars at each landmark: the range allowed as a fraction of B
    ax = fig.axes[0]
    g = fit.gradient
    lo = g["min_percent"].fillna(0.0).to_numpy(float) / 100 * fit.pressure_b_mmhg
    hi = g["max_percent"].fillna(100.0).to_numpy(float) / 100 * fit.pressure_b_mmhg
    ax.hlines(
        100 * g["height_m"],
        lo,
        hi,
        colors="0.35",
        lw=5,
        alpha=0.35,
        label="allowed by the gradient rules",
    )
    ax.legend(fontsize=7, loc="center left")
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _ok(flag: bool, yes: str, no: str) -> str:
    return f'<span class="{"ok" if flag else "bad"}">{yes if flag else no}</span>'


def _section(fit) -> str:
    parts = []
    side = f" - {fit.side} leg" if fit.side else ""
    parts.append(f"<h2>Measurements{side} (cm)</h2>")
    meas = pd.DataFrame([fit.measurements]).T.rename(columns={0: "cm"})
    parts.append(_table(meas.T, index=False))
    size = f" size <b>{html.escape(str(fit.size))}</b>" if fit.size else ""
    if fit.length and fit.length != "normal":
        size += f" ({html.escape(fit.length)})"
    if fit.status == "between sizes":
        size = f" {' and '.join(map(html.escape, fit.sizes))}: recommended" + size
    parts.append(f'<p class="status">{html.escape(fit.status)}{size}</p>')
    for note in fit.notes:
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    if fit.options:
        rows = [
            {
                "size": label,
                "pressure at B (mmHg)": o.pressure_b_mmhg,
                "class at B": o.class_at_b or "none",
                "class met": "yes" if o.class_ok else "no",
                "gradient": "passed" if o.gradient_ok else "failed",
            }
            for label, o in fit.options.items()
        ]
        parts.append("<h2>Predicted pressure per size</h2>" + _table(pd.DataFrame(rows), False))
    parts.append(
        f"<p>Predicted pressure at B: <b>{fit.pressure_b_mmhg:.1f} mmHg</b>, class "
        f"{html.escape(str(fit.class_at_b))} under {html.escape(fit.standard)}; target "
        f"{html.escape(fit.target)} {_ok(fit.class_ok, 'met', 'NOT met')}; gradient "
        f"{_ok(fit.gradient_ok, 'passed', 'FAILED')}.</p>"
    )
    grad = fit.gradient[["pressure_mmhg", "percent_of_B", "min_percent", "max_percent", "passed"]]
    grad = grad.assign(height_cm=100 * fit.gradient["height_m"])[
        ["height_cm", "pressure_mmhg", "percent_of_B", "min_percent", "max_percent", "passed"]
    ]
    parts.append("<h2>Predicted profile</h2>" + _table(grad))
    parts.append(f'<img alt="profile" src="data:image/png;base64,{_profile_png(fit)}">')
    if fit.spec is not None:
        parts.append("<h2>Made-to-measure order form</h2>" + _table(fit.spec.table))
        parts.append(
            f'<p class="note">Fabric {html.escape(fit.spec.fabric)}; flat widths in whole mm, '
            "lengths in whole cm; the 1 cm knitting table is in the design spec.</p>"
        )
    return "\n".join(parts)


def fitting_html(fits: Any, title: str = "Compression stocking fitting report") -> str:
    """The fitting report of one fit or of ``{"left": fit, "right": fit}`` as HTML text."""
    items = list(fits.values()) if isinstance(fits, Mapping) else [fits]
    if not items or not all(hasattr(f, "status") and hasattr(f, "result") for f in items):
        raise errors.ExportError("fitting_report() needs a FitResult or {'left': .., 'right': ..}")
    first = items[0]
    head = (
        f"<h1>{html.escape(title)}</h1><p>Size chart: {html.escape(first.chart or '-')}; "
        f"product class {html.escape(first.target)}; standard {html.escape(first.standard)}. "
        "Predicted pressures are simulated on a leg built from the measurements (or on the "
        "scan); they are a model, not a measurement.</p>"
    )
    body = "\n".join(_section(f) for f in items)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body>{head}{body}</body></html>"
    )


def pdf_engine() -> str | None:
    """The PDF engine found on this machine (a headless browser executable), or None."""
    for name in PDF_BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def html_to_pdf(html_text: str, path: str | Path, engine: str | None = None) -> Path:
    """Print HTML to PDF with headless Chromium (``--print-to-pdf``).

    Raises
    ------
    stockingsim.errors.OptionalDependencyError
        No PDF engine installed (the HTML report can still be printed from any browser).
    """
    engine = engine or pdf_engine()
    if engine is None:
        raise errors.OptionalDependencyError(
            "no PDF engine found (chromium or google-chrome on the PATH): write the HTML "
            "report instead and print it from a browser, or install chromium"
        )
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(html_text, encoding="utf-8")
        cmd = [
            engine,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp}/profile",
            "--no-pdf-header-footer",
            f"--print-to-pdf={path}",
            src.as_uri(),
        ]
        env = {**os.environ, "HOME": tmp}
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=120, env=env)
        except (OSError, subprocess.SubprocessError) as exc:
            raise errors.ExportError(f"the PDF engine {engine} failed: {exc}") from exc
    if not path.exists() or path.stat().st_size == 0:
        raise errors.ExportError(f"the PDF engine {engine} wrote no PDF to {path}")
    return path


def fitting_report(fits: Any, path: str | Path | None = None, fmt: str | None = None) -> Any:
    """A printable fitting report: measurements, chosen size, predicted profile vs the class.

    Parameters
    ----------
    fits : FitResult or {"left": FitResult, "right": FitResult}
    path : str or Path, optional
        Where to write it; None returns the HTML text.
    fmt : {"html", "pdf"}, optional
        Default from the suffix of ``path`` (``.pdf`` -> PDF, else HTML). PDF needs a PDF
        engine (headless Chromium, see :func:`pdf_engine`); without one an
        :class:`~stockingsim.errors.OptionalDependencyError` says so.

    Returns
    -------
    str or Path
        The HTML text (no ``path``) or the file written.
    """
    text = fitting_html(fits)
    if path is None:
        return text
    path = Path(path)
    fmt = (fmt or ("pdf" if path.suffix.lower() == ".pdf" else "html")).lower()
    if fmt == "pdf":
        return html_to_pdf(text, path)
    if fmt != "html":
        raise errors.ExportError(f"fmt must be 'html' or 'pdf', got {fmt!r}")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise errors.ExportError(f"cannot write the report to {path}: {exc}") from exc
    return path
