"""Training a lesson's model across machines on TensorFlow, where Keras 3's ``fit`` cannot.

Under ``MultiWorkerMirroredStrategy`` (what ``detect()`` builds from ``TF_CONFIG``) Keras 3's
``fit`` stops at its first step (keras-team/keras#20585). The strategy itself works: a custom
training loop, TensorFlow's own recipe for it, trains the same compiled model. On JAX, ``fit``
itself runs across processes (``KERAS_DISTRIBUTION_NUM_PROCESSES``).
"""

from __future__ import annotations

from typing import Any


def train_steps(model: Any, dataset: Any, steps: int, strategy: Any, global_batch: int) -> list[float]:
    """Train ``model`` for ``steps`` batches of ``dataset`` (batches of ``global_batch`` images over
    all workers) with its compiled optimizer and loss, under ``strategy``, each worker taking its
    share of every batch; return each step's mean loss. Build and compile the model in
    ``strategy.scope()`` first, as the lessons do."""
    import keras
    import tensorflow as tf

    per_image = keras.losses.get(model.loss)  # "sparse_categorical_crossentropy": a loss per image

    def replica_step(images, labels, *weights):
        with tf.GradientTape() as tape:
            losses = per_image(labels, model(images, training=True))
            loss = tf.reduce_sum(losses * (weights[0] if weights else 1.0)) / global_batch
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return loss

    @tf.function
    def step(batch):
        return strategy.reduce("SUM", strategy.run(replica_step, args=batch), axis=None)

    batches = iter(strategy.experimental_distribute_dataset(dataset))
    return [float(step(next(batches))) for _ in range(steps)]
