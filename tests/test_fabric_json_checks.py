"""The JSON form of a fabric (schema ``stockingsim.fabric/1``, fabric/_json.py).

Its exact layout, the exact round trip (every field, with a fit report and inner-loop
strains), the accepted inputs (a path, a str path, JSON text with leading blanks) and every
error: the exception class, the origin (``JSON text`` or the path) and what to do.
"""

import json
from pathlib import Path

import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.fabric import BranchFit, FitReport, LinearModel, PolynomialModel
from stockingsim.fabric._json import (
    SCHEMA,
    fabric_to_dict,
    fields_from_dict,
    read_json,
    write_json,
)

REPORT = FitReport(
    source="a.csv",
    width_mm=50.0,
    gauge_mm=100.0,
    model="polynomial",
    cycles="all",
    fits=(
        BranchFit(
            "course",
            "loading",
            "polynomial",
            (("coefficients", (100.0, 5.0)),),
            0.99,
            1.5,
            0.0,
            1.2,
            300,
            ((1.0, 0.1), (0.1, 2.0)),
        ),
    ),
    notes=("wale derived",),
)


def _fabric(**kw):
    base = dict(
        name="knit",
        course_loading=PolynomialModel((100.0, 5.0), 0.0, 1.2),
        course_unloading=PolynomialModel((80.0, 4.0), 0.0, 1.2),
        wale_loading=LinearModel(60.0, 0.0, 0.8),
        wale_unloading=LinearModel(50.0, 0.0, 0.8),
        description="a test knit",
        provenance=(("source", "test"), ("n", 3)),
        fit_report=REPORT,
        inner_loop_strain=(0.015, 0.03),
    )
    return ss.Fabric(**{**base, **kw})


def test_the_dict_has_the_documented_layout():
    f = _fabric()
    assert SCHEMA == "stockingsim.fabric/1"
    assert fabric_to_dict(f) == {
        "schema": "stockingsim.fabric/1",
        "name": "knit",
        "description": "a test knit",
        "curves": {
            "course": {
                "loading": {
                    "model": "polynomial",
                    "coefficients": [100.0, 5.0],
                    "min_strain": 0.0,
                    "max_strain": 1.2,
                },
                "unloading": {
                    "model": "polynomial",
                    "coefficients": [80.0, 4.0],
                    "min_strain": 0.0,
                    "max_strain": 1.2,
                },
            },
            "wale": {
                "loading": {
                    "model": "linear",
                    "stiffness_n_per_m": 60.0,
                    "min_strain": 0.0,
                    "max_strain": 0.8,
                },
                "unloading": {
                    "model": "linear",
                    "stiffness_n_per_m": 50.0,
                    "min_strain": 0.0,
                    "max_strain": 0.8,
                },
            },
        },
        "provenance": [["source", "test"], ["n", 3]],
        "fit_report": REPORT.to_dict(),
        "inner_loop_strain": {"course": 0.015, "wale": 0.03},
    }
    assert f.to_dict() == fabric_to_dict(f)
    assert fabric_to_dict(_fabric(fit_report=None))["fit_report"] is None


def test_round_trip_is_exact_for_every_field(tmp_path):
    f = _fabric()
    text = f.to_json(tmp_path / "f.json")
    assert (tmp_path / "f.json").read_text(encoding="utf-8") == text
    for source in (text, tmp_path / "f.json", str(tmp_path / "f.json"), "  \n\t" + text):
        g = ss.Fabric.from_json(source)
        assert g == f
        assert g.fit_report == REPORT and g.inner_loop_strain == (0.015, 0.03)
        assert g.provenance == (("source", "test"), ("n", 3))
        assert g.description == "a test knit" and g.name == "knit"


def test_written_text_is_strict_json_indented_by_two():
    data = {"a": [1, 2], "b": "x"}
    assert write_json(data, None) == json.dumps(data, indent=2)
    assert write_json(data, None).splitlines()[1] == '  "a": ['
    with pytest.raises(ValueError, match="JSON compliant"):  # no NaN in strict JSON
        write_json({"a": float("nan")}, None)


