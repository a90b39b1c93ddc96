"""ADD, SUB and MUL of two model inputs: equal shapes, broadcasts, a fused RELU.

The two inputs span different ranges so their quantization scales differ.
"""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
}
# (shape a, shape b, relu after the op)
SHAPES = (
    ((1, 5, 5, 3), (1, 5, 5, 3), False),
    ((1, 4, 4, 3), (1, 1, 1, 3), False),
    ((2, 7), (1, 7), True),
    ((1, 6), (1, 1), False),
    ((1, 3, 1, 5), (1, 1, 4, 1), True),
)


def _fn(op, relu):
    def fn(a, b):
        out = OPS[op](a, b)
        return tf.nn.relu(out) if relu else out

    return fn


def cases() -> list[CaseSpec]:
    """3 ops × 5 shape pairs × 4 flavours (int16 as 16x8)."""
    specs = []
    for op in OPS:
        for shape_a, shape_b, relu in SHAPES:
            inputs = [InputSpec(shape_a, -1.0, 1.0), InputSpec(shape_b, -3.0, 2.0)]
            name = f"{op}_{dims_name(shape_a)}_{dims_name(shape_b)}{'_relu' if relu else ''}"
            specs.append(
                CaseSpec(
                    name,
                    lambda inputs=inputs, op=op, relu=relu: function_model(_fn(op, relu), inputs),
                    inputs,
                    f"{op}(a{list(shape_a)} in [-1,1], b{list(shape_b)} in [-3,2])"
                    + (" then relu" if relu else ""),
                    (*ALL_FLAVOURS, INT16),
                    {"op": op, "shape_a": list(shape_a), "shape_b": list(shape_b), "relu": relu},
                )
            )
    return specs
