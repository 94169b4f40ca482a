"""Knowledge module: text helpers, indexes, persistence, live updates, CLI-facing errors, API."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from knowledge.corpus import CorpusError, load_corpus
from knowledge.keyword import KeywordIndex
from knowledge.text import detect_language, fold_diacritics, keyword_tokens, normalize
from knowledge.transfer import read_import
from knowledge.vectors import VectorIndex
from tandem.settings import Settings

NEW_ENTRY = {
    "id": "cards-virtual-card",
    "product": "credit-card",
    "tags": ["card"],
    "questions": {
        "vi": ["Thẻ ảo dùng để làm gì?", "Mở thẻ phi vật lý thế nào?"],
        "en": ["What is a virtual card?", "How do I get a virtual card?"],
    },
    "answer": {
        "vi": "Thẻ ảo Sen Vàng dùng để mua sắm trực tuyến, tạo ngay trong Sen Vàng Mobile.",
        "en": "A Sen Vàng virtual card is for online shopping and is created in the app.",
    },
}


# ---- text ---------------------------------------------------------------------------
def test_text_helpers() -> None:
    assert normalize("  Thẻ\u200b  tín\tdụng\n") == "Thẻ tín dụng"
    assert fold_diacritics("Đổi mật khẩu đăng nhập") == "Doi mat khau dang nhap"
    assert detect_language("Phí thường niên") == "vi"
    assert detect_language("phi thuong nien la bao nhieu") == "vi"
    assert detect_language("what is the annual fee") == "en"

    # Accented and unaccented text share their syllable tokens (word segmentation may differ).
    def syllables(text: str) -> set[str]:
        return {t for t in keyword_tokens(text) if "_" not in t}

    assert syllables("phi thuong nien") == syllables("Phí thường niên") == {"phi", "thuong", "nien"}
    assert "thuong_nien" in keyword_tokens("Phí thường niên")


# ---- vectors ------------------------------------------------------------------------
def test_exact_search_equals_brute_force() -> None:
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((2000, 64)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = np.arange(100, 2100, dtype=np.int64)
    index = VectorIndex(64)
    index.add(ids, vecs)
    for q in rng.standard_normal((20, 64)).astype(np.float32):
        scores, got = index.search(q, 10)
        brute = vecs @ q
        order = np.argsort(-brute)[:10]
        assert list(got) == list(ids[order])
        assert np.allclose(scores, brute[order], atol=1e-5)


def test_approximate_index_keeps_recall_and_updates() -> None:
    rng = np.random.default_rng(1)
    centers = rng.standard_normal((50, 32)).astype(np.float32)
    vecs = centers[rng.integers(0, 50, 6000)] + 0.6 * rng.standard_normal((6000, 32))
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    ids = np.arange(6000, dtype=np.int64)
    index = VectorIndex(32, approx_above=2000, target_recall=0.98)
    index.add(ids, vecs)
    assert index.kind == "ivf" and index.measured_recall is not None
    assert index.measured_recall >= 0.98
    noise = rng.standard_normal((100, 32)).astype(np.float32)
    queries = vecs[:100] + 0.8 * noise / np.linalg.norm(noise, axis=1, keepdims=True)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    recall = []
    for q in queries:
        _, got = index.search(q, 10)
        exact = ids[np.argsort(-(vecs @ q))[:10]]
        recall.append(len(set(got) & set(exact)) / 10)
    assert np.mean(recall) >= 0.98
    index.remove(np.array([0]))
    assert 0 not in index.search(vecs[0], 5)[1]
    index.add(np.array([99999]), vecs[:1])
    assert index.search(vecs[0], 1)[1][0] == 99999
    restored = VectorIndex.from_bytes(index.to_bytes(), index.state(), 2000, 0.98)
    assert restored.search(vecs[0], 1)[1][0] == 99999


def test_keyword_index_add_remove() -> None:
    kw = KeywordIndex()
    kw.add(1, keyword_tokens("Phí thường niên thẻ tín dụng", "vi"))
    kw.add(2, keyword_tokens("Lãi suất tiết kiệm", "vi"))
    hits = kw.search(keyword_tokens("phi thuong nien", "vi"))
    assert hits[0][0] == 1 and 0 < hits[0][1] <= 1
    kw.remove(1)
    assert all(h[0] != 1 for h in kw.search(keyword_tokens("phi thuong nien", "vi")))


# ---- corpus files -------------------------------------------------------------------
def test_demo_corpus_is_valid_and_complete() -> None:
    from tests.knowledge.conftest import CORPUS

    entries, _ = load_corpus(CORPUS)
    assert len(entries) >= 80
    for needed in (
        "fees-annual-fee",
        "cards-lost-card",
        "cards-block-unblock",
        "fees-foreign-transaction",
        "rewards-earn-points",
        "rewards-redeem-points",
        "travel-notice",
        "disputes-dispute-transaction",
        "security-otp-safety",
        "online-reset-password",
        "branches-opening-hours",
        "loans-personal-loan-rates",
        "savings-interest-rates",
        "cards-payment-due-date",
        "cards-credit-limit-increase",
        "cards-activation",
        "loans-instalment-plan",
    ):
        assert needed in entries


def test_bad_files_get_clear_errors(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "a.yaml"
    bad_yaml.write_text("- id: x-y\n  product: card\n  questions: [unclosed\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a\.yaml line \d+: invalid YAML"):
        read_import(bad_yaml)
    missing = tmp_path / "b.yaml"
    entry = {k: v for k, v in NEW_ENTRY.items() if k != "answer"}
    missing.write_text(yaml.safe_dump([NEW_ENTRY, entry], allow_unicode=True), encoding="utf-8")
    with pytest.raises(CorpusError, match=r"b\.yaml line \d+ \(id 'cards-virtual-card'\): answer"):
        read_import(missing)
    no_en = tmp_path / "c.jsonl"
    broken = json.loads(json.dumps(NEW_ENTRY))
    broken["questions"]["en"] = []
    no_en.write_text(json.dumps(NEW_ENTRY) + "\n" + json.dumps(broken) + "\n{oops\n")
    with pytest.raises(CorpusError, match=r"c\.jsonl line 2 .*en question"):
        read_import(no_en)
    csv_file = tmp_path / "d.csv"
    csv_file.write_text("id,questions_vi\nx-y,hi\n")
    with pytest.raises(CorpusError, match=r"d\.csv line 1: missing column\(s\) product"):
        read_import(csv_file)
    dup = tmp_path / "dup"
    dup.mkdir()
    (dup / "one.yaml").write_text(yaml.safe_dump([NEW_ENTRY], allow_unicode=True))
    (dup / "two.yaml").write_text(yaml.safe_dump([NEW_ENTRY], allow_unicode=True))
    with pytest.raises(CorpusError, match="duplicate id 'cards-virtual-card'"):
        load_corpus(dup)


def test_csv_import(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(
        "id,product,tags,questions_vi,questions_en,answer_vi,answer_en\n"
        'cards-virtual-card,credit-card,card|online,Thẻ ảo là gì?|Mở thẻ ảo,"What is a virtual '
        'card?",Thẻ ảo để mua online.,A card for online shopping.\n',
        encoding="utf-8",
    )
    (entry,) = read_import(path)
    assert entry["questions"]["vi"] == ["Thẻ ảo là gì?", "Mở thẻ ảo"]
    assert entry["tags"] == ["card", "online"]


# ---- service: search, updates, persistence ------------------------------------------
def test_add_update_delete_are_searchable(settings: Settings) -> None:
    from knowledge.service import KnowledgeService

    service = KnowledgeService.from_settings(settings)
    assert service.search("phi thuong nien la bao nhieu")[0].id == "fees-annual-fee"
    hit = service.search("What is the annual fee?", k=1)[0]
    assert hit.lang == "en" and hit.answer.startswith("The annual fee")
    assert hit.confident

    service.upsert(NEW_ENTRY)
    assert service.search("what is a virtual card", k=1)[0].id == "cards-virtual-card"
    assert "cards-virtual-card" in (settings.corpus_dir / "cards.yaml").read_text()

    changed = json.loads(json.dumps(NEW_ENTRY))
    changed["questions"]["en"].append("Do you offer a disposable card number for shopping?")
    service.upsert(changed)
    hit = service.search("disposable card number for shopping", k=1)[0]
    assert hit.id == "cards-virtual-card"

    service.delete("cards-virtual-card")
    assert all(h.id != "cards-virtual-card" for h in service.search("virtual card", k=5))
    assert service.get("cards-virtual-card") is None
    with pytest.raises(KeyError):
        service.delete("cards-virtual-card")


def test_versions_rollback_and_reload_from_disk(settings: Settings) -> None:
    from knowledge.service import KnowledgeService

    service = KnowledgeService.from_settings(settings)
    first = service.version
    service.upsert(NEW_ENTRY)
    assert service.version == first + 1  # type: ignore[operator]
    assert [v["version"] for v in service.versions()][-2:] == [first, first + 1]  # type: ignore[operator]

    # A second process loads the saved version instead of re-embedding everything.
    other = KnowledgeService.from_settings(settings)
    assert other.version == service.version and other.get("cards-virtual-card")

    service.rollback(first)  # type: ignore[arg-type]
    assert service.get("cards-virtual-card") is None
    assert "cards-virtual-card" not in (settings.corpus_dir / "cards.yaml").read_text()
    assert KnowledgeService.from_settings(settings).get("cards-virtual-card") is None


def test_crash_during_save_keeps_last_good_version(settings: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from knowledge import store
    from knowledge.service import KnowledgeService

    service = KnowledgeService.from_settings(settings)
    good = service.version
    real_write = store._fsync_write

    def crash(path: Path, data: bytes) -> None:
        if path.name == "rows.jsonl":
            path.write_bytes(data[: len(data) // 2])
            raise OSError("disk full")
        real_write(path, data)

    monkeypatch.setattr(store, "_fsync_write", crash)
    with pytest.raises(OSError):
        service.upsert(NEW_ENTRY)
    monkeypatch.setattr(store, "_fsync_write", real_write)
    assert service.store.current() == good
    saved = service.store.load()
    assert saved.version == good and len(saved.entries) == len(service.entries()) - 1


def test_model_mismatch_is_refused(settings: Settings) -> None:
    from knowledge.service import KnowledgeService
    from knowledge.store import IndexMismatchError

    service = KnowledgeService.from_settings(settings)
    meta_path = settings.index_dir / f"v{service.version:06d}" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["embedder"]["model"] = "some-other-model"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexMismatchError, match="some-other-model.*rebuild"):
        KnowledgeService.from_settings(settings)
    rebuilt = KnowledgeService.from_settings(settings, rebuild=True)
    assert rebuilt.version == service.version + 1  # type: ignore[operator]


def test_file_edits_and_other_processes_are_live(settings: Settings) -> None:
    from knowledge.corpus import write_file
    from knowledge.service import KnowledgeService

    hub = KnowledgeService.from_settings(settings)
    hub.start_watching(interval_s=0.2)
    try:
        cli = KnowledgeService.from_settings(settings)  # another process, e.g. the CLI
        cli.upsert(NEW_ENTRY)
        # Deadlines bound the wait only; how fast a change goes live is measured in bench/.
        deadline = time.monotonic() + 60
        while hub.get("cards-virtual-card") is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hub.get("cards-virtual-card") is not None

        # A knowledge manager edits a YAML file by hand.
        path = settings.corpus_dir / "fees.yaml"
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = [e for e in entries if e["id"] != "fees-transfer"]
        write_file(path, entries)
        deadline = time.monotonic() + 60
        while hub.get("fees-transfer") is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hub.get("fees-transfer") is None

        # A broken edit keeps the last good corpus searchable.
        path.write_text("- id: [broken\n", encoding="utf-8")
        time.sleep(0.5)
        assert hub.search("phí thường niên", k=1)[0].id == "fees-annual-fee"
    finally:
        hub.stop_watching()


# ---- quality on the demo corpus -----------------------------------------------------
def test_paraphrases_and_threshold(full_service) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load((Path(__file__).parent / "paraphrases.yaml").read_text())
    top1 = top3 = 0
    for item in data["in_scope"]:
        ids = [h.id for h in full_service.search(item["q"], k=3)]
        top1 += ids[0] == item["id"]
        top3 += item["id"] in ids
    n = len(data["in_scope"])
    assert top1 / n >= 0.65 and top3 / n >= 0.85, (top1, top3, n)
    for q in data["out_of_scope"]:
        assert not full_service.search(q, k=1)[0].confident, q


def test_vietnamese_queries_use_their_own_dense_weight(full_service) -> None:  # type: ignore[no-untyped-def]
    retriever = full_service.retriever
    saved = retriever.dense_weight_vi, retriever.dense_weight_unaccented
    try:
        # With no dense share, a Vietnamese query ranks and scores as keyword search does,
        # accented or not; an English query keeps the shared weight.
        retriever.dense_weight_vi = retriever.dense_weight_unaccented = 0.0
        for query in ("phí thường niên thẻ tín dụng", "phi thuong nien the tin dung"):
            hybrid = [(h.id, h.score) for h in retriever.search(query, k=3)]
            keyword = [(h.id, h.score) for h in retriever.search(query, k=3, mode="keyword")]
            assert hybrid == keyword, query
        english = "annual fee of the credit card"
        assert [h.score for h in retriever.search(english, k=3)] != [
            h.score for h in retriever.search(english, k=3, mode="keyword")
        ]
    finally:
        retriever.dense_weight_vi, retriever.dense_weight_unaccented = saved


# ---- sentence-transformers backend --------------------------------------------------
def test_sentence_transformers_backend_offline(tmp_path: Path) -> None:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from knowledge.embedder import bundled_minilm_path
    from knowledge.service import KnowledgeService
    from knowledge.store import IndexMismatchError
    from tests.knowledge.conftest import make_settings

    base = make_settings(tmp_path, ("branches.yaml",))
    st = base.model_copy(
        update={
            "embedder_backend": "sentence-transformers",
            "embedder_model": str(bundled_minilm_path()),
            "embedder_query_prefix": "",
            "embedder_passage_prefix": "",
        }
    )
    service = KnowledgeService.from_settings(st)
    assert service.identity.dim == 384 and service.identity.model == "model"
    assert service.search("when do branches open", k=1)[0].id == "branches-opening-hours"
    with pytest.raises(IndexMismatchError, match="sentence-transformers.*rebuild"):
        KnowledgeService.from_settings(base)


# ---- HTTP API -----------------------------------------------------------------------
def test_api(settings: Settings) -> None:
    from fastapi import FastAPI, Header, HTTPException
    from fastapi.testclient import TestClient

    from knowledge.api import build_router
    from knowledge.service import KnowledgeService

    service = KnowledgeService.from_settings(settings)

    def require_editor(x_role: str = Header("")) -> None:
        if x_role != "editor":
            raise HTTPException(403, "knowledge managers only")

    app = FastAPI()
    app.include_router(build_router(lambda: service, require_editor))
    client = TestClient(app)
    editor = {"x-role": "editor"}

    r = client.get("/api/knowledge/search", params={"q": "mat the", "k": 2})
    assert r.status_code == 200 and r.json()[0]["id"] == "cards-lost-card"
    # Reading entries is the knowledge managers' too; search is open to any signed-in reader.
    assert client.get("/api/knowledge/entries").status_code == 403
    fee = client.get("/api/knowledge/entries/fees-annual-fee", headers=editor)
    assert fee.json()["product"] == "credit-card"
    assert client.get("/api/knowledge/entries/nope", headers=editor).status_code == 404
    listed = client.get("/api/knowledge/entries", headers=editor).json()
    assert len(listed) == len(service.entries())

    url = "/api/knowledge/entries/cards-virtual-card"
    assert client.put(url, json=NEW_ENTRY).status_code == 403
    r = client.put(url, json=NEW_ENTRY, headers=editor)
    assert r.status_code == 200, r.text
    assert client.get("/api/knowledge/search", params={"q": "virtual card"}).json()[0]["id"] == (
        "cards-virtual-card"
    )
    bad = {**NEW_ENTRY, "answer": {"vi": "chỉ tiếng Việt"}}
    r = client.put(url, json=bad, headers=editor)
    assert r.status_code == 422 and "answer" in r.json()["detail"]
    assert client.delete(url, headers=editor).status_code == 200
    assert client.delete(url, headers=editor).status_code == 404
    assert client.post("/api/knowledge/reload", headers=editor).json()["changes"] == 0
