"""Running a trained model over a dataset, for the grids and the confusion matrix."""

from __future__ import annotations

import numpy as np


def predict_dataset(model, dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images, true labels, predicted labels) over a finite batched dataset of (image, label).
    Works on any Keras backend."""
    images, labels, predicted = [], [], []
    for batch_images, batch_labels in dataset.as_numpy_iterator():  # NumPy: what every backend takes
        images.append(batch_images)
        labels.append(batch_labels)
        predicted.append(np.argmax(model.predict_on_batch(batch_images), axis=-1))
    return np.concatenate(images), np.concatenate(labels), np.concatenate(predicted)
