"""Monte-Carlo dropout changes only dropout, and the acquisition scores give known answers."""

import keras
import numpy as np
import pytest

from flowers_lab.uncertainty import (
    LearningCurve,
    active_learning,
    bald,
    calibration,
    monte_carlo,
    monte_carlo_predict,
    most_informative,
    predictive_entropy,
    variation_ratio,
)

SURE_AND_AGREEING = np.tile(np.eye(5)[[2]], (4, 1, 1))  # 4 passes, 1 image: class 2, certain
UNSURE_AND_AGREEING = np.full((4, 1, 5), 0.2)  # every pass: uniform
SURE_AND_DISAGREEING = np.eye(5)[[[0], [1], [0], [1]]]  # confident passes, half class 0, half class 1


def test_predictive_entropy_is_zero_when_sure_and_log_classes_when_uniform():
    np.testing.assert_allclose(predictive_entropy(SURE_AND_AGREEING), [0.0], atol=1e-9)
    np.testing.assert_allclose(predictive_entropy(UNSURE_AND_AGREEING), [np.log(5)])
    np.testing.assert_allclose(predictive_entropy(SURE_AND_DISAGREEING), [np.log(2)])


def test_bald_is_high_only_where_confident_passes_disagree():
    np.testing.assert_allclose(bald(SURE_AND_AGREEING), [0.0], atol=1e-9)
    np.testing.assert_allclose(bald(UNSURE_AND_AGREEING), [0.0], atol=1e-9)  # unsure, but more labels won't help
    np.testing.assert_allclose(bald(SURE_AND_DISAGREEING), [np.log(2)])


def test_variation_ratio_counts_the_votes_against_the_mode():
    three_to_one = np.eye(5)[[[3], [3], [3], [1]]]
    np.testing.assert_allclose(variation_ratio(three_to_one), [0.25])
    np.testing.assert_allclose(variation_ratio(SURE_AND_AGREEING), [0.0])


def test_scores_are_per_image():
    both = np.concatenate([SURE_AND_AGREEING, SURE_AND_DISAGREEING], axis=1)
    assert bald(both).shape == predictive_entropy(both).shape == variation_ratio(both).shape == (2,)
    assert np.argmax(bald(both)) == 1


def test_most_informative_takes_the_highest_scores_of_the_unlabelled_ties_to_the_earlier():
    unlabelled = np.array([10, 11, 12, 13, 14])
    scores = np.array([0.1, 0.9, 0.5, 0.9, 0.0])
    assert most_informative(scores, unlabelled, 3).tolist() == [11, 13, 12]
    assert most_informative(scores, unlabelled, 0).tolist() == []


def _model_with_dropout_and_batch_norm():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input([6]),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(64, 6)).astype("float32")
    model.fit(x, np.arange(64) % 3, epochs=1, verbose=0)
    return model, x


@pytest.mark.backend
def test_monte_carlo_passes_differ_and_batch_norm_statistics_do_not_move():
    model, x = _model_with_dropout_and_batch_norm()
    norm = model.layers[1]
    moving = [np.array(v) for v in (norm.moving_mean, norm.moving_variance)]
    plain = model.predict(x, verbose=0)
    np.testing.assert_array_equal(plain, model.predict(x, verbose=0))  # the model itself stays deterministic
    passes = monte_carlo_predict(model, x, passes=3)
    assert passes.shape == (3, 64, 3)
    assert not np.allclose(passes[0], passes[1]), "dropout is on: two passes differ"
    np.testing.assert_allclose(passes.sum(axis=-1), 1.0, rtol=1e-5)
    for before, after in zip(moving, (norm.moving_mean, norm.moving_variance), strict=True):
        np.testing.assert_array_equal(before, np.array(after))  # batch norm in inference mode, not updated
    np.testing.assert_array_equal(plain, model.predict(x, verbose=0))


@pytest.mark.backend
def test_the_monte_carlo_copy_shares_the_weights_and_swaps_only_dropout():
    model, _ = _model_with_dropout_and_batch_norm()
    sampler = monte_carlo(model)
    kinds = [type(layer).__name__ for layer in sampler.layers]
    assert kinds == ["Dense", "BatchNormalization", "MonteCarloDropout", "Dense"]
    assert sampler.layers[0] is model.layers[0] and sampler.layers[3] is model.layers[3]
    assert sampler.layers[2].rate == 0.5


def _blobs(count, seed):
    """Three classes of points around three centres: learnable from a few labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 3
    return (np.eye(3)[labels] * 3 + rng.normal(size=(count, 3))).astype("float32"), labels


def _small_model():
    model = keras.Sequential(
        [keras.Input([3]), keras.layers.Dense(16, activation="relu"), keras.layers.Dropout(0.3)]
        + [keras.layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("acquisition", ["bald", "random"])
def test_active_learning_labels_each_image_once_and_grows_the_labelled_set_by_each_round(acquisition):
    images, labels = _blobs(90, seed=0)
    curve = active_learning(
        _small_model,
        images,
        labels,
        _blobs(60, seed=1),
        acquisition=acquisition,
        start_per_class=2,
        per_round=5,
        rounds=3,
        epochs=5,
        passes=4,
    )
    acquired = np.concatenate(curve.acquired)
    assert len(acquired) == len(set(acquired.tolist())) == 6 + 3 * 5, "no image labelled twice"
    assert sorted(labels[curve.acquired[0]].tolist()) == [0, 0, 1, 1, 2, 2]  # the start: 2 of each class
    assert curve.labelled == [6, 11, 16, 21]
    assert len(curve.accuracy) == 4 and all(0 <= value <= 1 for value in curve.accuracy)
    assert curve.accuracy[-1] > 0.8  # three blobs: a few labels suffice


def test_labels_to_reach_is_the_first_count_at_the_target():
    curve = LearningCurve(labelled=[10, 20, 30], accuracy=[0.5, 0.8, 0.9])
    assert curve.labels_to_reach(0.8) == 20
    assert curve.labels_to_reach(0.95) is None


def test_bald_picks_the_images_the_passes_disagree_on():
    passes = np.concatenate([SURE_AND_AGREEING, SURE_AND_DISAGREEING, UNSURE_AND_AGREEING], axis=1)
    assert most_informative(bald(passes), np.array([7, 8, 9]), 1).tolist() == [8]
    assert most_informative(predictive_entropy(passes), np.array([7, 8, 9]), 1).tolist() == [9]


def test_calibration_error_is_zero_when_confidence_matches_accuracy_and_the_gap_otherwise():
    # 10 images at confidence 0.8, 8 of them right: calibrated
    probabilities = np.tile([[0.8, 0.2]], (10, 1))
    labels = np.array([0] * 8 + [1] * 2)
    confidence, accuracy, count, error = calibration(probabilities, labels)
    assert error == pytest.approx(0.0) and count[8] == 10 and confidence[8] == pytest.approx(0.8)
    overconfident = np.array([0] * 5 + [1] * 5)  # right half the time at 0.8
    assert calibration(probabilities, overconfident)[3] == pytest.approx(0.3)
    assert calibration(probabilities, overconfident)[1][8] == pytest.approx(0.5)
