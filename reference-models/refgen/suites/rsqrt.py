"""Quantized RSQRT (int8, int8_float_io, int16): inputs from 0 (which TFLM
maps to the type's maximum) and from just above 0, wide and narrow ranges."""

from __future__ import annotations

import tensorflow as tf

from ..case import INT8, INT8_FLOAT_IO, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, input range).
CONFIGS = (
    ((1, 4, 4, 3), (0.0, 8.0)),
    ((2, 7), (0.05, 50.0)),
    ((3, 5), (0.5, 1.5)),
    ((1, 64), (0.0, 0.01)),
)


def cases() -> list[CaseSpec]:
    """4 configurations x 3 flavours."""
    specs = []
    for shape, (low, high) in CONFIGS:
        inputs = [InputSpec(shape, low, high, nonnegative=True)]
        specs.append(
            CaseSpec(
                f"rsqrt_in{dims_name(shape)}_range{low:g}_{high:g}",
                lambda inputs=inputs: function_model(tf.math.rsqrt, inputs),
                inputs,
                f"rsqrt of {list(shape)} in [{low}, {high}]",
                (INT8, INT8_FLOAT_IO, INT16),
                {"op": "rsqrt", "input_shape": list(shape)},
            )
        )
    return specs
