"""The synthetic FAQ entries the suggestion benchmark (bench/suggestion_latency.py) adds to
the demo corpus so the index is the size of a real bank's, and the cheap passage vectors
they get instead of one model call each.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge.text import fold_diacritics

ROOT = Path(__file__).resolve().parent.parent

PRODUCTS = {
    "thẻ tín dụng": "credit card",
    "thẻ ghi nợ": "debit card",
    "tài khoản tiết kiệm": "savings account",
    "khoản vay cá nhân": "personal loan",
    "thẻ Platinum": "Platinum card",
    "ví điện tử": "e-wallet",
    "thẻ du lịch": "travel card",
    "tài khoản thanh toán": "current account",
}
TOPICS = {
    "phí thường niên": "annual fee",
    "lãi suất": "interest rate",
    "hạn mức": "credit limit",
    "sao kê": "statement",
    "trả góp": "instalments",
    "hoàn tiền": "cashback",
    "mã PIN": "PIN",
    "điểm thưởng": "reward points",
    "phí rút tiền": "withdrawal fee",
    "ngày đến hạn": "due date",
    "chuyển khoản quốc tế": "international transfer",
    "phí chuyển đổi ngoại tệ": "FX fee",
}
ASKS = [
    ("{t} của {p} là bao nhiêu?", "What is the {t} on a {p}?"),
    ("Làm sao để thay đổi {t} cho {p}?", "How do I change the {t} for my {p}?"),
    ("{p} có {t} không?", "Does the {p} have a {t}?"),
    (
        "Tôi muốn hỏi về {t} khi dùng {p} ở nước ngoài",
        "Question about the {t} when using a {p} abroad",
    ),
]


def synthetic_entries(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    vi_p, vi_t = list(PRODUCTS), list(TOPICS)
    out = []
    for i in range(n):
        p, t = rng.choice(vi_p), rng.choice(vi_t)
        vi_q, en_q = rng.choice(ASKS)
        branch = f"chi nhánh {i % 97}"
        out.append(
            {
                "id": f"synthetic-{i:05d}",
                "product": "synthetic",
                "tags": ["synthetic", TOPICS[t].replace(" ", "-")],
                "updated_at": "2026-11-01T00:00:00+07:00",
                "questions": {
                    "vi": [vi_q.format(t=t, p=p) + f" ({branch}, mã {i})"],
                    "en": [
                        en_q.format(t=TOPICS[t], p=PRODUCTS[p]) + f" (branch {i % 97}, code {i})"
                    ],
                },
                "answer": {
                    "vi": f"Với {p}, {t} áp dụng theo biểu phí mã {i} tại {branch}.",
                    "en": f"For the {PRODUCTS[p]}, the {TOPICS[t]} follows tariff {i} "
                    f"at branch {i % 97}.",
                },
            }
        )
    return out


def fake_passage_vectors(texts: set[str]) -> Any:
    """Wrap Retriever.from_settings so synthetic texts get cheap, realistic-looking vectors."""
    from knowledge import retriever as retriever_mod

    original = retriever_mod.Retriever.from_settings

    def from_settings(settings: Any) -> Any:
        r = original(settings)
        emb = r.embedder
        # The cheap vectors are patched into this process's encoder: the build must not
        # hand the synthetic texts to worker processes (knowledge/batch_embed.py), which
        # would embed them for real.
        emb.batch_workers = 1
        real = emb._encode
        templates = real(
            [
                a.format(t=t, p=p)
                for a, _ in ASKS
                for t in list(TOPICS)[:6]
                for p in list(PRODUCTS)[:2]
            ],
            "passage: ",
        )

        def encode(batch: list[str], prefix: str) -> np.ndarray:
            out = np.zeros((len(batch), emb.identity.dim), dtype=np.float32)
            todo = [i for i, t in enumerate(batch) if t not in texts]
            if todo:
                out[todo] = real([batch[i] for i in todo], prefix)
            for i, text in enumerate(batch):
                if text in texts:
                    g = np.random.default_rng(abs(hash(text)) % 2**32)
                    v = templates[g.integers(len(templates))] + 0.35 * g.standard_normal(
                        emb.identity.dim
                    ) / np.sqrt(emb.identity.dim)
                    out[i] = v / np.linalg.norm(v)
            return out

        emb._encode = encode  # type: ignore[method-assign,assignment]
        return r

    retriever_mod.Retriever.from_settings = from_settings  # type: ignore[method-assign,assignment]
    return lambda: setattr(retriever_mod.Retriever, "from_settings", original)


def write_corpus(tmp: Path, synthetic: list[dict[str, Any]]) -> None:
    corpus = tmp / "corpus"
    corpus.mkdir()
    for path in (ROOT / "knowledge" / "corpus").glob("*.yaml"):
        (corpus / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "zz-synthetic.yaml").write_text(
        yaml.safe_dump(synthetic, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def synthetic_texts(synthetic: list[dict[str, Any]]) -> set[str]:
    texts = set()
    for e in synthetic:
        for qs in e["questions"].values():
            texts.update(qs)
            texts.update(fold_diacritics(q) for q in qs)
        texts.update(e["answer"].values())
    return texts
