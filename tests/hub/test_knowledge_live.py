"""A knowledge manager's change reaches the running hub's answers at once, no restart.

"At once" is checked without a clock: the first search after the save returns finds the
change. How long that takes is a benchmark figure, not a test assertion."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from tests.support.clients import Agent
from tests.support.stack import ROOT, SERVICE_TOKEN, HubProcess

NEW_ENTRY = {
    "product": "credit-card",
    "tags": ["fees", "card-replacement"],
    "questions": {
        "vi": ["Phí làm lại thẻ bị hỏng chip là bao nhiêu?"],
        "en": ["How much does it cost to replace a card with a broken chip?"],
    },
    "answer": {
        "vi": "Thẻ hỏng chip được làm lại miễn phí trong 5 ngày làm việc.",
        "en": "A card with a broken chip is replaced free of charge within 5 working days.",
    },
}


def test_edit_through_the_api_is_answered_by_the_next_search(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "knowledge" / "corpus", corpus)
    hub = HubProcess(
        tmp_path,
        extra_env={"TANDEM_CORPUS_DIR": str(corpus), "TANDEM_KNOWLEDGE_SELF_PUBLISH": "true"},
    )
    hub.init_db()
    hub.start()
    try:
        hub.wait_knowledge()
        editor = Agent(hub.url, "ha")
        assert (
            Agent(hub.url, "linh")
            .http.put("/api/knowledge/entries/fees-chip-replacement", json=NEW_ENTRY)
            .status_code
            == 403
        )
        editor.http.put(
            "/api/knowledge/entries/fees-chip-replacement", json=NEW_ENTRY
        ).raise_for_status()
        bot_side = httpx.Client(
            base_url=hub.url, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
        )
        hits = bot_side.get(
            "/internal/knowledge/answer",
            params={"q": "thay the hong chip mat phi bao nhieu", "lang": "vi"},
        ).json()["hits"]
        # Searchable as soon as the save returns (the latency is measured in bench/).
        assert hits[0]["id"] == "fees-chip-replacement"
        assert "miễn phí" in hits[0]["answer"]
        assert "fees-chip-replacement" in "".join(p.read_text() for p in corpus.glob("*.yaml"))
    finally:
        hub.stop()
