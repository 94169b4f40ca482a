"""Bulk import and export of entries (knowledge.transfer): CSV cells a spreadsheet will not
run, a BOM for Excel, and imports bounded in line size, nesting and entry size."""

from __future__ import annotations

import csv
import io
import json

from chattext.spreadsheet import csv_text, safe_cell, unescape_cell
from knowledge.corpus import EntryLimits
from knowledge.transfer import export_entries, parse_entries

ENTRY = {
    "id": "fees-formula",
    "product": "general",
    "tags": ["-minus", "plain"],
    "questions": {"vi": ["=1+1 là gì?", "@ký hiệu"], "en": ["+plus?"]},
    "answer": {"vi": '=HYPERLINK("http://evil.example","Bấm")', "en": "\tTabbed"},
}


def test_cells_that_start_like_formulas_are_made_inert() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(f"{start}x") == f"'{start}x"
        assert unescape_cell(safe_cell(f"{start}x")) == f"{start}x"
    assert safe_cell("Thẻ") == "Thẻ" and safe_cell(-5) == -5 and safe_cell(None) is None
    assert unescape_cell("'quoted") == "'quoted"  # an apostrophe of the author's stays
    text = csv_text(["a", "b"], [["=cmd", 3]])
    assert text == "\ufeffa,b\n'=cmd,3\n"


def test_export_is_inert_and_imports_back_unchanged() -> None:
    (entry,) = parse_entries(json.dumps(ENTRY), "jsonl")[0]
    text = export_entries([entry], "csv")
    assert text.startswith("\ufeffid,product")
    rows = list(csv.reader(io.StringIO(text[1:])))
    for cell in rows[1]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    back, errors = parse_entries(text, "csv")
    assert errors == []
    assert back[0]["answer"] == entry["answer"] and back[0]["tags"] == entry["tags"]
    assert back[0]["questions"] == entry["questions"]


def test_deep_nesting_is_an_error_on_its_line() -> None:
    text = json.dumps(ENTRY) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n" + "{" * 50 + "\n"
    entries, errors = parse_entries(text, "jsonl")
    assert [e["id"] for e in entries] == ["fees-formula"]
    assert [(e.line, e.too_large) for e in errors] == [(2, True), (3, True)]
    # Brackets inside strings are text, not nesting.
    quoted = {**ENTRY, "answer": {**ENTRY["answer"], "vi": "[" * 1000 + "{" * 1000}}
    assert parse_entries(json.dumps(quoted), "jsonl")[1] == []
    _, yaml_errors = parse_entries("- " + "[" * 100_000, "yaml")
    assert yaml_errors[0].too_large and yaml_errors[0].line == 1


def test_sizes_are_bounded_with_the_line_named() -> None:
    limits = EntryLimits(question_chars=20, answer_chars=50, questions=2, tags=1)
    cases = {
        "answer.vi is too long": {**ENTRY, "answer": {"vi": "x" * 51}},
        "question is too long": {**ENTRY, "questions": {"vi": ["q" * 21]}},
        "at most 2": {**ENTRY, "questions": {"vi": ["a", "b", "c"]}},
        "tags": {**ENTRY, "tags": ["a", "b"]},
    }
    for expected, entry in cases.items():
        text = "\n" + json.dumps({**entry, "answer": entry["answer"] | {"en": "ok"}})
        _, errors = parse_entries(text, "jsonl", limits)
        assert errors and errors[0].line == 2 and expected in errors[0].message, errors
        assert errors[0].too_large
    huge_cell = "id,product,questions_vi,answer_vi\nx-y,p,q?," + "y" * 200_000 + "\n"
    _, errors = parse_entries(huge_cell, "csv")
    assert errors[0].line == 2 and errors[0].too_large
