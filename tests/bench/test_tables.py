"""The tables in docs/benchmarks.md that bench/tables.py builds are what their raw result
files say: a new result without its table, or a table edited by hand, fails here."""

from __future__ import annotations

import sys

from tests.support.stack import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import tables  # noqa: E402


def test_generated_tables_match_their_result_files() -> None:
    text = tables.DOC.read_text(encoding="utf-8")
    named = {m["name"] for m in tables.BLOCK.finditer(text)}
    assert named == set(tables.TABLES), "every table the script builds is in the document"
    assert tables.render(text) == text, "run .venv/bin/python bench/tables.py"


def test_every_soak_row_comes_from_a_file_with_its_run_context() -> None:
    files = tables._load("soak-*.json")
    assert files, "the soak table has runs behind it"
    for name, data in files:
        run = data["run"]
        assert {"date", "commit", "command", "machine", "load_avg"} <= run.keys(), name
        assert f"`{name.removesuffix('.json')}`" in tables.soak_table()
