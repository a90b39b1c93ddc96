"""CONCATENATION of 2–3 model inputs with different ranges along several axes."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

RANGES = ((-1.0, 1.0), (-2.0, 0.5), (0.0, 3.0))
# (input shapes, axis)
CONFIGS = (
    (((1, 4, 4, 3), (1, 4, 4, 5)), 3),
    (((1, 2, 5), (1, 3, 5), (1, 1, 5)), 1),
    (((2, 3), (2, 4)), -1),
    (((1, 3, 3, 2), (1, 3, 3, 2)), 2),
)


def cases() -> list[CaseSpec]:
    """4 configurations × 3 flavours."""
    specs = []
    for shapes, axis in CONFIGS:
        inputs = [InputSpec(s, *RANGES[k]) for k, s in enumerate(shapes)]
        name = "_".join(dims_name(s) for s in shapes) + f"_axis{axis}".replace("-", "m")

        def fn(*xs, axis=axis):
            return tf.concat(list(xs), axis=axis)

        specs.append(
            CaseSpec(
                name,
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"concat of {[list(s) for s in shapes]} on axis {axis}, "
                f"ranges {RANGES[: len(shapes)]}",
                ALL_FLAVOURS,
                {"input_shapes": [list(s) for s in shapes], "axis": axis},
            )
        )
    return specs
