"""DEPTH_TO_SPACE and SPACE_TO_DEPTH (tf.nn.depth_to_space / space_to_depth) with
block sizes 2 and 3, batches 1 and 2."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (op, input shape, block size)
CONFIGS = (
    ("depth_to_space", (1, 3, 2, 8), 2),
    ("depth_to_space", (2, 2, 2, 9), 3),
    ("space_to_depth", (1, 4, 6, 3), 2),
    ("space_to_depth", (2, 6, 3, 2), 3),
)


def cases() -> list[CaseSpec]:
    """4 configurations x 3 flavours."""
    specs = []
    for op, shape, block in CONFIGS:
        inputs = [InputSpec(shape, -2.0, 2.0)]
        fn0 = getattr(tf.nn, op)

        def fn(x, fn0=fn0, block=block):
            return fn0(x, block)

        specs.append(
            CaseSpec(
                f"{op}_in{dims_name(shape)}_block{block}",
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"{op} of {list(shape)} with block {block}",
                ALL_FLAVOURS,
                {"op": op, "input_shape": list(shape), "block_size": block},
            )
        )
    return specs
