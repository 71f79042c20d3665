"""Running a trained model over a dataset, for the grids and the confusion matrix."""

from __future__ import annotations

import numpy as np


def predict_dataset(model, dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images, true labels, predicted labels) over a finite batched dataset of (image, label),
    or of (image, label, weight) as ``load_flowers``' validation, whose padding (weight 0) is left
    out: every image once. ``model.predict`` reads the dataset itself, so that on any Keras backend
    and any number of replicas (processes included) each batch is split over them."""
    batches = list(dataset.as_numpy_iterator())  # NumPy: what every backend takes
    images = np.concatenate([batch[0] for batch in batches])
    labels = np.concatenate([batch[1] for batch in batches])
    kept = np.concatenate([batch[2] for batch in batches]) > 0 if len(batches[0]) == 3 else slice(None)
    probabilities = model.predict(dataset.map(lambda batch_images, *_: batch_images), verbose=0)
    return images[kept], labels[kept], np.argmax(probabilities, axis=-1)[kept]
