"""Reading a strip tensile test from CSV (fabric/_tensile_csv.py): every documented spelling.

Each header alias and symbol, each unit (with its exact factor to mm or N), the separators,
decimal commas, metadata and units rows, encodings, and every message of a file that cannot
be read (class, file, what is wrong and what to do).
"""

import re

import numpy as np
import pytest

from stockingsim import errors
from stockingsim.fabric._tensile_csv import (
    _EXTENSION_NAMES,
    _FORCE_NAMES,
    _match,
    _split_header,
    _to_numbers,
    _unit_cell,
    read_tensile_csv,
)

ROWS = [(0.0, 0.0), (10.0, 1.0), (20.0, 2.5), (30.0, 4.5), (40.0, 7.0), (50.0, 10.0)]


def _csv(tmp_path, header, rows=ROWS, sep=",", before="", name="t.csv", fmt="{}"):
    body = "".join(sep.join(fmt.format(v) for v in r) + "\n" for r in rows)
    path = tmp_path / name
    path.write_text(before + sep.join(header) + "\n" + body, encoding="utf-8")
    return path


def _ext(data):
    return data.extension_mm.tolist()


def _force(data):
    return data.force_n.tolist()


E = [r[0] for r in ROWS]
F = [r[1] for r in ROWS]


# ---------------------------------------------------------------- header names
@pytest.mark.parametrize(
    "name, expected",
    [
        ("Extension (mm)", ("extension", "mm")),
        ("Force [N]", ("force", "n")),
        ("Weg {mm}", ("weg", "mm")),
        ("Kraft ( kN )", ("kraft", "kn")),
        ("F in N", ("f", "n")),
        ("Standardkraft in N", ("standardkraft", "n")),
        ("force_N", ("force", "n")),
        ("extension-cm", ("extension", "cm")),
        ("Dehnung %", ("dehnung", "%")),
        ("Verlängerung in mm", ("verlangerung", "mm")),
        ("Zöller Weg", ("zollerweg", None)),
        ("Über Kraft", ("uberkraft", None)),
        ("ΔL (mm)", ("dl", "mm")),
        ('"Load"', ("load", None)),
        ("'Load'", ("load", None)),
        ("  Kraft  ", ("kraft", None)),
        ("Load/lbf", ("load", "lbf")),
        ("Load kgf", ("load", "kgf")),
        ("Zugkraft dan", ("zugkraft", "dan")),
        ("Kraft cn", ("kraft", "cn")),
        ("Kraft mn", ("kraft", "mn")),
        ("Weg m", ("weg", "m")),
        ("Time", ("time", None)),
        ("Extension 2", ("extension", None)),
        ('"Force_kN"', ("force", "kn")),  # quotes go before the unit suffix is read
        ("'Weg_cm'", ("weg", "cm")),
        ("Weg X", ("wegx", None)),
        ("X Kraft", ("xkraft", None)),
    ],
)
def test_header_names_and_units(name, expected):
    assert _split_header(name) == expected


def test_columns_match_exact_names_first_then_prefix_or_suffix():
    assert _match(["Time", "Weg (mm)", "Kraft (N)"], _EXTENSION_NAMES) == "Weg (mm)"
    assert _match(["Time", "Weg (mm)", "Kraft (N)"], _FORCE_NAMES) == "Kraft (N)"
    # exact before partial: "Standardweg" is exact, "Wegstrecke" only starts with "weg"
    assert _match(["Wegstrecke", "Standardweg"], _EXTENSION_NAMES) == "Standardweg"
    assert _match(["Wegstrecke", "Kraft"], _EXTENSION_NAMES) == "Wegstrecke"
    assert _match(["Kanal Weg", "Kraft"], _EXTENSION_NAMES) == "Kanal Weg"  # ends with it
    # an extension column wins over a strain column
    assert _match(["Strain (%)", "Extension (mm)"], _EXTENSION_NAMES) == "Extension (mm)"
    # symbols only as the whole name, after every alias
    assert _match(["F in N", "dL in mm"], _FORCE_NAMES) == "F in N"
    assert _match(["F in N", "dL in mm"], _EXTENSION_NAMES) == "dL in mm"
    assert _match(["Fx", "dLx"], _FORCE_NAMES) is None
    assert _match(["ds", "Kraft"], _EXTENSION_NAMES) == "ds"
    assert _match(["Delta L (mm)", "Kraft"], _EXTENSION_NAMES) == "Delta L (mm)"
    assert _match(["Fn", "Weg"], _FORCE_NAMES) == "Fn"
    assert _match(["Time", "Temp"], _FORCE_NAMES) is None
    # the excluded column is not matched again
    assert _match(["Load", "Lastweg"], _FORCE_NAMES, exclude="Load") == "Lastweg"


