"""How sure is a model? Monte-Carlo dropout, and the acquisition functions of active learning.

Monte-Carlo dropout (Gal and Ghahramani 2016) keeps dropout on at prediction time: ``passes``
predictions of the same image differ, and how much they disagree says how unsure the model is.
Active learning (Gal, Islam and Ghahramani, ICML 2017) asks a human to label the images that
score highest: ``predictive_entropy`` (unsure, for any reason), ``bald`` (the passes disagree:
what more labels would teach) or ``variation_ratio``. The scores take probabilities of shape
``[passes, images, classes]``, as ``monte_carlo_predict`` returns them. ``calibration`` compares
confidence with accuracy; ``active_learning`` runs the label-acquire-retrain loop, and
``compare_strategies`` runs it for several acquisition functions and seeds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np

from flowers_lab.evaluation import predict

BATCH = 32
"""The batch size of active learning's training and predictions: a multiple of the device count
of a TPU v5e-8, so that each batch divides over its devices."""


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
    return _predictions(monte_carlo(model), images, passes, batch_size)


def _predictions(sampler: keras.Model, images, passes: int, batch_size: int = 32) -> np.ndarray:
    return np.stack([predict(sampler, images, batch_size) for _ in range(passes)])


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


Score = Callable[[np.ndarray], np.ndarray]
"""An acquisition function: MC probabilities ``[passes, images, classes]`` to one score per image."""

ACQUISITIONS: dict[str, Score | None] = {
    "bald": bald,
    "max entropy": predictive_entropy,
    "variation ratio": variation_ratio,
    "random": None,
}
"""The acquisition functions by name; ``random`` (None) draws the images to label at random, the baseline."""


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


def _snapshot(model: keras.Model) -> list[np.ndarray]:
    """The values of ``model``'s variables and of its optimizer's (built now if need be: moments,
    step count, learning rate), for ``_restart``."""
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    return [keras.ops.convert_to_numpy(v.value) for v in _state(model)]


def _state(model: keras.Model) -> list:
    return list(model.variables) + (list(model.optimizer.variables) if model.optimizer is not None else [])


def _restart(model: keras.Model, snapshot: list[np.ndarray]) -> None:
    """Put ``model`` and its optimizer back as ``_snapshot`` saw them: retraining from scratch
    without building and compiling a new model, whose first steps Keras would trace again (about
    1.5 s a round on 2 CPU cores)."""
    for variable, value in zip(_state(model), snapshot, strict=True):
        variable.assign(value)


def active_learning(
    build: Callable[[], keras.Model],
    images: np.ndarray,
    labels: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray],
    score: Score | None = bald,
    pick: Callable[[np.ndarray, np.ndarray, int], np.ndarray] = most_informative,
    start_per_class: int = 10,
    per_round: int = 10,
    rounds: int = 10,
    epochs: int = 20,
    passes: int = 20,
    seed: int = 0,
) -> LearningCurve:
    """Gal et al.'s experiment: label ``start_per_class`` random images of each class, then each
    round train the model that ``build()`` made (compiled) from its first weights on the labelled
    images, measure it on ``validation``, and label the ``per_round`` images of the pool that
    ``pick(scores, pool, per_round)`` chooses by ``score`` of their MC-dropout predictions
    (``passes`` of them; ``score`` None: random scores), until ``rounds`` rounds have been
    acquired. Each image is labelled once; the same seed gives every strategy the same start."""
    rng = np.random.default_rng(seed)
    start = np.concatenate(
        [rng.choice(np.flatnonzero(labels == c), start_per_class, replace=False) for c in np.unique(labels)]
    )
    labelled = list(start)
    curve = LearningCurve(acquired=[start])
    shuffle = np.random.default_rng([seed, 1])  # the training order: its own stream, the same for every strategy
    keras.utils.set_random_seed(seed)
    model = build()
    first = _snapshot(model)
    sampler = monte_carlo(model)
    for round_number in range(rounds + 1):
        _restart(model, first)
        # `epochs` shuffled passes over the labelled images, as one epoch: Keras' per-epoch overhead
        # (about 0.1 s on 2 CPU cores) would otherwise outweigh the few steps of each pass
        order = np.concatenate([shuffle.permutation(labelled) for _ in range(epochs)])
        order = np.resize(order, max(BATCH, len(order) - len(order) % BATCH))  # whole batches divide over devices
        model.fit(images[order], labels[order], batch_size=BATCH, shuffle=False, verbose=0)
        predicted = np.argmax(predict(model, validation[0], BATCH), axis=-1)
        curve.labelled.append(len(labelled))
        curve.accuracy.append(float(np.mean(predicted == validation[1])))
        if round_number == rounds:
            break
        pool = np.setdiff1d(np.arange(len(images)), labelled)
        if score is None:
            scores = rng.random(len(pool))
        else:
            scores = np.asarray(score(_predictions(sampler, images[pool], passes)))
        chosen = np.asarray(pick(scores, pool, per_round))
        labelled.extend(chosen.tolist())
        curve.acquired.append(chosen)
    return curve


def compare_strategies(
    strategies: dict[str, Score | None], repeats: int = 3, log: Callable[[str], None] | None = print, **experiment
) -> dict[str, list[LearningCurve]]:
    """``active_learning(score=..., seed=repeat, **experiment)`` for each strategy and each of
    ``repeats`` seeds: the learning curves by strategy name. ``log`` hears of each run."""
    curves: dict[str, list[LearningCurve]] = {name: [] for name in strategies}
    for repeat in range(repeats):
        for name, score in strategies.items():
            curves[name].append(active_learning(score=score, seed=repeat, **experiment))
            if log:
                last = curves[name][-1]
                log(f"repeat {repeat + 1}/{repeats}, {name}: {last.accuracy[-1]:.3f} with {last.labelled[-1]} labels")
    return curves


def labels_needed(curves: dict[str, list[LearningCurve]], target: float) -> dict[str, list[int | None]]:
    """For each strategy, the labels each repeat needed to reach ``target`` (None: not reached)."""
    return {name: [curve.labels_to_reach(target) for curve in runs] for name, runs in curves.items()}


def target_accuracy(curves: dict[str, list[LearningCurve]], baseline: str = "random", share: float = 0.95) -> float:
    """``share`` of the final validation accuracy of ``baseline``, averaged over its repeats: a
    target every strategy can be measured against, whatever the size of the run."""
    return share * float(np.mean([runs.accuracy[-1] for runs in curves[baseline]]))


def mean_labels(curves: dict[str, list[LearningCurve]], target: float) -> dict[str, float | None]:
    """The labels each strategy needed to reach ``target``, averaged over its repeats; None where
    a repeat never reached it."""
    means: dict[str, float | None] = {}
    for name, counts in labels_needed(curves, target).items():
        reached = [count for count in counts if count is not None]
        means[name] = float(np.mean(reached)) if len(reached) == len(counts) else None
    return means


def saving_table(curves: dict[str, list[LearningCurve]], target: float, baseline: str = "random") -> str:
    """A Markdown table: per strategy the labels each repeat needed to reach ``target``, their
    mean, and the share of labels saved against ``baseline`` (negative: it needed more)."""
    needed, means = labels_needed(curves, target), mean_labels(curves, target)
    most = max(curve.labelled[-1] for runs in curves.values() for curve in runs)
    rows = [
        f"labels to reach {target:.1%} validation accuracy (- : not within {most})",
        "",
        f"| strategy | per repeat | mean | saving against {baseline} |",
        "|---|---|---|---|",
    ]
    for name, counts in needed.items():
        mean, base = means[name], means.get(baseline)
        saving = f"{1 - mean / base:+.0%}" if mean is not None and base else "-"
        per_repeat = ", ".join("-" if count is None else str(count) for count in counts)
        rows.append(f"| {name} | {per_repeat} | {'-' if mean is None else f'{mean:.0f}'} | {saving} |")
    return "\n".join(rows)
