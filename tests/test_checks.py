"""Exercise checks: each solution passes, its starter and typical wrong answers get the right hint."""

import ast
import os

import keras
import nbformat
import pytest
import tensorflow as tf

from flowers_lab import CLASSES
from flowers_lab.accelerator import Accelerator
from flowers_lab.checks import Feedback, lesson01, lesson02, lesson03, lesson04, lesson05, lesson06
from flowers_lab.curriculum import lesson
from flowers_lab.playgrounds import KEY


def _definitions(number, starter_of=None):
    """Run the lesson's cells that only define functions, all exercises solved but
    ``starter_of``, which is left as the playground starts it."""
    namespace = {"tf": tf, "os": os, "CLASSES": CLASSES}
    for cell in nbformat.read(lesson(number).solution, as_version=4).cells:
        meta = cell.metadata.get(KEY, {})
        started = "exercise" in meta and f"def {starter_of}(" in cell.source
        source = meta["starter"] if started else cell.source
        if cell.cell_type != "code" or meta.get("role") == "setup":
            continue
        if all(isinstance(node, ast.FunctionDef) for node in ast.parse(source).body):
            exec(source, namespace)
    return namespace


CHECKS = [(1, lesson01.decode_jpeg, "decode_jpeg"), (1, lesson01.decode_jpeg_and_label, "decode_jpeg_and_label"),
          (2, lesson02.to_tfrecord, "to_tfrecord"), (2, lesson02.read_tfrecord, "read_tfrecord")]


@pytest.mark.parametrize("number, check, name", CHECKS, ids=[c[2] for c in CHECKS])
def test_the_solution_passes(number, check, name):
    feedback = check(_definitions(number)[name])
    assert feedback.passed, feedback
    assert repr(feedback).startswith("✅ Correct: ")


STARTER_HINTS = {
    "decode_jpeg": "a 24x16 RGB photo should decode to shape (16, 24, 3), not (100, 100, 3)",
    "decode_jpeg_and_label": "that is the whole path",
    "to_tfrecord": "lacks field 'class'; class: an int64 feature holding the class index",
    "read_tfrecord": "the class should come from the record's own 'class' field",
}


@pytest.mark.parametrize("number, check, name", CHECKS, ids=[c[2] for c in CHECKS])
def test_the_starter_runs_and_gets_its_hint(number, check, name):
    feedback = check(_definitions(number, starter_of=name)[name])
    assert not feedback.passed
    assert STARTER_HINTS[name] in feedback.message
    assert repr(feedback).startswith("❌ Not yet: ")


def _bytes_only(filename):
    return tf.io.read_file(filename)


def _pair_too_soon(filename):
    return tf.io.decode_jpeg(tf.io.read_file(filename)), filename


def _uses_numpy(filename):
    return tf.io.decode_jpeg(tf.io.read_file(filename.numpy()))


def _file_name_label(filename):
    return tf.io.decode_jpeg(tf.io.read_file(filename), channels=3), tf.strings.split(filename, "/")[-1]


def _image_only(filename):
    return tf.io.decode_jpeg(tf.io.read_file(filename), channels=3)


@pytest.mark.parametrize("check, answer, expected", [
    (lesson01.decode_jpeg, _bytes_only, "that is the file's bytes: decode them with tf.io.decode_jpeg"),
    (lesson01.decode_jpeg, _pair_too_soon, "return only the image here"),
    (lesson01.decode_jpeg, _uses_numpy, "runs as a TensorFlow graph"),
    (lesson01.decode_jpeg_and_label, _file_name_label, "that is the file's name; the class is the folder above it"),
    (lesson01.decode_jpeg_and_label, _image_only, "return a pair: image, label"),
])
def test_typical_wrong_answers_get_their_hint(check, answer, expected):
    feedback = check(answer)
    assert isinstance(feedback, Feedback) and not feedback.passed
    assert expected in feedback.message


