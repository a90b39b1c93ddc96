"""GATHER (tf.gather) with constant int32 indices: along axis 0 (embedding
lookups), inner and negative axes, repeated indices, and batch_dims."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, indices, axis, batch_dims)
CONFIGS = (
    ((6, 4), [[3, 0], [5, 3]], 0, 0),
    ((2, 5, 3), [4, 0, 4, 1], 1, 0),
    ((1, 3, 7), [6, 2], -1, 0),
    ((2, 4, 3), [[1, 3, 0], [2, 2, 1]], 1, 1),
)


def cases() -> list[CaseSpec]:
    """4 configurations x 3 flavours."""
    specs = []
    for shape, indices, axis, batch_dims in CONFIGS:
        inputs = [InputSpec(shape, -2.0, 2.0)]

        def fn(x, indices=indices, axis=axis, batch_dims=batch_dims):
            return tf.gather(x, tf.constant(indices, tf.int32), axis=axis, batch_dims=batch_dims)

        name = f"in{dims_name(shape)}_axis{axis}_batch{batch_dims}".replace("-", "m")
        specs.append(
            CaseSpec(
                name,
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"gather of {list(shape)} at {indices}, axis {axis}, batch_dims {batch_dims}",
                ALL_FLAVOURS,
                {"input_shape": list(shape), "indices": indices, "axis": axis,
                 "batch_dims": batch_dims},
            )
        )
    return specs
