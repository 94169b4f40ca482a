"""Gap clustering: the online assignment and merging on plain vectors, and the real
multilingual model grouping Vietnamese and English phrasings of the same question."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from knowledge.clustering import assign, embed_centred, group, language_means, merges, priority
from tandem.settings import Settings


def unit(*rows: list[float]) -> np.ndarray:
    arr = np.asarray(rows, dtype=np.float32)
    return arr / np.linalg.norm(arr, axis=1, keepdims=True)


def test_assign_joins_similar_vectors_and_starts_new_clusters() -> None:
    vecs = unit([1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.95, 0, 0.05])
    labels, means, sizes = assign(vecs, [], [], threshold=0.8)
    assert labels == [0, 0, 1, 0]
    assert sizes == [3, 1]
    # Existing clusters keep their index; their mean moves with the new members.
    more, means2, sizes2 = assign(unit([0, 0.9, 0.1], [0, 0, 1]), means, sizes, threshold=0.8)
    assert more == [1, 2] and sizes2 == [3, 2, 1]
    assert means2[0] == means[0]


def test_merges_pairs_clusters_with_close_means_once_each() -> None:
    means = [[1, 0, 0], [0.97, 0.2, 0], [0, 1, 0], [0, 0.98, 0.1]]
    assert sorted(merges(means, [2, 1, 1, 1], threshold=0.9)) == [(0, 1), (2, 3)]
    assert merges(means, [2, 1, 1, 1], threshold=0.999) == []
    assert merges(means, [2, 0, 1, 1], threshold=0.9) == [(2, 3)]  # an emptied cluster stays out


def test_priority_weighs_volume_by_recency() -> None:
    now = datetime(2026, 11, 28, tzinfo=timezone.utc)
    fresh = [now - timedelta(hours=1)] * 3
    old = [now - timedelta(days=14)] * 5  # two half-lives: each counts a quarter
    assert priority(fresh, now) > priority(old, now)
    assert priority(old, now) == pytest.approx(5 / 4)


@pytest.fixture(scope="module")
def centred():  # type: ignore[no-untyped-def]
    """Embed like the hub's gap inbox: the real model, centred on the demo corpus's means."""
    from knowledge.corpus import load_corpus
    from knowledge.embedder import make_embedder

    settings = Settings()
    embedder = make_embedder(settings)
    prefix = settings.embedder_question_prefix or settings.embedder_passage_prefix
    entries, _ = load_corpus(settings.corpus_seed_dir)  # the tracked demo corpus
    questions = {
        lang: [q for e in entries.values() for q in e["questions"].get(lang, [])]
        for lang in ("vi", "en")
    }
    means = language_means(embedder, prefix, questions)
    return lambda texts: embed_centred(embedder, prefix, texts, means)


TOPICS = {
    "gold": [
        "Ngân hàng có dịch vụ giữ hộ vàng miếng không?",
        "Tôi muốn gửi vàng miếng ở ngân hàng được không?",
        "Do you offer safekeeping for gold bars?",
        "Can I store my gold bars at the bank?",
    ],
    "car": [
        "Ngân hàng có cho vay mua ô tô không?",
        "Tôi muốn vay tiền mua xe hơi",
        "Can I get a car loan?",
        "Do you finance car purchases?",
    ],
    "fx": [
        "Tỷ giá đô la hôm nay bao nhiêu?",
        "Đổi ngoại tệ ở đâu?",
        "What is the USD exchange rate today?",
        "Where can I exchange foreign currency?",
    ],
}


def test_both_languages_of_one_question_form_one_cluster(centred) -> None:  # type: ignore[no-untyped-def]
    texts = [t for phrasings in TOPICS.values() for t in phrasings]
    topic_of = [name for name, phrasings in TOPICS.items() for _ in phrasings]
    # Interleaved, as questions arrive in real life.
    order = [i for k in range(4) for i in range(k, len(texts), 4)]
    labels = group(centred([texts[i] for i in order]), Settings().knowledge_gap_similarity)
    clusters: dict[int, set[str]] = {}
    for i, label in zip(order, labels, strict=True):
        clusters.setdefault(label, set()).add(topic_of[i])
    assert sorted(sorted(c) for c in clusters.values()) == [["car"], ["fx"], ["gold"]]
