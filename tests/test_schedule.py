"""Lesson 6's learning-rate schedule, and a training that continues after an interruption."""

import keras
import numpy as np
import pytest

from flowers_lab.schedule import learning_rate, peak_learning_rate, training_callbacks

WORKSHOP = {"start": 1e-5, "minimum": 1e-5, "ramp_epochs": 5, "sustain_epochs": 0, "decay": 0.8}


def schedule(global_batch=16, **constants):
    chosen = {**WORKSHOP, "peak": peak_learning_rate(global_batch), **constants}
    return lambda epoch, *_: learning_rate(epoch, **chosen)


def test_the_workshop_schedule_ramps_then_decays_towards_the_minimum():
    rates = [schedule()(epoch) for epoch in range(12)]
    np.testing.assert_allclose(rates[:6], [1e-5, 1.8e-5, 2.6e-5, 3.4e-5, 4.2e-5, 5e-5])
    np.testing.assert_allclose(rates[6], 1e-5 + 4e-5 * 0.8)
    assert all(a > b > 1e-5 for a, b in zip(rates[5:-1], rates[6:], strict=True))


def test_the_peak_follows_the_global_batch_and_can_be_sustained():
    assert peak_learning_rate(128) == pytest.approx(4e-4), "the workshop's 8 TPU cores of 16"
    assert peak_learning_rate(16) == pytest.approx(5e-5)
    assert peak_learning_rate(64) == pytest.approx(2 * peak_learning_rate(32))
    rate = schedule(32, ramp_epochs=2, sustain_epochs=3)
    assert [rate(epoch) for epoch in (2, 3, 4, 5)] == [pytest.approx(1e-4)] * 4
    assert rate(6) == pytest.approx(1e-5 + 9e-5 * 0.8)
    assert rate(5, 0.123) == rate(5), "Keras may pass the current rate as well"


class _Interrupt(keras.callbacks.Callback):
    """Stops the process-like way: an exception at the start of ``epoch``."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


class _Epochs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen, self.rates = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.seen.append(epoch)
        self.rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))


def test_an_interrupted_training_continues_from_its_last_finished_epoch(tmp_path):
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = keras.Sequential([keras.Input([4]), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    backup, rate = tmp_path / "backup", schedule()
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=6, verbose=0, callbacks=[*training_callbacks(rate, backup), _Interrupt(3)])
    assert backup.is_dir() and any(backup.iterdir())
    weights_at_interruption = [w.copy() for w in model.get_weights()]

    fresh = keras.Sequential([keras.Input([4]), keras.layers.Dense(2, activation="softmax")])
    fresh.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    epochs = _Epochs()
    restored = []
    fresh.fit(
        x,
        y,
        epochs=6,
        verbose=0,
        callbacks=[
            *training_callbacks(rate, backup),
            epochs,
            keras.callbacks.LambdaCallback(on_train_begin=lambda logs: restored.extend(fresh.get_weights())),
        ],
    )
    assert epochs.seen == [3, 4, 5]
    np.testing.assert_allclose(epochs.rates, [rate(3), rate(4), rate(5)], rtol=1e-5)
    for a, b in zip(restored, weights_at_interruption, strict=True):
        np.testing.assert_allclose(a, b)
    assert not backup.exists() or not any(backup.iterdir()), "a completed fit deletes its backup"