@pytest.mark.parametrize("alias", [a for a in _EXTENSION_NAMES if a != "strain"])
def test_every_extension_alias_is_read(tmp_path, alias):
    data = read_tensile_csv(_csv(tmp_path, [f"{alias.title()} (mm)", "Force (N)"]))
    assert data.extension_column == f"{alias.title()} (mm)"
    assert _ext(data) == E and _force(data) == F


@pytest.mark.parametrize("alias", _FORCE_NAMES)
def test_every_force_alias_is_read(tmp_path, alias):
    data = read_tensile_csv(_csv(tmp_path, ["Extension (mm)", f"{alias.title()} (N)"]))
    assert data.force_column == f"{alias.title()} (N)"
    assert _force(data) == F


@pytest.mark.parametrize("alias", ["Strain", "Tensile strain", "Engineering strain"])
def test_strain_columns_need_a_unit(tmp_path, alias):
    data = read_tensile_csv(_csv(tmp_path, [f"{alias} (%)", "Force (N)"]))
    assert data.extension_column == f"{alias} (%) [%]"
    assert _ext(data) == E
    path = _csv(tmp_path, [alias, "Force (N)"], name="n.csv")
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(path)
    assert str(info.value) == (
        f"tensile file {str(path)!r}: the strain column {alias!r} has no unit; name it "
        "'Strain (%)' or 'Strain (mm/mm)' (or give an extension column in mm)."
    )


# ---------------------------------------------------------------- units
@pytest.mark.parametrize(
    "unit, factor, label",
    [
        ("mm", 1.0, ""),
        ("cm", 10.0, ""),
        ("m", 1000.0, ""),
        ("um", 1e-3, ""),
        ("µm", 1e-3, ""),
        ("in", 25.4, ""),
        ("inch", 25.4, ""),
        ("%", 1.0, " [%]"),
        ("mm/mm", 100.0, " [%]"),
        ("m/m", 100.0, " [%]"),
        ("cm/cm", 100.0, " [%]"),
        ("in/in", 100.0, " [%]"),
    ],
)
def test_extension_units(tmp_path, unit, factor, label):
    data = read_tensile_csv(_csv(tmp_path, [f"Extension ({unit})", "Force (N)"]))
    assert _ext(data) == [e * factor for e in E]
    assert data.extension_column == f"Extension ({unit}){label}"


def test_no_extension_unit_is_mm(tmp_path):
    data = read_tensile_csv(_csv(tmp_path, ["Extension", "Force"]))
    assert _ext(data) == E and _force(data) == F
    assert (data.extension_column, data.force_column) == ("Extension", "Force")


@pytest.mark.parametrize(
    "unit, factor",
    [
        ("N", 1.0),
        ("kN", 1000.0),
        ("cN", 0.01),
        ("mN", 1e-3),
        ("daN", 10.0),
        ("lbf", 4.4482216152605),
        ("kgf", 9.80665),
        ("gf", 9.80665e-3),
    ],
)
def test_force_units(tmp_path, unit, factor):
    data = read_tensile_csv(_csv(tmp_path, ["Extension (mm)", f"Force [{unit}]"]))
    assert _force(data) == [f * factor for f in F]


def test_unknown_units_are_refused(tmp_path):
    path = _csv(tmp_path, ["Extension (furlong)", "Force (N)"])
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(path)
    assert str(info.value) == (
        f"tensile file {str(path)!r}: unknown extension unit 'furlong'; use mm, cm, m, in, % or "
        "mm/mm (strain)."
    )
    path = _csv(tmp_path, ["Extension (mm)", "Force (pond)"], name="f.csv")
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(path)
    assert str(info.value) == (
        f"tensile file {str(path)!r}: unknown force unit 'pond'; use N, cN, daN, kN, lbf or kgf."
    )


