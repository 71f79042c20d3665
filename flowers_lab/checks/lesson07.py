"""Checks for lesson 7, uncertainty: the acquisition functions and the acquisition step.

Each is run on Monte-Carlo probabilities ``[passes, images, classes]`` whose answers are known:
a sure image whose passes agree, one whose passes all say "uniform", and one whose confident
passes disagree. Natural logarithms or base 2 both pass: the order of the scores is the same.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from flowers_lab import uncertainty
from flowers_lab.checks import Feedback, correct, guarded, hint

SURE = np.tile(np.eye(5)[[2]], (4, 1, 1))  # 4 passes of one image: class 2, certain
UNIFORM = np.full((4, 1, 5), 0.2)  # every pass unsure, and they agree
DISAGREE = np.eye(5)[[[0], [1], [0], [1]]]  # confident passes, half say class 0, half class 1
KNOWN = np.concatenate([SURE, UNIFORM, DISAGREE], axis=1)  # 4 passes, 3 images, 5 classes
CASES = "[sure and agreeing, uniform, confident passes that disagree]"


def _varied(seed: int = 0) -> np.ndarray:
    """Probabilities of 6 passes over 7 images of 5 classes, none exactly 0 or 1."""
    logits = np.random.default_rng(seed).normal(scale=2.0, size=(6, 7, 5))
    return np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)


def _scores(function: Callable, probabilities: np.ndarray) -> np.ndarray | str:
    """What ``function`` gives for ``probabilities``, as floats, or what is wrong with its shape."""
    found = np.asarray(function(probabilities.copy()), dtype=float)
    expected = probabilities.shape[1]
    if found.shape != (expected,):
        shape = "a single number" if found.ndim == 0 else f"shape {found.shape}"
        return (
            f"should give one score per image: for {probabilities.shape[0]} passes over {expected} images of "
            f"{probabilities.shape[2]} classes, shape ({expected},); yours gives {shape}. "
            "Average over the passes (axis 0) and sum over the classes (axis -1)"
        )
    return found


def _show(values: np.ndarray) -> list[float]:
    """Values rounded for a hint, without the minus of a negative zero."""
    return (np.round(values, 3) + 0.0).tolist()


def _unit(found: np.ndarray, expected: np.ndarray) -> str | None:
    """'nats' or 'bits' where ``found`` is ``expected`` (in nats) in that unit; None otherwise."""
    for unit, scale in (("nats", 1.0), ("bits", 1 / np.log(2))):
        if np.allclose(found, expected * scale, atol=1e-6):
            return unit
    return None


def _scored(function, name: str) -> np.ndarray | Feedback:
    """``function``'s scores for ``KNOWN``, or the hint for what is not yet a score: not a
    function, not one score per image, nan."""
    if not callable(function):
        return hint(f"`{name}` should be a function of the probabilities, not a {type(function).__name__}")
    found = _scores(function, KNOWN)
    if isinstance(found, str):
        return hint(f"{name} {found}")
    if np.isnan(found).any():
        return hint(
            f"your {name} is nan where a probability is exactly 0: 0 * log(0) is 0 * -inf. Keep the log finite, "
            "e.g. np.log(np.clip(p, 1e-12, 1)) or np.log(p + 1e-12)"
        )
    return found


def _computes(function, found: np.ndarray, reference: Callable[[np.ndarray], np.ndarray]) -> str | None:
    """The unit in which ``function`` computes ``reference``, on ``KNOWN`` (where it gave
    ``found``) and on varied probabilities; None where it does not."""
    unit = _unit(found, reference(KNOWN))
    varied = _varied()
    return unit if unit and _unit(np.asarray(function(varied), dtype=float), reference(varied)) == unit else None


def _one_pass(function) -> str | None:
    """ "first", "last" or "k-th" where ``function`` gives the entropy of that one pass, per image,
    on passes whose entropies differ; None otherwise."""
    varied = _varied()
    found = np.asarray(function(varied), dtype=float)
    for index in range(len(varied)):
        if _unit(found, uncertainty.predictive_entropy(varied[index : index + 1])):
            return {0: "first", len(varied) - 1: "last"}.get(index, f"{index + 1}-th")
    return None


def _each_pass(probabilities: np.ndarray) -> np.ndarray:
    """The entropy of each pass, averaged over the passes, per image (BALD's second term)."""
    return uncertainty.predictive_entropy(probabilities) - uncertainty.bald(probabilities)


@guarded
def entropy(function) -> Feedback:
    """``entropy(probabilities)``: the entropy of the mean prediction over the passes, per image."""
    found = _scored(function, "entropy")
    if isinstance(found, Feedback):
        return found
    expected = uncertainty.predictive_entropy(KNOWN)
    if np.all(found <= 1e-9) and np.any(found < -1e-6):
        return hint("your entropy is negative: it is minus the sum of p log p")
    alone = _one_pass(function)
    if alone is not None:
        return hint(
            f"yours is the entropy of the {alone} pass only: average the probabilities over all the passes first "
            "(probabilities.mean(axis=0)), then take the entropy of that mean"
        )
    if _computes(function, found, _each_pass):
        return hint(
            "yours is the entropy of each pass, averaged over the passes: that misses how much the passes "
            "disagree. Average the probabilities over the passes first (axis 0), then take the entropy of that mean"
        )
    unit = _computes(function, found, uncertainty.predictive_entropy)
    if unit is None:
        return hint(
            f"on {CASES} the entropy of the mean prediction is {_show(expected)} (log 5 where it is "
            f"uniform, log 2 where the passes split); yours gives {_show(found)}"
        )
    return correct(f"0 when sure, the most (log 5) when uniform, log 2 when the passes split; in {unit}")


@guarded
def bald(function) -> Feedback:
    """``bald(probabilities)``: predictive entropy less the mean entropy of each pass, per image."""
    found = _scored(function, "BALD")
    if isinstance(found, Feedback):
        return found
    expected = uncertainty.bald(KNOWN)
    if _unit(found, uncertainty.predictive_entropy(KNOWN)):
        return hint(
            f"on {CASES} yours gives {_show(found)}: that is the predictive entropy. BALD subtracts "
            "the mean entropy of each pass, so that an image every pass finds uniform scores 0: more labels "
            "would not make the passes disagree less"
        )
    if _unit(-found, expected):
        return hint("your BALD is negative: it is the predictive entropy *minus* the mean entropy of the passes")
    if np.allclose(found, 0, atol=1e-6):
        return hint(
            "your BALD is 0 for every image: the second term is the entropy of each pass, then averaged over the "
            "passes; the entropy of the averaged prediction is the first term"
        )
    unit = _computes(function, found, uncertainty.bald)
    if unit is None:
        return hint(
            f"on {CASES} BALD is {_show(expected)}: high only where confident passes disagree; "
            f"yours gives {_show(found)}"
        )
    return correct(f"0 for the sure image and for the uniform one, log 2 where confident passes disagree; in {unit}")


@guarded
def acquire(function) -> Feedback:
    """``acquire(scores, unlabelled, count)``: the indices (from ``unlabelled``) of the ``count``
    highest scores, in any order."""
    if not callable(function):
        return hint(f"`acquire` should be a function, not a {type(function).__name__}")
    scores = np.array([0.3, 0.9, 0.1, 0.7, 0.5, 0.8])
    unlabelled = np.array([11, 14, 20, 23, 35, 40])  # the pool: image indices, not positions
    found = np.asarray(function(scores.copy(), unlabelled.copy(), 3)).ravel()
    best = {14, 40, 23}
    if found.size and np.issubdtype(found.dtype, np.floating) and set(found.tolist()) <= set(scores.tolist()):
        return hint("acquire returns the scores themselves; return the indices of the images to label")
    chosen = found.astype(int).tolist()
    if len(chosen) != 3:
        return hint(f"acquire(scores, unlabelled, 3) should choose 3 images; yours chose {len(chosen)}: {chosen}")
    if set(chosen) == {1, 5, 3}:
        return hint(
            f"those are positions in the pool ({chosen}), not the images' indices: index `unlabelled` with them, "
            "e.g. unlabelled[np.argsort(scores)[::-1][:count]]"
        )
    if set(chosen) == {20, 11, 35} or set(chosen) == {2, 0, 4}:
        return hint("those are the 3 lowest scores: acquire the highest (sort descending, or take the last ones)")
    if set(chosen) != best:
        return hint(
            f"with scores {scores.tolist()} over images {unlabelled.tolist()}, the 3 highest are images "
            f"14, 40 and 23; yours chose {chosen}"
        )
    none = np.asarray(function(scores.copy(), unlabelled.copy(), 0)).ravel()
    if none.size:
        return hint(
            f"acquire(scores, unlabelled, 0) should choose no image; yours chose {none.size}: a slice [-count:] "
            "with count 0 is [-0:], the whole array. Sort descending and take [:count]"
        )
    return correct("the 3 images with the highest scores, by their indices in the pool")
