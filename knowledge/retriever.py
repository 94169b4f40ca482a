"""Hybrid retrieval over FAQ entries, held in memory: dense (FAISS) plus keyword (BM25).

Every entry becomes several rows: each question phrasing (field ``q``), each answer
(field ``a``) and, when enabled, each answer's lead (field ``l``: its first sentences,
``knowledge.text.answer_lead``), so long answers do not dilute the vectors of short
questions and an answer's point is matched on its own. Vietnamese
questions also get a diacritic-free copy on the dense side, because the embedding model
reads unaccented Vietnamese poorly.

Scores are calibrated to [0, 1] so that one threshold means "confident":
- dense: ``(cos - bg) / (1 - bg)``, where ``bg`` is the query's mean cosine to the field
  (its dot product with the field's centroid). This removes the narrow, model-specific
  band in which cosines sit.
- keyword: BM25 divided by the score of a document equal to the query.
- per field ``w * dense + (1 - w) * keyword``; an entry scores the best of its question
  field and its (discounted) answer and lead fields. Vietnamese queries may use their own
  ``w``, and another one when they are long (keywords match long questions better).
Ranking and confidence use the same score. ``mode`` ``dense`` / ``keyword`` sets ``w`` to
1 / 0, which gives the single-retriever baselines on the same code path.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chattext.abbreviations import expand_abbreviations
from knowledge.accents import AccentRestorer
from knowledge.embedder import Embedder
from knowledge.keyword import KeywordIndex
from knowledge.text import (
    Lang,
    QuestionPhrases,
    answer_lead,
    detect_language,
    fold_diacritics,
    has_vietnamese_marks,
    keyword_tokens,
    normalize,
)
from knowledge.vectors import VectorIndex

FIELDS = ("q", "a", "l")
MODES = ("hybrid", "dense", "keyword")


@dataclass
class Hit:
    id: str
    question: str
    answer: str
    lang: str
    score: float
    confident: bool
    product: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass
class Row:
    id: int
    entry_id: str
    field: str  # "q" question phrasing, "a" answer
    lang: str
    text: str
    tokens: list[str]
    folded: bool = False  # diacritic-free copy of a question (dense side only)
    # field "l": the lead of an answer (derived text, kept out of the accent model)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "entry_id": self.entry_id,
            "field": self.field,
            "lang": self.lang,
            "text": self.text,
            "tokens": self.tokens,
            "folded": self.folded,
        }


@dataclass
class Prepared:
    """Rows and vectors for entries, computed outside the lock (embedding is the slow part)."""

    entries: list[dict[str, Any]]
    rows: list[Row]
    vectors: np.ndarray


def entry_texts(entry: dict[str, Any], leads: bool = False) -> list[tuple[str, str, str]]:
    """(field, lang, text) for every question phrasing and answer of an entry, and with
    ``leads`` every answer's lead where it is shorter than the answer."""
    out: list[tuple[str, str, str]] = []
    for lang, questions in (entry.get("questions") or {}).items():
        out.extend(("q", lang, q) for q in questions)
    for lang, answer in (entry.get("answer") or {}).items():
        if answer:
            out.append(("a", lang, answer))
            lead = answer_lead(answer) if leads else ""
            if lead:
                out.append(("l", lang, lead))
    return out


