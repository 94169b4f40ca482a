"""Bulk import and export of entries as CSV, YAML or JSONL text, with every bad line named.

CSV columns: id, product, tags (separated by ``|``), questions_vi and questions_en
(phrasings separated by ``|``), answer_vi, answer_en, and optionally review_at,
expires_at and updated_at. One language may be left empty (the entry is then flagged as
missing a translation).

Usage::

    entries, errors = parse_entries(text, "csv")   # errors: [LineError(line, id, message)]
    text = export_entries(entries, "yaml")
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from chattext.spreadsheet import csv_text, strip_bom, unescape_cell
from knowledge.corpus import CorpusError, EntryLimits, size_problem, validate_entry

Format = Literal["csv", "yaml", "jsonl"]
CSV_COLUMNS = [
    "id",
    "product",
    "tags",
    "questions_vi",
    "questions_en",
    "answer_vi",
    "answer_en",
    "review_at",
    "expires_at",
    "updated_at",
]
REQUIRED_COLUMNS = {"id", "product"}
# An entry is a mapping of mappings of lists: anything nested deeper is not one, and
# parsing 100,000 levels would exhaust Python's recursion before saying so.
MAX_DEPTH = 8
OPTIONAL_FIELDS = ("review_at", "expires_at", "updated_at")


@dataclass
class LineError:
    line: int
    id: str | None
    message: str
    # Past a size or nesting bound: the file is refused as a whole (a 4xx), not listed.
    too_large: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "too_large"}


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split("|") if p.strip()]


def _depth(line: str) -> int:
    """How deeply a JSON text nests its arrays and objects (brackets in strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in line:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _check(
    data: Any,
    line: int,
    out: list[dict[str, Any]],
    errors: list[LineError],
    limits: EntryLimits,
) -> None:
    entry_id = data.get("id") if isinstance(data, dict) else None
    too_big = size_problem(data, limits)
    if too_big is not None:
        errors.append(LineError(line, str(entry_id)[:80] if entry_id else None, too_big, True))
        return
    try:
        out.append(validate_entry(data, f"line {line}"))
    except CorpusError as err:
        # validate_entry names the line itself; keep only what is wrong.
        message = str(err).split(": ", 1)[-1]
        errors.append(LineError(line, str(entry_id) if entry_id else None, message))


def _from_csv(
    text: str, out: list[dict[str, Any]], errors: list[LineError], limits: EntryLimits
) -> None:
    reader = csv.DictReader(io.StringIO(strip_bom(text)))
    try:
        missing = REQUIRED_COLUMNS - set(reader.fieldnames or [])
    except csv.Error as err:
        errors.append(LineError(reader.line_num or 1, None, f"invalid CSV: {err}"))
        return
    if missing:
        errors.append(LineError(1, None, f"missing column(s) {', '.join(sorted(missing))}"))
        return
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as err:  # e.g. a cell larger than the csv module's field limit
            # The bad record starts on the line after the last one read whole.
            errors.append(LineError(reader.line_num + 1, None, f"invalid CSV: {err}", True))
            return
        row = {k: unescape_cell(v) if isinstance(v, str) else v for k, v in raw.items()}
        data: dict[str, Any] = {
            "id": (row.get("id") or "").strip(),
            "product": (row.get("product") or "").strip(),
            "tags": _split(row.get("tags")),
            "questions": {
                "vi": _split(row.get("questions_vi")),
                "en": _split(row.get("questions_en")),
            },
            "answer": {"vi": row.get("answer_vi") or "", "en": row.get("answer_en") or ""},
        }
        for name in OPTIONAL_FIELDS:
            if (row.get(name) or "").strip():
                data[name] = row[name].strip()
        _check(data, reader.line_num, out, errors, limits)


def _from_yaml(
    text: str, out: list[dict[str, Any]], errors: list[LineError], limits: EntryLimits
) -> None:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return
        if not isinstance(node, yaml.SequenceNode):
            errors.append(LineError(1, None, "expected a list of entries (each '- id: ...')"))
            return
        for item in node.value:
            _check(loader.construct_document(item), item.start_mark.line + 1, out, errors, limits)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        errors.append(LineError(line, None, f"invalid YAML: {getattr(err, 'problem', err)}"))
    except RecursionError:
        errors.append(LineError(1, None, "invalid YAML: nested deeper than Python can read", True))
    finally:
        loader.dispose()


def _from_jsonl(
    text: str, out: list[dict[str, Any]], errors: list[LineError], limits: EntryLimits
) -> None:
    max_line = limits.json_chars + 1000
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if len(line) > max_line:
            errors.append(LineError(n, None, f"line too long ({len(line)} characters)", True))
            continue
        if _depth(line) > MAX_DEPTH:
            errors.append(LineError(n, None, f"nested deeper than {MAX_DEPTH} levels", True))
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as err:
            errors.append(LineError(n, None, f"invalid JSON: {err.msg}"))
            continue
        _check(data, n, out, errors, limits)


def parse_entries(
    text: str, fmt: Format, limits: EntryLimits | None = None
) -> tuple[list[dict[str, Any]], list[LineError]]:
    """Every valid entry, and one error per bad line (duplicate ids and entries larger
    than ``limits`` included)."""
    out: list[dict[str, Any]] = []
    errors: list[LineError] = []
    parse = {"csv": _from_csv, "yaml": _from_yaml, "jsonl": _from_jsonl}[fmt]
    parse(text, out, errors, limits or EntryLimits())
    seen: set[str] = set()
    for entry in out:
        if entry["id"] in seen:
            errors.append(LineError(0, entry["id"], f"duplicate id {entry['id']!r} in the file"))
        seen.add(entry["id"])
    errors.sort(key=lambda e: e.line)
    return out, errors


def export_entries(entries: list[dict[str, Any]], fmt: Format) -> str:
    entries = sorted(entries, key=lambda e: e["id"])
    if fmt == "yaml":
        return str(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=100))
    if fmt == "jsonl":
        return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
    rows = []
    for e in entries:
        q, a = e.get("questions") or {}, e.get("answer") or {}
        row = {
            "id": e["id"],
            "product": e.get("product", ""),
            "tags": "|".join(e.get("tags") or []),
            "questions_vi": "|".join(q.get("vi") or []),
            "questions_en": "|".join(q.get("en") or []),
            "answer_vi": a.get("vi", ""),
            "answer_en": a.get("en", ""),
            **{name: e.get(name) or "" for name in OPTIONAL_FIELDS},
        }
        rows.append([row[c] for c in CSV_COLUMNS])
    # Entries can carry customers' words (gap inbox -> draft): formula-like cells are made
    # inert, and the BOM lets Excel show the diacritics; _from_csv undoes both.
    return csv_text(CSV_COLUMNS, rows)


def read_import(path: Path) -> list[dict[str, Any]]:
    """Validated entries from a CSV, YAML or JSONL file; errors name every bad line."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise CorpusError(f"{path}: file not found")
    formats = {".csv": "csv", ".yaml": "yaml", ".yml": "yaml", ".jsonl": "jsonl"}
    if suffix not in formats:
        raise CorpusError(f"{path}: unsupported file type {suffix!r}; use .csv, .yaml or .jsonl")
    entries, errors = parse_entries(path.read_text(encoding="utf-8"), formats[suffix])  # type: ignore[arg-type]
    if errors:
        raise CorpusError(
            "; ".join(
                f"{path} line {e.line}{f' (id {e.id!r})' if e.id else ''}: {e.message}"
                for e in errors[:20]
            )
        )
    return entries