# ---------------------------------------------------------------- rows, separators, numbers
def test_separators_and_decimal_commas(tmp_path):
    for sep in (";", "\t"):
        path = _csv(tmp_path, ["Weg (mm)", "Kraft (N)"], sep=sep, name="s.csv", fmt="{}")
        text = path.read_text(encoding="utf-8").replace(".", ",")
        path.write_text(text, encoding="utf-8")
        data = read_tensile_csv(path)
        assert _ext(data) == E and _force(data) == F
    # with ',' separators a comma is a separator, never a decimal mark
    data = read_tensile_csv(_csv(tmp_path, ["Weg (mm)", "Kraft (N)"]))
    assert _ext(data) == E


def test_numbers_with_thousands_and_blanks():
    assert _to_numbers(["1.234,5", ' "2,5" ', "3", "", "x"], True).tolist()[:3] == [
        1234.5,
        2.5,
        3.0,
    ]
    out = _to_numbers(["1.234,5", "", "x", "7.5"], True)
    assert np.isnan(out[1]) and np.isneginf(out[2]) and out[3] == 7.5
    assert _to_numbers(["1.5", "2,5"], False)[0] == 1.5
    assert np.isneginf(_to_numbers(["2,5"], False)[0])


def test_metadata_comments_and_a_units_row_are_skipped(tmp_path):
    # a comment is never the header, even one with column names
    before = "Machine: Z010\n\n# Weg;Kraft\n  # Weg;Kraft\nSpecimen: 1\n"
    rows = [("mm", "N")] + ROWS[:3] + [("#", "note")] + ROWS[3:]
    path = _csv(
        tmp_path,
        ["Time", "Weg", "Kraft"],
        before=before,
        sep=";",
        rows=[("s",) + r if r[0] == "mm" else ("0",) + tuple(str(v) for v in r) for r in rows],
    )
    text = path.read_text(encoding="utf-8").replace("0;#;note", "# note")
    path.write_text(text, encoding="utf-8")
    data = read_tensile_csv(path)
    assert _ext(data) == E and _force(data) == F
    assert (data.extension_column, data.force_column, data.source) == ("Weg", "Kraft", str(path))


def test_a_units_row_gives_units_the_header_lacks_only(tmp_path):
    rows = [('"(cm)"', "[kN]")] + ROWS
    data = read_tensile_csv(_csv(tmp_path, ["Extension", "Force"], rows=rows))
    assert _ext(data) == [10.0 * e for e in E]
    assert _force(data) == [1000.0 * f for f in F]
    data = read_tensile_csv(_csv(tmp_path, ["Extension (mm)", "Force"], rows=rows, name="b"))
    assert _ext(data) == E and _force(data) == [1000.0 * f for f in F]
    data = read_tensile_csv(_csv(tmp_path, ["Extension", "Force (N)"], rows=rows, name="c"))
    assert _ext(data) == [10.0 * e for e in E] and _force(data) == F


def test_an_unknown_unit_in_the_units_row_is_refused(tmp_path):
    path = _csv(tmp_path, ["Extension", "Force"], rows=[("X", "N")] + ROWS)
    with pytest.raises(errors.TensileDataError, match="unknown extension unit 'x'"):
        read_tensile_csv(path)


def test_unit_cells():
    assert _unit_cell("mm") == "mm"
    assert _unit_cell(' "(mm)" ') == "mm"
    assert _unit_cell("[N]") == "n"
    assert _unit_cell("'{kN}'") == "kn"
    assert _unit_cell("  ") is None


def test_rows_with_a_blank_value_are_dropped(tmp_path):
    rows = ROWS[:2] + [("15.0", "")] + [("", "3.0")] + ROWS[2:]
    data = read_tensile_csv(_csv(tmp_path, ["Extension (mm)", "Force (N)"], rows=rows))
    assert _ext(data) == E and _force(data) == F
    # a short row lacks the force
    path = tmp_path / "short.csv"
    path.write_text(
        "Time,Extension (mm),Force (N)\n"
        + "".join(f"0,{e},{f}\n" for e, f in ROWS)
        + "1,5\n"
        + "1\n",
        encoding="utf-8",
    )
    assert _ext(read_tensile_csv(path)) == E


