"""EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL into bool: float32
and int8 (rescaled inputs, equal and different quantizations), same shapes and
broadcasts; EQUAL / NOT_EQUAL of bools."""

from __future__ import annotations

import tensorflow as tf

from ..case import FLOAT32, INT8, INT8_FLOAT_IO, CaseSpec, InputSpec
from .common import dims_name, function_model

OPS = {
    "equal": tf.math.equal,
    "not_equal": tf.math.not_equal,
    "greater": tf.math.greater,
    "greater_equal": tf.math.greater_equal,
    "less": tf.math.less,
    "less_equal": tf.math.less_equal,
}
# (input shapes, ranges): same shape and range; a broadcast with other ranges.
CONFIGS = (
    (((1, 3, 4, 2), (1, 3, 4, 2)), ((-1.0, 1.0), (-1.0, 1.0))),
    (((2, 5), (5,)), ((-2.0, 2.0), (-0.5, 1.5))),
)


def bool_model(fn, shapes):
    """A tf.function of two bool inputs named like the other suites' inputs."""
    signature = [tf.TensorSpec(s, tf.bool, name=f"in_{k:02d}") for k, s in enumerate(shapes)]
    return tf.function(fn, input_signature=signature, autograph=False)


def cases() -> list[CaseSpec]:
    """6 comparisons x 2 configurations x 3 flavours, and bool EQUAL / NOT_EQUAL."""
    specs = []
    for name, fn in OPS.items():
        for shapes, ranges in CONFIGS:
            inputs = [InputSpec(s, *r) for s, r in zip(shapes, ranges)]
            specs.append(
                CaseSpec(
                    f"{name}_{'_'.join(dims_name(s) for s in shapes)}",
                    lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                    inputs,
                    f"{name} of {[list(s) for s in shapes]}, ranges {ranges}",
                    (INT8, INT8_FLOAT_IO, FLOAT32),
                    {"op": name, "input_shapes": [list(s) for s in shapes]},
                )
            )
    for name in ("equal", "not_equal"):
        shapes = ((2, 3, 4), (3, 1))
        inputs = [InputSpec(s) for s in shapes]
        specs.append(
            CaseSpec(
                f"{name}_bool_{'_'.join(dims_name(s) for s in shapes)}",
                lambda fn=OPS[name], shapes=shapes: bool_model(fn, shapes),
                inputs,
                f"{name} of bool {[list(s) for s in shapes]}",
                (FLOAT32,),
                {"op": name, "input_shapes": [list(s) for s in shapes]},
            )
        )
    return specs
