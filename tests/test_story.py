"""What the offline sample teaches when the lessons' models train on it at equal budgets (the
same 48 px images, 250 per class, 12 epochs, batch 32, Adam): a dense net on pixels stays far
below a small convnet, which learns in a few epochs but not in one, and squeezenet with batch
normalisation beats the convnet. Margins from benchmarks/sample_story.py over seeds 0-3
(BENCHMARKS.md): convnet 0.71-0.84, dense 0.25-0.27 below it, squeezenet 0.02-0.19 above it."""

import pytest

from flowers_lab.authoring.story import equal_budget


@pytest.mark.slow
def test_the_lessons_models_at_equal_budgets_tell_the_workshops_story(data_root):
    found = equal_budget(seed=0, rows=("dense", "convnet"), log=print)  # lesson 4's sample
    best = {row: max(figures["validation"]) for row, figures in found.items()}
    convnet = found["convnet"]["validation"]
    assert convnet[0] < 0.5, "one epoch should not be enough: the sample would be trivial"
    assert best["convnet"] >= 0.70, found
    assert best["dense"] <= best["convnet"] - 0.15, found
    # Squeezenet's best of 12 epochs beats the convnet's as soon as one epoch does: it stops there.
    squeezenet = equal_budget(seed=0, rows=("squeezenet",), stop_above=best["convnet"], log=print)["squeezenet"]
    assert max(squeezenet["validation"]) > best["convnet"], (squeezenet, found)
