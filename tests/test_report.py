"""Reports: one self-contained HTML file, or Markdown with the PNGs beside it."""

import base64
import re

import pytest

import stockingsim as ss
from stockingsim import errors

pytest.importorskip("pyvista")
pytest.importorskip("matplotlib")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def designed():
    leg = ss.bundled_leg()
    fabric = ss.fabric_library()["circular class II"]
    stocking, spec = ss.design_stocking(leg, fabric, "RAL-GZ 387:II")
    return leg, stocking, spec


@pytest.fixture(scope="module")
def results(designed):
    leg, stocking, _ = designed
    return {m: ss.simulate(leg, stocking, method=m) for m in ("laplace", "membrane")}


def test_html_report_is_self_contained(designed, results, tmp_path):
    _, _, spec = designed
    result = results["membrane"]
    path = ss.report(result, tmp_path / "out" / "report.html", spec=spec, target="RAL-GZ 387:II")
    text = path.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    # profile, map, unrolled map, fabric curves
    assert len(images) == 4
    for data in images:
        assert base64.b64decode(data)[:8] == PNG
    assert not re.search(r'(src|href)="(https?:|file:|/)', text)  # nothing loaded from elsewhere
    cls = result.classify("RAL-GZ 387")
    assert cls == "II"
    assert f"Class under RAL-GZ 387: <strong>{cls}</strong>" in text
    assert "Gradient check" in text and "Spec sheet" in text
    assert "flat_width_cm" in text and "target_mmhg" in text  # the design spec sheet
    assert "circular class II" in text and "anny_f_avg" in text  # fabric and leg summaries
    assert list(tmp_path.joinpath("out").iterdir()) == [path]  # one file, nothing beside it


def test_markdown_report_writes_pngs_beside_it(results, tmp_path):
    path = ss.report(results, tmp_path / "report.md")
    text = path.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 1 + 2 * 2 + 1  # profile, map + unrolled per result, fabrics
    for link in links:
        assert (tmp_path / link).read_bytes()[:8] == PNG
    # the overview has one row per result, with its class
    assert "| laplace |" in text and "| membrane |" in text
    assert text.count("Class under RAL-GZ 387: **II**") == 2


def test_report_needs_a_known_format(results, tmp_path):
    with pytest.raises(errors.ExportError, match=r"\.html or \.md"):
        ss.report(results["laplace"], tmp_path / "report.pdf")


def test_report_is_callable_after_the_module_was_imported(results, tmp_path):
    import stockingsim._report  # noqa: F401  (as doctest collection does)

    assert callable(ss.report)
    assert ss.report(results["laplace"], tmp_path / "r.md").exists()
