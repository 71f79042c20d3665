"""Exercise checks: each solution passes, its starter and typical wrong answers get the right hint."""

import ast
import os

import nbformat
import pytest
import tensorflow as tf

from flowers_lab import CLASSES
from flowers_lab.checks import Feedback, lesson01, lesson02
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
