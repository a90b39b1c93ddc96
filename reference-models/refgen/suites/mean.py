"""MEAN (tf.reduce_mean) over several axis sets, with and without keepdims (float32, int8, int16)."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, axes, keepdims)
CONFIGS = (
    ((1, 5, 5, 3), (1, 2), True),
    ((1, 5, 7, 6), (1, 2), False),
    ((2, 4, 4, 3), (1, 2), True),
    ((1, 3, 4, 5), (3,), False),
    ((2, 9), (1,), True),
    ((1, 3, 4, 5), (1,), False),
    ((2, 3), (0, 1), False),  # every axis: a scalar (shape ()) output
)


def cases() -> list[CaseSpec]:
    """7 configurations × 3 flavours."""
    specs = []
    for shape, axes, keepdims in CONFIGS:
        spec = InputSpec(shape)
        name = (
            f"in{dims_name(shape)}_axes{''.join(map(str, axes))}_{'keep' if keepdims else 'drop'}"
        )

        def fn(x, axes=axes, keepdims=keepdims):
            return tf.reduce_mean(x, axis=list(axes), keepdims=keepdims)

        specs.append(
            CaseSpec(
                name,
                lambda fn=fn, spec=spec: function_model(fn, [spec]),
                [spec],
                f"reduce_mean over axes {list(axes)}, keepdims={keepdims}, on {list(shape)}",
                (*ALL_FLAVOURS, INT16),
                {"input_shape": list(shape), "axes": list(axes), "keepdims": keepdims},
            )
        )
    return specs