def test_an_unwritable_path_raises_export_error(tmp_path):
    target = tmp_path / "missing" / "f.json"
    with pytest.raises(errors.ExportError) as info:
        write_json({"a": 1}, target)
    msg = str(info.value)
    assert msg.startswith(f"cannot write fabric JSON to {str(target)!r}: No such file")
    assert msg.endswith("; check the directory exists and is writable.")
    assert isinstance(info.value.__cause__, OSError)


def test_read_json_says_where_the_data_came_from(tmp_path):
    assert read_json('{"a": 1}') == ({"a": 1}, "JSON text")
    assert read_json('  {"a": 1}') == ({"a": 1}, "JSON text")
    path = tmp_path / "x.json"
    path.write_text('{"a": 2}', encoding="utf-8")
    assert read_json(path) == ({"a": 2}, str(path))
    assert read_json(str(path)) == ({"a": 2}, str(path))
    # JSON text that is not an object is read as a path
    with pytest.raises(errors.FabricFileError, match=r"^cannot read fabric file '\[1\]'"):
        read_json("[1]")


def test_unreadable_files_raise_fabric_file_error(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(errors.FabricFileError) as info:
        read_json(missing)
    msg = str(info.value)
    assert msg.startswith(f"cannot read fabric file {str(missing)!r} (")
    assert "No such file" in msg
    assert msg.endswith(
        "); pass the path of a JSON file written by Fabric.to_json, or the JSON text itself."
    )
    assert info.value.__cause__ is None and info.value.__suppress_context__
    (tmp_path / "latin.json").write_bytes(b'{"name": "Str\xfcmpfe"}')  # not UTF-8
    with pytest.raises(errors.FabricFileError, match="cannot read fabric file .*utf-8"):
        read_json(tmp_path / "latin.json")
    with pytest.raises(errors.FabricFileError, match="^cannot read fabric file '12' "):
        read_json(12)  # not a path at all
    with pytest.raises(errors.FabricFileError, match="cannot read fabric file"):
        ss.Fabric.from_json(missing)


def test_invalid_json_says_where_and_what_to_do(tmp_path):
    with pytest.raises(errors.FabricFileError) as info:
        read_json("{not json")
    msg = str(info.value)
    assert msg.startswith("JSON text is not valid JSON (Expecting property name")
    assert msg.endswith("); write it with Fabric.to_json.")
    assert info.value.__cause__ is None and info.value.__suppress_context__
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(errors.FabricFileError, match=f"^{str(bad)} is not valid JSON"):
        ss.Fabric.from_json(bad)


# ---------------------------------------------------------------- fields_from_dict
GOOD = fabric_to_dict(_fabric())


def _raises(data, where="fabric JSON"):
    with pytest.raises(errors.FabricFileError) as info:
        fields_from_dict(data, where)
    return str(info.value)


def test_fields_are_the_fabric_keyword_arguments():
    kw = fields_from_dict(GOOD)
    assert ss.Fabric(**kw) == _fabric()
    assert set(kw) == {
        "name",
        "description",
        "provenance",
        "fit_report",
        "inner_loop_strain",
        "course_loading",
        "course_unloading",
        "wale_loading",
        "wale_unloading",
    }
    assert kw["course_unloading"] == PolynomialModel((80.0, 4.0), 0.0, 1.2)
    assert kw["wale_loading"] == LinearModel(60.0, 0.0, 0.8)
    assert kw["wale_unloading"] == LinearModel(50.0, 0.0, 0.8)
    assert kw["inner_loop_strain"] == (0.015, 0.03)
    assert kw["provenance"] == (("source", "test"), ("n", 3))


def test_optional_keys_take_their_defaults():
    bare = {"schema": SCHEMA, "name": "bare", "curves": GOOD["curves"]}
    kw = fields_from_dict(bare)
    assert kw["description"] == ""
    assert kw["provenance"] == ()
    assert kw["fit_report"] is None
    assert kw["inner_loop_strain"] == (0.02, 0.02)
    f = ss.Fabric(**kw)
    assert f.inner_loop_strain == (0.02, 0.02)
    # inner_loop_strain as a list, keys of the provenance made strings, a number description
    kw = fields_from_dict(
        {**bare, "inner_loop_strain": [0.01, 0.04], "provenance": [[1, "x"]], "description": 5}
    )
    assert kw["inner_loop_strain"] == (0.01, 0.04)
    assert kw["provenance"] == (("1", "x"),)
    assert kw["description"] == "5"
    kw = fields_from_dict({**bare, "fit_report": None, "inner_loop_strain": None})
    assert kw["fit_report"] is None and kw["inner_loop_strain"] == (0.02, 0.02)


def test_the_top_level_must_be_an_object_of_this_schema():
    assert _raises([1, 2]) == "fabric JSON: expected a JSON object at the top level."
    assert _raises("x", "a.json") == "a.json: expected a JSON object at the top level."
    with pytest.raises(errors.FabricFileError, match="^fabric JSON: expected a JSON object"):
        fields_from_dict(None)  # the default origin
    assert _raises({**GOOD, "schema": "stockingsim.fabric/2"}, "f.json") == (
        "f.json: schema is 'stockingsim.fabric/2', expected 'stockingsim.fabric/1'; this file "
        "was not written by Fabric.to_json of this stockingsim version."
    )
    no_schema = {k: v for k, v in GOOD.items() if k != "schema"}
    assert _raises(no_schema).startswith("fabric JSON: schema is None, expected")


def test_missing_keys_are_listed():
    assert _raises({"schema": SCHEMA}) == "fabric JSON: missing key(s) ['name', 'curves']."
    assert _raises({"schema": SCHEMA, "name": "x"}) == "fabric JSON: missing key(s) ['curves']."
    assert _raises({"schema": SCHEMA, "curves": GOOD["curves"]}, "w") == (
        "w: missing key(s) ['name']."
    )


CURVES_MSG = "w: 'curves' must hold course and wale, each with loading and unloading."


@pytest.mark.parametrize(
    "curves",
    [
        {"course": GOOD["curves"]["course"]},  # no wale
        {"wale": GOOD["curves"]["wale"]},  # no course
        {**GOOD["curves"], "wale": {"loading": GOOD["curves"]["wale"]["loading"]}},
        {**GOOD["curves"], "course": {"unloading": GOOD["curves"]["course"]["unloading"]}},
        [1, 2],  # not an object
        {"course": 1, "wale": 2},
    ],
)
def test_curves_must_hold_both_directions_and_branches(curves):
    assert _raises({**GOOD, "curves": curves}, "w") == CURVES_MSG


def test_an_invalid_curve_names_the_model_error():
    curves = json.loads(json.dumps(GOOD["curves"]))
    curves["wale"]["unloading"] = {"model": "magic"}
    msg = _raises({**GOOD, "curves": curves}, "w")
    assert msg.startswith("w: invalid curve: unknown fabric model 'magic'; expected one of")
    curves["wale"]["unloading"] = {"model": "linear", "stiffness_n_per_m": -2.0}
    assert _raises({**GOOD, "curves": curves}, "w").startswith(
        "w: invalid curve: stiffness_n_per_m must be positive"
    )


@pytest.mark.parametrize(
    "change, error",
    [
        ({"provenance": 5}, "TypeError"),
        ({"provenance": [["a", 1, 2]]}, "ValueError"),
        ({"fit_report": {"source": "a.csv"}}, "KeyError('fits')"),
        ({"fit_report": {**REPORT.to_dict(), "width_mm": "wide"}}, "ValueError"),
        ({"inner_loop_strain": {"course": 0.02}}, "KeyError('wale')"),
        ({"inner_loop_strain": 0.02}, "TypeError"),
    ],
)
def test_malformed_labels_name_the_python_error(change, error):
    msg = _raises({**GOOD, **change}, "w")
    assert msg.startswith(f"w: malformed provenance or fit_report ({error}")
    assert msg.endswith(").")
    with pytest.raises(errors.FabricFileError, match="^JSON text: malformed provenance"):
        ss.Fabric.from_json(json.dumps({**GOOD, **change}))


def test_errors_from_a_file_name_the_file(tmp_path):
    path = tmp_path / "f.json"
    path.write_text(json.dumps({**GOOD, "schema": "x"}), encoding="utf-8")
    with pytest.raises(errors.FabricFileError, match=f"^{str(path)}: schema is 'x'"):
        ss.Fabric.from_json(path)
    assert Path(path).exists()
