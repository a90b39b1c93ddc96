"""BROADCAST_TO (tf.broadcast_to) to higher ranks and along size-1 axes."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, target shape)
CONFIGS = (
    ((1, 3), (4, 3)),
    ((2, 1, 3), (2, 5, 3)),
    ((3,), (2, 2, 3)),
    ((1, 1, 2, 1), (2, 3, 2, 4)),
)


def cases() -> list[CaseSpec]:
    """4 configurations x 4 flavours."""
    specs = []
    for shape, target in CONFIGS:
        inputs = [InputSpec(shape, -2.0, 2.0)]

        def fn(x, target=target):
            return tf.broadcast_to(x, list(target))

        specs.append(
            CaseSpec(
                f"in{dims_name(shape)}_to{dims_name(target)}",
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"broadcast of {list(shape)} to {list(target)}",
                (*ALL_FLAVOURS, INT16),
                {"input_shape": list(shape), "target": list(target)},
            )
        )
    return specs
