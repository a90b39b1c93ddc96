"""SPLIT_V into uneven slices (sizes 1 and up, one inferred with -1) along each
kind of axis, and slices feeding different later ops."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, sizes, axis)
CONFIGS = (
    ((1, 4, 4, 6), (1, 2, 3), 3),
    ((1, 6, 3, 2), (4, 2), 1),
    ((2, 9), (2, -1, 3), -1),
    ((5, 3, 2), (1, 1, 3), 0),
)


def cases() -> list[CaseSpec]:
    """4 configurations × 4 flavours, and one graph where the slices feed other ops."""
    specs = []
    for shape, sizes, axis in CONFIGS:
        inputs = [InputSpec(shape, -2.0, 2.0)]
        name = f"{dims_name(shape)}_{'_'.join(map(str, sizes))}_axis{axis}".replace("-", "m")

        def fn(x, sizes=sizes, axis=axis):
            return tf.split(x, list(sizes), axis=axis)

        specs.append(
            CaseSpec(
                name,
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"split_v of {list(shape)} into {list(sizes)} on axis {axis}",
                (*ALL_FLAVOURS, INT16),
                {"input_shape": list(shape), "size_splits": list(sizes), "axis": axis},
            )
        )

    def feeding(x):
        a, b = tf.split(x, [2, 4], axis=3)
        return [tf.nn.relu(a), tf.math.tanh(b)]

    inputs = [InputSpec((1, 5, 5, 6), -2.0, 2.0)]
    specs.append(
        CaseSpec(
            "feeds_relu_tanh",
            lambda inputs=inputs: function_model(feeding, inputs),
            inputs,
            "relu(a), tanh(b) of split_v(x, [2, 4])",
            ALL_FLAVOURS,
            {"input_shape": [1, 5, 5, 6]},
        )
    )
    return specs
