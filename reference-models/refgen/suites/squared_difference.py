"""SQUARED_DIFFERENCE of two inputs with and without broadcasting (int8,
int8_float_io, float32, int16), including inputs of different ranges (so
different input scales in the quantized flavours)."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shapes, second input's range): same shape, row broadcast,
# scalar-like, rank 4 broadcast both ways.
CONFIGS = (
    (((1, 4, 4, 3), (1, 4, 4, 3)), (-1.0, 3.0)),
    (((2, 5), (5,)), (-0.5, 0.5)),
    (((1, 3, 4), (1, 1, 1)), (-4.0, 4.0)),
    (((2, 1, 3, 2), (1, 4, 1, 2)), (-2.0, 2.0)),
)


def cases() -> list[CaseSpec]:
    """4 shape pairs x 4 flavours."""
    specs = []
    for shapes, (low, high) in CONFIGS:
        inputs = [InputSpec(shapes[0], -2.0, 2.0), InputSpec(shapes[1], low, high)]
        specs.append(
            CaseSpec(
                f"squared_difference_{'_'.join(dims_name(s) for s in shapes)}",
                lambda inputs=inputs: function_model(tf.math.squared_difference, inputs),
                inputs,
                f"squared_difference of {[list(s) for s in shapes]}, second input in [{low}, {high}]",
                (*ALL_FLAVOURS, INT16),
                {"op": "squared_difference", "input_shapes": [list(s) for s in shapes]},
            )
        )
    return specs
