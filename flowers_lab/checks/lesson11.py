"""Checks for lesson 11, a training step by hand: the subclassed model, the step on TensorFlow and
on JAX, and the same step inside ``train_step``.

A step is judged by what it does: from the same weights, two steps on the same two batches must
leave the weights, the optimizer's state, the batch-normalisation statistics and the accuracy
where ``fit`` leaves them. The step written for the other backend than the notebook's is checked
in a new Python process on that backend (``python -m flowers_lab.checks.lesson11``)."""

from __future__ import annotations

import inspect
import json
import linecache
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np

from flowers_lab.checks import Feedback, correct, guarded, hint
from flowers_lab.stateless import jax_state, put_back

TOLERANCE = 1e-4
"""How far the learner's weights may be from ``fit``'s after two steps (float32 sums in another order)."""


# The subclassed model ------------------------------------------------------------------------


def reference_convnet() -> keras.Sequential:
    """The lesson's small convnet, as a Sequential model: what ``SmallConvnet`` must compute."""
    from keras import layers

    return keras.Sequential(
        [
            layers.Rescaling(1 / 255),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(5, activation="softmax"),
        ]
    )


@guarded
def small_convnet(model_class) -> Feedback:
    """``model_class()``: a subclass of ``keras.Model`` whose layers are made in ``__init__`` and
    applied in ``call``, computing what ``reference_convnet`` computes."""
    if not (isinstance(model_class, type) and issubclass(model_class, keras.Model)):
        return hint("SmallConvnet should be a class that subclasses keras.Model: class SmallConvnet(keras.Model)")
    if "call" not in vars(model_class):
        return hint("define call(self, images): it applies the layers made in __init__ to the images")
    parameters = inspect.signature(vars(model_class)["call"]).parameters
    if "training" not in parameters and not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return hint(
            "give call a training argument, call(self, images, training=None): fit and the steps pass it "
            "(model.stateless_call(..., training=True) fails without it)"
        )
    model = model_class()
    pixels = np.random.default_rng(0).uniform(0, 255, (2, 16, 16, 3)).astype("float32")
    first = keras.ops.convert_to_numpy(model(pixels))
    reference = reference_convnet()
    reference(pixels)
    if len(model.weights) == 0 or not np.allclose(first, keras.ops.convert_to_numpy(model(pixels)), atol=1e-6):
        return hint(
            "your model makes new layers at every call, so new random weights: make the layers once, in __init__ "
            "(self.conv1 = layers.Conv2D(...)), and only apply them in call"
        )
    shapes = [tuple(w.shape) for w in model.weights]
    expected = [tuple(w.shape) for w in reference.weights]
    if sorted(shapes) != sorted(expected):
        return hint(
            f"the model's weights have shapes {shapes}; the lesson's convnet has {expected}: 3x3 convolutions of "
            "32, 64 and 64 filters, global average pooling and a Dense layer of 5"
        )
    by_shape = {shape: [w for w in model.weights if tuple(w.shape) == shape] for shape in set(shapes)}
    for weight in reference.weights:
        weight.assign(by_shape[tuple(weight.shape)].pop(0))
    yours, expected_out = first, keras.ops.convert_to_numpy(reference(pixels))
    if not np.allclose(yours.sum(axis=-1), 1, atol=1e-3):
        return hint('the model should give probabilities: the last Dense layer needs activation="softmax"')
    if not np.allclose(yours, expected_out, atol=1e-4):
        return hint(
            "with the same weights your model computes something else than the lesson's convnet: in call, apply "
            "Rescaling(1 / 255), a convolution and pooling, a convolution and pooling, the third convolution, the "
            "global pooling and the Dense layer, in that order, each to the previous one's output"
        )
    return correct(
        f"layers made once in __init__, applied in call; the same function as the Sequential convnet, "
        f"{model.count_params():,} weights"
    )


# The steps -------------------------------------------------------------------------------


