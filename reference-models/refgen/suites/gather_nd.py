"""GATHER_ND (tf.gather_nd) with constant int32 index tuples: whole
elements (tuples as long as the params rank), slices (shorter tuples), and
a batch of tuples."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (params shape, indices)
CONFIGS = (
    ((4, 3), [[3, 1], [0, 2], [2, 2]]),
    ((3, 4, 2), [[2], [0]]),
    ((2, 3, 5), [[[1, 2], [0, 0]], [[1, 0], [0, 2]]]),
    ((5, 2, 2, 3), [[4, 1, 0], [1, 0, 1]]),
)


def cases() -> list[CaseSpec]:
    """4 configurations x 3 flavours."""
    specs = []
    for shape, indices in CONFIGS:
        inputs = [InputSpec(shape, -2.0, 2.0)]

        def fn(x, indices=indices):
            return tf.gather_nd(x, tf.constant(indices, tf.int32))

        nd = len(tf.constant(indices).shape)
        specs.append(
            CaseSpec(
                f"in{dims_name(shape)}_idx{nd}d_{len(indices)}",
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"gather_nd of {list(shape)} at {indices}",
                ALL_FLAVOURS,
                {"input_shape": list(shape), "indices": indices},
            )
        )
    return specs
