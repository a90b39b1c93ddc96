"""L2_NORMALIZATION over the last axis (int8, int8_float_io, float32), of
rank 2 and 4 inputs with symmetric and shifted ranges."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, input range).
CONFIGS = (
    ((2, 16), (-2.0, 2.0)),
    ((1, 3, 4, 8), (-1.0, 3.0)),
    ((4, 5), (-0.1, 0.1)),
)


def cases() -> list[CaseSpec]:
    """3 configurations x 3 flavours."""
    specs = []
    for shape, (low, high) in CONFIGS:
        inputs = [InputSpec(shape, low, high)]
        specs.append(
            CaseSpec(
                f"l2_normalization_{dims_name(shape)}_range{low:g}_{high:g}",
                lambda inputs=inputs: function_model(
                    lambda x: tf.math.l2_normalize(x, axis=-1), inputs
                ),
                inputs,
                f"l2_normalization of {list(shape)} in [{low}, {high}]",
                ALL_FLAVOURS,
                {"op": "l2_normalization", "input_shape": list(shape)},
            )
        )
    return specs