def test_records_with_wrong_values_get_their_hint():
    solution = _definitions(2)

    def swapped_size(image_bytes, class_name, height, width):
        return solution["to_tfrecord"](image_bytes, class_name, width, height)

    def wrong_type(image_bytes, class_name, height, width):
        return {"image": image_bytes}

    def crashes(image_bytes, class_name, height, width):
        return CLASSES.index(class_name.upper())

    assert "'size' should be [height, width]" in lesson02.to_tfrecord(swapped_size).message
    assert "return a tf.train.Example" in lesson02.to_tfrecord(wrong_type).message
    message = lesson02.to_tfrecord(crashes).message
    assert message.startswith("your code raised ValueError: tuple.index(x): x not in tuple (line ")


def test_a_record_read_without_decoding_gets_its_hint():
    def undecoded(record):
        parsed = tf.io.parse_single_example(record, {"image": tf.io.FixedLenFeature([], tf.string),
                                                      "class": tf.io.FixedLenFeature([], tf.int64)})
        return parsed["image"], parsed["class"]

    assert "decode the image bytes" in lesson02.read_tfrecord(undecoded).message


def _convnet(source, image_size=32):
    """Run a lesson 4 model cell and return the model it made."""
    namespace = {"keras": keras, "layers": keras.layers, "IMAGE_SIZE": image_size,
                 "accelerator": Accelerator("cpu", 1, keras.backend.backend())}
    exec(source, namespace)
    return namespace["model"]


def test_the_convnet_solution_passes_and_the_starter_gets_the_roadmap_hint():
    cells = nbformat.read(lesson(4).solution, as_version=4).cells
    cell = next(c for c in cells if "exercise" in c.metadata.get(KEY, {}))
    assert lesson04.convnet(_convnet(cell.source)).passed
    feedback = lesson04.convnet(_convnet(cell.metadata[KEY]["starter"]))
    assert "1 Conv2D layer(s): stack more 3x3 convolutions" in feedback.message


def _model(*middle, last=None, loss="sparse_categorical_crossentropy", scale=True):
    layers = keras.layers
    convs = [layers.Conv2D(8, 3, padding="same", activation="relu") for _ in range(5)]
    model = keras.Sequential([keras.Input([32, 32, 3]), *([layers.Rescaling(1 / 255)] if scale else []),
                              *convs, layers.MaxPooling2D(2), *middle,
                              last or layers.Dense(5, activation="softmax")])
    if loss:
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


@pytest.mark.parametrize("model, expected", [
    (lambda: _model(keras.layers.GlobalAveragePooling2D(), last=keras.layers.Dense(10, activation="softmax")),
     "the last layer needs 5 units, one per class, not 10"),
    (lambda: _model(keras.layers.GlobalAveragePooling2D(), last=keras.layers.Dense(5)),
     "end with activation='softmax'"),
    (lambda: _model(keras.layers.GlobalAveragePooling2D(), scale=False), "start with keras.layers.Rescaling(1 / 255)"),
    (lambda: _model(keras.layers.Flatten()), "parameters in the head: use GlobalAveragePooling2D instead"),
    (lambda: _model(keras.layers.GlobalAveragePooling2D(), loss="categorical_crossentropy"),
     "the labels are class indices (0 to 4), not one-hot vectors"),
    (lambda: _model(keras.layers.GlobalAveragePooling2D(), loss=None), "compile the model"),
])
def test_typical_convnet_mistakes_get_their_hint(model, expected):
    feedback = lesson04.convnet(model())
    assert not feedback.passed and expected in feedback.message, feedback


def _exercise_cells(number):
    """The solution and the starter of each exercise of a lesson."""
    cells = nbformat.read(lesson(number).solution, as_version=4).cells
    return [(c.source, c.metadata[KEY]["starter"]) for c in cells if "exercise" in c.metadata.get(KEY, {})]


def _run_cell(source, image_size, **names):
    """Run a model cell of lessons 3 to 6 and return what it defined."""
    namespace = {"keras": keras, "layers": keras.layers, "IMAGE_SIZE": image_size, "weights": None, "alpha": 0.35,
                 "accelerator": Accelerator("cpu", 1, keras.backend.backend()), **names}
    exec(source, namespace)
    return namespace


