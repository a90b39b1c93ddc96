"""ADD, SUB and MUL of unquantized int32 tensors (tf.cast to int32 first),
same shape and broadcast (rank 2 to 4), as the index and shape arithmetic
the converter leaves in float and int8 models."""

from __future__ import annotations

import tensorflow as tf

from ..case import FLOAT32, CaseSpec, InputSpec
from .common import dims_name, function_model

# (name, function of two int32 tensors, first shape, second shape)
CONFIGS = (
    ("add", tf.math.add, (2, 3, 4), (2, 3, 4)),
    ("add", tf.math.add, (1, 3, 1, 5), (2, 1, 4, 1)),
    ("sub", tf.math.subtract, (4, 6), (4, 6)),
    ("sub", tf.math.subtract, (3, 1, 4), (1, 5, 1)),
    ("mul", tf.math.multiply, (2, 7), (2, 7)),
    ("mul", tf.math.multiply, (2, 3, 4), (4,)),
)


def cases() -> list[CaseSpec]:
    """6 configurations (float32 models: the int32 tensors carry no quantization)."""
    specs = []
    for name, fn, a, b in CONFIGS:
        inputs = [InputSpec(a, -3.0, 3.0), InputSpec(b, -3.0, 3.0)]

        def body(x, y, fn=fn):
            ints = fn(tf.cast(x * 40.0, tf.int32), tf.cast(y * 40.0, tf.int32))
            return tf.cast(ints, tf.float32)

        specs.append(
            CaseSpec(
                f"{name}_int32_{dims_name(a)}_by_{dims_name(b)}",
                lambda body=body, inputs=inputs: function_model(body, inputs),
                inputs,
                f"int32 {name} of {list(a)} and {list(b)}",
                (FLOAT32,),
                {"op": name, "shapes": [list(a), list(b)]},
            )
        )
    return specs
