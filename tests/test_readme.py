"""The README's Python example runs as written and produces what it claims."""

import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_opens_with_the_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    head = text[: text.find("## ", text.find("## ") + 1)]
    assert 'pip install ".[viz]" && stockingsim demo' in head
    assert 'pip install -e ".[test]" && python -m pytest' in head


def test_readme_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "meshes").symlink_to(Path(__file__).parents[1] / "meshes")
    monkeypatch.setenv("PYVISTA_OFF_SCREEN", "true")
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert blocks, "README has no python example"
    namespace: dict = {"__name__": "readme"}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    # the main example designs a class II stocking and checks it
    assert namespace["result"].classify("RAL-GZ 387") == "II"
