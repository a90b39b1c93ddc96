"""ARG_MAX and ARG_MIN (tf.math.argmax / argmin, int32 indices) along each kind
of axis, negative axes included."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, axis)
CONFIGS = (
    ((1, 10), -1),
    ((2, 5, 3), 1),
    ((4, 3), 0),
    ((1, 2, 3, 6), 3),
)


def cases() -> list[CaseSpec]:
    """2 ops x 4 configurations x 3 flavours."""
    specs = []
    for op, fn0 in (("arg_max", tf.math.argmax), ("arg_min", tf.math.argmin)):
        for shape, axis in CONFIGS:
            inputs = [InputSpec(shape, -3.0, 3.0)]

            def fn(x, fn0=fn0, axis=axis):
                return fn0(x, axis=axis, output_type=tf.int32)

            specs.append(
                CaseSpec(
                    f"{op}_in{dims_name(shape)}_axis{axis}".replace("-", "m"),
                    lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                    inputs,
                    f"{op} of {list(shape)} along axis {axis}",
                    ALL_FLAVOURS,
                    {"op": op, "input_shape": list(shape), "axis": axis},
                )
            )
    return specs