class Retriever:
    def __init__(
        self,
        embedder: Embedder,
        dense_weight: float = 0.7,
        dense_weight_unaccented: float = 0.4,
        dense_weight_vi: float | None = None,
        answer_weight: float = 0.9,
        lead_weight: float = 0.0,
        dense_weight_vi_long: float | None = None,
        long_query_syllables: int = 20,
        question_phrases: QuestionPhrases | None = None,
        threshold: float = 0.5,
        approx_above: int = 50_000,
        target_recall: float = 0.98,
        question_prefix: str | None = None,
        restore_accents: bool = True,
    ) -> None:
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.dense_weight_unaccented = dense_weight_unaccented
        # Accented Vietnamese (None: the same weight as other languages).
        self.dense_weight_vi = dense_weight_vi
        self.answer_weight = answer_weight
        # Answer leads are indexed only with a weight (0: no lead rows).
        self.lead_weight = lead_weight
        # Vietnamese queries longer than `long_query_syllables` (None: no separate weight).
        self.dense_weight_vi_long = dense_weight_vi_long
        self.long_query_syllables = long_query_syllables
        # Phrases left out of Vietnamese keyword queries (knowledge/question_phrases.yaml).
        self.question_phrases = question_phrases or QuestionPhrases()
        self.threshold = threshold
        self.question_prefix = question_prefix
        # Unaccented Vietnamese queries are re-accented from the corpus's own syllables
        # before the dense side embeds them (see knowledge/accents.py).
        self.restore_accents = restore_accents
        self.accents = AccentRestorer()
        self.vectors = VectorIndex(embedder.identity.dim, approx_above, target_recall)
        self.keyword = {f: KeywordIndex() for f in FIELDS}
        self.entries: dict[str, dict[str, Any]] = {}
        self.rows: dict[int, Row] = {}
        self.entry_rows: dict[str, list[int]] = {}
        self._sums = {f: np.zeros(embedder.identity.dim, dtype=np.float64) for f in FIELDS}
        self._counts = dict.fromkeys(FIELDS, 0)
        self._next_id = 1
        # Guards the indexes; held only for in-memory mutation and the FAISS/BM25 lookups.
        self.lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings: Any, embedder: Embedder | None = None) -> Retriever:
        from knowledge.embedder import make_embedder
        from knowledge.text import load_question_phrases

        return cls(
            embedder or make_embedder(settings),
            dense_weight=settings.dense_weight,
            dense_weight_unaccented=settings.dense_weight_unaccented,
            dense_weight_vi=settings.dense_weight_vi,
            answer_weight=settings.answer_field_weight,
            lead_weight=settings.lead_field_weight,
            dense_weight_vi_long=settings.dense_weight_vi_long,
            long_query_syllables=settings.long_query_syllables,
            question_phrases=load_question_phrases(settings.question_phrases_path),
            threshold=settings.self_service_threshold,
            approx_above=settings.index_approx_above,
            target_recall=settings.index_target_recall,
            question_prefix=settings.embedder_question_prefix,
            restore_accents=settings.restore_accents,
        )

    # ---- building -------------------------------------------------------------------
    def prepare(self, entries: list[dict[str, Any]], progress: Any = None) -> Prepared:
        rows: list[Row] = []
        for entry in entries:
            for fld, lang, text in entry_texts(entry, leads=self.lead_weight > 0):
                text = normalize(text)
                tokens = keyword_tokens(text, "vi" if lang == "vi" else "en")
                rows.append(Row(0, entry["id"], fld, lang, text, tokens))
                folded = fold_diacritics(text)
                if fld == "q" and lang == "vi" and folded != text:
                    rows.append(Row(0, entry["id"], fld, lang, folded, [], folded=True))
        q_idx = [i for i, r in enumerate(rows) if r.field == "q"]
        a_idx = [i for i, r in enumerate(rows) if r.field in ("a", "l")]
        vectors = np.zeros((len(rows), self.embedder.identity.dim), dtype=np.float32)
        if q_idx:
            vectors[q_idx] = self.embedder.embed_passages(
                [rows[i].text for i in q_idx], prefix=self.question_prefix, progress=progress
            )
        if a_idx:
            vectors[a_idx] = self.embedder.embed_passages(
                [rows[i].text for i in a_idx], progress=progress
            )
        return Prepared(entries, rows, vectors)

    def apply(
        self, prepared: Prepared | None = None, deletes: list[str] | tuple[str, ...] = ()
    ) -> None:
        """Swap in prepared entries (replacing same ids) and drop deleted ids."""
        with self.lock:
            gone = set(deletes) | {e["id"] for e in (prepared.entries if prepared else [])}
            self._remove_rows([rid for eid in gone for rid in self.entry_rows.get(eid, [])])
            for eid in deletes:
                self.entries.pop(eid, None)
                self.entry_rows.pop(eid, None)
            if prepared is None:
                return
            ids = np.arange(self._next_id, self._next_id + len(prepared.rows), dtype=np.int64)
            self._next_id += len(prepared.rows)
            for entry in prepared.entries:
                self.entries[entry["id"]] = entry
                self.entry_rows[entry["id"]] = []
            for rid, row in zip(ids, prepared.rows, strict=False):
                row.id = int(rid)
                self._add_row(row)
            for fld in FIELDS:
                mask = np.array([r.field == fld for r in prepared.rows], dtype=bool)
                if mask.any():
                    self._sums[fld] += prepared.vectors[mask].sum(axis=0)
                    self._counts[fld] += int(mask.sum())
            self.vectors.add(ids, prepared.vectors)

    def _add_row(self, row: Row) -> None:
        self.rows[row.id] = row
        self.entry_rows[row.entry_id].append(row.id)
        if not row.folded:
            self.keyword[row.field].add(row.id, row.tokens)
            if row.lang == "vi" and row.field != "l":
                self.accents.add(row.text)

    def _remove_rows(self, row_ids: list[int]) -> None:
        if not row_ids:
            return
        for rid in row_ids:
            row = self.rows.pop(rid)
            self._sums[row.field] -= self.vectors.reconstruct(rid)
            self._counts[row.field] -= 1
            self.keyword[row.field].remove(rid)
            if row.lang == "vi" and not row.folded and row.field != "l":
                self.accents.remove(row.text)
        self.vectors.remove(np.asarray(row_ids, dtype=np.int64))

    def load_rows(
        self, entries: list[dict[str, Any]], rows: list[Row], vectors: VectorIndex
    ) -> None:
        """Restore a saved state (rows and vectors already computed)."""
        with self.lock:
            self.vectors = vectors
            self.entries = {e["id"]: e for e in entries}
            self.entry_rows = {e["id"]: [] for e in entries}
            self.rows = {}
            self.keyword = {f: KeywordIndex() for f in FIELDS}
            self.accents = AccentRestorer()
            for row in rows:
                self._add_row(row)
            self._next_id = max(self.rows, default=0) + 1
            ids, vecs = vectors.all_vectors()
            for fld in FIELDS:
                mask = np.array([self.rows[int(i)].field == fld for i in ids], dtype=bool)
                self._sums[fld] = (
                    vecs[mask].sum(axis=0).astype(np.float64)
                    if mask.any()
                    else (np.zeros(self.embedder.identity.dim))
                )
                self._counts[fld] = int(mask.sum())

    # ---- searching ------------------------------------------------------------------
    def _hybrid_weight(self, lang: Lang, query: str, tokens: list[str]) -> float:
        """The dense side's weight for a query. Vietnamese has its own: for long questions
        (counted in syllables, before question phrases are left out), where keywords match
        better; for questions typed without accents, which the embedding model reads poorly
        and keywords (folded on both sides) do not mind; and for the rest."""
        if lang != "vi":
            return self.dense_weight
        syllables = sum("_" not in t for t in tokens)
        if self.dense_weight_vi_long is not None and syllables > self.long_query_syllables:
            return self.dense_weight_vi_long
        if not has_vietnamese_marks(query):
            return self.dense_weight_unaccented
        return self.dense_weight if self.dense_weight_vi is None else self.dense_weight_vi

    def _dense_query(self, query: str, lang: Lang) -> str:
        if lang == "vi" and not has_vietnamese_marks(query) and self.restore_accents:
            # The embedding model reads unaccented Vietnamese poorly: give it the query
            # re-accented from the corpus.
            with self.lock:
                return self.accents.restore(query)
        return query

    def _without_question_phrases(
        self, query: str, lang: Lang, dense_query: str, tokens: list[str]
    ) -> list[str]:
        if lang != "vi" or not self.question_phrases:
            return tokens
        # Leave out how the question is asked (whole phrases, on the accented or
        # re-accented text); keep everything if that is all it is.
        runs = self.question_phrases.remaining(query, restored=dense_query)
        return [t for run in runs for t in keyword_tokens(run, "vi")] or tokens

    def keyword_query(self, query: str, lang: Lang | None = None) -> list[str]:
        """The tokens the keyword side searches for `query` (what `search` uses)."""
        query = self.embedder.truncate_query(expand_abbreviations(normalize(query)))
        lang = lang or detect_language(query)
        tokens = keyword_tokens(query, lang)
        return self._without_question_phrases(query, lang, self._dense_query(query, lang), tokens)

    def search(
        self, query: str, lang: Lang | None = None, k: int = 3, mode: str = "hybrid"
    ) -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        # Cut to what the embedding model reads, for both sides: a long paste costs the
        # keyword side as much as the dense one, and its tail decides nothing.
        query = self.embedder.truncate_query(expand_abbreviations(normalize(query)))
        if not query:
            return []
        lang = lang or detect_language(query)
        tokens = keyword_tokens(query, lang)
        hybrid_w = self._hybrid_weight(lang, query, tokens)
        dense_query = self._dense_query(query, lang)
        tokens = self._without_question_phrases(query, lang, dense_query, tokens)
        w = {"hybrid": hybrid_w, "dense": 1.0, "keyword": 0.0}[mode]
        qvec = self.embedder.embed_query(dense_query) if w > 0 else None
        if w >= 1:
            tokens = []
        depth = max(50, 10 * k)
        # best[(entry, field)] = [dense, keyword, dense row, keyword row]
        best: dict[tuple[str, str], list[Any]] = {}
        with self.lock:
            if qvec is not None and self.vectors.ntotal:
                bg = {
                    f: float(qvec @ (self._sums[f] / self._counts[f])) if self._counts[f] else 0.0
                    for f in FIELDS
                }
                # Lead rows share the dense list with answer rows: look twice as deep, so
                # that answers keep their `depth` (keyword search is per field already).
                dense_depth = 2 * depth if self._counts["l"] else depth
                scores, ids = self.vectors.search(qvec, dense_depth)
                for s, rid in zip(scores, ids, strict=False):
                    row = self.rows.get(int(rid))
                    if row is None:
                        continue
                    d = max(0.0, (float(s) - bg[row.field]) / max(1e-6, 1.0 - bg[row.field]))
                    slot = best.setdefault((row.entry_id, row.field), [0.0, 0.0, None, None])
                    if d > slot[0] or slot[2] is None:
                        slot[0], slot[2] = max(d, slot[0]), row
            if tokens:
                for fld in FIELDS:
                    for rid, kscore, _raw in self.keyword[fld].search(tokens, depth):
                        row = self.rows[rid]
                        slot = best.setdefault((row.entry_id, fld), [0.0, 0.0, None, None])
                        if kscore > slot[1]:
                            slot[1], slot[3] = kscore, row
            ranked: dict[str, tuple[float, Row | None]] = {}
            for (eid, fld), (d, kw, drow, krow) in best.items():
                score = w * d + (1 - w) * kw
                if fld == "a":
                    score *= self.answer_weight
                elif fld == "l":
                    score *= self.lead_weight
                row = drow if (w * d >= (1 - w) * kw and drow is not None) else (krow or drow)
                if eid not in ranked or score > ranked[eid][0]:
                    ranked[eid] = (score, row)
            top = sorted(ranked.items(), key=lambda item: -item[1][0])[:k]
            return [self._hit(eid, score, row, lang) for eid, (score, row) in top]

    def _hit(self, eid: str, score: float, row: Row | None, lang: str) -> Hit:
        entry = self.entries[eid]
        answers = entry.get("answer") or {}
        answer_lang = lang if answers.get(lang) else next(iter(answers), lang)
        questions = entry.get("questions") or {}
        if row is not None and row.field == "q":
            # Show the original phrasing, not the diacritic-free copy.
            question = row.text
            if row.folded:
                question = next(
                    (q for q in questions.get("vi", []) if fold_diacritics(q) == row.text), row.text
                )
        else:
            in_lang = questions.get(lang) or next(iter(questions.values()), [""])
            question = in_lang[0] if in_lang else ""
        score = round(min(1.0, score), 4)
        return Hit(
            id=eid,
            question=question,
            answer=answers.get(answer_lang, ""),
            lang=answer_lang,
            score=score,
            confident=score >= self.threshold,
            product=entry.get("product", ""),
            tags=list(entry.get("tags") or []),
        )
