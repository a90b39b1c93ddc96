"""DIV of two inputs (int8, int8_float_io, float32) with and without
broadcasting, positive and negative divisors (never 0), and a fused RELU."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shapes, divisor range, fused relu).
CONFIGS = (
    (((1, 4, 4, 3), (1, 4, 4, 3)), (0.5, 3.0), False),
    (((2, 5), (5,)), (-3.0, -0.5), False),
    (((1, 3, 4), (1, 1, 1)), (0.25, 2.0), True),
    (((2, 1, 3, 1, 2), (1, 2, 1, 4, 2)), (1.0, 4.0), False),
)


def divide(x, y):
    return tf.math.divide(x, y)


def divide_relu(x, y):
    return tf.nn.relu(tf.math.divide(x, y))


def cases() -> list[CaseSpec]:
    """4 configurations x 3 flavours."""
    specs = []
    for shapes, (low, high), relu in CONFIGS:
        inputs = [InputSpec(shapes[0], -4.0, 4.0), InputSpec(shapes[1], low, high, nonzero=True)]
        fn = divide_relu if relu else divide
        sign = "neg" if high < 0 else "pos"
        specs.append(
            CaseSpec(
                f"div_{'_'.join(dims_name(s) for s in shapes)}_den{sign}{'_relu' if relu else ''}",
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"div of {[list(s) for s in shapes]}, divisors in [{low}, {high}]"
                + (", fused relu" if relu else ""),
                ALL_FLAVOURS,
                {"op": "div", "input_shapes": [list(s) for s in shapes]},
            )
        )
    return specs
