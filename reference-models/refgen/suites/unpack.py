"""UNPACK (tf.unstack) along each kind of axis, sizes 1 and up, and unpacked
slices feeding different later ops."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, axis)
CONFIGS = (
    ((1, 3, 4, 2), 1),
    ((2, 5), -1),
    ((3, 2, 4), 0),
    ((1, 2, 3, 4), 3),
    ((4, 1, 3), 1),
)


def cases() -> list[CaseSpec]:
    """5 configurations × 4 flavours, and one graph where the slices feed other ops."""
    specs = []
    for shape, axis in CONFIGS:
        inputs = [InputSpec(shape, -2.0, 2.0)]
        name = f"{dims_name(shape)}_axis{axis}".replace("-", "m")

        def fn(x, axis=axis):
            return tf.unstack(x, axis=axis)

        specs.append(
            CaseSpec(
                name,
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"unstack of {list(shape)} on axis {axis}",
                (*ALL_FLAVOURS, INT16),
                {"input_shape": list(shape), "axis": axis},
            )
        )

    def feeding(x):
        a, b, c = tf.unstack(x, axis=1)
        return [tf.nn.relu(a) + b, tf.math.tanh(c)]

    inputs = [InputSpec((1, 3, 4, 5), -2.0, 2.0)]
    specs.append(
        CaseSpec(
            "feeds_relu_add_tanh",
            lambda inputs=inputs: function_model(feeding, inputs),
            inputs,
            "relu(a) + b, tanh(c) of unstack(x, axis=1)",
            ALL_FLAVOURS,
            {"input_shape": [1, 3, 4, 5]},
        )
    )
    return specs
