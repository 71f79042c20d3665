"""The rate helper, the simulated round trip, and what the grids draw."""

import time

import matplotlib
import numpy as np
import tensorflow as tf

from flowers_lab.data.schema import CLASSES
from flowers_lab.plots import (
    RIGHT,
    WRONG,
    confusion,
    confusion_matrix,
    image_grid,
    learning_rate_schedule,
    prediction_grid,
    training_curves,
)
from flowers_lab.timing import images_per_second, like_a_bucket, tfrecords_with_round_trip, with_round_trip

matplotlib.use("Agg")


def test_each_read_waits_for_its_round_trip():
    paths = tf.data.Dataset.from_tensor_slices(["a", "b", "c", "d"])
    delayed = paths.map(with_round_trip(tf.strings.upper, latency_ms=50))
    start = time.perf_counter()
    assert [x.numpy() for x in delayed] == [b"A", b"B", b"C", b"D"]
    assert time.perf_counter() - start >= 0.2


def test_a_bucket_overlaps_the_round_trips_of_files_opened_in_parallel():
    """tf.data's own pool has a thread per core: on 2 cores, 16 waits "in parallel" would take 8
    round trips. In a simulated bucket they overlap as network requests do."""
    reads = tf.data.Dataset.from_tensor_slices(["a"] * 16).map(
        with_round_trip(tf.strings.upper, 200), num_parallel_calls=16
    )
    start = time.perf_counter()
    assert len(list(like_a_bucket(reads))) == 16
    assert time.perf_counter() - start < 4 * 0.2, "16 round trips of 0.2 s overlapped at most 4 deep"


def test_shards_read_in_parallel_wait_for_their_round_trips_at_once(tmp_path):
    paths = []
    for index in range(4):
        paths.append(str(tmp_path / f"flowers{index:02d}-2.tfrec"))
        with tf.io.TFRecordWriter(paths[-1]) as writer:
            for record in (b"first", b"second"):
                writer.write(record + bytes([index]))
    read = tfrecords_with_round_trip(200)
    records = like_a_bucket(
        tf.data.Dataset.from_tensor_slices(paths).interleave(read, cycle_length=4, num_parallel_calls=4)
    )
    start = time.perf_counter()
    assert sorted(records.as_numpy_iterator()) == sorted(
        r + bytes([i]) for i in range(4) for r in (b"first", b"second")
    )
    seconds = time.perf_counter() - start
    assert 0.2 <= seconds < 2 * 0.2, "four first-byte waits of 0.2 s overlapped"


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


def test_training_curves_draw_training_and_validation_with_labels():
    history = {
        "loss": [1.6, 1.2, 0.9],
        "val_loss": [1.5, 1.3, 1.1],
        "accuracy": [0.3, 0.5, 0.7],
        "val_accuracy": [0.35, 0.45, 0.6],
    }
    figure = training_curves(history, title="Lesson 4")
    loss, accuracy = figure.axes
    assert (loss.get_title(), accuracy.get_title()) == ("Loss", "Accuracy")
    assert loss.get_xlabel() == "epoch" and accuracy.get_ylabel() == "accuracy"
    assert [line.get_label() for line in accuracy.lines] == ["training", "validation"]
    np.testing.assert_allclose(accuracy.lines[1].get_ydata(), [0.35, 0.45, 0.6])
    assert figure._suptitle.get_text() == "Lesson 4"


def test_training_curves_show_the_learning_rate_each_epoch_where_fit_logged_it():
    history = {"loss": [1.6, 1.2, 0.9], "accuracy": [0.3, 0.5, 0.7], "learning_rate": [1e-5, 5.5e-5, 1e-4]}
    loss, accuracy, rate = training_curves(history).axes
    assert rate.get_title() == "Learning rate" and rate.get_xlabel() == "epoch"
    np.testing.assert_allclose(rate.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(rate.lines[0].get_ydata(), [1e-5, 5.5e-5, 1e-4])
    assert [line.get_label() for line in accuracy.lines] == ["training"]


def test_the_confusion_matrix_counts_and_titles_with_the_accuracy():
    labels, predictions = [0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0]
    np.testing.assert_array_equal(confusion(labels, predictions, CLASSES[:3]), [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    figure = confusion_matrix(labels, predictions, CLASSES[:3])
    axis = figure.axes[0]
    assert axis.get_title() == "Confusion matrix (validation): accuracy 66.7%"
    assert (axis.get_xlabel(), axis.get_ylabel()) == ("predicted", "true")
    assert [t.get_text() for t in axis.get_xticklabels()] == ["daisy", "dandelion", "roses"]
    assert [t.get_text() for t in axis.texts] == ["1", "1", "0", "0", "1", "0", "1", "0", "2"]


def test_the_learning_rate_plot_shows_each_epoch_and_names_start_peak_and_end():
    figure = learning_rate_schedule(lambda epoch: [1e-5, 3e-5, 5e-5, 4e-5][epoch], epochs=4)
    axis = figure.axes[0]
    np.testing.assert_allclose(axis.lines[0].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(axis.lines[0].get_ydata(), [1e-5, 3e-5, 5e-5, 4e-5])
    assert axis.get_title() == "Learning rate per epoch: from 1e-05, peak 5e-05, last 4e-05"
    assert (axis.get_xlabel(), axis.get_ylabel()) == ("epoch", "learning rate")
    figure.canvas.draw()
    assert all(float(tick).is_integer() for tick in axis.get_xticks()), "epochs are whole numbers"
    assert axis.yaxis.get_major_formatter()(5e-5, 0) == "5.0e-05"
