"""The intent model's nearest-example vote, on hand-made weights and examples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlu.intent_model import IntentModel, IntentModelConfig


def _model(nearest_weight: float) -> IntentModel:
    # Three classes whose linear margins are equal; the stored examples of "a" point
    # along the first axis and those of "b" along the second. "oos" has no examples.
    return IntentModel(
        config=IntentModelConfig(nearest_weight=nearest_weight, sim_floor=-1.0, sim_full=0.0),
        classes=np.array(["a", "b", "oos"]),
        idf=np.zeros(0, dtype=np.float32),
        coef=np.zeros((3, 2), dtype=np.float32),
        intercept=np.zeros(3, dtype=np.float32),
        memory=np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float16),
        memory_labels=np.array([0, 1], dtype=np.int32),
    )


def test_nearest_example_breaks_a_tie_between_in_scope_classes() -> None:
    message = np.array([[0.2, 1.0]], dtype=np.float32)  # much nearer "b"
    flat, _ = _model(0.0).predict(None, message)
    voted, _ = _model(8.0).predict(None, message)
    np.testing.assert_allclose(flat[0], [1 / 3] * 3, rtol=1e-5)
    assert voted[0, 1] > voted[0, 0]
    assert voted[0].argmax() == 1


def test_nearest_vote_never_takes_weight_from_out_of_scope() -> None:
    message = np.array([[0.2, 1.0]], dtype=np.float32)
    flat, _ = _model(0.0).predict(None, message)
    voted, _ = _model(8.0).predict(None, message)
    # Only the farther in-scope class loses margin, so "oos" can only gain probability.
    assert voted[0, 2] >= flat[0, 2]
    assert voted[0, 0] < flat[0, 0]


def test_saved_model_predicts_the_same(tmp_path: Path) -> None:
    model = _model(8.0)
    model.save(tmp_path / "m.npz")
    loaded = IntentModel.load(tmp_path / "m.npz", model.config)
    message = np.array([[1.0, 0.1]], dtype=np.float32)
    np.testing.assert_allclose(loaded.predict(None, message)[0], model.predict(None, message)[0])


def _linear_model(none_margin: float | None) -> IntentModel:
    # Two intents read from the first two axes of the (unit-length, x3) dense block; the
    # intercepts put a message with nothing of either intent below every margin.
    return IntentModel(
        config=IntentModelConfig(none_margin=none_margin),
        classes=np.array(["a", "b"]),
        idf=np.zeros(0, dtype=np.float32),
        coef=np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32),
        intercept=np.array([-2.5, -2.5], dtype=np.float32),
    )


# Margins (a, b): a clear "a" (0.5, -2.5); a message that leans to "a" but that neither
# intent claims (-1.0, -2.5), such as a question about a topic the bot does not know.
CLEAR = np.array([[1.0, 0.0, 0.0]], dtype=np.float32)
UNCLAIMED = np.array([[0.5, 0.0, np.sqrt(0.75)]], dtype=np.float32)


def test_a_message_no_intent_claims_gets_low_confidence() -> None:
    _, plain = _linear_model(None).predict(None, UNCLAIMED)
    _, calibrated = _linear_model(-0.5).predict(None, UNCLAIMED)
    # The softmax alone compares the intents with each other: "a" looks certain.
    assert plain[0, 0] > 0.99
    # Against the "none of these" margin, it is not: well below the 0.4 fallback.
    assert calibrated[0, 0] < 0.1


def test_a_clear_intent_keeps_its_confidence() -> None:
    _, plain = _linear_model(None).predict(None, CLEAR)
    _, calibrated = _linear_model(-0.5).predict(None, CLEAR)
    assert calibrated[0].argmax() == 0
    assert calibrated[0, 0] > 0.99
    assert plain[0, 0] - calibrated[0, 0] < 0.01


def test_none_margin_only_removes_probability() -> None:
    plain, _ = _linear_model(None).predict(None, np.vstack([CLEAR, UNCLAIMED]))
    calibrated, _ = _linear_model(-0.5).predict(None, np.vstack([CLEAR, UNCLAIMED]))
    np.testing.assert_allclose(plain.sum(axis=1), 1.0, rtol=1e-5)
    assert (calibrated.sum(axis=1) < 1.0).all()
    # The order of the intents is unchanged.
    assert (calibrated.argmax(axis=1) == plain.argmax(axis=1)).all()


def _clustered(seed: int = 0) -> tuple[np.ndarray, list[str]]:
    # Three intents and out-of-scope examples, each tight around its own axis.
    rng = np.random.default_rng(seed)
    blocks = [np.eye(4)[i] + rng.normal(0, 0.05, (n, 4)) for i, n in enumerate((40, 40, 40, 20))]
    return np.vstack(blocks).astype(np.float32), ["big"] * 40 + ["mid"] * 40 + ["small"] * 40 + [
        "oos"
    ] * 20


def _calibrated_model(folds: int) -> IntentModel:
    # A low softmax temperature keeps every confidence under the shared 0.45, as short,
    # varied intents are in the demo domain: clear messages that would all fall back.
    dense, labels = _clustered()
    config = IntentModelConfig(scale=0.2, sim_floor=-1.0, sim_full=0.0, calibration_folds=folds)
    model = IntentModel(config)
    model.fit(None, dense, labels)
    model.calibrate(None, dense, labels)
    return model


def test_calibration_learns_a_threshold_per_intent_within_bounds() -> None:
    model = _calibrated_model(5)
    assert model.thresholds is not None and model.classes is not None
    t = {str(c): float(v) for c, v in zip(model.classes, model.thresholds, strict=True)}
    assert t["oos"] == pytest.approx(0.45)  # out of scope is never calibrated
    assert all(0.3 <= t[name] < 0.45 for name in ("big", "mid", "small")), t
    # A clear message under the shared threshold is lifted over it, to its own intent.
    clear = np.array([[1.0, 0.02, 0.0, 0.0]], dtype=np.float32)
    off = _calibrated_model(0)
    assert off.thresholds is None
    assert off.predict(None, clear)[1].max() < 0.45 <= model.predict(None, clear)[1].max()
    assert model.predict(None, clear)[1].argmax() == off.predict(None, clear)[1].argmax()


def test_calibration_lifts_the_winner_and_never_reorders_intents() -> None:
    model = _calibrated_model(5)
    model.thresholds = np.array([0.45, 0.45, 0.45, 0.3], dtype=np.float32)  # big, mid, oos, small
    conf = np.array(
        [
            [0.1, 0.2, 0.1, 0.3],  # "small" wins at its own threshold
            [0.2, 0.1, 0.1, 0.15],  # "big" wins at the shared threshold: unchanged
            [0.5, 0.0, 0.0, 0.9],  # "small" wins, far over its threshold
            [0.28, 0.0, 0.0, 0.26],  # "big" wins by a little; "small" has the lower threshold
        ],
        dtype=np.float32,
    )
    out = model.calibrated(conf)
    assert (out.argmax(axis=1) == conf.argmax(axis=1)).all()
    assert (out >= conf - 1e-6).all() and (out <= 1.0 + 1e-6).all()
    # The winner's own threshold lands on the fallback threshold, the row scaled alike.
    assert out[0, 3] == pytest.approx(0.45)
    np.testing.assert_allclose(out[0] / conf[0], out[0, 3] / conf[0, 3], rtol=1e-5)
    np.testing.assert_allclose(out[1], conf[1], rtol=1e-6)
    np.testing.assert_allclose(out[3], conf[3], rtol=1e-6)
    assert out[0, 3] < out[2, 3] <= 1.0


def test_calibration_survives_saving(tmp_path: Path) -> None:
    model = _calibrated_model(5)
    model.save(tmp_path / "m.npz")
    loaded = IntentModel.load(tmp_path / "m.npz", model.config)
    dense, _ = _clustered(seed=1)
    np.testing.assert_allclose(loaded.predict(None, dense)[1], model.predict(None, dense)[1])


def _three_intents(scope_confidence: bool) -> IntentModel:
    # "a" and "b" read the first axis alike (two close intents), "c" the second; the
    # intercepts put a message with nothing of any intent under the "none of these" margin.
    return IntentModel(
        config=IntentModelConfig(none_margin=-0.5, scope_confidence=scope_confidence),
        classes=np.array(["a", "b", "c"]),
        idf=np.zeros(0, dtype=np.float32),
        coef=np.array([[1.0, 0, 0], [0.99, 0, 0], [0, 1.0, 0]], dtype=np.float32),
        intercept=np.array([-2.5, -2.5, -2.5], dtype=np.float32),
    )


def test_two_close_intents_splitting_a_message_is_not_doubt_about_scope() -> None:
    split = np.array([[1.0, 0.0, 0.0]], dtype=np.float32)
    _, share = _three_intents(False).predict(None, split)
    probs, scoped = _three_intents(True).predict(None, split)
    # Each close intent gets about half: alone, the winner would fall back at 0.45.
    assert share[0].argmax() == 0 and share[0, 0] < 0.6
    # In scope, it is sure: the winner carries what both share; the ranking is the same.
    assert scoped[0, 0] == pytest.approx(probs[0, :].sum(), rel=1e-5)
    assert scoped[0, 0] > 0.9
    assert list(np.argsort(-scoped[0])) == list(np.argsort(-share[0]))
    np.testing.assert_allclose(scoped[0, 1:], share[0, 1:])


def test_scope_confidence_still_lets_an_unclaimed_message_fall_back() -> None:
    unclaimed = np.array([[0.5, 0.0, np.sqrt(0.75)]], dtype=np.float32)
    _, scoped = _three_intents(True).predict(None, unclaimed)
    assert scoped[0].max() < 0.2


def test_training_confusion_is_where_each_examples_nearest_other_example_lies() -> None:
    # "a" and "b" share the first axis, their examples interleaved; "c" has its own axis.
    memory = np.array(
        [[1.0, 0.0], [0.99, 0.14], [0.98, 0.2], [0.995, 0.1], [0.0, 1.0], [0.1, 0.995]],
        dtype=np.float16,
    )
    labels = np.array([0, 0, 1, 1, 2, 2], dtype=np.int32)
    confusion = IntentModel._nearest_confusion(memory, labels, 3)
    assert confusion[0, 1] > 0 and confusion[0, 1] == confusion[1, 0]
    assert confusion[0, 2] == 0 and confusion[1, 2] == 0
    assert confusion[2, 2] == 1.0  # both of c's examples are each other's nearest


def _pairs(share: float | None) -> IntentModel:
    # "a" and "b" each read their own axis but are confused in training; "c" reads the
    # third axis and is confused with neither.
    return IntentModel(
        config=IntentModelConfig(
            none_margin=-0.5, scope_confidence=True, scope_neighbour_share=share
        ),
        classes=np.array(["a", "b", "c"]),
        idf=np.zeros(0, dtype=np.float32),
        coef=np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]], dtype=np.float32),
        intercept=np.array([-1.5, -1.5, -1.5], dtype=np.float32),
        confusion=np.array([[0.7, 0.3, 0.0], [0.3, 0.7, 0.0], [0.0, 0.0, 1.0]], dtype=np.float32),
    )


def test_only_intents_confused_in_training_lend_their_probability() -> None:
    close = np.array([[1.0, 0.99, 0.0]], dtype=np.float32) / np.sqrt(2)  # a or b
    unrelated = np.array([[1.0, 0.0, 0.99]], dtype=np.float32) / np.sqrt(2)  # a or c
    _, close_conf = _pairs(0.1).predict(None, close)
    _, unrelated_conf = _pairs(0.1).predict(None, unrelated)
    _, everything = _pairs(None).predict(None, unrelated)
    assert close_conf[0].max() > 0.9
    assert unrelated_conf[0].max() < 0.6  # a vague message stays doubtful ...
    assert everything[0].max() > 0.9  # ... where the whole in-scope mass made it sure
    assert unrelated_conf[0].argmax() == everything[0].argmax()


def test_the_training_confusion_survives_saving(tmp_path: Path) -> None:
    model = _pairs(0.1)
    model.save(tmp_path / "m.npz")
    loaded = IntentModel.load(tmp_path / "m.npz", model.config)
    assert loaded.confusion is not None
    np.testing.assert_allclose(loaded.confusion, model.confusion)