def test_the_dense_classifier_solution_passes_and_the_starter_needs_hidden_layers():
    (solution, starter), _ = _exercise_cells(3)
    assert lesson03.dense_classifier(_run_cell(solution, 32)["dense"]).passed
    feedback = lesson03.dense_classifier(_run_cell(starter, 32)["dense"])
    assert "add hidden Dense layers with activation='relu'" in feedback.message, feedback


def test_the_transfer_model_solution_passes_and_the_starter_is_told_to_freeze_then_rescale():
    _, (solution, starter) = _exercise_cells(3)
    done = _run_cell(solution, 32)
    assert lesson03.transfer_model(done["model"], done["pretrained"]).passed
    started = _run_cell(starter, 32)
    assert "pretrained.trainable = False" in lesson03.transfer_model(started["model"], started["pretrained"]).message
    started["pretrained"].trainable = False
    feedback = lesson03.transfer_model(started["model"], started["pretrained"])
    assert "expects pixels from -1 to 1" in feedback.message and "0, 0.5, 1" in feedback.message, feedback


def test_a_dense_classifier_without_relu_gets_its_hint():
    layers = keras.layers
    model = keras.Sequential([keras.Input([8, 8, 3]), layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(20),
                              layers.Dense(5, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert "activation='relu'" in lesson03.dense_classifier(model).message


def _fire_namespace(starter=False):
    cells = nbformat.read(lesson(5).solution, as_version=4).cells
    helper = next(c.source for c in cells if c.source.startswith("def conv_bn("))
    (solution, start), = _exercise_cells(5)
    namespace = _run_cell(helper, 32)
    exec(start if starter else solution, namespace)
    return namespace


def test_the_fire_solution_passes_and_the_starter_is_told_the_three_kernels():
    assert lesson05.fire(_fire_namespace()["fire"]).passed
    feedback = lesson05.fire(_fire_namespace(starter=True)["fire"])
    assert "three convolutions, kernels 1, 1 and 3; yours has kernels [3]" in feedback.message, feedback


def _fire(expand_filters=None, momentum=0.9, join=True, bias=False):
    layers = keras.layers

    def conv(x, filters, size):
        x = layers.Conv2D(filters, size, padding="same", use_bias=bias)(x)
        return layers.Activation("relu")(layers.BatchNormalization(momentum=momentum)(x))

    def fire(x, squeeze, expand):
        y = conv(x, squeeze, 1)
        y1, y3 = conv(y, expand_filters or expand // 2, 1), conv(y, expand_filters or expand // 2, 3)
        return layers.concatenate([y1, y3]) if join else layers.add([y1, y3])

    return fire


@pytest.mark.parametrize("fire, expected", [
    (_fire(expand_filters=10), "gives 12x12x10; yours gives 12x12x20"),
    (_fire(momentum=0.99), "use momentum=0.9"),
    (_fire(join=False), "join them with layers.concatenate"),
    (_fire(bias=True), "use_bias=False"),
    (lambda x, squeeze, expand: x.shape, "return the module's output (a Keras tensor), not a tuple"),
])
def test_typical_fire_mistakes_get_their_hint(fire, expected):
    feedback = lesson05.fire(fire)
    assert not feedback.passed and expected in feedback.message, feedback


def test_the_fine_tune_solution_passes_and_the_starter_is_told_to_unfreeze():
    (solution, starter), = _exercise_cells(6)
    done = _run_cell(solution, 71)
    assert lesson06.fine_tune_model(done["model"], done["pretrained"]).passed
    started = _run_cell(starter, 71)
    feedback = lesson06.fine_tune_model(started["model"], started["pretrained"])
    assert "leave pretrained.trainable = True" in feedback.message, feedback


def test_a_half_precision_softmax_gets_its_hint():
    (_, starter), = _exercise_cells(6)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        started = _run_cell(starter.replace("trainable = False", "trainable = True"), 71)
    finally:
        keras.config.set_dtype_policy(previous)
    feedback = lesson06.fine_tune_model(started["model"], started["pretrained"])
    assert "the last layer computes in bfloat16" in feedback.message, feedback
