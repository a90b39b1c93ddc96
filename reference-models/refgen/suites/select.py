"""SELECT_V2 (tf.where with three arguments): a bool condition and two value
inputs broadcast three ways (the converter writes SELECT, which TFLM lacks,
when all three shapes are equal)."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec

# (condition shape, x shape, y shape)
CONFIGS = (
    ((2, 3, 4), (2, 3, 4), (4,)),
    ((2, 1), (1, 5), (2, 5)),
    ((3, 1, 4), (1, 2, 1), (4,)),
)


def select_model(shapes):
    """tf.where(condition, x, y) with a bool input and two float inputs, named
    like the other suites' inputs so the converter keeps their order."""
    signature = [
        tf.TensorSpec(shapes[0], tf.bool, name="in_00"),
        tf.TensorSpec(shapes[1], tf.float32, name="in_01"),
        tf.TensorSpec(shapes[2], tf.float32, name="in_02"),
    ]
    return tf.function(tf.where, input_signature=signature, autograph=False)


def cases() -> list[CaseSpec]:
    """3 configurations x 3 flavours (the converter has no 16x8 SELECT_V2)."""
    specs = []
    for shapes in CONFIGS:
        inputs = [
            InputSpec(shapes[0], dtype="bool"),
            InputSpec(shapes[1], -2.0, 2.0),
            InputSpec(shapes[2], -2.0, 2.0),
        ]
        name = "_".join("x".join(map(str, s)) for s in shapes)
        specs.append(
            CaseSpec(
                name,
                lambda shapes=shapes: select_model(shapes),
                inputs,
                f"where of {[list(s) for s in shapes]}",
                ALL_FLAVOURS,
                {"shapes": [list(s) for s in shapes]},
            )
        )
    return specs
