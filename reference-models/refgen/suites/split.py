"""SPLIT into 2–4 equal slices along each kind of axis, and SPLIT outputs feeding
different later ops (a RELU and an ADD, a TANH), so that the normal-mode run
(memory reuse, in-place execution) is checked with several outputs alive."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, number of slices, axis)
CONFIGS = (
    ((1, 4, 4, 6), 2, 3),
    ((1, 6, 3, 2), 3, 1),
    ((2, 8), 4, -1),
    ((4, 3, 5), 2, 0),
    ((1, 2, 9), 3, -1),
)


def cases() -> list[CaseSpec]:
    """5 configurations × 4 flavours, and 2 graphs where the slices feed other ops."""
    specs = []
    for shape, count, axis in CONFIGS:
        inputs = [InputSpec(shape, -2.0, 2.0)]
        name = f"{dims_name(shape)}_{count}_axis{axis}".replace("-", "m")

        def fn(x, count=count, axis=axis):
            return tf.split(x, count, axis=axis)

        specs.append(
            CaseSpec(
                name,
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"split of {list(shape)} into {count} on axis {axis}",
                (*ALL_FLAVOURS, INT16),
                {"input_shape": list(shape), "num_splits": count, "axis": axis},
            )
        )

    def feeding(x):
        a, b, c = tf.split(x, 3, axis=3)
        return [tf.nn.relu(a) + b, tf.math.tanh(c)]

    def feeding_one(x):
        a, b = tf.split(x, 2, axis=1)
        return tf.nn.relu(a) + tf.math.tanh(b)

    for name, fn, shape, text in (
        ("feeds_relu_add_tanh", feeding, (1, 5, 5, 6), "relu(a) + b and tanh(c) of split(x, 3)"),
        ("feeds_one_add", feeding_one, (1, 8, 4, 3), "relu(a) + tanh(b) of split(x, 2)"),
    ):
        inputs = [InputSpec(shape, -2.0, 2.0)]
        specs.append(
            CaseSpec(
                name,
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                text,
                ALL_FLAVOURS,
                {"input_shape": list(shape)},
            )
        )
    return specs
