"""MAXIMUM and MINIMUM of two inputs with broadcasting (int8, int8_float_io,
float32, int16), LOGICAL_AND / LOGICAL_OR of bool inputs with broadcasting, and
float FLOOR_DIV / FLOOR_MOD with positive and negative denominators."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, FLOAT32, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shapes): same shape, row broadcast, scalar-like, rank 5.
SHAPES = (
    ((1, 4, 4, 3), (1, 4, 4, 3)),
    ((2, 5), (5,)),
    ((1, 3, 4), (1, 1, 1)),
    ((2, 1, 3, 1, 2), (1, 2, 1, 4, 2)),
)
LOGICAL_SHAPES = (((2, 6), (2, 6)), ((2, 3, 4), (3, 1)))
# (input shapes, denominator range): never 0.
FLOOR_CONFIGS = (
    (((2, 3, 4), (2, 3, 4)), (0.5, 3.0)),
    (((3, 5), (5,)), (-3.0, -0.5)),
)


def bool_model(fn, shapes):
    """A tf.function of two bool inputs named like the other suites' inputs."""
    signature = [tf.TensorSpec(s, tf.bool, name=f"in_{k:02d}") for k, s in enumerate(shapes)]
    return tf.function(fn, input_signature=signature, autograph=False)


def cases() -> list[CaseSpec]:
    """2 ops x 4 shape pairs x 4 flavours, 2 logical ops x 2 shape pairs, and
    FLOOR_DIV / FLOOR_MOD x 2 (float32: TFLM's kernels are)."""
    specs = []
    for name, fn in (("maximum", tf.math.maximum), ("minimum", tf.math.minimum)):
        for shapes in SHAPES:
            inputs = [InputSpec(shapes[0], -2.0, 2.0), InputSpec(shapes[1], -1.0, 3.0)]
            specs.append(
                CaseSpec(
                    f"{name}_{'_'.join(dims_name(s) for s in shapes)}",
                    lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                    inputs,
                    f"{name} of {[list(s) for s in shapes]}",
                    (*ALL_FLAVOURS, INT16),
                    {"op": name, "input_shapes": [list(s) for s in shapes]},
                )
            )
    for name, fn in (("logical_and", tf.math.logical_and), ("logical_or", tf.math.logical_or)):
        for shapes in LOGICAL_SHAPES:
            inputs = [InputSpec(s) for s in shapes]
            specs.append(
                CaseSpec(
                    f"{name}_{'_'.join(dims_name(s) for s in shapes)}",
                    lambda fn=fn, shapes=shapes: bool_model(fn, shapes),
                    inputs,
                    f"{name} of bool {[list(s) for s in shapes]}",
                    (FLOAT32,),
                    {"op": name, "input_shapes": [list(s) for s in shapes]},
                )
            )
    for name, fn in (("floor_div", tf.math.floordiv), ("floor_mod", tf.math.floormod)):
        for shapes, (low, high) in FLOOR_CONFIGS:
            inputs = [InputSpec(shapes[0], -6.0, 6.0), InputSpec(shapes[1], low, high)]
            specs.append(
                CaseSpec(
                    f"{name}_{'_'.join(dims_name(s) for s in shapes)}_den{'neg' if high < 0 else 'pos'}",
                    lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                    inputs,
                    f"{name} of {[list(s) for s in shapes]}, denominators in [{low}, {high}]",
                    (FLOAT32,),
                    {"op": name, "input_shapes": [list(s) for s in shapes]},
                )
            )
    return specs
