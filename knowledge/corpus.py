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

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

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
    # Knowledge managers re-check the entry by this date; past it, the entry is listed as stale.
    review_at: date | None = None
    # A promotion valid until a date: the hub withdraws the entry when this time passes.
    expires_at: datetime | None = None
    questions: dict[str, list[str]]
    answer: dict[str, str]

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        extra = set(value) - set(LANGS)
        if extra:
            raise ValueError(f"unknown language(s) {sorted(extra)}; use vi and en")
        out: dict[str, list[str]] = {}
        for lang in LANGS:
            texts = [normalize(q) for q in value.get(lang) or [] if normalize(q)]
            if texts:
                out[lang] = texts
        return out

    @field_validator("answer")
    @classmethod
    def _answer(cls, value: dict[str, str]) -> dict[str, str]:
        if set(value) - set(LANGS):
            raise ValueError("answer languages must be vi and en")
        return {
            lang: normalize(value.get(lang) or "")
            for lang in LANGS
            if normalize(value.get(lang) or "")
        }

    @model_validator(mode="after")
    def _languages(self) -> Entry:
        """One language is enough (the other is flagged as missing); a language that is
        present needs both its questions and its answer, or the bot would answer a question
        asked in it with nothing."""
        present = [lang for lang in LANGS if lang in self.questions or lang in self.answer]
        if not present:
            raise ValueError("needs questions and an answer in at least one language (vi or en)")
        for lang in present:
            if lang not in self.questions:
                raise ValueError(f"has a {lang} answer but no {lang} question")
            if lang not in self.answer:
                raise ValueError(f"has {lang} questions but no {lang} answer")
        return self

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return [normalize(str(t)) for t in value if normalize(str(t))]


@dataclass(frozen=True)
class EntryLimits:
    """Sizes one entry may have when written (settings ``knowledge_max_*``). Files already
    on disk are not checked against them: an operator's corpus is theirs."""

    question_chars: int = 500
    answer_chars: int = 20_000
    questions: int = 100  # per language
    tags: int = 30
    tag_chars: int = 60
    other_chars: int = 200  # product, dates and other single values

    @classmethod
    def of(cls, settings: Any) -> EntryLimits:
        return cls(
            question_chars=int(settings.knowledge_max_question_chars),
            answer_chars=int(settings.knowledge_max_answer_chars),
            questions=int(settings.knowledge_max_questions),
            tags=int(settings.knowledge_max_tags),
            tag_chars=int(settings.knowledge_max_tag_chars),
        )

    @property
    def json_chars(self) -> int:
        """The whole entry as JSON, whatever its shape (a bound on junk keys)."""
        fields = self.answer_chars + self.questions * self.question_chars
        return 2 * (fields + self.tags * self.tag_chars) + 20 * self.other_chars


def size_problem(content: Any, limits: EntryLimits) -> str | None:
    """What is too big in an entry or a draft's content (None when nothing is). Checked
    before validation, on content of any shape, so a 10 MB draft is refused at once."""
    if not isinstance(content, dict):
        return None
    size = len(json.dumps(content, ensure_ascii=False, default=str))
    if size > limits.json_chars:
        return f"the entry is too large ({size} characters; at most {limits.json_chars})"
    answers = content.get("answer")
    for lang, text in answers.items() if isinstance(answers, dict) else []:
        if isinstance(text, str) and len(text) > limits.answer_chars:
            return (
                f"answer.{lang} is too long ({len(text)} characters; at most {limits.answer_chars})"
            )
    questions = content.get("questions")
    for lang, items in questions.items() if isinstance(questions, dict) else []:
        if isinstance(items, list) and len(items) > limits.questions:
            return f"questions.{lang} has {len(items)} questions; at most {limits.questions}"
        for item in items if isinstance(items, list) else []:
            if isinstance(item, str) and len(item) > limits.question_chars:
                return (
                    f"a {lang} question is too long ({len(item)} characters; "
                    f"at most {limits.question_chars})"
                )
    tags = content.get("tags")
    if isinstance(tags, list):
        if len(tags) > limits.tags:
            return f"{len(tags)} tags; at most {limits.tags}"
        if any(isinstance(t, str) and len(t) > limits.tag_chars for t in tags):
            return f"a tag is longer than {limits.tag_chars} characters"
    for key, value in content.items():
        if key not in ("answer", "questions", "tags") and len(str(value)) > limits.other_chars:
            return f"{key} is too long (at most {limits.other_chars} characters)"
    return None


def missing_languages(entry: dict[str, Any]) -> list[str]:
    """Languages the entry has no translation in (shown as "missing a translation")."""
    answers = entry.get("answer") or {}
    return [lang for lang in LANGS if not answers.get(lang)]


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
    # Unset optional fields stay out, so files and fingerprints of older entries do not change.
    return entry.model_dump(mode="json", exclude_none=True)


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
