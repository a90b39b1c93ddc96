"""CUMSUM (tf.math.cumsum) along inner, outer and negative axes, exclusive
and reversed; int8 runs on the int8 tensors (`int8_core`: the converter
keeps CUMSUM in float)."""

from __future__ import annotations

import tensorflow as tf

from ..case import FLOAT32, INT8, CaseSpec, InputSpec
from .common import dims_name, function_model, int8_core

# (input shape, axis, exclusive, reverse)
CONFIGS = (
    ((2, 5), 1, False, False),
    ((3, 4, 2), 0, True, False),
    ((2, 3, 4), -1, False, True),
    ((1, 6, 3), 1, True, True),
)


def cases() -> list[CaseSpec]:
    """4 configurations x (float32, int8)."""
    specs = []
    for shape, axis, exclusive, reverse in CONFIGS:
        inputs = [InputSpec(shape, -1.0, 1.0)]

        def fn(x, axis=axis, exclusive=exclusive, reverse=reverse):
            return tf.math.cumsum(x, axis=axis, exclusive=exclusive, reverse=reverse)

        name = (
            f"in{dims_name(shape)}_axis{axis}".replace("-", "m")
            + ("_exclusive" if exclusive else "")
            + ("_reverse" if reverse else "")
        )
        specs.append(
            CaseSpec(
                name,
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"cumsum of {list(shape)} along {axis}, exclusive={exclusive}, reverse={reverse}",
                (FLOAT32, INT8),
                {"input_shape": list(shape), "axis": axis, "exclusive": exclusive,
                 "reverse": reverse},
                rewrite=int8_core,
            )
        )
    return specs