def _problem():
    """A small model with batch normalisation (so that training=True matters and the step has
    non-trainable state), its optimizer, loss and accuracy, and two batches of 8."""
    from keras import layers

    rng = np.random.default_rng(0)
    images = rng.normal(size=(16, 6)).astype("float32")
    labels = rng.integers(0, 3, 16).astype("int32")

    def model(cls=keras.Model):
        x = keras.Input([6])
        y = layers.Dense(8, use_bias=False)(x)
        y = layers.BatchNormalization(momentum=0.5)(y)
        y = layers.Activation("relu")(y)
        y = layers.Dense(3, activation="softmax")(y)
        built = cls(x, y)
        for weight, value in zip(built.weights, _values(np.random.default_rng(1), built), strict=True):
            weight.assign(value)
        return built

    return model, images, labels


def _unchanged(weights: list) -> bool:
    """Whether the trainable ones of ``weights`` (a ``_problem`` model's) are where they started."""
    model = _problem()[0]()
    return all(
        np.array_equal(np.asarray(w), value) for w, value in zip(model.weights, weights, strict=True) if w.trainable
    )


def _values(rng, model) -> list:
    return [
        rng.normal(0, 0.7, w.shape).astype("float32") if len(w.shape) == 2 else np.asarray(w) for w in model.weights
    ]


def _tools():
    return (
        keras.optimizers.Adam(learning_rate=0.1),
        keras.losses.SparseCategoricalCrossentropy(),
        keras.metrics.SparseCategoricalAccuracy(),
    )


