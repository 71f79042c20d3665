"""How sure is a model? Monte-Carlo dropout, and the acquisition functions of active learning.

Monte-Carlo dropout (Gal and Ghahramani 2016) keeps dropout on at prediction time: ``passes``
predictions of the same image differ, and how much they disagree says how unsure the model is.
Active learning (Gal, Islam and Ghahramani, ICML 2017) asks a human to label the images that
score highest: ``predictive_entropy`` (unsure, for any reason), ``bald`` (the passes disagree:
what more labels would teach) or ``variation_ratio``. The scores take probabilities of shape
``[passes, images, classes]``, as ``monte_carlo_predict`` returns them. ``calibration`` compares
confidence with accuracy; ``active_learning`` runs the label-acquire-retrain loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np


class MonteCarloDropout(keras.layers.Dropout):
    """``Dropout`` that drops at prediction time too."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


def monte_carlo(model: keras.Model) -> keras.Model:
    """``model`` with its ``Dropout`` layers on at prediction time, sharing every other layer
    (and so every weight). Only dropout changes: ``model(x, training=True)`` would also switch
    batch normalisation to the batch's statistics and update its moving averages."""

    def swap(layer: keras.layers.Layer) -> keras.layers.Layer:
        if isinstance(layer, keras.layers.Dropout):
            return MonteCarloDropout.from_config(layer.get_config())
        return layer

    return keras.models.clone_model(model, clone_function=swap)


def monte_carlo_predict(model: keras.Model, images, passes: int = 20, batch_size: int = 32) -> np.ndarray:
    """Probabilities of ``passes`` predictions with dropout on, shape ``[passes, images, classes]``."""
    sampler = monte_carlo(model)
    return np.stack([sampler.predict(images, batch_size=batch_size, verbose=0) for _ in range(passes)])


def _entropy(probabilities: np.ndarray) -> np.ndarray:
    return -np.sum(probabilities * np.log(np.clip(probabilities, 1e-12, 1.0)), axis=-1)


def predictive_entropy(probabilities: np.ndarray) -> np.ndarray:
    """The entropy of the mean prediction, per image (nats): high when the model is unsure."""
    return _entropy(np.mean(probabilities, axis=0))


def bald(probabilities: np.ndarray) -> np.ndarray:
    """BALD, the mutual information between the prediction and the weights, per image: the
    predictive entropy less the mean entropy of each pass. High where confident passes disagree,
    zero where every pass says the same, however unsure."""
    return predictive_entropy(probabilities) - np.mean(_entropy(probabilities), axis=0)


def variation_ratio(probabilities: np.ndarray) -> np.ndarray:
    """1 - the share of passes that vote for the most voted class, per image."""
    votes = np.argmax(probabilities, axis=-1)  # [passes, images]
    classes = probabilities.shape[-1]
    counts = np.stack([np.sum(votes == c, axis=0) for c in range(classes)], axis=-1)
    return 1.0 - counts.max(axis=-1) / probabilities.shape[0]


def most_informative(scores: np.ndarray, unlabelled: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` indices of ``unlabelled`` whose ``scores`` (one per index, in the same order)
    are highest, highest first; ties go to the earlier index."""
    order = np.argsort(-np.asarray(scores), kind="stable")[:count]
    return np.asarray(unlabelled)[order]


def calibration(probabilities: np.ndarray, labels: np.ndarray, bins: int = 10):
    """(confidence, accuracy, count) per confidence bin of equal width, and the expected
    calibration error: the gap between accuracy and confidence, averaged over the images.
    ``probabilities`` is ``[images, classes]`` (for MC dropout, the mean over the passes)."""
    confidence = probabilities.max(axis=-1)
    right = probabilities.argmax(axis=-1) == labels
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    count = np.bincount(which, minlength=bins)
    filled = np.maximum(count, 1)
    mean_confidence = np.bincount(which, weights=confidence, minlength=bins) / filled
    accuracy = np.bincount(which, weights=right, minlength=bins) / filled
    error = float(np.sum(np.abs(accuracy - mean_confidence) * count) / len(labels))
    return mean_confidence, accuracy, count, error


ACQUISITIONS: dict[str, Callable[[np.ndarray], np.ndarray] | None] = {
    "bald": bald,
    "max entropy": predictive_entropy,
    "variation ratio": variation_ratio,
    "random": None,
}
"""The acquisition functions by name; ``random`` draws the images to label at random, the baseline."""


@dataclass
class LearningCurve:
    """What ``active_learning`` did: the labelled count and validation accuracy after each
    round's training, and the indices labelled at the start and in each round."""

    labelled: list[int] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    acquired: list[np.ndarray] = field(default_factory=list)

    def labels_to_reach(self, target: float) -> int | None:
        """The fewest labels with which the validation accuracy reached ``target``; None if never."""
        return next((count for count, value in zip(self.labelled, self.accuracy, strict=True) if value >= target), None)


def active_learning(
    build: Callable[[], keras.Model],
    images: np.ndarray,
    labels: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray],
    acquisition: str = "bald",
    start_per_class: int = 10,
    per_round: int = 10,
    rounds: int = 10,
    epochs: int = 20,
    passes: int = 20,
    seed: int = 0,
) -> LearningCurve:
    """Gal et al.'s experiment: label ``start_per_class`` random images of each class, then each
    round train a new model from ``build()`` on the labelled images, measure it on ``validation``,
    and label the ``per_round`` images of the pool that ``acquisition`` scores highest (MC dropout,
    ``passes`` predictions), until ``rounds`` rounds have been acquired. Each image is labelled once."""
    rng = np.random.default_rng(seed)
    start = np.concatenate(
        [rng.choice(np.flatnonzero(labels == c), start_per_class, replace=False) for c in np.unique(labels)]
    )
    labelled = list(start)
    curve = LearningCurve(acquired=[start])
    for round_number in range(rounds + 1):
        keras.utils.set_random_seed(seed * 1000 + round_number)
        model = build()
        model.fit(images[labelled], labels[labelled], epochs=epochs, batch_size=32, verbose=0)
        predicted = np.argmax(model.predict(validation[0], verbose=0), axis=-1)
        curve.labelled.append(len(labelled))
        curve.accuracy.append(float(np.mean(predicted == validation[1])))
        if round_number == rounds:
            break
        pool = np.setdiff1d(np.arange(len(images)), labelled)
        score = ACQUISITIONS[acquisition]
        if score is None:
            scores = rng.random(len(pool))
        else:
            scores = score(monte_carlo_predict(model, images[pool], passes=passes))
        chosen = most_informative(scores, pool, per_round)
        labelled.extend(chosen.tolist())
        curve.acquired.append(chosen)
    return curve
