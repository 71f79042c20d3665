"""Lesson 11's JAX loop: the state a stateless training step carries, read from Keras' objects and
written back into them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras


def jax_state(model: keras.Model, optimizer: keras.optimizers.Optimizer, accuracy: keras.metrics.Metric) -> tuple:
    """What a JAX step carries from one batch to the next: the values of the model's trainable and
    non-trainable variables, the optimizer's and the accuracy's (the optimizer built first)."""
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    return tuple(
        [v.value for v in variables]
        for variables in (
            model.trainable_variables,
            model.non_trainable_variables,
            optimizer.variables,
            accuracy.variables,
        )
    )


def put_back(
    state: tuple, model: keras.Model, optimizer: keras.optimizers.Optimizer, accuracy: keras.metrics.Metric
) -> None:
    """Write a JAX step's ``state`` back into the model's, the optimizer's and the accuracy's variables."""
    for variables, values in zip(
        (model.trainable_variables, model.non_trainable_variables, optimizer.variables, accuracy.variables),
        state,
        strict=True,
    ):
        for variable, value in zip(variables, values, strict=True):
            variable.assign(value)
