"""The FAQ corpus on disk: YAML files under ``knowledge/corpus/``, one per topic.

Each file is a list of entries::

    - id: fees-annual-fee
      product: credit-card
      tags: [fees, annual-fee]
      updated_at: 2026-11-01T09:00:00+07:00
      questions: {vi: [...], en: [...]}
      answer: {vi: "...", en: "..."}

Loading validates every entry and names the file and line of the first problem, so a
knowledge manager can fix a bad edit quickly. Imports accept CSV, YAML and JSONL.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from knowledge.text import normalize

LANGS = ("vi", "en")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,79}$"


class CorpusError(ValueError):
    """A corpus file or entry is invalid; the message names where."""


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    product: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    updated_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    questions: dict[str, list[str]]
    answer: dict[str, str]

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for lang in LANGS:
            texts = [normalize(q) for q in value.get(lang) or [] if normalize(q)]
            if not texts:
                raise ValueError(f"needs at least one {lang} question")
            out[lang] = texts
        extra = set(value) - set(LANGS)
        if extra:
            raise ValueError(f"unknown language(s) {sorted(extra)}; use vi and en")
        return out

    @field_validator("answer")
    @classmethod
    def _answer(cls, value: dict[str, str]) -> dict[str, str]:
        out = {lang: normalize(value.get(lang) or "") for lang in LANGS}
        missing = [lang for lang, text in out.items() if not text]
        if missing:
            raise ValueError(f"needs an answer in {', '.join(missing)}")
        if set(value) - set(LANGS):
            raise ValueError("answer languages must be vi and en")
        return out

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return [normalize(str(t)) for t in value if normalize(str(t))]


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "entry"
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts)


def validate_entry(data: Any, where: str = "entry") -> dict[str, Any]:
    """Validated, normalised entry as plain data (``updated_at`` as ISO text)."""
    if not isinstance(data, dict):
        raise CorpusError(f"{where}: expected a mapping with id, questions, answer, ...")
    try:
        entry = Entry.model_validate(data)
    except ValidationError as err:
        name = data.get("id", "?")
        raise CorpusError(f"{where} (id {name!r}): {_describe(err)}") from None
    return entry.model_dump(mode="json")


def fingerprint(entry: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()


def _yaml_items(path: Path) -> list[tuple[int, Any]]:
    """(line, data) for each list item, so errors can name the line."""
    text = path.read_text(encoding="utf-8")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise CorpusError(f"{path}: expected a list of entries (each starting with '- id:')")
        return [(item.start_mark.line + 1, loader.construct_document(item)) for item in node.value]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise CorpusError(f"{path}{line}: invalid YAML: {getattr(err, 'problem', err)}") from None
    finally:
        loader.dispose()


def load_file(path: Path) -> list[dict[str, Any]]:
    return [validate_entry(data, f"{path} line {line}") for line, data in _yaml_items(path)]


def load_corpus(corpus_dir: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Path]]:
    """All entries by id, and the file each came from. Duplicate ids are an error."""
    entries: dict[str, dict[str, Any]] = {}
    files: dict[str, Path] = {}
    for path in sorted(corpus_dir.glob("*.yaml")):
        for entry in load_file(path):
            if entry["id"] in entries:
                raise CorpusError(
                    f"{path}: duplicate id {entry['id']!r} (also in {files[entry['id']]})"
                )
            entries[entry["id"]] = entry
            files[entry["id"]] = path
    return entries, files


def corpus_signature(corpus_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Cheap change detector: names, sizes and modification times of the corpus files."""
    out = []
    for path in sorted(corpus_dir.glob("*.yaml")):
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        out.append((path.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def write_file(path: Path, entries: list[dict[str, Any]]) -> None:
    """Write a topic file atomically (readers see the old or the new file, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=100)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_for_new_entry(corpus_dir: Path, entry_id: str) -> Path:
    """New entries go to the topic file named by the id's first word (``fees-...``)."""
    topic = entry_id.split("-", 1)[0]
    for path in corpus_dir.glob("*.yaml"):
        if path.stem == topic or topic in path.stem.split("_"):
            return path
    return corpus_dir / f"{topic}.yaml"


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split("|") if p.strip()]


def read_import(path: Path) -> list[dict[str, Any]]:
    """Validated entries from a CSV, YAML or JSONL file; errors name the line or entry.

    CSV columns: id, product, tags (separated by ``|``), questions_vi and questions_en
    (phrasings separated by ``|``), answer_vi, answer_en, and optionally updated_at.
    """
    suffix = path.suffix.lower()
    if not path.exists():
        raise CorpusError(f"{path}: file not found")
    if suffix in (".yaml", ".yml"):
        return load_file(path)
    out = []
    if suffix == ".jsonl":
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as err:
                    raise CorpusError(f"{path} line {n}: invalid JSON: {err.msg}") from None
                out.append(validate_entry(data, f"{path} line {n}"))
        return out
    if suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            needed = {"id", "product", "questions_vi", "questions_en", "answer_vi", "answer_en"}
            missing = needed - set(reader.fieldnames or [])
            if missing:
                raise CorpusError(f"{path} line 1: missing column(s) {', '.join(sorted(missing))}")
            for row in reader:
                data: dict[str, Any] = {
                    "id": (row.get("id") or "").strip(),
                    "product": (row.get("product") or "").strip(),
                    "tags": _split(row.get("tags")),
                    "questions": {
                        "vi": _split(row["questions_vi"]),
                        "en": _split(row["questions_en"]),
                    },
                    "answer": {"vi": row.get("answer_vi") or "", "en": row.get("answer_en") or ""},
                }
                if (row.get("updated_at") or "").strip():
                    data["updated_at"] = row["updated_at"].strip()
                out.append(validate_entry(data, f"{path} line {reader.line_num}"))
        return out
    raise CorpusError(f"{path}: unsupported file type {suffix!r}; use .csv, .yaml or .jsonl")
