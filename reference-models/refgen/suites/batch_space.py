"""SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (int8, int8_float_io, float32):
rank 4 with and without crops, unequal blocks, rank 3.

TFLM pads SPACE_TO_BATCH_ND with an uninitialized pad value (leftover
bytes: 0x52 and 0x07 seen, changing between runs), so padded
SPACE_TO_BATCH_ND has no golden; microlite pads with zero bytes."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (op, input shape, block shape, paddings or crops).
CONFIGS = (
    ("space_to_batch_nd", (1, 4, 6, 3), [2, 2], [[0, 0], [0, 0]]),
    ("space_to_batch_nd", (2, 4, 3, 2), [2, 3], [[0, 0], [0, 0]]),
    ("space_to_batch_nd", (1, 6, 4), [2], [[0, 0]]),
    ("batch_to_space_nd", (4, 2, 3, 3), [2, 2], [[0, 0], [0, 0]]),
    ("batch_to_space_nd", (12, 3, 2, 2), [2, 3], [[1, 0], [2, 1]]),
    ("batch_to_space_nd", (2, 3, 4), [2], [[0, 1]]),
)


def cases() -> list[CaseSpec]:
    """6 configurations x 3 flavours."""
    specs = []
    for op, shape, block, pads in CONFIGS:
        fn = tf.space_to_batch_nd if op == "space_to_batch_nd" else tf.batch_to_space
        inputs = [InputSpec(shape, -1.0, 3.0)]
        pad_name = "_".join(f"{a}{b}" for a, b in pads)

        def body(x, fn=fn, block=block, pads=pads):
            return fn(x, tf.constant(block, tf.int32), tf.constant(pads, tf.int32))

        specs.append(
            CaseSpec(
                f"{op}_{dims_name(shape)}_b{'x'.join(map(str, block))}_p{pad_name}",
                lambda body=body, inputs=inputs: function_model(body, inputs),
                inputs,
                f"{op} of {list(shape)}, block {block}, paddings/crops {pads}",
                ALL_FLAVOURS,
                {"op": op, "input_shape": list(shape), "block": block, "pads": pads},
            )
        )
    return specs
