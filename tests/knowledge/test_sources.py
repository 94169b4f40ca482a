"""The corpus in the database (production): the service reads, changes and rolls back
entries in the ``knowledge_entries`` table, and the CLI exports it as YAML for git."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from bot.store.migrate import upgrade
from knowledge.corpus import load_corpus
from knowledge.sources import DatabaseSource, FileSource
from tandem.settings import ROOT, Settings

NEW = {
    "id": "cards-metal-card",
    "product": "credit-card",
    "questions": {"en": ["Do you issue metal cards?"]},
    "answer": {"en": "Yes: the Golden Lotus Metal card is stainless steel."},
}


def test_service_on_the_database_and_export_to_yaml(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from knowledge.service import KnowledgeService

    url = f"sqlite:///{tmp_path / 'hub.db'}"
    upgrade(url)
    demo = tmp_path / "demo"
    demo.mkdir()
    shutil.copy(ROOT / "knowledge" / "corpus" / "cards.yaml", demo / "cards.yaml")
    cards, _ = load_corpus(demo)
    source = DatabaseSource(url)
    empty = source.signature()
    source.replace_all(list(cards.values()))
    assert source.signature() != empty and set(source.load()) == set(cards)

    settings = Settings(
        database_url=url,
        knowledge_store="database",
        corpus_dir=tmp_path / "unused",
        index_dir=tmp_path / "index",
    )
    service = KnowledgeService.from_settings(settings)
    first = service.version
    seen: list[tuple[str, str | None]] = []
    service.listeners.append(
        lambda changes, meta: seen.extend((c["entry_id"], meta.get("kind")) for c in changes)
    )
    service.upsert(NEW, meta={"kind": "publish", "actor": "ha"})
    assert "cards-metal-card" in source.load()
    assert service.search("metal card", lang="en", k=1)[0].id == "cards-metal-card"
    assert not (tmp_path / "unused").exists()  # nothing was written to files
    service.rollback(first)
    assert "cards-metal-card" not in source.load()
    assert seen == [("cards-metal-card", "publish"), ("cards-metal-card", "corpus_rollback")]

    # `tandem knowledge export` writes the database's corpus as YAML, into the same layout.
    from knowledge.cli import app

    service.upsert(NEW)
    monkeypatch.setenv("TANDEM_DATABASE_URL", url)
    monkeypatch.setenv("TANDEM_KNOWLEDGE_STORE", "database")
    from tandem.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["export", str(demo)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    exported, files = load_corpus(demo)
    assert set(exported) == set(cards) | {"cards-metal-card"}
    assert files["cards-activation"] == demo / "cards.yaml"
    single = tmp_path / "all.yaml"
    get_settings.cache_clear()
    try:
        assert CliRunner().invoke(app, ["export", str(single)]).exit_code == 0
    finally:
        get_settings.cache_clear()
    assert len(yaml.safe_load(single.read_text())) == len(cards) + 1


def test_file_source_keeps_topic_files(tmp_path: Path) -> None:
    source = FileSource(tmp_path)
    source.put([{**NEW, "updated_at": "2026-11-01T00:00:00+00:00"}])
    assert (tmp_path / "cards.yaml").exists()
    assert set(source.load()) == {"cards-metal-card"}
    source.remove(["cards-metal-card"])
    assert source.load() == {}