def _by_fit(make, images, labels) -> tuple[list, dict]:
    """The model's weights (all: trainable and batch-normalisation statistics) and fit's logs
    after two steps of 8."""
    model = make()
    optimizer, loss, _ = _tools()
    model.compile(optimizer=optimizer, loss=loss, metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    history = model.fit(images, labels, batch_size=8, epochs=1, shuffle=False, verbose=0)
    return [np.asarray(w) for w in model.weights], {k: v[-1] for k, v in history.history.items()}


def _compare(
    weights: list, accuracy: float, losses: list, expected: tuple[list, dict], training_false: tuple
) -> Feedback | None:
    """A hint naming what differs from fit's two steps, or None where nothing does."""
    fit_weights, logs = expected
    if any(loss is None for loss in losses):
        return hint("return the batch's loss from the step")
    if _unchanged(weights):
        return hint(
            "the weights did not change: take the gradients of the loss with respect to the trainable "
            "weights and let the optimizer apply them"
        )
    if not _same(weights, fit_weights):
        if _same(weights, training_false[0]):
            return hint(_TRAINING_TRUE)
        return hint(
            "after two steps the weights differ from fit's: compute the loss on the model's predictions, take its "
            "gradients with respect to the trainable weights, and let the optimizer apply them, once per batch"
        )
    if abs(np.mean(losses) - logs["loss"]) > 1e-4:
        return hint(
            f"the losses your step returned average {np.mean(losses):.4f}; fit's {logs['loss']:.4f}: "
            "return the loss of the batch, computed before the update"
        )
    if abs(accuracy - logs["accuracy"]) > 1e-6:
        return hint(
            f"the accuracy after two steps is {accuracy:.3f}, fit's {logs['accuracy']:.3f}: update it once per "
            "step with the labels and the predictions of that step's forward pass (the batch as the model saw it, "
            "before the update)"
        )
    return None


def _same(weights: list, others: list) -> bool:
    """Whether two lists of weights agree within ``TOLERANCE``."""
    return all(np.allclose(a, b, atol=TOLERANCE) for a, b in zip(weights, others, strict=True))


_TRAINING_TRUE = (
    "call the model with training=True: batch normalisation then normalises with the batch's own statistics and "
    "updates its moving averages, as fit does"
)


def _as_numpy(values) -> list:
    return [np.asarray(keras.ops.convert_to_numpy(v)) for v in values]


@guarded
def tensorflow_step(step) -> Feedback:
    """``step(model, optimizer, loss_fn, accuracy, images, labels)``: one training step with
    ``tf.GradientTape``, returning the loss; two of them must do what two of fit's do."""
    if keras.backend.backend() != "tensorflow":
        return in_a_process("tensorflow", "tensorflow_step", step)
    import tensorflow as tf

    make, images, labels = _problem()
    expected, training_false = _by_fit(make, images, labels), _tensorflow_steps(_training_false, make, images, labels)
    model, (optimizer, loss_fn, accuracy) = make(), _tools()
    compiled = tf.function(step)
    losses = []
    for batch in (slice(0, 8), slice(8, 16)):
        try:
            loss = compiled(model, optimizer, loss_fn, accuracy, images[batch], labels[batch])
        except ValueError as error:
            if "No gradients provided" in str(error):
                return hint(
                    "tape.gradient found no path from the weights to the loss: make the forward pass and the loss "
                    "inside `with tf.GradientTape() as tape:`, then take tape.gradient(loss, model.trainable_weights)"
                )
            raise
        losses.append(None if loss is None else float(loss))
    problem = _compare(_as_numpy(model.weights), float(accuracy.result()), losses, expected, training_false)
    return problem or correct(
        "two steps leave the weights, the batch statistics, the loss and the accuracy where fit leaves them"
    )


def _training_false(model, optimizer, loss_fn, accuracy, images, labels):
    """The TensorFlow step, but with training=False: what a learner who forgets it computes."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        predictions = model(images, training=False)
        loss = loss_fn(labels, predictions)
    optimizer.apply(tape.gradient(loss, model.trainable_weights), model.trainable_weights)
    accuracy.update_state(labels, predictions)
    return loss


def _tensorflow_steps(step, make, images, labels) -> tuple[list, float]:
    model, (optimizer, loss_fn, accuracy) = make(), _tools()
    for batch in (slice(0, 8), slice(8, 16)):
        step(model, optimizer, loss_fn, accuracy, images[batch], labels[batch])
    return _as_numpy(model.weights), float(accuracy.result())


@guarded
def jax_step(step) -> Feedback:
    """``step(model, optimizer, loss_fn, accuracy, state, images, labels)``: one training step
    with ``jax.value_and_grad`` over ``model.stateless_call``, returning ``(loss, state)``; two of
    them, jitted, must do what two of fit's do."""
    if keras.backend.backend() != "jax":
        return in_a_process("jax", "jax_step", step)
    import jax

    make, images, labels = _problem()
    expected = _by_fit(make, images, labels)
    training_false = _jax_training_false(make, images, labels)
    model, (optimizer, loss_fn, accuracy) = make(), _tools()
    compiled = jax.jit(step, static_argnums=(0, 1, 2, 3))
    state, losses, stuck = jax_state(model, optimizer, accuracy), [], None
    for batch in (slice(0, 8), slice(8, 16)):
        returned = compiled(model, optimizer, loss_fn, accuracy, state, images[batch], labels[batch])
        if not (isinstance(returned, tuple) and len(returned) == 2):
            return hint("return two things: the loss and the new state, (loss, state)")
        loss, new_state = returned
        if not (isinstance(new_state, tuple | list) and len(new_state) == 4):
            return hint(
                "the state is four lists: (trainable, non_trainable, optimizer, metric variables); return it "
                "whole, each part updated"
            )
        unchanged = [
            all(np.array_equal(a, b) for a, b in zip(old, new, strict=True))
            for old, new in zip(state, new_state, strict=True)
        ]
        if unchanged[0]:
            return hint(
                "the trainable weights did not change: take the gradients of a loss computed from the "
                "trainable_variables passed in (model.stateless_call(trainable_variables, non_trainable_variables, "
                "images, training=True)), and return what optimizer.stateless_apply gives back"
            )
        stuck = stuck or next((part for part in (1, 2, 3) if unchanged[part]), None)
        state = tuple(new_state)
        losses.append(float(loss))
    put_back(state, model, optimizer, accuracy)
    weights = _as_numpy(model.weights)
    if _same(weights, training_false[0]):  # before the state: training=False also leaves the averages as they were
        return hint(_TRAINING_TRUE)
    if stuck:
        name, advice = {
            1: ("non-trainable variables (batch normalisation's moving averages)", "those stateless_call gave back"),
            2: ("optimizer's variables", "those optimizer.stateless_apply gave back"),
            3: ("accuracy's variables", "those accuracy.stateless_update_state gave back"),
        }[stuck]
        return hint(
            f"the state is not carried: the {name} come back unchanged from the step; return {advice}, so that "
            "the next step starts from them"
        )
    problem = _compare(weights, float(accuracy.result()), losses, expected, training_false)
    return problem or correct(
        "two jitted steps, the state carried between them, leave the weights, the batch "
        "statistics, the loss and the accuracy where fit leaves them"
    )


def _jax_training_false(make, images, labels) -> tuple[list, float]:
    """The weights and accuracy two steps leave with the forward pass in inference mode
    (training=False), on JAX."""
    import jax

    model, (optimizer, loss_fn, accuracy) = make(), _tools()
    state = jax_state(model, optimizer, accuracy)

    def loss_of(trainable, non_trainable, x, y):
        predictions, non_trainable = model.stateless_call(trainable, non_trainable, x, training=False)
        return loss_fn(y, predictions), (predictions, non_trainable)

    for batch in (slice(0, 8), slice(8, 16)):
        trainable, non_trainable, optimizer_variables, metric_variables = state
        (_, (predictions, non_trainable)), grads = jax.value_and_grad(loss_of, has_aux=True)(
            trainable, non_trainable, images[batch], labels[batch]
        )
        trainable, optimizer_variables = optimizer.stateless_apply(optimizer_variables, grads, trainable)
        metric_variables = accuracy.stateless_update_state(metric_variables, labels[batch], predictions)
        state = (trainable, non_trainable, optimizer_variables, metric_variables)
    put_back(state, model, optimizer, accuracy)
    return _as_numpy(model.weights), float(accuracy.result())


# train_step overrides --------------------------------------------------------------------


_UPDATE_EVERY_METRIC = (
    "update every metric of self.metrics once per step (the loss tracker with the loss, the others with labels "
    "and predictions)"
)


def _override(model_class, backend: str) -> Feedback:
    if not (isinstance(model_class, type) and issubclass(model_class, keras.Model)):
        return hint("write a class that subclasses keras.Model and overrides train_step")
    if "train_step" not in vars(model_class):
        return hint("override train_step(self, ...) in your class: fit calls it for every batch")
    parameters = list(inspect.signature(vars(model_class)["train_step"]).parameters)
    wanted = ["self", "state", "data"] if backend == "jax" else ["self", "data"]
    if len(parameters) != len(wanted):
        return hint(f"on {backend}, fit calls train_step({', '.join(wanted)}); yours takes ({', '.join(parameters)})")
    make, images, labels = _problem()
    expected = _by_fit(make, images, labels)
    try:
        yours = _by_fit(lambda: make(model_class), images, labels)
    except ValueError as error:
        if "has not yet been built" in str(error):  # Keras' words for a metric read but never updated
            return hint(f"a metric was never updated: {_UPDATE_EVERY_METRIC}")
        if "OptionalFromValue" not in str(error):  # TensorFlow's words for a train_step that returns {}
            raise
        return hint(
            "train_step returns no logs: return a dict of each metric's result, e.g. "
            "{m.name: m.result() for m in self.metrics}, for fit's progress bar and callbacks"
        )
    if _unchanged(yours[0]):
        return hint(
            "fit with your train_step leaves the weights as they were: compute the loss and its gradients "
            "and apply them with self.optimizer" + (", and return the new state" if backend == "jax" else "")
        )
    if not _same(yours[0], expected[0]):
        return hint(
            "after two batches of fit the weights differ from a plain model's: run the lesson's step in "
            "train_step, on the batch fit passes in, with training=True"
        )
    missing = {"loss", "accuracy"} - set(yours[1])
    if missing:
        return hint(
            f"fit's progress bar and callbacks get no {' or '.join(sorted(missing))}: return the logs, "
            "a dict of each metric's result, e.g. {m.name: m.result() for m in self.metrics}"
        )
    if any(abs(yours[1][name] - expected[1][name]) > 1e-4 for name in ("loss", "accuracy")):
        return hint(
            f"your logs say loss {yours[1]['loss']:.4f}, accuracy {yours[1]['accuracy']:.3f}; a plain "
            f"model's {expected[1]['loss']:.4f}, {expected[1]['accuracy']:.3f}: {_UPDATE_EVERY_METRIC}"
        )
    return correct(
        "fit with your train_step trains as the built-in one: the same weights and the same logs for "
        "its progress bar and callbacks"
    )


@guarded
def tensorflow_train_step(model_class) -> Feedback:
    """A ``keras.Model`` subclass whose ``train_step(self, data)`` makes fit train as the built-in
    step does, and return the logs fit shows."""
    if keras.backend.backend() != "tensorflow":
        return in_a_process("tensorflow", "tensorflow_train_step", model_class)
    return _override(model_class, "tensorflow")


@guarded
def jax_train_step(model_class) -> Feedback:
    """A ``keras.Model`` subclass whose ``train_step(self, state, data)`` makes fit train as the
    built-in step does, returning ``(logs, state)``."""
    if keras.backend.backend() != "jax":
        return in_a_process("jax", "jax_train_step", model_class)
    return _override(model_class, "jax")


# The other backend -----------------------------------------------------------------------


def _source(answer) -> str:
    """The code that defines ``answer``: its own source, or (for a class defined in a notebook cell,
    which ``inspect`` cannot find before Python 3.13) the whole cell it was defined in."""
    try:
        return textwrap.dedent(inspect.getsource(answer))
    except (OSError, TypeError):
        members = [answer] if inspect.isfunction(answer) else list(vars(answer).values())
        code = next(member.__code__ for member in members if hasattr(member, "__code__"))
        return "".join(linecache.getlines(code.co_filename))


def in_a_process(backend: str, check: str, answer) -> Feedback:
    """Run ``check`` on ``answer`` in a new Python process whose Keras backend is ``backend``:
    the answer's code is run there with keras, layers, numpy (np) and the backend (tf or jax) imported.
    TensorFlow there stays on the CPU and JAX too, so that neither claims the notebook's accelerator."""
    source = _source(answer)
    environment = {
        **os.environ,
        "KERAS_BACKEND": backend,
        "JAX_PLATFORMS": "cpu",
        "CUDA_VISIBLE_DEVICES": "",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    environment.pop("XLA_FLAGS", None)
    done = subprocess.run(
        [sys.executable, "-m", "flowers_lab.checks.lesson11", check, answer.__name__],
        input=source,
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return hint(
            f"checking your {backend} code in a {backend} process failed: "
            f"{(done.stderr.strip().splitlines() or ['no output'])[-1][:200]}"
        )
    verdict = json.loads(lines[-1])
    message = verdict["message"] + f" (checked on {backend}, in a separate process)"
    return Feedback(verdict["passed"], message)


def _main() -> None:
    """``python -m flowers_lab.checks.lesson11 CHECK NAME`` < source: the verdict as one line of JSON."""
    check, name = sys.argv[1:3]
    source = sys.stdin.read()
    if keras.backend.backend() == "tensorflow":
        from flowers_lab.accelerator import keep_tensorflow_on_the_cpu

        keep_tensorflow_on_the_cpu()
    namespace: dict = {"keras": keras, "layers": keras.layers, "np": np, "__name__": "__answer__"}
    exec("import tensorflow as tf" if keras.backend.backend() == "tensorflow" else "import jax", namespace)
    try:
        exec(compile(source, "your cell", "exec"), namespace)
        verdict = globals()[check](namespace[name])
    except Exception as error:  # the learner's cell may raise anything
        from flowers_lab.checks import explain

        verdict = explain(error)
    print(json.dumps({"passed": verdict.passed, "message": verdict.message}))


if __name__ == "__main__":
    _main()
