"""PACK (tf.stack) of 2-3 inputs along each kind of axis, negative axes included."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, input count, axis)
CONFIGS = (
    ((2, 3), 3, 0),
    ((1, 4, 2), 2, 1),
    ((3, 5), 3, -1),
    ((2, 2, 3), 2, 3),
)


def cases() -> list[CaseSpec]:
    """4 configurations x 4 flavours (at most 3 inputs: the converter keeps their order)."""
    specs = []
    for shape, count, axis in CONFIGS:
        inputs = [InputSpec(shape, -1.5, 1.5) for _ in range(count)]
        name = f"{count}x{dims_name(shape)}_axis{axis}".replace("-", "m")

        def fn(*xs, axis=axis):
            return tf.stack(list(xs), axis=axis)

        specs.append(
            CaseSpec(
                name,
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"stack of {count} x {list(shape)} on axis {axis}",
                (*ALL_FLAVOURS, INT16),
                {"input_shape": list(shape), "count": count, "axis": axis},
            )
        )
    return specs
