"""Elementwise math of one input: ABS (float32, int8, int16), NEG, SIN, COS, EXP,
LOG, SQRT, RSQRT, SQUARE, FLOOR, CEIL, ROUND (float32), LOGICAL_NOT (bool)."""

from __future__ import annotations

import tensorflow as tf

from ..case import FLOAT32, INT8, INT8_FLOAT_IO, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# name → (function, input range); float32 only (TFLM's kernels are).
FLOAT_OPS = {
    "neg": (tf.math.negative, (-4.0, 4.0)),
    "sin": (tf.math.sin, (-7.0, 7.0)),
    "cos": (tf.math.cos, (-7.0, 7.0)),
    "exp": (tf.math.exp, (-6.0, 6.0)),
    "log": (tf.math.log, (0.01, 50.0)),
    "sqrt": (tf.math.sqrt, (0.0, 50.0)),
    "rsqrt": (tf.math.rsqrt, (0.01, 50.0)),
    "square": (tf.math.square, (-6.0, 6.0)),
    "floor": (tf.math.floor, (-6.0, 6.0)),
    "ceil": (tf.math.ceil, (-6.0, 6.0)),
    "round": (tf.math.round, (-6.0, 6.0)),
}
SHAPES = ((1, 4, 4, 3), (2, 7))


def logical_not_model(shape):
    """A tf.function with one bool input named like the other suites' inputs."""
    signature = [tf.TensorSpec(shape, tf.bool, name="in_00")]
    return tf.function(tf.math.logical_not, input_signature=signature, autograph=False)


def cases() -> list[CaseSpec]:
    """11 float functions × 2 shapes, ABS in 4 flavours × 2 shapes, LOGICAL_NOT."""
    specs = []
    for name, (fn, (low, high)) in FLOAT_OPS.items():
        for shape in SHAPES:
            inputs = [InputSpec(shape, low, high)]
            specs.append(
                CaseSpec(
                    f"{name}_in{dims_name(shape)}",
                    lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                    inputs,
                    f"{name} on {list(shape)}, inputs in [{low}, {high}]",
                    (FLOAT32,),
                    {"op": name, "input_shape": list(shape)},
                )
            )
    for shape in SHAPES:
        inputs = [InputSpec(shape, -3.0, 1.5)]
        specs.append(
            CaseSpec(
                f"abs_in{dims_name(shape)}",
                lambda inputs=inputs: function_model(tf.math.abs, inputs),
                inputs,
                f"abs on {list(shape)}, inputs in [-3, 1.5] (output scale differs)",
                (INT8, INT8_FLOAT_IO, FLOAT32, INT16),
                {"op": "abs", "input_shape": list(shape)},
            )
        )
    for shape in SHAPES:
        inputs = [InputSpec(shape)]
        specs.append(
            CaseSpec(
                f"logical_not_in{dims_name(shape)}",
                lambda shape=shape: logical_not_model(shape),
                inputs,
                f"logical_not on bool {list(shape)}",
                (FLOAT32,),
                {"op": "logical_not", "input_shape": list(shape)},
            )
        )
    return specs
