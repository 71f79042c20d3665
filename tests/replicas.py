"""The lessons' pattern on several replicas, run in a fresh process (the device count is fixed
when the backend starts): detect, load_flowers with the accelerator's batch size, lesson 4's
model built and compiled in the scope, fit with validation, evaluate, predict_dataset. Prints one
JSON line.

    python tests/replicas.py SHARDS OUT

The replicas come from the environment: on JAX, ``flowers_lab.accelerator.virtual_devices(N)``
(virtual devices), or several processes joined by the ``KERAS_DISTRIBUTION_*`` variables (each
saves its weights to ``OUT/weights-ID.npz``); on TensorFlow, ``REPLICAS=N`` logical CPUs mirrored,
or several processes joined by ``TF_CONFIG`` (trained by ``flowers_lab.multiworker.train_steps``,
each saving its weights).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from flowers_lab.accelerator import detect, mirrored_cpus  # noqa: E402
from flowers_lab.authoring.solutions import answer  # noqa: E402
from flowers_lab.data.reader import load_flowers  # noqa: E402
from flowers_lab.evaluation import predict_dataset  # noqa: E402
from flowers_lab.multiworker import train_steps  # noqa: E402

SHARDINGS: list[tuple[int, ...]] = []
"""The shape of each device's share of a batch, as the model saw its input (JAX)."""


class ShardingProbe(keras.layers.Layer):
    """Passes its input through; on JAX, records how the input batch is laid over the devices."""

    def call(self, x):
        if keras.backend.backend() == "jax":
            import jax

            jax.debug.inspect_array_sharding(x, callback=lambda s: SHARDINGS.append(s.shard_shape(x.shape)))
        return x


def main(shards: str, out: str) -> None:
    said: list[str] = []  # what detect() says
    if keras.backend.backend() == "tensorflow" and os.environ.get("REPLICAS"):
        accelerator = mirrored_cpus(int(os.environ["REPLICAS"]))  # detect() would find no GPU to mirror
    else:
        accelerator = detect(log=said.append)
    data = load_flowers(shards, image_size=32, batch_size=accelerator.batch_size)
    keras.utils.set_random_seed(0)
    convnet = answer(4, "model", image_size=32, accelerator=accelerator)  # lesson 4's, built as its solution does
    if os.environ.get("TF_CONFIG"):  # a TensorFlow cluster, where Keras 3's fit cannot train
        before = convnet.get_weights()
        losses = train_steps(convnet, data.train, 4, accelerator.strategy, data.batch_size)
        after = convnet.get_weights()
        np.savez(Path(out) / f"weights-{json.loads(os.environ['TF_CONFIG'])['task']['index']}.npz", *after)
        trained = any(not np.array_equal(old, new) for old, new in zip(before, after, strict=True))
        found = {"replicas": accelerator.replicas, "batch_size": data.batch_size, "losses": losses, "trained": trained}
        print(json.dumps(found | {"said": said}))
        return
    with accelerator.scope():
        model = keras.Sequential([keras.Input([32, 32, 3]), ShardingProbe(), convnet])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    history = model.fit(
        data.train,
        steps_per_epoch=2,
        epochs=2,
        validation_data=data.validation,
        validation_steps=data.validation_steps,
        verbose=0,
    )
    result = {
        "backend": keras.backend.backend(),
        "replicas": accelerator.replicas,
        "batch_size": data.batch_size,
        "validation_count": data.validation_count,
        "val_accuracy": history.history["val_accuracy"][-1],
        "shard_shapes": sorted({tuple(s) for s in SHARDINGS}),
    }
    process = os.environ.get("KERAS_DISTRIBUTION_PROCESS_ID")
    if process is not None:  # Keras cannot fetch predictions spread over several processes
        np.savez(Path(out) / f"weights-{process}.npz", *model.get_weights())
        print(json.dumps(result))
        return
    evaluated = model.evaluate(data.validation, verbose=0, return_dict=True)
    images, labels, predicted = predict_dataset(model, data.validation)
    result |= {
        "predicted_count": len(predicted),
        "evaluated_accuracy": evaluated["accuracy"],
        "accuracy_of_predictions": float(np.mean(predicted == labels)),
    }
    if keras.backend.backend() == "tensorflow":
        model.save(Path(out) / "model.keras")
        reloaded = keras.models.load_model(Path(out) / "model.keras", custom_objects={"ShardingProbe": ShardingProbe})
        result["reloaded_agrees"] = bool((np.argmax(reloaded.predict(images, verbose=0), axis=-1) == predicted).all())
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
