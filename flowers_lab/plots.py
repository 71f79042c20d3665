"""Figures the lessons show: grids of flowers with their labels or predictions, training curves,
the confusion matrix, a learning-rate schedule, and for lesson 7 reliability diagrams and
active-learning curves, for lesson 9 the time of a training step, and for lesson 10 networks
trained side by side."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

WRONG = "red"
RIGHT = "black"


def image_grid(
    images: Sequence, titles: Sequence[str], colours: Sequence[str] | None = None, title: str = "", columns: int = 3
) -> plt.Figure:
    """A grid of images (uint8 or floats in [0, 1]), each with its title; returns the figure."""
    images = [np.asarray(image) for image in images]
    rows = math.ceil(len(images) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3 * columns, 3.2 * rows), squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index < len(images):
            image = images[index]
            axis.imshow(image if image.dtype == np.uint8 else np.clip(image, 0, 1))
            axis.set_title(titles[index], color=(colours or [RIGHT] * len(images))[index])
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def prediction_grid(
    images: Sequence,
    labels: Sequence[int],
    predictions: Sequence[int],
    classes: Sequence[str],
    title: str = "Predictions (wrong ones in red)",
) -> plt.Figure:
    """Images titled with their predicted class, and the true one in red where it is wrong."""
    titles, colours = [], []
    for label, predicted in zip(labels, predictions, strict=True):
        right = int(label) == int(predicted)
        titles.append(classes[int(predicted)] if right else f"{classes[int(predicted)]} (is {classes[int(label)]})")
        colours.append(RIGHT if right else WRONG)
    return image_grid(images, titles, colours, title=title)


def training_curves(history, title: str = "Training") -> plt.Figure:
    """Loss and accuracy per epoch, training and validation, from ``model.fit``'s History
    (or its ``.history`` dict), and the learning rate of each epoch where ``fit`` logged one (a
    ``LearningRateScheduler``'s); a figure ``fit`` did not log (a ``train_step`` that returns no
    accuracy) is left out."""
    values = getattr(history, "history", history)
    panels = ("loss", "accuracy", "learning_rate") if "learning_rate" in values else ("loss", "accuracy")
    figure, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 3.8))
    for axis, metric in zip(axes, panels, strict=True):
        epochs = np.arange(1, len(values.get(metric, values.get(f"val_{metric}", []))) + 1)
        if metric == "learning_rate":
            axis.plot(epochs, values[metric], "o-", color="tab:green")
        else:
            if metric in values:
                axis.plot(epochs, values[metric], "o-", label="training")
            if f"val_{metric}" in values:
                axis.plot(epochs, values[f"val_{metric}"], "o-", label="validation")
            axis.legend()
        axis.set_title(metric.replace("_", " ").capitalize())
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric.replace("_", " "))
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def confusion(labels: Sequence[int], predictions: Sequence[int], classes: Sequence[str]) -> np.ndarray:
    """Counts: row = true class, column = predicted class."""
    matrix = np.zeros((len(classes), len(classes)), dtype=int)
    np.add.at(matrix, (np.asarray(labels, int), np.asarray(predictions, int)), 1)
    return matrix


def confusion_matrix(
    labels: Sequence[int],
    predictions: Sequence[int],
    classes: Sequence[str],
    title: str = "Confusion matrix (validation)",
) -> plt.Figure:
    """The confusion matrix, shaded by the share of each true class, with the counts written in."""
    matrix = confusion(labels, predictions, classes)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    figure, axis = plt.subplots(figsize=(6, 5.5))
    axis.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ticks = np.arange(len(classes))
    axis.set_xticks(ticks, classes, rotation=45, ha="right")
    axis.set_yticks(ticks, classes)
    for (row, column), count in np.ndenumerate(matrix):
        colour = "white" if shares[row, column] > 0.5 else "black"
        axis.text(column, row, str(count), ha="center", va="center", color=colour)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    axis.set_title(f"{title}: accuracy {accuracy:.1%}")
    figure.tight_layout()
    return figure


def learning_rate_schedule(
    rate: Callable[[int], float], epochs: int, title: str = "Learning rate per epoch"
) -> plt.Figure:
    """The learning rate ``rate(epoch)`` of each epoch, from 1 to ``epochs``, before training."""
    rates = [rate(epoch) for epoch in range(epochs)]
    figure, axis = plt.subplots(figsize=(7, 3.5))
    axis.plot(np.arange(1, epochs + 1), rates, "o-")
    axis.set_xlabel("epoch")
    axis.set_ylabel("learning rate")
    axis.set_title(f"{title}: from {rates[0]:.2g}, peak {max(rates):.2g}, last {rates[-1]:.2g}")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.1e}"))
    figure.tight_layout()
    return figure


def reliability_diagram(
    probabilities: dict[str, np.ndarray], labels: Sequence[int], bins: int = 10, title: str = "Reliability"
) -> plt.Figure:
    """Accuracy against confidence, one curve per entry of ``probabilities`` (name ->
    ``[images, classes]``), with each one's expected calibration error in the legend. A calibrated
    model lies on the diagonal; below it, the model is surer than it is right."""
    from flowers_lab.uncertainty import calibration

    figure, axis = plt.subplots(figsize=(5, 5))
    axis.plot([0, 1], [0, 1], ":", color="grey", label="calibrated")
    for name, values in probabilities.items():
        confidence, accuracy, count, error = calibration(np.asarray(values), np.asarray(labels), bins)
        filled = count > 0
        axis.plot(confidence[filled], accuracy[filled], "o-", label=f"{name} (ECE {error:.3f})")
    axis.set_xlabel("confidence (the top class's probability)")
    axis.set_ylabel("accuracy")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_title(title)
    axis.legend()
    figure.tight_layout()
    return figure


def label_curves(curves: dict, title: str = "Active learning") -> plt.Figure:
    """Validation accuracy against the number of labels, per strategy (name -> the
    ``LearningCurve`` of each repeat): the mean over the repeats, shaded from lowest to highest."""
    figure, axis = plt.subplots(figsize=(7, 4))
    for name, runs in curves.items():
        labelled = np.asarray(runs[0].labelled)
        accuracy = np.asarray([run.accuracy for run in runs])
        (line,) = axis.plot(labelled, accuracy.mean(axis=0), "o-", markersize=3, label=f"{name} ({len(runs)} runs)")
        axis.fill_between(labelled, accuracy.min(axis=0), accuracy.max(axis=0), color=line.get_color(), alpha=0.2)
    axis.set_xlabel("labelled images")
    axis.set_ylabel("validation accuracy")
    axis.set_title(title)
    axis.legend()
    figure.tight_layout()
    return figure


def step_times(feedings: dict, title: str = "A training step") -> plt.Figure:
    """One bar per pipeline (name -> ``profiling.Feeding``): a step's mean time, split into the
    wait for input and the compute."""
    names = list(feedings)
    wait = np.array([1000 * np.mean(feedings[name].wait) for name in names])
    compute = np.array([1000 * np.mean(feedings[name].compute) for name in names])
    figure, axis = plt.subplots(figsize=(8, 0.6 * len(names) + 1.5))
    axis.barh(names, compute, color="tab:blue", label="compute")
    axis.barh(names, wait, left=compute, color="tab:orange", label="waiting for input")
    axis.invert_yaxis()
    axis.set_xlabel("milliseconds per step")
    axis.set_title(title)
    axis.legend()
    figure.tight_layout()
    return figure


def compared_curves(histories: dict[str, dict], title: str = "At equal budget") -> plt.Figure:
    """Training loss and validation accuracy per epoch of several networks (name -> ``fit``'s
    ``history.history``), one line each."""
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for axis, (metric, label) in zip(
        axes, (("loss", "training loss"), ("val_accuracy", "validation accuracy")), strict=True
    ):
        for name, values in histories.items():
            axis.plot(np.arange(1, len(values[metric]) + 1), values[metric], "o-", markersize=3, label=name)
        axis.set_xlabel("epoch")
        axis.set_ylabel(label)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    return figure
