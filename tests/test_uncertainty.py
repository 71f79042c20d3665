"""Monte-Carlo dropout changes only dropout, and the acquisition scores give known answers."""

import keras
import numpy as np
import pytest

from flowers_lab.uncertainty import (
    ACQUISITIONS,
    LearningCurve,
    active_learning,
    bald,
    calibration,
    compare_strategies,
    mean_labels,
    monte_carlo,
    monte_carlo_predict,
    most_informative,
    predictive_entropy,
    saving_table,
    target_accuracy,
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
        score=ACQUISITIONS[acquisition],
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


def test_monte_carlo_predictions_keep_every_image_when_the_batch_is_not_full():
    model, x = _model_with_dropout_and_batch_norm()
    assert monte_carlo_predict(model, x[:5], passes=2, batch_size=4).shape == (2, 5, 3)


def test_each_round_trains_from_the_same_start_so_the_same_labels_give_the_same_model():
    """Retraining restores the model's first weights and its optimizer's state: two runs of one
    seed agree exactly, and a strategy's first round (the same labels) agrees with another's."""
    images, labels = _blobs(90, seed=0)
    run = dict(images=images, labels=labels, validation=_blobs(60, seed=1), start_per_class=2, per_round=5)
    first = active_learning(_small_model, score=bald, rounds=2, epochs=3, passes=3, **run)
    again = active_learning(_small_model, score=bald, rounds=2, epochs=3, passes=3, **run)
    assert first.accuracy == again.accuracy
    assert all((a == b).all() for a, b in zip(first.acquired, again.acquired, strict=True))
    randomly = active_learning(_small_model, score=None, rounds=1, epochs=3, passes=3, **run)
    assert randomly.accuracy[0] == first.accuracy[0] and (randomly.acquired[0] == first.acquired[0]).all()


def test_the_learners_pick_chooses_the_images():
    images, labels = _blobs(40, seed=0)
    curve = active_learning(
        _small_model,
        images,
        labels,
        _blobs(20, seed=1),
        score=bald,
        pick=lambda scores, pool, count: pool[:count],
        start_per_class=1,
        per_round=2,
        rounds=1,
        epochs=1,
        passes=2,
    )
    pool = np.setdiff1d(np.arange(40), curve.acquired[0])
    assert curve.acquired[1].tolist() == pool[:2].tolist()


def test_compare_strategies_gives_each_strategy_the_same_starts_one_per_repeat():
    images, labels = _blobs(60, seed=0)
    curves = compare_strategies(
        {"bald": bald, "random": None},
        repeats=2,
        log=None,
        build=_small_model,
        images=images,
        labels=labels,
        validation=_blobs(30, seed=1),
        start_per_class=1,
        per_round=2,
        rounds=1,
        epochs=2,
        passes=2,
    )
    assert [len(runs) for runs in curves.values()] == [2, 2]
    for repeat in range(2):
        assert (curves["bald"][repeat].acquired[0] == curves["random"][repeat].acquired[0]).all()
    assert not (curves["bald"][0].acquired[0] == curves["bald"][1].acquired[0]).all()


def _curves():
    return {
        "bald": [LearningCurve([10, 20, 30], [0.5, 0.8, 0.9]), LearningCurve([10, 20, 30], [0.6, 0.7, 0.9])],
        "random": [LearningCurve([10, 20, 30], [0.5, 0.6, 0.8]), LearningCurve([10, 20, 30], [0.5, 0.7, 0.8])],
        "worse": [LearningCurve([10, 20, 30], [0.5, 0.6, 0.7]), LearningCurve([10, 20, 30], [0.5, 0.6, 0.9])],
    }


def test_the_target_is_a_share_of_randoms_final_accuracy_and_labels_are_averaged_over_repeats():
    curves = _curves()
    assert target_accuracy(curves) == pytest.approx(0.76)  # 0.95 x 0.8
    assert target_accuracy(curves, share=1.0) == pytest.approx(0.8)
    assert mean_labels(curves, 0.76) == {"bald": 25.0, "random": 30.0, "worse": None}  # a repeat never got there


def test_the_saving_table_gives_each_repeat_the_mean_and_the_saving_against_random():
    table = saving_table(_curves(), 0.76)
    assert "labels to reach 76.0% validation accuracy (- : not within 30)" in table
    assert "| bald | 20, 30 | 25 | +17% |" in table
    assert "| random | 30, 30 | 30 | +0% |" in table
    assert "| worse | -, 30 | - | - |" in table


@pytest.mark.backend
def test_a_restarted_model_trains_exactly_as_it_did_from_its_first_state():
    from flowers_lab.uncertainty import _restart, _snapshot

    images, labels = _blobs(64, seed=0)
    keras.utils.set_random_seed(0)
    model = _small_model()
    first = _snapshot(model)
    model.fit(images, labels, epochs=2, shuffle=False, verbose=0)
    trained = model.get_weights()
    _restart(model, first)
    assert int(model.optimizer.iterations) == 0
    model.fit(images, labels, epochs=2, shuffle=False, verbose=0)
    for once, twice in zip(trained, model.get_weights(), strict=True):
        np.testing.assert_allclose(once, twice, rtol=1e-6)
