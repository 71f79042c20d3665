"""Lesson 3's pretrained MobileNetV2: ImageNet's weights where they can be downloaded, and the
project's own offline weights where they cannot.

The offline weights come from ``flowers-lab pretrain-backbone``: a MobileNetV2 (alpha 0.35)
trained from scratch to tell apart thirteen synthetic species: the eight of
:mod:`flowers_lab.synthetic.meadow` and the workshop's five, drawn from a seed family that no
lesson's sample uses (as ImageNet holds daisies, but not the workshop's photos of them). They are
committed beside this module with a JSON file that records the recipe and the accuracy reached.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from flowers_lab.data.schema import CLASSES
from flowers_lab.errors import DataError, one_line
from flowers_lab.staging import staging_folder
from flowers_lab.synthetic.meadow import SPECIES, meadow_photo
from flowers_lab.synthetic.sample import flower_photo

OFFLINE_WEIGHTS = Path(__file__).resolve().parent / "backbones" / "mobilenet_v2_0.35_synthetic.weights.h5"
"""The offline backbone's weights (MobileNetV2 without its top, alpha 0.35)."""

OFFLINE_ALPHA = 0.35
"""The width multiplier the offline weights were trained with."""


def mobilenet_v2(image_size: int, alpha: float, weights: str | Path | None, bn_momentum: float | None = None):
    """``keras.applications.MobileNetV2`` without its classifier, for square ``image_size`` images.

    ``bn_momentum`` replaces Keras' 0.999 in every batch normalisation: trained from scratch
    for a few epochs, moving statistics that slow never settle and validation stays at chance.
    """
    import keras

    model = keras.applications.MobileNetV2(
        input_shape=(image_size, image_size, 3),
        alpha=alpha,
        include_top=False,
        weights=str(weights) if weights else None,
    )
    if bn_momentum is not None:
        for layer in model.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.momentum = bn_momentum
    return model


def pretrained_weights(
    application: Callable,
    weights: str | None,
    image_size: int,
    fallback: str | None = None,
    log: Callable[[str], None] | None = print,
    **options,
) -> str | None:
    """The weights to build ``application`` (e.g. ``keras.applications.Xception``) with,
    saying which: ``"imagenet"`` when Keras can download (or has cached) them, else
    ``fallback``; any other ``weights`` as given."""
    if weights != "imagenet":
        return weights
    try:  # downloads once into ~/.keras/models; later builds read the cached file
        application(input_shape=(image_size, image_size, 3), include_top=False, weights="imagenet", **options)
    except Exception as error:  # Keras raises a bare Exception when the download fails
        reason = one_line(str(error).split(" -- ")[-1])  # Keras puts the URL first, the cause last
        if log:
            log(
                f"{application.__name__}: ImageNet weights cannot be downloaded ({reason}); "
                f"using {fallback or 'random weights'}"
            )
        return fallback
    if log:
        log(f"{application.__name__}: ImageNet weights")
    return "imagenet"


def backbone_weights(
    weights: str | None, alpha: float, image_size: int, log: Callable[[str], None] | None = print
) -> tuple[str | None, float]:
    """The ``weights`` and ``alpha`` to build lesson 3's MobileNetV2 with, saying which.

    ``"imagenet"`` falls back to the offline weights where it cannot be downloaded, as does
    ``"offline"``; ``None`` (random weights) and a ``.weights.h5`` path are used as given.
    """
    import keras

    if weights == "imagenet":
        weights = pretrained_weights(keras.applications.MobileNetV2, weights, image_size, "offline", log, alpha=alpha)
    if weights == "offline":
        if log:
            log(f"MobileNetV2: offline weights, alpha {OFFLINE_ALPHA}: {offline_recipe()}")
        return str(OFFLINE_WEIGHTS), OFFLINE_ALPHA
    return weights, alpha


FINE_TUNING_BN_MOMENTUM = 0.9
"""The batch normalisations' momentum when the offline backbone is fine-tuned: the one it was
pretrained with (and lessons 5 and 10's), not MobileNetV2's 0.999. Moving statistics that slow lag
behind weights that keep changing, and behind images of another size than the pretraining's: at 48 px
0.999 let validation fall from 0.93 to 0.85 as the rate peaked; at 32 px 0.99 ended at 0.54 and 0.38
where 0.9 reached 0.68 and 0.65 (BENCHMARKS.md)."""


def offline_backbone(image_size: int, log: Callable[[str], None] | None = print):
    """Lesson 3's offline MobileNetV2 with its pretrained weights, to fine-tune in lessons 6 and 10
    where Xception's or EfficientNet's ImageNet weights cannot be downloaded; it says so, and how it
    was pretrained."""
    if log:
        log(
            f"fine-tuning lesson 3's offline MobileNetV2 (alpha {OFFLINE_ALPHA}) in place of an ImageNet network: "
            f"{offline_recipe()}"
        )
    return mobilenet_v2(image_size, OFFLINE_ALPHA, OFFLINE_WEIGHTS, bn_momentum=FINE_TUNING_BN_MOMENTUM)


