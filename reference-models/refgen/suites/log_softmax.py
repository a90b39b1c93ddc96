"""LOG_SOFTMAX over the last axis (int8, int8_float_io, float32): ranks 1 to
4, a row of one, wide and narrow input ranges (differences beyond the Q5.26
radius are clamped to the int8 floor), and a row long enough that most
exponentials vanish."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, input range).
CONFIGS = (
    ((10,), (-4.0, 4.0)),
    ((2, 5), (-1.0, 1.0)),
    ((1, 3, 4, 8), (-8.0, 2.0)),
    ((3, 1), (-2.0, 2.0)),
    ((1, 1, 300), (-30.0, 30.0)),
    ((4, 6), (-0.05, 0.05)),
)


def cases() -> list[CaseSpec]:
    """6 configurations x 3 flavours."""
    specs = []
    for shape, (low, high) in CONFIGS:
        inputs = [InputSpec(shape, low, high)]
        specs.append(
            CaseSpec(
                f"log_softmax_{dims_name(shape)}_range{low:g}_{high:g}",
                lambda inputs=inputs: function_model(
                    lambda x: tf.nn.log_softmax(x, axis=-1), inputs
                ),
                inputs,
                f"log_softmax of {list(shape)} in [{low}, {high}]",
                ALL_FLAVOURS,
                {"op": "log_softmax", "input_shape": list(shape)},
            )
        )
    return specs
