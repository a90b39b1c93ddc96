"""REVERSE_V2 (tf.reverse) along one axis and along contiguous runs of axes,
negative axes included."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, axes)
CONFIGS = (
    ((1, 4, 3, 2), (1,)),
    ((2, 5), (-1,)),
    ((2, 3, 4), (1, 2)),
    ((3, 2, 2, 2), (0, 1, 2)),
)


def cases() -> list[CaseSpec]:
    """4 configurations x 4 flavours."""
    specs = []
    for shape, axes in CONFIGS:
        inputs = [InputSpec(shape, -2.0, 2.0)]

        def fn(x, axes=axes):
            return tf.reverse(x, axis=list(axes))

        axes_name = "_".join(str(a) for a in axes).replace("-", "m")
        specs.append(
            CaseSpec(
                f"in{dims_name(shape)}_axes{axes_name}",
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"reverse of {list(shape)} along {list(axes)}",
                (*ALL_FLAVOURS, INT16),
                {"input_shape": list(shape), "axes": list(axes)},
            )
        )
    return specs
