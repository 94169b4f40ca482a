"""Publishing never rewrites the tracked demo corpus: by default the knowledge workflow
publishes into the run-time folder (<var_dir>/corpus, copied from knowledge/corpus the first
time), and the index is built from that copy, also on a fresh clone with no index yet."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from knowledge.corpus import load_corpus
from knowledge.sources import corpus_folder, make_source
from tandem.settings import Settings
from tests.support.clients import Agent
from tests.support.stack import ROOT, SERVICE_TOKEN, HubProcess

TRACKED = ROOT / "knowledge" / "corpus"
ENTRY_ID = "cards-wooden-card"
ENTRY = {
    "product": "credit-card",
    "tags": ["cards"],
    "questions": {
        "vi": ["Ngân hàng có phát hành thẻ bằng gỗ không?"],
        "en": ["Do you issue cards made of wood?"],
    },
    "answer": {
        "vi": "Có, thẻ Sen Vàng Gỗ làm từ gỗ tái chế, phí phát hành 200.000 VND.",
        "en": "Yes, the Sen Vàng Wood card is made of recycled wood; it costs 200,000 VND.",
    },
}


def git_status() -> str | None:
    """`git status --porcelain knowledge/corpus`, or None outside a git checkout."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return None
    done = subprocess.run(
        ["git", "status", "--porcelain", "--", "knowledge/corpus"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def snapshot() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(TRACKED.glob("*.yaml"))}


def restore(before: dict[str, bytes]) -> None:
    """Put the tracked files back if a broken build wrote to them (so a failure here does
    not leave the checkout modified)."""
    for path in TRACKED.glob("*.yaml"):
        if path.name not in before:
            path.unlink()
    for name, data in before.items():
        path = TRACKED / name
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, (response.status_code, response.text)
    return response.json()


def test_publishing_with_default_settings_leaves_the_tracked_corpus_alone(
    tmp_path: Path,
) -> None:
    var = tmp_path / "var"
    status_before, files_before = git_status(), snapshot()
    # Default corpus settings, a run-time folder and an index folder that do not exist yet:
    # what `make demo` meets on a fresh clone.
    hub = HubProcess(
        tmp_path,
        index_dir=tmp_path / "index",
        own_corpus=False,
        extra_env={"TANDEM_VAR_DIR": str(var)},
    )
    hub.init_db()
    hub.start()
    try:
        hub.wait_knowledge()
        assert (tmp_path / "index" / "CURRENT").exists(), "the index was built at start"
        seeded, _ = load_corpus(var / "corpus")
        tracked, _ = load_corpus(TRACKED)
        assert set(seeded) == set(tracked), "the run-time corpus starts as the tracked one"

        ha, quan = Agent(hub.url, "ha"), Agent(hub.url, "quan")
        draft = ok(ha.post("/api/knowledge/drafts", entry_id=ENTRY_ID, content=ENTRY))
        ok(ha.post(f"/api/knowledge/drafts/{draft['id']}/submit"))
        published = ok(quan.post(f"/api/knowledge/drafts/{draft['id']}/approve"))
        assert published["status"] == "published"

        # Published where the hub serves from: the run-time copy, and the live index.
        assert ENTRY_ID in load_corpus(var / "corpus")[0]
        bot_side = httpx.Client(
            base_url=hub.url, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}, timeout=30
        )
        hits = ok(
            bot_side.get(
                "/internal/knowledge/answer",
                params={"q": "thẻ làm bằng gỗ", "lang": "vi"},
            )
        )["hits"]
        assert hits and hits[0]["id"] == ENTRY_ID
    finally:
        hub.stop()
        files_after = snapshot()
        restore(files_before)
    assert files_after == files_before, "publishing rewrote knowledge/corpus"
    # On a clean checkout (CI) both are empty: `git status --porcelain knowledge/corpus`.
    assert git_status() == status_before


def test_the_corpus_folder_is_a_setting_seeded_once(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", _env_file=None)
    assert settings.corpus_dir == tmp_path / "var" / "corpus"
    # Replicas share one folder by naming it; an explicit folder wins over the default.
    shared = Settings(var_dir=tmp_path / "var", corpus_dir=tmp_path / "shared", _env_file=None)
    assert shared.corpus_dir == tmp_path / "shared"

    folder = corpus_folder(settings)
    assert sorted(p.name for p in folder.glob("*.yaml")) == sorted(snapshot())
    assert not list(folder.parent.glob(".corpus-*")), "no half-made copy is left behind"
    # An existing folder is the corpus as published: it is never seeded over again.
    (folder / "cards.yaml").unlink()
    source = make_source(settings)
    assert not (folder / "cards.yaml").exists()
    assert "cards-activation" not in source.load()