def offline_recipe() -> str:
    """One line on how the offline weights were made and how well they learned their task."""
    recipe = json.loads(OFFLINE_WEIGHTS.with_suffix("").with_suffix(".json").read_text())
    others = [name for name in recipe["species"] if name not in CLASSES]
    return (
        f"pretrained on {recipe['images']:,} synthetic photos of {len(recipe['species'])} species "
        f"({len(others)} others and the workshop's {len(recipe['species']) - len(others)}; no photo "
        f"from the sample) at {recipe['image_size']} px for {recipe['epochs']} epochs, "
        f"{recipe['validation_accuracy']:.0%} accuracy on held-out photos"
    )


PRETRAINING_SPECIES = (*SPECIES, *CLASSES)
"""What the offline backbone learns to tell apart: the eight meadow species and the workshop's five."""

PRETRAINING_SEED_FAMILY = 2000
"""The workshop's species are drawn for pretraining with ``flower_photo(..., seed=2000 + seed)``:
no photo in common with the samples that the lessons use (seeds 0 and up, well below 2000)."""


def pretraining_photo(species: str, index: int, seed: int = 0) -> Image.Image:
    """Photo ``index`` of one of :data:`PRETRAINING_SPECIES`."""
    if species in SPECIES:
        return meadow_photo(species, index, seed)
    return flower_photo(species, index, PRETRAINING_SEED_FAMILY + seed)


def _pretraining_pixels(job: tuple[str, int, int, int]) -> np.ndarray:
    species, index, seed, size = job
    return np.asarray(ImageOps.fit(pretraining_photo(species, index, seed), (size, size)))


def pretraining_images(per_species: int, image_size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``per_species`` photos of each of :data:`PRETRAINING_SPECIES` as uint8 pixels, and their labels."""
    jobs = [(name, index, seed, image_size) for name in PRETRAINING_SPECIES for index in range(per_species)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        images = np.stack(list(pool.map(_pretraining_pixels, jobs, chunksize=16)))
    labels = np.repeat(np.arange(len(PRETRAINING_SPECIES)), per_species)
    return images, labels


def pretrain(
    out: str | Path = OFFLINE_WEIGHTS,
    per_species: int = 1500,
    image_size: int = 48,
    epochs: int = 10,
    seed: int = 0,
    overwrite: bool = False,
    log: Callable[[str], None] | None = print,
) -> dict:
    """Train MobileNetV2 (alpha 0.35) from scratch on :data:`PRETRAINING_SPECIES` and save its backbone
    (no classifier) to ``out``, a ``.weights.h5`` file, with the recipe beside it as JSON.

    10% of the photos are held out; the recipe records their accuracy. An existing ``out`` is
    only replaced with ``overwrite``.
    """
    import keras

    out = Path(out)
    if not out.name.endswith(".weights.h5"):
        raise DataError(f"{out}: Keras saves weights to a file named *.weights.h5")
    if out.exists() and not overwrite:
        raise DataError(f"{out}: already exists; pass overwrite (--overwrite) to replace it")
    keras.utils.set_random_seed(seed)
    start = time.perf_counter()
    images, labels = pretraining_images(per_species, image_size, seed)
    drawing = time.perf_counter() - start
    if log:
        log(f"pretrain: {len(images)} photos of {len(PRETRAINING_SPECIES)} species at {image_size} px, {drawing:.0f} s")
    order = np.random.default_rng(seed).permutation(len(images))
    held = order[: len(order) // 10]
    kept = order[len(order) // 10 :]

    backbone = mobilenet_v2(image_size, OFFLINE_ALPHA, None, bn_momentum=0.9)
    model = keras.Sequential(
        [
            keras.Input((image_size, image_size, 3)),
            keras.layers.RandomFlip("horizontal"),
            keras.layers.Rescaling(1 / 127.5, offset=-1),  # MobileNetV2's preprocess_input
            backbone,
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(len(PRETRAINING_SPECIES), activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, epochs * (len(kept) // 32 + 1))),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        images[kept],
        labels[kept],
        batch_size=32,
        epochs=epochs,
        validation_data=(images[held], labels[held]),
        verbose=2,
    )
    training = time.perf_counter() - start - drawing
    recipe = {
        "command": f"flowers-lab pretrain-backbone --per-species {per_species} --size {image_size} "
        f"--epochs {epochs} --seed {seed}",
        "architecture": f"keras.applications.MobileNetV2(alpha={OFFLINE_ALPHA}, include_top=False)",
        "species": list(PRETRAINING_SPECIES),
        "workshop_species_seed": PRETRAINING_SEED_FAMILY + seed,
        "images": len(images),
        "image_size": image_size,
        "epochs": epochs,
        "training_accuracy": round(float(history.history["accuracy"][-1]), 4),
        "validation_accuracy": round(float(history.history["val_accuracy"][-1]), 4),
        "seconds": {"drawing": round(drawing), "training": round(training)},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with staging_folder(out.parent, ".pretraining-") as staging:
        staged = staging / out.name
        backbone.save_weights(staged)
        (staging / "recipe.json").write_text(json.dumps(recipe, indent=1) + "\n")
        staged.replace(out)
        (staging / "recipe.json").replace(out.with_suffix("").with_suffix(".json"))
    if log:
        log(
            f"pretrain: backbone weights in {out}: {recipe['validation_accuracy']:.0%} on held-out photos; "
            f"{drawing:.0f} s drawing, {training:.0f} s training"
        )
    return recipe
