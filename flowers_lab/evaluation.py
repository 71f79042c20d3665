"""Running a trained model over a dataset, for the grids and the confusion matrix."""

from __future__ import annotations

import numpy as np


def dataset_arrays(dataset) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of a finite batched dataset of (image, label), or of (image, label,
    weight) as ``load_flowers``' validation, whose padding (weight 0) is left out: every image once."""
    batches = list(dataset.as_numpy_iterator())  # NumPy: what every backend takes
    images = np.concatenate([batch[0] for batch in batches])
    labels = np.concatenate([batch[1] for batch in batches])
    if len(batches[0]) == 3:
        kept = np.concatenate([batch[2] for batch in batches]) > 0
        return images[kept], labels[kept]
    return images, labels


def predict_dataset(model, dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images, true labels, predicted labels) over a finite batched dataset, as ``dataset_arrays``
    reads it. ``model.predict`` reads the dataset itself, so that on any Keras backend and any
    number of replicas (processes included) each batch is split over them."""
    images, labels = dataset_arrays(dataset)
    probabilities = model.predict(dataset.map(lambda batch_images, *_: batch_images), verbose=0)
    return images, labels, np.argmax(probabilities, axis=-1)[: len(labels)]


def predict(model, images, batch_size: int = 32) -> np.ndarray:
    """``model.predict(images)`` over whole batches of ``batch_size``: the last one is filled up
    with blank images, whose predictions are dropped. On several JAX devices (a TPU v5e-8) Keras
    splits every batch over the devices and refuses a batch that does not divide evenly
    (keras-team/keras#21167); a batch size that is a multiple of the devices always does, and one
    batch shape is also traced once, not once per size."""
    images = np.asarray(images)
    whole = np.concatenate([images, np.zeros((-len(images) % batch_size, *images.shape[1:]), images.dtype)])
    return model.predict(whole, batch_size=batch_size, verbose=0)[: len(images)]