def test_the_first_200_lines_are_searched_for_the_header(tmp_path):
    rows = "".join(f"{e},{f}\n" for e, f in ROWS)
    ok = tmp_path / "ok.csv"
    ok.write_text("meta\n" * 199 + "Extension (mm),Force (N)\n" + rows, encoding="utf-8")
    assert _ext(read_tensile_csv(ok)) == E
    late = tmp_path / "late.csv"
    late.write_text("meta\n" * 200 + "Extension (mm),Force (N)\n" + rows, encoding="utf-8")
    with pytest.raises(errors.TensileDataError, match="no header"):
        read_tensile_csv(late)


def test_encodings(tmp_path):
    rows = "".join(f"{e};{f}\n" for e, f in ROWS)
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + ("Extension (mm);Force (N)\n" + rows).encode("utf-8"))
    data = read_tensile_csv(bom)
    assert data.extension_column == "Extension (mm)" and _ext(data) == E
    # bytes that neither UTF-8 nor Windows-1252 define are replaced
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"Operator: \x81\x8d\n" + ("Weg (mm);Kraft (N)\n" + rows).encode())
    assert _ext(read_tensile_csv(odd)) == E
    ansi = tmp_path / "ansi.csv"
    ansi.write_bytes(("Verlängerung in mm;Kraft in N\n" + rows).encode("cp1252"))
    data = read_tensile_csv(ansi)
    assert data.extension_column == "Verlängerung in mm" and _ext(data) == E


# ---------------------------------------------------------------- explicit columns
def test_explicit_columns_any_case(tmp_path):
    path = _csv(tmp_path, ["ch1", "ch2", "ch3"], rows=[(9.0,) + r for r in ROWS])
    data = read_tensile_csv(path, extension_column=" CH2 ", force_column="Ch3")
    assert _ext(data) == E and _force(data) == F
    assert (data.extension_column, data.force_column) == ("ch2", "ch3")
    # one named, the other matched
    path = _csv(tmp_path, ["ch1", "Force (N)"], rows=ROWS, name="one.csv")
    assert _force(read_tensile_csv(path, extension_column="ch1")) == F
    path = _csv(tmp_path, ["Weg (mm)", "ch2"], rows=ROWS, name="two.csv")
    assert _ext(read_tensile_csv(path, force_column="CH2")) == E


def test_missing_explicit_or_recognized_columns(tmp_path):
    path = _csv(tmp_path, ["ch1", "ch2"])
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(path, extension_column="ch1", force_column="ch9")
    assert str(info.value) == (
        f"tensile file {str(path)!r}: no header with columns 'ch1' and 'ch9' found (first line: "
        "'ch1,ch2'). Name the columns with extension_column= and force_column=, and use ',' or "
        "';' as separator."
    )
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(path)
    assert str(info.value) == (
        f"tensile file {str(path)!r}: no header with an extension column (e.g. 'Extension "
        "(mm)', 'Dehnung') and a force column (e.g. 'Force (N)', 'Kraft') found (first line: "
        "'ch1,ch2'). Name the columns with extension_column= and force_column=, and use ',' "
        "or ';' as separator."
    )
    # the header is found by its force column; the named extension column is not in it
    path = _csv(tmp_path, ["Weg (mm)", "Kraft (N)", "ch9"], rows=[r + (1.0,) for r in ROWS])
    assert _force(read_tensile_csv(path, force_column="CH9")) == [1.0] * 6
    path = _csv(tmp_path, ["Weg (mm)", "Kraft (N)"], name="x.csv")
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(path, extension_column="ch9", force_column=None)
    assert "no header with columns 'ch9' and None found" in str(info.value)


