"""Checks for lesson 9, profiling: the mended pipeline is measured against batches in memory."""

from __future__ import annotations

import itertools

import tensorflow as tf

from flowers_lab.checks import Feedback, correct, guarded, hint
from flowers_lab.profiling import feed, in_memory

ENOUGH = 0.9
"""The share of its in-memory speed the model must train at: at most 10% of each step waiting."""


def transformations(dataset: tf.data.Dataset) -> list[str]:
    """The kinds of the steps of ``dataset``'s pipeline, last first: "Prefetch", "Batch",
    "ParallelMap", "Map", "Cache", "ParallelInterleave", "Interleave", "FlatMap"... (from
    tf.data's own classes; empty where this TensorFlow does not tell)."""
    kinds = []
    while dataset is not None:
        kinds.append(type(dataset).__name__.strip("_").removesuffix("Dataset"))
        inputs = dataset._inputs() if hasattr(dataset, "_inputs") else []
        dataset = inputs[0] if inputs else None
    return kinds


def _missing(kinds: list[str]) -> list[str]:
    """What a pipeline that reads shards over a network lacks, from its kinds."""
    kinds = [kind for kind in kinds if kind != "Options"]
    advice = []
    if "ParallelInterleave" not in kinds:
        advice.append("read several shards at once: interleave(read_shard, cycle_length=16, num_parallel_calls=16)")
    if "Map" in kinds and "ParallelMap" not in kinds:
        advice.append("decode in parallel: map(parse, num_parallel_calls=tf.data.AUTOTUNE)")
    if "Cache" not in kinds:
        advice.append("cache() the decoded images, before repeat(): after the first epoch no file is read again")
    if kinds and kinds[0] != "Prefetch":
        advice.append("end with prefetch(tf.data.AUTOTUNE), so the next batch is made while the model trains")
    return advice


@guarded
def fast_pipeline(function, model, files: tf.data.Dataset, batch_size: int, steps: int = 50) -> Feedback:
    """``function(files, batch_size)``: training batches of (images, labels) that keep ``model``
    training at least ``ENOUGH`` as fast as from batches held in memory: it waits for input at most
    1 - ``ENOUGH`` of the time over ``steps`` steps (the same steps computing, without the wait,
    is the speed from memory; the in-memory rate, measured too, is shown beside it: on a CPU the
    pipeline's threads also slow the computing)."""
    if not callable(function):
        return hint(f"`fast_pipeline` should be a function of (files, batch_size), not a {type(function).__name__}")
    dataset = function(files, batch_size)
    if not isinstance(dataset, tf.data.Dataset):
        return hint(f"fast_pipeline should return a tf.data.Dataset, not a {type(dataset).__name__}")
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) < 2:
        return hint("each element should be a batch of (images, labels)")
    images = spec[0]
    if images.shape.rank != 4 or images.shape[0] != batch_size:
        return hint(
            f"each element should be a batch of {batch_size} images of static shape [{batch_size}, height, width, 3]; "
            f"yours has shape {images.shape}: batch(batch_size, drop_remainder=True)"
        )
    ceiling = feed(model, itertools.cycle(in_memory(dataset, 4)), steps=steps)
    yours = feed(model, dataset, steps=steps)
    rates = f"{yours.images_per_second:.0f} images/s, against {ceiling.images_per_second:.0f} from batches in memory"
    if 1 - yours.waiting < ENOUGH:
        advice = _missing(transformations(dataset))
        return hint(
            f"the model waited for input {yours.waiting:.0%} of the time ({rates}); "
            + ("; ".join(advice) if advice else "look for a step that still runs one element at a time")
        )
    # Measured figures would differ from run to run: the verdict says what was verified.
    return correct(
        f"the model waited for input less than {1 - ENOUGH:.0%} of the time, so it trains at least "
        f"{ENOUGH:.0%} as fast as from batches in memory (the next cell measures it)"
    )
