"""The rate helper, the simulated round trip, and what the grids draw."""

import time

import matplotlib
import numpy as np
import tensorflow as tf

from flowers_lab.plots import RIGHT, WRONG, image_grid, prediction_grid
from flowers_lab.schema import CLASSES
from flowers_lab.timing import images_per_second, with_round_trip

matplotlib.use("Agg")


def test_each_read_waits_for_its_round_trip():
    paths = tf.data.Dataset.from_tensor_slices(["a", "b", "c", "d"])
    delayed = paths.map(with_round_trip(tf.strings.upper, latency_ms=50))
    start = time.perf_counter()
    assert [x.numpy() for x in delayed] == [b"A", b"B", b"C", b"D"]
    assert time.perf_counter() - start >= 0.2


def test_images_per_second_counts_what_it_took():
    assert images_per_second(tf.data.Dataset.range(100), 50) > 1000
    delayed = tf.data.Dataset.from_tensor_slices(["a"] * 5).map(with_round_trip(tf.strings.upper, 100))
    assert 5 <= images_per_second(delayed, 5) <= 10.5


def test_a_grid_titles_each_image_and_hides_spare_axes():
    images = [np.full((8, 8, 3), i * 20, np.uint8) for i in range(4)]
    figure = image_grid(images, [f"flower {i}" for i in range(4)], title="Four flowers")
    titled = [axis.get_title() for axis in figure.axes if axis.images]
    assert titled == ["flower 0", "flower 1", "flower 2", "flower 3"]
    assert len(figure.axes) == 6 and figure._suptitle.get_text() == "Four flowers"


def test_wrong_predictions_are_red_and_name_the_truth():
    images = [np.zeros((8, 8, 3), np.float32)] * 3
    figure = prediction_grid(images, labels=[0, 1, 2], predictions=[0, 3, 2], classes=CLASSES)
    titles = [(axis.get_title(), axis.title.get_color()) for axis in figure.axes if axis.images]
    assert titles == [("daisy", RIGHT), ("sunflowers (is dandelion)", WRONG), ("roses", RIGHT)]
