"""Lesson 11's checks: the subclassed model, the training step on TensorFlow and on JAX, and the
same step in train_step. Each step check compares two of the answer's steps with two of fit's; the
wrong answers are the ones the lesson warns about, and right answers written otherwise pass. The
JAX answers are judged on JAX (``make test``'s second pass, marker ``jax``); on TensorFlow, the
check runs them in a JAX process, as in a notebook on a TensorFlow runtime."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers
from test_checks import hints, passes

from flowers_lab.authoring.solutions import answer
from flowers_lab.checks import lesson11

# The subclassed model ---------------------------------------------------------------------


def _convnet(make_in_call=False, softmax=True, skip_pool=False, no_super=False, training_argument=True):
    class Convnet(keras.Model):
        def __init__(self):
            if not no_super:
                super().__init__()
            self.layer_list = [] if make_in_call else self._make()

        def _make(self):
            return [
                layers.Rescaling(1 / 255),
                layers.Conv2D(32, 3, padding="same", activation="relu"),
                layers.Identity() if skip_pool else layers.MaxPooling2D(2),
                layers.Conv2D(64, 3, padding="same", activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(64, 3, padding="same", activation="relu"),
                layers.GlobalAveragePooling2D(),
                layers.Dense(5, activation="softmax" if softmax else None),
            ]

        def _apply(self, images):
            y = images
            for layer in self._make() if make_in_call else self.layer_list:
                y = layer(y)
            return y

        if training_argument:

            def call(self, images, training=None):
                return self._apply(images)

        else:

            def call(self, images):
                return self._apply(images)

    return Convnet


def test_small_convnet():
    passes(lesson11.small_convnet(answer(11, "SmallConvnet")))
    hints(lesson11.small_convnet(answer(11, "SmallConvnet", starter=True)), "the lesson's convnet has")
    passes(lesson11.small_convnet(_convnet()))  # layers kept in a list, applied in a loop


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_convnet(make_in_call=True), "makes new layers at every call"),
        (_convnet(softmax=False), 'activation="softmax"'),
        (_convnet(skip_pool=True), "computes something else than the lesson's convnet"),
        (_convnet(no_super=True), "super().__init__()"),
        (lambda: None, "should be a class that subclasses keras.Model"),
        (_convnet(training_argument=False), "give call a training argument"),
    ],
    ids=["layers made in call", "no softmax", "no pooling", "no super().__init__", "a function", "no training"],
)
def test_small_convnet_mistakes(wrong, expected):
    hints(lesson11.small_convnet(wrong), expected)


# The step on TensorFlow -------------------------------------------------------------------


def _tf_step(
    training=True, outside_tape=False, measure_after=False, metrics_first=False, returns=True, apply_gradients=False
):
    def step(model, optimizer, loss_fn, accuracy, images, labels):
        if outside_tape:
            predictions = model(images, training=training)
        with tf.GradientTape() as tape:
            if not outside_tape:
                predictions = model(images, training=training)
            loss = loss_fn(labels, predictions)
        if metrics_first:
            accuracy.update_state(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_weights)
        if apply_gradients:
            optimizer.apply_gradients(zip(gradients, model.trainable_weights, strict=True))
        else:
            optimizer.apply(gradients, model.trainable_weights)
        if measure_after:
            accuracy.update_state(labels, model(images, training=False))
        elif not metrics_first:
            accuracy.update_state(labels, predictions)
        return loss if returns else None

    return step


def test_tensorflow_step():
    passes(lesson11.tensorflow_step(answer(11, "tensorflow_step")))
    hints(lesson11.tensorflow_step(answer(11, "tensorflow_step", starter=True)), "the weights did not change")
    passes(lesson11.tensorflow_step(_tf_step(apply_gradients=True)))
    # the accuracy updated before the weights, from the forward pass's predictions: what fit computes
    passes(lesson11.tensorflow_step(_tf_step(metrics_first=True)))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_tf_step(outside_tape=True), "inside `with tf.GradientTape() as tape:`"),
        (_tf_step(training=False), "call the model with training=True"),
        (_tf_step(measure_after=True), "the predictions of that step's forward pass"),
        (_tf_step(returns=False), "return the batch's loss"),
    ],
    ids=["forward pass outside the tape", "training=False", "accuracy after the update", "no loss returned"],
)
def test_tensorflow_step_mistakes(wrong, expected):
    hints(lesson11.tensorflow_step(wrong), expected)


# The step on JAX --------------------------------------------------------------------------


def _jax_step(training=True, carry=(True, True, True), stateful_call=False):
    def step(model, optimizer, loss_fn, accuracy, state, images, labels):
        import jax

        trainable, non_trainable, optimizer_variables, metric_variables = state

        def loss_of(trainable, non_trainable):
            if stateful_call:
                predictions = model(images, training=training)
            else:
                predictions, non_trainable = model.stateless_call(trainable, non_trainable, images, training=training)
            return loss_fn(labels, predictions), (predictions, non_trainable)

        (loss, (predictions, new_non_trainable)), grads = jax.value_and_grad(loss_of, has_aux=True)(
            trainable, non_trainable
        )
        trainable, new_optimizer = optimizer.stateless_apply(optimizer_variables, grads, trainable)
        new_metrics = accuracy.stateless_update_state(metric_variables, labels, predictions)
        new = (new_non_trainable, new_optimizer, new_metrics)
        old = (non_trainable, optimizer_variables, metric_variables)
        kept = [n if c else o for n, o, c in zip(new, old, carry, strict=True)]
        return loss, (trainable, *kept)

    return step


@pytest.mark.jax
def test_jax_step():
    passes(lesson11.jax_step(answer(11, "jax_step")))
    hints(lesson11.jax_step(answer(11, "jax_step", starter=True)), "the trainable weights did not change")
    passes(lesson11.jax_step(_jax_step()))


@pytest.mark.jax
@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_jax_step(carry=(False, True, True)), "the non-trainable variables"),
        (_jax_step(carry=(True, False, True)), "the optimizer's variables come back unchanged"),
        (_jax_step(carry=(True, True, False)), "the accuracy's variables come back unchanged"),
        (_jax_step(training=False), "call the model with training=True"),
        (_jax_step(stateful_call=True), "the trainable weights did not change"),
    ],
    ids=[
        "batch statistics not carried",
        "optimizer state not carried",
        "metric state not carried",
        "training=False",
        "model called, not stateless_call",
    ],
)
def test_jax_step_mistakes(wrong, expected):
    hints(lesson11.jax_step(wrong), expected)


def _jax_step_forgets_the_optimizer(model, optimizer, loss_fn, accuracy, state, images, labels):
    """A learner's JAX step that returns the optimizer's state it was given: no check of it can
    see a closure, so it is written out at the top level, as in a notebook cell."""
    import jax

    trainable, non_trainable, optimizer_variables, metric_variables = state

    def loss_of(trainable, non_trainable):
        predictions, non_trainable = model.stateless_call(trainable, non_trainable, images, training=True)
        return loss_fn(labels, predictions), (predictions, non_trainable)

    (loss, (predictions, non_trainable)), grads = jax.value_and_grad(loss_of, has_aux=True)(trainable, non_trainable)
    trainable, _ = optimizer.stateless_apply(optimizer_variables, grads, trainable)
    metric_variables = accuracy.stateless_update_state(metric_variables, labels, predictions)
    return loss, (trainable, non_trainable, optimizer_variables, metric_variables)


def test_on_tensorflow_the_jax_answers_are_checked_in_a_jax_process():
    verdict = lesson11.jax_step(answer(11, "jax_step"))
    passes(verdict)
    assert verdict.message.endswith("(checked on jax, in a separate process)")
    hints(lesson11.jax_step(_jax_step_forgets_the_optimizer), "the optimizer's variables come back unchanged")
    passes(lesson11.jax_train_step(answer(11, "JaxByHand")))  # a class: its whole cell goes to the process


# train_step -------------------------------------------------------------------------------


def _tf_override(returns="all", update_metrics=True):
    class Override(keras.Model):
        def train_step(self, data):
            images, labels = data
            with tf.GradientTape() as tape:
                predictions = self(images, training=True)
                loss = self.compute_loss(y=labels, y_pred=predictions)
            self.optimizer.apply(tape.gradient(loss, self.trainable_weights), self.trainable_weights)
            for metric in self.metrics if update_metrics else []:
                metric.update_state(loss) if metric.name == "loss" else metric.update_state(labels, predictions)
            if returns == "nothing":
                return {}
            if returns == "loss":
                return {"loss": self.metrics[0].result()}
            return {metric.name: metric.result() for metric in self.metrics}

    return Override


def test_tensorflow_train_step():
    passes(lesson11.tensorflow_train_step(answer(11, "TensorFlowByHand")))
    starter = answer(11, "TensorFlowByHand", starter=True)
    hints(lesson11.tensorflow_train_step(starter), "leaves the weights as they were")
    passes(lesson11.tensorflow_train_step(_tf_override()))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_tf_override(returns="nothing"), "returns no logs"),
        (_tf_override(returns="loss"), "get no accuracy"),
        (_tf_override(update_metrics=False), "update every metric of self.metrics once per step"),
    ],
    ids=["no logs", "loss only", "metrics not updated"],
)
def test_tensorflow_train_step_mistakes(wrong, expected):
    hints(lesson11.tensorflow_train_step(wrong), expected)


def _jax_override(carry_optimizer=True, update_metrics=True):
    """A JAX train_step written otherwise than the solution: metric slices by a running start, logs by a
    comprehension."""

    class Override(keras.Model):
        def train_step(self, state, data):
            import jax

            trainable, non_trainable, optimizer_variables, metric_variables = state
            images, labels = data

            def loss_of(trainable, non_trainable):
                predictions, non_trainable = self.stateless_call(trainable, non_trainable, images, training=True)
                return self.compute_loss(x=images, y=labels, y_pred=predictions), (predictions, non_trainable)

            (loss, (predictions, non_trainable)), grads = jax.value_and_grad(loss_of, has_aux=True)(
                trainable, non_trainable
            )
            trainable, new_optimizer = self.optimizer.stateless_apply(optimizer_variables, grads, trainable)
            updated, start = [], 0
            for metric in self.metrics:
                mine = metric_variables[start : start + len(metric.variables)]
                start += len(metric.variables)
                if update_metrics:
                    args = (loss,) if metric.name == "loss" else (labels, predictions)
                    mine = metric.stateless_update_state(mine, *args)
                updated.append(mine)
            logs = {m.name: m.stateless_result(v) for m, v in zip(self.metrics, updated, strict=True)}
            optimizer_variables = new_optimizer if carry_optimizer else optimizer_variables
            return logs, (trainable, non_trainable, optimizer_variables, [v for part in updated for v in part])

    return Override


@pytest.mark.jax
def test_jax_train_step():
    passes(lesson11.jax_train_step(_jax_override()))
    passes(lesson11.jax_train_step(answer(11, "JaxByHand")))
    hints(lesson11.jax_train_step(answer(11, "JaxByHand", starter=True)), "leaves the weights as they were")
    hints(lesson11.jax_train_step(answer(11, "TensorFlowByHand")), "fit calls train_step(self, state, data)")


@pytest.mark.jax
@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_jax_override(carry_optimizer=False), "the weights differ from a plain model's"),
        (_jax_override(update_metrics=False), "update every metric of self.metrics once per step"),
    ],
    ids=["optimizer state not carried", "metrics not updated"],
)
def test_jax_train_step_mistakes(wrong, expected):
    hints(lesson11.jax_train_step(wrong), expected)


def test_a_class_without_train_step_is_told_to_override_it():
    hints(lesson11.tensorflow_train_step(keras.Model), "override train_step")
    assert np.isfinite(lesson11.TOLERANCE)