def test_quoted_header_cells_are_named_without_quotes(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('"ch1","chX"\n' + "".join(f"{e},{f}\n" for e, f in ROWS), encoding="utf-8")
    data = read_tensile_csv(path, extension_column="ch1", force_column="chX")
    assert (data.extension_column, data.force_column) == ("ch1", "chX")
    assert _ext(data) == E and _force(data) == F


def test_a_named_column_must_be_in_the_header(tmp_path):
    path = _csv(tmp_path, ["Weg (mm)", "Kraft (N)"])
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(path, extension_column="Weg (mm)", force_column="ch9")
    assert str(info.value).startswith(
        f"tensile file {str(path)!r}: no header with columns 'Weg (mm)' and 'ch9' found"
    )


def test_the_extension_column_is_not_also_the_force(tmp_path):
    # "Lastweg" reads as both (starts with "last", ends with "weg")
    path = _csv(tmp_path, ["Lastweg", "Time"])
    with pytest.raises(errors.TensileDataError, match="no header with an extension column"):
        read_tensile_csv(path)
    # named as the extension, no other column is a force
    path = _csv(tmp_path, ["Load (mm)", "Temp"], name="l.csv")
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(path, extension_column="load (mm)")
    assert str(info.value) == (
        f"tensile file {str(path)!r}: no force column recognized in ['Load (mm)', 'Temp']; "
        "name it with force_column=."
    )


def test_the_first_line_in_the_message_is_cut_at_120_characters(tmp_path):
    long = "x" * 130
    path = _csv(tmp_path, ["ch1", "ch2"], before=long + "\n")
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(path)
    assert f"(first line: {'x' * 120!r})" in str(info.value)


def test_a_header_found_with_one_named_column_reports_the_other(tmp_path):
    from stockingsim.fabric._tensile_csv import _pick_column

    with pytest.raises(errors.TensileDataError) as info:
        _pick_column(["a", "b"], "c", _EXTENSION_NAMES, "extension", "'w'")
    assert str(info.value) == (
        "tensile file 'w': no extension column named 'c'; columns are ['a', 'b']."
    )
    with pytest.raises(errors.TensileDataError) as info:
        _pick_column(["a", "b"], None, _FORCE_NAMES, "force", "'w'")
    assert str(info.value) == (
        "tensile file 'w': no force column recognized in ['a', 'b']; name it with force_column=."
    )
    assert _pick_column(["Load", "Last"], None, _FORCE_NAMES, "force", "w", "Load") == 1


# ---------------------------------------------------------------- bad files
def test_unreadable_empty_and_short_files(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(missing)
    assert str(info.value) == (
        f"tensile file {str(missing)!r}: cannot be read (No such file or directory); check the "
        "path."
    )
    empty = tmp_path / "e.csv"
    empty.write_text(" \n\t\n", encoding="utf-8")
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(empty)
    assert str(info.value) == (
        f"tensile file {str(empty)!r}: is empty; export the test as CSV with extension and "
        "force columns."
    )
    head = _csv(tmp_path, ["Extension (mm)", "Force (N)"], rows=[("mm", "N")], name="h.csv")
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(head)
    assert str(info.value) == f"tensile file {str(head)!r}: has a header but no data rows."
    four = _csv(tmp_path, ["Extension (mm)", "Force (N)"], rows=ROWS[:4], name="4.csv")
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(four)
    assert str(info.value) == (
        f"tensile file {str(four)!r}: only 4 rows with both extension and force; a test needs "
        "many samples."
    )
    five = _csv(tmp_path, ["Extension (mm)", "Force (N)"], rows=ROWS[:5], name="5.csv")
    assert _ext(read_tensile_csv(five)) == E[:5]


@pytest.mark.parametrize("column", [0, 1])
def test_a_non_numeric_cell_names_its_column_and_line(tmp_path, column):
    rows = [list(map(str, r)) for r in ROWS]
    rows[2][column] = "X"
    path = _csv(tmp_path, ["Extension (mm)", "Force (N)"], rows=rows, before="meta\n")
    with pytest.raises(errors.TensileDataError) as info:
        read_tensile_csv(path)
    name = ["Extension (mm)", "Force (N)"][column]
    assert str(info.value) == (
        f"tensile file {str(path)!r}: non-numeric value in column {name!r} at line 5; clean "
        "the file (numbers only below the header; with ';' separators decimal commas are fine)."
    )
    # the line is the file's, after a units row, a blank line and a comment too
    rows = [("mm", "N")] + rows
    path = _csv(tmp_path, ["Extension", "Force"], rows=rows, name="u.csv")
    with pytest.raises(errors.TensileDataError, match=re.escape("at line 5;")):
        read_tensile_csv(path)
    text = path.read_text(encoding="utf-8").replace("mm,N\n", "mm,N\n\n   # note\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(errors.TensileDataError, match=re.escape("at line 7;")):
        read_tensile_csv(path)
